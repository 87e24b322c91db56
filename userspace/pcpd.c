// SPDX-License-Identifier: GPL-2.0
/*
 * conenat-pcpd: a PCP (RFC 6887) and NAT-PMP (RFC 6886) server for one
 * conenat instance. main(), the poll loop, the timers, the epoch and the
 * announcements.
 *
 * It listens on UDP 5351 of each listen address (non-blocking sockets,
 * at most BATCH datagrams read per socket and wake-up), answers from the
 * same socket, and once a second reads the instance (GET_INSTANCE) for
 * its external address and AGE, and the router's own addresses and
 * loopback devices (getifaddrs(), at most LOCAL_MAX and LOOP_MAX kept).
 *
 * Before a handler sees a datagram, in order, each dropping it without
 * an answer:
 *
 *   interface        no IP_PKTINFO, or it came in on the instance's
 *                    external device or on a loopback device
 *   source           127/8 or an address of the router's own, or not
 *                    inside the instance's internal prefixes
 *                    (access_host())
 *   rate limit       every datagram left takes a token, whatever it
 *                    holds: error answers are limited too
 *
 * Only then do the handlers parse it and answer.
 *
 * The epoch both protocols report is the instance's AGE, the seconds since
 * it was created, so it survives a restart of the daemon as the kernel's
 * mappings do. When the mapping state is lost -- the instance was deleted
 * or re-created, the module reloaded (AGE goes back, or the instance was
 * seen missing), or the external address or a setting whose change removes
 * the mappings changed -- the daemon forgets its grants, starts the epoch
 * again from 0, and multicasts the news (RFC 6886 s3.2.1, RFC 6887
 * s14.1.1) to 224.0.0.1:5350 from each listen address: a NAT-PMP external
 * address response and a PCP ANNOUNCE response, ten times at intervals
 * of 250 ms doubling. It announces on start too.
 *
 * SIGINT and SIGTERM end it (exit 0); the mappings stay in the kernel and
 * the next start takes them back (kernel_relearn()). SIGHUP is ignored,
 * with a line said: the configuration is read at start only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#include "natctl.h"
#include "nl.h"
#include "pcpd.h"
#include "natpmp_wire.h"

#define BATCH			64	/* datagrams per socket and wake-up */
#define POLL_MS			1000	/* GET_INSTANCE */
#define ANNOUNCE_COUNT		10
#define ANNOUNCE_FIRST_MS	250
#define RECV_BUF		2048	/* > PCP_MAX_MSG + 4 */
#define SEND_BUF		(PCP_MAX_MSG + 4)
#define LOCAL_MAX		1024	/* the router's addresses kept */
#define LOOP_MAX		16	/* loopback devices kept */
#define LOOPBACK_IFINDEX	1	/* "lo", in every namespace */

struct pcpd_config pcpd_cfg;

static int socks[PCPD_MAX_LISTEN];
static unsigned int nsocks;

/* The instance as last read. */
static struct kinstance inst;
static bool inst_ok;		/* the last read found it */
static bool inst_gone;		/* seen missing since: its state is lost */
static uint64_t inst_read;	/* when inst.age was read */
static uint32_t epoch_base;	/* the AGE the epoch counts from */

static struct {
	unsigned int left;
	uint64_t next;
	uint64_t interval;
} announce;

/* The router's own addresses and loopback devices, as last read. */
static struct {
	uint32_t addr[LOCAL_MAX];
	unsigned int naddr;
	int loop[LOOP_MAX];
	unsigned int nloop;
	bool failed;			/* the last getifaddrs() failed */
	bool truncated;			/* said once */
} local;

static volatile sig_atomic_t stop;
static volatile sig_atomic_t hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		hup = 1;
	else
		stop = 1;
}

uint64_t pcpd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint32_t pcpd_epoch(uint64_t now)
{
	uint64_t age = inst.age + (now - inst_read) / 1000;

	return age > epoch_base ? (uint32_t)(age - epoch_base) : 0;
}

