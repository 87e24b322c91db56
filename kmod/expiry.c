// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: expiry, and the GC work that does it.
 *
 * Mappings with a timer (dynamic ones, static ones given a lifetime),
 * permanent ones while they have conntrack entries, and mappings whose
 * endpoint is in hold-down wait in a wheel of one slot per second,
 * CONENAT_WHEEL_SLOTS seconds ahead. A mapping enters the wheel through a
 * lock-free list, from the packet path as from anywhere, and the GC work,
 * once a second, looks only at the slots whose second has come:
 *  - a live mapping's conntrack entries are read (ctlink.c): what their
 *    packets say moves its timer, and it goes to the slot of its next look,
 *    before any entry could end unseen and before its end; one past its
 *    timer is removed (and announced);
 *  - a removed one waits for a grace period, then its entries are killed
 *    and the tables' reference dropped, which puts it back for its
 *    hold-down; one whose hold-down ended gives its endpoint back and is
 *    freed.
 * The work is the mappings whose second came, not the mappings that exist:
 * permanent static mappings without flows never enter the wheel, so a
 * million of them cost nothing until something happens to them. Expiry
 * does not wait for the wheel: a new flow checks its mapping's timer itself.
 *
 * The wheel owns the memory of the mappings in it (CONENAT_M_WHEEL): a
 * mapping released while in the wheel is freed by the wheel.
 *
 * The GC work also walks the mapping table when an external address
 * changed (renumbering, in batches), walks the peers while there are any
 * (peers.c), and after a renumbering ends the masqueraded flows on the
 * old address (ctlink.c). It idles when it has nothing to look at, and
 * whoever gives it work wakes it.
 */
#include "conenat.h"

/* Entries a walk looks at per run, and the pause between such runs. */
#define CONENAT_GC_BUDGET	8192
#define CONENAT_GC_PAUSE	max(HZ / 8, 1)

/* A slot's number fits its field of a mapping's state. */
static_assert(CONENAT_WHEEL_SLOTS - 1 <=
	      CONENAT_M_SLOT >> CONENAT_M_SLOT_SHIFT);

/* Due mappings the wheel looks at in one run, and between yields. */
#define CONENAT_WHEEL_BUDGET	65536
#define CONENAT_WHEEL_BATCH	256

/*
 * Visit up to @budget entries of @ht, resuming where the last call stopped.
 * Returns true when the walk reached the end of the table.
 *
 * A batch ends on an entry it has not visited yet, and the next one resumes
 * with rhashtable_walk_peek(): had the batch ended on an entry that @visit
 * removed, the walker could not find its place in the bucket again and
 * would skip the entry after it.
 */
static bool conenat_walk_some(struct rhashtable *ht, struct conenat_walk *w,
			      unsigned int budget,
			      void (*visit)(struct conenat_net *cn, void *obj),
			      struct conenat_net *cn)
{
	/* -EAGAIN (the table was resized) costs a step, not a visit */
	unsigned int steps = budget * 2 + 1;
	bool done = false;
	void *obj;

	if (!w->entered) {
		rhashtable_walk_enter(ht, &w->iter);
		w->entered = true;
	}
	rhashtable_walk_start(&w->iter);
	obj = rhashtable_walk_peek(&w->iter);
	while (steps--) {
		if (!obj || (IS_ERR(obj) && PTR_ERR(obj) != -EAGAIN)) {
			done = true;
			break;
		}
		if (!IS_ERR(obj)) {
			if (!budget)
				break;	/* the next batch starts at @obj */
			visit(cn, obj);
			budget--;
		}
		obj = rhashtable_walk_next(&w->iter);
	}
	rhashtable_walk_stop(&w->iter);
	if (done) {
		rhashtable_walk_exit(&w->iter);
		w->entered = false;
	}
	return done;
}

static void conenat_walk_abandon(struct conenat_walk *w)
{
	if (w->entered)
		rhashtable_walk_exit(&w->iter);
	w->entered = false;
}

/**
 * conenat_gc_wake() - make sure the GC work runs within a second
 * @cn: the namespace's state
 *
 * Cheap when it runs already, or sleeps no longer than a second: a
 * barrier and a read. Safe in softirq context.
 */
