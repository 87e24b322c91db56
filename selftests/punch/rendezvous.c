// SPDX-License-Identifier: GPL-2.0
/*
 * rendezvous: the outside server of a hole punch.
 *
 *   rendezvous [--bind ADDR] [--port PORT] [--netns NAME]
 *
 * Listens on UDP and TCP on the same port (default 7000). A client
 * registers with its id and the id of the peer it wants to reach ("REG
 * <id> <peer>", see common.h); the server records the source address and
 * port it saw - behind a NAT, the client's external endpoint - and once
 * both peers of a pair have registered (over the same protocol) tells each
 * the other's observed endpoint. UDP and TCP registrations are separate.
 * Runs until killed; logs one line per event to stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "common.h"

#define MAX_REGS	1024
#define MAX_CONNS	128
#define UDP_REG_TTL_MS	(120 * 1000)
#define TCP_IDLE_MS	(120 * 1000)

struct reg {
	bool used;
	int proto;			/* IPPROTO_UDP or IPPROTO_TCP */
	char id[ID_MAX + 1];
	char peer[ID_MAX + 1];
	struct sockaddr_in seen;	/* the source the server saw */
	int conn;			/* TCP: index into conns[], else -1 */
	long long when;
};

struct conn {
	int fd;				/* -1: free slot */
	struct sockaddr_in from;
	char buf[MSG_MAX];
	size_t len;
	long long last;
};

static struct reg regs[MAX_REGS];
static struct conn conns[MAX_CONNS];
static int udp_fd = -1, tcp_fd = -1;

static const char *proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : "udp";
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("rendezvous: ");
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

static struct reg *reg_find(int proto, const char *id)
{
	int i;

	for (i = 0; i < MAX_REGS; i++)
		if (regs[i].used && regs[i].proto == proto &&
		    !strcmp(regs[i].id, id))
			return &regs[i];
	return NULL;
}

/* A free slot, else the least recently refreshed registration. */
static struct reg *reg_alloc(void)
{
	struct reg *oldest = &regs[0];
	int i;

	for (i = 0; i < MAX_REGS; i++) {
		if (!regs[i].used)
			return &regs[i];
		if (regs[i].when < oldest->when)
			oldest = &regs[i];
	}
	return oldest;
}

static void reg_drop_conn(int c)
{
	int i;

	for (i = 0; i < MAX_REGS; i++)
		if (regs[i].used && regs[i].proto == IPPROTO_TCP &&
		    regs[i].conn == c) {
			logf_("tcp GONE %s", regs[i].id);
			regs[i].used = false;
		}
}

static void reg_expire(long long now)
{
	int i;

	for (i = 0; i < MAX_REGS; i++)
		if (regs[i].used && regs[i].proto == IPPROTO_UDP &&
		    now - regs[i].when > UDP_REG_TTL_MS)
			regs[i].used = false;
}

static void send_msg(const struct reg *to, const char *msg)
{
	char b[EP_STRLEN];

	if (to->proto == IPPROTO_UDP) {
		if (sendto(udp_fd, msg, strlen(msg), 0,
			   (const struct sockaddr *)&to->seen,
			   sizeof(to->seen)) < 0)
			logf_("udp send to %s: %s",
			      ep_str(&to->seen, b, sizeof(b)), strerror(errno));
	} else if (to->conn >= 0 && conns[to->conn].fd >= 0) {
		char line[MSG_MAX + 1];
		int n = snprintf(line, sizeof(line), "%s\n", msg);

		/* A few bytes on a fresh connection: never a short write. */
		if (send(conns[to->conn].fd, line, n, MSG_NOSIGNAL) != n)
			logf_("tcp send to %s failed",
			      ep_str(&to->seen, b, sizeof(b)));
	}
}

static void tell_peer(const struct reg *to, const struct reg *about)
{
	char msg[MSG_MAX], a[EP_STRLEN], b[EP_STRLEN];

	snprintf(msg, sizeof(msg), "PEER %s %s YOU %s", about->id,
		 ep_str(&about->seen, a, sizeof(a)),
		 ep_str(&to->seen, b, sizeof(b)));
	send_msg(to, msg);
}

/* Handle "REG id peer" seen from @from; @conn is the TCP connection or -1. */
static void handle_reg(int proto, const char *text,
		       const struct sockaddr_in *from, int conn)
{
	char id[ID_MAX + 2], peer[ID_MAX + 2], extra[2];
	char a[EP_STRLEN], b[EP_STRLEN], msg[MSG_MAX];
	struct reg *r, *p;
	bool fresh;

	if (sscanf(text, "REG %33s %33s %1s", id, peer, extra) != 2 ||
	    !valid_id(id) || !valid_id(peer) || !strcmp(id, peer)) {
		logf_("%s bad request from %s", proto_name(proto),
		      ep_str(from, a, sizeof(a)));
		return;
	}

	r = reg_find(proto, id);
	fresh = !r || !same_ep(&r->seen, from) || strcmp(r->peer, peer) ||
		r->conn != conn;
	if (!r) {
		r = reg_alloc();
		if (r->used && r->proto == IPPROTO_TCP && r->conn >= 0)
			logf_("tcp table full: forgetting %s", r->id);
	}
	r->used = true;
	r->proto = proto;
	/* valid_id() bounded both to ID_MAX characters */
	memcpy(r->id, id, strlen(id) + 1);
	memcpy(r->peer, peer, strlen(peer) + 1);
	r->seen = *from;
	r->conn = conn;
	r->when = mono_ms();
	if (fresh)
		logf_("%s REG %s -> %s from %s", proto_name(proto), id, peer,
		      ep_str(from, a, sizeof(a)));

	p = reg_find(proto, peer);
	if (!p || strcmp(p->peer, id)) {
		snprintf(msg, sizeof(msg), "WAIT YOU %s",
			 ep_str(from, a, sizeof(a)));
		send_msg(r, msg);
		return;
	}
	if (fresh)
		logf_("%s PAIR %s %s <-> %s %s", proto_name(proto), id,
		      ep_str(&r->seen, a, sizeof(a)), peer,
		      ep_str(&p->seen, b, sizeof(b)));
	tell_peer(r, p);
	/* The peer hears about us when we are new to it; afterwards its own
	 * retransmitted REGs get it the answer. */
	if (fresh)
		tell_peer(p, r);
}

