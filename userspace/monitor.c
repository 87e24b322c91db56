// SPDX-License-Identifier: GPL-2.0
/*
 * natctl monitor: mapping, exhaustion and peer limit events, one line
 * each, until SIGINT or SIGTERM (then exit 0).
 *
 *   natctl [-t] monitor [mapping|exhaustion|all] [instance NAME]
 *
 * Text:
 *
 *   created home udp 10.0.1.2:5000 -> 198.51.100.1:5000 dynamic expires 300s
 *   expired home udp 10.0.1.2:5000 -> 198.51.100.1:5000 dynamic expires 0s
 *   deleted home udp 10.0.1.3:5000 -> 198.51.100.1:6000 static permanent
 *   exhausted home udp 10.0.1.2:5001
 *   peer-limit home udp 10.0.1.2:5001 -> 198.51.100.1:5001 remote 203.0.113.9:4000
 *
 * that is the event word and the "mapping show" line, or as much of it as
 * the event carries. JSON: one object per line, {"event":"created", ...the
 * "mapping show" keys...}, {"event":"exhausted","instance":..,"proto":..,
 * "internal_addr":..,"internal_port":..} and {"event":"peer-limit", the
 * same, "external_addr":..,"external_port":..,"remote_addr":..,
 * "remote_port":..}. Each line is written out at once. peer-limit events
 * come with "all" only. Lost events (a receive overrun) make a line of
 * their own, "lost" ({"event":"lost"}), besides the warning on stderr.
 * With -t every line starts with the time it was received, in UTC:
 *
 *   2026-12-06T21:53:12.123456Z created home udp ...
 *
 * and in JSON the first key is "time", with that string.
 */
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

enum {
	WANT_MAPPING = 1 << 0,
	WANT_EXHAUSTION = 1 << 1,
	WANT_PEER_LIMIT = 1 << 2,
};

struct monitor {
	unsigned int want;
	const char *instance;		/* NULL: every instance */
};

void print_event_head(const char *event)
{
	char when[40];
	struct timeval tv;
	struct tm tm;

	if (opt_timestamp) {
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(when + strlen(when), sizeof(when) - strlen(when),
			 ".%06ldZ", (long)tv.tv_usec);
		print_string(PRINT_ANY, "time", "%s ", when);
	}
	print_string(PRINT_ANY, "event", "%s", event);
}

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
	case CONENAT_EVENT_UPDATED:
		return "updated";
	default:
		return "unknown";
	}
}

/*
 * An exhausted or peer-limit event: the event word, then the instance, the
 * protocol and the endpoints the event carries, as "mapping show" prints
 * them (the internal one; the external one after "->"; the remote one
 * after "remote").
 */
static void print_endpoints_event(struct nlattr **tb, const char *event)
{
	char buf[4];

	open_json_object(NULL);
	print_event_head(event);
	if (tb[CONENAT_MAPPING_A_INSTANCE])
		print_string(PRINT_ANY, "instance", " %s",
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
	mapping_print_endpoint(tb[CONENAT_MAPPING_A_REMOTE_ADDR],
			       tb[CONENAT_MAPPING_A_REMOTE_PORT], "remote",
			       " remote %s");
	print_nl();
	close_json_object();
}

static int monitor_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	const struct monitor *mon = arg;
	uint8_t cmd;

	if (!msg) {
		/* events were lost: whoever reads the lines must know */
		open_json_object(NULL);
		print_event_head("lost");
		print_nl();
		close_json_object();
		print_end(true);
		return 0;
	}
	cmd = nl_reply_cmd(msg);
	if (cmd != CONENAT_CMD_MAPPING_EVENT &&
	    cmd != CONENAT_CMD_EXHAUSTED_EVENT &&
	    cmd != CONENAT_CMD_PEER_LIMIT_EVENT)
		return 0;
	if (mapping_parse(msg, tb))
		return 0;	/* said so; the next event may be fine */
	if (mon->instance && (!tb[CONENAT_MAPPING_A_INSTANCE] ||
			      strcmp(mon->instance,
				     nla_get_string(tb[CONENAT_MAPPING_A_INSTANCE]))))
		return 0;
	if (cmd == CONENAT_CMD_MAPPING_EVENT && (mon->want & WANT_MAPPING))
		mapping_print(tb, event_name(tb[CONENAT_MAPPING_A_EVENT]));
	else if (cmd == CONENAT_CMD_EXHAUSTED_EVENT &&
		 (mon->want & WANT_EXHAUSTION))
		print_endpoints_event(tb, "exhausted");
	else if (cmd == CONENAT_CMD_PEER_LIMIT_EVENT &&
		 (mon->want & WANT_PEER_LIMIT))
		print_endpoints_event(tb, "peer-limit");
	else
		return 0;
	/* Write the line now: a reader of a pipe waits for it. */
	print_end(true);
	return 0;
}

static int monitor(const char *cmd, unsigned int want, int argc, char **argv)
{
	static const char *const keys[] = { "instance", NULL };
	struct monitor mon = { .want = want };
	const char *vals[2] = { NULL };
	int err;

	err = parse_pairs("monitor", cmd, argc, argv, keys, vals);
	if (!err && vals[0])
		err = parse_name(vals[0], "instance name",
				 CONENAT_NAME_MAX - 1, false);
	if (err)
		return err;
	mon.instance = vals[0];
	return nl_event_listen(CONENAT_MCGRP_EVENTS, monitor_event, &mon);
}

static int monitor_all(int argc, char **argv)
{
	return monitor("all", WANT_MAPPING | WANT_EXHAUSTION | WANT_PEER_LIMIT,
		       argc, argv);
}

static int monitor_mapping(int argc, char **argv)
{
	return monitor("mapping", WANT_MAPPING, argc, argv);
}

static int monitor_exhaustion(int argc, char **argv)
{
	return monitor("exhaustion", WANT_EXHAUSTION, argc, argv);
}

static const struct natctl_cmd monitor_cmds[] = {
	{ "all", monitor_all, "[instance NAME]",
	  "print every event: mapping, exhaustion and peer-limit ones" },
	{ "mapping", monitor_mapping, "[instance NAME]",
	  "print mappings created, expired and deleted" },
	{ "exhaustion", monitor_exhaustion, "[instance NAME]",
	  "print flows dropped for want of a free external port" },
	{ NULL, NULL, NULL,
	  "peer-limit: a remote a peer cap left out of a mapping's filter (the first\n"
	  "  of each mapping only); only \"all\" prints it.\n"
	  "One line per event (with -j one JSON object per line) until SIGINT or\n"
	  "  SIGTERM; lost events (a receive overrun) make a line \"lost\" and a\n"
	  "  warning on stderr. With -t each line starts with the time (UTC).\n"
	  "instance NAME: only the events of that instance.\n" },
};

int do_monitor(int argc, char **argv)
{
	/* "monitor instance NAME" is "monitor all instance NAME" */
	if (argc > 0 && !strcmp(argv[0], "instance")) {
		if (!strcmp(argv[argc - 1], "help"))
			return cmd_dispatch("monitor", monitor_cmds, "all", 1,
					    &argv[argc - 1]);
		return monitor_all(argc, argv);
	}
	return cmd_dispatch("monitor", monitor_cmds, "all", argc, argv);
}