const struct kinstance *pcpd_instance(void)
{
	return inst_ok ? &inst : NULL;
}

static const char *behaviour(uint8_t b)
{
	static const char *const names[] = {
		[CONENAT_ENDPOINT_INDEPENDENT] = "endpoint-independent",
		[CONENAT_ADDRESS_DEPENDENT] = "address-dependent",
		[CONENAT_ADDRESS_PORT_DEPENDENT] = "address-port-dependent",
	};

	return b < ARRAY_SIZE(names) ? names[b] : "?";
}

/* ---- announcements -------------------------------------------------- */

static void announce_start(uint64_t now)
{
	announce.left = ANNOUNCE_COUNT;
	announce.next = now;
	announce.interval = ANNOUNCE_FIRST_MS;
}

static void announce_send(uint64_t now)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = htons(NATPMP_CLIENT_PORT),
		.sin_addr.s_addr = htonl(NATPMP_ANNOUNCE_GROUP),
	};
	uint8_t pcp[PCP_HDR_LEN], pmp[NATPMP_EXTADDR_RESP_LEN];
	uint32_t epoch = pcpd_epoch(now);
	struct in_addr ext = { .s_addr = inst.ext_addr };
	size_t npcp, npmp;
	unsigned int i;

	npcp = pcp_build_announce(pcp, sizeof(pcp), epoch);
	if (inst.ext_addr)
		npmp = natpmp_build_announce(pmp, sizeof(pmp), epoch, &ext);
	else
		npmp = natpmp_build_extaddr(pmp, sizeof(pmp),
					    NATPMP_NETWORK_FAILURE, epoch,
					    NULL);
	/* each protocol's on its own: one failing does not keep the other */
	for (i = 0; i < nsocks; i++) {
		if (sendto(socks[i], pmp, npmp, MSG_DONTWAIT,
			   (struct sockaddr *)&to, sizeof(to)) < 0)
			log_debug("nat-pmp announcement from %s: %s",
				  log_addr(pcpd_cfg.listen[i]),
				  strerror(errno));
		if (sendto(socks[i], pcp, npcp, MSG_DONTWAIT,
			   (struct sockaddr *)&to, sizeof(to)) < 0)
			log_debug("pcp announcement from %s: %s",
				  log_addr(pcpd_cfg.listen[i]),
				  strerror(errno));
	}
	log_debug("announced epoch %u, external address %s", epoch,
		  log_addr(inst.ext_addr));
}

static void announce_tick(uint64_t now)
{
	if (!announce.left || now < announce.next || !inst_ok)
		return;
	announce_send(now);
	announce.left--;
	announce.next = now + announce.interval;
	announce.interval *= 2;
}

/* ---- the instance --------------------------------------------------- */

/* Whether @a and @b list the same internal prefixes, in the same order. */
static bool same_internal(const struct kinstance *a,
			  const struct kinstance *b)
{
	unsigned int i;

	if (a->ninternal != b->ninternal)
		return false;
	for (i = 0; i < a->ninternal; i++)
		if (a->internal[i].addr != b->internal[i].addr ||
		    a->internal[i].len != b->internal[i].len)
			return false;
	return true;
}

/*
 * Why @ki's state is not @old's any more; NULL if it is. The kernel
 * flushes an instance's mappings when its external address, its
 * behaviours, its address range, its port range or its internal prefixes
 * change.
 */
static const char *state_lost(const struct kinstance *old,
			      const struct kinstance *ki, uint64_t now,
			      char *why, size_t len)
{
	uint64_t expected = old->age + (now - inst_read) / 1000;

	if (inst_gone)
		return "the instance was gone";
	if ((uint64_t)ki->age + 2 < expected)
		return "the instance was created again";
	if (ki->ext_addr != old->ext_addr) {
		snprintf(why, len, "the external address changed from %s to %s",
			 log_addr(old->ext_addr), log_addr(ki->ext_addr));
		return why;
	}
	if (!same_internal(old, ki))
		return "the instance's internal prefixes changed";
	if (ki->port_min != old->port_min || ki->port_max != old->port_max) {
		snprintf(why, len, "the port range changed from %u-%u to %u-%u",
			 old->port_min, old->port_max, ki->port_min,
			 ki->port_max);
		return why;
	}
	if (ki->mapping != old->mapping || ki->filtering != old->filtering ||
	    ki->ext_addr_min != old->ext_addr_min ||
	    ki->ext_addr_max != old->ext_addr_max)
		return "the instance's settings changed";
	return NULL;
}

