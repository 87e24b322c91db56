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
