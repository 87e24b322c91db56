/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Big-endian fields of the PCP and NAT-PMP wire formats, read and written
 * octet by octet (no alignment assumed): what pcp_wire.c and natpmp_wire.c
 * share.
 */
#ifndef CONENAT_WIRE_BYTES_H
#define CONENAT_WIRE_BYTES_H

#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* CONENAT_WIRE_BYTES_H */
