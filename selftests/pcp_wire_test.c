// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the PCP and NAT-PMP wire layers (userspace/pcp_wire.c,
 * userspace/natpmp_wire.c): round trips, every error the parsers produce,
 * response layouts byte for byte, and a seeded mutation loop that, built
 * with -fsanitize=address,undefined, shows the parsers never read outside
 * the message. Prints TAP; exits non-zero on any failure.
 *
 *   gcc -std=gnu11 -Wall -Wextra -Werror -fsanitize=address,undefined \
 *       -I userspace -o /tmp/pcp_wire_test selftests/pcp_wire_test.c \
 *       userspace/pcp_wire.c userspace/natpmp_wire.c && /tmp/pcp_wire_test
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natpmp_wire.h"
#include "pcp_wire.h"

#define FUZZ_ITERATIONS	200000
#define FUZZ_SEED	0x636f6e656e6174ULL	/* "conenat" */
#define FUZZ_MAX_LEN	1200

static int n_test, n_pass, n_fail;

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	n_test++;
	if (cond)
		n_pass++;
	else
		n_fail++;
	printf("%s %d - ", cond ? "ok" : "not ok", n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---- message construction ---------------------------------------------- */

struct msg {
	uint8_t b[FUZZ_MAX_LEN + 64];
	size_t len;
};

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void w32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint16_t r16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t r32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static struct in6_addr v4m(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct in6_addr x;

	memset(&x, 0, sizeof(x));
	x.s6_addr[10] = 0xff;
	x.s6_addr[11] = 0xff;
	x.s6_addr[12] = a;
	x.s6_addr[13] = b;
	x.s6_addr[14] = c;
	x.s6_addr[15] = d;
	return x;
}

static struct in6_addr v6(uint16_t first, uint16_t last)
{
	struct in6_addr x;

	memset(&x, 0, sizeof(x));
	w16(x.s6_addr, first);
	w16(x.s6_addr + 14, last);
	return x;
}

static int addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return !memcmp(a->s6_addr, b->s6_addr, 16);
}

static const uint8_t NONCE[PCP_NONCE_LEN] = {
	0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8
};

static void m_hdr(struct msg *m, uint8_t ver, uint8_t op, uint32_t lifetime,
		  const struct in6_addr *client)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = ver;
	m->b[1] = op;
	m->b[2] = 0xaa;		/* reserved: must be ignored */
	m->b[3] = 0x55;
	w32(m->b + 4, lifetime);
	memcpy(m->b + 8, client->s6_addr, 16);
	m->len = PCP_HDR_LEN;
}

static void m_map(struct msg *m, uint8_t proto, uint16_t iport,
		  uint16_t eport, const struct in6_addr *eaddr)
{
	uint8_t *p = m->b + m->len;

	memcpy(p, NONCE, PCP_NONCE_LEN);
	p[12] = proto;
	p[13] = 0x11;		/* reserved */
	p[14] = 0x22;
	p[15] = 0x33;
	w16(p + 16, iport);
	w16(p + 18, eport);
	memcpy(p + 20, eaddr->s6_addr, 16);
	m->len += PCP_MAP_LEN;
}

static void m_peer(struct msg *m, uint8_t proto, uint16_t iport,
		   uint16_t eport, const struct in6_addr *eaddr,
		   uint16_t rport, const struct in6_addr *raddr)
{
	uint8_t *p = m->b + m->len;

	m_map(m, proto, iport, eport, eaddr);
	w16(p + 36, rport);
	p[38] = 0x44;		/* reserved */
	p[39] = 0x44;
	memcpy(p + 40, raddr->s6_addr, 16);
	m->len += PCP_PEER_LEN - PCP_MAP_LEN;
}

/* An option with length field lenf and dlen octets of data, padded to 4. */
static void m_opt(struct msg *m, uint8_t code, uint16_t lenf,
		  const void *data, size_t dlen)
{
	uint8_t *p = m->b + m->len;

	p[0] = code;
	p[1] = 0x99;		/* reserved */
	w16(p + 2, lenf);
	if (dlen)
		memcpy(p + 4, data, dlen);
	m->len += 4 + ((dlen + 3) & ~(size_t)3);
}

static void m_third_party(struct msg *m, const struct in6_addr *a)
{
	m_opt(m, PCP_OPT_THIRD_PARTY, 16, a->s6_addr, 16);
}

static void m_filter(struct msg *m, uint8_t plen, uint16_t port,
		     const struct in6_addr *a)
{
	uint8_t d[20] = { 0x77, plen };

	w16(d + 2, port);
	memcpy(d + 4, a->s6_addr, 16);
	m_opt(m, PCP_OPT_FILTER, 20, d, 20);
}

static struct in6_addr CLIENT, EXT, SUGG, PEER_A, TP, FA1, FA6;

static void setup_addrs(void)
{
	CLIENT = v4m(192, 168, 1, 10);
	EXT = v4m(203, 0, 113, 7);
	SUGG = v4m(203, 0, 113, 99);
	PEER_A = v4m(198, 51, 100, 20);
	TP = v4m(192, 168, 1, 77);
	FA1 = v4m(198, 51, 100, 0);
	FA6 = v6(0x2001, 0x42);
}

static int pparse(const struct msg *m, struct pcp_req *req)
{
	return pcp_parse(m->b, m->len, req);
}

static void expect(const struct msg *m, int want, const char *what)
{
	struct pcp_req req;
	int r = pparse(m, &req);

	ok(r == want, "%s -> %s (got %s)", what, pcp_result_name(want),
	   pcp_result_name(r));
}

/* ---- PCP round trips ---------------------------------------------------- */

