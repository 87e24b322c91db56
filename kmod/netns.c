// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: per-network-namespace state. Nothing conenat keeps is global;
 * each namespace gets a struct conenat_net through net_generic(), with its
 * own instances and mapping table; leaving a namespace deletes them.
 */
#include <linux/module.h>
#include <net/net_namespace.h>

#include "conenat.h"

unsigned int conenat_net_id __read_mostly;

static int __net_init conenat_net_init(struct net *net)
{
	struct conenat_net *cn = conenat_pernet(net);
	int i;

	cn->net = net;
	mutex_init(&cn->config_lock);
	INIT_LIST_HEAD(&cn->instances);
	for (i = 0; i < CONENAT_DEV_BUCKETS; i++)
		INIT_HLIST_HEAD(&cn->by_dev[i]);
	return conenat_table_init(cn);
}

static void __net_exit conenat_net_exit(struct net *net)
{
	struct conenat_net *cn = conenat_pernet(net);
	struct conenat_instance *inst, *tmp;

	mutex_lock(&cn->config_lock);
	list_for_each_entry_safe(inst, tmp, &cn->instances, list)
		conenat_instance_del(inst);
	mutex_unlock(&cn->config_lock);
	conenat_table_destroy(cn);
	mutex_destroy(&cn->config_lock);
}

static struct pernet_operations conenat_net_ops = {
	.init = conenat_net_init,
	.exit = conenat_net_exit,
	.id = &conenat_net_id,
	.size = sizeof(struct conenat_net),
};

/**
 * conenat_netns_init() - register conenat's per-netns state
 *
 * Every existing namespace gets its state before this returns, and each new
 * one as it is created.
 *
 * Return: 0 or a negative errno.
 */
int conenat_netns_init(void)
{
	return register_pernet_subsys(&conenat_net_ops);
}

/**
 * conenat_netns_exit() - tear down conenat's state in every namespace
 */
void conenat_netns_exit(void)
{
	unregister_pernet_subsys(&conenat_net_ops);
}
