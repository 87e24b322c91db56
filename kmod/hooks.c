// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the packet path, for UDP, TCP and ICMP echo.
 *
 * conntrack and nf_nat do the rewriting (checksums, ICMP errors, fragments);
 * conenat decides what the translation of each new flow is. It registers
 * NAT lookup functions with nf_nat, which calls them once per new conntrack
 * entry:
 *  - POST_ROUTING (source NAT): a flow leaving through an instance's device
 *    gets the internal endpoint's mapping, created when there is none;
 *  - PRE_ROUTING (destination NAT): a flow arriving on an instance's device
 *    for one of its external endpoints is let in to the internal endpoint if
 *    the mapping exists and its filter admits the remote, and dropped (and
 *    counted) otherwise; a flow from the inside to an external endpoint is
 *    hairpinned.
 * nf_nat calls the lookup functions of a hook in priority order and stops
 * at the first that translates the flow. Inbound, conenat comes after the
 * dstnat chains of nftables and iptables: a flow the administrator's port
 * forward (dnat, redirect) translated never reaches conenat. Outbound it
 * comes before the srcnat chains, so that it wins over a catch-all
 * masquerade on the same device.
 * Each flow translated is recorded in its mapping (ctlink.c), which learns
 * of the flow's packets from conntrack's timer when the expiry wheel looks
 * at it: nothing of conenat's runs for a flow's later packets. Every step
 * is a hash lookup; nothing walks mappings or conntrack entries.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_nat.h>

#include "conenat.h"

/*
 * Translate @ct to exactly one address and port, conenat's choice.
 *
 * For source NAT the range also says "random": nf_nat then skips its search
 * for an earlier translation of the same internal endpoint, which walks
 * every flow of that endpoint and rejects them all when each remote has its
 * own external port (dependent mapping), making a fan-out quadratic. With a
 * one-port range "random" picks nothing at random: the port is still @port.
 */
static unsigned int conenat_nat_to(struct nf_conn *ct, __be32 addr,
				   __be16 port, enum nf_nat_manip_type manip)
{
	struct nf_nat_range2 range = {
		.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED,
		.min_addr.ip = addr,
		.max_addr.ip = addr,
		.min_proto.all = port,
		.max_proto.all = port,
	};

	if (manip == NF_NAT_MANIP_SRC)
		range.flags |= NF_NAT_RANGE_PROTO_RANDOM;
	return nf_nat_setup_info(ct, &range, manip);
}

/*
 * Record @ct among @m's entries, which keep it alive and end with it. A
 * permanent mapping is looked at by the expiry wheel while it has entries.
 * @m is found alive or made by the caller: published, or about to be.
 */
static bool conenat_link(struct conenat_instance *inst, struct nf_conn *ct,
			 struct conenat_mapping *m, bool in)
{
	if (conenat_ct_link(ct, m, in)) {
		conenat_count(inst, CONENAT_C_NOMEM);
		return false;
	}
	/* one with a timer is the wheel's from its publication to its free */
	if (!(atomic_read(&m->state) & CONENAT_M_PERMANENT))
		return true;
	/* the record before the look at WHEEL: see conenat_wheel_leave() */
	smp_mb();
	if (!(atomic_read(&m->state) & CONENAT_M_WHEEL))
		conenat_expiry_enter(inst->cn, m, 0);
	return true;
}

/* Translate @ct and link it to @m, whose packets it then keeps alive. */
static unsigned int conenat_nat_link(struct conenat_instance *inst,
				     struct nf_conn *ct,
				     struct conenat_mapping *m,
				     __be32 addr, __be16 port,
				     enum nf_nat_manip_type manip, bool in)
{
	unsigned int verdict = conenat_nat_to(ct, addr, port, manip);

	/* an entry that could not be linked goes with the packet */
	if (verdict == NF_ACCEPT && !conenat_link(inst, ct, m, in))
		return NF_DROP;
	return verdict;
}

/*
 * Protocols conenat does not map leave as with masquerade; such flows end
 * when their address goes (conenat_ct_cleanup()).
 */
static unsigned int conenat_masquerade(struct nf_conn *ct, __be32 addr)
{
	struct nf_nat_range2 range = {
		.flags = NF_NAT_RANGE_MAP_IPS,
		.min_addr.ip = addr,
		.max_addr.ip = addr,
	};

	if (!addr)
		return NF_DROP;
	return nf_nat_setup_info(ct, &range, NF_NAT_MANIP_SRC);
}

/*
 * The endpoints of a flow as conenat sees them, from the original tuple:
 * for UDP and TCP the ports, for an ICMP echo the identifier as the
 * internal "port" and no remote port. Returns false for flows conenat does
 * not map (other protocols, ICMP other than echo requests).
 */
