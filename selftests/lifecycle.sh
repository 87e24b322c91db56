#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module lifecycle: unload and load again (repeatedly), autoload through the
# generic netlink family alias, and the load-time parameter check. Expects
# conenat.ko ($CONENAT_KO) to be loaded on entry and leaves it loaded.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
ko=${CONENAT_KO:-$top/kmod/conenat.ko}
version=$(cat "$top/VERSION")

loaded() { [ -d /sys/module/conenat ]; }

# The checks of an unloaded module model a router where it is not
# installed: the kernel's module loader is pointed at /bin/true so that
# resolving the family cannot load it back.
modprobe_path=$(cat /proc/sys/kernel/modprobe)
no_autoload() { echo /bin/true >/proc/sys/kernel/modprobe; }
autoload() { echo "$modprobe_path" >/proc/sys/kernel/modprobe; }
tmp=$(mktemp -d)
trap 'autoload; rm -rf "$tmp"' EXIT

info_says_version() {
	local out
	out=$("$natctl" info) || return 1
	echo "$out" | grep -q "^conenat $version "
}

unload_then_absent() {
	local out rc
	no_autoload
	rmmod conenat || return 1
	! loaded || { echo "/sys/module/conenat still exists"; return 1; }
	out=$("$natctl" info 2>&1)
	rc=$?
	[ "$rc" -eq 2 ] || { echo "natctl info exited $rc with the module unloaded"; return 1; }
	echo "$out" | grep -q 'modprobe conenat' || { echo "unexpected: $out"; return 1; }
	autoload
}

load_again() {
	autoload
	loaded || insmod "$ko" || return 1
	loaded && info_says_version
}

cycles() {
	local i
	for i in 1 2 3 4 5; do
		rmmod conenat || { echo "rmmod failed in cycle $i"; return 1; }
		insmod "$ko" || { echo "insmod failed in cycle $i"; return 1; }
		info_says_version || { echo "info failed in cycle $i"; return 1; }
	done
}

# The kernel loads the module itself when a client resolves the family, so
# natctl works on a router where the module is installed but not loaded.
# make check has the VM runner install the module in the guest's module tree
# (VM_MODULES); otherwise install it here (depmod over 9p is slow).
autoload_by_family_alias() {
	local dir
	dir=/lib/modules/$(uname -r)/extra
	modinfo -F alias "$ko" | grep -qx 'net-pf-16-proto-16-family-conenat' ||
		{ echo "no genl family alias in modinfo"; return 1; }
	if ! modinfo -n conenat >/dev/null 2>&1; then
		mkdir -p "$dir" && cp "$ko" "$dir/conenat.ko" && depmod -a || return 1
	fi
	rmmod conenat || return 1
	info_says_version || { echo "natctl info did not autoload the module"; return 1; }
	loaded || return 1
	rmmod conenat && insmod "$ko"
}

# refused_at_load VALUE WHY: insmod with hash_buckets=VALUE fails, and the
# kernel log says WHY; the module is loaded again if it was not refused
refused_at_load() {
	if insmod "$ko" hash_buckets="$1" 2>/dev/null; then
		echo "hash_buckets=$1 was accepted"
		rmmod conenat
		insmod "$ko"
		return 1
	fi
	dmesg | tail -n 5 | grep -q "hash_buckets=$1: $2" ||
		{ echo "no explanation in the kernel log for $1"; insmod "$ko"; return 1; }
	! loaded
}

bad_param_refused() {
	rmmod conenat || return 1
	refused_at_load 100 'need a power of two' || return 1
	# past what the kernel's rhashtable can be sized for ahead (u16
	# hints): refused, where 65536 and up used to be taken and ignored
	refused_at_load 262144 'need a power of two from 64 to 131072' || return 1
	insmod "$ko" hash_buckets=1024 || return 1
	"$natctl" -j info | jq -e '.limits.hash_buckets == 1024' >/dev/null ||
		{ echo "info does not report hash_buckets=1024"; return 1; }
	rmmod conenat && insmod "$ko"
}

# buckets_are NS N: the tables of NS come to have N buckets within 5 s
# (rhashtable resizes in a work item); prints the count last seen
buckets_are() {
	local b i
	for i in $(seq 50); do
		b=$("$natctl" -n "$1" -j limits show | jq -r .buckets)
		[ "$b" = "$2" ] && break
		sleep 0.1
	done
	echo "$b"
	[ "$b" = "$2" ]
}

# sized_tables BUCKETS MAPPINGS GROWN AFTER: loaded with hash_buckets=BUCKETS,
# a namespace's tables have BUCKETS buckets, GROWN with MAPPINGS static
# mappings, AFTER once those are flushed
sized_tables() {
	local ns=cn-lc-size b
	rmmod conenat && insmod "$ko" hash_buckets="$1" || return 1
	ip netns add $ns && ip -n $ns link add d0 type dummy &&
		ip -n $ns addr add 203.0.113.1/24 dev d0 && ip -n $ns link set d0 up &&
		"$natctl" -n $ns instance add a dev d0 external 203.0.113.1-203.0.113.4 ||
		{ ip netns del $ns; return 1; }
	b=$(buckets_are $ns "$1") ||
		{ echo "hash_buckets=$1: a new namespace's tables have $b buckets"; ip netns del $ns; return 1; }
	static_batch "$2" a 5000 >"$tmp/batch"
	"$natctl" -n $ns -b "$tmp/batch" || { ip netns del $ns; return 1; }
	b=$(buckets_are $ns "$3") ||
		{ echo "hash_buckets=$1, $2 mappings: $b buckets, want $3"; ip netns del $ns; return 1; }
	"$natctl" -n $ns mapping flush || { ip netns del $ns; return 1; }
	b=$(buckets_are $ns "$4")
	ip netns del $ns
	[ "$b" = "$4" ] || { echo "hash_buckets=$1, flushed: $b buckets, want $4"; return 1; }
}

tables_sized_ahead() {
	# grown past 75 % of 1024, and back to 1024 (not fewer) after a flush
	sized_tables 1024 1000 2048 1024 || return 1
	# the most rhashtable can size ahead: no growth for 60 000 mappings,
	# and no shrinking (rhashtable keeps at most 32768 as a minimum)
	sized_tables 131072 60000 131072 131072 || return 1
	rmmod conenat && insmod "$ko"
}

tap_begin
loaded && tap_ok "conenat.ko is loaded" || tap_fail "conenat.ko is loaded"
tap_check "unload: module gone, natctl says it is not loaded (exit 2)" unload_then_absent
tap_check "load again: info answers version $version" load_again
tap_check "five unload/load cycles" cycles
tap_check "autoload by the genl family alias (modprobe via depmod)" autoload_by_family_alias
tap_check "bad hash_buckets (not a power of two; 262144, past what can be sized ahead) refused at load with a reason; a good one reported" bad_param_refused
tap_check "hash_buckets sizes the tables (limits: buckets): 1024 grows with 1000 mappings and shrinks back to 1024 after a flush; 131072 holds 60 000 and keeps its size" tables_sized_ahead
loaded || insmod "$ko"
tap_done
