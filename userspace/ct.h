/* SPDX-License-Identifier: GPL-2.0 */
/*
 * natctl conntrack source: the IPv4 entries of the kernel's connection
 * tracking table, read in the current network namespace.
 *
 * ct_nfct.c reads them with libnetfilter_conntrack; fake_ct.c (linked into
 * natctl-fake instead) hands out canned entries. conntrack.c decides which
 * of them are conenat's and prints them.
 */
#ifndef NATCTL_CT_H
#define NATCTL_CT_H

#include <stdbool.h>
#include <stdint.h>

/* One tuple: source and destination as they appear in that direction. */
struct ct_tuple {
	uint32_t src;		/* network byte order */
	uint32_t dst;
	uint16_t sport;		/* host byte order */
	uint16_t dport;
};

/*
 * One IPv4 conntrack entry. orig is the tuple of the first packet, reply
 * the tuple a reply carries, after NAT: for a source-NATed flow the reply
 * goes to the translated (external) source, for a destination-NATed flow
 * the reply comes from the translated (internal) destination.
 */
struct ct_entry {
	uint8_t proto;		/* IPPROTO_* of the original direction */
	struct ct_tuple orig;
	struct ct_tuple reply;
	uint32_t status;	/* IPS_* bits */
	bool has_timeout;
	uint32_t timeout;	/* seconds left */
};

/* Called for each entry; 0 to go on, or an exit status to stop. */
typedef int (*ct_entry_cb)(const struct ct_entry *e, void *arg);

/*
 * Calls @cb for every IPv4 entry of the current network namespace's
 * conntrack table (any protocol). Returns 0, @cb's exit status, or prints
 * the error (see ct_fail()) and returns NATCTL_EXIT_FAIL.
 */
int ct_dump(ct_entry_cb cb, void *arg);

/*
 * conntrack.c: prints "natctl: cannot STEP the conntrack table: REASON"
 * for the errno @err of step @step ("open", "read"), with a hint for the
 * usual causes (nf_conntrack_netlink missing, no CAP_NET_ADMIN), and
 * returns NATCTL_EXIT_FAIL.
 */
int ct_fail(const char *step, int err);

#endif /* NATCTL_CT_H */
