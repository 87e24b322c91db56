// SPDX-License-Identifier: GPL-2.0
/*
 * The conenat NAT selftests' test network: see cn_topo.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "cn_topo.h"

static const char *const cn_ns_suffix[CN_NS_NUM] = {
	[CN_R] = "r", [CN_IN1] = "in1", [CN_IN2] = "in2",
	[CN_OUT] = "out", [CN_OUT2] = "out2", [CN_R2] = "r2",
};

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_until_ms(long long deadline_ms)
{
	long long left;

	while ((left = deadline_ms - now_ms()) > 0) {
		struct timespec ts = {
			.tv_sec = left / 1000,
			.tv_nsec = (left % 1000) * 1000000,
		};

		nanosleep(&ts, NULL);
	}
}

uint32_t ip4(const char *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, addr, &a) != 1)
		return 0;
	return a.s_addr;
}

const char *sa_str(const struct sockaddr_in *sin)
{
	static char bufs[4][32];
	static int next;
	char *b = bufs[next++ % 4];
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	snprintf(b, sizeof(bufs[0]), "%s:%u", a, ntohs(sin->sin_port));
	return b;
}

/*
 * Run "ip [-n NS] [-force] -b -" with @cmds on its standard input, without a
 * shell. Returns ip's exit status.
 */
static int ip_batch(const char *ns, bool force, const char *cmds)
{
	const char *argv[8];
	int argc = 0, p[2], status;
	size_t len = strlen(cmds), off = 0;
	pid_t pid;

	argv[argc++] = "ip";
	if (ns) {
		argv[argc++] = "-n";
		argv[argc++] = ns;
	}
	if (force)
		argv[argc++] = "-force";
	argv[argc++] = "-b";
	argv[argc++] = "-";
	argv[argc] = NULL;

	if (pipe(p))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[0], 0);
		/* keep ip's chatter out of the TAP stream */
		dup2(2, 1);
		close(p[0]);
		close(p[1]);
		execvp("ip", (char **)argv);
		_exit(127);
	}
	close(p[0]);
	while (off < len) {
		ssize_t n = write(p[1], cmds + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int topo_enter(struct cn_topo *t, enum cn_ns ns)
{
	if (t->fd[ns] < 0)
		return -ENOENT;
	return setns(t->fd[ns], CLONE_NEWNET) ? -errno : 0;
}

int topo_leave(struct cn_topo *t)
{
	return setns(t->home, CLONE_NEWNET) ? -errno : 0;
}

static int topo_open_ns(struct cn_topo *t, enum cn_ns ns)
{
	char path[64];

	snprintf(path, sizeof(path), "/run/netns/%s", t->name[ns]);
	t->fd[ns] = open(path, O_RDONLY | O_CLOEXEC);
	return t->fd[ns] < 0 ? -errno : 0;
}

static int topo_sysctl(struct cn_topo *t, enum cn_ns ns, const char *path,
		       const char *val)
{
	int fd, err = 0;

	err = topo_enter(t, ns);
	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		err = -errno;
	if (fd >= 0)
		close(fd);
	topo_leave(t);
	return err;
}

int topo_udp(struct cn_topo *t, enum cn_ns ns, const char *addr,
	     uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = addr ? ip4(addr) : INADDR_ANY,
	};
	int fd;

	if (topo_enter(t, ns))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	topo_leave(t);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

int topo_genl(struct cn_topo *t, enum cn_ns ns, struct cn_sock *s)
{
	int err;

	err = topo_enter(t, ns);
	if (err)
		return err;
	err = cn_open(s);
	topo_leave(t);
	return err;
}

uint16_t sock_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return 0;
	return ntohs(sin.sin_port);
}

int udp_send(int fd, const char *addr, uint16_t port, const char *msg)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = ip4(addr),
	};

	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sin,
		   sizeof(sin)) < 0)
		return -errno;
	return 0;
}

static ssize_t udp_recv_until(int fd, long long deadline, char *buf,
			      size_t len, struct sockaddr_in *from)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	socklen_t flen = sizeof(*from);
	long long left;
	ssize_t n;

	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -ETIMEDOUT;
		flen = sizeof(*from);
		n = recvfrom(fd, buf, len - 1, MSG_DONTWAIT,
			     (struct sockaddr *)from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNREFUSED)
				continue;
			return -errno;
		}
		buf[n] = '\0';
		return n;
	}
}

int udp_expect(int fd, const char *msg, int timeout_ms,
	       struct sockaddr_in *from)
{
	long long deadline = now_ms() + timeout_ms;
	struct sockaddr_in sin;
	int skipped = 0;
	char buf[512];

