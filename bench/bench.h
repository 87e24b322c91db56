/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What udpgen puts in every UDP payload and udpsink reads back: a magic
 * number, the run it belongs to (so a stray packet of an earlier run is never
 * counted), the flow's index and the number of flows (for the sink's
 * first-half / second-half split), and the phase: warm-up packets are not
 * counted, measured ones are, and an end marker stops the sink.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

#define BENCH_MAGIC	0x636e6231u	/* "cnb1" */

enum bench_phase {
	BENCH_WARMUP = 0,
	BENCH_MEASURE = 1,
	BENCH_END = 2,
};

struct bench_payload {
	uint32_t magic;		/* network order */
	uint32_t run;		/* network order */
	uint32_t flow;		/* network order */
	uint32_t nflows;	/* network order */
	uint8_t phase;
	uint8_t pad[3];
} __attribute__((packed));

#endif /* BENCH_H */
