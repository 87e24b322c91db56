// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the life of a mapping, where the data path and the control
 * path meet.
 *
 * A mapping is created by the packet path (a new outbound flow), by
 * netlink (a static mapping, a permit) or by the GC (a static mapping
 * following the device), and removed by any of them, by the expiry wheel
 * and by instance deletion: all through the functions here, each step one
 * atomic transition of the mapping's state (conenat.h).
 *
 *  - conenat_mapping_create() claims an external endpoint (ports.c),
 *    inserts the mapping into the internal table and publishes it (LIVE);
 *    a mapping with a timer enters the expiry wheel (expiry.c);
 *  - conenat_mapping_alive() is the packet path's test for a new flow,
 *    exact to the second; conenat_mapping_refresh() moves the timer for
 *    one (both inline in conenat.h); the expiry wheel moves it after the
 *    packets of the mapping's conntrack entries (conenat_mapping_settle());
 *  - conenat_mapping_remove() makes it DEAD and hands it to the wheel,
 *    which ends its conntrack entries (ctlink.c) after a grace period and
 *    then drops the tables' reference;
 *  - conenat_mapping_put() of the last reference starts the hold-down of
 *    its endpoint (holddown.c), after which it is freed.
 */
#include "conenat.h"

/**
 * conenat_mapping_settle() - set a dynamic mapping's timer from its entries
 * @m: the mapping, in the expiry wheel's hands
 * @base: its timer as the wheel read it before its entries
 * @end: the end the packets of its entries give it, maybe earlier (the
 *	close of its last TCP connection)
 *
 * A timer that moved meanwhile (a new flow, a permit) only moves later; a
 * mapping granted meanwhile keeps its own.
 *
 * Return: the timer now.
 */
u32 conenat_mapping_settle(struct conenat_mapping *m, u32 base, u32 end)
{
	u32 old = base, was;

	for (;;) {
		/* the timer before the state: see conenat_mapping_grant() */
		smp_rmb();
		if (conenat_mapping_static(m))
			return READ_ONCE(m->expires);
		was = cmpxchg(&m->expires, old, end);
		if (was == old)
			return end;
		old = was;
		if ((s32)(end - old) <= 0)
			return old;
	}
}

/* Move @m's timer to @expires if that is later; true if it moved. */
static bool conenat_timer_forward(struct conenat_mapping *m, u32 expires)
{
	u32 old;

	do {
		old = READ_ONCE(m->expires);
		if ((s32)(expires - old) <= 0)
			return false;
	} while (cmpxchg(&m->expires, old, expires) != old);
	return true;
}

/**
 * conenat_mapping_grant() - give a live mapping to a port control request
 * @inst: its instance
 * @m: the internal endpoint's remote-less mapping, found under
 *	rcu_read_lock() and held (conenat_mapping_hold()) by the caller
 * @origin: CONENAT_ORIGIN_PCP, CONENAT_ORIGIN_PCP_FILTERED or
 *	CONENAT_ORIGIN_NATPMP
 * @lifetime: seconds it lives at least, from now
 *
 * A mapping that traffic made, or that an earlier request granted, becomes
 * the request's, with its external endpoint and its flows: static (its
 * timer left alone by traffic from now on), of @origin, with or without a
 * filter. Its timer only moves later. Announced as CONENAT_EVENT_UPDATED.
 *
 * The timer moves first, which a dynamic mapping may have anyway, so that
 * the expiry wheel does not take it meanwhile. Then the state changes, and
 * for a mapping that was dynamic the timer is written once more, to a
 * value it never had: the timer's other writers read it before the state
 * and write it with cmpxchg, so one that still saw a dynamic mapping fails
 * and looks again.
 * The wheel may still have decided on the mapping before the first move:
 * the caller checks that it is live afterwards.
 *
 * Return: false when @m is not live, is past its timer, is on an address
 * that is no longer its instance's, or is the administrator's own.
 */
bool conenat_mapping_grant(const struct conenat_instance *inst,
			   struct conenat_mapping *m, u8 origin, u32 lifetime)
{
	u32 expires = conenat_now() + lifetime;
	int state = atomic_read(&m->state);
	u32 old, next;
	int want;

