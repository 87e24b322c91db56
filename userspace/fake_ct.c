// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for ct_nfct.c in natctl-fake: canned conntrack entries that
 * fit fake_nl.c's canned mappings, so that "conntrack show" can be tested
 * without a kernel.
 *
 * Each dump is logged to $NATCTL_FAKE_LOG as the line "CT_DUMP family=inet".
 * $NATCTL_FAKE_CT_ERROR=open:EPERM (or read:ENOENT, ...) makes the dump fail
 * at that step with that errno, as ct_nfct.c reports it. $NATCTL_FAKE_EMPTY
 * empties the table too.
 *
 * The entries (fake_nl.c's mappings: home 10.0.1.2:5000 -> 198.51.100.1:5000,
 * home 10.0.1.3:5000 -> 198.51.100.1:6000, home 10.0.1.4:4000 ->
 * 198.51.100.1:7000, lab 10.0.0.9:53 -> 203.0.113.2:2001):
 *
 *   1. outbound through home's first mapping, assured
 *   2. inbound to home's second mapping (a permit or full cone)
 *   3. source-NATed by something else (masquerade on another device)
 *   4. the router's own UDP from 198.51.100.1:5000, not NATed
 *   5. TCP source-NATed to 198.51.100.1:7000, the external endpoint of a
 *      UDP mapping: not that mapping's (the protocol is part of the key)
 *   6. hairpin: 10.0.1.4:4000 to home's first external endpoint, both
 *      source- and destination-NATed (one row per side)
 *   7. outbound through lab's mapping, no timeout attribute
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include "natctl.h"
#include "ct.h"

struct fake_entry {
	uint8_t proto;
	const char *osrc;
	uint16_t osport;
	const char *odst;
	uint16_t odport;
	const char *rsrc;
	uint16_t rsport;
	const char *rdst;
	uint16_t rdport;
	uint32_t status;
	int64_t timeout;	/* < 0: no timeout attribute */
};

#define CONFIRMED	IPS_CONFIRMED
#define SNAT		(IPS_SRC_NAT | IPS_SRC_NAT_DONE)
#define DNAT		(IPS_DST_NAT | IPS_DST_NAT_DONE)

static const struct fake_entry entries[] = {
	{ IPPROTO_UDP, "10.0.1.2", 5000, "198.51.100.10", 4000,
	  "198.51.100.10", 4000, "198.51.100.1", 5000,
	  CONFIRMED | SNAT | IPS_SEEN_REPLY | IPS_ASSURED, 27 },
	{ IPPROTO_UDP, "203.0.113.9", 7000, "198.51.100.1", 6000,
	  "10.0.1.3", 5000, "203.0.113.9", 7000,
	  CONFIRMED | DNAT, 15 },
	{ IPPROTO_UDP, "10.9.9.9", 1000, "192.0.2.53", 53,
	  "192.0.2.53", 53, "192.0.2.50", 1000,
	  CONFIRMED | SNAT, 20 },
	{ IPPROTO_UDP, "198.51.100.1", 5000, "198.51.100.10", 4000,
	  "198.51.100.10", 4000, "198.51.100.1", 5000,
	  CONFIRMED, 25 },
	{ IPPROTO_TCP, "10.0.1.4", 4000, "198.51.100.10", 80,
	  "198.51.100.10", 80, "198.51.100.1", 7000,
	  CONFIRMED | SNAT | IPS_ASSURED, 431999 },
	{ IPPROTO_UDP, "10.0.1.4", 4000, "198.51.100.1", 5000,
	  "10.0.1.2", 5000, "198.51.100.1", 7000,
	  CONFIRMED | SNAT | DNAT, 3 },
	{ IPPROTO_UDP, "10.0.0.9", 53, "192.0.2.7", 53,
	  "192.0.2.7", 53, "203.0.113.2", 2001,
	  CONFIRMED | SNAT, -1 },
};

static uint32_t ip(const char *s)
{
	struct in_addr in;

	inet_pton(AF_INET, s, &in);
	return in.s_addr;
}

/* $NATCTL_FAKE_CT_ERROR "STEP:ERRNO-NAME" */
static int fake_error(void)
{
	static const struct {
		const char *name;
		int err;
	} errs[] = {
		{ "EPERM", EPERM },
		{ "ENOENT", ENOENT },
		{ "EINVAL", EINVAL },
		{ "EOPNOTSUPP", EOPNOTSUPP },
		{ "EPROTONOSUPPORT", EPROTONOSUPPORT },
		{ "ENOBUFS", ENOBUFS },
	};
	const char *spec = getenv("NATCTL_FAKE_CT_ERROR");
	const char *colon;
	char step[16];
	size_t i;

	if (!spec || !(colon = strchr(spec, ':')) ||
	    (size_t)(colon - spec) >= sizeof(step))
		return 0;
	memcpy(step, spec, colon - spec);
	step[colon - spec] = '\0';
	for (i = 0; i < ARRAY_SIZE(errs); i++)
		if (!strcmp(colon + 1, errs[i].name))
			return ct_fail(step, errs[i].err);
	return fail_err("fake: unknown errno name \"%s\"", colon + 1);
}

int ct_dump(ct_entry_cb cb, void *arg)
{
	const char *path = getenv("NATCTL_FAKE_LOG");
	size_t i;
	int status;

	if (opt_check)
		return 0;
	if (path) {
		FILE *fp = fopen(path, "a");

		if (fp) {
			fprintf(fp, "CT_DUMP family=inet\n");
			fclose(fp);
		}
	}
	status = fake_error();
	if (status)
		return status;
	if (getenv("NATCTL_FAKE_EMPTY"))
		return 0;

	for (i = 0; i < ARRAY_SIZE(entries); i++) {
		const struct fake_entry *f = &entries[i];
		struct ct_entry e = {
			.proto = f->proto,
			.orig = { ip(f->osrc), ip(f->odst), f->osport, f->odport },
			.reply = { ip(f->rsrc), ip(f->rdst), f->rsport, f->rdport },
			.status = f->status,
			.has_timeout = f->timeout >= 0,
			.timeout = f->timeout >= 0 ? (uint32_t)f->timeout : 0,
		};

		status = cb(&e, arg);
		if (status)
			return status;
	}
	return 0;
}
