// SPDX-License-Identifier: GPL-2.0
/*
 * conenat-pcpd: the PCP request handler (RFC 6887).
 *
 * The datagram's interface and source were checked and the rate limit
 * charged before (serve_socket(), pcpd.c: dropped without an answer).
 * Then, in order, each step refusing before the next does any work:
 *
 *   pcp_parse()          length, version, opcode, options: an error is
 *                        answered with pcp_build_error() (a copy of the
 *                        request), a response or runt is dropped
 *   pcp_check_source()   the client's address field is the packet's
 *                        source (ADDRESS_MISMATCH), THIRD_PARTY not the
 *                        client itself
 *   the request          THIRD_PARTY allowed and its host inside the
 *                        instance, protocol UDP or TCP, a port, FILTERs
 *                        the kernel can hold
 *   access list          NOT_AUTHORIZED (PEER: the internal port only)
 *   quota                USER_EX_QUOTA (grants_map(), grants_room())
 *   kernel
 *
 * Every error is answered with a copy of the request (RFC 6887 section
 * 7.3) and pcp_error_lifetime()'s lifetime: pcp_build_error() for what
 * pcp_parse() refused, pcp_build_error_parsed() (reserved header bits 0,
 * section 7.2) after; a success with pcp_build_response().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pcpd.h"

static void v4mapped(struct in6_addr *a, uint32_t addr)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[10] = 0xff;
	a->s6_addr[11] = 0xff;
	memcpy(&a->s6_addr[12], &addr, 4);
}

static uint32_t v4(const struct in6_addr *a)
{
	uint32_t addr;

	memcpy(&addr, &a->s6_addr[12], 4);
	return addr;
}

static bool all_zero(const struct in6_addr *a)
{
	static const struct in6_addr zero;

	return !memcmp(a, &zero, sizeof(zero));
}

static int pcp_result(enum pcpd_status st)
{
	switch (st) {
	case PCPD_OK:
		return PCP_SUCCESS;
	case PCPD_NOT_AUTHORIZED:
		return PCP_NOT_AUTHORIZED;
	case PCPD_QUOTA:
		return PCP_USER_EX_QUOTA;
	case PCPD_NETWORK_FAILURE:
		return PCP_NETWORK_FAILURE;
	case PCPD_CANNOT_PROVIDE:
		return PCP_CANNOT_PROVIDE_EXTERNAL;
	case PCPD_EXCESSIVE_PEERS:
		return PCP_EXCESSIVE_REMOTE_PEERS;
	case PCPD_NO_RESOURCES:
	default:
		return PCP_NO_RESOURCES;
	}
}

/* "udp", "tcp", or the number, in @buf. */
static const char *proto_name(uint8_t proto, char buf[12])
{
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_UDP)
		return "udp";
	snprintf(buf, 12, "proto %u", proto);
	return buf;
}

/*
 * The FILTERs of a MAP request as the permits to hold (RFC 6887 section
 * 13.3): in order, prefix length 0 removes the filters named so far and
 * before; a remote peer port 0 is any port. A permit holds one IPv4
 * address: an IPv4-mapped address with a prefix of all its bits (/32, or
 * /128 as the mapped form) is one; a shorter prefix (a range) or an IPv6
 * remote cannot be held, and letting a wider set in than the client asked
 * for would defeat the option, so the request is refused with
 * EXCESSIVE_REMOTE_PEERS ("not able to create the filters"). Returns
 * PCP_SUCCESS with *@nout filters, or that error.
 */
static int filters_wanted(const struct pcp_req *req, struct pcpd_filter *out,
			  uint8_t *nout)
{
	uint8_t i, j, n = 0;

	for (i = 0; i < req->nfilters; i++) {
		const struct pcp_filter *f = &req->filters[i];
		struct pcpd_filter want;

		if (!f->prefix_len) {
			n = 0;
			continue;
		}
		if (!pcp_addr_is_v4mapped(&f->addr) || f->prefix_len128 != 128)
			return PCP_EXCESSIVE_REMOTE_PEERS;
		want.addr = v4(&f->addr);
		want.port = f->port;
		if (!want.addr)
			return PCP_EXCESSIVE_REMOTE_PEERS;
		for (j = 0; j < n; j++)
			if (out[j].addr == want.addr &&
			    out[j].port == want.port)
				break;
		if (j == n)
			out[n++] = want;
	}
	*nout = n;
	return PCP_SUCCESS;
}

/*
 * Makes @g's permits those of @want, for @lifetime: new ones added (the
 * ones kept are extended), those no longer named deleted.
 */
