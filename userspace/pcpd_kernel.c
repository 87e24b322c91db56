// SPDX-License-Identifier: GPL-2.0
/*
 * conenat-pcpd's netlink requests, through nl.c with nl_quiet(true): each
 * returns 0 or a positive errno and leaves the text of a failure in
 * kernel_message() rather than printing it, for the caller to answer and
 * log its own way. Every request names the instance; addresses go as
 * NLA_BE32, ports as NLA_BE16.
 *
 *   kernel_open      GET_INFO (CLIENT_API) then GET_INSTANCE NAME
 *   kernel_instance  GET_INSTANCE NAME
 *   kernel_map       NEW_MAPPING, NLM_F_ECHO: INT_ADDR, INT_PORT,
 *                    [EXT_PORT], ORIGIN, LIFETIME, FILTERED
 *   kernel_get       GET_MAPPING (do): INT_ADDR, INT_PORT
 *   kernel_del       DEL_MAPPING: EXT_ADDR, EXT_PORT
 *   kernel_permit    NEW_PERMIT, NLM_F_ECHO: INT_ADDR, INT_PORT,
 *                    REMOTE_ADDR, [REMOTE_PORT], LIFETIME
 *   kernel_unpermit  DEL_PERMIT: INT_ADDR, INT_PORT, REMOTE_ADDR,
 *                    [REMOTE_PORT]
 *   kernel_relearn   GET_MAPPING (dump) of the instance
 *
 * all with INSTANCE and PROTO but the instance requests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "natctl.h"
#include "nl.h"
#include "pcpd.h"

static char instance[CONENAT_NAME_MAX];
static char message[512];

static const struct nla_policy info_policy[CONENAT_INFO_A_MAX + 1] = {
	[CONENAT_INFO_A_VERSION]	= { .type = NLA_STRING },
	[CONENAT_INFO_A_API]		= { .type = NLA_U32 },
};

static const struct nla_policy inst_policy[CONENAT_INSTANCE_A_MAX + 1] = {
	[CONENAT_INSTANCE_A_NAME]		= { .type = NLA_STRING },
	[CONENAT_INSTANCE_A_IFINDEX]		= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_MAPPING]		= { .type = NLA_U8 },
	[CONENAT_INSTANCE_A_FILTERING]		= { .type = NLA_U8 },
	[CONENAT_INSTANCE_A_EXT_ADDR_MIN]	= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_EXT_ADDR_MAX]	= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_EXT_ADDR]		= { .type = NLA_U32 },
	[CONENAT_INSTANCE_A_INTERNAL]		= { .type = NLA_NESTED },
	[CONENAT_INSTANCE_A_PORT_MIN]		= { .type = NLA_U16 },
	[CONENAT_INSTANCE_A_PORT_MAX]		= { .type = NLA_U16 },
	[CONENAT_INSTANCE_A_AGE]		= { .type = NLA_U32 },
};

static const struct nla_policy prefix_policy[CONENAT_PREFIX_A_MAX + 1] = {
	[CONENAT_PREFIX_A_ADDR]	= { .type = NLA_U32 },
	[CONENAT_PREFIX_A_LEN]	= { .type = NLA_U8 },
};

static const struct nla_policy mapping_policy[CONENAT_MAPPING_A_MAX + 1] = {
	[CONENAT_MAPPING_A_INSTANCE]	= { .type = NLA_STRING },
	[CONENAT_MAPPING_A_PROTO]	= { .type = NLA_U8 },
	[CONENAT_MAPPING_A_INT_ADDR]	= { .type = NLA_U32 },
	[CONENAT_MAPPING_A_INT_PORT]	= { .type = NLA_U16 },
	[CONENAT_MAPPING_A_EXT_ADDR]	= { .type = NLA_U32 },
	[CONENAT_MAPPING_A_EXT_PORT]	= { .type = NLA_U16 },
	[CONENAT_MAPPING_A_REMOTE_ADDR]	= { .type = NLA_U32 },
	[CONENAT_MAPPING_A_REMOTE_PORT]	= { .type = NLA_U16 },
	[CONENAT_MAPPING_A_LIFETIME]	= { .type = NLA_U32 },
	[CONENAT_MAPPING_A_ORIGIN]	= { .type = NLA_U8 },
	[CONENAT_MAPPING_A_EXPIRES]	= { .type = NLA_U32 },
	[CONENAT_MAPPING_A_EVENT]	= { .type = NLA_U8 },
	[CONENAT_MAPPING_A_FILTERED]	= { .type = NLA_U8 },
};

const char *kernel_message(void)
{
	return message;
}

/* Starts a request with flags @flags; NULL (message set) if it cannot. */
static struct nl_msg *req_new(uint8_t cmd, int flags)
{
	struct nl_msg *req;

