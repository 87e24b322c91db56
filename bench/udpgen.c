// SPDX-License-Identifier: GPL-2.0
/*
 * udpgen: the traffic generator of conenat's benchmark (make bench).
 *
 * It crafts small UDP packets on a raw socket (IPPROTO_RAW, so the IP header
 * is ours) and sends them with sendmmsg from one CPU, so that every packet
 * can carry a source and destination port of its own without a socket per
 * port. Flow i of N is
 *
 *	SRC:(SPORT + i * SPORT_STEP)  ->  DST:(DPORT + i * DPORT_STEP)
 *
 * and the modes differ in how packets walk the flows:
 *
 *   est     N established flows, round robin, for --duration seconds (or
 *           exactly --packets packets) after --warmup seconds of unmeasured
 *           packets on the same flows (which creates their conntrack entries
 *           and mappings);
 *   new     every packet is a new flow: flow i is sent once, i = 0, 1, ...,
 *           until N flows or --duration; when the source port passes 65535
 *           the source address moves on by one and the port starts again;
 *   fanout  like new, for a fixed source and N destination ports
 *           (--sport-step 0 --dport-step 1): one internal endpoint talking to
 *           N remote endpoints.
 *
 * --netns sends from another network namespace (no `ip netns exec`, which
 * costs a process under emulation). With --flush-conntrack NETNS it first
 * empties the IPv4 conntrack table of that namespace (the router's), so that
 * every measurement starts from nothing whatever ran before it.
 *
 * In new and fanout the warm-up goes to a flow outside the measured ones
 * (source port SPORT - 1), which resolves the next hops' neighbours without
 * creating any measured flow ahead of time.
 *
 * The figure of the benchmark is what arrives at udpsink; udpgen only prints
 * what it sent, as one line of key=value pairs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
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

const char *bench_prog = "udpgen";

#define MAX_BATCH	1024
#define MAX_PAYLOAD	1400

enum mode { MODE_EST, MODE_NEW, MODE_FANOUT };

struct opts {
	enum mode mode;
	struct in_addr src, dst;
	unsigned int sport, dport;
	unsigned int sport_step, dport_step;
	unsigned long flows;
	unsigned long packets;
	double duration, warmup;
	int cpu;
	unsigned int batch;
	unsigned int payload;
	bool yield;
	uint32_t run;
	const char *netns;
	const char *flush_netns;
};

struct pkt {
	struct iphdr ip;
	struct udphdr udp;
	union {
		struct bench_payload p;
		unsigned char bytes[MAX_PAYLOAD];
	};
} __attribute__((packed));

static struct pkt pkts[MAX_BATCH];
static struct iovec iovs[MAX_BATCH];
static struct mmsghdr msgs[MAX_BATCH];
static struct sockaddr_in dsts[MAX_BATCH];

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: udpgen --mode {est|new|fanout} --src ADDR --dst ADDR [OPTIONS]\n"
		"  --sport PORT        first source port (default 2000)\n"
		"  --dport PORT        first destination port (default 9)\n"
		"  --sport-step N      source port step between flows (default: 1; fanout 0)\n"
		"  --dport-step N      destination port step between flows (default: 0; fanout 1)\n"
		"  --flows N           flows (est: N flows round robin; new/fanout: at most N, one packet each)\n"
		"  --duration SEC      est: measured seconds; new/fanout: at most this long (default 2)\n"
		"  --packets N         est: measure exactly N packets (--duration then only bounds the run)\n"
		"  --warmup SEC        est: unmeasured seconds first (default 0.5)\n"
		"  --cpu N             pin to CPU N (default: no pinning)\n"
		"  --batch N           packets per sendmmsg (default 64, at most %d)\n"
		"  --yield             give the CPU up after every batch (one CPU shared with the router)\n"
		"  --payload BYTES     UDP payload size (default %zu, the smallest)\n"
		"  --run ID            run number carried in every packet (default 1)\n"
		"  --netns NAME        send from network namespace /run/netns/NAME\n"
		"  --flush-conntrack NAME  first empty the IPv4 conntrack table of /run/netns/NAME\n",
		MAX_BATCH, sizeof(struct bench_payload));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long parse_ul(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "udpgen: bad %s \"%s\"\n", what, s);
		exit(1);
	}
	return v;
}

static double parse_sec(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (*end || end == s || v < 0 || v > 86400) {
		fprintf(stderr, "udpgen: bad %s \"%s\"\n", what, s);
		exit(1);
	}
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "sport", required_argument, NULL, 'S' },
		{ "dport", required_argument, NULL, 'D' },
		{ "sport-step", required_argument, NULL, 'x' },
		{ "dport-step", required_argument, NULL, 'y' },
		{ "flows", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 't' },
		{ "packets", required_argument, NULL, 'P' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'b' },
		{ "yield", no_argument, NULL, 'Y' },
		{ "payload", required_argument, NULL, 'p' },
		{ "run", required_argument, NULL, 'r' },
		{ "netns", required_argument, NULL, 'N' },
		{ "flush-conntrack", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_mode = false, sstep = false, dstep = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->sport = 2000;
	o->dport = 9;
	o->flows = 256;
	o->duration = 2;
	o->warmup = 0.5;
	o->cpu = -1;
	o->batch = 64;
	o->payload = sizeof(struct bench_payload);
	o->run = 1;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			have_mode = true;
			if (!strcmp(optarg, "est"))
				o->mode = MODE_EST;
			else if (!strcmp(optarg, "new"))
				o->mode = MODE_NEW;
			else if (!strcmp(optarg, "fanout"))
				o->mode = MODE_FANOUT;
			else
				have_mode = false;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &o->src) != 1)
				o->src.s_addr = 0;
			break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &o->dst) != 1)
				o->dst.s_addr = 0;
			break;
		case 'S':
			o->sport = parse_ul(optarg, "source port", 65535);
			break;
		case 'D':
			o->dport = parse_ul(optarg, "destination port", 65535);
			break;
		case 'x':
			o->sport_step = parse_ul(optarg, "source port step", 65535);
			sstep = true;
			break;
		case 'y':
			o->dport_step = parse_ul(optarg, "destination port step", 65535);
			dstep = true;
			break;
		case 'n':
			o->flows = parse_ul(optarg, "flow count", 100000000);
			break;
		case 't':
			o->duration = parse_sec(optarg, "duration");
			break;
		case 'P':
			o->packets = parse_ul(optarg, "packet count", 1000000000);
			if (!o->packets) {
				fprintf(stderr, "udpgen: bad packet count \"%s\"\n", optarg);
				exit(1);
			}
			break;
		case 'w':
			o->warmup = parse_sec(optarg, "warm-up");
			break;
		case 'c':
			o->cpu = parse_ul(optarg, "CPU", 4095);
			break;
		case 'b':
			o->batch = parse_ul(optarg, "batch", MAX_BATCH);
			break;
		case 'Y':
			o->yield = true;
			break;
		case 'p':
			o->payload = parse_ul(optarg, "payload size", MAX_PAYLOAD);
			break;
		case 'r':
			o->run = parse_ul(optarg, "run", UINT32_MAX);
			break;
		case 'N':
			o->netns = optarg;
			break;
		case 'F':
			o->flush_netns = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(1);
		}
	}
	if (optind != argc || !have_mode || !o->src.s_addr || !o->dst.s_addr ||
	    !o->flows || !o->batch) {
		usage(stderr);
		exit(1);
	}
	if (o->payload < sizeof(struct bench_payload))
		o->payload = sizeof(struct bench_payload);
	if (!sstep)
		o->sport_step = o->mode == MODE_FANOUT ? 0 : 1;
	if (!dstep)
		o->dport_step = o->mode == MODE_FANOUT ? 1 : 0;
	if (o->mode != MODE_NEW &&
	    (o->sport + (o->flows - 1) * o->sport_step > 65535 ||
	     o->dport + (o->flows - 1) * o->dport_step > 65535)) {
		fprintf(stderr, "udpgen: %lu flows do not fit in the port space\n",
			o->flows);
		exit(1);
	}
	if (o->mode != MODE_EST && o->sport == 0) {
		fprintf(stderr, "udpgen: new and fanout need --sport above 0 (the warm-up uses SPORT - 1)\n");
		exit(1);
	}
}

/*
 * Empty the IPv4 conntrack table of the current namespace: a ctnetlink
 * delete without a tuple flushes (what conntrack -F does).
 */
