// SPDX-License-Identifier: GPL-2.0
/*
 * udpsink: the receiving end of conenat's benchmark (make bench).
 *
 * It counts the udpgen packets that ARRIVE on a network device: a packet
 * socket (AF_PACKET, ETH_P_ALL) bound to the device sees every frame before
 * the device's ingress qdisc, which the benchmark sets to drop IPv4, so the
 * receiving stack does no work and any number of destination ports can be
 * counted without a socket per port. Packets are read with recvmmsg; each
 * carries its arrival time (SO_TIMESTAMPNS: when the device received it,
 * that is when the router transmitted it, however long the sink takes to
 * read it). --netns listens in another network namespace.
 *
 * Only packets of the run given with --run count; warm-up packets do not. The
 * sink stops at the first end marker, after --idle milliseconds without a
 * packet once measured ones have arrived, or after --max seconds. It writes
 * --ready FILE once it is listening, and prints one line of key=value pairs:
 *
 *   rx          measured packets that arrived
 *   elapsed_ns  from the first to the last one's arrival
 *   pps         rx / elapsed
 *   h1_*, h2_*  the same for flows 0 .. N/2-1 and N/2 .. N-1 (N from the
 *               packets): the first and second half of a fan-out
 *   drops       packets the socket itself dropped (PACKET_STATISTICS); they
 *               arrived on the device but were not counted
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"
#include "punch/common.h"

const char *bench_prog = "udpsink";

#define MAX_BATCH	1024
/* enough for the IP and UDP headers and our payload; the rest is cut */
#define SNAP		128

struct span {
	unsigned long rx;
	uint64_t first, last;	/* ns, CLOCK_REALTIME (packet timestamps) */
};

static unsigned char bufs[MAX_BATCH][SNAP];
static char cbufs[MAX_BATCH][CMSG_SPACE(sizeof(struct timespec))];
static struct iovec iovs[MAX_BATCH];
static struct mmsghdr msgs[MAX_BATCH];
static struct sockaddr_ll addrs[MAX_BATCH];

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: udpsink --dev IFNAME [OPTIONS]\n"
		"  --run ID        count only packets of this run (default 1)\n"
		"  --cpu N         pin to CPU N (default: no pinning)\n"
		"  --ready FILE    create FILE once listening (\"-\": print \"ready\" on stdout)\n"
		"  --idle MS       stop this long after the last measured packet (default 1000)\n"
		"  --max SEC       stop after this long in any case (default 120)\n"
		"  --batch N       packets per recvmmsg (default 256, at most %d)\n"
		"  --netns NAME    listen in network namespace /run/netns/NAME\n",
		MAX_BATCH);
}

static uint64_t ns_of(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + ts->tv_nsec;
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ns_of(&ts);
}

static void span_add(struct span *s, uint64_t t)
{
	if (!s->rx++ || t < s->first)
		s->first = t;
	if (t > s->last)
		s->last = t;
}

static void span_print(const char *prefix, const struct span *s)
{
	uint64_t el = s->rx > 1 ? s->last - s->first : 0;

	/*
	 * rx packets span rx - 1 intervals between the first and the last
	 * arrival: the rate is intervals per second.
	 */
	printf(" %srx=%lu %selapsed_ns=%llu %spps=%.0f", prefix, s->rx, prefix,
	       (unsigned long long)el, prefix,
	       el ? (s->rx - 1) * 1e9 / el : 0.0);
}

