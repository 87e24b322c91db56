// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the link between a mapping and the conntrack entries it
 * translates.
 *
 * Each entry conenat translates carries a conntrack helper extension of
 * conenat's own, attached right after nf_nat_setup_info(). Its data say
 * which mapping the entry belongs to. conntrack calls the helper for every
 * packet of the entry in its confirm hook, where conenat keeps the mapping's
 * timer running (no hash lookup: the entry knows its mapping), and when the
 * entry is deleted, where conenat drops the entry's reference.
 *
 * A link starts weak: the mapping's external endpoint and id, checked by a
 * lookup. conntrack says nothing when an entry that never got confirmed is
 * freed (a firewall dropped the first packet, two CPUs raced to create it),
 * so an entry takes a reference on its mapping only once it is confirmed,
 * on its next packet; from then on the link is strong and the mapping,
 * even once removed, stays until the entry is gone. A packet of an entry
 * whose mapping has gone is dropped and the entry killed: a flow never
 * goes on with a translation nobody owns any more.
 *
 * Removing mappings is followed by one walk over the namespace's conntrack
 * table that ends the entries linked to them: exactly theirs, whatever their
 * ports, and nobody else's. Entries that already had a helper of their own
 * (an ALG the administrator attached) cannot be linked; they are judged by
 * their endpoints. An entry with neither is another NAT's and left alone:
 * conenat drops the packet rather than translate an entry it cannot link.
 */
#include <linux/netfilter.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_helper.h>

#include "conenat.h"

/* Bits of struct conenat_link::flags */
#define CONENAT_L_STRONG	BIT(0)	/* @m is set and holds a reference */
#define CONENAT_L_ESTAB		BIT(1)	/* counted in the mapping's nestab */
#define CONENAT_L_OUT_REPLY	BIT(2)	/* outbound is the reply direction */
#define CONENAT_L_MASQ		BIT(3)	/* masqueraded, no mapping: @ek.addr */
#define CONENAT_L_GONE		BIT(4)	/* conntrack deleted the entry */
#define CONENAT_L_PEER_SEEN	BIT(5)	/* the peer was looked for */
#define CONENAT_L_PEER		BIT(6)	/* counted in its peer's flows */
#define CONENAT_L_PEER_ADDR	BIT(7)	/* ... in the peer by address */

/**
 * struct conenat_link - what a conntrack entry knows of its mapping
 * @m: the mapping, once the link is strong
 * @id: the mapping's id; 0 for no link
 * @ek: the mapping's external endpoint, where a weak link finds it
 * @flags: CONENAT_L_* bits
 * @removals: the namespace's removal count when the entry was linked
 */
struct conenat_link {
	struct conenat_mapping *m;
	u64 id;
	struct conenat_ext_key ek;
	atomic_t flags;
	u32 removals;
};

static int conenat_ct_help(struct sk_buff *skb, unsigned int protoff,
			   struct nf_conn *ct, enum ip_conntrack_info ctinfo);
static void conenat_ct_destroy(struct nf_conn *ct);

/* The link never expects related connections. */
static const struct nf_conntrack_expect_policy conenat_expect_policy = {
	.max_expected = 0,
	.timeout = 1,
};

#define CONENAT_HELPER(_proto) {					\
	.name = "conenat",						\
	.me = THIS_MODULE,						\
	.tuple.src.l3num = NFPROTO_IPV4,				\
	.tuple.dst.protonum = _proto,					\
	.expect_policy = &conenat_expect_policy,			\
	.help = conenat_ct_help,					\
	.destroy = conenat_ct_destroy,					\
	.data_len = sizeof(struct conenat_link),			\
}

/* One helper per protocol, as conntrack keys helpers. */
static struct nf_conntrack_helper conenat_helpers[] __read_mostly = {
	CONENAT_HELPER(IPPROTO_UDP),
	CONENAT_HELPER(IPPROTO_TCP),
	CONENAT_HELPER(IPPROTO_ICMP),
};

static struct nf_conntrack_helper *conenat_helper_for(u8 proto)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(conenat_helpers); i++)
		if (conenat_helpers[i].tuple.dst.protonum == proto)
			return &conenat_helpers[i];
	return NULL;
}

