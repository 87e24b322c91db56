// SPDX-License-Identifier: GPL-2.0
/*
 * natctl info: the loaded module's version, API version and limits.
 */
#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"

static const struct nla_policy info_policy[CONENAT_INFO_A_MAX + 1] = {
	[CONENAT_INFO_A_CLIENT_API]	= { .type = NLA_U32 },
	[CONENAT_INFO_A_VERSION]	= { .type = NLA_STRING },
	[CONENAT_INFO_A_API]		= { .type = NLA_U32 },
	[CONENAT_INFO_A_MAX_INSTANCES]	= { .type = NLA_U32 },
	[CONENAT_INFO_A_MAX_MAPPINGS]	= { .type = NLA_U32 },
	[CONENAT_INFO_A_HASH_BUCKETS]	= { .type = NLA_U32 },
	[CONENAT_INFO_A_NAME_MAX]	= { .type = NLA_U32 },
};

struct info_ctx {
	bool seen;
};

static void print_limit(struct nlattr **tb, int type, const char *key,
			const char *fmt)
{
	if (tb[type])
		print_uint(PRINT_ANY, key, fmt, nla_get_u32(tb[type]));
}

static int info_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_INFO_A_MAX + 1];
	struct info_ctx *ctx = arg;
	int err;

	if (ctx->seen)
		return 0;	/* one reply is expected; ignore extras */
	ctx->seen = true;

	err = nl_reply_parse(msg, tb, CONENAT_INFO_A_MAX, info_policy);
	if (err)
		return err;

	open_json_object(NULL);
	print_string(PRINT_FP, NULL, NULL, "conenat");
	if (tb[CONENAT_INFO_A_VERSION])
		print_string(PRINT_ANY, "version", " %s",
			     nla_get_string(tb[CONENAT_INFO_A_VERSION]));
	if (tb[CONENAT_INFO_A_API])
		print_uint(PRINT_ANY, "api", " api %u",
			   nla_get_u32(tb[CONENAT_INFO_A_API]));
	print_string(PRINT_JSON, "natctl_version", NULL, NATCTL_VERSION);
	print_uint(PRINT_JSON, "natctl_api", NULL, CONENAT_API_VERSION);
	print_nl();

	open_json_object("limits");
	print_text("  limits:");
	print_limit(tb, CONENAT_INFO_A_MAX_INSTANCES, "max_instances",
		    " instances %u");
	print_limit(tb, CONENAT_INFO_A_MAX_MAPPINGS, "max_mappings",
		    " mappings %u");
	print_limit(tb, CONENAT_INFO_A_HASH_BUCKETS, "hash_buckets",
		    " hash-buckets %u");
	print_limit(tb, CONENAT_INFO_A_NAME_MAX, "name_max", " name-max %u");
	print_nl();
	close_json_object();

	close_json_object();
	return 0;
}

static int info_show(int argc, char **argv)
{
	struct info_ctx ctx = { .seen = false };
	struct nl_msg *req;
	int err;

	err = no_more_args(argc, argv);
	if (err)
		return err;

	req = nl_req_new(CONENAT_CMD_GET_INFO, 0);
	if (!req)
		return NATCTL_EXIT_FAIL;
	if (nla_put_u32(req, CONENAT_INFO_A_CLIENT_API, CONENAT_API_VERSION) < 0)
		return nl_req_abort(req);
	err = nl_req_send(req, info_reply, &ctx);
	if (err)
		return err;
	if (!ctx.seen)
		return fail_err("the kernel sent no reply to the info request");
	return 0;
}

static const struct natctl_cmd info_cmds[] = {
	{ "show", info_show, "",
	  "print the module version, API version and compiled-in limits" },
	{ NULL },
};

int do_info(int argc, char **argv)
{
	return cmd_dispatch("info", info_cmds, "show", argc, argv);
}
