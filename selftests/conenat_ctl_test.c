// SPDX-License-Identifier: GPL-2.0
/*
 * The control path of the engine, without traffic: instance requests that
 * must be refused (each with an extack message, changing nothing), settings
 * read back as written with the defaults filled in, and the "events"
 * multicast group announcing mappings created, deleted and expired, and
 * port exhaustion.
 *
 * Runs in a network namespace of its own with a veth pair as the external
 * device (198.51.100.1/24).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/conenat.h>

#include "kselftest_harness.h"
#include "cn_genl.h"

#define WAN_ADDR "198.51.100.1"

/* A fresh namespace with wan0 up and addressed; returns 0 on success. */
static int enter_netns(void)
{
	if (unshare(CLONE_NEWNET))
		return -1;
	return system("ip link add wan0 type veth peer name wan1 && "
		      "ip addr add " WAN_ADDR "/24 dev wan0 && "
		      "ip link set wan0 up && ip link set wan1 up");
}

static struct nlmsghdr *instance_msg(struct cn_sock *s, void *buf, uint8_t cmd,
				     const char *name, const char *dev)
{
	struct nlmsghdr *nlh = cn_msg(s, buf, cmd, 0);

	if (name)
		mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_NAME, name);
	if (dev)
		mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_IFNAME, dev);
	return nlh;
}

struct inst_reply {
	int seen;
	uint8_t mapping, filtering, pres, parity, hairpin, inrefresh;
	uint16_t port_min, port_max;
	uint32_t timeout, per_host, mappings, ext_addr, ext_min, ifindex;
	uint32_t age;
	bool has_age;
};

static int inst_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[CONENAT_INSTANCE_A_MAX + 1];
	struct inst_reply *r = data;

	if (cn_parse(nlh, tb, CONENAT_INSTANCE_A_MAX))
		return -EBADMSG;
	r->seen++;
#define U8(f, a) r->f = tb[a] ? mnl_attr_get_u8(tb[a]) : 0xff
	U8(mapping, CONENAT_INSTANCE_A_MAPPING);
	U8(filtering, CONENAT_INSTANCE_A_FILTERING);
	U8(pres, CONENAT_INSTANCE_A_PORT_PRESERVATION);
	U8(parity, CONENAT_INSTANCE_A_PORT_PARITY);
	U8(hairpin, CONENAT_INSTANCE_A_HAIRPIN);
	U8(inrefresh, CONENAT_INSTANCE_A_INBOUND_REFRESH);
#undef U8
	if (tb[CONENAT_INSTANCE_A_PORT_MIN])
		r->port_min = ntohs(mnl_attr_get_u16(tb[CONENAT_INSTANCE_A_PORT_MIN]));
	if (tb[CONENAT_INSTANCE_A_PORT_MAX])
		r->port_max = ntohs(mnl_attr_get_u16(tb[CONENAT_INSTANCE_A_PORT_MAX]));
	if (tb[CONENAT_INSTANCE_A_UDP_TIMEOUT])
		r->timeout = mnl_attr_get_u32(tb[CONENAT_INSTANCE_A_UDP_TIMEOUT]);
	if (tb[CONENAT_INSTANCE_A_MAX_PER_HOST])
		r->per_host = mnl_attr_get_u32(tb[CONENAT_INSTANCE_A_MAX_PER_HOST]);
	if (tb[CONENAT_INSTANCE_A_MAPPINGS])
		r->mappings = mnl_attr_get_u32(tb[CONENAT_INSTANCE_A_MAPPINGS]);
	if (tb[CONENAT_INSTANCE_A_IFINDEX])
		r->ifindex = mnl_attr_get_u32(tb[CONENAT_INSTANCE_A_IFINDEX]);
	if (tb[CONENAT_INSTANCE_A_EXT_ADDR])
		r->ext_addr = mnl_attr_get_u32(tb[CONENAT_INSTANCE_A_EXT_ADDR]);
	r->has_age = tb[CONENAT_INSTANCE_A_AGE];
	if (r->has_age)
		r->age = mnl_attr_get_u32(tb[CONENAT_INSTANCE_A_AGE]);
	if (tb[CONENAT_INSTANCE_A_EXT_ADDR_MIN])
		r->ext_min = mnl_attr_get_u32(tb[CONENAT_INSTANCE_A_EXT_ADDR_MIN]);
	return 0;
}

