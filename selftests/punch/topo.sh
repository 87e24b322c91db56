# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The two-router network of the hole-punching tests (selftests/punch.sh,
# selftests/wireguard.sh) and of scripts/demo.sh, sourced by them:
#
#                      "internet" (PT_NET): bridge br0
#                      198.51.100.100  rendezvous server
#                      198.51.100.10, .11  (STUN, demo only)
#                 +-----------------+-----------------+
#                 |                                   |
#       wan 198.51.100.1                    wan 198.51.100.2
#      +------------------+               +------------------+
#      | router A (PT_RA) |               | router B (PT_RB) |
#      | conenat "nat"    |               | conenat "nat"    |
#      +------------------+               +------------------+
#       lan 10.0.1.1 (bridge)               lan 10.0.2.1
#          |            |                        |
#   host A 10.0.1.2  host A2 10.0.1.3     host B 10.0.2.2
#     (PT_HA)          (PT_HA2)              (PT_HB)
#
# Hosts route everything through their router; the routers and the
# internet know nothing of 10.0.0.0/8, so the hosts reach each other only
# through the NATs. Each namespace's name is "cn-TAG-ROLE-PID".
#
# Source selftests/lib.sh (wait_for) first.
#
# pt_names TAG     set PT_NET PT_RA PT_RB PT_HA PT_HA2 PT_HB
# pt_setup         build it and wait until every link carries traffic
# pt_destroy       remove every namespace (safe on a partial setup)

pt_names() {
	PT_NET=cn-$1-net-$$
	PT_RA=cn-$1-ra-$$
	PT_RB=cn-$1-rb-$$
	PT_HA=cn-$1-ha-$$
	PT_HA2=cn-$1-ha2-$$
	PT_HB=cn-$1-hb-$$
	PT_ALL="$PT_NET $PT_RA $PT_RB $PT_HA $PT_HA2 $PT_HB"
}

pt_destroy() {
	local n
	for n in $PT_ALL; do
		ip netns del "$n" 2>/dev/null
	done
	return 0
}

# Each namespace is configured by one "ip -b" (a program start costs up to
# a second under emulation on a loaded machine).
pt_setup() {
	ip -b - <<-EOF || return 1
		netns add $PT_NET
		netns add $PT_RA
		netns add $PT_RB
		netns add $PT_HA
		netns add $PT_HA2
		netns add $PT_HB
		link add wan netns $PT_RA type veth peer name ra netns $PT_NET
		link add wan netns $PT_RB type veth peer name rb netns $PT_NET
		link add eth0 netns $PT_HA type veth peer name ha netns $PT_RA
		link add eth0 netns $PT_HA2 type veth peer name ha2 netns $PT_RA
		link add eth0 netns $PT_HB type veth peer name lan netns $PT_RB
	EOF
	# the internet: one bridge, the rendezvous address on it
	ip -n "$PT_NET" -b - <<-EOF || return 1
		link set lo up
		link add br0 type bridge
		addr add 198.51.100.100/24 dev br0
		link set br0 up
		link set ra master br0
		link set rb master br0
		link set ra up
		link set rb up
	EOF
	# router A: its lan is a bridge with hosts A and A2 on it
	ip -n "$PT_RA" -b - <<-EOF || return 1
		link set lo up
		addr add 198.51.100.1/24 dev wan
		link set wan up
		link add lan type bridge
		addr add 10.0.1.1/24 dev lan
		link set lan up
		link set ha master lan
		link set ha2 master lan
		link set ha up
		link set ha2 up
	EOF
	ip -n "$PT_RB" -b - <<-EOF || return 1
		link set lo up
		addr add 198.51.100.2/24 dev wan
		link set wan up
		addr add 10.0.2.1/24 dev lan
		link set lan up
	EOF
	pt_host "$PT_HA" 10.0.1.2 10.0.1.1 && pt_host "$PT_HA2" 10.0.1.3 10.0.1.1 &&
	pt_host "$PT_HB" 10.0.2.2 10.0.2.1 || return 1
	ip netns exec "$PT_RA" sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec "$PT_RB" sysctl -qw net.ipv4.ip_forward=1 || return 1

	# every link carries traffic (bridge ports forward, neighbours answer)
	pt_wait_ping "$PT_HA" 10.0.1.1 && pt_wait_ping "$PT_HA2" 10.0.1.1 &&
	pt_wait_ping "$PT_HB" 10.0.2.1 &&
	pt_wait_ping "$PT_NET" 198.51.100.1 && pt_wait_ping "$PT_NET" 198.51.100.2
}

pt_host() { # NS ADDR GATEWAY
	ip -n "$1" -b - <<-EOF
		link set lo up
		addr add $2/24 dev eth0
		link set eth0 up
		route add default via $3
	EOF
}

# pt_wait_ping NS ADDR: poll until ADDR answers a ping from NS (20 s at most)
pt_wait_ping() {
	wait_for 20 ip netns exec "$1" ping -c 1 -W 1 -q "$2" && return 0
	echo "no ping from $1 to $2"
	ip -n "$1" addr
	ip -n "$1" neigh
	return 1
}
