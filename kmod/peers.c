// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the filter state, the remotes each mapping lets in.
 *
 * Under address(-and-port)-dependent filtering a mapping lets a new inbound
 * flow in only from a remote its internal endpoint has sent to (RFC 4787
 * REQ-8), or one a permit named. Those remotes are the mapping's peers, kept
 * in one hash table per namespace keyed by the mapping's id and the remote,
 * so a filtering decision is one or two lookups however many peers a
 * mapping has.
 *
 * A peer learned from traffic lives while a flow to it does, then the
 * mapping's timer for its protocol: the expiry wheel's look at the
 * mapping's conntrack entries moves its end (conenat_peer_keep()), never a
 * packet.
 * A permit lets the remote in for its lifetime, or as long as the mapping,
 * or until the administrator deletes it. What traffic taught and what a
 * permit grants are kept apart in the peer, so that deleting a permit ends
 * the permit only: a remote the internal endpoint talks to stays in for as
 * long as traffic keeps it. No peer outlives its mapping: the GC reaps the
 * peers of mappings that are gone.
 *
 * The first remote a mapping's traffic goes to is kept in the mapping itself
 * (@peer, @peer_end), which most mappings need and no more: a DNS query, a
 * client's connection to its server. Its filter then costs a new flow no
 * allocation and no insert. Further remotes, and every permit, are peers
 * in the table (a permit for the mapping's own peer moves it there). The
 * word is 0 while empty, the remote with CONENAT_PEER_SET, and
 * CONENAT_PEER_CLOSED once the mapping is removed, which uncharges it. Its
 * charge stays while the mapping lives; a remote whose end has passed
 * leaves the word to the next new remote, with the charge.
 *
 * Peers are bounded: a mapping records at most its instance's max-peers,
 * a namespace at most its max-peers. At a cap the remote is not recorded
 * (the flow still leaves; only that remote's new inbound flows are
 * filtered), counted, and announced once per mapping.
 */
#include <linux/slab.h>

#include "conenat.h"

struct conenat_peer_key {
	u64 mid;
	__be32 raddr;
	__be16 rport;
	u8 proto;
	u8 pad;
};

/**
 * struct conenat_peer - one remote a mapping's filter lets in
 * @node: entry in the namespace's peer table
 * @key: the mapping's id and the remote (port 0: any port)
 * @ek: the mapping's external endpoint, where the GC finds the mapping
 * @expires: conenat_now() second until which traffic keeps the peer once no
 *	flow to it is left (in the past for a peer only a permit made)
 * @permit_end: conenat_now() second at which a timed permit ends
 * @nflows: 0, or -1 once the peer is being reaped
 * @permit: enum conenat_permit; set by the control path only
 * @rcu: frees the peer after readers
 */
struct conenat_peer {
	struct rhash_head node;
	struct conenat_peer_key key;
	struct conenat_ext_key ek;
	u32 expires;
	u32 permit_end;
	atomic_t nflows;
	u8 permit;
	struct rcu_head rcu;
};

/* What an administrator's permit grants a peer. */
enum conenat_permit {
	CONENAT_PERMIT_NONE,
	CONENAT_PERMIT_TIMED,		/* until @permit_end */
	CONENAT_PERMIT_FOREVER,		/* as long as the mapping */
};

#define CONENAT_PEER_SET	BIT_ULL(48)
#define CONENAT_PEER_CLOSED	BIT_ULL(49)

static struct kmem_cache *conenat_peer_cache __read_mostly;

static const struct rhashtable_params conenat_peer_params = {
	.head_offset = offsetof(struct conenat_peer, node),
	.key_offset = offsetof(struct conenat_peer, key),
	.key_len = sizeof(struct conenat_peer_key),
	.automatic_shrinking = true,
};

static void conenat_peer_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(conenat_peer_cache,
			container_of(head, struct conenat_peer, rcu));
}