	for (;;) {
		ssize_t n = udp_recv_until(fd, deadline, buf, sizeof(buf), &sin);

		if (n < 0)
			return (int)n;
		if (!strcmp(buf, msg)) {
			if (from)
				*from = sin;
			return 0;
		}
		if (skipped++ < 3)
			fprintf(stderr, "# (skipped an unexpected datagram \"%s\" from %s)\n",
				buf, sa_str(&sin));
	}
}

int udp_arrives(int fd, int timeout_ms, char *got, size_t len,
		struct sockaddr_in *from)
{
	struct sockaddr_in sin;
	char buf[512];
	ssize_t n;

	n = udp_recv_until(fd, now_ms() + timeout_ms, buf, sizeof(buf), &sin);
	if (n < 0)
		return 0;
	if (got && len)
		snprintf(got, len, "%.*s", (int)(len - 1), buf);
	if (from)
		*from = sin;
	return 1;
}

void udp_drain(int fd)
{
	char buf[512];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno == EINTR ||
	       errno == ECONNREFUSED)
		;
}

static void topo_names(struct cn_topo *t, const char *tag)
{
	int i;

	for (i = 0; i < CN_NS_NUM; i++) {
		snprintf(t->name[i], sizeof(t->name[i]), "cn%s%d-%s", tag,
			 (int)getpid(), cn_ns_suffix[i]);
		t->fd[i] = -1;
	}
}

/* Router batch: one veth pair per link, the far ends in the leaves. */
static int topo_router(struct cn_topo *t)
{
	char cmds[2048];

	snprintf(cmds, sizeof(cmds),
		 "link set lo up\n"
		 "link add lan1 type veth peer name eth0 netns %s\n"
		 "link add lan2 type veth peer name eth0 netns %s\n"
		 "link add wan type veth peer name eth0 netns %s\n"
		 "link add wan2 type veth peer name eth0 netns %s\n"
		 "addr add " CN_LAN1_ADDR "/24 dev lan1\n"
		 "addr add " CN_LAN2_ADDR "/24 dev lan2\n"
		 "addr add " CN_WAN_ADDR "/24 dev wan\n"
		 "addr add " CN_WAN2_ADDR "/24 dev wan2\n"
		 "link set lan1 up\n"
		 "link set lan2 up\n"
		 "link set wan up\n"
		 "link set wan2 up\n",
		 t->name[CN_IN1], t->name[CN_IN2], t->name[CN_OUT],
		 t->name[CN_OUT2]);
	return ip_batch(t->name[CN_R], false, cmds);
}

static int topo_leaf(struct cn_topo *t, enum cn_ns ns, const char *addrs,
		     const char *gw)
{
	char cmds[1024], *p = cmds;
	const char *a = addrs, *sp;

	p += sprintf(p, "link set lo up\n");
	/* @addrs: space-separated; the first is primary */
	while (*a) {
		sp = strchr(a, ' ');
		p += sprintf(p, "addr add %.*s/24 dev eth0\n",
			     (int)(sp ? sp - a : (int)strlen(a)), a);
		if (!sp)
			break;
		a = sp + 1;
	}
	p += sprintf(p, "link set eth0 up\n");
	if (gw)
		p += sprintf(p, "route add default via %s\n", gw);
	return ip_batch(t->name[ns], false, cmds);
}

struct probe {
	enum cn_ns ns;
	const char *addr;
	int fd;
	bool seen;
};

/*
 * Every link carries traffic once the router reaches each leaf address:
 * links up, qdiscs attached, neighbours resolvable.
 */
static int topo_wait_ready(struct cn_topo *t, int timeout_ms)
{
	struct probe probes[] = {
		{ .ns = CN_IN1, .addr = CN_IN1_ADDR },
		{ .ns = CN_IN2, .addr = CN_IN2_ADDR },
		{ .ns = CN_OUT, .addr = CN_PEER_A },
		{ .ns = CN_OUT, .addr = CN_PEER_B },
		{ .ns = CN_OUT2, .addr = CN_PEER_C },
	};
	long long deadline = now_ms() + timeout_ms;
	int n = sizeof(probes) / sizeof(probes[0]), i, left = n, rfd, err = -1;
	char buf[512];

	rfd = topo_udp(t, CN_R, NULL, 0);
	if (rfd < 0)
		return -1;
	for (i = 0; i < n; i++)
		probes[i].fd = topo_udp(t, probes[i].ns, probes[i].addr, 7777);
	for (i = 0; i < n; i++)
		if (probes[i].fd < 0)
			goto out;

	while (left && now_ms() < deadline) {
		for (i = 0; i < n; i++)
			if (!probes[i].seen)
				udp_send(rfd, probes[i].addr, 7777, "probe");
		for (i = 0; i < n; i++) {
			if (probes[i].seen)
				continue;
			if (udp_arrives(probes[i].fd, 50, buf,
					sizeof(buf), NULL)) {
				probes[i].seen = true;
				left--;
			}
		}
	}
	err = left ? -1 : 0;
	if (err) {
		for (i = 0; i < n; i++)
			if (!probes[i].seen)
				snprintf(t->err, sizeof(t->err),
					 "router cannot reach %s in %d ms",
					 probes[i].addr, timeout_ms);
	}
out:
	for (i = 0; i < n; i++)
		if (probes[i].fd >= 0)
			close(probes[i].fd);
	close(rfd);
	return err;
}

