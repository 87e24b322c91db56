// SPDX-License-Identifier: GPL-2.0
/*
 * pcpc: a small PCP (RFC 6887) client for the tests. It sends exactly one
 * request (no retransmission, RFC 6887 section 8.1.1 is not wanted here),
 * waits for the answer up to a timeout and prints it on one line. It is
 * written from the RFC alone and shares no code with the server's codec
 * (userspace/pcp_wire.c), so that the one cannot hide the other's bugs.
 *
 *   pcpc [-v] [-s SERVER] [-p PORT] [-c CLIENT_ADDR] [-t TIMEOUT_MS]
 *        [-n NONCE_HEX24] COMMAND ...
 *
 * SERVER defaults to the default gateway (/proc/net/route), PORT to 5351,
 * CLIENT_ADDR (the PCP Client's IP Address field) to the address the kernel
 * picks to reach SERVER, TIMEOUT_MS to 2000, the nonce to 12 random octets.
 * listen binds 0.0.0.0:5350 and joins 224.0.0.1 on every interface.
 *
 *   map udp|tcp|PROTO INTERNAL_PORT [suggest ADDR:PORT] [lifetime SECONDS]
 *       [filter ADDR[/PREFIXLEN]:PORT]... [prefer-failure]
 *       [third-party ADDR]
 *   peer udp|tcp|PROTO INTERNAL_PORT REMOTE_ADDR:REMOTE_PORT
 *       [suggest ADDR:PORT] [lifetime SECONDS]
 *   announce
 *   raw HEX
 *   listen [natpmp]
 *
 * Output: "result NAME lifetime N epoch N [external ADDR:PORT]" (external
 * only for a MAP or PEER SUCCESS; NAME from RFC 6887 section 7.4, a number
 * for an unknown code), with -v followed by "options C,C,..." (the option
 * codes of the response, "none" if it has none). raw prints the response in
 * hex. listen prints "result NAME lifetime N epoch N from ADDR" for the
 * first unsolicited PCP ANNOUNCE, or with natpmp "natpmp result N epoch N
 * external ADDR from ADDR" for the first NAT-PMP announcement.
 *
 * Exit: 0 a well-formed response (whatever its result), 1 usage error, 2
 * system error, 3 no response (printed "timeout", or "refused" after an
 * ICMP port unreachable), 4 a response that does not answer the request
 * ("mismatch FIELD").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PCP_PORT		5351
#define PCP_ANNOUNCE_PORT	5350
#define PCP_MAXLEN		1100
#define HDR_LEN			24
#define MAP_LEN			36
#define PEER_LEN		56
#define NONCE_LEN		12
#define RECV_LEN		(PCP_MAXLEN + 4)

#define OP_ANNOUNCE		0
#define OP_MAP			1
#define OP_PEER			2
#define R_BIT			0x80

#define OPT_THIRD_PARTY		1
#define OPT_PREFER_FAILURE	2
#define OPT_FILTER		3

#define EXIT_USAGE		1
#define EXIT_SYSTEM		2
#define EXIT_NORESPONSE		3
#define EXIT_MISMATCH		4

#define MAX_FILTERS	((PCP_MAXLEN - HDR_LEN - MAP_LEN - 20 - 4) / 24)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

struct filter {
	uint8_t plen;
	uint16_t port;
	uint8_t addr[16];
};

struct opts {
	bool verbose;
	bool have_server, have_client, have_nonce;
	struct sockaddr_storage server;
	uint16_t port;
	uint8_t client[16];
	int timeout_ms;
	uint8_t nonce[NONCE_LEN];
};

struct request {
	uint8_t opcode;
	uint8_t protocol;
	uint16_t internal_port;
	uint32_t lifetime;
	uint8_t sugg_addr[16];
	uint16_t sugg_port;
	bool have_sugg;
	uint8_t peer_addr[16];
	uint16_t peer_port;
	bool prefer_failure;
	bool have_third_party;
	uint8_t third_party[16];
	int nfilters;
	struct filter filters[MAX_FILTERS];
};

static const char *const result_names[] = {
	"SUCCESS", "UNSUPP_VERSION", "NOT_AUTHORIZED", "MALFORMED_REQUEST",
	"UNSUPP_OPCODE", "UNSUPP_OPTION", "MALFORMED_OPTION",
	"NETWORK_FAILURE", "NO_RESOURCES", "UNSUPP_PROTOCOL", "USER_EX_QUOTA",
	"CANNOT_PROVIDE_EXTERNAL", "ADDRESS_MISMATCH",
	"EXCESSIVE_REMOTE_PEERS",
};

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static void print_usage(void)
{
	fputs("usage: pcpc [-v] [-s SERVER] [-p PORT] [-c CLIENT_ADDR]\n"
	      "            [-t TIMEOUT_MS] [-n NONCE_HEX24] COMMAND\n"
	      "  map udp|tcp|PROTO INTERNAL_PORT [suggest ADDR:PORT] [lifetime SECONDS]\n"
	      "      [filter ADDR[/PREFIXLEN]:PORT]... [prefer-failure] [third-party ADDR]\n"
	      "  peer udp|tcp|PROTO INTERNAL_PORT REMOTE_ADDR:REMOTE_PORT [suggest ADDR:PORT]\n"
	      "      [lifetime SECONDS]\n"
	      "  announce\n"
	      "  raw HEX\n"
	      "  listen [natpmp]\n"
	      "An IPv4 filter's PREFIXLEN counts IPv4 bits (0..32, sent as 96 + N);\n"
	      "96..128 and IPv6 prefixes are sent as given; ::/0 sends prefix 0 (\"no filter\").\n",
	      stderr);
}

/* A usage error: say which word is wrong, show the usage, exit 1. */
static void __printf(1, 2) __noreturn bad(const char *fmt, ...)
{
	va_list ap;

	fputs("pcpc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage();
	exit(EXIT_USAGE);
}

static void __noreturn die(const char *what)
{
	fprintf(stderr, "pcpc: %s: %s\n", what, strerror(errno));
	exit(EXIT_SYSTEM);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static bool is_v4mapped(const uint8_t *a)
{
	return !memcmp(a, v4mapped_prefix, sizeof(v4mapped_prefix));
}

/* An unsigned decimal number no larger than max, the whole word. */
static bool parse_num(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* An IPv4 (stored IPv4-mapped) or IPv6 address into 16 octets. */
static bool parse_addr(const char *s, uint8_t out[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(out, v4mapped_prefix, sizeof(v4mapped_prefix));
		memcpy(out + 12, &a4, 4);
		return true;
	}
	return inet_pton(AF_INET6, s, out) == 1;
}

/*
 * ADDR:PORT, ADDR/PREFIX:PORT or [ADDR]:PORT (the port follows the last
 * colon). plen is NULL where no prefix is allowed; *plen is -1 when none
 * was given.
 */
static bool parse_endpoint(const char *s, uint8_t addr[16], uint16_t *port,
			   int *plen)
{
	char buf[INET6_ADDRSTRLEN + 16], *colon, *a, *slash;
	unsigned long v;
	size_t n;

	n = strlen(s);
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n + 1);
	colon = strrchr(buf, ':');
	if (!colon)
		return false;
	*colon = '\0';
	if (!parse_num(colon + 1, 65535, &v))
		return false;
	*port = (uint16_t)v;
	a = buf;
	if (plen) {
		*plen = -1;
		slash = strchr(a, '/');
		if (slash) {
			*slash = '\0';
			if (!parse_num(slash + 1, 128, &v))
				return false;
			*plen = (int)v;
		}
	}
	n = strlen(a);
	if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
		a[n - 1] = '\0';
		a++;
	}
	return parse_addr(a, addr);
}

static bool parse_proto(const char *s, uint8_t *proto)
{
	unsigned long v;

	if (!strcmp(s, "udp")) {
		*proto = IPPROTO_UDP;
		return true;
	}
	if (!strcmp(s, "tcp")) {
		*proto = IPPROTO_TCP;
		return true;
	}
	if (!parse_num(s, 255, &v))
		return false;
	*proto = (uint8_t)v;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits, two a byte; returns the byte count or -1. */
static long parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s), i;
	int hi, lo;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n; i += 2) {
		hi = hexval((unsigned char)s[i]);
		lo = hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

/* The default gateway of the main table, from /proc/net/route. */
static bool default_gateway(struct in_addr *gw)
{
	char line[256], ifname[64];
	unsigned long dest, gate, flags, mask;
	bool found = false;
	FILE *f;

	f = fopen("/proc/net/route", "r");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f)) {	/* the heading */
		fclose(f);
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lx %lx %lx %*d %*d %*d %lx", ifname,
			   &dest, &gate, &flags, &mask) != 5)
			continue;
		/* RTF_UP 0x1, RTF_GATEWAY 0x2; the value is as in memory */
		if (dest == 0 && mask == 0 && (flags & 0x3) == 0x3) {
			gw->s_addr = (uint32_t)gate;
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

static void random_nonce(uint8_t nonce[NONCE_LEN])
{
	size_t got = 0;
	ssize_t r;
	int fd;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("/dev/urandom");
	while (got < NONCE_LEN) {
		r = read(fd, nonce + got, NONCE_LEN - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("/dev/urandom");
		got += (size_t)r;
	}
	close(fd);
}

static int server_family(const struct opts *o)
{
	return o->server.ss_family;
}

/*
 * A UDP socket bound to a port the kernel picks and connected to the
 * server, so that only the server's answers reach it (RFC 6887 section
 * 8.2: the client checks the response's source).
 */
static int open_socket(struct opts *o)
{
	struct sockaddr_storage local;
	socklen_t len;
	int fd;

	fd = socket(server_family(o), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	memset(&local, 0, sizeof(local));
	local.ss_family = server_family(o);
	len = server_family(o) == AF_INET ? sizeof(struct sockaddr_in) :
					    sizeof(struct sockaddr_in6);
	if (bind(fd, (struct sockaddr *)&local, len) < 0)
		die("bind");
	if (connect(fd, (struct sockaddr *)&o->server, len) < 0)
		die("connect");
	if (!o->have_client) {
		len = sizeof(local);
		if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
			die("getsockname");
		if (local.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&local;

			memcpy(o->client, v4mapped_prefix,
			       sizeof(v4mapped_prefix));
			memcpy(o->client + 12, &s4->sin_addr, 4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&local;

			memcpy(o->client, &s6->sin6_addr, 16);
		}
	}
	return fd;
}

/*
 * Wait for one datagram up to timeout_ms. Returns its length, -1 on
 * timeout, -2 when the kernel reported the server's port unreachable.
 */
static long recv_one(int fd, uint8_t *buf, size_t cap, int timeout_ms,
		     struct sockaddr_storage *from)
{
	struct timespec start, now;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	socklen_t flen;
	long elapsed;
	ssize_t n;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 +
			  (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= timeout_ms)
			return -1;
		r = poll(&pfd, 1, (int)(timeout_ms - elapsed));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll");
		if (r == 0)
			return -1;
		flen = sizeof(*from);
		n = recvfrom(fd, buf, cap, MSG_TRUNC, (struct sockaddr *)from,
			     &flen);
		if (n < 0 && errno == ECONNREFUSED)
			return -2;
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			die("recv");
		return (long)n;
	}
}

static void __noreturn no_response(long r)
{
	puts(r == -2 ? "refused" : "timeout");
	exit(EXIT_NORESPONSE);
}

static void __noreturn report_mismatch(const char *field)
{
	printf("mismatch %s\n", field);
	exit(EXIT_MISMATCH);
}

static void print_result(uint8_t code)
{
	if (code < ARRAY_SIZE(result_names))
		printf("result %s", result_names[code]);
	else
		printf("result %u", code);
}

/* ADDR:PORT for output: dotted IPv4 for IPv4-mapped, [IPv6]:PORT else. */
static void print_endpoint(const uint8_t addr[16], int port)
{
	char s[INET6_ADDRSTRLEN];

	if (is_v4mapped(addr)) {
		inet_ntop(AF_INET, addr + 12, s, sizeof(s));
		if (port < 0)
			printf("%s", s);
		else
			printf("%s:%d", s, port);
	} else {
		inet_ntop(AF_INET6, addr, s, sizeof(s));
		if (port < 0)
			printf("%s", s);
		else
			printf("[%s]:%d", s, port);
	}
}

static void print_from(const struct sockaddr_storage *from)
{
	char s[INET6_ADDRSTRLEN];

	if (from->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)from)->sin_addr,
			  s, sizeof(s));
	else
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)from)->sin6_addr, s,
			  sizeof(s));
	printf(" from %s", s);
}

