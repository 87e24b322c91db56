// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the per-netns mapping table.
 *
 * Four resizable hash tables, all RCU for readers:
 *  - mappings by internal key (outbound lookups),
 *  - mappings by external key (inbound lookups, port allocation),
 *  - peers: the remotes a mapping's filter lets in (peers.c),
 *  - hosts: mapping counts per internal address, for max-per-host.
 *
 * The table, not conntrack, decides how long a mapping lives: the conntrack
 * entries it translates are linked to it (ctlink.c) and keep its timer
 * running, but it outlives them by its own timer (RFC 4787 REQ-5), which
 * the expiry wheel keeps (expiry.c).
 *
 * A mapping keeps its external endpoint until its last reference goes: the
 * tables' (dropped when it is removed) and one per linked conntrack entry,
 * and then for the hold-down (holddown.c), so the port is not handed to
 * anyone else while packets of the old flows may still arrive. A host
 * entry goes with the last mapping it counts.
 */
#include <linux/jhash.h>
#include <linux/slab.h>

#include "conenat.h"

struct conenat_host_key {
	__be32 addr;
	u8 inst;
	u8 pad[3];
};

struct conenat_host {
	struct rhash_head node;
	struct conenat_host_key key;
	atomic_t count;		/* -1 once its last count went */
	struct rcu_head rcu;
};

static struct kmem_cache *conenat_mapping_cache __read_mostly;
static struct kmem_cache *conenat_host_cache __read_mostly;

static const struct rhashtable_params conenat_int_params = {
	.head_offset = offsetof(struct conenat_mapping, int_node),
	.key_offset = offsetof(struct conenat_mapping, ik),
	.key_len = sizeof(struct conenat_int_key),
	.automatic_shrinking = true,
};

static const struct rhashtable_params conenat_ext_params = {
	.head_offset = offsetof(struct conenat_mapping, ext_node),
	.key_offset = offsetof(struct conenat_mapping, ek),
	.key_len = sizeof(struct conenat_ext_key),
	.automatic_shrinking = true,
};

static const struct rhashtable_params conenat_host_params = {
	.head_offset = offsetof(struct conenat_host, node),
	.key_offset = offsetof(struct conenat_host, key),
	.key_len = sizeof(struct conenat_host_key),
	.automatic_shrinking = true,
};

/**
 * conenat_lookup_int() - find a mapping by its internal key
 * @cn: the namespace's state
 * @ik: the key
 *
 * Caller holds rcu_read_lock(). The mapping may be expired or dying:
 * check with conenat_mapping_alive().
 *
 * Return: the mapping or NULL.
 */
struct conenat_mapping *conenat_lookup_int(struct conenat_net *cn,
					   const struct conenat_int_key *ik)
{
	return rhashtable_lookup(&cn->int_table, ik, conenat_int_params);
}

/**
 * conenat_lookup_ext() - find a mapping by its external endpoint
 * @cn: the namespace's state
 * @ek: the key
 *
 * Caller holds rcu_read_lock().
 *
 * Return: the mapping or NULL.
 */
struct conenat_mapping *conenat_lookup_ext(struct conenat_net *cn,
					   const struct conenat_ext_key *ek)
{
	return rhashtable_lookup(&cn->ext_table, ek, conenat_ext_params);
}

/**
 * conenat_ext_insert() - claim a mapping's external endpoint
 * @cn: the namespace's state
 * @m: the mapping, @m->ek set
 *
 * Return: 0, -EEXIST when another mapping holds the endpoint, or the
 * table's -ENOMEM / -EBUSY.
 */
int conenat_ext_insert(struct conenat_net *cn, struct conenat_mapping *m)
{
	return rhashtable_lookup_insert_fast(&cn->ext_table, &m->ext_node,
					     conenat_ext_params);
}

/**
 * conenat_ext_remove() - give a mapping's external endpoint back
 * @cn: the namespace's state
 * @m: the mapping, in the external table
 */
