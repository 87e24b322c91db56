// SPDX-License-Identifier: GPL-2.0
/*
 * punch: one side of a hole punch through NATs.
 *
 *   punch --server ADDR:PORT --id ID --peer ID --proto udp|tcp
 *         --local-port PORT [--bind ADDR] [--timeout SECS]
 *         [--interval MS] [--linger MS] [--netns NAME] [--verbose]
 *
 * Registers with the rendezvous server (see common.h for the protocol),
 * learns the peer's external endpoint as the server saw it, and then:
 *
 * udp: sends PUNCH datagrams to the peer every --interval ms (default 50)
 *      from the one socket it registered from - that socket's NAT mapping
 *      is the endpoint the server told the peer about. Each datagram says
 *      whether we hear the peer yet; we succeed when the peer says it hears
 *      us (it acknowledges), after having heard it ourselves. Datagrams
 *      from the peer are accepted from whatever address they come from and
 *      the reply goes there (a symmetric NAT in front of the peer gives it
 *      a new port towards us).
 * tcp: simultaneous open: the connection to the server stays open and a
 *      second socket bound to the same local port (SO_REUSEADDR and
 *      SO_REUSEPORT) connect()s to the peer again and again until a
 *      connection is made; then both sides exchange a HELLO line. A reset
 *      is retried at once. This needs a round trip longer than the few
 *      tens of microseconds a retry takes, as across any NAT: on loopback
 *      the two sides can reset each other's every attempt.
 *
 * --netns runs it in the network namespace /run/netns/NAME (as "ip netns
 * exec NAME punch ..." would, one program start cheaper).
 *
 * Prints exactly one line on stdout and exits 0 on success, 1 on failure
 * (2 on bad arguments):
 *
 *   punch ok peer ADDR:PORT first_punch_to_first_rx_ms N proto P self
 *            ADDR:PORT learned ADDR:PORT sent N received N
 *   punch fail peer ADDR:PORT reason WHY proto P self ADDR:PORT learned
 *              ADDR:PORT sent N received N
 *
 * "peer" is where the peer's packets came from (on failure, the endpoint
 * the server gave, or "-"), "self" our external endpoint as the server saw
 * it, "learned" the peer's endpoint as the server saw it.
 * first_punch_to_first_rx_ms is the time from our first punch (UDP
 * datagram or TCP connect()) to the first packet from the peer (UDP) or
 * the established connection (TCP).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "common.h"

#define REG_INTERVAL_MS		200
#define TCP_ATTEMPT_MS		500
#define TCP_FAST_RETRIES	200

static struct {
	struct sockaddr_in server;
	struct sockaddr_in local;
	const char *id, *peer;
	bool tcp;
	long long timeout_ms;
	int interval_ms;
	int linger_ms;
	bool verbose;
} opt = {
	.timeout_ms = 10000,
	.interval_ms = 50,
	.linger_ms = 500,
};

static struct {
	long long start, deadline;
	bool learned_ok, self_ok, heard;
	struct sockaddr_in learned;	/* the peer as the server saw it */
	struct sockaddr_in self;	/* us as the server saw us */
	struct sockaddr_in from;	/* where the peer's packets came from */
	long long t_first_punch, t_first_rx;
	unsigned int sent, received;
} st;

static void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void vlog(const char *fmt, ...)
{
	char line[MSG_MAX * 2];
	va_list ap;
	int n;

	if (!opt.verbose)
		return;
	n = snprintf(line, sizeof(line), "punch %s +%lldms: ", opt.id,
		     mono_ms() - st.start);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	/* one write per line: two clients may share a terminal */
	fprintf(stderr, "%s\n", line);
}

static const char *ep_or_dash(bool ok, const struct sockaddr_in *sin,
			      char *buf, size_t len)
{
	if (!ok)
		return "-";
	return ep_str(sin, buf, len);
}

