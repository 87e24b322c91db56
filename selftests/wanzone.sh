#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A WAN zone as OpenWrt's firewall writes it (an inet table with a forward
# chain that drops what is not established or from lan to wan, and a
# srcnat chain with "oifname wan masquerade") plus a conenat instance on
# the same device, for the hosts of 10.0.1.0/25, seen on the wire:
#  - conenat's mappings win for UDP, TCP and ICMP echo: the flows of
#    10.0.1.2 leave from its port-preserved endpoint, natctl lists their
#    mappings (udp, tcp, icmp), and a second outside host reaches the UDP
#    one unsolicited (full cone; masquerade would not let it in);
#  - masquerade serves the rest: 10.0.1.200, outside the instance's
#    internal prefix, leaves through the masquerade rule (its counter
#    grows), has no conenat mapping, and no stranger reaches it.
#
#   inside (in)             router (rt)                      outside (out)
#  +--------------+       +------------------------------+       +-------------------+
#  | 10.0.1.2     |--veth-| lan 10.0.1.1                 |--veth-| 198.51.100.10     |
#  | 10.0.1.200   |       | wan 198.51.100.1             |       | 198.51.100.11     |
#  | udp :6000    |       | fw4-like ruleset + masquerade |       | udp :7000 logs    |
#  +--------------+       | conenat "home" full-cone,    |       | tcp :7001 logs    |
#                         |   internal 10.0.1.0/25       |       +-------------------+
#                         +------------------------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
n_in=cn-wz-in-$sfx
n_rt=cn-wz-rt-$sfx
n_out=cn-wz-out-$sfx
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
	ip link add wzv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name wzv1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev wzv0 &&
	ip -n "$n_in" addr add 10.0.1.200/24 dev wzv0 &&
	ip -n "$n_in" link set wzv0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$n_out" addr add 198.51.100.10/24 dev wzv1 &&
	ip -n "$n_out" addr add 198.51.100.11/24 dev wzv1 &&
	ip -n "$n_out" link set wzv1 up || return 1
	# the shape of OpenWrt's fw4: a WAN zone that masquerades, and a
	# forward chain that lets in only what is established (or DNATed)
	ip netns exec "$n_rt" nft -f - <<-'EOF' || return 1
	table inet fw4 {
		chain forward {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept
			ct status dnat accept
			iifname "lan" oifname "wan" accept
		}
		chain srcnat {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "wan" counter masquerade
		}
	}
	EOF
	ip netns exec "$n_out" python3 "$udp" serve 198.51.100.10:7000 \
		>"$tmp/out.log" 2>&1 &
	ip netns exec "$n_out" socat TCP4-LISTEN:7001,bind=198.51.100.10,fork,reuseaddr \
		SYSTEM:'echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT"' >/dev/null 2>&1 &
	ip netns exec "$n_in" python3 "$udp" serve 10.0.1.2:6000 \
		>"$tmp/a.log" 2>&1 &
	ip netns exec "$n_in" python3 "$udp" serve 10.0.1.200:6000 \
		>"$tmp/b.log" 2>&1 &
	wait_for 20 grep -q ready "$tmp/out.log" &&
	wait_for 20 grep -q ready "$tmp/a.log" &&
	wait_for 20 grep -q ready "$tmp/b.log" &&
	wait_for 20 listening ||
		{ echo "the servers did not come up"; return 1; }
	nc instance add home dev wan type full-cone internal 10.0.1.0/25
}

listening() {
	ip netns exec "$n_out" ss -ltnH 'sport = :7001' | grep -q .
}

masq_packets() {
	ip netns exec "$n_rt" nft -j list chain inet fw4 srcnat |
		jq '[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | add'
}

# from_outside SRC PORT TAG: a datagram from SRC:7300 to 198.51.100.1:PORT;
# prints the answer as udp_echo.py does.
from_outside() {
	ip netns exec "$n_out" python3 "$udp" ask "$1:7300" \
		"198.51.100.1:$2" "$3"
}