static int get_instance(struct cn_sock *s, const char *name,
			struct inst_reply *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	memset(r, 0, sizeof(*r));
	return cn_talk(s, instance_msg(s, buf, CONENAT_CMD_GET_INSTANCE, name,
				       NULL), inst_cb, r, NULL);
}

static int count_instances(struct cn_sock *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct inst_reply r = {};

	if (cn_talk(s, cn_msg(s, buf, CONENAT_CMD_GET_INSTANCE, NLM_F_DUMP),
		    inst_cb, &r, NULL))
		return -1;
	return r.seen;
}

/* A namespace with one valid instance "base" on wan0. */
static int setup_base(struct cn_sock *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	if (enter_netns() || cn_open(s))
		return -1;
	return cn_talk(s, instance_msg(s, buf, CONENAT_CMD_NEW_INSTANCE,
				       "base", "wan0"), NULL, NULL, NULL);
}

FIXTURE(ctl) {
	struct cn_sock s;
};

FIXTURE_SETUP(ctl)
{
	ASSERT_EQ(0, setup_base(&self->s));
}

FIXTURE_TEARDOWN(ctl)
{
	cn_close(&self->s);
}

TEST_F(ctl, defaults_read_back)
{
	struct inst_reply r;

	ASSERT_EQ(0, get_instance(&self->s, "base", &r));
	ASSERT_EQ(1, r.seen);
	EXPECT_EQ(CONENAT_ENDPOINT_INDEPENDENT, r.mapping);
	EXPECT_EQ(CONENAT_ADDRESS_DEPENDENT, r.filtering);
	EXPECT_EQ(1, r.pres);
	EXPECT_EQ(0, r.parity);
	EXPECT_EQ(1, r.hairpin);
	EXPECT_EQ(0, r.inrefresh);
	EXPECT_EQ(1024, r.port_min);
	EXPECT_EQ(65535, r.port_max);
	EXPECT_EQ(300, r.timeout);
	EXPECT_EQ(0, r.per_host);
	EXPECT_EQ(0, r.ext_min) TH_LOG("the default external is the device");
	EXPECT_EQ(inet_addr(WAN_ADDR), r.ext_addr)
		TH_LOG("the instance follows wan0's address");
}

TEST_F(ctl, set_changes_only_what_is_given)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct inst_reply r;

	nlh = instance_msg(&self->s, buf, CONENAT_CMD_SET_INSTANCE, "base", NULL);
	mnl_attr_put_u8(nlh, CONENAT_INSTANCE_A_FILTERING,
			CONENAT_ENDPOINT_INDEPENDENT);
	mnl_attr_put_u32(nlh, CONENAT_INSTANCE_A_UDP_TIMEOUT, 30);
	ASSERT_EQ(0, cn_talk(&self->s, nlh, NULL, NULL, NULL));
	ASSERT_EQ(0, get_instance(&self->s, "base", &r));
	EXPECT_EQ(CONENAT_ENDPOINT_INDEPENDENT, r.filtering);
	EXPECT_EQ(30, r.timeout);
	EXPECT_EQ(CONENAT_ENDPOINT_INDEPENDENT, r.mapping);
	EXPECT_EQ(1024, r.port_min);
}

enum bad_instance {
	NO_NAME, NO_DEV, DUP_NAME, DEV_IN_USE, BAD_BEHAVIOUR,
	POOL_REVERSED, POOL_HALF, POOL_TOO_BIG, PORTS_REVERSED, PORT_ZERO,
	PREFIX_HOST_BITS, PREFIX_TOO_LONG, TIMEOUT_ZERO, SET_UNKNOWN,
	SET_DEV, DEL_UNKNOWN, BOOL_TWO, EMPTY_NAME, LONG_NAME,
};