	log_capture(true);
	req = nl_req_new(cmd, flags);
	log_capture(false);
	if (!req)
		snprintf(message, sizeof(message), "%s", log_captured());
	return req;
}

/* nl_req_abort() for a request too large: EIO, said in message. */
static int req_abort(struct nl_msg *req)
{
	nlmsg_free(req);
	snprintf(message, sizeof(message), "netlink request too large");
	return EIO;
}

/* Sends @req, for @cb's replies; 0 or a positive errno. */
static int req_send(struct nl_msg *req, nl_reply_cb cb, void *arg)
{
	int status, err;

	message[0] = '\0';
	log_capture(true);
	status = nl_req_send(req, cb, arg);
	log_capture(false);
	if (!status)
		return 0;
	err = nl_last_error();
	if (err) {
		snprintf(message, sizeof(message), "%s", nl_last_message());
		return err;
	}
	snprintf(message, sizeof(message), "%s", log_captured()[0] ?
		 log_captured() : "netlink failure");
	return EIO;
}

bool kernel_present(void)
{
	return nl_family_present();
}

void kernel_reset(void)
{
	nl_fini();
}

/* ---- the instance --------------------------------------------------- */

static int info_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_INFO_A_MAX + 1];
	uint32_t *api = arg;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_INFO)
		return 0;
	if (nl_reply_parse(msg, tb, CONENAT_INFO_A_MAX, info_policy))
		return NATCTL_EXIT_FAIL;
	if (tb[CONENAT_INFO_A_API])
		*api = nla_get_u32(tb[CONENAT_INFO_A_API]);
	return 0;
}

struct inst_ctx {
	struct kinstance *ki;
	bool seen;
};

static int inst_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_INSTANCE_A_MAX + 1];
	struct inst_ctx *ctx = arg;
	struct kinstance *ki = ctx->ki;
	struct nlattr *pfx;
	int rem;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_INSTANCE)
		return 0;
	if (nl_reply_parse(msg, tb, CONENAT_INSTANCE_A_MAX, inst_policy))
		return NATCTL_EXIT_FAIL;
	if (!tb[CONENAT_INSTANCE_A_AGE])
		return fail_err("the module's GET_INSTANCE reply has no AGE (API version 6 is needed)");
	memset(ki, 0, sizeof(*ki));
	ki->age = nla_get_u32(tb[CONENAT_INSTANCE_A_AGE]);
	if (tb[CONENAT_INSTANCE_A_EXT_ADDR])
		ki->ext_addr = nla_get_u32(tb[CONENAT_INSTANCE_A_EXT_ADDR]);
	if (tb[CONENAT_INSTANCE_A_EXT_ADDR_MIN])
		ki->ext_addr_min =
			nla_get_u32(tb[CONENAT_INSTANCE_A_EXT_ADDR_MIN]);
	if (tb[CONENAT_INSTANCE_A_EXT_ADDR_MAX])
		ki->ext_addr_max =
			nla_get_u32(tb[CONENAT_INSTANCE_A_EXT_ADDR_MAX]);
	if (tb[CONENAT_INSTANCE_A_IFINDEX])
		ki->ifindex = nla_get_u32(tb[CONENAT_INSTANCE_A_IFINDEX]);
	if (tb[CONENAT_INSTANCE_A_MAPPING])
		ki->mapping = nla_get_u8(tb[CONENAT_INSTANCE_A_MAPPING]);
	if (tb[CONENAT_INSTANCE_A_FILTERING])
		ki->filtering = nla_get_u8(tb[CONENAT_INSTANCE_A_FILTERING]);
	if (tb[CONENAT_INSTANCE_A_PORT_MIN])
		ki->port_min =
			ntohs(nla_get_u16(tb[CONENAT_INSTANCE_A_PORT_MIN]));
	if (tb[CONENAT_INSTANCE_A_PORT_MAX])
		ki->port_max =
			ntohs(nla_get_u16(tb[CONENAT_INSTANCE_A_PORT_MAX]));
	if (tb[CONENAT_INSTANCE_A_INTERNAL]) {
		nla_for_each_nested(pfx, tb[CONENAT_INSTANCE_A_INTERNAL], rem) {
			struct nlattr *pt[CONENAT_PREFIX_A_MAX + 1];
			uint8_t len;

			if (ki->ninternal >= CONENAT_MAX_PREFIXES)
				return fail_err("malformed reply from the kernel: more than %d internal prefixes",
						CONENAT_MAX_PREFIXES);
			if (nla_parse_nested(pt, CONENAT_PREFIX_A_MAX, pfx,
					     prefix_policy) < 0 ||
			    !pt[CONENAT_PREFIX_A_ADDR] ||
			    !pt[CONENAT_PREFIX_A_LEN] ||
			    nla_get_u8(pt[CONENAT_PREFIX_A_LEN]) > 32)
				return fail_err("malformed reply from the kernel: a bad internal prefix");
			len = nla_get_u8(pt[CONENAT_PREFIX_A_LEN]);
			ki->internal[ki->ninternal].len = len;
			ki->internal[ki->ninternal].mask =
				len ? htonl(0xffffffffU << (32 - len)) : 0;
			ki->internal[ki->ninternal].addr =
				nla_get_u32(pt[CONENAT_PREFIX_A_ADDR]) &
				ki->internal[ki->ninternal].mask;
			ki->ninternal++;
		}
	}
	ctx->seen = true;
	return 0;
}

