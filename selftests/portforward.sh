#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The administrator's port forwards come first (nftables dnat), whatever
# conenat's instance on the same device, seen on the wire:
#  - a TCP connection from the outside to 198.51.100.1:8080 reaches the
#    inside server 10.0.1.2:80, which sees the outside address, and the
#    reply comes back;
#  - a UDP datagram to 198.51.100.1:5000 reaches 10.0.1.2:5000 from the
#    outside sender, and the answer comes back from 198.51.100.1:5000;
#  - conenat still decides the rest: the inside host's own flow out leaves
#    from its port-preserved external endpoint, and an unsolicited datagram
#    to a port in the range that no rule forwards is dropped and counted.
# Once with an instance of each type, and with no instance at all (the
# baseline, masquerade's behaviour).
#
#   inside (in)              router (rt)                        outside (out)
#  +-------------+        +-------------------------------+        +----------------+
#  | 10.0.1.2    |--veth--| lan 10.0.1.1                  |--veth--| 198.51.100.10  |
#  | tcp :80     |        | wan 198.51.100.1  "home"      |        | client         |
#  | udp :5000   |        | nft: 8080/tcp -> 10.0.1.2:80  |        | udp :7000 logs |
#  +-------------+        |      5000/udp -> 10.0.1.2:5000|        +----------------+
#                         +-------------------------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
n_in=cn-pf-in-$sfx
n_rt=cn-pf-rt-$sfx
n_out=cn-pf-out-$sfx
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
	ip link add pfv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name pfv1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev pfv0 &&
	ip -n "$n_in" link set pfv0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$n_out" addr add 198.51.100.10/24 dev pfv1 &&
	ip -n "$n_out" link set pfv1 up || return 1
	# the administrator's port forwards, as in the issue
	ip netns exec "$n_rt" nft -f - <<-'EOF' || return 1
	table ip pf {
		chain pre {
			type nat hook prerouting priority dstnat;
			iifname "wan" tcp dport 8080 dnat to 10.0.1.2:80
			iifname "wan" udp dport 5000 dnat to 10.0.1.2:5000
		}
	}
	EOF
	# the inside server: TCP answers with the peer it sees
	ip netns exec "$n_in" socat TCP4-LISTEN:80,bind=10.0.1.2,fork,reuseaddr \
		SYSTEM:'echo "hello $SOCAT_PEERADDR"' >"$tmp/tcp.log" 2>&1 &
	ip netns exec "$n_in" python3 "$udp" serve 10.0.1.2:5000 \
		>"$tmp/in.log" 2>&1 &
	ip netns exec "$n_out" python3 "$udp" serve 198.51.100.10:7000 \
		>"$tmp/out.log" 2>&1 &
	wait_for 20 grep -q ready "$tmp/in.log" &&
	wait_for 20 grep -q ready "$tmp/out.log" ||
		{ echo "the UDP servers did not come up"; return 1; }
	wait_for 20 tcp_listening ||
		{ echo "the TCP server did not come up"; return 1; }
}

tcp_listening() {
	ip netns exec "$n_in" ss -ltnH 'sport = :80' | grep -q .
}

# tcp_forward: the outside connects to 198.51.100.1:8080.
tcp_forward() {
	local got
	got=$(ip netns exec "$n_out" socat -T 5 - TCP4:198.51.100.1:8080,connect-timeout=5 \
		</dev/null 2>&1)
	[ "$got" = "hello 198.51.100.10" ] ||
		{ echo "TCP to 198.51.100.1:8080 got: '$got'"; return 1; }
}

# udp_forward TAG: the outside sends to 198.51.100.1:5000 from port 7100.
udp_forward() {
	local got
	got=$(ip netns exec "$n_out" python3 "$udp" ask 198.51.100.10:7100 \
		198.51.100.1:5000 "$1")
	[ "$got" = "198.51.100.1:5000 echo $1" ] ||
		{ echo "UDP to 198.51.100.1:5000 answered: '$got'"; return 1; }
	grep -q "^198.51.100.10:7100 $1\$" "$tmp/in.log" ||
		{ echo "10.0.1.2:5000 did not see $1 from 198.51.100.10:7100"; return 1; }
}

# conenat_out TAG: the inside host's own flow leaves through conenat.
conenat_out() {
	local got
	got=$(ip netns exec "$n_in" python3 "$udp" ask 10.0.1.2:6000 \
		198.51.100.10:7000 "$1")
	[ "$got" = "198.51.100.10:7000 echo $1" ] ||
		{ echo "the inside host's own flow: '$got'"; return 1; }
	grep -q "^198.51.100.1:6000 $1\$" "$tmp/out.log" ||
		{ echo "the outside did not see $1 from 198.51.100.1:6000"; return 1; }
}

# unsolicited TAG: a datagram to 198.51.100.1:6500 (in the range, no rule,
# no mapping) reaches nobody, and conenat counts it.
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

# with TYPE: the forwards, conenat's own flow and its filter under TYPE.
with() {
	local rc=0
	nc instance add home dev wan type "$1" || return 1
	tcp_forward || rc=1
	[ $rc = 0 ] && { udp_forward "u-$1" || rc=1; }
	[ $rc = 0 ] && { conenat_out "o-$1" || rc=1; }
	[ $rc = 0 ] && { unsolicited "x-$1" || rc=1; }
	nc instance del home || rc=1
	# the flows of this round go with it
	ip netns exec "$n_rt" conntrack -F >/dev/null 2>&1
	return $rc
}

baseline() {
	tcp_forward && udp_forward u-none
}

tap_begin
for tool in python3 socat nft jq conntrack ss; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "port forwards: $tool missing (scripts/deps.sh)"
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

tap_check "port forwards without conenat: TCP 8080 and UDP 5000 reach 10.0.1.2" baseline
for type in full-cone restricted-cone port-restricted-cone symmetric; do
	tap_check "port forwards with a $type instance on the device: TCP and UDP forwarded, conenat's own flow and filter as before" \
		with "$type"
done
tap_done