static void test_map_roundtrip(void)
{
	struct pcp_resp resp;
	struct pcp_req req;
	uint8_t out[PCP_MAX_RESPONSE];
	struct msg m;
	size_t n, i;
	int r, good;

	m_hdr(&m, 2, PCP_OP_MAP, 7200, &CLIENT);
	m_map(&m, IPPROTO_UDP, 4500, 4600, &SUGG);
	m_third_party(&m, &TP);
	m_opt(&m, PCP_OPT_PREFER_FAILURE, 0, NULL, 0);
	m_filter(&m, 120, 0, &FA1);
	m_filter(&m, 128, 443, &FA1);
	m_filter(&m, 64, 53, &FA6);

	r = pparse(&m, &req);
	ok(r == PCP_SUCCESS,
	   "MAP with THIRD_PARTY, PREFER_FAILURE, 3 FILTERs parses (%s)",
	   pcp_result_name(r));
	ok(req.version == 2 && req.opcode == PCP_OP_MAP &&
	   req.lifetime == 7200 && !req.del, "MAP header fields");
	ok(addr_eq(&req.client_addr, &CLIENT), "MAP client address");
	ok(!memcmp(req.nonce, NONCE, 12) && req.protocol == IPPROTO_UDP &&
	   req.internal_port == 4500 && req.ext_port == 4600 &&
	   addr_eq(&req.ext_addr, &SUGG), "MAP opcode fields");
	ok(req.has_third_party && addr_eq(&req.third_party, &TP) &&
	   req.prefer_failure, "MAP THIRD_PARTY and PREFER_FAILURE");
	ok(req.nfilters == 3 &&
	   req.filters[0].prefix_len == 120 &&
	   req.filters[0].prefix_len128 == 120 &&
	   req.filters[0].port == 0 && addr_eq(&req.filters[0].addr, &FA1) &&
	   req.filters[1].prefix_len == 128 &&
	   req.filters[1].prefix_len128 == 128 &&
	   req.filters[1].port == 443 &&
	   req.filters[2].prefix_len == 64 &&
	   req.filters[2].prefix_len128 == 64 &&
	   req.filters[2].port == 53 && addr_eq(&req.filters[2].addr, &FA6),
	   "MAP FILTERs (an IPv4 /24 is sent as 96 + 24 = 120, s13.3)");
	ok(pcp_check_source(&req, &CLIENT) == PCP_SUCCESS,
	   "MAP source check passes for the client address");

	memset(&resp, 0, sizeof(resp));
	resp.result = PCP_SUCCESS;
	resp.lifetime = 3600;
	resp.epoch = 0x01020304;
	resp.ext_port = 40000;
	resp.ext_addr = EXT;
	n = pcp_build_response(out, sizeof(out), &req, &resp);
	ok(n == 24 + 36 + 20 + 4 + 3 * 24, "MAP response length %zu", n);
	ok(out[0] == 2 && out[1] == (0x80 | 1) && out[2] == 0 && out[3] == 0,
	   "MAP response version, R|opcode, reserved, result");
	ok(r32(out + 4) == 3600 && r32(out + 8) == 0x01020304,
	   "MAP response lifetime and epoch");
	good = 1;
	for (i = 12; i < 24; i++)
		good &= out[i] == 0;
	ok(good, "MAP response reserved 96 bits are zero");
	ok(!memcmp(out + 24, NONCE, 12) && out[36] == IPPROTO_UDP &&
	   out[37] == 0 && out[38] == 0 && out[39] == 0 &&
	   r16(out + 40) == 4500 && r16(out + 42) == 40000 &&
	   !memcmp(out + 44, EXT.s6_addr, 16),
	   "MAP response nonce, protocol, reserved, ports, assigned address");
	ok(out[60] == 1 && out[61] == 0 && r16(out + 62) == 16 &&
	   !memcmp(out + 64, TP.s6_addr, 16),
	   "MAP response echoes THIRD_PARTY");
	ok(out[80] == 2 && out[81] == 0 && r16(out + 82) == 0,
	   "MAP response echoes PREFER_FAILURE");
	ok(out[84] == 3 && out[85] == 0 && r16(out + 86) == 20 &&
	   out[88] == 0 && out[89] == 120 && r16(out + 90) == 0 &&
	   !memcmp(out + 92, FA1.s6_addr, 16) &&
	   out[108] == 3 && out[113] == 128 && r16(out + 114) == 443 &&
	   out[132] == 3 && out[137] == 64 && r16(out + 138) == 53 &&
	   !memcmp(out + 140, FA6.s6_addr, 16),
	   "MAP response echoes the FILTERs, reserved zeroed");
	ok(pcp_parse(out, n, &req) == -1,
	   "the response itself is dropped (R bit)");

	r = pparse(&m, &req);
	ok(pcp_build_response(out, n - 1, &req, &resp) == 0,
	   "MAP response: one octet short of room -> 0");

	/* An error after a successful parse: copy semantics. */
	resp.result = PCP_NO_RESOURCES;
	resp.lifetime = pcp_error_lifetime(PCP_NO_RESOURCES);
	n = pcp_build_response(out, sizeof(out), &req, &resp);
	ok(n == 24 + 36 + 20 + 4 + 3 * 24 && out[3] == PCP_NO_RESOURCES &&
	   r32(out + 4) == 30 && r16(out + 42) == 4600 &&
	   !memcmp(out + 44, SUGG.s6_addr, 16),
	   "NO_RESOURCES response echoes the suggested port and address");
}