int kernel_instance(struct kinstance *ki)
{
	struct inst_ctx ctx = { .ki = ki };
	struct nl_msg *req;
	int err;

	req = req_new(CONENAT_CMD_GET_INSTANCE, 0);
	if (!req)
		return EIO;
	if (nla_put_string(req, CONENAT_INSTANCE_A_NAME, instance) < 0)
		return req_abort(req);
	err = req_send(req, inst_reply, &ctx);
	if (!err && !ctx.seen) {
		snprintf(message, sizeof(message),
			 "the kernel sent no reply for the instance");
		err = EIO;
	}
	return err;
}

/* Puts "@what: " before the kernel's message of error @err. */
static int say_what(int err, const char *what)
{
	char text[sizeof(message)];

	if (err && err != EIO) {
		snprintf(text, sizeof(text), "%s", message);
		snprintf(message, sizeof(message), "%s: %.400s%s", what, text,
			 err == EPERM ?
			 " (CAP_NET_ADMIN is needed in this network namespace)" :
			 "");
	}
	return err;
}

int kernel_open(const char *name, struct kinstance *ki)
{
	char what[CONENAT_NAME_MAX + 16];
	struct nl_msg *req;
	uint32_t api = 0;
	int err;

	snprintf(instance, sizeof(instance), "%s", name);
	nl_quiet(true);
	req = req_new(CONENAT_CMD_GET_INFO, 0);
	if (!req)
		return EIO;
	if (nla_put_u32(req, CONENAT_INFO_A_CLIENT_API,
			CONENAT_API_VERSION) < 0)
		return req_abort(req);
	err = req_send(req, info_reply, &api);
	if (err)
		return say_what(err, "the conenat module");
	if (api < CONENAT_API_VERSION) {
		snprintf(message, sizeof(message),
			 "the conenat module speaks API version %u; " PCPD_NAME " needs %d",
			 api, CONENAT_API_VERSION);
		return EPROTONOSUPPORT;
	}
	snprintf(what, sizeof(what), "instance \"%s\"", instance);
	return say_what(kernel_instance(ki), what);
}

/* ---- mappings and permits ------------------------------------------- */

struct map_ctx {
	struct kmapping *m;
	bool seen;			/* a remote-less mapping */
	bool seen_remote;		/* only dependent ones */
};