/* Requests that must be refused, each leaving "base" as it was. */
FIXTURE(bad) {
	struct cn_sock s;
};

FIXTURE_SETUP(bad)
{
	ASSERT_EQ(0, setup_base(&self->s));
}

FIXTURE_TEARDOWN(bad)
{
	cn_close(&self->s);
}

FIXTURE_VARIANT(bad) {
	enum bad_instance kind;
	int error;
	const char *msg;
};

#define BAD(n, k, e, m) \
	FIXTURE_VARIANT_ADD(bad, n) { .kind = k, .error = e, .msg = m, }
BAD(no_name, NO_NAME, -EINVAL, "name and a device");
BAD(no_dev, NO_DEV, -EINVAL, "name and a device");
BAD(duplicate_name, DUP_NAME, -EEXIST, "exists");
BAD(device_in_use, DEV_IN_USE, -EBUSY, "another instance uses");
BAD(bad_behaviour, BAD_BEHAVIOUR, -ERANGE, "out of range");
BAD(pool_reversed, POOL_REVERSED, -EINVAL, "first address after last");
BAD(pool_half, POOL_HALF, -EINVAL, "needs both");
BAD(pool_too_big, POOL_TOO_BIG, -EINVAL, "larger than");
BAD(ports_reversed, PORTS_REVERSED, -EINVAL, "port range");
BAD(port_zero, PORT_ZERO, -EINVAL, "port range");
BAD(prefix_host_bits, PREFIX_HOST_BITS, -EINVAL, "host bits");
BAD(prefix_too_long, PREFIX_TOO_LONG, -ERANGE, "out of range");
BAD(timeout_zero, TIMEOUT_ZERO, -ERANGE, "out of range");
BAD(set_unknown_instance, SET_UNKNOWN, -ENOENT, "no such instance");
BAD(set_device, SET_DEV, -EOPNOTSUPP, "cannot change");
BAD(del_unknown_instance, DEL_UNKNOWN, -ENOENT, "no such instance");
BAD(bool_two, BOOL_TWO, -ERANGE, "out of range");
BAD(empty_name, EMPTY_NAME, -EINVAL, "empty instance name");
BAD(long_name, LONG_NAME, -ERANGE, NULL);