void conenat_ext_remove(struct conenat_net *cn, struct conenat_mapping *m)
{
	rhashtable_remove_fast(&cn->ext_table, &m->ext_node, conenat_ext_params);
}

/**
 * conenat_mapping_alive() - whether a mapping still translates
 * @m: the mapping
 *
 * Return: false before it is published, once it is unlinked, and past its
 * timer.
 */
bool conenat_mapping_alive(const struct conenat_mapping *m)
{
	u32 state = atomic_read(&m->state);

	if ((state & (CONENAT_M_LIVE | CONENAT_M_DEAD)) != CONENAT_M_LIVE)
		return false;
	return (state & CONENAT_M_PERMANENT) ||
	       (s32)(READ_ONCE(m->expires) - conenat_now()) > 0;
}

/**
 * conenat_mapping_refresh() - restart a dynamic mapping's timer
 * @m: the mapping
 * @timeout: seconds the mapping now lives at least
 *
 * Static mappings keep the lifetime they were given. The timer only moves
 * forward, and at most once a second, so that a busy flow does not dirty
 * the mapping's cache line on every packet.
 */
void conenat_mapping_refresh(struct conenat_mapping *m, u32 timeout)
{
	u32 expires = conenat_now() + timeout;

	if (conenat_mapping_static(m))
		return;
	if ((s32)(expires - READ_ONCE(m->expires)) > 0)
		WRITE_ONCE(m->expires, expires);
}

/**
 * conenat_mapping_set_timer() - set a dynamic mapping's timer, even earlier
 * @m: the mapping
 * @timeout: seconds the mapping lives from now
 *
 * For the end of a mapping's last TCP connection, after which it lives
 * tcp-transitory-timeout rather than what the connection gave it.
 */
void conenat_mapping_set_timer(struct conenat_mapping *m, u32 timeout)
{
	if (!conenat_mapping_static(m))
		WRITE_ONCE(m->expires, conenat_now() + timeout);
}

static void conenat_host_free_rcu(struct rcu_head *head);

/* Drop a count on @h; the last one removes the entry. */
static void conenat_host_put(struct conenat_net *cn, struct conenat_host *h)
{
	if (!atomic_dec_and_test(&h->count) ||
	    atomic_cmpxchg(&h->count, 0, -1) != 0)
		return;
	if (rhashtable_remove_fast(&cn->host_table, &h->node,
				   conenat_host_params) == 0)
		call_rcu(&h->rcu, conenat_host_free_rcu);
}

/*
 * Drop a mapping's count on its host entry. Mappings do not point to the
 * entry (8 bytes a mapping): a counted entry cannot be reaped, so the lookup
 * by the mapping's internal address always finds it.
 */
static void conenat_host_release(struct conenat_net *cn,
				 const struct conenat_mapping *m)
{
	struct conenat_host_key key = { .addr = m->ik.addr, .inst = m->inst->id };
	struct conenat_host *h;

	rcu_read_lock();
	h = rhashtable_lookup(&cn->host_table, &key, conenat_host_params);
	if (!WARN_ON_ONCE(!h))
		conenat_host_put(cn, h);
	rcu_read_unlock();
}

/*
 * Take a count on @addr's host entry, creating it. A new entry is inserted
 * with its creator's count already taken. A host at its limit gets -EDQUOT;
 * one whose last count is going right now gets -EAGAIN (the flow's next
 * packet finds a fresh entry).
 */
