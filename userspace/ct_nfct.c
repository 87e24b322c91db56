// SPDX-License-Identifier: GPL-2.0
/*
 * natctl conntrack source: a dump of the conntrack table over ctnetlink,
 * with libnetfilter_conntrack. See ct.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "natctl.h"
#include "ct.h"

struct dump_ctx {
	ct_entry_cb cb;
	void *arg;
	int status;
};

static int dump_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		   void *data)
{
	struct dump_ctx *ctx = data;
	struct ct_entry e = { 0 };

	/* The kernel filters by family too, but only on newer kernels. */
	if (nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) != AF_INET)
		return NFCT_CB_CONTINUE;

	e.proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	e.orig.src = nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_SRC);
	e.orig.dst = nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_DST);
	e.reply.src = nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC);
	e.reply.dst = nfct_get_attr_u32(ct, ATTR_REPL_IPV4_DST);
	if (nfct_attr_is_set(ct, ATTR_ORIG_PORT_SRC) > 0) {
		e.orig.sport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
		e.orig.dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
		e.reply.sport = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC));
		e.reply.dport = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST));
	}
	if (nfct_attr_is_set(ct, ATTR_STATUS) > 0)
		e.status = nfct_get_attr_u32(ct, ATTR_STATUS);
	if (nfct_attr_is_set(ct, ATTR_TIMEOUT) > 0) {
		e.has_timeout = true;
		e.timeout = nfct_get_attr_u32(ct, ATTR_TIMEOUT);
	}

	ctx->status = ctx->cb(&e, ctx->arg);
	return ctx->status ? NFCT_CB_STOP : NFCT_CB_CONTINUE;
}

int ct_dump(ct_entry_cb cb, void *arg)
{
	struct dump_ctx ctx = { .cb = cb, .arg = arg };
	struct nfct_handle *h;
	uint32_t family = AF_INET;
	int err;

	if (opt_check)
		return 0;
	h = nfct_open(CONNTRACK, 0);
	if (!h)
		return ct_fail("open", errno);
	if (nfct_callback_register(h, NFCT_T_ALL, dump_cb, &ctx) < 0) {
		err = errno;
		nfct_close(h);
		return ct_fail("open", err);
	}
	errno = 0;
	if (nfct_query(h, NFCT_Q_DUMP, &family) < 0 && !ctx.status) {
		err = errno;
		nfct_close(h);
		return ct_fail("read", err ? err : EIO);
	}
	nfct_close(h);
	return ctx.status;
}
