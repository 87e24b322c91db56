// SPDX-License-Identifier: GPL-2.0
/*
 * natctl transport: generic netlink to the conenat family, with extended
 * acks (libnl 3.7 does not parse them, so the error callback does).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_sock *nl_sk;
static int nl_family = -1;

/* The last request's kernel error, for callers that map it themselves. */
static int last_error;
static char last_message[512];
static bool quiet_errors;

/* The state of one request/reply exchange. */
struct nl_xfer {
	struct nl_msg *req;
	uint32_t seq;
	nl_reply_cb cb;
	void *cb_arg;

	bool done;		/* ack, end of dump or error seen */
	int status;		/* exit status set by the reply callback */
	int error;		/* negative errno from the kernel, or 0 */
	bool interrupted;	/* NLM_F_DUMP_INTR seen */

	/* Extended ack. */
	char ext_msg[512];
	bool has_miss_type;
	uint32_t miss_type;
	bool has_offs;
	uint32_t offs;
};

int nl_netns_enter(const char *name)
{
	char path[4096];
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return usage_err("invalid network namespace name \"%s\"", name);
	if (snprintf(path, sizeof(path), "/run/netns/%s", name) >=
	    (int)sizeof(path))
		return usage_err("invalid network namespace name \"%s\"", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return usage_err("network namespace \"%s\" does not exist (no %s)",
					 name, path);
		return fail_err("cannot open network namespace \"%s\": %s",
				name, strerror(errno));
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int err = errno;

		close(fd);
		if (err == EINVAL)
			return usage_err("\"%s\" is not a network namespace (%s)",
					 name, path);
		return fail_err("cannot enter network namespace \"%s\": %s",
				name, strerror(err));
	}
	close(fd);
	return 0;
}

void nl_fini(void)
{
	if (nl_sk)
		nl_socket_free(nl_sk);	/* closes it too */
	nl_sk = NULL;
	nl_family = -1;
}

