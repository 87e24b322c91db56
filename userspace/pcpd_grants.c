// SPDX-License-Identifier: GPL-2.0
/*
 * conenat-pcpd grants: what the daemon gave which host.
 *
 * A grant is a mapping (of an internal endpoint: host, protocol, port)
 * made by a PCP MAP or NAT-PMP request, or a peer (an internal endpoint
 * and one remote) opened by a PCP PEER request. The kernel holds the
 * mappings and permits themselves; this table is what the daemon needs to
 * answer the next request: whose nonce a mapping carries, which FILTERs it
 * got, how many grants a host holds (its quota), which mapping is the
 * administrator's (a static one a request was answered with: never ours
 * to delete).
 *
 * The table holds at most PCPD_MAX_GRANTS grants: entries are allocated one
 * by one, but never more than that, whatever the packets say. Grants are
 * found by a hash of their internal endpoint, and a host's by a list per
 * host. The kernel may end a mapping without the daemon knowing (it
 * expired, "natctl mapping del"): a host at its quota has its grants
 * checked against the kernel before it is refused.
 *
 * grants_map() and grants_unmap() are the mapping logic PCP MAP and
 * NAT-PMP share; the handlers put their results in protocol terms.
 *
 * A mapping made or taken over by PCP (origin pcp) belongs to the nonce
 * of the request that made it. NAT-PMP has no nonce to show, so it neither
 * renews nor deletes such a mapping (NOT_AUTHORIZED), and its origin stays
 * pcp. A grant taken back from the kernel at start keeps the kernel's
 * origin with its nonce unknown: a pcp one goes to the first PCP request's
 * nonce, never to NAT-PMP. A peer a PEER request deleted stays, closed, and
 * counted in its host's quota until its lifetime ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcpd.h"

#define GRANT_BUCKETS	16384
#define HOST_BUCKETS	4096
/* Kept a little past the kernel's expiry, so as not to race it. */
#define GRACE_MS	2000

struct pcpd_host {
	struct pcpd_host *next;
	uint32_t addr;
	unsigned int count;		/* grants counted against the quota */
	unsigned int total;		/* grants, the administrator's too */
	struct grant *first;
};

static struct grant **buckets;
static struct pcpd_host **hosts;
static unsigned int ngrants;
static uint32_t quota;

int grants_init(uint32_t q)
{
	buckets = calloc(GRANT_BUCKETS, sizeof(*buckets));
	hosts = calloc(HOST_BUCKETS, sizeof(*hosts));
	if (!buckets || !hosts) {
		grants_fini();
		return -1;
	}
	quota = q;
	return 0;
}

void grants_fini(void)
{
	if (buckets)
		grants_flush();
	free(buckets);
	free(hosts);
	buckets = NULL;
	hosts = NULL;
}

unsigned int grants_count(void)
{
	return ngrants;
}

static uint32_t grant_hash(uint32_t addr, uint8_t proto, uint16_t port)
{
	uint32_t h = addr ^ ((uint32_t)port << 16 | proto);

	h *= 2654435761U;
	return (h ^ h >> 15) & (GRANT_BUCKETS - 1);
}

static uint32_t host_hash(uint32_t addr)
{
	return (addr * 2654435761U) >> 20 & (HOST_BUCKETS - 1);
}

static struct pcpd_host *host_find(uint32_t addr)
{
	struct pcpd_host *h;

	for (h = hosts[host_hash(addr)]; h; h = h->next)
		if (h->addr == addr)
			return h;
	return NULL;
}

static void host_free(struct pcpd_host *h)
{
	struct pcpd_host **p = &hosts[host_hash(h->addr)];

	while (*p && *p != h)
		p = &(*p)->next;
	if (*p)
		*p = h->next;
	free(h);
}

struct grant *grant_find(uint8_t kind, uint32_t addr, uint8_t proto,
			 uint16_t port, uint32_t remote_addr,
			 uint16_t remote_port)
{
	struct grant *g;

	for (g = buckets[grant_hash(addr, proto, port)]; g; g = g->next)
		if (g->kind == kind && g->int_addr == addr &&
		    g->proto == proto && g->int_port == port &&
		    g->remote_addr == remote_addr &&
		    g->remote_port == remote_port)
			return g;
	return NULL;
}

