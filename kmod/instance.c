// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: instances, and following their external device.
 *
 * An instance is found by the packet path through the namespace's by-device
 * hash (RCU; changed only under RTNL, so the device notifiers and instance
 * creation agree on which device an instance is bound to). Its configuration
 * is an RCU pointer to an immutable struct conenat_config.
 */
#include <linux/delay.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "conenat.h"

static unsigned int conenat_dev_hash(int ifindex)
{
	return (unsigned int)ifindex % CONENAT_DEV_BUCKETS;
}

/**
 * conenat_instance_defaults() - fill a configuration with the defaults
 * @cfg: the configuration
 *
 * Restricted cone (endpoint-independent mapping, address-dependent
 * filtering), following the device's address, ports 1024-65535, port
 * preservation and hairpinning on, timers of 300 s for UDP, 7440 s for
 * established TCP, 240 s for transitory TCP and 60 s for ICMP echo.
 */
void conenat_instance_defaults(struct conenat_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mapping = CONENAT_ENDPOINT_INDEPENDENT;
	cfg->filtering = CONENAT_ADDRESS_DEPENDENT;
	cfg->port_preservation = true;
	cfg->hairpin = true;
	cfg->port_min = CONENAT_DEFAULT_PORT_MIN;
	cfg->port_max = CONENAT_DEFAULT_PORT_MAX;
	cfg->udp_timeout = CONENAT_DEFAULT_UDP_TIMEOUT;
	cfg->tcp_timeout = CONENAT_DEFAULT_TCP_TIMEOUT;
	cfg->tcp_transitory_timeout = CONENAT_DEFAULT_TCP_TRANSITORY_TIMEOUT;
	cfg->icmp_timeout = CONENAT_DEFAULT_ICMP_TIMEOUT;
	cfg->max_peers = CONENAT_DEFAULT_MAX_PEERS;
	cfg->hold_down = CONENAT_DEFAULT_HOLD_DOWN;
}

/**
 * conenat_instance_by_dev() - the instance whose external device this is
 * @cn: the namespace's state
 * @ifindex: the device
 *
 * Caller holds rcu_read_lock() or RTNL.
 *
 * Return: the instance or NULL.
 */
struct conenat_instance *conenat_instance_by_dev(struct conenat_net *cn,
						 int ifindex)
{
	struct conenat_instance *inst;

	hlist_for_each_entry_rcu(inst, &cn->by_dev[conenat_dev_hash(ifindex)],
				 dev_node, lockdep_rtnl_is_held())
		if (READ_ONCE(inst->ifindex) == ifindex)
			return inst;
	return NULL;
}

/*
 * The instance on device @ifname, present or awaited. Caller holds
 * config_lock, which serialises additions.
 */
static struct conenat_instance *
conenat_instance_by_ifname(struct conenat_net *cn, const char *ifname)
{
	struct conenat_instance *inst;

	list_for_each_entry(inst, &cn->instances, list)
		if (!strcmp(inst->ifname, ifname))
			return inst;
	return NULL;
}

/**
 * conenat_instance_find() - an instance by name
 * @cn: the namespace's state
 * @name: the name
 *
 * Caller holds config_lock.
 *
 * Return: the instance or NULL.
 */
struct conenat_instance *conenat_instance_find(struct conenat_net *cn,
					       const char *name)
{
	struct conenat_instance *inst;

	list_for_each_entry(inst, &cn->instances, list)
		if (!strcmp(inst->name, name))
			return inst;
	return NULL;
}

/**
 * conenat_is_internal() - whether traffic from @addr is translated
 * @inst: the instance
 * @cfg: its configuration
 * @addr: the source address
 *
 * Without internal prefixes, every source except the instance's own
 * external addresses is internal.
 *
 * Return: true for an internal source.
 */
bool conenat_is_internal(const struct conenat_instance *inst,
			 const struct conenat_config *cfg, __be32 addr)
{
	int i;

	if (!cfg->nprefixes)
		return !conenat_is_ext_addr(inst, cfg, addr);
	for (i = 0; i < cfg->nprefixes; i++)
		if ((addr & cfg->prefixes[i].mask) == cfg->prefixes[i].addr)
			return true;
	return false;
}

