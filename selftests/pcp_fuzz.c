// SPDX-License-Identifier: GPL-2.0
/*
 * pcp_fuzz: a fuzzer for a PCP (RFC 6887) and NAT-PMP (RFC 6886) server on
 * UDP 5351 (conenat-pcpd). Written from the RFCs; it shares no code with the
 * server's codec (userspace/pcp_wire.c, natpmp_wire.c).
 *
 *   pcp_fuzz -s SERVER [-p PORT] [-n COUNT] [--seed N] [--probe-every K]
 *            [--pps RATE] [--client ADDR]
 *
 * It sends COUNT (100000) packets to SERVER:PORT (5351), at most RATE
 * (5000, 0 = no limit) a second, from one socket whose answers it drains
 * and discards. Each is a template (NAT-PMP external address or UDP/TCP
 * mapping request; PCP ANNOUNCE, MAP with or without options, PEER; or
 * 0..1200 random octets) mutated at random. The PCP Client's IP Address
 * field is ADDR, by default the address the kernel picks to reach SERVER.
 *
 * Every packet is invalid: a correct server creates, changes or deletes no
 * mapping for it. could_be_valid() says, erring towards yes, whether a
 * server could take a packet as a mapping request; a packet it accepts gets
 * one more deliberate corruption (version, R bit, opcode, length, client
 * address) until it does not. Information requests (NAT-PMP opcode 0, PCP
 * ANNOUNCE) are sent as they are.
 *
 * Every K-th packet (500, 0 = none) is a valid probe instead, sent from a
 * second socket: alternately a NAT-PMP external address request and a PCP
 * ANNOUNCE. It waits up to 2000 ms for its answer, once (no retry).
 *
 * Output, one line: "sent N probes P answered A seed S" (N counts the
 * probes). Exit: 0 every probe answered, 1 not, 2 usage or system error.
 *
 * conenat-pcpd's per-host rate limit also counts the information requests
 * among the fuzz (about 15% of them): give it a "rate" above the packet
 * rate, or it drops the probes too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PKT		1200	/* never send more */
#define NPMP_MAP_LEN	12	/* NAT-PMP mapping request */
#define HDR		24	/* PCP common header */
#define MAP_END		(HDR + 36)	/* PCP MAP, end of opcode data */
#define PEER_END	(HDR + 56)	/* PCP PEER, end of opcode data */
#define OPT_THIRD_PARTY	1
#define OPT_PREFER_FAIL	2
#define OPT_FILTER	3
#define PROBE_WAIT_MS	2000
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* interesting values */
static const uint32_t ports[] = { 0, 1, 80, 5351, 65535 };
static const uint32_t lifetimes[] = { 0, 1, 120, 3600, 0x7fffffff, ~0U };
static const uint8_t protocols[] = { 0, 6, 17, 132, 255 };
static const uint8_t map_options[] = {
	OPT_THIRD_PARTY, OPT_PREFER_FAIL, OPT_FILTER, OPT_FILTER
};

static uint64_t rng;
static struct in6_addr src;		/* our address, the server sees it */
static struct in6_addr client;		/* the Client's IP Address we write */
static struct in6_addr bogus;		/* ::ffff:192.0.2.77 */

