/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conenat: declarations shared by the module's files.
 *
 * The data path (hooks.c) and the control path (netlink.c, instance.c) meet
 * only at the mapping table's interface (table.c): lookups under RCU, and
 * creation and removal that are safe from softirq and process context alike.
 */
#ifndef _CONENAT_H
#define _CONENAT_H

#include <linux/if.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/netfilter/nf_conntrack.h>
#include <linux/conenat.h>

#include "compat.h"

#define CONENAT_DEV_BUCKETS	16

struct conenat_prefix {
	__be32 addr;
	__be32 mask;
	u8 len;
};

/**
 * struct conenat_config - the settings of an instance
 * @mapping: enum conenat_behaviour for mapping
 * @filtering: enum conenat_behaviour for filtering
 * @port_preservation: try the internal port first
 * @port_parity: keep the internal port's parity
 * @hairpin: translate inside-to-inside traffic to external endpoints
 * @hairpin_filter: hairpinned traffic meets the receiver's filter
 * @inbound_refresh: inbound packets refresh the mapping timer
 * @ext_min: first address of a fixed external pool, 0 to follow the device
 * @ext_max: last address of the pool
 * @port_min: lowest external port, host order
 * @port_max: highest external port, host order
 * @udp_timeout: UDP mapping timer in seconds
 * @tcp_timeout: TCP mapping timer while a connection is established
 * @tcp_transitory_timeout: TCP mapping timer while connections open or close
 * @icmp_timeout: ICMP echo identifier mapping timer
 * @max_per_host: most mappings per internal address, 0 for no limit
 * @max_peers: most peers of one mapping
 * @hold_down: seconds an external endpoint rests before it is reused
 * @nprefixes: number of entries in @prefixes, 0 meaning "every source"
 * @prefixes: the internal prefixes
 * @rcu: frees a replaced configuration after readers are done
 *
 * A configuration is immutable once published: a change installs a new copy,
 * so the packet path always sees one consistent set.
 */
struct conenat_config {
	u8 mapping;
	u8 filtering;
	bool port_preservation;
	bool port_parity;
	bool hairpin;
	bool hairpin_filter;
	bool inbound_refresh;
	__be32 ext_min;
	__be32 ext_max;
	u16 port_min;
	u16 port_max;
	u32 udp_timeout;
	u32 tcp_timeout;
	u32 tcp_transitory_timeout;
	u32 icmp_timeout;
	u32 max_per_host;
	u32 max_peers;
	u32 hold_down;
	u8 nprefixes;
	struct conenat_prefix prefixes[CONENAT_MAX_PREFIXES];
	struct rcu_head rcu;
};

/*
 * Per-CPU counters of an instance, in the order of enum conenat_stats_attr
 * from CONENAT_STATS_A_MAPPINGS_CREATED on.
 */
enum conenat_counter {
	CONENAT_C_MAPPINGS_CREATED,
	CONENAT_C_MAPPINGS_EXPIRED,
	CONENAT_C_MAPPINGS_DELETED,
	CONENAT_C_OUT_NEW_FLOWS,
	CONENAT_C_IN_NEW_FLOWS,
	CONENAT_C_IN_FILTERED,
	CONENAT_C_IN_NO_MAPPING,
	CONENAT_C_HAIRPIN_FLOWS,
	CONENAT_C_PORT_EXHAUSTED,
	CONENAT_C_HOST_LIMIT,
	CONENAT_C_TABLE_FULL,
	CONENAT_C_NOMEM,
	CONENAT_C_PEERS_REFUSED,

	CONENAT_C_NUM
};

struct conenat_stats {
	u64 c[CONENAT_C_NUM];
};

#define conenat_count(inst, counter) \
	this_cpu_inc((inst)->stats->c[(counter)])

/**
 * struct conenat_instance - one NAT on one external device
 * @dev_node: entry in the namespace's by-device hash (RCU, under RTNL)
 * @list: entry in the namespace's instance list (config_lock)
 * @cn: the namespace's state
 * @cfg: the current configuration (RCU)
 * @name: the instance's name
 * @ifname: the external device's name
 * @ifindex: the external device, 0 while it does not exist
 * @dev_addr: the device's primary IPv4 address, 0 when it has none
 * @id: small number unique in the namespace, part of mapping keys
 * @dead: set once deletion starts; no mapping is created after it
 * @nmappings: live mappings of this instance
 * @nheld: mappings of this instance not freed yet, dead ones included
 * @nanykey: live mappings that serve every remote of their internal endpoint
 *	under dependent mapping (static ones, permits'): while there is none,
 *	a new flow's lookup under dependent mapping is one lookup, not two
 * @created: conenat_now() second it was made (its AGE, a port control
 *	server's epoch)
 * @held_closed: the instance is going: no more hold-down
 * @stats: counters
 * @rcu: frees the instance after readers are done
 */
