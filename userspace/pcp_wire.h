/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCP wire format (RFC 6887, PCP version 2): parsing of requests and
 * building of responses, for conenat-pcpd. No I/O, no allocation, no global
 * state; every read is bounded by the length the caller passes.
 *
 * Dispatch of one received datagram (buf, len) on UDP 5351:
 *
 *   len == 0                          drop
 *   buf[0] == 0 (NAT-PMP version)     natpmp_parse()       (natpmp_wire.h)
 *   anything else                     pcp_parse()
 *
 * pcp_parse() answers every version other than 2 with PCP_UNSUPP_VERSION
 * (version 0 included, for a caller that does not serve NAT-PMP), and the
 * response pcp_build_error() makes for it carries version 2, the only
 * version this server speaks (RFC 6887 section 9). A version 2 message
 * shorter than the 24-octet header is dropped (section 8.3).
 *
 * Pass the datagram's real length: receive into a buffer of at least
 * PCP_MAX_MSG + 4 bytes (or use MSG_TRUNC) so that an oversized message is
 * seen as such and answered with PCP_MALFORMED_REQUEST.
 *
 * Then, for a PCP request:
 *
 *   r = pcp_parse(buf, len, &req);
 *   r == -1                  drop silently
 *   r != PCP_SUCCESS         n = pcp_build_error(out, cap, buf, len, r,
 *                                    pcp_error_lifetime(r), epoch);
 *   r == PCP_SUCCESS         r = pcp_check_source(&req, &src);  then the
 *                            mapping logic; on success
 *                            pcp_build_response(); on an error
 *                            pcp_build_error_parsed(out, cap, buf, len, r,
 *                                    pcp_error_lifetime(r), epoch), the
 *                            complete copy of the request RFC 6887
 *                            section 7.3 asks for (pcp_build_response()
 *                            with an error result still works, but does
 *                            not echo skipped optional options).
 */
#ifndef CONENAT_PCP_WIRE_H
#define CONENAT_PCP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#define PCP_SERVER_PORT		5351
#define PCP_CLIENT_PORT		5350	/* unsolicited ANNOUNCE destination */
#define PCP_VERSION		2
#define PCP_MAX_MSG		1100	/* RFC 6887 section 7 */
#define PCP_HDR_LEN		24	/* common request/response header */
#define PCP_MAP_LEN		36	/* MAP opcode-specific data */
#define PCP_PEER_LEN		56	/* PEER opcode-specific data */
#define PCP_NONCE_LEN		12
#define PCP_R_BIT		0x80	/* in the second octet: response */
#define PCP_OPCODE_MASK		0x7f

#define PCP_OPT_HDR_LEN		4
#define PCP_OPT_OPTIONAL_BIT	0x80	/* codes 128-255: optional to process */
#define PCP_THIRD_PARTY_LEN	16
#define PCP_PREFER_FAILURE_LEN	0
#define PCP_FILTER_LEN		20

/* Most FILTER options one request may carry; more: EXCESSIVE_REMOTE_PEERS. */
#define PCP_MAX_FILTERS		8

/* Largest response pcp_build_response() writes (a MAP with every option). */
#define PCP_MAX_RESPONSE						\
	(PCP_HDR_LEN + PCP_MAP_LEN +					\
	 PCP_OPT_HDR_LEN + PCP_THIRD_PARTY_LEN +			\
	 PCP_OPT_HDR_LEN + PCP_PREFER_FAILURE_LEN +			\
	 PCP_MAX_FILTERS * (PCP_OPT_HDR_LEN + PCP_FILTER_LEN))

/* RFC 6887 section 7.4: recommended lifetimes of error responses. */
#define PCP_ERR_LIFETIME_SHORT	30
#define PCP_ERR_LIFETIME_LONG	1800

enum pcp_opcode {
	PCP_OP_ANNOUNCE	= 0,
	PCP_OP_MAP	= 1,
	PCP_OP_PEER	= 2,
};

enum pcp_result {
	PCP_SUCCESS			= 0,
	PCP_UNSUPP_VERSION		= 1,
	PCP_NOT_AUTHORIZED		= 2,
	PCP_MALFORMED_REQUEST		= 3,
	PCP_UNSUPP_OPCODE		= 4,
	PCP_UNSUPP_OPTION		= 5,
	PCP_MALFORMED_OPTION		= 6,
	PCP_NETWORK_FAILURE		= 7,
	PCP_NO_RESOURCES		= 8,
	PCP_UNSUPP_PROTOCOL		= 9,
	PCP_USER_EX_QUOTA		= 10,
	PCP_CANNOT_PROVIDE_EXTERNAL	= 11,
	PCP_ADDRESS_MISMATCH		= 12,
	PCP_EXCESSIVE_REMOTE_PEERS	= 13,
};