/**
 * conenat_is_ext_addr() - whether @addr is one of the instance's external
 * addresses
 * @inst: the instance
 * @cfg: its configuration
 * @addr: the address
 *
 * Return: true if it is.
 */
bool conenat_is_ext_addr(const struct conenat_instance *inst,
			 const struct conenat_config *cfg, __be32 addr)
{
	u32 a = ntohl(addr);

	if (!cfg->ext_min)
		return addr && addr == READ_ONCE(inst->dev_addr);
	return a >= ntohl(cfg->ext_min) && a <= ntohl(cfg->ext_max);
}

/**
 * conenat_make_int_key() - the internal key of a flow under the instance's
 * mapping behaviour
 * @ik: the key to fill
 * @inst: the instance
 * @cfg: its configuration
 * @proto: the IP protocol
 * @addr: internal address
 * @port: internal port
 * @raddr: remote address
 * @rport: remote port
 */
void conenat_make_int_key(struct conenat_int_key *ik,
			  const struct conenat_instance *inst,
			  const struct conenat_config *cfg, u8 proto,
			  __be32 addr, __be16 port, __be32 raddr, __be16 rport)
{
	memset(ik, 0, sizeof(*ik));
	ik->addr = addr;
	ik->port = port;
	ik->proto = proto;
	ik->inst = inst->id;
	if (cfg->mapping != CONENAT_ENDPOINT_INDEPENDENT)
		ik->raddr = raddr;
	if (cfg->mapping == CONENAT_ADDRESS_PORT_DEPENDENT)
		ik->rport = rport;
}

/* The device's primary IPv4 address, or 0. Caller holds RTNL. */
static __be32 conenat_dev_primary(struct net_device *dev)
{
	struct in_device *in_dev = __in_dev_get_rtnl(dev);
	const struct in_ifaddr *ifa;

	if (!in_dev)
		return 0;
	in_dev_for_each_ifa_rtnl(ifa, in_dev)
		if (!(ifa->ifa_flags & IFA_F_SECONDARY))
			return ifa->ifa_local;
	return 0;
}

/* Bind @inst to @dev. Caller holds RTNL. */
static void conenat_bind_dev(struct conenat_instance *inst,
			     struct net_device *dev)
{
	struct conenat_net *cn = inst->cn;

	WRITE_ONCE(inst->ifindex, dev->ifindex);
	WRITE_ONCE(inst->dev_addr, conenat_dev_primary(dev));
	hlist_add_head_rcu(&inst->dev_node,
			   &cn->by_dev[conenat_dev_hash(dev->ifindex)]);
}

/* Caller holds RTNL. */
static void conenat_unbind_dev(struct conenat_instance *inst)
{
	if (!inst->ifindex)
		return;
	hlist_del_init_rcu(&inst->dev_node);
	WRITE_ONCE(inst->ifindex, 0);
	WRITE_ONCE(inst->dev_addr, 0);
}

static void conenat_instance_free_rcu(struct rcu_head *head)
{
	struct conenat_instance *inst =
		container_of(head, struct conenat_instance, rcu);

	kfree(rcu_dereference_protected(inst->cfg, 1));
	free_percpu(inst->stats);
	kfree(inst);
}

/**
 * conenat_instance_new() - create and publish an instance
 * @cn: the namespace's state
 * @name: its name
 * @ifname: its external device
 * @cfg: its configuration, taken over on success
 * @extack: where to say why not
 *
 * Caller holds config_lock.
 *
 * Return: the instance or ERR_PTR.
 */
struct conenat_instance *conenat_instance_new(struct conenat_net *cn,
					      const char *name,
					      const char *ifname,
					      struct conenat_config *cfg,
					      struct netlink_ext_ack *extack)
{
	struct conenat_instance *inst;
	struct net_device *dev;
	unsigned long id;
	int err;

