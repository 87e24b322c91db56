// SPDX-License-Identifier: GPL-2.0
/*
 * natctl: the controller of the conenat NAT module.
 *
 *   natctl [-j [-p]] [-s] [-n NETNS] [-b FILE [-f]] [-V] OBJECT COMMAND [ARGS]
 *
 * This file holds the option parsing, batch mode, the object table and the
 * command dispatch. Objects live in their own files.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/conenat.h>

#include "natctl.h"
#include "nl.h"
#include "print.h"

bool opt_json;
bool opt_stats;
bool opt_check;
bool opt_echo;
bool opt_timestamp;

/* The line being run in batch mode, or 0; and the file's name, if given. */
static unsigned long batch_lineno;
static const char *batch_name;
/* The objects a batch may use (NULL: all), see batch_run(). */
static const char *const *batch_objects;

static int do_help(int argc, char **argv);

/* The objects, in the order "natctl help" lists them. */
static const struct natctl_object objects[] = {
	{ "info", do_info, "the loaded module: version, API version and limits" },
	{ "instance", do_instance, "NAT instances: add, change, delete, show" },
	{ "mapping", do_mapping, "mappings: add static ones, get, delete, show, flush" },
	{ "permit", do_permit, "open a mapping's filter to a remote ahead of traffic" },
	{ "stats", do_stats, "the counters of the instances" },
	{ "monitor", do_monitor, "print mapping and exhaustion events as they happen" },
	{ "conntrack", do_conntrack, "the conntrack entries behind the mappings" },
	{ "limits", do_limits, "the namespace's cap on mappings" },
	{ "save", do_save, "print the configuration as natctl commands that make it again" },
	{ "restore", do_restore, "make the configuration exactly a file's" },
	{ "sync", do_sync, "change what differs from a file's configuration" },
	{ "help", do_help, "print this help" },
};

/* ---- errors --------------------------------------------------------- */

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	/* Build the whole line first so it reaches stderr in one write. */
	char line[1024];
	int n;

	if (batch_lineno && batch_name)
		n = snprintf(line, sizeof(line), "natctl: %s line %lu: %s",
			     batch_name, batch_lineno, prefix);
	else if (batch_lineno)
		n = snprintf(line, sizeof(line), "natctl: batch line %lu: %s",
			     batch_lineno, prefix);
	else
		n = snprintf(line, sizeof(line), "natctl: %s", prefix);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	fflush(stdout);
	fprintf(stderr, "%s\n", line);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

/* Warnings off while natctl reads what it printed itself (restore). */
static bool warnings_muted;

void warnings_mute(bool mute)
{
	warnings_muted = mute;
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	if (warnings_muted)
		return;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

int usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return NATCTL_EXIT_USAGE;
}

int fail_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return NATCTL_EXIT_FAIL;
}

/* ---- argument helpers ----------------------------------------------- */

int no_more_args(int argc, char **argv)
{
	if (argc > 0)
		return usage_err("unexpected argument \"%s\"", argv[0]);
	return 0;
}

int need_value(const char *keyword, int argc)
{
	if (argc < 2)
		return usage_err("\"%s\" needs a value", keyword);
	return 0;
}

int parse_u32(const char *word, const char *what, uint32_t min, uint32_t max,
	      uint32_t *val)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (word[0] == '0' && (word[1] == 'x' || word[1] == 'X'))
		base = 16;
	/* strtoull accepts signs and blanks; we do not. */
	if (!(word[0] >= '0' && word[0] <= '9'))
		goto bad;
	errno = 0;
	v = strtoull(word, &end, base);
	if (errno || *end || end == word || (base == 16 && end == word + 2))
		goto bad;
	if (v < min || v > max)
		return usage_err("%s \"%s\" is out of range (%u..%u)", what, word,
				 min, max);
	*val = (uint32_t)v;
	return 0;
bad:
	return usage_err("invalid %s \"%s\"", what, word);
}

/* ---- help ------------------------------------------------------------ */

