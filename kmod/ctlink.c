// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the link between a mapping and the conntrack entries it
 * translates.
 *
 * The entries carry nothing of conenat's: no extension (the first one an
 * entry gets allocates its extension area, which costs a new flow more
 * than conenat's whole lookup) and no helper (conntrack would call it for
 * every packet, and would keep the entry out of a flowtable). Instead the
 * mapping records its entries, eight bytes each: the remote side of the
 * entry's original tuple, which way it was opened and its zone, from which
 * the tuple is made again and looked up in conntrack's table (no pointer
 * to an entry is kept: the entry may be freed at any time). The first
 * record lives in the mapping itself, more in a block of chunks.
 *
 * A mapping learns of its entries' packets only when the expiry wheel
 * looks at it (expiry.c), from conntrack's own timers: an entry's timeout
 * is its last packet plus what conntrack gives a packet in its state, so
 * the last packet is read back from it. The wheel looks again before any
 * entry could end unseen (and at most every eighth of the timer), so a
 * mapping's end is its last packet plus its timer, as if it had watched
 * every packet. Packets of either direction count: conntrack's timer moves
 * with both (RFC 4787 REQ-6 allows inbound refresh); with inbound-refresh
 * off, a flow the outside opened counts only once the inside answered.
 *
 * A mapping's entries end with it: once it is dead and readers that could
 * still record an entry for it are done (a grace period), the wheel kills
 * the entries it lists, exactly those, and only then lets its endpoint go
 * to hold-down (conenat_ct_drain()).
 */
#include <linux/icmp.h>
#include <linux/netfilter.h>
#include <net/route.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/netfilter/nf_conntrack_timeout.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "conenat.h"

/*
 * A record (u64): the remote address (bits 63-32) and port (31-16) of the
 * entry's original tuple, its zone (15-3), PENDING (2: recorded before
 * conntrack confirmed the entry: one miss in conntrack's table is forgiven),
 * IN (1: the outside opened it) and bit 0 clear. m->flows holds 0, one
 * record, or a block's address with bit 0 set.
 */
#define CONENAT_REC_BLOCK	BIT_ULL(0)
#define CONENAT_REC_IN		BIT_ULL(1)
#define CONENAT_REC_PENDING	BIT_ULL(2)
#define CONENAT_REC_ZONE_SHIFT	3
#define CONENAT_REC_ZONE_MASK	0x1fffULL

/* Records per chunk: a chunk is 256 bytes. */
#define CONENAT_CHUNK_LEN	28

/*
 * Readers that only look (a request's estimate of a mapping's end) walk the
 * chunks under RCU without the lock: a slot is written before the count
 * that shows it, and chunks are freed after readers.
 */
struct conenat_chunk {
	struct conenat_chunk __rcu *next;
	unsigned int n;
	struct rcu_head rcu;
	u64 rec[CONENAT_CHUNK_LEN];
};

/**
 * struct conenat_flows - the records of a mapping that has had more than one
 * @lock: adders (packet path) and the wheel's look
 * @dead: emptied and unlinked by the wheel: adders start again
 * @head: chunks, the one being filled first
 * @rcu: frees the block after readers
 */
struct conenat_flows {
	spinlock_t lock;	/* @dead, @head, the chunks' counts */
	bool dead;
	struct conenat_chunk __rcu *head;
	struct rcu_head rcu;
};

static struct conenat_flows *conenat_flows_block(u64 v)
{
	return (v & CONENAT_REC_BLOCK) ?
	       (struct conenat_flows *)(unsigned long)(v & ~CONENAT_REC_BLOCK) :
	       NULL;
}