	if (conenat_instance_find(cn, name)) {
		NL_SET_ERR_MSG_MOD(extack, "an instance of that name exists");
		return ERR_PTR(-EEXIST);
	}
	id = find_first_zero_bit(cn->inst_ids, CONENAT_MAX_INSTANCES);
	if (id >= CONENAT_MAX_INSTANCES) {
		NL_SET_ERR_MSG_MOD(extack, "too many instances in this namespace");
		return ERR_PTR(-ENOSPC);
	}

	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst)
		return ERR_PTR(-ENOMEM);
	inst->stats = alloc_percpu(struct conenat_stats);
	if (!inst->stats) {
		err = -ENOMEM;
		goto err_free_inst;
	}
	inst->cn = cn;
	inst->id = id;
	strscpy(inst->name, name, sizeof(inst->name));
	strscpy(inst->ifname, ifname, sizeof(inst->ifname));
	atomic_set(&inst->nmappings, 0);
	atomic_set(&inst->nheld, 0);
	inst->created = conenat_now();

	INIT_HLIST_NODE(&inst->dev_node);
	RCU_INIT_POINTER(inst->cfg, cfg);

	if (!cn->hooks_on) {
		err = conenat_hooks_register(cn->net);
		if (err) {
			NL_SET_ERR_MSG_MOD(extack,
					   "cannot register the netfilter hooks (is nf_nat available?)");
			goto err_free_stats;
		}
		WRITE_ONCE(cn->hooks_on, true);
	}

	/*
	 * A device that does not exist yet is waited for: the instance binds
	 * to it when it is registered (conenat_netdev_event()), as it does
	 * when its device comes back.
	 */
	rtnl_lock();
	if (conenat_instance_by_ifname(cn, ifname)) {
		rtnl_unlock();
		NL_SET_ERR_MSG_MOD(extack, "another instance uses that device");
		err = -EBUSY;
		goto err_unreg_hooks;
	}
	dev = __dev_get_by_name(cn->net, ifname);
	/* by an alternative name, the device may be another instance's */
	if (dev && conenat_instance_by_dev(cn, dev->ifindex)) {
		rtnl_unlock();
		NL_SET_ERR_MSG_MOD(extack, "another instance uses that device");
		err = -EBUSY;
		goto err_unreg_hooks;
	}
	/* its mappings name it by number (conenat_minst()) */
	rcu_assign_pointer(cn->insts[id], inst);
	if (dev)
		conenat_bind_dev(inst, dev);
	list_add_tail_rcu(&inst->list, &cn->instances);
	rtnl_unlock();

	__set_bit(id, cn->inst_ids);
	conenat_gc_kick(cn);
	return inst;

err_unreg_hooks:
	if (list_empty(&cn->instances)) {
		conenat_hooks_unregister(cn->net);
		WRITE_ONCE(cn->hooks_on, false);
	}
err_free_stats:
	free_percpu(inst->stats);
err_free_inst:
	kfree(inst);
	return ERR_PTR(err);
}

/**
 * conenat_instance_set_cfg() - publish a new configuration
 * @inst: the instance
 * @cfg: the new configuration, taken over
 *
 * Caller holds config_lock. The old configuration is freed after readers.
 */
void conenat_instance_set_cfg(struct conenat_instance *inst,
			      struct conenat_config *cfg)
{
	struct conenat_config *old;

	old = rcu_replace_pointer(inst->cfg, cfg,
				  lockdep_is_held(&inst->cn->config_lock));
	if (cfg->hold_down < old->hold_down)
		conenat_expiry_shorten(inst->cn, inst,
				       conenat_now() + cfg->hold_down);
	kfree_rcu(old, rcu);
}

/**
 * conenat_instance_del() - remove an instance and everything it translated
 * @inst: the instance
 *
 * Caller holds config_lock.
 */