static bool conenat_flow(const struct nf_conntrack_tuple *t, __be16 *port,
			 __be16 *rport)
{
	switch (t->dst.protonum) {
	case IPPROTO_UDP:
	case IPPROTO_TCP:
		*port = t->src.u.all;
		*rport = t->dst.u.all;
		return true;
	case IPPROTO_ICMP:
		if (t->dst.u.icmp.type != ICMP_ECHO)
			return false;
		*port = t->src.u.icmp.id;
		*rport = 0;
		return true;
	}
	return false;
}

/*
 * The timer a packet of @ct gives its mapping: TCP mappings live long while
 * a connection through them is established, briefly while it opens or
 * closes (RFC 5382).
 */
static u32 conenat_flow_timeout(const struct conenat_config *cfg,
				const struct nf_conn *ct)
{
	if (nf_ct_protonum(ct) == IPPROTO_TCP &&
	    READ_ONCE(ct->proto.tcp.state) == TCP_CONNTRACK_ESTABLISHED)
		return cfg->tcp_timeout;
	return conenat_proto_timeout(cfg, nf_ct_protonum(ct));
}

/*
 * The mapping that serves @ik. Under address(-and-port)-dependent mapping a
 * static mapping or a permit, kept under the remote-less key, serves every
 * remote of the internal endpoint.
 */
static struct conenat_mapping *conenat_find_out(struct conenat_instance *inst,
						const struct conenat_int_key *ik)
{
	struct conenat_net *cn = inst->cn;
	struct conenat_int_key any;
	struct conenat_mapping *m;

	m = conenat_lookup_int(cn, ik);
	if (m || (!ik->raddr && !ik->rport) || !atomic_read(&inst->nanykey))
		return m;
	any = *ik;
	any.raddr = 0;
	any.rport = 0;
	return conenat_lookup_int(cn, &any);
}

/*
 * The mapping of internal endpoint @addr:@port talking to @raddr:@rport,
 * created when there is none; records the remote for filtering.
 */
static struct conenat_mapping *
conenat_out_mapping(struct conenat_instance *inst,
		    const struct conenat_config *cfg, const struct nf_conn *ct,
		    __be32 addr, __be16 port, __be32 raddr, __be16 rport)
{
	u32 timeout = conenat_flow_timeout(cfg, ct);
	u8 proto = nf_ct_protonum(ct);
	struct conenat_int_key ik;
	struct conenat_mapping *m;

	conenat_make_int_key(&ik, inst, cfg, proto, addr, port, raddr, rport);
	m = conenat_find_out(inst, &ik);
	if (m && conenat_mapping_alive(m)) {
		/* a static mapping waiting for its address (renumbering) */
		if (conenat_mapping_static(m) &&
		    !conenat_is_ext_addr(inst, cfg, m->ek.addr))
			return ERR_PTR(-EADDRNOTAVAIL);
		conenat_mapping_refresh(m, timeout);
	} else {
		/* none, or one past its timer: create replaces it */
		m = conenat_mapping_create(inst, cfg, &ik, NULL,
					   CONENAT_ORIGIN_DYNAMIC, timeout);
		if (IS_ERR(m))
			return m;
	}

	/* replies to ICMP echoes come back through conntrack alone */
	if (proto != IPPROTO_ICMP &&
	    cfg->filtering != CONENAT_ENDPOINT_INDEPENDENT &&
	    conenat_peer_record(inst->cn, m, cfg, raddr,
				cfg->filtering == CONENAT_ADDRESS_PORT_DEPENDENT ?
				rport : 0, conenat_proto_timeout(cfg, proto))) {
		conenat_count(inst, CONENAT_C_NOMEM);
		return ERR_PTR(-ENOMEM);
	}
	return m;
}

/* A new flow leaving through @inst's device. */
static unsigned int conenat_outbound(struct conenat_instance *inst,
				     struct sk_buff *skb, struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct conenat_config *cfg = conenat_cfg(inst);
	struct conenat_mapping *m;
	__be16 port, rport;

	if (skb->skb_iif == READ_ONCE(inst->ifindex) ||
	    !conenat_is_internal(inst, cfg, t->src.u3.ip))
		return NF_ACCEPT;
	if (!conenat_flow(t, &port, &rport))
		return conenat_masquerade(ct, cfg->ext_min ?:
					  READ_ONCE(inst->dev_addr));

	m = conenat_out_mapping(inst, cfg, ct, t->src.u3.ip, port,
				t->dst.u3.ip, rport);
	if (IS_ERR(m))
		return NF_DROP;
	conenat_count(inst, CONENAT_C_OUT_NEW_FLOWS);
	return conenat_nat_link(inst, ct, m, m->ek.addr, m->ek.port,
				NF_NAT_MANIP_SRC, false);
}

