#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static mappings across renumbering, proven by what the outside peer gets
# back and from where:
#  - one given only a port (the port forward "external :51820") moves with
#    the device's address: 198.51.100.1 -> 198.51.100.7 -> 198.51.100.1,
#    and comes back on the same port when the device is deleted and made
#    again;
#  - one given an explicit address waits while the device does not have
#    it, and serves again when the address returns;
#  - an instance and its static mappings configured before the device
#    exists (as at boot, before the network is up) serve once it appears.
#
#   inside (in)            router (rt)                      outside (out)
#  +------------+        +---------------------------+        +---------------+
#  | 10.0.1.2   |--veth--| lan 10.0.1.1              |        | 198.51.100.10 |
#  | udp echo   |        | wan 198.51.100.1 (or .7)  |--veth--|               |
#  | :51820     |        |     "home"                |        |               |
#  | :6000      |        +---------------------------+        +---------------+
#  +------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
n_in=cn-rn-in-$sfx
n_rt=cn-rn-rt-$sfx
n_out=cn-rn-out-$sfx
tmp=$(mktemp -d)

cleanup() {
	local n
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

nc() {
	"$natctl" -n "$n_rt" "$@"
}

# wan_link: the router's external veth and the outside's end of it.
wan_link() {
	ip link add wan netns "$n_rt" type veth peer name rnv1 netns "$n_out" &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set wan up &&
	ip -n "$n_out" addr add 198.51.100.10/24 dev rnv1 &&
	ip -n "$n_out" link set rnv1 up
}

setup() {
	local n p
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add rnv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev rnv0 &&
	ip -n "$n_in" link set rnv0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" link set lan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	wan_link || return 1
	# one process answers on both ports, from the port it was sent to
	ip netns exec "$n_in" python3 - >/dev/null 2>&1 <<-'EOF' &
	import select, socket
	socks = []
	for port in (51820, 6000):
	    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    s.bind(("10.0.1.2", port))
	    socks.append(s)
	while True:
	    ready, _, _ = select.select(socks, [], [])
	    for s in ready:
	        data, peer = s.recvfrom(2048)
	        s.sendto(data, peer)
	EOF
	wait_for 20 sh -c "ip netns exec $n_in ss -uln | grep -q ':51820 '" &&
	wait_for 20 sh -c "ip netns exec $n_in ss -uln | grep -q ':6000 '" ||
		{ echo "socat did not come up"; return 1; }
	nc instance add home dev wan &&
	nc mapping add instance home proto udp internal 10.0.1.2:51820 external :51820 &&
	nc mapping add instance home proto udp internal 10.0.1.2:6000 external 198.51.100.1:6000
}

# echo_from ADDR PORT LPORT: the outside sends to ADDR:PORT from its port
# LPORT and prints what came back within 12 s (a debug kernel under
# emulation is slow). The socket is connected
# to ADDR:PORT, so it takes answers from there only: an answer proves where
# it came from.
echo_from() {
	ip netns exec "$n_out" python3 - "$1" "$2" "$3" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("198.51.100.10", int(sys.argv[3])))
	s.connect((sys.argv[1], int(sys.argv[2])))
	s.settimeout(12)
	s.send(b"ping" + sys.argv[3].encode() + b"\n")
	try:
	    print(s.recv(100).decode().strip())
	except OSError:
	    pass
	EOF
}

# external INTERNAL: the static mapping's external endpoint.
external() {
	nc -j mapping get instance home proto udp internal "$1" |
		jq -r '.[0] | "\(.external_addr):\(.external_port) \(.origin)"'
}

# renumber FROM TO: the router's wan address changes.
renumber() {
	ip -n "$n_rt" addr del "$1/24" dev wan &&
	ip -n "$n_rt" addr add "$2/24" dev wan
}

before() {
	[ "$(echo_from 198.51.100.1 51820 7001)" = ping7001 ] ||
		{ echo "no answer through 198.51.100.1:51820"; return 1; }
	[ "$(echo_from 198.51.100.1 6000 7002)" = ping7002 ] ||
		{ echo "no answer through 198.51.100.1:6000"; return 1; }
}

follows_address() {
	local e
	renumber 198.51.100.1 198.51.100.7 || return 1
	wait_for 10 sh -c "'$natctl' -n '$n_rt' -j mapping get instance home proto udp internal 10.0.1.2:51820 | grep -q '198.51.100.7'" ||
		{ echo "mapping after renumbering: $(external 10.0.1.2:51820)"; nc mapping show; return 1; }
	e=$(external 10.0.1.2:51820)
	[ "$e" = "198.51.100.7:51820 static" ] || { echo "got $e"; return 1; }
	[ "$(echo_from 198.51.100.7 51820 7003)" = ping7003 ] ||
		{ echo "no answer through 198.51.100.7:51820"; return 1; }
}

