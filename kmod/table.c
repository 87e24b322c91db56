// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the per-netns tables, and the memory of their entries.
 *
 * Four resizable hash tables, all RCU for readers:
 *  - mappings by internal key (outbound lookups),
 *  - mappings by external key (inbound lookups, port allocation),
 *  - peers: the remotes a mapping's filter lets in (peers.c),
 *  - hosts: mapping counts per internal address, for max-per-host.
 *
 * What a mapping's life is made of is in lifecycle.c; this file keeps the
 * tables it lives in, walks over them for the control path, and the host
 * entries, each of which goes with the last mapping it counts.
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
 * conenat_int_insert() - publish a mapping under its internal key
 * @cn: the namespace's state
 * @m: the mapping, @m->ik set
 *
 * Return: NULL, the mapping that has the key already, or ERR_PTR.
 */
struct conenat_mapping *conenat_int_insert(struct conenat_net *cn,
					   struct conenat_mapping *m)
{
	return rhashtable_lookup_get_insert_fast(&cn->int_table, &m->int_node,
						 conenat_int_params);
}

/**
 * conenat_int_remove() - unlink a mapping from the internal table
 * @cn: the namespace's state
 * @m: the mapping
 */
void conenat_int_remove(struct conenat_net *cn, struct conenat_mapping *m)
{
	rhashtable_remove_fast(&cn->int_table, &m->int_node, conenat_int_params);
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

static void conenat_host_free_rcu(struct rcu_head *head);

/**
 * conenat_host_put() - drop a count on a host entry
 * @cn: the namespace's state
 * @h: the entry; the last count removes it
 */
void conenat_host_put(struct conenat_net *cn, struct conenat_host *h)
{
	if (!atomic_dec_and_test(&h->count) ||
	    atomic_cmpxchg(&h->count, 0, -1) != 0)
		return;
	if (rhashtable_remove_fast(&cn->host_table, &h->node,
				   conenat_host_params) == 0)
		call_rcu(&h->rcu, conenat_host_free_rcu);
}

/**
 * conenat_host_release() - drop a mapping's count on its host entry
 * @cn: the namespace's state
 * @m: the mapping
 *
 * Mappings do not point to the entry (8 bytes a mapping): a counted entry
 * cannot go, so the lookup by the mapping's internal address finds it.
 */
void conenat_host_release(struct conenat_net *cn,
			  const struct conenat_mapping *m)
{
	struct conenat_host_key key = { .addr = m->ik.addr, .inst = m->ik.inst };
	struct conenat_host *h;

	rcu_read_lock();
	h = rhashtable_lookup(&cn->host_table, &key, conenat_host_params);
	if (!WARN_ON_ONCE(!h))
		conenat_host_put(cn, h);
	rcu_read_unlock();
}

/**
 * conenat_host_get() - take a count on an internal address's host entry
 * @cn: the namespace's state
 * @inst: the instance
 * @addr: the internal address
 * @max: the most mappings the address may have, 0 for no limit
 *
 * Creates the entry, inserted with its creator's count already taken.
 * Safe in softirq context.
 *
 * Return: the entry, or ERR_PTR: -EDQUOT (at @max), -EAGAIN (its last
 * count is going right now: the flow's next packet finds a fresh entry),
 * -ENOMEM or the table's error.
 */
struct conenat_host *conenat_host_get(struct conenat_net *cn,
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
	struct conenat_mapping *m = container_of(head, struct conenat_mapping,
						 rcu);

	conenat_ct_release(m);
	kmem_cache_free(conenat_mapping_cache, m);
}

static void conenat_host_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(conenat_host_cache,
			container_of(head, struct conenat_host, rcu));
}

/**
 * conenat_mapping_alloc() - a zeroed mapping from the accounted cache
 *
 * Safe in softirq context.
 *
 * Return: the mapping or NULL.
 */
struct conenat_mapping *conenat_mapping_alloc(void)
{
	return kmem_cache_zalloc(conenat_mapping_cache, GFP_ATOMIC);
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
 * conenat_ht_walk() - visit every object of one of a namespace's tables
 * @ht: the table (mappings by internal endpoint, or peers)
 * @visit: called for each object under rcu_read_lock(); may remove it;
 *	returning true stops the walk
 * @arg: passed to @visit
 * @may_sleep: the caller holds no RCU read lock of its own, so the walk may
 *	yield the CPU between objects (long walks must)
 *
 * Process context, on the control path only. An object may be visited twice
 * if the table is resized meanwhile; none present throughout is missed.
 *
 * Return: the object @visit stopped at, or NULL; valid while the caller
 * holds rcu_read_lock().
 */
void *conenat_ht_walk(struct rhashtable *ht,
		      bool (*visit)(void *obj, void *arg), void *arg,
		      bool may_sleep)
{
	struct rhashtable_iter iter;
	void *obj, *found = NULL;
	bool yielded = false;

	rhashtable_walk_enter(ht, &iter);
	rhashtable_walk_start(&iter);
	obj = rhashtable_walk_next(&iter);
	while (obj) {
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) != -EAGAIN)
				break;
		} else if (may_sleep && !yielded && need_resched()) {
			/*
			 * Yield before visiting @obj, while it is still linked,
			 * and resume at it: after @visit removed it the walker
			 * could not find its place in the bucket again and
			 * would skip the next entry.
			 */
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
			yielded = true;
			obj = rhashtable_walk_peek(&iter);
			continue;
		} else {
			yielded = false;
			if (visit(obj, arg)) {
				found = obj;
				break;
			}
		}
		obj = rhashtable_walk_next(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return found;
}