static void instance_tick(uint64_t now)
{
	struct kinstance ki;
	const char *why;
	char buf[96];
	int err;

	err = kernel_instance(&ki);
	if (err) {
		if (inst_ok)
			log_msg("instance \"%s\" is not available: %s",
				pcpd_cfg.instance, kernel_message());
		inst_ok = false;
		if (err == ENOENT || !kernel_present())
			inst_gone = true;
		/* resolve the family again: the module may come back */
		kernel_reset();
		return;
	}
	why = state_lost(&inst, &ki, now, buf, sizeof(buf));
	if (!inst_ok)
		log_msg("instance \"%s\" is available again", pcpd_cfg.instance);
	if (why) {
		grants_flush();
		epoch_base = inst_gone ? 0 : ki.age;
		log_msg("mapping state lost (%s): grants forgotten, epoch starts again",
			why);
		announce_start(now);
	}
	inst = ki;
	inst_read = now;
	inst_ok = true;
	inst_gone = false;
	access_set_instance(&inst);
}

/* ---- the router's own addresses ------------------------------------- */

/*
 * Reads the router's IPv4 addresses and loopback devices again, the first
 * LOCAL_MAX and LOOP_MAX of them. When it cannot, the last ones read stay;
 * 127/8 and lo (LOOPBACK_IFINDEX) are the router's whatever it read.
 */
static void local_tick(void)
{
	struct ifaddrs *ifa, *a;
	bool truncated = false;

	if (getifaddrs(&ifa) < 0) {
		if (!local.failed)
			log_msg("cannot read the router's addresses: %s",
				strerror(errno));
		local.failed = true;
		return;
	}
	local.failed = false;
	local.naddr = 0;
	local.nloop = 0;
	for (a = ifa; a; a = a->ifa_next) {
		if (!a->ifa_addr)
			continue;
		if (a->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *sin =
				(const struct sockaddr_in *)a->ifa_addr;

			if (local.naddr < LOCAL_MAX)
				local.addr[local.naddr++] =
					sin->sin_addr.s_addr;
			else
				truncated = true;
		} else if (a->ifa_addr->sa_family == AF_PACKET &&
			   (a->ifa_flags & IFF_LOOPBACK)) {
			/* glibc: a device's index in its AF_PACKET entry */
			const struct sockaddr_ll *sll =
				(const struct sockaddr_ll *)a->ifa_addr;

			if (local.nloop < LOOP_MAX)
				local.loop[local.nloop++] = sll->sll_ifindex;
			else
				truncated = true;
		}
	}
	freeifaddrs(ifa);
	if (truncated && !local.truncated)
		log_msg("the router has more than %d addresses or %d loopback devices: only the first are known as its own",
			LOCAL_MAX, LOOP_MAX);
	local.truncated = truncated;
}

/*
 * Why a datagram from @src that came in on @ifindex (0: no IP_PKTINFO) is
 * dropped without an answer; NULL when it may be served. Only a host of
 * the instance's inside is answered at all: not the outside (the external
 * device), not the router itself, not an address the instance does not
 * translate.
 */
static const char *refused_source(uint32_t src, int ifindex)
{
	unsigned int i;

	if (ifindex <= 0)
		return "no IP_PKTINFO";
	if (inst.ifindex && (uint32_t)ifindex == inst.ifindex)
		return "on the external device";
	if (ifindex == LOOPBACK_IFINDEX)
		return "on a loopback device";
	for (i = 0; i < local.nloop; i++)
		if (ifindex == local.loop[i])
			return "on a loopback device";
	if ((ntohl(src) >> 24) == 127)
		return "from a loopback address";
	for (i = 0; i < local.naddr; i++)
		if (src == local.addr[i])
			return "from an address of the router's";
	if (!access_host(src, ifindex))
		return "from outside the instance's internal prefixes";
	return NULL;
}

