// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the "conenat" generic netlink family. include/uapi/linux/conenat.h
 * documents every command and attribute; this file validates requests
 * (strict policies, one per attribute set), checks permission in the
 * caller's network namespace, acts through instance.c and table.c, and
 * announces mapping events on the "events" multicast group.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "conenat.h"

static const struct nla_policy conenat_info_policy[CONENAT_INFO_A_MAX + 1] = {
	[CONENAT_INFO_A_CLIENT_API] =
		NLA_POLICY_RANGE(NLA_U32, 1, CONENAT_API_VERSION),
};

static const struct nla_policy conenat_prefix_policy[CONENAT_PREFIX_A_MAX + 1] = {
	[CONENAT_PREFIX_A_ADDR] = { .type = NLA_BE32 },
	[CONENAT_PREFIX_A_LEN] = NLA_POLICY_MAX(NLA_U8, 32),
};

static struct netlink_range_validation conenat_timeout_range = {
	.min = 1,
	.max = CONENAT_MAX_TIMEOUT,
};

static struct netlink_range_validation conenat_per_host_range = {
	.max = CONENAT_DEFAULT_MAX_MAPPINGS,
};

static struct netlink_range_validation conenat_max_peers_range = {
	.min = 1,
	.max = CONENAT_MAX_PEERS_LIMIT,
};

static struct netlink_range_validation conenat_hold_down_range = {
	.max = CONENAT_MAX_HOLD_DOWN,
};

static const struct nla_policy conenat_instance_policy[CONENAT_INSTANCE_A_MAX + 1] = {
	[CONENAT_INSTANCE_A_NAME] = { .type = NLA_NUL_STRING,
				      .len = CONENAT_NAME_MAX - 1 },
	[CONENAT_INSTANCE_A_IFNAME] = { .type = NLA_NUL_STRING,
					.len = IFNAMSIZ - 1 },
	[CONENAT_INSTANCE_A_MAPPING] = NLA_POLICY_MAX(NLA_U8, CONENAT_BEHAVIOUR_MAX),
	[CONENAT_INSTANCE_A_FILTERING] = NLA_POLICY_MAX(NLA_U8, CONENAT_BEHAVIOUR_MAX),
	[CONENAT_INSTANCE_A_EXT_ADDR_MIN] = { .type = NLA_BE32 },
	[CONENAT_INSTANCE_A_EXT_ADDR_MAX] = { .type = NLA_BE32 },
	[CONENAT_INSTANCE_A_INTERNAL] = NLA_POLICY_NESTED_ARRAY(conenat_prefix_policy),
	[CONENAT_INSTANCE_A_PORT_MIN] = { .type = NLA_BE16 },
	[CONENAT_INSTANCE_A_PORT_MAX] = { .type = NLA_BE16 },
	[CONENAT_INSTANCE_A_PORT_PRESERVATION] = NLA_POLICY_MAX(NLA_U8, 1),
	[CONENAT_INSTANCE_A_PORT_PARITY] = NLA_POLICY_MAX(NLA_U8, 1),
	[CONENAT_INSTANCE_A_HAIRPIN] = NLA_POLICY_MAX(NLA_U8, 1),
	[CONENAT_INSTANCE_A_INBOUND_REFRESH] = NLA_POLICY_MAX(NLA_U8, 1),
	[CONENAT_INSTANCE_A_HAIRPIN_FILTER] = NLA_POLICY_MAX(NLA_U8, 1),
	[CONENAT_INSTANCE_A_UDP_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &conenat_timeout_range),
	[CONENAT_INSTANCE_A_MAX_PER_HOST] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &conenat_per_host_range),
	[CONENAT_INSTANCE_A_TCP_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &conenat_timeout_range),
	[CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &conenat_timeout_range),
	[CONENAT_INSTANCE_A_ICMP_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &conenat_timeout_range),
	[CONENAT_INSTANCE_A_MAX_PEERS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &conenat_max_peers_range),
	[CONENAT_INSTANCE_A_HOLD_DOWN] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &conenat_hold_down_range),
};

static const struct nla_policy conenat_mapping_policy[CONENAT_MAPPING_A_MAX + 1] = {
	[CONENAT_MAPPING_A_INSTANCE] = { .type = NLA_NUL_STRING,
					 .len = CONENAT_NAME_MAX - 1 },
	[CONENAT_MAPPING_A_PROTO] = { .type = NLA_U8 },
	[CONENAT_MAPPING_A_INT_ADDR] = { .type = NLA_BE32 },
	[CONENAT_MAPPING_A_INT_PORT] = { .type = NLA_BE16 },
	[CONENAT_MAPPING_A_EXT_ADDR] = { .type = NLA_BE32 },
	[CONENAT_MAPPING_A_EXT_PORT] = { .type = NLA_BE16 },
	[CONENAT_MAPPING_A_REMOTE_ADDR] = { .type = NLA_BE32 },
	[CONENAT_MAPPING_A_REMOTE_PORT] = { .type = NLA_BE16 },
	[CONENAT_MAPPING_A_LIFETIME] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &conenat_timeout_range),
	/* what a request may make: not a dynamic mapping */
	[CONENAT_MAPPING_A_ORIGIN] = NLA_POLICY_RANGE(NLA_U8, CONENAT_ORIGIN_STATIC,
						      CONENAT_ORIGIN_MAX),
	[CONENAT_MAPPING_A_FILTERED] = NLA_POLICY_MAX(NLA_U8, 1),
};

static struct netlink_range_validation conenat_max_mappings_range = {
	.min = 1,
	.max = CONENAT_MAX_MAPPINGS_LIMIT,
};

static const struct nla_policy conenat_limits_policy[CONENAT_LIMITS_A_MAX + 1] = {
	[CONENAT_LIMITS_A_MAX_MAPPINGS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &conenat_max_mappings_range),
	[CONENAT_LIMITS_A_MAX_PEERS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &conenat_max_peers_range),
};

/*
 * Events name every internal endpoint that gets a mapping: like the dumps,
 * they are for the namespace's admin only (compat.h).
 */
#if CONENAT_HAVE_EVENTS
static const struct genl_multicast_group conenat_mcgrps[] = {
	{ .name = CONENAT_MCGRP_EVENTS, CONENAT_MCGRP_FLAG_INIT },
};
#endif

static struct genl_family conenat_genl_family;

/* Whether anybody in @net listens to events (never, without the group). */
static bool conenat_events_wanted(struct net *net)
{
	return CONENAT_HAVE_EVENTS &&
	       genl_has_listeners(&conenat_genl_family, net, 0);
}

static struct conenat_net *conenat_info_cn(struct genl_info *info)
{
	return conenat_pernet(genl_info_net(info));
}

/* ------------------------------------------------------------------ info */

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

/* ------------------------------------------------------------- instances */

