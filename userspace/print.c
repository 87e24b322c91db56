// SPDX-License-Identifier: GPL-2.0
/*
 * natctl output: text and JSON from the same calls, and a small JSON writer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natctl.h"
#include "print.h"

#define OUT_STREAM_THRESHOLD	(1024 * 1024)
#define JSON_MAX_DEPTH		64

struct json_level {
	bool array;
	unsigned int count;	/* members printed so far */
};

static bool json;
static bool pretty;

static struct json_level levels[JSON_MAX_DEPTH];
static unsigned int depth;

/* The output of the current command, see print_end(). */
static char *out_buf;
static size_t out_len;
static size_t out_cap;

/* Where output goes: stdout, unless print_redirect() says otherwise. */
static FILE *out_fp;

static void out_flush(void)
{
	if (out_len)
		fwrite(out_buf, 1, out_len, out_fp ? out_fp : stdout);
	out_len = 0;
}

FILE *print_redirect(FILE *fp)
{
	FILE *old = out_fp ? out_fp : stdout;

	out_fp = fp == stdout ? NULL : fp;
	return old;
}

static void out_write(const char *s, size_t n)
{
	if (out_len + n > out_cap) {
		size_t cap = out_cap ? out_cap : 4096;
		char *p;

		while (cap < out_len + n)
			cap *= 2;
		p = realloc(out_buf, cap);
		if (!p) {
			/* Out of memory: stream what we have, then this. */
			out_flush();
			fwrite(s, 1, n, out_fp ? out_fp : stdout);
			return;
		}
		out_buf = p;
		out_cap = cap;
	}
	memcpy(out_buf + out_len, s, n);
	out_len += n;
	if (out_len >= OUT_STREAM_THRESHOLD)
		out_flush();
}

static void out_str(const char *s)
{
	out_write(s, strlen(s));
}

static void out_vprintf(const char *fmt, va_list ap)
{
	char small[256];
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		out_write(small, n);
	} else {
		char *big = malloc((size_t)n + 1);

		if (!big)
			return;
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		out_write(big, n);
		free(big);
	}
}

static void __printf(1, 2) out_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_vprintf(fmt, ap);
	va_end(ap);
}

/*
 * Text-mode printf with a caller-supplied format holding one conversion.
 * The format is not a literal, hence the pragma.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
static void fp_uint(const char *fmt, unsigned int v)
{
	out_printf(fmt ? fmt : "%u", v);
}

static void fp_int(const char *fmt, int v)
{
	out_printf(fmt ? fmt : "%d", v);
}

static void fp_u64(const char *fmt, unsigned long long v)
{
	out_printf(fmt ? fmt : "%llu", v);
}

static void fp_s64(const char *fmt, long long v)
{
	out_printf(fmt ? fmt : "%lld", v);
}

static void fp_string(const char *fmt, const char *v)
{
	out_printf(fmt ? fmt : "%s", v);
}

static void fp_plain(const char *fmt)
{
	if (fmt)
		out_printf(fmt);
}
#pragma GCC diagnostic pop

void print_init(bool want_json, bool want_pretty)
{
	json = want_json;
	pretty = want_json && want_pretty;
}

bool print_is_json(void)
{
	return json;
}

/* ---- JSON writer ---------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* A JSON string: escapes, and U+FFFD for bytes that are not UTF-8. */
static void json_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *run = s;

	out_write("\"", 1);
	while (*s) {
		const char *esc = NULL;
		char ubuf[8];
		size_t n;

		if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') {
			s++;
			continue;
		}
		if (*s >= 0x80) {
			n = utf8_seq_len(s);
			if (n) {
				s += n;
				continue;
			}
			esc = "\\ufffd";
		} else {
			switch (*s) {
			case '"':
				esc = "\\\"";
				break;
			case '\\':
				esc = "\\\\";
				break;
			case '\b':
				esc = "\\b";
				break;
			case '\f':
				esc = "\\f";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			case '\t':
				esc = "\\t";
				break;
			default:
				snprintf(ubuf, sizeof(ubuf), "\\u%04x", *s);
				esc = ubuf;
			}
		}
		out_write((const char *)run, s - run);
		out_str(esc);
		s++;
		run = s;
	}
	out_write((const char *)run, s - run);
	out_write("\"", 1);
}

