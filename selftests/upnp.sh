#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# UPnP and NAT-PMP port mappings from Debian's miniupnpd-nftables, next to a
# conenat instance on the same device, seen on the wire. The test writes
# miniupnpd's configuration and nftables chains, starts it in the router's
# namespace and stops it at the end. Beside a full-cone and a symmetric
# instance (portforward.sh has the same precedence under all four types):
#  - upnpc (miniupnpc) on the inside host adds a UDP and a TCP port
#    mapping; the outside host reaches the inside servers through them (the
#    UDP answer comes back from the router's external address and the
#    mapped port, the TCP server sees the outside address);
#  - natpmpc (NAT-PMP) learns the external address and adds a UDP mapping,
#    which the outside host reaches likewise;
#  - conenat still decides every flow miniupnpd did not forward: the inside
#    host's own flow leaves from its port-preserved endpoint;
#  - once upnpc and natpmpc delete their mappings, the same ports are
#    conenat's again: an unsolicited datagram is dropped and counted.
#
# miniupnpd refuses to forward on a reserved external address (RFC 5737's
# documentation prefixes included), so this router's WAN address is
# 100.1.0.1; the namespaces reach nothing else.
#
#   inside (in)              router (rt)                        outside (out)
#  +-------------+        +-------------------------------+        +----------------+
#  | 10.0.1.2    |--veth--| lan 10.0.1.1   miniupnpd      |--veth--| 100.1.0.10     |
#  | udp :5001   |        | wan 100.1.0.1  conenat "home" |        | udp :7000 logs |
#  | udp :5002   |        |   table inet miniupnpd        |        +----------------+
#  | tcp :8081   |        +-------------------------------+
#  +-------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
n_in=cn-up-in-$sfx
n_rt=cn-up-rt-$sfx
n_out=cn-up-out-$sfx
tmp=$(mktemp -d)

cleanup() {
	[ -s "$tmp/miniupnpd.pid" ] && kill "$(cat "$tmp/miniupnpd.pid")" 2>/dev/null
	netns_del_all "$n_in" "$n_rt" "$n_out"
	rm -rf "$tmp"
}
trap cleanup EXIT

nc() {
	"$natctl" -n "$n_rt" "$@"
}

# the UDP endpoints: serve and ask (selftests/udp_echo.py)
udp=$top/selftests/udp_echo.py
# miniupnpd's description URL; upnpc is pointed at it instead of searching
# by SSDP multicast, which needs multicast routes the test does not set up
root_desc=http://10.0.1.1:5555/rootDesc.xml

setup() {
	local n
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add upv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name upv1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev upv0 &&
	ip -n "$n_in" link set upv0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 100.1.0.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$n_out" addr add 100.1.0.10/24 dev upv1 &&
	ip -n "$n_out" link set upv1 up || return 1

	# the chains miniupnpd fills (the layout of its nft_init.sh), in a
	# router whose forward chain drops what it does not know
	ip netns exec "$n_rt" nft -f - <<-'EOF' || return 1
	table inet miniupnpd {
		chain forward {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept
			iifname "lan" oifname "wan" accept
			ct status dnat accept
			jump miniupnpd
		}
		chain miniupnpd {
		}
		chain prerouting {
			type nat hook prerouting priority dstnat; policy accept;
			jump prerouting_miniupnpd
		}
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			jump postrouting_miniupnpd
		}
		chain prerouting_miniupnpd {
		}
		chain postrouting_miniupnpd {
		}
	}
	EOF
	cat >"$tmp/miniupnpd.conf" <<-'EOF'
	ext_ifname=wan
	listening_ip=lan
	http_port=5555
	enable_upnp=yes
	enable_natpmp=yes
	secure_mode=yes
	system_uptime=no
	clean_ruleset_interval=0
	uuid=5e0a2c1e-4c7f-4b1a-9d3e-7a2f1c0b9e11
	upnp_table_name=miniupnpd
	upnp_nat_table_name=miniupnpd
	upnp_forward_chain=miniupnpd
	upnp_nat_chain=prerouting_miniupnpd
	upnp_nat_postrouting_chain=postrouting_miniupnpd
	allow 1024-65535 10.0.1.0/24 1024-65535
	deny 0-65535 0.0.0.0/0 0-65535
	EOF
	# as a daemon (its notices go to syslog, or to the console when
	# there is no syslog); -d would log every request there
	ip netns exec "$n_rt" miniupnpd -f "$tmp/miniupnpd.conf" \
		-P "$tmp/miniupnpd.pid" || return 1
	wait_for 30 upnpd_ready || { echo "miniupnpd did not come up"; return 1; }

	# the inside servers: UDP echoes, TCP answers with the peer it sees
	ip netns exec "$n_in" python3 "$udp" serve 10.0.1.2:5001 \
		>"$tmp/in5001.log" 2>&1 &
	ip netns exec "$n_in" python3 "$udp" serve 10.0.1.2:5002 \
		>"$tmp/in5002.log" 2>&1 &
	ip netns exec "$n_in" socat TCP4-LISTEN:8081,bind=10.0.1.2,fork,reuseaddr \
		SYSTEM:'echo "hello $SOCAT_PEERADDR"' >"$tmp/tcp.log" 2>&1 &
	ip netns exec "$n_out" python3 "$udp" serve 100.1.0.10:7000 \
		>"$tmp/out.log" 2>&1 &
	wait_for 20 grep -q ready "$tmp/in5001.log" &&
	wait_for 20 grep -q ready "$tmp/in5002.log" &&
	wait_for 20 grep -q ready "$tmp/out.log" ||
		{ echo "the UDP servers did not come up"; return 1; }
	wait_for 20 tcp_listening ||
		{ echo "the TCP server did not come up"; return 1; }
}

