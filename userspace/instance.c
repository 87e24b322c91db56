// SPDX-License-Identifier: GPL-2.0
/*
 * natctl instance: NAT instances.
 *
 *   natctl instance add NAME dev IFNAME [OPTION...]
 *   natctl instance set NAME OPTION...
 *   natctl instance del NAME
 *   natctl instance show [NAME]
 *
 * Every value is checked before anything is sent. Text output, one block
 * per instance, every setting included:
 *
 *   instance home dev wan0 (ifindex 3)
 *     type restricted-cone mapping endpoint-independent filtering address-dependent
 *     external dev (198.51.100.1) internal any ports 1024-65535
 *     port-preservation on port-parity off hairpin on hairpin-filter off
 *     inbound-refresh off
 *     udp-timeout 300 tcp-timeout 7440 tcp-transitory-timeout 240
 *     icmp-timeout 60 max-peers 65536 hold-down 120 max-per-host 0 mappings 2
 *
 * and with -s the counters (see stats.c) under a line "  stats:". JSON: an
 * array of objects, keys in print_instance().
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

/* RFC 4787 behaviours, indexed by enum conenat_behaviour. */
static const char *const behaviours[] = {
	[CONENAT_ENDPOINT_INDEPENDENT]		= "endpoint-independent",
	[CONENAT_ADDRESS_DEPENDENT]		= "address-dependent",
	[CONENAT_ADDRESS_PORT_DEPENDENT]	= "address-port-dependent",
};

/* The "type" presets: a mapping and a filtering behaviour. */
static const struct {
	const char *name;
	uint8_t mapping;
	uint8_t filtering;
} presets[] = {
	{ "full-cone", CONENAT_ENDPOINT_INDEPENDENT,
	  CONENAT_ENDPOINT_INDEPENDENT },
	{ "restricted-cone", CONENAT_ENDPOINT_INDEPENDENT,
	  CONENAT_ADDRESS_DEPENDENT },
	{ "port-restricted-cone", CONENAT_ENDPOINT_INDEPENDENT,
	  CONENAT_ADDRESS_PORT_DEPENDENT },
	{ "symmetric", CONENAT_ADDRESS_PORT_DEPENDENT,
	  CONENAT_ADDRESS_PORT_DEPENDENT },
};

/* The option keywords, in the order of enum opt. */
enum opt {
	OPT_DEV,
	OPT_TYPE,
	OPT_MAPPING,
	OPT_FILTERING,
	OPT_EXTERNAL,
	OPT_INTERNAL,
	OPT_PORTS,
	OPT_PORT_PRESERVATION,
	OPT_PORT_PARITY,
	OPT_HAIRPIN,
	OPT_HAIRPIN_FILTER,
	OPT_INBOUND_REFRESH,
	OPT_UDP_TIMEOUT,
	OPT_TCP_TIMEOUT,
	OPT_TCP_TRANSITORY_TIMEOUT,
	OPT_ICMP_TIMEOUT,
	OPT_MAX_PER_HOST,
	OPT_MAX_PEERS,
	OPT_HOLD_DOWN,
	OPT_NUM
};

static const char *const opt_keys[OPT_NUM + 1] = {
	[OPT_DEV]		= "dev",
	[OPT_TYPE]		= "type",
	[OPT_MAPPING]		= "mapping",
	[OPT_FILTERING]		= "filtering",
	[OPT_EXTERNAL]		= "external",
	[OPT_INTERNAL]		= "internal",
	[OPT_PORTS]		= "ports",
	[OPT_PORT_PRESERVATION]	= "port-preservation",
	[OPT_PORT_PARITY]	= "port-parity",
	[OPT_HAIRPIN]		= "hairpin",
	[OPT_HAIRPIN_FILTER]	= "hairpin-filter",
	[OPT_INBOUND_REFRESH]	= "inbound-refresh",
	[OPT_UDP_TIMEOUT]	= "udp-timeout",
	[OPT_TCP_TIMEOUT]	= "tcp-timeout",
	[OPT_TCP_TRANSITORY_TIMEOUT] = "tcp-transitory-timeout",
	[OPT_ICMP_TIMEOUT]	= "icmp-timeout",
	[OPT_MAX_PER_HOST]	= "max-per-host",
	[OPT_MAX_PEERS]		= "max-peers",
	[OPT_HOLD_DOWN]		= "hold-down",
	[OPT_NUM]		= NULL,
};