/* @ct's link, or NULL when conenat's helper is not the entry's. */
static struct conenat_link *conenat_link_of(const struct nf_conn *ct)
{
	struct nf_conn_help *help = nfct_help(ct);
	struct nf_conntrack_helper *helper;

	if (!help)
		return NULL;
	helper = rcu_dereference(help->helper);
	if (!helper || helper->help != conenat_ct_help)
		return NULL;
	return (struct conenat_link *)help->data;
}

/*
 * Give a new, unconfirmed entry a link. An entry that has a helper already
 * (an ALG) keeps it and stays unlinked: NULL. ERR_PTR(-ENOMEM) when the
 * extension cannot be had.
 */
static struct conenat_link *conenat_link_new(struct nf_conn *ct, u8 proto)
{
	struct nf_conntrack_helper *helper = conenat_helper_for(proto);
	struct nf_conn_help *help = nfct_help(ct);
	struct conenat_link *l;

	if (!helper)
		return NULL;
	if (help) {
		if (rcu_access_pointer(help->helper))
			return NULL;
	} else {
		help = nf_ct_helper_ext_add(ct, GFP_ATOMIC);
		if (!help)
			return ERR_PTR(-ENOMEM);
	}
	l = (struct conenat_link *)help->data;
	memset(l, 0, sizeof(*l));
	rcu_assign_pointer(help->helper, helper);
	return l;
}

/**
 * conenat_ct_link() - link a newly translated conntrack entry to its mapping
 * @ct: the entry, not confirmed yet
 * @m: the mapping that translated it
 * @out_reply: the mapping's outbound packets are the entry's replies (a
 *	flow let in from the outside)
 *
 * Packet path. An entry that an ALG's helper holds already is translated
 * unlinked; it only does not keep the mapping's timer running.
 *
 * Return: 0, or -ENOMEM when the link could not be made: the caller drops
 * the packet, so that every entry conenat translates carries its link or
 * an ALG's helper.
 */
int conenat_ct_link(struct nf_conn *ct, const struct conenat_mapping *m,
		    bool out_reply)
{
	struct conenat_link *l = conenat_link_new(ct, m->ik.proto);

	if (IS_ERR_OR_NULL(l))
		return PTR_ERR_OR_ZERO(l);
	l->id = m->id;
	l->ek = m->ek;
	atomic_set(&l->flags, out_reply ? CONENAT_L_OUT_REPLY : 0);
	l->removals = atomic_read(&m->inst->cn->removals);
	/*
	 * The removal count, then the state (a removal writes them in the
	 * other order): a removal since the lookup found @m alive either
	 * shows in the state, or comes after the count was read.
	 */
	smp_rmb();
	if (!conenat_mapping_live(m))
		l->removals--;
	return 0;
}

/**
 * conenat_ct_link_masq() - mark an entry masqueraded by an instance
 * @ct: the entry, not confirmed yet
 * @inst: the instance
 * @addr: the external address it was given
 *
 * Such an entry (a protocol conenat does not map) has no mapping; it is
 * stale once @addr is no longer one of the instance's.
 *
 * Return: 0, or -ENOMEM as conenat_ct_link().
 */
int conenat_ct_link_masq(struct nf_conn *ct, const struct conenat_instance *inst,
			 __be32 addr)
{
	struct conenat_link *l = conenat_link_new(ct, IPPROTO_UDP);

	if (IS_ERR_OR_NULL(l))
		return PTR_ERR_OR_ZERO(l);
	l->ek.addr = addr;
	l->ek.pad = inst->id;
	atomic_set(&l->flags, CONENAT_L_MASQ);
	return 0;
}

/*
 * The mapping of @l, if it is still alive, as of @flags. Caller holds
 * rcu_read_lock().
 */
static struct conenat_mapping *conenat_link_find(const struct nf_conn *ct,
						 const struct conenat_link *l,
						 int flags)
{
	struct conenat_mapping *m;

	if (flags & CONENAT_L_STRONG) {
		m = READ_ONCE(l->m);
		return conenat_mapping_alive(m) ? m : NULL;
	}
	/* weak, or conntrack deleted the entry under a packet in flight */
	m = conenat_lookup_ext(conenat_pernet(nf_ct_net(ct)), &l->ek);
	if (!m || m->id != l->id || !conenat_mapping_alive(m))
		return NULL;
	return m;
}