static int nl_open(void)
{
	int one = 1;
	int err;

	if (nl_sk)
		return 0;

	nl_sk = nl_socket_alloc();
	if (!nl_sk)
		return fail_err("out of memory");
	err = genl_connect(nl_sk);
	if (err < 0) {
		nl_fini();
		return fail_err("cannot open a generic netlink socket: %s",
				nl_geterror(err));
	}
	/* Best effort: old kernels lack them and then just send less. */
	setsockopt(nl_socket_get_fd(nl_sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl_sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	/* Dump messages may exceed a page: let libnl size its buffer. */
	nl_socket_enable_msg_peek(nl_sk);

	err = genl_ctrl_resolve(nl_sk, CONENAT_GENL_NAME);
	if (err < 0) {
		nl_fini();
		if (err == -NLE_OBJ_NOTFOUND)
			return fail_err("the conenat kernel module is not loaded (try: modprobe conenat)");
		return fail_err("cannot resolve the generic netlink family \"%s\": %s",
				CONENAT_GENL_NAME, nl_geterror(err));
	}
	nl_family = err;

	/* From here on we ask for acks ourselves and check sequence numbers. */
	nl_socket_disable_auto_ack(nl_sk);
	return 0;
}

bool nl_family_present(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	bool present;

	/* an error other than "no such family" is the request's to report */
	if (!sk)
		return true;
	present = genl_connect(sk) < 0 ||
		  genl_ctrl_resolve(sk, CONENAT_GENL_NAME) != -NLE_OBJ_NOTFOUND;
	nl_socket_free(sk);
	return present;
}

struct nl_msg *nl_req_new(uint8_t cmd, int flags)
{
	/* -c: the request is built (and so checked), never sent */
	if (opt_check)
		return nl_msg_build(0, cmd, flags);
	if (nl_open())
		return NULL;
	return nl_msg_build(nl_family, cmd, flags);
}

/*
 * Pulls NLMSGERR_ATTR_* out of @nlh (an NLMSG_ERROR or NLMSG_DONE message)
 * whose TLVs start @off bytes into its payload.
 */
static void parse_extack(struct nl_xfer *x, const struct nlmsghdr *nlh,
			 size_t off)
{
	const struct nlattr *nla;
	size_t plen;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return;
	plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	if (off >= plen)
		return;

	nla = (const struct nlattr *)((const char *)NLMSG_DATA(nlh) + off);
	rem = (int)(plen - off);
	for (; nla_ok(nla, rem); nla = nla_next(nla, &rem)) {
		const char *data = nla_data(nla);
		int len = nla_len(nla);

		switch (nla_type(nla)) {
		case NLMSGERR_ATTR_MSG:
			if (len > 0) {
				size_t n = strnlen(data, len);

				if (n >= sizeof(x->ext_msg))
					n = sizeof(x->ext_msg) - 1;
				memcpy(x->ext_msg, data, n);
				x->ext_msg[n] = '\0';
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (len >= (int)sizeof(uint32_t)) {
				x->has_miss_type = true;
				memcpy(&x->miss_type, data, sizeof(uint32_t));
			}
			break;
		case NLMSGERR_ATTR_OFFS:
			if (len >= (int)sizeof(uint32_t)) {
				x->has_offs = true;
				memcpy(&x->offs, data, sizeof(uint32_t));
			}
			break;
		}
	}
}

static int seq_cb(struct nl_msg *msg, void *arg)
{
	struct nl_xfer *x = arg;

	/* Left over from an earlier, abandoned request: ignore it. */
	if (nlmsg_hdr(msg)->nlmsg_seq != x->seq)
		return NL_SKIP;
	return NL_OK;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct nl_xfer *x = arg;
	int status;

	if (!x->cb)
		return NL_OK;
	status = x->cb(msg, x->cb_arg);
	if (status) {
		x->status = status;
		x->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct nl_xfer *x = arg;

	x->done = true;
	return NL_STOP;
}

static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct nl_xfer *x = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	/* A dump that failed part way reports the error in NLMSG_DONE. */
	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		int err;

		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
		if (err < 0) {
			x->error = err;
			parse_extack(x, nlh, sizeof(int));
		}
	}
	x->done = true;
	return NL_STOP;
}

static int dump_intr_cb(struct nl_msg *msg, void *arg)
{
	struct nl_xfer *x = arg;

	x->interrupted = true;
	return NL_OK;
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nl_xfer *x = arg;
	/* libnl hands us the payload; the header sits right before it. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	size_t off;

	if (nlh->nlmsg_seq != x->seq)
		return NL_SKIP;

	x->error = e->error < 0 ? e->error : -e->error;
	x->done = true;

	off = sizeof(*e);	/* error code and the echoed request header */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return NL_STOP;
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	parse_extack(x, nlh, off);
	return NL_STOP;
}

/* Prints the kernel's error for exchange @x. */
static int report_kernel_error(const struct nl_xfer *x)
{
	const char *text = x->ext_msg[0] ? x->ext_msg : strerror(-x->error);
	struct nlmsghdr *rh = x->req ? nlmsg_hdr(x->req) : NULL;
	uint8_t cmd = rh && rh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN ?
		      genlmsg_hdr(rh)->cmd : 0;
	char detail[64] = "";
	const char *word;

	/* name the keyword behind the attribute, else its number */
	if (x->has_miss_type) {
		word = attr_keyword(cmd, x->miss_type);
		if (word)
			snprintf(detail, sizeof(detail), " (\"%s\" is missing)",
				 word);
		else
			snprintf(detail, sizeof(detail),
				 " (missing attribute %u)", x->miss_type);
	} else if (x->has_offs && rh) {
		/* the attribute of our request the offset points at */
		if (x->offs >= NLMSG_HDRLEN + GENL_HDRLEN &&
		    (uint64_t)x->offs + NLA_HDRLEN <= rh->nlmsg_len) {
			const struct nlattr *a = (const struct nlattr *)
				((const char *)rh + x->offs);

			word = attr_keyword(cmd, nla_type(a));
			if (word)
				snprintf(detail, sizeof(detail), " (\"%s\")",
					 word);
			else
				snprintf(detail, sizeof(detail),
					 " (attribute %d)", nla_type(a));
		}
	}

	if (x->error == -EPERM)
		return fail_err("%s%s (CAP_NET_ADMIN is needed in this network namespace)",
				text, detail);
	return fail_err("%s%s", text, detail);
}

int nl_req_send(struct nl_msg *req, nl_reply_cb cb, void *arg)
{
	struct nl_xfer x = {
		.req = req,
		.cb = cb,
		.cb_arg = arg,
	};
	struct nl_cb *ncb;
	int status = 0;
	int err;

	last_error = 0;
	last_message[0] = '\0';
	status = nl_collect(req);
	if (status >= 0)
		return status;
	status = 0;
	if (opt_check) {
		nlmsg_free(req);
		return 0;
	}
	if (!nl_sk) {
		/* Only if the socket broke after nl_req_new(). */
		nlmsg_free(req);
		return fail_err("netlink socket is not open");
	}

	ncb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!ncb) {
		nlmsg_free(req);
		return fail_err("out of memory");
	}
	nl_cb_set(ncb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_cb, &x);
	nl_cb_set(ncb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &x);
	nl_cb_set(ncb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &x);
	nl_cb_set(ncb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &x);
	nl_cb_set(ncb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, dump_intr_cb, &x);
	nl_cb_err(ncb, NL_CB_CUSTOM, err_cb, &x);

	err = nl_send_auto(nl_sk, req);
	if (err < 0) {
		status = fail_err("cannot send a netlink request: %s",
				  nl_geterror(err));
		goto out_reset;
	}
	x.seq = nlmsg_hdr(req)->nlmsg_seq;

	while (!x.done) {
		err = nl_recvmsgs(nl_sk, ncb);
		if (x.done)
			break;
		if (err < 0) {
			status = fail_err("netlink receive failed: %s",
					  nl_geterror(err));
			goto out_reset;
		}
	}

	if (x.status) {
		/* The callback gave up: replies may still be queued. */
		status = x.status;
		goto out_reset;
	}
	if (x.error) {
		last_error = -x.error;
		snprintf(last_message, sizeof(last_message), "%s",
			 x.ext_msg[0] ? x.ext_msg : strerror(-x.error));
		status = quiet_errors ? NATCTL_EXIT_FAIL :
					report_kernel_error(&x);
	}
	else if (x.interrupted)
		pr_warn("the dump was interrupted by a concurrent change and may be inconsistent");
	goto out;

out_reset:
	nl_fini();
out:
	nl_cb_put(ncb);
	nlmsg_free(req);
	return status;
}

int nl_last_error(void)
{
	return last_error;
}

const char *nl_last_message(void)
{
	return last_message;
}

void nl_quiet(bool quiet)
{
	quiet_errors = quiet;
}

int nl_simple(uint8_t cmd, int flags, nl_reply_cb cb, void *arg)
{
	struct nl_msg *req = nl_req_new(cmd, flags);

	if (!req)
		return NATCTL_EXIT_FAIL;
	return nl_req_send(req, cb, arg);
}

int nl_reply_parse(struct nl_msg *msg, struct nlattr **tb, int maxtype,
		   const struct nla_policy *policy)
{
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, maxtype,
			    policy);
	if (err < 0)
		return fail_err("malformed reply from the kernel: %s",
				nl_geterror(err));
	return 0;
}

