/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the rendezvous server and the punch client share: the wire format
 * of the rendezvous protocol, endpoint parsing and printing, the clock.
 *
 * The protocol is lines of ASCII text, one per UDP datagram or one per
 * "\n"-terminated line on a TCP connection:
 *
 *   client -> server   REG <id> <peer-id>
 *   server -> client   WAIT YOU <observed-ip:port>
 *                      PEER <peer-id> <peer-observed-ip:port> YOU <observed-ip:port>
 *
 * "Observed" is the source address and port the server saw: behind a NAT,
 * the client's external endpoint. A UDP client repeats REG until it gets
 * PEER (the server answers every REG); a TCP client sends REG once and
 * keeps the connection open until PEER arrives.
 *
 * Between the two peers (UDP), datagrams are
 *
 *   PUNCH <from-id> <to-id> <state> <seq>
 *
 * where state is 0 (nothing heard from you yet), 1 (I hear you) or 2 (I
 * hear you and you hear me: I am done). Over TCP, once connected, each
 * side sends "HELLO <id>\n" and reads the other's.
 */
#ifndef PUNCH_COMMON_H
#define PUNCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#define ID_MAX		32
#define MSG_MAX		256

/* Milliseconds on the monotonic clock. */
long long mono_ms(void);

/* "a.b.c.d:port" into @sin (port required unless @need_port is false). */
bool parse_endpoint(const char *s, struct sockaddr_in *sin, bool need_port);

/* "a.b.c.d:port" of @sin into @buf. */
const char *ep_str(const struct sockaddr_in *sin, char *buf, size_t len);
#define EP_STRLEN	(INET_ADDRSTRLEN + 6)

bool same_ep(const struct sockaddr_in *a, const struct sockaddr_in *b);

/* An id is 1..ID_MAX characters of [A-Za-z0-9._-]. */
bool valid_id(const char *id);

/* A port number 1..65535 from @s; -1 if it is not one. */
int parse_port(const char *s);

/*
 * Move into the network namespace @name (/run/netns/@name, as ip-netns(8)
 * names them, or a path): what "ip netns exec" does for sockets, without
 * starting another program. 0, or -1 with errno set.
 */
int enter_netns(const char *name);

#endif
