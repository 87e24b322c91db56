/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conenat-pcpd: a PCP (RFC 6887) and NAT-PMP (RFC 6886) server for one
 * conenat instance. Shared declarations.
 *
 * Layout of the program:
 *
 *   pcpd.c            main(), the poll loop, the timers, the epoch and the
 *                     announcements
 *   pcpd_config.c     the command line and the configuration file
 *   pcpd_access.c     the ordered allow/deny list, the instance's internal
 *                     prefixes, the lifetime clamp
 *   pcpd_ratelimit.c  per-host token buckets and a global one
 *   pcpd_kernel.c     every netlink request (through nl.c)
 *   pcpd_grants.c     the table of granted mappings and peers, quotas,
 *                     nonces, and the mapping logic PCP and NAT-PMP share
 *   pcpd_natpmp.c     the NAT-PMP request handler
 *   pcpd_pcp.c        the PCP request handler
 *   pcpd_log.c        messages ("conenat-pcpd: ...") and what nl.c needs
 *                     of natctl.c
 *
 * Addresses are IPv4 in network byte order (uint32_t), ports in host byte
 * order, times in milliseconds of CLOCK_MONOTONIC unless said otherwise.
 */
#ifndef CONENAT_PCPD_H
#define CONENAT_PCPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/conenat.h>

#include "pcp_wire.h"

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

#define PCPD_NAME		"conenat-pcpd"
#define PCPD_MAX_LISTEN		16	/* listen addresses */
#define PCPD_MAX_RULES		256	/* allow/deny lines */
#define PCPD_MAX_GRANTS		65536	/* mappings and peers, all hosts */
#define PCPD_MAX_RATE_HOSTS	4096	/* hosts the rate limiter tracks */
#define PCPD_MAX_QUOTA		PCPD_MAX_GRANTS
#define PCPD_PCP_MIN_LIFETIME	120	/* RFC 6887 section 15 */

/* Defaults of the configuration. */
#define PCPD_DEFAULT_LIFETIME_MIN	120
#define PCPD_DEFAULT_LIFETIME_MAX	86400
#define PCPD_DEFAULT_QUOTA		64
#define PCPD_DEFAULT_RATE		20
#define PCPD_DEFAULT_BURST		40

/* ---- configuration (pcpd_config.c) ---------------------------------- */

/* A port range, inclusive; 1-65535 is "all ports". */
struct pcpd_range {
	uint16_t min;
	uint16_t max;
};

/* One allow or deny line. */
struct pcpd_rule {
	bool allow;
	uint32_t addr;			/* the prefix, masked */
	uint32_t mask;
	uint8_t len;
	struct pcpd_range internal;
	struct pcpd_range external;
};

struct pcpd_config {
	char instance[CONENAT_NAME_MAX];
	uint32_t listen[PCPD_MAX_LISTEN];
	unsigned int nlisten;
	uint32_t lifetime_min;
	uint32_t lifetime_max;
	uint32_t quota;			/* mappings and peers per inside host */
	uint32_t rate;			/* requests per second per host */
	uint32_t burst;
	bool third_party;
	struct pcpd_rule rules[PCPD_MAX_RULES];
	unsigned int nrules;		/* 0: the default list */
	const char *netns;		/* NULL: the current namespace */
	bool verbose;
};

/*
 * Fills @cfg from the command line and the file it names (-f). Returns 0,
 * -1 when --help or --version was printed (exit 0), or an exit status
 * after printing the error (1: bad input).
 */
int config_load(int argc, char **argv, struct pcpd_config *cfg);

/* ---- messages (pcpd_log.c) ------------------------------------------ */

/* One line to stderr: "conenat-pcpd: MESSAGE". */
void log_msg(const char *fmt, ...) __printf(1, 2);
/* The same, only with -v. */
void log_debug(const char *fmt, ...) __printf(1, 2);
void log_verbose(bool on);
/*
 * While capturing, the messages nl.c prints (pr_err(), fail_err(), ...)
 * are kept instead, the last one in log_captured(), for the caller to
 * report as it sees fit.
 */
void log_capture(bool on);
const char *log_captured(void);
/* An IPv4 address as text, in one of four rotating static buffers. */
const char *log_addr(uint32_t addr);

/* ---- the kernel (pcpd_kernel.c) ------------------------------------- */

/* What GET_INSTANCE says of the instance. */
struct kinstance {
	uint32_t ext_addr;		/* 0: none */
	uint32_t ext_addr_min;
	uint32_t ext_addr_max;
	uint32_t age;			/* seconds since it was created */
	uint32_t ifindex;		/* the external device, 0: gone */
	uint8_t mapping;		/* enum conenat_behaviour */
	uint8_t filtering;
	uint16_t port_min;
	uint16_t port_max;
	struct {
		uint32_t addr;
		uint32_t mask;
		uint8_t len;
	} internal[CONENAT_MAX_PREFIXES];
	unsigned int ninternal;		/* 0: every source not on ifindex */
};

