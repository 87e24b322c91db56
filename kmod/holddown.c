// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the hold-down of external endpoints (RFC 6888 REQ-8).
 *
 * When the last reference to a removed mapping goes (its conntrack entries
 * are gone), its external endpoint does not go back to the pool at once: the
 * mapping stays in the external table, dead, for the instance's hold-down
 * (120 s by default), so that late packets of the old flows are dropped
 * rather than delivered to whoever gets the port next, and a remote that
 * still knows the old endpoint reaches nobody.
 *
 * Two exceptions take a held endpoint at once: the internal endpoint that
 * had it (its own late packets are its own), and the administrator's
 * "mapping add" for that endpoint.
 *
 * A held mapping waits in the expiry wheel (expiry.c), which releases it
 * when the hold-down ends: the work is what ends, not what is held.
 *
 * The steps are transitions of the mapping's state: HELD when the last
 * reference goes, then RELEASED (the endpoint is back in the pool) by
 * whoever ends the hold-down first, the wheel or a new owner; the wheel
 * frees the memory.
 */
#include "conenat.h"

/* Give the endpoint of @m back to the pool. */
static void conenat_holddown_release(struct conenat_net *cn,
				     struct conenat_mapping *m)
{
	conenat_ext_remove(cn, m);
	atomic_dec(&conenat_minst(cn, m)->nheld);
}

/**
 * conenat_holddown_start() - hold the endpoint of a mapping that is gone
 * @cn: the namespace's state
 * @m: a dead mapping whose last reference went
 *
 * Safe in softirq context. Without a hold-down, or once the instance is
 * going, the endpoint is released at once.
 */
void conenat_holddown_start(struct conenat_net *cn, struct conenat_mapping *m)
{
	struct conenat_instance *inst = conenat_minst(cn, m);
	int old;
	u32 hold;

	/* instance delete waits for readers after closing (see _close()) */
	rcu_read_lock();
	hold = READ_ONCE(inst->held_closed) ? 0 : conenat_cfg(inst)->hold_down;
	if (hold) {
		WRITE_ONCE(m->expires, conenat_now() + hold);
		conenat_expiry_enter(cn, m, CONENAT_M_HELD);
		rcu_read_unlock();
		return;
	}
	rcu_read_unlock();

	conenat_holddown_release(cn, m);
	old = atomic_fetch_or(CONENAT_M_RELEASED, &m->state);
	if (!(old & CONENAT_M_WHEEL))
		conenat_mapping_free(m);
}

/**
 * conenat_holddown_end() - end a hold-down and release the endpoint
 * @cn: the namespace's state
 * @m: a mapping in the wheel
 *
 * Return: true for the caller that ended it; false when it was not held
 * (any more).
 */
bool conenat_holddown_end(struct conenat_net *cn, struct conenat_mapping *m)
{
	int state = atomic_read(&m->state);

	do {
		if (!(state & CONENAT_M_HELD))
			return false;
	} while (!atomic_try_cmpxchg(&m->state, &state,
				     (state & ~CONENAT_M_HELD) |
				     CONENAT_M_RELEASED));
	conenat_holddown_release(cn, m);
	return true;
}

/**
 * conenat_holddown_close() - release every held endpoint of an instance
 * @inst: the instance, being deleted
 *
 * From here on endpoints are released as soon as their last reference
 * goes. Process context, config_lock held.
 */
void conenat_holddown_close(struct conenat_instance *inst)
{
	WRITE_ONCE(inst->held_closed, true);
	/* a last reference going on another CPU saw it open, or sees it */
	synchronize_rcu();
	conenat_expiry_purge(inst->cn, inst);
}

/**
 * conenat_holddown_take() - end the hold-down of an endpoint for a new owner
 * @cn: the namespace's state
 * @ek: the endpoint
 * @m: the new mapping, whose internal endpoint must be the one that had
 *	@ek; NULL to take it whoever had it (the administrator asks)
 *
 * Safe in softirq context. The endpoint is released, not given: the caller
 * inserts its mapping as usual, and may lose the race for it.
 *
 * Return: whether a held endpoint was released.
 */
bool conenat_holddown_take(struct conenat_net *cn,
			   const struct conenat_ext_key *ek,
			   const struct conenat_mapping *m)
{
	struct conenat_mapping *old;
	bool taken = false;

	rcu_read_lock();
	old = conenat_lookup_ext(cn, ek);
	if (old && (atomic_read(&old->state) & CONENAT_M_HELD) &&
	    (!m || (old->ik.inst == m->ik.inst && old->ik.addr == m->ik.addr &&
		    old->ik.port == m->ik.port && old->ik.proto == m->ik.proto)))
		taken = conenat_holddown_end(cn, old);
	rcu_read_unlock();
	return taken;
}
