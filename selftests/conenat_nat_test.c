// SPDX-License-Identifier: GPL-2.0
/*
 * conenat on the wire: every test builds the network of cn_topo.h (a router
 * namespace between two inside hosts and two outside networks), configures
 * conenat in the router through the generic netlink API and checks what the
 * endpoints see: the source address and port an outside peer's recvfrom()
 * reports, and what reaches an inside socket, from whom. An expected
 * arrival waits up to RX_MS; an expected silence waits QUIET_MS.
 *
 * Environment: CONENAT_KO, the module file (for the unload test); run as
 * root in a guest where conenat.ko is loaded.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/conenat.h>

#include "kselftest_harness.h"
#include "cn_genl.h"
#include "cn_topo.h"

#define RX_MS		2000	/* an expected datagram arrives within this */
#define QUIET_MS	1000	/* an unexpected one would have come by now */

/* Most tests finish in seconds; the emulated guest is slow. */
#define NAT_TIMEOUT	90
/* The flood: over 90 s on the debug kernel (KASAN) under emulation. */
#define NAT_FLOOD_TIMEOUT	300

/* ------------------------------------------------------------ assertions */

#define SEND(fd, addr, port, msg) \
	ASSERT_EQ(0, udp_send(fd, addr, port, msg)) \
		TH_LOG("sendto(%s:%u) of \"%s\" failed", addr, port, msg)

/* @fd must receive the datagram @msg; its sender goes to *@fromp. */
#define ASSERT_ARRIVES(fd, msg, fromp, fmt, ...) \
	ASSERT_EQ(0, udp_expect(fd, msg, RX_MS, fromp)) \
		TH_LOG("expected on the wire: " fmt "; \"%s\" did not arrive within %d ms", \
		       ##__VA_ARGS__, msg, RX_MS)

#define EXPECT_ARRIVES(fd, msg, fromp, fmt, ...) \
	EXPECT_EQ(0, udp_expect(fd, msg, RX_MS, fromp)) \
		TH_LOG("expected on the wire: " fmt "; \"%s\" did not arrive within %d ms", \
		       ##__VA_ARGS__, msg, RX_MS)

/* Nothing at all may reach @fd within QUIET_MS. */
#define __NO_ARRIVAL(kind, fd, fmt, ...) do { \
	char _got[256] = ""; \
	struct sockaddr_in _from = {}; \
	kind##_EQ(0, udp_arrives(fd, QUIET_MS, _got, sizeof(_got), &_from)) \
		TH_LOG("expected on the wire: " fmt "; but \"%s\" arrived from %s", \
		       ##__VA_ARGS__, _got, sa_str(&_from)); \
} while (0)
#define ASSERT_NO_ARRIVAL(fd, fmt, ...) __NO_ARRIVAL(ASSERT, fd, fmt, ##__VA_ARGS__)
#define EXPECT_NO_ARRIVAL(fd, fmt, ...) __NO_ARRIVAL(EXPECT, fd, fmt, ##__VA_ARGS__)

/* The sender an endpoint saw is @addr (and @port unless 0). */
#define ASSERT_SENDER(sin, addr, port, fmt, ...) do { \
	ASSERT_EQ(ip4(addr), (sin).sin_addr.s_addr) \
		TH_LOG("expected on the wire: " fmt "; came from %s, not from %s", \
		       ##__VA_ARGS__, sa_str(&(sin)), addr); \
	if (port) { \
		ASSERT_EQ((uint16_t)(port), ntohs((sin).sin_port)) \
			TH_LOG("expected on the wire: " fmt "; came from %s, not from %s:%u", \
			       ##__VA_ARGS__, sa_str(&(sin)), addr, (unsigned int)(port)); \
	} \
} while (0)

/* ----------------------------------------------------- the conenat API */

enum preset {
	PRESET_DEFAULT,		/* no MAPPING/FILTERING: restricted cone */
	PRESET_FULL_CONE,
	PRESET_RESTRICTED_CONE,
	PRESET_PORT_RESTRICTED_CONE,
	PRESET_SYMMETRIC,
};

static const struct {
	int mapping, filtering;
} presets[] = {
	[PRESET_DEFAULT] = { -1, -1 },
	[PRESET_FULL_CONE] = { CONENAT_ENDPOINT_INDEPENDENT,
			       CONENAT_ENDPOINT_INDEPENDENT },
	[PRESET_RESTRICTED_CONE] = { CONENAT_ENDPOINT_INDEPENDENT,
				     CONENAT_ADDRESS_DEPENDENT },
	[PRESET_PORT_RESTRICTED_CONE] = { CONENAT_ENDPOINT_INDEPENDENT,
					  CONENAT_ADDRESS_PORT_DEPENDENT },
	[PRESET_SYMMETRIC] = { CONENAT_ADDRESS_PORT_DEPENDENT,
			       CONENAT_ADDRESS_PORT_DEPENDENT },
};

static void put_setting(struct nlmsghdr *nlh, int attr, unsigned int val)
{
	switch (attr) {
	case CONENAT_INSTANCE_A_PORT_MIN:
	case CONENAT_INSTANCE_A_PORT_MAX:
		mnl_attr_put_u16(nlh, attr, htons((uint16_t)val));
		break;
	case CONENAT_INSTANCE_A_UDP_TIMEOUT:
	case CONENAT_INSTANCE_A_TCP_TIMEOUT:
	case CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT:
	case CONENAT_INSTANCE_A_ICMP_TIMEOUT:
	case CONENAT_INSTANCE_A_MAX_PER_HOST:
		mnl_attr_put_u32(nlh, attr, val);
		break;
	default:	/* behaviours and booleans */
		mnl_attr_put_u8(nlh, attr, (uint8_t)val);
		break;
	}
}

/*
 * Create instance @name on @ifname with @preset and then (attribute, value)
 * pairs of settings, ended by 0. Returns 0 or the kernel's -errno.
 */
static int inst_add(struct cn_sock *nl, const char *name, const char *ifname,
		    enum preset preset, ...)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct cn_err e;
	va_list ap;
	int attr, ret;

	nlh = cn_msg(nl, buf, CONENAT_CMD_NEW_INSTANCE, 0);
	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_NAME, name);
	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_IFNAME, ifname);
	if (presets[preset].mapping >= 0) {
		put_setting(nlh, CONENAT_INSTANCE_A_MAPPING,
			    presets[preset].mapping);
		put_setting(nlh, CONENAT_INSTANCE_A_FILTERING,
			    presets[preset].filtering);
	}
	va_start(ap, preset);
	while ((attr = va_arg(ap, int)))
		put_setting(nlh, attr, va_arg(ap, unsigned int));
	va_end(ap);
	ret = cn_talk(nl, nlh, NULL, NULL, &e);
	if (ret)
		fprintf(stderr, "# new instance %s on %s: %s (%s)\n", name,
			ifname, strerror(-ret), e.msg);
	return ret;
}

static int inst_del(struct cn_sock *nl, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = cn_msg(nl, buf, CONENAT_CMD_DEL_INSTANCE, 0);

	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_NAME, name);
	return cn_talk(nl, nlh, NULL, NULL, NULL);
}

struct inst_state {
	char name[CONENAT_NAME_MAX];
	uint32_t ifindex;
	uint32_t ext_addr;		/* network order */
	uint32_t mappings;
	uint64_t c[CONENAT_STATS_A_MAX + 1];
};

struct inst_list {
	int n;
	struct inst_state inst[8];
};

static int inst_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[CONENAT_INSTANCE_A_MAX + 1];
	struct inst_list *l = data;
	struct inst_state *st;
	struct nlattr *a;

	if (cn_parse(nlh, tb, CONENAT_INSTANCE_A_MAX))
		return -EBADMSG;
	if (l->n >= (int)(sizeof(l->inst) / sizeof(l->inst[0])))
		return 0;
	st = &l->inst[l->n++];
	memset(st, 0, sizeof(*st));
	if (tb[CONENAT_INSTANCE_A_NAME])
		snprintf(st->name, sizeof(st->name), "%s",
			 mnl_attr_get_str(tb[CONENAT_INSTANCE_A_NAME]));
	if (tb[CONENAT_INSTANCE_A_IFINDEX])
		st->ifindex = mnl_attr_get_u32(tb[CONENAT_INSTANCE_A_IFINDEX]);
	if (tb[CONENAT_INSTANCE_A_EXT_ADDR])
		st->ext_addr = mnl_attr_get_u32(tb[CONENAT_INSTANCE_A_EXT_ADDR]);
	if (tb[CONENAT_INSTANCE_A_MAPPINGS])
		st->mappings = mnl_attr_get_u32(tb[CONENAT_INSTANCE_A_MAPPINGS]);
	if (tb[CONENAT_INSTANCE_A_STATS]) {
		mnl_attr_for_each_nested(a, tb[CONENAT_INSTANCE_A_STATS]) {
			int type = mnl_attr_get_type(a);

			if (type <= CONENAT_STATS_A_MAX &&
			    mnl_attr_get_payload_len(a) == sizeof(uint64_t))
				st->c[type] = mnl_attr_get_u64(a);
		}
	}
	return 0;
}

/* One instance by name; 0 or -errno. */
static int inst_get(struct cn_sock *nl, const char *name,
		    struct inst_state *st)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct inst_list l = {};
	struct nlmsghdr *nlh;
	int ret;

	nlh = cn_msg(nl, buf, CONENAT_CMD_GET_INSTANCE, 0);
	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_NAME, name);
	ret = cn_talk(nl, nlh, inst_cb, &l, NULL);
	if (!ret && l.n != 1)
		ret = -EBADMSG;
	if (!ret)
		*st = l.inst[0];
	return ret;
}

/* Every instance of the socket's namespace; the count or -errno. */
static int inst_dump(struct cn_sock *nl, struct inst_list *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	memset(l, 0, sizeof(*l));
	nlh = cn_msg(nl, buf, CONENAT_CMD_GET_INSTANCE, NLM_F_DUMP);
	ret = cn_talk(nl, nlh, inst_cb, l, NULL);
	return ret ? ret : l->n;
}

/* One counter of an instance, or ~0 when the instance cannot be read. */
static uint64_t counter(struct cn_sock *nl, const char *name, int stat)
{
	struct inst_state st;

	if (inst_get(nl, name, &st))
		return ~0ULL;
	return st.c[stat];
}

struct map_rec {
	char inst[CONENAT_NAME_MAX];
	uint8_t proto;
	uint32_t int_addr, ext_addr, raddr;	/* network order */
	uint16_t int_port, ext_port, rport;	/* host order */
	int origin;
	int has_expires;
	uint32_t expires;
};

struct map_list {
	int n;
	struct map_rec m[64];
};

static int map_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	struct map_list *l = data;
	struct map_rec *r;

	if (cn_parse(nlh, tb, CONENAT_MAPPING_A_MAX))
		return -EBADMSG;
	if (l->n >= (int)(sizeof(l->m) / sizeof(l->m[0])))
		return 0;
	r = &l->m[l->n++];
	memset(r, 0, sizeof(*r));
	r->origin = -1;
	if (tb[CONENAT_MAPPING_A_INSTANCE])
		snprintf(r->inst, sizeof(r->inst), "%s",
			 mnl_attr_get_str(tb[CONENAT_MAPPING_A_INSTANCE]));
	if (tb[CONENAT_MAPPING_A_PROTO])
		r->proto = mnl_attr_get_u8(tb[CONENAT_MAPPING_A_PROTO]);
	if (tb[CONENAT_MAPPING_A_INT_ADDR])
		r->int_addr = mnl_attr_get_u32(tb[CONENAT_MAPPING_A_INT_ADDR]);
	if (tb[CONENAT_MAPPING_A_EXT_ADDR])
		r->ext_addr = mnl_attr_get_u32(tb[CONENAT_MAPPING_A_EXT_ADDR]);
	if (tb[CONENAT_MAPPING_A_REMOTE_ADDR])
		r->raddr = mnl_attr_get_u32(tb[CONENAT_MAPPING_A_REMOTE_ADDR]);
	if (tb[CONENAT_MAPPING_A_INT_PORT])
		r->int_port = ntohs(mnl_attr_get_u16(tb[CONENAT_MAPPING_A_INT_PORT]));
	if (tb[CONENAT_MAPPING_A_EXT_PORT])
		r->ext_port = ntohs(mnl_attr_get_u16(tb[CONENAT_MAPPING_A_EXT_PORT]));
	if (tb[CONENAT_MAPPING_A_REMOTE_PORT])
		r->rport = ntohs(mnl_attr_get_u16(tb[CONENAT_MAPPING_A_REMOTE_PORT]));
	if (tb[CONENAT_MAPPING_A_ORIGIN])
		r->origin = mnl_attr_get_u8(tb[CONENAT_MAPPING_A_ORIGIN]);
	if (tb[CONENAT_MAPPING_A_EXPIRES]) {
		r->has_expires = 1;
		r->expires = mnl_attr_get_u32(tb[CONENAT_MAPPING_A_EXPIRES]);
	}
	return 0;
}

