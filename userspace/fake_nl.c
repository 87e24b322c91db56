// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for nl.c, for tests without the conenat module: natctl-fake
 * is natctl linked with this file instead of nl.c.
 *
 * Requests are checked as the module's strict policies would (attribute
 * types of the command's set, lengths, NLA_F_NESTED) and logged, one line
 * each, to the file named by $NATCTL_FAKE_LOG:
 *
 *   NEW_INSTANCE flags=ack name="home" ifname="wan0" port_min=2000 ...
 *
 * in the order of the message, addresses as dotted quads of their bytes
 * and ports in host order after ntohs(), so a value sent in the wrong byte
 * order shows. A malformed request fails with exit status 2 and a line
 * "natctl: fake: ...".
 *
 * Replies are canned: GET_INFO (version "0.0.0-fake"), two instances
 * ("home", "lab"), three mappings of "home" and one of "lab", GET_LIMITS
 * (max_mappings 4194304, mappings 4, max_peers 1048576, peers 3, instances
 * 2), two permits (one of "home" for any port, one timed of "lab"); GET_INSTANCE of another name fails as the module does (ENOENT). With
 * $NATCTL_FAKE_EMPTY set, dumps are empty. "monitor" gets seven events
 * (created, expired, deleted, exhausted, peer-limit of "home", created of
 * "lab", one of another command; with $NATCTL_FAKE_OVERRUN a receive
 * overrun before the "lab" one) and ends. $NATCTL_FAKE_FAIL=NAME (e.g.
 * NEW_MAPPING) makes every request of that command fail as the kernel's
 * refusals do, after it is logged. With $NATCTL_FAKE_UNLOADED set, the
 * module is not loaded: every request fails as nl.c's do then. With
 * $NATCTL_FAKE_MALFORMED, the GET_LIMITS reply's max_mappings is one byte
 * long, a reply the strict policies must refuse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"

#define FAKE_FAMILY	0x1c

/* ---- request checks ------------------------------------------------- */

enum kind { K_NONE, K_STR, K_U8, K_BE16, K_U32, K_ADDR, K_PREFIXES };

struct attr_desc {
	const char *name;
	enum kind kind;
};

static const struct attr_desc info_attrs[CONENAT_INFO_A_MAX + 1] = {
	[CONENAT_INFO_A_CLIENT_API] = { "client_api", K_U32 },
};

static const struct attr_desc instance_attrs[CONENAT_INSTANCE_A_MAX + 1] = {
	[CONENAT_INSTANCE_A_NAME]		= { "name", K_STR },
	[CONENAT_INSTANCE_A_IFNAME]		= { "ifname", K_STR },
	[CONENAT_INSTANCE_A_MAPPING]		= { "mapping", K_U8 },
	[CONENAT_INSTANCE_A_FILTERING]		= { "filtering", K_U8 },
	[CONENAT_INSTANCE_A_EXT_ADDR_MIN]	= { "ext_addr_min", K_ADDR },
	[CONENAT_INSTANCE_A_EXT_ADDR_MAX]	= { "ext_addr_max", K_ADDR },
	[CONENAT_INSTANCE_A_INTERNAL]		= { "internal", K_PREFIXES },
	[CONENAT_INSTANCE_A_PORT_MIN]		= { "port_min", K_BE16 },
	[CONENAT_INSTANCE_A_PORT_MAX]		= { "port_max", K_BE16 },
	[CONENAT_INSTANCE_A_PORT_PRESERVATION]	= { "port_preservation", K_U8 },
	[CONENAT_INSTANCE_A_PORT_PARITY]	= { "port_parity", K_U8 },
	[CONENAT_INSTANCE_A_HAIRPIN]		= { "hairpin", K_U8 },
	[CONENAT_INSTANCE_A_INBOUND_REFRESH]	= { "inbound_refresh", K_U8 },
	[CONENAT_INSTANCE_A_UDP_TIMEOUT]	= { "udp_timeout", K_U32 },
	[CONENAT_INSTANCE_A_MAX_PER_HOST]	= { "max_per_host", K_U32 },
	[CONENAT_INSTANCE_A_MAX_PEERS]		= { "max_peers", K_U32 },
	[CONENAT_INSTANCE_A_HOLD_DOWN]		= { "hold_down", K_U32 },
	[CONENAT_INSTANCE_A_TCP_TIMEOUT]	= { "tcp_timeout", K_U32 },
	[CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT] = { "tcp_transitory_timeout", K_U32 },
	[CONENAT_INSTANCE_A_ICMP_TIMEOUT]	= { "icmp_timeout", K_U32 },
	[CONENAT_INSTANCE_A_HAIRPIN_FILTER]	= { "hairpin_filter", K_U8 },
};

