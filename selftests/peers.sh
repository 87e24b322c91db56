#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A filtering mapping's peers (the remotes it lets in), seen on the wire:
#  - a mapping records at most its instance's max-peers: the flows past the
#    cap still leave, translated, but those remotes' new flows are filtered;
#    the refusals are counted and the first is announced (monitor);
#  - the namespace's max-peers caps them all: a permit past it is refused
#    with the kernel's reason, and changes nothing;
#  - a peer lives while a flow to it does (longer than udp-timeout), then
#    udp-timeout, even while its mapping lives on for other remotes;
#  - the first remote, which the mapping keeps itself, is counted once also
#    when a permit names it, and gives its place and its count to the next
#    remote once its timer ran out;
#  - peers die with their mapping.
#
#   inside (in)             router (rt)                  outside (out)
#  +------------+        +-------------------------+        +-------------------+
#  | 10.0.1.2   |--veth--| lan 10.0.1.1            |--veth--| 198.51.100.10..14 |
#  | peer.py    |        | wan 198.51.100.1 "home" |        | peer.py sink :7000|
#  +------------+        | restricted-cone         |        +-------------------+
#                        +-------------------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
n_in=cn-pe-in-$sfx
n_rt=cn-pe-rt-$sfx
n_out=cn-pe-out-$sfx
tmp=$(mktemp -d)
remotes="198.51.100.10 198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14"

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

# An endpoint: binds every ADDR:PORT of --bind, sends two datagrams to each
# --to (a flow's second packet links it to its peer), then every second to --keep (if any) until --for seconds have gone,
# and logs every datagram it receives as "LOCAL FROM PAYLOAD".
cat >"$tmp/peer.py" <<'PYEOF'
import argparse, select, socket, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--bind", action="append", default=[])
ap.add_argument("--to", action="append", default=[])
ap.add_argument("--keep")
ap.add_argument("--later", action="append", default=[],
                help="SECS,HOST:PORT: two datagrams to HOST:PORT after SECS")
ap.add_argument("--for", dest="secs", type=float, default=30)
a = ap.parse_args()

def ep(s):
    h, p = s.rsplit(":", 1)
    return (h, int(p))

socks = []
for b in a.bind:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ep(b))
    socks.append((b, s))
for t in a.to:
    socks[0][1].sendto(b"hello", ep(t))
    socks[0][1].sendto(b"hello", ep(t))
print("ready", flush=True)
start = time.monotonic()
end = start + a.secs
later = [(start + float(s), ep(t)) for s, t in (x.split(",", 1) for x in a.later)]
tick = 0.0
while time.monotonic() < end:
    for when, t in [x for x in later if x[0] <= time.monotonic()]:
        socks[0][1].sendto(b"hello", t)
        socks[0][1].sendto(b"hello", t)
        later.remove((when, t))
    if a.keep and time.monotonic() >= tick:
        socks[0][1].sendto(b"keep", ep(a.keep))
        tick = time.monotonic() + 1
    r, _, _ = select.select([s for _, s in socks], [], [], 0.2)
    for b, s in socks:
        if s in r:
            data, src = s.recvfrom(2048)
            print("%s %s:%d %s" % (b, src[0], src[1], data.decode(errors="replace")),
                  flush=True)
PYEOF

setup() {
	local n r
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add pev0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name pev1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev pev0 &&
	ip -n "$n_in" link set pev0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$n_out" link set pev1 up || return 1
	for r in $remotes; do
		ip -n "$n_out" addr add "$r/24" dev pev1 || return 1
	done
	# every remote listens on :7000 and logs who reached it
	ip netns exec "$n_out" python3 "$tmp/peer.py" --for 600 \
		$(for r in $remotes; do printf -- '--bind %s:7000 ' "$r"; done) \
		>"$tmp/sink.log" 2>&1 &
	wait_for 20 grep -q ready "$tmp/sink.log" ||
		{ echo "the outside sink did not come up"; return 1; }
	nc instance add home dev wan type restricted-cone max-peers 3
}

# from REMOTE SPORT DPORT: one datagram from the outside to the router.
from() {
	echo "from-$1:$2" | ip netns exec "$n_out" socat -u - \
		"UDP4-SENDTO:198.51.100.1:$3,bind=$1:$2,reuseaddr" 2>/dev/null
}

# inside LOG PORT ARGS...: start an inside endpoint on 10.0.1.2:PORT.
inside() {
	local log=$1 port=$2
	shift 2
	ip netns exec "$n_in" python3 "$tmp/peer.py" --bind "10.0.1.2:$port" \
		"$@" >"$log" 2>&1 &
	wait_for 20 grep -q ready "$log" || { echo "inside endpoint did not start"; return 1; }
}

ext_port() {
	nc -j mapping get instance home proto udp internal "10.0.1.2:$1" |
		jq -r '.[0].external_port'
}

