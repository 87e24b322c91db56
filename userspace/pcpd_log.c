// SPDX-License-Identifier: GPL-2.0
/*
 * conenat-pcpd messages: one line each on stderr, "conenat-pcpd: ...",
 * written in one go. Also the error functions and the option nl.c takes
 * from natctl.c, so that the netlink layer is shared as it is: its
 * messages come out with this program's prefix, or are captured while
 * the kernel layer asks for it and reported the daemon's way.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "natctl.h"
#include "pcpd.h"

/* nl.c's "-c" (check only): never, here. */
bool opt_check;

static bool verbose;
static bool capturing;
static char captured[512];

static void vline(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line), PCPD_NAME ": %s", prefix);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	fprintf(stderr, "%s\n", line);
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
}

void log_verbose(bool on)
{
	verbose = on;
}

void log_capture(bool on)
{
	capturing = on;
	if (on)
		captured[0] = '\0';
}

const char *log_captured(void)
{
	return captured;
}

const char *log_addr(uint32_t addr)
{
	static char bufs[4][INET_ADDRSTRLEN];
	static unsigned int next;
	char *buf = bufs[next++ % 4];
	struct in_addr in = { .s_addr = addr };

	if (!inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN))
		snprintf(buf, INET_ADDRSTRLEN, "?");
	return buf;
}

/* A message of nl.c's: kept while capturing, else printed. */
static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	if (capturing) {
		vsnprintf(captured, sizeof(captured), fmt, ap);
		return;
	}
	vline(prefix, fmt, ap);
}

/* ---- what nl.c and nlmsg.c call (natctl.h) -------------------------- */

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

int usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	return NATCTL_EXIT_USAGE;
}

int fail_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	return NATCTL_EXIT_FAIL;
}