uint8_t nl_reply_cmd(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return 0;
	return genlmsg_hdr(nlh)->cmd;
}

/* ---- events --------------------------------------------------------- */

/* Bigger than any event (the kernel builds them in NLMSG_DEFAULT_SIZE). */
#define EVENT_BUF_SIZE		(64 * 1024)
/* Asked for, best effort: bursts of events (a flush, the GC) are long. */
#define EVENT_RCVBUF		(4 * 1024 * 1024)

static volatile sig_atomic_t event_stop;

static void event_signal(int sig)
{
	event_stop = 1;
}

/* Calls @cb for each message of the family in the datagram @buf. */
static int event_dispatch(void *buf, int len, nl_reply_cb cb, void *arg)
{
	struct nlmsghdr *nlh;

	for (nlh = buf; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
		struct nl_msg *msg;
		int status;

		if (nlh->nlmsg_type != nl_family)
			continue;	/* NLMSG_NOOP, NLMSG_ERROR, ... */
		msg = nlmsg_convert(nlh);
		if (!msg)
			return fail_err("out of memory");
		status = cb(msg, arg);
		nlmsg_free(msg);
		if (status)
			return status;
	}
	return 0;
}

/* Reads every datagram queued on @fd; 0 or an exit status. */
static int event_drain(int fd, void *buf, nl_reply_cb cb, void *arg)
{
	while (!event_stop) {
		struct sockaddr_nl from;
		struct iovec iov = {
			.iov_base = buf,
			.iov_len = EVENT_BUF_SIZE,
		};
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t len;
		int status;

		len = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				pr_warn("events lost (socket overrun)");
				status = cb(NULL, arg);
				if (status)
					return status;
				continue;
			}
			return fail_err("netlink receive failed: %s",
					strerror(errno));
		}
		if (len == 0)
			return 0;
		if (mh.msg_flags & MSG_TRUNC) {
			pr_warn("an event larger than %d bytes was dropped",
				EVENT_BUF_SIZE);
			status = cb(NULL, arg);
			if (status)
				return status;
			continue;
		}
		if (mh.msg_namelen < sizeof(from) || from.nl_pid != 0)
			continue;	/* only the kernel sends events */
		status = event_dispatch(buf, (int)len, cb, arg);
		if (status)
			return status;
	}
	return 0;
}