/* " options C,C" for -v: the codes of the options from off to len. */
static void print_options(const uint8_t *buf, size_t len, size_t off)
{
	bool first = true;
	size_t olen;

	fputs(" options ", stdout);
	while (off + 4 <= len) {
		olen = get16(buf + off + 2);
		printf("%s%u", first ? "" : ",", buf[off]);
		first = false;
		off += 4 + ((olen + 3) & ~(size_t)3);
	}
	if (first)
		fputs("none", stdout);
	if (off != len && !first)
		fputs(",truncated", stdout);
}

static size_t opcode_len(uint8_t opcode)
{
	return opcode == OP_MAP ? MAP_LEN : opcode == OP_PEER ? PEER_LEN : 0;
}

static size_t put_option(uint8_t *p, uint8_t code, uint16_t len)
{
	p[0] = code;
	p[1] = 0;
	put16(p + 2, len);
	return 4;
}

static size_t build_request(const struct opts *o, const struct request *rq,
			    uint8_t *buf)
{
	size_t off = HDR_LEN;
	int i;

	memset(buf, 0, PCP_MAXLEN);
	buf[0] = 2;
	buf[1] = rq->opcode;
	put32(buf + 4, rq->lifetime);
	memcpy(buf + 8, o->client, 16);
	if (rq->opcode == OP_MAP || rq->opcode == OP_PEER) {
		memcpy(buf + off, o->nonce, NONCE_LEN);
		buf[off + 12] = rq->protocol;
		put16(buf + off + 16, rq->internal_port);
		put16(buf + off + 18, rq->sugg_port);
		memcpy(buf + off + 20, rq->sugg_addr, 16);
		if (rq->opcode == OP_PEER) {
			put16(buf + off + 36, rq->peer_port);
			memcpy(buf + off + 40, rq->peer_addr, 16);
		}
		off += opcode_len(rq->opcode);
	}
	if (rq->have_third_party) {
		off += put_option(buf + off, OPT_THIRD_PARTY, 16);
		memcpy(buf + off, rq->third_party, 16);
		off += 16;
	}
	if (rq->prefer_failure)
		off += put_option(buf + off, OPT_PREFER_FAILURE, 0);
	for (i = 0; i < rq->nfilters; i++) {
		off += put_option(buf + off, OPT_FILTER, 20);
		buf[off + 1] = rq->filters[i].plen;
		put16(buf + off + 2, rq->filters[i].port);
		memcpy(buf + off + 4, rq->filters[i].addr, 16);
		off += 20;
	}
	return off;
}

