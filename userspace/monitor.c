// SPDX-License-Identifier: GPL-2.0
/*
 * natctl monitor: mapping and exhaustion events, one line each, until
 * SIGINT or SIGTERM (then exit 0).
 *
 *   natctl monitor [mapping|exhaustion|all]
 *
 * Text:
 *
 *   created home udp 10.0.1.2:5000 -> 198.51.100.1:5000 dynamic expires 300s
 *   expired home udp 10.0.1.2:5000 -> 198.51.100.1:5000 dynamic expires 0s
 *   deleted home udp 10.0.1.3:5000 -> 198.51.100.1:6000 static permanent
 *   exhausted home udp 10.0.1.2:5001
 *
 * that is the event word and the "mapping show" line. JSON: one object per
 * line, {"event":"created", ...the "mapping show" keys...} and
 * {"event":"exhausted","instance":..,"proto":..,"internal_addr":..,
 * "internal_port":..}. Each line is written out at once.
 */
#include <arpa/inet.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

enum {
	WANT_MAPPING = 1 << 0,
	WANT_EXHAUSTION = 1 << 1,
};

static const char *event_name(const struct nlattr *a)
{
	if (!a)
		return "unknown";
	switch (nla_get_u8(a)) {
	case CONENAT_EVENT_CREATED:
		return "created";
	case CONENAT_EVENT_EXPIRED:
		return "expired";
	case CONENAT_EVENT_DELETED:
		return "deleted";
	default:
		return "unknown";
	}
}

static void print_exhausted(struct nlattr **tb)
{
	struct nlattr *addr = tb[CONENAT_MAPPING_A_INT_ADDR];
	struct nlattr *port = tb[CONENAT_MAPPING_A_INT_PORT];
	char a[ADDR_STRLEN], buf[4];

	open_json_object(NULL);
	print_string(PRINT_ANY, "event", "%s", "exhausted");
	if (tb[CONENAT_MAPPING_A_INSTANCE])
		print_string(PRINT_ANY, "instance", " %s",
			     nla_get_string(tb[CONENAT_MAPPING_A_INSTANCE]));
	if (tb[CONENAT_MAPPING_A_PROTO])
		print_string(PRINT_ANY, "proto", " %s",
			     fmt_proto(nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]),
				       buf));
	if (addr) {
		print_string(PRINT_ANY, "internal_addr", " %s",
			     fmt_addr(nla_get_u32(addr), a));
		if (port)
			print_uint(PRINT_ANY, "internal_port", ":%u",
				   ntohs(nla_get_u16(port)));
	}
	print_nl();
	close_json_object();
}

static int monitor_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	unsigned int want = *(unsigned int *)arg;
	uint8_t cmd = nl_reply_cmd(msg);

	if (cmd == CONENAT_CMD_MAPPING_EVENT && (want & WANT_MAPPING)) {
		if (mapping_parse(msg, tb))
			return 0;	/* said so; the next event may be fine */
		mapping_print(tb, event_name(tb[CONENAT_MAPPING_A_EVENT]));
	} else if (cmd == CONENAT_CMD_EXHAUSTED_EVENT &&
		   (want & WANT_EXHAUSTION)) {
		if (mapping_parse(msg, tb))
			return 0;
		print_exhausted(tb);
	} else {
		return 0;
	}
	/* Write the line now: a reader of a pipe waits for it. */
	print_end(true);
	return 0;
}

static int monitor(unsigned int want, int argc, char **argv)
{
	int err = no_more_args(argc, argv);

	if (err)
		return err;
	return nl_event_listen(CONENAT_MCGRP_EVENTS, monitor_event, &want);
}

static int monitor_all(int argc, char **argv)
{
	return monitor(WANT_MAPPING | WANT_EXHAUSTION, argc, argv);
}

static int monitor_mapping(int argc, char **argv)
{
	return monitor(WANT_MAPPING, argc, argv);
}

static int monitor_exhaustion(int argc, char **argv)
{
	return monitor(WANT_EXHAUSTION, argc, argv);
}

static const struct natctl_cmd monitor_cmds[] = {
	{ "all", monitor_all, "", "print every event" },
	{ "mapping", monitor_mapping, "",
	  "print mappings created, expired and deleted" },
	{ "exhaustion", monitor_exhaustion, "",
	  "print flows dropped for want of a free external port" },
	{ NULL, NULL, NULL,
	  "One line per event (with -j one JSON object per line) until SIGINT or\n"
	  "  SIGTERM; lost events (a receive overrun) are reported on stderr.\n" },
};

int do_monitor(int argc, char **argv)
{
	return cmd_dispatch("monitor", monitor_cmds, "all", argc, argv);
}
