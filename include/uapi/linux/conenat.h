/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * conenat: a netfilter NAT with selectable RFC 4787 behaviour.
 *
 * Copyright (C) 2026 The conenat authors.
 *
 * Generic netlink API
 * ===================
 *
 * The family is named CONENAT_GENL_NAME ("conenat"), version
 * CONENAT_GENL_VERSION. Loading conenat.ko registers it; the module carries
 * the alias "net-pf-16-proto-16-family-conenat", so resolving the family
 * autoloads the module where modprobe can find it.
 *
 * Every command acts on the network namespace of the socket that sends it and
 * requires CAP_NET_ADMIN in the user namespace that owns that network
 * namespace; without it the kernel answers -EPERM. Every request attribute is
 * validated strictly: an attribute type the command does not know, an
 * attribute of the wrong length, a value out of its range or a missing
 * required attribute is refused with -EINVAL (-ERANGE for ranges) and an
 * extended ack (NLMSGERR_ATTR_MSG, and NLMSGERR_ATTR_OFFS or
 * NLMSGERR_ATTR_MISS_TYPE where it names an attribute). Set NETLINK_EXT_ACK on
 * the socket to receive the message text.
 *
 * API versioning
 * --------------
 *
 * CONENAT_API_VERSION grows by one each time this header changes in a way a
 * client can observe. A client sends the version it was built with in
 * CONENAT_INFO_A_CLIENT_API; a module refuses versions it does not know with a
 * message that names both. Attributes are only ever added.
 *
 * CONENAT_CMD_GET_INFO (do)
 * -------------------------
 *
 * Describes the loaded module.
 *
 * Request:
 *
 *   CONENAT_INFO_A_CLIENT_API: NLA_U32, required, 1 .. CONENAT_API_VERSION.
 *                              The API version the client speaks.
 *
 * Reply (same command, same attribute set):
 *
 *   CONENAT_INFO_A_VERSION:       NLA_NUL_STRING, the module version
 *                                 ("major.minor.patch").
 *   CONENAT_INFO_A_API:           NLA_U32, CONENAT_API_VERSION of the module.
 *   CONENAT_INFO_A_MAX_INSTANCES: NLA_U32, the most NAT instances one network
 *                                 namespace may hold.
 *   CONENAT_INFO_A_MAX_MAPPINGS:  NLA_U32, the default cap on mappings in one
 *                                 network namespace.
 *   CONENAT_INFO_A_HASH_BUCKETS:  NLA_U32, the initial size of the mapping
 *                                 hash table (the module parameter
 *                                 "hash_buckets").
 *   CONENAT_INFO_A_NAME_MAX:      NLA_U32, the longest instance name in bytes,
 *                                 the terminating NUL included.
 */

#ifndef _UAPI_LINUX_CONENAT_H
#define _UAPI_LINUX_CONENAT_H

#define CONENAT_GENL_NAME	"conenat"
#define CONENAT_GENL_VERSION	1

#define CONENAT_API_VERSION	1

/* Compiled-in limits, also reported by CONENAT_CMD_GET_INFO. */
#define CONENAT_MAX_INSTANCES		64
#define CONENAT_DEFAULT_MAX_MAPPINGS	(1U << 22)
#define CONENAT_NAME_MAX		16

enum conenat_cmd {
	CONENAT_CMD_UNSPEC,
	CONENAT_CMD_GET_INFO,

	__CONENAT_CMD_MAX
};

#define CONENAT_CMD_MAX (__CONENAT_CMD_MAX - 1)

enum conenat_info_attr {
	CONENAT_INFO_A_UNSPEC,
	CONENAT_INFO_A_CLIENT_API,
	CONENAT_INFO_A_VERSION,
	CONENAT_INFO_A_API,
	CONENAT_INFO_A_MAX_INSTANCES,
	CONENAT_INFO_A_MAX_MAPPINGS,
	CONENAT_INFO_A_HASH_BUCKETS,
	CONENAT_INFO_A_NAME_MAX,

	__CONENAT_INFO_A_MAX
};

#define CONENAT_INFO_A_MAX (__CONENAT_INFO_A_MAX - 1)

#endif /* _UAPI_LINUX_CONENAT_H */