/* A mapping, as GET_MAPPING (and the echoes) reply it. */
struct kmapping {
	uint8_t proto;
	uint32_t int_addr;
	uint16_t int_port;
	uint32_t ext_addr;
	uint16_t ext_port;
	uint8_t origin;			/* enum conenat_origin */
	bool has_expires;		/* false: permanent */
	uint32_t expires;		/* seconds left */
	bool has_remote;		/* a dependent mapping: one remote's */
	bool filtered;
};

/* A NEW_MAPPING request. */
struct kmap_req {
	uint8_t proto;
	uint32_t int_addr;
	uint16_t int_port;
	uint16_t ext_port;		/* suggestion, 0: none */
	uint8_t origin;			/* CONENAT_ORIGIN_PCP or _NATPMP */
	uint32_t lifetime;
	bool filtered;
};

/* A NEW_PERMIT or DEL_PERMIT request. */
struct kpermit_req {
	uint8_t proto;
	uint32_t int_addr;
	uint16_t int_port;
	uint32_t remote_addr;
	uint16_t remote_port;		/* 0: any port */
	uint32_t lifetime;		/* NEW_PERMIT only */
};

/*
 * Each returns 0 or a positive errno: the kernel's (nl_last_error()), or
 * EIO for a netlink or allocation failure, with kernel_message() saying
 * what it was. kernel_get() and the echoes take a remote-less mapping
 * only (ENOENT when the endpoint has none); kernel_permit()'s echo may be
 * a remote's, the one the flow to the permit's remote uses.
 *
 * kernel_open(): GET_INFO (the module's API) then GET_INSTANCE of
 * @instance into @ki; its message says which, and is ready to print.
 */
int kernel_open(const char *instance, struct kinstance *ki);
int kernel_instance(struct kinstance *ki);
int kernel_map(const struct kmap_req *r, struct kmapping *out);
int kernel_get(uint8_t proto, uint32_t addr, uint16_t port,
	       struct kmapping *out);
int kernel_del(uint8_t proto, uint32_t ext_addr, uint16_t ext_port);
int kernel_permit(const struct kpermit_req *r, struct kmapping *out);
int kernel_unpermit(const struct kpermit_req *r);
int kernel_relearn(int (*cb)(const struct kmapping *m, void *arg), void *arg);
const char *kernel_message(void);
/* Whether the conenat family is there (the module loaded). */
bool kernel_present(void);
/* Drops the netlink socket, to resolve the family again next time. */
void kernel_reset(void);

/* ---- access (pcpd_access.c) ----------------------------------------- */

void access_init(const struct pcpd_config *cfg);
/* Takes the internal prefixes and the external device of @ki. */
void access_set_instance(const struct kinstance *ki);
/*
 * Whether @addr, whose packet came in on @ifindex (0: unknown), may be
 * served at all: inside the instance's internal prefixes (none: any
 * address) and not from the external device.
 */
bool access_host(uint32_t addr, int ifindex);
/*
 * The ordered allow/deny list: the first rule that matches @addr,
 * @int_port and @ext_port decides; none: refused. A port 0 is not known
 * yet (a suggestion not given, a deletion of every port) and matches every
 * range.
 */
bool access_allowed(uint32_t addr, uint16_t int_port, uint16_t ext_port);
bool access_ext_unrestricted(uint32_t addr, uint16_t int_port, uint16_t lo,
			     uint16_t hi);
bool access_ext_span(uint32_t addr, uint16_t int_port, uint16_t lo,
		     uint16_t hi, uint16_t *min, uint16_t *max);
/* The lifetime to ask the kernel for, @req clamped; @pcp: at least 120. */
uint32_t access_lifetime(uint32_t req, bool pcp);

/* ---- rate limiting (pcpd_ratelimit.c) ------------------------------- */

int ratelimit_init(uint32_t rate, uint32_t burst);
/* Whether a request of @addr at @now may be served (takes a token). */
bool ratelimit_allow(uint32_t addr, uint64_t now);
void ratelimit_fini(void);

/* ---- grants (pcpd_grants.c) ----------------------------------------- */

/* What a request came to, before it is put in a protocol's terms. */
enum pcpd_status {
	PCPD_OK,
	PCPD_NOT_AUTHORIZED,
	PCPD_QUOTA,			/* the host's quota */
	PCPD_NO_RESOURCES,
	PCPD_NETWORK_FAILURE,
	PCPD_CANNOT_PROVIDE,		/* PCP PREFER_FAILURE */
	PCPD_EXCESSIVE_PEERS,		/* PCP FILTER */
};

enum grant_kind {
	GRANT_MAP,
	GRANT_PEER,
};

struct pcpd_filter {
	uint32_t addr;
	uint16_t port;			/* 0: any port */
};

struct grant {
	struct grant *next;		/* hash chain */
	struct grant *host_prev;	/* the host's list */
	struct grant *host_next;
	struct pcpd_host *host;