static int conenat_parse_prefixes(struct conenat_config *cfg,
				  const struct nlattr *nest,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[CONENAT_PREFIX_A_MAX + 1];
	const struct nlattr *pfx;
	int rem, err;

	cfg->nprefixes = 0;
	nla_for_each_nested(pfx, nest, rem) {
		struct conenat_prefix *p;

		if (cfg->nprefixes == CONENAT_MAX_PREFIXES) {
			NL_SET_ERR_MSG_ATTR(extack, pfx, "too many internal prefixes");
			return -E2BIG;
		}
		err = nla_parse_nested(tb, CONENAT_PREFIX_A_MAX, pfx,
				       conenat_prefix_policy, extack);
		if (err)
			return err;
		if (!tb[CONENAT_PREFIX_A_ADDR] || !tb[CONENAT_PREFIX_A_LEN]) {
			NL_SET_ERR_MSG_ATTR(extack, pfx,
					    "an internal prefix needs an address and a length");
			return -EINVAL;
		}
		p = &cfg->prefixes[cfg->nprefixes++];
		p->len = nla_get_u8(tb[CONENAT_PREFIX_A_LEN]);
		p->mask = p->len ? htonl(~0U << (32 - p->len)) : 0;
		p->addr = nla_get_be32(tb[CONENAT_PREFIX_A_ADDR]);
		if (p->addr & ~p->mask) {
			NL_SET_ERR_MSG_ATTR(extack, pfx,
					    "internal prefix has host bits set");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Apply the settings present in @tb to @cfg and check the result as a
 * whole. Nothing is published here: a refusal changes nothing.
 */
static int conenat_parse_cfg(struct conenat_config *cfg, struct nlattr **tb,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *a;
	int err;

	if (tb[CONENAT_INSTANCE_A_MAPPING])
		cfg->mapping = nla_get_u8(tb[CONENAT_INSTANCE_A_MAPPING]);
	if (tb[CONENAT_INSTANCE_A_FILTERING])
		cfg->filtering = nla_get_u8(tb[CONENAT_INSTANCE_A_FILTERING]);
	if (!!tb[CONENAT_INSTANCE_A_EXT_ADDR_MIN] !=
	    !!tb[CONENAT_INSTANCE_A_EXT_ADDR_MAX]) {
		NL_SET_ERR_MSG_MOD(extack,
				   "external pool needs both EXT_ADDR_MIN and EXT_ADDR_MAX");
		return -EINVAL;
	}
	if (tb[CONENAT_INSTANCE_A_EXT_ADDR_MIN]) {
		cfg->ext_min = nla_get_be32(tb[CONENAT_INSTANCE_A_EXT_ADDR_MIN]);
		cfg->ext_max = nla_get_be32(tb[CONENAT_INSTANCE_A_EXT_ADDR_MAX]);
		if (!cfg->ext_min != !cfg->ext_max) {
			NL_SET_BAD_ATTR(extack, tb[CONENAT_INSTANCE_A_EXT_ADDR_MAX]);
			NL_SET_ERR_MSG_MOD(extack,
					   "external pool: 0.0.0.0 only as both ends (follow the device)");
			return -EINVAL;
		}
		if (ntohl(cfg->ext_min) > ntohl(cfg->ext_max)) {
			NL_SET_BAD_ATTR(extack, tb[CONENAT_INSTANCE_A_EXT_ADDR_MAX]);
			NL_SET_ERR_MSG_MOD(extack,
					   "external pool: first address after last");
			return -EINVAL;
		}
		if (ntohl(cfg->ext_max) - ntohl(cfg->ext_min) >=
		    CONENAT_MAX_EXT_ADDRS) {
			NL_SET_BAD_ATTR(extack, tb[CONENAT_INSTANCE_A_EXT_ADDR_MAX]);
			NL_SET_ERR_MSG_MOD(extack,
					   "external pool larger than CONENAT_MAX_EXT_ADDRS");
			return -EINVAL;
		}
	}
	a = tb[CONENAT_INSTANCE_A_INTERNAL];
	if (a) {
		err = conenat_parse_prefixes(cfg, a, extack);
		if (err)
			return err;
	}
	if (tb[CONENAT_INSTANCE_A_PORT_MIN])
		cfg->port_min = ntohs(nla_get_be16(tb[CONENAT_INSTANCE_A_PORT_MIN]));
	if (tb[CONENAT_INSTANCE_A_PORT_MAX])
		cfg->port_max = ntohs(nla_get_be16(tb[CONENAT_INSTANCE_A_PORT_MAX]));
	if (!cfg->port_min || cfg->port_min > cfg->port_max) {
		NL_SET_ERR_MSG_MOD(extack,
				   "port range: need 1 <= first port <= last port");
		return -EINVAL;
	}
	if (tb[CONENAT_INSTANCE_A_PORT_PRESERVATION])
		cfg->port_preservation =
			nla_get_u8(tb[CONENAT_INSTANCE_A_PORT_PRESERVATION]);
	if (tb[CONENAT_INSTANCE_A_PORT_PARITY])
		cfg->port_parity = nla_get_u8(tb[CONENAT_INSTANCE_A_PORT_PARITY]);
	if (tb[CONENAT_INSTANCE_A_HAIRPIN])
		cfg->hairpin = nla_get_u8(tb[CONENAT_INSTANCE_A_HAIRPIN]);
	if (tb[CONENAT_INSTANCE_A_HAIRPIN_FILTER])
		cfg->hairpin_filter =
			nla_get_u8(tb[CONENAT_INSTANCE_A_HAIRPIN_FILTER]);
	if (tb[CONENAT_INSTANCE_A_INBOUND_REFRESH])
		cfg->inbound_refresh =
			nla_get_u8(tb[CONENAT_INSTANCE_A_INBOUND_REFRESH]);
	if (tb[CONENAT_INSTANCE_A_UDP_TIMEOUT])
		cfg->udp_timeout = nla_get_u32(tb[CONENAT_INSTANCE_A_UDP_TIMEOUT]);
	if (tb[CONENAT_INSTANCE_A_MAX_PER_HOST])
		cfg->max_per_host = nla_get_u32(tb[CONENAT_INSTANCE_A_MAX_PER_HOST]);
	if (tb[CONENAT_INSTANCE_A_MAX_PEERS])
		cfg->max_peers = nla_get_u32(tb[CONENAT_INSTANCE_A_MAX_PEERS]);
	if (tb[CONENAT_INSTANCE_A_HOLD_DOWN])
		cfg->hold_down = nla_get_u32(tb[CONENAT_INSTANCE_A_HOLD_DOWN]);
	if (tb[CONENAT_INSTANCE_A_TCP_TIMEOUT])
		cfg->tcp_timeout = nla_get_u32(tb[CONENAT_INSTANCE_A_TCP_TIMEOUT]);
	if (tb[CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT])
		cfg->tcp_transitory_timeout =
			nla_get_u32(tb[CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT]);
	if (tb[CONENAT_INSTANCE_A_ICMP_TIMEOUT])
		cfg->icmp_timeout = nla_get_u32(tb[CONENAT_INSTANCE_A_ICMP_TIMEOUT]);
	return 0;
}

static struct conenat_instance *
conenat_nl_instance(struct conenat_net *cn, struct nlattr *attr,
		    struct netlink_ext_ack *extack)
{
	struct conenat_instance *inst;

	inst = conenat_instance_find(cn, nla_data(attr));
	if (!inst) {
		NL_SET_BAD_ATTR(extack, attr);
		NL_SET_ERR_MSG_MOD(extack, "no such instance");
	}
	return inst;
}

static int conenat_nl_new_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct nlattr **tb = info->attrs;
	struct conenat_instance *inst;
	struct conenat_config *cfg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, CONENAT_INSTANCE_A_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, CONENAT_INSTANCE_A_IFNAME)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "an instance needs a name and a device");
		return -EINVAL;
	}
	if (!nla_len(tb[CONENAT_INSTANCE_A_NAME]) ||
	    !*(char *)nla_data(tb[CONENAT_INSTANCE_A_NAME])) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[CONENAT_INSTANCE_A_NAME],
				    "empty instance name");
		return -EINVAL;
	}

	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL_ACCOUNT);
	if (!cfg)
		return -ENOMEM;
	conenat_instance_defaults(cfg);
	err = conenat_parse_cfg(cfg, tb, info->extack);
	if (err)
		goto err_free_cfg;

	mutex_lock(&cn->config_lock);
	inst = conenat_instance_new(cn, nla_data(tb[CONENAT_INSTANCE_A_NAME]),
				    nla_data(tb[CONENAT_INSTANCE_A_IFNAME]),
				    cfg, info->extack);
	mutex_unlock(&cn->config_lock);
	if (IS_ERR(inst)) {
		err = PTR_ERR(inst);
		goto err_free_cfg;
	}
	return 0;

err_free_cfg:
	kfree(cfg);
	return err;
}

/* Do two configurations translate differently enough that existing dynamic
 * mappings would be wrong under the new one?
 */
static bool conenat_cfg_remaps(const struct conenat_config *a,
			       const struct conenat_config *b)
{
	return a->mapping != b->mapping || a->filtering != b->filtering ||
	       a->ext_min != b->ext_min || a->ext_max != b->ext_max ||
	       a->port_min != b->port_min || a->port_max != b->port_max ||
	       a->nprefixes != b->nprefixes ||
	       memcmp(a->prefixes, b->prefixes,
		      a->nprefixes * sizeof(a->prefixes[0]));
}

static int conenat_nl_set_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct nlattr **tb = info->attrs;
	struct conenat_instance *inst;
	struct conenat_config *cfg, *old;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, CONENAT_INSTANCE_A_NAME)) {
		NL_SET_ERR_MSG_MOD(info->extack, "which instance? (NAME)");
		return -EINVAL;
	}
	if (tb[CONENAT_INSTANCE_A_IFNAME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[CONENAT_INSTANCE_A_IFNAME],
				    "an instance's device cannot change; delete and add it");
		return -EOPNOTSUPP;
	}
	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL_ACCOUNT);
	if (!cfg)
		return -ENOMEM;

	mutex_lock(&cn->config_lock);
	inst = conenat_nl_instance(cn, tb[CONENAT_INSTANCE_A_NAME], info->extack);
	if (!inst) {
		err = -ENOENT;
		goto err_unlock;
	}
	old = rcu_dereference_protected(inst->cfg,
					lockdep_is_held(&cn->config_lock));
	memcpy(cfg, old, sizeof(*cfg));
	err = conenat_parse_cfg(cfg, tb, info->extack);
	if (err)
		goto err_unlock;
	if (conenat_cfg_remaps(old, cfg)) {
		conenat_instance_set_cfg(inst, cfg);
		synchronize_net();
		conenat_flush(cn, inst, true);
		conenat_expiry_drain(cn);
	} else {
		conenat_instance_set_cfg(inst, cfg);
	}
	mutex_unlock(&cn->config_lock);
	return 0;

err_unlock:
	mutex_unlock(&cn->config_lock);
	kfree(cfg);
	return err;
}