upnpd_ready() {
	[ -s "$tmp/miniupnpd.pid" ] &&
	ip netns exec "$n_rt" ss -ltnH 'sport = :5555' | grep -q . &&
	ip netns exec "$n_rt" ss -ulnH 'sport = :5351' | grep -q .
}

tcp_listening() {
	ip netns exec "$n_in" ss -ltnH 'sport = :8081' | grep -q .
}

upnpc_in() {
	ip netns exec "$n_in" timeout 30 upnpc -u "$root_desc" "$@" 2>&1
}

natpmpc_in() {
	ip netns exec "$n_in" timeout 30 natpmpc -g 10.0.1.1 "$@" 2>&1
}

# upnp_add: upnpc maps 100.1.0.1:5001/udp and :8081/tcp to the inside host.
upnp_add() {
	local out
	out=$(upnpc_in -e conenat-test -a 10.0.1.2 5001 5001 UDP) || true
	echo "$out" | grep -q "external 100.1.0.1:5001 UDP is redirected to internal 10.0.1.2:5001" ||
		{ echo "upnpc -a 5001 UDP said:"; echo "$out"; return 1; }
	out=$(upnpc_in -e conenat-test -a 10.0.1.2 8081 8081 TCP) || true
	echo "$out" | grep -q "external 100.1.0.1:8081 TCP is redirected to internal 10.0.1.2:8081" ||
		{ echo "upnpc -a 8081 TCP said:"; echo "$out"; return 1; }
	out=$(upnpc_in -l) || true
	echo "$out" | grep -q "ExternalIPAddress = 100.1.0.1" ||
		{ echo "upnpc -l said:"; echo "$out"; return 1; }
}

# natpmp_add: natpmpc learns 100.1.0.1 and maps :5002/udp.
natpmp_add() {
	local out
	out=$(natpmpc_in) || true
	echo "$out" | grep -q "Public IP address : 100.1.0.1" ||
		{ echo "natpmpc said:"; echo "$out"; return 1; }
	out=$(natpmpc_in -a 5002 5002 udp 3600) || true
	echo "$out" | grep -q "Mapped public port 5002 protocol UDP to local port 5002" ||
		{ echo "natpmpc -a 5002 5002 udp said:"; echo "$out"; return 1; }
}

# udp_reach PORT SRCPORT TAG: the outside sends to 100.1.0.1:PORT from
# SRCPORT; the inside server on PORT sees it from the outside endpoint and
# the answer comes back from 100.1.0.1:PORT.
udp_reach() {
	local got
	got=$(ip netns exec "$n_out" python3 "$udp" ask "100.1.0.10:$2" \
		"100.1.0.1:$1" "$3")
	[ "$got" = "100.1.0.1:$1 echo $3" ] ||
		{ echo "UDP to 100.1.0.1:$1 answered: '$got'"; return 1; }
	grep -q "^100.1.0.10:$2 $3\$" "$tmp/in$1.log" ||
		{ echo "10.0.1.2:$1 did not see $3 from 100.1.0.10:$2"; return 1; }
}