struct conenat_instance {
	struct hlist_node dev_node;
	struct list_head list;
	struct conenat_net *cn;
	struct conenat_config __rcu *cfg;
	char name[CONENAT_NAME_MAX];
	char ifname[IFNAMSIZ];
	int ifindex;
	__be32 dev_addr;
	u8 id;
	bool dead;
	atomic_t nmappings;
	atomic_t nheld;
	atomic_t nanykey;
	u32 created;
	bool held_closed;
	struct conenat_stats __percpu *stats;
	struct rcu_head rcu;
};

/* The internal side of a mapping. @raddr/@rport are zero unless the
 * instance's mapping behaviour depends on the remote.
 */
struct conenat_int_key {
	__be32 addr;
	__be32 raddr;
	__be16 port;
	__be16 rport;
	u8 proto;
	u8 inst;
	u16 pad;
};

struct conenat_ext_key {
	__be32 addr;
	__be16 port;
	u8 proto;
	u8 pad;
};

/*
 * Bits of struct conenat_mapping::state. A mapping is claimed (no LIVE bit:
 * only its creator may touch it, even though it may already be found in
 * the external table), then published (LIVE: anyone may remove it), then
 * dead (DEAD: unlinked from the internal table, or being; UNLINKED once
 * it is), then, once its last reference has gone, held (HELD: its endpoint in hold-down) and
 * released (RELEASED: the endpoint back in the pool), and freed after
 * readers. Each step is one atomic transition, and only the caller that
 * made it does what follows it. While WHEEL is set the expiry wheel owns
 * the memory: it frees a released mapping; otherwise the releaser does.
 */
#define CONENAT_M_DEAD		BIT(0)	/* unlinked, or being unlinked */
#define CONENAT_M_PERMANENT	BIT(1)	/* never expires */
#define CONENAT_M_STATIC	BIT(2)	/* CONENAT_ORIGIN_STATIC, else dynamic */
#define CONENAT_M_LIVE		BIT(3)	/* published by its creator */
#define CONENAT_M_FOLLOW	BIT(4)	/* static, on whatever address the
					 * device has
					 */
#define CONENAT_M_PEERS_FULL	BIT(5)	/* a peer cap refused a remote: the
					 * event was sent
					 */
#define CONENAT_M_HELD		BIT(6)	/* dead, unreferenced, its endpoint in
					 * hold-down (holddown.c)
					 */
#define CONENAT_M_RELEASED	BIT(7)	/* its endpoint is back in the pool:
					 * freed once out of the wheel
					 */
#define CONENAT_M_WHEEL		BIT(8)	/* in the expiry wheel, which owns
					 * its memory (expiry.c)
					 */
