/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels conenat builds against, in one place.
 * conenat.h includes it after the kernel headers; .c files use the names
 * below and never test kernel version numbers.
 */
#ifndef _CONENAT_COMPAT_H
#define _CONENAT_COMPAT_H

#include <linux/netlink.h>
#include <net/genetlink.h>

/*
 * Formatted extack messages arrived in 6.2; before that the fixed text is the
 * best a refusal can carry.
 */
#ifndef NL_SET_ERR_MSG_FMT_MOD
#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...) \
	NL_SET_ERR_MSG_MOD(extack, fmt)
#endif

/*
 * Events name every internal endpoint, so only CAP_NET_ADMIN may join their
 * multicast group: a flag of the group since 6.7 (and in the stable 6.1
 * kernels Debian ships). A kernel without the flag cannot restrict a group
 * (6.1's generic netlink has no per-family bind hook either): the module
 * then registers no events group at all rather than one anybody could join.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define CONENAT_HAVE_EVENTS	1
#define CONENAT_MCGRP_FLAG_INIT	.flags = GENL_MCAST_CAP_NET_ADMIN
#else
#define CONENAT_HAVE_EVENTS	0
#endif

#endif /* _CONENAT_COMPAT_H */