static int conenat_nl_del_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct conenat_instance *inst;

	if (GENL_REQ_ATTR_CHECK(info, CONENAT_INSTANCE_A_NAME)) {
		NL_SET_ERR_MSG_MOD(info->extack, "which instance? (NAME)");
		return -EINVAL;
	}
	mutex_lock(&cn->config_lock);
	inst = conenat_nl_instance(cn, info->attrs[CONENAT_INSTANCE_A_NAME],
				   info->extack);
	if (inst)
		conenat_instance_del(inst);
	mutex_unlock(&cn->config_lock);
	return inst ? 0 : -ENOENT;
}

static int conenat_put_stats(struct sk_buff *msg,
			     const struct conenat_instance *inst)
{
	u64 sum[CONENAT_C_NUM] = {};
	struct nlattr *nest;
	int cpu, i;

	BUILD_BUG_ON(CONENAT_STATS_A_MAPPINGS_CREATED + CONENAT_C_NUM - 1 !=
		     CONENAT_STATS_A_MAX);
	for_each_possible_cpu(cpu) {
		const struct conenat_stats *s = per_cpu_ptr(inst->stats, cpu);

		for (i = 0; i < CONENAT_C_NUM; i++)
			sum[i] += READ_ONCE(s->c[i]);
	}

	nest = nla_nest_start(msg, CONENAT_INSTANCE_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < CONENAT_C_NUM; i++) {
		if (nla_put_u64_64bit(msg, CONENAT_STATS_A_MAPPINGS_CREATED + i,
				      sum[i], CONENAT_STATS_A_PAD)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int conenat_put_prefixes(struct sk_buff *msg,
				const struct conenat_config *cfg)
{
	struct nlattr *nest, *pfx;
	int i;

	nest = nla_nest_start(msg, CONENAT_INSTANCE_A_INTERNAL);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < cfg->nprefixes; i++) {
		pfx = nla_nest_start(msg, i + 1);
		if (!pfx ||
		    nla_put_be32(msg, CONENAT_PREFIX_A_ADDR,
				 cfg->prefixes[i].addr) ||
		    nla_put_u8(msg, CONENAT_PREFIX_A_LEN, cfg->prefixes[i].len)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(msg, pfx);
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int conenat_fill_instance(struct sk_buff *msg,
				 const struct conenat_instance *inst,
				 u32 portid, u32 seq, int flags)
{
	const struct conenat_config *cfg;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &conenat_genl_family, flags,
			  CONENAT_CMD_GET_INSTANCE);
	if (!hdr)
		return -EMSGSIZE;

	cfg = rcu_dereference_protected(inst->cfg,
					lockdep_is_held(&inst->cn->config_lock));
	if (nla_put_string(msg, CONENAT_INSTANCE_A_NAME, inst->name) ||
	    nla_put_string(msg, CONENAT_INSTANCE_A_IFNAME, inst->ifname) ||
	    nla_put_u32(msg, CONENAT_INSTANCE_A_IFINDEX, inst->ifindex) ||
	    nla_put_u8(msg, CONENAT_INSTANCE_A_MAPPING, cfg->mapping) ||
	    nla_put_u8(msg, CONENAT_INSTANCE_A_FILTERING, cfg->filtering) ||
	    nla_put_be32(msg, CONENAT_INSTANCE_A_EXT_ADDR_MIN, cfg->ext_min) ||
	    nla_put_be32(msg, CONENAT_INSTANCE_A_EXT_ADDR_MAX, cfg->ext_max) ||
	    nla_put_be32(msg, CONENAT_INSTANCE_A_EXT_ADDR,
			 cfg->ext_min ?: READ_ONCE(inst->dev_addr)) ||
	    conenat_put_prefixes(msg, cfg) ||
	    nla_put_be16(msg, CONENAT_INSTANCE_A_PORT_MIN, htons(cfg->port_min)) ||
	    nla_put_be16(msg, CONENAT_INSTANCE_A_PORT_MAX, htons(cfg->port_max)) ||
	    nla_put_u8(msg, CONENAT_INSTANCE_A_PORT_PRESERVATION,
		       cfg->port_preservation) ||
	    nla_put_u8(msg, CONENAT_INSTANCE_A_PORT_PARITY, cfg->port_parity) ||
	    nla_put_u8(msg, CONENAT_INSTANCE_A_HAIRPIN, cfg->hairpin) ||
	    nla_put_u8(msg, CONENAT_INSTANCE_A_HAIRPIN_FILTER,
		       cfg->hairpin_filter) ||
	    nla_put_u8(msg, CONENAT_INSTANCE_A_INBOUND_REFRESH,
		       cfg->inbound_refresh) ||
	    nla_put_u32(msg, CONENAT_INSTANCE_A_UDP_TIMEOUT, cfg->udp_timeout) ||
	    nla_put_u32(msg, CONENAT_INSTANCE_A_AGE,
			conenat_now() - inst->created) ||
	    nla_put_u32(msg, CONENAT_INSTANCE_A_MAX_PER_HOST, cfg->max_per_host) ||
	    nla_put_u32(msg, CONENAT_INSTANCE_A_TCP_TIMEOUT, cfg->tcp_timeout) ||
	    nla_put_u32(msg, CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT,
			cfg->tcp_transitory_timeout) ||
	    nla_put_u32(msg, CONENAT_INSTANCE_A_ICMP_TIMEOUT, cfg->icmp_timeout) ||
	    nla_put_u32(msg, CONENAT_INSTANCE_A_MAX_PEERS, cfg->max_peers) ||
	    nla_put_u32(msg, CONENAT_INSTANCE_A_HOLD_DOWN, cfg->hold_down) ||
	    nla_put_u32(msg, CONENAT_INSTANCE_A_MAPPINGS,
			atomic_read(&inst->nmappings)) ||
	    conenat_put_stats(msg, inst)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int conenat_nl_get_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct conenat_instance *inst;
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, CONENAT_INSTANCE_A_NAME)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "which instance? (NAME, or dump them all)");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&cn->config_lock);
	inst = conenat_nl_instance(cn, info->attrs[CONENAT_INSTANCE_A_NAME],
				   info->extack);
	err = inst ? conenat_fill_instance(msg, inst, info->snd_portid,
					   info->snd_seq, 0) : -ENOENT;
	mutex_unlock(&cn->config_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int conenat_nl_dump_instances(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	struct conenat_net *cn = conenat_pernet(sock_net(skb->sk));
	struct conenat_instance *inst;
	long idx = 0, start = cb->args[0];

	mutex_lock(&cn->config_lock);
	list_for_each_entry(inst, &cn->instances, list) {
		if (idx++ < start)
			continue;
		if (conenat_fill_instance(skb, inst,
					  NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, NLM_F_MULTI)) {
			idx--;
			break;
		}
	}
	mutex_unlock(&cn->config_lock);
	cb->args[0] = idx;
	return skb->len;
}

/* -------------------------------------------------------------- mappings */

/* What a mapping and a permit of it both carry: the mapping's endpoints. */
static int conenat_put_endpoints(struct sk_buff *msg,
				 const struct conenat_instance *inst,
				 const struct conenat_mapping *m)
{
	if (nla_put_string(msg, CONENAT_MAPPING_A_INSTANCE, inst->name) ||
	    nla_put_u8(msg, CONENAT_MAPPING_A_PROTO, m->ik.proto) ||
	    nla_put_be32(msg, CONENAT_MAPPING_A_INT_ADDR, m->ik.addr) ||
	    nla_put_be16(msg, CONENAT_MAPPING_A_INT_PORT, m->ik.port) ||
	    nla_put_be32(msg, CONENAT_MAPPING_A_EXT_ADDR, m->ek.addr) ||
	    nla_put_be16(msg, CONENAT_MAPPING_A_EXT_PORT, m->ek.port))
		return -EMSGSIZE;
	return 0;
}

/*
 * Seconds a mapping has left. A dynamic one's timer moves with the packets
 * of its conntrack entries, which the expiry wheel reads only now and then:
 * a request reads them now. The caller holds the mapping (a reference, or
 * rcu_read_lock()).
 */
static s32 conenat_mapping_left(const struct conenat_instance *inst,
				const struct conenat_mapping *m, u8 event)
{
	struct conenat_visit v = { .cn = inst->cn, .now = conenat_now() };
	u32 end = READ_ONCE(m->expires);

	if (!event && !(atomic_read(&m->state) & CONENAT_M_STATIC)) {
		rcu_read_lock();
		conenat_ct_peek(m, conenat_cfg(inst), &v);
		end = conenat_ct_until(m, conenat_cfg(inst), &v, end);
		rcu_read_unlock();
	}
	return end - v.now;
}

static int conenat_fill_mapping(struct sk_buff *msg,
				const struct conenat_instance *inst,
				const struct conenat_mapping *m, u8 cmd,
				u8 event, u32 portid, u32 seq, int flags)
{
	s32 left = conenat_mapping_left(inst, m, event);
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &conenat_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (conenat_put_endpoints(msg, inst, m) ||
	    nla_put_u8(msg, CONENAT_MAPPING_A_ORIGIN, conenat_mapping_origin(m)))
		goto err_cancel;
	if (m->ik.raddr &&
	    nla_put_be32(msg, CONENAT_MAPPING_A_REMOTE_ADDR, m->ik.raddr))
		goto err_cancel;
	if (m->ik.rport &&
	    nla_put_be16(msg, CONENAT_MAPPING_A_REMOTE_PORT, m->ik.rport))
		goto err_cancel;
	if (!(atomic_read(&m->state) & CONENAT_M_PERMANENT) &&
	    nla_put_u32(msg, CONENAT_MAPPING_A_EXPIRES,
			left > 0 ? left : 0))
		goto err_cancel;
	if (event && nla_put_u8(msg, CONENAT_MAPPING_A_EVENT, event))
		goto err_cancel;
	if ((atomic_read(&m->state) & CONENAT_M_FILTERED) &&
	    nla_put_u8(msg, CONENAT_MAPPING_A_FILTERED, 1))
		goto err_cancel;
	genlmsg_end(msg, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/**
 * conenat_event_mapping() - announce a mapping event to listeners
 * @inst: the mapping's instance
 * @m: the mapping
 * @event: enum conenat_event
 *
 * Safe in softirq context; builds nothing when nobody listens.
 */
void conenat_event_mapping(const struct conenat_instance *inst,
			   const struct conenat_mapping *m, u8 event)
{
	struct net *net = inst->cn->net;
	struct sk_buff *msg;

	if (!conenat_events_wanted(net))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	if (conenat_fill_mapping(msg, inst, m, CONENAT_CMD_MAPPING_EVENT, event,
				 0, 0, 0)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&conenat_genl_family, net, msg, 0, 0,
				GFP_ATOMIC);
}

/**
 * conenat_event_exhausted() - announce a flow dropped for want of a port
 * @inst: the instance
 * @ik: the internal endpoint that got no mapping
 */
void conenat_event_exhausted(const struct conenat_instance *inst,
			     const struct conenat_int_key *ik)
{
	struct net *net = inst->cn->net;
	struct sk_buff *msg;
	void *hdr;

	if (!conenat_events_wanted(net))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &conenat_genl_family, 0,
			  CONENAT_CMD_EXHAUSTED_EVENT);
	if (!hdr ||
	    nla_put_string(msg, CONENAT_MAPPING_A_INSTANCE, inst->name) ||
	    nla_put_u8(msg, CONENAT_MAPPING_A_PROTO, ik->proto) ||
	    nla_put_be32(msg, CONENAT_MAPPING_A_INT_ADDR, ik->addr) ||
	    nla_put_be16(msg, CONENAT_MAPPING_A_INT_PORT, ik->port)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&conenat_genl_family, net, msg, 0, 0,
				GFP_ATOMIC);
}

/**
 * conenat_event_peer_limit() - announce a remote a peer cap kept out
 * @inst: the mapping's instance
 * @m: the mapping whose filter could not record the remote
 * @raddr: the remote's address
 * @rport: the remote's port, 0 when the filter judges by address
 *
 * Sent once per mapping, by the caller. Safe in softirq context.
 */
void conenat_event_peer_limit(const struct conenat_instance *inst,
			      const struct conenat_mapping *m, __be32 raddr,
			      __be16 rport)
{
	struct net *net = inst->cn->net;
	struct sk_buff *msg;
	void *hdr;

	if (!conenat_events_wanted(net))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &conenat_genl_family, 0,
			  CONENAT_CMD_PEER_LIMIT_EVENT);
	if (!hdr ||
	    nla_put_string(msg, CONENAT_MAPPING_A_INSTANCE, inst->name) ||
	    nla_put_u8(msg, CONENAT_MAPPING_A_PROTO, m->ik.proto) ||
	    nla_put_be32(msg, CONENAT_MAPPING_A_INT_ADDR, m->ik.addr) ||
	    nla_put_be16(msg, CONENAT_MAPPING_A_INT_PORT, m->ik.port) ||
	    nla_put_be32(msg, CONENAT_MAPPING_A_EXT_ADDR, m->ek.addr) ||
	    nla_put_be16(msg, CONENAT_MAPPING_A_EXT_PORT, m->ek.port) ||
	    nla_put_be32(msg, CONENAT_MAPPING_A_REMOTE_ADDR, raddr) ||
	    nla_put_be16(msg, CONENAT_MAPPING_A_REMOTE_PORT, rport)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&conenat_genl_family, net, msg, 0, 0,
				GFP_ATOMIC);
}

/* Common checks of mapping requests: the instance and the protocol. */
static struct conenat_instance *conenat_nl_mapping_inst(struct conenat_net *cn,
							struct genl_info *info)
{
	struct nlattr **tb = info->attrs;

	if (GENL_REQ_ATTR_CHECK(info, CONENAT_MAPPING_A_INSTANCE) ||
	    GENL_REQ_ATTR_CHECK(info, CONENAT_MAPPING_A_PROTO)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "a mapping needs an instance and a protocol");
		return ERR_PTR(-EINVAL);
	}
	if (nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]) != IPPROTO_UDP &&
	    nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]) != IPPROTO_TCP) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[CONENAT_MAPPING_A_PROTO],
				    "mappings are made for udp or tcp");
		return ERR_PTR(-EPROTONOSUPPORT);
	}
	return conenat_nl_instance(cn, tb[CONENAT_MAPPING_A_INSTANCE],
				   info->extack) ?: ERR_PTR(-ENOENT);
}

