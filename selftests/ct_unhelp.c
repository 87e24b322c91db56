// SPDX-License-Identifier: GPL-2.0
/*
 * ct_unhelp: remove the helper of one conntrack entry through ctnetlink, as
 * an administrator's tool may (an update whose CTA_HELP names no helper).
 * conntrack(8) has no option for it.
 *
 *   ct_unhelp udp|tcp SRC SPORT DST DPORT
 *
 * The entry is named by its original tuple. Exit 0 when the kernel
 * accepted the update, 1 on bad usage, 2 with the kernel's error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

static int usage(void)
{
	fprintf(stderr, "usage: ct_unhelp udp|tcp SRC SPORT DST DPORT\n");
	return 1;
}

static int port_of(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v > 65535)
		return -1;
	*port = v;
	return 0;
}

int main(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *tuple, *nest;
	struct in_addr src, dst;
	uint16_t sport, dport;
	struct mnl_socket *nl;
	struct nfgenmsg *nfg;
	struct nlmsghdr *nlh;
	unsigned int seq;
	uint8_t proto;
	int ret;

	if (argc != 6)
		return usage();
	if (!strcmp(argv[1], "udp"))
		proto = IPPROTO_UDP;
	else if (!strcmp(argv[1], "tcp"))
		proto = IPPROTO_TCP;
	else
		return usage();
	if (inet_pton(AF_INET, argv[2], &src) != 1 ||
	    port_of(argv[3], &sport) || inet_pton(AF_INET, argv[4], &dst) != 1 ||
	    port_of(argv[5], &dport))
		return usage();

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq = time(NULL);
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;

	tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, src.s_addr);
	mnl_attr_put_u32(nlh, CTA_IP_V4_DST, dst.s_addr);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, tuple);
	/* a helper named "": none */
	nest = mnl_attr_nest_start(nlh, CTA_HELP);
	mnl_attr_put_strz(nlh, CTA_HELP_NAME, "");
	mnl_attr_nest_end(nlh, nest);

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("ct_unhelp: netlink");
		return 2;
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("ct_unhelp: send");
		return 2;
	}
	ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret > 0)
		ret = mnl_cb_run(buf, ret, seq, mnl_socket_get_portid(nl),
				 NULL, NULL);
	if (ret < 0) {
		fprintf(stderr, "ct_unhelp: %s\n", strerror(errno));
		return 2;
	}
	mnl_socket_close(nl);
	return 0;
}