/* The mappings of instance @name (NULL: all); the count or -errno. */
static int map_dump(struct cn_sock *nl, const char *name, struct map_list *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	memset(l, 0, sizeof(*l));
	nlh = cn_msg(nl, buf, CONENAT_CMD_GET_MAPPING, NLM_F_DUMP);
	if (name)
		mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, name);
	ret = cn_talk(nl, nlh, map_cb, l, NULL);
	return ret ? ret : l->n;
}

/* The dumped mapping of internal endpoint @addr:@port, or NULL. */
static const struct map_rec *map_find(const struct map_list *l,
				      const char *addr, uint16_t port)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->m[i].int_addr == ip4(addr) && l->m[i].int_port == port)
			return &l->m[i];
	return NULL;
}

static int map_add_proto(struct cn_sock *nl, const char *inst, uint8_t proto,
			 const char *int_addr, uint16_t int_port,
			 const char *ext_addr, uint16_t ext_port,
			 struct cn_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = cn_msg(nl, buf, CONENAT_CMD_NEW_MAPPING, 0);

	mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, inst);
	mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO, proto);
	mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR, ip4(int_addr));
	mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT, htons(int_port));
	if (ext_addr)
		mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_EXT_ADDR, ip4(ext_addr));
	if (ext_port)
		mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_EXT_PORT, htons(ext_port));
	return cn_talk(nl, nlh, NULL, NULL, e);
}

static int map_add(struct cn_sock *nl, const char *inst, const char *int_addr,
		   uint16_t int_port, const char *ext_addr, uint16_t ext_port,
		   struct cn_err *e)
{
	return map_add_proto(nl, inst, IPPROTO_UDP, int_addr, int_port,
			     ext_addr, ext_port, e);
}

static int permit_add(struct cn_sock *nl, const char *inst,
		      const char *int_addr, uint16_t int_port,
		      const char *raddr, uint16_t rport, struct cn_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = cn_msg(nl, buf, CONENAT_CMD_NEW_PERMIT, 0);

	mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, inst);
	mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO, IPPROTO_UDP);
	mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR, ip4(int_addr));
	mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT, htons(int_port));
	mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_REMOTE_ADDR, ip4(raddr));
	if (rport)
		mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_REMOTE_PORT, htons(rport));
	return cn_talk(nl, nlh, NULL, NULL, e);
}

/* DEL_PERMIT, or FLUSH_PERMITS of @inst when @int_addr is NULL. */
static int permit_del(struct cn_sock *nl, const char *inst,
		      const char *int_addr, uint16_t int_port,
		      const char *raddr, uint16_t rport, struct cn_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = cn_msg(nl, buf, int_addr ? CONENAT_CMD_DEL_PERMIT :
		     CONENAT_CMD_FLUSH_PERMITS, 0);
	mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, inst);
	if (int_addr) {
		mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO, IPPROTO_UDP);
		mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR, ip4(int_addr));
		mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT,
				 htons(int_port));
		mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_REMOTE_ADDR, ip4(raddr));
		if (rport)
			mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_REMOTE_PORT,
					 htons(rport));
	}
	return cn_talk(nl, nlh, NULL, NULL, e);
}

struct permit_list {
	unsigned int n;
	uint32_t raddr[8];
	uint16_t rport[8];
};

static int permit_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1] = { NULL };
	struct permit_list *l = data;

	if (cn_parse(nlh, tb, CONENAT_MAPPING_A_MAX) < 0 ||
	    !tb[CONENAT_MAPPING_A_REMOTE_ADDR])
		return MNL_CB_ERROR;
	if (l->n < 8) {
		l->raddr[l->n] = mnl_attr_get_u32(tb[CONENAT_MAPPING_A_REMOTE_ADDR]);
		l->rport[l->n] = tb[CONENAT_MAPPING_A_REMOTE_PORT] ?
			ntohs(mnl_attr_get_u16(tb[CONENAT_MAPPING_A_REMOTE_PORT])) : 0;
	}
	l->n++;
	return MNL_CB_OK;
}

static int permit_dump(struct cn_sock *nl, struct permit_list *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	memset(l, 0, sizeof(*l));
	return cn_talk(nl, cn_msg(nl, buf, CONENAT_CMD_GET_PERMIT, NLM_F_DUMP),
		       permit_cb, l, NULL);
}

static const char *addr_str(uint32_t a)
{
	static char bufs[4][INET_ADDRSTRLEN];
	static int next;
	char *b = bufs[next++ % 4];

	inet_ntop(AF_INET, &a, b, INET_ADDRSTRLEN);
	return b;
}

/* ---------------------------------------------------------------- fixtures */

static void fixture_up(struct __test_metadata *_metadata, struct cn_topo *t,
		      struct cn_sock *nl)
{
	int err;

	ASSERT_EQ(0, topo_create(t, "")) TH_LOG("test network: %s", t->err);
	err = topo_genl(t, CN_R, nl);
	if (err)
		topo_destroy(t);
	ASSERT_EQ(0, err)
		TH_LOG("conenat genl socket in the router: %s (module loaded?)",
		       strerror(-err));
}

static void fixture_down(struct cn_topo *t, struct cn_sock *nl)
{
	cn_close(nl);
	topo_destroy(t);
}

/* A fixture holding the test network and a genl socket of its router. */
#define NAT_FIXTURE(name) \
	FIXTURE(name) { \
		struct cn_topo t; \
		struct cn_sock nl; \
	}; \
	FIXTURE_SETUP(name) { fixture_up(_metadata, &self->t, &self->nl); } \
	FIXTURE_TEARDOWN(name) { fixture_down(&self->t, &self->nl); }

/* Shorthands for the bodies. */
#define UDP(ns, addr, port) ({ \
	int _fd = topo_udp(&self->t, (ns), (addr), (port)); \
	ASSERT_LE(0, _fd) TH_LOG("UDP socket %s:%u in %s", (addr) ?: "*", \
				 (unsigned int)(port), #ns); \
	_fd; })

#define NEW_INSTANCE(name, ifname, preset, ...) \
	ASSERT_EQ(0, inst_add(&self->nl, name, ifname, preset, ##__VA_ARGS__, 0)) \
		TH_LOG("cannot create instance %s on %s", name, ifname)

#define STATE(name) ({ \
	struct inst_state _st; \
	ASSERT_EQ(0, inst_get(&self->nl, name, &_st)) \
		TH_LOG("GET_INSTANCE %s failed", name); \
	_st; })

NAT_FIXTURE(nat)

/* ------------------------------------------------------------------ mapping */

/*
 * Mapping behaviour: one inside socket sends to A:4000, A:4001 and B:4000.
 * Endpoint-independent mapping shows all three the same external endpoint;
 * address-dependent a new one per remote address; address-and-port-
 * dependent (the symmetric preset) a new one per remote endpoint. The
 * external address is always the router's, and each peer's answer comes
 * back to the inside socket.
 */
NAT_FIXTURE(mapping)

FIXTURE_VARIANT(mapping) {
	enum preset preset;
	int mapping;			/* explicit, with preset DEFAULT */
	bool same_for_other_port;	/* A:4001 sees A:4000's endpoint */
	bool same_for_other_addr;	/* B:4000 sees A:4000's endpoint */
	uint32_t mappings;
};

FIXTURE_VARIANT_ADD(mapping, endpoint_independent) {
	.preset = PRESET_RESTRICTED_CONE, .mapping = -1,
	.same_for_other_port = true, .same_for_other_addr = true,
	.mappings = 1,
};

FIXTURE_VARIANT_ADD(mapping, address_dependent) {
	.preset = PRESET_DEFAULT, .mapping = CONENAT_ADDRESS_DEPENDENT,
	.same_for_other_port = true, .same_for_other_addr = false,
	.mappings = 2,
};

FIXTURE_VARIANT_ADD(mapping, address_port_dependent_symmetric) {
	.preset = PRESET_SYMMETRIC, .mapping = -1,
	.same_for_other_port = false, .same_for_other_addr = false,
	.mappings = 3,
};

TEST_F_TIMEOUT(mapping, external_endpoint_per_remote, NAT_TIMEOUT)
{
	struct sockaddr_in a0, a1, b0, r;
	struct inst_state st;
	struct map_list ml;
	int in, pa0, pa1, pb0;
	uint16_t iport;

	if (variant->mapping >= 0) {
		NEW_INSTANCE("nat0", "wan", PRESET_DEFAULT,
			     CONENAT_INSTANCE_A_MAPPING, variant->mapping);
	} else {
		NEW_INSTANCE("nat0", "wan", variant->preset);
	}

	in = UDP(CN_IN1, NULL, 0);
	iport = sock_port(in);
	pa0 = UDP(CN_OUT, CN_PEER_A, 4000);
	pa1 = UDP(CN_OUT, CN_PEER_A, 4001);
	pb0 = UDP(CN_OUT, CN_PEER_B, 4000);

	SEND(in, CN_PEER_A, 4000, "to A:4000");
	ASSERT_ARRIVES(pa0, "to A:4000", &a0, "A:4000 hears from the router");
	ASSERT_SENDER(a0, CN_WAN_ADDR, iport,
		      "A:4000 sees 198.51.100.1 and the preserved inside port %u",
		      iport);

	SEND(in, CN_PEER_A, 4001, "to A:4001");
	ASSERT_ARRIVES(pa1, "to A:4001", &a1, "A:4001 hears from the router");
	ASSERT_SENDER(a1, CN_WAN_ADDR, 0, "A:4001 sees the router's address");

	SEND(in, CN_PEER_B, 4000, "to B:4000");
	ASSERT_ARRIVES(pb0, "to B:4000", &b0, "B:4000 hears from the router");
	ASSERT_SENDER(b0, CN_WAN_ADDR, 0, "B:4000 sees the router's address");

	if (variant->same_for_other_port) {
		EXPECT_EQ(a0.sin_port, a1.sin_port)
			TH_LOG("A:4000 saw %s, A:4001 saw %s: expected the same external endpoint",
			       sa_str(&a0), sa_str(&a1));
	} else {
		EXPECT_NE(a0.sin_port, a1.sin_port)
			TH_LOG("A:4000 and A:4001 both saw %s: expected one external port per remote port",
			       sa_str(&a0));
	}
	if (variant->same_for_other_addr) {
		EXPECT_EQ(a0.sin_port, b0.sin_port)
			TH_LOG("A saw %s, B saw %s: expected the same external endpoint",
			       sa_str(&a0), sa_str(&b0));
	} else {
		EXPECT_NE(a0.sin_port, b0.sin_port)
			TH_LOG("A and B both saw %s: expected one external port per remote address",
			       sa_str(&a0));
	}
	if (!variant->same_for_other_port) {
		EXPECT_NE(a1.sin_port, b0.sin_port)
			TH_LOG("A:4001 and B both saw %s", sa_str(&b0));
	}

	/* each remote answers to the endpoint it saw */
	SEND(pa0, CN_WAN_ADDR, ntohs(a0.sin_port), "A:4000 answers");
	ASSERT_ARRIVES(in, "A:4000 answers", &r, "the inside socket hears A:4000");
	ASSERT_SENDER(r, CN_PEER_A, 4000, "the answer comes from A:4000");
	SEND(pa1, CN_WAN_ADDR, ntohs(a1.sin_port), "A:4001 answers");
	ASSERT_ARRIVES(in, "A:4001 answers", &r, "the inside socket hears A:4001");
	ASSERT_SENDER(r, CN_PEER_A, 4001, "the answer comes from A:4001");
	SEND(pb0, CN_WAN_ADDR, ntohs(b0.sin_port), "B:4000 answers");
	ASSERT_ARRIVES(in, "B:4000 answers", &r, "the inside socket hears B:4000");
	ASSERT_SENDER(r, CN_PEER_B, 4000, "the answer comes from B:4000");

	st = STATE("nat0");
	EXPECT_EQ(variant->mappings, st.mappings)
		TH_LOG("the instance counts %u mappings, expected %u",
		       st.mappings, variant->mappings);
	ASSERT_EQ((int)variant->mappings, map_dump(&self->nl, "nat0", &ml))
		TH_LOG("the mapping dump does not list %u mapping(s)",
		       variant->mappings);
	if (variant->mappings > 1) {
		EXPECT_NE(0, ml.m[0].raddr)
			TH_LOG("a remote-dependent mapping is dumped without REMOTE_ADDR");
	}
}

/* -------------------------------------------------------- port preservation */

/*
 * The inside port is kept outside when free; two inside hosts on the same
 * port both get through, on distinct external ports, and each gets its own
 * answers.
 */
