// SPDX-License-Identifier: GPL-2.0
/*
 * conenat-pcpd configuration: the command line and the file.
 *
 *   conenat-pcpd [-f FILE] [--instance NAME] [--listen ADDR]...
 *                [--netns NAME] [-v]
 *
 * The file holds one directive a line; "#" starts a comment, blanks
 * separate words, keywords are exact:
 *
 *   instance NAME
 *   listen ADDR                          (repeatable, at most 16)
 *   lifetime [min SECONDS] [max SECONDS]
 *   quota N
 *   rate N [burst N]
 *   third-party {on|off}
 *   {allow|deny} ADDR[/LEN] [internal PORTS] [external PORTS]
 *
 * PORTS is N or N-M. Options given on the command line override the file:
 * --instance its "instance", the --listen options all its "listen" lines.
 * Every error names the word (and the file and line) and means exit 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natctl.h"
#include "pcpd.h"

#define MAX_LINE	1024
#define MAX_WORDS	16

/* Where a value comes from, for the messages. */
struct where {
	const char *file;		/* NULL: the command line */
	unsigned long line;
};

static int __printf(2, 3) bad(const struct where *w, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w && w->file)
		log_msg("%s:%lu: %s", w->file, w->line, msg);
	else
		log_msg("%s", msg);
	return NATCTL_EXIT_USAGE;
}

