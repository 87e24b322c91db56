#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Expiry costs what expires: the GC work runs for timers that end, not for
# the mappings that exist. With 2 000 permanent static mappings and
# nothing else, the GC work does not run at all; a mapping with a timer
# still expires on time and is announced. A kprobe event on the GC work's
# function (conenat_gc_worker) counts its runs.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
ns=cn-ex-$$
tmp=$(mktemp -d)
tr=/sys/kernel/tracing
n=2000

cleanup() {
	if [ -w "$tr/tracing_on" ]; then
		echo 0 >"$tr/tracing_on"
		echo 0 >"$tr/events/kprobes/cngc/enable" 2>/dev/null
		echo '-:cngc' >>"$tr/kprobe_events" 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

nc() {
	"$natctl" -n "$ns" "$@"
}

mappings() {
	nc -j instance show st | jq '.[0].mappings'
}

setup() {
	[ -d "$tr/events" ] || mount -t tracefs nodev "$tr" || return 1
	echo 'p:cngc conenat_gc_worker' >>"$tr/kprobe_events" &&
	echo 1 >"$tr/events/kprobes/cngc/enable" || return 1
	ip netns add "$ns" && ip -n "$ns" link set lo up &&
	ip -n "$ns" link add d0 type dummy &&
	ip -n "$ns" addr add 203.0.113.1/24 dev d0 &&
	ip -n "$ns" link set d0 up &&
	nc instance add st dev d0 type full-cone || return 1
	static_batch "$n" st 1000 20000 >"$tmp/batch"
	nc -b "$tmp/batch" && [ "$(mappings)" -eq "$n" ]
}

# runs SECONDS: how many times the GC work ran in the next SECONDS.
runs() {
	: >"$tr/trace"
	echo 1 >"$tr/tracing_on"
	sleep "$1"
	echo 0 >"$tr/tracing_on"
	grep -c 'cngc:' "$tr/trace"
}

timed_expires() {
	local r mon
	nc -j monitor >"$tmp/mon" 2>&1 &
	mon=$!
	sleep 1
	: >"$tr/trace"
	echo 1 >"$tr/tracing_on"
	nc mapping add instance st proto udp internal 10.255.0.1:1000 lifetime 2 ||
		{ echo 0 >"$tr/tracing_on"; return 1; }
	wait_for 15 sh -c "[ \$($natctl -n $ns -j instance show st | jq '.[0].mappings') -eq $n ]"
	r=$?
	echo 0 >"$tr/tracing_on"
	kill "$mon" 2>/dev/null
	wait "$mon" 2>/dev/null
	[ "$r" -eq 0 ] || { echo "the mapping with a lifetime did not expire"; return 1; }
	[ "$(grep -c 'cngc:' "$tr/trace")" -ge 1 ] ||
		{ echo "the GC expired it without being counted: the probe counts nothing"; return 1; }
	jq -se 'map(select(.event == "expired" and .internal_addr == "10.255.0.1")) | length == 1' \
		"$tmp/mon" >/dev/null || { echo "no expired event:"; cat "$tmp/mon"; return 1; }
}

static_idle() {
	local r
	# what the expiry above left to do is done (its endpoint's hold-down
	# ends in two minutes: the GC sleeps until then)
	sleep 2
	r=$(runs 6)
	[ "$r" -eq 0 ] || { echo "the GC ran $r times in 6 s with $n permanent static mappings"; return 1; }
}

tap_begin
for tool in jq; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "expiry: $tool missing (scripts/deps.sh)"
		tap_done
		exit 1
	fi
done
if ! setup >"$tmp/setup.log" 2>&1; then
	sed 's/^/# /' "$tmp/setup.log"
	tap_fail "expiry: set up $n static mappings and a kprobe on the GC work"
	tap_done
	exit 1
fi
tap_check "expiry: a mapping with a 2 s lifetime expires, announced, by the GC work" timed_expires
tap_check "expiry: $n permanent static mappings and nothing else: the GC work does not run" static_idle
tap_done
