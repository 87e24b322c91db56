// SPDX-License-Identifier: GPL-2.0
/*
 * natctl restore and sync: make the namespace's configuration a file's.
 *
 *   natctl restore FILE    the configuration becomes exactly the file's
 *   natctl sync FILE       only what differs from the file changes
 *
 * The file is a batch of the lines "natctl save" prints: instance add,
 * mapping add (static mappings), permit add and limits set ("-": stdin).
 * Both read and check the whole file first: a line with an error (named
 * with the file and its line) changes nothing. Then
 *
 *   restore deletes every instance (their mappings and permits with them),
 *	sets the limits and runs the file's lines in order;
 *   sync compares: instances the file does not name are deleted, one whose
 *	device changed is made again, one whose settings changed is set (its
 *	dynamic mappings survive unless the change remaps them, as with
 *	"instance set"), static mappings and permits the file does not hold
 *	are deleted and those it holds that are missing or different are
 *	added; what is the same is not touched, so the dynamic mappings of
 *	unchanged instances survive a reload (wireguard-tools' setconf and
 *	syncconf are the model). Lifetimes are not compared: a timed static
 *	mapping or permit that exists is kept with the time it has left.
 *
 * Settings a line leaves out count as their defaults, as "instance add"
 * would give them, and so do limits the file does not set. If the kernel
 * refuses a change halfway, the configuration from before is put back (as
 * a restore of what "natctl save" printed then) and the exit status is 2.
 * With -c only the file is checked. An empty file, when the module is not
 * loaded, is already in force: nothing is done and the status is 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

#define KEPT_MAX	CONENAT_INSTANCE_A_MAX

/* One line of the file, as the request it makes. */
struct kept {
	struct nl_msg *msg;
	uint8_t cmd;
	unsigned long line;
	struct nlattr *tb[KEPT_MAX + 1];
};

struct plan {
	const char *name;		/* the file, for messages */
	struct kept *v;
	size_t n, cap;
};

static void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		nlmsg_free(p->v[i].msg);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* The collector: keeps what a line would have sent. */
static int keep(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct plan *p = arg;
	struct kept *k;
	int maxattr;

	switch (gh->cmd) {
	case CONENAT_CMD_NEW_INSTANCE:
		maxattr = CONENAT_INSTANCE_A_MAX;
		break;
	case CONENAT_CMD_NEW_MAPPING:
	case CONENAT_CMD_NEW_PERMIT:
		maxattr = CONENAT_MAPPING_A_MAX;
		break;
	case CONENAT_CMD_SET_LIMITS:
		maxattr = CONENAT_LIMITS_A_MAX;
		break;
	default:
		nlmsg_free(msg);
		return usage_err("a configuration holds instance add, mapping add, permit add and limits set lines only");
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 32;
		struct kept *v = realloc(p->v, cap * sizeof(*v));

		if (!v) {
			nlmsg_free(msg);
			return fail_err("out of memory");
		}
		p->v = v;
		p->cap = cap;
	}
	k = &p->v[p->n];
	memset(k, 0, sizeof(*k));
	k->msg = msg;
	k->cmd = gh->cmd;
	k->line = batch_line();
	if (genlmsg_parse(nlmsg_hdr(msg), 0, k->tb, maxattr, NULL) < 0) {
		nlmsg_free(msg);
		return fail_err("cannot parse the request of the line");
	}
	p->n++;
	return 0;
}

static const char *const config_objects[] = {
	"instance", "add", "mapping", "add", "permit", "add", "limits", "set",
	NULL
};

/* Reads and checks every line of @fp, keeping the requests. */
static int plan_read(struct plan *p, FILE *fp, const char *name)
{
	bool check = opt_check;
	int status;

	p->name = name;
	/* built as -c builds them, without a socket */
	opt_check = true;
	nl_collect_start(keep, p);
	status = batch_run(fp, name, config_objects, true);
	nl_collect_stop();
	opt_check = check;
	return status;
}

/* ---- what the kernel has -------------------------------------------- */

/* An instance's settings, every one of them, as numbers. */
struct settings {
	uint32_t v[CONENAT_INSTANCE_A_MAX + 1];
	uint32_t prefix[CONENAT_MAX_PREFIXES];	/* sorted, network order */
	uint8_t prefix_len[CONENAT_MAX_PREFIXES];
	unsigned int nprefixes;
};