void conenat_gc_wake(struct conenat_net *cn)
{
	struct conenat_gc_state *gc = &cn->gc;

	/* the work is visible before the check (see conenat_gc_worker()) */
	smp_mb();
	/* also brings forward a sleep until a later slot */
	if (atomic_read(&gc->idle) && atomic_xchg(&gc->idle, 0))
		mod_delayed_work(system_power_efficient_wq, &cn->gc_work, HZ);
}

/**
 * conenat_gc_kick() - run the GC work now
 * @cn: the namespace's state
 */
void conenat_gc_kick(struct conenat_net *cn)
{
	if (!cn->tables_ready)
		return;
	atomic_set(&cn->gc.idle, 0);
	mod_delayed_work(system_power_efficient_wq, &cn->gc_work, 0);
}

/**
 * conenat_ct_stale_later() - have the GC's next run clean conntrack
 * @cn: the namespace's state
 *
 * For callers that cannot walk conntrack themselves: the packet path, and
 * notifiers under RTNL.
 */
void conenat_ct_stale_later(struct conenat_net *cn)
{
	atomic_set(&cn->ct_stale, 1);
	conenat_gc_kick(cn);
}

/**
 * conenat_gc_renumber() - an external address changed: walk the mappings
 * @cn: the namespace's state
 *
 * The GC removes the dynamic mappings on the old address, moves the static
 * ones that follow the device, and cleans conntrack. Under RTNL or not.
 */
void conenat_gc_renumber(struct conenat_net *cn)
{
	atomic_set(&cn->gc.renumber, 1);
	conenat_ct_stale_later(cn);
}

/**
 * conenat_expiry_enter() - set state bits and put a mapping in the wheel
 * @cn: the namespace's state
 * @m: the mapping: being published with a timer (@bits CONENAT_M_LIVE),
 *	its endpoint going into hold-down (CONENAT_M_HELD), or (@bits 0)
 *	removed, or permanent with conntrack entries to look at
 * @bits: CONENAT_M_* bits to set with CONENAT_M_WHEEL, in one step
 *
 * A mapping already in the wheel stays where it is. Safe in any context;
 * takes no lock.
 */
void conenat_expiry_enter(struct conenat_net *cn, struct conenat_mapping *m,
			  int bits)
{
	int state = atomic_read(&m->state), arriving;

	do {
		arriving = (state & CONENAT_M_WHEEL) ? 0 : CONENAT_M_ARRIVING;
	} while (!atomic_try_cmpxchg(&m->state, &state,
				     state | bits | CONENAT_M_WHEEL | arriving));
	if (state & CONENAT_M_WHEEL)
		return;
	llist_add(&m->incoming, &cn->gc.incoming);
	conenat_gc_wake(cn);
}

/*
 * Put @m in the slot of second @when, as near as the wheel reaches, and
 * note the slot in its state, where conenat_expiry_hurry_locked() finds it.
 */
static void conenat_wheel_place(struct conenat_gc_state *gc,
				struct conenat_mapping *m, u32 when)
{
	int state = atomic_read(&m->state), slot;

	if ((s32)(when - gc->clock) < 0)
		when = gc->clock;
	else if (when - gc->clock >= CONENAT_WHEEL_SLOTS)
		when = gc->clock + CONENAT_WHEEL_SLOTS - 1;
	slot = when % CONENAT_WHEEL_SLOTS;
	/* others change other bits meanwhile: only gc->lock's holder these */
	while (!atomic_try_cmpxchg(&m->state, &state,
				   (state & ~(CONENAT_M_SLOT | CONENAT_M_ARRIVING)) |
				   slot << CONENAT_M_SLOT_SHIFT))
		;
	__llist_add(&m->wheel, &gc->wheel[slot]);
	gc->nwheel++;
}

/* The mappings of a slot, taken out of it to be looked at one by one. */
static struct llist_node *conenat_wheel_take(struct conenat_gc_state *gc,
					     unsigned int slot)
{
	return __llist_del_all(&gc->wheel[slot]);
}