	/* one past its timer is the GC's: the request makes a new one */
	if (!conenat_mapping_alive(m) ||
	    !conenat_is_ext_addr(inst, conenat_cfg(inst), m->ek.addr))
		return false;
	conenat_timer_forward(m, expires);
	do {
		if ((state & (CONENAT_M_LIVE | CONENAT_M_DEAD)) !=
		    CONENAT_M_LIVE ||
		    (state & CONENAT_M_PERMANENT) ||
		    ((state & CONENAT_M_STATIC) &&
		     !(state & CONENAT_M_GRANTED)))
			return false;
		want = (state & ~(CONENAT_M_GRANTED | CONENAT_M_FILTERED)) |
		       CONENAT_M_STATIC | conenat_origin_state(origin);
	} while (!atomic_try_cmpxchg(&m->state, &state, want));

	/* granted before: nobody who saw it dynamic is still writing */
	if (state & CONENAT_M_STATIC) {
		conenat_timer_forward(m, expires);
	} else {
		do {
			old = READ_ONCE(m->expires);
			next = (s32)(expires - old) > 0 ? expires : old + 1;
		} while (cmpxchg(&m->expires, old, next) != old);
	}
	conenat_event_mapping(inst, m, CONENAT_EVENT_UPDATED);
	return true;
}

/**
 * conenat_mapping_hold() - take a reference for a control-path request
 * @m: a live mapping, found under rcu_read_lock()
 *
 * Return: false when the mapping is already on its way out.
 */
bool conenat_mapping_hold(struct conenat_mapping *m)
{
	int state = atomic_read(&m->state);

	do {
		/* a live mapping still has the tables' reference */
		if ((state & (CONENAT_M_LIVE | CONENAT_M_DEAD)) != CONENAT_M_LIVE)
			return false;
		if (WARN_ON_ONCE(((u32)state & CONENAT_M_REFS) ==
				 CONENAT_M_REFS))
			return false;
	} while (!atomic_try_cmpxchg(&m->state, &state,
				     state + CONENAT_M_REF));
	return true;
}

/**
 * conenat_mapping_put() - drop a reference; the last ends the mapping
 * @cn: the namespace's state
 * @m: the mapping
 *
 * The last reference starts the external endpoint's hold-down, after which
 * it goes back to the pool and the mapping is freed (holddown.c). Safe in
 * softirq context.
 */
void conenat_mapping_put(struct conenat_net *cn, struct conenat_mapping *m)
{
	u32 state = atomic_sub_return(CONENAT_M_REF, &m->state);

	if (!(state & CONENAT_M_REFS))
		conenat_holddown_start(cn, m);
}

/*
 * Undo a mapping that was never published. Nobody else may remove it (see
 * conenat_mapping_remove()), so its creator unlinks and frees it alone;
 * readers that found it in the external table see it not alive.
 */
static void conenat_mapping_abort(struct conenat_instance *inst,
				  struct conenat_mapping *m, bool in_ext)
{
	struct conenat_net *cn = inst->cn;

	if (in_ext)
		conenat_ext_remove(cn, m);
	atomic_dec(&inst->nmappings);
	atomic_dec(&inst->nheld);
	atomic_dec(&cn->nmappings);
	conenat_host_release(cn, m);
	conenat_mapping_free(m);
}