/* ---- sockets -------------------------------------------------------- */

static int listen_on(uint32_t addr)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(PCP_SERVER_PORT),
		.sin_addr.s_addr = addr,
	};
	struct in_addr mif = { .s_addr = addr };
	int one = 1, ttl = 1;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_msg("cannot open a UDP socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_msg("cannot listen on %s:%d: %s", log_addr(addr),
			PCP_SERVER_PORT, strerror(errno));
		close(fd);
		return -1;
	}
	/* announcements leave from the address's device */
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mif,
		       sizeof(mif)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
		       sizeof(ttl)) < 0) {
		log_msg("cannot set up the socket of %s: %s", log_addr(addr),
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A source no response may go to. */
static bool bad_source(const struct sockaddr_in *from)
{
	uint32_t h = ntohl(from->sin_addr.s_addr);

	return from->sin_family != AF_INET || !from->sin_port || !h ||
	       h == 0xffffffffU || (h >> 28) == 0xe;
}

/*
 * Reads and answers up to BATCH datagrams of socket @i: the interface and
 * the source checked (refused_source()), the rate limit charged, then the
 * handler of the version byte.
 */
static void serve_socket(unsigned int i)
{
	static uint8_t buf[RECV_BUF];
	static uint8_t out[SEND_BUF];
	unsigned int n;

	for (n = 0; n < BATCH && !stop; n++) {
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct sockaddr_in from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf,
			.msg_controllen = sizeof(cbuf),
		};
		struct pcpd_packet p = { .buf = buf };
		struct cmsghdr *cm;
		const char *why;
		size_t len;
		ssize_t got;

		got = recvmsg(socks[i], &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("receive on %s: %s",
					  log_addr(pcpd_cfg.listen[i]),
					  strerror(errno));
			return;
		}
		if (mh.msg_namelen < sizeof(from) || bad_source(&from) || !got)
			continue;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			struct in_pktinfo pi;

			if (cm->cmsg_level != IPPROTO_IP ||
			    cm->cmsg_type != IP_PKTINFO ||
			    cm->cmsg_len < CMSG_LEN(sizeof(pi)))
				continue;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			p.ifindex = pi.ipi_ifindex;
		}
		/* the real length (MSG_TRUNC), but never past the buffer */
		len = (size_t)got < sizeof(buf) ? (size_t)got : sizeof(buf);
		p.len = len;
		p.src_addr = from.sin_addr.s_addr;
		p.src_port = ntohs(from.sin_port);
		p.now = pcpd_now();
		why = refused_source(p.src_addr, p.ifindex);
		if (why) {
			log_debug("datagram from %s:%u %s: dropped",
				  log_addr(p.src_addr), p.src_port, why);
			continue;
		}
		/* every datagram, before its form is known: errors too */
		if (!ratelimit_allow(p.src_addr, p.now)) {
			log_debug("datagram from %s:%u over the rate: dropped",
				  log_addr(p.src_addr), p.src_port);
			continue;
		}
		if (buf[0] == NATPMP_VERSION)
			len = natpmp_handle(&p, out, sizeof(out));
		else
			len = pcp_handle(&p, out, sizeof(out));
		if (len && sendto(socks[i], out, len, MSG_DONTWAIT,
				  (struct sockaddr *)&from, sizeof(from)) < 0)
			log_debug("send to %s:%u: %s", log_addr(p.src_addr),
				  p.src_port, strerror(errno));
	}
}

/* ---- start ---------------------------------------------------------- */

static int relearn_one(const struct kmapping *m, void *arg)
{
	grants_relearn(m, *(uint64_t *)arg);
	return 0;
}

/* Exit status 2 for a failure of kernel_open(), said the kernel's way. */
static int open_failed(void)
{
	log_msg("%s", kernel_message());
	return NATCTL_EXIT_FAIL;
}