tcp_reach() {
	local got
	got=$(ip netns exec "$n_out" socat -T 5 - TCP4:100.1.0.1:8081,connect-timeout=5 \
		</dev/null 2>&1)
	[ "$got" = "hello 100.1.0.10" ] ||
		{ echo "TCP to 100.1.0.1:8081 got: '$got'"; return 1; }
}

# conenat_out TAG: the inside host's own flow leaves through conenat.
conenat_out() {
	local got
	got=$(ip netns exec "$n_in" python3 "$udp" ask 10.0.1.2:6000 \
		100.1.0.10:7000 "$1")
	[ "$got" = "100.1.0.10:7000 echo $1" ] ||
		{ echo "the inside host's own flow: '$got'"; return 1; }
	grep -q "^100.1.0.1:6000 $1\$" "$tmp/out.log" ||
		{ echo "the outside did not see $1 from 100.1.0.1:6000"; return 1; }
}

# mappings_del: upnpc and natpmpc remove their mappings (a NAT-PMP mapping
# goes with lifetime 0), and miniupnpd's chain is empty again.
mappings_del() {
	local out
	out=$(upnpc_in -d 5001 UDP) || true
	out+=$(upnpc_in -d 8081 TCP) || true
	out+=$(natpmpc_in -a 5002 5002 udp 0) || true
	if ip netns exec "$n_rt" nft list chain inet miniupnpd prerouting_miniupnpd |
		grep -q dnat; then
		echo "miniupnpd's dnat rules are still there:"
		ip netns exec "$n_rt" nft list chain inet miniupnpd prerouting_miniupnpd
		echo "$out"
		return 1
	fi
}

# unsolicited PORT TAG: a datagram to 100.1.0.1:PORT, no longer forwarded,
# reaches nobody, and conenat counts it.
unsolicited() {
	local before after got
	before=$(nc -j stats show instance home | jq -r ".[0].stats.in_no_mapping") ||
		return 1
	got=$(ip netns exec "$n_out" python3 "$udp" ask 100.1.0.10:7300 \
		"100.1.0.1:$1" "$2")
	[ "$got" = none ] || { echo "100.1.0.1:$1 answered: '$got'"; return 1; }
	after=$(nc -j stats show instance home | jq -r ".[0].stats.in_no_mapping")
	[ "$after" -gt "$before" ] ||
		{ echo "in_no_mapping $before -> $after"; return 1; }
}

# with TYPE: a round of UPnP and NAT-PMP mappings beside a TYPE instance.
with() {
	local rc=0
	nc instance add home dev wan type "$1" || return 1
	upnp_add || rc=1
	[ $rc = 0 ] && { natpmp_add || rc=1; }
	[ $rc = 0 ] && { udp_reach 5001 7101 "u-$1" || rc=1; }
	[ $rc = 0 ] && { tcp_reach || rc=1; }
	[ $rc = 0 ] && { udp_reach 5002 7102 "p-$1" || rc=1; }
	[ $rc = 0 ] && { conenat_out "o-$1" || rc=1; }
	mappings_del || rc=1
	[ $rc = 0 ] && { unsolicited 5001 "x-$1" || rc=1; }
	[ $rc = 0 ] && { unsolicited 5002 "y-$1" || rc=1; }
	nc instance del home || rc=1
	# the flows of this round go with it
	ip netns exec "$n_rt" conntrack -F >/dev/null 2>&1
	return $rc
}

tap_begin
for tool in miniupnpd upnpc natpmpc python3 socat nft jq conntrack ss; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "UPnP: $tool missing (scripts/deps.sh)"
		tap_done
		exit 1
	fi
done
if ! setup >"$tmp/setup.log" 2>&1; then
	sed 's/^/# /' "$tmp/setup.log"
	tap_fail "topology and miniupnpd set up"
	tap_done
	exit 1
fi

for type in full-cone symmetric; do
	tap_check "miniupnpd beside a $type instance: upnpc's UDP and TCP and natpmpc's UDP mappings reached from outside, conenat's own flow as before, the ports conenat's again once deleted" \
		with "$type"
done
tap_check "miniupnpd still running at the end" kill -0 "$(cat "$tmp/miniupnpd.pid")"
tap_done