/* Back in @slot, where it was: its state already names the slot. */
static void conenat_wheel_put_back(struct conenat_gc_state *gc,
				   struct conenat_mapping *m, unsigned int slot)
{
	__llist_add(&m->wheel, &gc->wheel[slot]);
}

/**
 * conenat_expiry_hurry_locked() - have the wheel look at a mapping next
 * @cn: the namespace's state
 * @m: a mapping just removed, valid for the caller (a reference, or
 *	rcu_read_lock())
 *
 * A removal that was not the wheel's own leaves the mapping in the slot of
 * its old timer; its hold-down must not wait for that. Caller holds
 * cn->gc.lock.
 */
void conenat_expiry_hurry_locked(struct conenat_net *cn,
				 struct conenat_mapping *m)
{
	struct conenat_gc_state *gc = &cn->gc;
	int state;

	lockdep_assert_held(&gc->lock);
	/* ARRIVING is set with WHEEL (conenat_expiry_enter()) */
	state = atomic_read_acquire(&m->state);
	if ((state & (CONENAT_M_WHEEL | CONENAT_M_ARRIVING)) != CONENAT_M_WHEEL)
		return;	/* not in the wheel, or arriving: looked at soon */
	/* the next turn looks through its slot for the removed */
	__set_bit((state & CONENAT_M_SLOT) >> CONENAT_M_SLOT_SHIFT, gc->hurry);
	conenat_gc_wake(cn);
}

/**
 * conenat_expiry_hurry() - conenat_expiry_hurry_locked(), taking the lock
 * @cn: the namespace's state
 * @m: a mapping just removed, held by the caller's reference
 *
 * Process context.
 */
void conenat_expiry_hurry(struct conenat_net *cn, struct conenat_mapping *m)
{
	mutex_lock(&cn->gc.lock);
	conenat_expiry_hurry_locked(cn, m);
	mutex_unlock(&cn->gc.lock);
}

/*
 * Free a released mapping the wheel owns. Whoever released it may not have
 * unpublished it yet (conenat_holddown_end() releases after its
 * compare-and-exchange): no reader may find it once it is freed.
 */
static void conenat_wheel_free(struct conenat_net *cn,
			       struct conenat_mapping *m)
{
	conenat_ext_remove(cn, m);
	conenat_mapping_free(m);
}

/* Let others run every CONENAT_WHEEL_BATCH mappings. */
static void conenat_wheel_yield(unsigned int *n)
{
	if (++*n % CONENAT_WHEEL_BATCH)
		return;
	rcu_read_unlock();
	cond_resched();
	rcu_read_lock();
}

/*
 * The shortest gap between two looks at @m's entries: an eighth of its
 * timer, at most 30 s (conntrack's shortest UDP timeout: an entry may end
 * unseen only that long after a look), at least a second.
 */
static u32 conenat_wheel_gap(const struct conenat_config *cfg,
			     const struct conenat_mapping *m)
{
	return clamp_t(u32, conenat_proto_timeout(cfg, m->ik.proto) / 8, 1, 30);
}

/*
 * Look at live @m, whose second came: read its conntrack entries, and
 * return when to look again, or 0 when it is past its timer. A dynamic
 * mapping lives its timer past the last packet of its entries; a static
 * one by its lifetime alone. The wheel looks again before any entry could
 * end unseen, at most every eighth of the timer, and a second before the
 * end, so that a busy mapping is never taken for an expired one. A
 * permanent mapping is looked at only while it has entries, to forget
 * those that ended.
 */
static u32 conenat_wheel_live(struct conenat_net *cn,
			      struct conenat_mapping *m, u32 now)
{
	const struct conenat_config *cfg = conenat_cfg(conenat_minst(cn, m));
	struct conenat_visit v = { .cn = cn, .now = now };
	u32 base = READ_ONCE(m->expires), end = base, when, soon;
	int state = atomic_read(&m->state);