void conenat_instance_del(struct conenat_instance *inst)
{
	struct conenat_net *cn = inst->cn;
	int i;

	/* No mapping is created once readers that saw it alive are done. */
	WRITE_ONCE(inst->dead, true);
	rtnl_lock();
	conenat_unbind_dev(inst);
	rtnl_unlock();
	list_del_rcu(&inst->list);
	synchronize_net();
	/* the endpoints of the instance's last mappings are released at once */
	conenat_holddown_close(inst);

	/*
	 * No mapping of the instance is created any more, and a walk misses
	 * none that is present throughout, so one pass should leave none.
	 * The instance is freed next: make sure rather than trust that.
	 */
	for (i = 0; atomic_read(&inst->nmappings) && i < 64; i++)
		conenat_flush(cn, inst, false);
	WARN_ON_ONCE(atomic_read(&inst->nmappings));
	/*
	 * The mappings' conntrack entries end, and with them the tables'
	 * references: a mapping counts in its instance until its endpoint
	 * is released. An entry held in a queue keeps its mapping for a
	 * later turn.
	 */
	for (i = 0; i < 8; i++) {
		conenat_expiry_drain(cn);
		if (!atomic_read(&inst->nheld))
			break;
		msleep(20);
	}
	WARN_ON_ONCE(atomic_read(&inst->nheld));
	/*
	 * A reader that found one of its mappings may still ask for the
	 * instance by number: the number goes to no other instance before
	 * such readers are done.
	 */
	synchronize_rcu();
	RCU_INIT_POINTER(cn->insts[inst->id], NULL);
	__clear_bit(inst->id, cn->inst_ids);

	if (list_empty(&cn->instances) && cn->hooks_on) {
		conenat_hooks_unregister(cn->net);
		WRITE_ONCE(cn->hooks_on, false);
	}
	/* mappings found before the flush may still be read */
	call_rcu(&inst->rcu, conenat_instance_free_rcu);
}

/* The external device's addresses changed: follow them. */
static int conenat_inetaddr_event(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	const struct in_ifaddr *ifa = ptr;
	struct net_device *dev = ifa->ifa_dev->dev;
	struct conenat_net *cn = conenat_pernet(dev_net(dev));
	struct conenat_instance *inst;
	__be32 addr;

	if (event != NETDEV_UP && event != NETDEV_DOWN)
		return NOTIFY_DONE;
	inst = conenat_instance_by_dev(cn, dev->ifindex);
	if (!inst)
		return NOTIFY_DONE;
	addr = conenat_dev_primary(dev);
	if (addr != READ_ONCE(inst->dev_addr)) {
		WRITE_ONCE(inst->dev_addr, addr);
		/* the GC removes mappings on the old address and the
		 * conntrack entries translated to it
		 */
		conenat_gc_renumber(cn);
	}
	return NOTIFY_DONE;
}

/* The external device went away, or (re)appeared under the instance's
 * device name.
 */
static int conenat_netdev_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct conenat_net *cn = conenat_pernet(dev_net(dev));
	struct conenat_instance *inst;

	switch (event) {
	case NETDEV_UNREGISTER:
	case NETDEV_CHANGENAME:
		inst = conenat_instance_by_dev(cn, dev->ifindex);
		if (inst) {
			conenat_unbind_dev(inst);
			conenat_gc_renumber(cn);
		}
		if (event == NETDEV_UNREGISTER)
			break;
		fallthrough;
	case NETDEV_REGISTER:
		rcu_read_lock();
		list_for_each_entry_rcu(inst, &cn->instances, list) {
			if (!inst->ifindex && !READ_ONCE(inst->dead) &&
			    !strcmp(inst->ifname, dev->name)) {
				conenat_bind_dev(inst, dev);
				conenat_gc_renumber(cn);
				break;
			}
		}
		rcu_read_unlock();
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block conenat_inetaddr_nb = {
	.notifier_call = conenat_inetaddr_event,
};

static struct notifier_block conenat_netdev_nb = {
	.notifier_call = conenat_netdev_event,
};

/**
 * conenat_notifiers_init() - follow devices and their addresses
 *
 * Return: 0 or a negative errno.
 */
int __init conenat_notifiers_init(void)
{
	int err;

	err = register_netdevice_notifier(&conenat_netdev_nb);
	if (err)
		return err;
	err = register_inetaddr_notifier(&conenat_inetaddr_nb);
	if (err)
		unregister_netdevice_notifier(&conenat_netdev_nb);
	return err;
}

/**
 * conenat_notifiers_exit() - stop following devices
 */
void conenat_notifiers_exit(void)
{
	unregister_inetaddr_notifier(&conenat_inetaddr_nb);
	unregister_netdevice_notifier(&conenat_netdev_nb);
}