/* The record of @ct, translated for a mapping; @in: opened from outside. */
static u64 conenat_rec(const struct nf_conn *ct, bool in)
{
	const struct nf_conntrack_tuple *o =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	__be32 addr = in ? o->src.u3.ip : o->dst.u3.ip;
	__be16 port = in ? o->src.u.all : o->dst.u.all;

	/* an ICMP echo: the identifier is the mapping's own port */
	if (o->dst.protonum == IPPROTO_ICMP)
		port = 0;
	return ((u64)ntohl(addr) << 32) | ((u64)ntohs(port) << 16) |
	       ((nf_ct_zone(ct)->id & CONENAT_REC_ZONE_MASK) <<
		CONENAT_REC_ZONE_SHIFT) |
	       CONENAT_REC_PENDING | (in ? CONENAT_REC_IN : 0);
}

/* Make the original tuple and zone of @rec, one of @m's, again. */
static void conenat_rec_tuple(u64 rec, const struct conenat_mapping *m,
			      struct nf_conntrack_tuple *t,
			      struct nf_conntrack_zone *zone)
{
	__be32 raddr = htonl(rec >> 32);
	__be16 rport = htons((rec >> 16) & 0xffff);

	memset(t, 0, sizeof(*t));
	t->src.l3num = NFPROTO_IPV4;
	t->dst.protonum = m->ik.proto;
	t->dst.dir = IP_CT_DIR_ORIGINAL;
	if (rec & CONENAT_REC_IN) {
		t->src.u3.ip = raddr;
		t->src.u.all = rport;
		t->dst.u3.ip = m->ek.addr;
		t->dst.u.all = m->ek.port;
	} else if (m->ik.proto == IPPROTO_ICMP) {
		t->src.u3.ip = m->ik.addr;
		t->src.u.icmp.id = m->ik.port;
		t->dst.u3.ip = raddr;
		t->dst.u.icmp.type = ICMP_ECHO;
	} else {
		t->src.u3.ip = m->ik.addr;
		t->src.u.all = m->ik.port;
		t->dst.u3.ip = raddr;
		t->dst.u.all = rport;
	}
	nf_ct_zone_init(zone, (rec >> CONENAT_REC_ZONE_SHIFT) &
			      CONENAT_REC_ZONE_MASK,
			NF_CT_DEFAULT_ZONE_DIR, 0);
}

/*
 * Whether @ct, found by a record of @m's, is still translated for it: to
 * its external endpoint for its internal endpoint. Another NAT may have
 * made an entry of the same tuple since.
 */
static bool conenat_ct_of(const struct nf_conn *ct,
			  const struct conenat_mapping *m, bool in)
{
	const struct nf_conntrack_tuple *r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	__be16 port;

	if (in)
		return r->src.u3.ip == m->ik.addr && r->src.u.all == m->ik.port;
	/* an ICMP identifier stays in the source half of a tuple */
	port = m->ik.proto == IPPROTO_ICMP ? r->src.u.all : r->dst.u.all;
	return r->dst.u3.ip == m->ek.addr && port == m->ek.port;
}

/*
 * The live entry of @rec, one of @m's, with a reference; NULL when
 * conntrack's table has none (ended, or not confirmed yet).
 */
static struct nf_conn *conenat_rec_find(struct net *net, u64 rec,
					const struct conenat_mapping *m)
{
	struct nf_conntrack_tuple_hash *h;
	struct nf_conntrack_tuple t;
	struct nf_conntrack_zone zone;
	struct nf_conn *ct;

	conenat_rec_tuple(rec, m, &t, &zone);
	h = nf_conntrack_find_get(net, &zone, &t);
	if (!h)
		return NULL;
	ct = nf_ct_tuplehash_to_ctrack(h);
	if (!conenat_ct_of(ct, m, rec & CONENAT_REC_IN) || nf_ct_is_dying(ct)) {
		nf_ct_put(ct);
		return NULL;
	}
	return ct;
}

static struct conenat_chunk *conenat_chunk_new(gfp_t gfp)
{
	return kzalloc(sizeof(struct conenat_chunk), gfp | __GFP_ACCOUNT);
}

static void conenat_chunk_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct conenat_chunk, rcu));
}

static void conenat_chunks_free(struct conenat_chunk *c)
{
	struct conenat_chunk *next;

	for (; c; c = next) {
		next = rcu_dereference_protected(c->next, 1);
		kfree(c);
	}
}

