#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The hold-down of external endpoints (RFC 6888 REQ-8), seen on the wire:
#  - once a mapping is gone, its external endpoint rests for hold-down:
#    what the outside sends to it reaches nobody, and another internal
#    endpoint sending from the same port gets another external port;
#  - the internal endpoint that had it gets it back at once, and so does a
#    static mapping that names it;
#  - after hold-down the port is anyone's again (a shortened hold-down also
#    cuts what is held already); hold-down 0 reuses at once.
#
#   inside (in)              router (rt)                    outside (out)
#  +-------------+        +---------------------------+        +--------------------+
#  | 10.0.1.2    |--veth--| lan 10.0.1.1              |--veth--| 198.51.100.10      |
#  | 10.0.1.3    |        | wan 198.51.100.1  "home"  |        | sink :7000 logs    |
#  +-------------+        | full-cone                 |        | who reached it     |
#                         +---------------------------+        +--------------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
n_in=cn-hd-in-$sfx
n_rt=cn-hd-rt-$sfx
n_out=cn-hd-out-$sfx
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

# Logs "FROM-ADDR:PORT PAYLOAD" for every datagram to its --bind address.
cat >"$tmp/sink.py" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
h, p = sys.argv[1].rsplit(":", 1)
s.bind((h, int(p)))
print("ready", flush=True)
while True:
    data, src = s.recvfrom(2048)
    print("%s:%d %s" % (src[0], src[1], data.decode(errors="replace")), flush=True)
PYEOF

setup() {
	local n
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add hdv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name hdv1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev hdv0 &&
	ip -n "$n_in" addr add 10.0.1.3/24 dev hdv0 &&
	ip -n "$n_in" link set hdv0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$n_out" addr add 198.51.100.10/24 dev hdv1 &&
	ip -n "$n_out" link set hdv1 up || return 1
	ip netns exec "$n_out" python3 "$tmp/sink.py" 198.51.100.10:7000 \
		>"$tmp/sink.log" 2>&1 &
	ip netns exec "$n_in" python3 "$tmp/sink.py" 10.0.1.2:6000 \
		>"$tmp/a.log" 2>&1 &
	wait_for 20 grep -q ready "$tmp/sink.log" &&
	wait_for 20 grep -q ready "$tmp/a.log" ||
		{ echo "the sinks did not come up"; return 1; }
	nc instance add home dev wan type full-cone
}

# send FROM-ADDR FROM-PORT TAG: one datagram from inside to the sink.
send() {
	echo "$3" | ip netns exec "$n_in" socat -u - \
		"UDP4-SENDTO:198.51.100.10:7000,bind=$1:$2,reuseaddr" 2>/dev/null
}

# seen TAG: the external endpoint the sink saw TAG come from.
seen() {
	wait_for 10 grep -q " $1\$" "$tmp/sink.log" || return 1
	sed -n "s/^\(.*\) $1\$/\1/p" "$tmp/sink.log" | head -n1
}

# from_outside PORT TAG: one datagram from the outside to the router's PORT.
from_outside() {
	echo "$2" | ip netns exec "$n_out" socat -u - \
		"UDP4-SENDTO:198.51.100.1:$1" 2>/dev/null
}

# release_a: remove the mapping of 10.0.1.2:6000 (its endpoint goes into hold-down).
release_a() {
	nc mapping del instance home proto udp internal 10.0.1.2:6000
}

held() {
	local ep
	nc instance set home hold-down 120 || return 1
	send 10.0.1.2 6000 a1 || return 1
	ep=$(seen a1) || { echo "a1 never arrived"; return 1; }
	[ "$ep" = 198.51.100.1:6000 ] || { echo "a1 came from $ep"; return 1; }
	release_a || return 1
	# the outside still knows 198.51.100.1:6000: it reaches nobody
	from_outside 6000 late || return 1
	# another internal endpoint with the same port gets another port
	send 10.0.1.3 6000 b1 || return 1
	ep=$(seen b1) || { echo "b1 never arrived"; return 1; }
	[ "$ep" != 198.51.100.1:6000 ] ||
		{ echo "10.0.1.3:6000 got the port in hold-down"; return 1; }
	sleep 1
	if grep -q late "$tmp/a.log"; then
		echo "a datagram to the held endpoint was delivered"
		return 1
	fi
	# its own internal endpoint gets it back
	send 10.0.1.2 6000 a2 || return 1
	ep=$(seen a2) || { echo "a2 never arrived"; return 1; }
	[ "$ep" = 198.51.100.1:6000 ] ||
		{ echo "10.0.1.2:6000 did not get its own port back: $ep"; return 1; }
	from_outside 6000 back || return 1
	wait_for 10 grep -q back "$tmp/a.log" ||
		{ echo "the endpoint taken back does not deliver"; return 1; }
}

static_takes() {
	release_a || return 1
	nc mapping add instance home proto udp internal 10.0.1.3:6100 \
		external 198.51.100.1:6000 ||
		{ echo "a static mapping could not take the held endpoint"; return 1; }
	nc mapping del instance home proto udp internal 10.0.1.3:6100
}

hold_ends() {
	local ep
	nc mapping flush instance home || return 1
	nc instance set home hold-down 3 || return 1
	# the shorter hold-down also cuts those held already (the static
	# mapping's endpoint, 198.51.100.1:6000, among them)
	sleep 5
	send 10.0.1.2 6000 a3 || return 1
	ep=$(seen a3) || { echo "a3 never arrived"; return 1; }
	[ "$ep" = 198.51.100.1:6000 ] || { echo "a3 came from $ep"; return 1; }
	release_a || return 1
	sleep 6
	send 10.0.1.3 6000 b2 || return 1
	ep=$(seen b2) || { echo "b2 never arrived"; return 1; }
	[ "$ep" = 198.51.100.1:6000 ] ||
		{ echo "hold-down 3: 10.0.1.3:6000 got $ep 6 s later"; return 1; }
}

no_hold() {
	local ep
	nc mapping flush instance home || return 1
	nc instance set home hold-down 0 || return 1
	send 10.0.1.2 6000 a4 || return 1
	ep=$(seen a4) || { echo "a4 never arrived"; return 1; }
	[ "$ep" = 198.51.100.1:6000 ] || { echo "a4 came from $ep"; return 1; }
	release_a || return 1
	send 10.0.1.3 6000 b3 || return 1
	ep=$(seen b3) || { echo "b3 never arrived"; return 1; }
	[ "$ep" = 198.51.100.1:6000 ] ||
		{ echo "hold-down 0: 10.0.1.3:6000 got $ep"; return 1; }
}

tap_begin
for tool in python3 socat; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "hold-down: $tool missing (scripts/deps.sh)"
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

tap_check "hold-down: the old endpoint reaches nobody, another host gets another port, its own gets it back" \
	held
tap_check "hold-down: a static mapping naming the endpoint takes it" static_takes
tap_check "hold-down: after it the port is anyone's" hold_ends
tap_check "hold-down 0: the port is reused at once" no_hold
tap_done