/* The on/off options and their attributes. */
static const struct {
	enum opt opt;
	int attr;
} toggles[] = {
	{ OPT_PORT_PRESERVATION, CONENAT_INSTANCE_A_PORT_PRESERVATION },
	{ OPT_PORT_PARITY, CONENAT_INSTANCE_A_PORT_PARITY },
	{ OPT_HAIRPIN, CONENAT_INSTANCE_A_HAIRPIN },
	{ OPT_HAIRPIN_FILTER, CONENAT_INSTANCE_A_HAIRPIN_FILTER },
	{ OPT_INBOUND_REFRESH, CONENAT_INSTANCE_A_INBOUND_REFRESH },
};

/* The timers and their attributes; udp-timeout comes first. */
static const struct {
	enum opt opt;
	int attr;
} timers[] = {
	{ OPT_UDP_TIMEOUT, CONENAT_INSTANCE_A_UDP_TIMEOUT },
	{ OPT_TCP_TIMEOUT, CONENAT_INSTANCE_A_TCP_TIMEOUT },
	{ OPT_TCP_TRANSITORY_TIMEOUT, CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT },
	{ OPT_ICMP_TIMEOUT, CONENAT_INSTANCE_A_ICMP_TIMEOUT },
};

/* RFC 4787, REQ-5: a UDP mapping timer must not expire in less than 2 min. */
#define RFC4787_MIN_UDP_TIMEOUT	120

/* The settings of one add or set command, validated. */
struct inst_cfg {
	const char *vals[OPT_NUM + 1];	/* the words given, NULL if not */
	uint8_t mapping;
	uint8_t filtering;
	uint32_t ext_min;		/* network byte order */
	uint32_t ext_max;
	struct prefix internal[CONENAT_MAX_PREFIXES];
	unsigned int ninternal;
	uint16_t port_min;
	uint16_t port_max;
	uint8_t toggle[ARRAY_SIZE(toggles)];
	uint32_t timer[ARRAY_SIZE(timers)];
	uint32_t max_per_host;
	uint32_t max_peers;
	uint32_t hold_down;
};

/* Parses and checks the OPTION words of add (@add) or set into @cfg. */
static int parse_options(const char *cmd, bool add, int argc, char **argv,
			 struct inst_cfg *cfg)
{
	const char **v = cfg->vals;
	unsigned int idx;
	size_t i;
	int err;

	err = parse_pairs("instance", cmd, argc, argv, opt_keys, v);
	if (err)
		return err;

	if (v[OPT_DEV]) {
		if (!add)
			return usage_err("\"dev\" cannot be changed: delete the instance and add it again");
		err = parse_name(v[OPT_DEV], "device name", IFNAMSIZ - 1, true);
		if (err)
			return err;
	} else if (add) {
		return usage_err("\"instance add\" needs \"dev IFNAME\"");
	}

	if (v[OPT_TYPE]) {
		const char *names[ARRAY_SIZE(presets)];

		if (v[OPT_MAPPING])
			return usage_err("\"type\" and \"mapping\" cannot be given together");
		if (v[OPT_FILTERING])
			return usage_err("\"type\" and \"filtering\" cannot be given together");
		for (i = 0; i < ARRAY_SIZE(presets); i++)
			names[i] = presets[i].name;
		err = parse_choice(v[OPT_TYPE], "type", names,
				   ARRAY_SIZE(presets), &idx);
		if (err)
			return err;
		cfg->mapping = presets[idx].mapping;
		cfg->filtering = presets[idx].filtering;
	}
	if (v[OPT_MAPPING]) {
		err = parse_choice(v[OPT_MAPPING], "mapping", behaviours,
				   ARRAY_SIZE(behaviours), &idx);
		if (err)
			return err;
		cfg->mapping = (uint8_t)idx;
	}
	if (v[OPT_FILTERING]) {
		err = parse_choice(v[OPT_FILTERING], "filtering", behaviours,
				   ARRAY_SIZE(behaviours), &idx);
		if (err)
			return err;
		cfg->filtering = (uint8_t)idx;
	}

	if (v[OPT_EXTERNAL]) {
		if (!strcmp(v[OPT_EXTERNAL], "dev")) {
			cfg->ext_min = 0;
			cfg->ext_max = 0;
		} else {
			err = parse_addr_range(v[OPT_EXTERNAL], "external",
					       "dev, ", CONENAT_MAX_EXT_ADDRS,
					       &cfg->ext_min, &cfg->ext_max);
			if (err)
				return err;
		}
	}

	if (v[OPT_INTERNAL]) {
		if (!strcmp(v[OPT_INTERNAL], "any")) {
			cfg->ninternal = 0;
		} else {
			err = parse_prefixes(v[OPT_INTERNAL], "internal",
					     cfg->internal, CONENAT_MAX_PREFIXES,
					     &cfg->ninternal);
			if (err)
				return err;
		}
	}

	if (v[OPT_PORTS]) {
		err = parse_port_range(v[OPT_PORTS], "ports", &cfg->port_min,
				       &cfg->port_max);
		if (err)
			return err;
	}