static int report_ok(void)
{
	char a[EP_STRLEN], b[EP_STRLEN], c[EP_STRLEN];
	long long ms = st.t_first_rx - st.t_first_punch;

	if (ms < 0)
		ms = 0;
	printf("punch ok peer %s first_punch_to_first_rx_ms %lld proto %s self %s learned %s sent %u received %u\n",
	       ep_str(&st.from, a, sizeof(a)), ms, opt.tcp ? "tcp" : "udp",
	       ep_or_dash(st.self_ok, &st.self, b, sizeof(b)),
	       ep_or_dash(st.learned_ok, &st.learned, c, sizeof(c)),
	       st.sent, st.received);
	return 0;
}

static int report_fail(const char *why)
{
	char a[EP_STRLEN], b[EP_STRLEN], c[EP_STRLEN];

	printf("punch fail peer %s reason %s proto %s self %s learned %s sent %u received %u\n",
	       ep_or_dash(st.learned_ok || st.heard,
			  st.heard ? &st.from : &st.learned, a, sizeof(a)),
	       why, opt.tcp ? "tcp" : "udp",
	       ep_or_dash(st.self_ok, &st.self, b, sizeof(b)),
	       ep_or_dash(st.learned_ok, &st.learned, c, sizeof(c)),
	       st.sent, st.received);
	return 1;
}

/*
 * A line from the server: "WAIT YOU ep" or "PEER id ep YOU ep". Returns
 * true when it told us the peer's endpoint.
 */
static bool server_line(const char *line)
{
	char id[ID_MAX + 2], peer_ep[64], self_ep[64];
	struct sockaddr_in sin;

	if (sscanf(line, "WAIT YOU %63s", self_ep) == 1) {
		if (parse_endpoint(self_ep, &sin, true)) {
			st.self = sin;
			st.self_ok = true;
		}
		return false;
	}
	if (sscanf(line, "PEER %33s %63s YOU %63s", id, peer_ep, self_ep) != 3 ||
	    strcmp(id, opt.peer) || !parse_endpoint(peer_ep, &sin, true)) {
		vlog("unexpected from the server: %s", line);
		return false;
	}
	if (!st.learned_ok)
		vlog("server: peer %s is at %s", id, peer_ep);
	st.learned = sin;
	st.learned_ok = true;
	if (parse_endpoint(self_ep, &sin, true)) {
		st.self = sin;
		st.self_ok = true;
	}
	return true;
}

static int reuse_socket(int type)
{
	int fd, one = 1;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&opt.local, sizeof(opt.local))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int wait_ms(long long until)
{
	long long left = until - mono_ms();

	if (left < 0)
		return 0;
	return left > 1000000 ? 1000000 : (int)left;
}

/* --- UDP ------------------------------------------------------------------ */

struct udp_state {
	int fd;
	int mine;		/* 0 deaf, 1 hear the peer, 2 done */
	bool peer_done;
	unsigned int seq;
};

static void udp_punch(struct udp_state *u)
{
	const struct sockaddr_in *to = st.heard ? &st.from : &st.learned;
	char msg[MSG_MAX];
	int n;

	n = snprintf(msg, sizeof(msg), "PUNCH %s %s %d %u", opt.id, opt.peer,
		     u->mine, u->seq++);
	if (sendto(u->fd, msg, n, 0, (const struct sockaddr *)to,
		   sizeof(*to)) < 0) {
		vlog("sendto: %s", strerror(errno));
		return;
	}
	if (!st.sent++)
		st.t_first_punch = mono_ms();
}

static void udp_datagram(struct udp_state *u, char *buf,
			 const struct sockaddr_in *from)
{
	char f[ID_MAX + 2], t[ID_MAX + 2], a[EP_STRLEN];
	int state, before = u->mine;
	unsigned int seq;

	if (same_ep(from, &opt.server)) {
		bool first = !st.learned_ok;

		if (server_line(buf) && first && !st.heard)
			udp_punch(u);
		return;
	}
	if (sscanf(buf, "PUNCH %33s %33s %d %u", f, t, &state, &seq) != 4 ||
	    strcmp(f, opt.peer) || strcmp(t, opt.id)) {
		vlog("stray datagram from %s", ep_str(from, a, sizeof(a)));
		return;
	}
	st.received++;
	if (!st.heard) {
		st.heard = true;
		st.t_first_rx = mono_ms();
		st.from = *from;
		vlog("first punch from the peer, from %s (state %d)",
		     ep_str(from, a, sizeof(a)), state);
		u->mine = 1;
	}
	if (state >= 1 && u->mine < 2) {
		u->mine = 2;
		vlog("the peer hears us: done");
	}
	if (state == 2)
		u->peer_done = true;
	/* Say what changed at once rather than at the next tick. */
	if (u->mine != before || state < u->mine)
		udp_punch(u);
}