TEST_F(bad, refused_and_nothing_changes)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = NULL;
	struct inst_reply before, after;
	struct nlattr *nest, *pfx;
	struct cn_err e;
	int ret;

	ASSERT_EQ(0, system("ip link add wan2 type veth peer name wan3"));
	ASSERT_EQ(0, get_instance(&self->s, "base", &before));

	switch (variant->kind) {
	case NO_NAME:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE, NULL, "wan2");
		break;
	case NO_DEV:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE, "x", NULL);
		break;
	case DUP_NAME:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE, "base", "wan2");
		break;
	case DEV_IN_USE:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE, "x", "wan0");
		break;
	case BAD_BEHAVIOUR:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE, "x", "wan2");
		mnl_attr_put_u8(nlh, CONENAT_INSTANCE_A_MAPPING, 3);
		break;
	case POOL_REVERSED:
	case POOL_HALF:
	case POOL_TOO_BIG:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE, "x", "wan2");
		mnl_attr_put_u32(nlh, CONENAT_INSTANCE_A_EXT_ADDR_MIN,
				 inet_addr("198.51.100.9"));
		if (variant->kind == POOL_REVERSED)
			mnl_attr_put_u32(nlh, CONENAT_INSTANCE_A_EXT_ADDR_MAX,
					 inet_addr("198.51.100.2"));
		if (variant->kind == POOL_TOO_BIG)
			mnl_attr_put_u32(nlh, CONENAT_INSTANCE_A_EXT_ADDR_MAX,
					 inet_addr("198.51.102.9"));
		break;
	case PORTS_REVERSED:
	case PORT_ZERO:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE, "x", "wan2");
		mnl_attr_put_u16(nlh, CONENAT_INSTANCE_A_PORT_MIN,
				 htons(variant->kind == PORT_ZERO ? 0 : 3000));
		mnl_attr_put_u16(nlh, CONENAT_INSTANCE_A_PORT_MAX, htons(2000));
		break;
	case PREFIX_HOST_BITS:
	case PREFIX_TOO_LONG:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE, "x", "wan2");
		nest = mnl_attr_nest_start(nlh, CONENAT_INSTANCE_A_INTERNAL);
		pfx = mnl_attr_nest_start(nlh, 1);
		mnl_attr_put_u32(nlh, CONENAT_PREFIX_A_ADDR, inet_addr("10.0.1.1"));
		mnl_attr_put_u8(nlh, CONENAT_PREFIX_A_LEN,
				variant->kind == PREFIX_TOO_LONG ? 33 : 24);
		mnl_attr_nest_end(nlh, pfx);
		mnl_attr_nest_end(nlh, nest);
		break;
	case TIMEOUT_ZERO:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_SET_INSTANCE, "base", NULL);
		mnl_attr_put_u32(nlh, CONENAT_INSTANCE_A_UDP_TIMEOUT, 0);
		break;
	case SET_UNKNOWN:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_SET_INSTANCE, "nope", NULL);
		mnl_attr_put_u32(nlh, CONENAT_INSTANCE_A_UDP_TIMEOUT, 60);
		break;
	case SET_DEV:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_SET_INSTANCE, "base", "wan2");
		break;
	case DEL_UNKNOWN:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_DEL_INSTANCE, "nope", NULL);
		break;
	case BOOL_TWO:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_SET_INSTANCE, "base", NULL);
		mnl_attr_put_u8(nlh, CONENAT_INSTANCE_A_HAIRPIN, 2);
		break;
	case EMPTY_NAME:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE, "", "wan2");
		break;
	case LONG_NAME:
		nlh = instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE,
				   "a-name-that-is-far-too-long", "wan2");
		break;
	}

	ret = cn_talk(&self->s, nlh, NULL, NULL, &e);
	if (variant->kind == LONG_NAME) {
		/* the string policy refuses it; the errno is the core's */
		ASSERT_NE(0, ret);
		ASSERT_NE(0, e.msg[0]) TH_LOG("no extack message");
	} else {
		ASSERT_EQ(variant->error, ret) TH_LOG("kernel said %d: %s", ret, e.msg);
		ASSERT_NE(NULL, strstr(e.msg, variant->msg))
			TH_LOG("extack \"%s\" lacks \"%s\"", e.msg, variant->msg);
	}

	/* nothing changed: the same one instance, the same settings */
	EXPECT_EQ(1, count_instances(&self->s));
	ASSERT_EQ(0, get_instance(&self->s, "base", &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
}

/*
 * A device that does not exist yet is waited for: the instance is there
 * with ifindex 0, takes the device when it appears and lets it go when it
 * goes; a second instance on the same awaited device is refused.
 */
TEST_F(ctl, device_awaited)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct inst_reply r = {};
	struct cn_err e;
	int ret;

	ret = cn_talk(&self->s, instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE,
					      "w", "later0"), NULL, NULL, &e);
	ASSERT_EQ(0, ret) TH_LOG("kernel said %d: %s", ret, e.msg);
	ASSERT_EQ(0, get_instance(&self->s, "w", &r));
	EXPECT_EQ(0u, r.ifindex) TH_LOG("bound to ifindex %u", r.ifindex);

	ret = cn_talk(&self->s, instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE,
					      "x", "later0"), NULL, NULL, &e);
	EXPECT_EQ(-EBUSY, ret) TH_LOG("kernel said %d: %s", ret, e.msg);
	EXPECT_NE(NULL, strstr(e.msg, "another instance uses"))
		TH_LOG("extack \"%s\"", e.msg);
	EXPECT_EQ(2, count_instances(&self->s));

	/* two instances waiting for devices each forward TCP 443 */
	ret = cn_talk(&self->s, instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE,
					      "v", "later1"), NULL, NULL, &e);
	ASSERT_EQ(0, ret) TH_LOG("kernel said %d: %s", ret, e.msg);
	for (int i = 0; i < 2; i++) {
		struct nlmsghdr *nlh = cn_msg(&self->s, buf,
					      CONENAT_CMD_NEW_MAPPING, 0);

		mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, i ? "v" : "w");
		mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO, IPPROTO_TCP);
		mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR,
				 inet_addr("10.0.0.2"));
		mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT, htons(443));
		mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_EXT_PORT, htons(443));
		ret = cn_talk(&self->s, nlh, NULL, NULL, &e);
		EXPECT_EQ(0, ret) TH_LOG("forward of :443 on the %s awaited device: %s",
					 i ? "second" : "first", e.msg);
	}
	ret = cn_talk(&self->s, instance_msg(&self->s, buf, CONENAT_CMD_DEL_INSTANCE,
					      "v", NULL), NULL, NULL, &e);
	ASSERT_EQ(0, ret) TH_LOG("kernel said %d: %s", ret, e.msg);

	/* an alternative name of base's device is base's device */
	ASSERT_EQ(0, system("ip link property add dev wan0 altname wanalt"));
	ret = cn_talk(&self->s, instance_msg(&self->s, buf, CONENAT_CMD_NEW_INSTANCE,
					      "y", "wanalt"), NULL, NULL, &e);
	EXPECT_EQ(-EBUSY, ret) TH_LOG("kernel said %d: %s", ret, e.msg);

	ASSERT_EQ(0, system("ip link add later0 type dummy"));
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(0, get_instance(&self->s, "w", &r));
	EXPECT_EQ(if_nametoindex("later0"), r.ifindex);
	ASSERT_EQ(0, system("ip link del later0"));
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(0, get_instance(&self->s, "w", &r));
	EXPECT_EQ(0u, r.ifindex) TH_LOG("still bound to ifindex %u", r.ifindex);
}