/**
 * conenat_mapping_create() - create and publish a mapping
 * @inst: the instance
 * @cfg: its configuration, as the caller read it
 * @ik: the internal key
 * @want: the external endpoint asked for (static mappings), or NULL
 * @origin: enum conenat_origin: CONENAT_ORIGIN_DYNAMIC for traffic's, any
 *	other makes a static mapping (PCP and NATPMP ones granted to a host,
 *	which do not follow the device's address)
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
	int err, anykey = 0, state;

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

	m = conenat_mapping_alloc();
	if (!m) {
		conenat_host_put(cn, host);
		atomic_dec(&cn->nmappings);
		conenat_count(inst, CONENAT_C_NOMEM);
		return ERR_PTR(-ENOMEM);
	}
	m->ik = *ik;
	m->id = atomic64_inc_return(&cn->next_id);
	/* the tables' reference */
	state = CONENAT_M_REF;
	if (origin == CONENAT_ORIGIN_STATIC)
		state |= CONENAT_M_STATIC |
			 (lifetime ? 0 : CONENAT_M_PERMANENT) |
			 (!cfg->ext_min && !(want && want->addr) ?
			  CONENAT_M_FOLLOW : 0);
	else if (origin != CONENAT_ORIGIN_DYNAMIC)
		state |= CONENAT_M_STATIC |
			 (lifetime ? 0 : CONENAT_M_PERMANENT) |
			 conenat_origin_state(origin);
	atomic_set(&m->state, state);
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
		conenat_mapping_abort(inst, m, false);
		return ERR_PTR(err);
	}

	old = conenat_int_insert(cn, m);
	if (!IS_ERR_OR_NULL(old) && !conenat_mapping_alive(old)) {
		/*
		 * Past its timer but not reaped yet, or being removed: never
		 * hand it out (a flow or a permit would go with it). End it as
		 * the GC would, and take its key once; a dying one that is
		 * still linked makes the caller try again.
		 */
		conenat_mapping_remove(cn, old, CONENAT_EVENT_EXPIRED);
		old = conenat_int_insert(cn, m);
	}
	if (old) {
		conenat_mapping_abort(inst, m, true);
		if (IS_ERR(old)) {
			conenat_count(inst, CONENAT_C_NOMEM);
			return old;
		}
		if (!conenat_mapping_alive(old))
			return ERR_PTR(-EAGAIN);
		return old;
	}

	/*
	 * A mapping for every remote of its internal endpoint, which flows
	 * under dependent mapping look for when they have none of their own:
	 * counted before anyone can remove it. Traffic's own under
	 * endpoint-independent mapping are not: a change of the mapping
	 * behaviour removes them.
	 */
	if (!ik->raddr && !ik->rport &&
	    (origin != CONENAT_ORIGIN_DYNAMIC ||
	     cfg->mapping != CONENAT_ENDPOINT_INDEPENDENT)) {
		atomic_inc(&inst->nanykey);
		anykey = CONENAT_M_ANYKEY;
	}
	/*
	 * From here on anyone may remove it; it is no longer ours alone. A
	 * timer puts it in the expiry wheel, which then owns its memory.
	 */
	if (atomic_read(&m->state) & CONENAT_M_PERMANENT)
		atomic_or(CONENAT_M_LIVE | anykey, &m->state);
	else
		conenat_expiry_enter(cn, m, CONENAT_M_LIVE | anykey);
	/* Deletion waits for readers before flushing; see instance.c. */
	if (READ_ONCE(inst->dead)) {
		conenat_mapping_remove(cn, m, 0);
		return ERR_PTR(-ENODEV);
	}

	conenat_count(inst, CONENAT_C_MAPPINGS_CREATED);
	conenat_event_mapping(inst, m, CONENAT_EVENT_CREATED);
	return m;
}

/**
 * conenat_mapping_remove() - unlink a mapping and free it after readers
 * @cn: the namespace's state
 * @m: the mapping
 * @event: CONENAT_EVENT_EXPIRED or _DELETED to count and announce, 0 not to
 *
 * Safe against concurrent removal: only the first caller acts. A mapping its
 * creator has not published yet is left alone: the creator either
 * publishes it (and it can be removed then) or undoes it. The mapping goes
 * to the expiry wheel, which ends its conntrack entries once no reader can
 * link one to it any more, and only then lets its external endpoint go
 * (conenat_expiry_drain() does it at once); a caller that found it in the
 * wheel hurries it there.
 *
 * The caller keeps the mapping valid until this returns (rcu_read_lock(),
 * a reference, or cn->gc.lock): once it is UNLINKED the wheel may end it
 * and free it.
 *
 * Return: true for the caller that removed it.
 */
