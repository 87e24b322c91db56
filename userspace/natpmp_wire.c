// SPDX-License-Identifier: GPL-2.0
/*
 * NAT-PMP wire format (RFC 6886, erratum 3618): turns a received request
 * into a struct natpmp_req or the result code to answer with, and writes
 * responses into caller buffers. Every packet is taken as hostile: each
 * read is checked against the length given, nothing allocates, blocks or
 * keeps state between calls, and the one response that copies a request
 * (unsupported opcode) is cut to NATPMP_MAX_COPY octets.
 */
#include <string.h>

#include "natpmp_wire.h"
#include "wire_bytes.h"

static const char *const natpmp_result_names[] = {
	[NATPMP_SUCCESS]	= "SUCCESS",
	[NATPMP_UNSUPP_VERSION]	= "UNSUPP_VERSION",
	[NATPMP_NOT_AUTHORIZED]	= "NOT_AUTHORIZED",
	[NATPMP_NETWORK_FAILURE] = "NETWORK_FAILURE",
	[NATPMP_NO_RESOURCES]	= "NO_RESOURCES",
	[NATPMP_UNSUPP_OPCODE]	= "UNSUPP_OPCODE",
};

/**
 * natpmp_result_name() - a name for a NAT-PMP result code, for logs and tests
 * @result: a result code (0..5), or -1 as natpmp_parse() returns for a drop
 *
 * Return: a static string: the code's name, "DROP" for -1, "UNKNOWN" for
 * any other value. Never NULL.
 */
const char *natpmp_result_name(int result)
{
	if (result == -1)
		return "DROP";
	if (result < 0 || (size_t)result >= ARRAY_SIZE(natpmp_result_names))
		return "UNKNOWN";
	return natpmp_result_names[result];
}

/**
 * natpmp_parse() - parse and validate one NAT-PMP request
 * @buf: the UDP payload as received
 * @len: its length in octets
 * @req: filled in; zeroed first
 *
 * RFC 6886 section 3.5, with the drop first: fewer than 2 octets, or an
 * opcode of 128 or more (a response): drop. Version other than 0:
 * UNSUPP_VERSION. Opcode 3..127: UNSUPP_OPCODE. Op 0 (external address,
 * section 3.2) needs 2 octets; op 1 (UDP) and op 2 (TCP) mappings
 * (section 3.3) need 12, fewer: drop; octets past those are ignored, and so
 * is the reserved field. A mapping request with lifetime 0 is a deletion
 * (section 3.4), whose suggested external port the gateway "MUST" ignore
 * (it is returned as 0): with an internal port, of that mapping
 * (NATPMP_F_DELETE); with internal port 0, of all the client's mappings of
 * that protocol (NATPMP_F_DELETE_ALL; the client sends the external port as
 * 0 too, but a non-zero one is ignored like any deletion's). Internal port
 * 0 with a lifetime names no mapping: NOT_AUTHORIZED ("refused").
 *
 * Reads at most 12 octets of @buf and never past @len.
 *
 * Return: -1 to drop silently, otherwise the result code to answer with:
 * NATPMP_SUCCESS with @req complete, or an error (@req->op is set for
 * UNSUPP_OPCODE and NOT_AUTHORIZED).
 */
int natpmp_parse(const uint8_t *buf, size_t len, struct natpmp_req *req)
{
	if (!req)
		return -1;
	memset(req, 0, sizeof(*req));
	if (!buf || len < 2)
		return -1;
	req->version = buf[0];
	req->op = buf[1];
	if (req->op & NATPMP_RESPONSE_BIT)
		return -1;
	if (req->version != NATPMP_VERSION)
		return NATPMP_UNSUPP_VERSION;

	switch (req->op) {
	case NATPMP_OP_EXTADDR:
		return NATPMP_SUCCESS;
	case NATPMP_OP_MAP_UDP:
	case NATPMP_OP_MAP_TCP:
		break;
	default:
		return NATPMP_UNSUPP_OPCODE;
	}

	if (len < NATPMP_MAP_REQ_LEN)
		return -1;
	req->internal_port = get16(buf + 4);
	req->ext_port = get16(buf + 6);
	req->lifetime = get32(buf + 8);
	if (req->lifetime == 0) {
		req->ext_port = 0;
		req->flags = req->internal_port ? NATPMP_F_DELETE :
						  NATPMP_F_DELETE_ALL;
	} else if (req->internal_port == 0) {
		return NATPMP_NOT_AUTHORIZED;
	}
	return NATPMP_SUCCESS;
}

