// SPDX-License-Identifier: GPL-2.0
/*
 * A netlink fuzzer for the conenat family: generated requests - random
 * commands and flags, random, truncated and oversized attributes of every
 * type and length, deep and malformed nests, huge and negative values,
 * dumps abandoned midway - then the module must still answer correctly,
 * must have logged no WARN/BUG/Oops, and its slab caches must be back to
 * their baseline once the namespace's state is gone.
 *
 * Usage: conenat_fuzz [MESSAGES [SEED]] (default 100000, time-based seed).
 * Runs in a network namespace of its own, with two veth devices so that
 * some generated instances are valid and engage the rest of the API.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/conenat.h>

#include "cn_genl.h"

static unsigned long long rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from the seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* Values that tend to find edges. */
static uint32_t edgy_u32(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 15, 16, 17, 32, 33, 63, 64, 255, 256, 1023, 1024,
		65535, 65536, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
		CONENAT_MAX_TIMEOUT, CONENAT_MAX_TIMEOUT + 1,
		CONENAT_DEFAULT_MAX_MAPPINGS, CONENAT_DEFAULT_MAX_MAPPINGS + 1,
	};

	return below(4) ? v[below(sizeof(v) / sizeof(v[0]))] : rnd();
}

static const char *const names[] = {
	"f0", "f1", "f2", "", "a-name-that-is-far-too-long-for-it",
};
static const char *const devs[] = { "fz0", "fz1", "lo", "nope", "" };

/* One random attribute of type @type at the end of @nlh. */
static void put_random_attr(struct nlmsghdr *nlh, uint16_t type, int depth)
{
	char blob[96];
	size_t i, len;

	switch (below(depth < 4 ? 10 : 9)) {
	case 0:
		mnl_attr_put_u8(nlh, type, (uint8_t)edgy_u32());
		break;
	case 1:
		mnl_attr_put_u16(nlh, type, (uint16_t)edgy_u32());
		break;
	case 2:
	case 3:
		mnl_attr_put_u32(nlh, type, edgy_u32());
		break;
	case 4:
		mnl_attr_put_u64(nlh, type, ((uint64_t)edgy_u32() << 32) | rnd());
		break;
	case 5:
		mnl_attr_put_strz(nlh, type, below(2) ? names[below(5)] :
				  devs[below(5)]);
		break;
	case 6:
		/* a string without its NUL, or random bytes of any length */
		len = below(sizeof(blob));
		for (i = 0; i < len; i++)
			blob[i] = below(3) ? 'a' + below(26) : (char)rnd();
		mnl_attr_put(nlh, type, len, blob);
		break;
	case 7:
		mnl_attr_put(nlh, type, 0, NULL);
		break;
	case 8:
		/* an address in the namespace's range or anywhere */
		mnl_attr_put_u32(nlh, type, below(2) ?
				 htonl(0xc6336400 | below(4)) : rnd());
		break;
	case 9: {
		/* a nest, with or without NLA_F_NESTED, of random contents */
		struct nlattr *nest = mnl_attr_nest_start(nlh, type);
		int n = (int)below(4);

		if (below(4) == 0)
			nest->nla_type &= ~NLA_F_NESTED;
		while (n--)
			put_random_attr(nlh, (uint16_t)below(6), depth + 1);
		mnl_attr_nest_end(nlh, nest);
		break;
	}
	}
}

/* Mostly valid-looking attributes of the right set, now and then anything. */
static void fill_request(struct nlmsghdr *nlh, uint8_t cmd)
{
	int n = (int)below(7), maxtype;

	switch (cmd) {
	case CONENAT_CMD_GET_INFO:
		maxtype = CONENAT_INFO_A_MAX;
		if (below(2))
			mnl_attr_put_u32(nlh, CONENAT_INFO_A_CLIENT_API,
					 below(3) ? CONENAT_API_VERSION : edgy_u32());
		break;
	case CONENAT_CMD_NEW_INSTANCE:
	case CONENAT_CMD_SET_INSTANCE:
	case CONENAT_CMD_DEL_INSTANCE:
	case CONENAT_CMD_GET_INSTANCE:
		maxtype = CONENAT_INSTANCE_A_MAX;
		if (below(4))
			mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_NAME,
					  names[below(3)]);
		if (cmd == CONENAT_CMD_NEW_INSTANCE && below(4))
			mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_IFNAME,
					  devs[below(3)]);
		break;
	default:
		maxtype = CONENAT_MAPPING_A_MAX;
		if (below(4))
			mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE,
					  names[below(3)]);
		if (below(4))
			mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO,
					below(4) ? (below(2) ? 17 : 6) : (uint8_t)rnd());
		if (below(3)) {
			mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR,
					 htonl(0x0a000000 | below(256)));
			mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT,
					 htons((uint16_t)(1024 + below(64))));
		}
		break;
	}
	while (n--) {
		uint16_t type = below(8) ? (uint16_t)(1 + below(maxtype)) :
			(uint16_t)edgy_u32();

		if (mnl_nlmsg_size(nlh->nlmsg_len) > 3000)
			break;
		put_random_attr(nlh, type, 0);
	}
}

