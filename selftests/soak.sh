#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Soak: SOAK_SECONDS (default 600) of mixed traffic with constant mapping
# churn at the highest rate the machine sustains - UDP from ever-changing
# source ports with a 5 s udp-timeout (mappings created and expiring all the
# time), answered and unanswered flows, TCP connections, pings, static
# mappings added and deleted, configuration reads and an event listener -
# then, once the traffic stops and the mappings have expired: no mapping
# left, the counters consistent (created = expired + deleted), conenat's slab
# objects back to baseline, nothing logged as WARN/BUG/Oops.
#
#  in1 10.0.1.2 --- lan 10.0.1.1 [router, conenat on wan] wan 198.51.100.1 --- out 198.51.100.10
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
seconds=${SOAK_SECONDS:-600}
sfx=$$
in=cn-soak-in-$sfx
rt=cn-soak-rt-$sfx
out=cn-soak-out-$sfx
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$in" 2>/dev/null
	ip netns del "$rt" 2>/dev/null
	ip netns del "$out" 2>/dev/null
}
trap cleanup EXIT

conenat_objects() {
	local f
	for f in /sys/kernel/slab/conenat_*/shrink; do
		[ -e "$f" ] && echo 1 >"$f"
	done
	awk '/^conenat_(mapping|peer|host) / { n += $2 } END { print n + 0 }' /proc/slabinfo
}
splats() { dmesg | grep -c -E 'BUG:|WARNING:|Oops|general protection|UBSAN|KASAN'; }

setup() {
	local n
	for n in "$in" "$rt" "$out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add sk0 netns "$in" type veth peer name lan netns "$rt" &&
	ip link add wan netns "$rt" type veth peer name sk1 netns "$out" &&
	ip -n "$in" addr add 10.0.1.2/24 dev sk0 && ip -n "$in" link set sk0 up &&
	ip -n "$in" route add default via 10.0.1.1 &&
	ip -n "$rt" addr add 10.0.1.1/24 dev lan && ip -n "$rt" link set lan up &&
	ip -n "$rt" addr add 198.51.100.1/24 dev wan && ip -n "$rt" link set wan up &&
	ip netns exec "$rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$out" addr add 198.51.100.10/24 dev sk1 && ip -n "$out" link set sk1 up &&
	"$natctl" -n "$rt" instance add soak dev wan type port-restricted-cone \
		udp-timeout 5 tcp-timeout 5 tcp-transitory-timeout 5 icmp-timeout 5 2>/dev/null
}

stat_of() {
	"$natctl" -n "$rt" -j -s instance show soak | jq -r ".[0].stats.$1"
}

tap_begin
objects_before=$(conenat_objects)
splats_before=$(splats)
if ! setup_out=$(setup 2>&1); then
	echo "$setup_out" | sed 's/^/# /'
	tap_fail "soak: set up"
	tap_done
	exit 1
fi

# The event listener first, known to be subscribed once it has reported a
# probe mapping, so that it sees every event of the run.
events=/tmp/soak-events.$sfx
"$natctl" -n "$rt" -j monitor >"$events" 2>&1 &
pids+=($!)
probe() {
	"$natctl" -n "$rt" mapping add instance soak proto udp internal 10.0.1.9:9 lifetime 1 2>/dev/null
	sleep 0.2
	grep -q '"internal_port":9' "$events"
}
wait_for 10 probe || echo "# the monitor did not report the probe mapping"

# the background load
ip netns exec "$out" socat -u UDP-RECVFROM:4000,fork,reuseaddr SYSTEM:'cat >/dev/null' &
pids+=($!)
ip netns exec "$out" socat TCP-LISTEN:5000,fork,reuseaddr SYSTEM:'head -c 100' &
pids+=($!)
ip netns exec "$in" "$top/selftests/churn" 10.0.1.2 10000 60000 198.51.100.10 4000 64 "$seconds" \
	>/tmp/churn.$sfx &