/* The 8 octets every response starts with. */
static void put_hdr(uint8_t *buf, uint8_t op, uint16_t result, uint32_t epoch)
{
	buf[0] = NATPMP_VERSION;
	buf[1] = NATPMP_RESPONSE_BIT | op;
	put16(buf + 2, result);
	put32(buf + 4, epoch);
}

/**
 * natpmp_build_extaddr() - build an external address response (op 128)
 * @buf: where to write it
 * @cap: room in @buf, in octets
 * @result: the result code, 0..65535
 * @epoch: seconds since the port mapping table was initialised
 * @addr: the external IPv4 address (network byte order); NULL for none
 *
 * RFC 6886 section 3.2: version 0, op 128, result, epoch, address. On a
 * non-zero result the address is sent as 0.0.0.0 whatever @addr says.
 * Writes exactly NATPMP_EXTADDR_RESP_LEN (12) octets.
 *
 * Return: 12, or 0 when @cap is smaller or @result is out of range.
 */
size_t natpmp_build_extaddr(uint8_t *buf, size_t cap, int result,
			    uint32_t epoch, const struct in_addr *addr)
{
	if (!buf || cap < NATPMP_EXTADDR_RESP_LEN || result < 0 ||
	    result > UINT16_MAX)
		return 0;
	put_hdr(buf, NATPMP_OP_EXTADDR, (uint16_t)result, epoch);
	if (result == NATPMP_SUCCESS && addr)
		memcpy(buf + 8, &addr->s_addr, 4);
	else
		memset(buf + 8, 0, 4);
	return NATPMP_EXTADDR_RESP_LEN;
}

/**
 * natpmp_build_map() - build a mapping response (op 129 or 130)
 * @buf: where to write it
 * @cap: room in @buf, in octets
 * @req: the request (op 1 or 2); its op and internal port are echoed
 * @result: the result code, 0..65535
 * @epoch: seconds since the port mapping table was initialised
 * @ext_port: the mapped external port (0 for a deletion)
 * @lifetime: the granted lifetime in seconds (0 for a deletion)
 *
 * RFC 6886 section 3.3: version 0, op 128 + request op, result, epoch,
 * internal port, mapped external port, lifetime. A deletion is answered
 * with external port 0 and lifetime 0 (section 3.4); the caller passes
 * those. Writes exactly NATPMP_MAP_RESP_LEN (16) octets.
 *
 * Return: 16, or 0 when @cap is smaller, @req is not a mapping request or
 * @result is out of range.
 */
size_t natpmp_build_map(uint8_t *buf, size_t cap, const struct natpmp_req *req,
			int result, uint32_t epoch, uint16_t ext_port,
			uint32_t lifetime)
{
	if (!buf || !req || cap < NATPMP_MAP_RESP_LEN || result < 0 ||
	    result > UINT16_MAX || !natpmp_op_protocol(req->op))
		return 0;
	put_hdr(buf, req->op, (uint16_t)result, epoch);
	put16(buf + 8, req->internal_port);
	put16(buf + 10, ext_port);
	put32(buf + 12, lifetime);
	return NATPMP_MAP_RESP_LEN;
}

/**
 * natpmp_build_error() - build the failure response to a supported opcode
 * @buf: where to write it
 * @cap: room in @buf, in octets
 * @req: the request (op 0, 1 or 2)
 * @result: a non-zero result code, 1..65535 (e.g. NOT_AUTHORIZED,
 *	NETWORK_FAILURE, NO_RESOURCES)
 * @epoch: seconds since the port mapping table was initialised
 *
 * RFC 6886 section 3.5: a failed request of a supported opcode gets a
 * valid response of that opcode with the result code set and the other
 * fields set "appropriately": for op 0 the address 0.0.0.0 (section 3.2),
 * for op 1 and 2 the internal port echoed, external port 0 and lifetime 0.
 * Writes 12 (op 0) or 16 (op 1, 2) octets.
 *
 * Return: the response's length, or 0 when it does not fit, @req->op is
 * not 0..2 or @result is not 1..65535.
 */
