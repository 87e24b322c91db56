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
 *   CONENAT_INFO_A_HASH_BUCKETS:  NLA_U32, the initial and smallest bucket
 *                                 count of each mapping hash table (the
 *                                 module parameter "hash_buckets").
 *   CONENAT_INFO_A_NAME_MAX:      NLA_U32, the longest instance name in bytes,
 *                                 the terminating NUL included.
 *
 * Objects
 * -------
 *
 * Mapping and filtering behaviours apply to UDP and TCP alike (RFC 4787,
 * RFC 5382); ICMP echo identifiers are mapped endpoint-independently
 * (RFC 5508) and replies to them are let in by conntrack.
 *
 * An *instance* is one NAT on one device (the "external" device) of the
 * namespace: its behaviour (mapping and filtering, RFC 4787), its external
 * addresses and port range, its timers. A *mapping* binds an internal
 * endpoint (address, port, protocol) to an external endpoint of an instance
 * (for ICMP echo, the identifier plays the port);
 * it is created by outbound traffic (origin dynamic) or by the administrator
 * (origin static, permanent or with a lifetime). A *permit* opens a
 * mapping's filter for one remote address (and port) ahead of traffic.
 *
 * Addresses are NLA_BE32 (network byte order), ports NLA_BE16, timers
 * NLA_U32 seconds. Boolean settings are NLA_U8 0 or 1.
 *
 * CONENAT_CMD_NEW_INSTANCE (do), attribute set conenat_instance_attr
 *   Required: NAME, IFNAME. Optional: every setting; a setting left out takes
 *   its default (see below). -EEXIST if NAME exists, -EBUSY if another
 *   instance uses the device, -ENOSPC past CONENAT_MAX_INSTANCES. A device
 *   that does not exist yet is waited for (since API version 4; before,
 *   -ENODEV): the instance translates once a device of that name is
 *   registered, and its IFINDEX is 0 until then.
 *
 * CONENAT_CMD_SET_INSTANCE (do): required NAME; changes the settings given.
 *   Changing MAPPING, FILTERING, the external addresses or the port range
 *   removes the instance's dynamic mappings and those granted to hosts by
 *   port control (the administrator's static ones stay).
 *
 * CONENAT_CMD_DEL_INSTANCE (do): required NAME. Removes the instance, its
 *   mappings and their conntrack entries.
 *
 * CONENAT_CMD_GET_INSTANCE (do with NAME, or dump): replies carry every
 *   setting (defaults included), IFINDEX (0 while the device is gone),
 *   EXT_ADDR (the device's address, 0.0.0.0 while it has none, or the
 *   first address of a pool), MAPPINGS (count), AGE (seconds since the
 *   instance was created, since API version 6: a port control server's
 *   epoch, which starts again when the instance's mappings were lost with
 *   it) and a STATS nest (conenat_stats_attr, NLA_U64 counters).
 *
 * Instance settings and defaults:
 *   MAPPING          NLA_U8 enum conenat_behaviour, default ENDPOINT_INDEPENDENT
 *   FILTERING        NLA_U8 enum conenat_behaviour, default ADDRESS_DEPENDENT
 *                    (with MAPPING: the "restricted-cone" preset)
 *   EXT_ADDR_MIN,    NLA_BE32: a fixed external pool MIN..MAX; both 0 (the
 *   EXT_ADDR_MAX     default) means "the device's primary address", followed
 *                    as it changes. At most CONENAT_MAX_EXT_ADDRS addresses.
 *   INTERNAL         NLA_NESTED of CONENAT_PREFIX_A_* nests (up to
 *                    CONENAT_MAX_PREFIXES): sources to translate; none (the
 *                    default) means every source not on the external device.
 *   PORT_MIN,        NLA_BE16, default 1024-65535; MIN <= MAX, MIN >= 1.
 *   PORT_MAX
 *   PORT_PRESERVATION, PORT_PARITY, HAIRPIN, INBOUND_REFRESH: NLA_U8,
 *                    defaults 1, 0, 1, 0.
 *   UDP_TIMEOUT      NLA_U32 1 .. CONENAT_MAX_TIMEOUT, default 300.
 *   TCP_TIMEOUT      NLA_U32 1 .. CONENAT_MAX_TIMEOUT, default 7440: a TCP
 *                    mapping's timer while a connection through it is
 *                    established (RFC 5382 REQ-5).
 *   TCP_TRANSITORY_TIMEOUT  NLA_U32, default 240: while its connections
 *                    are opening or closing.
 *   ICMP_TIMEOUT     NLA_U32, default 60: an ICMP echo identifier's mapping.
 *   MAX_PER_HOST     NLA_U32, most mappings of one internal address, 0 (the
 *                    default) for no limit.
 *   MAX_PEERS        NLA_U32 1 .. CONENAT_MAX_PEERS_LIMIT, default
 *                    CONENAT_DEFAULT_MAX_PEERS: most remotes one mapping's
 *                    filter records (see Peers below).
 *   HOLD_DOWN        NLA_U32 0 .. CONENAT_MAX_HOLD_DOWN, default
 *                    CONENAT_DEFAULT_HOLD_DOWN (RFC 6888 REQ-8): seconds an
 *                    external endpoint rests, once the last conntrack entry
 *                    of its removed mapping is gone, before another internal
 *                    endpoint may get it; packets to it meanwhile are
 *                    dropped. Its last internal endpoint, and a static
 *                    mapping asking for it by port, get it at once. 0: no
 *                    hold-down.
 *   HAIRPIN_FILTER   NLA_U8, default 0: a hairpinned flow (from an inside
 *                    host to an external endpoint) passes the receiving
 *                    mapping's filter, as traffic between hosts of one
 *                    network would; 1: it meets the filter as a stranger's
 *                    would, for networks that isolate their inside hosts.
 *
 * CONENAT_CMD_NEW_MAPPING (do), attribute set conenat_mapping_attr: a static
 *   mapping. Required INSTANCE, PROTO, INT_ADDR, INT_PORT; optional EXT_ADDR
 *   and EXT_PORT (else chosen as for dynamic mappings), LIFETIME (seconds;
 *   absent: permanent). The internal endpoint's dynamic mappings are
 *   replaced. A static mapping serves every remote and lets every remote in,
 *   whatever the instance's filtering: it is the administrator's port
 *   forward. -EADDRINUSE if the external endpoint is taken. With
 *   NLM_F_ECHO the mapping made comes back first, as GET_MAPPING replies
 *   it (with the external endpoint chosen).
 *
 *   Since API version 6, ORIGIN (NLA_U8) PCP or NATPMP makes the mapping of
 *   a port control server (conenat-pcpd) for a host that asked for it;
 *   LIFETIME (1 .. CONENAT_MAX_TIMEOUT) is then required and FILTERED
 *   (NLA_U8) may be given. Such a mapping is static (bidirectional, its
 *   timer left alone by traffic) with two differences: a live mapping the
 *   internal endpoint already has (remote-less: made by traffic under
 *   endpoint-independent mapping, or by an earlier request) is kept and
 *   taken over, with its external endpoint and its flows, rather than
 *   replaced: EXT_* are then only a suggestion, the origin and FILTERED
 *   become the request's, and its timer is extended to LIFETIME if that
 *   is later (a CONENAT_EVENT_UPDATED event); and it does not follow an
 *   address change of the device, but is deleted with the dynamic ones
 *   (the server's clients map again); so does a SET_INSTANCE change that
 *   removes dynamic mappings. FILTERED 1 lets in only the remotes of its
 *   permits, by address and port (a permit's port 0: any port), and those
 *   the host has sent to, as the instance's filtering records them (PCP's
 *   FILTER option); 0 lets every remote in. A suggested EXT_PORT must be
 *   in the instance's range, held by no socket of the router and by no
 *   other host's hold-down, else -EADDRINUSE. A static mapping of the
 *   administrator's on the internal endpoint stays, and the request fails
 *   with -EEXIST; -EAGAIN when the mapping taken over expired meanwhile.
 *
 * CONENAT_CMD_DEL_MAPPING (do): INSTANCE, PROTO and either INT_ADDR+INT_PORT
 *   or EXT_ADDR+EXT_PORT. Removes the mapping and its conntrack entries; by
 *   internal endpoint, every mapping of it (one per remote under dependent
 *   mapping).
 *
 * CONENAT_CMD_GET_MAPPING: do (as DEL) or dump, optionally filtered by
 *   INSTANCE and PROTO. Replies: INSTANCE, PROTO, INT_*, EXT_*, ORIGIN,
 *   EXPIRES (seconds left; absent when permanent), REMOTE_ADDR/REMOTE_PORT
 *   for address(-and-port)-dependent mappings, FILTERED 1 for a filtered
 *   port control mapping.
 *   A dump is split across messages; its position lives in the callback.
 *
 * CONENAT_CMD_FLUSH_MAPPINGS (do): INSTANCE optional; removes the dynamic
 *   and static mappings of one instance, or of all.
 *
 * CONENAT_CMD_NEW_PERMIT (do): INSTANCE, PROTO, INT_ADDR, INT_PORT,
 *   REMOTE_ADDR required (not 0.0.0.0), REMOTE_PORT (0 or absent: any port;
 *   ignored under address-dependent filtering, which judges by address),
 *   LIFETIME (absent: as long as the mapping). Creates the internal
 *   endpoint's mapping when it has none. A permit for a remote already let
 *   in (by traffic or another permit) extends it. With NLM_F_ECHO (since
 *   API version 6) the reply, as GET_MAPPING's, is the mapping that the
 *   internal endpoint's flows to REMOTE_ADDR:REMOTE_PORT use: what a PCP
 *   PEER request reports. Under dependent mapping, when a flow to that
 *   remote has its own mapping, the permit goes on that one.
 *
 * CONENAT_CMD_GET_PERMIT (dump), optionally filtered by INSTANCE and PROTO:
 *   one message per permit, INSTANCE, PROTO, INT_*, EXT_* of its mapping,
 *   REMOTE_ADDR, REMOTE_PORT (absent: any port), EXPIRES (seconds left;
 *   absent: as long as the mapping). Under address-dependent filtering a
 *   permit has no port.
 *
 * CONENAT_CMD_DEL_PERMIT (do): as NEW_PERMIT without LIFETIME. Deletes the
 *   internal endpoint's permit for the remote from its mapping and, under
 *   dependent mapping, from the mapping of its flow to the remote (where
 *   NLM_F_ECHO put it). -ENOENT unless one existed. The remote's flows that are open go on; its
 *   new ones meet the filter as a stranger's would, unless the internal
 *   endpoint sends to it again.
 *
 * CONENAT_CMD_FLUSH_PERMITS (do): INSTANCE optional; deletes the permits of
 *   one instance, or of all, as DEL_PERMIT does.
 *
 * CONENAT_CMD_GET_LIMITS (do), attribute set conenat_limits_attr: the
 *   namespace's MAX_MAPPINGS (its cap on mappings, default
 *   CONENAT_DEFAULT_MAX_MAPPINGS), MAPPINGS (how many exist), INSTANCES,
 *   MAX_PEERS (its cap on peers, default CONENAT_DEFAULT_NS_MAX_PEERS),
 *   PEERS (how many exist) and BUCKETS (the buckets the table of mappings
 *   by internal endpoint has now: the module parameter hash_buckets at
 *   first, more as it grows).
 *
 * CONENAT_CMD_SET_LIMITS (do): MAX_MAPPINGS, NLA_U32 1 ..
 *   CONENAT_MAX_MAPPINGS_LIMIT; MAX_PEERS, NLA_U32 1 ..
 *   CONENAT_MAX_PEERS_LIMIT. At the mapping cap a new flow is dropped and
 *   counted (table_full); existing mappings keep working and none is
 *   evicted, also when the cap is lowered below how many exist.
 *
 * Peers
 * -----
 *
 * Under address(-and-port)-dependent filtering a mapping records the remotes
 * its internal endpoint sends to (its peers) and lets in new flows from them
 * only. A peer lives as long as a flow to it does, then the mapping's timer
 * for its protocol (udp-timeout, ...), and never longer than its mapping; a
 * permit's peer lives its LIFETIME, or as long as the mapping. A mapping
 * records at most its instance's MAX_PEERS, a namespace at most its
 * MAX_PEERS. At a cap the outbound flow still leaves, translated, but its
 * remote is not recorded: that remote's new flows are filtered. The refusal
 * is counted (peers_refused), and the first refusal of a mapping is
 * announced by CONENAT_CMD_PEER_LIMIT_EVENT. A permit at a cap fails with
 * -ENOSPC.
 *
 * Events
 * ------
 *
 * The multicast group CONENAT_MCGRP_EVENTS carries CONENAT_CMD_MAPPING_EVENT
 * messages (conenat_mapping_attr with EVENT set: created, expired, deleted,
 * updated: taken over or renewed by a port control request)
 * and CONENAT_CMD_EXHAUSTED_EVENT (INSTANCE, PROTO, INT_ADDR, INT_PORT: a
 * new flow dropped because no external port was free) and
 * CONENAT_CMD_PEER_LIMIT_EVENT (INSTANCE, PROTO, INT_*, EXT_* of a mapping,
 * REMOTE_ADDR/REMOTE_PORT of the remote a peer cap kept out of its filter;
 * once per mapping). Joining the group
 * requires CAP_NET_ADMIN in the user namespace that owns the socket's network
 * namespace, like the commands: the events name every internal endpoint.
 * Without it the join (bind or NETLINK_ADD_MEMBERSHIP) fails with -EPERM. A
 * module built for a kernel that cannot restrict a multicast group (no
 * GENL_MCAST_CAP_NET_ADMIN) registers no events group at all.
 */

#ifndef _UAPI_LINUX_CONENAT_H
#define _UAPI_LINUX_CONENAT_H

#define CONENAT_GENL_NAME	"conenat"
#define CONENAT_GENL_VERSION	1

#define CONENAT_API_VERSION	6

/* Compiled-in limits, also reported by CONENAT_CMD_GET_INFO. */
#define CONENAT_MAX_INSTANCES		64
#define CONENAT_DEFAULT_MAX_MAPPINGS	(1U << 22)
#define CONENAT_NAME_MAX		16
#define CONENAT_MAX_PREFIXES		16
#define CONENAT_MAX_EXT_ADDRS		256
#define CONENAT_MAX_TIMEOUT		(7 * 24 * 3600)
#define CONENAT_MAX_MAPPINGS_LIMIT	(1U << 26)
#define CONENAT_DEFAULT_MAX_PEERS	65536
#define CONENAT_DEFAULT_HOLD_DOWN	120
/* An instance's defaults, for the settings a NEW_INSTANCE leaves out. */
#define CONENAT_DEFAULT_PORT_MIN	1024
#define CONENAT_DEFAULT_PORT_MAX	65535
#define CONENAT_DEFAULT_UDP_TIMEOUT	300
#define CONENAT_DEFAULT_TCP_TIMEOUT	7440
#define CONENAT_DEFAULT_TCP_TRANSITORY_TIMEOUT	240
#define CONENAT_DEFAULT_ICMP_TIMEOUT	60
#define CONENAT_MAX_HOLD_DOWN		3600
#define CONENAT_DEFAULT_NS_MAX_PEERS	(1U << 22)
#define CONENAT_MAX_PEERS_LIMIT		(1U << 26)

#define CONENAT_MCGRP_EVENTS		"events"

/**
 * enum conenat_behaviour - RFC 4787 mapping or filtering behaviour
 * @CONENAT_ENDPOINT_INDEPENDENT: one external endpoint for every remote /
 *	any remote may send in
 * @CONENAT_ADDRESS_DEPENDENT: per remote address / remotes the internal
 *	endpoint has sent to, by address
 * @CONENAT_ADDRESS_PORT_DEPENDENT: per remote address and port / remotes the
 *	internal endpoint has sent to, by address and port
 */
enum conenat_behaviour {
	CONENAT_ENDPOINT_INDEPENDENT,
	CONENAT_ADDRESS_DEPENDENT,
	CONENAT_ADDRESS_PORT_DEPENDENT,

	__CONENAT_BEHAVIOUR_MAX
};

#define CONENAT_BEHAVIOUR_MAX (__CONENAT_BEHAVIOUR_MAX - 1)

enum conenat_origin {
	CONENAT_ORIGIN_DYNAMIC,
	CONENAT_ORIGIN_STATIC,
	CONENAT_ORIGIN_PCP,
	CONENAT_ORIGIN_NATPMP,

	__CONENAT_ORIGIN_MAX
};

#define CONENAT_ORIGIN_MAX (__CONENAT_ORIGIN_MAX - 1)

enum conenat_event {
	CONENAT_EVENT_CREATED = 1,
	CONENAT_EVENT_EXPIRED,
	CONENAT_EVENT_DELETED,
	CONENAT_EVENT_UPDATED,
};

enum conenat_cmd {
	CONENAT_CMD_UNSPEC,
	CONENAT_CMD_GET_INFO,
	CONENAT_CMD_NEW_INSTANCE,
	CONENAT_CMD_SET_INSTANCE,
	CONENAT_CMD_DEL_INSTANCE,
	CONENAT_CMD_GET_INSTANCE,
	CONENAT_CMD_NEW_MAPPING,
	CONENAT_CMD_DEL_MAPPING,
	CONENAT_CMD_GET_MAPPING,
	CONENAT_CMD_FLUSH_MAPPINGS,
	CONENAT_CMD_NEW_PERMIT,
	CONENAT_CMD_MAPPING_EVENT,
	CONENAT_CMD_EXHAUSTED_EVENT,
	CONENAT_CMD_GET_LIMITS,
	CONENAT_CMD_SET_LIMITS,
	CONENAT_CMD_PEER_LIMIT_EVENT,
	CONENAT_CMD_GET_PERMIT,
	CONENAT_CMD_DEL_PERMIT,
	CONENAT_CMD_FLUSH_PERMITS,

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

enum conenat_instance_attr {
	CONENAT_INSTANCE_A_UNSPEC,
	CONENAT_INSTANCE_A_NAME,		/* NLA_NUL_STRING */
	CONENAT_INSTANCE_A_IFNAME,		/* NLA_NUL_STRING */
	CONENAT_INSTANCE_A_IFINDEX,		/* NLA_U32, reply */
	CONENAT_INSTANCE_A_MAPPING,		/* NLA_U8 */
	CONENAT_INSTANCE_A_FILTERING,		/* NLA_U8 */
	CONENAT_INSTANCE_A_EXT_ADDR_MIN,	/* NLA_BE32 */
	CONENAT_INSTANCE_A_EXT_ADDR_MAX,	/* NLA_BE32 */
	CONENAT_INSTANCE_A_EXT_ADDR,		/* NLA_BE32, reply */
	CONENAT_INSTANCE_A_INTERNAL,		/* NLA_NESTED, of PREFIX nests */
	CONENAT_INSTANCE_A_PORT_MIN,		/* NLA_BE16 */
	CONENAT_INSTANCE_A_PORT_MAX,		/* NLA_BE16 */
	CONENAT_INSTANCE_A_PORT_PRESERVATION,	/* NLA_U8 */
	CONENAT_INSTANCE_A_PORT_PARITY,		/* NLA_U8 */
	CONENAT_INSTANCE_A_HAIRPIN,		/* NLA_U8 */
	CONENAT_INSTANCE_A_INBOUND_REFRESH,	/* NLA_U8 */
	CONENAT_INSTANCE_A_UDP_TIMEOUT,		/* NLA_U32 */
	CONENAT_INSTANCE_A_MAX_PER_HOST,	/* NLA_U32 */
	CONENAT_INSTANCE_A_MAPPINGS,		/* NLA_U32, reply */
	CONENAT_INSTANCE_A_STATS,		/* NLA_NESTED, reply */
	CONENAT_INSTANCE_A_TCP_TIMEOUT,		/* NLA_U32 */
	CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT, /* NLA_U32 */
	CONENAT_INSTANCE_A_ICMP_TIMEOUT,	/* NLA_U32 */
	CONENAT_INSTANCE_A_MAX_PEERS,		/* NLA_U32 */
	CONENAT_INSTANCE_A_HOLD_DOWN,		/* NLA_U32 */
	CONENAT_INSTANCE_A_HAIRPIN_FILTER,	/* NLA_U8 */
	CONENAT_INSTANCE_A_AGE,			/* NLA_U32 seconds, reply */

	__CONENAT_INSTANCE_A_MAX
};

#define CONENAT_INSTANCE_A_MAX (__CONENAT_INSTANCE_A_MAX - 1)

/* One internal prefix: a nest inside CONENAT_INSTANCE_A_INTERNAL. */
enum conenat_prefix_attr {
	CONENAT_PREFIX_A_UNSPEC,
	CONENAT_PREFIX_A_ADDR,			/* NLA_BE32 */
	CONENAT_PREFIX_A_LEN,			/* NLA_U8, 0 .. 32 */

	__CONENAT_PREFIX_A_MAX
};

#define CONENAT_PREFIX_A_MAX (__CONENAT_PREFIX_A_MAX - 1)

/* Counters of an instance, all NLA_U64. */
enum conenat_stats_attr {
	CONENAT_STATS_A_UNSPEC,
	CONENAT_STATS_A_PAD,
	CONENAT_STATS_A_MAPPINGS_CREATED,
	CONENAT_STATS_A_MAPPINGS_EXPIRED,
	CONENAT_STATS_A_MAPPINGS_DELETED,
	CONENAT_STATS_A_OUT_NEW_FLOWS,	/* outbound flows translated */
	CONENAT_STATS_A_IN_NEW_FLOWS,	/* inbound flows let in */
	CONENAT_STATS_A_IN_FILTERED,	/* dropped: the filter refused */
	CONENAT_STATS_A_IN_NO_MAPPING,	/* dropped: no mapping for the port */
	CONENAT_STATS_A_HAIRPIN_FLOWS,
	CONENAT_STATS_A_PORT_EXHAUSTED,	/* dropped: no free external port */
	CONENAT_STATS_A_HOST_LIMIT,	/* dropped: max-per-host reached */
	CONENAT_STATS_A_TABLE_FULL,	/* dropped: namespace cap reached */
	CONENAT_STATS_A_NOMEM,		/* dropped: allocation failed */
	CONENAT_STATS_A_PEERS_REFUSED,	/* remotes a peer cap left out */

	__CONENAT_STATS_A_MAX
};

#define CONENAT_STATS_A_MAX (__CONENAT_STATS_A_MAX - 1)

enum conenat_mapping_attr {
	CONENAT_MAPPING_A_UNSPEC,
	CONENAT_MAPPING_A_INSTANCE,		/* NLA_NUL_STRING */
	CONENAT_MAPPING_A_PROTO,		/* NLA_U8, IPPROTO_UDP/TCP/ICMP */
	CONENAT_MAPPING_A_INT_ADDR,		/* NLA_BE32 */
	CONENAT_MAPPING_A_INT_PORT,		/* NLA_BE16 */
	CONENAT_MAPPING_A_EXT_ADDR,		/* NLA_BE32 */
	CONENAT_MAPPING_A_EXT_PORT,		/* NLA_BE16 */
	CONENAT_MAPPING_A_REMOTE_ADDR,		/* NLA_BE32 */
	CONENAT_MAPPING_A_REMOTE_PORT,		/* NLA_BE16 */
	CONENAT_MAPPING_A_LIFETIME,		/* NLA_U32 seconds */
	CONENAT_MAPPING_A_ORIGIN,		/* NLA_U8 enum conenat_origin */
	CONENAT_MAPPING_A_EXPIRES,		/* NLA_U32 seconds, reply */
	CONENAT_MAPPING_A_EVENT,		/* NLA_U8 enum conenat_event */
	CONENAT_MAPPING_A_FILTERED,		/* NLA_U8 0 or 1 */

	__CONENAT_MAPPING_A_MAX
};

#define CONENAT_MAPPING_A_MAX (__CONENAT_MAPPING_A_MAX - 1)

/* The namespace's limits. */
enum conenat_limits_attr {
	CONENAT_LIMITS_A_UNSPEC,
	CONENAT_LIMITS_A_MAX_MAPPINGS,		/* NLA_U32 */
	CONENAT_LIMITS_A_MAPPINGS,		/* NLA_U32, reply */
	CONENAT_LIMITS_A_INSTANCES,		/* NLA_U32, reply */
	CONENAT_LIMITS_A_MAX_PEERS,		/* NLA_U32 */
	CONENAT_LIMITS_A_PEERS,			/* NLA_U32, reply */
	CONENAT_LIMITS_A_BUCKETS,		/* NLA_U32, reply */

	__CONENAT_LIMITS_A_MAX
};

#define CONENAT_LIMITS_A_MAX (__CONENAT_LIMITS_A_MAX - 1)

#endif /* _UAPI_LINUX_CONENAT_H */
