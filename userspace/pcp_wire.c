// SPDX-License-Identifier: GPL-2.0
/*
 * PCP wire format (RFC 6887, version 2): turns a received request into a
 * struct pcp_req or the result code the server must answer with, and writes
 * responses into caller buffers. Every packet is taken as hostile: each
 * read is checked against the length given, option walking advances by at
 * least 4 octets a step and stops at the end of the message, and nothing
 * here allocates, blocks or keeps state between calls.
 */
#include <string.h>

#include "pcp_wire.h"
#include "wire_bytes.h"

static void get_addr(struct in6_addr *a, const uint8_t *p)
{
	memcpy(a->s6_addr, p, sizeof(a->s6_addr));
}

static void put_addr(uint8_t *p, const struct in6_addr *a)
{
	memcpy(p, a->s6_addr, sizeof(a->s6_addr));
}

static const char *const pcp_result_names[] = {
	[PCP_SUCCESS]			= "SUCCESS",
	[PCP_UNSUPP_VERSION]		= "UNSUPP_VERSION",
	[PCP_NOT_AUTHORIZED]		= "NOT_AUTHORIZED",
	[PCP_MALFORMED_REQUEST]		= "MALFORMED_REQUEST",
	[PCP_UNSUPP_OPCODE]		= "UNSUPP_OPCODE",
	[PCP_UNSUPP_OPTION]		= "UNSUPP_OPTION",
	[PCP_MALFORMED_OPTION]		= "MALFORMED_OPTION",
	[PCP_NETWORK_FAILURE]		= "NETWORK_FAILURE",
	[PCP_NO_RESOURCES]		= "NO_RESOURCES",
	[PCP_UNSUPP_PROTOCOL]		= "UNSUPP_PROTOCOL",
	[PCP_USER_EX_QUOTA]		= "USER_EX_QUOTA",
	[PCP_CANNOT_PROVIDE_EXTERNAL]	= "CANNOT_PROVIDE_EXTERNAL",
	[PCP_ADDRESS_MISMATCH]		= "ADDRESS_MISMATCH",
	[PCP_EXCESSIVE_REMOTE_PEERS]	= "EXCESSIVE_REMOTE_PEERS",
};

/**
 * pcp_result_name() - the RFC 6887 name of a result code, for logs and tests
 * @result: a result code (0..13), or -1 as pcp_parse() returns for a drop
 *
 * Return: a static string: the code's name, "DROP" for -1, "UNKNOWN" for
 * any other value. Never NULL.
 */
const char *pcp_result_name(int result)
{
	if (result == -1)
		return "DROP";
	if (result < 0 || (size_t)result >= ARRAY_SIZE(pcp_result_names))
		return "UNKNOWN";
	return pcp_result_names[result];
}

/**
 * pcp_error_lifetime() - the lifetime to put in an error response
 * @result: the error's result code
 *
 * RFC 6887 section 7.4 classes each error as short or long lived and
 * recommends 30 seconds and 30 minutes. CANNOT_PROVIDE_EXTERNAL, whose
 * lifetime "depends on the reason", is given the short one.
 *
 * Return: seconds: 0 for SUCCESS, PCP_ERR_LIFETIME_SHORT for
 * NETWORK_FAILURE, NO_RESOURCES, USER_EX_QUOTA and CANNOT_PROVIDE_EXTERNAL,
 * PCP_ERR_LIFETIME_LONG for every other value.
 */
uint32_t pcp_error_lifetime(int result)
{
	switch (result) {
	case PCP_SUCCESS:
		return 0;
	case PCP_NETWORK_FAILURE:
	case PCP_NO_RESOURCES:
	case PCP_USER_EX_QUOTA:
	case PCP_CANNOT_PROVIDE_EXTERNAL:
		return PCP_ERR_LIFETIME_SHORT;
	default:
		return PCP_ERR_LIFETIME_LONG;
	}
}