/* ---------------------------------------------------------------- events */

struct event {
	uint8_t cmd, event;
	uint32_t int_addr;
	uint16_t int_port, ext_port;
};

static int open_events(struct mnl_socket **nl)
{
	struct cn_sock s;
	uint16_t id;
	int grp = -1, ret;

	/* resolve the group id through the controller */
	ret = cn_open(&s);
	if (ret)
		return ret;
	ret = cn_resolve_group(&s, CONENAT_GENL_NAME, CONENAT_MCGRP_EVENTS, &id);
	cn_close(&s);
	if (ret)
		return ret;
	grp = id;
	*nl = mnl_socket_open(NETLINK_GENERIC);
	if (!*nl || mnl_socket_bind(*nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	if (mnl_socket_setsockopt(*nl, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return -errno;
	return 0;
}

/* The next event within @ms milliseconds; 0 if one came. */
static int next_event(struct mnl_socket *nl, struct event *ev, int ms)
{
	static char buf[8192];
	static int len, off;
	struct pollfd p = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
	const struct nlmsghdr *nlh;
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	const struct genlmsghdr *g;

	if (off >= len) {
		if (poll(&p, 1, ms) != 1)
			return -ETIMEDOUT;
		len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		off = 0;
		if (len <= 0)
			return -EIO;
	}
	nlh = (const struct nlmsghdr *)(buf + off);
	off += NLMSG_ALIGN(nlh->nlmsg_len);
	g = mnl_nlmsg_get_payload(nlh);
	memset(ev, 0, sizeof(*ev));
	ev->cmd = g->cmd;
	if (cn_parse(nlh, tb, CONENAT_MAPPING_A_MAX))
		return -EBADMSG;
	if (tb[CONENAT_MAPPING_A_EVENT])
		ev->event = mnl_attr_get_u8(tb[CONENAT_MAPPING_A_EVENT]);
	if (tb[CONENAT_MAPPING_A_INT_ADDR])
		ev->int_addr = mnl_attr_get_u32(tb[CONENAT_MAPPING_A_INT_ADDR]);
	if (tb[CONENAT_MAPPING_A_INT_PORT])
		ev->int_port = ntohs(mnl_attr_get_u16(tb[CONENAT_MAPPING_A_INT_PORT]));
	if (tb[CONENAT_MAPPING_A_EXT_PORT])
		ev->ext_port = ntohs(mnl_attr_get_u16(tb[CONENAT_MAPPING_A_EXT_PORT]));
	return 0;
}

static int add_static(struct cn_sock *s, const char *iaddr, uint16_t iport,
		      uint16_t eport, uint32_t lifetime, struct cn_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = cn_msg(s, buf, CONENAT_CMD_NEW_MAPPING, 0);

	mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, "ev");
	mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO, IPPROTO_UDP);
	mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR, inet_addr(iaddr));
	mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT, htons(iport));
	if (eport)
		mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_EXT_PORT, htons(eport));
	if (lifetime)
		mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_LIFETIME, lifetime);
	return cn_talk(s, nlh, NULL, NULL, e);
}