static const struct attr_desc mapping_attrs[CONENAT_MAPPING_A_MAX + 1] = {
	[CONENAT_MAPPING_A_INSTANCE]	= { "instance", K_STR },
	[CONENAT_MAPPING_A_PROTO]	= { "proto", K_U8 },
	[CONENAT_MAPPING_A_INT_ADDR]	= { "int_addr", K_ADDR },
	[CONENAT_MAPPING_A_INT_PORT]	= { "int_port", K_BE16 },
	[CONENAT_MAPPING_A_EXT_ADDR]	= { "ext_addr", K_ADDR },
	[CONENAT_MAPPING_A_EXT_PORT]	= { "ext_port", K_BE16 },
	[CONENAT_MAPPING_A_REMOTE_ADDR]	= { "remote_addr", K_ADDR },
	[CONENAT_MAPPING_A_REMOTE_PORT]	= { "remote_port", K_BE16 },
	[CONENAT_MAPPING_A_LIFETIME]	= { "lifetime", K_U32 },
};

static const struct attr_desc limits_attrs[CONENAT_LIMITS_A_MAX + 1] = {
	[CONENAT_LIMITS_A_MAX_MAPPINGS]	= { "max_mappings", K_U32 },
	[CONENAT_LIMITS_A_MAX_PEERS]	= { "max_peers", K_U32 },
};

static const struct {
	const char *name;
	const struct attr_desc *attrs;
	int maxtype;
} commands[] = {
	[CONENAT_CMD_GET_INFO] = { "GET_INFO", info_attrs, CONENAT_INFO_A_MAX },
	[CONENAT_CMD_NEW_INSTANCE] = { "NEW_INSTANCE", instance_attrs, CONENAT_INSTANCE_A_MAX },
	[CONENAT_CMD_SET_INSTANCE] = { "SET_INSTANCE", instance_attrs, CONENAT_INSTANCE_A_MAX },
	[CONENAT_CMD_DEL_INSTANCE] = { "DEL_INSTANCE", instance_attrs, CONENAT_INSTANCE_A_MAX },
	[CONENAT_CMD_GET_INSTANCE] = { "GET_INSTANCE", instance_attrs, CONENAT_INSTANCE_A_MAX },
	[CONENAT_CMD_NEW_MAPPING] = { "NEW_MAPPING", mapping_attrs, CONENAT_MAPPING_A_MAX },
	[CONENAT_CMD_DEL_MAPPING] = { "DEL_MAPPING", mapping_attrs, CONENAT_MAPPING_A_MAX },
	[CONENAT_CMD_GET_MAPPING] = { "GET_MAPPING", mapping_attrs, CONENAT_MAPPING_A_MAX },
	[CONENAT_CMD_FLUSH_MAPPINGS] = { "FLUSH_MAPPINGS", mapping_attrs, CONENAT_MAPPING_A_MAX },
	[CONENAT_CMD_NEW_PERMIT] = { "NEW_PERMIT", mapping_attrs, CONENAT_MAPPING_A_MAX },
	[CONENAT_CMD_GET_PERMIT] = { "GET_PERMIT", mapping_attrs, CONENAT_MAPPING_A_MAX },
	[CONENAT_CMD_DEL_PERMIT] = { "DEL_PERMIT", mapping_attrs, CONENAT_MAPPING_A_MAX },
	[CONENAT_CMD_FLUSH_PERMITS] = { "FLUSH_PERMITS", mapping_attrs, CONENAT_MAPPING_A_MAX },
	[CONENAT_CMD_GET_LIMITS] = { "GET_LIMITS", limits_attrs, CONENAT_LIMITS_A_MAX },
	[CONENAT_CMD_SET_LIMITS] = { "SET_LIMITS", limits_attrs, CONENAT_LIMITS_A_MAX },
};

/* The log line being built. */
static char logline[4096];
static size_t loglen;

static void __printf(1, 2) logf_(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (loglen >= sizeof(logline))
		return;
	va_start(ap, fmt);
	n = vsnprintf(logline + loglen, sizeof(logline) - loglen, fmt, ap);
	va_end(ap);
	if (n > 0)
		loglen += (size_t)n;
}

static void log_flush(void)
{
	const char *path = getenv("NATCTL_FAKE_LOG");
	FILE *fp;

	if (!path)
		return;
	fp = fopen(path, "a");
	if (!fp)
		return;
	fprintf(fp, "%s\n", logline);
	fclose(fp);
}

