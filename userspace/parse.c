// SPDX-License-Identifier: GPL-2.0
/*
 * natctl argument parsing, see parse.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natctl.h"
#include "parse.h"

/* Longest word we copy to split it; longer ones are invalid anyway. */
#define WORD_MAX	1024

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Decimal digits only, value <= UINT32_MAX; *end gets the first byte after
 * the digits. Returns false for no digits or overflow.
 */
static bool scan_u32(const char *s, const char **end, uint32_t *val)
{
	uint64_t v = 0;
	const char *p = s;

	while (is_digit(*p)) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return false;
		p++;
	}
	if (p == s)
		return false;
	*end = p;
	*val = (uint32_t)v;
	return true;
}

int parse_number(const char *word, const char *what, uint32_t min,
		 uint32_t max, uint32_t *val)
{
	const char *end;
	uint32_t v;

	if (!scan_u32(word, &end, &v) || *end || v < min || v > max)
		return usage_err("invalid %s \"%s\": expected an integer %u..%u",
				 what, word, min, max);
	*val = v;
	return 0;
}

int parse_duration(const char *word, const char *what, const char *alt,
		   uint32_t min, uint32_t max, uint32_t *val)
{
	const char *end;
	uint64_t v;
	uint32_t n;

	if (!scan_u32(word, &end, &n))
		goto bad;
	v = n;
	switch (*end) {
	case '\0':
		break;
	case 's':
		end++;
		break;
	case 'm':
		v *= 60;
		end++;
		break;
	case 'h':
		v *= 3600;
		end++;
		break;
	case 'd':
		v *= 86400;
		end++;
		break;
	default:
		goto bad;
	}
	if (*end || v < min || v > max)
		goto bad;
	*val = (uint32_t)v;
	return 0;
bad:
	return usage_err("invalid %s \"%s\": expected %s%u..%u seconds, optionally with a suffix s, m, h or d",
			 what, word, alt, min, max);
}

int parse_onoff(const char *word, const char *what, uint8_t *val)
{
	if (!strcmp(word, "on"))
		*val = 1;
	else if (!strcmp(word, "off"))
		*val = 0;
	else
		return usage_err("invalid %s \"%s\": expected on or off", what,
				 word);
	return 0;
}