/* The arrival time the kernel stamped on a message, else now. */
static uint64_t msg_time(struct msghdr *mh)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			return ns_of(&ts);
		}
	return real_ns();
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "ready", required_argument, NULL, 'R' },
		{ "idle", required_argument, NULL, 'i' },
		{ "max", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "netns", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dev = NULL, *ready = NULL, *netns = NULL;
	unsigned long run = 1, idle_ms = 1000, max_s = 120, batch = 256;
	long cpu = -1;
	struct span all = { 0 }, half[2] = { { 0 }, { 0 } };
	unsigned long other = 0, warm = 0;
	struct tpacket_stats st;
	socklen_t stlen = sizeof(st);
	struct sockaddr_ll sll;
	struct timeval tv = { .tv_sec = 0, .tv_usec = 50000 };
	uint64_t start_ms, last_ms = 0;
	bool ended = false;
	int one = 1, rcvbuf = 64 << 20;
	int fd, c, i;
	char *end;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'R':
			ready = optarg;
			break;
		case 'N':
			netns = optarg;
			break;
		case 'r':
		case 'c':
		case 'i':
		case 'm':
		case 'b': {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 0);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "udpsink: bad number \"%s\"\n", optarg);
				return 1;
			}
			if (c == 'r')
				run = v;
			else if (c == 'c')
				cpu = v;
			else if (c == 'i')
				idle_ms = v;
			else if (c == 'm')
				max_s = v;
			else
				batch = v;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!dev || optind != argc || !batch || batch > MAX_BATCH) {
		usage(stderr);
		return 1;
	}

	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			bench_die("sched_setaffinity");
	}

	if (netns)
		bench_enter_netns(netns);
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	if (fd < 0)
		bench_die("socket(AF_PACKET)");
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(dev);
	if (!sll.sll_ifindex)
		bench_die(dev);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		bench_die("bind");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		bench_die("SO_TIMESTAMPNS");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		bench_die("SO_RCVTIMEO");
	/* start the drop counter from zero (reading it resets it) */
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &stlen);

	for (i = 0; i < (int)batch; i++) {
		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = SNAP;
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &addrs[i];
	}

	if (ready && !strcmp(ready, "-")) {
		printf("ready\n");
		fflush(stdout);
	} else if (ready) {
		int rfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (rfd < 0)
			bench_die(ready);
		close(rfd);
	}

	start_ms = mono_ms();
	while (!ended) {
		uint64_t t_ms;
		int n;

		for (i = 0; i < (int)batch; i++) {
			msgs[i].msg_hdr.msg_namelen = sizeof(addrs[i]);
			msgs[i].msg_hdr.msg_control = cbufs[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(cbufs[i]);
		}
		n = recvmmsg(fd, msgs, batch, MSG_WAITFORONE, NULL);
		t_ms = mono_ms();
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			bench_die("recvmmsg");
		for (i = 0; i < n; i++) {
			const unsigned char *b = bufs[i];
			unsigned int len = msgs[i].msg_len, ihl;
			const struct iphdr *ip = (const void *)b;
			const struct bench_payload *p;

			if (len > SNAP)
				len = SNAP;
			if (addrs[i].sll_protocol != htons(ETH_P_IP) ||
			    len < sizeof(*ip) || ip->version != 4 ||
			    ip->protocol != IPPROTO_UDP) {
				other++;
				continue;
			}
			ihl = ip->ihl * 4u;
			if (len < ihl + sizeof(struct udphdr) + sizeof(*p)) {
				other++;
				continue;
			}
			p = (const void *)(b + ihl + sizeof(struct udphdr));
			if (ntohl(p->magic) != BENCH_MAGIC || ntohl(p->run) != run) {
				other++;
				continue;
			}
			if (p->phase == BENCH_END) {
				ended = true;
				continue;
			}
			if (p->phase != BENCH_MEASURE) {
				warm++;
				continue;
			}
			{
				uint64_t t = msg_time(&msgs[i].msg_hdr);
				uint32_t nflows = ntohl(p->nflows);

				span_add(&all, t);
				span_add(&half[ntohl(p->flow) >= nflows / 2], t);
				last_ms = t_ms;
			}
		}
		if (all.rx && t_ms - last_ms >= idle_ms)
			break;
		if (t_ms - start_ms >= max_s * 1000)
			break;
	}

	stlen = sizeof(st);
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &stlen))
		st.tp_drops = 0;
	printf("sink");
	span_print("", &all);
	span_print("h1_", &half[0]);
	span_print("h2_", &half[1]);
	printf(" warmup_rx=%lu other=%lu drops=%u end=%d\n", warm, other,
	       st.tp_drops, ended);
	close(fd);
	return 0;
}