TEST(events_announce_created_deleted_expired_exhausted)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *ev_nl = NULL;
	struct nlmsghdr *nlh;
	struct cn_sock s;
	struct event ev;
	struct cn_err e;

	ASSERT_EQ(0, enter_netns());
	ASSERT_EQ(0, cn_open(&s));
	nlh = instance_msg(&s, buf, CONENAT_CMD_NEW_INSTANCE, "ev", "wan0");
	mnl_attr_put_u16(nlh, CONENAT_INSTANCE_A_PORT_MIN, htons(20000));
	mnl_attr_put_u16(nlh, CONENAT_INSTANCE_A_PORT_MAX, htons(20001));
	ASSERT_EQ(0, cn_talk(&s, nlh, NULL, NULL, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, open_events(&ev_nl));

	/* created: a static mapping */
	ASSERT_EQ(0, add_static(&s, "10.0.1.2", 5000, 20000, 0, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, next_event(ev_nl, &ev, 2000));
	EXPECT_EQ(CONENAT_CMD_MAPPING_EVENT, ev.cmd);
	EXPECT_EQ(CONENAT_EVENT_CREATED, ev.event);
	EXPECT_EQ(inet_addr("10.0.1.2"), ev.int_addr);
	EXPECT_EQ(5000, ev.int_port);
	EXPECT_EQ(20000, ev.ext_port);

	/* refused: the external endpoint is taken */
	ASSERT_EQ(-EADDRINUSE, add_static(&s, "10.0.1.3", 5000, 20000, 0, &e));
	EXPECT_NE(NULL, strstr(e.msg, "in use"));

	/* created then expired: a two-second lifetime on the last port */
	ASSERT_EQ(0, add_static(&s, "10.0.1.4", 5000, 0, 2, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, next_event(ev_nl, &ev, 2000));
	EXPECT_EQ(CONENAT_EVENT_CREATED, ev.event);
	EXPECT_EQ(20001, ev.ext_port) TH_LOG("the only free port of 20000-20001");

	/* exhausted: both ports are taken now */
	ASSERT_EQ(-ENOSPC, add_static(&s, "10.0.1.5", 5000, 0, 0, &e));
	EXPECT_NE(NULL, strstr(e.msg, "no free external port"));
	ASSERT_EQ(0, next_event(ev_nl, &ev, 2000));
	EXPECT_EQ(CONENAT_CMD_EXHAUSTED_EVENT, ev.cmd);
	EXPECT_EQ(inet_addr("10.0.1.5"), ev.int_addr);

	ASSERT_EQ(0, next_event(ev_nl, &ev, 6000))
		TH_LOG("no expiry event within 6 s of a 2 s lifetime");
	EXPECT_EQ(CONENAT_EVENT_EXPIRED, ev.event);
	EXPECT_EQ(inet_addr("10.0.1.4"), ev.int_addr);

	/* deleted: by its internal endpoint */
	nlh = cn_msg(&s, buf, CONENAT_CMD_DEL_MAPPING, 0);
	mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, "ev");
	mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO, IPPROTO_UDP);
	mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR, inet_addr("10.0.1.2"));
	mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT, htons(5000));
	ASSERT_EQ(0, cn_talk(&s, nlh, NULL, NULL, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, next_event(ev_nl, &ev, 2000));
	EXPECT_EQ(CONENAT_EVENT_DELETED, ev.event);
	EXPECT_EQ(5000, ev.int_port);

	/* and nothing else */
	EXPECT_EQ(-ETIMEDOUT, next_event(ev_nl, &ev, 500));
	mnl_socket_close(ev_nl);
	cn_close(&s);
}

