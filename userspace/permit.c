// SPDX-License-Identifier: GPL-2.0
/*
 * natctl permit: open a mapping's filter to a remote ahead of traffic.
 *
 *   natctl permit add instance NAME proto PROTO internal ADDR:PORT
 *                     remote ADDR[:PORT] [lifetime DURATION]
 *
 * The kernel creates the internal endpoint's mapping when it has none.
 * Keywords may come in any order; each at most once.
 */
#include <arpa/inet.h>

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

static int permit_add(int argc, char **argv)
{
	const char *vals[KEY_NUM + 1] = { NULL };
	struct endpoint internal, remote;
	uint32_t lifetime = 0;
	struct nl_msg *req;
	uint8_t proto;
	int err, i;

	err = parse_pairs("permit", "add", argc, argv, keys, vals);
	if (err)
		return err;
	for (i = 0; i < KEY_NUM; i++)
		if (i != KEY_LIFETIME && !vals[i])
			return usage_err("\"permit add\" needs \"%s\"; try \"natctl permit help\"",
					 keys[i]);

	err = parse_name(vals[KEY_INSTANCE], "instance name",
			 CONENAT_NAME_MAX - 1, false);
	if (!err)
		err = parse_proto(vals[KEY_PROTO], &proto);
	if (!err)
		err = parse_endpoint(vals[KEY_INTERNAL], "internal endpoint", 0,
				     &internal);
	if (!err)
		err = parse_endpoint(vals[KEY_REMOTE], "remote endpoint",
				     EP_PORT_OPTIONAL, &remote);
	if (!err && !remote.addr)
		err = usage_err("invalid remote endpoint \"%s\": expected ADDR[:PORT] with an address other than 0.0.0.0",
				vals[KEY_REMOTE]);
	if (!err && vals[KEY_LIFETIME])
		err = parse_duration(vals[KEY_LIFETIME], "lifetime", "", 1,
				     CONENAT_MAX_TIMEOUT, &lifetime);
	if (err)
		return err;

	req = nl_req_new(CONENAT_CMD_NEW_PERMIT, 0);
	if (!req)
		return NATCTL_EXIT_FAIL;
	if (nla_put_string(req, CONENAT_MAPPING_A_INSTANCE, vals[KEY_INSTANCE]) < 0 ||
	    nla_put_u8(req, CONENAT_MAPPING_A_PROTO, proto) < 0 ||
	    nla_put_u32(req, CONENAT_MAPPING_A_INT_ADDR, internal.addr) < 0 ||
	    nla_put_u16(req, CONENAT_MAPPING_A_INT_PORT, htons(internal.port)) < 0 ||
	    nla_put_u32(req, CONENAT_MAPPING_A_REMOTE_ADDR, remote.addr) < 0 ||
	    (remote.has_port &&
	     nla_put_u16(req, CONENAT_MAPPING_A_REMOTE_PORT,
			 htons(remote.port)) < 0) ||
	    (lifetime &&
	     nla_put_u32(req, CONENAT_MAPPING_A_LIFETIME, lifetime) < 0))
		return nl_req_abort(req);
	return nl_req_send(req, NULL, NULL);
}

static const struct natctl_cmd permit_cmds[] = {
	{ "add", permit_add,
	  "instance NAME proto PROTO internal ADDR:PORT remote ADDR[:PORT] [lifetime DURATION]",
	  "let REMOTE (any port without :PORT) reach the internal endpoint's mapping" },
	{ NULL, NULL, NULL,
	  "DURATION := SECONDS, or a number with a suffix s, m, h or d (1 s .. 7 d);\n"
	  "  without a lifetime the permit lasts as long as the mapping.\n"
	  "The internal endpoint's mapping is created when it has none.\n"
	  "PROTO := {udp|tcp}. Keywords may come in any order.\n" },
};

int do_permit(int argc, char **argv)
{
	return cmd_dispatch("permit", permit_cmds, NULL, argc, argv);
}