/* A block holding @first and @rec. */
static struct conenat_flows *conenat_flows_new(u64 first, u64 rec)
{
	struct conenat_chunk *c;
	struct conenat_flows *b;

	b = kmalloc(sizeof(*b), GFP_ATOMIC | __GFP_ACCOUNT);
	if (!b)
		return NULL;
	c = conenat_chunk_new(GFP_ATOMIC);
	if (!c) {
		kfree(b);
		return NULL;
	}
	spin_lock_init(&b->lock);
	b->dead = false;
	c->rec[0] = first;
	c->rec[1] = rec;
	c->n = 2;
	RCU_INIT_POINTER(b->head, c);
	/* published by the caller's compare-and-exchange */
	return b;
}

/*
 * Add @rec to block @b: O(1), a chunk allocated every CONENAT_CHUNK_LEN.
 * -EAGAIN when the wheel emptied and unlinked the block meanwhile.
 */
static int conenat_flows_add(struct conenat_flows *b, u64 rec)
{
	struct conenat_chunk *c;
	int err = 0;

	/* process context too: the router's own flows */
	spin_lock_bh(&b->lock);
	if (b->dead) {
		err = -EAGAIN;
		goto out;
	}
	c = rcu_dereference_protected(b->head, lockdep_is_held(&b->lock));
	if (!c || c->n == CONENAT_CHUNK_LEN) {
		c = conenat_chunk_new(GFP_ATOMIC);
		if (!c) {
			err = -ENOMEM;
			goto out;
		}
		RCU_INIT_POINTER(c->next,
				 rcu_dereference_protected(b->head,
							   lockdep_is_held(&b->lock)));
		rcu_assign_pointer(b->head, c);
	}
	WRITE_ONCE(c->rec[c->n], rec);
	/* the slot before the count: a lockless reader sees it filled */
	smp_store_release(&c->n, c->n + 1);
out:
	spin_unlock_bh(&b->lock);
	return err;
}

/**
 * conenat_ct_link() - record a new entry among a mapping's
 * @ct: the entry, not confirmed yet, translated for @m
 * @m: the mapping, which the caller found alive under rcu_read_lock()
 * @in: the outside opened the flow (destination NAT to @m's internal
 *	endpoint)
 *
 * Packet path. A mapping's first entry costs one compare-and-exchange; a
 * second one a block.
 *
 * Return: 0, or -ENOMEM (the caller drops the packet: every entry conenat
 * translates is one its mapping knows), -EBUSY when other CPUs kept
 * changing the record.
 */
int conenat_ct_link(struct nf_conn *ct, struct conenat_mapping *m, bool in)
{
	u64 rec = conenat_rec(ct, in), cur;
	struct conenat_flows *b;
	int tries, err;

	for (tries = 0; tries < 8; tries++) {
		cur = READ_ONCE(m->flows);
		b = conenat_flows_block(cur);
		if (b) {
			err = conenat_flows_add(b, rec);
			if (err != -EAGAIN)
				return err;
			continue;
		}
		if (!cur) {
			if (!cmpxchg(&m->flows, 0, rec))
				return 0;
			continue;
		}
		b = conenat_flows_new(cur, rec);
		if (!b)
			return -ENOMEM;
		if (cmpxchg(&m->flows, cur,
			    (u64)(unsigned long)b | CONENAT_REC_BLOCK) == cur)
			return 0;
		/* the wheel forgot the record meanwhile, or another CPU */
		conenat_chunks_free(rcu_dereference_protected(b->head, 1));
		kfree(b);
	}
	return -EBUSY;
}

/**
 * conenat_ct_release() - free a mapping's records
 * @m: the mapping, being freed after readers
 */
void conenat_ct_release(struct conenat_mapping *m)
{
	struct conenat_flows *b = conenat_flows_block(m->flows);

	if (b) {
		conenat_chunks_free(rcu_dereference_protected(b->head, 1));
		kfree(b);
	}
	m->flows = 0;
}