static int filters_apply(struct grant *g, const struct pcpd_filter *want,
			 uint8_t n, uint32_t lifetime)
{
	struct kpermit_req kp = {
		.proto = g->proto,
		.int_addr = g->int_addr,
		.int_port = g->int_port,
		.lifetime = lifetime,
	};
	uint8_t i, j, kept = 0;
	int err;

	for (i = 0; i < g->nfilters; i++) {
		for (j = 0; j < n; j++)
			if (want[j].addr == g->filters[i].addr &&
			    want[j].port == g->filters[i].port)
				break;
		if (j < n)
			continue;
		kp.remote_addr = g->filters[i].addr;
		kp.remote_port = g->filters[i].port;
		err = kernel_unpermit(&kp);
		if (err && err != ENOENT)
			log_msg("cannot delete the permit of %s for %s:%u: %s",
				log_addr(g->int_addr), log_addr(kp.remote_addr),
				kp.remote_port, kernel_message());
	}
	g->nfilters = 0;
	for (i = 0; i < n; i++) {
		kp.remote_addr = want[i].addr;
		kp.remote_port = want[i].port;
		err = kernel_permit(&kp, NULL);
		if (err) {
			if (err == ENOSPC) {
				log_msg("filter of %s %s:%u for %s: %s",
					g->proto == IPPROTO_TCP ? "tcp" : "udp",
					log_addr(g->int_addr), g->int_port,
					log_addr(kp.remote_addr),
					kernel_message());
				return PCP_EXCESSIVE_REMOTE_PEERS;
			}
			return pcp_result(grants_kernel_status(err, "filter"));
		}
		g->filters[kept++] = want[i];
		g->nfilters = kept;
	}
	return PCP_SUCCESS;
}

static int pcp_map(const struct pcp_req *req, uint32_t host,
		   const struct pcpd_packet *p, struct pcp_resp *resp)
{
	const struct kinstance *ki = pcpd_instance();
	struct pcpd_filter want[PCP_MAX_FILTERS];
	struct map_want w;
	struct map_got got;
	enum pcpd_status st;
	uint8_t nwant = 0;
	int r;

	if (req->protocol && req->protocol != IPPROTO_UDP &&
	    req->protocol != IPPROTO_TCP)
		return PCP_UNSUPP_PROTOCOL;

	if (req->del) {
		/*
		 * Section 15: lifetime 0 deletes the mapping of the internal
		 * port, or with port 0 the client's mappings of the protocol
		 * (protocol 0: of both), theirs by nonce. Deleting what is
		 * not there is a success. A host only ever deletes its own
		 * grants: the access list, which says what it may be given,
		 * has no say.
		 */
		if (!ki)
			return PCP_NETWORK_FAILURE;
		st = grants_unmap(req->internal_port ? 0 : CONENAT_ORIGIN_PCP,
				  req->protocol, host, req->internal_port,
				  req->nonce);
		resp->lifetime = 0;
		return pcp_result(st);
	}

	/*
	 * Section 11.3: a mapping of every protocol (0) or of every port
	 * (internal port 0) that cannot be made in its entirety is
	 * UNSUPP_PROTOCOL; conenat maps one port of UDP or TCP.
	 */
	if (!req->protocol || !req->internal_port)
		return PCP_UNSUPP_PROTOCOL;

	r = filters_wanted(req, want, &nwant);
	if (r != PCP_SUCCESS)
		return r;

	memset(&w, 0, sizeof(w));
	w.origin = CONENAT_ORIGIN_PCP;
	w.proto = req->protocol;
	w.addr = host;
	w.int_port = req->internal_port;
	w.ext_port = req->ext_port;
	w.prefer_failure = req->prefer_failure;
	w.filtered = nwant > 0;
	w.nonce = req->nonce;
	/* ::ffff:0.0.0.0 and :: suggest no address; IPv6 none conenat has */
	if (pcp_addr_is_v4mapped(&req->ext_addr))
		w.ext_addr = v4(&req->ext_addr);
	else if (!all_zero(&req->ext_addr) && req->prefer_failure)
		return PCP_CANNOT_PROVIDE_EXTERNAL;

	if (!access_allowed(host, w.int_port, w.ext_port))
		return PCP_NOT_AUTHORIZED;
	if (!ki || !ki->ext_addr)
		return PCP_NETWORK_FAILURE;
	/* section 13.2: an address the instance does not have */
	if (w.prefer_failure && w.ext_addr && w.ext_addr != ki->ext_addr &&
	    (!ki->ext_addr_min ||
	     ntohl(w.ext_addr) < ntohl(ki->ext_addr_min) ||
	     ntohl(w.ext_addr) > ntohl(ki->ext_addr_max)))
		return PCP_CANNOT_PROVIDE_EXTERNAL;
	w.lifetime = access_lifetime(req->lifetime, true);

	st = grants_map(&w, p->now, &got);
	if (st != PCPD_OK)
		return pcp_result(st);
	if (got.grant && !got.grant->foreign) {
		r = filters_apply(got.grant, want, nwant, got.lifetime);
		if (r != PCP_SUCCESS) {
			if (got.created)
				grants_unmap(0, w.proto, host, w.int_port,
					     NULL);
			return r;
		}
	} else if (nwant) {
		/* the administrator's mapping lets every remote in */
		return PCP_EXCESSIVE_REMOTE_PEERS;
	}
	resp->lifetime = got.lifetime;
	resp->ext_port = got.ext_port;
	v4mapped(&resp->ext_addr, got.ext_addr);
	return PCP_SUCCESS;
}