enum pcp_option_code {
	PCP_OPT_THIRD_PARTY	= 1,	/* MAP, PEER; at most once */
	PCP_OPT_PREFER_FAILURE	= 2,	/* MAP; at most once */
	PCP_OPT_FILTER		= 3,	/* MAP; repeatable */
};

/*
 * One FILTER option (RFC 6887 section 13.3). prefix_len is the octet as
 * received (and echoed): it always counts bits of the 128-bit addr, so for
 * an IPv4-mapped remote address it is 96..128 (96 + the IPv4 prefix
 * length); pcp_parse() refuses 1..95 there with MALFORMED_OPTION.
 * prefix_len128 is the same value (kept for the API). 0 means "no filter":
 * remove the mapping's filters (pcp_parse() then keeps only this entry and
 * the FILTERs after it). port 0 means all ports.
 */
struct pcp_filter {
	uint8_t prefix_len;
	uint8_t prefix_len128;
	uint16_t port;
	struct in6_addr addr;
};

/*
 * A parsed request. Ports and lifetimes are in host byte order; addresses
 * are as on the wire (IPv4 as IPv4-mapped IPv6). After a result other than
 * PCP_SUCCESS only version and opcode are meaningful.
 */
struct pcp_req {
	uint8_t version;
	uint8_t opcode;
	uint32_t lifetime;		/* requested; 0 = delete (MAP) */
	struct in6_addr client_addr;	/* PCP Client's IP Address field */

	/* MAP and PEER */
	uint8_t nonce[PCP_NONCE_LEN];
	uint8_t protocol;		/* IANA number; 0 = all (MAP only) */
	uint16_t internal_port;		/* 0 = all ports; 0 if protocol 0 */
	uint16_t ext_port;		/* suggested external port */
	struct in6_addr ext_addr;	/* suggested external address */
	bool del;			/* MAP with lifetime 0 */

	/* PEER */
	uint16_t peer_port;
	struct in6_addr peer_addr;

	/* options */
	bool has_third_party;
	struct in6_addr third_party;	/* internal address mapped for */
	bool prefer_failure;
	uint8_t nfilters;
	struct pcp_filter filters[PCP_MAX_FILTERS];
	uint16_t nskipped;		/* unknown optional options ignored */
};

/* What the server decided, for pcp_build_response(). Host byte order. */
struct pcp_resp {
	uint8_t result;			/* enum pcp_result */
	uint32_t lifetime;		/* granted, or the error's lifetime */
	uint32_t epoch;			/* seconds since the server's epoch */
	uint16_t ext_port;		/* assigned (MAP, PEER; success) */
	struct in6_addr ext_addr;	/* assigned (MAP, PEER; success) */
};

/**
 * pcp_addr_is_v4mapped() - whether an address is IPv4-mapped (::ffff:a.b.c.d)
 * @a: the address
 *
 * Return: true for an IPv4-mapped IPv6 address, the form PCP carries IPv4 in.
 */
static inline bool pcp_addr_is_v4mapped(const struct in6_addr *a)
{
	static const uint8_t prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return !memcmp(a->s6_addr, prefix, sizeof(prefix));
}

const char *pcp_result_name(int result);
uint32_t pcp_error_lifetime(int result);
int pcp_parse(const uint8_t *buf, size_t len, struct pcp_req *req);
int pcp_check_source(const struct pcp_req *req, const struct in6_addr *src);
size_t pcp_build_response(uint8_t *buf, size_t cap, const struct pcp_req *req,
			  const struct pcp_resp *resp);
size_t pcp_build_error(uint8_t *buf, size_t cap, const uint8_t *req,
		       size_t req_len, int result, uint32_t lifetime,
		       uint32_t epoch);
size_t pcp_build_error_parsed(uint8_t *buf, size_t cap, const uint8_t *req,
			      size_t req_len, int result, uint32_t lifetime,
			      uint32_t epoch);
size_t pcp_build_announce(uint8_t *buf, size_t cap, uint32_t epoch);

#endif /* CONENAT_PCP_WIRE_H */