TEST_F_TIMEOUT(nat, port_preservation_and_collision, NAT_TIMEOUT)
{
	struct sockaddr_in f, f1, f2;
	int s, c1, c2, pa;

	NEW_INSTANCE("nat0", "wan", PRESET_DEFAULT);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);

	s = UDP(CN_IN1, NULL, 40000);
	SEND(s, CN_PEER_A, 4000, "from 40000");
	ASSERT_ARRIVES(pa, "from 40000", &f, "A hears in1:40000");
	ASSERT_SENDER(f, CN_WAN_ADDR, 40000,
		      "in1:40000 leaves as 198.51.100.1:40000 (port preservation)");

	c1 = UDP(CN_IN1, NULL, 40001);
	c2 = UDP(CN_IN2, NULL, 40001);
	SEND(c1, CN_PEER_A, 4000, "in1 from 40001");
	ASSERT_ARRIVES(pa, "in1 from 40001", &f1, "A hears in1:40001");
	ASSERT_SENDER(f1, CN_WAN_ADDR, 40001,
		      "in1:40001, the first on 40001, keeps its port");
	SEND(c2, CN_PEER_A, 4000, "in2 from 40001");
	ASSERT_ARRIVES(pa, "in2 from 40001", &f2, "A hears in2:40001");
	ASSERT_SENDER(f2, CN_WAN_ADDR, 0, "in2:40001 leaves from the router");
	ASSERT_NE(40001, ntohs(f2.sin_port))
		TH_LOG("in2:40001 got external port 40001, already in1's");


	SEND(pa, CN_WAN_ADDR, ntohs(f1.sin_port), "to in1");
	SEND(pa, CN_WAN_ADDR, ntohs(f2.sin_port), "to in2");
	ASSERT_ARRIVES(c1, "to in1", &f, "A's answer to %s reaches in1:40001",
		       sa_str(&f1));
	ASSERT_SENDER(f, CN_PEER_A, 4000, "in1 hears A:4000");
	ASSERT_ARRIVES(c2, "to in2", &f, "A's answer to %s reaches in2:40001",
		       sa_str(&f2));
	ASSERT_SENDER(f, CN_PEER_A, 4000, "in2 hears A:4000");
	EXPECT_NO_ARRIVAL(c1, "in1:40001 gets nothing else");
}

/* ---------------------------------------------------------------- filtering */

/*
 * Filtering behaviour, after the inside socket sent to A:4000: A:4000
 * always gets in; A:4005 under endpoint-independent and address-dependent
 * filtering; B under endpoint-independent filtering only. Each refusal is
 * counted in in_filtered.
 */
NAT_FIXTURE(filtering)

FIXTURE_VARIANT(filtering) {
	enum preset preset;
	bool other_port_in, other_addr_in;
};

FIXTURE_VARIANT_ADD(filtering, endpoint_independent_full_cone) {
	.preset = PRESET_FULL_CONE, .other_port_in = true, .other_addr_in = true,
};

FIXTURE_VARIANT_ADD(filtering, address_dependent_restricted_cone) {
	.preset = PRESET_RESTRICTED_CONE, .other_port_in = true,
	.other_addr_in = false,
};

FIXTURE_VARIANT_ADD(filtering, address_port_dependent_port_restricted_cone) {
	.preset = PRESET_PORT_RESTRICTED_CONE, .other_port_in = false,
	.other_addr_in = false,
};

TEST_F_TIMEOUT(filtering, who_may_send_in, NAT_TIMEOUT)
{
	struct sockaddr_in ext, f;
	struct inst_state before, after;
	int in, pa, pa5, pb, refused = 0, admitted = 0;
	uint16_t eport;

	NEW_INSTANCE("nat0", "wan", variant->preset);
	in = UDP(CN_IN1, NULL, 5000);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pa5 = UDP(CN_OUT, CN_PEER_A, 4005);
	pb = UDP(CN_OUT, CN_PEER_B, 4000);

	SEND(in, CN_PEER_A, 4000, "hello A");
	ASSERT_ARRIVES(pa, "hello A", &ext, "A:4000 hears in1:5000");
	ASSERT_SENDER(ext, CN_WAN_ADDR, 5000, "in1:5000 leaves as 198.51.100.1:5000");
	eport = ntohs(ext.sin_port);
	before = STATE("nat0");

	SEND(pa, CN_WAN_ADDR, eport, "from A:4000");
	ASSERT_ARRIVES(in, "from A:4000", &f,
		       "A:4000, the remote in1 sent to, reaches in1 through %s",
		       sa_str(&ext));
	ASSERT_SENDER(f, CN_PEER_A, 4000, "in1 sees A:4000 as the sender");

	memset(&f, 0, sizeof(f));
	SEND(pa5, CN_WAN_ADDR, eport, "from A:4005");
	if (variant->other_port_in) {
		EXPECT_ARRIVES(in, "from A:4005", &f,
			       "A:4005 (same address, other port) is let in");
		if (f.sin_port) {
			ASSERT_SENDER(f, CN_PEER_A, 4005, "in1 sees A:4005");
		}
		admitted++;
	} else {
		EXPECT_NO_ARRIVAL(in, "A:4005 (other port) is filtered out");
		refused++;
	}

	SEND(pb, CN_WAN_ADDR, eport, "from B:4000");
	if (variant->other_addr_in) {
		memset(&f, 0, sizeof(f));
		EXPECT_ARRIVES(in, "from B:4000", &f,
			       "B:4000 (an address in1 never sent to) is let in");
		if (f.sin_port) {
			ASSERT_SENDER(f, CN_PEER_B, 4000, "in1 sees B:4000");
		}
		admitted++;
	} else {
		EXPECT_NO_ARRIVAL(in, "B:4000 (other address) is filtered out");
		refused++;
	}

	after = STATE("nat0");
	EXPECT_EQ((uint64_t)refused, after.c[CONENAT_STATS_A_IN_FILTERED] -
					before.c[CONENAT_STATS_A_IN_FILTERED])
		TH_LOG("in_filtered went from %llu to %llu; %d inbound flows were refused",
		       (unsigned long long)before.c[CONENAT_STATS_A_IN_FILTERED],
		       (unsigned long long)after.c[CONENAT_STATS_A_IN_FILTERED],
		       refused);
	EXPECT_EQ((uint64_t)admitted, after.c[CONENAT_STATS_A_IN_NEW_FLOWS] -
					 before.c[CONENAT_STATS_A_IN_NEW_FLOWS])
		TH_LOG("in_new_flows went from %llu to %llu; %d new inbound flows were let in",
		       (unsigned long long)before.c[CONENAT_STATS_A_IN_NEW_FLOWS],
		       (unsigned long long)after.c[CONENAT_STATS_A_IN_NEW_FLOWS],
		       admitted);
}

/* ------------------------------------------------------------------ hairpin */

/*
 * Two inside hosts learn their external endpoints from an outside peer;
 * in1 then sends to in2's external endpoint. With hairpinning in2 hears it
 * from in1's external endpoint, exactly as an outside peer would see in1;
 * in2's answer returns the same way. A hairpinned sender passes the
 * receiver's filter (restricted and port-restricted cone here); with
 * hairpin-filter on it is a stranger, so under restricted-cone filtering in2
 * first has to open its filter towards in1's external endpoint. Without
 * hairpinning nothing reaches in2.
 */
NAT_FIXTURE(hairpin)

FIXTURE_VARIANT(hairpin) {
	enum preset preset;
	int hairpin;
	int hairpin_filter;
	bool punch;
};

FIXTURE_VARIANT_ADD(hairpin, full_cone) {
	.preset = PRESET_FULL_CONE, .hairpin = 1,
};

FIXTURE_VARIANT_ADD(hairpin, restricted_cone) {
	.preset = PRESET_RESTRICTED_CONE, .hairpin = 1,
};

FIXTURE_VARIANT_ADD(hairpin, port_restricted_cone) {
	.preset = PRESET_PORT_RESTRICTED_CONE, .hairpin = 1,
};

FIXTURE_VARIANT_ADD(hairpin, restricted_cone_filtered_after_hole_punch) {
	.preset = PRESET_RESTRICTED_CONE, .hairpin = 1, .hairpin_filter = 1,
	.punch = true,
};

FIXTURE_VARIANT_ADD(hairpin, off) {
	.preset = PRESET_FULL_CONE, .hairpin = 0,
};

TEST_F_TIMEOUT(hairpin, inside_to_inside_through_external_endpoints, NAT_TIMEOUT)
{
	struct sockaddr_in e1, e2, f;
	uint64_t hairpins;
	int i1, i2, pa;

	NEW_INSTANCE("nat0", "wan", variant->preset,
		     CONENAT_INSTANCE_A_HAIRPIN, variant->hairpin,
		     CONENAT_INSTANCE_A_HAIRPIN_FILTER, variant->hairpin_filter);
	i1 = UDP(CN_IN1, NULL, 5001);
	i2 = UDP(CN_IN2, NULL, 5002);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);

	SEND(i1, CN_PEER_A, 4000, "in1 to A");
	ASSERT_ARRIVES(pa, "in1 to A", &e1, "A hears in1");
	ASSERT_SENDER(e1, CN_WAN_ADDR, 0, "in1 leaves from the router's address");
	SEND(i2, CN_PEER_A, 4000, "in2 to A");
	ASSERT_ARRIVES(pa, "in2 to A", &e2, "A hears in2");
	ASSERT_SENDER(e2, CN_WAN_ADDR, 0, "in2 leaves from the router's address");
	ASSERT_NE(e1.sin_port, e2.sin_port)
		TH_LOG("in1 and in2 both appear as %s to A", sa_str(&e1));

	if (variant->punch) {
		SEND(i2, CN_WAN_ADDR, ntohs(e1.sin_port), "in2 punches");
		EXPECT_NO_ARRIVAL(i1,
				  "in2's punch to %s is refused by in1's filter (in1 never sent to it)",
				  sa_str(&e1));
	}

	SEND(i1, CN_WAN_ADDR, ntohs(e2.sin_port), "in1 to in2 via hairpin");
	if (!variant->hairpin) {
		ASSERT_NO_ARRIVAL(i2,
				  "without hairpinning nothing sent to in2's external endpoint %s reaches in2",
				  sa_str(&e2));
		return;
	}
	ASSERT_ARRIVES(i2, "in1 to in2 via hairpin", &f,
		       "in1's datagram to %s reaches in2", sa_str(&e2));
	ASSERT_SENDER(f, CN_WAN_ADDR, ntohs(e1.sin_port),
		      "in2 hears in1 as %s (its external endpoint), not as 10.0.1.2",
		      sa_str(&e1));

	SEND(i2, CN_WAN_ADDR, ntohs(e1.sin_port), "in2 answers in1");
	ASSERT_ARRIVES(i1, "in2 answers in1", &f,
		       "in2's answer to %s reaches in1", sa_str(&e1));
	ASSERT_SENDER(f, CN_WAN_ADDR, ntohs(e2.sin_port),
		      "in1 hears in2 as %s", sa_str(&e2));

	hairpins = counter(&self->nl, "nat0", CONENAT_STATS_A_HAIRPIN_FLOWS);
	EXPECT_LE(1, hairpins) TH_LOG("hairpin_flows is %llu",
				      (unsigned long long)hairpins);
}

/* ------------------------------------------------------------------- timers */

static bool have_conntrack_tool(void)
{
	return !system("command -v conntrack >/dev/null 2>&1");
}

/* Show the router's UDP conntrack entries (evidence for a failure). */
static void log_conntrack(struct cn_topo *t)
{
	if (have_conntrack_tool())
		topo_sh(t, CN_R,
			"echo '# UDP conntrack entries in the router:'; ip netns exec $NS conntrack -L -p udp 2>&1 | sed 's/^/#   /'");
}

/* 0 when the router's conntrack table holds a UDP flow from in1:@sport. */
static int router_tracks(struct cn_topo *t, uint16_t sport)
{
	return topo_sh(t, CN_R,
		       "ip netns exec $NS conntrack -L -p udp --orig-src %s --sport %u 2>/dev/null | grep -q udp",
		       CN_IN1_ADDR, sport);
}

/*
 * A mapping outlives the conntrack entry of its flow: after an exchange
 * (conntrack keeps a UDP flow answered once for 30 s) and 40 s of silence,
 * the peer's datagram, now a new flow, still reaches the inside socket
 * through the mapping (300 s), as does a new remote's under full cone.
 */
