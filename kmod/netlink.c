// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the "conenat" generic netlink family. include/uapi/linux/conenat.h
 * documents every command and attribute; this file validates requests
 * (strict policies, one per attribute set), checks permission in the
 * caller's network namespace and answers.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "conenat.h"

static const struct nla_policy conenat_info_policy[CONENAT_INFO_A_MAX + 1] = {
	[CONENAT_INFO_A_CLIENT_API] =
		NLA_POLICY_RANGE(NLA_U32, 1, CONENAT_API_VERSION),
};

static struct genl_family conenat_genl_family;

static size_t conenat_info_size(void)
{
	return nla_total_size(sizeof(CONENAT_VERSION)) +	/* VERSION */
	       5 * nla_total_size(sizeof(u32));		/* API, limits */
}

static int conenat_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	if (GENL_REQ_ATTR_CHECK(info, CONENAT_INFO_A_CLIENT_API)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the client's API version (CONENAT_INFO_A_CLIENT_API) is required");
		return -EINVAL;
	}

	msg = genlmsg_new(conenat_info_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &conenat_genl_family, 0,
				CONENAT_CMD_GET_INFO);
	if (!hdr)
		goto err_free_msg;

	if (nla_put_string(msg, CONENAT_INFO_A_VERSION, CONENAT_VERSION) ||
	    nla_put_u32(msg, CONENAT_INFO_A_API, CONENAT_API_VERSION) ||
	    nla_put_u32(msg, CONENAT_INFO_A_MAX_INSTANCES,
			CONENAT_MAX_INSTANCES) ||
	    nla_put_u32(msg, CONENAT_INFO_A_MAX_MAPPINGS,
			CONENAT_DEFAULT_MAX_MAPPINGS) ||
	    nla_put_u32(msg, CONENAT_INFO_A_HASH_BUCKETS,
			conenat_hash_buckets) ||
	    nla_put_u32(msg, CONENAT_INFO_A_NAME_MAX, CONENAT_NAME_MAX))
		goto err_free_msg;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_ops conenat_genl_ops[] = {
	{
		.cmd = CONENAT_CMD_GET_INFO,
		.doit = conenat_nl_get_info,
		.policy = conenat_info_policy,
		.maxattr = CONENAT_INFO_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family conenat_genl_family __ro_after_init = {
	.name = CONENAT_GENL_NAME,
	.version = CONENAT_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = conenat_genl_ops,
	.n_ops = ARRAY_SIZE(conenat_genl_ops),
};

/**
 * conenat_genl_init() - register the conenat generic netlink family
 *
 * Return: 0 or a negative errno from genl_register_family().
 */
int __init conenat_genl_init(void)
{
	return genl_register_family(&conenat_genl_family);
}

/**
 * conenat_genl_exit() - unregister the conenat generic netlink family
 *
 * Requests already running finish first; later ones find no family.
 */
void conenat_genl_exit(void)
{
	genl_unregister_family(&conenat_genl_family);
}