static struct conenat_host *conenat_host_get(struct conenat_net *cn,
					     const struct conenat_instance *inst,
					     __be32 addr, u32 max)
{
	struct conenat_host_key key = { .addr = addr, .inst = inst->id };
	struct conenat_host *h, *old;

	h = rhashtable_lookup(&cn->host_table, &key, conenat_host_params);
	if (h) {
		if (!atomic_inc_unless_negative(&h->count))
			return ERR_PTR(-EAGAIN);
	} else {
		h = kmem_cache_zalloc(conenat_host_cache, GFP_ATOMIC);
		if (!h)
			return ERR_PTR(-ENOMEM);
		h->key = key;
		atomic_set(&h->count, 1);
		old = rhashtable_lookup_get_insert_fast(&cn->host_table,
							&h->node,
							conenat_host_params);
		if (old) {
			kmem_cache_free(conenat_host_cache, h);
			if (IS_ERR(old))
				return old;
			h = old;
			if (!atomic_inc_unless_negative(&h->count))
				return ERR_PTR(-EAGAIN);
		}
	}
	if (max && atomic_read(&h->count) > max) {
		conenat_host_put(cn, h);
		return ERR_PTR(-EDQUOT);
	}
	return h;
}

static void conenat_mapping_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(conenat_mapping_cache,
			container_of(head, struct conenat_mapping, rcu));
}

static void conenat_host_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(conenat_host_cache,
			container_of(head, struct conenat_host, rcu));
}

/**
 * conenat_mapping_free() - free an unlinked mapping after readers
 * @m: the mapping, in no list, and unpublished from every table
 */
void conenat_mapping_free(struct conenat_mapping *m)
{
	call_rcu(&m->rcu, conenat_mapping_free_rcu);
}

/**
 * conenat_mapping_hold() - take a reference for a conntrack link
 * @m: a live mapping, found under rcu_read_lock()
 *
 * Return: false when the mapping is already on its way out.
 */
bool conenat_mapping_hold(struct conenat_mapping *m)
{
	if (!atomic_inc_not_zero(&m->ref))
		return false;
	if (!conenat_mapping_live(m)) {
		conenat_mapping_put(m);
		return false;
	}
	return true;
}

/**
 * conenat_mapping_put() - drop a reference; the last ends the mapping
 * @m: the mapping
 *
 * The last reference starts the external endpoint's hold-down, after which
 * it goes back to the pool and the mapping is freed (holddown.c). Safe in
 * softirq context.
 */
void conenat_mapping_put(struct conenat_mapping *m)
{
	if (atomic_dec_and_test(&m->ref))
		conenat_holddown_start(m);
}

/*
 * Undo a mapping that was never published. Nobody else may remove it (see
 * conenat_mapping_remove()), so its creator unlinks and frees it alone;
 * readers that found it in the external table see it not alive.
 */
static void conenat_mapping_abort(struct conenat_mapping *m, bool in_ext)
{
	struct conenat_net *cn = m->inst->cn;

	if (in_ext)
		rhashtable_remove_fast(&cn->ext_table, &m->ext_node,
				       conenat_ext_params);
	atomic_dec(&m->inst->nmappings);
	atomic_dec(&m->inst->nheld);
	atomic_dec(&cn->nmappings);
	conenat_host_release(cn, m);
	call_rcu(&m->rcu, conenat_mapping_free_rcu);
}

/**
 * conenat_mapping_create() - create and publish a mapping
 * @inst: the instance
 * @cfg: its configuration, as the caller read it
 * @ik: the internal key
 * @want: the external endpoint asked for (static mappings), or NULL
 * @origin: CONENAT_ORIGIN_DYNAMIC or CONENAT_ORIGIN_STATIC
 * @lifetime: seconds the mapping lives (a dynamic one: its first timer);
 *	0 makes a static mapping permanent
 *
 * Safe in softirq context. Counts why a flow could not get a mapping.
 * When another CPU published a live mapping for @ik first, that one is
 * returned; a mapping for @ik past its timer is removed and replaced. A dead
 * or expired mapping is never returned.
 *
 * Return: the mapping, or ERR_PTR: -ENFILE (namespace cap), -EDQUOT
 * (max-per-host), -ENOSPC (no free port), -EADDRINUSE (@want is taken),
 * -EADDRNOTAVAIL (no external address), -ENODEV (instance going away),
 * -EAGAIN (a mapping for @ik is being removed right now), -ENOMEM.
 */