/*
 * The internal endpoint a request names, remote-less: a request's mapping
 * serves every remote of it.
 */
static void conenat_nl_int_key(struct conenat_int_key *ik,
			       const struct conenat_instance *inst,
			       struct genl_info *info)
{
	struct nlattr **tb = info->attrs;

	memset(ik, 0, sizeof(*ik));
	ik->addr = nla_get_be32(tb[CONENAT_MAPPING_A_INT_ADDR]);
	ik->port = nla_get_be16(tb[CONENAT_MAPPING_A_INT_PORT]);
	ik->proto = nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]);
	ik->inst = inst->id;
}

/*
 * An endpoint given as an address and a port attribute. Returns 1 when one
 * of them is missing (the caller says which endpoint it wanted), -EINVAL
 * for port 0, 0 otherwise.
 */
static int conenat_nl_endpoint(struct genl_info *info, int addr_attr,
			       int port_attr)
{
	if (GENL_REQ_ATTR_CHECK(info, addr_attr) ||
	    GENL_REQ_ATTR_CHECK(info, port_attr))
		return 1;
	if (!nla_get_be16(info->attrs[port_attr])) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[port_attr],
				    "port 0 is not an endpoint");
		return -EINVAL;
	}
	return 0;
}

struct conenat_endpoint_arg {
	const struct conenat_instance *inst;
	const struct conenat_int_key *ik;
	bool dynamic_only;
	struct conenat_mapping *found;
	unsigned int removed;
};

static bool conenat_is_endpoint(const struct conenat_mapping *m,
				const struct conenat_endpoint_arg *e)
{
	return m->ik.inst == e->inst->id && m->ik.addr == e->ik->addr &&
	       m->ik.port == e->ik->port && m->ik.proto == e->ik->proto &&
	       conenat_mapping_alive(m);
}

static bool conenat_hold_endpoint(struct conenat_mapping *m, void *arg)
{
	struct conenat_endpoint_arg *e = arg;

	if (!conenat_is_endpoint(m, e) || !conenat_mapping_hold(m))
		return false;
	e->found = m;
	return true;
}

static bool conenat_remove_endpoint(struct conenat_mapping *m, void *arg)
{
	struct conenat_endpoint_arg *e = arg;

	if (conenat_is_endpoint(m, e) &&
	    (!e->dynamic_only || !conenat_mapping_static(m)) &&
	    conenat_mapping_remove(e->inst->cn, m, CONENAT_EVENT_DELETED))
		e->removed++;
	return false;
}

/*
 * Whether @inst keeps more than one mapping per internal endpoint (one per
 * remote), which only a walk can find. Caller holds config_lock.
 */
static bool conenat_nl_per_remote(const struct conenat_instance *inst)
{
	const struct conenat_config *cfg;

	cfg = rcu_dereference_protected(inst->cfg,
					lockdep_is_held(&inst->cn->config_lock));
	return cfg->mapping != CONENAT_ENDPOINT_INDEPENDENT;
}

/*
 * The first live mapping of @inst's internal endpoint @ik, by a walk that
 * yields the CPU and holds no RCU read lock between mappings; only under
 * dependent mapping. Caller holds config_lock and no RCU read lock.
 *
 * Return: the mapping, with a reference for the caller to put, or NULL.
 */