bool conenat_mapping_remove(struct conenat_net *cn, struct conenat_mapping *m,
			    u8 event)
{
	struct conenat_instance *inst = conenat_minst(cn, m);
	int state = atomic_read(&m->state);

	do {
		if ((state & (CONENAT_M_LIVE | CONENAT_M_DEAD)) != CONENAT_M_LIVE)
			return false;
	} while (!atomic_try_cmpxchg(&m->state, &state, state | CONENAT_M_DEAD));
	conenat_int_remove(cn, m);
	/*
	 * The wheel ends its entries (and may free it soon after) only once
	 * it sees this: the grace period it waits for then covers every
	 * reader that found the mapping in the internal table.
	 */
	smp_mb__before_atomic();
	atomic_or(CONENAT_M_UNLINKED, &m->state);
	if (state & CONENAT_M_ANYKEY)
		atomic_dec(&inst->nanykey);
	if (event == CONENAT_EVENT_EXPIRED)
		conenat_count(inst, CONENAT_C_MAPPINGS_EXPIRED);
	else if (event == CONENAT_EVENT_DELETED)
		conenat_count(inst, CONENAT_C_MAPPINGS_DELETED);
	if (event)
		conenat_event_mapping(inst, m, event);
	atomic_dec(&inst->nmappings);
	atomic_dec(&cn->nmappings);
	conenat_host_release(cn, m);
	conenat_peer_close(cn, m);
	/* a permanent mapping without entries was not in the wheel */
	conenat_expiry_enter(cn, m, 0);
	return true;
}

/**
 * conenat_mapping_follow() - move a static mapping to the device's address
 * @inst: its instance
 * @m: the mapping
 * @cfg: its instance's configuration
 * @wait: set when @m stays for now, but the next pass may move it
 *
 * Move static mapping @m, which follows the device, to the device's new
 * address with the same port: the administrator's port forward survives a
 * DHCP renewal, a PPPoE reconnect, a re-created device. Without an address
 * it waits, as does a static mapping given an explicit address.
 *
 * A dynamic mapping that traffic made on the port at the new address, or
 * one a host asked for by port control, gives way, as for "mapping add";
 * @m stays where it is until the port is free
 * (the holder's conntrack entries gone), and the next pass moves it. GC
 * context, cn->gc.lock held.
 *
 * Return: true when @m went.
 */
bool conenat_mapping_follow(struct conenat_instance *inst,
			    struct conenat_mapping *m,
			    const struct conenat_config *cfg, bool *wait)
{
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
		/* the administrator's: @m waits; a host's gives way */
		if (conenat_mapping_static(holder) &&
		    !conenat_mapping_granted(holder))
			return false;
		if (conenat_mapping_remove(inst->cn, holder,
					   CONENAT_EVENT_DELETED))
			conenat_expiry_hurry_locked(inst->cn, holder);
		*wait = true;
		return false;
	}
	if (!(state & CONENAT_M_PERMANENT))
		lifetime = max_t(s32, READ_ONCE(m->expires) - conenat_now(), 1);
	/* a "mapping del" that got there first wins */
	if (!conenat_mapping_remove(inst->cn, m, 0))
		return false;

	/* a dynamic mapping traffic made for the endpoint meanwhile gives way */
	want.proto = 0;
	for (tries = 0; tries < 3; tries++) {
		n = conenat_mapping_create(inst, cfg, &m->ik, &want,
					   CONENAT_ORIGIN_STATIC, lifetime);
		if (IS_ERR(n))
			break;
		/* not a host's own request's, made meanwhile: it gives way */
		if (conenat_mapping_static(n) && !conenat_mapping_granted(n)) {
			atomic_or(CONENAT_M_FOLLOW, &n->state);
			return true;
		}
		if (conenat_mapping_remove(inst->cn, n, CONENAT_EVENT_DELETED))
			conenat_expiry_hurry_locked(inst->cn, n);
	}
	/* no memory, or the namespace full: the forward is lost, and said so */
	conenat_event_mapping(inst, m, CONENAT_EVENT_DELETED);
	conenat_count(inst, CONENAT_C_MAPPINGS_DELETED);
	return true;
}