counter() {
	nc -j stats show instance home | jq -r ".[0].stats.$1"
}

limit() {
	nc -j limits show | jq -r ".$1"
}

mapping_cap() {
	local r ext mon n
	nc -j monitor >"$tmp/mon.log" 2>&1 &
	mon=$!
	sleep 1
	inside "$tmp/in5000.log" 5000 --for 30 \
		$(for r in $remotes; do printf -- '--to %s:7000 ' "$r"; done) || return 1
	# every flow left, translated, the two past the cap included
	for r in $remotes; do
		wait_for 10 grep -q "^$r:7000 198.51.100.1:5000 hello" "$tmp/sink.log" ||
			{ echo "$r did not receive from 198.51.100.1:5000"; cat "$tmp/sink.log"; return 1; }
	done
	ext=$(ext_port 5000)
	[ "$ext" = 5000 ] || { echo "external port $ext"; return 1; }
	# each remote sends from another port: a new flow, judged by the filter
	for r in $remotes; do
		from "$r" 7001 "$ext" || return 1
	done
	for r in 198.51.100.10 198.51.100.11 198.51.100.12; do
		wait_for 10 grep -q " $r:7001 from-" "$tmp/in5000.log" ||
			{ echo "recorded peer $r was filtered"; cat "$tmp/in5000.log"; return 1; }
	done
	sleep 1
	for r in 198.51.100.13 198.51.100.14; do
		if grep -q " $r:7001 " "$tmp/in5000.log"; then
			echo "$r, past the cap, got in"
			return 1
		fi
	done
	n=$(counter peers_refused)
	[ "$n" = 2 ] || { echo "peers_refused $n, want 2"; return 1; }
	n=$(limit peers)
	[ "$n" = 3 ] || { echo "limits: peers $n, want 3"; return 1; }
	kill "$mon"
	wait "$mon" 2>/dev/null
	n=$(jq -s '[.[] | select(.event == "peer-limit")] | length' "$tmp/mon.log")
	[ "$n" = 1 ] || { echo "$n peer-limit events, want 1:"; cat "$tmp/mon.log"; return 1; }
	jq -se '[.[] | select(.event == "peer-limit")][0] |
		.remote_addr == "198.51.100.13" and .internal_port == 5000 and
		.external_port == 5000' "$tmp/mon.log" >/dev/null ||
		{ echo "wrong peer-limit event:"; cat "$tmp/mon.log"; return 1; }
}

namespace_cap() {
	local out rc n
	nc limits set max-peers 3 || return 1
	out=$(nc permit add instance home proto udp internal 10.0.1.2:5000 \
		remote 198.51.100.20 2>&1)
	rc=$?
	[ "$rc" -eq 2 ] || { echo "permit past the cap: exit $rc, want 2: $out"; return 1; }
	case $out in
	*"peer limit reached"*) ;;
	*) echo "no reason given: $out"; return 1 ;;
	esac
	n=$(limit peers)
	[ "$n" = 3 ] || { echo "the refused permit changed the count: $n"; return 1; }
	nc limits set max-peers 4194304
}

peer_timer() {
	local ext
	nc instance set home udp-timeout 8 || return 1
	# one datagram to A and B, then B every second, longer than udp-timeout
	inside "$tmp/in5001.log" 5001 --for 60 --to 198.51.100.10:7000 \
		--to 198.51.100.11:7000 --keep 198.51.100.11:7000 || return 1
	wait_for 10 grep -q "^198.51.100.10:7000 198.51.100.1:5001 hello" "$tmp/sink.log" ||
		{ echo "A got nothing"; return 1; }
	ext=$(ext_port 5001)
	# A's flow ends (conntrack forgets it): its peer has udp-timeout left
	ip netns exec "$n_rt" conntrack -D -p udp --orig-src 10.0.1.2 \
		--orig-port-src 5001 --orig-dst 198.51.100.10 >/dev/null 2>&1 ||
		{ echo "no conntrack entry to A"; return 1; }
	from 198.51.100.10 7002 "$ext" || return 1
	wait_for 10 grep -q " 198.51.100.10:7002 from-" "$tmp/in5001.log" ||
		{ echo "A was filtered within its peer's timer"; return 1; }
	sleep 11
	from 198.51.100.10 7003 "$ext" || return 1
	# B's flow is still alive: its peer lives on past udp-timeout
	from 198.51.100.11 7003 "$ext" || return 1
	wait_for 10 grep -q " 198.51.100.11:7003 from-" "$tmp/in5001.log" ||
		{ echo "B, still talked to, was filtered"; cat "$tmp/in5001.log"; return 1; }
	sleep 1
	if grep -q " 198.51.100.10:7003 " "$tmp/in5001.log"; then
		echo "A got in 11 s after its last flow ended (udp-timeout 8)"
		return 1
	fi
	[ "$(ext_port 5001)" = "$ext" ] || { echo "the mapping did not live on"; return 1; }
}

