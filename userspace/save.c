// SPDX-License-Identifier: GPL-2.0
/*
 * natctl save: the namespace's configuration as a batch file.
 *
 *   natctl save
 *
 * prints the lines that make the configuration again, to be applied with
 * "natctl -b FILE" in a namespace without one (or, later, restore):
 *
 *   limits set max-mappings 4194304 max-peers 4194304
 *   instance add home dev wan0 type restricted-cone external dev ...
 *   mapping add instance home proto udp internal 10.0.1.3:5000 external :6000
 *   permit add instance home proto udp internal 10.0.1.2:5000 remote 203.0.113.5
 *
 * Instances with every setting, static mappings (dynamic ones are
 * traffic's), permits, the namespace's limits. A timed static mapping or
 * permit is saved with the lifetime it has left. Text only: the output is
 * natctl's own input.
 */
#include <string.h>

#include <netlink/msg.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

static int save_limits_reply(struct nl_msg *msg, void *arg)
{
	uint32_t max_mappings, max_peers;
	int err;

	err = limits_caps(msg, &max_mappings, &max_peers);
	if (err)
		return err;
	print_text("limits set max-mappings %u max-peers %u\n", max_mappings,
		   max_peers);
	return 0;
}

/**
 * save_print() - print the configuration as natctl commands
 *
 * Return: 0 or an exit status.
 */
int save_print(void)
{
	struct save_ctx ctx = { .ninstances = 0 };
	int err;

	print_text("# natctl save: the conenat configuration of this network namespace\n");
	err = nl_simple(CONENAT_CMD_GET_LIMITS, 0, save_limits_reply, NULL);
	if (!err)
		err = nl_simple(CONENAT_CMD_GET_INSTANCE, NLM_F_DUMP,
				instance_save_reply, &ctx);
	if (!err)
		err = nl_simple(CONENAT_CMD_GET_MAPPING, NLM_F_DUMP,
				mapping_save_reply, &ctx);
	if (!err)
		err = nl_simple(CONENAT_CMD_GET_PERMIT, NLM_F_DUMP,
				permit_save_reply, &ctx);
	return err;
}

static int save(int argc, char **argv)
{
	int err = no_more_args(argc, argv);

	if (err)
		return err;
	if (print_is_json())
		return usage_err("\"save\" prints natctl commands, not JSON: leave out -j");
	return save_print();
}

int do_save(int argc, char **argv)
{
	/* help at every depth, as the objects' commands have it */
	if (argc > 0 && !strcmp(argv[argc - 1], "help")) {
		print_text("Usage: natctl [OPTIONS] save\n"
			   "  print the configuration of the namespace (limits, instances with every\n"
			   "  setting, static mappings, permits) as natctl commands, one a line,\n"
			   "  that make it again: natctl -b FILE applies them\n");
		return 0;
	}
	return save(argc, argv);
}