size_t natpmp_build_error(uint8_t *buf, size_t cap,
			  const struct natpmp_req *req, int result,
			  uint32_t epoch)
{
	if (!req || result <= NATPMP_SUCCESS || result > UINT16_MAX)
		return 0;
	if (req->op == NATPMP_OP_EXTADDR)
		return natpmp_build_extaddr(buf, cap, result, epoch, NULL);
	return natpmp_build_map(buf, cap, req, result, epoch, 0, 0);
}

/**
 * natpmp_build_unsupp_version() - build the "Unsupported Version" response
 * @buf: where to write it
 * @cap: room in @buf, in octets
 * @epoch: seconds since the port mapping table was initialised
 *
 * RFC 6886 section 3.5 as corrected by erratum 3618: version 0, op 128
 * (whatever the request's op), result 1, epoch. The version field, 0, is
 * the highest version a NAT-PMP server speaks. Writes exactly
 * NATPMP_HDR_RESP_LEN (8) octets.
 *
 * Return: 8, or 0 when @cap is smaller.
 */
size_t natpmp_build_unsupp_version(uint8_t *buf, size_t cap, uint32_t epoch)
{
	if (!buf || cap < NATPMP_HDR_RESP_LEN)
		return 0;
	put_hdr(buf, 0, NATPMP_UNSUPP_VERSION, epoch);
	return NATPMP_HDR_RESP_LEN;
}

/**
 * natpmp_build_unsupp_opcode() - build the "Unsupported opcode" response
 * @buf: where to write it; may be the same memory as @req (memmove)
 * @cap: room in @buf, in octets
 * @req: the request as received (version 0, op 3..127)
 * @req_len: its length, at least 2
 *
 * RFC 6886 section 3.5: the entire request is returned with the top bit of
 * the opcode set and the result code (octets 2-3) set to 5. The copy is cut
 * to NATPMP_MAX_COPY octets; a 2- or 3-octet request is padded with zeroes
 * to the 4 octets the result code needs. No epoch is added: the RFC asks
 * for the request itself.
 *
 * Reads at most min(@req_len, NATPMP_MAX_COPY) octets of @req and writes
 * as many (at least 4), never past @cap.
 *
 * Return: the response's length, or 0 when it does not fit, @req_len is
 * below 2, or @req's op is 0..2 or 128 and above.
 */
size_t natpmp_build_unsupp_opcode(uint8_t *buf, size_t cap, const uint8_t *req,
				  size_t req_len)
{
	size_t n, copy;
	uint8_t op;

	if (!buf || !req || req_len < 2)
		return 0;
	op = req[1];
	if (op <= NATPMP_OP_MAP_TCP || (op & NATPMP_RESPONSE_BIT))
		return 0;
	copy = req_len < NATPMP_MAX_COPY ? req_len : NATPMP_MAX_COPY;
	n = copy < 4 ? 4 : copy;
	if (n > cap)
		return 0;
	memmove(buf, req, copy);
	memset(buf + copy, 0, n - copy);
	buf[1] = NATPMP_RESPONSE_BIT | op;
	put16(buf + 2, NATPMP_UNSUPP_OPCODE);
	return n;
}

/**
 * natpmp_build_announce() - build an external address announcement
 * @buf: where to write it
 * @cap: room in @buf, in octets
 * @epoch: seconds since the port mapping table was initialised
 * @addr: the (new) external IPv4 address, network byte order
 *
 * RFC 6886 section 3.2.1: on start, on a change of external address and
 * on any loss of mapping state the gateway multicasts an external address
 * response with result 0 to 224.0.0.1 (NATPMP_ANNOUNCE_GROUP), port 5350
 * (NATPMP_CLIENT_PORT). Writes exactly 12 octets.
 *
 * Return: 12, or 0 when @cap is smaller or @addr is NULL.
 */
size_t natpmp_build_announce(uint8_t *buf, size_t cap, uint32_t epoch,
			     const struct in_addr *addr)
{
	if (!addr)
		return 0;
	return natpmp_build_extaddr(buf, cap, NATPMP_SUCCESS, epoch, addr);
}