TEST_F_TIMEOUT(nat, mapping_survives_40s_of_silence, 150)
{
	struct sockaddr_in ext, f;
	struct map_list ml;
	const struct map_rec *m;
	int in, pa, pb;
	bool ct_tool;

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);
	in = UDP(CN_IN1, NULL, 5003);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pb = UDP(CN_OUT, CN_PEER_B, 4000);

	SEND(in, CN_PEER_A, 4000, "hello");
	ASSERT_ARRIVES(pa, "hello", &ext, "A hears in1:5003");
	SEND(pa, CN_WAN_ADDR, ntohs(ext.sin_port), "answer");
	ASSERT_ARRIVES(in, "answer", &f, "A's answer reaches in1");

	/* conntrack-tools, when present, shows the flow's entry come and go */
	ct_tool = have_conntrack_tool() && router_tracks(&self->t, 5003) == 0;
	if (!ct_tool)
		TH_LOG("note: conntrack -L unavailable here; not checking that the flow's conntrack entry is gone");

	sleep(40);

	if (ct_tool && router_tracks(&self->t, 5003) == 0)
		TH_LOG("note: the router's conntrack still holds the flow after 40 s; the inbound checks below prove less");
	ASSERT_LE(0, map_dump(&self->nl, "nat0", &ml)) TH_LOG("mapping dump failed");
	m = map_find(&ml, CN_IN1_ADDR, 5003);
	ASSERT_NE(NULL, m) TH_LOG("the mapping of in1:5003 is gone after 40 s (timeout 300 s)");
	EXPECT_EQ(ntohs(ext.sin_port), m->ext_port)
		TH_LOG("the mapping moved from %s to port %u", sa_str(&ext),
		       m->ext_port);

	SEND(pa, CN_WAN_ADDR, ntohs(ext.sin_port), "after 40 s");
	ASSERT_ARRIVES(in, "after 40 s", &f,
		       "after 40 s of silence A's datagram to %s still reaches in1",
		       sa_str(&ext));
	ASSERT_SENDER(f, CN_PEER_A, 4000, "in1 hears A:4000");
	SEND(pb, CN_WAN_ADDR, ntohs(ext.sin_port), "B after 40 s");
	ASSERT_ARRIVES(in, "B after 40 s", &f,
		       "a new remote (B) gets in through the full-cone mapping %s",
		       sa_str(&ext));
}

/*
 * udp-timeout 3: the peer's datagram at 1 s gets in; at 6 s, long after the
 * last outbound packet, it does not, the mapping is gone from the dump and
 * counted as expired once.
 */
TEST_F_TIMEOUT(nat, mapping_expires_after_udp_timeout, NAT_TIMEOUT)
{
	struct sockaddr_in ext, f;
	struct inst_state st;
	struct map_list ml;
	long long t0;
	int in, pa;

	NEW_INSTANCE("nat0", "wan", PRESET_DEFAULT,
		     CONENAT_INSTANCE_A_UDP_TIMEOUT, 3);
	in = UDP(CN_IN1, NULL, 5004);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);

	t0 = now_ms();
	SEND(in, CN_PEER_A, 4000, "hello");
	ASSERT_ARRIVES(pa, "hello", &ext, "A hears in1:5004");

	sleep_until_ms(t0 + 1000);
	SEND(pa, CN_WAN_ADDR, ntohs(ext.sin_port), "at 1 s");
	ASSERT_ARRIVES(in, "at 1 s", &f, "at 1 s A's datagram to %s reaches in1",
		       sa_str(&ext));
	ASSERT_EQ(1, map_dump(&self->nl, "nat0", &ml))
		TH_LOG("at 1 s the dump does not show in1's one mapping");
	EXPECT_GE(3u, ml.m[0].expires)
		TH_LOG("at 1 s with udp-timeout 3 the mapping expires in %u s",
		       ml.m[0].expires);

	sleep_until_ms(t0 + 6000);
	SEND(pa, CN_WAN_ADDR, ntohs(ext.sin_port), "at 6 s");
	EXPECT_NO_ARRIVAL(in,
			  "at 6 s (udp-timeout 3, no outbound traffic since 0 s) the mapping %s has expired",
			  sa_str(&ext));

	EXPECT_EQ(0, map_dump(&self->nl, "nat0", &ml))
		TH_LOG("the dump still shows %d mapping(s), the first %s:%u -> %s:%u expiring in %u s",
		       ml.n, addr_str(ml.m[0].int_addr), ml.m[0].int_port,
		       addr_str(ml.m[0].ext_addr), ml.m[0].ext_port,
		       ml.m[0].expires);
	st = STATE("nat0");
	EXPECT_EQ(0u, st.mappings)
		TH_LOG("the instance still counts %u mapping(s)", st.mappings);
	EXPECT_EQ(1u, st.c[CONENAT_STATS_A_MAPPINGS_EXPIRED])
		TH_LOG("mappings_expired is %llu",
		       (unsigned long long)st.c[CONENAT_STATS_A_MAPPINGS_EXPIRED]);
	EXPECT_LE(1u, st.c[CONENAT_STATS_A_IN_NO_MAPPING])
		TH_LOG("the datagram at 6 s was not counted in in_no_mapping");
}

/*
 * udp-timeout 4: the inside socket sends every second for 7 s; every
 * packet leaves from the same external endpoint (a re-created mapping
 * would get a new port: port preservation is off) and at the end a new
 * flow from the peer still gets in: outbound packets refreshed the mapping,
 * whether or not the peer ever answered (RFC 4787 REQ-6).
 */
NAT_FIXTURE(outbound_refresh)

FIXTURE_VARIANT(outbound_refresh) {
	bool peer_answers;
};

FIXTURE_VARIANT_ADD(outbound_refresh, answered_flow) {
	.peer_answers = true,
};

FIXTURE_VARIANT_ADD(outbound_refresh, one_way_flow) {
	.peer_answers = false,
};

TEST_F_TIMEOUT(outbound_refresh, keeps_mapping_alive, NAT_TIMEOUT)
{
	struct sockaddr_in ext = {}, f;
	struct inst_state st;
	char msg[32];
	long long t0;
	int in, pa, pa6, i;

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE,
		     CONENAT_INSTANCE_A_UDP_TIMEOUT, 4,
		     CONENAT_INSTANCE_A_PORT_PRESERVATION, 0);
	in = UDP(CN_IN1, NULL, 5005);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pa6 = UDP(CN_OUT, CN_PEER_A, 4006);

	t0 = now_ms();
	for (i = 0; i <= 7; i++) {
		sleep_until_ms(t0 + i * 1000);
		snprintf(msg, sizeof(msg), "out %d", i);
		SEND(in, CN_PEER_A, 4000, msg);
		ASSERT_ARRIVES(pa, msg, &f, "A hears in1's packet at %d s", i);
		if (!i) {
			ext = f;
			ASSERT_SENDER(f, CN_WAN_ADDR, 0, "in1 leaves from the router");
			if (variant->peer_answers) {
				SEND(pa, CN_WAN_ADDR, ntohs(ext.sin_port), "ack");
				ASSERT_ARRIVES(in, "ack", NULL, "A's answer reaches in1");
			}
		} else {
			ASSERT_SENDER(f, CN_WAN_ADDR, ntohs(ext.sin_port),
				      "at %d s in1 still leaves from %s (udp-timeout 4, a packet every second)",
				      i, sa_str(&ext));
		}
	}

	SEND(pa6, CN_WAN_ADDR, ntohs(ext.sin_port), "new flow at 7 s");
	EXPECT_ARRIVES(in, "new flow at 7 s", &f,
		       "A:4006 reaches in1 through %s at 7 s: the mapping lives",
		       sa_str(&ext));
	st = STATE("nat0");
	EXPECT_EQ(0u, st.c[CONENAT_STATS_A_MAPPINGS_EXPIRED])
		TH_LOG("a mapping expired although in1 sent every second");
	EXPECT_EQ(1u, st.c[CONENAT_STATS_A_MAPPINGS_CREATED])
		TH_LOG("%llu mappings were created for one inside socket",
		       (unsigned long long)st.c[CONENAT_STATS_A_MAPPINGS_CREATED]);
}

/*
 * udp-timeout 4, full cone: the inside socket sends once, then the peer
 * sends every second for 7 s. The peer's packets on the inside's own flow
 * (A:4000) keep the mapping alive whatever the setting: conenat reads
 * conntrack's timer, which they move. A flow the peer opens (A:4006) does
 * so only with inbound refresh on; without it the mapping expires at 4 s
 * and the peer's datagrams stop getting in.
 */
NAT_FIXTURE(inbound_refresh)

FIXTURE_VARIANT(inbound_refresh) {
	int on;
	uint16_t peer_port;
	int keeps;
};

FIXTURE_VARIANT_ADD(inbound_refresh, off) {
	.on = 0, .peer_port = 4000, .keeps = 1,
};

FIXTURE_VARIANT_ADD(inbound_refresh, off_new_inbound_flow) {
	.on = 0, .peer_port = 4006, .keeps = 0,
};

FIXTURE_VARIANT_ADD(inbound_refresh, on) {
	.on = 1, .peer_port = 4000, .keeps = 1,
};

FIXTURE_VARIANT_ADD(inbound_refresh, on_new_inbound_flow) {
	.on = 1, .peer_port = 4006, .keeps = 1,
};

TEST_F_TIMEOUT(inbound_refresh, peer_traffic_and_the_timer, NAT_TIMEOUT)
{
	struct sockaddr_in ext, f;
	bool got[8] = {};
	char msg[32];
	long long t0;
	int in, pa, pp, i;

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE,
		     CONENAT_INSTANCE_A_UDP_TIMEOUT, 4,
		     CONENAT_INSTANCE_A_INBOUND_REFRESH, variant->on);
	in = UDP(CN_IN1, NULL, 5006);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pp = variant->peer_port == 4000 ? pa :
	     UDP(CN_OUT, CN_PEER_A, variant->peer_port);

	t0 = now_ms();
	SEND(in, CN_PEER_A, 4000, "hello");
	ASSERT_ARRIVES(pa, "hello", &ext, "A hears in1:5006");

	for (i = 1; i <= 7; i++) {
		sleep_until_ms(t0 + i * 1000);
		snprintf(msg, sizeof(msg), "in %d", i);
		SEND(pp, CN_WAN_ADDR, ntohs(ext.sin_port), msg);
		got[i] = udp_expect(in, msg, 800, &f) == 0;
	}
	for (i = 1; i <= 3; i++) {
		EXPECT_TRUE(got[i])
			TH_LOG("A:%u's datagram at %d s (mapping %s, udp-timeout 4) did not reach in1",
			       variant->peer_port, i, sa_str(&ext));
	}
	for (i = 4; i <= 7; i++) {
		if (variant->keeps) {
			EXPECT_TRUE(got[i])
				TH_LOG("inbound refresh %s, A:%u's datagram at %d s did not reach in1: the peer's traffic did not keep %s alive",
				       variant->on ? "on" : "off",
				       variant->peer_port, i, sa_str(&ext));
		} else if (i >= 6) {
			EXPECT_FALSE(got[i])
				TH_LOG("without inbound refresh, A:%u's new flow's datagram at %d s still reached in1 (the mapping should have expired at 4 s)",
				       variant->peer_port, i);
		}
	}
	if (variant->keeps) {
		EXPECT_EQ(0u, counter(&self->nl, "nat0",
				      CONENAT_STATS_A_MAPPINGS_EXPIRED))
			TH_LOG("the peer's traffic kept the mapping, yet it expired");
	} else {
		EXPECT_EQ(1u, counter(&self->nl, "nat0",
				      CONENAT_STATS_A_MAPPINGS_EXPIRED))
			TH_LOG("without inbound refresh mappings_expired should be 1");
	}
}

/* --------------------------------------------------------------- resources */

/*
 * Ports 20000-20009 without port preservation: ten inside sockets get ten
 * distinct external ports in the range, the eleventh gets none (its packet
 * never reaches the peer, port_exhausted counts it), and the ten keep
 * working.
 */
TEST_F_TIMEOUT(nat, ten_port_range_exhaustion, NAT_TIMEOUT)
{
	struct sockaddr_in f;
	uint16_t ext[10];
	uint64_t exhausted;
	char msg[32];
	int s[11], pa, i, j;

	NEW_INSTANCE("nat0", "wan", PRESET_DEFAULT,
		     CONENAT_INSTANCE_A_PORT_MIN, 20000,
		     CONENAT_INSTANCE_A_PORT_MAX, 20009,
		     CONENAT_INSTANCE_A_PORT_PRESERVATION, 0);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	for (i = 0; i < 11; i++)
		s[i] = UDP(CN_IN1, NULL, 0);

	for (i = 0; i < 10; i++) {
		snprintf(msg, sizeof(msg), "socket %d", i);
		SEND(s[i], CN_PEER_A, 4000, msg);
		ASSERT_ARRIVES(pa, msg, &f, "A hears inside socket %d of 10", i);
		ASSERT_SENDER(f, CN_WAN_ADDR, 0, "socket %d leaves from the router", i);
		ext[i] = ntohs(f.sin_port);
		ASSERT_TRUE(ext[i] >= 20000 && ext[i] <= 20009)
			TH_LOG("socket %d got external port %u, outside 20000-20009",
			       i, ext[i]);
		for (j = 0; j < i; j++) {
			ASSERT_NE(ext[j], ext[i])
				TH_LOG("sockets %d and %d share external port %u",
				       j, i, ext[i]);
		}
	}

	SEND(s[10], CN_PEER_A, 4000, "socket 10");
	EXPECT_NO_ARRIVAL(pa, "the 11th inside socket finds no free port: its packet is dropped");
	exhausted = counter(&self->nl, "nat0", CONENAT_STATS_A_PORT_EXHAUSTED);
	EXPECT_LE(1u, exhausted)
		TH_LOG("port_exhausted is %llu", (unsigned long long)exhausted);

	for (i = 0; i < 10; i++) {
		snprintf(msg, sizeof(msg), "reply %d", i);
		SEND(pa, CN_WAN_ADDR, ext[i], msg);
		EXPECT_ARRIVES(s[i], msg, NULL,
			       "A's answer to 198.51.100.1:%u reaches socket %d",
			       ext[i], i);
	}
}

