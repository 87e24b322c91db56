/* SPDX-License-Identifier: GPL-2.0 */
/*
 * natctl output: one call prints either the text form or the JSON member,
 * so the two can not drift apart (the iproute2 print_* idea).
 *
 *   print_uint(PRINT_ANY, "max_instances", " instances %u", n);
 *
 * prints " instances 64" in text mode and "max_instances":64 in JSON mode.
 * PRINT_FP prints only in text mode, PRINT_JSON only in JSON mode. A NULL
 * fmt means the plain conversion ("%s", "%u", ...). The text format must
 * hold exactly one conversion for the value: %s for strings and booleans
 * ("true"/"false"), %u/%x for print_uint, %d for print_int, %llu/%llx for
 * print_u64, %lld for print_s64; or none at all.
 *
 * JSON structure: open_json_object()/open_json_array() with a key inside an
 * object, NULL inside an array or at the top level. A top-level value is a
 * document and ends with a newline; one command prints one document (a
 * top-level object, or an array for lists). Keys are snake_case.
 *
 * All output of a command is buffered and written to stdout by
 * print_end(true) once the command succeeded; print_end(false) drops it, so
 * a failing command prints nothing on stdout. Very large output (over
 * 1 MiB) is streamed instead and can then not be taken back.
 */
#ifndef NATCTL_PRINT_H
#define NATCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 3,
};

/* Selects the mode once, before any output. */
void print_init(bool json, bool pretty);
bool print_is_json(void);

/*
 * Sends what print_end() writes to @fp instead of stdout (stdout: back to
 * it); returns where it went before.
 */
FILE *print_redirect(FILE *fp);

/* Ends a command: writes (ok) or drops (!ok) its output, resets the state. */
void print_end(bool ok);

void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value);
void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int value);
void print_int(enum output_type t, const char *key, const char *fmt,
	       int value);
void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value);
void print_s64(enum output_type t, const char *key, const char *fmt,
	       int64_t value);
void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value);
/* JSON null; the text form prints fmt (it gets no value). */
void print_null(enum output_type t, const char *key, const char *fmt);

/* Text mode only: printf-like free text, and a newline. */
void print_text(const char *fmt, ...) __printf(1, 2);
void print_nl(void);

#endif /* NATCTL_PRINT_H */
