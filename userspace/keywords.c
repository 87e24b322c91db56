// SPDX-License-Identifier: GPL-2.0
/*
 * The natctl keyword behind each attribute of a request, so that a kernel
 * error pointing at an attribute names the word the user typed.
 */
#include <stddef.h>
#include <stdint.h>

#include <linux/conenat.h>

#include "natctl.h"

static const char *const instance_words[__CONENAT_INSTANCE_A_MAX] = {
	[CONENAT_INSTANCE_A_NAME]		= "instance name",
	[CONENAT_INSTANCE_A_IFNAME]		= "dev",
	[CONENAT_INSTANCE_A_MAPPING]		= "mapping",
	[CONENAT_INSTANCE_A_FILTERING]		= "filtering",
	[CONENAT_INSTANCE_A_EXT_ADDR_MIN]	= "external",
	[CONENAT_INSTANCE_A_EXT_ADDR_MAX]	= "external",
	[CONENAT_INSTANCE_A_INTERNAL]		= "internal",
	[CONENAT_INSTANCE_A_PORT_MIN]		= "ports",
	[CONENAT_INSTANCE_A_PORT_MAX]		= "ports",
	[CONENAT_INSTANCE_A_PORT_PRESERVATION]	= "port-preservation",
	[CONENAT_INSTANCE_A_PORT_PARITY]	= "port-parity",
	[CONENAT_INSTANCE_A_HAIRPIN]		= "hairpin",
	[CONENAT_INSTANCE_A_INBOUND_REFRESH]	= "inbound-refresh",
	[CONENAT_INSTANCE_A_UDP_TIMEOUT]	= "udp-timeout",
	[CONENAT_INSTANCE_A_MAX_PER_HOST]	= "max-per-host",
	[CONENAT_INSTANCE_A_TCP_TIMEOUT]	= "tcp-timeout",
	[CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT] = "tcp-transitory-timeout",
	[CONENAT_INSTANCE_A_ICMP_TIMEOUT]	= "icmp-timeout",
	[CONENAT_INSTANCE_A_MAX_PEERS]		= "max-peers",
	[CONENAT_INSTANCE_A_HOLD_DOWN]		= "hold-down",
	[CONENAT_INSTANCE_A_HAIRPIN_FILTER]	= "hairpin-filter",
};

/* mappings and permits share the attribute set */
static const char *const mapping_words[__CONENAT_MAPPING_A_MAX] = {
	[CONENAT_MAPPING_A_INSTANCE]		= "instance",
	[CONENAT_MAPPING_A_PROTO]		= "proto",
	[CONENAT_MAPPING_A_INT_ADDR]		= "internal",
	[CONENAT_MAPPING_A_INT_PORT]		= "internal",
	[CONENAT_MAPPING_A_EXT_ADDR]		= "external",
	[CONENAT_MAPPING_A_EXT_PORT]		= "external",
	[CONENAT_MAPPING_A_REMOTE_ADDR]		= "remote",
	[CONENAT_MAPPING_A_REMOTE_PORT]		= "remote",
	[CONENAT_MAPPING_A_LIFETIME]		= "lifetime",
};

static const char *const limits_words[__CONENAT_LIMITS_A_MAX] = {
	[CONENAT_LIMITS_A_MAX_MAPPINGS]		= "max-mappings",
	[CONENAT_LIMITS_A_MAX_PEERS]		= "max-peers",
};

#define WORD(table, type) \
	((type) > 0 && (type) < (int)ARRAY_SIZE(table) ? (table)[type] : NULL)

/**
 * attr_keyword() - the keyword that set a top-level attribute of a request
 * @cmd: the request's command
 * @type: the attribute's type
 *
 * Return: the keyword, or NULL when none sets it.
 */
const char *attr_keyword(uint8_t cmd, int type)
{
	switch (cmd) {
	case CONENAT_CMD_NEW_INSTANCE:
	case CONENAT_CMD_SET_INSTANCE:
	case CONENAT_CMD_DEL_INSTANCE:
	case CONENAT_CMD_GET_INSTANCE:
		return WORD(instance_words, type);
	case CONENAT_CMD_NEW_MAPPING:
	case CONENAT_CMD_DEL_MAPPING:
	case CONENAT_CMD_GET_MAPPING:
	case CONENAT_CMD_FLUSH_MAPPINGS:
	case CONENAT_CMD_NEW_PERMIT:
	case CONENAT_CMD_GET_PERMIT:
	case CONENAT_CMD_DEL_PERMIT:
	case CONENAT_CMD_FLUSH_PERMITS:
		return WORD(mapping_words, type);
	case CONENAT_CMD_GET_LIMITS:
	case CONENAT_CMD_SET_LIMITS:
		return WORD(limits_words, type);
	default:
		return NULL;
	}
}