static int pcp_peer(const struct pcp_req *req, uint32_t host,
		    const struct pcpd_packet *p, struct pcp_resp *resp)
{
	const struct kinstance *ki = pcpd_instance();
	struct kpermit_req kp;
	enum pcpd_status st;
	struct kmapping km;
	struct grant *g;
	uint32_t lifetime;
	bool opened;
	int err;

	if (req->protocol != IPPROTO_UDP && req->protocol != IPPROTO_TCP)
		return PCP_UNSUPP_PROTOCOL;
	/* a remote conenat can reach: one IPv4 address */
	if (!pcp_addr_is_v4mapped(&req->peer_addr))
		return PCP_NOT_AUTHORIZED;
	if (!v4(&req->peer_addr))
		return PCP_MALFORMED_REQUEST;

	memset(&kp, 0, sizeof(kp));
	kp.proto = req->protocol;
	kp.int_addr = host;
	kp.int_port = req->internal_port;
	kp.remote_addr = v4(&req->peer_addr);
	kp.remote_port = req->peer_port;

	g = grant_find(GRANT_PEER, host, kp.proto, kp.int_port,
		       kp.remote_addr, kp.remote_port);
	if (g && !grant_nonce_ok(g, req->nonce))
		return PCP_NOT_AUTHORIZED;

	if (!req->lifetime) {
		/*
		 * Its own flow's permit: no access list (as for MAP). The
		 * grant stays, closed, counted in the host's quota until the
		 * lifetime it was given ends (grants_expire()): opening and
		 * closing peers gets no host past its quota.
		 */
		if (!ki)
			return PCP_NETWORK_FAILURE;
		err = kernel_unpermit(&kp);
		if (err && err != ENOENT)
			return pcp_result(grants_kernel_status(err, "peer"));
		if (g) {
			resp->ext_port = g->ext_port;
			v4mapped(&resp->ext_addr, g->ext_addr);
			if (!g->closed)
				log_msg("pcp peer %s %s:%u to %s:%u closed",
					kp.proto == IPPROTO_TCP ? "tcp" : "udp",
					log_addr(host), kp.int_port,
					log_addr(kp.remote_addr),
					kp.remote_port);
			g->closed = true;
		} else {
			resp->ext_port = req->ext_port;
			resp->ext_addr = req->ext_addr;
		}
		resp->lifetime = 0;
		return PCP_SUCCESS;
	}

	/*
	 * The external endpoint is the one the host's own traffic to the
	 * remote has or gets, not one the host picks: the access list is
	 * asked of the internal port only, before any kernel request.
	 */
	if (!access_allowed(host, kp.int_port, 0))
		return PCP_NOT_AUTHORIZED;
	if (!ki || !ki->ext_addr)
		return PCP_NETWORK_FAILURE;
	/* a closed one is counted still: opened again without room */
	opened = !g || g->closed;
	if (!g) {
		st = grants_room(host, p->now);
		if (st != PCPD_OK)
			return pcp_result(st);
	}
	/* at most lifetime max, as a mapping */
	lifetime = access_lifetime(req->lifetime, true);
	kp.lifetime = lifetime;
	err = kernel_permit(&kp, &km);
	if (err)
		return pcp_result(grants_kernel_status(err, "peer"));
	if (!g) {
		g = grant_add(GRANT_PEER, host, kp.proto, kp.int_port,
			      kp.remote_addr, kp.remote_port);
		if (!g) {
			kernel_unpermit(&kp);
			return PCP_NO_RESOURCES;
		}
	}
	if (opened)
		log_msg("pcp peer %s %s:%u -> %s:%u to %s:%u for %us",
			kp.proto == IPPROTO_TCP ? "tcp" : "udp", log_addr(host), kp.int_port,
			log_addr(km.ext_addr), km.ext_port,
			log_addr(kp.remote_addr), kp.remote_port, lifetime);
	g->closed = false;
	g->origin = CONENAT_ORIGIN_PCP;
	if (!g->has_nonce) {
		memcpy(g->nonce, req->nonce, PCP_NONCE_LEN);
		g->has_nonce = true;
	}
	g->ext_addr = km.ext_addr;
	g->ext_port = km.ext_port;
	/* the permit lasts no longer than the flow's mapping */
	if (km.has_expires && km.expires && km.expires < lifetime)
		lifetime = km.expires;
	/* counted until the longest lifetime it was given ends */
	if (g->expires < p->now + (uint64_t)lifetime * 1000)
		g->expires = p->now + (uint64_t)lifetime * 1000;
	resp->lifetime = lifetime;
	resp->ext_port = km.ext_port;
	v4mapped(&resp->ext_addr, km.ext_addr);
	return PCP_SUCCESS;
}