	conenat_ct_visit(m, cfg, &v);
	soon = now + conenat_wheel_gap(cfg, m);
	if (state & CONENAT_M_PERMANENT) {
		if (!v.alive && !READ_ONCE(m->flows))
			return 0;
		return (s32)(v.next - soon) < 0 ? soon : v.next;
	}
	if (!(state & CONENAT_M_STATIC)) {
		end = conenat_ct_until(m, cfg, &v, base);
		if (end != base)
			end = conenat_mapping_settle(m, base, end);
	}
	if ((s32)(end - now) <= 0)
		return 0;
	/* a margin before the end: the GC's work may run a little late */
	when = end - 2;
	if (v.alive && (s32)(v.next - when) < 0)
		when = v.next;
	if ((s32)(when - soon) < 0)
		when = (s32)(soon - end) < 0 ? soon : end;
	return when;
}

/*
 * Where an arrival goes: a mapping just made (or one that just got its
 * first entry) is looked at after a gap, or before its end, not at once:
 * a burst of new flows costs the wheel nothing then.
 */
static u32 conenat_wheel_first(struct conenat_net *cn,
			       const struct conenat_mapping *m, u32 now)
{
	const struct conenat_config *cfg = conenat_cfg(conenat_minst(cn, m));
	u32 when = now + conenat_wheel_gap(cfg, m), end;

	if (atomic_read(&m->state) & CONENAT_M_PERMANENT)
		return when;
	end = READ_ONCE(m->expires) - 2;
	return (s32)(end - when) < 0 ? max_t(u32, end, now + 1) : when;
}

/*
 * A permanent mapping with no entries left leaves the wheel: it is not
 * the wheel's to free. One that got an entry meanwhile comes back, and so
 * does one removed meanwhile: its remover may have found it still in the
 * wheel, and left it to the wheel.
 */
static void conenat_wheel_leave(struct conenat_net *cn,
				struct conenat_mapping *m)
{
	atomic_andnot(CONENAT_M_WHEEL, &m->state);
	/*
	 * An entry linked, or a removal, after the look saw WHEEL set, or
	 * sees it clear and enters the mapping itself; both may, and
	 * conenat_expiry_enter() lets one of them in.
	 */
	smp_mb__after_atomic();
	if (READ_ONCE(m->flows) ||
	    (atomic_read(&m->state) & CONENAT_M_DEAD))
		conenat_expiry_enter(cn, m, 0);
}

/*
 * Look at @m, taken out of the wheel: put it back where its timer says, or
 * let it go. A dead mapping goes on @dead, whose conntrack entries the
 * caller ends. Caller holds gc->lock and rcu_read_lock().
 */
static void conenat_wheel_visit(struct conenat_net *cn,
				struct conenat_mapping *m, u32 now,
				struct llist_head *dead, bool arrival)
{
	struct conenat_gc_state *gc = &cn->gc;
	int state;
	u32 when;

	for (;;) {
		/* HELD comes after the hold-down's end is written */
		state = atomic_read_acquire(&m->state);
		if (state & CONENAT_M_RELEASED) {
			conenat_wheel_free(cn, m);
			return;
		}
		if (state & CONENAT_M_HELD) {
			if ((s32)(READ_ONCE(m->expires) - now) > 0) {
				conenat_wheel_place(gc, m, READ_ONCE(m->expires));
				return;
			}
			conenat_holddown_end(cn, m);
			continue;
		}
		if (state & CONENAT_M_DEAD) {
			/* its remover is unlinking it: looked at next second */
			if (!(state & CONENAT_M_UNLINKED)) {
				conenat_wheel_place(gc, m, now + 1);
				return;
			}
			/* its entries end after a grace period: the caller */
			if (state & CONENAT_M_ARRIVING)
				atomic_andnot(CONENAT_M_ARRIVING, &m->state);
			__llist_add(&m->wheel, dead);
			return;
		}
		if (!(state & CONENAT_M_LIVE))
			when = now + 1;
		else if (arrival)
			when = conenat_wheel_first(cn, m, now);
		else
			when = conenat_wheel_live(cn, m, now);
		/* removed during the look: to the dead, not to a far slot */
		if (when && !(atomic_read(&m->state) & CONENAT_M_DEAD)) {
			conenat_wheel_place(gc, m, when);
			return;
		}
		if (when)
			continue;
		if (state & CONENAT_M_PERMANENT) {
			/* no entry left (or back in the arrivals for one) */
			conenat_wheel_leave(cn, m);
			return;
		}
		if (conenat_mapping_remove(cn, m, CONENAT_EVENT_EXPIRED))
			gc->removed++;
	}
}

