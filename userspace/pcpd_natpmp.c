// SPDX-License-Identifier: GPL-2.0
/*
 * conenat-pcpd: the NAT-PMP request handler (RFC 6886).
 *
 * NAT-PMP maps only the address the request came from. The datagram's
 * interface and source were checked and the rate limit charged before
 * (serve_socket(), pcpd.c: dropped without an answer). Then, in order:
 *
 *   natpmp_parse()   a response or runt is dropped; another version,
 *                    an unknown opcode or a mapping request naming no
 *                    port are answered at once
 *   access list      NOT_AUTHORIZED (2), for a new mapping (the address
 *                    and a host's deletion of its own need none)
 *   PCP's mappings   NOT_AUTHORIZED (2): one made or taken by PCP has a
 *                    nonce NAT-PMP cannot show, so is neither renewed nor
 *                    deleted (grants_map(), grants_unmap())
 *   quota            NO_RESOURCES (4) (grants_map())
 *   kernel           NETWORK_FAILURE (3) without an external address,
 *                    NO_RESOURCES (4) when it cannot
 *
 * Op 0 answers the instance's external address; op 1 (UDP) and op 2 (TCP)
 * map, renew or, with lifetime 0, delete (one internal port, or with
 * internal and external port 0 every NAT-PMP mapping of the host and
 * protocol). A mapping's response carries the kernel's external port and
 * the lifetime the kernel granted.
 */
#include <arpa/inet.h>

#include "pcpd.h"
#include "natpmp_wire.h"

static int natpmp_result(enum pcpd_status st)
{
	switch (st) {
	case PCPD_OK:
		return NATPMP_SUCCESS;
	case PCPD_NOT_AUTHORIZED:
		return NATPMP_NOT_AUTHORIZED;
	case PCPD_NETWORK_FAILURE:
		return NATPMP_NETWORK_FAILURE;
	case PCPD_QUOTA:
	case PCPD_NO_RESOURCES:
	default:
		return NATPMP_NO_RESOURCES;
	}
}

static size_t natpmp_map(const struct natpmp_req *req,
			 const struct pcpd_packet *p, uint8_t *out, size_t cap,
			 uint32_t epoch, int *result)
{
	const struct kinstance *ki = pcpd_instance();
	uint8_t proto = (uint8_t)natpmp_op_protocol(req->op);
	uint32_t host = p->src_addr;
	enum pcpd_status st;
	struct map_want w;
	struct map_got got;

	*result = NATPMP_NOT_AUTHORIZED;
	if (req->flags & (NATPMP_F_DELETE | NATPMP_F_DELETE_ALL)) {
		/* a host deletes only its own (no access list), never PCP's */
		*result = NATPMP_NETWORK_FAILURE;
		if (!ki)
			goto refuse;
		st = grants_unmap(CONENAT_ORIGIN_NATPMP, proto, host,
				  req->internal_port, NULL);
		*result = natpmp_result(st);
		if (st != PCPD_OK)
			goto refuse;
		/* section 3.4: external port and lifetime 0 */
		return natpmp_build_map(out, cap, req, NATPMP_SUCCESS, epoch,
					0, 0);
	}

	if (!access_allowed(host, req->internal_port, req->ext_port))
		goto refuse;
	*result = NATPMP_NETWORK_FAILURE;
	if (!ki || !ki->ext_addr)
		goto refuse;
	w = (struct map_want){
		.origin = CONENAT_ORIGIN_NATPMP,
		.proto = proto,
		.addr = host,
		.int_port = req->internal_port,
		.ext_port = req->ext_port,
		.lifetime = access_lifetime(req->lifetime, false),
	};
	st = grants_map(&w, p->now, &got);
	*result = natpmp_result(st);
	if (st != PCPD_OK)
		goto refuse;
	return natpmp_build_map(out, cap, req, NATPMP_SUCCESS, epoch,
				got.ext_port, got.lifetime);
refuse:
	return natpmp_build_error(out, cap, req, *result, epoch);
}

size_t natpmp_handle(const struct pcpd_packet *p, uint8_t *out, size_t cap)
{
	const struct kinstance *ki;
	struct natpmp_req req;
	uint32_t epoch = pcpd_epoch(p->now);
	struct in_addr ext;
	size_t n;
	int r;

	r = natpmp_parse(p->buf, p->len, &req);
	switch (r) {
	case -1:
		return 0;
	case NATPMP_SUCCESS:
		break;
	case NATPMP_UNSUPP_VERSION:
		log_debug("nat-pmp from %s:%u: version %u unsupported",
			  log_addr(p->src_addr), p->src_port, req.version);
		return natpmp_build_unsupp_version(out, cap, epoch);
	case NATPMP_UNSUPP_OPCODE:
		log_debug("nat-pmp from %s:%u: opcode %u unsupported",
			  log_addr(p->src_addr), p->src_port, req.op);
		return natpmp_build_unsupp_opcode(out, cap, p->buf, p->len);
	default:
		log_debug("nat-pmp op %u from %s:%u: %s", req.op,
			  log_addr(p->src_addr), p->src_port,
			  natpmp_result_name(r));
		return natpmp_build_error(out, cap, &req, r, epoch);
	}

	if (req.op == NATPMP_OP_EXTADDR) {
		/* any host the instance serves may know the address */
		ki = pcpd_instance();
		if (!ki || !ki->ext_addr) {
			/* section 3.2: no external address yet */
			r = NATPMP_NETWORK_FAILURE;
			n = natpmp_build_error(out, cap, &req, r, epoch);
		} else {
			r = NATPMP_SUCCESS;
			ext.s_addr = ki->ext_addr;
			n = natpmp_build_extaddr(out, cap, r, epoch, &ext);
		}
	} else {
		n = natpmp_map(&req, p, out, cap, epoch, &r);
	}
	if (req.op == NATPMP_OP_EXTADDR)
		log_debug("nat-pmp external address from %s:%u: %s",
			  log_addr(p->src_addr), p->src_port,
			  natpmp_result_name(r));
	else
		log_debug("nat-pmp %s%s from %s:%u: port %u (suggested %u) lifetime %u: %s",
			  req.op == NATPMP_OP_MAP_TCP ? "tcp" : "udp",
			  req.lifetime ? "" : " delete",
			  log_addr(p->src_addr), p->src_port,
			  req.internal_port, req.ext_port, req.lifetime,
			  natpmp_result_name(r));
	return n;
}