static void flush_conntrack(void)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nfg;
	} req = {
		.nh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = 1,
		},
		.nfg = { .nfgen_family = AF_INET, .version = NFNETLINK_V0 },
	};
	union {
		struct nlmsghdr nh;
		char buf[512];
	} ack;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsgerr *err;
	ssize_t n;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		bench_die("socket(NETLINK_NETFILTER)");
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		bench_die("conntrack flush request");
	n = recv(fd, &ack, sizeof(ack), 0);
	if (n < 0)
		bench_die("conntrack flush answer");
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(*err)) || ack.nh.nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "udpgen: unexpected answer to the conntrack flush\n");
		exit(1);
	}
	err = NLMSG_DATA(&ack.nh);
	/* ENOENT: nothing to flush */
	if (err->error && err->error != -ENOENT) {
		errno = -err->error;
		bench_die("conntrack flush");
	}
	close(fd);
}

/* The addresses and ports of flow @i. */
static void flow_tuple(const struct opts *o, unsigned long i, uint32_t *saddr,
		       uint16_t *sport, uint16_t *dport)
{
	unsigned long sp = o->sport + i * o->sport_step;
	uint32_t src = ntohl(o->src.s_addr);

	if (o->mode == MODE_NEW) {
		/* past port 65535: next source address, same first port */
		unsigned long span = (65536 - o->sport) / (o->sport_step ?: 1);

		if (!span)
			span = 1;
		src += i / span;
		sp = o->sport + (i % span) * o->sport_step;
	}
	*saddr = htonl(src);
	*sport = htons((uint16_t)sp);
	*dport = htons((uint16_t)(o->dport + i * o->dport_step));
}