/*
 * End the conntrack entries of the dead mappings on @dead, once no NAT
 * lookup that found one alive can still record an entry for it (a grace
 * period: a lookup and its record are one RCU reader); then the tables'
 * reference goes, and with the last one the endpoint goes to hold-down.
 * Caller holds gc->lock, not rcu_read_lock().
 */
static void conenat_wheel_drain(struct conenat_net *cn,
				struct llist_head *dead)
{
	struct conenat_mapping *m, *tmp;
	unsigned int n = 0;

	synchronize_rcu();
	rcu_read_lock();
	/* the put may put it back in the wheel: its link is reused */
	llist_for_each_entry_safe(m, tmp, __llist_del_all(dead), wheel) {
		conenat_ct_drain(cn, m);
		/* out of the wheel: hold-down puts it back (holddown.c) */
		atomic_andnot(CONENAT_M_WHEEL, &m->state);
		conenat_mapping_put(cn, m);
		conenat_wheel_yield(&n);
	}
	rcu_read_unlock();
}

/*
 * The slots where mappings were removed by others than the wheel (marked by
 * conenat_expiry_hurry_locked()): their removed mappings go on @dead now,
 * not when their slot's second comes. After a flush every slot is marked:
 * the walk yields between slots. Caller holds gc->lock, not
 * rcu_read_lock().
 */
static void conenat_wheel_hurried(struct conenat_gc_state *gc,
				  struct llist_head *dead)
{
	struct conenat_mapping *m, *tmp;
	unsigned int i, n = 0;

	for_each_set_bit(i, gc->hurry, CONENAT_WHEEL_SLOTS) {
		__clear_bit(i, gc->hurry);
		llist_for_each_entry_safe(m, tmp, conenat_wheel_take(gc, i),
					  wheel) {
			/*
			 * Not unlinked yet: its remover hurries it again
			 * once it is. The acquire pairs with the barrier
			 * before UNLINKED (conenat_mapping_remove()).
			 */
			if ((atomic_read_acquire(&m->state) &
			     (CONENAT_M_DEAD | CONENAT_M_UNLINKED |
			      CONENAT_M_HELD | CONENAT_M_RELEASED)) !=
			    (CONENAT_M_DEAD | CONENAT_M_UNLINKED)) {
				conenat_wheel_put_back(gc, m, i);
			} else {
				gc->nwheel--;
				__llist_add(&m->wheel, dead);
			}
			if (!(++n % CONENAT_WHEEL_BATCH))
				cond_resched();
		}
		cond_resched();
	}
}

/*
 * Take in the arrivals and the removed mappings of hurried slots, then look
 * at every slot whose second has come, at most CONENAT_WHEEL_BUDGET
 * mappings of them. Mappings taken out of the wheel are the wheel's own,
 * so the walk may yield between them.
 *
 * Return: false when the budget ran out before the wheel caught up.
 */
static bool conenat_wheel_turn(struct conenat_net *cn)
{
	struct conenat_gc_state *gc = &cn->gc;
	struct llist_node *first, *due = NULL;
	struct conenat_mapping *m, *tmp;
	u32 now = conenat_now();
	unsigned int n = 0, slot = 0;
	LLIST_HEAD(dead);
	bool done = true;

	lockdep_assert_held(&gc->lock);
	conenat_wheel_hurried(gc, &dead);
	rcu_read_lock();
	/* a wheel left alone longer than a turn starts over from now */
	if ((s32)(now - gc->clock) >= CONENAT_WHEEL_SLOTS)
		gc->clock = now - CONENAT_WHEEL_SLOTS + 1;
	first = llist_del_all(&gc->incoming);
	llist_for_each_entry_safe(m, tmp, first, incoming) {
		conenat_wheel_visit(cn, m, now, &dead, true);
		conenat_wheel_yield(&n);
	}
	n = 0;
	while (done && (s32)(now - gc->clock) >= 0) {
		slot = gc->clock % CONENAT_WHEEL_SLOTS;
		due = conenat_wheel_take(gc, slot);
		/* what is put back for now goes to the next slot */
		gc->clock++;
		while (due) {
			if (n == CONENAT_WHEEL_BUDGET) {
				done = false;
				break;
			}
			m = llist_entry(due, struct conenat_mapping, wheel);
			due = due->next;
			gc->nwheel--;
			conenat_wheel_visit(cn, m, now, &dead, false);
			conenat_wheel_yield(&n);
		}
	}
	if (!done) {
		/* the rest stays due: back in its slot, looked at next run */
		while (due) {
			m = llist_entry(due, struct conenat_mapping, wheel);
			due = due->next;
			conenat_wheel_put_back(gc, m, slot);
		}
		gc->clock--;
	}
	rcu_read_unlock();
	if (!llist_empty(&dead))
		conenat_wheel_drain(cn, &dead);
	return done;
}