struct conenat_mapping *conenat_mapping_create(struct conenat_instance *inst,
					       const struct conenat_config *cfg,
					       const struct conenat_int_key *ik,
					       const struct conenat_ext_key *want,
					       u8 origin, u32 lifetime)
{
	struct conenat_net *cn = inst->cn;
	struct conenat_mapping *m, *old;
	struct conenat_host *host;
	int err;

	if (atomic_inc_return(&cn->nmappings) > READ_ONCE(cn->max_mappings)) {
		atomic_dec(&cn->nmappings);
		conenat_count(inst, CONENAT_C_TABLE_FULL);
		return ERR_PTR(-ENFILE);
	}

	host = conenat_host_get(cn, inst, ik->addr, cfg->max_per_host);
	if (IS_ERR(host)) {
		atomic_dec(&cn->nmappings);
		/* -EAGAIN: the host's entry is going; the next packet retries */
		if (PTR_ERR(host) == -EDQUOT)
			conenat_count(inst, CONENAT_C_HOST_LIMIT);
		else if (PTR_ERR(host) == -ENOMEM)
			conenat_count(inst, CONENAT_C_NOMEM);
		return ERR_CAST(host);
	}

	m = kmem_cache_zalloc(conenat_mapping_cache, GFP_ATOMIC);
	if (!m) {
		conenat_host_put(cn, host);
		atomic_dec(&cn->nmappings);
		conenat_count(inst, CONENAT_C_NOMEM);
		return ERR_PTR(-ENOMEM);
	}
	m->ik = *ik;
	m->inst = inst;
	m->id = atomic64_inc_return(&cn->next_id);
	if (origin == CONENAT_ORIGIN_STATIC)
		atomic_set(&m->state, CONENAT_M_STATIC |
				      (lifetime ? 0 : CONENAT_M_PERMANENT) |
				      (!cfg->ext_min && !(want && want->addr) ?
				       CONENAT_M_FOLLOW : 0));
	atomic_set(&m->ref, 1);
	m->expires = conenat_now() + (lifetime ?: cfg->udp_timeout);
	atomic_inc(&inst->nmappings);
	atomic_inc(&inst->nheld);

	err = conenat_pick_ext(m, inst, cfg, want);
	if (err) {
		if (err == -ENOSPC) {
			conenat_count(inst, CONENAT_C_PORT_EXHAUSTED);
			conenat_event_exhausted(inst, ik);
		} else if (err == -ENOMEM || err == -EBUSY) {
			conenat_count(inst, CONENAT_C_NOMEM);
		}
		conenat_mapping_abort(m, false);
		return ERR_PTR(err);
	}

	old = rhashtable_lookup_get_insert_fast(&cn->int_table, &m->int_node,
						conenat_int_params);
	if (!IS_ERR_OR_NULL(old) && !conenat_mapping_alive(old)) {
		/*
		 * Past its timer but not reaped yet, or being removed: never
		 * hand it out (a flow or a permit would go with it). End it as
		 * the GC would, and take its key once; a dying one that is
		 * still linked makes the caller try again.
		 */
		conenat_mapping_remove(old, CONENAT_EVENT_EXPIRED);
		/* its conntrack entries go at the GC's next run */
		conenat_ct_stale_later(cn);
		old = rhashtable_lookup_get_insert_fast(&cn->int_table,
							&m->int_node,
							conenat_int_params);
	}
	if (old) {
		conenat_mapping_abort(m, true);
		if (IS_ERR(old)) {
			conenat_count(inst, CONENAT_C_NOMEM);
			return old;
		}
		if (!conenat_mapping_alive(old))
			return ERR_PTR(-EAGAIN);
		return old;
	}

	/*
	 * From here on anyone may remove it; it is no longer ours alone. A
	 * timer puts it in the expiry wheel, which then owns its memory.
	 */
	if (atomic_read(&m->state) & CONENAT_M_PERMANENT)
		atomic_or(CONENAT_M_LIVE, &m->state);
	else
		conenat_expiry_enter(cn, m, CONENAT_M_LIVE);
	/* Deletion waits for readers before flushing; see instance.c. */
	if (READ_ONCE(inst->dead)) {
		conenat_mapping_remove(m, 0);
		return ERR_PTR(-ENODEV);
	}

	conenat_count(inst, CONENAT_C_MAPPINGS_CREATED);
	conenat_event_mapping(m, CONENAT_EVENT_CREATED);
	return m;
}

