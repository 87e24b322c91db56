// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: per-network-namespace state. Nothing conenat keeps is global;
 * each namespace gets a struct conenat_net through net_generic().
 */
#include <linux/module.h>
#include <net/net_namespace.h>

#include "conenat.h"

unsigned int conenat_net_id __read_mostly;

static int __net_init conenat_net_init(struct net *net)
{
	struct conenat_net *cn = conenat_pernet(net);

	cn->net = net;
	mutex_init(&cn->config_lock);
	return 0;
}

static void __net_exit conenat_net_exit(struct net *net)
{
	struct conenat_net *cn = conenat_pernet(net);

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