/* Seconds from now to the wheel's first occupied slot; caller holds lock. */
static unsigned int conenat_wheel_next_due(const struct conenat_gc_state *gc)
{
	u32 now = conenat_now(), i;

	for (i = 0; i < CONENAT_WHEEL_SLOTS; i++)
		if (!llist_empty(&gc->wheel[(gc->clock + i) % CONENAT_WHEEL_SLOTS]))
			break;
	return max_t(s32, gc->clock + i - now, 1);
}

/*
 * Every mapping of @inst in the wheel, to @fn, which returns true when it
 * took the mapping out of its slot (gc->nwheel--, then freed or placed
 * again); otherwise the mapping stays where it was. Arrivals are taken in
 * first. Control path: yields between slots.
 */
static void conenat_wheel_each(struct conenat_net *cn,
			       const struct conenat_instance *inst,
			       bool (*fn)(struct conenat_net *cn,
					  struct conenat_mapping *m, u32 arg),
			       u32 arg)
{
	struct conenat_gc_state *gc = &cn->gc;
	struct conenat_mapping *m, *tmp;
	unsigned int i;

	lockdep_assert_held(&gc->lock);
	conenat_wheel_turn(cn);
	for (i = 0; i < CONENAT_WHEEL_SLOTS; i++) {
		llist_for_each_entry_safe(m, tmp, conenat_wheel_take(gc, i),
					  wheel)
			if (m->ik.inst != inst->id || !fn(cn, m, arg))
				conenat_wheel_put_back(gc, m, i);
		cond_resched();
	}
}

/**
 * conenat_expiry_sweep() - have the wheel look next at every removed mapping
 * @cn: the namespace's state
 *
 * For removals of many mappings at once (flush), which cannot hurry each.
 * Process context; the work of a walk of the wheel, as the flush is one of
 * the table.
 */
void conenat_expiry_sweep(struct conenat_net *cn)
{
	struct conenat_gc_state *gc = &cn->gc;

	mutex_lock(&gc->lock);
	bitmap_fill(gc->hurry, CONENAT_WHEEL_SLOTS);
	mutex_unlock(&gc->lock);
	conenat_gc_wake(cn);
}

/**
 * conenat_expiry_drain() - end now the conntrack entries of removed mappings
 * @cn: the namespace's state
 *
 * For the control path, after it removed mappings and hurried them (or
 * swept the wheel): their entries are out of conntrack's table, and their
 * endpoints in hold-down or free, when this returns (but an entry held in a
 * queue). Process context.
 */
void conenat_expiry_drain(struct conenat_net *cn)
{
	mutex_lock(&cn->gc.lock);
	while (!conenat_wheel_turn(cn))
		cond_resched();
	mutex_unlock(&cn->gc.lock);
	/* the turn may have left work: arrivals placed, hold-downs begun */
	conenat_gc_wake(cn);
}

/* Free @m, released, taken out of its slot. */
static void conenat_wheel_drop(struct conenat_net *cn,
			       struct conenat_mapping *m)
{
	cn->gc.nwheel--;
	conenat_wheel_free(cn, m);
}

static bool conenat_wheel_purge_one(struct conenat_net *cn,
				    struct conenat_mapping *m, u32 unused)
{
	conenat_holddown_end(cn, m);
	if (!(atomic_read(&m->state) & CONENAT_M_RELEASED))
		return false;
	conenat_wheel_drop(cn, m);
	return true;
}

