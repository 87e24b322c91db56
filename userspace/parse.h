/* SPDX-License-Identifier: GPL-2.0 */
/*
 * natctl argument parsing: addresses, endpoints, prefixes, ranges, numbers,
 * durations, keywords and "KEYWORD VALUE" lists.
 *
 * Every parse_* function returns 0, or prints one line
 *
 *   natctl: invalid WHAT "WORD": expected ...
 *
 * and returns NATCTL_EXIT_USAGE. @what names the value in that message
 * (usually the keyword that introduced it, e.g. "udp-timeout"). Addresses
 * are IPv4 dotted quads only and are returned in network byte order; ports
 * and everything else in host byte order.
 */
#ifndef NATCTL_PARSE_H
#define NATCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for a dotted quad and its NUL. */
#define ADDR_STRLEN	16

struct prefix {
	uint32_t addr;		/* network byte order */
	uint8_t len;		/* 0 .. 32 */
};

struct endpoint {
	uint32_t addr;		/* network byte order; 0 when !has_addr */
	uint16_t port;		/* host byte order; 0 when !has_port */
	bool has_addr;
	bool has_port;
};

/* Flags of parse_endpoint(). */
enum {
	EP_PORT_OPTIONAL = 1 << 0,	/* "ADDR" alone is fine */
	EP_ADDR_OPTIONAL = 1 << 1,	/* ":PORT" alone is fine */
};

/* Decimal unsigned integer (no sign, no blanks) in [min, max]. */
int parse_number(const char *word, const char *what, uint32_t min,
		 uint32_t max, uint32_t *val);

/*
 * A duration in seconds in [min, max]: "N" or "N" followed by one suffix
 * s (seconds), m (minutes), h (hours) or d (days). @alt: the other words
 * the caller accepts, for the message ("permanent or " or "").
 */
int parse_duration(const char *word, const char *what, const char *alt,
		   uint32_t min, uint32_t max, uint32_t *val);

/* "on" (1) or "off" (0). */
int parse_onoff(const char *word, const char *what, uint8_t *val);

/* One of the @n words of @names (exact match); its index in *@idx. */
int parse_choice(const char *word, const char *what,
		 const char *const *names, unsigned int n, unsigned int *idx);

/* A dotted-quad IPv4 address. */
int parse_addr(const char *word, const char *what, uint32_t *addr);

/*
 * "ADDR:PORT" (PORT 1..65535); with EP_PORT_OPTIONAL also "ADDR", with
 * EP_ADDR_OPTIONAL also ":PORT". @what is e.g. "internal endpoint".
 */
int parse_endpoint(const char *word, const char *what, unsigned int flags,
		   struct endpoint *ep);

/*
 * "PREFIX[,PREFIX...]", PREFIX := ADDR/LEN or ADDR (= ADDR/32), at most
 * @max prefixes, none with host bits set.
 */
int parse_prefixes(const char *word, const char *what, struct prefix *p,
		   unsigned int max, unsigned int *n);

/* "LOW-HIGH" with 1 <= LOW <= HIGH <= 65535. */
int parse_port_range(const char *word, const char *what, uint16_t *low,
		     uint16_t *high);

/*
 * "ADDR" or "ADDR-ADDR" (first <= last, at most @max_addrs addresses, none
 * of them 0.0.0.0); *min = *max for a single address. @alt: the other words
 * the caller accepts, for the message ("dev, " or "").
 */
int parse_addr_range(const char *word, const char *what, const char *alt,
		     uint32_t max_addrs, uint32_t *min, uint32_t *max);

/*
 * A name for the kernel: 1 .. @max_len bytes, printable ASCII without
 * blanks; @ifname additionally refuses "/", ":", "." and "..", as Linux
 * does for device names.
 */
int parse_name(const char *word, const char *what, size_t max_len,
	       bool ifname);

/* A protocol word: "udp" (IPPROTO_UDP). "tcp" is refused as not yet supported. */
int parse_proto(const char *word, uint8_t *proto);

/*
 * "KEYWORD VALUE" lists. @keys: the keywords allowed, NULL-terminated.
 * vals[i] receives the value of keys[i], or stays NULL when absent (the
 * caller zeroes it). An unknown word, a keyword without its value or a
 * keyword given twice is a usage error naming the word; @object and @cmd
 * make the message ("... for \"mapping add\"; try \"natctl mapping help\"").
 */
int parse_pairs(const char *object, const char *cmd, int argc, char **argv,
		const char *const *keys, const char **vals);

/* Formats @addr (network byte order) as a dotted quad into @buf. */
const char *fmt_addr(uint32_t addr, char buf[ADDR_STRLEN]);

/* "udp", "tcp" or the number, into @buf (at least 4 bytes). */
const char *fmt_proto(uint8_t proto, char buf[4]);

#endif /* NATCTL_PARSE_H */
