// SPDX-License-Identifier: GPL-2.0
/*
 * conenat: the router's own sockets.
 *
 * A port on which the router itself has a socket, bound to an external
 * address or to any address, is the router's, as it is under masquerade:
 * a new inbound flow to it with no mapping reaches the socket rather than
 * being dropped as unsolicited, and the port search never gives it to an
 * inside host (ports.c), whose mapping would take the socket's traffic.
 *
 * The lookups are the stack's own demultiplexing, under RCU, without a
 * reference: only whether a socket would receive matters. UDP: a socket
 * bound to the address or to any address, or connected to the remote (the
 * port search asks for any remote, so it sees unconnected sockets only).
 * TCP: a listener. An address that is not the router's own (a pool routed
 * to it) has no sockets.
 */
#include <linux/filter.h>
#include <linux/in.h>
#include <net/inet_hashtables.h>
#include <net/route.h>
#include <net/tcp.h>
#include <net/udp.h>

#include "conenat.h"

/**
 * conenat_router_socket() - whether a socket of the router would receive
 * @inst: the instance, whose device the flow comes in on
 * @proto: IPPROTO_UDP or IPPROTO_TCP
 * @daddr: the external address
 * @dport: the external port
 * @saddr: the remote address, 0 for any remote
 * @sport: the remote port, 0 for any remote
 *
 * Safe in softirq context.
 *
 * Return: true when a flow from @saddr:@sport to @daddr:@dport would be
 * delivered to a socket of the router.
 */
bool conenat_router_socket(const struct conenat_instance *inst, u8 proto,
			   __be32 daddr, __be16 dport, __be32 saddr,
			   __be16 sport)
{
	struct net *net = inst->cn->net;
	int dif = READ_ONCE(inst->ifindex);
	struct sock *sk;

	rcu_read_lock();
	switch (proto) {
	case IPPROTO_UDP:
		/*
		 * No UDP socket has the port at all: the usual case, one
		 * read of the port's slot (its count is the stack's hint).
		 */
		if (!static_branch_unlikely(&bpf_sk_lookup_enabled) &&
		    !READ_ONCE(udp_hashslot(&udp_table, net, ntohs(dport))->count)) {
			sk = NULL;
			break;
		}
		sk = __udp4_lib_lookup(net, saddr, sport, daddr, dport, dif, 0,
				       &udp_table, NULL);
		break;
	case IPPROTO_TCP:
		sk = __inet_lookup_listener(net, net->ipv4.tcp_death_row.hashinfo,
					    NULL, 0, saddr, sport, daddr,
					    ntohs(dport), dif, 0);
		break;
	default:
		sk = NULL;
	}
	rcu_read_unlock();
	/* a wildcard socket matches any address, local or not */
	return !IS_ERR_OR_NULL(sk) && inet_addr_type(net, daddr) == RTN_LOCAL;
}