struct grant *grant_add(uint8_t kind, uint32_t addr, uint8_t proto,
			uint16_t port, uint32_t remote_addr,
			uint16_t remote_port)
{
	struct pcpd_host *h;
	struct grant *g;
	uint32_t b;

	if (ngrants >= PCPD_MAX_GRANTS)
		return NULL;
	h = host_find(addr);
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			return NULL;
		h->addr = addr;
		h->next = hosts[host_hash(addr)];
		hosts[host_hash(addr)] = h;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		if (!h->total)
			host_free(h);
		return NULL;
	}
	g->kind = kind;
	g->int_addr = addr;
	g->proto = proto;
	g->int_port = port;
	g->remote_addr = remote_addr;
	g->remote_port = remote_port;
	b = grant_hash(addr, proto, port);
	g->next = buckets[b];
	buckets[b] = g;
	g->host = h;
	g->host_next = h->first;
	if (h->first)
		h->first->host_prev = g;
	h->first = g;
	h->total++;
	h->count++;
	ngrants++;
	return g;
}

void grant_del(struct grant *g)
{
	struct grant **p = &buckets[grant_hash(g->int_addr, g->proto,
					       g->int_port)];
	struct pcpd_host *h = g->host;

	while (*p && *p != g)
		p = &(*p)->next;
	if (*p)
		*p = g->next;
	if (g->host_prev)
		g->host_prev->host_next = g->host_next;
	else
		h->first = g->host_next;
	if (g->host_next)
		g->host_next->host_prev = g->host_prev;
	h->total--;
	if (!g->foreign)
		h->count--;
	if (!h->total)
		host_free(h);
	ngrants--;
	free(g);
}

/* The administrator's, or ours again: not counted against the quota. */
static void grant_set_foreign(struct grant *g, bool foreign)
{
	if (g->foreign == foreign)
		return;
	g->foreign = foreign;
	if (foreign)
		g->host->count--;
	else
		g->host->count++;
}

struct grant *grant_host_first(uint32_t addr)
{
	struct pcpd_host *h = host_find(addr);

	return h ? h->first : NULL;
}

struct grant *grant_host_next(struct grant *g)
{
	return g->host_next;
}

void grants_flush(void)
{
	unsigned int i;

	for (i = 0; i < GRANT_BUCKETS; i++)
		while (buckets[i])
			grant_del(buckets[i]);
}

void grants_expire(uint64_t now)
{
	unsigned int i;

	for (i = 0; i < GRANT_BUCKETS; i++) {
		struct grant *g = buckets[i], *next;

		for (; g; g = next) {
			next = g->next;
			if (g->expires <= now) {
				log_debug("%s %s %s:%u ended",
					  g->kind == GRANT_PEER ? "peer" : "mapping",
					  g->proto == IPPROTO_TCP ? "tcp" : "udp",
					  log_addr(g->int_addr), g->int_port);
				grant_del(g);
			}
		}
	}
}

bool grant_nonce_ok(struct grant *g, const uint8_t *nonce)
{
	return !nonce || !g->has_nonce ||
	       !memcmp(g->nonce, nonce, PCP_NONCE_LEN);
}

/* Whether a request of @origin may act on @g: NAT-PMP not on PCP's. */
static bool grant_origin_ok(const struct grant *g, uint8_t origin)
{
	return origin != CONENAT_ORIGIN_NATPMP ||
	       (g->origin != CONENAT_ORIGIN_PCP && !g->has_nonce);
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : "udp";
}

static const char *origin_name(uint8_t origin)
{
	return origin == CONENAT_ORIGIN_NATPMP ? "nat-pmp" : "pcp";
}

enum pcpd_status grants_kernel_status(int err, const char *what)
{
	switch (err) {
	case 0:
		return PCPD_OK;
	case EDQUOT:
		log_debug("%s: %s", what, kernel_message());
		return PCPD_QUOTA;
	case EADDRNOTAVAIL:
		log_msg("%s: %s", what, kernel_message());
		return PCPD_NETWORK_FAILURE;
	default:
		/* ENOSPC, ENFILE, ENOMEM and anything unexpected */
		log_msg("%s: %s", what, kernel_message());
		return PCPD_NO_RESOURCES;
	}
}

