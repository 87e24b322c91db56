/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conenat: declarations shared by the module's files.
 */
#ifndef _CONENAT_H
#define _CONENAT_H

#include <linux/mutex.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/conenat.h>

#include "compat.h"

/**
 * struct conenat_net - conenat's state in one network namespace
 * @net: the namespace this state belongs to
 * @config_lock: serialises configuration requests in this namespace
 */
struct conenat_net {
	struct net *net;
	struct mutex config_lock;	/* serialises configuration */
};

extern unsigned int conenat_net_id;
extern unsigned int conenat_hash_buckets;

static inline struct conenat_net *conenat_pernet(const struct net *net)
{
	return net_generic(net, conenat_net_id);
}

int conenat_netns_init(void);
void conenat_netns_exit(void);

int conenat_genl_init(void);
void conenat_genl_exit(void);

#endif /* _CONENAT_H */