/* The response must answer the request (RFC 6887 sections 8.2, 11.4). */
static void check_response(const struct opts *o, const struct request *rq,
			   const uint8_t *r, size_t n)
{
	size_t need = HDR_LEN + opcode_len(rq->opcode);
	uint16_t port;

	if (n < HDR_LEN || n > PCP_MAXLEN || n % 4)
		report_mismatch("length");
	if (r[0] != 2)
		report_mismatch("version");
	if (!(r[1] & R_BIT))
		report_mismatch("r-bit");
	if ((r[1] & 0x7f) != rq->opcode)
		report_mismatch("opcode");
	if (n < need)
		report_mismatch("length");
	if (rq->opcode != OP_MAP && rq->opcode != OP_PEER)
		return;
	if (memcmp(r + HDR_LEN, o->nonce, NONCE_LEN))
		report_mismatch("nonce");
	if (r[HDR_LEN + 12] != rq->protocol)
		report_mismatch("protocol");
	/* protocol 0: the server ignores the internal port (section 11.1) */
	port = get16(r + HDR_LEN + 16);
	if (port != rq->internal_port && (rq->protocol || port))
		report_mismatch("internal-port");
}

static int run_request(struct opts *o, struct request *rq)
{
	uint8_t req[PCP_MAXLEN], resp[RECV_LEN];
	struct sockaddr_storage from;
	size_t len;
	long n;
	int fd;

	fd = open_socket(o);
	if (!rq->have_sugg && is_v4mapped(o->client))
		memcpy(rq->sugg_addr, v4mapped_prefix,
		       sizeof(v4mapped_prefix));
	len = build_request(o, rq, req);
	if (send(fd, req, len, 0) != (ssize_t)len)
		die("send");
	n = recv_one(fd, resp, sizeof(resp), o->timeout_ms, &from);
	close(fd);
	if (n < 0)
		no_response(n);
	if ((size_t)n > sizeof(resp))
		report_mismatch("length");
	check_response(o, rq, resp, (size_t)n);

	print_result(resp[3]);
	printf(" lifetime %u epoch %u", get32(resp + 4), get32(resp + 8));
	if ((rq->opcode == OP_MAP || rq->opcode == OP_PEER) &&
	    resp[3] == 0) {
		fputs(" external ", stdout);
		print_endpoint(resp + HDR_LEN + 20,
			       get16(resp + HDR_LEN + 18));
	}
	if (o->verbose)
		print_options(resp, (size_t)n,
			      HDR_LEN + opcode_len(rq->opcode));
	putchar('\n');
	return 0;
}

