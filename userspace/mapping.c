// SPDX-License-Identifier: GPL-2.0
/*
 * natctl mapping: the mappings of the instances.
 *
 *   natctl mapping add instance NAME proto PROTO internal ADDR:PORT
 *                      [external ADDR:PORT|ADDR|:PORT]
 *                      [lifetime {SECONDS|permanent}]
 *   natctl mapping {get|del} instance NAME proto PROTO
 *                      {internal|external} ADDR:PORT
 *   natctl mapping show [instance NAME] [proto PROTO]
 *   natctl mapping flush [instance NAME]
 *
 * Keywords may come in any order; each at most once. Text output, one line
 * per mapping:
 *
 *   home udp 10.0.1.2:5000 -> 198.51.100.1:5000 dynamic expires 297s
 *   home udp 10.0.1.3:5000 -> 198.51.100.1:6000 static permanent
 *   home udp 10.0.1.4:5000 -> 198.51.100.1:7000 dynamic expires 12s remote 198.51.100.10:3478
 *
 * JSON: an array of objects, keys in mapping_print().
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

static const struct nla_policy mapping_policy[CONENAT_MAPPING_A_MAX + 1] = {
	[CONENAT_MAPPING_A_INSTANCE]	= { .type = NLA_STRING },
	[CONENAT_MAPPING_A_PROTO]	= { .type = NLA_U8 },
	[CONENAT_MAPPING_A_INT_ADDR]	= { .type = NLA_U32 },
	[CONENAT_MAPPING_A_INT_PORT]	= { .type = NLA_U16 },
	[CONENAT_MAPPING_A_EXT_ADDR]	= { .type = NLA_U32 },
	[CONENAT_MAPPING_A_EXT_PORT]	= { .type = NLA_U16 },
	[CONENAT_MAPPING_A_REMOTE_ADDR]	= { .type = NLA_U32 },
	[CONENAT_MAPPING_A_REMOTE_PORT]	= { .type = NLA_U16 },
	[CONENAT_MAPPING_A_LIFETIME]	= { .type = NLA_U32 },
	[CONENAT_MAPPING_A_ORIGIN]	= { .type = NLA_U8 },
	[CONENAT_MAPPING_A_EXPIRES]	= { .type = NLA_U32 },
	[CONENAT_MAPPING_A_EVENT]	= { .type = NLA_U8 },
	[CONENAT_MAPPING_A_FILTERED]	= { .type = NLA_U8 },
};

int mapping_parse(struct nl_msg *msg, struct nlattr **tb)
{
	return nl_reply_parse(msg, tb, CONENAT_MAPPING_A_MAX, mapping_policy);
}

void print_endpoint(uint32_t addr, int port, const char *prefix,
		    const char *fmt)
{
	char a[ADDR_STRLEN], key[32], text[ADDR_STRLEN + 6];

	fmt_addr(addr, a);
	snprintf(key, sizeof(key), "%s_addr", prefix);
	print_string(PRINT_JSON, key, NULL, a);
	if (port >= 0) {
		snprintf(key, sizeof(key), "%s_port", prefix);
		print_uint(PRINT_JSON, key, NULL, (unsigned int)port);
		snprintf(text, sizeof(text), "%s:%u", a, (uint16_t)port);
	} else {
		snprintf(text, sizeof(text), "%s", a);
	}
	print_string(PRINT_FP, NULL, fmt, text);
}

void mapping_print_endpoint(struct nlattr *addr, struct nlattr *port,
			    const char *prefix, const char *fmt)
{
	if (addr)
		print_endpoint(nla_get_u32(addr),
			       port ? ntohs(nla_get_u16(port)) : -1, prefix,
			       fmt);
}

void mapping_print(struct nlattr **tb, const char *event)
{
	struct nlattr *a;
	char buf[4];

	open_json_object(NULL);
	if (event) {
		print_event_head(event);
		print_text(" ");
	}
	if (tb[CONENAT_MAPPING_A_INSTANCE])
		print_string(PRINT_ANY, "instance", "%s",
			     nla_get_string(tb[CONENAT_MAPPING_A_INSTANCE]));
	if (tb[CONENAT_MAPPING_A_PROTO])
		print_string(PRINT_ANY, "proto", " %s",
			     fmt_proto(nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]),
				       buf));
	mapping_print_endpoint(tb[CONENAT_MAPPING_A_INT_ADDR],
			       tb[CONENAT_MAPPING_A_INT_PORT], "internal", " %s");
	mapping_print_endpoint(tb[CONENAT_MAPPING_A_EXT_ADDR],
			       tb[CONENAT_MAPPING_A_EXT_PORT], "external",
			       " -> %s");

	a = tb[CONENAT_MAPPING_A_ORIGIN];
	if (a) {
		uint8_t o = nla_get_u8(a);

		const char *origin = buf;

		if (o == CONENAT_ORIGIN_DYNAMIC)
			origin = "dynamic";
		else if (o == CONENAT_ORIGIN_STATIC)
			origin = "static";
		else if (o == CONENAT_ORIGIN_PCP)
			origin = "pcp";
		else if (o == CONENAT_ORIGIN_NATPMP)
			origin = "natpmp";
		else
			snprintf(buf, sizeof(buf), "%u", o);
		print_string(PRINT_ANY, "origin", " %s", origin);
	}
	/* a PCP mapping with a filter: only its permits' remotes get in */
	a = tb[CONENAT_MAPPING_A_FILTERED];
	if (a)
		print_bool(PRINT_ANY, "filtered", nla_get_u8(a) ? " filtered" : "",
			   nla_get_u8(a));

	a = tb[CONENAT_MAPPING_A_EXPIRES];
	if (a)
		print_uint(PRINT_ANY, "expires", " expires %us",
			   nla_get_u32(a));
	else
		print_null(PRINT_ANY, "expires", " permanent");

	mapping_print_endpoint(tb[CONENAT_MAPPING_A_REMOTE_ADDR],
			       tb[CONENAT_MAPPING_A_REMOTE_PORT], "remote",
			       " remote %s");
	print_nl();
	close_json_object();
}