static struct conenat_mapping *
conenat_walk_internal(struct conenat_instance *inst,
		      const struct conenat_int_key *ik)
{
	struct conenat_endpoint_arg e = { .inst = inst, .ik = ik };

	if (!conenat_nl_per_remote(inst))
		return NULL;
	conenat_table_walk(inst->cn, conenat_hold_endpoint, &e, true);
	return e.found;
}

/*
 * Remove the mappings of @inst's internal endpoint @ik kept per remote (a
 * walk, as above; none under endpoint-independent mapping), the static one
 * too unless @dynamic_only. Returns how many went.
 */
static unsigned int conenat_remove_internal(struct conenat_instance *inst,
					    const struct conenat_int_key *ik,
					    bool dynamic_only)
{
	struct conenat_endpoint_arg e = {
		.inst = inst,
		.ik = ik,
		.dynamic_only = dynamic_only,
	};

	if (!conenat_nl_per_remote(inst))
		return 0;
	conenat_table_walk(inst->cn, conenat_remove_endpoint, &e, true);
	return e.removed;
}

/* A live mapping found under rcu_read_lock(), held for the caller. */
static struct conenat_mapping *conenat_nl_hold(struct conenat_instance *inst,
					       struct conenat_mapping *m)
{
	if (m && m->ik.inst == inst->id && conenat_mapping_alive(m) &&
	    conenat_mapping_hold(m))
		return m;
	return NULL;
}

/*
 * The key a request names a mapping by, from its attributes: the external
 * endpoint (@ek, returns 1) or the internal one (@ik, remote-less, returns
 * 0), or a negative errno with the reason in the extack.
 */
static int conenat_nl_mapping_key(struct conenat_instance *inst,
				  struct genl_info *info,
				  struct conenat_ext_key *ek,
				  struct conenat_int_key *ik)
{
	struct nlattr **tb = info->attrs;
	u8 proto = nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]);
	int err;

	if (tb[CONENAT_MAPPING_A_EXT_ADDR] || tb[CONENAT_MAPPING_A_EXT_PORT]) {
		err = conenat_nl_endpoint(info, CONENAT_MAPPING_A_EXT_ADDR,
					  CONENAT_MAPPING_A_EXT_PORT);
		if (err > 0)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "an external endpoint needs an address and a port");
		if (err)
			return err > 0 ? -EINVAL : err;
		memset(ek, 0, sizeof(*ek));
		ek->addr = nla_get_be32(tb[CONENAT_MAPPING_A_EXT_ADDR]);
		ek->port = nla_get_be16(tb[CONENAT_MAPPING_A_EXT_PORT]);
		ek->proto = proto;
		return 1;
	}
	err = conenat_nl_endpoint(info, CONENAT_MAPPING_A_INT_ADDR,
				  CONENAT_MAPPING_A_INT_PORT);
	if (err > 0)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "name the mapping by its internal or external endpoint");
	if (err)
		return err > 0 ? -EINVAL : err;
	memset(ik, 0, sizeof(*ik));
	ik->addr = nla_get_be32(tb[CONENAT_MAPPING_A_INT_ADDR]);
	ik->port = nla_get_be16(tb[CONENAT_MAPPING_A_INT_PORT]);
	ik->proto = proto;
	ik->inst = inst->id;
	return 0;
}

/*
 * The mapping a request names: by external endpoint, or by internal
 * endpoint. By internal endpoint it is one lookup; only under
 * address(-and-port)-dependent mapping, where an internal endpoint has one
 * mapping per remote, does a miss walk the table for one of them. Caller
 * holds config_lock and no RCU read lock.
 *
 * Return: the mapping, with a reference for the caller to put, or ERR_PTR.
 */
static struct conenat_mapping *
conenat_nl_find_mapping(struct conenat_instance *inst, struct genl_info *info)
{
	struct conenat_mapping *m;
	struct conenat_ext_key ek;
	struct conenat_int_key ik;
	int by_ext;

	by_ext = conenat_nl_mapping_key(inst, info, &ek, &ik);
	if (by_ext < 0)
		return ERR_PTR(by_ext);
	rcu_read_lock();
	m = by_ext ? conenat_lookup_ext(inst->cn, &ek) :
		     conenat_lookup_int(inst->cn, &ik);
	m = conenat_nl_hold(inst, m);
	rcu_read_unlock();
	if (!m && !by_ext)
		m = conenat_walk_internal(inst, &ik);
	if (!m) {
		NL_SET_ERR_MSG_MOD(info->extack, "no such mapping");
		return ERR_PTR(-ENOENT);
	}
	return m;
}

/*
 * The origin a NEW_MAPPING asks for: STATIC (the administrator's) unless
 * ORIGIN says a port control server asks for a host (PCP, NATPMP), which
 * needs a LIFETIME; FILTERED only for PCP.
 */
static int conenat_nl_origin(struct genl_info *info, u8 *origin)
{
	struct nlattr **tb = info->attrs;
	struct nlattr *filtered = tb[CONENAT_MAPPING_A_FILTERED];

	if (tb[CONENAT_MAPPING_A_ORIGIN])
		*origin = nla_get_u8(tb[CONENAT_MAPPING_A_ORIGIN]);
	if (*origin != CONENAT_ORIGIN_STATIC &&
	    !tb[CONENAT_MAPPING_A_LIFETIME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[CONENAT_MAPPING_A_ORIGIN],
				    "a mapping granted to a host needs a lifetime");
		return -EINVAL;
	}
	if (filtered && *origin != CONENAT_ORIGIN_PCP) {
		NL_SET_ERR_MSG_ATTR(info->extack, filtered,
				    "only a PCP mapping has a filter");
		return -EINVAL;
	}
	if (filtered && nla_get_u8(filtered))
		*origin = CONENAT_ORIGIN_PCP_FILTERED;
	return 0;
}

static int conenat_nl_new_mapping(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct nlattr **tb = info->attrs;
	struct conenat_ext_key want = {};
	const struct conenat_config *cfg;
	struct conenat_instance *inst;
	struct sk_buff *echo = NULL;
	struct conenat_mapping *m, *granted = NULL;
	u8 origin = CONENAT_ORIGIN_STATIC;
	struct conenat_int_key ik;
	bool replaced = false;
	u32 lifetime = 0;
	int err;

	err = conenat_nl_endpoint(info, CONENAT_MAPPING_A_INT_ADDR,
				  CONENAT_MAPPING_A_INT_PORT);
	if (err > 0)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "a static mapping needs the internal address and port");
	if (err)
		return err > 0 ? -EINVAL : err;
	err = conenat_nl_origin(info, &origin);
	if (err)
		return err;
	if (tb[CONENAT_MAPPING_A_EXT_PORT] &&
	    !nla_get_be16(tb[CONENAT_MAPPING_A_EXT_PORT])) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[CONENAT_MAPPING_A_EXT_PORT],
				    "external port 0 is not an endpoint");
		return -EINVAL;
	}
	if (tb[CONENAT_MAPPING_A_LIFETIME])
		lifetime = nla_get_u32(tb[CONENAT_MAPPING_A_LIFETIME]);
	/* NLM_F_ECHO: the caller wants the mapping made, endpoint chosen */
	if (info->nlhdr->nlmsg_flags & NLM_F_ECHO) {
		echo = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (!echo)
			return -ENOMEM;
	}

	mutex_lock(&cn->config_lock);
	inst = conenat_nl_mapping_inst(cn, info);
	if (IS_ERR(inst)) {
		err = PTR_ERR(inst);
		goto out_unlock;
	}
	cfg = rcu_dereference_protected(inst->cfg,
					lockdep_is_held(&cn->config_lock));
	if (tb[CONENAT_MAPPING_A_EXT_ADDR]) {
		want.addr = nla_get_be32(tb[CONENAT_MAPPING_A_EXT_ADDR]);
		/*
		 * An instance on a device that has no address yet (not up,
		 * or not there) takes the address on trust: the mapping
		 * waits for it, as it does when the address goes away.
		 */
		if (!conenat_is_ext_addr(inst, cfg, want.addr) &&
		    (cfg->ext_min || READ_ONCE(inst->dev_addr) ||
		     !want.addr)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[CONENAT_MAPPING_A_EXT_ADDR],
					    "not an external address of the instance");
			err = -EADDRNOTAVAIL;
			goto out_unlock;
		}
	}
	if (tb[CONENAT_MAPPING_A_EXT_PORT])
		want.port = nla_get_be16(tb[CONENAT_MAPPING_A_EXT_PORT]);

	conenat_nl_int_key(&ik, inst, info);

	rcu_read_lock();
	m = conenat_lookup_int(cn, &ik);
	/*
	 * A host's request takes over the mapping the endpoint has, flows
	 * and all (endpoint-independent mapping: the one its peers know).
	 */
	if (m && origin != CONENAT_ORIGIN_STATIC && conenat_mapping_hold(m)) {
		if (conenat_mapping_grant(inst, m, origin, lifetime))
			granted = m;
		else
			conenat_mapping_put(cn, m);
	}
	if (!granted && m && conenat_mapping_static(m) &&
	    conenat_mapping_alive(m)) {
		rcu_read_unlock();
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the internal endpoint has a static mapping");
		err = -EEXIST;
		goto out_unlock;
	}
	/*
	 * The endpoint's dynamic mappings give way, with their conntrack
	 * entries: the remote-less one, and under dependent mapping the one
	 * per remote (a walk, only then: endpoint-independent mapping keeps
	 * a static add O(1)).
	 */
	if (granted) {
		rcu_read_unlock();
	} else if (m && conenat_mapping_hold(m)) {
		replaced = conenat_mapping_remove(cn, m, CONENAT_EVENT_DELETED);
		rcu_read_unlock();
		conenat_expiry_hurry(cn, m);
		conenat_mapping_put(cn, m);
	} else {
		rcu_read_unlock();
	}
	/* a walk: not for a renewal, which has done it once already */
	if (!granted && conenat_remove_internal(inst, &ik, true)) {
		replaced = true;
		conenat_expiry_sweep(cn);
	}

	rcu_read_lock();
	if (granted)
		m = granted;
	else
		m = conenat_mapping_create(inst, cfg, &ik, &want, origin,
					   lifetime);
	/* what traffic made may go as soon as the read lock does */
	if (!IS_ERR(m) && !conenat_mapping_static(m))
		m = ERR_PTR(-EBUSY);
	/*
	 * Parked on 0.0.0.0: an address that came while it was being made
	 * may have had its walk already; have another.
	 */
	if (!IS_ERR(m) && !m->ek.addr)
		conenat_gc_renumber(cn);
	/* a message of NLMSG_GOODSIZE holds a mapping */
	if (!IS_ERR(m) && echo &&
	    WARN_ON_ONCE(conenat_fill_mapping(echo, inst, m,
					      CONENAT_CMD_GET_MAPPING,
					      0, info->snd_portid,
					      info->snd_seq, 0))) {
		nlmsg_free(echo);
		echo = NULL;
	}
	/* taken over while the expiry wheel was ending it: not granted */
	if (granted && !conenat_mapping_live(granted))
		m = ERR_PTR(-EAGAIN);
	rcu_read_unlock();
	if (IS_ERR(m)) {
		err = PTR_ERR(m);
		if (err == -EADDRINUSE)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "the external endpoint is in use");
		else if (err == -ENOSPC)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "no free external port in the instance's range");
		else if (err == -EADDRNOTAVAIL)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "the instance has no external address yet");
		else if (err == -ENFILE)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "the namespace's mapping table is full");
		else if (err == -EDQUOT)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "the internal host has max-per-host mappings");
		else if (err == -EAGAIN)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "a mapping of the internal endpoint is being removed; try again");
		else if (err == -EBUSY)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "traffic created a mapping at the same time; try again");
		else
			NL_SET_ERR_MSG_MOD(info->extack, "cannot create the mapping");
		goto out_unlock;
	}
	err = 0;