static int run_udp(void)
{
	struct udp_state u = { .fd = -1 };
	long long next_reg, next_punch = 0, done_at = 0;
	char buf[MSG_MAX];

	u.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u.fd < 0 || bind(u.fd, (struct sockaddr *)&opt.local,
			     sizeof(opt.local))) {
		fprintf(stderr, "punch: udp socket on port %u: %s\n",
			ntohs(opt.local.sin_port), strerror(errno));
		return report_fail("socket");
	}
	next_reg = st.start;

	for (;;) {
		long long now = mono_ms(), until;
		struct pollfd pfd = { .fd = u.fd, .events = POLLIN };

		if (u.mine == 2) {
			if (!done_at)
				done_at = now;
			if (u.peer_done || now >= done_at + opt.linger_ms)
				break;
		} else if (now >= st.deadline) {
			break;
		}
		if (!st.learned_ok && !st.heard && now >= next_reg) {
			int n = snprintf(buf, sizeof(buf), "REG %s %s",
					 opt.id, opt.peer);

			if (sendto(u.fd, buf, n, 0,
				   (struct sockaddr *)&opt.server,
				   sizeof(opt.server)) < 0)
				vlog("sendto server: %s", strerror(errno));
			next_reg = now + REG_INTERVAL_MS;
		}
		if ((st.learned_ok || st.heard) && now >= next_punch) {
			udp_punch(&u);
			next_punch = now + opt.interval_ms;
		}

		until = st.deadline;
		if (u.mine == 2)
			until = done_at + opt.linger_ms;
		if (!st.learned_ok && !st.heard && next_reg < until)
			until = next_reg;
		if ((st.learned_ok || st.heard) && next_punch < until)
			until = next_punch;
		if (poll(&pfd, 1, wait_ms(until)) < 0 && errno != EINTR) {
			perror("punch: poll");
			return report_fail("poll");
		}
		for (;;) {
			struct sockaddr_in from;
			socklen_t flen = sizeof(from);
			ssize_t n = recvfrom(u.fd, buf, sizeof(buf) - 1, 0,
					     (struct sockaddr *)&from, &flen);

			if (n < 0)
				break;
			buf[n] = '\0';
			udp_datagram(&u, buf, &from);
		}
	}

	if (u.mine == 2)
		return report_ok();
	if (!st.learned_ok && !st.heard)
		return report_fail("no-rendezvous");
	if (!st.heard)
		return report_fail("nothing-from-peer");
	return report_fail("no-ack-from-peer");
}

/* --- TCP ------------------------------------------------------------------ */

/* Wait for a non-blocking connect() on @fd until @until; 0 or an errno. */
static int tcp_wait_connected(int fd, long long until)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0, r;

	do {
		r = poll(&pfd, 1, wait_ms(until));
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return ETIMEDOUT;
	if (r < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

/*
 * Read one "\n"-terminated line from @fd into @buf before @until;
 * @have bytes are already in @buf. Returns the line's length (the rest
 * stays in @buf after it), or -1.
 */
static int tcp_line(int fd, char *buf, size_t len, size_t *have,
		    long long until)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char *nl;
		ssize_t n;

		buf[*have] = '\0';
		nl = strchr(buf, '\n');
		if (nl) {
			*nl = '\0';
			if (nl > buf && nl[-1] == '\r')
				nl[-1] = '\0';
			return (int)(nl - buf);
		}
		if (*have >= len - 1)
			return -1;
		if (poll(&pfd, 1, wait_ms(until)) <= 0)
			return -1;
		n = recv(fd, buf + *have, len - 1 - *have, 0);
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
			return -1;
		if (n > 0)
			*have += n;
	}
}