	uint8_t kind;			/* enum grant_kind */
	uint8_t proto;
	uint32_t int_addr;
	uint16_t int_port;
	uint32_t remote_addr;		/* GRANT_PEER */
	uint16_t remote_port;

	uint8_t origin;			/* CONENAT_ORIGIN_PCP or _NATPMP */
	bool foreign;			/* the administrator's static mapping */
	bool has_nonce;			/* false: the next request sets it */
	uint8_t nonce[PCP_NONCE_LEN];
	uint32_t ext_addr;
	uint16_t ext_port;
	uint64_t expires;		/* ms; dropped from the table after */
	bool closed;			/* a deleted peer, still counted */

	bool filtered;
	uint8_t nfilters;
	struct pcpd_filter filters[PCP_MAX_FILTERS];
};

/* A mapping request, PCP MAP or NAT-PMP, its lifetime clamped. */
struct map_want {
	uint8_t origin;
	uint8_t proto;
	uint32_t addr;
	uint16_t int_port;
	uint16_t ext_port;		/* suggestion, 0: none */
	uint32_t ext_addr;		/* suggestion, 0: none */
	uint32_t lifetime;
	bool prefer_failure;
	bool filtered;
	const uint8_t *nonce;		/* PCP; NULL for NAT-PMP */
};

/* What it got. */
struct map_got {
	uint32_t ext_addr;
	uint16_t ext_port;
	uint32_t lifetime;		/* to report */
	struct grant *grant;
	bool created;			/* a new mapping, not a renewal */
};

int grants_init(uint32_t quota);
void grants_fini(void);
/* Forgets every grant (the kernel's state was lost). */
void grants_flush(void);
/* Drops the grants whose time is over at @now. */
void grants_expire(uint64_t now);
unsigned int grants_count(void);

struct grant *grant_find(uint8_t kind, uint32_t addr, uint8_t proto,
			 uint16_t port, uint32_t remote_addr,
			 uint16_t remote_port);
/* A new grant with those keys, or NULL when the table is full. */
struct grant *grant_add(uint8_t kind, uint32_t addr, uint8_t proto,
			uint16_t port, uint32_t remote_addr,
			uint16_t remote_port);
void grant_del(struct grant *g);
/* Walks a host's grants; safe against grant_del() of the one returned. */
struct grant *grant_host_first(uint32_t addr);
struct grant *grant_host_next(struct grant *g);
/* Whether @nonce may act on @g (an unknown nonce is taken as @nonce's). */
bool grant_nonce_ok(struct grant *g, const uint8_t *nonce);
/*
 * Whether @addr may have one grant more: under its quota, at once or once
 * the grants the kernel no longer has are dropped, and the table not full.
 * PCPD_OK, PCPD_QUOTA or PCPD_NO_RESOURCES.
 */
enum pcpd_status grants_room(uint32_t addr, uint64_t now);
/* A grant for a mapping the kernel has, at daemon start. */
void grants_relearn(const struct kmapping *m, uint64_t now);

/*
 * The mapping logic of PCP MAP and NAT-PMP. NAT-PMP (no nonce) renews no
 * PCP mapping: PCPD_NOT_AUTHORIZED.
 */
enum pcpd_status grants_map(const struct map_want *w, uint64_t now,
			    struct map_got *got);
/*
 * Deletes the mapping of one internal endpoint (@port not 0), if a port
 * control request made it (a static one: PCPD_NOT_AUTHORIZED; none or
 * traffic's: PCPD_OK), or of every port of @addr's grants of @origin
 * (@port 0; @proto 0: both protocols; @origin 0: either origin). PCP
 * passes its @nonce: grants of another nonce are not touched. @origin
 * CONENAT_ORIGIN_NATPMP (a NAT-PMP request) never deletes a PCP mapping:
 * PCPD_NOT_AUTHORIZED for one port, passed over for every port.
 */
enum pcpd_status grants_unmap(uint8_t origin, uint8_t proto, uint32_t addr,
			      uint16_t port, const uint8_t *nonce);
/* The kernel's error as a status, logged when unexpected. */
enum pcpd_status grants_kernel_status(int err, const char *what);

/* ---- the daemon's state (pcpd.c) ------------------------------------ */

extern struct pcpd_config pcpd_cfg;

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t pcpd_now(void);
/* Seconds since the mapping state began, for both protocols. */
uint32_t pcpd_epoch(uint64_t now);
/* The instance as last polled, or NULL while it is not there. */
const struct kinstance *pcpd_instance(void);

/* A received request. */
struct pcpd_packet {
	const uint8_t *buf;
	size_t len;			/* the datagram's real length */
	uint32_t src_addr;
	uint16_t src_port;
	int ifindex;			/* where it came in, 0: unknown */
	uint64_t now;
};

/* The handlers: the response's length in @out (0: no response). */
size_t natpmp_handle(const struct pcpd_packet *p, uint8_t *out, size_t cap);
size_t pcp_handle(const struct pcpd_packet *p, uint8_t *out, size_t cap);

#endif /* CONENAT_PCPD_H */