/* Length of an opcode's fixed data, or -1 for an opcode not served. */
static int pcp_opcode_len(uint8_t opcode)
{
	switch (opcode) {
	case PCP_OP_ANNOUNCE:
		return 0;
	case PCP_OP_MAP:
		return PCP_MAP_LEN;
	case PCP_OP_PEER:
		return PCP_PEER_LEN;
	default:
		return -1;
	}
}

/*
 * Check a FILTER prefix length against its address (RFC 6887 section 13.3).
 * The prefix counts bits of the 128-bit field: for an IPv4-mapped address
 * the valid lengths are 96..128 ("add 96 to the IPv4 prefix length"), for
 * any other address 0..128; anything else is MALFORMED_OPTION. 0 means "no
 * filter" (remove the mapping's filters) and is taken with either kind of
 * address, since it names none.
 */
static bool pcp_filter_prefix(const struct in6_addr *addr, uint8_t plen)
{
	if (plen == 0)
		return true;
	if (plen > 128)
		return false;
	return !pcp_addr_is_v4mapped(addr) || plen >= 96;
}

/*
 * Walk the options from off to len (both multiples of 4, len <= 1100).
 * Each step reads a 4-octet header that is known to be inside the message
 * and then skips the data rounded up to 4; a length that runs past the end
 * is MALFORMED_OPTION before any of its data is read.
 */
static int pcp_parse_options(const uint8_t *buf, size_t len, size_t off,
			     struct pcp_req *req)
{
	bool excessive = false;

	while (off < len) {
		size_t left = len - off;
		struct pcp_filter *f;
		const uint8_t *data;
		struct in6_addr addr;
		size_t olen, padded;
		uint8_t code;

		if (left < PCP_OPT_HDR_LEN)
			return PCP_MALFORMED_OPTION;
		code = buf[off];
		olen = get16(buf + off + 2);
		padded = (olen + 3) & ~(size_t)3;
		off += PCP_OPT_HDR_LEN;
		left -= PCP_OPT_HDR_LEN;
		if (padded > left)
			return PCP_MALFORMED_OPTION;
		data = buf + off;
		off += padded;

		switch (code) {
		case PCP_OPT_THIRD_PARTY:
			if (req->opcode != PCP_OP_MAP &&
			    req->opcode != PCP_OP_PEER)
				return PCP_MALFORMED_OPTION;
			if (olen != PCP_THIRD_PARTY_LEN || req->has_third_party)
				return PCP_MALFORMED_OPTION;
			req->has_third_party = true;
			get_addr(&req->third_party, data);
			break;
		case PCP_OPT_PREFER_FAILURE:
			/* RFC 6887 section 12.1: in PEER it is this error */
			if (req->opcode == PCP_OP_PEER)
				return PCP_MALFORMED_REQUEST;
			if (req->opcode != PCP_OP_MAP)
				return PCP_MALFORMED_OPTION;
			if (olen != PCP_PREFER_FAILURE_LEN ||
			    req->prefer_failure)
				return PCP_MALFORMED_OPTION;
			req->prefer_failure = true;
			break;
		case PCP_OPT_FILTER:
			if (req->opcode != PCP_OP_MAP || olen != PCP_FILTER_LEN)
				return PCP_MALFORMED_OPTION;
			get_addr(&addr, data + 4);
			if (!pcp_filter_prefix(&addr, data[1]))
				return PCP_MALFORMED_OPTION;
			/*
			 * Prefix 0 removes all previous filters, those of this
			 * request included: start the list again from it.
			 */
			if (data[1] == 0) {
				req->nfilters = 0;
				excessive = false;
			}
			/* keep looking for malformed options past the cap */
			if (req->nfilters >= PCP_MAX_FILTERS) {
				excessive = true;
				break;
			}
			f = &req->filters[req->nfilters++];
			f->prefix_len = data[1];
			f->prefix_len128 = data[1];
			f->port = get16(data + 2);
			f->addr = addr;
			break;
		default:
			if (!(code & PCP_OPT_OPTIONAL_BIT))
				return PCP_UNSUPP_OPTION;
			if (req->nskipped < UINT16_MAX)
				req->nskipped++;
			break;
		}
	}
	return excessive ? PCP_EXCESSIVE_REMOTE_PEERS : PCP_SUCCESS;
}

