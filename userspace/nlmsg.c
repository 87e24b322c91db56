// SPDX-License-Identifier: GPL-2.0
/*
 * Building a conenat request, shared by nl.c (the kernel) and fake_nl.c
 * (the stand-in the CLI tests link instead).
 */
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"

struct nl_msg *nl_msg_build(int family, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;
	if (msg && genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			       flags, cmd, CONENAT_GENL_VERSION))
		return msg;
	if (msg)
		nlmsg_free(msg);
	pr_err("out of memory");
	return NULL;
}

int nl_req_abort(struct nl_msg *req)
{
	nlmsg_free(req);
	return fail_err("netlink request too large");
}

/* natctl restore and sync: who takes the requests instead of the kernel */
static int (*collector)(struct nl_msg *req, void *arg);
static void *collector_arg;

void nl_collect_start(int (*fn)(struct nl_msg *req, void *arg), void *arg)
{
	collector = fn;
	collector_arg = arg;
}

void nl_collect_stop(void)
{
	collector = NULL;
	collector_arg = NULL;
}

int nl_collect(struct nl_msg *req)
{
	if (!collector)
		return -1;
	return collector(req, collector_arg);
}

struct nl_msg *nl_req_resend(struct nl_msg *kept)
{
	struct nlmsghdr *nlh = nlmsg_hdr(kept);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nl_msg *req;

	req = nl_req_new(gh->cmd, 0);
	if (!req)
		return NULL;
	if (nlmsg_append(req, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0),
			 NLMSG_ALIGNTO) < 0) {
		nlmsg_free(req);
		fail_err("netlink request too large");
		return NULL;
	}
	return req;
}
