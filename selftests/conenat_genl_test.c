// SPDX-License-Identifier: GPL-2.0
/*
 * The conenat generic netlink family: it resolves, answers `info` with what
 * the module was built with, refuses malformed requests with an extended ack
 * and goes on working, checks CAP_NET_ADMIN in the caller's network namespace,
 * serves namespaces independently and survives being unloaded under an open
 * socket.
 *
 * Environment: CONENAT_KO, the module file the suite loaded (for reloading it).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/conenat.h>

#include "kselftest_harness.h"
#include "cn_genl.h"

struct info_reply {
	char version[64];
	uint32_t api, max_instances, max_mappings, hash_buckets, name_max;
	int seen;
};

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[CONENAT_INFO_A_MAX + 1];
	struct info_reply *r = data;

	if (cn_parse(nlh, tb, CONENAT_INFO_A_MAX))
		return -EBADMSG;
	if (tb[CONENAT_INFO_A_VERSION])
		snprintf(r->version, sizeof(r->version), "%s",
			 mnl_attr_get_str(tb[CONENAT_INFO_A_VERSION]));
#define GET32(field, attr) \
	do { if (tb[attr]) r->field = mnl_attr_get_u32(tb[attr]); } while (0)
	GET32(api, CONENAT_INFO_A_API);
	GET32(max_instances, CONENAT_INFO_A_MAX_INSTANCES);
	GET32(max_mappings, CONENAT_INFO_A_MAX_MAPPINGS);
	GET32(hash_buckets, CONENAT_INFO_A_HASH_BUCKETS);
	GET32(name_max, CONENAT_INFO_A_NAME_MAX);
#undef GET32
	r->seen++;
	return 0;
}

/* A well-formed info request; returns 0 or the kernel's negative errno. */
static int get_info(struct cn_sock *s, struct info_reply *r, struct cn_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = cn_msg(s, buf, CONENAT_CMD_GET_INFO, 0);

	memset(r, 0, sizeof(*r));
	mnl_attr_put_u32(nlh, CONENAT_INFO_A_CLIENT_API, CONENAT_API_VERSION);
	return cn_talk(s, nlh, info_cb, r, e);
}