/*
 * max-per-host 2: a third socket of in1 gets no mapping (nothing reaches
 * the peer, host_limit counts it); in2 is not affected, and in1's first
 * two keep working.
 */
TEST_F_TIMEOUT(nat, max_per_host, NAT_TIMEOUT)
{
	struct sockaddr_in fa, fb, f2;
	uint64_t limited;
	int a, b, c, h2, pa;

	NEW_INSTANCE("nat0", "wan", PRESET_DEFAULT,
		     CONENAT_INSTANCE_A_MAX_PER_HOST, 2);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	a = UDP(CN_IN1, NULL, 0);
	b = UDP(CN_IN1, NULL, 0);
	c = UDP(CN_IN1, NULL, 0);
	h2 = UDP(CN_IN2, NULL, 0);

	SEND(a, CN_PEER_A, 4000, "in1 first");
	ASSERT_ARRIVES(pa, "in1 first", &fa, "in1's first socket gets a mapping");
	SEND(b, CN_PEER_A, 4000, "in1 second");
	ASSERT_ARRIVES(pa, "in1 second", &fb, "in1's second socket gets a mapping");
	SEND(c, CN_PEER_A, 4000, "in1 third");
	EXPECT_NO_ARRIVAL(pa, "in1's third socket is over max-per-host 2: dropped");
	limited = counter(&self->nl, "nat0", CONENAT_STATS_A_HOST_LIMIT);
	EXPECT_LE(1u, limited)
		TH_LOG("host_limit is %llu", (unsigned long long)limited);

	SEND(h2, CN_PEER_A, 4000, "in2 first");
	ASSERT_ARRIVES(pa, "in2 first", &f2, "in2 is not limited by in1's mappings");
	ASSERT_SENDER(f2, CN_WAN_ADDR, 0, "in2 leaves from the router");

	SEND(pa, CN_WAN_ADDR, ntohs(fa.sin_port), "to a");
	EXPECT_ARRIVES(a, "to a", NULL, "A's answer reaches in1's first socket");
	SEND(pa, CN_WAN_ADDR, ntohs(fb.sin_port), "to b");
	EXPECT_ARRIVES(b, "to b", NULL, "A's answer reaches in1's second socket");
	SEND(pa, CN_WAN_ADDR, ntohs(f2.sin_port), "to h2");
	EXPECT_ARRIVES(h2, "to h2", NULL, "A's answer reaches in2");
}

/* ------------------------------------------------------- static and permits */

/*
 * A permanent static mapping 10.0.1.2:5000 <-> 198.51.100.1:6000 works both
 * ways: under full cone a peer reaches 10.0.1.2:5000 before any outbound
 * traffic; under restricted cone the filter applies (the first inbound
 * datagram is refused) until the inside sent to the peer. Outbound traffic
 * leaves from 198.51.100.1:6000 either way.
 */
NAT_FIXTURE(static_mapping)

FIXTURE_VARIANT(static_mapping) {
	enum preset preset;
};

FIXTURE_VARIANT_ADD(static_mapping, full_cone) {
	.preset = PRESET_FULL_CONE,
};

FIXTURE_VARIANT_ADD(static_mapping, restricted_cone) {
	.preset = PRESET_RESTRICTED_CONE,
};

FIXTURE_VARIANT_ADD(static_mapping, symmetric) {
	.preset = PRESET_SYMMETRIC,
};

TEST_F_TIMEOUT(static_mapping, both_ways, NAT_TIMEOUT)
{
	const struct map_rec *m;
	struct sockaddr_in f;
	struct map_list ml;
	struct cn_err e;
	int in, pa, pb, pb2, ret;

	NEW_INSTANCE("nat0", "wan", variant->preset);
	ret = map_add(&self->nl, "nat0", CN_IN1_ADDR, 5000, CN_WAN_ADDR, 6000, &e);
	ASSERT_EQ(0, ret) TH_LOG("NEW_MAPPING 10.0.1.2:5000 -> 198.51.100.1:6000: %s (%s)",
				 strerror(-ret), e.msg);
	ASSERT_EQ(1, map_dump(&self->nl, "nat0", &ml))
		TH_LOG("the dump does not show the static mapping");
	m = &ml.m[0];
	EXPECT_EQ(CONENAT_ORIGIN_STATIC, m->origin)
		TH_LOG("the static mapping is dumped with origin %d", m->origin);
	EXPECT_EQ(ip4(CN_WAN_ADDR), m->ext_addr)
		TH_LOG("dumped external address %s", addr_str(m->ext_addr));
	EXPECT_EQ(6000, m->ext_port)
		TH_LOG("dumped external port %u", m->ext_port);
	EXPECT_FALSE(m->has_expires) TH_LOG("a permanent mapping is dumped with EXPIRES %u",
					    m->expires);

	in = UDP(CN_IN1, NULL, 5000);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pb = UDP(CN_OUT, CN_PEER_B, 4001);
	pb2 = UDP(CN_OUT, CN_PEER_B, 4002);

	/* a static mapping lets anyone in, whatever the filtering */
	SEND(pa, CN_WAN_ADDR, 6000, "inbound first");
	ASSERT_ARRIVES(in, "inbound first", &f,
		       "A reaches 10.0.1.2:5000 through the static 198.51.100.1:6000 before any outbound traffic");
	ASSERT_SENDER(f, CN_PEER_A, 4000, "in1 hears A:4000");
	EXPECT_EQ(0u, counter(&self->nl, "nat0", CONENAT_STATS_A_IN_FILTERED));

	SEND(in, CN_PEER_B, 4001, "outbound");
	ASSERT_ARRIVES(pb, "outbound", &f, "B hears 10.0.1.2:5000");
	ASSERT_SENDER(f, CN_WAN_ADDR, 6000,
		      "10.0.1.2:5000 leaves from its static 198.51.100.1:6000");

	SEND(pb2, CN_WAN_ADDR, 6000, "B from another port");
	ASSERT_ARRIVES(in, "B from another port", &f,
		       "B:4002 reaches 10.0.1.2:5000 after in1 sent to B");
	ASSERT_SENDER(f, CN_PEER_B, 4002, "in1 hears B:4002");
}

/*
 * A permit opens a port-restricted mapping to one remote address, any
 * port, ahead of traffic; a remote without one stays out.
 */
TEST_F_TIMEOUT(nat, permit_opens_filter, NAT_TIMEOUT)
{
	struct sockaddr_in ext, f;
	struct cn_err e;
	uint64_t filtered;
	int in, pa, pa9, pb, pb2, ret;

	NEW_INSTANCE("nat0", "wan", PRESET_PORT_RESTRICTED_CONE);
	in = UDP(CN_IN1, NULL, 5001);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pa9 = UDP(CN_OUT, CN_PEER_A, 4009);
	pb = UDP(CN_OUT, CN_PEER_B, 4000);
	pb2 = UDP(CN_OUT, CN_PEER_B, 4002);

	SEND(in, CN_PEER_A, 4000, "hello A");
	ASSERT_ARRIVES(pa, "hello A", &ext, "A hears in1:5001");

	ret = permit_add(&self->nl, "nat0", CN_IN1_ADDR, 5001, CN_PEER_B, 0, &e);
	ASSERT_EQ(0, ret) TH_LOG("NEW_PERMIT for 198.51.100.11: %s (%s)",
				 strerror(-ret), e.msg);

	SEND(pb, CN_WAN_ADDR, ntohs(ext.sin_port), "B with permit");
	ASSERT_ARRIVES(in, "B with permit", &f,
		       "B:4000, permitted, reaches in1 through %s", sa_str(&ext));
	ASSERT_SENDER(f, CN_PEER_B, 4000, "in1 hears B:4000");
	SEND(pb2, CN_WAN_ADDR, ntohs(ext.sin_port), "B other port");
	ASSERT_ARRIVES(in, "B other port", &f,
		       "B:4002 gets in too: the permit is for any port");

	SEND(pa9, CN_WAN_ADDR, ntohs(ext.sin_port), "A without permit");
	EXPECT_NO_ARRIVAL(in, "A:4009 (no permit, port-restricted) stays out");
	filtered = counter(&self->nl, "nat0", CONENAT_STATS_A_IN_FILTERED);
	EXPECT_EQ(1u, filtered) TH_LOG("in_filtered is %llu",
				       (unsigned long long)filtered);
}

/*
 * Permits listed, deleted and flushed: the dump holds the permits (not the
 * peers traffic taught), a deleted permit lets no new flow in, a second
 * delete is refused with ENOENT, a flush empties the list.
 */
TEST_F_TIMEOUT(nat, permit_del_and_flush, NAT_TIMEOUT)
{
	struct permit_list l;
	struct sockaddr_in ext, f;
	struct cn_err e;
	int in, pa, pb, pb2, ret;

	NEW_INSTANCE("nat0", "wan", PRESET_PORT_RESTRICTED_CONE);
	in = UDP(CN_IN1, NULL, 5001);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pb = UDP(CN_OUT, CN_PEER_B, 4000);
	pb2 = UDP(CN_OUT, CN_PEER_B, 4002);

	/* a peer taught by traffic: not a permit */
	SEND(in, CN_PEER_A, 4000, "hello A");
	ASSERT_ARRIVES(pa, "hello A", &ext, "A hears in1:5001");
	ASSERT_EQ(0, permit_dump(&self->nl, &l));
	ASSERT_EQ(0u, l.n) TH_LOG("traffic's peer listed as a permit");

	ret = permit_add(&self->nl, "nat0", CN_IN1_ADDR, 5001, CN_PEER_B, 0, &e);
	ASSERT_EQ(0, ret) TH_LOG("NEW_PERMIT: %s (%s)", strerror(-ret), e.msg);
	ret = permit_add(&self->nl, "nat0", CN_IN1_ADDR, 5001, CN_PEER_A, 4001,
			 &e);
	ASSERT_EQ(0, ret) TH_LOG("NEW_PERMIT: %s (%s)", strerror(-ret), e.msg);
	ASSERT_EQ(0, permit_dump(&self->nl, &l));
	ASSERT_EQ(2u, l.n);

	SEND(pb, CN_WAN_ADDR, ntohs(ext.sin_port), "B permitted");
	ASSERT_ARRIVES(in, "B permitted", &f, "B:4000 reaches in1");
	ASSERT_SENDER(f, CN_PEER_B, 4000, "in1 hears B:4000");

	ret = permit_del(&self->nl, "nat0", CN_IN1_ADDR, 5001, CN_PEER_B, 0, &e);
	ASSERT_EQ(0, ret) TH_LOG("DEL_PERMIT: %s (%s)", strerror(-ret), e.msg);
	ret = permit_del(&self->nl, "nat0", CN_IN1_ADDR, 5001, CN_PEER_B, 0, &e);
	ASSERT_EQ(-ENOENT, ret);
	ASSERT_NE(NULL, strstr(e.msg, "no such permit")) TH_LOG("extack: %s", e.msg);
	SEND(pb2, CN_WAN_ADDR, ntohs(ext.sin_port), "B after del");
	EXPECT_NO_ARRIVAL(in, "B:4002, a new flow after the delete, stays out");
	ASSERT_EQ(0, permit_dump(&self->nl, &l));
	ASSERT_EQ(1u, l.n);
	EXPECT_EQ(ip4(CN_PEER_A), l.raddr[0]);
	EXPECT_EQ(4001, l.rport[0]);

	ASSERT_EQ(0, permit_del(&self->nl, "nat0", NULL, 0, NULL, 0, &e));
	ASSERT_EQ(0, permit_dump(&self->nl, &l));
	EXPECT_EQ(0u, l.n);
	ret = permit_del(&self->nl, "nosuch", NULL, 0, NULL, 0, &e);
	EXPECT_EQ(-ENOENT, ret);
	EXPECT_NE(NULL, strstr(e.msg, "no such instance")) TH_LOG("extack: %s", e.msg);
}

/* ------------------------------------------------------------ the device */

/*
 * The instance follows its device's address: when 198.51.100.1 gives way to
 * 198.51.100.2 the mappings on .1 go (and with them their flows: a datagram
 * to the old endpoint no longer reaches the inside), and the same inside
 * socket's next packet to the same peer leaves from .2.
 */