#define CONENAT_M_PCP		BIT(9)	/* static, granted to a host by PCP */
#define CONENAT_M_NATPMP	BIT(10)	/* static, granted by NAT-PMP */
#define CONENAT_M_FILTERED	BIT(11)	/* granted, lets in only the remotes
					 * of its permits (PCP's FILTER)
					 */
#define CONENAT_M_ARRIVING	BIT(12)	/* in the wheel's list of arrivals, not
					 * in a slot yet (expiry.c)
					 */
#define CONENAT_M_ANYKEY	BIT(13)	/* counted in its instance's
					 * nanykey
					 */
#define CONENAT_M_UNLINKED	BIT(14)	/* dead, and out of the internal
					 * table: readers that found it there
					 * are done a grace period later
					 */
#define CONENAT_M_GRANTED	(CONENAT_M_PCP | CONENAT_M_NATPMP)
/* The expiry wheel's slot a mapping is in, while in one (expiry.c). */
#define CONENAT_M_SLOT_SHIFT	15
#define CONENAT_M_SLOT		GENMASK(23, CONENAT_M_SLOT_SHIFT)
/*
 * The references are counted in the state word's top bits, so that a
 * mapping's state and its references change together: one for the tables
 * until the mapping's conntrack entries are ended, one per control-path
 * user holding it (generic netlink serialises those: a handful at most).
 */
#define CONENAT_M_REF_SHIFT	24
#define CONENAT_M_REF		BIT(CONENAT_M_REF_SHIFT)
#define CONENAT_M_REFS		GENMASK(31, CONENAT_M_REF_SHIFT)

/**
 * struct conenat_mapping - internal endpoint <-> external endpoint
 * @int_node: entry in the table keyed by @ik, while the mapping is live
 * @peer: the first remote its traffic went to, the one peer kept in the
 *	mapping rather than in the peer table (peers.c)
 * @rcu: frees the mapping after readers are done; it overwrites @int_node
 *	and @peer, which nobody reads by then: the mapping left the internal
 *	table a grace period before (the wheel ends its entries only after
 *	it is UNLINKED and a grace period has passed), and only a live
 *	mapping's peer is read
 * @ext_node: entry in the table keyed by @ek, until the last reference
 *	goes: a dead mapping keeps its external endpoint from the pool while
 *	conntrack entries still use it
 * @ik: internal endpoint (and remote, for dependent mapping); its instance
 *	number names the mapping's instance (conenat_minst())
 * @ek: external endpoint
 * @expires: conenat_now() second at which the mapping is gone (unless
 *	permanent)
 * @state: CONENAT_M_* bits; after creation LIVE, DEAD, HELD, RELEASED
 *	are set in that order, WHEEL comes and goes, PEERS_FULL and FOLLOW
 *	are set once; the references (CONENAT_M_REFS) in its top bits
 * @npeers: peers recorded for the mapping's filter (peers.c)
 * @peer_end: conenat_now() second until which traffic keeps @peer
 * @flows: records of the conntrack entries it translated: none, one, or a
 *	block of them (ctlink.c)
 * @id: number unique in the namespace for its life (64 bits never wrap),
 *	keys the mapping's peers
 * @incoming: entry in the expiry wheel's list of arrivals
 * @wheel: entry in a slot of the expiry wheel (the slot is in @state)
 *
 * 88 bytes on 64-bit: a million mappings, with the buckets of their two
 * tables (2 097 152 each past 786 432 mappings), take about 122 MB.
 */
struct conenat_mapping {
	union {
		struct {
			struct rhash_head int_node;
			u64 peer;
		};
		struct rcu_head rcu;
	};
	struct rhash_head ext_node;
	struct conenat_int_key ik;
	struct conenat_ext_key ek;
	u32 expires;
	atomic_t state;
	atomic_t npeers;
	u32 peer_end;
	u64 flows;
	u64 id;
	union {
		struct llist_node incoming;
		struct llist_node wheel;
	};
};

/* Seconds on the jiffies clock: mapping timers are whole seconds. */
static inline u32 conenat_now(void)
{
	return (u32)(jiffies / HZ);
}

/* Published and not dead: a mapping others may use and remove. */
static inline bool conenat_mapping_live(const struct conenat_mapping *m)
{
	return (atomic_read(&m->state) & (CONENAT_M_LIVE | CONENAT_M_DEAD)) ==
	       CONENAT_M_LIVE;
}

static inline bool conenat_mapping_static(const struct conenat_mapping *m)
{
	return atomic_read(&m->state) & CONENAT_M_STATIC;
}

/**
 * conenat_mapping_alive() - whether a mapping still translates
 * @m: the mapping
 *
 * Inline: the NAT lookup asks it for every new flow.
 *
 * Return: false before it is published, once it is unlinked, and past its
 * timer.
 */
static inline bool conenat_mapping_alive(const struct conenat_mapping *m)
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
static inline void conenat_mapping_refresh(struct conenat_mapping *m,
					   u32 timeout)
{
	u32 expires = conenat_now() + timeout;
	u32 old = READ_ONCE(m->expires);

	if ((s32)(expires - old) <= 0)
		return;
	/* the timer before the state: see conenat_mapping_grant() */
	smp_rmb();
	if (conenat_mapping_static(m))
		return;
	/* lost to another writer: it moved the timer, and never back */
	cmpxchg(&m->expires, old, expires);
}

/*
 * For conenat_mapping_create(): a PCP mapping made with a filter, which it
 * has before anyone can find it. Not part of the uAPI.
 */
#define CONENAT_ORIGIN_PCP_FILTERED	(CONENAT_ORIGIN_MAX + 1)

/* The state bits of a mapping of @origin granted to a host, else 0. */
static inline u32 conenat_origin_state(u8 origin)
{
	switch (origin) {
	case CONENAT_ORIGIN_PCP:
		return CONENAT_M_PCP;
	case CONENAT_ORIGIN_PCP_FILTERED:
		return CONENAT_M_PCP | CONENAT_M_FILTERED;
	case CONENAT_ORIGIN_NATPMP:
		return CONENAT_M_NATPMP;
	}
	return 0;
}

/* Granted to a host by a port control server (PCP, NAT-PMP). */
static inline bool conenat_mapping_granted(const struct conenat_mapping *m)
{
	return atomic_read(&m->state) & CONENAT_M_GRANTED;
}

static inline u8 conenat_mapping_origin(const struct conenat_mapping *m)
{
	u32 state = atomic_read(&m->state);

	if (state & CONENAT_M_PCP)
		return CONENAT_ORIGIN_PCP;
	if (state & CONENAT_M_NATPMP)
		return CONENAT_ORIGIN_NATPMP;
	return state & CONENAT_M_STATIC ? CONENAT_ORIGIN_STATIC :
					  CONENAT_ORIGIN_DYNAMIC;
}

/*
 * The filter mapping @m applies to a new inbound flow, @filtering being its
 * instance's: a static mapping lets everyone in, unless a port control
 * request gave it a filter, which lists remotes by address and port.
 */
static inline u8 conenat_mapping_filtering(const struct conenat_mapping *m,
					   u8 filtering)
{
	u32 state = atomic_read(&m->state);

	if (state & CONENAT_M_FILTERED)
		return CONENAT_ADDRESS_PORT_DEPENDENT;
	if (state & CONENAT_M_STATIC)
		return CONENAT_ENDPOINT_INDEPENDENT;
	return filtering;
}

/* A cursor over one table for the GC work, which resumes where it stopped. */
struct conenat_walk {
	struct rhashtable_iter iter;
	bool entered;
};

/* Seconds the expiry wheel looks ahead; later timers go round again. */
#define CONENAT_WHEEL_SLOTS	512

/**
 * struct conenat_gc_state - the expiry wheel and the GC's walks (expiry.c)
 * @lock: serialises the wheel and the walks (the GC work, instance delete)
 * @incoming: mappings that entered the wheel since its last turn, from any
 *	context without a lock
 * @wheel: mappings by the second they are to be looked at again, each
 *	slot a singly linked list
 * @hurry: slots that hold mappings others removed, for the next turn
 * @clock: the next second of the wheel to look at
 * @nwheel: mappings in @wheel
 * @idle: the GC work is not queued; whoever gives it work queues it
 * @renumber: an external address changed: walk the mappings
 * @renumbering: a walk of the mappings for an address change is under way
 * @again: the walk left a static mapping to follow later
 * @walks: cursors over the mapping and peer tables
 * @removed: mappings removed since the GC's last run
 */
struct conenat_gc_state {
	struct mutex lock;	/* the wheel, the walks */
	struct llist_head incoming;
	struct llist_head wheel[CONENAT_WHEEL_SLOTS];
	DECLARE_BITMAP(hurry, CONENAT_WHEEL_SLOTS);
	u32 clock;
	unsigned int nwheel;
	atomic_t idle;
	atomic_t renumber;
	bool renumbering;
	bool again;
	struct conenat_walk walks[2];
	unsigned int removed;
};

/**
 * struct conenat_net - conenat's state in one network namespace
 * @net: the namespace this state belongs to
 * @config_lock: serialises configuration requests in this namespace
 * @instances: the instances (config_lock; RCU for readers)
 * @by_dev: instances by external device ifindex (RTNL; RCU for readers)
 * @inst_ids: instance ids in use (config_lock)
 * @insts: the instances by id, from their creation until readers of their
 *	last mappings are done
 * @hooks_on: the netfilter hooks are registered (config_lock)
 * @int_table: mappings by internal key
 * @ext_table: mappings by external key
 * @peer_table: remotes each mapping lets in
 * @host_table: mapping counts per internal address
 * @nmappings: mappings in the namespace
 * @max_mappings: the namespace's cap
 * @npeers: peers in the namespace
 * @max_peers: the namespace's cap on them
 * @next_id: source of mapping ids
 * @gc_work: expires mappings and peers, reaps stale state
 * @gc: where the walks of @gc_work stand
 * @ct_stale: the GC's next run ends the entries left on an address that
 *	went (ctlink.c)
 * @tables_ready: the tables are initialised
 */
struct conenat_net {
	struct net *net;
	struct mutex config_lock;	/* serialises configuration */
	struct list_head instances;
	struct hlist_head by_dev[CONENAT_DEV_BUCKETS];
	unsigned long inst_ids[BITS_TO_LONGS(CONENAT_MAX_INSTANCES)];
	struct conenat_instance __rcu *insts[CONENAT_MAX_INSTANCES];
	bool hooks_on;
	struct rhashtable int_table;
	struct rhashtable ext_table;
	struct rhashtable peer_table;
	struct rhashtable host_table;
	atomic_t nmappings;
	u32 max_mappings;
	atomic_t npeers;
	u32 max_peers;
	atomic64_t next_id;
	struct delayed_work gc_work;
	struct conenat_gc_state gc;
	atomic_t ct_stale;
	bool tables_ready;
};

extern unsigned int conenat_net_id;
extern unsigned int conenat_hash_buckets;

static inline struct conenat_net *conenat_pernet(const struct net *net)
{
	return net_generic(net, conenat_net_id);
}

/**
 * conenat_minst() - the instance a mapping belongs to
 * @cn: the namespace's state
 * @m: the mapping, valid for the caller
 *
 * The mapping names its instance by number, which the instance keeps
 * until readers of its last mappings are done (conenat_instance_del()).
 *
 * Return: the instance.
 */
static inline struct conenat_instance *
conenat_minst(const struct conenat_net *cn, const struct conenat_mapping *m)
{
	/* published before the instance's first mapping could be made */
	return rcu_dereference_check(cn->insts[m->ik.inst], true);
}

static inline struct conenat_config *
conenat_cfg(const struct conenat_instance *inst)
{
	return rcu_dereference(inst->cfg);
}

int conenat_netns_init(void);
void conenat_netns_exit(void);

int conenat_genl_init(void);
void conenat_genl_exit(void);
void conenat_event_mapping(const struct conenat_instance *inst,
			   const struct conenat_mapping *m, u8 event);
void conenat_event_exhausted(const struct conenat_instance *inst,
			     const struct conenat_int_key *ik);
void conenat_event_peer_limit(const struct conenat_instance *inst,
			      const struct conenat_mapping *m, __be32 raddr,
			      __be16 rport);

/* Protocols whose flows go through the mapping table. */
static inline bool conenat_proto_mapped(u8 proto)
{
	return proto == IPPROTO_UDP || proto == IPPROTO_TCP ||
	       proto == IPPROTO_ICMP;
}

/* The timer of a new mapping, or of one whose flows are not established. */
static inline u32 conenat_proto_timeout(const struct conenat_config *cfg,
					u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return cfg->tcp_transitory_timeout;
	case IPPROTO_ICMP:
		return cfg->icmp_timeout;
	default:
		return cfg->udp_timeout;
	}
}