/* ---- requests ------------------------------------------------------- */

/* The keywords of the mapping commands; vals[] is indexed by these. */
enum key {
	KEY_INSTANCE,
	KEY_PROTO,
	KEY_INTERNAL,
	KEY_EXTERNAL,
	KEY_LIFETIME,
	KEY_NUM
};

static const char *const key_names[KEY_NUM] = {
	[KEY_INSTANCE]	= "instance",
	[KEY_PROTO]	= "proto",
	[KEY_INTERNAL]	= "internal",
	[KEY_EXTERNAL]	= "external",
	[KEY_LIFETIME]	= "lifetime",
};

/* A command's words, checked. */
struct mapping_req {
	const char *vals[KEY_NUM];
	uint8_t proto;
	struct endpoint internal;
	struct endpoint external;
	uint32_t lifetime;		/* 0: permanent */
};

/*
 * Parses the "KEYWORD VALUE" words of mapping command @cmd, allowing the
 * keywords of @allowed (a bit per enum key) and requiring those of
 * @required.
 */
static int parse_mapping_args(const char *cmd, unsigned int allowed,
			      unsigned int required, int argc, char **argv,
			      struct mapping_req *r)
{
	const char *keys[KEY_NUM + 1];
	const char *vals[KEY_NUM + 1] = { NULL };
	unsigned int idx[KEY_NUM];
	unsigned int i, n = 0;
	int err;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < KEY_NUM; i++) {
		if (allowed & (1U << i)) {
			idx[n] = i;
			keys[n++] = key_names[i];
		}
	}
	keys[n] = NULL;
	err = parse_pairs("mapping", cmd, argc, argv, keys, vals);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		r->vals[idx[i]] = vals[i];

	for (i = 0; i < KEY_NUM; i++)
		if ((required & (1U << i)) && !r->vals[i])
			return usage_err("\"mapping %s\" needs \"%s\"; try \"natctl mapping help\"",
					 cmd, key_names[i]);

	if (r->vals[KEY_INSTANCE]) {
		err = parse_name(r->vals[KEY_INSTANCE], "instance name",
				 CONENAT_NAME_MAX - 1, false);
		if (err)
			return err;
	}
	if (r->vals[KEY_PROTO]) {
		err = parse_proto(r->vals[KEY_PROTO], &r->proto);
		if (err)
			return err;
	}
	if (r->vals[KEY_INTERNAL]) {
		err = parse_endpoint(r->vals[KEY_INTERNAL], "internal endpoint",
				     0, &r->internal);
		if (err)
			return err;
	}
	if (r->vals[KEY_EXTERNAL]) {
		/* add takes a partial external endpoint, get and del not. */
		unsigned int flags = (allowed & (1U << KEY_LIFETIME)) ?
				     EP_PORT_OPTIONAL | EP_ADDR_OPTIONAL : 0;

		err = parse_endpoint(r->vals[KEY_EXTERNAL], "external endpoint",
				     flags, &r->external);
		if (err)
			return err;
	}
	if (r->vals[KEY_LIFETIME] && strcmp(r->vals[KEY_LIFETIME], "permanent")) {
		err = parse_duration(r->vals[KEY_LIFETIME], "lifetime",
				     "permanent or ", 1,
				     CONENAT_MAX_TIMEOUT, &r->lifetime);
		if (err)
			return err;
	}
	return 0;
}

