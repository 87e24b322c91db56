// SPDX-License-Identifier: GPL-2.0
/*
 * natctl permit: open a mapping's filter to a remote ahead of traffic.
 *
 *   natctl permit add instance NAME proto PROTO internal ADDR:PORT
 *                     remote ADDR[:PORT] [lifetime DURATION]
 *   natctl permit del instance NAME proto PROTO internal ADDR:PORT
 *                     remote ADDR[:PORT]
 *   natctl permit show [instance NAME] [proto PROTO]
 *   natctl permit flush [instance NAME]
 *
 * The kernel creates the internal endpoint's mapping when it has none.
 * Keywords may come in any order; each at most once. A permit prints as a
 * mapping does (mapping_print()): its mapping's endpoints, when it ends
 * and the remote it lets in:
 *
 *   home udp 10.0.1.2:5000 -> 198.51.100.1:5000 expires 52s remote 203.0.113.9
 */
#include <arpa/inet.h>
#include <string.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

enum key {
	KEY_INSTANCE,
	KEY_PROTO,
	KEY_INTERNAL,
	KEY_REMOTE,
	KEY_LIFETIME,
	KEY_NUM
};

static const char *const keys[KEY_NUM + 1] = {
	[KEY_INSTANCE]	= "instance",
	[KEY_PROTO]	= "proto",
	[KEY_INTERNAL]	= "internal",
	[KEY_REMOTE]	= "remote",
	[KEY_LIFETIME]	= "lifetime",
	[KEY_NUM]	= NULL,
};

/* A command's words, checked. */
struct permit_req {
	const char *vals[KEY_NUM + 1];
	uint8_t proto;
	struct endpoint internal;
	struct endpoint remote;
	uint32_t lifetime;		/* 0: as long as the mapping */
};

/*
 * Parses "KEYWORD VALUE" words of permit command @cmd: keywords from the
 * first @nkeys of keys[] allowed, the first @nrequired of them required.
 */
static int parse_permit_args(const char *cmd, unsigned int nkeys,
			     unsigned int nrequired, int argc, char **argv,
			     struct permit_req *r)
{
	const char *allowed[KEY_NUM + 1];
	unsigned int i;
	int err;

	memset(r, 0, sizeof(*r));
	memcpy(allowed, keys, nkeys * sizeof(keys[0]));
	allowed[nkeys] = NULL;
	err = parse_pairs("permit", cmd, argc, argv, allowed, r->vals);
	if (err)
		return err;
	for (i = 0; i < nrequired; i++)
		if (!r->vals[i])
			return usage_err("\"permit %s\" needs \"%s\"; try \"natctl permit help\"",
					 cmd, keys[i]);

	if (r->vals[KEY_INSTANCE])
		err = parse_name(r->vals[KEY_INSTANCE], "instance name",
				 CONENAT_NAME_MAX - 1, false);
	if (!err && r->vals[KEY_PROTO])
		err = parse_proto(r->vals[KEY_PROTO], &r->proto);
	if (!err && r->vals[KEY_INTERNAL])
		err = parse_endpoint(r->vals[KEY_INTERNAL], "internal endpoint",
				     0, &r->internal);
	if (!err && r->vals[KEY_REMOTE]) {
		err = parse_endpoint(r->vals[KEY_REMOTE], "remote endpoint",
				     EP_PORT_OPTIONAL, &r->remote);
		if (!err && !r->remote.addr)
			err = usage_err("invalid remote endpoint \"%s\": expected ADDR[:PORT] with an address other than 0.0.0.0",
					r->vals[KEY_REMOTE]);
	}
	if (!err && r->vals[KEY_LIFETIME])
		err = parse_duration(r->vals[KEY_LIFETIME], "lifetime", "", 1,
				     CONENAT_MAX_TIMEOUT, &r->lifetime);
	return err;
}

/* Puts the parsed words of @r into @req; -1 if full. */
static int put_permit_args(struct nl_msg *req, const struct permit_req *r)
{
	if (r->vals[KEY_INSTANCE] &&
	    nla_put_string(req, CONENAT_MAPPING_A_INSTANCE,
			   r->vals[KEY_INSTANCE]) < 0)
		return -1;
	if (r->vals[KEY_PROTO] &&
	    nla_put_u8(req, CONENAT_MAPPING_A_PROTO, r->proto) < 0)
		return -1;
	if (r->vals[KEY_INTERNAL] &&
	    (nla_put_u32(req, CONENAT_MAPPING_A_INT_ADDR, r->internal.addr) < 0 ||
	     nla_put_u16(req, CONENAT_MAPPING_A_INT_PORT,
			 htons(r->internal.port)) < 0))
		return -1;
	if (r->vals[KEY_REMOTE] &&
	    nla_put_u32(req, CONENAT_MAPPING_A_REMOTE_ADDR, r->remote.addr) < 0)
		return -1;
	if (r->remote.has_port &&
	    nla_put_u16(req, CONENAT_MAPPING_A_REMOTE_PORT,
			htons(r->remote.port)) < 0)
		return -1;
	if (r->lifetime &&
	    nla_put_u32(req, CONENAT_MAPPING_A_LIFETIME, r->lifetime) < 0)
		return -1;
	return 0;
}

