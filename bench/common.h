/* SPDX-License-Identifier: GPL-2.0 */
/* What udpgen and udpsink share besides the payload (bench.h). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

/* The program's name for messages; each program defines it. */
extern const char *bench_prog;

/* Print "PROG: WHAT: strerror(errno)" and exit 1. */
void bench_die(const char *what) __attribute__((noreturn));

/*
 * Enter network namespace @name (/run/netns/@name or a path), as ip netns
 * exec would, with the punch tools' enter_netns(); exit 1 if that fails.
 */
void bench_enter_netns(const char *name);

#endif /* BENCH_COMMON_H */