	for (i = 0; i < ARRAY_SIZE(toggles); i++) {
		enum opt o = toggles[i].opt;

		if (v[o]) {
			err = parse_onoff(v[o], opt_keys[o], &cfg->toggle[i]);
			if (err)
				return err;
		}
	}

	for (i = 0; i < ARRAY_SIZE(timers); i++) {
		enum opt o = timers[i].opt;

		if (v[o]) {
			err = parse_duration(v[o], opt_keys[o], "", 1,
					     CONENAT_MAX_TIMEOUT, &cfg->timer[i]);
			if (err)
				return err;
		}
	}
	if (v[OPT_MAX_PER_HOST]) {
		err = parse_number(v[OPT_MAX_PER_HOST], "max-per-host", 0,
				   CONENAT_DEFAULT_MAX_MAPPINGS,
				   &cfg->max_per_host);
		if (err)
			return err;
	}
	if (v[OPT_MAX_PEERS]) {
		err = parse_number(v[OPT_MAX_PEERS], "max-peers", 1,
				   CONENAT_MAX_PEERS_LIMIT, &cfg->max_peers);
		if (err)
			return err;
	}
	if (v[OPT_HOLD_DOWN]) {
		err = parse_duration(v[OPT_HOLD_DOWN], "hold-down", "", 0,
				     CONENAT_MAX_HOLD_DOWN, &cfg->hold_down);
		if (err)
			return err;
	}

	/* Everything is valid: now the warnings. */
	if (v[OPT_UDP_TIMEOUT] && cfg->timer[0] < RFC4787_MIN_UDP_TIMEOUT)
		pr_warn("udp-timeout %u is below RFC 4787's %u s minimum",
			cfg->timer[0], RFC4787_MIN_UDP_TIMEOUT);
	return 0;
}

/* Adds the attributes of the options given in @cfg to @req. */
static int put_options(struct nl_msg *req, const struct inst_cfg *cfg)
{
	const char *const *v = cfg->vals;
	size_t i;

	if (v[OPT_DEV] &&
	    nla_put_string(req, CONENAT_INSTANCE_A_IFNAME, v[OPT_DEV]) < 0)
		return -1;
	if ((v[OPT_TYPE] || v[OPT_MAPPING]) &&
	    nla_put_u8(req, CONENAT_INSTANCE_A_MAPPING, cfg->mapping) < 0)
		return -1;
	if ((v[OPT_TYPE] || v[OPT_FILTERING]) &&
	    nla_put_u8(req, CONENAT_INSTANCE_A_FILTERING, cfg->filtering) < 0)
		return -1;
	if (v[OPT_EXTERNAL] &&
	    (nla_put_u32(req, CONENAT_INSTANCE_A_EXT_ADDR_MIN, cfg->ext_min) < 0 ||
	     nla_put_u32(req, CONENAT_INSTANCE_A_EXT_ADDR_MAX, cfg->ext_max) < 0))
		return -1;
	if (v[OPT_INTERNAL]) {
		/* The kernel's strict validation wants NLA_F_NESTED on both
		 * levels; "any" sends an empty list.
		 */
		struct nlattr *list = nla_nest_start(req, CONENAT_INSTANCE_A_INTERNAL |
						     NLA_F_NESTED);

		if (!list)
			return -1;
		for (i = 0; i < cfg->ninternal; i++) {
			struct nlattr *pfx = nla_nest_start(req, (int)(i + 1) |
							    NLA_F_NESTED);

			if (!pfx ||
			    nla_put_u32(req, CONENAT_PREFIX_A_ADDR,
					cfg->internal[i].addr) < 0 ||
			    nla_put_u8(req, CONENAT_PREFIX_A_LEN,
				       cfg->internal[i].len) < 0)
				return -1;
			if (nla_nest_end(req, pfx) < 0)
				return -1;
		}
		/* libnl drops empty nests unless told to keep them. */
		if (nla_nest_end_keep_empty(req, list) < 0)
			return -1;
	}
	if (v[OPT_PORTS] &&
	    (nla_put_u16(req, CONENAT_INSTANCE_A_PORT_MIN, htons(cfg->port_min)) < 0 ||
	     nla_put_u16(req, CONENAT_INSTANCE_A_PORT_MAX, htons(cfg->port_max)) < 0))
		return -1;
	for (i = 0; i < ARRAY_SIZE(toggles); i++)
		if (v[toggles[i].opt] &&
		    nla_put_u8(req, toggles[i].attr, cfg->toggle[i]) < 0)
			return -1;
	for (i = 0; i < ARRAY_SIZE(timers); i++)
		if (v[timers[i].opt] &&
		    nla_put_u32(req, timers[i].attr, cfg->timer[i]) < 0)
			return -1;
	if (v[OPT_MAX_PER_HOST] &&
	    nla_put_u32(req, CONENAT_INSTANCE_A_MAX_PER_HOST, cfg->max_per_host) < 0)
		return -1;
	if (v[OPT_MAX_PEERS] &&
	    nla_put_u32(req, CONENAT_INSTANCE_A_MAX_PEERS, cfg->max_peers) < 0)
		return -1;
	if (v[OPT_HOLD_DOWN] &&
	    nla_put_u32(req, CONENAT_INSTANCE_A_HOLD_DOWN, cfg->hold_down) < 0)
		return -1;
	return 0;
}