TEST_F_TIMEOUT(nat, follows_address_change, NAT_TIMEOUT)
{
	struct sockaddr_in ext, f;
	struct inst_state st;
	struct map_list ml;
	long long deadline;
	int in, pa, pb, in2, i, on_old = -1;

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);
	in = UDP(CN_IN1, NULL, 5007);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pb = UDP(CN_OUT, CN_PEER_B, 4000);

	SEND(in, CN_PEER_A, 4000, "before");
	ASSERT_ARRIVES(pa, "before", &ext, "A hears in1:5007");
	ASSERT_SENDER(ext, CN_WAN_ADDR, 5007, "in1 leaves from 198.51.100.1:5007");
	SEND(pa, CN_WAN_ADDR, 5007, "answer before");
	ASSERT_ARRIVES(in, "answer before", &f, "A's answer reaches in1");
	st = STATE("nat0");
	ASSERT_EQ(ip4(CN_WAN_ADDR), st.ext_addr)
		TH_LOG("EXT_ADDR is %s before the change", addr_str(st.ext_addr));

	ASSERT_EQ(0, topo_sh(&self->t, CN_R,
			     "ip -n $NS addr del %s/24 dev wan && ip -n $NS addr add %s/24 dev wan",
			     CN_WAN_ADDR, CN_WAN_NEW_ADDR))
		TH_LOG("cannot change the router's wan address");

	deadline = now_ms() + 3000;
	do {
		ASSERT_LE(0, map_dump(&self->nl, "nat0", &ml))
			TH_LOG("mapping dump failed");
		on_old = 0;
		for (i = 0; i < ml.n; i++)
			on_old += ml.m[i].ext_addr == ip4(CN_WAN_ADDR);
		if (!on_old)
			break;
		usleep(100000);
	} while (now_ms() < deadline);
	EXPECT_EQ(0, on_old)
		TH_LOG("3 s after the address change the dump still shows %d mapping(s) on 198.51.100.1",
		       on_old);
	st = STATE("nat0");
	EXPECT_EQ(ip4(CN_WAN_NEW_ADDR), st.ext_addr)
		TH_LOG("EXT_ADDR is %s", addr_str(st.ext_addr));
	EXPECT_LE(1u, st.c[CONENAT_STATS_A_MAPPINGS_DELETED])
		TH_LOG("the mapping on the old address is not counted as deleted");

	/*
	 * Its flows end with it, in the same run of the GC (a grace period
	 * later): wait for conntrack to forget them, as the GC's run may
	 * still be under way when the dump no longer shows the mapping.
	 */
	deadline = now_ms() + 3000;
	while (have_conntrack_tool() && router_tracks(&self->t, 5007) == 0 &&
	       now_ms() < deadline)
		usleep(100000);
	if (!_metadata->passed)
		log_conntrack(&self->t);

	/* the peer still knows the router's MAC for .1 */
	SEND(pa, CN_WAN_ADDR, 5007, "to the old endpoint");
	EXPECT_NO_ARRIVAL(in,
			  "a datagram to the old external endpoint 198.51.100.1:5007 must not reach in1 once its mapping is gone");

	SEND(in, CN_PEER_A, 4000, "after");
	EXPECT_ARRIVES(pa, "after", &f, "A hears in1:5007 after the change");
	EXPECT_EQ(ip4(CN_WAN_NEW_ADDR), f.sin_addr.s_addr)
		TH_LOG("the same inside socket's next packet to A came from %s, expected 198.51.100.2",
		       sa_str(&f));

	in2 = UDP(CN_IN1, NULL, 5017);
	SEND(in2, CN_PEER_B, 4000, "new socket after");
	ASSERT_ARRIVES(pb, "new socket after", &f, "B hears a new socket of in1");
	EXPECT_EQ(ip4(CN_WAN_NEW_ADDR), f.sin_addr.s_addr)
		TH_LOG("a new flow after the change came from %s, expected 198.51.100.2",
		       sa_str(&f));
	if (!_metadata->passed)
		log_conntrack(&self->t);
	ASSERT_LE(1, map_dump(&self->nl, "nat0", &ml))
		TH_LOG("no mapping on the new address in the dump");
	for (i = 0; i < ml.n; i++) {
		EXPECT_EQ(ip4(CN_WAN_NEW_ADDR), ml.m[i].ext_addr)
			TH_LOG("mapping %s:%u is on %s", addr_str(ml.m[i].int_addr),
			       ml.m[i].int_port, addr_str(ml.m[i].ext_addr));
	}
}

/*
 * Two instances on two devices, full cone on wan and symmetric on wan2:
 * the same inside socket is translated to each device's address with each
 * instance's behaviour.
 */
TEST_F_TIMEOUT(nat, two_instances_two_devices, NAT_TIMEOUT)
{
	struct sockaddr_in ea, ec0, ec1, f;
	struct inst_state a, b;
	int in, pa, pb, pc0, pc1, pc2;

	NEW_INSTANCE("a", "wan", PRESET_FULL_CONE);
	NEW_INSTANCE("b", "wan2", PRESET_SYMMETRIC);
	in = UDP(CN_IN1, NULL, 5008);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pb = UDP(CN_OUT, CN_PEER_B, 4000);
	pc0 = UDP(CN_OUT2, CN_PEER_C, 4000);
	pc1 = UDP(CN_OUT2, CN_PEER_C, 4001);
	pc2 = UDP(CN_OUT2, CN_PEER_C, 4002);

	SEND(in, CN_PEER_A, 4000, "via a");
	ASSERT_ARRIVES(pa, "via a", &ea, "A hears in1 through instance a");
	ASSERT_SENDER(ea, CN_WAN_ADDR, 5008, "instance a translates to 198.51.100.1:5008");
	SEND(in, CN_PEER_C, 4000, "via b");
	ASSERT_ARRIVES(pc0, "via b", &ec0, "C:4000 hears in1 through instance b");
	ASSERT_SENDER(ec0, CN_WAN2_ADDR, 5008,
		      "instance b translates to 203.0.113.1:5008 (its own address, port preserved)");
	SEND(in, CN_PEER_C, 4001, "via b again");
	ASSERT_ARRIVES(pc1, "via b again", &ec1, "C:4001 hears in1 through instance b");
	ASSERT_SENDER(ec1, CN_WAN2_ADDR, 0, "instance b translates to 203.0.113.1");
	EXPECT_NE(ec0.sin_port, ec1.sin_port)
		TH_LOG("symmetric instance b gave C:4000 and C:4001 the same %s",
		       sa_str(&ec1));

	SEND(pb, CN_WAN_ADDR, 5008, "B into a");
	EXPECT_ARRIVES(in, "B into a", &f, "full cone a lets B in through %s",
		       sa_str(&ea));
	SEND(pc2, CN_WAN2_ADDR, ntohs(ec0.sin_port), "C:4002 into b");
	EXPECT_NO_ARRIVAL(in, "symmetric b keeps C:4002 out of %s", sa_str(&ec0));
	SEND(pc0, CN_WAN2_ADDR, ntohs(ec0.sin_port), "C:4000 answers");
	EXPECT_ARRIVES(in, "C:4000 answers", &f, "C:4000's answer comes in through b");

	a = STATE("a");
	b = STATE("b");
	EXPECT_EQ(1u, a.mappings) TH_LOG("full cone a: one mapping for in1:5008");
	EXPECT_EQ(2u, b.mappings) TH_LOG("symmetric b: one mapping per remote");
	EXPECT_EQ(0u, a.c[CONENAT_STATS_A_IN_FILTERED])
		TH_LOG("full cone a refused something");
	EXPECT_EQ(1u, b.c[CONENAT_STATS_A_IN_FILTERED])
		TH_LOG("symmetric b did not count C:4002 as filtered");
}

/*
 * Namespaces do not see each other's instances or mappings; the same
 * instance name exists in both; a device of one is unknown in the other.
 */
TEST_F_TIMEOUT(nat, netns_isolation, NAT_TIMEOUT)
{
	struct inst_list l1, l2;
	struct sockaddr_in ext, f;
	struct map_list ml;
	struct cn_sock nl2;
	int in, pa, ret;

	ASSERT_EQ(0, topo_add_r2(&self->t, "wan"))
		TH_LOG("cannot make the second router namespace");
	ASSERT_EQ(0, topo_genl(&self->t, CN_R2, &nl2))
		TH_LOG("no genl socket in the second router namespace");

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);
	ASSERT_EQ(1, inst_dump(&self->nl, &l1))
		TH_LOG("the first namespace does not dump its instance");
	ASSERT_EQ(0, inst_dump(&nl2, &l2))
		TH_LOG("the second namespace's dump shows %s", l2.inst[0].name);

	in = UDP(CN_IN1, NULL, 5009);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	SEND(in, CN_PEER_A, 4000, "hello");
	ASSERT_ARRIVES(pa, "hello", &ext, "A hears in1");
	ASSERT_EQ(1, map_dump(&self->nl, NULL, &ml))
		TH_LOG("the first namespace does not dump its mapping");
	ASSERT_EQ(0, map_dump(&nl2, NULL, &ml))
		TH_LOG("the second namespace dumps the first's mapping");

	/* lan1 exists only in the first namespace: the second's waits */
	ret = inst_add(&nl2, "nat1", "lan1", PRESET_DEFAULT, 0);
	ASSERT_EQ(0, ret) TH_LOG("an instance for a device to come: %s",
				 strerror(-ret));
	ASSERT_EQ(1, inst_dump(&nl2, &l2));
	EXPECT_EQ(0u, l2.inst[0].ifindex)
		TH_LOG("bound to the first namespace's lan1 (ifindex %u)",
		       l2.inst[0].ifindex);
	ASSERT_EQ(0, inst_del(&nl2, "nat1"));
	ret = inst_add(&nl2, "nat0", "wan", PRESET_SYMMETRIC, 0);
	ASSERT_EQ(0, ret) TH_LOG("the same name in another namespace: %s",
				 strerror(-ret));
	ASSERT_EQ(1, inst_dump(&nl2, &l2))
		TH_LOG("the second namespace does not dump its own nat0");
	ASSERT_EQ(1, inst_dump(&self->nl, &l1))
		TH_LOG("the first namespace dumps the second's nat0 too");
	EXPECT_STREQ("nat0", l2.inst[0].name);
	EXPECT_EQ(1u, l1.inst[0].mappings)
		TH_LOG("the first nat0 counts %u mappings", l1.inst[0].mappings);
	EXPECT_EQ(0u, l2.inst[0].mappings)
		TH_LOG("the second nat0 counts the first's mappings");

	ASSERT_EQ(0, inst_del(&nl2, "nat0"))
		TH_LOG("cannot delete the second namespace's nat0");
	ASSERT_EQ(0, inst_dump(&nl2, &l2))
		TH_LOG("the second namespace still dumps an instance");
	ASSERT_EQ(1, inst_dump(&self->nl, &l1))
		TH_LOG("deleting nat0 in the second namespace touched the first's");
	SEND(pa, CN_WAN_ADDR, ntohs(ext.sin_port), "still translating");
	ASSERT_ARRIVES(in, "still translating", &f,
		       "the first namespace's nat0 still lets A in");
	cn_close(&nl2);
}

/*
 * Deleting an instance removes its mappings and their flows: the peer's
 * datagram to the old external endpoint no longer reaches the inside, and
 * the inside's next packet is no longer translated. (Another instance stays,
 * so conntrack still runs in the router and a leftover entry would show.)
 */
TEST_F_TIMEOUT(nat, delete_instance_ends_its_flows, NAT_TIMEOUT)
{
	struct sockaddr_in ext, f;
	int in, pa;

	/* another instance keeps conntrack and conenat's hooks running */
	NEW_INSTANCE("other", "wan2", PRESET_FULL_CONE);
	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);
	in = UDP(CN_IN1, NULL, 5010);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	SEND(in, CN_PEER_A, 4000, "hello");
	ASSERT_ARRIVES(pa, "hello", &ext, "A hears in1");
	ASSERT_SENDER(ext, CN_WAN_ADDR, 5010, "in1 leaves from 198.51.100.1:5010");
	SEND(pa, CN_WAN_ADDR, 5010, "answer");
	ASSERT_ARRIVES(in, "answer", &f, "A's answer reaches in1");

	ASSERT_EQ(0, inst_del(&self->nl, "nat0")) TH_LOG("DEL_INSTANCE nat0 failed");

	SEND(pa, CN_WAN_ADDR, 5010, "after delete");
	EXPECT_NO_ARRIVAL(in,
			  "after DEL_INSTANCE, A's datagram to the old external endpoint 198.51.100.1:5010 must not reach in1");
	SEND(in, CN_PEER_A, 4000, "untranslated");
	ASSERT_ARRIVES(pa, "untranslated", &f, "A hears in1 (routed, no NAT)");
	EXPECT_EQ(ip4(CN_IN1_ADDR), f.sin_addr.s_addr)
		TH_LOG("after DEL_INSTANCE in1's packet still came from %s: the flow's translation survived",
		       sa_str(&f));
	if (!_metadata->passed)
		log_conntrack(&self->t);
}

/* ------------------------------------------------------------- TCP, ICMP */

/* A TCP socket in @ns bound to @addr:@port, sharing the port (SO_REUSEADDR,
 * SO_REUSEPORT) so that one endpoint can both connect and listen.
 */