/*
 * What conntrack gave @ct's last packet, in jiffies, from the entry's own
 * timeout policy or the namespace's. UDP: a stream's (assured) timeout, or
 * an unreplied one's, but a flow a flowtable gave back has the stream's
 * (its timeout runs past what an unreplied packet could give). TCP: the
 * smallest timeout its state may have had that is not below what the
 * entry has left (@left), so that a connection is never taken for idler
 * than it is (conntrack cuts an entry short on a reset or an invalid
 * packet; its last packet is then read as later, not earlier).
 */
static u32 conenat_ct_extra(const struct nf_conn *ct, s32 left)
{
	unsigned int *timeouts = nf_ct_timeout_lookup(ct);
	struct net *net = nf_ct_net(ct);
	u32 t = 0, c[4];
	int i, n = 0;
	u8 state;

	switch (nf_ct_protonum(ct)) {
	case IPPROTO_UDP:
		if (!timeouts)
			timeouts = nf_udp_pernet(net)->timeouts;
		if (test_bit(IPS_ASSURED_BIT, &ct->status) ||
		    (test_bit(IPS_SEEN_REPLY_BIT, &ct->status) &&
		     (s32)(READ_ONCE(ct->timeout) - timeouts[UDP_CT_UNREPLIED] -
			   READ_ONCE(ct->proto.udp.stream_ts)) > 0))
			return timeouts[UDP_CT_REPLIED];
		return timeouts[UDP_CT_UNREPLIED];
	case IPPROTO_ICMP:
		return timeouts ? timeouts[0] : nf_icmp_pernet(net)->timeout;
	case IPPROTO_TCP:
		if (!timeouts)
			timeouts = nf_tcp_pernet(net)->timeouts;
		state = READ_ONCE(ct->proto.tcp.state);
		if (state < TCP_CONNTRACK_TIMEOUT_MAX)
			c[n++] = timeouts[state];
		c[n++] = timeouts[TCP_CONNTRACK_UNACK];
		c[n++] = timeouts[TCP_CONNTRACK_RETRANS];
		c[n++] = timeouts[TCP_CONNTRACK_CLOSE];
		for (i = 0; i < n; i++)
			if ((s32)c[i] >= left && (!t || c[i] < t))
				t = c[i];
		return t ?: (u32)max_t(s32, left, 0);
	}
	return 0;
}

/* The mapping's timer after a packet of @ct in its current state. */
static u32 conenat_ct_timer(const struct conenat_config *cfg,
			    const struct nf_conn *ct)
{
	switch (nf_ct_protonum(ct)) {
	case IPPROTO_TCP:
		/* RFC 7857 2.1: opening and closing, the transitory timer */
		return READ_ONCE(ct->proto.tcp.state) ==
		       TCP_CONNTRACK_ESTABLISHED ? cfg->tcp_timeout :
						   cfg->tcp_transitory_timeout;
	case IPPROTO_ICMP:
		return cfg->icmp_timeout;
	default:
		return cfg->udp_timeout;
	}
}

/* Later of two conenat_now() seconds. */
static u32 conenat_later(u32 a, u32 b)
{
	return (s32)(a - b) > 0 ? a : b;
}

/* What a live entry says: its last packet, its end, its peer. */
static void conenat_ct_note(struct nf_conn *ct, const struct conenat_mapping *m,
			    const struct conenat_config *cfg, bool in,
			    struct conenat_visit *v)
{
	u32 last, until, dies;
	u8 state;
	s32 left;