/* The NAME word of add, set, del and show. */
static int parse_instance_name(const char *cmd, int argc, char **argv)
{
	if (argc < 1)
		return usage_err("\"instance %s\" needs an instance name", cmd);
	return parse_name(argv[0], "instance name", CONENAT_NAME_MAX - 1, false);
}

/* add (@nlcmd CONENAT_CMD_NEW_INSTANCE) and set (CONENAT_CMD_SET_INSTANCE). */
static int instance_change(const char *cmd, uint8_t nlcmd, int argc,
			   char **argv)
{
	struct inst_cfg cfg;
	struct nl_msg *req;
	bool add = nlcmd == CONENAT_CMD_NEW_INSTANCE;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	err = parse_instance_name(cmd, argc, argv);
	if (err)
		return err;
	if (!add && argc < 2)
		return usage_err("\"instance set\" needs at least one OPTION; try \"natctl instance help\"");
	err = parse_options(cmd, add, argc - 1, argv + 1, &cfg);
	if (err)
		return err;

	req = nl_req_new(nlcmd, 0);
	if (!req)
		return NATCTL_EXIT_FAIL;
	if (nla_put_string(req, CONENAT_INSTANCE_A_NAME, argv[0]) < 0 ||
	    put_options(req, &cfg))
		return nl_req_abort(req);
	return nl_req_send(req, NULL, NULL);
}

static int instance_add(int argc, char **argv)
{
	return instance_change("add", CONENAT_CMD_NEW_INSTANCE, argc, argv);
}

static int instance_set(int argc, char **argv)
{
	return instance_change("set", CONENAT_CMD_SET_INSTANCE, argc, argv);
}

static int instance_del(int argc, char **argv)
{
	struct nl_msg *req;
	int err;

	err = parse_instance_name("del", argc, argv);
	if (!err)
		err = no_more_args(argc - 1, argv + 1);
	if (err)
		return err;

	req = nl_req_new(CONENAT_CMD_DEL_INSTANCE, 0);
	if (!req)
		return NATCTL_EXIT_FAIL;
	if (nla_put_string(req, CONENAT_INSTANCE_A_NAME, argv[0]) < 0)
		return nl_req_abort(req);
	return nl_req_send(req, NULL, NULL);
}

/* ---- show ----------------------------------------------------------- */

static const struct nla_policy inst_policy[CONENAT_INSTANCE_A_MAX + 1] = {
	[CONENAT_INSTANCE_A_NAME]		= { .type = NLA_STRING },
	[CONENAT_INSTANCE_A_IFNAME]		= { .type = NLA_STRING },
	[CONENAT_INSTANCE_A_IFINDEX]		= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_MAPPING]		= { .type = NLA_U8 },
	[CONENAT_INSTANCE_A_FILTERING]		= { .type = NLA_U8 },
	[CONENAT_INSTANCE_A_EXT_ADDR_MIN]	= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_EXT_ADDR_MAX]	= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_EXT_ADDR]		= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_INTERNAL]		= { .type = NLA_NESTED },
	[CONENAT_INSTANCE_A_PORT_MIN]		= { .type = NLA_U16 },
	[CONENAT_INSTANCE_A_PORT_MAX]		= { .type = NLA_U16 },
	[CONENAT_INSTANCE_A_PORT_PRESERVATION]	= { .type = NLA_U8 },
	[CONENAT_INSTANCE_A_PORT_PARITY]	= { .type = NLA_U8 },
	[CONENAT_INSTANCE_A_HAIRPIN]		= { .type = NLA_U8 },
	[CONENAT_INSTANCE_A_INBOUND_REFRESH]	= { .type = NLA_U8 },
	[CONENAT_INSTANCE_A_HAIRPIN_FILTER]	= { .type = NLA_U8 },
	[CONENAT_INSTANCE_A_UDP_TIMEOUT]	= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_MAX_PER_HOST]	= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_MAPPINGS]		= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_STATS]		= { .type = NLA_NESTED },
	[CONENAT_INSTANCE_A_MAX_PEERS]		= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_HOLD_DOWN]		= { .type = NLA_U32 },
};