/**
 * conenat_mapping_remove() - unlink a mapping and free it after readers
 * @m: the mapping
 * @event: CONENAT_EVENT_EXPIRED or _DELETED to count and announce, 0 not to
 *
 * Safe against concurrent removal: only the first caller acts. A mapping its
 * creator has not published yet is left alone: the creator either
 * publishes it (and it can be removed then) or undoes it. The mapping's
 * conntrack entries are left to conenat_ct_cleanup(); it keeps its external
 * endpoint until the last of them is gone.
 *
 * Return: true for the caller that removed it.
 */
bool conenat_mapping_remove(struct conenat_mapping *m, u8 event)
{
	struct conenat_instance *inst = m->inst;
	struct conenat_net *cn = inst->cn;
	int state = atomic_read(&m->state);

	do {
		if ((state & (CONENAT_M_LIVE | CONENAT_M_DEAD)) != CONENAT_M_LIVE)
			return false;
	} while (!atomic_try_cmpxchg(&m->state, &state, state | CONENAT_M_DEAD));
	rhashtable_remove_fast(&cn->int_table, &m->int_node,
			       conenat_int_params);
	if (event == CONENAT_EVENT_EXPIRED)
		conenat_count(inst, CONENAT_C_MAPPINGS_EXPIRED);
	else if (event == CONENAT_EVENT_DELETED)
		conenat_count(inst, CONENAT_C_MAPPINGS_DELETED);
	if (event)
		conenat_event_mapping(m, event);
	atomic_dec(&inst->nmappings);
	atomic_dec(&cn->nmappings);
	conenat_host_release(cn, m);
	conenat_mapping_put(m);
	return true;
}

/**
 * conenat_mapping_follow() - move a static mapping to the device's address
 * @m: the mapping
 * @cfg: its instance's configuration
 * @wait: set when @m stays for now, but the next pass may move it
 *
 * Move static mapping @m, which follows the device, to the device's new
 * address with the same port: the administrator's port forward survives a
 * DHCP renewal, a PPPoE reconnect, a re-created device. Without an address
 * it waits, as does a static mapping given an explicit address.
 *
 * A dynamic mapping that traffic made on the port at the new address gives
 * way, as for "mapping add"; @m stays where it is until the port is free
 * (the holder's conntrack entries gone), and the next pass moves it. GC
 * context, cn->gc.lock held.
 *
 * Return: true when @m went.
 */
bool conenat_mapping_follow(struct conenat_mapping *m,
			    const struct conenat_config *cfg, bool *wait)
{
	struct conenat_instance *inst = m->inst;
	struct conenat_ext_key want = {
		.addr = READ_ONCE(inst->dev_addr),
		.port = m->ek.port,
		.proto = m->ek.proto,
	};
	u32 state = atomic_read(&m->state), lifetime = 0;
	struct conenat_mapping *n, *holder;
	int tries;

	if (!(state & CONENAT_M_FOLLOW) || !want.addr)
		return false;
	/* the administrator's forward ends a hold-down on its endpoint */
	conenat_holddown_take(inst->cn, &want, NULL);
	holder = conenat_lookup_ext(inst->cn, &want);
	if (holder) {
		if (conenat_mapping_static(holder))
			return false;	/* the administrator's: @m waits */
		if (conenat_mapping_remove(holder, CONENAT_EVENT_DELETED)) {
			conenat_expiry_hurry_locked(inst->cn, holder);
			conenat_ct_stale_later(inst->cn);
		}
		*wait = true;
		return false;
	}
	if (!(state & CONENAT_M_PERMANENT))
		lifetime = max_t(s32, READ_ONCE(m->expires) - conenat_now(), 1);
	/* a "mapping del" that got there first wins */
	if (!conenat_mapping_remove(m, 0))
		return false;

	/* a dynamic mapping traffic made for the endpoint meanwhile gives way */
	want.proto = 0;
	for (tries = 0; tries < 3; tries++) {
		n = conenat_mapping_create(inst, cfg, &m->ik, &want,
					   CONENAT_ORIGIN_STATIC, lifetime);
		if (IS_ERR(n))
			break;
		if (conenat_mapping_static(n)) {
			atomic_or(CONENAT_M_FOLLOW, &n->state);
			return true;
		}
		if (conenat_mapping_remove(n, CONENAT_EVENT_DELETED))
			conenat_expiry_hurry_locked(inst->cn, n);
	}
	/* no memory, or the namespace full: the forward is lost, and said so */
	conenat_event_mapping(m, CONENAT_EVENT_DELETED);
	conenat_count(inst, CONENAT_C_MAPPINGS_DELETED);
	return true;
}

