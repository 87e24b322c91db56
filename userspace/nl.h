/* SPDX-License-Identifier: GPL-2.0 */
/*
 * natctl transport: generic netlink to the conenat family (libnl-3).
 *
 * A request:
 *
 *   struct nl_msg *req = nl_req_new(CONENAT_CMD_GET_INFO, 0);
 *   if (!req)
 *           return NATCTL_EXIT_FAIL;
 *   if (nla_put_u32(req, CONENAT_INFO_A_CLIENT_API, CONENAT_API_VERSION))
 *           return nl_req_abort(req);
 *   return nl_req_send(req, reply_cb, &ctx);
 *
 * Every function prints its own error ("natctl: ...") and the int ones
 * return an exit status: 0, or NATCTL_EXIT_FAIL (2) for any kernel,
 * netlink or allocation failure. Kernel errors show the extended ack
 * message when there is one. Do not send a request from inside a reply
 * callback.
 */
#ifndef NATCTL_NL_H
#define NATCTL_NL_H

#include <stdbool.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

/*
 * Called for each reply message (the data messages of a dump, the reply of
 * a do). Returns 0 to go on, or an exit status (> 0) to stop the request,
 * having printed the error.
 */
typedef int (*nl_reply_cb)(struct nl_msg *msg, void *arg);

/*
 * Enters the network namespace /run/netns/@name; call before any request.
 * A missing or malformed name is bad input (NATCTL_EXIT_USAGE).
 */
int nl_netns_enter(const char *name);

/*
 * Starts a request for @cmd with genl version CONENAT_GENL_VERSION, opening
 * the socket and resolving the family on first use. @flags: 0 for a "do"
 * request (NLM_F_ACK is added), NLM_F_DUMP for a dump; other NLM_F_* flags
 * may be or-ed in. Returns NULL after printing the error (among them
 * "the conenat kernel module is not loaded (try: modprobe conenat)").
 */
struct nl_msg *nl_req_new(uint8_t cmd, int flags);

/*
 * Whether this namespace has the conenat family (the module is loaded);
 * true when that cannot be told, for the request to report why.
 */
bool nl_family_present(void);

/*
 * The message nl_req_new() returns, for genl family id @family (nlmsg.c:
 * what nl.c and the fake share). Returns NULL after printing the error.
 */
struct nl_msg *nl_msg_build(int family, uint8_t cmd, int flags);

/* For a failed nla_put*() on @req: frees it, prints, returns exit status. */
int nl_req_abort(struct nl_msg *req);

/*
 * Sends @req (and frees it), calls @cb (may be NULL) for every reply
 * message, and returns once the kernel acked the request, ended the dump or
 * reported an error. Returns 0 or an exit status.
 */
int nl_req_send(struct nl_msg *req, nl_reply_cb cb, void *arg);

/*
 * The kernel's error (a positive errno) of the last nl_req_send() that got
 * one, 0 when it had none; nl_last_message() is its extended ack message,
 * or strerror()'s text. For a caller that answers each error its own way
 * (conenat-pcpd), nl_quiet(true) stops nl_req_send() from printing kernel
 * errors; the status it returns is NATCTL_EXIT_FAIL all the same.
 */
int nl_last_error(void);
const char *nl_last_message(void);
void nl_quiet(bool quiet);

/* Convenience: nl_req_send() for a request without attributes. */
int nl_simple(uint8_t cmd, int flags, nl_reply_cb cb, void *arg);

/*
 * Parses the attributes of reply @msg into @tb[0..@maxtype] against
 * @policy (attributes above maxtype are ignored, missing ones stay NULL).
 * Returns 0, or prints "malformed reply" and returns NATCTL_EXIT_FAIL.
 */
int nl_reply_parse(struct nl_msg *msg, struct nlattr **tb, int maxtype,
		   const struct nla_policy *policy);

/* The genl command of reply @msg. */
uint8_t nl_reply_cmd(struct nl_msg *msg);

/*
 * Listens to the multicast group @group of the conenat family on a socket
 * of its own (no sequence number checks) and calls @cb for every message
 * of the family until SIGINT or SIGTERM arrives (then returns 0), or @cb
 * returns an exit status (then returns it). A receive buffer overrun
 * (ENOBUFS) prints "natctl: warning: events lost (socket overrun)", calls
 * @cb with a NULL message and goes on (so does an event too large to
 * receive). Resolving the family and the group prints the usual errors.
 */
int nl_event_listen(const char *group, nl_reply_cb cb, void *arg);

/*
 * natctl restore and sync (nlmsg.c): while a collector is set,
 * nl_req_send() hands it every request instead of sending it; the
 * collector owns the message and returns 0 or an exit status.
 * nl_collect() returns -1 when none is set. nl_req_resend() builds, from
 * a kept request, a new one of the same command and attributes to send.
 */
void nl_collect_start(int (*fn)(struct nl_msg *req, void *arg), void *arg);
void nl_collect_stop(void);
int nl_collect(struct nl_msg *req);
struct nl_msg *nl_req_resend(struct nl_msg *kept);

/* Closes the socket, if open. */
void nl_fini(void);

#endif /* NATCTL_NL_H */