struct counts {
	unsigned long sent, ok, refused, no_msg, dumps_abandoned;
	/* refusals without a message, by command (valid ones) and errno */
	unsigned long silent[CONENAT_CMD_MAX + 2][140];
};

/* Send one generated message; read replies until its ack or dump end. */
static int fuzz_one(struct cn_sock *s, struct counts *c)
{
	static char buf[8192];
	uint8_t cmd = below(8) ? (uint8_t)(1 + below(CONENAT_CMD_MAX)) :
		(uint8_t)rnd();
	uint16_t flags = below(3) ? 0 : NLM_F_DUMP;
	struct nlmsghdr *nlh = cn_msg(s, buf, cmd, flags);
	struct cn_err e;
	int ret;

	if (below(16) == 0)
		((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version =
			(uint8_t)rnd();
	fill_request(nlh, cmd);
	if (below(10) == 0 && nlh->nlmsg_len > sizeof(*nlh) + 8) {
		/* truncate: the header claims less than the attributes */
		nlh->nlmsg_len -= 1 + below(nlh->nlmsg_len - sizeof(*nlh) - 4);
	}
	c->sent++;
	ret = cn_talk(s, nlh, NULL, NULL, &e);
	if (ret == 0) {
		c->ok++;
	} else if (ret == -ENOBUFS || ret == -EBADMSG) {
		return ret;
	} else {
		c->refused++;
		/* refusals of ours carry a message; the core's may not */
		if (!e.msg[0]) {
			c->no_msg++;
			c->silent[cmd <= CONENAT_CMD_MAX ? cmd : CONENAT_CMD_MAX + 1]
				 [-ret < 140 ? -ret : 0]++;
		}
	}
	return 0;
}

/* Start a mapping dump, read one message of it, and walk away. */
static void abandon_dump(struct counts *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], rx[4096];
	struct cn_sock s;

	if (cn_open(&s))
		return;
	cn_msg(&s, buf, below(2) ? CONENAT_CMD_GET_MAPPING :
	       CONENAT_CMD_GET_INSTANCE, NLM_F_DUMP);
	if (mnl_socket_sendto(s.nl, buf, ((struct nlmsghdr *)buf)->nlmsg_len) > 0)
		mnl_socket_recvfrom(s.nl, rx, sizeof(rx));
	cn_close(&s);
	c->dumps_abandoned++;
}

static int setup_netns(void)
{
	if (unshare(CLONE_NEWNET))
		return -1;
	return system("ip link add fz0 type veth peer name fz1 && "
		      "ip addr add 198.51.100.1/24 dev fz0 && "
		      "ip link set fz0 up && ip link set fz1 up && "
		      "ip link set lo up");
}

/* Many static mappings, so that a mapping dump spans several messages. */
static void populate(struct cn_sock *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int i;

	nlh = cn_msg(s, buf, CONENAT_CMD_NEW_INSTANCE, 0);
	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_NAME, "f0");
	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_IFNAME, "fz0");
	cn_talk(s, nlh, NULL, NULL, NULL);
	for (i = 0; i < 2000; i++) {
		nlh = cn_msg(s, buf, CONENAT_CMD_NEW_MAPPING, 0);
		mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, "f0");
		mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO, IPPROTO_UDP);
		mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR,
				 htonl(0x0a010000 | (uint32_t)i));
		mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT, htons(5000));
		cn_talk(s, nlh, NULL, NULL, NULL);
	}
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[CONENAT_INFO_A_MAX + 1];

	if (!cn_parse(nlh, tb, CONENAT_INFO_A_MAX) && tb[CONENAT_INFO_A_API])
		*(uint32_t *)data = mnl_attr_get_u32(tb[CONENAT_INFO_A_API]);
	return 0;
}