/* Where a flow is addressed: the external endpoint, for flows to one. */
static struct conenat_ext_key conenat_dst_key(const struct nf_conntrack_tuple *t)
{
	struct conenat_ext_key ek = {
		.addr = t->dst.u3.ip,
		.port = t->dst.u.all,
		.proto = t->dst.protonum,
	};

	return ek;
}

/* UDP and TCP flows can be addressed to an external endpoint. */
static bool conenat_inbound_proto(const struct nf_conn *ct)
{
	return nf_ct_protonum(ct) == IPPROTO_UDP ||
	       nf_ct_protonum(ct) == IPPROTO_TCP;
}

/*
 * A new hairpinned flow leaving towards the inside: its source becomes the
 * sender's external endpoint, so the receiver sees what an outside peer
 * would.
 */
static unsigned int conenat_hairpin_src(struct conenat_net *cn,
					struct sk_buff *skb, struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct conenat_ext_key ek = conenat_dst_key(t);
	const struct conenat_config *cfg;
	struct conenat_mapping *dst, *src;
	struct conenat_instance *inst;
	struct conenat_int_key ik;

	dst = conenat_lookup_ext(cn, &ek);
	/* a dead mapping waits for its entries' end, then its hold-down */
	if (!dst || !conenat_mapping_alive(dst))
		return NF_ACCEPT;
	inst = conenat_minst(cn, dst);
	/* let in from the outside: not a hairpin */
	if (skb->skb_iif == READ_ONCE(inst->ifindex))
		return NF_ACCEPT;
	/* translated by someone else (a port forward of the administrator's) */
	if (ct->tuplehash[IP_CT_DIR_REPLY].tuple.src.u3.ip != dst->ik.addr ||
	    ct->tuplehash[IP_CT_DIR_REPLY].tuple.src.u.all != dst->ik.port)
		return NF_ACCEPT;
	cfg = conenat_cfg(inst);
	if (!cfg->hairpin || !conenat_is_internal(inst, cfg, t->src.u3.ip))
		return NF_ACCEPT;
	conenat_make_int_key(&ik, inst, cfg, ek.proto, t->src.u3.ip,
			     t->src.u.all, ek.addr, ek.port);
	src = conenat_find_out(inst, &ik);
	if (!src || !conenat_mapping_alive(src))
		return NF_DROP;
	return conenat_nat_to(ct, src->ek.addr, src->ek.port, NF_NAT_MANIP_SRC);
}

static unsigned int conenat_nat_out(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct conenat_net *cn = conenat_pernet(state->net);
	struct conenat_instance *inst;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || nf_ct_l3num(ct) != NFPROTO_IPV4)
		return NF_ACCEPT;

	inst = conenat_instance_by_dev(cn, state->out->ifindex);
	if (inst)
		return conenat_outbound(inst, skb, ct);
	if ((ct->status & IPS_DST_NAT) && conenat_inbound_proto(ct))
		return conenat_hairpin_src(cn, skb, ct);
	return NF_ACCEPT;
}

/* A new flow from the outside, on @inst's device. */
static unsigned int conenat_inbound(struct conenat_instance *inst,
				    struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct conenat_config *cfg = conenat_cfg(inst);
	struct conenat_ext_key ek = conenat_dst_key(t);
	struct conenat_mapping *m;
	u16 port = ntohs(ek.port);

	if (!conenat_is_ext_addr(inst, cfg, ek.addr))
		return NF_ACCEPT;

	/*
	 * Unsolicited or filtered: dropped without a word (no ICMP error, no
	 * TCP reset), before conntrack keeps any state for it.
	 */
	m = conenat_lookup_ext(inst->cn, &ek);
	if (!m || m->ik.inst != inst->id || !conenat_mapping_alive(m)) {
		/*
		 * Ports outside the range belong to the router itself, and so
		 * do those in it where one of its sockets listens.
		 */
		if (port < cfg->port_min || port > cfg->port_max ||
		    conenat_router_socket(inst, ek.proto, ek.addr, ek.port,
					  t->src.u3.ip, t->src.u.all))
			return NF_ACCEPT;
		conenat_count(inst, CONENAT_C_IN_NO_MAPPING);
		return NF_DROP;
	}
	/*
	 * A static mapping is the administrator's port forward: anyone in;
	 * one a host asked for by PCP with a filter: its filter's remotes.
	 */
	if (!conenat_peer_allowed(inst->cn, m,
				  conenat_mapping_filtering(m, cfg->filtering),
				  t->src.u3.ip, t->src.u.all)) {
		conenat_count(inst, CONENAT_C_IN_FILTERED);
		return NF_DROP;
	}
	if (cfg->inbound_refresh)
		conenat_mapping_refresh(m, conenat_flow_timeout(cfg, ct));
	conenat_count(inst, CONENAT_C_IN_NEW_FLOWS);
	return conenat_nat_link(inst, ct, m, m->ik.addr, m->ik.port,
				NF_NAT_MANIP_DST, true);
}