static int open_sock(int type, const struct sockaddr_in *sin)
{
	int fd, one = 1;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void conn_close(int c)
{
	char a[EP_STRLEN];

	logf_("tcp close %s", ep_str(&conns[c].from, a, sizeof(a)));
	reg_drop_conn(c);
	close(conns[c].fd);
	conns[c].fd = -1;
}

static void tcp_accept(void)
{
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	char a[EP_STRLEN];
	int fd, c;

	fd = accept4(tcp_fd, (struct sockaddr *)&from, &flen,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (c = 0; c < MAX_CONNS; c++)
		if (conns[c].fd < 0)
			break;
	if (c == MAX_CONNS) {
		logf_("tcp too many connections: refusing %s",
		      ep_str(&from, a, sizeof(a)));
		close(fd);
		return;
	}
	conns[c].fd = fd;
	conns[c].from = from;
	conns[c].len = 0;
	conns[c].last = mono_ms();
	logf_("tcp connect from %s", ep_str(&from, a, sizeof(a)));
}

static void tcp_read(int c)
{
	struct conn *k = &conns[c];
	ssize_t n;
	char *nl;

	n = recv(k->fd, k->buf + k->len, sizeof(k->buf) - 1 - k->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	k->len += n;
	k->buf[k->len] = '\0';
	k->last = mono_ms();
	while ((nl = strchr(k->buf, '\n'))) {
		*nl = '\0';
		if (nl > k->buf && nl[-1] == '\r')
			nl[-1] = '\0';
		handle_reg(IPPROTO_TCP, k->buf, &k->from, c);
		if (k->fd < 0)
			return;
		k->len -= nl + 1 - k->buf;
		memmove(k->buf, nl + 1, k->len + 1);
	}
	if (k->len == sizeof(k->buf) - 1)
		conn_close(c);		/* a line too long to be ours */
}

static void udp_read(void)
{
	char buf[MSG_MAX];
	struct sockaddr_in from;
	socklen_t flen;
	ssize_t n;

	for (;;) {
		flen = sizeof(from);
		n = recvfrom(udp_fd, buf, sizeof(buf) - 1, 0,
			     (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		buf[n] = '\0';
		handle_reg(IPPROTO_UDP, buf, &from, -1);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rendezvous [--bind ADDR] [--port PORT] [--netns NAME]\n"
		"  UDP and TCP rendezvous for hole punching (default port 7000);\n"
		"  runs until killed, logs to stdout\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct pollfd pfd[2 + MAX_CONNS];
	int map[2 + MAX_CONNS];
	char a[EP_STRLEN];
	int port = 7000, o, c;

	while ((o = getopt_long(argc, argv, "b:p:N:h", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			if (inet_pton(AF_INET, optarg, &sin.sin_addr) != 1) {
				fprintf(stderr, "rendezvous: bad address %s\n",
					optarg);
				return 2;
			}
			break;
		case 'p':
			port = parse_port(optarg);
			if (port < 0) {
				fprintf(stderr, "rendezvous: bad port %s\n",
					optarg);
				return 2;
			}
			break;
		case 'N':
			if (enter_netns(optarg)) {
				fprintf(stderr, "rendezvous: network namespace %s: %s\n",
					optarg, strerror(errno));
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	sin.sin_port = htons((unsigned short)port);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	udp_fd = open_sock(SOCK_DGRAM, &sin);
	tcp_fd = open_sock(SOCK_STREAM, &sin);
	if (udp_fd < 0 || tcp_fd < 0) {
		fprintf(stderr, "rendezvous: cannot bind %s: %s\n",
			ep_str(&sin, a, sizeof(a)), strerror(errno));
		return 1;
	}
	for (c = 0; c < MAX_CONNS; c++)
		conns[c].fd = -1;
	logf_("listening on %s udp and tcp", ep_str(&sin, a, sizeof(a)));

	for (;;) {
		long long now;
		int n = 0, i;

		pfd[n] = (struct pollfd){ .fd = udp_fd, .events = POLLIN };
		map[n++] = -1;
		pfd[n] = (struct pollfd){ .fd = tcp_fd, .events = POLLIN };
		map[n++] = -2;
		for (c = 0; c < MAX_CONNS; c++) {
			if (conns[c].fd < 0)
				continue;
			pfd[n] = (struct pollfd){ .fd = conns[c].fd,
						  .events = POLLIN };
			map[n++] = c;
		}
		if (poll(pfd, n, 1000) < 0 && errno != EINTR) {
			perror("rendezvous: poll");
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (map[i] == -1)
				udp_read();
			else if (map[i] == -2)
				tcp_accept();
			else if (conns[map[i]].fd >= 0)
				tcp_read(map[i]);
		}
		now = mono_ms();
		reg_expire(now);
		for (c = 0; c < MAX_CONNS; c++)
			if (conns[c].fd >= 0 && now - conns[c].last > TCP_IDLE_MS)
				conn_close(c);
	}
}
