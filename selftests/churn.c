// SPDX-License-Identifier: GPL-2.0
/*
 * churn: UDP from ever-changing source ports, as fast as it goes, for the
 * soak test. Every datagram comes from the next port of a range, so each one
 * needs a mapping (until the range wraps), and with a short udp-timeout the
 * mappings expire behind it: constant creation and expiry.
 *
 * Usage: churn SRC_ADDR PORT_MIN PORT_MAX DST_ADDR DST_PORT NDST SECONDS
 * Sends with a raw socket (the source port is chosen per packet), to NDST
 * destination ports from DST_PORT on; prints how many datagrams it sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#define BATCH 64

struct dgram {
	struct iphdr ip;
	struct udphdr udp;
	char payload[8];
};

static uint16_t ip_csum(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t sum = 0;

	while (len > 1) {
		sum += *w++;
		len -= 2;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int main(int argc, char **argv)
{
	struct dgram d[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned long sent = 0;
	unsigned int pmin, pmax, port, ndst, i, k = 0;
	time_t end;
	int fd, one = 1, n;

	if (argc != 8) {
		fprintf(stderr, "usage: churn SRC_ADDR PORT_MIN PORT_MAX DST_ADDR DST_PORT NDST SECONDS\n");
		return 2;
	}
	pmin = strtoul(argv[2], NULL, 0);
	pmax = strtoul(argv[3], NULL, 0);
	ndst = strtoul(argv[6], NULL, 0);
	end = time(NULL) + strtol(argv[7], NULL, 0);
	if (!pmin || pmax < pmin || pmax > 65535 || !ndst) {
		fprintf(stderr, "churn: bad port range or destination count\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("churn: raw socket");
		return 1;
	}
	to.sin_addr.s_addr = inet_addr(argv[4]);

	memset(d, 0, sizeof(d));
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		d[i].ip.version = 4;
		d[i].ip.ihl = 5;
		d[i].ip.ttl = 64;
		d[i].ip.protocol = IPPROTO_UDP;
		d[i].ip.tot_len = htons(sizeof(d[i]));
		d[i].ip.saddr = inet_addr(argv[1]);
		d[i].ip.daddr = to.sin_addr.s_addr;
		d[i].udp.len = htons(sizeof(d[i].udp) + sizeof(d[i].payload));
		memcpy(d[i].payload, "churn!!", 8);
		iov[i].iov_base = &d[i];
		iov[i].iov_len = sizeof(d[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}

	port = pmin;
	while (time(NULL) < end) {
		for (i = 0; i < BATCH; i++) {
			/* UDP checksum 0: none, allowed over IPv4 */
			d[i].udp.source = htons((uint16_t)port);
			d[i].udp.dest = htons((uint16_t)(strtoul(argv[5], NULL, 0) +
							 k++ % ndst));
			d[i].ip.id = htons((uint16_t)k);
			d[i].ip.check = 0;
			d[i].ip.check = ip_csum(&d[i].ip, sizeof(d[i].ip));
			port = port == pmax ? pmin : port + 1;
		}
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += n;
		else if (errno == ENOBUFS || errno == EAGAIN)
			usleep(200);
	}
	printf("%lu\n", sent);
	return 0;
}