struct conenat_mapping_visit {
	bool (*visit)(struct conenat_mapping *m, void *arg);
	void *arg;
};

static bool conenat_visit_mapping(void *obj, void *arg)
{
	struct conenat_mapping_visit *v = arg;

	return v->visit(obj, v->arg);
}

/**
 * conenat_table_walk() - visit every mapping of a namespace
 * @cn: the namespace's state
 * @visit: called for each mapping, as by conenat_ht_walk()
 * @arg: passed to @visit
 * @may_sleep: as for conenat_ht_walk()
 *
 * Return: the mapping @visit stopped at, or NULL; valid while the caller
 * holds rcu_read_lock().
 */
struct conenat_mapping *conenat_table_walk(struct conenat_net *cn,
					   bool (*visit)(struct conenat_mapping *m,
							 void *arg),
					   void *arg, bool may_sleep)
{
	struct conenat_mapping_visit v = { .visit = visit, .arg = arg };

	return conenat_ht_walk(&cn->int_table, conenat_visit_mapping, &v,
			       may_sleep);
}

struct conenat_flush_arg {
	struct conenat_net *cn;
	const struct conenat_instance *inst;
	bool dynamic_only;
	unsigned int removed;
};

static bool conenat_flush_one(struct conenat_mapping *m, void *arg)
{
	struct conenat_flush_arg *f = arg;

	/* a host's (port control) goes with the dynamic ones: it maps again */
	if ((!f->inst || m->ik.inst == f->inst->id) &&
	    (!f->dynamic_only || !conenat_mapping_static(m) ||
	     conenat_mapping_granted(m))) {
		conenat_mapping_remove(f->cn, m, CONENAT_EVENT_DELETED);
		f->removed++;
	}
	return false;
}

/**
 * conenat_flush() - remove mappings
 * @cn: the namespace's state
 * @inst: only this instance's mappings, or NULL for all
 * @dynamic_only: keep the administrator's static mappings (those hosts
 *	asked for by port control go)
 *
 * Process context. The caller runs conenat_expiry_drain() afterwards.
 *
 * Return: how many mappings were removed.
 */
unsigned int conenat_flush(struct conenat_net *cn,
			   const struct conenat_instance *inst,
			   bool dynamic_only)
{
	struct conenat_flush_arg f = {
		.cn = cn,
		.inst = inst,
		.dynamic_only = dynamic_only,
	};

	conenat_table_walk(cn, conenat_flush_one, &f, true);
	if (f.removed)
		conenat_expiry_sweep(cn);
	return f.removed;
}

/* The most buckets rhashtable keeps as a table's smallest size (a u16). */
#define CONENAT_HASH_BUCKETS_KEEP	32768U

/*
 * hash_buckets buckets from the start, and never fewer. rhashtable sizes a
 * table for a u16 hint at 75 % load, which reaches 131072 buckets, and
 * keeps a u16 smallest size: a table of up to 32768 buckets shrinks back to
 * that after a flush; a larger one does not shrink at all, like conntrack's.
 * Growing a table rehashes every entry (about 800 ns a new mapping when
 * 60 000 arrive in a burst, Documentation/benchmarks.md): a router that
 * expects many sizes its tables ahead, as it sizes conntrack's.
 */
static void conenat_table_size(struct rhashtable_params *p)
{
	p->nelem_hint = min(conenat_hash_buckets / 4 * 3, (unsigned int)U16_MAX);
	if (conenat_hash_buckets <= CONENAT_HASH_BUCKETS_KEEP)
		p->min_size = conenat_hash_buckets;
	else
		p->automatic_shrinking = false;
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

	p = conenat_int_params;
	conenat_table_size(&p);
	err = rhashtable_init(&cn->int_table, &p);
	if (err)
		return err;
	p = conenat_ext_params;
	conenat_table_size(&p);
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

/**
 * conenat_table_buckets() - how many buckets the internal table has now
 * @cn: the namespace's state
 *
 * The external table holds the same live mappings, and the removed ones
 * until their hold-down ends: it may be larger for a while.
 *
 * Return: the bucket count, the newer table's while one is being resized.
 */
unsigned int conenat_table_buckets(struct conenat_net *cn)
{
	const struct bucket_table *tbl;
	unsigned int size;

	rcu_read_lock();
	tbl = rcu_dereference(cn->int_table.tbl);
	while (rcu_access_pointer(tbl->future_tbl))
		tbl = rcu_dereference(tbl->future_tbl);
	size = tbl->size;
	rcu_read_unlock();
	return size;
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

/*
 * A million mappings and their two tables' buckets in at most 128 bytes a
 * mapping (Documentation/benchmarks.md): 88-byte objects fit 46 to a page.
 */
static_assert(sizeof(struct conenat_mapping) <= 88);

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