int topo_create(struct cn_topo *t, const char *tag)
{
	char cmds[1024], *p = cmds;
	int i;

	memset(t, 0, sizeof(*t));
	topo_names(t, tag ? tag : "");
	t->home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (t->home < 0) {
		snprintf(t->err, sizeof(t->err), "cannot open /proc/self/ns/net: %s",
			 strerror(errno));
		return -1;
	}

	for (i = 0; i < CN_NS_NUM; i++)
		if (i != CN_R2)
			p += sprintf(p, "netns add %s\n", t->name[i]);
	if (ip_batch(NULL, false, cmds)) {
		snprintf(t->err, sizeof(t->err), "ip netns add failed (is iproute2 installed?)");
		goto err;
	}
	for (i = 0; i < CN_NS_NUM; i++) {
		if (i != CN_R2 && topo_open_ns(t, i)) {
			snprintf(t->err, sizeof(t->err), "cannot open netns %s",
				 t->name[i]);
			goto err;
		}
	}
	if (topo_router(t)) {
		snprintf(t->err, sizeof(t->err), "router setup failed");
		goto err;
	}
	if (topo_leaf(t, CN_IN1, CN_IN1_ADDR, CN_LAN1_ADDR) ||
	    topo_leaf(t, CN_IN2, CN_IN2_ADDR, CN_LAN2_ADDR) ||
	    topo_leaf(t, CN_OUT, CN_PEER_A " " CN_PEER_B, NULL) ||
	    topo_leaf(t, CN_OUT2, CN_PEER_C, NULL)) {
		snprintf(t->err, sizeof(t->err), "leaf setup failed");
		goto err;
	}
	if (topo_sysctl(t, CN_R, "/proc/sys/net/ipv4/ip_forward", "1")) {
		snprintf(t->err, sizeof(t->err), "cannot enable forwarding");
		goto err;
	}
	if (topo_wait_ready(t, 10000))
		goto err;
	return 0;

err:
	topo_destroy(t);
	return -1;
}

int topo_add_r2(struct cn_topo *t, const char *ifname)
{
	char cmds[256];

	snprintf(cmds, sizeof(cmds), "netns add %s\n", t->name[CN_R2]);
	if (ip_batch(NULL, false, cmds) || topo_open_ns(t, CN_R2))
		return -1;
	snprintf(cmds, sizeof(cmds),
		 "link set lo up\n"
		 "link add %s type dummy\n"
		 "addr add " CN_WAN_ADDR "/24 dev %s\n"
		 "link set %s up\n", ifname, ifname, ifname);
	return ip_batch(t->name[CN_R2], false, cmds) ? -1 : 0;
}

void topo_destroy(struct cn_topo *t)
{
	char cmds[1024], *p = cmds;
	int i;

	if (!t->name[0][0])
		return;
	for (i = 0; i < CN_NS_NUM; i++) {
		char path[64];

		if (t->fd[i] >= 0)
			close(t->fd[i]);
		t->fd[i] = -1;
		snprintf(path, sizeof(path), "/run/netns/%s", t->name[i]);
		if (!access(path, F_OK))
			p += sprintf(p, "netns del %s\n", t->name[i]);
	}
	/* -force: go on past a namespace that cannot be removed */
	if (p != cmds)
		ip_batch(NULL, true, cmds);
	if (t->home >= 0)
		close(t->home);
	t->home = -1;
	t->name[0][0] = '\0';
}

static int vrun(struct cn_topo *t, enum cn_ns ns, const char *prefix,
		const char *fmt, va_list ap)
{
	char cmd[1024];
	int n, status;

	n = snprintf(cmd, sizeof(cmd), prefix, t->name[ns]);
	vsnprintf(cmd + n, sizeof(cmd) - n, fmt, ap);
	fflush(stdout);
	fflush(stderr);
	status = system(cmd);
	if (status < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int topo_ip(struct cn_topo *t, enum cn_ns ns, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vrun(t, ns, "ip -n %s ", fmt, ap);
	va_end(ap);
	return ret;
}

int topo_sh(struct cn_topo *t, enum cn_ns ns, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vrun(t, ns, "NS=%s; ", fmt, ap);
	va_end(ap);
	return ret;
}