/* Puts the attributes of the parsed words of @r into @req; -1 if full. */
static int put_mapping_args(struct nl_msg *req, const struct mapping_req *r)
{
	if (r->vals[KEY_INSTANCE] &&
	    nla_put_string(req, CONENAT_MAPPING_A_INSTANCE,
			   r->vals[KEY_INSTANCE]) < 0)
		return -1;
	if (r->vals[KEY_PROTO] &&
	    nla_put_u8(req, CONENAT_MAPPING_A_PROTO, r->proto) < 0)
		return -1;
	if (r->internal.has_addr &&
	    nla_put_u32(req, CONENAT_MAPPING_A_INT_ADDR, r->internal.addr) < 0)
		return -1;
	if (r->internal.has_port &&
	    nla_put_u16(req, CONENAT_MAPPING_A_INT_PORT,
			htons(r->internal.port)) < 0)
		return -1;
	if (r->external.has_addr &&
	    nla_put_u32(req, CONENAT_MAPPING_A_EXT_ADDR, r->external.addr) < 0)
		return -1;
	if (r->external.has_port &&
	    nla_put_u16(req, CONENAT_MAPPING_A_EXT_PORT,
			htons(r->external.port)) < 0)
		return -1;
	if (r->lifetime &&
	    nla_put_u32(req, CONENAT_MAPPING_A_LIFETIME, r->lifetime) < 0)
		return -1;
	return 0;
}

#define K(key)	(1U << (key))

/* Sends @r as @nlcmd (@flags: 0 or NLM_F_DUMP), printing any replies. */
static int mapping_request(uint8_t nlcmd, int flags, const struct mapping_req *r,
			   nl_reply_cb cb, void *arg)
{
	struct nl_msg *req = nl_req_new(nlcmd, flags);

	if (!req)
		return NATCTL_EXIT_FAIL;
	if (put_mapping_args(req, r))
		return nl_req_abort(req);
	return nl_req_send(req, cb, arg);
}

static int mapping_reply(struct nl_msg *msg, void *arg);