int parse_choice(const char *word, const char *what,
		 const char *const *names, unsigned int n, unsigned int *idx)
{
	char list[512];
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(word, names[i])) {
			*idx = i;
			return 0;
		}
	}

	list[0] = '\0';
	for (i = 0; i < n && len < sizeof(list); i++) {
		const char *sep = !i ? "" : i == n - 1 ? " or " : ", ";
		int w = snprintf(list + len, sizeof(list) - len, "%s%s", sep,
				 names[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	return usage_err("invalid %s \"%s\": expected %s", what, word, list);
}

/* inet_pton() for a dotted quad, without printing anything. */
static bool scan_addr(const char *s, uint32_t *addr)
{
	struct in_addr in;

	/* inet_pton() takes exactly four decimal parts, no more, no less. */
	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*addr = in.s_addr;
	return true;
}

int parse_addr(const char *word, const char *what, uint32_t *addr)
{
	if (!scan_addr(word, addr))
		return usage_err("invalid %s \"%s\": expected a dotted-quad IPv4 address",
				 what, word);
	return 0;
}

/* Copies @word into @buf (WORD_MAX); false when it does not fit. */
static bool copy_word(char *buf, const char *word)
{
	size_t n = strlen(word);

	if (n >= WORD_MAX)
		return false;
	memcpy(buf, word, n + 1);
	return true;
}

static bool scan_port(const char *s, uint16_t *port)
{
	const char *end;
	uint32_t v;

	if (!scan_u32(s, &end, &v) || *end || v < 1 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

int parse_endpoint(const char *word, const char *what, unsigned int flags,
		   struct endpoint *ep)
{
	char buf[WORD_MAX];
	const char *expected;
	char *colon;

	if (flags & EP_ADDR_OPTIONAL)
		expected = "ADDR:PORT, ADDR or :PORT";
	else if (flags & EP_PORT_OPTIONAL)
		expected = "ADDR[:PORT]";
	else
		expected = "ADDR:PORT";

	memset(ep, 0, sizeof(*ep));
	if (!copy_word(buf, word))
		goto bad;

	colon = strchr(buf, ':');
	if (colon) {
		*colon = '\0';
		if (!scan_port(colon + 1, &ep->port))
			return usage_err("invalid %s \"%s\": expected %s with a port of 1..65535",
					 what, word, expected);
		ep->has_port = true;
	} else if (!(flags & EP_PORT_OPTIONAL)) {
		goto bad;
	}

	if (buf[0]) {
		if (!scan_addr(buf, &ep->addr))
			return usage_err("invalid %s \"%s\": expected %s with a dotted-quad IPv4 address",
					 what, word, expected);
		ep->has_addr = true;
	} else if (!(flags & EP_ADDR_OPTIONAL) || !ep->has_port) {
		goto bad;
	}
	return 0;
bad:
	return usage_err("invalid %s \"%s\": expected %s", what, word,
			 expected);
}

/* One "ADDR[/LEN]" of a prefix list; prints its own error. */
static int parse_one_prefix(char *s, const char *what, struct prefix *p)
{
	char *slash = strchr(s, '/');
	uint32_t len = 32, addr, mask;
	char shown[WORD_MAX + 4];

	snprintf(shown, sizeof(shown), "%s", s);
	if (slash) {
		const char *end;

		*slash = '\0';
		if (!scan_u32(slash + 1, &end, &len) || *end || len > 32)
			return usage_err("invalid %s prefix \"%s\": expected ADDR/LEN with LEN 0..32",
					 what, shown);
	}
	if (!scan_addr(s, &addr))
		return usage_err("invalid %s prefix \"%s\": expected ADDR/LEN with a dotted-quad IPv4 address",
				 what, shown);
	mask = len ? htonl(~0U << (32 - len)) : 0;
	if (addr & ~mask) {
		char net[ADDR_STRLEN];

		return usage_err("invalid %s prefix \"%s\": expected no host bits set, such as %s/%u",
				 what, shown, fmt_addr(addr & mask, net), len);
	}
	p->addr = addr;
	p->len = (uint8_t)len;
	return 0;
}

int parse_prefixes(const char *word, const char *what, struct prefix *p,
		   unsigned int max, unsigned int *n)
{
	char buf[WORD_MAX];
	unsigned int count = 0;
	char *s, *comma;
	int err;

	if (!copy_word(buf, word) || !buf[0])
		goto bad;
	for (s = buf;; s = comma + 1) {
		comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		if (!*s)
			goto bad;	/* empty element: ",x", "x,,y", "x," */
		if (count == max)
			return usage_err("invalid %s \"%s\": expected at most %u prefixes",
					 what, word, max);
		err = parse_one_prefix(s, what, &p[count]);
		if (err)
			return err;
		count++;
		if (!comma)
			break;
	}
	*n = count;
	return 0;
bad:
	return usage_err("invalid %s \"%s\": expected PREFIX[,PREFIX...] with PREFIX ADDR/LEN or ADDR",
			 what, word);
}

int parse_port_range(const char *word, const char *what, uint16_t *low,
		     uint16_t *high)
{
	const char *end;
	uint32_t lo, hi;

	/* PORT alone is the range of that one port */
	if (!scan_u32(word, &end, &lo) ||
	    (*end == '-' ? !scan_u32(end + 1, &end, &hi) || *end :
			   (hi = lo, *end)) ||
	    lo < 1 || lo > hi || hi > 65535)
		return usage_err("invalid %s \"%s\": expected LOW-HIGH or PORT with 1 <= LOW <= HIGH <= 65535",
				 what, word);
	*low = (uint16_t)lo;
	*high = (uint16_t)hi;
	return 0;
}

int parse_addr_range(const char *word, const char *what, const char *alt,
		     uint32_t max_addrs, uint32_t *min, uint32_t *max)
{
	char buf[WORD_MAX];
	uint32_t a, b;
	char *dash;

	if (!copy_word(buf, word))
		goto bad;
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (!scan_addr(buf, &a) || (dash && !scan_addr(dash + 1, &b)))
		goto bad;
	if (!dash)
		b = a;
	if (!a || !b)
		return usage_err("invalid %s \"%s\": expected addresses other than 0.0.0.0",
				 what, word);
	if (ntohl(a) > ntohl(b))
		return usage_err("invalid %s \"%s\": expected ADDR-ADDR with the first address not after the last",
				 what, word);
	if (ntohl(b) - ntohl(a) >= max_addrs)
		return usage_err("invalid %s \"%s\": expected at most %u addresses",
				 what, word, max_addrs);
	*min = a;
	*max = b;
	return 0;
bad:
	return usage_err("invalid %s \"%s\": expected %sADDR or ADDR-ADDR with dotted-quad IPv4 addresses",
			 what, word, alt);
}

int parse_name(const char *word, const char *what, size_t max_len,
	       bool ifname)
{
	size_t len = strlen(word);
	const char *p;

	if (!len || len > max_len)
		goto bad;
	for (p = word; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f)
			goto bad;
		if (ifname && (*p == '/' || *p == ':'))
			goto bad;
	}
	if (ifname && (!strcmp(word, ".") || !strcmp(word, "..")))
		goto bad;
	return 0;
bad:
	if (ifname)
		return usage_err("invalid %s \"%s\": expected 1 to %zu printable characters without blanks, \"/\" or \":\"",
				 what, word, max_len);
	return usage_err("invalid %s \"%s\": expected 1 to %zu printable characters without blanks",
			 what, word, max_len);
}

int parse_proto(const char *word, uint8_t *proto)
{
	if (!strcmp(word, "udp")) {
		*proto = IPPROTO_UDP;
		return 0;
	}
	if (!strcmp(word, "tcp")) {
		*proto = IPPROTO_TCP;
		return 0;
	}
	return usage_err("invalid protocol \"%s\": expected udp or tcp", word);
}

int parse_pairs(const char *object, const char *cmd, int argc, char **argv,
		const char *const *keys, const char **vals)
{
	while (argc > 0) {
		unsigned int i;
		int err;

		for (i = 0; keys[i]; i++)
			if (!strcmp(argv[0], keys[i]))
				break;
		if (!keys[i])
			return usage_err("unknown argument \"%s\" for \"%s %s\"; try \"natctl %s help\"",
					 argv[0], object, cmd, object);
		err = need_value(argv[0], argc);
		if (err)
			return err;
		if (vals[i])
			return usage_err("\"%s\" given twice", argv[0]);
		vals[i] = argv[1];
		argc -= 2;
		argv += 2;
	}
	return 0;
}

const char *fmt_addr(uint32_t addr, char buf[ADDR_STRLEN])
{
	const unsigned char *b = (const unsigned char *)&addr;

	snprintf(buf, ADDR_STRLEN, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

const char *fmt_proto(uint8_t proto, char buf[4])
{
	if (proto == IPPROTO_UDP)
		return "udp";
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_ICMP)
		return "icmp";
	snprintf(buf, 4, "%u", proto);
	return buf;
}