static int run_raw(struct opts *o, const char *hex)
{
	uint8_t req[65507], resp[65536];
	struct sockaddr_storage from;
	long len, n, i;
	int fd;

	len = parse_hex(hex, req, sizeof(req));
	if (len < 0)
		bad("bad hex \"%s\"", hex);
	fd = open_socket(o);
	if (send(fd, req, (size_t)len, 0) != len)
		die("send");
	n = recv_one(fd, resp, sizeof(resp), o->timeout_ms, &from);
	close(fd);
	if (n < 0)
		no_response(n);
	if ((size_t)n > sizeof(resp))
		n = sizeof(resp);
	for (i = 0; i < n; i++)
		printf("%02x", resp[i]);
	putchar('\n');
	return 0;
}

/* Join 224.0.0.1 on every IPv4 multicast interface (errors are harmless). */
static void join_all_hosts(int fd)
{
	struct ifaddrs *ifa, *i;
	struct ip_mreqn mr;

	memset(&mr, 0, sizeof(mr));
	mr.imr_multiaddr.s_addr = htonl(0xe0000001);
	if (getifaddrs(&ifa) < 0) {
		setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr));
		return;
	}
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    !(i->ifa_flags & IFF_MULTICAST))
			continue;
		mr.imr_ifindex = (int)if_nametoindex(i->ifa_name);
		if (mr.imr_ifindex)
			setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
				   sizeof(mr));
	}
	freeifaddrs(ifa);
}

