// SPDX-License-Identifier: GPL-2.0
/*
 * natctl conntrack: the conntrack entries behind conenat's mappings.
 *
 *   natctl conntrack show [instance NAME] [internal ADDR[:PORT]]
 *
 * conenat lets conntrack and nf_nat do the translating, so every flow
 * through a mapping is a conntrack entry NATed to the mapping's external
 * endpoint. This command dumps the mappings (optionally of one instance),
 * puts their external endpoints in a hash set, then reads the conntrack
 * table once (ct.h) and prints the IPv4 UDP and TCP entries whose
 * translated external endpoint (protocol, address, port) is in the set:
 *
 *   - a source-NATed entry (an outbound flow) by the destination of its
 *     reply tuple: the internal endpoint is the original source, the remote
 *     the original destination;
 *   - a destination-NATed entry (an inbound flow) by the destination of its
 *     original tuple: the internal endpoint is the reply's source, the
 *     remote the reply's destination (what the internal host sees).
 *
 * A hairpinned flow is both and may print two rows, one per mapping. ICMP
 * echo mappings (identifiers, not ports) are left out. Text,
 * one line per row, in the kernel's order:
 *
 *   home udp 10.0.1.2:5000 -> 198.51.100.1:5000 remote 198.51.100.10:4000 outbound timeout 27s [assured]
 *
 * JSON: an array of objects with the keys instance, proto, internal_addr,
 * internal_port, external_addr, external_port, remote_addr, remote_port,
 * direction ("outbound" or "inbound"), timeout (seconds, null if unknown)
 * and assured (bool).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "ct.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

int ct_fail(const char *step, int err)
{
	const char *hint = "";

	switch (err) {
	case EPERM:
	case EACCES:
		hint = " (CAP_NET_ADMIN is needed in this network namespace)";
		break;
	case EPROTONOSUPPORT:
	case EAFNOSUPPORT:
	case ENOENT:
	case EINVAL:
	case EOPNOTSUPP:
		hint = " (is nf_conntrack loaded? try: modprobe nf_conntrack_netlink)";
		break;
	case ENOBUFS:
		hint = " (the table changed too fast for the dump; try again)";
		break;
	}
	return fail_err("cannot %s the conntrack table: %s%s", step,
			strerror(err), hint);
}

/* ---- the external endpoints of the mappings ------------------------- */

struct ext_map {
	uint32_t addr;		/* network byte order */
	uint16_t port;		/* host byte order */
	uint8_t proto;
	char instance[CONENAT_NAME_MAX];
};

/* An open-addressing hash set of external endpoints. */
struct ext_set {
	struct ext_map *maps;
	size_t n, cap;
	uint32_t *slots;	/* 1 + index into maps, 0 for empty */
	size_t mask;
};

static size_t ext_hash(uint32_t addr, uint16_t port, uint8_t proto)
{
	uint64_t x = ((uint64_t)addr << 32) | ((uint64_t)port << 8) | proto;

	/* splitmix64's finalizer: every key bit moves every hash bit */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (size_t)x;
}

static int ext_add(struct ext_set *s, const struct ext_map *m)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct ext_map *p;

		if (cap > UINT32_MAX / 2)
			return fail_err("too many mappings");
		p = realloc(s->maps, cap * sizeof(*p));
		if (!p)
			return fail_err("out of memory");
		s->maps = p;
		s->cap = cap;
	}
	s->maps[s->n++] = *m;
	return 0;
}

/* Indexes the endpoints added: a table of at least twice as many slots. */
static int ext_index(struct ext_set *s)
{
	size_t size = 16, i;

	while (size < 2 * s->n)
		size *= 2;
	s->slots = calloc(size, sizeof(*s->slots));
	if (!s->slots)
		return fail_err("out of memory");
	s->mask = size - 1;
	for (i = 0; i < s->n; i++) {
		const struct ext_map *m = &s->maps[i];
		size_t h = ext_hash(m->addr, m->port, m->proto) & s->mask;

		/* An endpoint belongs to one mapping; keep the first anyway. */
		while (s->slots[h]) {
			const struct ext_map *o = &s->maps[s->slots[h] - 1];

			if (o->addr == m->addr && o->port == m->port &&
			    o->proto == m->proto)
				break;
			h = (h + 1) & s->mask;
		}
		if (!s->slots[h])
			s->slots[h] = (uint32_t)(i + 1);
	}
	return 0;
}

static const struct ext_map *ext_find(const struct ext_set *s, uint32_t addr,
				      uint16_t port, uint8_t proto)
{
	size_t h;

	if (!s->slots)
		return NULL;
	for (h = ext_hash(addr, port, proto) & s->mask; s->slots[h];
	     h = (h + 1) & s->mask) {
		const struct ext_map *m = &s->maps[s->slots[h] - 1];

		if (m->addr == addr && m->port == port && m->proto == proto)
			return m;
	}
	return NULL;
}

static void ext_free(struct ext_set *s)
{
	free(s->maps);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* The protocols whose conntrack tuples carry ports conenat maps. */
static bool proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_UDP || proto == IPPROTO_TCP;
}