static int tcp_sock(struct cn_topo *t, enum cn_ns ns, const char *addr,
		    uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, one = 1;

	if (topo_enter(t, ns))
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	topo_leave(t);
	if (fd < 0)
		return -1;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = addr ? ip4(addr) : INADDR_ANY;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tcp_listen(struct cn_topo *t, enum cn_ns ns, const char *addr,
		      uint16_t port)
{
	int fd = tcp_sock(t, ns, addr, port);

	if (fd >= 0 && listen(fd, 8)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Connect @fd to @addr:@port within @ms. Returns 0, -ECONNREFUSED (a reset
 * came back) or -ETIMEDOUT (nothing came back: the SYN was dropped).
 */
static int tcp_connect(int fd, const char *addr, uint16_t port, int ms)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = ip4(addr),
	};
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int flags = fcntl(fd, F_GETFL), err = 0;
	socklen_t len = sizeof(err);

	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		goto out;
	if (errno != EINPROGRESS) {
		err = -errno;
		goto out;
	}
	if (poll(&p, 1, ms) != 1) {
		err = -ETIMEDOUT;
		goto out;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	err = -err;
out:
	fcntl(fd, F_SETFL, flags);
	return err;
}

/* Accept one connection on @lfd within @ms; its peer in @from. */
static int tcp_accept(int lfd, int ms, struct sockaddr_in *from)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	socklen_t len = sizeof(*from);

	if (poll(&p, 1, ms) != 1)
		return -1;
	return accept(lfd, (struct sockaddr *)from, &len);
}

#define TCP_LISTEN(ns, addr, port) ({ \
	int _fd = tcp_listen(&self->t, (ns), (addr), (port)); \
	ASSERT_LE(0, _fd) TH_LOG("TCP listener %s:%u", (addr) ?: "*", \
				 (unsigned int)(port)); \
	_fd; })

#define TCP_SOCK(ns, addr, port) ({ \
	int _fd = tcp_sock(&self->t, (ns), (addr), (port)); \
	ASSERT_LE(0, _fd) TH_LOG("TCP socket %s:%u", (addr) ?: "*", \
				 (unsigned int)(port)); \
	_fd; })

/*
 * TCP under the instance's mapping and filtering (RFC 5382): two
 * connections from one inside port to two remotes leave from one external
 * port (endpoint-independent mapping); a third remote's SYN to that port
 * gets in under endpoint-independent filtering and is dropped without a
 * reset under address-and-port-dependent filtering; a SYN to a port with no
 * mapping is dropped without a reset too.
 */
NAT_FIXTURE(tcp)

FIXTURE_VARIANT(tcp) {
	enum preset preset;
	bool third_gets_in;
};

FIXTURE_VARIANT_ADD(tcp, full_cone) {
	.preset = PRESET_FULL_CONE,
	.third_gets_in = true,
};

FIXTURE_VARIANT_ADD(tcp, port_restricted_cone) {
	.preset = PRESET_PORT_RESTRICTED_CONE,
	.third_gets_in = false,
};

TEST_F_TIMEOUT(tcp, mapping_and_filtering, NAT_TIMEOUT)
{
	struct sockaddr_in f1, f2, f3;
	int la, lb, lin, c1, c2, c3, a, b, in, cx;

	NEW_INSTANCE("nat0", "wan", variant->preset);
	la = TCP_LISTEN(CN_OUT, CN_PEER_A, 5000);
	lb = TCP_LISTEN(CN_OUT, CN_PEER_B, 5000);
	lin = TCP_LISTEN(CN_IN1, NULL, 41000);

	c1 = TCP_SOCK(CN_IN1, NULL, 41000);
	ASSERT_EQ(0, tcp_connect(c1, CN_PEER_A, 5000, 3000));
	a = tcp_accept(la, 2000, &f1);
	ASSERT_LE(0, a);
	ASSERT_SENDER(f1, CN_WAN_ADDR, 41000, "A sees in1:41000 as 198.51.100.1:41000");

	c2 = TCP_SOCK(CN_IN1, NULL, 41000);
	ASSERT_EQ(0, tcp_connect(c2, CN_PEER_B, 5000, 3000));
	b = tcp_accept(lb, 2000, &f2);
	ASSERT_LE(0, b);
	ASSERT_SENDER(f2, CN_WAN_ADDR, 41000,
		      "B sees the same external endpoint (endpoint-independent mapping)");

	/* a third remote (C, on A's address but another port) */
	c3 = TCP_SOCK(CN_OUT, CN_PEER_A, 5001);
	if (variant->third_gets_in) {
		ASSERT_EQ(0, tcp_connect(c3, CN_WAN_ADDR, 41000, 3000))
			TH_LOG("full cone: A:5001's SYN to 198.51.100.1:41000 must get in");
		in = tcp_accept(lin, 2000, &f3);
		ASSERT_LE(0, in);
		ASSERT_SENDER(f3, CN_PEER_A, 5001, "in1 accepts A:5001");
		close(in);
	} else {
		ASSERT_EQ(-ETIMEDOUT, tcp_connect(c3, CN_WAN_ADDR, 41000, 1500))
			TH_LOG("port-restricted: A:5001's SYN must be dropped silently (no reset)");
		EXPECT_LE(1, counter(&self->nl, "nat0", CONENAT_STATS_A_IN_FILTERED));
	}

	/* unsolicited: no mapping behind the port, no reset either */
	cx = TCP_SOCK(CN_OUT, CN_PEER_B, 0);
	ASSERT_EQ(-ETIMEDOUT, tcp_connect(cx, CN_WAN_ADDR, 42000, 1500))
		TH_LOG("a SYN to an unmapped port must be dropped silently");
	EXPECT_LE(1, counter(&self->nl, "nat0", CONENAT_STATS_A_IN_NO_MAPPING));

	close(a);
	close(b);
	close(c1);
	close(c2);
	close(c3);
	close(cx);
	close(lin);
	close(la);
	close(lb);
}

/*
 * A TCP mapping lives tcp-transitory-timeout while its connection opens and
 * tcp-timeout once it is established (RFC 5382 REQ-5); both read back.
 */
TEST_F_TIMEOUT(nat, tcp_timers, NAT_TIMEOUT)
{
	struct map_list l;
	const struct map_rec *m;
	struct sockaddr_in f;
	int la, c, a;

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE,
		     CONENAT_INSTANCE_A_TCP_TIMEOUT, 5000,
		     CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT, 100);
	la = TCP_LISTEN(CN_OUT, CN_PEER_A, 5000);
	c = TCP_SOCK(CN_IN1, NULL, 41100);
	ASSERT_EQ(0, tcp_connect(c, CN_PEER_A, 5000, 3000));
	a = tcp_accept(la, 2000, &f);
	ASSERT_LE(0, a);
	/* data after the handshake: the connection is established */
	ASSERT_EQ(5, write(c, "hello", 5));
	ASSERT_LE(0, (int)read(a, (char[8]){}, 8));

	ASSERT_LE(1, map_dump(&self->nl, "nat0", &l));
	m = map_find(&l, CN_IN1_ADDR, 41100);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(IPPROTO_TCP, m->proto);
	ASSERT_TRUE(m->has_expires);
	EXPECT_GT(m->expires, 100)
		TH_LOG("an established TCP mapping expires in %u s, not tcp-timeout", m->expires);
	EXPECT_LE(m->expires, 5000);
	close(a);
	close(c);
	close(la);
}

/* A static TCP mapping is a port forward that also owns outbound traffic. */
TEST_F_TIMEOUT(nat, tcp_static_mapping, NAT_TIMEOUT)
{
	struct sockaddr_in f;
	struct cn_err e;
	int lin, c, in;

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);
	ASSERT_EQ(0, map_add_proto(&self->nl, "nat0", IPPROTO_TCP, CN_IN1_ADDR,
				   8080, NULL, 18080, &e)) TH_LOG("%s", e.msg);
	lin = TCP_LISTEN(CN_IN1, NULL, 8080);
	c = TCP_SOCK(CN_OUT, CN_PEER_B, 0);
	ASSERT_EQ(0, tcp_connect(c, CN_WAN_ADDR, 18080, 3000))
		TH_LOG("B's connection to 198.51.100.1:18080 must reach in1:8080");
	in = tcp_accept(lin, 2000, &f);
	ASSERT_LE(0, in);
	ASSERT_SENDER(f, CN_PEER_B, 0, "in1 sees B itself");
	close(in);
	close(c);
	close(lin);
}

/*
 * ICMP echo through the NAT: the inside pings a remote that has no route
 * back to it; the reply arrives, and the echo identifier has a mapping of
 * protocol icmp on the router's address that lives icmp-timeout.
 */
TEST_F_TIMEOUT(nat, icmp_echo, NAT_TIMEOUT)
{
	struct map_list l;
	int i, found = 0;

	NEW_INSTANCE("nat0", "wan", PRESET_DEFAULT,
		     CONENAT_INSTANCE_A_ICMP_TIMEOUT, 50);
	ASSERT_EQ(0, topo_sh(&self->t, CN_IN1,
			     "ip netns exec $NS ping -n -q -c 2 -W 2 %s >/dev/null",
			     CN_PEER_A))
		TH_LOG("in1 cannot ping A through the NAT");
	ASSERT_LE(1, map_dump(&self->nl, "nat0", &l));
	for (i = 0; i < l.n; i++) {
		if (l.m[i].proto != IPPROTO_ICMP)
			continue;
		found++;
		EXPECT_EQ(ip4(CN_IN1_ADDR), l.m[i].int_addr);
		EXPECT_EQ(ip4(CN_WAN_ADDR), l.m[i].ext_addr);
		EXPECT_TRUE(l.m[i].has_expires);
		EXPECT_LE(l.m[i].expires, 50);
		EXPECT_GT(l.m[i].expires, 40);
	}
	EXPECT_EQ(1, found) TH_LOG("one icmp mapping for the echo identifier");
}

/* Send, from @ns, an ICMP port unreachable about udp @src:@sport ->
 * @dst:@dport, as @dst's host would.
 */
static int send_port_unreachable(struct cn_topo *t, enum cn_ns ns,
				 const char *src, uint16_t sport,
				 const char *dst, uint16_t dport)
{
	struct {
		struct icmphdr icmp;
		struct iphdr ip;
		struct udphdr udp;
	} m = {};	/* 8 + 20 + 8 bytes: no padding */
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint32_t sum = 0;
	uint16_t *w = (uint16_t *)&m;
	size_t i;
	int fd, ret;

	m.icmp.type = ICMP_DEST_UNREACH;
	m.icmp.code = ICMP_PORT_UNREACH;
	m.ip.version = 4;
	m.ip.ihl = 5;
	m.ip.ttl = 63;
	m.ip.protocol = IPPROTO_UDP;
	m.ip.tot_len = htons(sizeof(m.ip) + sizeof(m.udp) + 4);
	m.ip.saddr = ip4(src);
	m.ip.daddr = ip4(dst);
	m.udp.source = htons(sport);
	m.udp.dest = htons(dport);
	m.udp.len = htons(sizeof(m.udp) + 4);
	for (i = 0; i < sizeof(m.ip) / 2; i++)
		sum += ((uint16_t *)&m.ip)[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	m.ip.check = (uint16_t)~sum;
	sum = 0;
	for (i = 0; i < sizeof(m) / 2; i++)
		sum += w[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	m.icmp.checksum = (uint16_t)~sum;

	if (topo_enter(t, ns))
		return -1;
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	topo_leave(t);
	if (fd < 0)
		return -1;
	to.sin_addr.s_addr = ip4(src);
	ret = sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	return ret == sizeof(m) ? 0 : -1;
}

/*
 * An ICMP error about a mapped flow reaches the inside host with the inner
 * headers restored (its connected socket reports ECONNREFUSED, which it
 * only does for an error naming its own endpoints), and neither refreshes
 * nor ends the mapping (RFC 4787 REQ-12, RFC 5508).
 */
TEST_F_TIMEOUT(nat, icmp_error_translated_not_refreshing, NAT_TIMEOUT)
{
	struct sockaddr_in peer = { .sin_family = AF_INET };
	struct map_list l;
	const struct map_rec *m;
	struct sockaddr_in f;
	uint32_t before;
	char buf[16];
	int s, pa;

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE,
		     CONENAT_INSTANCE_A_UDP_TIMEOUT, 60);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	s = UDP(CN_IN1, NULL, 43000);
	peer.sin_port = htons(4000);
	peer.sin_addr.s_addr = ip4(CN_PEER_A);
	ASSERT_EQ(0, connect(s, (struct sockaddr *)&peer, sizeof(peer)));
	ASSERT_EQ(5, send(s, "hello", 5, 0));
	ASSERT_ARRIVES(pa, "hello", &f, "A hears in1:43000");

	sleep(3);
	ASSERT_LE(1, map_dump(&self->nl, "nat0", &l));
	m = map_find(&l, CN_IN1_ADDR, 43000);
	ASSERT_NE(NULL, m);
	before = m->expires;

	/* A's host says port unreachable, about the translated flow */
	ASSERT_EQ(0, send_port_unreachable(&self->t, CN_OUT, CN_WAN_ADDR,
					   ntohs(f.sin_port), CN_PEER_A, 4000));
	ASSERT_EQ(-1, (int)recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNREFUSED, errno)
		TH_LOG("in1's socket did not get the translated error (errno %d)", errno);

	sleep(2);
	ASSERT_LE(1, map_dump(&self->nl, "nat0", &l));
	m = map_find(&l, CN_IN1_ADDR, 43000);
	ASSERT_NE(NULL, m) TH_LOG("an ICMP error ended the mapping");
	EXPECT_LT(m->expires, before)
		TH_LOG("the mapping's timer went from %u to %u s: the ICMP error refreshed it",
		       before, m->expires);
}

/* ------------------------------------------------------- limits, floods */

static int set_max_mappings(struct cn_sock *nl, uint32_t max)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = cn_msg(nl, buf, CONENAT_CMD_SET_LIMITS, 0);

	mnl_attr_put_u32(nlh, CONENAT_LIMITS_A_MAX_MAPPINGS, max);
	return cn_talk(nl, nlh, NULL, NULL, NULL);
}