/* Drop the line tcp_line() returned (@linelen: the index of its "\n"). */
static void tcp_consume(char *buf, size_t *have, int linelen)
{
	size_t used = (size_t)linelen + 1;

	if (used > *have)
		used = *have;
	*have -= used;
	memmove(buf, buf + used, *have);
}

static int run_tcp(void)
{
	char buf[MSG_MAX], a[EP_STRLEN];
	size_t have = 0;
	int s0, s = -1, err, n;
	unsigned int refused = 0, timedout = 0;

	s0 = reuse_socket(SOCK_STREAM);
	if (s0 < 0) {
		fprintf(stderr, "punch: tcp socket on port %u: %s\n",
			ntohs(opt.local.sin_port), strerror(errno));
		return report_fail("socket");
	}
	if (connect(s0, (struct sockaddr *)&opt.server, sizeof(opt.server)) &&
	    errno != EINPROGRESS) {
		vlog("connect to the server: %s", strerror(errno));
		return report_fail("no-rendezvous");
	}
	err = tcp_wait_connected(s0, st.deadline);
	if (err) {
		vlog("connect to the server: %s", strerror(err));
		return report_fail("no-rendezvous");
	}
	n = snprintf(buf, sizeof(buf), "REG %s %s\n", opt.id, opt.peer);
	if (send(s0, buf, n, MSG_NOSIGNAL) != n)
		return report_fail("no-rendezvous");
	while (!st.learned_ok) {
		n = tcp_line(s0, buf, sizeof(buf), &have, st.deadline);
		if (n < 0)
			return report_fail("no-rendezvous");
		server_line(buf);
		tcp_consume(buf, &have, n);
	}

	/*
	 * Simultaneous open. The connection to the server stays open: it
	 * holds the NAT mapping the peer was told about.
	 */
	st.t_first_punch = mono_ms();
	for (;;) {
		long long now = mono_ms(), until;

		if (now >= st.deadline)
			break;
		s = reuse_socket(SOCK_STREAM);
		if (s < 0) {
			vlog("socket: %s", strerror(errno));
			return report_fail("socket");
		}
		st.sent++;
		if (connect(s, (struct sockaddr *)&st.learned,
			    sizeof(st.learned)) && errno != EINPROGRESS) {
			err = errno;
		} else {
			until = now + TCP_ATTEMPT_MS;
			if (until > st.deadline)
				until = st.deadline;
			err = tcp_wait_connected(s, until);
		}
		if (!err)
			break;
		if (err == ECONNREFUSED)
			refused++;
		else if (err == ETIMEDOUT)
			timedout++;
		vlog("connect attempt %u: %s", st.sent, strerror(err));
		close(s);
		s = -1;
		/*
		 * A reset means the peer's host saw our SYN while it had no
		 * socket in SYN_SENT for us (its own attempt had just been
		 * reset too, or not begun). Try again at once: a pause here
		 * is a window in which the peer's SYN meets no socket and is
		 * reset in turn, and two peers pausing alike can keep
		 * resetting each other for good. Only a peer that resets
		 * again and again is paced.
		 */
		if (st.sent > TCP_FAST_RETRIES &&
		    mono_ms() - now < opt.interval_ms) {
			struct pollfd none = { .fd = -1 };

			poll(&none, 1, wait_ms(now + opt.interval_ms));
		}
	}
	if (s < 0) {
		vlog("%u attempts: %u refused, %u timed out", st.sent, refused,
		     timedout);
		return report_fail(refused ? "connect-refused" : "connect-timeout");
	}
	st.t_first_rx = mono_ms();
	st.heard = true;
	{
		socklen_t flen = sizeof(st.from);

		if (getpeername(s, (struct sockaddr *)&st.from, &flen))
			st.from = st.learned;
	}
	vlog("connected to %s after %u attempts", ep_str(&st.from, a, sizeof(a)),
	     st.sent);

	n = snprintf(buf, sizeof(buf), "HELLO %s\n", opt.id);
	if (send(s, buf, n, MSG_NOSIGNAL) != n)
		return report_fail("hello-send");
	have = 0;
	/* The peer's HELLO: a little grace past the deadline, since it may
	 * have connected a moment after us. */
	n = tcp_line(s, buf, sizeof(buf), &have,
		     (st.deadline > mono_ms() ? st.deadline : mono_ms()) + 1000);
	if (n < 0)
		return report_fail("no-hello-from-peer");
	{
		char who[ID_MAX + 2];

		if (sscanf(buf, "HELLO %33s", who) != 1 || strcmp(who, opt.peer)) {
			vlog("not the peer's hello: %s", buf);
			return report_fail("wrong-hello");
		}
	}
	st.received = 1;
	close(s);
	close(s0);
	return report_ok();
}

