/* SPDX-License-Identifier: GPL-2.0 */
/*
 * natctl: shared declarations.
 *
 * Layout of the program:
 *
 *   natctl.c   options, batch mode, the object table, command dispatch,
 *              error and argument helpers (this header)
 *   nl.c       the generic netlink transport (nl.h)
 *   print.c    the text/JSON output path (print.h)
 *   <object>.c one file per object ("info.c", ...)
 *
 * Adding an object: write <object>.c with a command table and a handler
 * that calls cmd_dispatch(), declare the handler below, add one row to the
 * object table in natctl.c and the file to SRCS in the Makefile.
 */
#ifndef NATCTL_H
#define NATCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

#ifndef NATCTL_VERSION
#define NATCTL_VERSION "unknown"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses. */
enum {
	NATCTL_EXIT_OK = 0,
	NATCTL_EXIT_USAGE = 1,	/* usage error or bad input */
	NATCTL_EXIT_FAIL = 2,	/* kernel, netlink or system error */
};

/*
 * A command of an object, e.g. "show" of "info". handler gets the words
 * after the command word (argc may be 0) and returns an exit status, having
 * printed any error itself. args is the argument synopsis shown by
 * "natctl OBJECT help" ("" when the command takes none).
 */
struct natctl_cmd {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *args;
	const char *help;
};

/*
 * An object, e.g. "info". handler gets the words after the object word
 * (argc may be 0) and normally just calls cmd_dispatch().
 */
struct natctl_object {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *help;
};

/* Global options (set once by main, read anywhere). */
extern bool opt_json;		/* -j */
extern bool opt_stats;		/* -s */

/*
 * Runs the command of @object named by argv[0] from the NULL-name
 * terminated table @cmds. With argc == 0 it runs @default_cmd (NULL: the
 * command is required). "help" is always understood and prints the object's
 * usage generated from @cmds. Matching is exact.
 */
int cmd_dispatch(const char *object, const struct natctl_cmd *cmds,
		 const char *default_cmd, int argc, char **argv);

/*
 * Errors. Every message goes to stderr as "natctl: MESSAGE\n", or as
 * "natctl: batch line N: MESSAGE\n" while a batch line runs.
 */
void pr_err(const char *fmt, ...) __printf(1, 2);
/* Warning: "natctl: warning: MESSAGE\n" (batch line prefix as above). */
void pr_warn(const char *fmt, ...) __printf(1, 2);
/* pr_err() then return NATCTL_EXIT_USAGE. */
int usage_err(const char *fmt, ...) __printf(1, 2);
/* pr_err() then return NATCTL_EXIT_FAIL. */
int fail_err(const char *fmt, ...) __printf(1, 2);

/* Argument helpers; each returns 0 or a usage error naming the word. */

/* 0 when argc == 0, else 'unexpected argument "argv[0]"'. */
int no_more_args(int argc, char **argv);
/* For "KEYWORD VALUE" pairs: 0 when a value follows @keyword (argc > 1). */
int need_value(const char *keyword, int argc);
/* Decimal or 0x-hex unsigned integer in [min, max]; @what names it. */
int parse_u32(const char *word, const char *what, uint32_t min, uint32_t max,
	      uint32_t *val);

/* Objects: one handler per object file. */
int do_info(int argc, char **argv);

#endif /* NATCTL_H */