out_unlock:
	/* under the lock: an instance delete waits for no reference after it */
	if (granted)
		conenat_mapping_put(cn, granted);
	mutex_unlock(&cn->config_lock);
	/* the replaced mapping's entries end before the answer */
	if (replaced)
		conenat_expiry_drain(cn);
	if (echo) {
		/*
		 * The mapping is made: a full receive buffer loses the echo,
		 * not the success.
		 */
		if (!err)
			genlmsg_reply(echo, info);
		else
			nlmsg_free(echo);
	}
	return err;
}

static int conenat_nl_del_mapping(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct conenat_instance *inst;
	struct conenat_mapping *m;
	int err = 0;

	mutex_lock(&cn->config_lock);
	inst = conenat_nl_mapping_inst(cn, info);
	if (IS_ERR(inst)) {
		err = PTR_ERR(inst);
		goto out_unlock;
	}
	m = conenat_nl_find_mapping(inst, info);
	if (IS_ERR(m)) {
		err = PTR_ERR(m);
		goto out_unlock;
	}
	conenat_mapping_remove(cn, m, CONENAT_EVENT_DELETED);
	conenat_expiry_hurry(cn, m);
	/* an internal endpoint may have one mapping per remote: all go */
	if (!info->attrs[CONENAT_MAPPING_A_EXT_PORT] &&
	    conenat_remove_internal(inst, &m->ik, false))
		conenat_expiry_sweep(cn);
	conenat_mapping_put(cn, m);
out_unlock:
	mutex_unlock(&cn->config_lock);
	if (!err)
		conenat_expiry_drain(cn);
	return err;
}

static int conenat_nl_get_mapping(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct conenat_instance *inst;
	struct conenat_mapping *m;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&cn->config_lock);
	inst = conenat_nl_mapping_inst(cn, info);
	if (IS_ERR(inst)) {
		err = PTR_ERR(inst);
		goto out_unlock;
	}
	m = conenat_nl_find_mapping(inst, info);
	if (IS_ERR(m)) {
		err = PTR_ERR(m);
	} else {
		err = conenat_fill_mapping(msg, inst, m,
					   CONENAT_CMD_GET_MAPPING, 0,
					   info->snd_portid, info->snd_seq, 0);
		conenat_mapping_put(cn, m);
	}
out_unlock:
	mutex_unlock(&cn->config_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* A dump's state, from .start to .done: a walk of one table, filtered. */
struct conenat_dump {
	struct rhashtable_iter iter;
	char instance[CONENAT_NAME_MAX];
	u8 proto;
	/* puts @obj into @skb if it passes the filters; -EMSGSIZE when full */
	int (*fill)(struct sk_buff *skb, struct netlink_callback *cb,
		    const struct conenat_dump *d, void *obj);
};

static int conenat_nl_dump_start(struct netlink_callback *cb,
				 struct rhashtable *ht,
				 int (*fill)(struct sk_buff *skb,
					     struct netlink_callback *cb,
					     const struct conenat_dump *d,
					     void *obj))
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct conenat_dump *d;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	if (info->attrs[CONENAT_MAPPING_A_INSTANCE])
		nla_strscpy(d->instance, info->attrs[CONENAT_MAPPING_A_INSTANCE],
			    sizeof(d->instance));
	if (info->attrs[CONENAT_MAPPING_A_PROTO])
		d->proto = nla_get_u8(info->attrs[CONENAT_MAPPING_A_PROTO]);
	d->fill = fill;
	rhashtable_walk_enter(ht, &d->iter);
	cb->args[0] = (long)d;
	return 0;
}

/*
 * The filters of a dump, checked in its first round: an error from .start
 * loses its extack message on some kernels, one from the dump itself
 * reaches the caller in NLMSG_DONE.
 */
static int conenat_nl_dump_check(struct netlink_callback *cb,
				 const struct conenat_dump *d)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct conenat_net *cn = conenat_pernet(sock_net(cb->skb->sk));
	bool known;

	if (info->attrs[CONENAT_MAPPING_A_PROTO] &&
	    !conenat_proto_mapped(d->proto)) {
		NL_SET_ERR_MSG_ATTR(cb->extack, info->attrs[CONENAT_MAPPING_A_PROTO],
				    "mappings exist for udp, tcp and icmp");
		return -EPROTONOSUPPORT;
	}
	if (!d->instance[0])
		return 0;
	mutex_lock(&cn->config_lock);
	known = conenat_instance_find(cn, d->instance);
	mutex_unlock(&cn->config_lock);
	if (!known) {
		NL_SET_ERR_MSG_ATTR(cb->extack,
				    info->attrs[CONENAT_MAPPING_A_INSTANCE],
				    "no such instance");
		return -ENOENT;
	}
	return 0;
}

static bool conenat_dump_wants(const struct conenat_dump *d,
			       const struct conenat_instance *inst,
			       const struct conenat_mapping *m)
{
	return (!d->instance[0] || !strcmp(d->instance, inst->name)) &&
	       (!d->proto || d->proto == m->ik.proto);
}

static int conenat_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct conenat_dump *d = (struct conenat_dump *)cb->args[0];
	unsigned int off;
	void *obj;
	int err;

	if (!cb->args[1]) {
		err = conenat_nl_dump_check(cb, d);
		if (err)
			return err;
		cb->args[1] = 1;
		/* the dump's generation; a resize of the table starts a new one */
		cb->seq = 1;
	}
	/*
	 * A resize since the last round restarts the walk: entries already
	 * sent may come again, so the next message (or NLMSG_DONE) carries
	 * NLM_F_DUMP_INTR.
	 */
	if (rhashtable_walk_start_check(&d->iter) == -EAGAIN)
		cb->seq++;
	/* the entry that did not fit last time, or the first */
	obj = rhashtable_walk_peek(&d->iter);
	while (obj) {
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) != -EAGAIN)
				break;
			/*
			 * The walk starts over: entries already sent may come
			 * again. The next message (or NLMSG_DONE) carries
			 * NLM_F_DUMP_INTR, so that the caller knows.
			 */
			cb->seq++;
		} else {
			off = skb->len;
			if (d->fill(skb, cb, d, obj))
				break;
			if (skb->len != off)
				nl_dump_check_consistent(cb, (struct nlmsghdr *)
							 (skb->data + off));
		}
		obj = rhashtable_walk_next(&d->iter);
	}
	rhashtable_walk_stop(&d->iter);
	return skb->len;
}

