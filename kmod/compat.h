/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels conenat builds against, in one place.
 * conenat.h includes it after the kernel headers; .c files use the names
 * below and never test kernel version numbers.
 */
#ifndef _CONENAT_COMPAT_H
#define _CONENAT_COMPAT_H

#include <linux/netlink.h>

/*
 * Formatted extack messages arrived in 6.2; before that the fixed text is the
 * best a refusal can carry.
 */
#ifndef NL_SET_ERR_MSG_FMT_MOD
#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...) \
	NL_SET_ERR_MSG_MOD(extack, fmt)
#endif

#endif /* _CONENAT_COMPAT_H */