/**
 * pcp_parse() - parse and validate one PCP request
 * @buf: the UDP payload as received
 * @len: its length in octets (the datagram's real length)
 * @req: filled in; zeroed first
 *
 * Follows RFC 6887 section 8.3, in its order: fewer than 2 octets or the R
 * bit set (a response): drop. Version other than 2: UNSUPP_VERSION, however
 * short (section 9). Version 2 but shorter than the 24-octet header: drop.
 * Longer than 1100 octets or not a multiple of 4: MALFORMED_REQUEST. Opcode
 * other than ANNOUNCE, MAP, PEER: UNSUPP_OPCODE. Too short for the opcode's
 * data: MALFORMED_REQUEST. PEER with protocol, internal port or remote peer
 * port 0 (section 12.1): MALFORMED_REQUEST. Then the options, in order
 * (sections 7.3, 13): a length past the end, a wrong length, a second
 * THIRD_PARTY or PREFER_FAILURE, a known option not valid for the opcode,
 * or a FILTER prefix that does not fit its address: MALFORMED_OPTION, except
 * PREFER_FAILURE in PEER: MALFORMED_REQUEST (section 12.1). An unknown
 * option 0-127: UNSUPP_OPTION; 128-255: skipped. A FILTER with prefix 0
 * drops the FILTERs before it (section 13.3: it removes all previous
 * filters); more than PCP_MAX_FILTERS FILTERs after that:
 * EXCESSIVE_REMOTE_PEERS (reported once the walk found nothing malformed).
 * Reserved fields are ignored. MAP with protocol 0 has its internal port
 * taken as 0 (section 11.1: "MUST be ignored on reception"); MAP with
 * lifetime 0 sets del (PEER cannot delete, section 12.1; ANNOUNCE ignores
 * the requested lifetime).
 *
 * Reads at most @len octets of @buf and never more than 1100.
 *
 * Return: -1 to drop silently, otherwise the result code to answer with:
 * PCP_SUCCESS, with @req complete, or an error for pcp_build_error().
 */
int pcp_parse(const uint8_t *buf, size_t len, struct pcp_req *req)
{
	const uint8_t *op;
	int oplen;

	if (!req)
		return -1;
	memset(req, 0, sizeof(*req));
	if (!buf || len < 2)
		return -1;
	if (buf[1] & PCP_R_BIT)
		return -1;
	req->version = buf[0];
	req->opcode = buf[1] & PCP_OPCODE_MASK;
	if (req->version != PCP_VERSION)
		return PCP_UNSUPP_VERSION;
	if (len < PCP_HDR_LEN)
		return -1;
	if (len > PCP_MAX_MSG || len % 4)
		return PCP_MALFORMED_REQUEST;
	oplen = pcp_opcode_len(req->opcode);
	if (oplen < 0)
		return PCP_UNSUPP_OPCODE;
	if (len < PCP_HDR_LEN + (size_t)oplen)
		return PCP_MALFORMED_REQUEST;

	req->lifetime = get32(buf + 4);
	get_addr(&req->client_addr, buf + 8);

	op = buf + PCP_HDR_LEN;
	if (req->opcode == PCP_OP_MAP || req->opcode == PCP_OP_PEER) {
		memcpy(req->nonce, op, PCP_NONCE_LEN);
		req->protocol = op[12];
		req->internal_port = get16(op + 16);
		req->ext_port = get16(op + 18);
		get_addr(&req->ext_addr, op + 20);
	}
	if (req->opcode == PCP_OP_MAP) {
		if (req->protocol == 0)
			req->internal_port = 0;
		req->del = req->lifetime == 0;
	}
	if (req->opcode == PCP_OP_PEER) {
		req->peer_port = get16(op + 36);
		get_addr(&req->peer_addr, op + 40);
		if (!req->protocol || !req->internal_port || !req->peer_port)
			return PCP_MALFORMED_REQUEST;
	}
	return pcp_parse_options(buf, len, PCP_HDR_LEN + (size_t)oplen, req);
}

