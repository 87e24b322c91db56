/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT-PMP wire format (RFC 6886 with erratum 3618): parsing of requests
 * and building of responses, for conenat-pcpd. No I/O, no allocation, no
 * global state; every read is bounded by the length the caller passes.
 *
 * NAT-PMP and PCP share UDP 5351; a datagram whose first octet is 0 (the
 * NAT-PMP version) goes to natpmp_parse(), any other to pcp_parse() (see
 * pcp_wire.h). Then:
 *
 *   r = natpmp_parse(buf, len, &req);
 *   r == -1                      drop silently
 *   r == NATPMP_UNSUPP_VERSION   natpmp_build_unsupp_version()
 *   r == NATPMP_UNSUPP_OPCODE    natpmp_build_unsupp_opcode()
 *   r == NATPMP_NOT_AUTHORIZED   natpmp_build_error()
 *   r == NATPMP_SUCCESS          the mapping logic, then
 *                                natpmp_build_extaddr() (op 0) or
 *                                natpmp_build_map() (op 1, 2), or
 *                                natpmp_build_error() for its failure.
 */
#ifndef CONENAT_NATPMP_WIRE_H
#define CONENAT_NATPMP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define NATPMP_SERVER_PORT	5351
#define NATPMP_CLIENT_PORT	5350		/* announcements go here */
#define NATPMP_ANNOUNCE_GROUP	0xe0000001U	/* 224.0.0.1, host order */
#define NATPMP_VERSION		0
#define NATPMP_RESPONSE_BIT	0x80		/* in the opcode octet */

#define NATPMP_EXTADDR_REQ_LEN	2
#define NATPMP_MAP_REQ_LEN	12
#define NATPMP_EXTADDR_RESP_LEN	12
#define NATPMP_MAP_RESP_LEN	16
#define NATPMP_HDR_RESP_LEN	8	/* version, op, result, epoch */
#define NATPMP_MAX_COPY		1100	/* most of a request echoed back */

enum natpmp_op {
	NATPMP_OP_EXTADDR	= 0,
	NATPMP_OP_MAP_UDP	= 1,
	NATPMP_OP_MAP_TCP	= 2,
};

enum natpmp_result {
	NATPMP_SUCCESS		= 0,
	NATPMP_UNSUPP_VERSION	= 1,
	NATPMP_NOT_AUTHORIZED	= 2,	/* "Not Authorized/Refused" */
	NATPMP_NETWORK_FAILURE	= 3,
	NATPMP_NO_RESOURCES	= 4,	/* "Out of resources" */
	NATPMP_UNSUPP_OPCODE	= 5,
};

/* Mapping request with lifetime 0 and an internal port: delete that one. */
#define NATPMP_F_DELETE		0x1
/*
 * Lifetime and internal port 0: delete every mapping of this client for the
 * opcode's protocol (RFC 6886 section 3.4). The client sends the suggested
 * external port as 0; the gateway ignores it, as in any deletion.
 */
#define NATPMP_F_DELETE_ALL	0x2

/* A parsed request; ports and lifetime in host byte order. */
struct natpmp_req {
	uint8_t version;
	uint8_t op;			/* enum natpmp_op */
	uint16_t internal_port;		/* op 1, 2 */
	uint16_t ext_port;		/* suggested; op 1, 2; 0 if deleting */
	uint32_t lifetime;		/* requested seconds; op 1, 2 */
	unsigned int flags;		/* NATPMP_F_* */
};

/**
 * natpmp_op_protocol() - the IP protocol a mapping opcode is about
 * @op: a NAT-PMP request opcode
 *
 * Return: IPPROTO_UDP for op 1, IPPROTO_TCP for op 2, 0 for any other.
 */
static inline int natpmp_op_protocol(uint8_t op)
{
	if (op == NATPMP_OP_MAP_UDP)
		return IPPROTO_UDP;
	if (op == NATPMP_OP_MAP_TCP)
		return IPPROTO_TCP;
	return 0;
}

const char *natpmp_result_name(int result);
int natpmp_parse(const uint8_t *buf, size_t len, struct natpmp_req *req);
size_t natpmp_build_extaddr(uint8_t *buf, size_t cap, int result,
			    uint32_t epoch, const struct in_addr *addr);
size_t natpmp_build_map(uint8_t *buf, size_t cap, const struct natpmp_req *req,
			int result, uint32_t epoch, uint16_t ext_port,
			uint32_t lifetime);
size_t natpmp_build_error(uint8_t *buf, size_t cap,
			  const struct natpmp_req *req, int result,
			  uint32_t epoch);
size_t natpmp_build_unsupp_version(uint8_t *buf, size_t cap, uint32_t epoch);
size_t natpmp_build_unsupp_opcode(uint8_t *buf, size_t cap, const uint8_t *req,
				  size_t req_len);
size_t natpmp_build_announce(uint8_t *buf, size_t cap, uint32_t epoch,
			     const struct in_addr *addr);

#endif /* CONENAT_NATPMP_WIRE_H */