int nl_event_listen(const char *group, nl_reply_cb cb, void *arg)
{
	struct sigaction sa, old_int, old_term;
	sigset_t block, orig, wait_mask;
	struct nl_sock *sk;
	void *buf;
	int status = 0;
	int grp, err, fd;

	if (opt_check)
		return 0;
	if (nl_open())
		return NATCTL_EXIT_FAIL;
	grp = genl_ctrl_resolve_grp(nl_sk, CONENAT_GENL_NAME, group);
	if (grp < 0) {
		if (grp == -NLE_OBJ_NOTFOUND)
			return fail_err("the conenat module has no multicast group \"%s\"",
					group);
		return fail_err("cannot resolve the multicast group \"%s\": %s",
				group, nl_geterror(grp));
	}

	buf = malloc(EVENT_BUF_SIZE);
	sk = nl_socket_alloc();
	if (!buf || !sk) {
		status = fail_err("out of memory");
		goto out_free;
	}
	err = genl_connect(sk);
	if (err < 0) {
		status = fail_err("cannot open a generic netlink socket: %s",
				  nl_geterror(err));
		goto out_free;
	}
	/* Events carry sequence number 0: no checks on this socket. */
	nl_socket_disable_seq_check(sk);
	nl_socket_set_buffer_size(sk, EVENT_RCVBUF, 0);
	err = nl_socket_add_membership(sk, grp);
	if (err == -NLE_PERM) {
		status = fail_err("joining the multicast group \"%s\" needs CAP_NET_ADMIN in this network namespace",
				  group);
		goto out_free;
	}
	if (err < 0) {
		status = fail_err("cannot join the multicast group \"%s\": %s",
				  group, nl_geterror(err));
		goto out_free;
	}
	fd = nl_socket_get_fd(sk);

	/*
	 * SIGINT and SIGTERM end the loop. They stay blocked except inside
	 * ppoll(), so one arriving between the check and the wait is not
	 * lost.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	wait_mask = orig;
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = event_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	event_stop = 0;

	while (!event_stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			status = fail_err("cannot wait for events: %s",
					  strerror(errno));
			break;
		}
		if (pfd.revents & (POLLIN | POLLERR)) {
			/* POLLERR: a pending ENOBUFS, read by recvmsg(). */
			status = event_drain(fd, buf, cb, arg);
			if (status)
				break;
		} else if (pfd.revents & (POLLHUP | POLLNVAL)) {
			status = fail_err("the event socket was closed");
			break;
		}
	}

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	event_stop = 0;
out_free:
	if (sk)
		nl_socket_free(sk);
	free(buf);
	return status;
}