/*
 * A new flow from the inside to an external endpoint of ours: the sender
 * gets (or keeps) its own mapping towards that endpoint. By default the
 * receiver's filter lets it in: the two hosts share a network, and a
 * receiver behind a filtering NAT could otherwise never be reached through
 * its external endpoint by a neighbour (RFC 5780's hairpinning test). With
 * hairpin-filter on, the filter judges the sender by its mapping, as for
 * an outside peer.
 */
static unsigned int conenat_hairpin_dst(struct conenat_net *cn,
					struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct conenat_ext_key ek = conenat_dst_key(t);
	const struct conenat_config *cfg;
	struct conenat_mapping *dst, *src;
	struct conenat_instance *inst;
	unsigned int verdict;

	dst = conenat_lookup_ext(cn, &ek);
	if (!dst || !conenat_mapping_alive(dst))
		return NF_ACCEPT;
	inst = conenat_minst(cn, dst);
	cfg = conenat_cfg(inst);
	if (!cfg->hairpin || !conenat_is_internal(inst, cfg, t->src.u3.ip))
		return NF_ACCEPT;

	src = conenat_out_mapping(inst, cfg, ct, t->src.u3.ip, t->src.u.all,
				  ek.addr, ek.port);
	if (IS_ERR(src))
		return NF_DROP;
	/* a filter a host asked for by PCP holds for its neighbours too */
	if ((cfg->hairpin_filter ||
	     (atomic_read(&dst->state) & CONENAT_M_FILTERED)) &&
	    !conenat_peer_allowed(cn, dst,
				  conenat_mapping_filtering(dst, cfg->filtering),
				  src->ek.addr, src->ek.port)) {
		conenat_count(inst, CONENAT_C_IN_FILTERED);
		return NF_DROP;
	}
	conenat_count(inst, CONENAT_C_HAIRPIN_FLOWS);
	/* both mappings know the flow: it ends with either */
	verdict = conenat_nat_link(inst, ct, src, dst->ik.addr, dst->ik.port,
				   NF_NAT_MANIP_DST, false);
	if (verdict == NF_ACCEPT && !conenat_link(inst, ct, dst, true))
		return NF_DROP;
	return verdict;
}

static unsigned int conenat_nat_in(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct conenat_net *cn = conenat_pernet(state->net);
	struct conenat_instance *inst;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || nf_ct_l3num(ct) != NFPROTO_IPV4 ||
	    !conenat_inbound_proto(ct))
		return NF_ACCEPT;

	inst = conenat_instance_by_dev(cn, state->in->ifindex);
	if (inst)
		return conenat_inbound(inst, ct);
	return conenat_hairpin_dst(cn, ct);
}

static const struct nf_hook_ops conenat_nat_ops[] = {
	{
		.hook = conenat_nat_in,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		/*
		 * after the administrator's port forwards (nftables' dstnat
		 * chains, firewalld's at dstnat + 10)
		 */
		.priority = NF_IP_PRI_NAT_DST + 50,
	},
	{
		.hook = conenat_nat_out,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		/* before a masquerade rule on the same device */
		.priority = NF_IP_PRI_NAT_SRC - 10,
	},
};

/**
 * conenat_hooks_register() - start translating in a namespace
 * @net: the namespace
 *
 * Takes a conntrack reference for the namespace and registers the NAT
 * lookups. Called for the first instance.
 *
 * Return: 0 or a negative errno.
 */
int conenat_hooks_register(struct net *net)
{
	int err, i;

	err = nf_ct_netns_get(net, NFPROTO_IPV4);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(conenat_nat_ops); i++) {
		err = nf_nat_ipv4_register_fn(net, &conenat_nat_ops[i]);
		if (err)
			goto err_unreg_nat;
	}
	return 0;

err_unreg_nat:
	while (i-- > 0)
		nf_nat_ipv4_unregister_fn(net, &conenat_nat_ops[i]);
	nf_ct_netns_put(net, NFPROTO_IPV4);
	return err;
}

/**
 * conenat_hooks_unregister() - stop translating in a namespace
 * @net: the namespace
 *
 * Called when the last instance goes; undoes conenat_hooks_register().
 */
void conenat_hooks_unregister(struct net *net)
{
	int i;

	for (i = ARRAY_SIZE(conenat_nat_ops) - 1; i >= 0; i--)
		nf_nat_ipv4_unregister_fn(net, &conenat_nat_ops[i]);
	nf_ct_netns_put(net, NFPROTO_IPV4);
}