/* The mapping of a reply, into @m; 0 or an exit status. */
static int parse_mapping(struct nl_msg *msg, struct kmapping *m)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];

	if (nl_reply_parse(msg, tb, CONENAT_MAPPING_A_MAX, mapping_policy))
		return NATCTL_EXIT_FAIL;
	if (!tb[CONENAT_MAPPING_A_PROTO] || !tb[CONENAT_MAPPING_A_INT_ADDR] ||
	    !tb[CONENAT_MAPPING_A_INT_PORT] ||
	    !tb[CONENAT_MAPPING_A_EXT_ADDR] || !tb[CONENAT_MAPPING_A_EXT_PORT])
		return fail_err("malformed reply from the kernel: a mapping without its endpoints");
	memset(m, 0, sizeof(*m));
	m->proto = nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]);
	m->int_addr = nla_get_u32(tb[CONENAT_MAPPING_A_INT_ADDR]);
	m->int_port = ntohs(nla_get_u16(tb[CONENAT_MAPPING_A_INT_PORT]));
	m->ext_addr = nla_get_u32(tb[CONENAT_MAPPING_A_EXT_ADDR]);
	m->ext_port = ntohs(nla_get_u16(tb[CONENAT_MAPPING_A_EXT_PORT]));
	if (tb[CONENAT_MAPPING_A_ORIGIN])
		m->origin = nla_get_u8(tb[CONENAT_MAPPING_A_ORIGIN]);
	if (tb[CONENAT_MAPPING_A_EXPIRES]) {
		m->has_expires = true;
		m->expires = nla_get_u32(tb[CONENAT_MAPPING_A_EXPIRES]);
	}
	m->has_remote = tb[CONENAT_MAPPING_A_REMOTE_ADDR] != NULL;
	if (tb[CONENAT_MAPPING_A_FILTERED])
		m->filtered = nla_get_u8(tb[CONENAT_MAPPING_A_FILTERED]);
	return 0;
}

/*
 * A reply of a mapping: the first remote-less one wins. Under dependent
 * mapping an internal endpoint has one mapping per remote; those are not
 * what a port control request takes over.
 */
static int map_reply(struct nl_msg *msg, void *arg)
{
	struct map_ctx *ctx = arg;
	struct kmapping m;
	uint8_t cmd = nl_reply_cmd(msg);

	if (cmd != CONENAT_CMD_GET_MAPPING && cmd != CONENAT_CMD_NEW_MAPPING &&
	    cmd != CONENAT_CMD_NEW_PERMIT && cmd != CONENAT_CMD_GET_PERMIT)
		return 0;
	if (parse_mapping(msg, &m))
		return NATCTL_EXIT_FAIL;
	if (ctx->seen)
		return 0;
	if (m.has_remote) {
		if (!ctx->seen_remote)
			*ctx->m = m;
		ctx->seen_remote = true;
		return 0;
	}
	*ctx->m = m;
	ctx->seen = true;
	return 0;
}

/* INSTANCE, PROTO, INT_ADDR, INT_PORT; -1 if the message is full. */
static int put_endpoint(struct nl_msg *req, uint8_t proto, uint32_t addr,
			uint16_t port)
{
	if (nla_put_string(req, CONENAT_MAPPING_A_INSTANCE, instance) < 0 ||
	    nla_put_u8(req, CONENAT_MAPPING_A_PROTO, proto) < 0 ||
	    nla_put_u32(req, CONENAT_MAPPING_A_INT_ADDR, addr) < 0 ||
	    nla_put_u16(req, CONENAT_MAPPING_A_INT_PORT, htons(port)) < 0)
		return -1;
	return 0;
}

int kernel_map(const struct kmap_req *r, struct kmapping *out)
{
	struct map_ctx ctx = { .m = out };
	struct nl_msg *req;
	int err;

	req = req_new(CONENAT_CMD_NEW_MAPPING, NLM_F_ECHO);
	if (!req)
		return EIO;
	if (put_endpoint(req, r->proto, r->int_addr, r->int_port) ||
	    (r->ext_port && nla_put_u16(req, CONENAT_MAPPING_A_EXT_PORT,
					htons(r->ext_port)) < 0) ||
	    nla_put_u8(req, CONENAT_MAPPING_A_ORIGIN, r->origin) < 0 ||
	    nla_put_u32(req, CONENAT_MAPPING_A_LIFETIME, r->lifetime) < 0 ||
	    /* only a PCP mapping has a filter */
	    (r->origin == CONENAT_ORIGIN_PCP &&
	     nla_put_u8(req, CONENAT_MAPPING_A_FILTERED, r->filtered) < 0))
		return req_abort(req);
	err = req_send(req, map_reply, &ctx);
	if (err || ctx.seen)
		return err;
	/* made, but the echo was lost (a full receive buffer): read it */
	err = kernel_get(r->proto, r->int_addr, r->int_port, out);
	if (!err && out->origin != r->origin) {
		snprintf(message, sizeof(message),
			 "the kernel did not echo the mapping");
		err = EIO;
	}
	return err;
}