/*
 * Checks @addr's grants against the kernel (at most as many requests as
 * it has grants, so at most its quota) and drops those it no longer has.
 */
static void grants_recheck(uint32_t addr, uint64_t now)
{
	struct grant *g, *next;
	struct kmapping km;
	int err;

	for (g = grant_host_first(addr); g; g = next) {
		next = grant_host_next(g);
		if (g->foreign)
			continue;
		if (g->kind == GRANT_PEER) {
			if (g->expires <= now)
				grant_del(g);
			continue;
		}
		err = kernel_get(g->proto, g->int_addr, g->int_port, &km);
		if (err == ENOENT ||
		    (!err && km.origin != CONENAT_ORIGIN_PCP &&
		     km.origin != CONENAT_ORIGIN_NATPMP)) {
			log_debug("mapping %s %s:%u is gone from the kernel",
				  proto_name(g->proto), log_addr(g->int_addr),
				  g->int_port);
			grant_del(g);
		} else if (!err) {
			g->ext_addr = km.ext_addr;
			g->ext_port = km.ext_port;
		}
	}
}

enum pcpd_status grants_room(uint32_t addr, uint64_t now)
{
	struct pcpd_host *h;

	if (ngrants >= PCPD_MAX_GRANTS) {
		log_debug("the table of grants is full (%d)", PCPD_MAX_GRANTS);
		return PCPD_NO_RESOURCES;
	}
	h = host_find(addr);
	if (!h || h->count < quota)
		return PCPD_OK;
	grants_recheck(addr, now);
	h = host_find(addr);
	if (!h || h->count < quota)
		return PCPD_OK;
	log_debug("%s is at its quota of %u", log_addr(addr), quota);
	return PCPD_QUOTA;
}

void grants_relearn(const struct kmapping *m, uint64_t now)
{
	struct grant *g;

	if (m->has_remote || (m->origin != CONENAT_ORIGIN_PCP &&
			      m->origin != CONENAT_ORIGIN_NATPMP))
		return;
	if (grant_find(GRANT_MAP, m->int_addr, m->proto, m->int_port, 0, 0))
		return;
	g = grant_add(GRANT_MAP, m->int_addr, m->proto, m->int_port, 0, 0);
	if (!g)
		return;
	g->origin = m->origin;
	g->ext_addr = m->ext_addr;
	g->ext_port = m->ext_port;
	g->filtered = m->filtered;
	g->expires = now + (uint64_t)(m->has_expires ? m->expires :
				      CONENAT_MAX_TIMEOUT) * 1000 + GRACE_MS;
}

/* Whether @km is what a PREFER_FAILURE request suggested. */
static bool suggestion_met(const struct map_want *w, const struct kmapping *km)
{
	return (!w->ext_port || w->ext_port == km->ext_port) &&
	       (!w->ext_addr || w->ext_addr == km->ext_addr);
}

/*
 * The endpoint has the administrator's static mapping @km: the request is
 * answered with it, as a success for the lifetime asked, and it is
 * remembered as not ours (@fg: the grant that already says so).
 */
static enum pcpd_status foreign_map(const struct map_want *w,
				    const struct kmapping *km,
				    struct grant *fg, uint64_t now,
				    struct map_got *got)
{
	struct grant *g = fg;

	if (w->prefer_failure && !suggestion_met(w, km))
		return PCPD_CANNOT_PROVIDE;
	if (!g)
		g = grant_add(GRANT_MAP, w->addr, w->proto, w->int_port, 0, 0);
	if (g) {
		grant_set_foreign(g, true);
		g->origin = CONENAT_ORIGIN_STATIC;
		g->has_nonce = false;
		g->ext_addr = km->ext_addr;
		g->ext_port = km->ext_port;
		g->filtered = false;
		g->nfilters = 0;
		g->expires = now + (uint64_t)w->lifetime * 1000;
	}
	got->ext_addr = km->ext_addr;
	got->ext_port = km->ext_port;
	got->lifetime = w->lifetime;
	got->grant = g;
	got->created = false;
	log_debug("%s %s %s:%u: the administrator's static mapping %s:%u",
		  origin_name(w->origin), proto_name(w->proto),
		  log_addr(w->addr), w->int_port, log_addr(km->ext_addr),
		  km->ext_port);
	return PCPD_OK;
}