/**
 * pcp_check_source() - the checks that need the request's source address
 * @req: a request pcp_parse() returned PCP_SUCCESS for
 * @src: the source address of its packet, IPv4 as IPv4-mapped
 *
 * Return: PCP_ADDRESS_MISMATCH when the PCP Client's IP Address field is
 * not @src (RFC 6887 section 8.3, an unexpected NAT on the path);
 * PCP_MALFORMED_REQUEST when a THIRD_PARTY option names @src itself
 * (section 13.1); PCP_SUCCESS otherwise.
 */
int pcp_check_source(const struct pcp_req *req, const struct in6_addr *src)
{
	const size_t n = sizeof(src->s6_addr);

	if (memcmp(req->client_addr.s6_addr, src->s6_addr, n))
		return PCP_ADDRESS_MISMATCH;
	if (req->has_third_party &&
	    !memcmp(req->third_party.s6_addr, src->s6_addr, n))
		return PCP_MALFORMED_REQUEST;
	return PCP_SUCCESS;
}

/* Write an option header; returns the octets written (4). */
static size_t put_opt(uint8_t *p, uint8_t code, uint16_t len)
{
	p[0] = code;
	p[1] = 0;
	put16(p + 2, len);
	return PCP_OPT_HDR_LEN;
}

/**
 * pcp_build_response() - build the response to a parsed request
 * @buf: where to write it
 * @cap: room in @buf, in octets
 * @req: the request, as pcp_parse() returned it with PCP_SUCCESS
 * @resp: result, lifetime, epoch and (MAP, PEER) assigned external endpoint
 *
 * Writes the common response header (RFC 6887 section 7.2: version 2, R
 * bit, opcode, result, lifetime, epoch, reserved zeroes), then for MAP and
 * PEER the opcode data (sections 11.1, 12.1: nonce, protocol, internal port
 * echoed; assigned external port and address; for PEER the remote peer
 * echoed), then the options the request carried that are valid for its
 * opcode: THIRD_PARTY, PREFER_FAILURE, the FILTERs kept (section 13: they
 * may appear in a response when they appeared in the request). The
 * assigned endpoint is @resp's only on a success that is not a delete; a
 * MAP delete (lifetime 0; section 15.1 as erratum 3621 has it) and every
 * error response echo the suggested external port and address, and the
 * reserved header octets are 0, as for a request that was parsed (section
 * 7.2). An ANNOUNCE success has lifetime 0 (section 14.1). Unknown optional
 * options are not echoed, so an error built here is not the complete copy
 * of the request section 7.3 asks for: pcp_build_error_parsed() is.
 *
 * Writes at most PCP_MAX_RESPONSE octets and never past @cap.
 *
 * Return: the response's length, or 0 when it does not fit in @cap or when
 * @req is not a parsed version 2 ANNOUNCE, MAP or PEER request.
 */