static int mapping_add(int argc, char **argv)
{
	struct mapping_req r;
	unsigned int count = 0;
	int err;

	err = parse_mapping_args("add",
				 K(KEY_INSTANCE) | K(KEY_PROTO) | K(KEY_INTERNAL) |
				 K(KEY_EXTERNAL) | K(KEY_LIFETIME),
				 K(KEY_INSTANCE) | K(KEY_PROTO) | K(KEY_INTERNAL),
				 argc, argv, &r);
	if (err)
		return err;
	if (!opt_echo)
		return mapping_request(CONENAT_CMD_NEW_MAPPING, 0, &r, NULL, NULL);
	/* -e: the kernel echoes the mapping it made, printed as "get" does */
	open_json_array(NULL);
	err = mapping_request(CONENAT_CMD_NEW_MAPPING, NLM_F_ECHO, &r,
			      mapping_reply, &count);
	if (err)
		return err;
	close_json_array();
	if (!count && !opt_check)
		return fail_err("the kernel did not echo the mapping");
	return 0;
}

static int mapping_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	unsigned int *count = arg;
	int err;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_MAPPING)
		return 0;
	err = mapping_parse(msg, tb);
	if (err)
		return err;
	(*count)++;
	mapping_print(tb, NULL);
	return 0;
}

/*
 * natctl save: a static mapping as the "mapping add" line that makes it
 * again; dynamic ones are traffic's, not configuration. On an instance
 * whose address follows its device only the port is written, so that the
 * mapping follows the device's next address too.
 */
int mapping_save_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	const struct save_ctx *ctx = arg;
	char a[ADDR_STRLEN], buf[4];
	bool follows = false;
	const char *name;
	size_t i;
	int err;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_MAPPING)
		return 0;
	err = mapping_parse(msg, tb);
	if (err)
		return err;
	if (!tb[CONENAT_MAPPING_A_ORIGIN] ||
	    nla_get_u8(tb[CONENAT_MAPPING_A_ORIGIN]) != CONENAT_ORIGIN_STATIC)
		return 0;
	if (!tb[CONENAT_MAPPING_A_INSTANCE] || !tb[CONENAT_MAPPING_A_PROTO] ||
	    !tb[CONENAT_MAPPING_A_INT_ADDR] || !tb[CONENAT_MAPPING_A_INT_PORT] ||
	    !tb[CONENAT_MAPPING_A_EXT_ADDR] || !tb[CONENAT_MAPPING_A_EXT_PORT])
		return fail_err("malformed reply from the kernel: a mapping without its endpoints");
	/* about to expire: nothing to restore */
	if (tb[CONENAT_MAPPING_A_EXPIRES] &&
	    !nla_get_u32(tb[CONENAT_MAPPING_A_EXPIRES]))
		return 0;
	name = nla_get_string(tb[CONENAT_MAPPING_A_INSTANCE]);
	for (i = 0; i < ctx->ninstances; i++)
		if (!strcmp(ctx->instances[i].name, name))
			follows = ctx->instances[i].follows_dev;
	print_text("mapping add instance %s proto %s internal %s:%u", name,
		   fmt_proto(nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]), buf),
		   fmt_addr(nla_get_u32(tb[CONENAT_MAPPING_A_INT_ADDR]), a),
		   ntohs(nla_get_u16(tb[CONENAT_MAPPING_A_INT_PORT])));
	print_text(" external %s:%u",
		   follows ? "" :
		   fmt_addr(nla_get_u32(tb[CONENAT_MAPPING_A_EXT_ADDR]), a),
		   ntohs(nla_get_u16(tb[CONENAT_MAPPING_A_EXT_PORT])));
	if (tb[CONENAT_MAPPING_A_EXPIRES])
		print_text(" lifetime %u",
			   nla_get_u32(tb[CONENAT_MAPPING_A_EXPIRES]));
	print_text("\n");
	return 0;
}

