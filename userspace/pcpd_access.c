// SPDX-License-Identifier: GPL-2.0
/*
 * conenat-pcpd access control: who may ask for what.
 *
 * A host is served at all only when its packet did not come in on the
 * instance's external device and its address is inside the instance's
 * internal prefixes (none listed: any address, as the instance itself
 * translates every source not on the external device).
 *
 * Then the ordered allow/deny list decides: the first rule whose prefix
 * holds the host's address, whose internal range holds the internal port
 * and whose external range holds the external port (suggested, or the one
 * the kernel assigned) wins; when none matches, the request is refused.
 * A port not known yet (0) matches any range.
 *
 * Lifetimes asked for are clamped to the configured min..max; a PCP
 * mapping never gets less than 120 seconds (RFC 6887 section 15).
 */
#include <string.h>

#include "pcpd.h"

static const struct pcpd_config *cfg;
static struct kinstance inst;

void access_init(const struct pcpd_config *c)
{
	cfg = c;
	memset(&inst, 0, sizeof(inst));
}

void access_set_instance(const struct kinstance *ki)
{
	inst = *ki;
}

bool access_host(uint32_t addr, int ifindex)
{
	unsigned int i;

	if (ifindex > 0 && inst.ifindex && (uint32_t)ifindex == inst.ifindex)
		return false;
	if (!inst.ninternal)
		return true;
	for (i = 0; i < inst.ninternal; i++)
		if ((addr & inst.internal[i].mask) == inst.internal[i].addr)
			return true;
	return false;
}

static bool in_range(const struct pcpd_range *r, uint16_t port)
{
	return !port || (port >= r->min && port <= r->max);
}

bool access_allowed(uint32_t addr, uint16_t int_port, uint16_t ext_port)
{
	unsigned int i;

	for (i = 0; i < cfg->nrules; i++) {
		const struct pcpd_rule *r = &cfg->rules[i];

		if ((addr & r->mask) != r->addr)
			continue;
		if (!in_range(&r->internal, int_port) ||
		    !in_range(&r->external, ext_port))
			continue;
		return r->allow;
	}
	return false;
}

uint32_t access_lifetime(uint32_t req, bool pcp)
{
	uint32_t min = cfg->lifetime_min;

	if (pcp && min < PCPD_PCP_MIN_LIFETIME)
		min = PCPD_PCP_MIN_LIFETIME;
	if (req < min)
		req = min;
	if (req > cfg->lifetime_max)
		req = cfg->lifetime_max;
	return req;
}

/*
 * Whether every external port of @lo..@hi (the instance's range) is one the
 * access list gives @addr's @int_port: the first line for the host and the
 * internal port whose external ports meet the range allows it and holds it
 * all. Then any port the kernel picks will do; else the daemon picks among
 * the allowed ones itself (access_ext_pick()), so that no refusal comes
 * after a mapping is made.
 */
bool access_ext_unrestricted(uint32_t addr, uint16_t int_port, uint16_t lo,
			     uint16_t hi)
{
	unsigned int i;

	for (i = 0; i < cfg->nrules; i++) {
		const struct pcpd_rule *r = &cfg->rules[i];

		if ((addr & r->mask) != r->addr ||
		    !in_range(&r->internal, int_port) ||
		    r->external.max < lo || r->external.min > hi)
			continue;
		return r->allow && r->external.min <= lo &&
		       r->external.max >= hi;
	}
	return false;
}

/*
 * The external ports of @lo..@hi that the first allowing line for @addr's
 * @int_port covers, in @min..@max: where the daemon looks for a port when
 * the kernel's pick could be refused. False when there is none.
 */
bool access_ext_span(uint32_t addr, uint16_t int_port, uint16_t lo,
		     uint16_t hi, uint16_t *min, uint16_t *max)
{
	unsigned int i;

	for (i = 0; i < cfg->nrules; i++) {
		const struct pcpd_rule *r = &cfg->rules[i];

		if (!r->allow || (addr & r->mask) != r->addr ||
		    !in_range(&r->internal, int_port) ||
		    r->external.max < lo || r->external.min > hi)
			continue;
		*min = r->external.min > lo ? r->external.min : lo;
		*max = r->external.max < hi ? r->external.max : hi;
		return true;
	}
	return false;
}