/* A decimal number, no sign, no blanks; false if it is not one. */
static bool to_number(const char *word, uint32_t *val)
{
	unsigned long long v;
	char *end;

	if (word[0] < '0' || word[0] > '9')
		return false;
	errno = 0;
	v = strtoull(word, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*val = (uint32_t)v;
	return true;
}

/* A decimal number in [min, max]. */
static int get_number(const struct where *w, const char *word,
		      const char *what, uint32_t min, uint32_t max,
		      uint32_t *val)
{
	uint32_t v;

	if (!to_number(word, &v)) {
		if (word[0] >= '0' && word[0] <= '9' &&
		    strspn(word, "0123456789") == strlen(word))
			return bad(w, "%s \"%s\" is out of range (%u..%u)",
				   what, word, min, max);
		return bad(w, "invalid %s \"%s\": expected a number", what,
			   word);
	}
	if (v < min || v > max)
		return bad(w, "%s \"%s\" is out of range (%u..%u)", what, word,
			   min, max);
	*val = v;
	return 0;
}

static int get_name(const struct where *w, const char *word, char *name)
{
	size_t len = strlen(word);
	const char *p;

	if (!len || len > CONENAT_NAME_MAX - 1)
		goto invalid;
	for (p = word; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			goto invalid;
	memcpy(name, word, len + 1);
	return 0;
invalid:
	return bad(w, "invalid instance name \"%s\": expected 1 to %d printable characters without blanks",
		   word, CONENAT_NAME_MAX - 1);
}

static int get_listen(const struct where *w, const char *word,
		      struct pcpd_config *cfg)
{
	struct in_addr in;
	uint32_t h;
	unsigned int i;

	if (inet_pton(AF_INET, word, &in) != 1)
		return bad(w, "invalid listen address \"%s\": expected an IPv4 address",
			   word);
	h = ntohl(in.s_addr);
	if (!h || h == 0xffffffffU || (h >> 28) == 0xe)
		return bad(w, "invalid listen address \"%s\": expected one of the router's inside unicast addresses",
			   word);
	for (i = 0; i < cfg->nlisten; i++)
		if (cfg->listen[i] == in.s_addr)
			return bad(w, "listen address \"%s\" given twice",
				   word);
	if (cfg->nlisten >= PCPD_MAX_LISTEN)
		return bad(w, "too many listen addresses at \"%s\" (at most %d)",
			   word, PCPD_MAX_LISTEN);
	cfg->listen[cfg->nlisten++] = in.s_addr;
	return 0;
}

/* ADDR or ADDR/LEN, host bits clear. */
static int get_prefix(const struct where *w, const char *word,
		      struct pcpd_rule *r)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(word, '/');
	struct in_addr in;
	uint32_t len = 32;
	size_t n = slash ? (size_t)(slash - word) : strlen(word);

	if (n >= INET_ADDRSTRLEN)
		goto invalid;
	memcpy(buf, word, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1)
		goto invalid;
	if (slash && (!to_number(slash + 1, &len) || len > 32))
		goto invalid;
	r->len = (uint8_t)len;
	r->mask = len ? htonl(0xffffffffU << (32 - len)) : 0;
	r->addr = in.s_addr;
	if (r->addr & ~r->mask)
		return bad(w, "invalid prefix \"%s\": host bits are set (%s/%u)",
			   word, log_addr(r->addr & r->mask), len);
	return 0;
invalid:
	return bad(w, "invalid prefix \"%s\": expected ADDR or ADDR/LEN (0..32)",
		   word);
}

/* N or N-M, 1..65535. */
static int get_range(const struct where *w, const char *word,
		     const char *what, struct pcpd_range *r)
{
	const char *dash = strchr(word, '-');
	char lo[8];
	uint32_t a, b;
	size_t n = dash ? (size_t)(dash - word) : strlen(word);

	if (!n || n >= sizeof(lo))
		goto invalid;
	memcpy(lo, word, n);
	lo[n] = '\0';
	if (!to_number(lo, &a))
		goto invalid;
	b = a;
	if (dash && !to_number(dash + 1, &b))
		goto invalid;
	if (!a || a > 65535 || !b || b > 65535 || a > b)
		goto invalid;
	r->min = (uint16_t)a;
	r->max = (uint16_t)b;
	return 0;
invalid:
	return bad(w, "invalid %s ports \"%s\": expected PORT or MIN-MAX within 1-65535",
		   what, word);
}

static int get_rule(const struct where *w, struct pcpd_config *cfg,
		    int argc, char **argv)
{
	struct pcpd_rule *r;
	bool seen_int = false, seen_ext = false;
	int i, err;

	if (argc < 2)
		return bad(w, "\"%s\" needs a prefix (ADDR[/LEN])", argv[0]);
	if (cfg->nrules >= PCPD_MAX_RULES)
		return bad(w, "too many allow and deny lines (at most %d)",
			   PCPD_MAX_RULES);
	r = &cfg->rules[cfg->nrules];
	memset(r, 0, sizeof(*r));
	r->allow = !strcmp(argv[0], "allow");
	r->internal = (struct pcpd_range){ 1, 65535 };
	r->external = (struct pcpd_range){ 1, 65535 };
	err = get_prefix(w, argv[1], r);
	if (err)
		return err;
	for (i = 2; i < argc; i += 2) {
		bool is_int = !strcmp(argv[i], "internal");

		if (!is_int && strcmp(argv[i], "external"))
			return bad(w, "unknown word \"%s\" in \"%s\" (expected internal or external)",
				   argv[i], argv[0]);
		if ((is_int && seen_int) || (!is_int && seen_ext))
			return bad(w, "\"%s\" given twice", argv[i]);
		if (i + 1 >= argc)
			return bad(w, "\"%s\" needs ports (PORT or MIN-MAX)",
				   argv[i]);
		err = get_range(w, argv[i + 1], argv[i],
				is_int ? &r->internal : &r->external);
		if (err)
			return err;
		if (is_int)
			seen_int = true;
		else
			seen_ext = true;
	}
	cfg->nrules++;
	return 0;
}

static int get_lifetime(const struct where *w, struct pcpd_config *cfg,
			int argc, char **argv)
{
	bool seen_min = false, seen_max = false;
	int i, err;

	if (argc < 2)
		return bad(w, "\"lifetime\" needs \"min SECONDS\" or \"max SECONDS\"");
	for (i = 1; i < argc; i += 2) {
		bool is_min = !strcmp(argv[i], "min");

		if (!is_min && strcmp(argv[i], "max"))
			return bad(w, "unknown word \"%s\" in \"lifetime\" (expected min or max)",
				   argv[i]);
		if ((is_min && seen_min) || (!is_min && seen_max))
			return bad(w, "\"%s\" given twice", argv[i]);
		if (i + 1 >= argc)
			return bad(w, "\"%s\" needs a number of seconds",
				   argv[i]);
		err = get_number(w, argv[i + 1],
				 is_min ? "lifetime min" : "lifetime max", 1,
				 CONENAT_MAX_TIMEOUT,
				 is_min ? &cfg->lifetime_min :
					  &cfg->lifetime_max);
		if (err)
			return err;
		if (is_min)
			seen_min = true;
		else
			seen_max = true;
	}
	if (cfg->lifetime_max < PCPD_PCP_MIN_LIFETIME)
		return bad(w, "lifetime max %u is below %d, the least a PCP mapping gets (RFC 6887)",
			   cfg->lifetime_max, PCPD_PCP_MIN_LIFETIME);
	if (cfg->lifetime_min > cfg->lifetime_max)
		return bad(w, "lifetime min %u is above max %u",
			   cfg->lifetime_min, cfg->lifetime_max);
	return 0;
}

static int get_rate(const struct where *w, struct pcpd_config *cfg,
		    int argc, char **argv)
{
	int err;

	if (argc < 2)
		return bad(w, "\"rate\" needs a number of requests a second");
	err = get_number(w, argv[1], "rate", 1, 1000000, &cfg->rate);
	if (err)
		return err;
	if (argc == 2) {
		cfg->burst = cfg->rate * 2;
		return 0;
	}
	if (strcmp(argv[2], "burst"))
		return bad(w, "unknown word \"%s\" in \"rate\" (expected burst)",
			   argv[2]);
	if (argc < 4)
		return bad(w, "\"burst\" needs a number of requests");
	if (argc > 4)
		return bad(w, "unexpected word \"%s\" after \"burst %s\"",
			   argv[4], argv[3]);
	return get_number(w, argv[3], "burst", 1, 2000000, &cfg->burst);
}

/* The singular directives, each at most once in a file. */
enum {
	D_INSTANCE,
	D_LIFETIME,
	D_QUOTA,
	D_RATE,
	D_THIRD_PARTY,
	D_NUM
};

static const char *const singular[D_NUM] = {
	[D_INSTANCE]	= "instance",
	[D_LIFETIME]	= "lifetime",
	[D_QUOTA]	= "quota",
	[D_RATE]	= "rate",
	[D_THIRD_PARTY]	= "third-party",
};

static int do_directive(const struct where *w, struct pcpd_config *cfg,
		     bool seen[D_NUM], int argc, char **argv)
{
	const char *d = argv[0];
	unsigned int i;

	for (i = 0; i < D_NUM; i++) {
		if (strcmp(d, singular[i]))
			continue;
		if (seen[i])
			return bad(w, "\"%s\" given twice", d);
		seen[i] = true;
	}
	if (!strcmp(d, "allow") || !strcmp(d, "deny"))
		return get_rule(w, cfg, argc, argv);
	if (!strcmp(d, "lifetime"))
		return get_lifetime(w, cfg, argc, argv);
	if (!strcmp(d, "rate"))
		return get_rate(w, cfg, argc, argv);
	if (strcmp(d, "instance") && strcmp(d, "listen") &&
	    strcmp(d, "quota") && strcmp(d, "third-party"))
		return bad(w, "unknown directive \"%s\"", d);
	if (argc < 2)
		return bad(w, "\"%s\" needs a value", d);
	if (argc > 2)
		return bad(w, "unexpected word \"%s\" after \"%s %s\"",
			   argv[2], d, argv[1]);
	if (!strcmp(d, "instance"))
		return get_name(w, argv[1], cfg->instance);
	if (!strcmp(d, "listen"))
		return get_listen(w, argv[1], cfg);
	if (!strcmp(d, "quota"))
		return get_number(w, argv[1], "quota", 1, PCPD_MAX_QUOTA,
				  &cfg->quota);
	if (!strcmp(argv[1], "on") || !strcmp(argv[1], "off")) {
		cfg->third_party = !strcmp(argv[1], "on");
		return 0;
	}
	return bad(w, "invalid third-party \"%s\": expected on or off",
		   argv[1]);
}

static int load_file(const char *file, struct pcpd_config *cfg)
{
	struct where w = { .file = file };
	bool seen[D_NUM] = { false };
	char line[MAX_LINE + 2];
	FILE *fp;
	int err = 0;

	fp = fopen(file, "re");
	if (!fp)
		return bad(NULL, "cannot open the configuration \"%s\": %s",
			   file, strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		char *argv[MAX_WORDS + 1];
		char *p, *save = NULL;
		int argc = 0;

		w.line++;
		if (!strchr(line, '\n') && !feof(fp)) {
			err = bad(&w, "line longer than %d characters",
				  MAX_LINE);
			break;
		}
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		for (p = strtok_r(line, " \t\r\n", &save); p;
		     p = strtok_r(NULL, " \t\r\n", &save)) {
			if (argc == MAX_WORDS) {
				err = bad(&w, "too many words (at most %d)",
					  MAX_WORDS);
				break;
			}
			argv[argc++] = p;
		}
		if (err)
			break;
		if (!argc)
			continue;
		argv[argc] = NULL;
		err = do_directive(&w, cfg, seen, argc, argv);
		if (err)
			break;
	}
	if (!err && ferror(fp))
		err = bad(NULL, "cannot read the configuration \"%s\"", file);
	fclose(fp);
	return err;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: " PCPD_NAME " [-f FILE] [--instance NAME] [--listen ADDR]...\n"
		"                    [--netns NAME] [-v]\n"
		"       " PCPD_NAME " {-h | --help | -V | --version}\n"
		"\n"
		"A PCP (RFC 6887) and NAT-PMP (RFC 6886) server for one conenat instance,\n"
		"on UDP port 5351 of each listen address. It runs in the foreground and\n"
		"logs to stderr.\n"
		"\n"
		"  -f, --config FILE   read the configuration from FILE\n"
		"  -i, --instance NAME the conenat instance to serve\n"
		"  -l, --listen ADDR   an inside address of the router (repeatable, at most 16)\n"
		"  -n, --netns NAME    run in the network namespace /run/netns/NAME\n"
		"  -v, --verbose       log every request and its result\n"
		"  -h, --help          print this help\n"
		"  -V, --version       print the version\n"
		"\n"
		"The command line overrides the file. Without a file everything else\n"
		"takes its secure default (see conenat-pcpd(8)).\n");
}

