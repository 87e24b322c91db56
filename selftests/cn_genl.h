/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink client for the conenat selftests, on libmnl. It is
 * deliberately low level: tests build malformed requests by hand, so the
 * helpers expose the raw message and report the kernel's extended ack.
 */
#ifndef CN_GENL_H
#define CN_GENL_H

#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

struct cn_sock {
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t seq;
	uint32_t portid;
};

/* What the kernel said about a refused request. */
struct cn_err {
	int error;			/* negative errno, 0 for success */
	char msg[256];			/* NLMSGERR_ATTR_MSG, "" when absent */
	uint32_t offs;			/* NLMSGERR_ATTR_OFFS, 0 when absent */
	uint32_t miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, 0 when absent */
};

typedef int (*cn_reply_cb)(const struct nlmsghdr *nlh, void *data);

int cn_open(struct cn_sock *s);
void cn_close(struct cn_sock *s);
int cn_resolve(struct cn_sock *s, const char *name, uint16_t *id);
int cn_resolve_group(struct cn_sock *s, const char *family,
		     const char *group, uint16_t *id);

/* Start a request for @cmd in @buf (at least MNL_SOCKET_BUFFER_SIZE). */
struct nlmsghdr *cn_msg(struct cn_sock *s, void *buf, uint8_t cmd,
			uint16_t flags);

/*
 * Send @nlh and read until the ack (or the end of a dump), handing every
 * reply message to @cb. Returns 0 or the negative errno the kernel answered,
 * with the extended ack in @err when @err is not NULL.
 */
int cn_talk(struct cn_sock *s, struct nlmsghdr *nlh, cn_reply_cb cb,
	    void *data, struct cn_err *err);

/* Attributes of a genl reply, indexed by type, up to @max. */
int cn_parse(const struct nlmsghdr *nlh, struct nlattr **tb, int max);

#endif