static int conenat_nl_dump_done(struct netlink_callback *cb)
{
	struct conenat_dump *d = (struct conenat_dump *)cb->args[0];

	if (d) {
		rhashtable_walk_exit(&d->iter);
		kfree(d);
	}
	return 0;
}

static int conenat_dump_mapping(struct sk_buff *skb,
				struct netlink_callback *cb,
				const struct conenat_dump *d, void *obj)
{
	struct conenat_net *cn = conenat_pernet(sock_net(cb->skb->sk));
	struct conenat_mapping *m = obj;
	struct conenat_instance *inst = conenat_minst(cn, m);

	if (!conenat_dump_wants(d, inst, m) || !conenat_mapping_alive(m))
		return 0;
	return conenat_fill_mapping(skb, inst, m, CONENAT_CMD_GET_MAPPING, 0,
				    NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI);
}

static int conenat_nl_dump_mappings_start(struct netlink_callback *cb)
{
	struct conenat_net *cn = conenat_pernet(sock_net(cb->skb->sk));

	return conenat_nl_dump_start(cb, &cn->int_table, conenat_dump_mapping);
}

static int conenat_nl_flush_mappings(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct conenat_instance *inst = NULL;
	struct nlattr *name = info->attrs[CONENAT_MAPPING_A_INSTANCE];
	int err = 0;

	mutex_lock(&cn->config_lock);
	if (name) {
		inst = conenat_nl_instance(cn, name, info->extack);
		if (!inst)
			err = -ENOENT;
	}
	if (!err && conenat_flush(cn, inst, false))
		conenat_expiry_drain(cn);
	mutex_unlock(&cn->config_lock);
	return err;
}

/*
 * The internal endpoint and the remote a permit request names. Returns the
 * remote port (0: any) through @rport.
 */
static int conenat_nl_permit_key(struct genl_info *info, __be16 *rport)
{
	struct nlattr **tb = info->attrs;
	int err;

	err = conenat_nl_endpoint(info, CONENAT_MAPPING_A_INT_ADDR,
				  CONENAT_MAPPING_A_INT_PORT);
	if (err > 0)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "a permit needs the internal address and port");
	if (err)
		return err > 0 ? -EINVAL : err;
	if (GENL_REQ_ATTR_CHECK(info, CONENAT_MAPPING_A_REMOTE_ADDR)) {
		NL_SET_ERR_MSG_MOD(info->extack, "a permit needs a remote address");
		return -EINVAL;
	}
	if (!nla_get_be32(tb[CONENAT_MAPPING_A_REMOTE_ADDR])) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[CONENAT_MAPPING_A_REMOTE_ADDR],
				    "a permit names one remote address, not 0.0.0.0");
		return -EINVAL;
	}
	*rport = 0;
	if (tb[CONENAT_MAPPING_A_REMOTE_PORT])
		*rport = nla_get_be16(tb[CONENAT_MAPPING_A_REMOTE_PORT]);
	return 0;
}

/*
 * Address-dependent filtering judges by address: its permits have no port.
 * A filter a host asked for by PCP names ports, whatever the instance's.
 */
static __be16 conenat_permit_port(const struct conenat_mapping *m,
				  const struct conenat_config *cfg,
				  __be16 rport)
{
	return conenat_mapping_filtering(m, cfg->filtering) ==
	       CONENAT_ADDRESS_DEPENDENT ? 0 : rport;
}

static int conenat_nl_new_permit(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct nlattr **tb = info->attrs;
	const struct conenat_config *cfg;
	struct conenat_instance *inst;
	struct conenat_int_key ik, fk;
	struct sk_buff *echo = NULL;
	struct conenat_mapping *m;
	__be32 raddr;
	__be16 rport;
	u32 lifetime = 0;
	int err;

	err = conenat_nl_permit_key(info, &rport);
	if (err)
		return err;
	raddr = nla_get_be32(tb[CONENAT_MAPPING_A_REMOTE_ADDR]);
	if (tb[CONENAT_MAPPING_A_LIFETIME])
		lifetime = nla_get_u32(tb[CONENAT_MAPPING_A_LIFETIME]);
	/* NLM_F_ECHO: the mapping the flow to the remote uses (PCP's PEER) */
	if (info->nlhdr->nlmsg_flags & NLM_F_ECHO) {
		echo = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (!echo)
			return -ENOMEM;
	}

	mutex_lock(&cn->config_lock);
	inst = conenat_nl_mapping_inst(cn, info);
	if (IS_ERR(inst)) {
		err = PTR_ERR(inst);
		goto out_unlock;
	}
	cfg = rcu_dereference_protected(inst->cfg,
					lockdep_is_held(&cn->config_lock));
	conenat_nl_int_key(&ik, inst, info);

	rcu_read_lock();
	m = NULL;
	if (echo) {
		/*
		 * PCP's PEER: under dependent mapping, a flow to the remote
		 * that is under way has a mapping of its own; the permit goes
		 * there, where the remote's packets arrive.
		 */
		conenat_make_int_key(&fk, inst, cfg, ik.proto, ik.addr, ik.port,
				     raddr, rport);
		if (fk.raddr || fk.rport) {
			m = conenat_lookup_int(cn, &fk);
			if (m && !conenat_mapping_alive(m))
				m = NULL;
		}
	}
	if (!m)
		m = conenat_lookup_int(cn, &ik);
	if (!m || !conenat_mapping_alive(m)) {
		/* the mapping the internal endpoint will use for everyone */
		m = conenat_mapping_create(inst, cfg, &ik, NULL,
					   CONENAT_ORIGIN_DYNAMIC,
					   conenat_proto_timeout(cfg, ik.proto));
	}
	if (IS_ERR(m)) {
		err = PTR_ERR(m);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "cannot create a mapping for the internal endpoint");
	} else {
		/* the mapping lives at least as long as its permit */
		conenat_mapping_refresh(m, max(lifetime,
					       conenat_proto_timeout(cfg, ik.proto)));
		err = conenat_peer_permit(cn, m, cfg, raddr,
					  conenat_permit_port(m, cfg, rport),
					  lifetime);
		if (err == -ENOSPC)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "peer limit reached (max-peers of the instance or the namespace)");
		else if (err)
			NL_SET_ERR_MSG_MOD(info->extack, "cannot record the permit");
	}
	/* a message of NLMSG_GOODSIZE holds a mapping */
	if (!err && echo) {
		if (WARN_ON_ONCE(conenat_fill_mapping(echo, inst, m,
						      CONENAT_CMD_GET_MAPPING,
						      0, info->snd_portid,
						      info->snd_seq, 0))) {
			nlmsg_free(echo);
			echo = NULL;
		}
	}
	rcu_read_unlock();
out_unlock:
	mutex_unlock(&cn->config_lock);
	if (echo) {
		/* the permit is made: a full receive buffer loses the echo */
		if (!err)
			genlmsg_reply(echo, info);
		else
			nlmsg_free(echo);
	}
	return err;
}

/*
 * Delete the permit for @raddr:@rport on the live mapping of @ik: as
 * named, else as address-dependent filtering keeps it (a static mapping
 * keeps its permits through a change of filtering, by the port they were
 * given). Caller holds rcu_read_lock() and the config lock.
 */
static int conenat_nl_permit_del_at(struct conenat_net *cn,
				    const struct conenat_config *cfg,
				    const struct conenat_int_key *ik,
				    __be32 raddr, __be16 rport)
{
	struct conenat_mapping *m = conenat_lookup_int(cn, ik);
	int err;

	if (!m || !conenat_mapping_live(m))
		return -ENOENT;
	err = conenat_permit_del(cn, m, raddr, rport);
	if (err == -ENOENT && rport &&
	    cfg->filtering == CONENAT_ADDRESS_DEPENDENT)
		err = conenat_permit_del(cn, m, raddr, 0);
	return err;
}