/*
 * The namespace's cap on mappings: at the cap a new flow gets nothing
 * through and is counted (table_full); the existing mappings keep working
 * both ways and none is evicted, also after the cap is lowered under them.
 */
TEST_F_TIMEOUT(nat, namespace_cap, NAT_TIMEOUT)
{
	struct sockaddr_in f[4];
	int pa, s[4], i;
	struct map_list l;

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);
	ASSERT_EQ(0, set_max_mappings(&self->nl, 3));
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	for (i = 0; i < 4; i++)
		s[i] = UDP(CN_IN1, NULL, 44000 + i);
	for (i = 0; i < 3; i++) {
		SEND(s[i], CN_PEER_A, 4000, "under the cap");
		ASSERT_ARRIVES(pa, "under the cap", &f[i], "flow %d of 3 gets through", i);
	}
	SEND(s[3], CN_PEER_A, 4000, "over the cap");
	EXPECT_NO_ARRIVAL(pa, "a fourth flow over a cap of 3 gets nothing through");
	EXPECT_LE(1, counter(&self->nl, "nat0", CONENAT_STATS_A_TABLE_FULL));

	/* lowered under what exists: nothing is evicted */
	ASSERT_EQ(0, set_max_mappings(&self->nl, 1));
	ASSERT_EQ(3, map_dump(&self->nl, "nat0", &l));
	for (i = 0; i < 3; i++) {
		SEND(pa, CN_WAN_ADDR, ntohs(f[i].sin_port), "back in");
		ASSERT_ARRIVES(s[i], "back in", NULL, "mapping %d still works inbound", i);
		SEND(s[i], CN_PEER_A, 4000, "still out");
		ASSERT_ARRIVES(pa, "still out", NULL, "mapping %d still works outbound", i);
	}
	ASSERT_EQ(0, set_max_mappings(&self->nl, CONENAT_DEFAULT_MAX_MAPPINGS));
}

static int conntrack_count(struct cn_topo *t)
{
	char cmd[128];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s conntrack -C 2>/dev/null",
		 t->name[CN_R]);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

/*
 * 100 000 unsolicited datagrams to random ports of the external address
 * create no mapping and leave no state: no conntrack entry outlives them
 * (they are dropped before conntrack confirms one), every one is counted.
 */
TEST_F_TIMEOUT(nat, inbound_flood_leaves_no_state, NAT_FLOOD_TIMEOUT)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	int fd, i, before, after, sent = 0;
	struct map_list l;
	uint64_t dropped;

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);
	before = conntrack_count(&self->t);
	if (before < 0)
		SKIP(return, "conntrack (conntrack-tools) is not installed");
	fd = UDP(CN_OUT, CN_PEER_A, 0);
	to.sin_addr.s_addr = ip4(CN_WAN_ADDR);
	srand(1);
	for (i = 0; i < 100000; i++) {
		to.sin_port = htons((uint16_t)(1024 + rand() % 64512));
		if (sendto(fd, "flood", 5, 0, (struct sockaddr *)&to,
			   sizeof(to)) == 5)
			sent++;
		else if (errno == ENOBUFS || errno == EAGAIN)
			usleep(100);
	}
	TH_LOG("sent %d datagrams", sent);
	usleep(500000);
	EXPECT_EQ(0, map_dump(&self->nl, "nat0", &l))
		TH_LOG("the flood created mappings");
	after = conntrack_count(&self->t);
	EXPECT_LE(after, before + 10)
		TH_LOG("conntrack entries went from %d to %d", before, after);
	dropped = counter(&self->nl, "nat0", CONENAT_STATS_A_IN_NO_MAPPING);
	EXPECT_GE(dropped, (uint64_t)sent * 9 / 10)
		TH_LOG("%llu of %d datagrams counted in in_no_mapping",
		       (unsigned long long)dropped, sent);
}

/*
 * The device goes down and up again (the address stays): the instance
 * keeps translating. conntrack -F while mappings live: the mappings
 * survive, traffic resumes on the same external endpoint.
 */
TEST_F_TIMEOUT(nat, device_bounce_and_conntrack_flush, NAT_TIMEOUT)
{
	struct sockaddr_in f, g = {};
	int pa, s;

	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	s = UDP(CN_IN1, NULL, 45000);
	SEND(s, CN_PEER_A, 4000, "before");
	ASSERT_ARRIVES(pa, "before", &f, "A hears in1 before");

	if (conntrack_count(&self->t) >= 0) {
		ASSERT_EQ(0, topo_sh(&self->t, CN_R,
				     "ip netns exec $NS conntrack -F >/dev/null 2>&1"));
		SEND(pa, CN_WAN_ADDR, ntohs(f.sin_port), "after flush");
		ASSERT_ARRIVES(s, "after flush", NULL,
			       "after conntrack -F, A still reaches in1 through %s",
			       sa_str(&f));
	}

	ASSERT_EQ(0, topo_ip(&self->t, CN_R, "link set wan down"));
	ASSERT_EQ(0, topo_ip(&self->t, CN_R, "link set wan up"));
	ASSERT_EQ(0, topo_ip(&self->t, CN_OUT, "link set eth0 up"));
	/* the link is back when A hears the router again */
	for (int i = 0; i < 50; i++) {
		SEND(s, CN_PEER_A, 4000, "after bounce");
		if (udp_arrives(pa, 200, (char[32]){}, 32, &g) == 0)
			break;
	}
	ASSERT_SENDER(g, CN_WAN_ADDR, ntohs(f.sin_port),
		      "after the device bounced, in1 keeps its external endpoint");
}

/*
 * nftables NAT on another device at the same time: in2's traffic leaving
 * through wan2 is masqueraded by an nft rule while in1's leaving through
 * wan goes through conenat; both work.
 */
TEST_F_TIMEOUT(nat, coexists_with_nftables_nat, NAT_TIMEOUT)
{
	struct sockaddr_in f;
	int pa, pc, s1, s2;

	if (system("command -v nft >/dev/null 2>&1"))
		SKIP(return, "nft (nftables) is not installed");
	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);
	ASSERT_EQ(0, topo_sh(&self->t, CN_R,
			     "ip netns exec $NS nft add table ip t && "
			     "ip netns exec $NS nft add chain ip t post '{ type nat hook postrouting priority 100; }' && "
			     "ip netns exec $NS nft add rule ip t post oifname wan2 masquerade"));
	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pc = UDP(CN_OUT2, CN_PEER_C, 4000);
	s1 = UDP(CN_IN1, NULL, 46000);
	s2 = UDP(CN_IN2, NULL, 46001);
	SEND(s1, CN_PEER_A, 4000, "via conenat");
	ASSERT_ARRIVES(pa, "via conenat", &f, "A hears in1");
	ASSERT_SENDER(f, CN_WAN_ADDR, 46000, "in1 leaves through conenat");
	SEND(s2, CN_PEER_C, 4000, "via nft");
	ASSERT_ARRIVES(pc, "via nft", &f, "C hears in2");
	ASSERT_SENDER(f, CN_WAN2_ADDR, 0, "in2 leaves masqueraded by nftables");
	SEND(pc, CN_WAN2_ADDR, ntohs(f.sin_port), "back via nft");
	ASSERT_ARRIVES(s2, "back via nft", NULL, "C's answer reaches in2");
}

/* ------------------------------------------------------------------ unload */

static int splat_lines(void)
{
	FILE *p = popen("dmesg 2>/dev/null | grep -c -E 'BUG:|WARNING:|Oops|general protection|refcount_t:|list_(add|del) corruption'",
			"r");
	int n = -1;

	if (!p)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

/* Send from @fd to @addr:@port as fast as a 2 ms pause allows, forever. */
static pid_t spawn_sender(int fd, const char *addr, uint16_t port)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;) {
			udp_send(fd, addr, port, "background");
			usleep(2000);
		}
	}
	return pid;
}

/*
 * Kept last. With mappings live and traffic flowing both ways, rmmod
 * succeeds; after insmod, a re-created instance translates again. Three
 * rounds; the kernel log gains no splat.
 */
NAT_FIXTURE(unload)

TEST_F_TIMEOUT(unload, rmmod_with_live_mappings_and_traffic, 180)
{
	const char *ko = getenv("CONENAT_KO");
	char cmd[512], msg[32];
	struct sockaddr_in ext, f;
	pid_t out_pid, in_pid;
	int splats, round, i, in, bg, pa, pb, ret, s[4];

	ASSERT_NE(NULL, ko) TH_LOG("CONENAT_KO (the module file) is not set");
	splats = splat_lines();

	pa = UDP(CN_OUT, CN_PEER_A, 4000);
	pb = UDP(CN_OUT, CN_PEER_B, 4000);
	for (round = 0; round < 3; round++) {
		if (round) {
			cn_close(&self->nl);
			ret = topo_genl(&self->t, CN_R, &self->nl);
			ASSERT_EQ(0, ret) TH_LOG("genl socket after reload: %s",
						 strerror(-ret));
		}
		NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);

		for (i = 0; i < 4; i++) {
			s[i] = UDP(CN_IN1, NULL, 0);
			snprintf(msg, sizeof(msg), "r%d s%d", round, i);
			SEND(s[i], CN_PEER_A, 4000, msg);
			ASSERT_ARRIVES(pa, msg, &f, "round %d: A hears socket %d", round, i);
			ASSERT_SENDER(f, CN_WAN_ADDR, 0, "round %d: translated", round);
		}
		in = UDP(CN_IN1, NULL, 0);
		snprintf(msg, sizeof(msg), "r%d hello", round);
		SEND(in, CN_PEER_A, 4000, msg);
		ASSERT_ARRIVES(pa, msg, &ext, "round %d: A hears the inside socket", round);
		ASSERT_SENDER(ext, CN_WAN_ADDR, 0, "round %d: translated", round);
		snprintf(msg, sizeof(msg), "r%d answer", round);
		SEND(pa, CN_WAN_ADDR, ntohs(ext.sin_port), msg);
		ASSERT_ARRIVES(in, msg, &f, "round %d: A's answer comes in", round);

		/* traffic both ways while the module goes */
		bg = UDP(CN_IN1, NULL, 0);
		out_pid = spawn_sender(bg, CN_PEER_A, 4000);
		ASSERT_LT(0, out_pid);
		in_pid = spawn_sender(pb, CN_WAN_ADDR, ntohs(ext.sin_port));
		if (in_pid <= 0)
			kill(out_pid, SIGKILL);
		ASSERT_LT(0, in_pid);
		usleep(300000);

		ret = system("rmmod conenat");
		if (ret == 0) {
			snprintf(cmd, sizeof(cmd), "insmod %s", ko);
			ret = system(cmd) ? -1 : 0;
		} else {
			ret = 1;
		}
		kill(out_pid, SIGKILL);
		kill(in_pid, SIGKILL);
		waitpid(out_pid, NULL, 0);
		waitpid(in_pid, NULL, 0);
		ASSERT_NE(1, ret) TH_LOG("round %d: rmmod conenat failed with mappings and traffic live",
					 round);
		ASSERT_EQ(0, ret) TH_LOG("round %d: insmod %s failed", round, ko);
		close(bg);
		close(in);
		for (i = 0; i < 4; i++)
			close(s[i]);
		udp_drain(pa);
		udp_drain(pb);
	}

	/* after the last reload: a fresh instance translates */
	cn_close(&self->nl);
	ASSERT_EQ(0, topo_genl(&self->t, CN_R, &self->nl))
		TH_LOG("no conenat genl socket after the last reload");
	NEW_INSTANCE("nat0", "wan", PRESET_FULL_CONE);
	in = UDP(CN_IN1, NULL, 0);
	SEND(in, CN_PEER_A, 4000, "after reload");
	ASSERT_ARRIVES(pa, "after reload", &ext, "A hears in1 after the reload");
	ASSERT_SENDER(ext, CN_WAN_ADDR, 0, "translated after the reload");
	SEND(pb, CN_WAN_ADDR, ntohs(ext.sin_port), "B after reload");
	ASSERT_ARRIVES(in, "B after reload", &f, "full cone lets B in after the reload");

	EXPECT_EQ(splats, splat_lines())
		TH_LOG("the kernel log gained BUG/WARNING lines during the unload rounds");
}

TEST_HARNESS_MAIN