static int run_listen(struct opts *o, bool natpmp)
{
	struct sockaddr_in local = {
		.sin_family = AF_INET,
		.sin_port = htons(PCP_ANNOUNCE_PORT),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct timespec start, now;
	struct sockaddr_storage from;
	uint8_t buf[RECV_LEN];
	long n, elapsed;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		die("bind 0.0.0.0:5350");
	join_all_hosts(fd);

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 +
			  (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= o->timeout_ms)
			no_response(-1);
		n = recv_one(fd, buf, sizeof(buf),
			     (int)(o->timeout_ms - elapsed), &from);
		if (n < 0)
			no_response(-1);
		if ((size_t)n > sizeof(buf))
			continue;
		if (natpmp) {
			/* version 0, op 128 (external address), 12 octets */
			if (n < 12 || buf[0] != 0 || buf[1] != 128)
				continue;
			printf("natpmp result %u epoch %u external ",
			       get16(buf + 2), get32(buf + 4));
			printf("%u.%u.%u.%u", buf[8], buf[9], buf[10], buf[11]);
		} else {
			if (n < HDR_LEN || n > PCP_MAXLEN || n % 4 ||
			    buf[0] != 2 || buf[1] != (R_BIT | OP_ANNOUNCE))
				continue;
			print_result(buf[3]);
			printf(" lifetime %u epoch %u", get32(buf + 4),
			       get32(buf + 8));
			if (o->verbose)
				print_options(buf, (size_t)n, HDR_LEN);
		}
		print_from(&from);
		putchar('\n');
		close(fd);
		return 0;
	}
}