static void conenat_peer_key(struct conenat_peer_key *key,
			     const struct conenat_mapping *m, __be32 raddr,
			     __be16 rport)
{
	memset(key, 0, sizeof(*key));
	key->mid = m->id;
	key->raddr = raddr;
	key->rport = rport;
	key->proto = m->ik.proto;
}

static struct conenat_peer *conenat_peer_find(struct conenat_net *cn,
					      const struct conenat_mapping *m,
					      __be32 raddr, __be16 rport)
{
	struct conenat_peer_key key;

	conenat_peer_key(&key, m, raddr, rport);
	return rhashtable_lookup(&cn->peer_table, &key,
				 conenat_peer_params);
}

/* Move an end to @secs from now, never earlier. */
static void conenat_end_forward(u32 *end, u32 t)
{
	u32 old;

	/* the packet path and the expiry wheel both move it: only later */
	do {
		old = READ_ONCE(*end);
		if ((s32)(t - old) <= 0)
			return;
	} while (cmpxchg(end, old, t) != old);
}

static void conenat_end_extend(u32 *end, u32 secs)
{
	conenat_end_forward(end, conenat_now() + secs);
}

static bool conenat_end_ahead(const u32 *end)
{
	return (s32)(READ_ONCE(*end) - conenat_now()) > 0;
}

/* The mapping's own peer word for a remote (port 0: any port). */
static u64 conenat_peer_word(__be32 raddr, __be16 rport)
{
	return (__force u32)raddr | (u64)(__force u16)rport << 32 |
	       CONENAT_PEER_SET;
}

/* Whether the mapping's own peer is @raddr:@rport, and current. */
static bool conenat_peer_first_match(const struct conenat_mapping *m,
				     __be32 raddr, __be16 rport)
{
	return READ_ONCE(m->peer) == conenat_peer_word(raddr, rport) &&
	       conenat_end_ahead(&m->peer_end);
}

/* Whether a permit lets the remote in now. */
static bool conenat_peer_permitted(const struct conenat_peer *p)
{
	u8 permit = READ_ONCE(p->permit);

	return permit == CONENAT_PERMIT_FOREVER ||
	       (permit == CONENAT_PERMIT_TIMED &&
		conenat_end_ahead(&p->permit_end));
}

static bool conenat_peer_current(const struct conenat_peer *p)
{
	return conenat_end_ahead(&p->expires) || conenat_peer_permitted(p);
}

/*
 * Count a new peer against the mapping's and the namespace's caps. The
 * first refusal of a mapping is announced; every one is counted.
 */
static bool conenat_peer_charge(struct conenat_net *cn,
				struct conenat_mapping *m,
				const struct conenat_config *cfg,
				__be32 raddr, __be16 rport)
{
	struct conenat_instance *inst = conenat_minst(cn, m);

	if (atomic_inc_return(&m->npeers) <= cfg->max_peers) {
		if (atomic_inc_return(&cn->npeers) <= READ_ONCE(cn->max_peers))
			return true;
		atomic_dec(&cn->npeers);
	}
	atomic_dec(&m->npeers);
	conenat_count(inst, CONENAT_C_PEERS_REFUSED);
	if (!(atomic_fetch_or(CONENAT_M_PEERS_FULL, &m->state) &
	      CONENAT_M_PEERS_FULL))
		conenat_event_peer_limit(inst, m, raddr, rport);
	return false;
}

static void conenat_peer_uncharge(struct conenat_net *cn,
				  struct conenat_mapping *m)
{
	if (m)
		atomic_dec(&m->npeers);
	atomic_dec(&cn->npeers);
}

/* A permit for @lifetime seconds (0: as long as the mapping). */
static void conenat_peer_grant(struct conenat_peer *p, u32 lifetime)
{
	if (!lifetime) {
		WRITE_ONCE(p->permit, CONENAT_PERMIT_FOREVER);
		return;
	}
	if (READ_ONCE(p->permit) == CONENAT_PERMIT_FOREVER)
		return;
	if (conenat_peer_permitted(p))
		conenat_end_extend(&p->permit_end, lifetime);
	else
		WRITE_ONCE(p->permit_end, conenat_now() + lifetime);
	WRITE_ONCE(p->permit, CONENAT_PERMIT_TIMED);
}