# the peers the namespace counts, less N
peers_less() {
	echo $(($(limit peers) - $1))
}

first_peer() {
	local ext p0 n keep
	nc instance set home max-peers 2 udp-timeout 4 inbound-refresh on || return 1
	p0=$(limit peers)
	# 5005: A is the mapping's first remote, talked to every second (its
	# timer must not run out however slow the kernel), then a permit names it
	inside "$tmp/in5005.log" 5005 --for 60 --to 198.51.100.10:7000 \
		--keep 198.51.100.10:7000 || return 1
	wait_for 10 grep -q "^198.51.100.10:7000 198.51.100.1:5005 hello" "$tmp/sink.log" ||
		{ echo "A got nothing"; return 1; }
	ext=$(ext_port 5005)
	n=$(peers_less "$p0")
	[ "$n" = 1 ] || { echo "A's peer counts $n"; return 1; }
	nc permit add instance home proto udp internal 10.0.1.2:5005 \
		remote 198.51.100.10 || return 1
	n=$(peers_less "$p0")
	[ "$n" = 1 ] || { echo "A with a permit counts $n"; return 1; }
	# counted once, so C's permit fits the cap of 2 beside it
	nc permit add instance home proto udp internal 10.0.1.2:5005 \
		remote 198.51.100.12 || { echo "C's permit did not fit beside A's"; return 1; }
	nc permit del instance home proto udp internal 10.0.1.2:5005 \
		remote 198.51.100.10 || return 1
	nc permit del instance home proto udp internal 10.0.1.2:5005 \
		remote 198.51.100.12 || return 1
	# what traffic taught stays: A gets in from another port
	from 198.51.100.10 7010 "$ext" || return 1
	wait_for 10 grep -q " 198.51.100.10:7010 from-" "$tmp/in5005.log" ||
		{ echo "A, talked to, was filtered once its permit went"; return 1; }

	# 5006: A first, C by a permit; A's flow ends, and C keeps the mapping
	# alive (inbound-refresh on) until B, 6 s in and past A's timer, takes
	# A's place and its count; B answers within its own timer
	inside "$tmp/in5006.log" 5006 --for 60 --to 198.51.100.10:7000 \
		--later 6,198.51.100.11:7000 || return 1
	wait_for 10 grep -q "^198.51.100.10:7000 198.51.100.1:5006 hello" "$tmp/sink.log" ||
		{ echo "A got nothing from 5006"; return 1; }
	ext=$(ext_port 5006)
	nc permit add instance home proto udp internal 10.0.1.2:5006 \
		remote 198.51.100.12 || return 1
	ip netns exec "$n_rt" conntrack -D -p udp --orig-src 10.0.1.2 \
		--orig-port-src 5006 --orig-dst 198.51.100.10 >/dev/null 2>&1 ||
		{ echo "no conntrack entry to A"; return 1; }
	for _ in $(seq 14); do
		from 198.51.100.12 7011 "$ext"
		sleep 1
	done &
	keep=$!
	wait_for 12 grep -q "^198.51.100.11:7000 198.51.100.1:$ext hello" "$tmp/sink.log" ||
		{ echo "B got nothing from $ext"; wait "$keep"; return 1; }
	from 198.51.100.11 7012 "$ext" || return 1
	wait_for 3 grep -q " 198.51.100.11:7012 from-" "$tmp/in5006.log" ||
		{ echo "B, talked to after A's timer ran out, was filtered (peers $(peers_less "$p0") more, refused $(counter peers_refused))"; wait "$keep"; return 1; }
	wait "$keep"
	nc permit del instance home proto udp internal 10.0.1.2:5006 \
		remote 198.51.100.12
	nc instance set home max-peers 3 udp-timeout 300 inbound-refresh off
}

die_with_mapping() {
	local n
	[ "$(limit peers)" -gt 0 ] || { echo "no peers to start with"; return 1; }
	# the inside endpoints stop talking, or they would map again
	ip netns pids "$n_in" | xargs -r kill
	nc mapping flush instance home || return 1
	wait_for 10 sh -c "[ \"\$($natctl -n $n_rt -j limits show | jq -r '.peers')\" = 0 ]" ||
		{ echo "peers left after the flush: $(limit peers)"; return 1; }
}

tap_begin
for tool in jq python3 socat conntrack; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "peers: $tool missing (scripts/deps.sh)"
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

tap_check "max-peers: flows past the cap leave, their remotes stay filtered, one event" \
	mapping_cap
tap_check "namespace max-peers: a permit past it is refused with the reason, nothing changes" \
	namespace_cap
tap_check "a peer lives while its flow does, then udp-timeout, while the mapping lives on" \
	peer_timer
tap_check "the first remote: a permit for it counts once; past its timer it gives its place to the next remote" \
	first_peer
tap_check "peers die with their mapping" die_with_mapping
tap_done
