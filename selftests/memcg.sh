#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel memory that a namespace's admin makes conenat allocate is charged to
# the admin's memory cgroup: static mappings added by natctl running in a
# cgroup of its own show in that cgroup's slab memory, and leave it when
# they are flushed. Expects conenat.ko to be loaded and cgroup2 mounted on
# /sys/fs/cgroup (selftests/vm/stage2.sh mounts it).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}

N=20000
ns=cnmemcg
root=/sys/fs/cgroup
cg=$root/conenat-memcg-test
tmp=$(mktemp -d)

cleanup() {
	ip netns del "$ns" 2>/dev/null
	rmdir "$cg" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# slab bytes charged to the test cgroup
cg_slab() {
	sed -n 's/^slab \([0-9]*\)$/\1/p' "$cg/memory.stat"
}

# in_cg COMMAND...: run COMMAND as a process of the test cgroup
in_cg() {
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

setup() {
	grep -qw memory "$root/cgroup.controllers" ||
		{ echo "no memory controller in $root"; return 1; }
	grep -qw memory "$root/cgroup.subtree_control" ||
		echo +memory >"$root/cgroup.subtree_control" || return 1
	mkdir -p "$cg" && [ -r "$cg/memory.stat" ] || return 1
	ip netns add "$ns" && ip -n "$ns" link set lo up &&
	ip -n "$ns" link add wan type dummy && ip -n "$ns" link set wan up &&
	ip -n "$ns" addr add 198.51.100.1/24 dev wan &&
	"$natctl" -n "$ns" instance add m dev wan type full-cone hold-down 3 || return 1
	awk -v n=$N 'BEGIN { for (i = 0; i < n; i++)
		printf "mapping add instance m proto udp internal 10.1.%d.%d:5000 external :%d\n",
			int(i / 200), i % 200 + 1, 10000 + i }' >"$tmp/maps"
}

tap_begin
if ! why=$(setup 2>&1); then
	echo "# $why"
	tap_fail "memcg: set up a memory cgroup and a namespace"
	tap_done
	exit 1
fi

charged() {
	local before after
	before=$(cg_slab)
	in_cg "$natctl" -n "$ns" -b "$tmp/maps" || { echo "natctl -b failed"; return 1; }
	[ "$("$natctl" -n "$ns" -j instance show m | jq '.[0].mappings')" -eq "$N" ] ||
		{ echo "not $N mappings"; return 1; }
	after=$(cg_slab)
	echo "slab of the cgroup: $before bytes before, $after after $N static mappings" |
		tee -a "$tmp/figures"
	# a mapping is an 80-byte object: most of N x 80 must be there
	[ $((after - before)) -ge $((N * 64)) ] ||
		{ echo "only $((after - before)) bytes charged for $N mappings"; return 1; }
	echo "$after" >"$tmp/after"
}
tap_check "memcg: $N static mappings added from a cgroup are charged to it (memory.stat slab)" charged

# once flushed, held for the hold-down (3 s here) and freed after RCU, the
# charge goes
uncharged() {
	local after
	after=$(cat "$tmp/after") || return 1
	"$natctl" -n "$ns" mapping flush || return 1
	wait_for 30 sh -c "[ \$(sed -n 's/^slab \([0-9]*\)$/\1/p' '$cg/memory.stat') -le $((after - N * 48)) ]" ||
		{ echo "slab of the cgroup still $(cg_slab) bytes (was $after)"; return 1; }
	echo "slab of the cgroup after the flush: $(cg_slab) bytes" >>"$tmp/figures"
}
tap_check "memcg: the flush gives the charge back" uncharged
[ -f "$tmp/figures" ] && sed 's/^/# /' "$tmp/figures"

tap_done