/* get and del: the mapping named by its internal or external endpoint. */
static int mapping_one(const char *cmd, uint8_t nlcmd, int argc, char **argv)
{
	struct mapping_req r;
	unsigned int count = 0;
	int err;

	err = parse_mapping_args(cmd,
				 K(KEY_INSTANCE) | K(KEY_PROTO) | K(KEY_INTERNAL) |
				 K(KEY_EXTERNAL),
				 K(KEY_INSTANCE) | K(KEY_PROTO), argc, argv, &r);
	if (err)
		return err;
	if (r.vals[KEY_INTERNAL] && r.vals[KEY_EXTERNAL])
		return usage_err("\"internal\" and \"external\" cannot be given together: name the mapping by one endpoint");
	if (!r.vals[KEY_INTERNAL] && !r.vals[KEY_EXTERNAL])
		return usage_err("\"mapping %s\" needs \"internal ADDR:PORT\" or \"external ADDR:PORT\"",
				 cmd);

	if (nlcmd != CONENAT_CMD_GET_MAPPING)
		return mapping_request(nlcmd, 0, &r, NULL, NULL);

	open_json_array(NULL);
	err = mapping_request(nlcmd, 0, &r, mapping_reply, &count);
	if (err)
		return err;
	close_json_array();
	if (!count)
		return fail_err("the kernel sent no reply for the mapping");
	return 0;
}

static int mapping_get(int argc, char **argv)
{
	return mapping_one("get", CONENAT_CMD_GET_MAPPING, argc, argv);
}

static int mapping_del(int argc, char **argv)
{
	return mapping_one("del", CONENAT_CMD_DEL_MAPPING, argc, argv);
}

static int mapping_show(int argc, char **argv)
{
	struct mapping_req r;
	unsigned int count = 0;
	int err;

	err = parse_mapping_args("show", K(KEY_INSTANCE) | K(KEY_PROTO), 0,
				 argc, argv, &r);
	if (err)
		return err;

	open_json_array(NULL);
	err = mapping_request(CONENAT_CMD_GET_MAPPING, NLM_F_DUMP, &r,
			      mapping_reply, &count);
	if (err)
		return err;
	close_json_array();
	return 0;
}

static int mapping_flush(int argc, char **argv)
{
	struct mapping_req r;
	int err;

	err = parse_mapping_args("flush", K(KEY_INSTANCE), 0, argc, argv, &r);
	if (err)
		return err;
	return mapping_request(CONENAT_CMD_FLUSH_MAPPINGS, 0, &r, NULL, NULL);
}

static const struct natctl_cmd mapping_cmds[] = {
	{ "add", mapping_add,
	  "instance NAME proto PROTO internal ADDR:PORT [external {ADDR:PORT|ADDR|:PORT}] [lifetime {DURATION|permanent}]",
	  "add a static mapping (permanent unless a lifetime is given)" },
	{ "get", mapping_get,
	  "instance NAME proto PROTO {internal|external} ADDR:PORT",
	  "print the mapping of an internal or external endpoint" },
	{ "del", mapping_del,
	  "instance NAME proto PROTO {internal|external} ADDR:PORT",
	  "delete the mapping of an internal or external endpoint" },
	{ "show", mapping_show, "[instance NAME] [proto PROTO]",
	  "print every mapping, or those of one instance" },
	{ "flush", mapping_flush, "[instance NAME]",
	  "delete the dynamic and static mappings of every instance, or of one" },
	{ NULL, NULL, NULL,
	  "DURATION := SECONDS, or a number with a suffix s, m, h or d (1 s .. 7 d)\n"
	  "PROTO := {udp|tcp}. Keywords may come in any order.\n"
	  "A static mapping replaces a dynamic mapping of the same internal endpoint;\n"
	  "  without an external endpoint the instance picks one as for traffic.\n" },
};

int do_mapping(int argc, char **argv)
{
	return cmd_dispatch("mapping", mapping_cmds, "show", argc, argv);
}