/*
 * NEW_MAPPING, once more when the kernel asks for it: a mapping of the
 * endpoint was being removed, or traffic made one at the same time.
 */
static int map_once_more(const struct kmap_req *kr, struct kmapping *km)
{
	int err = kernel_map(kr, km);

	if (err == EAGAIN || err == EBUSY)
		err = kernel_map(kr, km);
	return err;
}

/* Ports tried when the access list narrows the external ports. */
#define PCPD_PICK_TRIES	8

/*
 * A new mapping whose host the access list gives only some of the
 * instance's external ports: the daemon names each port it tries (the
 * suggestion, the internal port, then random ones of the allowed span),
 * each one allowed before the kernel is asked, so that nothing is made
 * only to be refused. Returns 0 with @km, EACCES (no port allowed),
 * EADDRINUSE (PREFER_FAILURE and the suggestion is taken), ENOSPC (none
 * free among those tried) or the kernel's error.
 */
static int map_in_span(const struct map_want *w, const struct kinstance *ki,
		       struct kmap_req *kr, struct kmapping *km)
{
	static uint32_t seed;
	uint16_t cand[PCPD_PICK_TRIES], lo, hi;
	unsigned int n = 0, i;
	int err;

	if (!access_ext_span(w->addr, w->int_port, ki->port_min, ki->port_max,
			     &lo, &hi))
		return EACCES;
	if (!seed)
		seed = ((uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16)) | 1;
	if (w->ext_port)
		cand[n++] = w->ext_port;
	if (w->int_port >= lo && w->int_port <= hi)
		cand[n++] = w->int_port;
	while (n < PCPD_PICK_TRIES) {
		/* xorshift32: spreads the tries, nothing to guess from */
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		cand[n++] = (uint16_t)(lo + seed % ((uint32_t)hi - lo + 1));
	}
	for (i = 0; i < n; i++) {
		if (cand[i] < ki->port_min || cand[i] > ki->port_max ||
		    !access_allowed(w->addr, w->int_port, cand[i])) {
			if (i == 0 && w->ext_port && w->prefer_failure)
				return EADDRINUSE;
			continue;
		}
		kr->ext_port = cand[i];
		err = map_once_more(kr, km);
		if (err != EADDRINUSE)
			return err;
		if (i == 0 && w->ext_port && w->prefer_failure)
			return EADDRINUSE;
	}
	return ENOSPC;
}

/* Takes back a mapping this request made, for a refusal after the fact. */
static void undo_map(const struct kmapping *km)
{
	int err = kernel_del(km->proto, km->ext_addr, km->ext_port);

	if (err && err != ENOENT)
		log_msg("cannot delete the mapping %s %s:%u just made: %s",
			proto_name(km->proto), log_addr(km->ext_addr),
			km->ext_port, kernel_message());
}

enum pcpd_status grants_map(const struct map_want *w, uint64_t now,
			    struct map_got *got)
{
	const struct kinstance *ki;
	struct grant *g, *fg = NULL;
	struct kmapping km, old;
	struct kmap_req kr;
	enum pcpd_status st;
	bool existed;
	int err;

	memset(got, 0, sizeof(*got));
	g = grant_find(GRANT_MAP, w->addr, w->proto, w->int_port, 0, 0);
	if (g && g->foreign) {
		fg = g;
		g = NULL;
	}
	if (g && !grant_nonce_ok(g, w->nonce)) {
		log_debug("%s %s %s:%u: another nonce's mapping",
			  origin_name(w->origin), proto_name(w->proto),
			  log_addr(w->addr), w->int_port);
		return PCPD_NOT_AUTHORIZED;
	}
	if (g && !grant_origin_ok(g, w->origin)) {
		log_debug("%s %s %s:%u: a pcp mapping",
			  origin_name(w->origin), proto_name(w->proto),
			  log_addr(w->addr), w->int_port);
		return PCPD_NOT_AUTHORIZED;
	}

