// SPDX-License-Identifier: GPL-2.0
/*
 * natctl stats: the counters of the instances.
 *
 *   natctl stats show [instance NAME]
 *
 * Text, one block per instance:
 *
 *   instance home
 *     mappings_created 5 mappings_expired 3 mappings_deleted 0
 *     out_new_flows 10 in_new_flows 2 in_filtered 1 in_no_mapping 0
 *     hairpin_flows 0 port_exhausted 0 host_limit 0 table_full 0 nomem 0
 *     peers_refused 0
 *
 * JSON: [{"instance":"home","stats":{"mappings_created":5,...}},...]
 */
#include <string.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

/* The counters in the order printed; a new line starts at each break. */
static const struct {
	int type;
	const char *name;
	bool line_break;	/* start a new text line before this one */
} counters[] = {
	{ CONENAT_STATS_A_MAPPINGS_CREATED,	"mappings_created",	true },
	{ CONENAT_STATS_A_MAPPINGS_EXPIRED,	"mappings_expired",	false },
	{ CONENAT_STATS_A_MAPPINGS_DELETED,	"mappings_deleted",	false },
	{ CONENAT_STATS_A_OUT_NEW_FLOWS,	"out_new_flows",	true },
	{ CONENAT_STATS_A_IN_NEW_FLOWS,		"in_new_flows",		false },
	{ CONENAT_STATS_A_IN_FILTERED,		"in_filtered",		false },
	{ CONENAT_STATS_A_IN_NO_MAPPING,	"in_no_mapping",	false },
	{ CONENAT_STATS_A_HAIRPIN_FLOWS,	"hairpin_flows",	true },
	{ CONENAT_STATS_A_PORT_EXHAUSTED,	"port_exhausted",	false },
	{ CONENAT_STATS_A_HOST_LIMIT,		"host_limit",		false },
	{ CONENAT_STATS_A_TABLE_FULL,		"table_full",		false },
	{ CONENAT_STATS_A_NOMEM,		"nomem",		false },
	{ CONENAT_STATS_A_PEERS_REFUSED,	"peers_refused",	true },
};

static const struct nla_policy stats_policy[CONENAT_STATS_A_MAX + 1] = {
	[CONENAT_STATS_A_MAPPINGS_CREATED]	= { .type = NLA_U64 },
	[CONENAT_STATS_A_MAPPINGS_EXPIRED]	= { .type = NLA_U64 },
	[CONENAT_STATS_A_MAPPINGS_DELETED]	= { .type = NLA_U64 },
	[CONENAT_STATS_A_OUT_NEW_FLOWS]		= { .type = NLA_U64 },
	[CONENAT_STATS_A_IN_NEW_FLOWS]		= { .type = NLA_U64 },
	[CONENAT_STATS_A_IN_FILTERED]		= { .type = NLA_U64 },
	[CONENAT_STATS_A_IN_NO_MAPPING]		= { .type = NLA_U64 },
	[CONENAT_STATS_A_HAIRPIN_FLOWS]		= { .type = NLA_U64 },
	[CONENAT_STATS_A_PORT_EXHAUSTED]	= { .type = NLA_U64 },
	[CONENAT_STATS_A_HOST_LIMIT]		= { .type = NLA_U64 },
	[CONENAT_STATS_A_TABLE_FULL]		= { .type = NLA_U64 },
	[CONENAT_STATS_A_NOMEM]			= { .type = NLA_U64 },
	[CONENAT_STATS_A_PEERS_REFUSED]		= { .type = NLA_U64 },
};

void stats_print(struct nlattr *nest, const char *indent)
{
	struct nlattr *tb[CONENAT_STATS_A_MAX + 1];
	bool line_open = false;
	size_t i;

	if (!nest)
		return;
	if (nla_parse_nested(tb, CONENAT_STATS_A_MAX, nest,
			     stats_policy) < 0) {
		/* Leave the counters out rather than fail the listing. */
		pr_warn("malformed counters from the kernel");
		return;
	}

	open_json_object("stats");
	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		char fmt[64];
		struct nlattr *a = tb[counters[i].type];

		if (!a)
			continue;
		if (counters[i].line_break || !line_open) {
			if (line_open)
				print_nl();
			print_string(PRINT_FP, NULL, "%s", indent);
			snprintf(fmt, sizeof(fmt), "%s %%llu", counters[i].name);
			line_open = true;
		} else {
			snprintf(fmt, sizeof(fmt), " %s %%llu", counters[i].name);
		}
		print_u64(PRINT_ANY, counters[i].name, fmt, nla_get_u64(a));
	}
	if (line_open)
		print_nl();
	close_json_object();
}

/* ---- stats show ------------------------------------------------------ */

static int stats_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_INSTANCE_A_MAX + 1];
	unsigned int *count = arg;
	int err;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_INSTANCE)
		return 0;
	err = instance_parse(msg, tb);
	if (err)
		return err;
	if (!tb[CONENAT_INSTANCE_A_NAME])
		return fail_err("malformed reply from the kernel: an instance without a name");
	(*count)++;

	open_json_object(NULL);
	print_string(PRINT_ANY, "instance", "instance %s\n",
		     nla_get_string(tb[CONENAT_INSTANCE_A_NAME]));
	stats_print(tb[CONENAT_INSTANCE_A_STATS], "  ");
	close_json_object();
	return 0;
}

static int stats_show(int argc, char **argv)
{
	static const char *const keys[] = { "instance", NULL };
	const char *vals[ARRAY_SIZE(keys)] = { NULL };
	unsigned int count = 0;
	struct nl_msg *req;
	int err;

	err = parse_pairs("stats", "show", argc, argv, keys, vals);
	if (!err && vals[0])
		err = parse_name(vals[0], "instance name", CONENAT_NAME_MAX - 1,
				 false);
	if (err)
		return err;

	req = nl_req_new(CONENAT_CMD_GET_INSTANCE, vals[0] ? 0 : NLM_F_DUMP);
	if (!req)
		return NATCTL_EXIT_FAIL;
	if (vals[0] && nla_put_string(req, CONENAT_INSTANCE_A_NAME, vals[0]) < 0)
		return nl_req_abort(req);

	open_json_array(NULL);
	err = nl_req_send(req, stats_reply, &count);
	if (err)
		return err;
	close_json_array();
	if (vals[0] && !count)
		return fail_err("the kernel sent no reply for instance \"%s\"",
				vals[0]);
	return 0;
}

static const struct natctl_cmd stats_cmds[] = {
	{ "show", stats_show, "[instance NAME]",
	  "print the counters of every instance, or of one" },
	{ NULL, NULL, NULL,
	  "Counters: mappings_created mappings_expired mappings_deleted out_new_flows\n"
	  "  in_new_flows in_filtered in_no_mapping hairpin_flows port_exhausted\n"
	  "  host_limit table_full nomem peers_refused\n" },
};

int do_stats(int argc, char **argv)
{
	return cmd_dispatch("stats", stats_cmds, "show", argc, argv);
}