/*
 * The mapping of @l, if it is still alive; takes the entry's reference once
 * the entry is confirmed. Caller holds rcu_read_lock().
 */
static struct conenat_mapping *conenat_link_mapping(struct nf_conn *ct,
						    struct conenat_link *l)
{
	int flags = atomic_read_acquire(&l->flags);
	struct conenat_mapping *m = conenat_link_find(ct, l, flags);

	if (!m || (flags & (CONENAT_L_STRONG | CONENAT_L_GONE)))
		return m;
	/* deletion of a confirmed entry reaches conenat_ct_destroy() */
	if (nf_ct_is_confirmed(ct) && conenat_mapping_hold(m)) {
		WRITE_ONCE(l->m, m);
		if (atomic_cmpxchg(&l->flags, flags, flags | CONENAT_L_STRONG) !=
		    flags)
			conenat_mapping_put(m);	/* destroyed, or another CPU */
	}
	return m;
}

/*
 * TCP: count the entry in its mapping's established connections while it
 * is established. When the last one closes, the mapping lives
 * tcp-transitory-timeout from then (RFC 7857 section 2.1).
 */
static void conenat_link_tcp(struct nf_conn *ct, struct conenat_link *l,
			     struct conenat_mapping *m,
			     const struct conenat_config *cfg)
{
	u8 state = READ_ONCE(ct->proto.tcp.state);
	int flags = atomic_read(&l->flags);

	if (!(flags & CONENAT_L_STRONG))
		return;
	if (state == TCP_CONNTRACK_ESTABLISHED) {
		if (flags & CONENAT_L_ESTAB)
			return;
		/* counted before the bit shows, so a clear never goes first */
		atomic_inc(&m->nestab);
		if (atomic_cmpxchg(&l->flags, flags,
				   flags | CONENAT_L_ESTAB) != flags)
			atomic_dec(&m->nestab);
	} else if (state >= TCP_CONNTRACK_FIN_WAIT &&
		   state <= TCP_CONNTRACK_CLOSE && (flags & CONENAT_L_ESTAB)) {
		if (atomic_cmpxchg(&l->flags, flags,
				   flags & ~CONENAT_L_ESTAB) == flags &&
		    atomic_dec_and_test(&m->nestab))
			conenat_mapping_set_timer(m, cfg->tcp_transitory_timeout);
	}
}

/* The remote of an outbound entry, as its mapping's peer has it. */
static __be32 conenat_link_remote(const struct nf_conn *ct, int flags,
				  __be16 *rport)
{
	const struct nf_conntrack_tuple *t =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	*rport = (flags & CONENAT_L_PEER_ADDR) ? 0 : t->dst.u.all;
	return t->dst.u3.ip;
}

/*
 * Count a confirmed outbound entry in the flows of the peer it made, once:
 * a peer with flows does not time out (peers.c). Entries let in from the
 * outside made no peer.
 */
static void conenat_link_peer(struct nf_conn *ct, struct conenat_link *l,
			      const struct conenat_mapping *m,
			      const struct conenat_config *cfg, int flags)
{
	int set = CONENAT_L_PEER_SEEN;
	__be16 rport;
	__be32 raddr;

	if (cfg->filtering != CONENAT_ADDRESS_PORT_DEPENDENT)
		set |= CONENAT_L_PEER_ADDR;
	raddr = conenat_link_remote(ct, set, &rport);
	if (cfg->filtering != CONENAT_ENDPOINT_INDEPENDENT &&
	    m->ik.proto != IPPROTO_ICMP &&
	    conenat_peer_flow_start(m, raddr, rport))
		set |= CONENAT_L_PEER;
	/* destroyed meanwhile, or another CPU: the next packet tries again */
	if (atomic_cmpxchg(&l->flags, flags, flags | set) != flags &&
	    (set & CONENAT_L_PEER))
		conenat_peer_flow_end(m, raddr, rport,
				      conenat_proto_timeout(cfg, m->ik.proto));
}

