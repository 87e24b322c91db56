// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: choosing a mapping's external endpoint.
 *
 * The external address is "paired" (RFC 4787 REQ-2): every mapping of one
 * internal address gets the same external address, picked from the pool by a
 * keyed hash of the internal address. The port is the internal port when
 * port preservation is on and it is free; otherwise a bounded search of the
 * range from a random port, by a step that spreads it over the range. A port
 * is taken by inserting into the external table, which fails for a port
 * already in use: a live mapping is never stolen, and two CPUs can never
 * take the same port. A port in hold-down is in use, except for its last
 * owner and for the administrator (holddown.c). A port on which a socket of
 * the router listens is the router's (sockets.c): the search passes it over,
 * and only the administrator can name it.
 */
#include <linux/gcd.h>
#include <linux/jhash.h>
#include <linux/random.h>

#include "conenat.h"

/* The most ports looked at for one new mapping. */
#define CONENAT_PORT_TRIES	512

static u32 conenat_pool_seed __read_mostly;

static __be32 conenat_pool_addr(const struct conenat_instance *inst,
				const struct conenat_config *cfg,
				__be32 int_addr)
{
	u32 first, count;

	if (!cfg->ext_min)
		return READ_ONCE(inst->dev_addr);

	first = ntohl(cfg->ext_min);
	count = ntohl(cfg->ext_max) - first + 1;
	if (count == 1)
		return cfg->ext_min;
	net_get_random_once(&conenat_pool_seed, sizeof(conenat_pool_seed));
	return htonl(first + reciprocal_scale(jhash_1word((__force u32)int_addr,
							  conenat_pool_seed),
					      count));
}

static int conenat_take_port(const struct conenat_instance *inst,
			     struct conenat_mapping *m, u16 port)
{
	m->ek.port = htons(port);
	return conenat_ext_insert(inst->cn, m);
}

/* Take @port unless a socket of the router holds it. */
static int conenat_take_free_port(const struct conenat_instance *inst,
				  struct conenat_mapping *m, u16 port)
{
	if (conenat_router_socket(inst, m->ek.proto, m->ek.addr,
				  htons(port), 0, 0))
		return -EEXIST;
	return conenat_take_port(inst, m, port);
}

/*
 * Take @port, also when its hold-down has not ended yet, for the internal
 * endpoint that had it or, when @any, for anyone (the administrator asks).
 */
static int conenat_take_held_port(const struct conenat_instance *inst,
				  struct conenat_mapping *m, u16 port,
				  bool any)
{
	int err = conenat_take_port(inst, m, port);

	if (err == -EEXIST &&
	    conenat_holddown_take(inst->cn, &m->ek, any ? NULL : m))
		err = conenat_take_port(inst, m, port);
	return err;
}

/*
 * The step of the search: near the golden section of @range and prime to
 * it (a Weyl sequence). The search visits no port twice, and the ports it
 * looks at first lie spread over the whole range: CONENAT_PORT_TRIES of
 * them leave no gap wider than a thirtieth of it. A block of taken
 * ports longer than the tries (a span of forwarded ports, another NAT's
 * range) cannot hide the free ports past it, as it would from a linear
 * search.
 */
static u32 conenat_port_step(u32 range)
{
	u32 step = max_t(u32, (u32)(((u64)range * 40503) >> 16), 1);
	int i;

	/* numbers prime to a u16 lie a few apart at most */
	for (i = 0; i < 64; i++, step++)
		if (gcd(step, range) == 1)
			return step;
	return 1;
}

/*
 * Take a free one of the @range ports @first, @first + @stride, ...,
 * looking at CONENAT_PORT_TRIES of them at most, from a random one.
 */
static int conenat_search_port(const struct conenat_instance *inst,
			       struct conenat_mapping *m, u32 first,
			       u32 stride, u32 range)
{
	u32 pos = reciprocal_scale(get_random_u32(), range);
	u32 i, step = 0, tries = min_t(u32, range, CONENAT_PORT_TRIES);
	int err;

	for (i = 0; i < tries; i++) {
		err = conenat_take_free_port(inst, m, first + stride * pos);
		if (err != -EEXIST)
			return err;
		/* the step only once a port was taken: mostly the first is free */
		if (!step)
			step = conenat_port_step(range);
		pos += step;
		if (pos >= range)
			pos -= range;
	}
	return -ENOSPC;
}