enum kind { S_U8, S_U32, S_BE16, S_ADDR };

static const struct {
	int attr;
	enum kind kind;
	uint32_t def;
} setting_attrs[] = {
	{ CONENAT_INSTANCE_A_MAPPING, S_U8, CONENAT_ENDPOINT_INDEPENDENT },
	{ CONENAT_INSTANCE_A_FILTERING, S_U8, CONENAT_ADDRESS_DEPENDENT },
	{ CONENAT_INSTANCE_A_EXT_ADDR_MIN, S_ADDR, 0 },
	{ CONENAT_INSTANCE_A_EXT_ADDR_MAX, S_ADDR, 0 },
	{ CONENAT_INSTANCE_A_PORT_MIN, S_BE16, CONENAT_DEFAULT_PORT_MIN },
	{ CONENAT_INSTANCE_A_PORT_MAX, S_BE16, CONENAT_DEFAULT_PORT_MAX },
	{ CONENAT_INSTANCE_A_PORT_PRESERVATION, S_U8, 1 },
	{ CONENAT_INSTANCE_A_PORT_PARITY, S_U8, 0 },
	{ CONENAT_INSTANCE_A_HAIRPIN, S_U8, 1 },
	{ CONENAT_INSTANCE_A_HAIRPIN_FILTER, S_U8, 0 },
	{ CONENAT_INSTANCE_A_INBOUND_REFRESH, S_U8, 0 },
	{ CONENAT_INSTANCE_A_UDP_TIMEOUT, S_U32, CONENAT_DEFAULT_UDP_TIMEOUT },
	{ CONENAT_INSTANCE_A_TCP_TIMEOUT, S_U32, CONENAT_DEFAULT_TCP_TIMEOUT },
	{ CONENAT_INSTANCE_A_TCP_TRANSITORY_TIMEOUT, S_U32,
	  CONENAT_DEFAULT_TCP_TRANSITORY_TIMEOUT },
	{ CONENAT_INSTANCE_A_ICMP_TIMEOUT, S_U32, CONENAT_DEFAULT_ICMP_TIMEOUT },
	{ CONENAT_INSTANCE_A_MAX_PER_HOST, S_U32, 0 },
	{ CONENAT_INSTANCE_A_MAX_PEERS, S_U32, CONENAT_DEFAULT_MAX_PEERS },
	{ CONENAT_INSTANCE_A_HOLD_DOWN, S_U32, CONENAT_DEFAULT_HOLD_DOWN },
};

static int cmp_prefix(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* The settings @tb gives, defaults for the rest; -1 if malformed. */
static int settings_from(struct nlattr **tb, struct settings *s)
{
	uint64_t sorted[CONENAT_MAX_PREFIXES];
	struct nlattr *pfx;
	unsigned int i;
	int rem;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ARRAY_SIZE(setting_attrs); i++) {
		struct nlattr *a = tb[setting_attrs[i].attr];
		uint32_t v = setting_attrs[i].def;

		if (a) {
			switch (setting_attrs[i].kind) {
			case S_U8:
				v = nla_get_u8(a);
				break;
			case S_BE16:
				v = ntohs(nla_get_u16(a));
				break;
			case S_U32:
			case S_ADDR:
				v = nla_get_u32(a);
				break;
			}
		}
		s->v[setting_attrs[i].attr] = v;
	}
	if (!tb[CONENAT_INSTANCE_A_INTERNAL])
		return 0;
	nla_for_each_nested(pfx, tb[CONENAT_INSTANCE_A_INTERNAL], rem) {
		struct nlattr *pt[CONENAT_PREFIX_A_MAX + 1];

		if (s->nprefixes == CONENAT_MAX_PREFIXES || prefix_parse(pfx, pt))
			return -1;
		sorted[s->nprefixes++] =
			(uint64_t)ntohl(nla_get_u32(pt[CONENAT_PREFIX_A_ADDR])) << 8 |
			nla_get_u8(pt[CONENAT_PREFIX_A_LEN]);
	}
	/* a set: the order the administrator wrote them in does not count */
	qsort(sorted, s->nprefixes, sizeof(sorted[0]), cmp_prefix);
	for (i = 0; i < s->nprefixes; i++) {
		s->prefix[i] = htonl((uint32_t)(sorted[i] >> 8));
		s->prefix_len[i] = sorted[i] & 0xff;
	}
	return 0;
}