static int permit_request(uint8_t nlcmd, int flags, const struct permit_req *r,
			  nl_reply_cb cb, void *arg)
{
	struct nl_msg *req = nl_req_new(nlcmd, flags);

	if (!req)
		return NATCTL_EXIT_FAIL;
	if (put_permit_args(req, r))
		return nl_req_abort(req);
	return nl_req_send(req, cb, arg);
}

static int permit_add(int argc, char **argv)
{
	struct permit_req r;
	int err;

	err = parse_permit_args("add", KEY_LIFETIME + 1, KEY_REMOTE + 1,
				argc, argv, &r);
	if (err)
		return err;
	return permit_request(CONENAT_CMD_NEW_PERMIT, 0, &r, NULL, NULL);
}

static int permit_del(int argc, char **argv)
{
	struct permit_req r;
	int err;

	err = parse_permit_args("del", KEY_REMOTE + 1, KEY_REMOTE + 1,
				argc, argv, &r);
	if (err)
		return err;
	return permit_request(CONENAT_CMD_DEL_PERMIT, 0, &r, NULL, NULL);
}

static int permit_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	int err;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_PERMIT)
		return 0;
	err = mapping_parse(msg, tb);
	if (err)
		return err;
	mapping_print(tb, NULL);
	return 0;
}

/* natctl save: a permit as the "permit add" line that makes it again. */
int permit_save_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	char a[ADDR_STRLEN], r[ADDR_STRLEN], buf[4];
	int err;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_PERMIT)
		return 0;
	err = mapping_parse(msg, tb);
	if (err)
		return err;
	if (!tb[CONENAT_MAPPING_A_INSTANCE] || !tb[CONENAT_MAPPING_A_PROTO] ||
	    !tb[CONENAT_MAPPING_A_INT_ADDR] || !tb[CONENAT_MAPPING_A_INT_PORT] ||
	    !tb[CONENAT_MAPPING_A_REMOTE_ADDR])
		return fail_err("malformed reply from the kernel: a permit without its endpoints");
	if (tb[CONENAT_MAPPING_A_EXPIRES] &&
	    !nla_get_u32(tb[CONENAT_MAPPING_A_EXPIRES]))
		return 0;
	print_text("permit add instance %s proto %s internal %s:%u remote %s",
		   nla_get_string(tb[CONENAT_MAPPING_A_INSTANCE]),
		   fmt_proto(nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]), buf),
		   fmt_addr(nla_get_u32(tb[CONENAT_MAPPING_A_INT_ADDR]), a),
		   ntohs(nla_get_u16(tb[CONENAT_MAPPING_A_INT_PORT])),
		   fmt_addr(nla_get_u32(tb[CONENAT_MAPPING_A_REMOTE_ADDR]), r));
	if (tb[CONENAT_MAPPING_A_REMOTE_PORT])
		print_text(":%u",
			   ntohs(nla_get_u16(tb[CONENAT_MAPPING_A_REMOTE_PORT])));
	if (tb[CONENAT_MAPPING_A_EXPIRES])
		print_text(" lifetime %u",
			   nla_get_u32(tb[CONENAT_MAPPING_A_EXPIRES]));
	print_text("\n");
	return 0;
}

static int permit_show(int argc, char **argv)
{
	struct permit_req r;
	int err;

	err = parse_permit_args("show", KEY_PROTO + 1, 0, argc, argv, &r);
	if (err)
		return err;
	open_json_array(NULL);
	err = permit_request(CONENAT_CMD_GET_PERMIT, NLM_F_DUMP, &r,
			     permit_reply, NULL);
	if (err)
		return err;
	close_json_array();
	return 0;
}

static int permit_flush(int argc, char **argv)
{
	struct permit_req r;
	int err;

	err = parse_permit_args("flush", KEY_INSTANCE + 1, 0, argc, argv, &r);
	if (err)
		return err;
	return permit_request(CONENAT_CMD_FLUSH_PERMITS, 0, &r, NULL, NULL);
}

static const struct natctl_cmd permit_cmds[] = {
	{ "add", permit_add,
	  "instance NAME proto PROTO internal ADDR:PORT remote ADDR[:PORT] [lifetime DURATION]",
	  "let REMOTE (any port without :PORT) reach the internal endpoint's mapping" },
	{ "del", permit_del,
	  "instance NAME proto PROTO internal ADDR:PORT remote ADDR[:PORT]",
	  "delete a permit (the remote's open flows go on)" },
	{ "show", permit_show, "[instance NAME] [proto PROTO]",
	  "print every permit, or those of one instance" },
	{ "flush", permit_flush, "[instance NAME]",
	  "delete the permits of every instance, or of one" },
	{ NULL, NULL, NULL,
	  "DURATION := SECONDS, or a number with a suffix s, m, h or d (1 s .. 7 d);\n"
	  "  without a lifetime the permit lasts as long as the mapping.\n"
	  "The internal endpoint's mapping is created when it has none.\n"
	  "Under address-dependent filtering a permit is for every port of REMOTE.\n"
	  "PROTO := {udp|tcp}. Keywords may come in any order.\n" },
};

int do_permit(int argc, char **argv)
{
	return cmd_dispatch("permit", permit_cmds, "show", argc, argv);
}