size_t pcp_build_response(uint8_t *buf, size_t cap, const struct pcp_req *req,
			  const struct pcp_resp *resp)
{
	bool map, peer, assigned;
	size_t need, off, i;
	uint32_t lifetime;
	int oplen;

	if (!buf || !req || !resp || req->version != PCP_VERSION)
		return 0;
	oplen = pcp_opcode_len(req->opcode);
	if (oplen < 0 || req->nfilters > PCP_MAX_FILTERS)
		return 0;
	map = req->opcode == PCP_OP_MAP;
	peer = req->opcode == PCP_OP_PEER;

	need = PCP_HDR_LEN + (size_t)oplen;
	if ((map || peer) && req->has_third_party)
		need += PCP_OPT_HDR_LEN + PCP_THIRD_PARTY_LEN;
	if (map && req->prefer_failure)
		need += PCP_OPT_HDR_LEN + PCP_PREFER_FAILURE_LEN;
	if (map)
		need += req->nfilters * (PCP_OPT_HDR_LEN + PCP_FILTER_LEN);
	if (need > cap)
		return 0;
	memset(buf, 0, need);

	lifetime = resp->lifetime;
	if (req->opcode == PCP_OP_ANNOUNCE && resp->result == PCP_SUCCESS)
		lifetime = 0;
	buf[0] = PCP_VERSION;
	buf[1] = PCP_R_BIT | req->opcode;
	buf[3] = resp->result;
	put32(buf + 4, lifetime);
	put32(buf + 8, resp->epoch);
	off = PCP_HDR_LEN;

	if (map || peer) {
		assigned = resp->result == PCP_SUCCESS && !req->del;
		memcpy(buf + off, req->nonce, PCP_NONCE_LEN);
		buf[off + 12] = req->protocol;
		put16(buf + off + 16, req->internal_port);
		if (assigned) {
			put16(buf + off + 18, resp->ext_port);
			put_addr(buf + off + 20, &resp->ext_addr);
		} else {
			put16(buf + off + 18, req->ext_port);
			put_addr(buf + off + 20, &req->ext_addr);
		}
		if (peer) {
			put16(buf + off + 36, req->peer_port);
			put_addr(buf + off + 40, &req->peer_addr);
		}
		off += (size_t)oplen;
	}

	if ((map || peer) && req->has_third_party) {
		off += put_opt(buf + off, PCP_OPT_THIRD_PARTY,
			       PCP_THIRD_PARTY_LEN);
		put_addr(buf + off, &req->third_party);
		off += PCP_THIRD_PARTY_LEN;
	}
	if (map && req->prefer_failure)
		off += put_opt(buf + off, PCP_OPT_PREFER_FAILURE,
			       PCP_PREFER_FAILURE_LEN);
	for (i = 0; map && i < req->nfilters; i++) {
		const struct pcp_filter *f = &req->filters[i];

		off += put_opt(buf + off, PCP_OPT_FILTER, PCP_FILTER_LEN);
		buf[off + 1] = f->prefix_len;
		put16(buf + off + 2, f->port);
		put_addr(buf + off + 4, &f->addr);
		off += PCP_FILTER_LEN;
	}
	return off;
}

/*
 * The copy of a request that an error response is (RFC 6887 section 7.3):
 * the request cut to 1100 octets (section 8.3), padded with zeroes to a
 * multiple of 4 and to at least the 24-octet header, with the response
 * header written over its first 12 octets. The 96 reserved bits after them
 * keep the last 96 bits of the request's PCP Client's IP Address, as
 * section 7.2 asks for a request that was not parsed, unless @parsed, when
 * they are zero as for every parsed request.
 */
static size_t pcp_copy_error(uint8_t *buf, size_t cap, const uint8_t *req,
			     size_t req_len, int result, uint32_t lifetime,
			     uint32_t epoch, bool parsed)
{
	size_t n, copy;
	uint8_t opcode;

	if (!buf || !req || req_len < 2 || result <= PCP_SUCCESS ||
	    result > 255)
		return 0;
	copy = req_len < PCP_MAX_MSG ? req_len : PCP_MAX_MSG;
	if (result == PCP_UNSUPP_VERSION)
		copy = copy < PCP_HDR_LEN ? copy : PCP_HDR_LEN;
	n = (copy + 3) & ~(size_t)3;
	if (n < PCP_HDR_LEN)
		n = PCP_HDR_LEN;
	if (n > cap)
		return 0;
	opcode = req[1] & PCP_OPCODE_MASK;
	memmove(buf, req, copy);
	memset(buf + copy, 0, n - copy);

	buf[0] = PCP_VERSION;
	buf[1] = PCP_R_BIT | opcode;
	buf[2] = 0;
	buf[3] = (uint8_t)result;
	put32(buf + 4, lifetime);
	put32(buf + 8, epoch);
	if (parsed)
		memset(buf + 12, 0, PCP_HDR_LEN - 12);
	return n;
}