static const struct nla_policy prefix_policy[CONENAT_PREFIX_A_MAX + 1] = {
	[CONENAT_PREFIX_A_ADDR]	= { .type = NLA_U32 },
	[CONENAT_PREFIX_A_LEN]	= { .type = NLA_U8 },
};

int instance_parse(struct nl_msg *msg, struct nlattr **tb)
{
	return nl_reply_parse(msg, tb, CONENAT_INSTANCE_A_MAX, inst_policy);
}

int prefix_parse(struct nlattr *pfx, struct nlattr **tb)
{
	if (nla_parse_nested(tb, CONENAT_PREFIX_A_MAX, pfx, prefix_policy) < 0 ||
	    !tb[CONENAT_PREFIX_A_ADDR] || !tb[CONENAT_PREFIX_A_LEN])
		return fail_err("malformed reply from the kernel: a bad internal prefix");
	return 0;
}

/* A behaviour's name, or its number for one this natctl does not know. */
static const char *behaviour_name(uint8_t b, char buf[4])
{
	if (b < ARRAY_SIZE(behaviours))
		return behaviours[b];
	snprintf(buf, 4, "%u", b);
	return buf;
}

static const char *type_name(const struct nlattr *m, const struct nlattr *f)
{
	size_t i;

	if (!m || !f)
		return "custom";
	for (i = 0; i < ARRAY_SIZE(presets); i++)
		if (presets[i].mapping == nla_get_u8(m) &&
		    presets[i].filtering == nla_get_u8(f))
			return presets[i].name;
	return "custom";
}

/* "  type T mapping M filtering F" */
static void print_behaviour(struct nlattr **tb)
{
	struct nlattr *m = tb[CONENAT_INSTANCE_A_MAPPING];
	struct nlattr *f = tb[CONENAT_INSTANCE_A_FILTERING];
	char buf[4];

	print_string(PRINT_ANY, "type", "  type %s", type_name(m, f));
	if (m)
		print_string(PRINT_ANY, "mapping", " mapping %s",
			     behaviour_name(nla_get_u8(m), buf));
	if (f)
		print_string(PRINT_ANY, "filtering", " filtering %s",
			     behaviour_name(nla_get_u8(f), buf));
	print_nl();
}

/* "  external dev (ADDR)": the configured pool and the address in use. */
static void print_external(struct nlattr **tb)
{
	struct nlattr *min = tb[CONENAT_INSTANCE_A_EXT_ADDR_MIN];
	struct nlattr *max = tb[CONENAT_INSTANCE_A_EXT_ADDR_MAX];
	struct nlattr *cur = tb[CONENAT_INSTANCE_A_EXT_ADDR];
	char a[ADDR_STRLEN], b[ADDR_STRLEN], ext[2 * ADDR_STRLEN + 1];

	if (min && max) {
		uint32_t lo = nla_get_u32(min), hi = nla_get_u32(max);

		if (!lo && !hi)
			snprintf(ext, sizeof(ext), "dev");
		else if (lo == hi)
			snprintf(ext, sizeof(ext), "%s", fmt_addr(lo, a));
		else
			snprintf(ext, sizeof(ext), "%s-%s", fmt_addr(lo, a),
				 fmt_addr(hi, b));
		print_string(PRINT_ANY, "external", "  external %s", ext);
	} else {
		print_string(PRINT_FP, NULL, "  external %s", "?");
		print_null(PRINT_JSON, "external", NULL);
	}

	if (cur && nla_get_u32(cur)) {
		print_string(PRINT_ANY, "external_addr", " (%s)",
			     fmt_addr(nla_get_u32(cur), a));
	} else {
		print_null(PRINT_JSON, "external_addr", NULL);
		print_string(PRINT_FP, NULL, " (%s)", "none");
	}
}

/* " internal any" or " internal P1,P2"; JSON: an array of "ADDR/LEN". */
static int print_internal(struct nlattr *list)
{
	char text[CONENAT_MAX_PREFIXES * 20 + 8] = "";
	size_t len = 0;
	struct nlattr *pfx;
	int rem, count = 0;

	open_json_array("internal");
	if (list) {
		nla_for_each_nested(pfx, list, rem) {
			struct nlattr *tb[CONENAT_PREFIX_A_MAX + 1];
			char a[ADDR_STRLEN], item[24];

			if (prefix_parse(pfx, tb))
				return NATCTL_EXIT_FAIL;
			snprintf(item, sizeof(item), "%s/%u",
				 fmt_addr(nla_get_u32(tb[CONENAT_PREFIX_A_ADDR]), a),
				 nla_get_u8(tb[CONENAT_PREFIX_A_LEN]));
			print_string(PRINT_JSON, NULL, NULL, item);
			if (len < sizeof(text)) {
				int w = snprintf(text + len, sizeof(text) - len,
						 "%s%s", count ? "," : "", item);

				if (w > 0)
					len += (size_t)w;
			}
			count++;
		}
	}
	close_json_array();
	print_string(PRINT_FP, NULL, " internal %s", count ? text : "any");
	return 0;
}