/**
 * conenat_expiry_purge() - release the held endpoints of an instance
 * @cn: the namespace's state
 * @inst: the instance, being deleted; it holds no endpoint any more after
 *
 * Process context.
 */
void conenat_expiry_purge(struct conenat_net *cn,
			  const struct conenat_instance *inst)
{
	mutex_lock(&cn->gc.lock);
	conenat_wheel_each(cn, inst, conenat_wheel_purge_one, 0);
	mutex_unlock(&cn->gc.lock);
	/* the turn may have left work: arrivals placed, mappings removed */
	conenat_gc_wake(cn);
}

static bool conenat_wheel_shorten_one(struct conenat_net *cn,
				      struct conenat_mapping *m, u32 latest)
{
	struct conenat_gc_state *gc = &cn->gc;

	if (!(atomic_read_acquire(&m->state) & CONENAT_M_HELD) ||
	    (s32)(READ_ONCE(m->expires) - latest) <= 0)
		return false;
	/* hold-down 0: released now, not on the next turn */
	if ((s32)(latest - conenat_now()) <= 0) {
		conenat_holddown_end(cn, m);
		conenat_wheel_drop(cn, m);
		return true;
	}
	WRITE_ONCE(m->expires, latest);
	gc->nwheel--;
	conenat_wheel_place(gc, m, latest);
	return true;
}

/**
 * conenat_expiry_shorten() - end an instance's hold-downs by @latest
 * @cn: the namespace's state
 * @inst: the instance, whose hold-down was shortened
 * @latest: the conenat_now() second by which every hold-down ends
 *
 * Process context, once per change of the setting.
 */
void conenat_expiry_shorten(struct conenat_net *cn,
			    const struct conenat_instance *inst, u32 latest)
{
	mutex_lock(&cn->gc.lock);
	conenat_wheel_each(cn, inst, conenat_wheel_shorten_one, latest);
	mutex_unlock(&cn->gc.lock);
	conenat_gc_wake(cn);
}

/*
 * After an address change: the dynamic mappings on an address that is no
 * longer the instance's go, and so do those granted to hosts by port
 * control (their server announces the change, and they map again); the
 * administrator's static ones that follow the device move.
 */
static void conenat_gc_renumber_one(struct conenat_net *cn, void *obj)
{
	struct conenat_mapping *m = obj;
	struct conenat_instance *inst = conenat_minst(cn, m);
	const struct conenat_config *cfg = conenat_cfg(inst);
	__be32 addr = READ_ONCE(inst->dev_addr);
	bool wait = false;

	if (cfg->ext_min || m->ek.addr == addr || !conenat_mapping_live(m))
		return;
	if (!conenat_mapping_static(m) || conenat_mapping_granted(m)) {
		if (conenat_mapping_remove(cn, m, CONENAT_EVENT_DELETED)) {
			cn->gc.removed++;
			conenat_expiry_hurry_locked(cn, m);
		}
	} else if (conenat_mapping_follow(inst, m, cfg, &wait)) {
		conenat_expiry_hurry_locked(cn, m);
		cn->gc.removed++;
	} else if (wait) {
		/* its port at the new address is not free yet */
		cn->gc.again = true;
	}
}