static void fill(struct pkt *p, uint32_t saddr,
		 uint16_t sport, uint16_t dport, unsigned long flow,
		 enum bench_phase phase)
{
	p->ip.saddr = saddr;
	p->udp.source = sport;
	p->udp.dest = dport;
	p->p.flow = htonl((uint32_t)flow);
	p->p.phase = phase;
}

static void init_batch(const struct opts *o)
{
	unsigned int len = sizeof(struct iphdr) + sizeof(struct udphdr) + o->payload;
	unsigned int i;

	for (i = 0; i < MAX_BATCH; i++) {
		struct pkt *p = &pkts[i];

		memset(p, 0, sizeof(*p));
		p->ip.version = 4;
		p->ip.ihl = 5;
		p->ip.tot_len = htons(len);
		p->ip.frag_off = htons(IP_DF);
		p->ip.ttl = 64;
		p->ip.protocol = IPPROTO_UDP;
		p->ip.daddr = o->dst.s_addr;
		p->udp.len = htons(sizeof(struct udphdr) + o->payload);
		p->udp.check = 0;	/* no checksum: allowed for UDP over IPv4 */
		p->p.magic = htonl(BENCH_MAGIC);
		p->p.run = htonl(o->run);
		p->p.nflows = htonl((uint32_t)o->flows);

		dsts[i].sin_family = AF_INET;
		dsts[i].sin_addr = o->dst;
		iovs[i].iov_base = p;
		iovs[i].iov_len = len;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_name = &dsts[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(dsts[i]);
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

struct counts {
	unsigned long sent;
	unsigned long errors;
};

/* Send @n prepared packets; counts what the kernel took. */
static void send_batch(int fd, unsigned int n, struct counts *c)
{
	unsigned int off = 0;

	while (off < n) {
		int r = sendmmsg(fd, msgs + off, n - off, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* a full queue or an unreachable route: skip the packet */
			c->errors++;
			off++;
			continue;
		}
		c->sent += r;
		off += r;
	}
}

/* A few packets of flow @flow in @phase, with a pause after each. */
static void send_marker(int fd, unsigned long flow,
			uint32_t saddr, uint16_t sport, uint16_t dport,
			enum bench_phase phase, int count, long pause_us)
{
	struct counts c = { 0 };
	int i;

	for (i = 0; i < count; i++) {
		fill(&pkts[0], saddr, sport, dport, flow, phase);
		send_batch(fd, 1, &c);
		if (pause_us)
			usleep(pause_us);
	}
}

int main(int argc, char **argv)
{
	struct counts warm = { 0 }, c = { 0 };
	unsigned long next = 0, flow;
	double start, end, deadline;
	int sndbuf = 4 << 20;
	struct opts o;
	uint32_t saddr;
	uint16_t sport, dport;
	unsigned int i, n;
	int fd;

	parse(argc, argv, &o);

	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			bench_die("sched_setaffinity");
	}

	if (o.flush_netns) {
		int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

		if (self < 0)
			bench_die("/proc/self/ns/net");
		bench_enter_netns(o.flush_netns);
		flush_conntrack();
		if (setns(self, CLONE_NEWNET))
			bench_die("setns back");
		close(self);
	}
	if (o.netns)
		bench_enter_netns(o.netns);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		bench_die("socket(AF_INET, SOCK_RAW, IPPROTO_RAW)");
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	init_batch(&o);

	if (o.mode == MODE_EST) {
		/* warm-up on the measured flows: creates their state */
		deadline = now() + o.warmup;
		do {
			for (i = 0; i < o.batch; i++) {
				flow = next++ % o.flows;
				flow_tuple(&o, flow, &saddr, &sport, &dport);
				fill(&pkts[i], saddr, sport, dport, flow,
				     BENCH_WARMUP);
			}
			send_batch(fd, o.batch, &warm);
		} while (now() < deadline || next < o.flows);
		/* let the last warm-up packets drain before measuring */
		usleep(50000);
	} else {
		/* warm-up on a side flow: next hops resolved, nothing measured made */
		flow_tuple(&o, 0, &saddr, &sport, &dport);
		send_marker(fd, 0, saddr, htons(o.sport - 1), dport,
			    BENCH_WARMUP, 3, 20000);
		usleep(50000);
	}

	next = 0;
	start = now();
	deadline = start + o.duration;
	for (;;) {
		if (o.mode == MODE_EST && !o.packets) {
			n = o.batch;
		} else if (o.mode == MODE_EST) {
			/* a fixed count: no figure is a whole number of batches */
			if (next >= o.packets)
				break;
			n = o.packets - next < o.batch ? o.packets - next : o.batch;
		} else {
			if (next >= o.flows)
				break;
			n = o.flows - next < o.batch ? o.flows - next : o.batch;
		}
		for (i = 0; i < n; i++) {
			flow = o.mode == MODE_EST ? next % o.flows : next;
			next++;
			flow_tuple(&o, flow, &saddr, &sport, &dport);
			fill(&pkts[i], saddr, sport, dport, flow, BENCH_MEASURE);
		}
		send_batch(fd, n, &c);
		/*
		 * On a CPU shared with the router, let whatever the batch
		 * made runnable (ksoftirqd with deferred packets) run now,
		 * so the router keeps up and every packet is processed the
		 * same way instead of piling up in the backlog.
		 */
		if (o.yield)
			sched_yield();
		if (now() >= deadline)
			break;
	}
	end = now();

	/* end markers on a flow that already exists, spaced out */
	if (o.mode == MODE_EST) {
		flow_tuple(&o, 0, &saddr, &sport, &dport);
		send_marker(fd, 0, saddr, sport, dport, BENCH_END, 5, 20000);
	} else {
		flow_tuple(&o, 0, &saddr, &sport, &dport);
		send_marker(fd, 0, saddr, htons(o.sport - 1), dport,
			    BENCH_END, 5, 20000);
	}

	printf("gen mode=%s flows=%lu sent=%lu errors=%lu warmup_sent=%lu elapsed_ns=%.0f sent_pps=%.0f\n",
	       o.mode == MODE_EST ? "est" : o.mode == MODE_NEW ? "new" : "fanout",
	       o.mode == MODE_EST ? o.flows : (next < o.flows ? next : o.flows),
	       c.sent, c.errors, warm.sent, (end - start) * 1e9,
	       end > start ? c.sent / (end - start) : 0.0);
	close(fd);
	return 0;
}