/* What a GET_MAPPING reply (or an echo) says of one mapping. */
struct granted {
	int seen;
	uint8_t origin, filtered;
	uint16_t ext_port;
	uint32_t expires;
};

static int granted_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	struct granted *g = data;

	if (cn_parse(nlh, tb, CONENAT_MAPPING_A_MAX))
		return -EBADMSG;
	g->seen++;
	g->origin = tb[CONENAT_MAPPING_A_ORIGIN] ?
		    mnl_attr_get_u8(tb[CONENAT_MAPPING_A_ORIGIN]) : 0xff;
	g->filtered = tb[CONENAT_MAPPING_A_FILTERED] ?
		      mnl_attr_get_u8(tb[CONENAT_MAPPING_A_FILTERED]) : 0;
	g->ext_port = tb[CONENAT_MAPPING_A_EXT_PORT] ?
		      ntohs(mnl_attr_get_u16(tb[CONENAT_MAPPING_A_EXT_PORT])) : 0;
	g->expires = tb[CONENAT_MAPPING_A_EXPIRES] ?
		     mnl_attr_get_u32(tb[CONENAT_MAPPING_A_EXPIRES]) : 0;
	return 0;
}

/*
 * A port control server's NEW_MAPPING for 10.0.1.@host:5000 on instance
 * "pc": ORIGIN @origin (0xff: none), LIFETIME @lifetime (0: none), FILTERED
 * @filtered (0xff: none), EXT_PORT @eport (0: none), echoed into @g.
 */
static int grant(struct cn_sock *s, int host, uint8_t origin,
		 uint32_t lifetime, uint8_t filtered, uint16_t eport,
		 struct granted *g, struct cn_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], addr[16];
	struct nlmsghdr *nlh = cn_msg(s, buf, CONENAT_CMD_NEW_MAPPING,
				      NLM_F_ECHO);

	snprintf(addr, sizeof(addr), "10.0.1.%d", host);
	mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, "pc");
	mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO, IPPROTO_UDP);
	mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR, inet_addr(addr));
	mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT, htons(5000));
	if (origin != 0xff)
		mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_ORIGIN, origin);
	if (lifetime)
		mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_LIFETIME, lifetime);
	if (filtered != 0xff)
		mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_FILTERED, filtered);
	if (eport)
		mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_EXT_PORT, htons(eport));
	memset(g, 0, sizeof(*g));
	return cn_talk(s, nlh, granted_cb, g, e);
}