static bool settings_equal(const struct settings *a, const struct settings *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* Every setting of @s into @req, as "instance set" would send them. */
static int settings_put(struct nl_msg *req, const struct settings *s)
{
	struct nlattr *list, *pfx;
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(setting_attrs) && !err; i++) {
		int attr = setting_attrs[i].attr;

		switch (setting_attrs[i].kind) {
		case S_U8:
			err = nla_put_u8(req, attr, (uint8_t)s->v[attr]);
			break;
		case S_BE16:
			err = nla_put_u16(req, attr, htons((uint16_t)s->v[attr]));
			break;
		case S_U32:
		case S_ADDR:
			err = nla_put_u32(req, attr, s->v[attr]);
			break;
		}
	}
	if (err)
		return -1;
	list = nla_nest_start(req, CONENAT_INSTANCE_A_INTERNAL | NLA_F_NESTED);
	if (!list)
		return -1;
	for (i = 0; i < s->nprefixes; i++) {
		pfx = nla_nest_start(req, (int)(i + 1) | NLA_F_NESTED);
		if (!pfx ||
		    nla_put_u32(req, CONENAT_PREFIX_A_ADDR, s->prefix[i]) < 0 ||
		    nla_put_u8(req, CONENAT_PREFIX_A_LEN, s->prefix_len[i]) < 0)
			return -1;
		nla_nest_end(req, pfx);
	}
	nla_nest_end_keep_empty(req, list);
	return 0;
}

struct cur_instance {
	char name[CONENAT_NAME_MAX];
	char ifname[IF_NAMESIZE];
	struct settings s;
	bool keep;			/* the file has it, on the same device */
};

/* A static mapping or a permit: what identifies it and what it maps to. */
struct cur_entry {
	char instance[CONENAT_NAME_MAX];
	uint8_t proto;
	uint32_t int_addr, ext_addr, remote_addr;
	uint16_t int_port, ext_port, remote_port;	/* network order */
	bool timed;
	bool keep;
};

struct current {
	struct cur_instance inst[CONENAT_MAX_INSTANCES];
	size_t ninst;
	struct cur_entry *map, *permit;
	size_t nmap, npermit, capmap, cappermit;
	uint32_t max_mappings, max_peers;
};

static void current_free(struct current *c)
{
	free(c->map);
	free(c->permit);
}

static int cur_instance_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_INSTANCE_A_MAX + 1];
	struct current *c = arg;
	struct cur_instance *ci;
	int err;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_INSTANCE)
		return 0;
	err = instance_parse(msg, tb);
	if (err)
		return err;
	if (!tb[CONENAT_INSTANCE_A_NAME] || !tb[CONENAT_INSTANCE_A_IFNAME])
		return fail_err("malformed reply from the kernel: an instance without a name or device");
	if (c->ninst == ARRAY_SIZE(c->inst))
		return fail_err("the kernel sent more than %zu instances",
				ARRAY_SIZE(c->inst));
	ci = &c->inst[c->ninst];
	memset(ci, 0, sizeof(*ci));
	snprintf(ci->name, sizeof(ci->name), "%s",
		 nla_get_string(tb[CONENAT_INSTANCE_A_NAME]));
	snprintf(ci->ifname, sizeof(ci->ifname), "%s",
		 nla_get_string(tb[CONENAT_INSTANCE_A_IFNAME]));
	if (settings_from(tb, &ci->s))
		return NATCTL_EXIT_FAIL;
	c->ninst++;
	return 0;
}