churn_pid=$!
pids+=($!)
(
	end=$(($(date +%s) + seconds))
	i=0
	while [ "$(date +%s)" -lt "$end" ]; do
		i=$((i + 1))
		echo x | timeout 2 ip netns exec "$in" socat -u - TCP:198.51.100.10:5000 >/dev/null 2>&1
		ip netns exec "$in" ping -n -q -c 1 -W 1 198.51.100.10 >/dev/null 2>&1
		"$natctl" -n "$rt" mapping add instance soak proto udp \
			internal 10.0.1.$((50 + i % 100)):7000 lifetime 3 >/dev/null 2>&1
		"$natctl" -n "$rt" mapping del instance soak proto udp \
			internal 10.0.1.$((50 + (i + 50) % 100)):7000 >/dev/null 2>&1
		"$natctl" -n "$rt" -s instance show >/dev/null
	done
) &
loop_pid=$!
pids+=($!)
sleep "$seconds"
wait "$churn_pid" "$loop_pid" 2>/dev/null
sent=$(cat /tmp/churn.$sfx 2>/dev/null || echo 0)
created=$(stat_of mappings_created)
echo "# $seconds s: churn sent $sent datagrams; $created mappings created"
tap_check "soak: $seconds s of traffic with constant mapping churn ($created mappings created)" \
	test "${created:-0}" -gt 1000

# everything expires (5 s timers, static lifetimes of 3 s). A mapping past
# its timer leaves the dump at once but is counted as expired when the GC
# unlinks it, so wait for the instance to hold none, not only for an empty
# dump.
drained() {
	[ "$("$natctl" -n "$rt" -j mapping show | jq length)" -eq 0 ] &&
		[ "$("$natctl" -n "$rt" -j instance show soak | jq -r '.[0].mappings')" -eq 0 ]
}
# what is left when they did not: the mappings, and the router's conntrack
# entries by protocol and state
leftovers() {
	wait_for 30 drained && return 0
	echo "instance soak holds $("$natctl" -n "$rt" -j instance show soak | jq -r '.[0].mappings') mappings 30 s after the traffic stopped; the dump:"
	"$natctl" -n "$rt" mapping show | head -n 20
	echo "conntrack entries in the router's namespace (protocol, state):"
	ip netns exec "$rt" conntrack -L 2>/dev/null |
		awk '{ s = ($1 == "tcp") ? $4 : "-"; print $1, s }' | sort | uniq -c
	ip netns exec "$rt" conntrack -L 2>/dev/null | head -n 12
	return 1
}
tap_check "soak: every mapping expired once the traffic stopped" leftovers

consistent() {
	local c e d
	c=$(stat_of mappings_created) e=$(stat_of mappings_expired) d=$(stat_of mappings_deleted)
	echo "# created $c, expired $e, deleted $d"
	[ "$c" -eq $((e + d)) ]
}
tap_check "soak: counters consistent (created = expired + deleted, none left)" consistent
# natctl monitor reports every event, or says that it lost some: never
# fewer lines than events without a word.
monitor_accounts() {
	local c e d
	sleep 1
	c=$(grep -c '"event":"created"' "$events")
	e=$(grep -c '"event":"expired"' "$events")
	d=$(grep -c '"event":"deleted"' "$events")
	echo "# monitor: $c created, $e expired, $d deleted"
	[ "$c" -eq "$(stat_of mappings_created)" ] &&
		[ "$e" -eq "$(stat_of mappings_expired)" ] &&
		[ "$d" -eq "$(stat_of mappings_deleted)" ] && return 0
	grep -q 'events lost' "$events" && { echo "# (it reported lost events)"; return 0; }
	return 1
}
tap_check "soak: the monitor saw every event or said it lost some" monitor_accounts

"$natctl" -n "$rt" instance del soak
back() { [ "$(conenat_objects)" -le "$objects_before" ]; }
# Peers are reaped by the GC's next pass and every object is freed after an
# RCU grace period: on a debug kernel under emulation that can take a while.
slab_back() {
	wait_for 120 back && return 0
	echo "conenat's slab objects 120 s after the instance went:"
	awk '/^conenat_/ { print "  " $1 ": " $2 " in use of " $3 }' /proc/slabinfo
	return 1
}
tap_check "soak: conenat's slab objects back to baseline ($objects_before)" slab_back
tap_check "soak: nothing logged as WARN/BUG/Oops" test "$(splats)" -eq "$splats_before"
rm -f /tmp/churn.$sfx "$events"
tap_done