static struct conenat_peer *conenat_peer_new(const struct conenat_mapping *m,
					     __be32 raddr, __be16 rport)
{
	struct conenat_peer *p = kmem_cache_zalloc(conenat_peer_cache,
						   GFP_ATOMIC);

	if (!p)
		return NULL;
	conenat_peer_key(&p->key, m, raddr, rport);
	p->ek = m->ek;
	p->expires = conenat_now();
	return p;
}

/*
 * Put a new peer into the table, or free it: -EEXIST when the table has its
 * remote already, or the table's error. The GC reaps peers: it is woken.
 */
static int conenat_peer_insert(struct conenat_net *cn, struct conenat_peer *p)
{
	struct conenat_peer *old;

	old = rhashtable_lookup_get_insert_fast(&cn->peer_table, &p->node,
						conenat_peer_params);
	if (!old) {
		conenat_gc_wake(cn);
		return 0;
	}
	kmem_cache_free(conenat_peer_cache, p);
	return IS_ERR(old) ? PTR_ERR(old) : -EEXIST;
}

/*
 * What an existing peer gets: traffic extends its own timer; a permit is
 * granted and must not be lost to the GC. The GC reaps a peer it found
 * stale by setting nflows to -1 and then looking again (a permit granted
 * meanwhile saves it); here the grant is stored before nflows is read. So
 * either the GC sees the grant, or this sees -1 and the peer is replaced.
 *
 * Return: 0, or -EAGAIN when the peer is being reaped.
 */
static int conenat_peer_update(struct conenat_peer *p, u32 lifetime,
			       bool permit)
{
	if (!permit) {
		conenat_end_extend(&p->expires, lifetime);
		return 0;
	}
	conenat_peer_grant(p, lifetime);
	/* pairs with the atomic_cmpxchg() in conenat_peer_reap() */
	smp_mb();
	return atomic_read(&p->nflows) < 0 ? -EAGAIN : 0;
}

/*
 * A permit for a peer the GC is reaping: a new peer takes its place in the
 * table, and its charge. If the GC removed it first, -ENOENT: insert anew.
 */
static int conenat_peer_replace(struct conenat_net *cn,
				struct conenat_mapping *m,
				struct conenat_peer *old, u32 lifetime)
{
	struct conenat_peer *p;
	int err;

	p = conenat_peer_new(m, old->key.raddr, old->key.rport);
	if (!p)
		return -ENOMEM;
	p->expires = READ_ONCE(old->expires);
	conenat_peer_grant(p, lifetime);
	err = rhashtable_replace_fast(&cn->peer_table, &old->node, &p->node,
				      conenat_peer_params);
	if (err) {
		kmem_cache_free(conenat_peer_cache, p);
		return err;
	}
	call_rcu(&old->rcu, conenat_peer_free_rcu);
	conenat_gc_wake(cn);
	return 0;
}

/*
 * Record @raddr:@rport as the mapping's own peer, or extend it there. An
 * empty word is claimed with a charge, as a table peer is charged, which
 * the mapping keeps until it is removed; a word whose remote's end has
 * passed is taken over with its charge. The word is published before its
 * end moves: a reader in between filters the new remote, which cannot
 * answer a packet not sent yet.
 *
 * Return: 0, -ENOSPC at a cap, or -EEXIST when the table takes the remote:
 * the mapping's own peer is another remote still current, the remote is in
 * the table already (a permit's), or the mapping is gone.
 */