/* The timer a packet of a mapped flow gives the mapping. */
static u32 conenat_link_timeout(const struct conenat_config *cfg,
				const struct conenat_mapping *m)
{
	switch (m->ik.proto) {
	case IPPROTO_TCP:
		return atomic_read(&m->nestab) ? cfg->tcp_timeout :
						 cfg->tcp_transitory_timeout;
	case IPPROTO_ICMP:
		return cfg->icmp_timeout;
	default:
		return cfg->udp_timeout;
	}
}

/*
 * The mapping of a confirmed entry's link, if it is still alive. A strong
 * link (every packet after the second) costs two loads and the timer's
 * test; a weak one takes its reference here. NULL when the mapping has gone
 * (@*m_out untouched), and for links with no mapping (masquerade).
 */
static bool conenat_link_current(struct nf_conn *ct, struct conenat_link *l,
				 int flags, struct conenat_mapping **m_out)
{
	struct conenat_mapping *m;

	if (likely((flags & (CONENAT_L_STRONG | CONENAT_L_GONE)) ==
		   CONENAT_L_STRONG)) {
		m = READ_ONCE(l->m);
		if (!conenat_mapping_alive(m))
			return false;
	} else {
		m = conenat_link_mapping(ct, l);
		if (!m)
			return false;
	}
	*m_out = m;
	return true;
}

/*
 * Every packet of a linked entry, from conntrack's confirm hook: keep the
 * mapping's timer running, or end the flow when the mapping has gone.
 *
 * The first packet of an entry (not confirmed yet) only checks that no
 * mapping was removed since the NAT lookup linked it, between that and
 * confirmation (a packet may wait in a queue); only then is its mapping
 * looked up. The lookup gave the mapping the flow's timer, and no
 * reference can be taken before confirmation.
 */
static int conenat_ct_help(struct sk_buff *skb, unsigned int protoff,
			   struct nf_conn *ct, enum ip_conntrack_info ctinfo)
{
	const struct conenat_config *cfg;
	struct conenat_mapping *m;
	struct conenat_link *l;
	bool outbound;
	int flags;

	/* ICMP errors about a flow never refresh its mapping (REQ-12) */
	if (ctinfo == IP_CT_RELATED || ctinfo == IP_CT_RELATED_REPLY)
		return NF_ACCEPT;
	/* conntrack calls a helper only for the entries that carry it */
	l = (struct conenat_link *)nfct_help(ct)->data;
	if (!l->id)
		return NF_ACCEPT;

	flags = atomic_read_acquire(&l->flags);
	if (!nf_ct_is_confirmed(ct)) {
		struct conenat_net *cn = conenat_pernet(nf_ct_net(ct));

		if (atomic_read(&cn->removals) == l->removals ||
		    conenat_link_find(ct, l, flags))
			return NF_ACCEPT;
		return NF_DROP;
	}
	if (!conenat_link_current(ct, l, flags, &m)) {
		nf_ct_kill(ct);
		return NF_DROP;
	}
	cfg = conenat_cfg(m->inst);
	if (m->ik.proto == IPPROTO_TCP) {
		conenat_link_tcp(ct, l, m, cfg);
		flags = atomic_read(&l->flags);
	} else if (!(flags & CONENAT_L_STRONG)) {
		flags = atomic_read(&l->flags);	/* made strong just now */
	}
	if (unlikely((flags & (CONENAT_L_STRONG | CONENAT_L_OUT_REPLY |
			       CONENAT_L_GONE | CONENAT_L_PEER_SEEN)) ==
		     CONENAT_L_STRONG))
		conenat_link_peer(ct, l, m, cfg, flags);
	outbound = (CTINFO2DIR(ctinfo) == IP_CT_DIR_REPLY) ==
		   !!(flags & CONENAT_L_OUT_REPLY);
	if (outbound || cfg->inbound_refresh)
		conenat_mapping_refresh(m, conenat_link_timeout(cfg, m));
	return NF_ACCEPT;
}

/*
 * End a link: what the entry counted in its mapping goes, then its
 * reference. Whoever swaps the flags to GONE ends it, once.
 */
