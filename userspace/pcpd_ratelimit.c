// SPDX-License-Identifier: GPL-2.0
/*
 * conenat-pcpd rate limiting: a token bucket per host (rate tokens a
 * second, at most burst of them) in a table of PCPD_MAX_RATE_HOSTS hosts,
 * and one bucket for all hosts together. A new host in a full table takes
 * the place of the least recently seen one (a forgotten host starts with a
 * full bucket: the global bucket bounds what forgetting can cost).
 *
 * The table is allocated once; a request costs a hash lookup and an
 * update of a doubly linked LRU list, whatever the sources are.
 */
#include <stdlib.h>
#include <string.h>

#include "pcpd.h"

#define NONE		UINT32_MAX
#define NBUCKETS	(PCPD_MAX_RATE_HOSTS * 2)
/* tokens are counted in thousandths */
#define MILLI		1000ULL

/* The global bucket, relative to a host's: */
#define GLOBAL_FACTOR	50
#define GLOBAL_RATE_MIN	1000

struct bucket {
	uint64_t tokens;		/* thousandths of a request */
	uint64_t last;			/* ms of the last refill */
};

struct rhost {
	uint32_t addr;
	uint32_t hnext;			/* hash chain, by index */
	uint32_t prev, next;		/* LRU list, most recent first */
	struct bucket b;
};

static struct rhost *hosts;
static uint32_t *heads;
static uint32_t nhosts;
static uint32_t lru_head = NONE, lru_tail = NONE;
static uint64_t rate, burst, grate, gburst;
static struct bucket global;

int ratelimit_init(uint32_t r, uint32_t b)
{
	uint32_t i;

	hosts = calloc(PCPD_MAX_RATE_HOSTS, sizeof(*hosts));
	heads = malloc(NBUCKETS * sizeof(*heads));
	if (!hosts || !heads) {
		ratelimit_fini();
		return -1;
	}
	for (i = 0; i < NBUCKETS; i++)
		heads[i] = NONE;
	rate = r;
	burst = b;
	grate = rate * GLOBAL_FACTOR;
	if (grate < GLOBAL_RATE_MIN)
		grate = GLOBAL_RATE_MIN;
	gburst = burst * GLOBAL_FACTOR;
	if (gburst < grate * 2)
		gburst = grate * 2;
	global.tokens = gburst * MILLI;
	global.last = 0;
	nhosts = 0;
	lru_head = lru_tail = NONE;
	return 0;
}

void ratelimit_fini(void)
{
	free(hosts);
	free(heads);
	hosts = NULL;
	heads = NULL;
}

static uint32_t hash(uint32_t addr)
{
	return (addr * 2654435761U) >> 19 & (NBUCKETS - 1);
}

/* Refills @b for @now, then takes a token if there is one. */
static bool take(struct bucket *b, uint64_t r, uint64_t cap, uint64_t now)
{
	if (now > b->last) {
		uint64_t add = (now - b->last) * r;	/* ms * 1/s = milli */

		b->tokens = b->tokens + add > cap * MILLI ? cap * MILLI :
							    b->tokens + add;
		b->last = now;
	}
	if (b->tokens < MILLI)
		return false;
	b->tokens -= MILLI;
	return true;
}

static void lru_unlink(uint32_t i)
{
	struct rhost *h = &hosts[i];

	if (h->prev != NONE)
		hosts[h->prev].next = h->next;
	else
		lru_head = h->next;
	if (h->next != NONE)
		hosts[h->next].prev = h->prev;
	else
		lru_tail = h->prev;
}

static void lru_push(uint32_t i)
{
	struct rhost *h = &hosts[i];

	h->prev = NONE;
	h->next = lru_head;
	if (lru_head != NONE)
		hosts[lru_head].prev = i;
	lru_head = i;
	if (lru_tail == NONE)
		lru_tail = i;
}

static void hash_unlink(uint32_t i)
{
	uint32_t *p = &heads[hash(hosts[i].addr)];

	while (*p != NONE && *p != i)
		p = &hosts[*p].hnext;
	if (*p == i)
		*p = hosts[i].hnext;
}

/* The host's slot, made (or taken from the least recent host) if new. */
static struct rhost *lookup(uint32_t addr, uint64_t now)
{
	uint32_t hb = hash(addr), i;

	for (i = heads[hb]; i != NONE; i = hosts[i].hnext) {
		if (hosts[i].addr == addr) {
			lru_unlink(i);
			lru_push(i);
			return &hosts[i];
		}
	}
	if (nhosts < PCPD_MAX_RATE_HOSTS) {
		i = nhosts++;
	} else {
		i = lru_tail;
		lru_unlink(i);
		hash_unlink(i);
	}
	hosts[i].addr = addr;
	hosts[i].b.tokens = burst * MILLI;
	hosts[i].b.last = now;
	hosts[i].hnext = heads[hb];
	heads[hb] = i;
	lru_push(i);
	return &hosts[i];
}

bool ratelimit_allow(uint32_t addr, uint64_t now)
{
	struct rhost *h = lookup(addr, now);

	if (!take(&h->b, rate, burst, now))
		return false;
	return take(&global, grate, gburst, now);
}