static int read_param(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f || !fgets(out, (int)len, f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/* Run @fn in a child and return its exit status (or 128 + signal). */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 255;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(family_resolves)
{
	struct cn_sock s;
	uint16_t id;

	ASSERT_EQ(0, cn_open(&s)) TH_LOG("the conenat family does not resolve");
	ASSERT_EQ(0, cn_resolve(&s, CONENAT_GENL_NAME, &id));
	EXPECT_EQ(s.family, id);
	EXPECT_GE(id, GENL_MIN_ID);
	cn_close(&s);
}

TEST(info_reports_build)
{
	char version[64], buckets[32];
	struct info_reply r;
	struct cn_sock s;

	ASSERT_EQ(0, read_param("/sys/module/conenat/version", version,
				sizeof(version)));
	ASSERT_EQ(0, read_param("/sys/module/conenat/parameters/hash_buckets",
				buckets, sizeof(buckets)));
	ASSERT_EQ(0, cn_open(&s));
	ASSERT_EQ(0, get_info(&s, &r, NULL));
	ASSERT_EQ(1, r.seen);
	EXPECT_STREQ(version, r.version);
	EXPECT_STREQ(getenv("CONENAT_EXPECT_VERSION") ?: version, r.version)
		TH_LOG("info says %s, the tree's VERSION says %s", r.version,
		       getenv("CONENAT_EXPECT_VERSION"));
	EXPECT_EQ((uint32_t)CONENAT_API_VERSION, r.api);
	EXPECT_EQ((uint32_t)CONENAT_MAX_INSTANCES, r.max_instances);
	EXPECT_EQ(CONENAT_DEFAULT_MAX_MAPPINGS, r.max_mappings);
	EXPECT_EQ((uint32_t)CONENAT_NAME_MAX, r.name_max);
	EXPECT_EQ(strtoul(buckets, NULL, 10), r.hash_buckets);
	cn_close(&s);
}

/*
 * Each malformed request is refused with the expected errno and an extended
 * ack message, and a well-formed request right after it still works.
 */
enum malformation {
	UNKNOWN_ATTR, WRONG_TYPE, OUT_OF_RANGE_HIGH, OUT_OF_RANGE_ZERO,
	MISSING_REQUIRED, REPLY_ONLY_ATTR, NONZERO_RESERVED, UNKNOWN_CMD,
};

FIXTURE(malformed) {
	struct cn_sock s;
};

FIXTURE_VARIANT(malformed) {
	enum malformation kind;
	int error;
	const char *msg;	/* expected in the extack text, NULL: any */
	uint32_t miss_type;
};

FIXTURE_VARIANT_ADD(malformed, unknown_attribute) {
	.kind = UNKNOWN_ATTR, .error = -EINVAL, .msg = "Unknown attribute type",
};
FIXTURE_VARIANT_ADD(malformed, wrong_type) {
	.kind = WRONG_TYPE, .error = -EINVAL, .msg = "invalid attribute length",
};
FIXTURE_VARIANT_ADD(malformed, out_of_range_high) {
	.kind = OUT_OF_RANGE_HIGH, .error = -ERANGE, .msg = "integer out of range",
};
FIXTURE_VARIANT_ADD(malformed, out_of_range_zero) {
	.kind = OUT_OF_RANGE_ZERO, .error = -ERANGE, .msg = "integer out of range",
};
FIXTURE_VARIANT_ADD(malformed, missing_required) {
	.kind = MISSING_REQUIRED, .error = -EINVAL, .msg = "API version",
	.miss_type = CONENAT_INFO_A_CLIENT_API,
};
FIXTURE_VARIANT_ADD(malformed, reply_only_attribute) {
	.kind = REPLY_ONLY_ATTR, .error = -EINVAL, .msg = "Unsupported attribute",
};
FIXTURE_VARIANT_ADD(malformed, nonzero_reserved) {
	.kind = NONZERO_RESERVED, .error = -EINVAL, .msg = "reserved",
};
FIXTURE_VARIANT_ADD(malformed, unknown_command) {
	.kind = UNKNOWN_CMD, .error = -EOPNOTSUPP, .msg = NULL,
};

FIXTURE_SETUP(malformed)
{
	ASSERT_EQ(0, cn_open(&self->s));
}

FIXTURE_TEARDOWN(malformed)
{
	cn_close(&self->s);
}

TEST_F(malformed, refused_and_module_keeps_working)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct info_reply r;
	struct cn_err e;
	int ret;

	nlh = cn_msg(&self->s, buf, CONENAT_CMD_GET_INFO, 0);
	switch (variant->kind) {
	case UNKNOWN_ATTR:
		mnl_attr_put_u32(nlh, CONENAT_INFO_A_CLIENT_API, 1);
		mnl_attr_put_u32(nlh, 200, 1);
		break;
	case WRONG_TYPE:
		mnl_attr_put_u16(nlh, CONENAT_INFO_A_CLIENT_API, 1);
		break;
	case OUT_OF_RANGE_HIGH:
		mnl_attr_put_u32(nlh, CONENAT_INFO_A_CLIENT_API,
				 CONENAT_API_VERSION + 1);
		break;
	case OUT_OF_RANGE_ZERO:
		mnl_attr_put_u32(nlh, CONENAT_INFO_A_CLIENT_API, 0);
		break;
	case MISSING_REQUIRED:
		break;
	case REPLY_ONLY_ATTR:
		mnl_attr_put_u32(nlh, CONENAT_INFO_A_CLIENT_API, 1);
		mnl_attr_put_strz(nlh, CONENAT_INFO_A_VERSION, "9.9.9");
		break;
	case NONZERO_RESERVED:
		((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->reserved = 1;
		mnl_attr_put_u32(nlh, CONENAT_INFO_A_CLIENT_API, 1);
		break;
	case UNKNOWN_CMD:
		((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = 77;
		break;
	}

	ret = cn_talk(&self->s, nlh, info_cb, &r, &e);
	ASSERT_EQ(variant->error, ret) TH_LOG("kernel answered %d (%s)", ret, e.msg);
	if (variant->msg) {
		ASSERT_NE(NULL, strstr(e.msg, variant->msg))
			TH_LOG("extack \"%s\" lacks \"%s\"", e.msg, variant->msg);
	}
	if (variant->miss_type)
		EXPECT_EQ(variant->miss_type, e.miss_type);

	ASSERT_EQ(0, get_info(&self->s, &r, &e)) TH_LOG("%s", e.msg);
	EXPECT_EQ(1, r.seen);
}

static int drop_cap_net_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	d[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/* Exit 0 when info is refused with EPERM and a message. */
static int expect_eperm(void)
{
	struct info_reply r;
	struct cn_sock s;
	struct cn_err e;

	if (cn_open(&s))
		return 2;
	if (get_info(&s, &r, &e) != -EPERM)
		return 3;
	return r.seen ? 4 : 0;
}

static int child_without_cap_net_admin(void)
{
	if (drop_cap_net_admin())
		return 10;
	return expect_eperm();
}

/*
 * Every command, do and dump, reads included (they reveal mappings), is
 * refused without CAP_NET_ADMIN, before its attributes are even looked at.
 */
static int child_every_command_refused(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct cn_sock s;
	int cmd, dump, ret;

	static const int cmds[] = {
		CONENAT_CMD_GET_INFO, CONENAT_CMD_NEW_INSTANCE,
		CONENAT_CMD_SET_INSTANCE, CONENAT_CMD_DEL_INSTANCE,
		CONENAT_CMD_GET_INSTANCE, CONENAT_CMD_NEW_MAPPING,
		CONENAT_CMD_DEL_MAPPING, CONENAT_CMD_GET_MAPPING,
		CONENAT_CMD_FLUSH_MAPPINGS, CONENAT_CMD_NEW_PERMIT,
		CONENAT_CMD_GET_LIMITS, CONENAT_CMD_SET_LIMITS,
		CONENAT_CMD_GET_PERMIT, CONENAT_CMD_DEL_PERMIT,
		CONENAT_CMD_FLUSH_PERMITS,
	};
	unsigned int i;

	if (drop_cap_net_admin())
		return 10;
	if (cn_open(&s))
		return 2;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		cmd = cmds[i];
		for (dump = 0; dump < 2; dump++) {
			ret = cn_talk(&s, cn_msg(&s, buf, cmd,
						 dump ? NLM_F_DUMP : 0),
				      NULL, NULL, NULL);
			/* do-only commands have no dump: the core says so first */
			if (ret != -EPERM && !(dump && ret == -EOPNOTSUPP)) {
				fprintf(stderr, "cmd %d%s: %d\n", cmd,
					dump ? " dump" : "", ret);
				return 20 + cmd;
			}
		}
	}
	return 0;
}

TEST(every_command_needs_cap_net_admin)
{
	ASSERT_EQ(0, in_child(child_every_command_refused))
		TH_LOG("a command answered a caller without CAP_NET_ADMIN");
}

TEST(no_cap_net_admin_refused)
{
	ASSERT_EQ(0, in_child(child_without_cap_net_admin))
		TH_LOG("a caller without CAP_NET_ADMIN got an answer");
}

static int child_userns_root_in_init_netns(void)
{
	/* root of a fresh user namespace, still in the initial netns */
	if (unshare(CLONE_NEWUSER))
		return 10;
	return expect_eperm();
}

TEST(userns_root_refused_outside_own_netns)
{
	ASSERT_EQ(0, in_child(child_userns_root_in_init_netns))
		TH_LOG("root of a user namespace configured a netns it does not own");
}

static int child_userns_root_in_own_netns(void)
{
	struct info_reply r;
	struct cn_sock s;

	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 10;
	if (cn_open(&s))
		return 2;
	if (get_info(&s, &r, NULL))
		return 3;
	if (r.seen != 1)
		return 4;
	/* and configures it: an instance on its own loopback */
	nlh = cn_msg(&s, buf, CONENAT_CMD_NEW_INSTANCE, 0);
	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_NAME, "mine");
	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_IFNAME, "lo");
	return cn_talk(&s, nlh, NULL, NULL, NULL) ? 5 : 0;
}

TEST(userns_root_allowed_in_own_netns)
{
	ASSERT_EQ(0, in_child(child_userns_root_in_own_netns));
}

/*
 * A namespace that comes and goes while another one holds an open socket:
 * both are answered, and the survivor keeps working after the other's state
 * is torn down.
 */
static int child_new_netns_queries(void)
{
	struct info_reply r;
	struct cn_sock s;
	int i;

	if (unshare(CLONE_NEWNET))
		return 10;
	if (cn_open(&s))
		return 2;
	for (i = 0; i < 10; i++)
		if (get_info(&s, &r, NULL) || r.seen != 1)
			return 3;
	cn_close(&s);
	return 0;
}

TEST(two_netns_independent)
{
	struct info_reply r;
	struct cn_sock s;
	int round;

	ASSERT_EQ(0, cn_open(&s));
	for (round = 0; round < 5; round++) {
		ASSERT_EQ(0, in_child(child_new_netns_queries));
		ASSERT_EQ(0, get_info(&s, &r, NULL));
		ASSERT_EQ(1, r.seen);
	}
	cn_close(&s);
}

static int run(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd);
}

/* Point the kernel's module loader at @path; returns the old one in @old. */
static int set_modprobe(const char *path, char *old, size_t len)
{
	FILE *f;

	if (old && read_param("/proc/sys/kernel/modprobe", old, len))
		return -1;
	f = fopen("/proc/sys/kernel/modprobe", "w");
	if (!f)
		return -1;
	fprintf(f, "%s\n", path);
	return fclose(f);
}

/*
 * Kept last: it unloads and reloads the module under the other tests. While
 * the module is out, the kernel may not load it back (a router where it is
 * not installed), or resolving the family would.
 */
TEST(unload_with_open_socket)
{
	char modprobe[256];
	const char *ko = getenv("CONENAT_KO");
	struct info_reply r;
	struct cn_sock s;
	struct cn_err e;
	uint16_t id;

	ASSERT_NE(NULL, ko) TH_LOG("CONENAT_KO is not set");
	ASSERT_EQ(0, cn_open(&s));
	ASSERT_EQ(0, get_info(&s, &r, NULL));
	ASSERT_EQ(0, set_modprobe("/bin/true", modprobe, sizeof(modprobe)));

	ASSERT_EQ(0, run("rmmod conenat", NULL))
		TH_LOG("rmmod refused while a socket was open");
	EXPECT_NE(0, get_info(&s, &r, &e));
	EXPECT_EQ(0, r.seen);
	EXPECT_EQ(-ENOENT, cn_resolve(&s, CONENAT_GENL_NAME, &id));
	ASSERT_EQ(0, set_modprobe(modprobe, NULL, 0));

	ASSERT_EQ(0, run("insmod %s", ko));
	ASSERT_EQ(0, cn_resolve(&s, CONENAT_GENL_NAME, &s.family));
	ASSERT_EQ(0, get_info(&s, &r, &e)) TH_LOG("%s", e.msg);
	EXPECT_EQ(1, r.seen);
	cn_close(&s);
}

TEST_HARNESS_MAIN