/* "  port-preservation on": a boolean, on/off in text, true/false in JSON. */
static void print_toggle(struct nlattr **tb, int attr, const char *key,
			 const char *fmt)
{
	if (!tb[attr])
		return;
	print_bool(PRINT_JSON, key, NULL, nla_get_u8(tb[attr]));
	print_string(PRINT_FP, NULL, fmt, nla_get_u8(tb[attr]) ? "on" : "off");
}

static void print_u32_attr(struct nlattr **tb, int attr, const char *key,
			   const char *fmt)
{
	if (tb[attr])
		print_uint(PRINT_ANY, key, fmt, nla_get_u32(tb[attr]));
}

static int print_instance(struct nlattr **tb)
{
	int err;

	open_json_object(NULL);
	print_string(PRINT_ANY, "instance", "instance %s",
		     nla_get_string(tb[CONENAT_INSTANCE_A_NAME]));
	if (tb[CONENAT_INSTANCE_A_IFNAME])
		print_string(PRINT_ANY, "dev", " dev %s",
			     nla_get_string(tb[CONENAT_INSTANCE_A_IFNAME]));
	print_u32_attr(tb, CONENAT_INSTANCE_A_IFINDEX, "ifindex",
		       " (ifindex %u)");
	print_nl();

	print_behaviour(tb);

	print_external(tb);
	err = print_internal(tb[CONENAT_INSTANCE_A_INTERNAL]);
	if (err)
		return err;
	if (tb[CONENAT_INSTANCE_A_PORT_MIN] && tb[CONENAT_INSTANCE_A_PORT_MAX]) {
		print_uint(PRINT_ANY, "port_min", " ports %u",
			   ntohs(nla_get_u16(tb[CONENAT_INSTANCE_A_PORT_MIN])));
		print_uint(PRINT_ANY, "port_max", "-%u",
			   ntohs(nla_get_u16(tb[CONENAT_INSTANCE_A_PORT_MAX])));
	}
	print_nl();

	print_toggle(tb, CONENAT_INSTANCE_A_PORT_PRESERVATION,
		     "port_preservation", "  port-preservation %s");
	print_toggle(tb, CONENAT_INSTANCE_A_PORT_PARITY, "port_parity",
		     " port-parity %s");
	print_toggle(tb, CONENAT_INSTANCE_A_HAIRPIN, "hairpin", " hairpin %s");
	print_toggle(tb, CONENAT_INSTANCE_A_HAIRPIN_FILTER, "hairpin_filter",
		     " hairpin-filter %s");
	print_toggle(tb, CONENAT_INSTANCE_A_INBOUND_REFRESH, "inbound_refresh",
		     " inbound-refresh %s");
	print_nl();

	print_text(" ");
	print_u32_attr(tb, CONENAT_INSTANCE_A_UDP_TIMEOUT, "udp_timeout",
		       " udp-timeout %u");
	print_u32_attr(tb, CONENAT_INSTANCE_A_TCP_TIMEOUT, "tcp_timeout",
		       " tcp-timeout %u");
	print_u32_attr(tb, CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT,
		       "tcp_transitory_timeout", " tcp-transitory-timeout %u");
	print_u32_attr(tb, CONENAT_INSTANCE_A_ICMP_TIMEOUT, "icmp_timeout",
		       " icmp-timeout %u");
	print_u32_attr(tb, CONENAT_INSTANCE_A_MAX_PEERS, "max_peers",
		       " max-peers %u");
	print_u32_attr(tb, CONENAT_INSTANCE_A_HOLD_DOWN, "hold_down",
		       " hold-down %u");
	print_u32_attr(tb, CONENAT_INSTANCE_A_MAX_PER_HOST, "max_per_host",
		       " max-per-host %u");
	print_u32_attr(tb, CONENAT_INSTANCE_A_MAPPINGS, "mappings",
		       " mappings %u");
	print_nl();

	if (opt_stats && tb[CONENAT_INSTANCE_A_STATS]) {
		print_text("  stats:\n");
		stats_print(tb[CONENAT_INSTANCE_A_STATS], "    ");
	}
	close_json_object();
	return 0;
}

/*
 * natctl save: the instance as the "instance add" line that makes it again,
 * every setting written out. Remembers in @arg (struct save_ctx) whether
 * its external address follows the device.
 */