/* The words after "map" or "peer". */
static void parse_mapping(int argc, char **argv, struct request *rq)
{
	unsigned long v;
	int i = 0, plen;

	if (argc < 2)
		bad("%s needs a protocol and an internal port",
		    rq->opcode == OP_MAP ? "map" : "peer");
	if (!parse_proto(argv[0], &rq->protocol))
		bad("bad protocol \"%s\"", argv[0]);
	if (!parse_num(argv[1], 65535, &v))
		bad("bad internal port \"%s\"", argv[1]);
	rq->internal_port = (uint16_t)v;
	i = 2;
	if (rq->opcode == OP_PEER) {
		if (argc < 3)
			bad("peer needs REMOTE_ADDR:REMOTE_PORT");
		if (!parse_endpoint(argv[2], rq->peer_addr, &rq->peer_port,
				    NULL))
			bad("bad remote peer \"%s\"", argv[2]);
		i = 3;
	}
	for (; i < argc; i++) {
		const char *w = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(w, "suggest")) {
			if (!arg || !parse_endpoint(arg, rq->sugg_addr,
						    &rq->sugg_port, NULL))
				bad("bad suggest \"%s\"", arg ? arg : "");
			rq->have_sugg = true;
			i++;
		} else if (!strcmp(w, "lifetime")) {
			if (!arg || !parse_num(arg, UINT32_MAX, &v))
				bad("bad lifetime \"%s\"", arg ? arg : "");
			rq->lifetime = (uint32_t)v;
			i++;
		} else if (!strcmp(w, "filter") && rq->opcode == OP_MAP) {
			struct filter *f;

			if (rq->nfilters >= MAX_FILTERS)
				bad("too many filters (at most %d fit)",
				    MAX_FILTERS);
			f = &rq->filters[rq->nfilters];
			if (!arg || !parse_endpoint(arg, f->addr, &f->port,
						    &plen))
				bad("bad filter \"%s\"", arg ? arg : "");
			if (is_v4mapped(f->addr)) {
				if (plen < 0)
					plen = 128;
				else if (plen <= 32)
					plen += 96;
				else if (plen < 96)
					bad("bad IPv4 prefix length in \"%s\"",
					    arg);
			} else if (plen < 0) {
				plen = 128;
			}
			f->plen = (uint8_t)plen;
			rq->nfilters++;
			i++;
		} else if (!strcmp(w, "prefer-failure") &&
			   rq->opcode == OP_MAP) {
			rq->prefer_failure = true;
		} else if (!strcmp(w, "third-party") && rq->opcode == OP_MAP) {
			if (!arg || !parse_addr(arg, rq->third_party))
				bad("bad third-party address \"%s\"",
				    arg ? arg : "");
			rq->have_third_party = true;
			i++;
		} else {
			bad("unknown word \"%s\"", w);
		}
	}
}

int main(int argc, char **argv)
{
	struct request rq;
	struct opts o;
	unsigned long v;
	const char *server = NULL;
	int c;

	memset(&o, 0, sizeof(o));
	memset(&rq, 0, sizeof(rq));
	o.port = PCP_PORT;
	o.timeout_ms = 2000;
	rq.lifetime = 7200;

	/* options may also follow the command: "pcpc listen -t 5000" */
	while ((c = getopt(argc, argv, "s:p:c:t:n:vh")) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'p':
			if (!parse_num(optarg, 65535, &v) || !v)
				bad("bad port \"%s\"", optarg);
			o.port = (uint16_t)v;
			break;
		case 'c':
			if (!parse_addr(optarg, o.client))
				bad("bad client address \"%s\"", optarg);
			o.have_client = true;
			break;
		case 't':
			if (!parse_num(optarg, INT_MAX, &v))
				bad("bad timeout \"%s\"", optarg);
			o.timeout_ms = (int)v;
			break;
		case 'n':
			if (strlen(optarg) != 2 * NONCE_LEN ||
			    parse_hex(optarg, o.nonce, NONCE_LEN) != NONCE_LEN)
				bad("bad nonce \"%s\" (24 hex digits)", optarg);
			o.have_nonce = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			print_usage();
			return 0;
		default:
			bad("bad option");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		bad("no command");

	if (!strcmp(argv[0], "listen")) {
		if (argc > 2 || (argc == 2 && strcmp(argv[1], "natpmp")))
			bad("unknown word \"%s\"", argv[argc - 1]);
		return run_listen(&o, argc == 2);
	}

	if (server) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&o.server;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&o.server;

		if (inet_pton(AF_INET, server, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons(o.port);
		} else if (inet_pton(AF_INET6, server, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(o.port);
		} else {
			bad("bad server address \"%s\"", server);
		}
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&o.server;

		if (!default_gateway(&s4->sin_addr)) {
			fputs("pcpc: no default gateway in /proc/net/route; give -s\n",
			      stderr);
			return EXIT_SYSTEM;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons(o.port);
	}
	if (!o.have_nonce)
		random_nonce(o.nonce);

	if (!strcmp(argv[0], "raw")) {
		if (argc < 2)
			bad("raw needs HEX");
		if (argc > 2)
			bad("unknown word \"%s\"", argv[2]);
		return run_raw(&o, argv[1]);
	}
	if (!strcmp(argv[0], "announce")) {
		if (argc != 1)
			bad("unknown word \"%s\"", argv[1]);
		rq.opcode = OP_ANNOUNCE;
		rq.lifetime = 0;
		return run_request(&o, &rq);
	}
	if (!strcmp(argv[0], "map"))
		rq.opcode = OP_MAP;
	else if (!strcmp(argv[0], "peer"))
		rq.opcode = OP_PEER;
	else
		bad("unknown command \"%s\"", argv[0]);
	parse_mapping(argc - 1, argv + 1, &rq);
	return run_request(&o, &rq);
}