/* table.c */
int conenat_table_init(struct conenat_net *cn);
unsigned int conenat_table_buckets(struct conenat_net *cn);
void conenat_table_destroy(struct conenat_net *cn);
int conenat_table_cache_init(void);
void conenat_table_cache_exit(void);
struct conenat_mapping *conenat_lookup_int(struct conenat_net *cn,
					   const struct conenat_int_key *ik);
struct conenat_mapping *conenat_lookup_ext(struct conenat_net *cn,
					   const struct conenat_ext_key *ek);
int conenat_ext_insert(struct conenat_net *cn, struct conenat_mapping *m);
struct conenat_mapping *conenat_int_insert(struct conenat_net *cn,
					   struct conenat_mapping *m);
void conenat_int_remove(struct conenat_net *cn, struct conenat_mapping *m);
struct conenat_mapping *conenat_mapping_alloc(void);
struct conenat_host;
struct conenat_host *conenat_host_get(struct conenat_net *cn,
				      const struct conenat_instance *inst,
				      __be32 addr, u32 max);
void conenat_host_put(struct conenat_net *cn, struct conenat_host *h);
void conenat_host_release(struct conenat_net *cn,
			  const struct conenat_mapping *m);
void conenat_ext_remove(struct conenat_net *cn, struct conenat_mapping *m);
void conenat_mapping_free(struct conenat_mapping *m);
void *conenat_ht_walk(struct rhashtable *ht,
		      bool (*visit)(void *obj, void *arg), void *arg,
		      bool may_sleep);
