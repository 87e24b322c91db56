// SPDX-License-Identifier: GPL-2.0
/*
 * The selftests' generic netlink client: see cn_genl.h.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <linux/netlink.h>

#include "cn_genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int cn_open(struct cn_sock *s)
{
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!s->nl)
		return -errno;
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err_close;
	if (mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
		goto err_close;
	if (mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
		goto err_close;
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)time(NULL);
	return cn_resolve(s, "conenat", &s->family);

err_close:
	one = -errno;
	mnl_socket_close(s->nl);
	s->nl = NULL;
	return one;
}

void cn_close(struct cn_sock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	s->nl = NULL;
}

struct nlmsghdr *cn_msg(struct cn_sock *s, void *buf, uint8_t cmd,
			uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = s->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++s->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

static int cn_ack_attr(const struct nlattr *a, void *data)
{
	struct cn_err *err = data;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(err->msg, sizeof(err->msg), "%s",
				 mnl_attr_get_str(a));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			err->offs = mnl_attr_get_u32(a);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			err->miss_type = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

/* Read the error code and the extended ack TLVs of an NLMSG_ERROR. */
static int cn_read_ack(const struct nlmsghdr *nlh, struct cn_err *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	unsigned int off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	err->error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return e->error;
	/* The echoed request is only its header when the ack is capped. */
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	off = MNL_ALIGN(off);
	if (mnl_nlmsg_size(off) < nlh->nlmsg_len)
		mnl_attr_parse(nlh, off, cn_ack_attr, err);
	return e->error;
}

/* A dump's end: its error code, and the extended ack when it failed. */
static int cn_read_done(const struct nlmsghdr *nlh, struct cn_err *err)
{
	unsigned int off = MNL_ALIGN(sizeof(int));

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(int)))
		return 0;
	err->error = *(const int *)mnl_nlmsg_get_payload(nlh);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_nlmsg_size(off) < nlh->nlmsg_len)
		mnl_attr_parse(nlh, off, cn_ack_attr, err);
	return err->error;
}

int cn_talk(struct cn_sock *s, struct nlmsghdr *nlh, cn_reply_cb cb,
	    void *data, struct cn_err *err)
{
	char buf[32768];
	struct cn_err local;
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	if (!err)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return err->error = -errno;

	for (;;) {
		const struct nlmsghdr *m;
		ssize_t n = mnl_socket_recvfrom(s->nl, buf, sizeof(buf));
		int len;

		if (n < 0)
			return err->error = -errno;
		len = (int)n;
		for (m = (void *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR)
				return cn_read_ack(m, err);
			if (m->nlmsg_type == NLMSG_DONE)
				return cn_read_done(m, err);
			if (cb) {
				ret = cb(m, data);
				if (ret < 0)
					return err->error = ret;
			}
		}
	}
}

static int cn_parse_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = ((const struct nlattr ***)data)[0];
	int max = (int)(intptr_t)((void **)data)[1];
	int type = mnl_attr_get_type(a);

	if (type <= max)
		tb[type] = a;
	return MNL_CB_OK;
}

int cn_parse(const struct nlmsghdr *nlh, struct nlattr **tb, int max)
{
	void *args[2] = { tb, (void *)(intptr_t)max };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), cn_parse_attr,
			      args) < 0 ? -EBADMSG : 0;
}

struct cn_family {
	const char *name;
	uint16_t id;
	const char *group;
	uint16_t group_id;
};

static int cn_group_cb(const struct nlattr *grp, void *data)
{
	struct cn_family *f = data;
	struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, grp)
		if (mnl_attr_get_type(a) <= CTRL_ATTR_MCAST_GRP_MAX)
			tb[mnl_attr_get_type(a)] = (struct nlattr *)a;
	if (f->group && tb[CTRL_ATTR_MCAST_GRP_NAME] &&
	    tb[CTRL_ATTR_MCAST_GRP_ID] &&
	    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), f->group))
		f->group_id = (uint16_t)mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	return MNL_CB_OK;
}

static int cn_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct cn_family *f = data;

	if (cn_parse(nlh, tb, CTRL_ATTR_MAX) < 0 || !tb[CTRL_ATTR_FAMILY_ID])
		return -EBADMSG;
	f->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *g;

		mnl_attr_for_each_nested(g, tb[CTRL_ATTR_MCAST_GROUPS])
			cn_group_cb(g, f);
	}
	return 0;
}

static int cn_getfamily(struct cn_sock *s, struct cn_family *f);

int cn_resolve(struct cn_sock *s, const char *name, uint16_t *id)
{
	struct cn_family f = { .name = name };
	int ret = cn_getfamily(s, &f);

	if (ret == 0)
		*id = f.id;
	return ret;
}

int cn_resolve_group(struct cn_sock *s, const char *family,
		     const char *group, uint16_t *id)
{
	struct cn_family f = { .name = family, .group = group };
	int ret = cn_getfamily(s, &f);

	if (ret == 0 && !f.group_id)
		ret = -ENOENT;
	if (ret == 0)
		*id = f.group_id;
	return ret;
}

static int cn_getfamily(struct cn_sock *s, struct cn_family *f)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const char *name = f->name;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	int ret;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++s->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	ret = cn_talk(s, nlh, cn_family_cb, f, NULL);
	if (ret == 0 && !f->id)
		ret = -ENOENT;
	return ret;
}