int kernel_get(uint8_t proto, uint32_t addr, uint16_t port,
	       struct kmapping *out)
{
	struct map_ctx ctx = { .m = out };
	struct nl_msg *req;
	int err;

	req = req_new(CONENAT_CMD_GET_MAPPING, 0);
	if (!req)
		return EIO;
	if (put_endpoint(req, proto, addr, port))
		return req_abort(req);
	err = req_send(req, map_reply, &ctx);
	if (!err && !ctx.seen) {
		/* none, or only the dependent mappings of remotes */
		snprintf(message, sizeof(message),
			 "no remote-less mapping of the endpoint");
		err = ENOENT;
	}
	return err;
}

int kernel_del(uint8_t proto, uint32_t ext_addr, uint16_t ext_port)
{
	struct nl_msg *req;

	req = req_new(CONENAT_CMD_DEL_MAPPING, 0);
	if (!req)
		return EIO;
	if (nla_put_string(req, CONENAT_MAPPING_A_INSTANCE, instance) < 0 ||
	    nla_put_u8(req, CONENAT_MAPPING_A_PROTO, proto) < 0 ||
	    nla_put_u32(req, CONENAT_MAPPING_A_EXT_ADDR, ext_addr) < 0 ||
	    nla_put_u16(req, CONENAT_MAPPING_A_EXT_PORT, htons(ext_port)) < 0)
		return req_abort(req);
	return req_send(req, NULL, NULL);
}

static int put_permit(struct nl_msg *req, const struct kpermit_req *r)
{
	if (put_endpoint(req, r->proto, r->int_addr, r->int_port) ||
	    nla_put_u32(req, CONENAT_MAPPING_A_REMOTE_ADDR,
			r->remote_addr) < 0 ||
	    (r->remote_port &&
	     nla_put_u16(req, CONENAT_MAPPING_A_REMOTE_PORT,
			 htons(r->remote_port)) < 0))
		return -1;
	return 0;
}

int kernel_permit(const struct kpermit_req *r, struct kmapping *out)
{
	struct map_ctx ctx = { .m = out };
	struct nl_msg *req;
	int err;

	req = req_new(CONENAT_CMD_NEW_PERMIT, out ? NLM_F_ECHO : 0);
	if (!req)
		return EIO;
	if (put_permit(req, r) ||
	    nla_put_u32(req, CONENAT_MAPPING_A_LIFETIME, r->lifetime) < 0)
		return req_abort(req);
	err = req_send(req, out ? map_reply : NULL, &ctx);
	if (!err && out && !ctx.seen && !ctx.seen_remote) {
		snprintf(message, sizeof(message),
			 "the kernel did not echo the permit's mapping");
		err = EIO;
	}
	return err;
}

int kernel_unpermit(const struct kpermit_req *r)
{
	struct nl_msg *req;

	req = req_new(CONENAT_CMD_DEL_PERMIT, 0);
	if (!req)
		return EIO;
	if (put_permit(req, r))
		return req_abort(req);
	return req_send(req, NULL, NULL);
}

struct relearn_ctx {
	int (*cb)(const struct kmapping *m, void *arg);
	void *arg;
};

static int relearn_reply(struct nl_msg *msg, void *arg)
{
	struct relearn_ctx *ctx = arg;
	struct kmapping m;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_MAPPING)
		return 0;
	if (parse_mapping(msg, &m))
		return NATCTL_EXIT_FAIL;
	return ctx->cb(&m, ctx->arg);
}

int kernel_relearn(int (*cb)(const struct kmapping *m, void *arg), void *arg)
{
	struct relearn_ctx ctx = { .cb = cb, .arg = arg };
	struct nl_msg *req;

	req = req_new(CONENAT_CMD_GET_MAPPING, NLM_F_DUMP);
	if (!req)
		return EIO;
	if (nla_put_string(req, CONENAT_MAPPING_A_INSTANCE, instance) < 0)
		return req_abort(req);
	return req_send(req, relearn_reply, &ctx);
}