static int conenat_nl_del_permit(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	const struct conenat_config *cfg;
	struct nlattr **tb = info->attrs;
	struct conenat_instance *inst;
	struct conenat_int_key ik, fk;
	__be32 raddr;
	__be16 rport;
	int err;

	err = conenat_nl_permit_key(info, &rport);
	if (err)
		return err;
	if (tb[CONENAT_MAPPING_A_LIFETIME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[CONENAT_MAPPING_A_LIFETIME],
				    "deleting a permit takes no lifetime");
		return -EINVAL;
	}

	mutex_lock(&cn->config_lock);
	inst = conenat_nl_mapping_inst(cn, info);
	if (IS_ERR(inst)) {
		err = PTR_ERR(inst);
		goto out_unlock;
	}
	cfg = rcu_dereference_protected(inst->cfg,
					lockdep_is_held(&cn->config_lock));
	conenat_nl_int_key(&ik, inst, info);
	raddr = nla_get_be32(tb[CONENAT_MAPPING_A_REMOTE_ADDR]);
	/*
	 * The internal endpoint's permit for the remote, wherever it is: on
	 * the mapping of the endpoint, and, under dependent mapping, on the
	 * mapping of its flow to the remote, where NEW_PERMIT with
	 * NLM_F_ECHO (PCP's PEER) puts it.
	 */
	conenat_make_int_key(&fk, inst, cfg, ik.proto, ik.addr, ik.port,
			     raddr, rport);
	rcu_read_lock();
	err = conenat_nl_permit_del_at(cn, cfg, &ik, raddr, rport);
	if ((fk.raddr || fk.rport) &&
	    !conenat_nl_permit_del_at(cn, cfg, &fk, raddr, rport))
		err = 0;
	rcu_read_unlock();
	if (err)
		NL_SET_ERR_MSG_MOD(info->extack, "no such permit");
out_unlock:
	mutex_unlock(&cn->config_lock);
	return err;
}

static int conenat_fill_permit(struct sk_buff *msg,
			       const struct conenat_instance *inst,
			       const struct conenat_permit_view *v,
			       u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &conenat_genl_family, flags,
			  CONENAT_CMD_GET_PERMIT);
	if (!hdr)
		return -EMSGSIZE;
	if (conenat_put_endpoints(msg, inst, v->m) ||
	    nla_put_be32(msg, CONENAT_MAPPING_A_REMOTE_ADDR, v->raddr))
		goto err_cancel;
	if (v->rport &&
	    nla_put_be16(msg, CONENAT_MAPPING_A_REMOTE_PORT, v->rport))
		goto err_cancel;
	if (v->timed &&
	    nla_put_u32(msg, CONENAT_MAPPING_A_EXPIRES, v->expires))
		goto err_cancel;
	genlmsg_end(msg, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

static int conenat_dump_permit(struct sk_buff *skb,
			       struct netlink_callback *cb,
			       const struct conenat_dump *d, void *obj)
{
	struct conenat_net *cn = conenat_pernet(sock_net(cb->skb->sk));
	struct conenat_instance *inst;
	struct conenat_permit_view v;

	if (!conenat_peer_as_permit(cn, obj, &v))
		return 0;
	inst = conenat_minst(cn, v.m);
	if (!conenat_dump_wants(d, inst, v.m))
		return 0;
	return conenat_fill_permit(skb, inst, &v, NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI);
}

static int conenat_nl_dump_permits_start(struct netlink_callback *cb)
{
	struct conenat_net *cn = conenat_pernet(sock_net(cb->skb->sk));

	return conenat_nl_dump_start(cb, &cn->peer_table, conenat_dump_permit);
}

static int conenat_nl_flush_permits(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct nlattr *name = info->attrs[CONENAT_MAPPING_A_INSTANCE];
	struct conenat_instance *inst = NULL;
	int err = 0;

	mutex_lock(&cn->config_lock);
	if (name) {
		inst = conenat_nl_instance(cn, name, info->extack);
		if (!inst)
			err = -ENOENT;
	}
	if (!err)
		conenat_permits_flush(cn, inst);
	mutex_unlock(&cn->config_lock);
	return err;
}

/* ---------------------------------------------------------------- limits */

static int conenat_nl_get_limits(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);
	struct conenat_instance *inst;
	struct sk_buff *msg;
	u32 instances = 0;
	void *hdr;

	msg = genlmsg_new(6 * nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &conenat_genl_family, 0,
				CONENAT_CMD_GET_LIMITS);
	if (!hdr)
		goto err_free_msg;
	mutex_lock(&cn->config_lock);
	list_for_each_entry(inst, &cn->instances, list)
		instances++;
	mutex_unlock(&cn->config_lock);
	if (nla_put_u32(msg, CONENAT_LIMITS_A_MAX_MAPPINGS,
			READ_ONCE(cn->max_mappings)) ||
	    nla_put_u32(msg, CONENAT_LIMITS_A_MAPPINGS,
			atomic_read(&cn->nmappings)) ||
	    nla_put_u32(msg, CONENAT_LIMITS_A_INSTANCES, instances) ||
	    nla_put_u32(msg, CONENAT_LIMITS_A_MAX_PEERS,
			READ_ONCE(cn->max_peers)) ||
	    nla_put_u32(msg, CONENAT_LIMITS_A_PEERS, atomic_read(&cn->npeers)) ||
	    nla_put_u32(msg, CONENAT_LIMITS_A_BUCKETS, conenat_table_buckets(cn)))
		goto err_free_msg;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int conenat_nl_set_limits(struct sk_buff *skb, struct genl_info *info)
{
	struct conenat_net *cn = conenat_info_cn(info);

	struct nlattr **tb = info->attrs;

	if (!tb[CONENAT_LIMITS_A_MAX_MAPPINGS] && !tb[CONENAT_LIMITS_A_MAX_PEERS]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "which limit? (MAX_MAPPINGS, MAX_PEERS)");
		return -EINVAL;
	}
	/* existing mappings and peers stay, also above a lowered cap */
	if (tb[CONENAT_LIMITS_A_MAX_MAPPINGS])
		WRITE_ONCE(cn->max_mappings,
			   nla_get_u32(tb[CONENAT_LIMITS_A_MAX_MAPPINGS]));
	if (tb[CONENAT_LIMITS_A_MAX_PEERS])
		WRITE_ONCE(cn->max_peers,
			   nla_get_u32(tb[CONENAT_LIMITS_A_MAX_PEERS]));
	return 0;
}

/* ----------------------------------------------------------------- family */

#define CONENAT_OP(_cmd, _doit, _set, _flags) \
	{ \
		.cmd = (_cmd), \
		.doit = (_doit), \
		.policy = conenat_##_set##_policy, \
		.maxattr = ARRAY_SIZE(conenat_##_set##_policy) - 1, \
		.flags = GENL_UNS_ADMIN_PERM | (_flags), \
	}

static const struct genl_ops conenat_genl_ops[] = {
	CONENAT_OP(CONENAT_CMD_GET_INFO, conenat_nl_get_info, info, 0),
	CONENAT_OP(CONENAT_CMD_NEW_INSTANCE, conenat_nl_new_instance,
		   instance, 0),
	CONENAT_OP(CONENAT_CMD_SET_INSTANCE, conenat_nl_set_instance,
		   instance, 0),
	CONENAT_OP(CONENAT_CMD_DEL_INSTANCE, conenat_nl_del_instance,
		   instance, 0),
	{
		.cmd = CONENAT_CMD_GET_INSTANCE,
		.doit = conenat_nl_get_instance,
		.dumpit = conenat_nl_dump_instances,
		.policy = conenat_instance_policy,
		.maxattr = CONENAT_INSTANCE_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	CONENAT_OP(CONENAT_CMD_NEW_MAPPING, conenat_nl_new_mapping,
		   mapping, 0),
	CONENAT_OP(CONENAT_CMD_DEL_MAPPING, conenat_nl_del_mapping,
		   mapping, 0),
	{
		.cmd = CONENAT_CMD_GET_MAPPING,
		.doit = conenat_nl_get_mapping,
		.start = conenat_nl_dump_mappings_start,
		.dumpit = conenat_nl_dump,
		.done = conenat_nl_dump_done,
		.policy = conenat_mapping_policy,
		.maxattr = CONENAT_MAPPING_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	CONENAT_OP(CONENAT_CMD_FLUSH_MAPPINGS, conenat_nl_flush_mappings,
		   mapping, 0),
	CONENAT_OP(CONENAT_CMD_NEW_PERMIT, conenat_nl_new_permit, mapping, 0),
	CONENAT_OP(CONENAT_CMD_DEL_PERMIT, conenat_nl_del_permit, mapping, 0),
	{
		.cmd = CONENAT_CMD_GET_PERMIT,
		.start = conenat_nl_dump_permits_start,
		.dumpit = conenat_nl_dump,
		.done = conenat_nl_dump_done,
		.policy = conenat_mapping_policy,
		.maxattr = CONENAT_MAPPING_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	CONENAT_OP(CONENAT_CMD_FLUSH_PERMITS, conenat_nl_flush_permits,
		   mapping, 0),
	CONENAT_OP(CONENAT_CMD_GET_LIMITS, conenat_nl_get_limits, limits, 0),
	CONENAT_OP(CONENAT_CMD_SET_LIMITS, conenat_nl_set_limits, limits, 0),
};

static struct genl_family conenat_genl_family __ro_after_init = {
	.name = CONENAT_GENL_NAME,
	.version = CONENAT_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = conenat_genl_ops,
	.n_ops = ARRAY_SIZE(conenat_genl_ops),
#if CONENAT_HAVE_EVENTS
	.mcgrps = conenat_mcgrps,
	.n_mcgrps = ARRAY_SIZE(conenat_mcgrps),
#endif
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