static void defaults(struct pcpd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lifetime_min = PCPD_DEFAULT_LIFETIME_MIN;
	cfg->lifetime_max = PCPD_DEFAULT_LIFETIME_MAX;
	cfg->quota = PCPD_DEFAULT_QUOTA;
	cfg->rate = PCPD_DEFAULT_RATE;
	cfg->burst = PCPD_DEFAULT_BURST;
}

int config_load(int argc, char **argv, struct pcpd_config *cfg)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "instance", required_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, 'l' },
		{ "netns", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *instance = NULL;
	struct pcpd_config cli;
	int opt, err;

	defaults(cfg);
	defaults(&cli);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":f:i:l:n:vhV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'f':
			file = optarg;
			break;
		case 'i':
			err = get_name(NULL, optarg, cli.instance);
			if (err)
				return err;
			instance = optarg;
			break;
		case 'l':
			err = get_listen(NULL, optarg, &cli);
			if (err)
				return err;
			break;
		case 'n':
			cli.netns = optarg;
			break;
		case 'v':
			cli.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case 'V':
			printf(PCPD_NAME " %s (conenat API %d)\n",
			       NATCTL_VERSION, CONENAT_API_VERSION);
			return -1;
		case ':':
			return bad(NULL, "option \"%s\" needs an argument; try \"" PCPD_NAME " --help\"",
				   argv[optind - 1]);
		default:
			if (optopt)
				return bad(NULL, "unknown option \"-%c\"; try \"" PCPD_NAME " --help\"",
					   optopt);
			return bad(NULL, "unknown option \"%s\"; try \"" PCPD_NAME " --help\"",
				   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad(NULL, "unexpected argument \"%s\"; try \"" PCPD_NAME " --help\"",
			   argv[optind]);

	if (file) {
		err = load_file(file, cfg);
		if (err)
			return err;
	}
	if (instance)
		memcpy(cfg->instance, cli.instance, sizeof(cfg->instance));
	if (cli.nlisten) {
		memcpy(cfg->listen, cli.listen, sizeof(cfg->listen));
		cfg->nlisten = cli.nlisten;
	}
	if (cli.netns)
		cfg->netns = cli.netns;
	cfg->verbose = cli.verbose;

	if (!cfg->instance[0])
		return bad(NULL, "no instance to serve: give --instance NAME or \"instance NAME\" in the configuration");
	if (!cfg->nlisten)
		return bad(NULL, "no address to listen on: give --listen ADDR or \"listen ADDR\" in the configuration");
	if (!cfg->nrules) {
		/* allow 0.0.0.0/0 internal 1024-65535 external 1024-65535 */
		cfg->rules[0] = (struct pcpd_rule){
			.allow = true,
			.internal = { 1024, 65535 },
			.external = { 1024, 65535 },
		};
		cfg->nrules = 1;
	}
	return 0;
}