	if (test_bit(IPS_OFFLOAD_BIT, &ct->status)) {
		/* in a flowtable, which keeps it while it carries traffic */
		last = v->now;
		dies = v->now + conenat_ct_timer(cfg, ct);
	} else {
		left = (s32)(READ_ONCE(ct->timeout) - nfct_time_stamp);
		last = v->now + min_t(s32, left - (s32)conenat_ct_extra(ct, left),
				      0) / (s32)HZ;
		dies = v->now + max_t(s32, left, 0) / HZ + 1;
	}
	if (m->ik.proto == IPPROTO_TCP) {
		state = READ_ONCE(ct->proto.tcp.state);
		if (state >= TCP_CONNTRACK_FIN_WAIT &&
		    state <= TCP_CONNTRACK_CLOSE)
			v->tcp_closing = true;
		else
			v->tcp_open = true;
	}
	if ((s32)(dies - v->next) < 0)
		v->next = dies;
	/* with inbound-refresh off, the outside alone keeps nothing alive */
	if (in && !cfg->inbound_refresh &&
	    !test_bit(IPS_SEEN_REPLY_BIT, &ct->status))
		return;
	until = last + conenat_ct_timer(cfg, ct);
	v->until = v->active ? conenat_later(v->until, until) : until;
	v->active = true;
	/*
	 * The remote's peer lives as long: the mapping is looked at again
	 * before the first such end.
	 */
	if (v->keep && !in && m->ik.proto != IPPROTO_ICMP &&
	    conenat_peer_keep(v->cn, v->keep, cfg,
			      ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3.ip,
			      ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u.all,
			      until) &&
	    (s32)(until - 1 - v->next) < 0)
		v->next = until - 1;
}

/*
 * Look at one record for conenat_ct_visit(): the record to keep (PENDING
 * cleared once the entry was seen or missed), or 0 when its entry is gone.
 */
static u64 conenat_ct_look(u64 rec, const struct conenat_mapping *m,
			   const struct conenat_config *cfg,
			   struct conenat_visit *v)
{
	struct nf_conn *ct = conenat_rec_find(v->cn->net, rec, m);

	if (!ct) {
		/* not confirmed yet, maybe: once */
		if (rec & CONENAT_REC_PENDING) {
			u32 until = v->now +
				    conenat_proto_timeout(cfg, m->ik.proto);

			v->alive++;
			v->until = v->active ? conenat_later(v->until, until) :
					       until;
			v->active = true;
			if ((s32)(v->now + 1 - v->next) < 0)
				v->next = v->now + 1;
			return rec & ~CONENAT_REC_PENDING;
		}
		if (m->ik.proto == IPPROTO_TCP)
			v->tcp_ended = true;
		return 0;
	}
	v->alive++;
	conenat_ct_note(ct, m, cfg, rec & CONENAT_REC_IN, v);
	nf_ct_put(ct);
	return rec & ~CONENAT_REC_PENDING;
}

/*
 * Look at the records of one chunk list, keeping those alive; returns the
 * list of the chunks kept (emptied ones freed after readers).
 */
static struct conenat_chunk *conenat_ct_look_chunks(struct conenat_chunk *list,
						    const struct conenat_mapping *m,
						    const struct conenat_config *cfg,
						    struct conenat_visit *v)
{
	struct conenat_chunk *c, *next, *kept = NULL;
	unsigned int i, j, n;
	u64 rec;

	for (c = list; c; c = next) {
		next = rcu_dereference_protected(c->next, 1);
		/* pairs with the adder's release: the slots it counts */
		n = smp_load_acquire(&c->n);
		for (i = 0, j = 0; i < n; i++) {
			rec = conenat_ct_look(c->rec[i], m, cfg, v);
			if (rec)
				WRITE_ONCE(c->rec[j++], rec);
		}
		WRITE_ONCE(c->n, j);
		if (!j) {
			call_rcu(&c->rcu, conenat_chunk_free_rcu);
			continue;
		}
		rcu_assign_pointer(c->next, kept);
		kept = c;
	}
	return kept;
}

static void conenat_flows_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct conenat_flows, rcu));
}

/* The wheel's look at block @b of @m. */
static void conenat_ct_settle_block(struct conenat_mapping *m,
				    const struct conenat_config *cfg,
				    struct conenat_visit *v,
				    struct conenat_flows *b)
{
	struct conenat_chunk *list, *kept, *tail, *c;