/* A static mapping or permit of request or reply attributes @tb. */
static void entry_from(struct nlattr **tb, struct cur_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (tb[CONENAT_MAPPING_A_INSTANCE])
		snprintf(e->instance, sizeof(e->instance), "%s",
			 nla_get_string(tb[CONENAT_MAPPING_A_INSTANCE]));
	if (tb[CONENAT_MAPPING_A_PROTO])
		e->proto = nla_get_u8(tb[CONENAT_MAPPING_A_PROTO]);
	if (tb[CONENAT_MAPPING_A_INT_ADDR])
		e->int_addr = nla_get_u32(tb[CONENAT_MAPPING_A_INT_ADDR]);
	if (tb[CONENAT_MAPPING_A_INT_PORT])
		e->int_port = nla_get_u16(tb[CONENAT_MAPPING_A_INT_PORT]);
	if (tb[CONENAT_MAPPING_A_EXT_ADDR])
		e->ext_addr = nla_get_u32(tb[CONENAT_MAPPING_A_EXT_ADDR]);
	if (tb[CONENAT_MAPPING_A_EXT_PORT])
		e->ext_port = nla_get_u16(tb[CONENAT_MAPPING_A_EXT_PORT]);
	if (tb[CONENAT_MAPPING_A_REMOTE_ADDR])
		e->remote_addr = nla_get_u32(tb[CONENAT_MAPPING_A_REMOTE_ADDR]);
	if (tb[CONENAT_MAPPING_A_REMOTE_PORT])
		e->remote_port = nla_get_u16(tb[CONENAT_MAPPING_A_REMOTE_PORT]);
	e->timed = tb[CONENAT_MAPPING_A_EXPIRES] ||
		   tb[CONENAT_MAPPING_A_LIFETIME];
}

static int entry_add(struct cur_entry **v, size_t *n, size_t *cap,
		     struct nlattr **tb)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		struct cur_entry *p = realloc(*v, ncap * sizeof(*p));

		if (!p)
			return fail_err("out of memory");
		*v = p;
		*cap = ncap;
	}
	entry_from(tb, &(*v)[(*n)++]);
	return 0;
}

static int cur_mapping_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	struct current *c = arg;
	int err;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_MAPPING)
		return 0;
	err = mapping_parse(msg, tb);
	if (err)
		return err;
	if (!tb[CONENAT_MAPPING_A_ORIGIN] ||
	    nla_get_u8(tb[CONENAT_MAPPING_A_ORIGIN]) != CONENAT_ORIGIN_STATIC)
		return 0;
	return entry_add(&c->map, &c->nmap, &c->capmap, tb);
}

static int cur_permit_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CONENAT_MAPPING_A_MAX + 1];
	struct current *c = arg;
	int err;

	if (nl_reply_cmd(msg) != CONENAT_CMD_GET_PERMIT)
		return 0;
	err = mapping_parse(msg, tb);
	if (err)
		return err;
	return entry_add(&c->permit, &c->npermit, &c->cappermit, tb);
}

static int cur_limits_reply(struct nl_msg *msg, void *arg)
{
	struct current *c = arg;

	return limits_caps(msg, &c->max_mappings, &c->max_peers);
}

/* The static mappings and permits, read (again). */
static int current_read_entries(struct current *c)
{
	int err;

	c->nmap = 0;
	c->npermit = 0;
	err = nl_simple(CONENAT_CMD_GET_MAPPING, NLM_F_DUMP,
			cur_mapping_reply, c);
	if (!err)
		err = nl_simple(CONENAT_CMD_GET_PERMIT, NLM_F_DUMP,
				cur_permit_reply, c);
	return err;
}

static int current_read(struct current *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	err = nl_simple(CONENAT_CMD_GET_LIMITS, 0, cur_limits_reply, c);
	if (!err)
		err = nl_simple(CONENAT_CMD_GET_INSTANCE, NLM_F_DUMP,
				cur_instance_reply, c);
	if (!err)
		err = current_read_entries(c);
	return err;
}

/* ---- changes ---------------------------------------------------------- */

/* Sends a kept line's request; errors name its line. */
static int send_kept(const struct plan *p, const struct kept *k)
{
	struct nl_msg *req = nl_req_resend(k->msg);
	int status;

	if (!req)
		return NATCTL_EXIT_FAIL;
	batch_context(p->name, k->line);
	status = nl_req_send(req, NULL, NULL);
	batch_context(NULL, 0);
	return status;
}

static int del_instance(const char *name)
{
	struct nl_msg *req = nl_req_new(CONENAT_CMD_DEL_INSTANCE, 0);

	if (!req)
		return NATCTL_EXIT_FAIL;
	if (nla_put_string(req, CONENAT_INSTANCE_A_NAME, name) < 0)
		return nl_req_abort(req);
	return nl_req_send(req, NULL, NULL);
}