struct conenat_mapping *conenat_table_walk(struct conenat_net *cn,
					   bool (*visit)(struct conenat_mapping *m,
							 void *arg),
					   void *arg, bool may_sleep);
unsigned int conenat_flush(struct conenat_net *cn,
			   const struct conenat_instance *inst,
			   bool dynamic_only);
void conenat_gc_kick(struct conenat_net *cn);
void conenat_ct_stale_later(struct conenat_net *cn);

/* lifecycle.c */
struct conenat_mapping *conenat_mapping_create(struct conenat_instance *inst,
					       const struct conenat_config *cfg,
					       const struct conenat_int_key *ik,
					       const struct conenat_ext_key *want,
					       u8 origin, u32 lifetime);
bool conenat_mapping_remove(struct conenat_net *cn, struct conenat_mapping *m,
			    u8 event);
bool conenat_mapping_hold(struct conenat_mapping *m);
void conenat_mapping_put(struct conenat_net *cn, struct conenat_mapping *m);
u32 conenat_mapping_settle(struct conenat_mapping *m, u32 base, u32 end);
bool conenat_mapping_grant(const struct conenat_instance *inst,
			   struct conenat_mapping *m, u8 origin, u32 lifetime);
bool conenat_mapping_follow(struct conenat_instance *inst,
			    struct conenat_mapping *m,
			    const struct conenat_config *cfg, bool *wait);

