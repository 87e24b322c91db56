// SPDX-License-Identifier: GPL-2.0
/*
 * del_storm: "mapping del" by external endpoint, as fast as netlink answers,
 * for the lifecycle torture test. Run beside churn, which keeps creating the
 * mappings again from the packet path, it lands deletions in the middle of
 * a mapping's creation.
 *
 * Usage: del_storm INSTANCE PROTO EXT_ADDR PORT_MIN PORT_MAX SECONDS [INT_ADDR:PORT]
 * Deletes EXT_ADDR:PORT for every port of the range in turn, round after
 * round, until SECONDS have passed. With INT_ADDR:PORT, every 16th request
 * deletes that internal endpoint's mappings instead, so that a mapping
 * which got another external port (two CPUs created it at once) goes too
 * and the next one starts again from the preserved port. Prints "deleted N
 * absent N", the requests by external endpoint that found a mapping and
 * that did not. Exits 1 on any answer other than success or "no such
 * mapping" (ENOENT), with the kernel's message.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/conenat.h>

#include "cn_genl.h"

int main(int argc, char **argv)
{
	unsigned long deleted = 0, absent = 0;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int pmin, pmax, port, iport = 0, n = 0;
	uint32_t iaddr = 0;
	char *colon;
	struct nlmsghdr *nlh;
	struct cn_sock s;
	struct cn_err e;
	uint32_t addr;
	time_t end;
	int proto, err;

	if (argc != 7 && argc != 8) {
		fprintf(stderr, "usage: del_storm INSTANCE udp|tcp EXT_ADDR PORT_MIN PORT_MAX SECONDS [INT_ADDR:PORT]\n");
		return 2;
	}
	if (argc == 8) {
		colon = strchr(argv[7], ':');
		if (colon)
			*colon = '\0';
		if (!colon || inet_pton(AF_INET, argv[7], &iaddr) != 1 ||
		    !(iport = strtoul(colon + 1, NULL, 0)) || iport > 65535) {
			fprintf(stderr, "del_storm: bad internal endpoint\n");
			return 2;
		}
	}
	proto = !strcmp(argv[2], "tcp") ? IPPROTO_TCP :
		!strcmp(argv[2], "udp") ? IPPROTO_UDP : 0;
	pmin = strtoul(argv[4], NULL, 0);
	pmax = strtoul(argv[5], NULL, 0);
	if (!proto || inet_pton(AF_INET, argv[3], &addr) != 1 || !pmin ||
	    pmax < pmin || pmax > 65535) {
		fprintf(stderr, "del_storm: bad protocol, address or port range\n");
		return 2;
	}
	err = cn_open(&s);
	if (err) {
		fprintf(stderr, "del_storm: conenat family: %s\n", strerror(-err));
		return 1;
	}

	end = time(NULL) + strtol(argv[6], NULL, 0);
	port = pmin;
	while (time(NULL) < end) {
		bool by_int = iport && ++n % 16 == 0;

		nlh = cn_msg(&s, buf, CONENAT_CMD_DEL_MAPPING, 0);
		mnl_attr_put_strz(nlh, CONENAT_MAPPING_A_INSTANCE, argv[1]);
		mnl_attr_put_u8(nlh, CONENAT_MAPPING_A_PROTO, proto);
		if (by_int) {
			mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_INT_ADDR, iaddr);
			mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_INT_PORT,
					 htons(iport));
		} else {
			mnl_attr_put_u32(nlh, CONENAT_MAPPING_A_EXT_ADDR, addr);
			mnl_attr_put_u16(nlh, CONENAT_MAPPING_A_EXT_PORT,
					 htons(port));
		}
		err = cn_talk(&s, nlh, NULL, NULL, &e);
		if (by_int && (!err || err == -ENOENT))
			continue;
		if (!err) {
			deleted++;
		} else if (err == -ENOENT) {
			absent++;
		} else {
			fprintf(stderr, "del_storm: port %u: %s (%s)\n", port,
				strerror(-err), e.msg);
			cn_close(&s);
			return 1;
		}
		port = port == pmax ? pmin : port + 1;
	}
	cn_close(&s);
	printf("deleted %lu absent %lu\n", deleted, absent);
	return 0;
}