TEST(granted_mappings_take_over_and_only_grow)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *ev_nl = NULL;
	struct inst_reply ir;
	struct nlmsghdr *nlh;
	struct granted g;
	struct cn_sock s;
	struct event ev;
	struct cn_err e;

	ASSERT_EQ(0, enter_netns());
	ASSERT_EQ(0, cn_open(&s));
	nlh = instance_msg(&s, buf, CONENAT_CMD_NEW_INSTANCE, "pc", "wan0");
	ASSERT_EQ(0, cn_talk(&s, nlh, NULL, NULL, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, open_events(&ev_nl));

	/* refused, and nothing made: no lifetime, a filter off PCP, dynamic */
	EXPECT_EQ(-EINVAL, grant(&s, 2, CONENAT_ORIGIN_PCP, 0, 0xff, 0, &g, &e));
	EXPECT_NE(NULL, strstr(e.msg, "needs a lifetime")) TH_LOG("%s", e.msg);
	EXPECT_EQ(-EINVAL, grant(&s, 2, CONENAT_ORIGIN_NATPMP, 60, 1, 0, &g, &e));
	EXPECT_NE(NULL, strstr(e.msg, "only a PCP mapping")) TH_LOG("%s", e.msg);
	EXPECT_EQ(-ERANGE, grant(&s, 2, CONENAT_ORIGIN_DYNAMIC, 60, 0xff, 0,
				 &g, &e));
	EXPECT_EQ(-ERANGE, grant(&s, 2, CONENAT_ORIGIN_MAX + 1, 60, 0xff, 0,
				 &g, &e));
	EXPECT_EQ(-ETIMEDOUT, next_event(ev_nl, &ev, 300));

	/* the administrator's mapping stays his */
	ASSERT_EQ(0, grant(&s, 3, 0xff, 0, 0xff, 20003, &g, &e)) TH_LOG("%s", e.msg);
	EXPECT_EQ(CONENAT_ORIGIN_STATIC, g.origin);
	ASSERT_EQ(0, next_event(ev_nl, &ev, 2000));
	EXPECT_EQ(-EEXIST, grant(&s, 3, CONENAT_ORIGIN_PCP, 60, 0xff, 0, &g, &e));

	/* made at the port asked for, filtered */
	ASSERT_EQ(0, grant(&s, 2, CONENAT_ORIGIN_PCP, 100, 1, 20002, &g, &e))
		TH_LOG("%s", e.msg);
	EXPECT_EQ(1, g.seen);
	EXPECT_EQ(CONENAT_ORIGIN_PCP, g.origin);
	EXPECT_EQ(1, g.filtered);
	EXPECT_EQ(20002, g.ext_port);
	EXPECT_GE(100, g.expires);
	EXPECT_LE(98, g.expires);
	ASSERT_EQ(0, next_event(ev_nl, &ev, 2000));
	EXPECT_EQ(CONENAT_EVENT_CREATED, ev.event);

	/* renewed: the endpoint it has, however suggested; longer */
	ASSERT_EQ(0, grant(&s, 2, CONENAT_ORIGIN_PCP, 300, 0, 20009, &g, &e))
		TH_LOG("%s", e.msg);
	EXPECT_EQ(20002, g.ext_port);
	EXPECT_EQ(0, g.filtered);
	EXPECT_LE(298, g.expires);
	ASSERT_EQ(0, next_event(ev_nl, &ev, 2000));
	EXPECT_EQ(CONENAT_EVENT_UPDATED, ev.event);
	EXPECT_EQ(20002, ev.ext_port);

	/* taken over by NAT-PMP with a shorter lifetime: never shorter */
	ASSERT_EQ(0, grant(&s, 2, CONENAT_ORIGIN_NATPMP, 50, 0xff, 0, &g, &e))
		TH_LOG("%s", e.msg);
	EXPECT_EQ(CONENAT_ORIGIN_NATPMP, g.origin);
	EXPECT_EQ(20002, g.ext_port);
	EXPECT_LE(290, g.expires);

	/* a permit's echo: the mapping the flow to the remote uses */
	nlh = cn_msg(&s, buf, CONENAT_CMD_NEW_PERMIT, NLM_F_ECHO);
	mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, "pc");
	mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO, IPPROTO_UDP);
	mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR, inet_addr("10.0.1.2"));
	mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT, htons(5000));
	mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_REMOTE_ADDR,
			 inet_addr("203.0.113.9"));
	mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_REMOTE_PORT, htons(3478));
	memset(&g, 0, sizeof(g));
	ASSERT_EQ(0, cn_talk(&s, nlh, granted_cb, &g, &e)) TH_LOG("%s", e.msg);
	EXPECT_EQ(1, g.seen);
	EXPECT_EQ(20002, g.ext_port);

	/* the instance's age: a port control server's epoch */
	ASSERT_EQ(0, get_instance(&s, "pc", &ir));
	EXPECT_EQ(1, ir.seen);
	EXPECT_TRUE(ir.has_age);
	EXPECT_GE(60, ir.age) TH_LOG("made a moment ago, %u s old", ir.age);

	mnl_socket_close(ev_nl);
	cn_close(&s);
}

TEST_HARNESS_MAIN
