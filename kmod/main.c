// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: a netfilter NAT whose mapping and filtering behaviour (RFC 4787)
 * is chosen per instance. This file holds the module's entry points; the
 * per-netns state, the netfilter hooks, the mapping table, its link with
 * conntrack and the netlink family each live in a file of their own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/log2.h>
#include <linux/sizes.h>
#include <net/genetlink.h>

#include "conenat.h"

/*
 * hash_buckets: the initial bucket count of each mapping table, which never
 * shrinks below it. rhashtable's size hint is u16 on the kernels conenat
 * supports, which sizes a table for at most 131072 buckets ahead; it grows
 * past that by itself (see conenat_table_size()).
 */
#define CONENAT_HASH_BUCKETS_MIN	64U
#define CONENAT_HASH_BUCKETS_MAX	131072U

unsigned int conenat_hash_buckets __read_mostly = 8192;
module_param_named(hash_buckets, conenat_hash_buckets, uint, 0444);
MODULE_PARM_DESC(hash_buckets,
		 "Initial bucket count of each per-netns mapping table, never shrunk below (power of two, 64 to 131072, default 8192)");

static int __init conenat_init(void)
{
	int err;

	if (conenat_hash_buckets < CONENAT_HASH_BUCKETS_MIN ||
	    conenat_hash_buckets > CONENAT_HASH_BUCKETS_MAX ||
	    !is_power_of_2(conenat_hash_buckets)) {
		pr_err("hash_buckets=%u: need a power of two from %u to %u\n",
		       conenat_hash_buckets, CONENAT_HASH_BUCKETS_MIN,
		       CONENAT_HASH_BUCKETS_MAX);
		return -EINVAL;
	}

	err = conenat_table_cache_init();
	if (err)
		return err;

	err = conenat_netns_init();
	if (err)
		goto err_destroy_caches;

	err = conenat_notifiers_init();
	if (err)
		goto err_unreg_pernet;

	err = conenat_genl_init();
	if (err)
		goto err_unreg_notifiers;

	pr_info("version %s, API %u\n", CONENAT_VERSION, CONENAT_API_VERSION);
	return 0;

err_unreg_notifiers:
	conenat_notifiers_exit();
err_unreg_pernet:
	conenat_netns_exit();
err_destroy_caches:
	rcu_barrier();
	conenat_table_cache_exit();
	return err;
}

static void __exit conenat_exit(void)
{
	conenat_genl_exit();
	conenat_notifiers_exit();
	conenat_netns_exit();
	/* mappings, peers and hosts are freed through call_rcu() */
	rcu_barrier();
	conenat_table_cache_exit();
}

module_init(conenat_init);
module_exit(conenat_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The conenat authors");
MODULE_DESCRIPTION("Netfilter NAT with selectable RFC 4787 mapping and filtering");
MODULE_VERSION(CONENAT_VERSION);
MODULE_ALIAS_GENL_FAMILY(CONENAT_GENL_NAME);