static void conenat_gc_worker(struct work_struct *work)
{
	struct conenat_net *cn = container_of(to_delayed_work(work),
					      struct conenat_net, gc_work);
	struct conenat_gc_state *gc = &cn->gc;
	unsigned int nwheel, due;
	bool busy, stale;

	mutex_lock(&gc->lock);
	busy = !conenat_wheel_turn(cn);

	if (atomic_xchg(&gc->renumber, 0)) {
		/* a pass under way starts over: it may have passed the change */
		conenat_walk_abandon(&gc->walks[0]);
		gc->renumbering = true;
	}
	if (gc->renumbering) {
		gc->renumbering = !conenat_walk_some(&cn->int_table,
						     &gc->walks[0],
						     CONENAT_GC_BUDGET,
						     conenat_gc_renumber_one, cn);
		if (!gc->renumbering && gc->again) {
			gc->again = false;
			atomic_set(&gc->renumber, 1);
		}
		busy |= gc->renumbering;
		/* the mappings it removed: their flows end now */
		if (gc->removed)
			conenat_wheel_turn(cn);
	}
	if (atomic_read(&cn->peer_table.nelems) || gc->walks[1].entered)
		busy |= !conenat_walk_some(&cn->peer_table, &gc->walks[1],
					   CONENAT_GC_BUDGET, conenat_peer_reap,
					   cn);

	stale = atomic_xchg(&cn->ct_stale, 0);
	/* removed after the turn (renumbering): the next turn ends them */
	busy |= gc->removed != 0;
	WRITE_ONCE(gc->removed, 0);
	nwheel = gc->nwheel;
	due = nwheel ? conenat_wheel_next_due(gc) : 0;
	mutex_unlock(&gc->lock);

	/* flows of other protocols on an address that went */
	if (stale)
		conenat_ct_cleanup(cn);

	if (busy || atomic_read(&gc->renumber)) {
		queue_delayed_work(system_power_efficient_wq, &cn->gc_work,
				   CONENAT_GC_PAUSE);
		return;
	}
	if (!llist_empty(&gc->incoming) ||
	    atomic_read(&cn->peer_table.nelems)) {
		queue_delayed_work(system_power_efficient_wq, &cn->gc_work, HZ);
		return;
	}
	/*
	 * Nothing to look at before the wheel's next occupied slot: sleep
	 * until then, or until someone brings work. The exchange orders the
	 * flag before the checks below, as the barrier in conenat_gc_wake()
	 * orders work before its check: one of the two sides sees the other.
	 */
	atomic_xchg(&gc->idle, 1);
	/*
	 * A long sleep of a delayed work runs late by up to an eighth of it
	 * (the timer wheel's granularity); a mapping's look must not, so the
	 * work wakes an eighth early, and sleeps again for the rest.
	 */
	if (due)
		queue_delayed_work(system_power_efficient_wq, &cn->gc_work,
				   max_t(unsigned long, due * HZ - due * HZ / 8,
					 HZ));
	if (!llist_empty(&gc->incoming) || atomic_read(&gc->renumber) ||
	    atomic_read(&cn->peer_table.nelems) ||
	    READ_ONCE(gc->nwheel) != nwheel || READ_ONCE(gc->removed))
		conenat_gc_wake(cn);
}

/**
 * conenat_gc_init() - set up the wheel and the GC work of a namespace
 * @cn: the namespace's state
 *
 * The work idles until something is given to it.
 */
void conenat_gc_init(struct conenat_net *cn)
{
	struct conenat_gc_state *gc = &cn->gc;
	int i;

	memset(gc, 0, sizeof(*gc));
	mutex_init(&gc->lock);
	init_llist_head(&gc->incoming);
	for (i = 0; i < CONENAT_WHEEL_SLOTS; i++)
		init_llist_head(&gc->wheel[i]);
	gc->clock = conenat_now();
	atomic_set(&gc->idle, 1);
	INIT_DELAYED_WORK(&cn->gc_work, conenat_gc_worker);
}

/**
 * conenat_gc_stop() - stop the GC work and empty the wheel
 * @cn: the namespace's state; every instance is gone, so every mapping
 *	in the wheel has released its endpoint
 */
void conenat_gc_stop(struct conenat_net *cn)
{
	struct conenat_gc_state *gc = &cn->gc;
	struct conenat_mapping *m, *tmp;
	struct llist_node *first;
	int i;

	cancel_delayed_work_sync(&cn->gc_work);
	conenat_walk_abandon(&gc->walks[0]);
	conenat_walk_abandon(&gc->walks[1]);
	first = llist_del_all(&gc->incoming);
	llist_for_each_entry_safe(m, tmp, first, incoming)
		conenat_wheel_free(cn, m);
	for (i = 0; i < CONENAT_WHEEL_SLOTS; i++) {
		llist_for_each_entry_safe(m, tmp, conenat_wheel_take(gc, i),
					  wheel) {
			WARN_ON_ONCE(!(atomic_read(&m->state) &
				       CONENAT_M_RELEASED));
			conenat_wheel_free(cn, m);
		}
	}
	gc->nwheel = 0;
	mutex_destroy(&gc->lock);
}