/* holddown.c */
void conenat_holddown_start(struct conenat_net *cn, struct conenat_mapping *m);
bool conenat_holddown_end(struct conenat_net *cn, struct conenat_mapping *m);
void conenat_holddown_close(struct conenat_instance *inst);
bool conenat_holddown_take(struct conenat_net *cn,
			   const struct conenat_ext_key *ek,
			   const struct conenat_mapping *m);

/* expiry.c */
void conenat_expiry_enter(struct conenat_net *cn, struct conenat_mapping *m,
			  int bits);
void conenat_expiry_hurry(struct conenat_net *cn, struct conenat_mapping *m);
void conenat_expiry_hurry_locked(struct conenat_net *cn,
				 struct conenat_mapping *m);
void conenat_expiry_sweep(struct conenat_net *cn);
void conenat_expiry_drain(struct conenat_net *cn);
void conenat_expiry_purge(struct conenat_net *cn,
			  const struct conenat_instance *inst);
void conenat_expiry_shorten(struct conenat_net *cn,
			    const struct conenat_instance *inst, u32 latest);
void conenat_gc_wake(struct conenat_net *cn);
void conenat_gc_renumber(struct conenat_net *cn);
void conenat_gc_init(struct conenat_net *cn);
void conenat_gc_stop(struct conenat_net *cn);

/* peers.c */
int conenat_peer_record(struct conenat_net *cn, struct conenat_mapping *m,
			const struct conenat_config *cfg, __be32 raddr,
			__be16 rport, u32 timeout);
int conenat_peer_permit(struct conenat_net *cn, struct conenat_mapping *m,
			const struct conenat_config *cfg, __be32 raddr,
			__be16 rport, u32 lifetime);
int conenat_permit_del(struct conenat_net *cn, struct conenat_mapping *m,
		       __be32 raddr, __be16 rport);

/**
 * struct conenat_permit_view - a permit, as a dump shows it
 * @m: its mapping
 * @raddr: the remote it lets in
 * @rport: the remote's port, 0 for any port
 * @timed: it ends after @expires seconds, else with its mapping
 * @expires: seconds left
 */
struct conenat_permit_view {
	struct conenat_mapping *m;
	__be32 raddr;
	__be16 rport;
	bool timed;
	u32 expires;
};

bool conenat_peer_as_permit(struct conenat_net *cn, void *obj,
			    struct conenat_permit_view *v);
unsigned int conenat_permits_flush(struct conenat_net *cn,
				   const struct conenat_instance *inst);