/**
 * conenat_pick_ext() - choose a free external endpoint and claim it
 * @m: the new mapping, its internal key set
 * @inst: its instance
 * @cfg: the instance's configuration
 * @want: an external address and/or port asked for (static mappings), or
 *	NULL; a zero field means "choose". The administrator's port is taken
 *	whatever holds it but a mapping; a host's (a mapping granted by port
 *	control) only within the range, off the router's sockets and out of
 *	other hosts' hold-down
 *
 * On success @m is in the external table under @m->ek.
 *
 * Return: 0, -EADDRNOTAVAIL (no external address yet, unless @m is a static
 * mapping of a given port that follows the device), -EADDRINUSE (the
 * endpoint in @want is taken), -ENOSPC (no free port found) or the table's
 * -ENOMEM / -EBUSY.
 */
int conenat_pick_ext(struct conenat_mapping *m, struct conenat_instance *inst,
		     const struct conenat_config *cfg,
		     const struct conenat_ext_key *want)
{
	u16 iport = ntohs(m->ik.port);
	u16 lo = cfg->port_min, hi = cfg->port_max;
	u32 first;
	int err;

	m->ek.proto = m->ik.proto;
	m->ek.addr = want && want->addr ? want->addr :
		     conenat_pool_addr(inst, cfg, m->ik.addr);
	if (!m->ek.addr) {
		/*
		 * A forward of a port of the device's address, made before
		 * the device has one (configured before the network is up):
		 * it holds its port on 0.0.0.0, which no packet is addressed
		 * to, in its instance's own space (@pad), until the GC moves
		 * it to the address the device gets (conenat_mapping_follow()).
		 */
		if (!(atomic_read(&m->state) & CONENAT_M_FOLLOW) || !want ||
		    !want->port)
			return -EADDRNOTAVAIL;
		m->ek.pad = inst->id + 1;
		err = conenat_take_held_port(inst, m, ntohs(want->port), true);
		return err == -EEXIST ? -EADDRINUSE : err;
	}

	if (want && want->port && (atomic_read(&m->state) & CONENAT_M_GRANTED)) {
		/*
		 * A host's suggestion (PCP, NAT-PMP) is no administrator's
		 * word: only a port of the range that no socket of the router
		 * holds, and not one resting after another host had it.
		 */
		u16 port = ntohs(want->port);

		if (port < cfg->port_min || port > cfg->port_max ||
		    conenat_router_socket(inst, m->ek.proto, m->ek.addr,
					  want->port, 0, 0))
			return -EADDRINUSE;
		err = conenat_take_held_port(inst, m, port, false);
		return err == -EEXIST ? -EADDRINUSE : err;
	}
	if (want && want->port) {
		err = conenat_take_held_port(inst, m, ntohs(want->port), true);
		return err == -EEXIST ? -EADDRINUSE : err;
	}

	/* REQ-3a: keep the port's class (system / other) when the range
	 * holds ports of that class.
	 */
	if (iport < 1024 && lo < 1024)
		hi = min_t(u16, hi, 1023);
	else if (iport >= 1024 && hi >= 1024)
		lo = max_t(u16, lo, 1024);

	if (cfg->port_preservation && iport >= lo && iport <= hi &&
	    !conenat_router_socket(inst, m->ek.proto, m->ek.addr,
				   htons(iport), 0, 0)) {
		err = conenat_take_held_port(inst, m, iport, false);
		if (err != -EEXIST)
			return err;
	}

	if (!cfg->port_parity)
		return conenat_search_port(inst, m, lo, 1, (u32)hi - lo + 1);

	/* search among the ports that share the internal parity */
	first = lo + ((lo ^ iport) & 1);
	if (first > hi)
		return -ENOSPC;
	return conenat_search_port(inst, m, first, 2, (hi - first) / 2 + 1);
}
