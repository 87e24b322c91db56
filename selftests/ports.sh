#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Choosing a new mapping's external port, seen on the wire: a block of taken
# ports longer than the search's tries (512) does not hide the free ports
# past it. The instance's range is 20000-24095; static mappings (port
# forwards) hold its first 3 072 ports in one block. Every new flow must
# still leave from a free port of the range, with port parity off and on,
# and no flow may be refused for want of a port.
#
#   inside (in)              router (rt)                    outside (out)
#  +-------------+        +---------------------------+        +--------------------+
#  | 10.0.1.2    |--veth--| lan 10.0.1.1              |--veth--| 198.51.100.10      |
#  |             |        | wan 198.51.100.1  "home"  |        | sink :7000 logs    |
#  +-------------+        | full-cone, 20000-24095    |        | who reached it     |
#                         +---------------------------+        +--------------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
n_in=cn-po-in-$sfx
n_rt=cn-po-rt-$sfx
n_out=cn-po-out-$sfx
tmp=$(mktemp -d)
lo=20000 hi=24095 taken=3072

cleanup() {
	netns_del_all "$n_in" "$n_rt" "$n_out"
	rm -rf "$tmp"
}
trap cleanup EXIT

nc() {
	"$natctl" -n "$n_rt" "$@"
}

setup() {
	local n
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add pov0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name pov1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev pov0 &&
	ip -n "$n_in" link set pov0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$n_out" addr add 198.51.100.10/24 dev pov1 &&
	ip -n "$n_out" link set pov1 up || return 1
	# logs "FROM-ADDR:PORT PAYLOAD" for every datagram
	ip netns exec "$n_out" python3 "$top/selftests/udp_echo.py" serve \
		198.51.100.10:7000 >"$tmp/sink.log" 2>&1 &
	wait_for 20 grep -q ready "$tmp/sink.log" ||
		{ echo "the sink did not come up"; return 1; }
	nc instance add home dev wan type full-cone ports "$lo-$hi" || return 1
	# the port forwards: 10.1.x.y:5000 -> :20000 ... :23071, one block
	static_batch "$taken" home 5000 "$lo" | sed 's/internal 10\./internal 11./' \
		>"$tmp/batch" &&
	nc -b "$tmp/batch" &&
	[ "$(nc -j instance show home | jq '.[0].mappings')" -eq "$taken" ] ||
		{ echo "the $taken static mappings are not all there"; return 1; }
}

# flows FIRST COUNT STEP PARITY: COUNT flows from 10.0.1.2, source ports
# FIRST, FIRST + STEP, ...; each must reach the sink from the router's
# address and a port past the block, all different, of PARITY (even, odd
# or any).
flows() {
	local i port tag ep eport seen_ports=" "
	for ((i = 0; i < $2; i++)); do
		port=$(($1 + i * $3))
		tag=f$port
		echo "$tag" | ip netns exec "$n_in" socat -u - \
			"UDP4-SENDTO:198.51.100.10:7000,bind=10.0.1.2:$port" 2>/dev/null ||
			{ echo "socat could not send $tag"; return 1; }
		wait_for 10 grep -q " $tag\$" "$tmp/sink.log" ||
			{ echo "10.0.1.2:$port: nothing reached the outside"; return 1; }
		ep=$(sed -n "s/^\(.*\) $tag\$/\1/p" "$tmp/sink.log" | head -n1)
		eport=${ep##*:}
		[ "${ep%:*}" = 198.51.100.1 ] &&
		[ "$eport" -ge $((lo + taken)) ] && [ "$eport" -le "$hi" ] ||
			{ echo "10.0.1.2:$port left as $ep"; return 1; }
		case $4 in
		even) [ $((eport % 2)) -eq 0 ] ;;
		odd) [ $((eport % 2)) -eq 1 ] ;;
		*) true ;;
		esac || { echo "10.0.1.2:$port left as $ep, not $4"; return 1; }
		[[ $seen_ports != *" $eport "* ]] ||
			{ echo "two flows left from port $eport"; return 1; }
		seen_ports+="$eport "
	done
}

no_exhaustion() {
	local n
	n=$(nc -j -s instance show home | jq '.[0].stats.port_exhausted')
	[ "$n" = 0 ] || { echo "port_exhausted: $n"; return 1; }
}

past_block() {
	flows 30000 20 1 any && no_exhaustion
}

past_block_parity() {
	nc instance set home port-parity on &&
	flows 31000 10 2 even && flows 31101 10 2 odd && no_exhaustion
}

tap_begin
for tool in jq socat python3; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "ports: $tool missing (scripts/deps.sh)"
		tap_done
		exit 1
	fi
done
if ! setup >"$tmp/setup.log" 2>&1; then
	sed 's/^/# /' "$tmp/setup.log"
	tap_fail "ports: set up a router with $taken forwarded ports in one block"
	tap_done
	exit 1
fi
tap_check "20 new flows past a block of $taken forwarded ports each leave from a free port of the range" \
	past_block
tap_check "the same with port parity on: 20 flows, each from a free port of its parity" \
	past_block_parity
tap_done
