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
 * The instance keeps its held mappings in a list in the order they were
 * held, which is the order they end in: the GC looks only at the head, so
 * the work is what ends, not what is held. A longer hold-down applies to
 * endpoints held from then on; a shorter one also cuts the rest of those
 * held already, which keeps the list in order.
 */
#include "conenat.h"

/*
 * Give the endpoint of @m, whose last reference went, back to the pool and
 * free it after readers. @m is in no list.
 */
static void conenat_holddown_release(struct conenat_mapping *m)
{
	struct conenat_instance *inst = m->inst;

	conenat_ext_remove(inst->cn, m);
	atomic_dec(&inst->nheld);
	conenat_mapping_free(m);
}

/**
 * conenat_holddown_start() - hold the endpoint of a mapping that is gone
 * @m: a dead mapping whose last reference went
 *
 * Safe in softirq context. Without a hold-down, or once the instance is
 * going, the endpoint is released at once.
 */
void conenat_holddown_start(struct conenat_mapping *m)
{
	struct conenat_instance *inst = m->inst;
	u32 hold;

	rcu_read_lock();
	hold = conenat_cfg(inst)->hold_down;
	rcu_read_unlock();
	if (hold) {
		WRITE_ONCE(m->expires, conenat_now() + hold);
		spin_lock_bh(&inst->held_lock);
		if (!inst->held_closed) {
			atomic_or(CONENAT_M_HELD, &m->state);
			list_add_tail(&m->held, &inst->held);
			spin_unlock_bh(&inst->held_lock);
			return;
		}
		spin_unlock_bh(&inst->held_lock);
	}
	conenat_holddown_release(m);
}

/**
 * conenat_holddown_expire() - release the endpoints whose hold-down ended
 * @inst: the instance
 * @budget: the most to release
 *
 * Process context (the GC).
 *
 * Return: how many were released.
 */
unsigned int conenat_holddown_expire(struct conenat_instance *inst,
				     unsigned int budget)
{
	struct conenat_mapping *m, *tmp;
	unsigned int n = 0;
	LIST_HEAD(done);

	spin_lock_bh(&inst->held_lock);
	list_for_each_entry_safe(m, tmp, &inst->held, held) {
		if (n == budget ||
		    (s32)(READ_ONCE(m->expires) - conenat_now()) > 0)
			break;
		atomic_andnot(CONENAT_M_HELD, &m->state);
		list_move_tail(&m->held, &done);
		n++;
	}
	spin_unlock_bh(&inst->held_lock);

	list_for_each_entry_safe(m, tmp, &done, held) {
		list_del(&m->held);
		conenat_holddown_release(m);
	}
	return n;
}

/**
 * conenat_holddown_shorten() - apply a shorter hold-down to held endpoints
 * @inst: the instance
 * @hold: the new hold-down, in seconds
 *
 * Endpoints held already end at the latest @hold from now; later ones end
 * later still, so the list stays in order. Control path, once per change.
 */
void conenat_holddown_shorten(struct conenat_instance *inst, u32 hold)
{
	u32 latest = conenat_now() + hold;
	struct conenat_mapping *m;

	spin_lock_bh(&inst->held_lock);
	list_for_each_entry(m, &inst->held, held)
		if ((s32)(m->expires - latest) > 0)
			WRITE_ONCE(m->expires, latest);
	spin_unlock_bh(&inst->held_lock);
	conenat_gc_kick(inst->cn);
}

/**
 * conenat_holddown_close() - release every held endpoint of an instance
 * @inst: the instance, being deleted
 *
 * From here on endpoints are released as soon as their last reference
 * goes. Process context.
 */
void conenat_holddown_close(struct conenat_instance *inst)
{
	struct conenat_mapping *m, *tmp;
	LIST_HEAD(done);

	spin_lock_bh(&inst->held_lock);
	inst->held_closed = true;
	list_splice_init(&inst->held, &done);
	list_for_each_entry(m, &done, held)
		atomic_andnot(CONENAT_M_HELD, &m->state);
	spin_unlock_bh(&inst->held_lock);

	list_for_each_entry_safe(m, tmp, &done, held) {
		list_del(&m->held);
		conenat_holddown_release(m);
	}
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
	struct conenat_instance *inst;
	struct conenat_mapping *old;
	bool taken = false;

	rcu_read_lock();
	old = conenat_lookup_ext(cn, ek);
	if (!old || !(atomic_read(&old->state) & CONENAT_M_HELD))
		goto out;
	if (m && (old->inst != m->inst || old->ik.addr != m->ik.addr ||
		  old->ik.port != m->ik.port || old->ik.proto != m->ik.proto))
		goto out;
	inst = old->inst;
	spin_lock_bh(&inst->held_lock);
	/* the GC, or another CPU, may have released it meanwhile */
	if (atomic_read(&old->state) & CONENAT_M_HELD) {
		atomic_andnot(CONENAT_M_HELD, &old->state);
		list_del(&old->held);
		taken = true;
	}
	spin_unlock_bh(&inst->held_lock);
	if (taken)
		conenat_holddown_release(old);
out:
	rcu_read_unlock();
	return taken;
}