	/* take the chunks; new records meanwhile start a chunk of their own */
	spin_lock_bh(&b->lock);
	list = rcu_dereference_protected(b->head, lockdep_is_held(&b->lock));
	RCU_INIT_POINTER(b->head, NULL);
	spin_unlock_bh(&b->lock);

	kept = conenat_ct_look_chunks(list, m, cfg, v);
	for (tail = kept; tail && rcu_access_pointer(tail->next);
	     tail = rcu_dereference_protected(tail->next, 1))
		;
	spin_lock_bh(&b->lock);
	c = rcu_dereference_protected(b->head, lockdep_is_held(&b->lock));
	if (!kept && !c) {
		/* no record left: the block goes, adders start again */
		b->dead = true;
		WRITE_ONCE(m->flows, 0);
		spin_unlock_bh(&b->lock);
		call_rcu(&b->rcu, conenat_flows_free_rcu);
		return;
	}
	if (kept) {
		rcu_assign_pointer(tail->next, c);
		rcu_assign_pointer(b->head, kept);
	}
	spin_unlock_bh(&b->lock);
}

static void conenat_visit_init(struct conenat_visit *v)
{
	v->alive = 0;
	v->active = false;
	v->tcp_open = false;
	v->tcp_closing = false;
	v->tcp_ended = false;
	v->next = v->now + CONENAT_WHEEL_SLOTS;
}

/**
 * conenat_ct_visit() - the expiry wheel's look at a mapping's entries
 * @m: a live mapping
 * @cfg: its instance's configuration
 * @v: filled in; the caller sets @v->now and @v->cn
 *
 * Reads what the mapping's entries say of its life, forgets the records of
 * entries that ended and keeps the peers of the live ones. GC context,
 * under cn->gc.lock and rcu_read_lock(). The work is one conntrack lookup
 * per record, with no lock held while looking.
 */
void conenat_ct_visit(struct conenat_mapping *m,
		      const struct conenat_config *cfg,
		      struct conenat_visit *v)
{
	u64 cur = READ_ONCE(m->flows), rec;
	struct conenat_flows *b;

	conenat_visit_init(v);
	v->keep = m;
	b = conenat_flows_block(cur);
	if (b) {
		conenat_ct_settle_block(m, cfg, v, b);
	} else if (cur) {
		rec = conenat_ct_look(cur, m, cfg, v);
		/* a block or a new record may have come meanwhile */
		if (rec != cur)
			cmpxchg(&m->flows, cur, rec);
	}
}

/**
 * conenat_ct_peek() - what a mapping's entries say of its life, only
 * @m: a live mapping
 * @cfg: its instance's configuration
 * @v: filled in; the caller sets @v->now and @v->cn
 *
 * For a request showing the mapping: changes nothing. Caller holds
 * rcu_read_lock().
 */
void conenat_ct_peek(const struct conenat_mapping *m,
		     const struct conenat_config *cfg,
		     struct conenat_visit *v)
{
	u64 cur = READ_ONCE(m->flows);
	struct conenat_flows *b;
	struct conenat_chunk *c;
	unsigned int i, n;

	conenat_visit_init(v);
	v->keep = NULL;
	b = conenat_flows_block(cur);
	if (!b) {
		if (cur)
			conenat_ct_look(cur, m, cfg, v);
		return;
	}
	for (c = rcu_dereference(b->head); c; c = rcu_dereference(c->next)) {
		/* pairs with the adder's release */
		n = min_t(unsigned int, smp_load_acquire(&c->n),
			  CONENAT_CHUNK_LEN);
		for (i = 0; i < n; i++)
			conenat_ct_look(READ_ONCE(c->rec[i]), m, cfg, v);
	}
}

/**
 * conenat_ct_until() - the end a dynamic mapping's entries give it
 * @m: the mapping
 * @cfg: its instance's configuration
 * @v: what conenat_ct_visit() found
 * @base: the mapping's timer, as read before the visit
 *
 * The last packet of its live entries plus its timer, never earlier than
 * @base, but for TCP once its connections are closing or closed (RFC 7857
 * 2.1: from the close of the last one, tcp-transitory-timeout).
 *
 * Return: a conenat_now() second.
 */
