#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The router's own sockets come first, as under masquerade, seen on the
# wire, with an instance of each type on the external device:
#  - a datagram from the outside to 198.51.100.1:5300 (a UDP socket of the
#    router bound to that address) and to :5301 (one bound to any address)
#    reaches the socket, which answers from the same endpoint; a TCP
#    connection to :2222 (a listener of the router) gets its banner;
#  - an inside host sending from those very port numbers gets other
#    external ports (port preservation passes them over), and the router's
#    sockets still receive afterwards;
#  - an unsolicited datagram to a port in the range where nothing listens
#    is still dropped and counted.
#
#   inside (in)              router (rt)                        outside (out)
#  +-------------+        +-------------------------------+        +----------------+
#  | 10.0.1.2    |--veth--| lan 10.0.1.1                  |--veth--| 198.51.100.10  |
#  |             |        | wan 198.51.100.1  "home"      |        | udp :7000 logs |
#  |             |        | udp 198.51.100.1:5300, *:5301 |        | tcp :7001 logs |
#  +-------------+        | tcp *:2222                    |        +----------------+
#                         +-------------------------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
n_in=cn-rs-in-$sfx
n_rt=cn-rs-rt-$sfx
n_out=cn-rs-out-$sfx
tmp=$(mktemp -d)

cleanup() {
	netns_del_all "$n_in" "$n_rt" "$n_out"
	rm -rf "$tmp"
}
trap cleanup EXIT

nc() {
	"$natctl" -n "$n_rt" "$@"
}

# the UDP endpoints: serve and ask (selftests/udp_echo.py)
udp=$top/selftests/udp_echo.py

setup() {
	local n
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add rsv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name rsv1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev rsv0 &&
	ip -n "$n_in" link set rsv0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$n_out" addr add 198.51.100.10/24 dev rsv1 &&
	ip -n "$n_out" link set rsv1 up || return 1
	# the router's own services
	ip netns exec "$n_rt" python3 "$udp" serve 198.51.100.1:5300 \
		>"$tmp/rt5300.log" 2>&1 &
	ip netns exec "$n_rt" python3 "$udp" serve 0.0.0.0:5301 \
		>"$tmp/rt5301.log" 2>&1 &
	ip netns exec "$n_rt" socat TCP4-LISTEN:2222,fork,reuseaddr \
		SYSTEM:'echo router-ssh' >/dev/null 2>&1 &
	# the outside's servers: who reached them, from where
	ip netns exec "$n_out" python3 "$udp" serve 198.51.100.10:7000 \
		>"$tmp/out.log" 2>&1 &
	ip netns exec "$n_out" socat TCP4-LISTEN:7001,bind=198.51.100.10,fork,reuseaddr \
		SYSTEM:'echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT"' >/dev/null 2>&1 &
	wait_for 20 grep -q ready "$tmp/rt5300.log" &&
	wait_for 20 grep -q ready "$tmp/rt5301.log" &&
	wait_for 20 grep -q ready "$tmp/out.log" &&
	wait_for 20 listening "$n_rt" 2222 &&
	wait_for 20 listening "$n_out" 7001 ||
		{ echo "the servers did not come up"; return 1; }
}

# listening NS PORT: a TCP listener on PORT in NS
listening() {
	ip netns exec "$1" ss -ltnH "sport = :$2" | grep -q .
}

# router_answers PORT TAG: the outside's datagram to 198.51.100.1:PORT is
# answered by the router's socket, from that endpoint.
router_answers() {
	local got
	got=$(ip netns exec "$n_out" python3 "$udp" ask 198.51.100.10:7100 \
		"198.51.100.1:$1" "$2")
	[ "$got" = "198.51.100.1:$1 echo $2" ] ||
		{ echo "198.51.100.1:$1 answered: '$got'"; return 1; }
	grep -q "^198.51.100.10:7100 $2\$" "$tmp/rt$1.log" ||
		{ echo "the router's socket on :$1 did not log $2"; return 1; }
}