	existed = g != NULL;
	if (!g) {
		st = grants_room(w->addr, now);
		if (st != PCPD_OK)
			return st;
		/* what the endpoint has: taken over, or the administrator's */
		err = kernel_get(w->proto, w->addr, w->int_port, &old);
		if (err && err != ENOENT)
			return grants_kernel_status(err, "reading a mapping");
		existed = !err;
		if (existed && old.origin == CONENAT_ORIGIN_STATIC)
			return foreign_map(w, &old, fg, now, got);
		if (fg) {
			grant_del(fg);
			fg = NULL;
		}
		/* PCP's, though the table has no grant of it */
		if (existed && old.origin == CONENAT_ORIGIN_PCP &&
		    w->origin == CONENAT_ORIGIN_NATPMP) {
			log_debug("%s %s %s:%u: a pcp mapping",
				  origin_name(w->origin), proto_name(w->proto),
				  log_addr(w->addr), w->int_port);
			return PCPD_NOT_AUTHORIZED;
		}
		if (existed &&
		    !access_allowed(w->addr, w->int_port, old.ext_port))
			return PCPD_NOT_AUTHORIZED;
		if (existed && w->prefer_failure && !suggestion_met(w, &old))
			return PCPD_CANNOT_PROVIDE;
	} else if (w->prefer_failure) {
		old.ext_addr = g->ext_addr;
		old.ext_port = g->ext_port;
		if (!suggestion_met(w, &old))
			return PCPD_CANNOT_PROVIDE;
	}

	kr = (struct kmap_req){
		.proto = w->proto,
		.int_addr = w->addr,
		.int_port = w->int_port,
		.ext_port = w->ext_port,
		.origin = w->origin,
		.lifetime = w->lifetime,
		.filtered = w->filtered,
	};
	ki = pcpd_instance();
	if (!existed && ki &&
	    !access_ext_unrestricted(w->addr, w->int_port, ki->port_min,
				     ki->port_max)) {
		err = map_in_span(w, ki, &kr, &km);
		if (err == EACCES)
			return PCPD_NOT_AUTHORIZED;
		if (err == EADDRINUSE)
			return PCPD_CANNOT_PROVIDE;
		if (err == ENOSPC) {
			log_debug("%s %s %s:%u: no free port among %d allowed ones tried",
				  origin_name(w->origin), proto_name(w->proto),
				  log_addr(w->addr), w->int_port,
				  PCPD_PICK_TRIES);
			return PCPD_NO_RESOURCES;
		}
	} else {
		err = map_once_more(&kr, &km);
		if (err == EADDRINUSE && kr.ext_port) {
			if (w->prefer_failure)
				return PCPD_CANNOT_PROVIDE;
			kr.ext_port = 0;
			err = map_once_more(&kr, &km);
		}
	}
	if (err == EEXIST) {
		/* the administrator's static mapping came meanwhile */
		err = kernel_get(w->proto, w->addr, w->int_port, &old);
		if (!err && old.origin == CONENAT_ORIGIN_STATIC)
			return foreign_map(w, &old, g ? g : fg, now, got);
		return grants_kernel_status(err ? err : EEXIST, "mapping");
	}
	if (err)
		return grants_kernel_status(err, "mapping");

	if (!existed) {
		/*
		 * Refusals only the assigned endpoint tells, which the pick
		 * above leaves none of but a suggested address under
		 * PREFER_FAILURE (a pool's): undone.
		 */
		if (!access_allowed(w->addr, w->int_port, km.ext_port)) {
			undo_map(&km);
			return PCPD_NOT_AUTHORIZED;
		}
		if (w->prefer_failure && !suggestion_met(w, &km)) {
			undo_map(&km);
			return PCPD_CANNOT_PROVIDE;
		}
	}
	if (!g) {
		g = fg;
		if (g)
			grant_set_foreign(g, false);
		else
			g = grant_add(GRANT_MAP, w->addr, w->proto,
				      w->int_port, 0, 0);
		if (!g) {
			if (!existed)
				undo_map(&km);
			return PCPD_NO_RESOURCES;
		}
		g->has_nonce = false;
		g->nfilters = 0;
	}
	g->origin = w->origin;
	if (w->nonce && !g->has_nonce) {
		memcpy(g->nonce, w->nonce, PCP_NONCE_LEN);
		g->has_nonce = true;
	}
	g->ext_addr = km.ext_addr;
	g->ext_port = km.ext_port;
	g->filtered = w->filtered;
	got->lifetime = km.has_expires ? km.expires : w->lifetime;
	if (!got->lifetime)
		got->lifetime = 1;
	g->expires = now + (uint64_t)got->lifetime * 1000 + GRACE_MS;
	got->ext_addr = km.ext_addr;
	got->ext_port = km.ext_port;
	got->grant = g;
	got->created = !existed;
	if (existed)
		log_debug("%s %s %s:%u -> %s:%u renewed for %us",
			  origin_name(w->origin), proto_name(w->proto),
			  log_addr(w->addr), w->int_port,
			  log_addr(km.ext_addr), km.ext_port, got->lifetime);
	else
		log_msg("%s %s %s:%u -> %s:%u for %us",
			origin_name(w->origin), proto_name(w->proto),
			log_addr(w->addr), w->int_port, log_addr(km.ext_addr),
			km.ext_port, got->lifetime);
	return PCPD_OK;
}