conenat_udp() {
	local got
	# the inside host's server port talks out first: the mapping
	got=$(ip netns exec "$n_in" python3 "$udp" ask 10.0.1.2:6001 \
		198.51.100.10:7000 u1)
	[ "$got" = "198.51.100.10:7000 echo u1" ] ||
		{ echo "10.0.1.2:6001 to the outside: '$got'"; return 1; }
	grep -q "^198.51.100.1:6001 u1\$" "$tmp/out.log" ||
		{ echo "u1 did not come from 198.51.100.1:6001"; cat "$tmp/out.log"; return 1; }
	nc mapping get instance home proto udp internal 10.0.1.2:6001 >/dev/null ||
		{ echo "no conenat mapping for 10.0.1.2:6001"; return 1; }
	# full cone: once the server on 10.0.1.2:6000 talked out, a stranger
	# reaches it
	echo u3 | ip netns exec "$n_in" socat -u - \
		UDP4-SENDTO:198.51.100.10:7000,bind=10.0.1.2:6000,reuseaddr 2>/dev/null
	wait_for 10 grep -q "^198.51.100.1:6000 u3\$" "$tmp/out.log" ||
		{ echo "u3 did not come from 198.51.100.1:6000"; return 1; }
	got=$(from_outside 198.51.100.11 6000 stranger)
	[ "$got" = "198.51.100.1:6000 echo stranger" ] ||
		{ echo "the stranger's datagram to 198.51.100.1:6000: '$got'"; return 1; }
	grep -q "^198.51.100.11:7300 stranger\$" "$tmp/a.log" ||
		{ echo "10.0.1.2:6000 did not get the stranger's datagram"; return 1; }
}

conenat_tcp() {
	local got
	got=$(ip netns exec "$n_in" socat -T 5 -u \
		"TCP4:198.51.100.10:7001,bind=10.0.1.2:6100,connect-timeout=5" - 2>&1)
	[ "$got" = 198.51.100.1:6100 ] ||
		{ echo "10.0.1.2:6100 over TCP arrived as '$got'"; return 1; }
	nc mapping get instance home proto tcp internal 10.0.1.2:6100 >/dev/null ||
		{ echo "no conenat TCP mapping for 10.0.1.2:6100"; return 1; }
}

conenat_icmp() {
	ip netns exec "$n_in" ping -c 1 -W 3 -I 10.0.1.2 198.51.100.10 >/dev/null ||
		{ echo "ping from 10.0.1.2 got no answer"; return 1; }
	nc -j mapping show instance home |
		jq -e 'any(.[]; .proto == "icmp" and .internal_addr == "10.0.1.2")' >/dev/null ||
		{ echo "no conenat ICMP mapping for 10.0.1.2"; nc -j mapping show; return 1; }
}

masquerade_rest() {
	local before after got ep
	before=$(masq_packets) || return 1
	got=$(ip netns exec "$n_in" python3 "$udp" ask 10.0.1.200:6000 \
		198.51.100.10:7000 m1)
	[ "$got" = "198.51.100.10:7000 echo m1" ] ||
		{ echo "10.0.1.200:6000 to the outside: '$got'"; return 1; }
	ep=$(sed -n 's/^\(.*\) m1$/\1/p' "$tmp/out.log" | head -n1)
	case $ep in
	198.51.100.1:*) ;;
	*) echo "m1 came from '$ep'"; return 1 ;;
	esac
	after=$(masq_packets)
	[ "$after" -gt "$before" ] ||
		{ echo "the masquerade rule's counter stayed at $before"; return 1; }
	! nc mapping get instance home proto udp internal 10.0.1.200:6000 >/dev/null 2>&1 ||
		{ echo "conenat mapped 10.0.1.200:6000, outside its internal prefix"; return 1; }
	# masquerade lets no stranger in
	got=$(from_outside 198.51.100.11 "${ep#*:}" m2)
	[ "$got" = none ] || { echo "a stranger reached the masqueraded host: '$got'"; return 1; }
	! grep -q m2 "$tmp/b.log" ||
		{ echo "10.0.1.200 got the stranger's datagram"; return 1; }
}

tap_begin
for tool in python3 socat nft jq ping ss; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "WAN zone: $tool missing (scripts/deps.sh)"
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

tap_check "WAN zone with masquerade: conenat maps UDP for its hosts (port kept, a stranger gets in under full cone)" conenat_udp
tap_check "WAN zone with masquerade: conenat maps TCP for its hosts" conenat_tcp
tap_check "WAN zone with masquerade: conenat maps ICMP echo for its hosts" conenat_icmp
tap_check "WAN zone with masquerade: a host outside the instance's prefix is masqueraded, no stranger gets in" masquerade_rest
tap_done
