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
 *   parse.c    argument parsing: addresses, endpoints, ranges... (parse.h)
 *   ct_nfct.c  the conntrack table, read with libnetfilter_conntrack (ct.h)
 *   <object>.c one file per object ("info.c", "instance.c", ...)
 *
 * natctl-fake, for the tests, links fake_nl.c and fake_ct.c instead of
 * nl.c and ct_nfct.c.
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
#include <stdio.h>

#include <linux/conenat.h>

struct nl_msg;

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
 *
 * A table ends with a row whose name is NULL; that row's help, when not
 * NULL, is printed after the commands by "natctl OBJECT help" (the grammar
 * of the arguments, e.g. "OPTION := ...", one or more full lines).
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
extern bool opt_check;		/* -c: parse and check, send nothing */
extern bool opt_echo;		/* -e: print what an add made */
extern bool opt_timestamp;	/* -t: monitor's lines start with the time */

/* keywords.c: the word that set attribute @type of a @cmd request */
const char *attr_keyword(uint8_t cmd, int type);

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
/* Silences pr_warn() (@mute) or lets it speak again. */
void warnings_mute(bool mute);
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
int do_instance(int argc, char **argv);
int do_mapping(int argc, char **argv);
int do_permit(int argc, char **argv);
int do_limits(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_conntrack(int argc, char **argv);

/* Shared between object files. */
struct nlattr;
struct nl_msg;

/*
 * stats.c: prints a CONENAT_INSTANCE_A_STATS nest (may be NULL: prints
 * nothing): text lines "INDENTname N name N ..." and the JSON object
 * "stats" with one snake_case key per counter.
 */
void stats_print(struct nlattr *nest, const char *indent);

/*
 * instance.c: parses a message of the conenat_instance_attr set into
 * tb[0..CONENAT_INSTANCE_A_MAX], and one internal prefix nest into
 * tb[0..CONENAT_PREFIX_A_MAX] (both present); 0 or an exit status, having
 * said what was wrong. The one policy of each set.
 */
int instance_parse(struct nl_msg *msg, struct nlattr **tb);
int prefix_parse(struct nlattr *pfx, struct nlattr **tb);
/*
 * mapping.c: parses a message of the conenat_mapping_attr set (replies,
 * events) into tb[0..CONENAT_MAPPING_A_MAX]; 0 or an exit status.
 */
int mapping_parse(struct nl_msg *msg, struct nlattr **tb);
/*
 * natctl save (save.c): what the instances' lines tell the mapping lines.
 * The *_save_reply() functions print a reply as the batch line that makes
 * it again.
 */
struct save_ctx {
	struct {
		char name[CONENAT_NAME_MAX];
		bool follows_dev;	/* "external dev" */
	} instances[CONENAT_MAX_INSTANCES];
	size_t ninstances;
};

/* limits.c: the namespace's two caps from a GET_LIMITS reply; 0 or an exit status */
int limits_caps(struct nl_msg *msg, uint32_t *max_mappings,
		uint32_t *max_peers);
int instance_save_reply(struct nl_msg *msg, void *arg);
int mapping_save_reply(struct nl_msg *msg, void *arg);
int permit_save_reply(struct nl_msg *msg, void *arg);
int do_save(int argc, char **argv);
/* save.c: prints the configuration, as "natctl save" does */
int save_print(void);
int do_restore(int argc, char **argv);
int do_sync(int argc, char **argv);

/*
 * natctl.c: runs the commands of @fp as -b does (@force: -f), errors
 * naming "@name line N" (@name NULL: "batch line N"); @objs, NULL or a
 * NULL terminated list of pairs of words (an object, one of its
 * commands), refuses every other command.
 * Returns the worst exit status. batch_line() is the line being run (0:
 * none); batch_context() makes later errors name @name and @line as if
 * that line ran.
 */
int batch_run(FILE *fp, const char *name, const char *const *objs,
	      bool force);
unsigned long batch_line(void);
void batch_context(const char *name, unsigned long line);

/*
 * monitor.c: the head of an event line or object, inside its JSON object:
 * with -t the time received ("time"), then @event ("event").
 */
void print_event_head(const char *event);
/*
 * mapping.c: prints one mapping as a text line or a JSON object. @event,
 * when not NULL, comes first: the text word, or the JSON key "event".
 */
void mapping_print(struct nlattr **tb, const char *event);
/*
 * mapping.c: the one function that prints an endpoint: text " ADDR:PORT"
 * (" ADDR" when @port is -1, port in host order) through @fmt, e.g. " %s"
 * or " -> %s"; JSON "PREFIX_addr" and "PREFIX_port".
 */
void print_endpoint(uint32_t addr, int port, const char *prefix,
		    const char *fmt);
/*
 * mapping.c: prints an endpoint of attributes, nothing when @addr is NULL: text
 * " ADDR:PORT" (" ADDR" when @port is NULL) through @fmt, e.g. " %s" or
 * " -> %s"; JSON "PREFIX_addr" and "PREFIX_port".
 */
void mapping_print_endpoint(struct nlattr *addr, struct nlattr *port,
			    const char *prefix, const char *fmt);

#endif /* NATCTL_H */