static void print_usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
		"Usage: natctl [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]\n"
		"       natctl [OPTIONS] -b FILE [-f]\n"
		"       natctl help\n"
		"       natctl OBJECT help\n"
		"OBJECT := {");
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		fprintf(fp, "%s %s", i ? " |" : "", objects[i].name);
	fprintf(fp, " }\n");
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		fprintf(fp, "  %-10s %s\n", objects[i].name, objects[i].help);
	fprintf(fp,
		"OPTIONS:\n"
		"  -j, --json          print JSON\n"
		"  -p, --pretty        indent the JSON (needs -j)\n"
		"  -s, --stats         print statistics too\n"
		"  -n, --netns NETNS   act in network namespace /run/netns/NETNS\n"
		"  -b, --batch FILE    run the commands in FILE (\"-\": stdin), one per line\n"
		"  -f, --force         with -b: go on after a failing line\n"
		"  -c, --check         parse and check only; change nothing\n"
		"  -e, --echo          print what \"mapping add\" made (the external endpoint chosen)\n"
		"  -t, --timestamp     monitor: start each line with the time (UTC)\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          print this help and exit\n"
		"Exit status: 0 success, 1 usage error or bad input, 2 kernel or netlink error.\n");
}

static int do_help(int argc, char **argv)
{
	int err = no_more_args(argc, argv);

	if (err)
		return err;
	print_usage(stdout);
	return 0;
}

/* Synopses longer than this put their help text on a line of its own. */
#define USAGE_SYN_COLS	32

static void print_object_usage(const char *object,
			       const struct natctl_cmd *cmds,
			       const char *default_cmd)
{
	const struct natctl_cmd *c;
	int width = 4;	/* "help" */

	for (c = cmds; c->name; c++) {
		int w = (int)strlen(c->name) + (*c->args ? 1 + (int)strlen(c->args) : 0);

		if (w > width && w <= USAGE_SYN_COLS)
			width = w;
	}

	printf("Usage: natctl [OPTIONS] %s {", object);
	for (c = cmds; c->name; c++)
		printf(" %s |", c->name);
	printf(" help }\n");
	for (c = cmds; c->name; c++) {
		const char *dflt = default_cmd && !strcmp(default_cmd, c->name) ?
				   " (the default)" : "";
		char syn[512];

		snprintf(syn, sizeof(syn), "%s%s%s", c->name, *c->args ? " " : "",
			 c->args);
		if ((int)strlen(syn) > width)
			printf("  %s\n  %-*s  %s%s\n", syn, width, "", c->help,
			       dflt);
		else
			printf("  %-*s  %s%s\n", width, syn, c->help, dflt);
	}
	printf("  %-*s  %s\n", width, "help", "print this help");
	/* The terminating row may carry the grammar of the arguments. */
	if (c->help)
		printf("%s", c->help);
}

/* The words iproute2 users type for a command, and the command's name. */
static const struct {
	const char *alias;
	const char *name;
} cmd_aliases[] = {
	{ "delete", "del" },
	{ "list", "show" },
	{ "ls", "show" },
};

static const struct natctl_cmd *cmd_find(const struct natctl_cmd *cmds,
					 const char *word)
{
	const struct natctl_cmd *c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmd_aliases); i++)
		if (!strcmp(word, cmd_aliases[i].alias)) {
			word = cmd_aliases[i].name;
			break;
		}
	for (c = cmds; c->name; c++)
		if (!strcmp(word, c->name))
			return c;
	return NULL;
}

int cmd_dispatch(const char *object, const struct natctl_cmd *cmds,
		 const char *default_cmd, int argc, char **argv)
{
	const char *word = argc > 0 ? argv[0] : default_cmd;
	const struct natctl_cmd *c;

	if (!word)
		return usage_err("\"%s\" needs a command; try \"natctl %s help\"",
				 object, object);
	if (argc > 0) {
		argc--;
		argv++;
	}

	if (!strcmp(word, "help")) {
		int err = no_more_args(argc, argv);

		if (err)
			return err;
		print_object_usage(object, cmds, default_cmd);
		return 0;
	}
	c = cmd_find(cmds, word);
	if (!c)
		return usage_err("unknown command \"%s\" for \"%s\"; try \"natctl %s help\"",
				 word, object, object);
	/* "natctl instance add help": help at every depth, as in iproute2 */
	if (argc > 0 && !strcmp(argv[argc - 1], "help")) {
		print_object_usage(object, cmds, default_cmd);
		return 0;
	}
	return c->handler(argc, argv);
}

/* ---- running commands ---------------------------------------------- */