static const char *addr_str(const void *p, char buf[16])
{
	const unsigned char *b = p;

	snprintf(buf, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

/* Checks and logs the prefix list @list; NULL or what is wrong. */
static const char *check_prefixes(const struct nlattr *list)
{
	const struct nlattr *pfx;
	int rem, n = 0;

	if (!(list->nla_type & NLA_F_NESTED))
		return "internal: NLA_F_NESTED is missing";
	logf_(" internal=[");
	nla_for_each_nested(pfx, list, rem) {
		const struct nlattr *a;
		int rem2;
		bool has_addr = false, has_len = false;
		char buf[16];

		if (!(pfx->nla_type & NLA_F_NESTED))
			return "internal: a prefix lacks NLA_F_NESTED";
		if (n++)
			logf_(",");
		nla_for_each_nested(a, pfx, rem2) {
			if (nla_type(a) == CONENAT_PREFIX_A_ADDR && nla_len(a) == 4 &&
			    !has_addr) {
				has_addr = true;
				logf_("%s", addr_str(nla_data(a), buf));
			} else if (nla_type(a) == CONENAT_PREFIX_A_LEN &&
				   nla_len(a) == 1 && !has_len && has_addr) {
				has_len = true;
				if (nla_get_u8(a) > 32)
					return "internal: prefix length above 32";
				logf_("/%u", nla_get_u8(a));
			} else {
				return "internal: bad prefix attribute (type, length or order)";
			}
		}
		if (rem2)
			return "internal: trailing bytes in a prefix";
		if (!has_addr || !has_len)
			return "internal: a prefix needs ADDR and LEN";
	}
	if (rem)
		return "internal: trailing bytes";
	if (n > CONENAT_MAX_PREFIXES)
		return "internal: too many prefixes";
	logf_("]");
	return NULL;
}

/* Checks and logs request @req; NULL or what is wrong. */
static const char *check_request(struct nl_msg *req, uint8_t *cmdp)
{
	struct nlmsghdr *nlh = nlmsg_hdr(req);
	struct genlmsghdr *gh;
	const struct attr_desc *attrs;
	struct nlattr *a;
	int rem, maxtype;
	bool seen[64] = { false };

	loglen = 0;
	logline[0] = '\0';
	if (nlh->nlmsg_type != FAKE_FAMILY)
		return "not addressed to the family";
	gh = genlmsg_hdr(nlh);
	if (gh->version != CONENAT_GENL_VERSION)
		return "wrong genl version";
	if (gh->cmd >= ARRAY_SIZE(commands) || !commands[gh->cmd].name)
		return "unknown command";
	*cmdp = gh->cmd;
	attrs = commands[gh->cmd].attrs;
	maxtype = commands[gh->cmd].maxtype;

	logf_("%s flags=%s", commands[gh->cmd].name,
	      (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP ? "dump" :
	      (nlh->nlmsg_flags & NLM_F_ACK) ?
	      ((nlh->nlmsg_flags & NLM_F_ECHO) ? "ack,echo" : "ack") : "none");

	nla_for_each_attr(a, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), rem) {
		int type = nla_type(a), len = nla_len(a);
		const struct attr_desc *d;
		char buf[16];

		if (type > maxtype || !attrs[type].name)
			return "attribute not in the command's policy";
		if (seen[type])
			return "attribute given twice";
		seen[type] = true;
		d = &attrs[type];
		if (d->kind != K_PREFIXES && (a->nla_type & NLA_F_NESTED))
			return "NLA_F_NESTED on a plain attribute";
		switch (d->kind) {
		case K_STR:
			if (len < 1 || ((char *)nla_data(a))[len - 1] ||
			    strlen(nla_data(a)) + 1 != (size_t)len)
				return "string not NUL-terminated";
			if (len > 16)
				return "string longer than the policy allows";
			logf_(" %s=\"%s\"", d->name, (char *)nla_data(a));
			break;
		case K_U8:
			if (len != 1)
				return "u8 of the wrong length";
			logf_(" %s=%u", d->name, nla_get_u8(a));
			break;
		case K_BE16:
			if (len != 2)
				return "be16 of the wrong length";
			logf_(" %s=%u", d->name, ntohs(nla_get_u16(a)));
			break;
		case K_U32:
			if (len != 4)
				return "u32 of the wrong length";
			logf_(" %s=%u", d->name, nla_get_u32(a));
			break;
		case K_ADDR:
			if (len != 4)
				return "be32 of the wrong length";
			logf_(" %s=%s", d->name, addr_str(nla_data(a), buf));
			break;
		case K_PREFIXES: {
			const char *why = check_prefixes(a);

			if (why)
				return why;
			break;
		}
		case K_NONE:
			return "unexpected attribute";
		}
	}
	if (rem)
		return "trailing bytes after the attributes";
	return NULL;
}

/* ---- canned replies ------------------------------------------------- */

struct fake_instance {
	const char *name, *ifname;
	uint32_t ifindex;
	uint8_t mapping, filtering;
	const char *ext_min, *ext_max, *ext_addr;
	unsigned int nprefixes;
	const char *prefix_addr[2];
	uint8_t prefix_len[2];
	uint16_t port_min, port_max;
	uint8_t pp, parity, hairpin, refresh;
	uint32_t udp_timeout, max_per_host, max_peers, hold_down, mappings;
	uint64_t stats_base;
	uint8_t hairpin_filter;
	uint32_t tcp_timeout, tcp_transitory_timeout, icmp_timeout;
};

static const struct fake_instance instances[] = {
	{ "home", "wan0", 3, CONENAT_ENDPOINT_INDEPENDENT,
	  CONENAT_ADDRESS_DEPENDENT, "0.0.0.0", "0.0.0.0", "198.51.100.1",
	  0, { NULL }, { 0 }, 1024, 65535, 1, 0, 1, 0, 300, 0,
	  CONENAT_DEFAULT_MAX_PEERS, CONENAT_DEFAULT_HOLD_DOWN, 3, 100, 0,
	  7440, 240, 60 },
	{ "lab", "wan1", 4, CONENAT_ADDRESS_DEPENDENT,
	  CONENAT_ENDPOINT_INDEPENDENT, "203.0.113.1", "203.0.113.4",
	  "203.0.113.1", 2, { "10.0.0.0", "192.168.1.0" }, { 8, 24 },
	  2000, 3000, 0, 1, 0, 1, 60, 8, 16, 0, 1, 200, 1, 3600, 120, 30 },
};

struct fake_mapping {
	const char *instance;
	const char *int_addr;
	uint16_t int_port;
	const char *ext_addr;
	uint16_t ext_port;
	uint8_t origin;
	int64_t expires;		/* < 0: permanent */
	const char *remote_addr;	/* NULL: none */
	uint16_t remote_port;		/* 0: none */
};

static const struct fake_mapping mappings[] = {
	{ "home", "10.0.1.2", 5000, "198.51.100.1", 5000,
	  CONENAT_ORIGIN_DYNAMIC, 297, NULL, 0 },
	{ "home", "10.0.1.3", 5000, "198.51.100.1", 6000,
	  CONENAT_ORIGIN_STATIC, -1, NULL, 0 },
	{ "home", "10.0.1.4", 4000, "198.51.100.1", 7000,
	  CONENAT_ORIGIN_DYNAMIC, 12, "198.51.100.10", 3478 },
	{ "lab", "10.0.0.9", 53, "203.0.113.2", 2001,
	  CONENAT_ORIGIN_DYNAMIC, 30, "192.0.2.7", 0 },
};

/* Permits: on the mappings above, by index. */
static const struct {
	unsigned int mapping;
	const char *remote_addr;
	uint16_t remote_port;		/* 0: any port */
	int64_t expires;		/* < 0: as long as the mapping */
} permits[] = {
	{ 1, "192.0.2.44", 0, -1 },
	{ 3, "203.0.113.5", 3478, 52 },
};

/* The remote the peer-limit event says a peer cap kept out of a filter. */
#define PEER_LIMIT_REMOTE_ADDR	"203.0.113.9"
#define PEER_LIMIT_REMOTE_PORT	4000

static uint32_t ip(const char *s)
{
	struct in_addr in;

	inet_pton(AF_INET, s, &in);
	return in.s_addr;
}

static struct nl_msg *reply_new(uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, 0, 0, FAKE_FAMILY, 0, flags, cmd,
				CONENAT_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static struct nl_msg *instance_msg(const struct fake_instance *in)
{
	struct nl_msg *msg = reply_new(CONENAT_CMD_GET_INSTANCE, NLM_F_MULTI);
	struct nlattr *nest, *pfx;
	unsigned int i;

	if (!msg)
		return NULL;
	nla_put_string(msg, CONENAT_INSTANCE_A_NAME, in->name);
	nla_put_string(msg, CONENAT_INSTANCE_A_IFNAME, in->ifname);
	nla_put_u32(msg, CONENAT_INSTANCE_A_IFINDEX, in->ifindex);
	nla_put_u8(msg, CONENAT_INSTANCE_A_MAPPING, in->mapping);
	nla_put_u8(msg, CONENAT_INSTANCE_A_FILTERING, in->filtering);
	nla_put_u32(msg, CONENAT_INSTANCE_A_EXT_ADDR_MIN, ip(in->ext_min));
	nla_put_u32(msg, CONENAT_INSTANCE_A_EXT_ADDR_MAX, ip(in->ext_max));
	nla_put_u32(msg, CONENAT_INSTANCE_A_EXT_ADDR, ip(in->ext_addr));
	nest = nla_nest_start(msg, CONENAT_INSTANCE_A_INTERNAL | NLA_F_NESTED);
	for (i = 0; i < in->nprefixes; i++) {
		pfx = nla_nest_start(msg, (int)(i + 1) | NLA_F_NESTED);
		nla_put_u32(msg, CONENAT_PREFIX_A_ADDR, ip(in->prefix_addr[i]));
		nla_put_u8(msg, CONENAT_PREFIX_A_LEN, in->prefix_len[i]);
		nla_nest_end(msg, pfx);
	}
	nla_nest_end_keep_empty(msg, nest);
	nla_put_u16(msg, CONENAT_INSTANCE_A_PORT_MIN, htons(in->port_min));
	nla_put_u16(msg, CONENAT_INSTANCE_A_PORT_MAX, htons(in->port_max));
	nla_put_u8(msg, CONENAT_INSTANCE_A_PORT_PRESERVATION, in->pp);
	nla_put_u8(msg, CONENAT_INSTANCE_A_PORT_PARITY, in->parity);
	nla_put_u8(msg, CONENAT_INSTANCE_A_HAIRPIN, in->hairpin);
	nla_put_u8(msg, CONENAT_INSTANCE_A_HAIRPIN_FILTER, in->hairpin_filter);
	nla_put_u8(msg, CONENAT_INSTANCE_A_INBOUND_REFRESH, in->refresh);
	nla_put_u32(msg, CONENAT_INSTANCE_A_UDP_TIMEOUT, in->udp_timeout);
	nla_put_u32(msg, CONENAT_INSTANCE_A_TCP_TIMEOUT, in->tcp_timeout);
	nla_put_u32(msg, CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT,
		    in->tcp_transitory_timeout);
	nla_put_u32(msg, CONENAT_INSTANCE_A_ICMP_TIMEOUT, in->icmp_timeout);
	nla_put_u32(msg, CONENAT_INSTANCE_A_MAX_PER_HOST, in->max_per_host);
	nla_put_u32(msg, CONENAT_INSTANCE_A_MAX_PEERS, in->max_peers);
	nla_put_u32(msg, CONENAT_INSTANCE_A_HOLD_DOWN, in->hold_down);
	nla_put_u32(msg, CONENAT_INSTANCE_A_MAPPINGS, in->mappings);
	nest = nla_nest_start(msg, CONENAT_INSTANCE_A_STATS | NLA_F_NESTED);
	/* A PAD first, as nla_put_u64_64bit() may add. */
	nla_put(msg, CONENAT_STATS_A_PAD, 0, NULL);
	for (i = CONENAT_STATS_A_MAPPINGS_CREATED; i <= CONENAT_STATS_A_MAX; i++)
		nla_put_u64(msg, (int)i, in->stats_base + i);
	nla_nest_end(msg, nest);
	return msg;
}

static struct nl_msg *mapping_msg(const struct fake_mapping *m, uint8_t cmd,
				  uint8_t event)
{
	struct nl_msg *msg = reply_new(cmd, event ? 0 : NLM_F_MULTI);

	if (!msg)
		return NULL;
	nla_put_string(msg, CONENAT_MAPPING_A_INSTANCE, m->instance);
	nla_put_u8(msg, CONENAT_MAPPING_A_PROTO, IPPROTO_UDP);
	nla_put_u32(msg, CONENAT_MAPPING_A_INT_ADDR, ip(m->int_addr));
	nla_put_u16(msg, CONENAT_MAPPING_A_INT_PORT, htons(m->int_port));
	if (cmd == CONENAT_CMD_EXHAUSTED_EVENT)
		return msg;
	nla_put_u32(msg, CONENAT_MAPPING_A_EXT_ADDR, ip(m->ext_addr));
	nla_put_u16(msg, CONENAT_MAPPING_A_EXT_PORT, htons(m->ext_port));
	if (cmd == CONENAT_CMD_PEER_LIMIT_EVENT) {
		nla_put_u32(msg, CONENAT_MAPPING_A_REMOTE_ADDR,
			    ip(PEER_LIMIT_REMOTE_ADDR));
		nla_put_u16(msg, CONENAT_MAPPING_A_REMOTE_PORT,
			    htons(PEER_LIMIT_REMOTE_PORT));
		return msg;
	}
	nla_put_u8(msg, CONENAT_MAPPING_A_ORIGIN, m->origin);
	if (m->remote_addr)
		nla_put_u32(msg, CONENAT_MAPPING_A_REMOTE_ADDR, ip(m->remote_addr));
	if (m->remote_port)
		nla_put_u16(msg, CONENAT_MAPPING_A_REMOTE_PORT,
			    htons(m->remote_port));
	if (m->expires >= 0)
		nla_put_u32(msg, CONENAT_MAPPING_A_EXPIRES, (uint32_t)m->expires);
	if (event)
		nla_put_u8(msg, CONENAT_MAPPING_A_EVENT, event);
	return msg;
}

static struct nl_msg *permit_msg(unsigned int i)
{
	const struct fake_mapping *m = &mappings[permits[i].mapping];
	struct nl_msg *msg = reply_new(CONENAT_CMD_GET_PERMIT, NLM_F_MULTI);

	if (!msg)
		return NULL;
	nla_put_string(msg, CONENAT_MAPPING_A_INSTANCE, m->instance);
	nla_put_u8(msg, CONENAT_MAPPING_A_PROTO, IPPROTO_UDP);
	nla_put_u32(msg, CONENAT_MAPPING_A_INT_ADDR, ip(m->int_addr));
	nla_put_u16(msg, CONENAT_MAPPING_A_INT_PORT, htons(m->int_port));
	nla_put_u32(msg, CONENAT_MAPPING_A_EXT_ADDR, ip(m->ext_addr));
	nla_put_u16(msg, CONENAT_MAPPING_A_EXT_PORT, htons(m->ext_port));
	nla_put_u32(msg, CONENAT_MAPPING_A_REMOTE_ADDR,
		    ip(permits[i].remote_addr));
	if (permits[i].remote_port)
		nla_put_u16(msg, CONENAT_MAPPING_A_REMOTE_PORT,
			    htons(permits[i].remote_port));
	if (permits[i].expires >= 0)
		nla_put_u32(msg, CONENAT_MAPPING_A_EXPIRES,
			    (uint32_t)permits[i].expires);
	return msg;
}

/*
 * NEW_MAPPING with NLM_F_ECHO: the mapping as the kernel would make it,
 * the external address 198.51.100.1 and port 40000 unless the request
 * named them.
 */
static struct nl_msg *echo_msg(struct nlmsghdr *nlh)
{
	struct nl_msg *msg = reply_new(CONENAT_CMD_GET_MAPPING, 0);
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	struct nlattr *a;

	if (!msg)
		return NULL;
	genlmsg_parse(nlh, 0, tb, CONENAT_MAPPING_A_MAX, NULL);
	nla_put_string(msg, CONENAT_MAPPING_A_INSTANCE,
		       nla_data(tb[CONENAT_MAPPING_A_INSTANCE]));
	nla_put_u8(msg, CONENAT_MAPPING_A_PROTO,
		   nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]));
	nla_put_u32(msg, CONENAT_MAPPING_A_INT_ADDR,
		    nla_get_u32(tb[CONENAT_MAPPING_A_INT_ADDR]));
	nla_put_u16(msg, CONENAT_MAPPING_A_INT_PORT,
		    nla_get_u16(tb[CONENAT_MAPPING_A_INT_PORT]));
	a = tb[CONENAT_MAPPING_A_EXT_ADDR];
	nla_put_u32(msg, CONENAT_MAPPING_A_EXT_ADDR,
		    a ? nla_get_u32(a) : ip("198.51.100.1"));
	a = tb[CONENAT_MAPPING_A_EXT_PORT];
	nla_put_u16(msg, CONENAT_MAPPING_A_EXT_PORT,
		    a ? nla_get_u16(a) : htons(40000));
	nla_put_u8(msg, CONENAT_MAPPING_A_ORIGIN, CONENAT_ORIGIN_STATIC);
	a = tb[CONENAT_MAPPING_A_LIFETIME];
	if (a)
		nla_put_u32(msg, CONENAT_MAPPING_A_EXPIRES, nla_get_u32(a));
	return msg;
}

/* Hands @msg to @cb and frees it. */
static int deliver(struct nl_msg *msg, nl_reply_cb cb, void *arg)
{
	int status;

	if (!msg)
		return fail_err("out of memory");
	status = cb ? cb(msg, arg) : 0;
	nlmsg_free(msg);
	return status;
}

static int fake_replies(uint8_t cmd, struct nl_msg *req, nl_reply_cb cb,
			void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(req);
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool empty = getenv("NATCTL_FAKE_EMPTY") != NULL;
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	const char *name = NULL;
	size_t i;
	int status;

	switch (cmd) {
	case CONENAT_CMD_GET_INFO: {
		struct nl_msg *msg = reply_new(CONENAT_CMD_GET_INFO, 0);

		if (msg) {
			nla_put_string(msg, CONENAT_INFO_A_VERSION, "0.0.0-fake");
			nla_put_u32(msg, CONENAT_INFO_A_API, CONENAT_API_VERSION);
			nla_put_u32(msg, CONENAT_INFO_A_MAX_INSTANCES,
				    CONENAT_MAX_INSTANCES);
			nla_put_u32(msg, CONENAT_INFO_A_MAX_MAPPINGS,
				    CONENAT_DEFAULT_MAX_MAPPINGS);
			nla_put_u32(msg, CONENAT_INFO_A_HASH_BUCKETS, 1024);
			nla_put_u32(msg, CONENAT_INFO_A_NAME_MAX, CONENAT_NAME_MAX);
		}
		return deliver(msg, cb, arg);
	}
	case CONENAT_CMD_GET_LIMITS: {
		struct nl_msg *msg = reply_new(CONENAT_CMD_GET_LIMITS, 0);

		if (msg) {
			/* $NATCTL_FAKE_MALFORMED: a u32 one byte long */
			if (getenv("NATCTL_FAKE_MALFORMED"))
				nla_put_u8(msg, CONENAT_LIMITS_A_MAX_MAPPINGS, 1);
			else
				nla_put_u32(msg, CONENAT_LIMITS_A_MAX_MAPPINGS,
					    CONENAT_DEFAULT_MAX_MAPPINGS);
			nla_put_u32(msg, CONENAT_LIMITS_A_MAPPINGS,
				    ARRAY_SIZE(mappings));
			nla_put_u32(msg, CONENAT_LIMITS_A_INSTANCES,
				    ARRAY_SIZE(instances));
			nla_put_u32(msg, CONENAT_LIMITS_A_MAX_PEERS, 1048576);
			nla_put_u32(msg, CONENAT_LIMITS_A_PEERS, 3);
		}
		return deliver(msg, cb, arg);
	}
	case CONENAT_CMD_GET_INSTANCE:
		genlmsg_parse(nlh, 0, tb, CONENAT_INSTANCE_A_NAME, NULL);
		if (!dump && tb[CONENAT_INSTANCE_A_NAME])
			name = nla_data(tb[CONENAT_INSTANCE_A_NAME]);
		for (i = 0; i < ARRAY_SIZE(instances) && !empty; i++) {
			if (name && strcmp(name, instances[i].name))
				continue;
			status = deliver(instance_msg(&instances[i]), cb, arg);
			if (status || name)
				return status;
		}
		if (name)
			return fail_err("conenat: no such instance (attribute 1)");
		return 0;
	case CONENAT_CMD_GET_MAPPING:
		genlmsg_parse(nlh, 0, tb, CONENAT_MAPPING_A_MAX, NULL);
		if (tb[CONENAT_MAPPING_A_INSTANCE])
			name = nla_data(tb[CONENAT_MAPPING_A_INSTANCE]);
		for (i = 0; i < ARRAY_SIZE(mappings) && !empty; i++) {
			if (name && strcmp(name, mappings[i].instance))
				continue;
			status = deliver(mapping_msg(&mappings[i],
						     CONENAT_CMD_GET_MAPPING, 0),
					 cb, arg);
			if (status || !dump)
				return status;
		}
		if (!dump)
			return fail_err("conenat: no such mapping");
		return 0;
	case CONENAT_CMD_NEW_MAPPING:
		if (nlh->nlmsg_flags & NLM_F_ECHO)
			return deliver(echo_msg(nlh), cb, arg);
		return 0;
	case CONENAT_CMD_GET_PERMIT:
		genlmsg_parse(nlh, 0, tb, CONENAT_MAPPING_A_MAX, NULL);
		if (tb[CONENAT_MAPPING_A_INSTANCE])
			name = nla_data(tb[CONENAT_MAPPING_A_INSTANCE]);
		for (i = 0; i < ARRAY_SIZE(permits) && !empty; i++) {
			if (name && strcmp(name, mappings[permits[i].mapping].instance))
				continue;
			status = deliver(permit_msg(i), cb, arg);
			if (status)
				return status;
		}
		return 0;
	default:
		return 0;
	}
}

/* ---- nl.h ----------------------------------------------------------- */

int nl_netns_enter(const char *name)
{
	return 0;
}

bool nl_family_present(void)
{
	return !getenv("NATCTL_FAKE_UNLOADED");
}

struct nl_msg *nl_req_new(uint8_t cmd, int flags)
{
	if (!opt_check && !nl_family_present()) {
		fail_err("the conenat kernel module is not loaded (try: modprobe conenat)");
		return NULL;
	}
	return nl_msg_build(FAKE_FAMILY, cmd, flags);
}

int nl_req_send(struct nl_msg *req, nl_reply_cb cb, void *arg)
{
	const char *why;
	uint8_t cmd = 0;
	int status;

	status = nl_collect(req);
	if (status >= 0)
		return status;
	why = check_request(req, &cmd);
	if (why) {
		logf_(" BAD: %s", why);
		log_flush();
		nlmsg_free(req);
		return fail_err("fake: malformed request: %s", why);
	}
	if (opt_check) {
		/* -c: checked as the kernel would, then neither sent nor logged */
		nlmsg_free(req);
		return 0;
	}
	log_flush();
	/* $NATCTL_FAKE_FAIL names a command the "kernel" refuses */
	if (getenv("NATCTL_FAKE_FAIL") &&
	    !strcmp(getenv("NATCTL_FAKE_FAIL"), commands[cmd].name)) {
		nlmsg_free(req);
		return fail_err("conenat: fake refusal of %s", commands[cmd].name);
	}
	status = fake_replies(cmd, req, cb, arg);
	nlmsg_free(req);
	return status;
}

/*
 * Stand-ins for the callers that answer kernel errors themselves
 * (conenat-pcpd): the fake's refusals print as nl.c's do, and no errno is
 * kept.
 */
int nl_last_error(void)
{
	return 0;
}

const char *nl_last_message(void)
{
	return "";
}

void nl_quiet(bool quiet)
{
}

int nl_simple(uint8_t cmd, int flags, nl_reply_cb cb, void *arg)
{
	struct nl_msg *req = nl_req_new(cmd, flags);

	if (!req)
		return NATCTL_EXIT_FAIL;
	return nl_req_send(req, cb, arg);
}

int nl_reply_parse(struct nl_msg *msg, struct nlattr **tb, int maxtype,
		   const struct nla_policy *policy)
{
	int err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, maxtype, policy);

	if (err < 0)
		return fail_err("malformed reply from the kernel: %s",
				nl_geterror(err));
	return 0;
}

