#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "mapping get" and "mapping del" by internal endpoint are one lookup: with
# 20 000 mappings in the namespace, naming an endpoint that has none walks
# nothing under endpoint-independent mapping. Only dependent mapping, where
# an endpoint has one mapping per remote, walks the table, and that walk
# yields the CPU (conenat_table_walk() with may_sleep). A kprobe event on
# conenat_table_walk() counts the walks.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
ns=cn-lk-$$
tmp=$(mktemp -d)
tr=/sys/kernel/tracing
n=20000

cleanup() {
	if [ -w "$tr/tracing_on" ]; then
		echo 0 >"$tr/tracing_on"
		echo 0 >"$tr/events/kprobes/cnwalk/enable" 2>/dev/null
		echo '-:cnwalk' >>"$tr/kprobe_events" 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

nc() {
	"$natctl" -n "$ns" "$@"
}

setup() {
	ip netns add "$ns" && ip -n "$ns" link set lo up &&
	ip -n "$ns" link add d0 type dummy && ip -n "$ns" link add d1 type dummy &&
	ip -n "$ns" addr add 203.0.113.1/24 dev d0 &&
	ip -n "$ns" addr add 198.18.0.1/24 dev d1 &&
	ip -n "$ns" link set d0 up && ip -n "$ns" link set d1 up &&
	nc instance add eim dev d0 external 203.0.113.1-203.0.113.2 &&
	nc instance add sym dev d1 type symmetric || return 1
	static_batch "$n" eim 1000 >"$tmp/batch"
	nc -b "$tmp/batch" &&
	[ "$(nc -j instance show eim | jq '.[0].mappings')" -eq "$n" ]
}

# walks CMD...: run a natctl command with the kprobe counting calls of
# conenat_table_walk(); prints the count.
walks() {
	: >"$tr/trace"
	echo 1 >"$tr/tracing_on"
	"$@" >/dev/null 2>&1
	echo 0 >"$tr/tracing_on"
	grep -c 'cnwalk:' "$tr/trace"
}

tracer_on() {
	echo 'p:cnwalk conenat_table_walk' >>"$tr/kprobe_events" &&
	echo 1 >"$tr/events/kprobes/cnwalk/enable"
}

dependent_walks() {
	local w
	w=$(walks nc mapping get instance sym proto udp internal 10.255.0.1:1)
	[ "$w" -ge 1 ] || { echo "no walk counted under symmetric NAT: the kprobe counts nothing"; return 1; }
}

independent_looks_up() {
	local w rc
	w=$(walks nc mapping get instance eim proto udp internal 10.255.0.1:1)
	[ "$w" -eq 0 ] || { echo "mapping get of a missing endpoint walked the table $w times"; return 1; }
	w=$(walks nc mapping del instance eim proto udp internal 10.255.0.1:1)
	[ "$w" -eq 0 ] || { echo "mapping del of a missing endpoint walked the table $w times"; return 1; }
	nc mapping get instance eim proto udp internal 10.255.0.1:1 >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || { echo "get of a missing endpoint exited $rc"; return 1; }
	# and a present one is found, and deleted, by the same lookup
	w=$(walks nc mapping del instance eim proto udp internal 10.0.0.7:1000)
	[ "$w" -eq 0 ] || { echo "mapping del walked the table $w times"; return 1; }
	! nc mapping get instance eim proto udp internal 10.0.0.7:1000 >/dev/null 2>&1 ||
		{ echo "10.0.0.7:1000 is still there"; return 1; }
	[ "$(nc -j instance show eim | jq '.[0].mappings')" -eq $((n - 1)) ]
}

tap_begin
[ -e "$tr/kprobe_events" ] || mount -t tracefs tracefs "$tr" 2>/dev/null
if [ ! -w "$tr/kprobe_events" ]; then
	tap_fail "lookups: no kprobe events in $tr (the test needs them to count walks)"
	tap_done
	exit 1
fi
if ! setup >"$tmp/setup.log" 2>&1 || ! tracer_on; then
	sed 's/^/# /' "$tmp/setup.log"
	tap_fail "set up $n mappings and the tracer"
	tap_done
	exit 1
fi
tap_check "control: under symmetric NAT a missing endpoint is looked for by a walk, which the tracer counts" \
	dependent_walks
tap_check "endpoint-independent mapping, $n mappings: get and del by internal endpoint walk nothing" \
	independent_looks_up
tap_done