static int conenat_peer_first(struct conenat_net *cn,
			      struct conenat_mapping *m,
			      const struct conenat_config *cfg, __be32 raddr,
			      __be16 rport, u32 lifetime)
{
	u64 want = conenat_peer_word(raddr, rport);
	u64 old = READ_ONCE(m->peer), prev;
	bool charged = false;

	if (old == want)
		goto extend;
	if (old == CONENAT_PEER_CLOSED ||
	    (old && conenat_end_ahead(&m->peer_end)))
		return -EEXIST;
	/* peers of the table are charged to the mapping too */
	if (atomic_read(&m->npeers) > (old ? 1 : 0) &&
	    conenat_peer_find(cn, m, raddr, rport))
		return -EEXIST;
	if (!old) {
		if (!conenat_peer_charge(cn, m, cfg, raddr, rport))
			return -ENOSPC;
		charged = true;
	}
	prev = cmpxchg(&m->peer, old, want);
	if (prev != old) {
		if (charged)
			conenat_peer_uncharge(cn, m);
		/* another CPU recorded the same remote first */
		if (prev != want)
			return -EEXIST;
	}
extend:
	conenat_end_extend(&m->peer_end, lifetime);
	return 0;
}

/*
 * A permit for the mapping's own peer: the peer moves into the table, where
 * permits are, with what traffic gave it and its charge, so that the remote
 * is charged once. Control path.
 *
 * Return: 0, -EEXIST when the table has the remote already, -ENOMEM or the
 * table's error.
 */
static int conenat_peer_move(struct conenat_net *cn, struct conenat_mapping *m,
			     __be32 raddr, __be16 rport, u32 lifetime)
{
	u64 want = conenat_peer_word(raddr, rport);
	struct conenat_peer *p;
	int err;

	p = conenat_peer_new(m, raddr, rport);
	if (!p)
		return -ENOMEM;
	p->expires = READ_ONCE(m->peer_end);
	conenat_peer_grant(p, lifetime);
	err = conenat_peer_insert(cn, p);
	if (err)
		return err;
	/*
	 * In the table first, then out of the mapping: never out of both. A
	 * mapping removed meanwhile took its charge back, and one whose word
	 * went to another remote kept it: this peer is charged anew then.
	 */
	if (cmpxchg(&m->peer, want, 0) != want) {
		atomic_inc(&m->npeers);
		atomic_inc(&cn->npeers);
	}
	return 0;
}

/*
 * Record a remote, or extend it: traffic for @lifetime seconds after its
 * last flow, or a permit (@permit) for @lifetime seconds, 0 for as long as
 * the mapping. Safe in softirq context.
 */
static int conenat_peer_add(struct conenat_net *cn, struct conenat_mapping *m,
			    const struct conenat_config *cfg, __be32 raddr,
			    __be16 rport, u32 lifetime, bool permit)
{
	struct conenat_peer *p;
	int tries, err;

	if (!permit) {
		err = conenat_peer_first(cn, m, cfg, raddr, rport, lifetime);
		if (err != -EEXIST)
			return err;
	} else if (READ_ONCE(m->peer) == conenat_peer_word(raddr, rport)) {
		err = conenat_peer_move(cn, m, raddr, rport, lifetime);
		if (err != -EEXIST)
			return err;
	}
	/* a race with the GC or another CPU costs a round, rarely two */
	for (tries = 0; tries < 3; tries++) {
		p = conenat_peer_find(cn, m, raddr, rport);
		if (p) {
			/*
			 * Traffic may lose a peer the GC is reaping right
			 * now: the remote's next new flow records it again.
			 */
			if (!conenat_peer_update(p, lifetime, permit))
				return 0;
			err = conenat_peer_replace(cn, m, p, lifetime);
			if (err != -ENOENT)
				return err;
			continue;
		}

		if (!conenat_peer_charge(cn, m, cfg, raddr, rport))
			return -ENOSPC;
		p = conenat_peer_new(m, raddr, rport);
		if (!p) {
			conenat_peer_uncharge(cn, m);
			return -ENOMEM;
		}
		if (permit)
			conenat_peer_grant(p, lifetime);
		else
			p->expires += lifetime;
		err = conenat_peer_insert(cn, p);
		if (!err)
			return 0;
		conenat_peer_uncharge(cn, m);
		/* another CPU recorded it first: a round more */
		if (err != -EEXIST)
			return err;
	}
	return -EBUSY;
}