static void conenat_link_end(struct nf_conn *ct, struct conenat_link *l)
{
	const struct conenat_config *cfg;
	struct conenat_mapping *m;
	__be16 rport;
	__be32 raddr;
	int flags;

	flags = atomic_xchg(&l->flags, CONENAT_L_GONE);
	if (!(flags & CONENAT_L_STRONG))
		return;
	m = READ_ONCE(l->m);
	cfg = conenat_cfg(m->inst);
	if ((flags & CONENAT_L_ESTAB) && atomic_dec_and_test(&m->nestab) &&
	    conenat_mapping_live(m))
		conenat_mapping_set_timer(m, cfg->tcp_transitory_timeout);
	if (flags & CONENAT_L_PEER) {
		raddr = conenat_link_remote(ct, flags, &rport);
		conenat_peer_flow_end(m, raddr, rport,
				      conenat_proto_timeout(cfg, m->ik.proto));
	}
	conenat_mapping_put(m);
}

/*
 * conntrack deleted a confirmed entry: drop its reference. conntrack calls
 * this only for an entry whose helper it read as conenat's; the helper
 * pointer is not read again, ctnetlink may be clearing it right now.
 */
static void conenat_ct_destroy(struct nf_conn *ct)
{
	conenat_link_end(ct, (struct conenat_link *)nfct_help(ct)->data);
}

/*
 * An unlinked entry's side translated to @ek for internal endpoint
 * @iaddr:@iport is stale when a mapping holds @ek for another endpoint,
 * or is no longer alive. An endpoint no mapping holds says nothing: the
 * entry may be another NAT's.
 */
static bool conenat_ct_side_stale(struct conenat_net *cn,
				  const struct conenat_ext_key *ek,
				  __be32 iaddr, __be16 iport)
{
	struct conenat_mapping *m = conenat_lookup_ext(cn, ek);

	return m && (!conenat_mapping_alive(m) || m->ik.addr != iaddr ||
		     m->ik.port != iport);
}

/* A masqueraded entry is stale once its address is not its instance's. */
static bool conenat_ct_masq_stale(struct conenat_net *cn,
				  const struct conenat_link *l)
{
	struct conenat_instance *inst;

	list_for_each_entry_rcu(inst, &cn->instances, list)
		if (inst->id == l->ek.pad)
			return !conenat_is_ext_addr(inst, conenat_cfg(inst),
						    l->ek.addr);
	return true;
}

/*
 * The external endpoint of @ct's outbound side, to which its replies come
 * back (an ICMP identifier stays in the source half of a tuple); false
 * when the entry was not source-NATed.
 */
static bool conenat_ct_out_ek(const struct nf_conn *ct,
			      struct conenat_ext_key *ek)
{
	const struct nf_conntrack_tuple *reply =
		&ct->tuplehash[IP_CT_DIR_REPLY].tuple;

	if (!(ct->status & IPS_SRC_NAT))
		return false;
	ek->proto = nf_ct_protonum(ct);
	ek->addr = reply->dst.u3.ip;
	ek->port = ek->proto == IPPROTO_ICMP ? reply->src.u.all :
		   reply->dst.u.all;
	return true;
}

/*
 * The external endpoint @ct's inbound side is addressed to; false when the
 * entry was not destination-NATed (or is an ICMP echo's).
 */
static bool conenat_ct_in_ek(const struct nf_conn *ct,
			     struct conenat_ext_key *ek)
{
	const struct nf_conntrack_tuple *orig =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	if (!(ct->status & IPS_DST_NAT) || nf_ct_protonum(ct) == IPPROTO_ICMP)
		return false;
	ek->proto = nf_ct_protonum(ct);
	ek->addr = orig->dst.u3.ip;
	ek->port = orig->dst.u.all;
	return true;
}

/*
 * Whether @ct carries a link of conenat's whose helper someone removed
 * (ctnetlink clears an entry's helper on request, and then conntrack no
 * longer tells conenat of the entry's end). Its data are still the link:
 * a strong one, pointing at the very mapping that holds one of the entry's
 * external endpoints, with that mapping's id (64 bits, never reused);
 * another helper's leftover data cannot be both. Such a link is ended
 * here, reference and all, and the entry with it: conenat can no longer
 * follow it. A weak link holds no reference and is left alone. Caller
 * holds rcu_read_lock().
 */