uint8_t nl_reply_cmd(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return 0;
	return genlmsg_hdr(nlh)->cmd;
}

int nl_event_listen(const char *group, nl_reply_cb cb, void *arg)
{
	static const uint8_t events[] = {
		CONENAT_EVENT_CREATED, CONENAT_EVENT_EXPIRED,
		CONENAT_EVENT_DELETED,
	};
	int status;
	size_t i;

	if (strcmp(group, CONENAT_MCGRP_EVENTS))
		return fail_err("fake: unknown multicast group \"%s\"", group);
	if (opt_check)
		return 0;
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		status = deliver(mapping_msg(&mappings[i],
					     CONENAT_CMD_MAPPING_EVENT,
					     events[i]), cb, arg);
		if (status)
			return status;
	}
	status = deliver(mapping_msg(&mappings[0], CONENAT_CMD_EXHAUSTED_EVENT,
				     0), cb, arg);
	if (status)
		return status;
	status = deliver(mapping_msg(&mappings[0], CONENAT_CMD_PEER_LIMIT_EVENT,
				     0), cb, arg);
	if (status)
		return status;
	/* with $NATCTL_FAKE_OVERRUN, a receive overrun, as nl.c reports it */
	if (getenv("NATCTL_FAKE_OVERRUN")) {
		pr_warn("events lost (socket overrun)");
		status = cb(NULL, arg);
		if (status)
			return status;
	}
	/* an event of the other instance */
	status = deliver(mapping_msg(&mappings[3], CONENAT_CMD_MAPPING_EVENT,
				     CONENAT_EVENT_CREATED), cb, arg);
	if (status)
		return status;
	/* A message of another command is ignored. */
	return deliver(reply_new(CONENAT_CMD_GET_INFO, 0), cb, arg);
}

void nl_fini(void)
{
}