/**
 * conenat_peer_permit() - let a remote in ahead of traffic
 * @cn: the namespace's state
 * @m: the mapping
 * @cfg: its instance's configuration
 * @raddr: the remote address
 * @rport: the remote port, 0 for any port
 * @lifetime: seconds the permission lasts, 0 for as long as the mapping
 *
 * A permit for a remote already let in extends it (a timed permit that
 * exists lasts at least @lifetime more; 0 makes it last as long as the
 * mapping). Control path, under the namespace's config_lock and
 * rcu_read_lock().
 *
 * Return: 0, -ENOSPC at a peer cap, -ENOMEM or the table's -EBUSY.
 */
int conenat_peer_permit(struct conenat_net *cn, struct conenat_mapping *m,
			const struct conenat_config *cfg, __be32 raddr,
			__be16 rport, u32 lifetime)
{
	lockdep_assert_held(&cn->config_lock);
	return conenat_peer_add(cn, m, cfg, raddr, rport, lifetime, true);
}

/**
 * conenat_peer_record() - a new outbound flow of a filtering mapping
 * @cn: the namespace's state
 * @m: the mapping
 * @cfg: its instance's configuration
 * @raddr: the remote address
 * @rport: the remote port, 0 when the filter judges by address
 * @timeout: seconds the peer lives after its last flow
 *
 * Safe in softirq context. At a peer cap the remote is left out, which the
 * caller need not handle: the flow goes on, only unsolicited flows from the
 * remote are filtered.
 *
 * Return: 0 (recorded, or left out at a cap) or -ENOMEM.
 */
int conenat_peer_record(struct conenat_net *cn, struct conenat_mapping *m,
			const struct conenat_config *cfg, __be32 raddr,
			__be16 rport, u32 timeout)
{
	int err = conenat_peer_add(cn, m, cfg, raddr, rport, timeout, false);

	return err == -ENOSPC ? 0 : err;
}

/**
 * conenat_permit_del() - delete one permit
 * @cn: the namespace's state
 * @m: the mapping
 * @raddr: the remote address
 * @rport: the remote port, 0 for the permit of any port
 *
 * The permit ends now; what traffic taught the peer stays, and the GC
 * reaps it once that is over too. Caller holds rcu_read_lock() and the
 * namespace's config_lock.
 *
 * Return: 0, or -ENOENT when the mapping has no such permit in force.
 */
int conenat_permit_del(struct conenat_net *cn, struct conenat_mapping *m,
		       __be32 raddr, __be16 rport)
{
	struct conenat_peer *p = conenat_peer_find(cn, m, raddr, rport);

	lockdep_assert_held(&cn->config_lock);
	if (!p || !conenat_peer_permitted(p))
		return -ENOENT;
	WRITE_ONCE(p->permit, CONENAT_PERMIT_NONE);
	conenat_gc_wake(cn);
	return 0;
}

/**
 * conenat_peer_as_permit() - what a dump shows of a peer, if it is a permit
 * @cn: the namespace's state
 * @obj: a peer, from a walk of the peer table
 * @v: filled in: the permit's live mapping, remote, and seconds left
 *
 * Caller holds rcu_read_lock(); @v->m is valid while it does.
 *
 * Return: whether @obj holds a permit in force, of a live mapping.
 */
bool conenat_peer_as_permit(struct conenat_net *cn, void *obj,
			    struct conenat_permit_view *v)
{
	struct conenat_peer *p = obj;
	s32 left;