int instance_save_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_INSTANCE_A_MAX + 1];
	struct save_ctx *ctx = arg;
	static const struct {
		int attr;
		const char *word;
	} toggles[] = {
		{ CONENAT_INSTANCE_A_PORT_PRESERVATION, "port-preservation" },
		{ CONENAT_INSTANCE_A_PORT_PARITY, "port-parity" },
		{ CONENAT_INSTANCE_A_HAIRPIN, "hairpin" },
		{ CONENAT_INSTANCE_A_HAIRPIN_FILTER, "hairpin-filter" },
		{ CONENAT_INSTANCE_A_INBOUND_REFRESH, "inbound-refresh" },
	}, numbers[] = {
		{ CONENAT_INSTANCE_A_UDP_TIMEOUT, "udp-timeout" },
		{ CONENAT_INSTANCE_A_TCP_TIMEOUT, "tcp-timeout" },
		{ CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT,
		  "tcp-transitory-timeout" },
		{ CONENAT_INSTANCE_A_ICMP_TIMEOUT, "icmp-timeout" },
		{ CONENAT_INSTANCE_A_MAX_PER_HOST, "max-per-host" },
		{ CONENAT_INSTANCE_A_MAX_PEERS, "max-peers" },
		{ CONENAT_INSTANCE_A_HOLD_DOWN, "hold-down" },
	};
	struct nlattr *m, *f, *min, *max, *pfx;
	char a[ADDR_STRLEN], b[ADDR_STRLEN], buf[4];
	const char *type;
	size_t i;
	int err, rem, count = 0;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_INSTANCE)
		return 0;
	err = instance_parse(msg, tb);
	if (err)
		return err;
	m = tb[CONENAT_INSTANCE_A_MAPPING];
	f = tb[CONENAT_INSTANCE_A_FILTERING];
	min = tb[CONENAT_INSTANCE_A_EXT_ADDR_MIN];
	max = tb[CONENAT_INSTANCE_A_EXT_ADDR_MAX];
	if (!tb[CONENAT_INSTANCE_A_NAME] || !tb[CONENAT_INSTANCE_A_IFNAME] ||
	    !m || !f || !min || !max || !tb[CONENAT_INSTANCE_A_PORT_MIN] ||
	    !tb[CONENAT_INSTANCE_A_PORT_MAX])
		return fail_err("malformed reply from the kernel: an instance without its settings");
	if (ctx->ninstances == ARRAY_SIZE(ctx->instances))
		return fail_err("the kernel sent more than %zu instances",
				ARRAY_SIZE(ctx->instances));

	print_text("instance add %s dev %s",
		   nla_get_string(tb[CONENAT_INSTANCE_A_NAME]),
		   nla_get_string(tb[CONENAT_INSTANCE_A_IFNAME]));
	type = type_name(m, f);
	if (strcmp(type, "custom"))
		print_text(" type %s", type);
	else
		print_text(" mapping %s filtering %s",
			   behaviour_name(nla_get_u8(m), buf),
			   behaviour_name(nla_get_u8(f), buf));
	if (!nla_get_u32(min) && !nla_get_u32(max))
		print_text(" external dev");
	else if (nla_get_u32(min) == nla_get_u32(max))
		print_text(" external %s", fmt_addr(nla_get_u32(min), a));
	else
		print_text(" external %s-%s", fmt_addr(nla_get_u32(min), a),
			   fmt_addr(nla_get_u32(max), b));
	print_text(" internal ");
	if (tb[CONENAT_INSTANCE_A_INTERNAL]) {
		nla_for_each_nested(pfx, tb[CONENAT_INSTANCE_A_INTERNAL], rem) {
			struct nlattr *pt[CONENAT_PREFIX_A_MAX + 1];

			if (prefix_parse(pfx, pt))
				return NATCTL_EXIT_FAIL;
			print_text("%s%s/%u", count++ ? "," : "",
				   fmt_addr(nla_get_u32(pt[CONENAT_PREFIX_A_ADDR]), a),
				   nla_get_u8(pt[CONENAT_PREFIX_A_LEN]));
		}
	}
	if (!count)
		print_text("any");
	print_text(" ports %u-%u",
		   ntohs(nla_get_u16(tb[CONENAT_INSTANCE_A_PORT_MIN])),
		   ntohs(nla_get_u16(tb[CONENAT_INSTANCE_A_PORT_MAX])));
	for (i = 0; i < ARRAY_SIZE(toggles); i++)
		if (tb[toggles[i].attr])
			print_text(" %s %s", toggles[i].word,
				   nla_get_u8(tb[toggles[i].attr]) ? "on" : "off");
	for (i = 0; i < ARRAY_SIZE(numbers); i++)
		if (tb[numbers[i].attr])
			print_text(" %s %u", numbers[i].word,
				   nla_get_u32(tb[numbers[i].attr]));
	print_text("\n");

	snprintf(ctx->instances[ctx->ninstances].name,
		 sizeof(ctx->instances[0].name), "%s",
		 nla_get_string(tb[CONENAT_INSTANCE_A_NAME]));
	ctx->instances[ctx->ninstances].follows_dev =
		!nla_get_u32(min) && !nla_get_u32(max);
	ctx->ninstances++;
	return 0;
}