/* --- main ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: punch --server ADDR:PORT --id ID --peer ID --proto udp|tcp\n"
		"             --local-port PORT [--bind ADDR] [--timeout SECS]\n"
		"             [--interval MS] [--linger MS] [--netns NAME] [--verbose]\n"
		"  register with the rendezvous server, learn the peer's external\n"
		"  endpoint and punch a hole to it; prints \"punch ok ...\" and\n"
		"  exits 0, or prints \"punch fail ...\" and exits 1\n");
}

static long parse_num(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "id", required_argument, NULL, 'i' },
		{ "peer", required_argument, NULL, 'P' },
		{ "proto", required_argument, NULL, 'x' },
		{ "local-port", required_argument, NULL, 'l' },
		{ "bind", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'I' },
		{ "linger", required_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "netns", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_server = false, have_proto = false;
	int port = -1, o, li = -1;
	double secs;
	char *end;

	opt.local.sin_family = AF_INET;
	while ((o = getopt_long(argc, argv, "vh", opts, &li)) != -1) {
		switch (o) {
		case 's':
			have_server = parse_endpoint(optarg, &opt.server, true);
			if (!have_server)
				goto bad;
			break;
		case 'i':
			opt.id = optarg;
			break;
		case 'P':
			opt.peer = optarg;
			break;
		case 'x':
			if (!strcmp(optarg, "udp"))
				opt.tcp = false;
			else if (!strcmp(optarg, "tcp"))
				opt.tcp = true;
			else
				goto bad;
			have_proto = true;
			break;
		case 'l':
			port = parse_port(optarg);
			if (port < 0)
				goto bad;
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &opt.local.sin_addr) != 1)
				goto bad;
			break;
		case 't':
			secs = strtod(optarg, &end);
			if (!*optarg || *end || !(secs > 0 && secs <= 86400))
				goto bad;
			opt.timeout_ms = (long long)(secs * 1000);
			break;
		case 'I':
			opt.interval_ms = (int)parse_num(optarg, 1, 10000);
			if (opt.interval_ms < 0)
				goto bad;
			break;
		case 'L':
			opt.linger_ms = (int)parse_num(optarg, 0, 60000);
			if (opt.linger_ms < 0)
				goto bad;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'N':
			if (enter_netns(optarg)) {
				fprintf(stderr, "punch: network namespace %s: %s\n",
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
	if (optind != argc || !have_server || !have_proto || port < 0 ||
	    !opt.id || !opt.peer || !valid_id(opt.id) || !valid_id(opt.peer) ||
	    !strcmp(opt.id, opt.peer)) {
		fprintf(stderr, "punch: --server, --id, --peer (two different ids of [A-Za-z0-9._-]), --proto and --local-port are required\n");
		usage(stderr);
		return 2;
	}
	opt.local.sin_port = htons((unsigned short)port);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	st.start = mono_ms();
	st.deadline = st.start + opt.timeout_ms;
	return opt.tcp ? run_tcp() : run_udp();

bad:
	fprintf(stderr, "punch: bad value for --%s: %s\n",
		li >= 0 ? opts[li].name : "?", optarg);
	usage(stderr);
	return 2;
}