/* The limits the file sets, the defaults for what it does not. */
static void plan_limits(const struct plan *p, uint32_t *max_mappings,
			uint32_t *max_peers)
{
	size_t i;

	*max_mappings = CONENAT_DEFAULT_MAX_MAPPINGS;
	*max_peers = CONENAT_DEFAULT_NS_MAX_PEERS;
	for (i = 0; i < p->n; i++) {
		if (p->v[i].cmd != CONENAT_CMD_SET_LIMITS)
			continue;
		if (p->v[i].tb[CONENAT_LIMITS_A_MAX_MAPPINGS])
			*max_mappings = nla_get_u32(p->v[i].tb[CONENAT_LIMITS_A_MAX_MAPPINGS]);
		if (p->v[i].tb[CONENAT_LIMITS_A_MAX_PEERS])
			*max_peers = nla_get_u32(p->v[i].tb[CONENAT_LIMITS_A_MAX_PEERS]);
	}
}

static int set_limits(uint32_t max_mappings, uint32_t max_peers)
{
	struct nl_msg *req = nl_req_new(CONENAT_CMD_SET_LIMITS, 0);

	if (!req)
		return NATCTL_EXIT_FAIL;
	if (nla_put_u32(req, CONENAT_LIMITS_A_MAX_MAPPINGS, max_mappings) < 0 ||
	    nla_put_u32(req, CONENAT_LIMITS_A_MAX_PEERS, max_peers) < 0)
		return nl_req_abort(req);
	return nl_req_send(req, NULL, NULL);
}

/* restore: nothing of the old configuration stays. */
static int apply_restore(const struct plan *p, const struct current *c)
{
	uint32_t max_mappings, max_peers;
	size_t i;
	int err;

	for (i = 0; i < c->ninst; i++) {
		err = del_instance(c->inst[i].name);
		if (err)
			return err;
	}
	plan_limits(p, &max_mappings, &max_peers);
	err = set_limits(max_mappings, max_peers);
	for (i = 0; i < p->n && !err; i++)
		if (p->v[i].cmd != CONENAT_CMD_SET_LIMITS)
			err = send_kept(p, &p->v[i]);
	return err;
}

static struct cur_instance *cur_find(struct current *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ninst; i++)
		if (!strcmp(c->inst[i].name, name))
			return &c->inst[i];
	return NULL;
}

static const struct kept *plan_instance(const struct plan *p,
					const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].cmd == CONENAT_CMD_NEW_INSTANCE &&
		    !strcmp(nla_get_string(p->v[i].tb[CONENAT_INSTANCE_A_NAME]),
			    name))
			return &p->v[i];
	return NULL;
}

static bool same_endpoint(const struct cur_entry *a, const struct cur_entry *b)
{
	return !strcmp(a->instance, b->instance) && a->proto == b->proto &&
	       a->int_addr == b->int_addr && a->int_port == b->int_port;
}

/*
 * Whether the static mapping @want (from a line) is @have: the external
 * address and port the line names, if it names them, and both permanent
 * or both timed.
 */
static bool same_mapping(const struct cur_entry *want,
			 const struct cur_entry *have)
{
	return same_endpoint(want, have) &&
	       (!want->ext_port || want->ext_port == have->ext_port) &&
	       (!want->ext_addr || want->ext_addr == have->ext_addr) &&
	       want->timed == have->timed;
}

static int del_entry(uint8_t cmd, const struct cur_entry *e)
{
	struct nl_msg *req = nl_req_new(cmd, 0);

	if (!req)
		return NATCTL_EXIT_FAIL;
	if (nla_put_string(req, CONENAT_MAPPING_A_INSTANCE, e->instance) < 0 ||
	    nla_put_u8(req, CONENAT_MAPPING_A_PROTO, e->proto) < 0 ||
	    nla_put_u32(req, CONENAT_MAPPING_A_INT_ADDR, e->int_addr) < 0 ||
	    nla_put_u16(req, CONENAT_MAPPING_A_INT_PORT, e->int_port) < 0)
		return nl_req_abort(req);
	if (cmd == CONENAT_CMD_DEL_PERMIT &&
	    (nla_put_u32(req, CONENAT_MAPPING_A_REMOTE_ADDR, e->remote_addr) < 0 ||
	     (e->remote_port &&
	      nla_put_u16(req, CONENAT_MAPPING_A_REMOTE_PORT,
			  e->remote_port) < 0)))
		return nl_req_abort(req);
	return nl_req_send(req, NULL, NULL);
}

/* The permit a line asks for, as the kernel keeps it. */
static void permit_want(const struct plan *p, const struct kept *k,
			struct cur_entry *e)
{
	const struct kept *in;
	struct settings s;