/**
 * pcp_build_error() - build the error response to a request pcp_parse()
 *	refused
 * @buf: where to write it; may be the same memory as @req (the copy is a
 *	memmove)
 * @cap: room in @buf, in octets
 * @req: the request as received
 * @req_len: its length
 * @result: what pcp_parse() returned: an error code, not SUCCESS, not -1
 * @lifetime: the error's lifetime, e.g. pcp_error_lifetime(@result)
 * @epoch: the server's epoch time
 *
 * RFC 6887 section 7.3: an error response is a complete copy of the request
 * with the header set as for a response (section 7.2): version 2, R bit,
 * the request's opcode, result, lifetime, epoch. The 96 reserved bits that
 * follow are left as the copy has them: the last 96 bits of the request's
 * PCP Client's IP Address, as section 7.2 asks for a request that was not
 * parsed. The copy is cut to 1100 octets (section 8.3) and padded with
 * zeroes to a multiple of 4, so that the response is a valid PCP message
 * holding every octet of the request. For UNSUPP_VERSION only the 24-octet
 * header is sent (padded with zeroes when the request was shorter), since
 * the rest of a message of another version has no known layout; its version
 * field is 2, the only version this server speaks (section 9).
 *
 * Reads at most min(@req_len, 1100) octets of @req; writes at most 1100
 * octets and never past @cap.
 *
 * Return: the response's length, or 0 when it does not fit, when @result
 * is not an error code 1..255 or when @req_len is below 2 (a drop).
 */
size_t pcp_build_error(uint8_t *buf, size_t cap, const uint8_t *req,
		       size_t req_len, int result, uint32_t lifetime,
		       uint32_t epoch)
{
	return pcp_copy_error(buf, cap, req, req_len, result, lifetime, epoch,
			      false);
}

/**
 * pcp_build_error_parsed() - build the error response to a parsed request
 * @buf: where to write it; may be the same memory as @req (memmove)
 * @cap: room in @buf, in octets
 * @req: the request as received, one pcp_parse() returned PCP_SUCCESS for
 * @req_len: its length
 * @result: the error: from pcp_check_source() or the mapping logic
 * @lifetime: the error's lifetime, e.g. pcp_error_lifetime(@result)
 * @epoch: the server's epoch time
 *
 * As pcp_build_error(), but for a request that was successfully parsed:
 * the 96 reserved bits are 0 (RFC 6887 section 7.2). Unlike an error built
 * by pcp_build_response(), the copy is complete (section 7.3): skipped
 * optional options and the reserved octets of the opcode data and options
 * are sent back as received.
 *
 * Return: the response's length, or 0 as for pcp_build_error().
 */
size_t pcp_build_error_parsed(uint8_t *buf, size_t cap, const uint8_t *req,
			      size_t req_len, int result, uint32_t lifetime,
			      uint32_t epoch)
{
	return pcp_copy_error(buf, cap, req, req_len, result, lifetime, epoch,
			      true);
}

/**
 * pcp_build_announce() - build an unsolicited ANNOUNCE response
 * @buf: where to write it
 * @cap: room in @buf, in octets
 * @epoch: the server's epoch time (0 or small right after a restart)
 *
 * RFC 6887 section 14.1: after a restart or a loss of state the server
 * multicasts this to 224.0.0.1 and ff02::1, port PCP_CLIENT_PORT (5350):
 * a 24-octet ANNOUNCE response with result SUCCESS, lifetime 0 and the
 * new epoch. Writes exactly PCP_HDR_LEN octets.
 *
 * Return: PCP_HDR_LEN, or 0 when @cap is smaller.
 */
size_t pcp_build_announce(uint8_t *buf, size_t cap, uint32_t epoch)
{
	if (!buf || cap < PCP_HDR_LEN)
		return 0;
	memset(buf, 0, PCP_HDR_LEN);
	buf[0] = PCP_VERSION;
	buf[1] = PCP_R_BIT | PCP_OP_ANNOUNCE;
	buf[3] = PCP_SUCCESS;
	put32(buf + 8, epoch);
	return PCP_HDR_LEN;
}