/* Runs one command line (the words after the options). */
static int run_command(int argc, char **argv)
{
	size_t i;
	int status;

	for (i = 0; i < ARRAY_SIZE(objects); i++)
		if (!strcmp(argv[0], objects[i].name))
			break;
	if (i == ARRAY_SIZE(objects))
		return usage_err("unknown object \"%s\"; try \"natctl help\"",
				 argv[0]);
	if (batch_objects) {
		/* pairs of words: an object and one of its commands */
		const char *const *o;

		for (o = batch_objects; *o; o += 2)
			if (!strcmp(o[0], argv[0]) && argc > 1 &&
			    !strcmp(o[1], argv[1]))
				break;
		if (!*o)
			return usage_err("\"%s%s%s\" has no place in a configuration (instance add, mapping add, permit add and limits set lines only)",
					 argv[0], argc > 1 ? " " : "",
					 argc > 1 ? argv[1] : "");
	}
	status = objects[i].handler(argc - 1, argv + 1);
	print_end(status == 0);
	return status;
}

/*
 * Splits @line in place into words: blanks separate words, "..." groups
 * (with \" and \\ inside), a word starting with # starts a comment.
 * Returns 0 and the words in *@argvp (to free), or a usage error.
 */
static int split_words(char *line, int *argcp, char ***argvp)
{
	char **argv = NULL;
	int argc = 0, cap = 0;
	char *r = line, *w = line;

	*argcp = 0;
	*argvp = NULL;
	for (;;) {
		char *start;

		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r' ||
		       *r == '\v' || *r == '\f')
			r++;
		if (!*r || *r == '#')
			break;

		start = w;
		while (*r && !(*r == ' ' || *r == '\t' || *r == '\n' ||
			       *r == '\r' || *r == '\v' || *r == '\f')) {
			if (*r != '"') {
				*w++ = *r++;
				continue;
			}
			r++;
			while (*r && *r != '"') {
				if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
					r++;
				*w++ = *r++;
			}
			if (!*r) {
				free(argv);
				return usage_err("unterminated quote");
			}
			r++;
		}
		/* w <= r always: the terminator never overwrites unread input. */
		if (*r)
			r++;
		*w++ = '\0';

		if (argc + 1 >= cap) {
			char **p;

			cap = cap ? 2 * cap : 8;
			p = realloc(argv, cap * sizeof(*argv));
			if (!p) {
				free(argv);
				return fail_err("out of memory");
			}
			argv = p;
		}
		argv[argc++] = start;
		argv[argc] = NULL;
	}
	*argcp = argc;
	*argvp = argv;
	return 0;
}

/*
 * Whether @line (as getline() read it) ends in a backslash that continues
 * it on the next line; if so the backslash and the newline are cut off.
 */
static bool cut_continuation(char *line, ssize_t *len)
{
	ssize_t n = *len;

	if (n > 0 && line[n - 1] == '\n')
		n--;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (n == 0 || line[n - 1] != '\\')
		return false;
	line[n - 1] = ' ';
	line[n] = '\0';
	*len = n;
	return true;
}

/*
 * Reads one command of a batch file into *@cmd: a line, and the lines that
 * a backslash at the end of the previous one continues. *@lineno counts
 * the lines read; *@first is the command's first line.
 */
static ssize_t read_command(FILE *fp, char **cmd, size_t *cmdcap, char **line,
			    size_t *cap, unsigned long *lineno,
			    unsigned long *first)
{
	size_t used = 0;
	ssize_t len;
	bool more;

	do {
		len = getline(line, cap, fp);
		if (len < 0)
			return used ? (ssize_t)used : -1;
		if (!used)
			*first = *lineno + 1;
		++*lineno;
		more = cut_continuation(*line, &len);
		if (used + len + 1 > *cmdcap) {
			size_t ncap = 2 * (used + len + 1);
			char *p = realloc(*cmd, ncap);

			if (!p)
				return -2;
			*cmd = p;
			*cmdcap = ncap;
		}
		memcpy(*cmd + used, *line, len);
		used += len;
		(*cmd)[used] = '\0';
	} while (more);
	return used;
}