	entry_from((struct nlattr **)k->tb, e);
	/* address-dependent filtering keeps a permit without its port */
	in = plan_instance(p, e->instance);
	if (in && !settings_from((struct nlattr **)in->tb, &s) &&
	    s.v[CONENAT_INSTANCE_A_FILTERING] == CONENAT_ADDRESS_DEPENDENT)
		e->remote_port = 0;
}

static bool same_permit(const struct cur_entry *a, const struct cur_entry *b)
{
	return same_endpoint(a, b) && a->remote_addr == b->remote_addr &&
	       a->remote_port == b->remote_port;
}

/* sync: instances first, then what lives in them. */
static int apply_sync(const struct plan *p, struct current *c)
{
	uint32_t max_mappings, max_peers;
	struct cur_entry want;
	struct cur_instance *ci;
	struct settings s;
	size_t i, j;
	int err = 0;

	/* instances the file does not have, or has on another device */
	for (i = 0; i < c->ninst && !err; i++) {
		const struct kept *k = plan_instance(p, c->inst[i].name);

		if (k && !strcmp(nla_get_string(k->tb[CONENAT_INSTANCE_A_IFNAME]),
				 c->inst[i].ifname)) {
			c->inst[i].keep = true;
			continue;
		}
		err = del_instance(c->inst[i].name);
	}
	plan_limits(p, &max_mappings, &max_peers);
	if (!err && (max_mappings != c->max_mappings ||
		     max_peers != c->max_peers))
		err = set_limits(max_mappings, max_peers);

	/* instances to make, and those whose settings changed */
	for (i = 0; i < p->n && !err; i++) {
		const struct kept *k = &p->v[i];
		struct nl_msg *req;

		if (k->cmd != CONENAT_CMD_NEW_INSTANCE)
			continue;
		ci = cur_find(c, nla_get_string(k->tb[CONENAT_INSTANCE_A_NAME]));
		if (!ci || !ci->keep) {
			err = send_kept(p, k);
			continue;
		}
		if (settings_from((struct nlattr **)k->tb, &s))
			return fail_err("cannot read the internal prefixes of line %lu",
					k->line);
		if (settings_equal(&s, &ci->s))
			continue;
		req = nl_req_new(CONENAT_CMD_SET_INSTANCE, 0);
		if (!req)
			return NATCTL_EXIT_FAIL;
		if (nla_put_string(req, CONENAT_INSTANCE_A_NAME, ci->name) < 0 ||
		    settings_put(req, &s))
			return nl_req_abort(req);
		batch_context(p->name, k->line);
		err = nl_req_send(req, NULL, NULL);
		batch_context(NULL, 0);
	}

	/*
	 * Static mappings and permits of the instances kept: the ones the
	 * file holds stay, the others go. An instance made again lost its
	 * own with it; one whose settings changed may have lost the dynamic
	 * mappings its permits were on: read them again.
	 */
	if (!err)
		err = current_read_entries(c);
	for (i = 0; i < p->n && !err; i++) {
		const struct kept *k = &p->v[i];

		if (k->cmd == CONENAT_CMD_NEW_MAPPING) {
			entry_from((struct nlattr **)k->tb, &want);
			for (j = 0; j < c->nmap; j++)
				if (same_mapping(&want, &c->map[j]))
					c->map[j].keep = true;
		} else if (k->cmd == CONENAT_CMD_NEW_PERMIT) {
			permit_want(p, k, &want);
			for (j = 0; j < c->npermit; j++)
				if (same_permit(&want, &c->permit[j]))
					c->permit[j].keep = true;
		}
	}
	for (j = 0; j < c->nmap && !err; j++) {
		ci = cur_find(c, c->map[j].instance);
		if (ci && ci->keep && !c->map[j].keep)
			err = del_entry(CONENAT_CMD_DEL_MAPPING, &c->map[j]);
	}
	for (j = 0; j < c->npermit && !err; j++) {
		ci = cur_find(c, c->permit[j].instance);
		if (ci && ci->keep && !c->permit[j].keep)
			err = del_entry(CONENAT_CMD_DEL_PERMIT, &c->permit[j]);
	}

	/* what is missing, in the file's order */
	for (i = 0; i < p->n && !err; i++) {
		const struct kept *k = &p->v[i];
		bool have = false;

		if (k->cmd == CONENAT_CMD_NEW_MAPPING) {
			entry_from((struct nlattr **)k->tb, &want);
			ci = cur_find(c, want.instance);
			for (j = 0; ci && ci->keep && j < c->nmap && !have; j++)
				have = c->map[j].keep &&
				       same_mapping(&want, &c->map[j]);
		} else if (k->cmd == CONENAT_CMD_NEW_PERMIT) {
			permit_want(p, k, &want);
			ci = cur_find(c, want.instance);
			for (j = 0; ci && ci->keep && j < c->npermit && !have; j++)
				have = c->permit[j].keep &&
				       same_permit(&want, &c->permit[j]);
		} else {
			continue;
		}
		if (!have)
			err = send_kept(p, k);
	}
	return err;
}