router_tcp() {
	local got
	got=$(ip netns exec "$n_out" socat -T 5 - TCP4:198.51.100.1:2222,connect-timeout=5 \
		</dev/null 2>&1)
	[ "$got" = router-ssh ] ||
		{ echo "TCP to 198.51.100.1:2222 got: '$got'"; return 1; }
}

# inside_from PORT TAG: the inside host's datagram from port PORT leaves
# from another external port.
inside_from() {
	local got ep
	got=$(ip netns exec "$n_in" python3 "$udp" ask "10.0.1.2:$1" \
		198.51.100.10:7000 "$2")
	[ "$got" = "198.51.100.10:7000 echo $2" ] ||
		{ echo "the inside host's datagram from :$1: '$got'"; return 1; }
	ep=$(sed -n "s/^\(.*\) $2\$/\1/p" "$tmp/out.log" | head -n1)
	case $ep in
	198.51.100.1:$1 | "")
		echo "the inside host's datagram from :$1 left from '$ep'"
		return 1
		;;
	198.51.100.1:*) ;;
	*)
		echo "the inside host's datagram from :$1 left from '$ep'"
		return 1
		;;
	esac
}

# inside_tcp_from PORT: the inside host's connection from port PORT leaves
# from another external port.
inside_tcp_from() {
	local got
	# one way: the server closes first, so no TIME_WAIT holds the
	# inside port for the next round
	got=$(ip netns exec "$n_in" socat -T 5 -u \
		"TCP4:198.51.100.10:7001,bind=10.0.1.2:$1,connect-timeout=5" - 2>&1)
	case $got in
	198.51.100.1:$1) echo "the inside host's connection from :$1 left from it"; return 1 ;;
	198.51.100.1:*) ;;
	*) echo "the inside host's connection from :$1: '$got'"; return 1 ;;
	esac
}

# unsolicited TAG: a datagram to 198.51.100.1:6500 (in the range, nothing
# there) reaches nobody, and conenat counts it.
unsolicited() {
	local before after got
	before=$(nc -j stats show instance home | jq -r ".[0].stats.in_no_mapping") ||
		return 1
	got=$(ip netns exec "$n_out" python3 "$udp" ask 198.51.100.10:7200 \
		198.51.100.1:6500 "$1")
	[ "$got" = none ] || { echo "198.51.100.1:6500 answered: '$got'"; return 1; }
	after=$(nc -j stats show instance home | jq -r ".[0].stats.in_no_mapping")
	[ "$after" -gt "$before" ] ||
		{ echo "in_no_mapping $before -> $after"; return 1; }
}

# with TYPE: the router's sockets under an instance of TYPE.
with() {
	local rc=0
	nc instance add home dev wan type "$1" || return 1
	router_answers 5300 "a-$1" && router_answers 5301 "b-$1" &&
	router_tcp &&
	inside_from 5300 "c-$1" && inside_from 5301 "d-$1" &&
	inside_tcp_from 2222 &&
	router_answers 5300 "e-$1" && router_answers 5301 "f-$1" &&
	router_tcp && unsolicited "x-$1" || rc=1
	nc instance del home || rc=1
	ip netns exec "$n_rt" conntrack -F >/dev/null 2>&1
	return $rc
}

tap_begin
for tool in python3 socat jq conntrack ss; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "router sockets: $tool missing (scripts/deps.sh)"
		tap_done
		exit 1
	fi
done
if ! setup >"$tmp/setup.log" 2>&1; then
	sed 's/^/# /' "$tmp/setup.log"
	tap_fail "topology set up"
	tap_done
	exit 1
fi

for type in full-cone restricted-cone port-restricted-cone symmetric; do
	tap_check "router sockets under $type: UDP :5300 (its address) and :5301 (any) and TCP :2222 reach the router; inside hosts get other ports" \
		with "$type"
done
tap_done