static int instance_reply(struct nl_msg *msg, void *arg)
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
	return print_instance(tb);
}

static int instance_show(int argc, char **argv)
{
	const char *name = NULL;
	unsigned int count = 0;
	struct nl_msg *req;
	int err;

	if (argc > 0) {
		err = parse_name(argv[0], "instance name", CONENAT_NAME_MAX - 1,
				 false);
		if (!err)
			err = no_more_args(argc - 1, argv + 1);
		if (err)
			return err;
		name = argv[0];
	}

	req = nl_req_new(CONENAT_CMD_GET_INSTANCE, name ? 0 : NLM_F_DUMP);
	if (!req)
		return NATCTL_EXIT_FAIL;
	if (name && nla_put_string(req, CONENAT_INSTANCE_A_NAME, name) < 0)
		return nl_req_abort(req);

	open_json_array(NULL);
	err = nl_req_send(req, instance_reply, &count);
	if (err)
		return err;
	close_json_array();
	if (name && !count)
		return fail_err("the kernel sent no reply for instance \"%s\"",
				name);
	return 0;
}

static const struct natctl_cmd instance_cmds[] = {
	{ "add", instance_add, "NAME dev IFNAME [OPTION...]",
	  "add a NAT instance on device IFNAME" },
	{ "set", instance_set, "NAME OPTION...",
	  "change settings of an instance" },
	{ "del", instance_del, "NAME", "delete an instance and its mappings" },
	{ "show", instance_show, "[NAME]",
	  "print the settings of every instance, or of one (-s: with counters)" },
	{ NULL, NULL, NULL,
	  "OPTION := type {full-cone|restricted-cone|port-restricted-cone|symmetric}\n"
	  "        | mapping BEHAVIOUR | filtering BEHAVIOUR\n"
	  "        | external {dev|ADDR|ADDR-ADDR} | internal {PREFIX[,PREFIX...]|any}\n"
	  "        | ports {LOW-HIGH|PORT} | port-preservation {on|off} | port-parity {on|off}\n"
	  "        | hairpin {on|off} | hairpin-filter {on|off}\n"
	  "        | inbound-refresh {on|off}\n"
	  "        | udp-timeout DURATION | tcp-timeout DURATION\n"
	  "        | tcp-transitory-timeout DURATION | icmp-timeout DURATION\n"
	  "        | max-per-host N | max-peers N | hold-down DURATION\n"
	  "BEHAVIOUR := {endpoint-independent|address-dependent|address-port-dependent}\n"
	  "PREFIX := ADDR/LEN or ADDR (= ADDR/32); at most 16 prefixes\n"
	  "DURATION := SECONDS, or a number with a suffix s, m, h or d (1 s .. 7 d)\n"
	  "type sets mapping and filtering together: full-cone = endpoint-independent\n"
	  "  both; restricted-cone = endpoint-independent + address-dependent;\n"
	  "  port-restricted-cone = endpoint-independent + address-port-dependent;\n"
	  "  symmetric = address-port-dependent both. It excludes mapping and filtering.\n"
	  "external dev follows the device's primary address; a pool holds at most\n"
	  "  256 addresses. internal any (the default) translates every source not on\n"
	  "  the external device. max-per-host 0 means no limit. max-peers caps the\n"
	  "  remotes one mapping's filter records, 1 .. 67108864. hold-down is how\n"
	  "  long a freed external endpoint rests before another internal endpoint\n"
	  "  may get it, 0 .. 3600 s (0: none). Defaults: restricted-cone,\n"
	  "  external dev, internal any, ports 1024-65535, port-preservation on,\n"
	  "  port-parity off, hairpin on, hairpin-filter off, inbound-refresh off,\n"
	  "  udp-timeout 300,\n"
	  "  tcp-timeout 7440, tcp-transitory-timeout 240, icmp-timeout 60,\n"
	  "  max-per-host 0, max-peers 65536, hold-down 120. Each OPTION may be\n"
	  "  given once.\n"
	  "Changing mapping, filtering, external, internal or ports removes the\n"
	  "  instance's dynamic mappings (static ones stay).\n" },
};

int do_instance(int argc, char **argv)
{
	return cmd_dispatch("instance", instance_cmds, "show", argc, argv);
}