u32 conenat_ct_until(const struct conenat_mapping *m,
		     const struct conenat_config *cfg,
		     const struct conenat_visit *v, u32 base)
{
	u32 end = v->active ? conenat_later(v->until, base) : base;

	if (m->ik.proto != IPPROTO_TCP || v->tcp_open ||
	    (!v->tcp_closing && !v->tcp_ended))
		return end;
	end = v->active ? v->until : v->now;
	if (v->tcp_ended)
		end = conenat_later(end, v->now + cfg->tcp_transitory_timeout);
	return end;
}

/* End the entry of @rec if it is still one of @m's. */
static void conenat_ct_end(struct net *net, u64 rec,
			   const struct conenat_mapping *m)
{
	struct nf_conn *ct = conenat_rec_find(net, rec, m);

	if (ct) {
		nf_ct_kill(ct);
		nf_ct_put(ct);
	}
}

/**
 * conenat_ct_drain() - end the entries of a dead mapping
 * @cn: the namespace's state
 * @m: the mapping, dead for at least a grace period: no NAT lookup can
 *	record an entry for it any more
 *
 * Kills every entry the mapping records, exactly those: conntrack's table
 * holds none of them when this returns. GC context, rcu_read_lock() held.
 *
 * An entry whose packet waited in a queue (NFQUEUE) from the NAT lookup
 * past the grace period is not in conntrack's table yet and is missed: it
 * lives on by conntrack's timer.
 */
void conenat_ct_drain(struct conenat_net *cn, struct conenat_mapping *m)
{
	u64 cur = READ_ONCE(m->flows);
	struct conenat_flows *b;
	struct conenat_chunk *c;
	unsigned int i;

	b = conenat_flows_block(cur);
	if (!b) {
		if (cur)
			conenat_ct_end(cn->net, cur, m);
		return;
	}
	/*
	 * Nobody adds to a dead mapping's records after the grace period,
	 * and the wheel alone changes them: no lock, no BH held off while
	 * conntrack is searched.
	 */
	for (c = rcu_dereference_protected(b->head, 1); c;
	     c = rcu_dereference_protected(c->next, 1))
		for (i = 0; i < c->n; i++)
			conenat_ct_end(cn->net, c->rec[i], m);
}

/*
 * An entry of a protocol conenat masquerades (neither UDP nor TCP nor
 * ICMP), source-NATed to an address the namespace no longer has: the
 * instance's old address, after a renumbering. Nobody can reach it back.
 */
static int conenat_ct_lost_addr(struct nf_conn *ct, void *data)
{
	struct conenat_net *cn = data;

	if (nf_ct_l3num(ct) != NFPROTO_IPV4 || !(ct->status & IPS_SRC_NAT) ||
	    conenat_proto_mapped(nf_ct_protonum(ct)) ||
	    nf_ct_protonum(ct) == IPPROTO_ICMP)
		return 0;
	return inet_addr_type(cn->net,
			      ct->tuplehash[IP_CT_DIR_REPLY].tuple.dst.u3.ip) !=
	       RTN_LOCAL;
}

/**
 * conenat_ct_cleanup() - end the masqueraded flows left on an address that
 *	went
 * @cn: the namespace's state
 *
 * After an external address changed. Mapped flows end with their
 * mappings; this ends those of the protocols conenat masquerades, as
 * masquerade would. Process context; one walk over the namespace's
 * conntrack table.
 */
void conenat_ct_cleanup(struct conenat_net *cn)
{
	struct nf_ct_iter_data iter_data = {
		.net = cn->net,
		.data = cn,
	};

	if (!READ_ONCE(cn->hooks_on))
		return;
	nf_ct_iterate_cleanup_net(conenat_ct_lost_addr, &iter_data);
}