explicit_waits() {
	local e
	e=$(external 10.0.1.2:6000)
	[ "$e" = "198.51.100.1:6000 static" ] ||
		{ echo "the explicit mapping while its address is away: $e"; return 1; }
	[ -z "$(echo_from 198.51.100.7 6000 7004)" ] ||
		{ echo "198.51.100.7:6000 answered: the mapping did not wait"; return 1; }
	renumber 198.51.100.7 198.51.100.1 || return 1
	[ "$(echo_from 198.51.100.1 6000 7005)" = ping7005 ] ||
		{ echo "no answer through 198.51.100.1:6000 once it came back"; return 1; }
	wait_for 10 sh -c "'$natctl' -n '$n_rt' -j mapping get instance home proto udp internal 10.0.1.2:51820 | grep -q '198.51.100.1\"'" ||
		{ echo "51820 did not come back: $(external 10.0.1.2:51820)"; return 1; }
	[ "$(echo_from 198.51.100.1 51820 7006)" = ping7006 ] ||
		{ echo "no answer through 198.51.100.1:51820 once it came back"; return 1; }
}

device_recreated() {
	local e
	ip -n "$n_rt" link del wan || return 1
	wait_for 10 sh -c "'$natctl' -n '$n_rt' -j instance show home | jq -e '.[0].ifindex == 0' >/dev/null" ||
		{ nc instance show home; return 1; }
	wan_link || return 1
	wait_for 10 sh -c "'$natctl' -n '$n_rt' -j mapping get instance home proto udp internal 10.0.1.2:51820 | grep -q '198.51.100.1\"'" ||
		{ echo "after the device came back: $(external 10.0.1.2:51820)"; return 1; }
	e=$(external 10.0.1.2:51820)
	[ "$e" = "198.51.100.1:51820 static" ] || { echo "got $e"; return 1; }
	[ "$(echo_from 198.51.100.1 51820 7007)" = ping7007 ] ||
		{ echo "no answer through the re-created device"; return 1; }
	[ "$(echo_from 198.51.100.1 6000 7008)" = ping7008 ] ||
		{ echo "no answer through 198.51.100.1:6000 after the device came back"; return 1; }
}

# before_network: the instance and both static mappings are made while the
# device does not exist; they serve once it appears.
before_network() {
	local e
	nc instance del home && ip -n "$n_rt" link del wan || return 1
	nc instance add home dev wan &&
	nc mapping add instance home proto udp internal 10.0.1.2:51820 external :51820 &&
	nc mapping add instance home proto udp internal 10.0.1.2:6000 \
		external 198.51.100.1:6000 || return 1
	nc -j instance show home | jq -e '.[0].ifindex == 0' >/dev/null ||
		{ echo "bound already:"; nc instance show home; return 1; }
	wan_link || return 1
	wait_for 10 sh -c "'$natctl' -n '$n_rt' -j mapping get instance home proto udp internal 10.0.1.2:51820 | grep -q '198.51.100.1\"'" ||
		{ echo "once the device appeared: $(external 10.0.1.2:51820)"; return 1; }
	e=$(external 10.0.1.2:51820)
	[ "$e" = "198.51.100.1:51820 static" ] || { echo "got $e"; return 1; }
	[ "$(echo_from 198.51.100.1 51820 7010)" = ping7010 ] ||
		{ echo "no answer through 198.51.100.1:51820"; return 1; }
	[ "$(echo_from 198.51.100.1 6000 7011)" = ping7011 ] ||
		{ echo "no answer through 198.51.100.1:6000"; return 1; }
}

tap_begin
for tool in jq python3; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "renumbering: $tool missing (scripts/deps.sh)"
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

tap_check "both static mappings answer on 198.51.100.1" before
tap_check "the router renumbers to 198.51.100.7: 'external :51820' moves there, same port, and answers from it" \
	follows_address
tap_check "'external 198.51.100.1:6000' waits while the address is away, and answers again when it returns" \
	explicit_waits
tap_check "the device is deleted and made again: both come back on their ports" \
	device_recreated
tap_check "an instance and its static mappings made before the device exists serve once it appears" \
	before_network
tap_done