static void test_map_special(void)
{
	struct pcp_resp resp;
	struct pcp_req req;
	uint8_t out[PCP_MAX_RESPONSE];
	struct in6_addr zero4 = v4m(0, 0, 0, 0);
	struct msg m;
	size_t n;
	int r;

	m_hdr(&m, 2, PCP_OP_MAP, 0, &CLIENT);
	m_map(&m, IPPROTO_TCP, 22, 0, &zero4);
	r = pparse(&m, &req);
	ok(r == PCP_SUCCESS && req.del && req.lifetime == 0,
	   "MAP lifetime 0 parses as a delete");
	memset(&resp, 0, sizeof(resp));
	resp.ext_port = 1234;		/* must not appear: delete echoes */
	resp.ext_addr = EXT;
	resp.epoch = 9;
	n = pcp_build_response(out, sizeof(out), &req, &resp);
	ok(n == 60 && r32(out + 4) == 0 && r16(out + 42) == 0 &&
	   !memcmp(out + 44, zero4.s6_addr, 16),
	   "MAP delete response copies the suggested fields (erratum 3621)");

	m_hdr(&m, 2, PCP_OP_MAP, 100, &CLIENT);
	m_map(&m, 0, 8080, 0, &zero4);
	r = pparse(&m, &req);
	ok(r == PCP_SUCCESS && req.protocol == 0 && req.internal_port == 0,
	   "MAP protocol 0 with a port: the port is ignored (taken as 0)");

	m_hdr(&m, 2, PCP_OP_MAP, 100, &CLIENT);
	m_map(&m, IPPROTO_UDP, 0, 0, &zero4);
	ok(pparse(&m, &req) == PCP_SUCCESS && req.internal_port == 0,
	   "MAP internal port 0 (all ports) parses; policy decides");

	m_hdr(&m, 2, PCP_OP_MAP, 100, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_opt(&m, 200, 5, "hello", 5);
	m_opt(&m, 255, 0, NULL, 0);
	r = pparse(&m, &req);
	ok(r == PCP_SUCCESS && req.nskipped == 2,
	   "unknown optional options (200, 255) are skipped");
	memset(&resp, 0, sizeof(resp));
	n = pcp_build_response(out, sizeof(out), &req, &resp);
	ok(n == 60, "skipped optional options are not echoed");

	ok(pcp_check_source(&req, &TP) == PCP_ADDRESS_MISMATCH,
	   "client address differing from the source -> ADDRESS_MISMATCH");
	m_hdr(&m, 2, PCP_OP_MAP, 100, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_third_party(&m, &CLIENT);
	r = pparse(&m, &req);
	ok(r == PCP_SUCCESS &&
	   pcp_check_source(&req, &CLIENT) == PCP_MALFORMED_REQUEST,
	   "THIRD_PARTY naming the source itself -> MALFORMED_REQUEST");
}

static void test_peer_roundtrip(void)
{
	struct pcp_resp resp;
	struct pcp_req req;
	uint8_t out[PCP_MAX_RESPONSE];
	struct in6_addr zero4 = v4m(0, 0, 0, 0);
	struct msg m;
	size_t n;
	int r;

	m_hdr(&m, 2, PCP_OP_PEER, 600, &CLIENT);
	m_peer(&m, IPPROTO_TCP, 5000, 0, &zero4, 443, &PEER_A);
	m_third_party(&m, &TP);
	r = pparse(&m, &req);
	ok(r == PCP_SUCCESS, "PEER with THIRD_PARTY parses (%s)",
	   pcp_result_name(r));
	ok(req.opcode == PCP_OP_PEER && req.lifetime == 600 && !req.del &&
	   req.protocol == IPPROTO_TCP && req.internal_port == 5000 &&
	   req.ext_port == 0 && req.peer_port == 443 &&
	   addr_eq(&req.peer_addr, &PEER_A) && req.has_third_party,
	   "PEER fields");

	memset(&resp, 0, sizeof(resp));
	resp.lifetime = 600;
	resp.epoch = 77;
	resp.ext_port = 61000;
	resp.ext_addr = EXT;
	n = pcp_build_response(out, sizeof(out), &req, &resp);
	ok(n == 24 + 56 + 20, "PEER response length %zu", n);
	ok(out[0] == 2 && out[1] == 0x82 && out[3] == 0 &&
	   r32(out + 4) == 600 && r32(out + 8) == 77,
	   "PEER response header");
	ok(!memcmp(out + 24, NONCE, 12) && out[36] == IPPROTO_TCP &&
	   r16(out + 40) == 5000 && r16(out + 42) == 61000 &&
	   !memcmp(out + 44, EXT.s6_addr, 16) &&
	   r16(out + 60) == 443 && out[62] == 0 && out[63] == 0 &&
	   !memcmp(out + 64, PEER_A.s6_addr, 16),
	   "PEER response opcode data (remote peer echoed, reserved zero)");
	ok(out[80] == 1 && r16(out + 82) == 16 &&
	   !memcmp(out + 84, TP.s6_addr, 16),
	   "PEER response echoes THIRD_PARTY");
}

static void test_announce(void)
{
	struct pcp_resp resp;
	struct pcp_req req;
	uint8_t out[PCP_MAX_RESPONSE];
	struct msg m;
	size_t n, i;
	int r, good;

	m_hdr(&m, 2, PCP_OP_ANNOUNCE, 1234, &CLIENT);
	r = pparse(&m, &req);
	ok(r == PCP_SUCCESS && req.opcode == PCP_OP_ANNOUNCE,
	   "ANNOUNCE request parses");
	memset(&resp, 0, sizeof(resp));
	resp.lifetime = 999;		/* forced to 0 on success */
	resp.epoch = 0x0a0b0c0d;
	n = pcp_build_response(out, sizeof(out), &req, &resp);
	good = n == 24 && out[0] == 2 && out[1] == 0x80 && out[2] == 0 &&
	       out[3] == 0 && r32(out + 4) == 0 && r32(out + 8) == 0x0a0b0c0d;
	for (i = 12; i < 24; i++)
		good &= out[i] == 0;
	ok(good, "ANNOUNCE response: 24 octets, lifetime 0, epoch");

	m_opt(&m, 150, 4, "abcd", 4);
	ok(pparse(&m, &req) == PCP_SUCCESS && req.nskipped == 1,
	   "ANNOUNCE with an optional option parses");

	memset(out, 0xee, sizeof(out));
	n = pcp_build_announce(out, sizeof(out), 42);
	good = n == 24 && out[0] == 2 && out[1] == 0x80 && out[3] == 0 &&
	       r32(out + 4) == 0 && r32(out + 8) == 42;
	for (i = 12; i < 24; i++)
		good &= out[i] == 0;
	ok(good, "unsolicited ANNOUNCE: 24 octets, SUCCESS, lifetime 0, epoch");
	ok(pcp_build_announce(out, 23, 42) == 0, "ANNOUNCE needs 24 octets");
}

/* ---- PCP errors --------------------------------------------------------- */

static void test_pcp_errors(void)
{
	struct in6_addr zero4 = v4m(0, 0, 0, 0);
	uint8_t out[PCP_MAX_MSG + 8];
	struct pcp_req req;
	struct msg m;
	size_t n;
	int i;

	/* drops */
	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	ok(pcp_parse(m.b, 0, &req) == -1, "0 octets: dropped");
	ok(pcp_parse(m.b, 1, &req) == -1, "1 octet: dropped");
	ok(pcp_parse(NULL, 0, &req) == -1, "NULL buffer: dropped");
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m.b[1] |= 0x80;
	expect(&m, -1, "valid MAP with the R bit set");
	m.len = 2;
	expect(&m, -1, "2-octet message with the R bit set");

	/* UNSUPP_VERSION */
	m_hdr(&m, 1, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	expect(&m, PCP_UNSUPP_VERSION, "version 1");
	m.b[0] = 3;
	expect(&m, PCP_UNSUPP_VERSION, "version 3");
	m.b[0] = 0;
	expect(&m, PCP_UNSUPP_VERSION, "version 0 reaching pcp_parse");
	m.b[0] = 9;
	m.len = 2;
	expect(&m, PCP_UNSUPP_VERSION, "2-octet version 9");
	m.len = 60;
	n = pcp_build_error(out, sizeof(out), m.b, m.len, PCP_UNSUPP_VERSION,
			    1800, 5);
	ok(n == 24 && out[0] == 2 && out[1] == 0x81 && out[2] == 0 &&
	   out[3] == 1 && r32(out + 4) == 1800 && r32(out + 8) == 5 &&
	   !memcmp(out + 12, CLIENT.s6_addr + 4, 12),
	   "UNSUPP_VERSION response: header only, version 2, last 96 bits of the client address");

	/* MALFORMED_REQUEST: lengths */
	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	while (m.len < 1104)
		m_opt(&m, 200, 0, NULL, 0);
	expect(&m, PCP_MALFORMED_REQUEST, "1104-octet request (over 1100)");
	m.len = 1100;
	expect(&m, PCP_SUCCESS, "1100-octet request (the limit)");
	m.len = 1104;
	n = pcp_build_error(out, sizeof(out), m.b, m.len, PCP_MALFORMED_REQUEST,
			    1800, 5);
	ok(n == 1100 && out[1] == 0x81 && out[3] == 3 &&
	   !memcmp(out + 12, m.b + 12, 1100 - 12),
	   "MALFORMED_REQUEST response copies the request, cut to 1100");
	ok(pcp_build_error(out, 1099, m.b, m.len, PCP_MALFORMED_REQUEST,
			   1800, 5) == 0,
	   "error response that does not fit -> 0");
	m.len = 1101;
	expect(&m, PCP_MALFORMED_REQUEST, "1101-octet request");
	n = pcp_build_error(out, sizeof(out), m.b, m.len, PCP_MALFORMED_REQUEST,
			    1800, 5);
	ok(n == 1100 && !memcmp(out + 24, m.b + 24, 1100 - 24),
	   "1101-octet request: the copy is cut to 1100 (s8.3), not padded past it");

	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m.b[60] = 0xc1;			/* two octets past the MAP data */
	m.b[61] = 0xc2;
	m.b[62] = 0xee;			/* not part of the message */
	m.b[63] = 0xee;
	m.len = 62;
	expect(&m, PCP_MALFORMED_REQUEST, "62-octet request (not a multiple of 4)");
	n = pcp_build_error(out, sizeof(out), m.b, m.len, PCP_MALFORMED_REQUEST,
			    1800, 5);
	ok(n == 64 && !memcmp(out + 24, m.b + 24, 38) && out[62] == 0 &&
	   out[63] == 0,
	   "odd-length request: the copy keeps all 62 octets, padded to 64 (s7.3)");
	m.len = 20;
	expect(&m, -1, "20-octet version 2 request: dropped (s8.3: shorter than 24)");
	m.len = 22;
	expect(&m, -1, "22-octet version 2 request: dropped, not MALFORMED_REQUEST");
	m.len = 23;
	m.b[0] = 3;
	expect(&m, PCP_UNSUPP_VERSION, "23-octet version 3 request: answered");
	n = pcp_build_error(out, sizeof(out), m.b, m.len, PCP_UNSUPP_VERSION,
			    1800, 5);
	ok(n == 24 && out[0] == 2 && !memcmp(out + 12, m.b + 12, 11) &&
	   out[23] == 0,
	   "short UNSUPP_VERSION request's response is padded to 24");
	m.b[0] = 2;
	m.len = 56;
	expect(&m, PCP_MALFORMED_REQUEST, "56-octet MAP (needs 60)");
	m.len = 24;
	expect(&m, PCP_MALFORMED_REQUEST, "24-octet MAP (header only)");
	m.len = 2;
	expect(&m, -1, "2-octet version 2 request: dropped");
	m.len = 3;
	expect(&m, -1, "3-octet version 2 request: dropped");

	m_hdr(&m, 2, PCP_OP_PEER, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m.len = 76;
	expect(&m, PCP_MALFORMED_REQUEST, "76-octet PEER (needs 80)");

	/* MALFORMED_REQUEST: PEER zero fields, PREFER_FAILURE in PEER */
	m_hdr(&m, 2, PCP_OP_PEER, 1, &CLIENT);
	m_peer(&m, 0, 1, 0, &zero4, 1, &PEER_A);
	expect(&m, PCP_MALFORMED_REQUEST, "PEER with protocol 0");
	m_hdr(&m, 2, PCP_OP_PEER, 1, &CLIENT);
	m_peer(&m, IPPROTO_UDP, 0, 0, &zero4, 1, &PEER_A);
	expect(&m, PCP_MALFORMED_REQUEST, "PEER with internal port 0");
	m_hdr(&m, 2, PCP_OP_PEER, 1, &CLIENT);
	m_peer(&m, IPPROTO_UDP, 1, 0, &zero4, 0, &PEER_A);
	expect(&m, PCP_MALFORMED_REQUEST, "PEER with remote peer port 0");
	m_hdr(&m, 2, PCP_OP_PEER, 1, &CLIENT);
	m_peer(&m, IPPROTO_UDP, 1, 0, &zero4, 1, &PEER_A);
	m_opt(&m, PCP_OPT_PREFER_FAILURE, 0, NULL, 0);
	expect(&m, PCP_MALFORMED_REQUEST, "PEER with PREFER_FAILURE");

	/* UNSUPP_OPCODE */
	m_hdr(&m, 2, 3, 1, &CLIENT);
	expect(&m, PCP_UNSUPP_OPCODE, "opcode 3");
	m_hdr(&m, 2, 0x7f, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	expect(&m, PCP_UNSUPP_OPCODE, "opcode 127");
	n = pcp_build_error(out, sizeof(out), m.b, m.len, PCP_UNSUPP_OPCODE,
			    1800, 5);
	ok(n == 60 && out[1] == 0xff && out[3] == PCP_UNSUPP_OPCODE &&
	   !memcmp(out + 24, m.b + 24, 36),
	   "UNSUPP_OPCODE response copies the request with R|opcode");

	/* UNSUPP_OPTION */
	for (i = 0; i < 3; i++) {
		static const uint8_t codes[] = { 0, 4, 127 };

		m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
		m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
		m_opt(&m, codes[i], 4, "abcd", 4);
		expect(&m, PCP_UNSUPP_OPTION, i == 0 ? "mandatory option 0" :
		       i == 1 ? "mandatory option 4" : "mandatory option 127");
	}

	/* MALFORMED_OPTION */
	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_opt(&m, PCP_OPT_THIRD_PARTY, 12, TP.s6_addr, 12);
	expect(&m, PCP_MALFORMED_OPTION, "THIRD_PARTY of length 12");

	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_third_party(&m, &TP);
	m_third_party(&m, &TP);
	expect(&m, PCP_MALFORMED_OPTION, "THIRD_PARTY twice");

	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_opt(&m, PCP_OPT_PREFER_FAILURE, 0, NULL, 0);
	m_opt(&m, PCP_OPT_PREFER_FAILURE, 0, NULL, 0);
	expect(&m, PCP_MALFORMED_OPTION, "PREFER_FAILURE twice");

	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_opt(&m, PCP_OPT_PREFER_FAILURE, 4, "\0\0\0\0", 4);
	expect(&m, PCP_MALFORMED_OPTION, "PREFER_FAILURE of length 4");

	m_hdr(&m, 2, PCP_OP_PEER, 1, &CLIENT);
	m_peer(&m, IPPROTO_UDP, 1, 0, &zero4, 1, &PEER_A);
	m_filter(&m, 32, 0, &FA1);
	expect(&m, PCP_MALFORMED_OPTION, "FILTER in PEER");

	m_hdr(&m, 2, PCP_OP_ANNOUNCE, 0, &CLIENT);
	m_filter(&m, 32, 0, &FA1);
	expect(&m, PCP_MALFORMED_OPTION, "FILTER in ANNOUNCE");

	m_hdr(&m, 2, PCP_OP_ANNOUNCE, 0, &CLIENT);
	m_third_party(&m, &TP);
	expect(&m, PCP_MALFORMED_OPTION, "THIRD_PARTY in ANNOUNCE");

	m_hdr(&m, 2, PCP_OP_ANNOUNCE, 0, &CLIENT);
	m_opt(&m, PCP_OPT_PREFER_FAILURE, 0, NULL, 0);
	expect(&m, PCP_MALFORMED_OPTION, "PREFER_FAILURE in ANNOUNCE");

	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_filter(&m, 129, 0, &FA6);
	expect(&m, PCP_MALFORMED_OPTION, "FILTER prefix 129");

	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_filter(&m, 64, 0, &FA1);
	expect(&m, PCP_MALFORMED_OPTION, "FILTER prefix 64 on an IPv4 address");
	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_filter(&m, 33, 0, &FA1);
	expect(&m, PCP_MALFORMED_OPTION, "FILTER prefix 33 on an IPv4 address");
	for (i = 0; i < 4; i++) {
		static const uint8_t bad4[] = { 1, 24, 32, 95 };

		m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
		m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
		m_filter(&m, bad4[i], 0, &FA1);
		ok(pparse(&m, &req) == PCP_MALFORMED_OPTION,
		   "FILTER prefix %u on an IPv4-mapped address -> MALFORMED_OPTION (s13.3: 96..128)",
		   bad4[i]);
	}
	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_filter(&m, 1, 0, &FA6);
	m_filter(&m, 128, 0, &FA6);
	m_filter(&m, 96, 0, &FA1);
	m_filter(&m, 120, 0, &FA1);
	m_filter(&m, 128, 0, &FA1);
	ok(pparse(&m, &req) == PCP_SUCCESS && req.nfilters == 5 &&
	   req.filters[0].prefix_len128 == 1 &&
	   req.filters[2].prefix_len128 == 96 &&
	   req.filters[3].prefix_len128 == 120,
	   "FILTER prefixes 1, 128 (IPv6), 96, 120, 128 (IPv4): accepted as sent");
	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_filter(&m, 0, 0, &FA1);
	ok(pparse(&m, &req) == PCP_SUCCESS && req.nfilters == 1 &&
	   req.filters[0].prefix_len == 0 && req.filters[0].port == 0,
	   "FILTER prefix 0 (\"no filter\") on an IPv4-mapped address: accepted");
	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_filter(&m, 120, 80, &FA1);
	m_filter(&m, 64, 53, &FA6);
	m_filter(&m, 0, 0, &FA6);
	m_filter(&m, 128, 443, &FA1);
	ok(pparse(&m, &req) == PCP_SUCCESS && req.nfilters == 2 &&
	   req.filters[0].prefix_len == 0 &&
	   req.filters[1].prefix_len == 128 && req.filters[1].port == 443,
	   "FILTER prefix 0 removes the FILTERs before it in the request");
	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_filter(&m, 120, 80, &FA1);
	m_filter(&m, 120, 80, &FA1);
	ok(pparse(&m, &req) == PCP_SUCCESS && req.nfilters == 2,
	   "the same FILTER twice: accepted (repeatable, s13.3)");

	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_opt(&m, PCP_OPT_FILTER, 16, FA6.s6_addr, 16);
	expect(&m, PCP_MALFORMED_OPTION, "FILTER of length 16");

	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_opt(&m, 200, 0xffff, NULL, 0);
	expect(&m, PCP_MALFORMED_OPTION, "option length 65535 at the end");

	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_opt(&m, 200, 5, "abcd", 4);	/* 4 octets of room, length says 5 */
	expect(&m, PCP_MALFORMED_OPTION, "option length 5 with 4 octets left");

	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	m_third_party(&m, &TP);
	m.len -= 4;			/* THIRD_PARTY cut short */
	expect(&m, PCP_MALFORMED_OPTION, "THIRD_PARTY running past the end");

	/* EXCESSIVE_REMOTE_PEERS */
	m_hdr(&m, 2, PCP_OP_MAP, 1, &CLIENT);
	m_map(&m, IPPROTO_UDP, 1, 0, &zero4);
	for (i = 0; i < PCP_MAX_FILTERS; i++)
		m_filter(&m, 128, (uint16_t)i, &FA1);
	ok(pparse(&m, &req) == PCP_SUCCESS && req.nfilters == PCP_MAX_FILTERS,
	   "%d FILTERs: accepted", PCP_MAX_FILTERS);
	n = pcp_build_response(out, sizeof(out), &req,
			       &(struct pcp_resp){ .lifetime = 1 });
	ok(n == PCP_MAX_RESPONSE - 20 - 4,
	   "response with %d FILTERs: %zu octets", PCP_MAX_FILTERS, n);
	m_filter(&m, 128, 99, &FA1);
	expect(&m, PCP_EXCESSIVE_REMOTE_PEERS, "one FILTER over the limit");
	{
		struct msg m2 = m;

		m_filter(&m2, 0, 0, &FA1);
		m_filter(&m2, 120, 7, &FA1);
		ok(pparse(&m2, &req) == PCP_SUCCESS && req.nfilters == 2,
		   "over the limit, then prefix 0 and one FILTER: 2 kept, no EXCESSIVE_REMOTE_PEERS");
	}
	m_filter(&m, 200, 99, &FA1);
	expect(&m, PCP_MALFORMED_OPTION,
	       "over the limit, then a malformed FILTER: MALFORMED_OPTION wins");

	/* names and lifetimes */
	{
		static const char *const names[] = {
			"SUCCESS", "UNSUPP_VERSION", "NOT_AUTHORIZED",
			"MALFORMED_REQUEST", "UNSUPP_OPCODE", "UNSUPP_OPTION",
			"MALFORMED_OPTION", "NETWORK_FAILURE", "NO_RESOURCES",
			"UNSUPP_PROTOCOL", "USER_EX_QUOTA",
			"CANNOT_PROVIDE_EXTERNAL", "ADDRESS_MISMATCH",
			"EXCESSIVE_REMOTE_PEERS",
		};
		int good = 1;

		for (i = 0; i < 14; i++)
			good &= !strcmp(pcp_result_name(i), names[i]);
		ok(good && !strcmp(pcp_result_name(14), "UNKNOWN") &&
		   !strcmp(pcp_result_name(-1), "DROP") &&
		   !strcmp(pcp_result_name(-7), "UNKNOWN"),
		   "pcp_result_name for 0..13, 14, -1, -7");
		ok(pcp_error_lifetime(PCP_MALFORMED_REQUEST) == 1800 &&
		   pcp_error_lifetime(PCP_NO_RESOURCES) == 30 &&
		   pcp_error_lifetime(PCP_SUCCESS) == 0,
		   "pcp_error_lifetime: long 1800, short 30");
	}

	ok(pcp_build_error(out, sizeof(out), m.b, 1, PCP_MALFORMED_REQUEST,
			   1, 1) == 0 &&
	   pcp_build_error(out, sizeof(out), m.b, m.len, PCP_SUCCESS,
			   1, 1) == 0,
	   "pcp_build_error refuses a drop and SUCCESS");

	/* in place */
	m_hdr(&m, 2, 9, 1, &CLIENT);
	n = pcp_build_error(m.b, sizeof(m.b), m.b, m.len, PCP_UNSUPP_OPCODE,
			    1800, 3);
	ok(n == 24 && m.b[1] == 0x89 && m.b[3] == 4 && r32(m.b + 8) == 3 &&
	   !memcmp(m.b + 12, CLIENT.s6_addr + 4, 12),
	   "pcp_build_error works in place");
}

/* ---- PCP error copies of parsed requests -------------------------------- */

static void test_error_parsed(void)
{
	struct in6_addr zero4 = v4m(0, 0, 0, 0);
	uint8_t out[PCP_MAX_MSG + 8];
	struct pcp_req req;
	struct msg m;
	size_t n, i;
	int good;

	m_hdr(&m, 2, PCP_OP_MAP, 3600, &CLIENT);
	m_map(&m, IPPROTO_TCP, 8080, 8080, &SUGG);
	m_opt(&m, 200, 5, "hello", 5);
	m_filter(&m, 128, 1, &PEER_A);
	ok(pparse(&m, &req) == PCP_SUCCESS && req.nskipped == 1,
	   "MAP with an optional option and a FILTER parses");
	memset(out, 0xee, sizeof(out));
	n = pcp_build_error_parsed(out, sizeof(out), m.b, m.len,
				   PCP_NOT_AUTHORIZED, 1800, 77);
	good = n == m.len && out[0] == 2 && out[1] == (0x80 | PCP_OP_MAP) &&
	       out[2] == 0 && out[3] == PCP_NOT_AUTHORIZED &&
	       r32(out + 4) == 1800 && r32(out + 8) == 77;
	for (i = 12; i < 24; i++)
		good &= out[i] == 0;
	ok(good, "error to a parsed request: header set, reserved 96 bits 0 (s7.2)");
	ok(!memcmp(out + 24, m.b + 24, m.len - 24),
	   "error to a parsed request: complete copy, skipped option included (s7.3)");
	n = pcp_build_error(out, sizeof(out), m.b, m.len, PCP_NOT_AUTHORIZED,
			    1800, 77);
	ok(n == m.len && !memcmp(out + 12, CLIENT.s6_addr + 4, 12),
	   "pcp_build_error keeps the client address tail (request not parsed)");
	ok(pcp_build_error_parsed(out, m.len - 1, m.b, m.len, 2, 1, 1) == 0 &&
	   pcp_build_error_parsed(out, sizeof(out), m.b, m.len, 0, 1, 1) == 0,
	   "pcp_build_error_parsed refuses too little room and SUCCESS");
	n = pcp_build_error_parsed(m.b, sizeof(m.b), m.b, m.len,
				   PCP_ADDRESS_MISMATCH, 1800, 9);
	ok(n == m.len && m.b[3] == PCP_ADDRESS_MISMATCH && m.b[12] == 0 &&
	   !memcmp(m.b + 24, NONCE, 12),
	   "pcp_build_error_parsed works in place");

	/* a 2-octet message of another version gets a 24-octet answer */
	memset(&m, 0, sizeof(m));
	m.b[0] = 7;
	m.b[1] = PCP_OP_MAP;
	m.len = 2;
	n = pcp_build_error(out, sizeof(out), m.b, m.len, PCP_UNSUPP_VERSION,
			    1800, 1);
	good = n == 24 && out[0] == 2 && out[1] == 0x81 && out[3] == 1;
	for (i = 12; i < 24; i++)
		good &= out[i] == 0;
	ok(good, "2-octet version 7 request: 24-octet UNSUPP_VERSION, version 2 (s9)");

	/* PEER cannot delete: lifetime 0 is not del (s12.1) */
	m_hdr(&m, 2, PCP_OP_PEER, 0, &CLIENT);
	m_peer(&m, IPPROTO_UDP, 1, 0, &zero4, 1, &PEER_A);
	ok(pparse(&m, &req) == PCP_SUCCESS && !req.del && req.lifetime == 0,
	   "PEER with lifetime 0 parses and is not a delete (s12.1)");
	/* ANNOUNCE ignores the requested lifetime and is 24 octets */
	m_hdr(&m, 2, PCP_OP_ANNOUNCE, 0xffffffff, &CLIENT);
	ok(pparse(&m, &req) == PCP_SUCCESS && !req.del,
	   "ANNOUNCE with any requested lifetime parses (s14.1)");
	m.len = 28;
	ok(pparse(&m, &req) == PCP_UNSUPP_OPTION,
	   "ANNOUNCE with 4 trailing zero octets (option 0, mandatory) -> UNSUPP_OPTION");
}

/* ---- NAT-PMP ---------------------------------------------------------- */

static void nm_map(struct msg *m, uint8_t ver, uint8_t op, uint16_t iport,
		   uint16_t eport, uint32_t lifetime)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = ver;
	m->b[1] = op;
	m->b[2] = 0xab;		/* reserved: ignored */
	m->b[3] = 0xcd;
	w16(m->b + 4, iport);
	w16(m->b + 6, eport);
	w32(m->b + 8, lifetime);
	m->len = 12;
}

static void test_natpmp(void)
{
	struct natpmp_req req;
	struct in_addr ext;
	uint8_t out[NATPMP_MAX_COPY + 8];
	struct msg m;
	size_t n;
	int r;

	ext.s_addr = htonl(0xcb007107);	/* 203.0.113.7 */

	memset(&m, 0, sizeof(m));
	m.len = 2;
	r = natpmp_parse(m.b, m.len, &req);
	ok(r == NATPMP_SUCCESS && req.op == NATPMP_OP_EXTADDR,
	   "NAT-PMP external address request parses");
	n = natpmp_build_extaddr(out, sizeof(out), NATPMP_SUCCESS, 1000, &ext);
	ok(n == 12 && out[0] == 0 && out[1] == 128 && r16(out + 2) == 0 &&
	   r32(out + 4) == 1000 && out[8] == 203 && out[9] == 0 &&
	   out[10] == 113 && out[11] == 7,
	   "external address response: 12 octets byte for byte");
	n = natpmp_build_error(out, sizeof(out), &req, NATPMP_NETWORK_FAILURE,
			       1000);
	ok(n == 12 && out[1] == 128 && r16(out + 2) == 3 && r32(out + 8) == 0,
	   "external address failure: result 3, address 0.0.0.0");
	ok(natpmp_build_extaddr(out, 11, 0, 1, &ext) == 0,
	   "external address response needs 12 octets");

	nm_map(&m, 0, NATPMP_OP_MAP_UDP, 6881, 16881, 7200);
	r = natpmp_parse(m.b, m.len, &req);
	ok(r == NATPMP_SUCCESS && req.op == 1 && req.internal_port == 6881 &&
	   req.ext_port == 16881 && req.lifetime == 7200 && req.flags == 0,
	   "NAT-PMP UDP mapping request parses");
	ok(natpmp_op_protocol(req.op) == IPPROTO_UDP &&
	   natpmp_op_protocol(2) == IPPROTO_TCP && natpmp_op_protocol(0) == 0,
	   "natpmp_op_protocol");
	n = natpmp_build_map(out, sizeof(out), &req, NATPMP_SUCCESS, 1000,
			     40001, 3600);
	ok(n == 16 && out[0] == 0 && out[1] == 129 && r16(out + 2) == 0 &&
	   r32(out + 4) == 1000 && r16(out + 8) == 6881 &&
	   r16(out + 10) == 40001 && r32(out + 12) == 3600,
	   "mapping response: 16 octets byte for byte");
	ok(natpmp_build_map(out, 15, &req, 0, 1, 1, 1) == 0,
	   "mapping response needs 16 octets");

	nm_map(&m, 0, NATPMP_OP_MAP_TCP, 22, 2222, 60);
	m.len = 16;			/* trailing octets are ignored */
	r = natpmp_parse(m.b, m.len, &req);
	ok(r == NATPMP_SUCCESS && req.op == 2 && req.internal_port == 22,
	   "NAT-PMP TCP mapping request (with trailing octets) parses");
	n = natpmp_build_error(out, sizeof(out), &req, NATPMP_NO_RESOURCES, 5);
	ok(n == 16 && out[1] == 130 && r16(out + 2) == 4 &&
	   r16(out + 8) == 22 && r16(out + 10) == 0 && r32(out + 12) == 0,
	   "mapping failure: result 4, internal port echoed, 0 port, 0 lifetime");

	nm_map(&m, 0, NATPMP_OP_MAP_TCP, 22, 2222, 0);
	r = natpmp_parse(m.b, m.len, &req);
	ok(r == NATPMP_SUCCESS && req.flags == NATPMP_F_DELETE,
	   "lifetime 0 with an internal port: delete that mapping");
	nm_map(&m, 0, NATPMP_OP_MAP_UDP, 0, 0, 0);
	r = natpmp_parse(m.b, m.len, &req);
	ok(r == NATPMP_SUCCESS && req.flags == NATPMP_F_DELETE_ALL,
	   "lifetime, internal and external port 0: delete all");
	n = natpmp_build_map(out, sizeof(out), &req, NATPMP_SUCCESS, 8, 0, 0);
	ok(n == 16 && out[1] == 129 && r16(out + 8) == 0 &&
	   r16(out + 10) == 0 && r32(out + 12) == 0,
	   "delete-all response: ports and lifetime 0");
	nm_map(&m, 0, NATPMP_OP_MAP_UDP, 0, 5000, 0);
	r = natpmp_parse(m.b, m.len, &req);
	ok(r == NATPMP_SUCCESS && req.flags == NATPMP_F_DELETE_ALL &&
	   req.ext_port == 0,
	   "lifetime and internal port 0, external port set: delete all (RFC 6886 s3.4: the gateway ignores a deletion's external port)");
	nm_map(&m, 0, NATPMP_OP_MAP_TCP, 22, 2222, 0);
	r = natpmp_parse(m.b, m.len, &req);
	ok(r == NATPMP_SUCCESS && req.flags == NATPMP_F_DELETE &&
	   req.internal_port == 22 && req.ext_port == 0,
	   "deletion: the suggested external port is ignored (returned as 0)");
	n = natpmp_build_map(out, sizeof(out), &req, NATPMP_SUCCESS, 8, 0, 0);
	ok(n == 16 && out[1] == 130 && r16(out + 2) == 0 &&
	   r16(out + 8) == 22 && r16(out + 10) == 0 && r32(out + 12) == 0,
	   "deletion response: result 0, internal port echoed, external port and lifetime 0");
	nm_map(&m, 0, NATPMP_OP_MAP_UDP, 0, 0, 3600);
	ok(natpmp_parse(m.b, m.len, &req) == NATPMP_NOT_AUTHORIZED,
	   "internal port 0 with a lifetime: refused");

	nm_map(&m, 0, NATPMP_OP_MAP_UDP, 1, 1, 1);
	ok(natpmp_parse(m.b, 11, &req) == -1,
	   "11-octet mapping request: dropped");
	ok(natpmp_parse(m.b, 1, &req) == -1, "1-octet request: dropped");
	ok(natpmp_parse(m.b, 0, &req) == -1, "0-octet request: dropped");
	m.b[1] = 128;
	ok(natpmp_parse(m.b, 12, &req) == -1, "op 128 (a response): dropped");
	m.b[1] = 129;
	ok(natpmp_parse(m.b, 16, &req) == -1, "op 129 (a response): dropped");
	m.b[0] = 1;
	ok(natpmp_parse(m.b, 16, &req) == -1,
	   "version 1 with op 129: dropped, not answered");

	nm_map(&m, 1, NATPMP_OP_MAP_UDP, 1, 1, 1);
	ok(natpmp_parse(m.b, 12, &req) == NATPMP_UNSUPP_VERSION,
	   "version 1: UNSUPP_VERSION");
	ok(natpmp_parse(m.b, 2, &req) == NATPMP_UNSUPP_VERSION,
	   "2-octet version 1: UNSUPP_VERSION");
	n = natpmp_build_unsupp_version(out, sizeof(out), 0x11223344);
	ok(n == 8 && out[0] == 0 && out[1] == 128 && r16(out + 2) == 1 &&
	   r32(out + 4) == 0x11223344,
	   "unsupported version response: 0, 128, 1, epoch (erratum 3618)");

	nm_map(&m, 0, 3, 0x1234, 0x5678, 0x9abcdef0);
	ok(natpmp_parse(m.b, 12, &req) == NATPMP_UNSUPP_OPCODE,
	   "op 3: UNSUPP_OPCODE");
	ok(natpmp_parse(m.b, 2, &req) == NATPMP_UNSUPP_OPCODE,
	   "2-octet op 3: UNSUPP_OPCODE");
	m.b[1] = 127;
	ok(natpmp_parse(m.b, 12, &req) == NATPMP_UNSUPP_OPCODE,
	   "op 127: UNSUPP_OPCODE");
	m.b[1] = 3;
	n = natpmp_build_unsupp_opcode(out, sizeof(out), m.b, 12);
	ok(n == 12 && out[0] == 0 && out[1] == 131 && r16(out + 2) == 5 &&
	   !memcmp(out + 4, m.b + 4, 8),
	   "unsupported opcode response: the request, op|128, result 5");
	n = natpmp_build_unsupp_opcode(out, sizeof(out), m.b, 2);
	ok(n == 4 && out[1] == 131 && r16(out + 2) == 5,
	   "2-octet unsupported opcode request: 4-octet response");
	ok(natpmp_build_unsupp_opcode(out, sizeof(out), m.b, 1) == 0 &&
	   natpmp_build_unsupp_opcode(out, 3, m.b, 2) == 0,
	   "unsupported opcode response refuses 1 octet and too little room");
	m.b[1] = 1;
	ok(natpmp_build_unsupp_opcode(out, sizeof(out), m.b, 12) == 0,
	   "unsupported opcode response refuses a supported op");
	{
		static uint8_t big[2000];

		big[0] = 0;
		big[1] = 77;
		n = natpmp_build_unsupp_opcode(out, sizeof(out), big,
					       sizeof(big));
		ok(n == NATPMP_MAX_COPY, "unsupported opcode copy is cut to %d",
		   NATPMP_MAX_COPY);
	}

	n = natpmp_build_announce(out, sizeof(out), 0, &ext);
	ok(n == 12 && out[0] == 0 && out[1] == 128 && r16(out + 2) == 0 &&
	   r32(out + 4) == 0 && !memcmp(out + 8, &ext.s_addr, 4),
	   "announcement: external address response, result 0");
	ok(NATPMP_ANNOUNCE_GROUP == 0xe0000001U && NATPMP_CLIENT_PORT == 5350,
	   "announcement goes to 224.0.0.1:5350");

	ok(!strcmp(natpmp_result_name(0), "SUCCESS") &&
	   !strcmp(natpmp_result_name(5), "UNSUPP_OPCODE") &&
	   !strcmp(natpmp_result_name(6), "UNKNOWN") &&
	   !strcmp(natpmp_result_name(-1), "DROP"),
	   "natpmp_result_name");
}

/* ---- mutation loop ------------------------------------------------------ */

static uint64_t rng_state = FUZZ_SEED;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t rndn(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

#define NSEEDS 6

static void fuzz_seeds(struct msg seeds[NSEEDS])
{
	struct in6_addr zero4 = v4m(0, 0, 0, 0);
	int i;

	m_hdr(&seeds[0], 2, PCP_OP_MAP, 7200, &CLIENT);
	m_map(&seeds[0], IPPROTO_UDP, 4500, 4600, &SUGG);
	m_third_party(&seeds[0], &TP);
	m_opt(&seeds[0], PCP_OPT_PREFER_FAILURE, 0, NULL, 0);
	for (i = 0; i < 3; i++)
		m_filter(&seeds[0], (uint8_t)(120 + i), (uint16_t)i, &FA1);
	m_opt(&seeds[0], 201, 3, "xyz", 3);

	m_hdr(&seeds[1], 2, PCP_OP_PEER, 60, &CLIENT);
	m_peer(&seeds[1], IPPROTO_TCP, 5000, 0, &zero4, 443, &PEER_A);
	m_third_party(&seeds[1], &TP);

	m_hdr(&seeds[2], 2, PCP_OP_ANNOUNCE, 0, &CLIENT);

	m_hdr(&seeds[3], 2, PCP_OP_MAP, 0, &CLIENT);
	m_map(&seeds[3], 0, 0, 0, &zero4);
	for (i = 0; i <= PCP_MAX_FILTERS; i++)	/* one over: EXCESSIVE */
		m_filter(&seeds[3], 64, 0, &FA6);

	nm_map(&seeds[4], 0, NATPMP_OP_MAP_UDP, 6881, 6881, 7200);

	memset(&seeds[5], 0, sizeof(seeds[5]));
	seeds[5].len = 2;
}

/* Exact-size heap copy, so ASan sees any read past len. */
static uint8_t *exact_copy(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (!p) {
		perror("malloc");
		exit(2);
	}
	if (len)
		memcpy(p, src, len);
	return p;
}

static int fuzz_bad;

static void fuzz_fail(size_t iter, const char *what, int r)
{
	if (fuzz_bad++ < 10)
		diag("iteration %zu: %s (result %d)", iter, what, r);
}

static void fuzz_check_pcp(size_t iter, const uint8_t *p, size_t len,
			   long counts[16])
{
	uint8_t out[PCP_MAX_MSG + 8];
	struct pcp_resp resp;
	struct pcp_req req;
	size_t n, need, i;
	int r, oplen, drop;

	r = pcp_parse(p, len, &req);
	counts[r + 1 < 15 ? r + 1 : 15]++;
	drop = len < 2 || (p[1] & 0x80) || (p[0] == 2 && len < PCP_HDR_LEN);
	if (r == -1) {
		if (!drop)
			fuzz_fail(iter, "PCP drop of a message to answer", r);
		return;
	}
	if (drop)
		fuzz_fail(iter, "PCP answered a message it must drop", r);
	if (r != PCP_SUCCESS) {
		size_t copy = len < PCP_MAX_MSG ? len : PCP_MAX_MSG;
		uint8_t *o;

		n = pcp_build_error(out, sizeof(out), p, len, r,
				    pcp_error_lifetime(r), 1);
		if (!n || n > PCP_MAX_MSG || n % 4 || n < PCP_HDR_LEN ||
		    out[0] != 2 || !(out[1] & 0x80) || out[3] != r)
			fuzz_fail(iter, "bad PCP error response", r);
		if (r != PCP_UNSUPP_VERSION &&
		    (n != ((copy + 3) & ~(size_t)3) ||
		     memcmp(out + 12, p + 12, copy - 12)))
			fuzz_fail(iter, "PCP error response not a whole copy", r);
		o = exact_copy(out, n);
		if (pcp_build_error(o, n, p, len, r, 1, 1) != n ||
		    pcp_build_error(o, n - 1, p, len, r, 1, 1) != 0)
			fuzz_fail(iter, "PCP error response size edge", r);
		free(o);
		if (pcp_parse(out, n, &req) != -1)
			fuzz_fail(iter, "PCP error response not dropped", r);
		return;
	}

	/* SUCCESS must be self-consistent */
	oplen = req.opcode == PCP_OP_MAP ? PCP_MAP_LEN :
		req.opcode == PCP_OP_PEER ? PCP_PEER_LEN :
		req.opcode == PCP_OP_ANNOUNCE ? 0 : -1;
	if (oplen < 0 || req.version != 2 || p[0] != 2 ||
	    (p[1] & 0x7f) != req.opcode)
		fuzz_fail(iter, "SUCCESS with a bad version or opcode", r);
	if (len < PCP_HDR_LEN + (size_t)(oplen < 0 ? 0 : oplen) ||
	    len > PCP_MAX_MSG || len % 4)
		fuzz_fail(iter, "SUCCESS with a bad length", r);
	if (req.nfilters > PCP_MAX_FILTERS)
		fuzz_fail(iter, "too many filters", r);
	if (req.opcode != PCP_OP_MAP &&
	    (req.nfilters || req.prefer_failure || req.del))
		fuzz_fail(iter, "MAP-only state outside MAP", r);
	if (req.opcode == PCP_OP_ANNOUNCE && req.has_third_party)
		fuzz_fail(iter, "THIRD_PARTY in ANNOUNCE", r);
	if (req.opcode == PCP_OP_PEER &&
	    (!req.protocol || !req.internal_port || !req.peer_port))
		fuzz_fail(iter, "PEER with a zero field", r);
	if (req.opcode == PCP_OP_MAP &&
	    ((!req.protocol && req.internal_port) ||
	     req.del != (req.lifetime == 0)))
		fuzz_fail(iter, "MAP protocol/port/delete inconsistent", r);
	for (i = 0; i < req.nfilters; i++) {
		const struct pcp_filter *f = &req.filters[i];

		if (f->prefix_len > 128 || f->prefix_len128 != f->prefix_len ||
		    (pcp_addr_is_v4mapped(&f->addr) && f->prefix_len &&
		     f->prefix_len < 96) ||
		    (i && !f->prefix_len))
			fuzz_fail(iter, "bad filter prefix", r);
	}
	need = PCP_HDR_LEN + (size_t)(oplen < 0 ? 0 : oplen) +
	       (req.has_third_party ? 20 : 0) + (req.prefer_failure ? 4 : 0) +
	       req.nfilters * 24u;
	if (need > len)
		fuzz_fail(iter, "parsed more options than the message holds", r);

	memset(&resp, 0, sizeof(resp));
	resp.result = (uint8_t)rndn(14);
	resp.lifetime = (uint32_t)rnd();
	resp.epoch = (uint32_t)rnd();
	resp.ext_port = (uint16_t)rnd();
	n = pcp_build_response(out, sizeof(out), &req, &resp);
	if (n != need || n > PCP_MAX_RESPONSE || out[3] != resp.result ||
	    !(out[1] & 0x80))
		fuzz_fail(iter, "bad PCP response", r);
	if (n) {
		uint8_t *o = exact_copy(out, n);

		if (pcp_build_response(o, n, &req, &resp) != n ||
		    memcmp(o, out, n) ||
		    pcp_build_response(o, n - 1, &req, &resp) != 0)
			fuzz_fail(iter, "PCP response size edge", r);
		free(o);
		if (pcp_parse(out, n, &req) != -1)
			fuzz_fail(iter, "PCP response not dropped", r);
	}
	n = pcp_build_error_parsed(out, sizeof(out), p, len,
				   PCP_NO_RESOURCES, 30, 1);
	if (n != len || memcmp(out + 24, p + 24, len - 24) || out[12] ||
	    out[23] || out[3] != PCP_NO_RESOURCES)
		fuzz_fail(iter, "bad PCP error to a parsed request", r);
}

static void fuzz_check_natpmp(size_t iter, const uint8_t *p, size_t len,
			      long counts[8])
{
	uint8_t out[NATPMP_MAX_COPY + 8];
	struct natpmp_req req;
	size_t n;
	int r, drop;

	r = natpmp_parse(p, len, &req);
	counts[r + 1 < 7 ? r + 1 : 7]++;
	drop = len < 2 || (p[1] & 0x80) ||
	       (p[0] == 0 && (p[1] == 1 || p[1] == 2) && len < 12);
	if ((r == -1) != drop) {
		fuzz_fail(iter, "NAT-PMP drop decision", r);
		return;
	}
	switch (r) {
	case -1:
		return;
	case NATPMP_SUCCESS:
		if (p[0] != 0 || req.op > 2 || (req.op && len < 12))
			fuzz_fail(iter, "NAT-PMP SUCCESS inconsistent", r);
		if (req.op && ((req.flags == NATPMP_F_DELETE) !=
			       (!req.lifetime && req.internal_port) ||
			       (req.flags == NATPMP_F_DELETE_ALL) !=
			       (!req.lifetime && !req.internal_port) ||
			       (!req.lifetime && req.ext_port) ||
			       (!req.internal_port && req.lifetime)))
			fuzz_fail(iter, "NAT-PMP flags inconsistent", r);
		n = req.op ? natpmp_build_map(out, sizeof(out), &req, 0, 1,
					      2, 3) :
			natpmp_build_extaddr(out, sizeof(out), 0, 1, NULL);
		if (n != (req.op ? 16u : 12u))
			fuzz_fail(iter, "NAT-PMP response length", r);
		break;
	case NATPMP_UNSUPP_VERSION:
		if (p[0] == 0)
			fuzz_fail(iter, "UNSUPP_VERSION for version 0", r);
		break;
	case NATPMP_UNSUPP_OPCODE:
		n = natpmp_build_unsupp_opcode(out, sizeof(out), p, len);
		if (p[0] != 0 || p[1] <= 2 || n < 4 || n > NATPMP_MAX_COPY ||
		    out[1] != (p[1] | 0x80) || r16(out + 2) != 5)
			fuzz_fail(iter, "NAT-PMP UNSUPP_OPCODE", r);
		break;
	case NATPMP_NOT_AUTHORIZED:
		if (req.internal_port || !req.lifetime ||
		    natpmp_build_error(out, sizeof(out), &req, r, 1) != 16)
			fuzz_fail(iter, "NAT-PMP refusal", r);
		break;
	default:
		fuzz_fail(iter, "NAT-PMP unexpected result", r);
	}
}

static void test_fuzz(void)
{
	static const char *const kind[] = { "random", "mutated" };
	struct msg seeds[NSEEDS];
	long pcp_counts[16] = { 0 }, pmp_counts[8] = { 0 };
	long kinds[2] = { 0 };
	uint8_t work[FUZZ_MAX_LEN + 64];
	size_t iter, len, k, i;
	int j;

	fuzz_seeds(seeds);
	for (iter = 0; iter < FUZZ_ITERATIONS; iter++) {
		uint8_t *p;

		k = rndn(4) ? 1 : 0;
		kinds[k]++;
		if (k == 0) {
			len = rndn(FUZZ_MAX_LEN + 1);
			for (i = 0; i < len; i++)
				work[i] = (uint8_t)rnd();
			/* reach past the version check most of the time */
			if (len && rndn(2))
				work[0] = (uint8_t)rndn(3);
		} else {
			const struct msg *s = &seeds[rndn(NSEEDS)];
			size_t nmut = rndn(5);

			memcpy(work, s->b, s->len);
			for (i = s->len; i < sizeof(work); i++)
				work[i] = (uint8_t)rnd();
			len = s->len;
			switch (rndn(6)) {
			case 0:		/* any length */
				len = rndn(FUZZ_MAX_LEN + 1);
				break;
			case 1:		/* a few octets shorter or longer */
				len = s->len + rndn(9);
				len = len >= 4 ? len - 4 : 0;
				break;
			case 2:		/* a whole option more or less */
				len = rndn(2) ? s->len + 4 * rndn(8) :
				      (s->len >= 24 ? s->len - 4 * rndn(6) : 0);
				break;
			default:
				break;
			}
			if (len > FUZZ_MAX_LEN)
				len = FUZZ_MAX_LEN;
			for (i = 0; i < nmut && len; i++) {
				size_t at = rndn(len);

				switch (rndn(3)) {
				case 0:
					work[at] = (uint8_t)rnd();
					break;
				case 1:
					work[at] ^= (uint8_t)(1u << rndn(8));
					break;
				default: /* lie in an option length */
					if (at + 1 < len) {
						work[at] = (uint8_t)rndn(2);
						work[at + 1] = (uint8_t)rnd();
					}
					break;
				}
			}
		}
		p = exact_copy(work, len);
		if (len && p[0] == 0)
			fuzz_check_natpmp(iter, p, len, pmp_counts);
		else
			fuzz_check_pcp(iter, p, len, pcp_counts);
		/* both parsers see every message too */
		{
			struct natpmp_req nr;
			struct pcp_req pr;

			(void)natpmp_parse(p, len, &nr);
			(void)pcp_parse(p, len, &pr);
		}
		free(p);
	}

	diag("fuzz: %ld %s, %ld %s messages, seed 0x%llx", kinds[0], kind[0],
	     kinds[1], kind[1], (unsigned long long)FUZZ_SEED);
	for (j = 0; j < 15; j++)
		if (pcp_counts[j])
			diag("  PCP %-24s %ld", pcp_result_name(j - 1),
			     pcp_counts[j]);
	for (j = 0; j < 7; j++)
		if (pmp_counts[j])
			diag("  NAT-PMP %-20s %ld", natpmp_result_name(j - 1),
			     pmp_counts[j]);
	ok(fuzz_bad == 0,
	   "%d mutated/random messages: parsers consistent, no out-of-bounds access (%d bad)",
	   FUZZ_ITERATIONS, fuzz_bad);
	ok(pcp_counts[PCP_SUCCESS + 1] > 1000 &&
	   pcp_counts[PCP_MALFORMED_OPTION + 1] > 100 &&
	   pcp_counts[PCP_MALFORMED_REQUEST + 1] > 100 &&
	   pcp_counts[PCP_EXCESSIVE_REMOTE_PEERS + 1] > 0 &&
	   pcp_counts[PCP_UNSUPP_OPTION + 1] > 0 &&
	   pmp_counts[NATPMP_SUCCESS + 1] > 100,
	   "fuzz reached success and the option error paths");
}

int main(void)
{
	printf("TAP version 13\n");
	setup_addrs();
	test_map_roundtrip();
	test_map_special();
	test_peer_roundtrip();
	test_announce();
	test_pcp_errors();
	test_error_parsed();
	test_natpmp();
	test_fuzz();
	printf("1..%d\n", n_test);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