bool conenat_peer_keep(struct conenat_net *cn, struct conenat_mapping *m,
		       const struct conenat_config *cfg, __be32 raddr,
		       __be16 rport, u32 until);
bool conenat_peer_allowed(struct conenat_net *cn,
			  const struct conenat_mapping *m, u8 filtering,
			  __be32 raddr, __be16 rport);
void conenat_peer_reap(struct conenat_net *cn, void *obj);
void conenat_peer_close(struct conenat_net *cn, struct conenat_mapping *m);
int conenat_peers_init(struct conenat_net *cn);
void conenat_peers_destroy(struct conenat_net *cn);
int conenat_peer_cache_init(void);
void conenat_peer_cache_exit(void);

/* ctlink.c */
/**
 * struct conenat_visit - what a mapping's conntrack entries say of its life
 * @cn: the mapping's namespace, set by the caller
 * @now: conenat_now() of the look, set by the caller
 * @until: with @active, the latest second a packet of its live entries
 *	keeps the mapping to (the last packet plus the mapping's timer)
 * @next: the second before the first at which a live entry could end, or
 *	a peer it keeps lapse: the mapping is looked at again by then
 * @alive: live entries
 * @keep: the mapping whose peers the look keeps: set by the expiry wheel's
 *	look (conenat_ct_visit()), which also forgets ended entries; NULL for
 *	a request's (conenat_ct_peek())
 * @active: some live entry keeps the mapping alive
 * @tcp_open: a live TCP entry is opening or established
 * @tcp_closing: a live TCP entry is closing or closed
 * @tcp_ended: a TCP entry ended (since the last settling look)
 */
struct conenat_visit {
	struct conenat_net *cn;
	u32 now;
	u32 until;
	u32 next;
	unsigned int alive;
	struct conenat_mapping *keep;
	bool active;
	bool tcp_open;
	bool tcp_closing;
	bool tcp_ended;
};

int conenat_ct_link(struct nf_conn *ct, struct conenat_mapping *m, bool in);
void conenat_ct_release(struct conenat_mapping *m);
void conenat_ct_visit(struct conenat_mapping *m,
		      const struct conenat_config *cfg,
		      struct conenat_visit *v);
void conenat_ct_peek(const struct conenat_mapping *m,
		     const struct conenat_config *cfg,
		     struct conenat_visit *v);
u32 conenat_ct_until(const struct conenat_mapping *m,
		     const struct conenat_config *cfg,
		     const struct conenat_visit *v, u32 base);
void conenat_ct_drain(struct conenat_net *cn, struct conenat_mapping *m);
void conenat_ct_cleanup(struct conenat_net *cn);

/* sockets.c */
bool conenat_router_socket(const struct conenat_instance *inst, u8 proto,
			   __be32 daddr, __be16 dport, __be32 saddr,
			   __be16 sport);

/* ports.c */
int conenat_pick_ext(struct conenat_mapping *m, struct conenat_instance *inst,
		     const struct conenat_config *cfg,
		     const struct conenat_ext_key *want);

/* instance.c */
struct conenat_instance *conenat_instance_by_dev(struct conenat_net *cn,
						 int ifindex);
struct conenat_instance *conenat_instance_find(struct conenat_net *cn,
					       const char *name);
bool conenat_is_internal(const struct conenat_instance *inst,
			 const struct conenat_config *cfg, __be32 addr);
bool conenat_is_ext_addr(const struct conenat_instance *inst,
			 const struct conenat_config *cfg, __be32 addr);
void conenat_make_int_key(struct conenat_int_key *ik,
			  const struct conenat_instance *inst,
			  const struct conenat_config *cfg, u8 proto,
			  __be32 addr, __be16 port, __be32 raddr, __be16 rport);
struct conenat_instance *conenat_instance_new(struct conenat_net *cn,
					      const char *name,
					      const char *ifname,
					      struct conenat_config *cfg,
					      struct netlink_ext_ack *extack);
void conenat_instance_set_cfg(struct conenat_instance *inst,
			      struct conenat_config *cfg);
void conenat_instance_del(struct conenat_instance *inst);
void conenat_instance_defaults(struct conenat_config *cfg);
int conenat_notifiers_init(void);
void conenat_notifiers_exit(void);

/* hooks.c */
int conenat_hooks_register(struct net *net);
void conenat_hooks_unregister(struct net *net);

#endif /* _CONENAT_H */
