/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The conenat NAT selftests' test network: a router namespace between two
 * inside hosts and two outside networks, all created with ip(8) and driven
 * from one process. Sockets and generic netlink sockets are opened inside a
 * namespace (setns, socket, setns back) and stay bound to it, so a test
 * talks to every endpoint directly.
 *
 *  in1 10.0.1.2 --- lan1 10.0.1.1 |        | wan  198.51.100.1 --- out 198.51.100.10
 *                                 | router |                          198.51.100.11
 *  in2 10.0.2.2 --- lan2 10.0.2.1 |        | wan2 203.0.113.1  --- out2 203.0.113.10
 *
 * Inside hosts route everything through the router; the outside hosts know
 * only their own subnet, so a reply reaches the inside only through NAT.
 */
#ifndef CN_TOPO_H
#define CN_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "cn_genl.h"

enum cn_ns {
	CN_R,		/* the router */
	CN_IN1,
	CN_IN2,
	CN_OUT,
	CN_OUT2,
	CN_R2,		/* a second, unconnected "router" (isolation tests) */

	CN_NS_NUM
};

#define CN_IN1_ADDR	"10.0.1.2"
#define CN_IN2_ADDR	"10.0.2.2"
#define CN_LAN1_ADDR	"10.0.1.1"
#define CN_LAN2_ADDR	"10.0.2.1"
#define CN_WAN_ADDR	"198.51.100.1"
#define CN_WAN_NEW_ADDR	"198.51.100.2"
#define CN_PEER_A	"198.51.100.10"
#define CN_PEER_B	"198.51.100.11"
#define CN_WAN2_ADDR	"203.0.113.1"
#define CN_PEER_C	"203.0.113.10"

struct cn_topo {
	char name[CN_NS_NUM][32];	/* /run/netns names, "" if absent */
	int fd[CN_NS_NUM];		/* open namespace files, -1 if absent */
	int home;			/* the namespace we started in */
	char err[256];			/* why topo_create() failed */
};

/*
 * Build the network: namespaces named after @tag and the caller's pid,
 * links, addresses, routes and forwarding, then wait until every link
 * carries traffic. Returns 0, or -1 with t->err set and nothing left behind.
 */
int topo_create(struct cn_topo *t, const char *tag);

/* Remove everything topo_create() made; safe on a partial topology. */
void topo_destroy(struct cn_topo *t);

/* Add the namespace CN_R2 with a dummy device named @ifname. */
int topo_add_r2(struct cn_topo *t, const char *ifname);

/* Run ip(8) with @args (printf format) in namespace @ns; exit status. */
int topo_ip(struct cn_topo *t, enum cn_ns ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Run a shell command with "$NS" set to the namespace's name. */
int topo_sh(struct cn_topo *t, enum cn_ns ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Enter @ns / return home; 0 or -errno. */
int topo_enter(struct cn_topo *t, enum cn_ns ns);
int topo_leave(struct cn_topo *t);

/* A UDP socket in @ns bound to @addr (NULL: any) and @port (0: any). */
int topo_udp(struct cn_topo *t, enum cn_ns ns, const char *addr,
	     uint16_t port);

/* A conenat generic netlink socket of namespace @ns. */
int topo_genl(struct cn_topo *t, enum cn_ns ns, struct cn_sock *s);

/* The local port of a socket, host order. */
uint16_t sock_port(int fd);

/* Send @msg to @addr:@port; 0 or -errno. */
int udp_send(int fd, const char *addr, uint16_t port, const char *msg);

/*
 * Wait up to @timeout_ms for a datagram whose payload is @msg; datagrams
 * with other payloads are skipped. Returns 0 with the sender in @from, or
 * -ETIMEDOUT.
 */
int udp_expect(int fd, const char *msg, int timeout_ms,
	       struct sockaddr_in *from);

/*
 * Wait @timeout_ms for any datagram. Returns 0 when none came, 1 when one
 * did (its payload in @got, its sender in @from).
 */
int udp_arrives(int fd, int timeout_ms, char *got, size_t len,
		struct sockaddr_in *from);

/* Drop whatever is queued on the socket. */
void udp_drain(int fd);

/* "a.b.c.d:port" of @sin, in a static buffer (one of four, rotating). */
const char *sa_str(const struct sockaddr_in *sin);

/* inet_addr() in network order for the tests' literal addresses. */
uint32_t ip4(const char *addr);

/* Milliseconds on the monotonic clock. */
long long now_ms(void);

/* Sleep until @deadline_ms on the monotonic clock. */
void sleep_until_ms(long long deadline_ms);

#endif