static int mapping_collect(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	struct ext_set *s = arg;
	struct ext_map m = { 0 };
	int err;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_MAPPING)
		return 0;
	err = mapping_parse(msg, tb);
	if (err)
		return err;
	if (!tb[CONENAT_MAPPING_A_INSTANCE] || !tb[CONENAT_MAPPING_A_PROTO] ||
	    !tb[CONENAT_MAPPING_A_EXT_ADDR] || !tb[CONENAT_MAPPING_A_EXT_PORT])
		return 0;	/* nothing to match it by */
	m.addr = nla_get_u32(tb[CONENAT_MAPPING_A_EXT_ADDR]);
	m.port = ntohs(nla_get_u16(tb[CONENAT_MAPPING_A_EXT_PORT]));
	m.proto = nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]);
	if (!proto_has_ports(m.proto))
		return 0;
	snprintf(m.instance, sizeof(m.instance), "%s",
		 nla_get_string(tb[CONENAT_MAPPING_A_INSTANCE]));
	return ext_add(s, &m);
}

/* ---- conntrack show ------------------------------------------------- */

struct show_ctx {
	struct ext_set set;
	struct endpoint internal;	/* the filter, if has_addr */
};

/* One row: the entry @e seen through mapping @m. */
static void print_row(const struct show_ctx *c, const struct ext_map *m,
		      const struct ct_entry *e, const char *direction,
		      uint32_t iaddr, uint16_t iport, uint32_t raddr,
		      uint16_t rport)
{
	char buf[4];

	if (c->internal.has_addr &&
	    (iaddr != c->internal.addr ||
	     (c->internal.has_port && iport != c->internal.port)))
		return;

	open_json_object(NULL);
	print_string(PRINT_ANY, "instance", "%s", m->instance);
	print_string(PRINT_ANY, "proto", " %s", fmt_proto(e->proto, buf));
	print_endpoint(iaddr, iport, "internal", " %s");
	print_endpoint(m->addr, m->port, "external", " -> %s");
	print_endpoint(raddr, rport, "remote", " remote %s");
	print_string(PRINT_ANY, "direction", " %s", direction);
	if (e->has_timeout)
		print_uint(PRINT_ANY, "timeout", " timeout %us", e->timeout);
	else
		print_null(PRINT_JSON, "timeout", NULL);
	print_bool(PRINT_JSON, "assured", NULL, e->status & IPS_ASSURED);
	if (e->status & IPS_ASSURED)
		print_string(PRINT_FP, NULL, " %s", "[assured]");
	print_nl();
	close_json_object();
}

static int ct_entry(const struct ct_entry *e, void *arg)
{
	const struct show_ctx *c = arg;
	const struct ext_map *m;

	if (!proto_has_ports(e->proto))
		return 0;
	if (e->status & IPS_SRC_NAT) {
		/* outbound: replies come back to the external endpoint */
		m = ext_find(&c->set, e->reply.dst, e->reply.dport, e->proto);
		if (m)
			print_row(c, m, e, "outbound", e->orig.src,
				  e->orig.sport, e->orig.dst, e->orig.dport);
	}
	if (e->status & IPS_DST_NAT) {
		/* inbound: sent to the external endpoint */
		m = ext_find(&c->set, e->orig.dst, e->orig.dport, e->proto);
		if (m)
			print_row(c, m, e, "inbound", e->reply.src,
				  e->reply.sport, e->reply.dst, e->reply.dport);
	}
	return 0;
}

static int conntrack_show(int argc, char **argv)
{
	static const char *const keys[] = { "instance", "internal", NULL };
	const char *vals[ARRAY_SIZE(keys)] = { NULL };
	struct show_ctx c;
	struct nl_msg *req;
	int err;

	memset(&c, 0, sizeof(c));
	err = parse_pairs("conntrack", "show", argc, argv, keys, vals);
	if (!err && vals[0])
		err = parse_name(vals[0], "instance name", CONENAT_NAME_MAX - 1,
				 false);
	if (!err && vals[1])
		err = parse_endpoint(vals[1], "internal endpoint",
				     EP_PORT_OPTIONAL, &c.internal);
	if (err)
		return err;

	/* The mappings first: their external endpoints select the entries. */
	req = nl_req_new(CONENAT_CMD_GET_MAPPING, NLM_F_DUMP);
	if (!req)
		return NATCTL_EXIT_FAIL;
	if (vals[0] &&
	    nla_put_string(req, CONENAT_MAPPING_A_INSTANCE, vals[0]) < 0)
		return nl_req_abort(req);
	err = nl_req_send(req, mapping_collect, &c.set);
	if (!err)
		err = ext_index(&c.set);

	if (!err) {
		open_json_array(NULL);
		/* No mapping, no entry of ours: skip the conntrack dump. */
		if (c.set.n)
			err = ct_dump(ct_entry, &c);
		if (!err)
			close_json_array();
	}
	ext_free(&c.set);
	return err;
}

static const struct natctl_cmd conntrack_cmds[] = {
	{ "show", conntrack_show, "[instance NAME] [internal ADDR[:PORT]]",
	  "print the conntrack entries behind the mappings" },
	{ NULL, NULL, NULL,
	  "Lists the IPv4 UDP and TCP conntrack entries translated to a mapping's\n"
	  "  external endpoint: outbound flows (source-NATed) and inbound ones\n"
	  "  (destination-NATed). Deleting or flushing mappings removes their entries.\n" },
};

int do_conntrack(int argc, char **argv)
{
	return cmd_dispatch("conntrack", conntrack_cmds, "show", argc, argv);
}