static bool conenat_link_orphaned(struct conenat_net *cn, struct nf_conn *ct)
{
	struct nf_conn_help *help = nfct_help(ct);
	struct conenat_ext_key ek = {};
	struct conenat_mapping *m;
	struct conenat_link *l;
	u64 id;

	if (!help || rcu_access_pointer(help->helper))
		return false;
	l = (struct conenat_link *)help->data;
	id = READ_ONCE(l->id);
	if (!id || !conenat_proto_mapped(nf_ct_protonum(ct)))
		return false;
	m = conenat_ct_out_ek(ct, &ek) ? conenat_lookup_ext(cn, &ek) : NULL;
	if ((!m || m->id != id) && conenat_ct_in_ek(ct, &ek))
		m = conenat_lookup_ext(cn, &ek);
	if (!m || m->id != id ||
	    !(atomic_read(&l->flags) & CONENAT_L_STRONG) ||
	    READ_ONCE(l->m) != m)
		return false;
	conenat_link_end(ct, l);
	return true;
}

/* @ct carries a helper that is not conenat's (an ALG). */
static bool conenat_ct_has_alg(const struct nf_conn *ct)
{
	struct nf_conn_help *help = nfct_help(ct);

	return help && rcu_access_pointer(help->helper);
}

static int conenat_ct_stale(struct nf_conn *ct, void *data)
{
	const struct nf_conntrack_tuple *orig, *reply;
	struct conenat_net *cn = data;
	struct conenat_ext_key ek = {};
	struct conenat_link *l;
	bool stale = false;
	int flags;

	if (nf_ct_l3num(ct) != NFPROTO_IPV4)
		return 0;
	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	reply = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;

	rcu_read_lock();
	l = conenat_link_of(ct);
	if (!l && conenat_link_orphaned(cn, ct)) {
		stale = true;
		goto out;
	}
	/*
	 * Every entry conenat translates carries its link or an ALG's
	 * helper: one with neither is another NAT's, whatever its ports.
	 */
	if (!l && !conenat_ct_has_alg(ct))
		goto out;
	if (l) {
		flags = atomic_read_acquire(&l->flags);
		if (flags & CONENAT_L_MASQ)
			stale = conenat_ct_masq_stale(cn, l);
		else if (l->id)
			stale = !conenat_link_find(ct, l, flags);
		/* a hairpinned flow: the receiver's mapping below */
		if (stale || !l->id ||
		    !(ct->status & IPS_SRC_NAT) || !(ct->status & IPS_DST_NAT))
			goto out;
	}
	if (!conenat_proto_mapped(orig->dst.protonum))
		goto out;
	if (!l && conenat_ct_out_ek(ct, &ek))
		stale = conenat_ct_side_stale(cn, &ek, orig->src.u3.ip,
					      orig->src.u.all);
	if (!stale && conenat_ct_in_ek(ct, &ek))
		stale = conenat_ct_side_stale(cn, &ek, reply->src.u3.ip,
					      reply->src.u.all);
out:
	rcu_read_unlock();
	return stale;
}

/**
 * conenat_ct_cleanup() - end the conntrack entries of removed mappings
 * @cn: the namespace's state
 *
 * Process context; one walk over the namespace's conntrack table, however
 * many mappings went away. Deleting a linked entry drops its reference, so
 * the removed mappings' external endpoints are free when this returns
 * (unless a packet in flight still holds an entry).
 */
void conenat_ct_cleanup(struct conenat_net *cn)
{
	struct nf_ct_iter_data iter_data = {
		.net = cn->net,
		.data = cn,
	};

	if (!READ_ONCE(cn->hooks_on))
		return;
	nf_ct_iterate_cleanup_net(conenat_ct_stale, &iter_data);
}

/**
 * conenat_ctlink_init() - register conenat's conntrack helpers
 *
 * Return: 0 or a negative errno.
 */
int __init conenat_ctlink_init(void)
{
	BUILD_BUG_ON(sizeof(struct conenat_link) >
		     sizeof_field(struct nf_conn_help, data));
	return nf_conntrack_helpers_register(conenat_helpers,
					     ARRAY_SIZE(conenat_helpers));
}

/**
 * conenat_ctlink_exit() - unregister the helpers
 *
 * Every namespace's instances are gone, and with them every linked entry;
 * conntrack forgets the helper in any entry left.
 */
void conenat_ctlink_exit(void)
{
	nf_conntrack_helpers_unregister(conenat_helpers,
					ARRAY_SIZE(conenat_helpers));
}