/*
 * Deletes the mapping of one internal endpoint, if it is a port control's
 * and @origin's request may (NAT-PMP: not PCP's).
 */
static enum pcpd_status unmap_one(uint8_t origin, uint8_t proto,
				  uint32_t addr, uint16_t port,
				  const uint8_t *nonce)
{
	struct grant *g = grant_find(GRANT_MAP, addr, proto, port, 0, 0);
	struct kmapping km;
	int err;

	if (g && !g->foreign && !grant_nonce_ok(g, nonce))
		return PCPD_NOT_AUTHORIZED;
	if (g && !grant_origin_ok(g, origin)) {
		log_debug("%s %s %s:%u: a pcp mapping is not deleted",
			  origin_name(origin), proto_name(proto),
			  log_addr(addr), port);
		return PCPD_NOT_AUTHORIZED;
	}
	err = kernel_get(proto, addr, port, &km);
	if (err == ENOENT) {
		/* deleting what is not there is a success (RFC 6887 s15) */
		if (g)
			grant_del(g);
		return PCPD_OK;
	}
	if (err)
		return grants_kernel_status(err, "reading a mapping");
	if (km.origin == CONENAT_ORIGIN_STATIC) {
		/* RFC 6886 s3.4, RFC 6887 s15: a static one stays */
		log_debug("%s %s:%u: the administrator's mapping is not deleted",
			  proto_name(proto), log_addr(addr), port);
		return PCPD_NOT_AUTHORIZED;
	}
	if (km.origin == CONENAT_ORIGIN_PCP &&
	    origin == CONENAT_ORIGIN_NATPMP) {
		/* PCP's, though the table has no grant of it */
		log_debug("%s %s %s:%u: a pcp mapping is not deleted",
			  origin_name(origin), proto_name(proto),
			  log_addr(addr), port);
		return PCPD_NOT_AUTHORIZED;
	}
	if (km.origin == CONENAT_ORIGIN_PCP ||
	    km.origin == CONENAT_ORIGIN_NATPMP) {
		err = kernel_del(proto, km.ext_addr, km.ext_port);
		if (err && err != ENOENT)
			return grants_kernel_status(err, "deleting a mapping");
		log_msg("%s %s:%u -> %s:%u deleted", proto_name(proto),
			log_addr(addr), port, log_addr(km.ext_addr),
			km.ext_port);
	}
	/* a dynamic mapping is traffic's: no port control mapping to delete */
	if (g)
		grant_del(g);
	return PCPD_OK;
}

enum pcpd_status grants_unmap(uint8_t origin, uint8_t proto, uint32_t addr,
			      uint16_t port, const uint8_t *nonce)
{
	enum pcpd_status st = PCPD_OK, one;
	struct grant *g, *next;

	if (port)
		return unmap_one(origin, proto, addr, port, nonce);
	for (g = grant_host_first(addr); g; g = next) {
		next = grant_host_next(g);
		if (g->kind != GRANT_MAP || g->foreign ||
		    (proto && g->proto != proto) ||
		    (origin && g->origin != origin) ||
		    !grant_nonce_ok(g, nonce))
			continue;
		/* unmap_one() deletes g at most, never next */
		one = unmap_one(origin, g->proto, addr, g->int_port, nonce);
		if (one != PCPD_OK && one != PCPD_NOT_AUTHORIZED)
			st = one;
	}
	return st;
}