/* The checks of the request itself, then its opcode's work. */
static int pcp_serve(const struct pcp_req *req, const struct pcpd_packet *p,
		     struct pcp_resp *resp)
{
	uint32_t host = p->src_addr;

	/* the source itself is inside the instance (serve_socket()) */
	if (req->opcode == PCP_OP_ANNOUNCE)
		return PCP_SUCCESS;	/* section 14.1: the epoch */
	if (req->has_third_party) {
		/* section 13.1: only where the administrator allows it */
		if (!pcpd_cfg.third_party ||
		    !pcp_addr_is_v4mapped(&req->third_party))
			return PCP_NOT_AUTHORIZED;
		host = v4(&req->third_party);
		if (!access_host(host, 0))
			return PCP_NOT_AUTHORIZED;
	}
	if (req->opcode == PCP_OP_MAP)
		return pcp_map(req, host, p, resp);
	return pcp_peer(req, host, p, resp);
}

static const char *opcode_name(uint8_t op)
{
	switch (op) {
	case PCP_OP_ANNOUNCE:
		return "ANNOUNCE";
	case PCP_OP_MAP:
		return "MAP";
	case PCP_OP_PEER:
		return "PEER";
	default:
		return "opcode";
	}
}

size_t pcp_handle(const struct pcpd_packet *p, uint8_t *out, size_t cap)
{
	struct pcp_resp resp;
	struct pcp_req req;
	struct in6_addr src;
	uint32_t epoch = pcpd_epoch(p->now);
	char buf[12];
	int r;

	r = pcp_parse(p->buf, p->len, &req);
	if (r < 0)
		return 0;
	if (r != PCP_SUCCESS) {
		log_debug("pcp %s from %s:%u: %s", opcode_name(req.opcode),
			  log_addr(p->src_addr), p->src_port,
			  pcp_result_name(r));
		/* too many FILTERs: parsed to the end, nothing malformed */
		if (r == PCP_EXCESSIVE_REMOTE_PEERS)
			return pcp_build_error_parsed(out, cap, p->buf, p->len,
						      r, pcp_error_lifetime(r),
						      epoch);
		return pcp_build_error(out, cap, p->buf, p->len, r,
				       pcp_error_lifetime(r), epoch);
	}
	v4mapped(&src, p->src_addr);
	r = pcp_check_source(&req, &src);
	if (r == PCP_SUCCESS) {
		memset(&resp, 0, sizeof(resp));
		r = pcp_serve(&req, p, &resp);
	}
	epoch = pcpd_epoch(p->now);
	if (req.opcode == PCP_OP_ANNOUNCE)
		log_debug("pcp ANNOUNCE from %s:%u: %s", log_addr(p->src_addr),
			  p->src_port, pcp_result_name(r));
	else
		log_debug("pcp %s%s from %s:%u: %s port %u lifetime %u: %s",
			  opcode_name(req.opcode), req.del ? " delete" : "",
			  log_addr(p->src_addr), p->src_port,
			  proto_name(req.protocol, buf), req.internal_port,
			  req.lifetime, pcp_result_name(r));
	if (r != PCP_SUCCESS)
		return pcp_build_error_parsed(out, cap, p->buf, p->len, r,
					      pcp_error_lifetime(r), epoch);
	resp.result = PCP_SUCCESS;
	resp.epoch = epoch;
	return pcp_build_response(out, cap, &req, &resp);
}