static int start(void)
{
	uint64_t now;
	unsigned int i;
	int err;

	err = kernel_open(pcpd_cfg.instance, &inst);
	if (err)
		return open_failed();
	now = pcpd_now();
	inst_read = now;
	inst_ok = true;
	access_init(&pcpd_cfg);
	access_set_instance(&inst);
	local_tick();
	if (grants_init(pcpd_cfg.quota) ||
	    ratelimit_init(pcpd_cfg.rate, pcpd_cfg.burst)) {
		log_msg("out of memory");
		return NATCTL_EXIT_FAIL;
	}
	for (i = 0; i < pcpd_cfg.nlisten; i++) {
		int fd = listen_on(pcpd_cfg.listen[i]);

		if (fd < 0)
			return NATCTL_EXIT_FAIL;
		socks[nsocks++] = fd;
	}
	err = kernel_relearn(relearn_one, &now);
	if (err)
		log_msg("cannot read the instance's mappings back: %s",
			kernel_message());
	log_msg("serving instance \"%s\" (external %s, mapping %s, filtering %s) on %u address%s, epoch %u, %u mapping%s taken back",
		pcpd_cfg.instance, log_addr(inst.ext_addr),
		behaviour(inst.mapping), behaviour(inst.filtering),
		pcpd_cfg.nlisten, pcpd_cfg.nlisten == 1 ? "" : "es",
		pcpd_epoch(now), grants_count(),
		grants_count() == 1 ? "" : "s");
	announce_start(now);
	return 0;
}

static void finish(void)
{
	unsigned int i;

	for (i = 0; i < nsocks; i++)
		close(socks[i]);
	nsocks = 0;
	grants_fini();
	ratelimit_fini();
	nl_fini();
}

/* ---- the loop ------------------------------------------------------- */

static int run(void)
{
	struct pollfd pfd[PCPD_MAX_LISTEN];
	sigset_t block, wait_mask;
	struct sigaction sa;
	uint64_t next_poll = pcpd_now() + POLL_MS;
	unsigned int i;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGHUP);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	for (i = 0; i < nsocks; i++)
		pfd[i] = (struct pollfd){ .fd = socks[i], .events = POLLIN };

	while (!stop) {
		uint64_t now = pcpd_now(), wake = next_poll;
		struct timespec ts;

		if (announce.left && inst_ok && announce.next < wake)
			wake = announce.next;
		wake = wake > now ? wake - now : 0;
		ts.tv_sec = (time_t)(wake / 1000);
		ts.tv_nsec = (long)(wake % 1000) * 1000000;
		if (ppoll(pfd, nsocks, &ts, &wait_mask) < 0 && errno != EINTR) {
			log_msg("cannot wait for requests: %s", strerror(errno));
			return NATCTL_EXIT_FAIL;
		}
		if (stop)
			break;
		if (hup) {
			hup = 0;
			log_msg("SIGHUP ignored: restart the service to reread the configuration");
		}
		for (i = 0; i < nsocks; i++)
			if (pfd[i].revents & (POLLIN | POLLERR))
				serve_socket(i);
		now = pcpd_now();
		if (now >= next_poll) {
			instance_tick(now);
			local_tick();
			grants_expire(now);
			next_poll = now + POLL_MS;
		}
		announce_tick(now);
	}
	log_msg("stopping; the mappings stay until their lifetimes end");
	return 0;
}

int main(int argc, char **argv)
{
	int status;

	status = config_load(argc, argv, &pcpd_cfg);
	if (status)
		return status < 0 ? 0 : status;
	log_verbose(pcpd_cfg.verbose);
	/* nor does SIGHUP end the start; run() says so of each one */
	signal(SIGHUP, SIG_IGN);
	if (pcpd_cfg.netns) {
		status = nl_netns_enter(pcpd_cfg.netns);
		if (status)
			return status;
	}
	status = start();
	if (!status)
		status = run();
	finish();
	return status;
}