/* ---- the commands ----------------------------------------------------- */

/* What "natctl save" prints now, to put back if a change fails. */
static int snapshot(struct plan *old)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem, *prev;
	int status;

	mem = open_memstream(&text, &len);
	if (!mem)
		return fail_err("out of memory");
	prev = print_redirect(mem);
	status = save_print();
	print_end(status == 0);
	print_redirect(prev);
	fclose(mem);
	if (!status) {
		mem = fmemopen(text, len, "r");
		if (!mem) {
			free(text);
			return fail_err("out of memory");
		}
		/* its warnings were the file's, when it was applied */
		warnings_mute(true);
		status = plan_read(old, mem, "(the configuration before)");
		warnings_mute(false);
		fclose(mem);
	}
	free(text);
	return status;
}

static int config_cmd(const char *verb, bool sync, int argc, char **argv)
{
	struct plan p = { 0 }, old = { 0 };
	struct current c;
	FILE *fp = stdin;
	int status, err;

	if (argc < 1)
		return usage_err("\"%s\" needs a FILE; try \"natctl %s help\"",
				 verb, verb);
	if (!strcmp(argv[argc - 1], "help")) {
		print_text("Usage: natctl [OPTIONS] %s FILE\n", verb);
		print_text(sync ?
			   "  change what differs from FILE's configuration (instance add, mapping add,\n"
			   "  permit add and limits set lines, as \"natctl save\" prints them); the\n"
			   "  rest, and the dynamic mappings of unchanged instances, stay\n" :
			   "  make the configuration exactly FILE's (instance add, mapping add, permit\n"
			   "  add and limits set lines, as \"natctl save\" prints them): every instance\n"
			   "  goes first, with its mappings\n");
		print_text("  The whole file is checked first; an error changes nothing. FILE \"-\": stdin\n");
		return 0;
	}
	err = no_more_args(argc - 1, argv + 1);
	if (err)
		return err;
	if (print_is_json())
		return usage_err("\"%s\" prints nothing: leave out -j", verb);
	if (strcmp(argv[0], "-")) {
		fp = fopen(argv[0], "r");
		if (!fp)
			return usage_err("cannot open \"%s\": %s", argv[0],
					 strerror(errno));
	}
	status = plan_read(&p, fp, fp == stdin ? "stdin" : argv[0]);
	if (fp != stdin)
		fclose(fp);
	if (status || opt_check)
		goto out;
	/*
	 * Without the module there is no configuration: an empty file is
	 * already in force (what "systemctl stop conenat" runs after an
	 * rmmod, as a module upgrade does).
	 */
	if (!p.n && !nl_family_present())
		goto out;

	status = snapshot(&old);
	if (!status)
		status = current_read(&c);
	if (status)
		goto out;
	status = sync ? apply_sync(&p, &c) : apply_restore(&p, &c);
	current_free(&c);
	if (status) {
		/* put back what was there */
		pr_err("%s of \"%s\" failed: putting the configuration from before back",
		       verb, argv[0]);
		err = current_read(&c);
		if (!err) {
			err = apply_restore(&old, &c);
			current_free(&c);
		}
		if (err)
			pr_err("the configuration from before could not be put back: see \"natctl save\"");
		if (status < NATCTL_EXIT_FAIL)
			status = NATCTL_EXIT_FAIL;
	}
out:
	plan_free(&p);
	plan_free(&old);
	return status;
}

int do_restore(int argc, char **argv)
{
	return config_cmd("restore", false, argc, argv);
}

int do_sync(int argc, char **argv)
{
	return config_cmd("sync", true, argc, argv);
}