	if (!conenat_peer_permitted(p))
		return false;
	v->m = conenat_lookup_ext(cn, &p->ek);
	if (!v->m || v->m->id != p->key.mid || !conenat_mapping_live(v->m))
		return false;
	v->raddr = p->key.raddr;
	v->rport = p->key.rport;
	v->timed = READ_ONCE(p->permit) == CONENAT_PERMIT_TIMED;
	left = (s32)(READ_ONCE(p->permit_end) - conenat_now());
	v->expires = left > 0 ? left : 0;
	return true;
}

struct conenat_permit_flush {
	struct conenat_net *cn;
	const struct conenat_instance *inst;
	unsigned int removed;
};

static bool conenat_permit_flush_one(void *obj, void *arg)
{
	struct conenat_permit_flush *f = arg;
	struct conenat_permit_view v;

	if (conenat_peer_as_permit(f->cn, obj, &v) &&
	    (!f->inst || v.m->ik.inst == f->inst->id)) {
		WRITE_ONCE(((struct conenat_peer *)obj)->permit,
			   CONENAT_PERMIT_NONE);
		f->removed++;
	}
	return false;
}

/**
 * conenat_permits_flush() - delete permits
 * @cn: the namespace's state
 * @inst: only this instance's permits, or NULL for all
 *
 * Process context, under the namespace's config_lock and no RCU read lock:
 * a walk of the peer table that yields the CPU. The GC reaps the peers.
 *
 * Return: how many permits were deleted.
 */
unsigned int conenat_permits_flush(struct conenat_net *cn,
				   const struct conenat_instance *inst)
{
	struct conenat_permit_flush f = { .cn = cn, .inst = inst };

	lockdep_assert_held(&cn->config_lock);
	conenat_ht_walk(&cn->peer_table, conenat_permit_flush_one, &f, true);
	if (f.removed)
		conenat_gc_wake(cn);
	return f.removed;
}

/**
 * conenat_peer_keep() - keep the peer of a live flow
 * @cn: the namespace's state
 * @m: the mapping, live
 * @cfg: its instance's configuration
 * @raddr: the flow's remote address
 * @rport: the flow's remote port
 * @until: conenat_now() second to which the flow keeps the peer: its last
 *	packet plus the mapping's timer
 *
 * From the expiry wheel's look at the mapping's entries (ctlink.c), which
 * comes again before @until. GC context, under cn->gc.lock (which the
 * reaping of peers holds too) and rcu_read_lock().
 *
 * Return: whether the flow has a peer to keep.
 */
bool conenat_peer_keep(struct conenat_net *cn, struct conenat_mapping *m,
		       const struct conenat_config *cfg, __be32 raddr,
		       __be16 rport, u32 until)
{
	u8 filtering = conenat_mapping_filtering(m, cfg->filtering);
	struct conenat_peer *p;

	if (filtering == CONENAT_ENDPOINT_INDEPENDENT)
		return false;
	if (filtering != CONENAT_ADDRESS_PORT_DEPENDENT)
		rport = 0;
	if (READ_ONCE(m->peer) == conenat_peer_word(raddr, rport)) {
		conenat_end_forward(&m->peer_end, until);
		return true;
	}
	p = conenat_peer_find(cn, m, raddr, rport);
	if (!p)
		return false;
	conenat_end_forward(&p->expires, until);
	return true;
}

static bool conenat_peer_match(struct conenat_net *cn,
			       const struct conenat_mapping *m, __be32 raddr,
			       __be16 rport)
{
	struct conenat_peer *p;

	if (conenat_peer_first_match(m, raddr, rport))
		return true;
	p = conenat_peer_find(cn, m, raddr, rport);
	return p && conenat_peer_current(p);
}

/**
 * conenat_peer_allowed() - the filtering decision for an inbound flow
 * @cn: the namespace's state
 * @m: the mapping the flow is addressed to
 * @filtering: the instance's enum conenat_behaviour for filtering
 * @raddr: the remote address
 * @rport: the remote port
 *
 * Caller holds rcu_read_lock(). At most two hash lookups.
 *
 * Return: whether the remote may send in.
 */