static void json_indent(void)
{
	unsigned int i;

	out_write("\n", 1);
	for (i = 0; i < depth; i++)
		out_write("  ", 2);
}

/* Before a value: separator, indentation and, inside an object, the key. */
static void json_begin_value(const char *key)
{
	struct json_level *lvl;

	if (!depth)
		return;
	lvl = &levels[depth - 1];
	if (lvl->count++)
		out_write(",", 1);
	if (pretty)
		json_indent();
	if (!lvl->array) {
		json_string(key ? key : "");
		if (pretty)
			out_write(": ", 2);
		else
			out_write(":", 1);
	}
}

/* After a value: a top-level value is a whole document. */
static void json_end_value(void)
{
	if (!depth)
		out_write("\n", 1);
}

static void json_open(const char *key, bool array)
{
	json_begin_value(key);
	out_write(array ? "[" : "{", 1);
	if (depth == JSON_MAX_DEPTH) {
		fprintf(stderr, "natctl: internal error: JSON nested too deep\n");
		abort();
	}
	levels[depth].array = array;
	levels[depth].count = 0;
	depth++;
}

static void json_close(bool array)
{
	if (!depth || levels[depth - 1].array != array) {
		fprintf(stderr, "natctl: internal error: unbalanced JSON %s\n",
			array ? "array" : "object");
		abort();
	}
	depth--;
	if (pretty && levels[depth].count)
		json_indent();
	out_write(array ? "]" : "}", 1);
	json_end_value();
}

void open_json_object(const char *key)
{
	if (json)
		json_open(key, false);
}

void close_json_object(void)
{
	if (json)
		json_close(false);
}

void open_json_array(const char *key)
{
	if (json)
		json_open(key, true);
}

void close_json_array(void)
{
	if (json)
		json_close(true);
}

/* A scalar member: @text is its JSON form. */
static void json_scalar(const char *key, const char *text)
{
	json_begin_value(key);
	out_str(text);
	json_end_value();
}

/* ---- print_* -------------------------------------------------------- */

static bool want_json(enum output_type t)
{
	return json && (t & PRINT_JSON);
}

static bool want_fp(enum output_type t)
{
	return !json && (t & PRINT_FP);
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (want_json(t)) {
		if (value) {
			json_begin_value(key);
			json_string(value);
			json_end_value();
		} else {
			json_scalar(key, "null");
		}
	} else if (want_fp(t)) {
		fp_string(fmt, value ? value : "");
	}
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int value)
{
	if (want_json(t)) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%u", value);
		json_scalar(key, buf);
	} else if (want_fp(t)) {
		fp_uint(fmt, value);
	}
}

void print_int(enum output_type t, const char *key, const char *fmt,
	       int value)
{
	if (want_json(t)) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", value);
		json_scalar(key, buf);
	} else if (want_fp(t)) {
		fp_int(fmt, value);
	}
}

void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value)
{
	if (want_json(t)) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
		json_scalar(key, buf);
	} else if (want_fp(t)) {
		fp_u64(fmt, (unsigned long long)value);
	}
}

void print_s64(enum output_type t, const char *key, const char *fmt,
	       int64_t value)
{
	if (want_json(t)) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", (long long)value);
		json_scalar(key, buf);
	} else if (want_fp(t)) {
		fp_s64(fmt, (long long)value);
	}
}

void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value)
{
	if (want_json(t))
		json_scalar(key, value ? "true" : "false");
	else if (want_fp(t))
		fp_string(fmt, value ? "true" : "false");
}

void print_null(enum output_type t, const char *key, const char *fmt)
{
	if (want_json(t))
		json_scalar(key, "null");
	else if (want_fp(t))
		fp_plain(fmt);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (json)
		return;
	va_start(ap, fmt);
	out_vprintf(fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (!json)
		out_write("\n", 1);
}

void print_end(bool ok)
{
	if (ok) {
		/* Close what a command left open, so the document is whole. */
		while (depth)
			json_close(levels[depth - 1].array);
		out_flush();
	}
	out_len = 0;
	depth = 0;
	fflush(out_fp ? out_fp : stdout);
}