static void die(const char *what)
{
	fprintf(stderr, "pcp_fuzz: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* xorshift64* */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* 0..n-1 */
static uint32_t rndn(uint32_t n)
{
	return n ? (uint32_t)((rnd() >> 32) % n) : 0;
}

/* a splitmix64 step: any seed, 0 too, gives a nonzero state */
static void seed_rng(uint64_t seed)
{
	rng = (seed + 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
	rng = ((rng ^ (rng >> 27)) * 0x94d049bb133111ebULL) | 1;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = rnd();
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* half the time one of the n interesting values, else any */
static uint32_t pick(const uint32_t *v, uint32_t n)
{
	return rndn(2) ? v[rndn(n)] : (uint32_t)rnd();
}

#define rnd_port()	pick(ports, ARRAY_SIZE(ports))
#define rnd_lifetime()	pick(lifetimes, ARRAY_SIZE(lifetimes))

/* an address field: zero, ours, IPv4-mapped or any */
static void rnd_addr(uint8_t *p)
{
	uint32_t k = rndn(4);

	rnd_bytes(p, 16);
	if (k == 0)
		memset(p, 0, 16);
	else if (k == 1)
		memcpy(p, &client, 16);
	else if (k == 2)
		memcpy(p, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
}

/* whether the server may see a as our address (--client: maybe too) */
static bool is_source(const uint8_t *a)
{
	return !memcmp(a, &src, 16) || !memcmp(a, &client, 16);
}

/*
 * could_be_valid() - whether a correct server could act on a packet as a
 * mapping request (create, renew or delete). Errs towards true: it ignores
 * lifetimes, ports, protocols, options and the upper length limit.
 */
static bool could_be_valid(const uint8_t *b, size_t len)
{
	if (len < 2)
		return false;
	if (b[0] == 0)		/* NAT-PMP; a response opcode too, to be safe */
		return ((b[1] & 0x7f) == 1 || (b[1] & 0x7f) == 2) &&
		       len >= NPMP_MAP_LEN;
	if (b[0] != 2)		/* no version other than 0 and 2 */
		return false;
	if (b[1] != 1 && b[1] != 2)	/* R bit, ANNOUNCE, unknown opcodes */
		return false;
	if (len < MAP_END || len % 4)
		return false;
	return is_source(b + 8);	/* else ADDRESS_MISMATCH */
}

static size_t pcp_header(uint8_t *b, uint8_t op, uint32_t lifetime)
{
	memset(b, 0, HDR);
	b[0] = 2;
	b[1] = op;
	put32(b + 4, lifetime);
	memcpy(b + 8, &client, 16);
	return HDR;
}

/* Append a well-formed option; returns the new length. */
static size_t add_option(uint8_t *b, size_t len, uint8_t code)
{
	size_t olen = code == OPT_THIRD_PARTY ? 16 :
		      code == OPT_PREFER_FAIL ? 0 : 20;
	uint8_t *p = b + len + 4;

	if (len + 4 + olen > MAX_PKT)
		return len;
	b[len] = code;
	b[len + 1] = 0;
	put16(b + len + 2, olen);
	if (code == OPT_THIRD_PARTY) {
		rnd_addr(p);
	} else if (code == OPT_FILTER) {
		p[0] = 0;
		p[1] = rndn(2) ? 96 + rndn(33) : rnd();	/* prefix length */
		put16(p + 2, rnd_port());
		rnd_addr(p + 4);
	}
	return len + 4 + olen;
}

/* A template into b; *opt is where its options start (0: none). */
static size_t template(uint8_t *b, size_t *opt)
{
	uint32_t k = rndn(7), n;
	size_t len;

	*opt = 0;
	switch (k) {
	case 0:			/* NAT-PMP external address */
		b[0] = b[1] = 0;
		return 2;
	case 1:			/* NAT-PMP map UDP, TCP */
	case 2:
		b[0] = 0;
		b[1] = k;
		put16(b + 2, 0);
		put16(b + 4, rnd_port());
		put16(b + 6, rnd_port());
		put32(b + 8, rnd_lifetime());
		return NPMP_MAP_LEN;
	case 3:			/* PCP ANNOUNCE */
		return pcp_header(b, 0, rndn(4) ? 0 : rnd_lifetime());
	case 4:			/* PCP MAP with 0..3 options, PEER with 0..1 */
	case 5:
		pcp_header(b, k - 3, rnd_lifetime());
		rnd_bytes(b + HDR, 12);			/* nonce */
		memset(b + HDR + 12, 0, 4);
		b[HDR + 12] = protocols[rndn(ARRAY_SIZE(protocols))];
		put16(b + HDR + 16, rnd_port());	/* internal */
		put16(b + HDR + 18, rnd_port());	/* suggested external */
		rnd_addr(b + HDR + 20);
		len = *opt = MAP_END;
		if (k == 5) {
			put16(b + HDR + 36, rnd_port());	/* remote peer */
			put16(b + HDR + 38, 0);
			rnd_addr(b + HDR + 40);
			len = *opt = PEER_END;
		}
		for (n = rndn(k == 4 ? 4 : 2); n; n--)
			len = add_option(b, len, k == 5 ? OPT_THIRD_PARTY :
					 map_options[rndn(4)]);
		return len;
	default:		/* random octets, often with a known version */
		len = rndn(MAX_PKT + 1);
		rnd_bytes(b, len);
		if (len && rndn(2))
			b[0] = rndn(2) * 2;
		return len;
	}
}

/* Up to 16 option offsets of b from opt on, following the length fields. */
static int options(const uint8_t *b, size_t len, size_t opt, size_t *at)
{
	int n = 0;

	while (opt && opt + 4 <= len && n < 16) {
		at[n++] = opt;
		opt += 4 + ((b[opt + 2] << 8 | b[opt + 3]) + 3) / 4 * 4;
	}
	return n;
}

static void mutate(uint8_t *b, size_t *len, size_t opt)
{
	static const uint8_t edge[] = { 0x00, 0x7f, 0x80, 0xff };
	static const uint16_t olens[] = { 0, 1, 3, 4, 15, 16, 17, 20, 0xffff };
	static const size_t sizes[] = { 2, 4, 16 };
	uint8_t tmp[16], tmp2[16];
	size_t at[16], n, o, sz, x, y;
	int k;

	switch (rndn(8)) {
	case 0:			/* bit flip */
		if (*len)
			b[rndn(*len)] ^= 1 << rndn(8);
		break;
	case 1:			/* an octet to a boundary value */
		if (*len)
			b[rndn(*len)] = edge[rndn(4)];
		break;
	case 2:			/* truncation */
		*len = rndn(*len + 1);
		break;
	case 3:			/* extension with random octets */
		n = 1 + rndn(rndn(4) ? 64 : MAX_PKT);
		if (n > MAX_PKT - *len)
			n = MAX_PKT - *len;
		rnd_bytes(b + *len, n);
		*len += n;
		break;
	case 4:			/* option insertion, length field anything */
		o = opt && opt <= *len && rndn(2) ? opt : *len;
		n = rndn(2) ? olens[rndn(9)] : rndn(64);
		sz = 4 + (n < 64 ? n : 64);
		if (*len + sz > MAX_PKT)
			break;
		memmove(b + o + sz, b + o, *len - o);
		b[o] = rndn(2) ? 1 + rndn(3) : rnd();
		b[o + 1] = rndn(4) ? 0 : rnd();
		put16(b + o + 2, n);
		rnd_bytes(b + o + 4, sz - 4);
		*len += sz;
		break;
	case 5:			/* option duplication */
		k = options(b, *len, opt, at);
		if (!k)
			break;
		o = at[rndn(k)];
		sz = 4 + (b[o + 2] << 8 | b[o + 3]);
		if (o + sz > *len || *len + sz > MAX_PKT)
			break;
		memcpy(b + *len, b + o, sz);
		*len += sz;
		break;
	case 6:			/* option length corruption */
		k = options(b, *len, opt, at);
		if (k)
			put16(b + at[rndn(k)] + 2,
			      rndn(2) ? olens[rndn(9)] : rnd());
		break;
	default:		/* swap two fields of 2, 4 or 16 octets */
		sz = sizes[rndn(3)];
		if (*len < sz)
			break;
		x = rndn((*len - sz) / 2 + 1) * 2;
		y = rndn((*len - sz) / 2 + 1) * 2;
		memcpy(tmp, b + x, sz);
		memcpy(tmp2, b + y, sz);
		memcpy(b + y, tmp, sz);
		memcpy(b + x, tmp2, sz);
	}
}

/* One more corruption until could_be_valid() says no. */
static void make_invalid(uint8_t *b, size_t *len)
{
	static const uint8_t versions[] = { 1, 3, 255 };
	int tries;

	for (tries = 0; could_be_valid(b, *len); tries++) {
		if (tries >= 8) {	/* cannot happen; never loop forever */
			b[0] = 1;
			continue;
		}
		switch (rndn(b[0] == 2 ? 5 : 3)) {
		case 0:		/* version: never 0 or 2 */
			b[0] = rndn(2) ? versions[rndn(3)] : 3 + rndn(253);
			break;
		case 1:		/* opcode 3..127 */
			b[1] = 3 + rndn(125);
			break;
		case 2:		/* below the minimum length */
			*len = rndn(b[0] == 2 ? MAP_END : NPMP_MAP_LEN);
			break;
		case 3:		/* a response */
			b[1] |= 0x80;
			break;
		default:	/* ADDRESS_MISMATCH */
			memcpy(b + 8, &bogus, 16);
		}
	}
}

/* One invalid packet into b (MAX_PKT octets); returns its length. */
static size_t fuzz_packet(uint8_t *b)
{
	size_t len, opt;
	uint32_t n;

	len = template(b, &opt);
	for (n = rndn(5); n; n--)
		mutate(b, &len, opt);
	make_invalid(b, &len);
	return len;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void xsend(int fd, const void *b, size_t len)
{
	int tries;

	/* a pending ICMP error fails one send; ENOBUFS passes */
	for (tries = 0; tries < 1000; tries++) {
		if (send(fd, b, len, 0) == (ssize_t)len)
			return;
		if (errno == ENOBUFS || errno == EAGAIN)
			usleep(100);
		else if (errno != ECONNREFUSED && errno != EINTR)
			break;
	}
	die("send");
}

static void drain(int fd)
{
	uint8_t buf[16];

	/* truncated reads discard whole datagrams; errors clear sk_err */
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 ||
	       errno == ECONNREFUSED || errno == EINTR)
		;
}

/* A valid probe; returns 1 if answered within PROBE_WAIT_MS. */
static int probe(int fd, bool natpmp)
{
	uint8_t q[HDR], a[1500];
	uint64_t end;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t r;
	int ms;

	drain(fd);
	if (natpmp) {
		q[0] = q[1] = 0;
		xsend(fd, q, 2);
	} else {
		xsend(fd, q, pcp_header(q, 0, 0));
	}
	end = now_ns() + PROBE_WAIT_MS * 1000000ULL;
	for (;;) {
		ms = ((int64_t)(end - now_ns()) + 999999) / 1000000;
		if (ms <= 0 || poll(&pfd, 1, ms) == 0)
			return 0;
		r = recv(fd, a, sizeof(a), MSG_DONTWAIT);
		if (r < 0 && errno == ECONNREFUSED)
			return 0;
		if (natpmp && r >= 8 && a[0] == 0 && a[1] == 128)
			return 1;
		if (!natpmp && r >= HDR && a[0] == 2 && a[1] == 0x80)
			return 1;
	}
}

static void usage_error(const char *word)
{
	if (word)
		fprintf(stderr, "pcp_fuzz: bad argument \"%s\"\n", word);
	fprintf(stderr, "usage: pcp_fuzz -s SERVER [-p 5351] [-n COUNT] [--seed N] [--probe-every K] [--pps RATE] [--client ADDR]\n");
	exit(2);
}

static uint64_t number(const char *s, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!*s || *s == '-' || *end || errno || v > max)
		usage_error(s);
	return v;
}

/* IPv4 as IPv4-mapped IPv6, or IPv6 */
static bool parse_addr(const char *s, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[10] = a->s6_addr[11] = 0xff;
	return inet_pton(AF_INET, s, &a->s6_addr[12]) == 1 ||
	       inet_pton(AF_INET6, s, a) == 1;
}

/* A socket connected to the server; *local: its address, as PCP has it */
static int open_socket(const struct addrinfo *ai, struct in6_addr *local)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, sz = 1 << 20;

	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("connect");
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		die("getsockname");
	parse_addr("0.0.0.0", local);
	if (ss.ss_family == AF_INET)
		memcpy(&local->s6_addr[12],
		       &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		*local = ((struct sockaddr_in6 *)&ss)->sin6_addr;
	return fd;
}

/* Wait for the next send time: at most one packet per interval ns. */
static void pace(uint64_t interval)
{
	static uint64_t next;
	struct timespec ts;
	uint64_t t = now_ns();

	if (t < next) {
		ts.tv_sec = next / 1000000000ULL;
		ts.tv_nsec = next % 1000000000ULL;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
	} else if (t - next > interval) {
		next = t;	/* late: start afresh, no catching up */
	}
	next += interval;
}

int main(int argc, char **argv)
{
	const char *server = NULL, *port = "5351", *seed_arg = NULL;
	const char *client_arg = NULL, *o, *v;
	char portbuf[8];
	uint64_t count = 100000, every = 500, pps = 5000, seed, i;
	uint64_t probes = 0, answered = 0;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	struct in6_addr probe_local;
	uint8_t buf[MAX_PKT];
	int a, fd, pfd;

	for (a = 1; a < argc; a += 2) {
		o = argv[a];
		v = argv[a + 1];
		if (!v)
			usage_error(o);
		if (!strcmp(o, "-s"))
			server = v;
		else if (!strcmp(o, "-p"))
			port = v;
		else if (!strcmp(o, "-n"))
			count = number(v, UINT64_MAX);
		else if (!strcmp(o, "--seed"))
			seed_arg = v;
		else if (!strcmp(o, "--probe-every"))
			every = number(v, UINT64_MAX);
		else if (!strcmp(o, "--pps"))
			pps = number(v, 1000000000);
		else if (!strcmp(o, "--client"))
			client_arg = v;
		else
			usage_error(o);
	}
	if (!server) {
		fprintf(stderr, "pcp_fuzz: -s SERVER is missing\n");
		usage_error(NULL);
	}
	snprintf(portbuf, sizeof(portbuf), "%u",
		 (unsigned int)number(port, 65535));
	if (client_arg && !parse_addr(client_arg, &client))
		usage_error(client_arg);
	if (getaddrinfo(server, portbuf, &hints, &ai)) {
		fprintf(stderr, "pcp_fuzz: bad server \"%s\"\n", server);
		exit(2);
	}
	if (seed_arg)
		seed = number(seed_arg, UINT64_MAX);
	else
		seed = (uint64_t)time(NULL) << 20 ^ getpid() ^ now_ns();
	seed_rng(seed);

	fd = open_socket(ai, &src);
	pfd = open_socket(ai, &probe_local);
	freeaddrinfo(ai);
	if (!client_arg)
		client = src;
	parse_addr("192.0.2.77", &bogus);	/* make_invalid() checks it */

	for (i = 1; i <= count; i++) {
		if (pps)
			pace(1000000000ULL / pps);
		if (every && i % every == 0) {
			answered += probe(pfd, probes++ % 2 == 0);
		} else {
			xsend(fd, buf, fuzz_packet(buf));
			drain(fd);
		}
	}
	printf("sent %llu probes %llu answered %llu seed %llu\n",
	       (unsigned long long)count, (unsigned long long)probes,
	       (unsigned long long)answered, (unsigned long long)seed);
	return answered == probes ? 0 : 1;
}
