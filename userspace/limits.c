// SPDX-License-Identifier: GPL-2.0
/*
 * natctl limits: the network namespace's limits.
 *
 *   natctl limits show
 *   natctl limits set max-mappings N
 *
 * At the cap a new flow gets no mapping (counted as table_full); existing
 * mappings are never evicted, also when the cap is lowered under them.
 */
#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

static int limits_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_LIMITS_A_MAX + 1];
	int err;

	err = nl_reply_parse(msg, tb, CONENAT_LIMITS_A_MAX, NULL);
	if (err)
		return err;
	open_json_object(NULL);
	if (tb[CONENAT_LIMITS_A_MAX_MAPPINGS])
		print_uint(PRINT_ANY, "max_mappings", "max-mappings %u",
			   nla_get_u32(tb[CONENAT_LIMITS_A_MAX_MAPPINGS]));
	if (tb[CONENAT_LIMITS_A_MAPPINGS])
		print_uint(PRINT_ANY, "mappings", " mappings %u",
			   nla_get_u32(tb[CONENAT_LIMITS_A_MAPPINGS]));
	if (tb[CONENAT_LIMITS_A_INSTANCES])
		print_uint(PRINT_ANY, "instances", " instances %u",
			   nla_get_u32(tb[CONENAT_LIMITS_A_INSTANCES]));
	print_nl();
	close_json_object();
	return 0;
}

static int limits_show(int argc, char **argv)
{
	int err = no_more_args(argc, argv);

	if (err)
		return err;
	/* like every command but info, JSON is an array */
	open_json_array(NULL);
	err = nl_simple(CONENAT_CMD_GET_LIMITS, 0, limits_reply, NULL);
	close_json_array();
	return err;
}

static const char *const keys[] = { "max-mappings", NULL };

static int limits_set(int argc, char **argv)
{
	const char *vals[2] = { NULL };
	struct nl_msg *req;
	uint32_t max;
	int err;

	err = parse_pairs("limits", "set", argc, argv, keys, vals);
	if (err)
		return err;
	if (!vals[0])
		return usage_err("\"limits set\" needs \"max-mappings\"; try \"natctl limits help\"");
	err = parse_number(vals[0], "max-mappings", 1, CONENAT_MAX_MAPPINGS_LIMIT,
			   &max);
	if (err)
		return err;
	req = nl_req_new(CONENAT_CMD_SET_LIMITS, 0);
	if (!req)
		return NATCTL_EXIT_FAIL;
	if (nla_put_u32(req, CONENAT_LIMITS_A_MAX_MAPPINGS, max) < 0)
		return nl_req_abort(req);
	return nl_req_send(req, NULL, NULL);
}

static const struct natctl_cmd limits_cmds[] = {
	{ "show", limits_show, "",
	  "the namespace's cap on mappings, and how many mappings and instances exist" },
	{ "set", limits_set, "max-mappings N",
	  "cap the namespace's mappings (1 .. 67108864; default 4194304)" },
	{ NULL, NULL, NULL,
	  "At the cap a new flow gets no mapping and is counted as table_full;\n"
	  "  existing mappings are never evicted, also when the cap is lowered.\n" },
};

int do_limits(int argc, char **argv)
{
	return cmd_dispatch("limits", limits_cmds, "show", argc, argv);
}