/**
 * conenat_table_walk() - visit every mapping of a namespace
 * @cn: the namespace's state
 * @visit: called for each mapping under rcu_read_lock(); may remove it;
 *	returning true stops the walk
 * @arg: passed to @visit
 * @may_sleep: the caller holds no RCU read lock of its own, so the walk may
 *	yield the CPU between mappings (long walks must)
 *
 * Process context, on the control path only. A mapping may be visited twice
 * if the table is resized meanwhile; none present throughout is missed.
 *
 * Return: the mapping @visit stopped at, or NULL; valid while the caller
 * holds rcu_read_lock().
 */
struct conenat_mapping *conenat_table_walk(struct conenat_net *cn,
					   bool (*visit)(struct conenat_mapping *m,
							 void *arg),
					   void *arg, bool may_sleep)
{
	struct conenat_mapping *m, *found = NULL;
	struct rhashtable_iter iter;
	bool yielded = false;

	rhashtable_walk_enter(&cn->int_table, &iter);
	rhashtable_walk_start(&iter);
	m = rhashtable_walk_next(&iter);
	while (m) {
		if (IS_ERR(m)) {
			if (PTR_ERR(m) != -EAGAIN)
				break;
		} else if (may_sleep && !yielded && need_resched()) {
			/*
			 * Yield before visiting @m, while it is still linked,
			 * and resume at it: after @visit removed it the walker
			 * could not find its place in the bucket again and
			 * would skip the next entry.
			 */
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
			yielded = true;
			m = rhashtable_walk_peek(&iter);
			continue;
		} else {
			yielded = false;
			if (visit(m, arg)) {
				found = m;
				break;
			}
		}
		m = rhashtable_walk_next(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return found;
}

struct conenat_flush_arg {
	const struct conenat_instance *inst;
	bool dynamic_only;
	unsigned int removed;
};

static bool conenat_flush_one(struct conenat_mapping *m, void *arg)
{
	struct conenat_flush_arg *f = arg;

	if ((!f->inst || m->inst == f->inst) &&
	    (!f->dynamic_only || !conenat_mapping_static(m))) {
		conenat_mapping_remove(m, CONENAT_EVENT_DELETED);
		f->removed++;
	}
	return false;
}

/**
 * conenat_flush() - remove mappings
 * @cn: the namespace's state
 * @inst: only this instance's mappings, or NULL for all
 * @dynamic_only: keep static mappings
 *
 * Process context. The caller runs conenat_ct_cleanup() afterwards.
 *
 * Return: how many mappings were removed.
 */
unsigned int conenat_flush(struct conenat_net *cn,
			   const struct conenat_instance *inst,
			   bool dynamic_only)
{
	struct conenat_flush_arg f = {
		.inst = inst,
		.dynamic_only = dynamic_only,
	};

	conenat_table_walk(cn, conenat_flush_one, &f, true);
	if (f.removed)
		conenat_expiry_sweep(cn);
	return f.removed;
}

/**
 * conenat_table_init() - set up a namespace's tables and start the GC
 * @cn: the namespace's state
 *
 * Return: 0 or a negative errno.
 */
int conenat_table_init(struct conenat_net *cn)
{
	struct rhashtable_params p;
	int err;

	atomic_set(&cn->nmappings, 0);
	atomic64_set(&cn->next_id, 0);
	atomic_set(&cn->ct_stale, 0);
	cn->max_mappings = CONENAT_DEFAULT_MAX_MAPPINGS;

	/*
	 * hash_buckets buckets from the start (rhashtable sizes for a hint
	 * at 75 % load), and never fewer: shrinking after a flush keeps the
	 * size the administrator asked for.
	 */
	p = conenat_int_params;
	p.nelem_hint = conenat_hash_buckets / 4 * 3;
	p.min_size = conenat_hash_buckets;
	err = rhashtable_init(&cn->int_table, &p);
	if (err)
		return err;
	p = conenat_ext_params;
	p.nelem_hint = conenat_hash_buckets / 4 * 3;
	p.min_size = conenat_hash_buckets;
	err = rhashtable_init(&cn->ext_table, &p);
	if (err)
		goto err_destroy_int;
	err = conenat_peers_init(cn);
	if (err)
		goto err_destroy_ext;
	err = rhashtable_init(&cn->host_table, &conenat_host_params);
	if (err)
		goto err_destroy_peer;

	conenat_gc_init(cn);
	cn->tables_ready = true;
	return 0;

err_destroy_peer:
	conenat_peers_destroy(cn);
err_destroy_ext:
	rhashtable_destroy(&cn->ext_table);
err_destroy_int:
	rhashtable_destroy(&cn->int_table);
	return err;
}

static void conenat_free_host(void *ptr, void *arg)
{
	kmem_cache_free(conenat_host_cache, ptr);
}

/**
 * conenat_table_destroy() - stop the GC and free a namespace's tables
 * @cn: the namespace's state
 *
 * Every instance is gone, so every mapping is already unlinked.
 */
void conenat_table_destroy(struct conenat_net *cn)
{
	if (!cn->tables_ready)
		return;
	cn->tables_ready = false;
	conenat_gc_stop(cn);
	/* readers are gone with the hooks; pending frees must run first */
	rcu_barrier();
	WARN_ON_ONCE(atomic_read(&cn->nmappings));
	rhashtable_destroy(&cn->int_table);
	rhashtable_destroy(&cn->ext_table);
	conenat_peers_destroy(cn);
	rhashtable_free_and_destroy(&cn->host_table, conenat_free_host, NULL);
}

/**
 * conenat_table_cache_init() - create the slab caches of table entries
 *
 * The caches are accounted: an entry made in process context (a static
 * mapping, a permit, from netlink) is charged to the memory cgroup of the
 * admin who asked for it. Entries the packet path makes in softirq context
 * have no cgroup to charge; the namespace's max-mappings bounds them.
 *
 * Return: 0 or -ENOMEM.
 */
int __init conenat_table_cache_init(void)
{
	conenat_mapping_cache = KMEM_CACHE(conenat_mapping, SLAB_ACCOUNT);
	if (!conenat_mapping_cache)
		return -ENOMEM;
	if (conenat_peer_cache_init())
		goto err_destroy_mapping;
	conenat_host_cache = KMEM_CACHE(conenat_host, SLAB_ACCOUNT);
	if (!conenat_host_cache)
		goto err_destroy_peer;
	return 0;

err_destroy_peer:
	conenat_peer_cache_exit();
err_destroy_mapping:
	kmem_cache_destroy(conenat_mapping_cache);
	return -ENOMEM;
}

/**
 * conenat_table_cache_exit() - destroy the slab caches
 *
 * Every namespace's tables are gone and rcu_barrier() has run.
 */
void conenat_table_cache_exit(void)
{
	kmem_cache_destroy(conenat_host_cache);
	conenat_peer_cache_exit();
	kmem_cache_destroy(conenat_mapping_cache);
}