bool conenat_peer_allowed(struct conenat_net *cn,
			  const struct conenat_mapping *m, u8 filtering,
			  __be32 raddr, __be16 rport)
{
	if (filtering == CONENAT_ENDPOINT_INDEPENDENT)
		return true;
	if (filtering == CONENAT_ADDRESS_PORT_DEPENDENT &&
	    conenat_peer_match(cn, m, raddr, rport))
		return true;
	/* by address: recorded under address-dependent filtering, or a
	 * permit for any port
	 */
	return conenat_peer_match(cn, m, raddr, 0);
}

/**
 * conenat_peer_close() - end the peer a removed mapping keeps itself
 * @cn: the namespace's state
 * @m: the mapping, just marked dead
 *
 * Its peers in the table are the GC's to reap. Safe in softirq context.
 */
void conenat_peer_close(struct conenat_net *cn, struct conenat_mapping *m)
{
	if (xchg(&m->peer, CONENAT_PEER_CLOSED) & CONENAT_PEER_SET)
		conenat_peer_uncharge(cn, NULL);
}

/**
 * conenat_peer_reap() - end a peer if its mapping or its timer is gone
 * @cn: the namespace's state
 * @obj: the peer, from a walk of the peer table
 *
 * GC context, under rcu_read_lock().
 */
void conenat_peer_reap(struct conenat_net *cn, void *obj)
{
	struct conenat_peer *p = obj;
	struct conenat_mapping *m;

	m = conenat_lookup_ext(cn, &p->ek);
	if (!m || m->id != p->key.mid)
		m = NULL;
	if (m && conenat_mapping_live(m)) {
		if (conenat_peer_current(p))
			return;
		if (atomic_cmpxchg(&p->nflows, 0, -1) != 0)
			return;
		/*
		 * A permit granted meanwhile keeps it too: the cmpxchg orders
		 * this look after it (see conenat_peer_update()).
		 */
		if (conenat_peer_current(p)) {
			atomic_set(&p->nflows, 0);
			return;
		}
	} else {
		atomic_set(&p->nflows, -1);
	}
	if (rhashtable_remove_fast(&cn->peer_table, &p->node,
				   conenat_peer_params) == 0) {
		conenat_peer_uncharge(cn, m);
		call_rcu(&p->rcu, conenat_peer_free_rcu);
	}
}

/**
 * conenat_peers_init() - set up a namespace's peer table
 * @cn: the namespace's state
 *
 * Return: 0 or a negative errno.
 */
int conenat_peers_init(struct conenat_net *cn)
{
	atomic_set(&cn->npeers, 0);
	cn->max_peers = CONENAT_DEFAULT_NS_MAX_PEERS;
	return rhashtable_init(&cn->peer_table, &conenat_peer_params);
}

static void conenat_free_peer(void *ptr, void *arg)
{
	kmem_cache_free(conenat_peer_cache, ptr);
}

/**
 * conenat_peers_destroy() - free a namespace's peers
 * @cn: the namespace's state; no reader is left
 */
void conenat_peers_destroy(struct conenat_net *cn)
{
	rhashtable_free_and_destroy(&cn->peer_table, conenat_free_peer, NULL);
}

/**
 * conenat_peer_cache_init() - create the peers' slab cache
 *
 * Accounted, as the mappings' (see conenat_table_cache_init()).
 *
 * Return: 0 or -ENOMEM.
 */
int __init conenat_peer_cache_init(void)
{
	conenat_peer_cache = KMEM_CACHE(conenat_peer, SLAB_ACCOUNT);
	return conenat_peer_cache ? 0 : -ENOMEM;
}

/**
 * conenat_peer_cache_exit() - destroy the peers' slab cache
 */
void conenat_peer_cache_exit(void)
{
	kmem_cache_destroy(conenat_peer_cache);
}
