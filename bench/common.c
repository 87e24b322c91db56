// SPDX-License-Identifier: GPL-2.0
/* What udpgen and udpsink share: see common.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "punch/common.h"

void bench_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", bench_prog, what, strerror(errno));
	exit(1);
}

void bench_enter_netns(const char *name)
{
	if (enter_netns(name))
		bench_die(name);
}