struct names {
	int n;
	char name[CONENAT_MAX_INSTANCES][CONENAT_NAME_MAX];
};

static int name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *tb[CONENAT_INSTANCE_A_MAX + 1];
	struct names *l = data;

	if (!cn_parse(nlh, tb, CONENAT_INSTANCE_A_MAX) &&
	    tb[CONENAT_INSTANCE_A_NAME] && l->n < CONENAT_MAX_INSTANCES)
		snprintf(l->name[l->n++], CONENAT_NAME_MAX, "%s",
			 mnl_attr_get_str(tb[CONENAT_INSTANCE_A_NAME]));
	return 0;
}

/*
 * The module still works: info answers; every instance the fuzzer left can
 * be listed and deleted; a new one comes and goes.
 */
static int still_works(struct cn_sock *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct names left = {};
	struct nlmsghdr *nlh;
	uint32_t api = 0;
	int i;

	nlh = cn_msg(s, buf, CONENAT_CMD_GET_INFO, 0);
	mnl_attr_put_u32(nlh, CONENAT_INFO_A_CLIENT_API, CONENAT_API_VERSION);
	if (cn_talk(s, nlh, info_cb, &api, NULL) || api != CONENAT_API_VERSION)
		return -1;
	if (cn_talk(s, cn_msg(s, buf, CONENAT_CMD_GET_INSTANCE, NLM_F_DUMP),
		    name_cb, &left, NULL))
		return -4;
	printf("# %d instances left by the fuzzer\n", left.n);
	for (i = 0; i < left.n; i++) {
		nlh = cn_msg(s, buf, CONENAT_CMD_DEL_INSTANCE, 0);
		mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_NAME, left.name[i]);
		if (cn_talk(s, nlh, NULL, NULL, NULL))
			return -5;
	}
	nlh = cn_msg(s, buf, CONENAT_CMD_NEW_INSTANCE, 0);
	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_NAME, "after");
	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_IFNAME, "fz1");
	if (cn_talk(s, nlh, NULL, NULL, NULL))
		return -2;
	nlh = cn_msg(s, buf, CONENAT_CMD_DEL_INSTANCE, 0);
	mnl_attr_put_strz(nlh, CONENAT_INSTANCE_A_NAME, "after");
	return cn_talk(s, nlh, NULL, NULL, NULL) ? -3 : 0;
}

int main(int argc, char **argv)
{
	unsigned long total = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 0) :
				  (unsigned long long)time(NULL);
	static struct counts c;
	struct cn_sock s;
	time_t start = time(NULL);
	int ret;

	rng_state = seed ?: 1;
	printf("# seed %llu, %lu messages\n", seed, total);
	if (setup_netns() || cn_open(&s)) {
		printf("not ok 1 - fuzz setup (namespace, devices, family)\n");
		return 1;
	}
	populate(&s);

	while (c.sent < total) {
		if (below(500) == 0) {
			abandon_dump(&c);
			continue;
		}
		ret = fuzz_one(&s, &c);
		if (ret) {
			/* an overrun or garbled reply: start a fresh socket */
			cn_close(&s);
			if (cn_open(&s)) {
				printf("not ok 1 - family gone after %lu messages\n",
				       c.sent);
				return 1;
			}
		}
	}
	printf("# %lu messages in %lds: %lu accepted, %lu refused (%lu of them without an extack message), %lu dumps abandoned\n",
	       c.sent, (long)(time(NULL) - start), c.ok, c.refused, c.no_msg,
	       c.dumps_abandoned);
	/*
	 * The only refusals without a message are the generic netlink core's
	 * EOPNOTSUPP (an unknown command, or a dump of a do-only command);
	 * every refusal of conenat's own explains itself.
	 */
	for (int i = 0; i <= CONENAT_CMD_MAX + 1; i++) {
		for (int j = 0; j < 140; j++) {
			if (!c.silent[i][j] || j == EOPNOTSUPP)
				continue;
			printf("not ok 1 - cmd %d refused with %s and no extack message (%lu times)\n",
			       i, strerror(j), c.silent[i][j]);
			return 1;
		}
	}
	ret = still_works(&s);
	cn_close(&s);
	if (ret) {
		printf("not ok 1 - the module answers correctly after %lu fuzzed messages (step %d)\n",
		       c.sent, ret);
		return 1;
	}
	printf("ok 1 - the module answers correctly after %lu fuzzed messages\n",
	       c.sent);
	return 0;
}
