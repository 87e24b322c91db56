// SPDX-License-Identifier: GPL-2.0
/*
 * natctl limits: the network namespace's limits.
 *
 *   natctl limits show
 *   natctl limits set [max-mappings N] [max-peers N]
 *
 * Text: "max-mappings 4194304 mappings 12 max-peers 4194304 peers 30
 * instances 1" on one line; JSON: one object, keys in limits_reply().
 *
 * At the mapping cap a new flow gets no mapping (counted as table_full);
 * existing mappings are never evicted, also when the cap is lowered under
 * them. At the peer cap a remote is left out of its mapping's filter
 * (counted as peers_refused).
 */
#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

/* every attribute of a limits reply, for each reader of one */
static const struct nla_policy limits_policy[CONENAT_LIMITS_A_MAX + 1] = {
	[CONENAT_LIMITS_A_MAX_MAPPINGS]	= { .type = NLA_U32 },
	[CONENAT_LIMITS_A_MAPPINGS]	= { .type = NLA_U32 },
	[CONENAT_LIMITS_A_INSTANCES]	= { .type = NLA_U32 },
	[CONENAT_LIMITS_A_MAX_PEERS]	= { .type = NLA_U32 },
	[CONENAT_LIMITS_A_PEERS]	= { .type = NLA_U32 },
	[CONENAT_LIMITS_A_BUCKETS]	= { .type = NLA_U32 },
};

static int limits_parse(struct nl_msg *msg, struct nlattr **tb)
{
	return nl_reply_parse(msg, tb, CONENAT_LIMITS_A_MAX, limits_policy);
}

int limits_caps(struct nl_msg *msg, uint32_t *max_mappings,
		uint32_t *max_peers)
{
	struct nlattr *tb[CONENAT_LIMITS_A_MAX + 1];
	int err;

	err = limits_parse(msg, tb);
	if (err)
		return err;
	if (!tb[CONENAT_LIMITS_A_MAX_MAPPINGS] || !tb[CONENAT_LIMITS_A_MAX_PEERS])
		return fail_err("malformed reply from the kernel: limits without their caps");
	*max_mappings = nla_get_u32(tb[CONENAT_LIMITS_A_MAX_MAPPINGS]);
	*max_peers = nla_get_u32(tb[CONENAT_LIMITS_A_MAX_PEERS]);
	return 0;
}

static int limits_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_LIMITS_A_MAX + 1];
	int err;

	err = limits_parse(msg, tb);
	if (err)
		return err;
	open_json_object(NULL);
	if (tb[CONENAT_LIMITS_A_MAX_MAPPINGS])
		print_uint(PRINT_ANY, "max_mappings", "max-mappings %u",
			   nla_get_u32(tb[CONENAT_LIMITS_A_MAX_MAPPINGS]));
	if (tb[CONENAT_LIMITS_A_MAPPINGS])
		print_uint(PRINT_ANY, "mappings", " mappings %u",
			   nla_get_u32(tb[CONENAT_LIMITS_A_MAPPINGS]));
	if (tb[CONENAT_LIMITS_A_MAX_PEERS])
		print_uint(PRINT_ANY, "max_peers", " max-peers %u",
			   nla_get_u32(tb[CONENAT_LIMITS_A_MAX_PEERS]));
	if (tb[CONENAT_LIMITS_A_PEERS])
		print_uint(PRINT_ANY, "peers", " peers %u",
			   nla_get_u32(tb[CONENAT_LIMITS_A_PEERS]));
	if (tb[CONENAT_LIMITS_A_INSTANCES])
		print_uint(PRINT_ANY, "instances", " instances %u",
			   nla_get_u32(tb[CONENAT_LIMITS_A_INSTANCES]));
	if (tb[CONENAT_LIMITS_A_BUCKETS])
		print_uint(PRINT_ANY, "buckets", " buckets %u",
			   nla_get_u32(tb[CONENAT_LIMITS_A_BUCKETS]));
	print_nl();
	close_json_object();
	return 0;
}

static int limits_show(int argc, char **argv)
{
	int err = no_more_args(argc, argv);

	if (err)
		return err;
	/* one object, as info: the namespace has one set of limits */
	return nl_simple(CONENAT_CMD_GET_LIMITS, 0, limits_reply, NULL);
}

/* The keywords of "limits set", their attributes and ranges. */
static const char *const keys[] = { "max-mappings", "max-peers", NULL };

static const struct {
	int attr;
	uint32_t max;
} settings[] = {
	{ CONENAT_LIMITS_A_MAX_MAPPINGS, CONENAT_MAX_MAPPINGS_LIMIT },
	{ CONENAT_LIMITS_A_MAX_PEERS, CONENAT_MAX_PEERS_LIMIT },
};

static int limits_set(int argc, char **argv)
{
	const char *vals[ARRAY_SIZE(keys)] = { NULL };
	uint32_t val[ARRAY_SIZE(settings)];
	struct nl_msg *req;
	bool any = false;
	size_t i;
	int err;

	err = parse_pairs("limits", "set", argc, argv, keys, vals);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(settings); i++) {
		if (!vals[i])
			continue;
		err = parse_number(vals[i], keys[i], 1, settings[i].max,
				   &val[i]);
		if (err)
			return err;
		any = true;
	}
	if (!any)
		return usage_err("\"limits set\" needs \"max-mappings\" or \"max-peers\"; try \"natctl limits help\"");
	req = nl_req_new(CONENAT_CMD_SET_LIMITS, 0);
	if (!req)
		return NATCTL_EXIT_FAIL;
	for (i = 0; i < ARRAY_SIZE(settings); i++)
		if (vals[i] && nla_put_u32(req, settings[i].attr, val[i]) < 0)
			return nl_req_abort(req);
	return nl_req_send(req, NULL, NULL);
}

static const struct natctl_cmd limits_cmds[] = {
	{ "show", limits_show, "",
	  "the namespace's caps, and how many mappings, peers and instances exist" },
	{ "set", limits_set, "[max-mappings N] [max-peers N]",
	  "cap the namespace's mappings and/or peers (at least one)" },
	{ NULL, NULL, NULL,
	  "max-mappings: 1 .. 67108864, default 4194304. At the cap a new flow gets\n"
	  "  no mapping and is counted as table_full; existing mappings are never\n"
	  "  evicted, also when the cap is lowered.\n"
	  "max-peers: 1 .. 67108864, default 4194304. It caps the peers (remotes\n"
	  "  recorded by the mappings' filters) of all instances together, as an\n"
	  "  instance's max-peers caps those of one mapping. At a cap the flow still\n"
	  "  leaves but its remote is not recorded, so that remote's new flows in are\n"
	  "  filtered; counted as peers_refused.\n" },
};

int do_limits(int argc, char **argv)
{
	return cmd_dispatch("limits", limits_cmds, "show", argc, argv);
}