int batch_run(FILE *fp, const char *name, const char *const *objs,
	      bool force)
{
	char *line = NULL, *cmd = NULL;
	size_t cap = 0, cmdcap = 0;
	unsigned long lineno = 0, first = 0;
	ssize_t len;
	int worst = 0;

	batch_name = name;
	batch_objects = objs;
	while ((len = read_command(fp, &cmd, &cmdcap, &line, &cap, &lineno,
				   &first)) >= 0) {
		char **argv;
		int argc;
		int status;

		batch_lineno = first;
		status = split_words(cmd, &argc, &argv);
		if (!status && argc > 0)
			status = run_command(argc, argv);
		free(argv);
		batch_lineno = 0;

		if (status > worst)
			worst = status;
		if (status && !force)
			break;
	}
	if (len == -2) {
		int err = fail_err("out of memory");

		if (err > worst)
			worst = err;
	} else if (ferror(fp)) {
		int err = fail_err("cannot read \"%s\": %s",
				   name ? name : "the batch file",
				   strerror(errno));

		if (err > worst)
			worst = err;
	}
	batch_name = NULL;
	batch_objects = NULL;
	free(line);
	free(cmd);
	return worst;
}

static int run_batch(const char *file, bool force)
{
	FILE *fp = stdin;
	int status;

	if (strcmp(file, "-")) {
		fp = fopen(file, "r");
		if (!fp)
			return usage_err("cannot open batch file \"%s\": %s",
					 file, strerror(errno));
	}
	status = batch_run(fp, NULL, NULL, force);
	if (fp != stdin)
		fclose(fp);
	return status;
}

unsigned long batch_line(void)
{
	return batch_lineno;
}

void batch_context(const char *name, unsigned long line)
{
	batch_name = name;
	batch_lineno = line;
}

/* ---- main ------------------------------------------------------------ */

static const struct option long_options[] = {
	{ "json",	no_argument,		NULL, 'j' },
	{ "pretty",	no_argument,		NULL, 'p' },
	{ "stats",	no_argument,		NULL, 's' },
	{ "netns",	required_argument,	NULL, 'n' },
	{ "batch",	required_argument,	NULL, 'b' },
	{ "force",	no_argument,		NULL, 'f' },
	{ "check",	no_argument,		NULL, 'c' },
	{ "echo",	no_argument,		NULL, 'e' },
	{ "timestamp",	no_argument,		NULL, 't' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 },
};

int main(int argc, char **argv)
{
	const char *netns = NULL, *batch = NULL;
	bool pretty = false, force = false;
	int status;
	int opt;

	opterr = 0;
	/* "+": options end at the first word (the object). */
	while ((opt = getopt_long(argc, argv, "+:jpsn:b:fcetVh", long_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			opt_json = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 's':
			opt_stats = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'e':
			opt_echo = true;
			break;
		case 't':
			opt_timestamp = true;
			break;
		case 'c':
			opt_check = true;
			break;
		case 'V':
			printf("natctl %s (conenat API %d)\n", NATCTL_VERSION,
			       CONENAT_API_VERSION);
			return fflush(stdout) ? NATCTL_EXIT_FAIL : 0;
		case 'h':
			print_usage(stdout);
			return fflush(stdout) ? NATCTL_EXIT_FAIL : 0;
		case ':':
			return usage_err("option \"%s\" needs an argument; try \"natctl help\"",
					 argv[optind - 1]);
		default:
			if (optopt)
				return usage_err("unknown option \"-%c\"; try \"natctl help\"",
						 optopt);
			return usage_err("unknown option \"%s\"; try \"natctl help\"",
					 argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;

	if (pretty && !opt_json)
		return usage_err("-p (--pretty) needs -j (--json)");
	if (force && !batch)
		return usage_err("-f (--force) needs -b (--batch)");
	if (batch && argc > 0)
		return usage_err("unexpected argument \"%s\" with -b (--batch)",
				 argv[0]);
	if (!batch && argc == 0) {
		print_usage(stderr);
		return NATCTL_EXIT_USAGE;
	}

	print_init(opt_json, pretty);

	if (netns && !opt_check) {
		status = nl_netns_enter(netns);
		if (status)
			return status;
	}

	if (batch)
		status = run_batch(batch, force || opt_check);
	else
		status = run_command(argc, argv);

	nl_fini();
	if (fflush(stdout) || ferror(stdout)) {
		int err = fail_err("cannot write to stdout: %s", strerror(errno));

		if (err > status)
			status = err;
	}
	return status;
}
