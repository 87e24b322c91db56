#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite, run inside the guest by vm/run-vm.sh: loads the freshly built
# conenat.ko and runs every kernel-side test, as one TAP stream ending in
# "N passed, N failed".
#
# Environment (make check-debug sets them):
#   CONENAT_KO          the module to test (default: kmod/conenat.ko)
#   CONENAT_SOAK_EXTRA  seconds of a further soak after the suite (default 0)
#   CONENAT_SUITE       "all" (default); "kernel": the module's own tests,
#                       leaving out those of natctl and of applications
#                       (natdiscovery, natctl_vm, punch, wireguard,
#                       conenat-pcpd's, the Debian packages, ...);
#                       "ci": the kernel suite without the control-path
#                       refusals of ctl (the fuzzer covers them), the
#                       wire and cost checks of hold-down and lookups,
#                       memcg's charging of 20 000 static mappings and the
#                       wire conformance of nat (10 to 13 minutes under
#                       KASAN), for a debug-kernel run that has to fit in
#                       CI's hour
#   CONENAT_PACKAGES    1 (default) runs the Debian packages' test in the
#                       whole suite; 0 leaves it out, saying so (make
#                       check-debug: DKMS's build of conenat in a guest of
#                       the debug kernel)
# On a kernel with kmemleak (scripts/debug-kernel.sh), the suite ends by
# unloading conenat and asking kmemleak for leaks.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"

export CONENAT_KO="${CONENAT_KO:-$top/kmod/conenat.ko}"
export CONENAT_EXPECT_VERSION
CONENAT_EXPECT_VERSION=$(cat "$top/VERSION")
export NATCTL="$top/userspace/natctl"
export PATH="$top/userspace:$PATH"

kmemleak=/sys/kernel/debug/kmemleak

tap_begin
echo "# kernel $(uname -r), module $CONENAT_KO"
if [ -w "$kmemleak" ]; then
	# Scan when asked only (automatic scans are slow under emulation), and
	# forget what boot left behind: what counts is what the suite leaks.
	echo scan=off >"$kmemleak"
	echo clear >"$kmemleak"
	echo "# kmemleak active; boot-time reports cleared"
fi
# The debug kernel's other checkers, as the running kernel shows them.
if [ -r /proc/lockdep_stats ]; then
	echo "# lockdep active: $(grep -m1 'lock-classes' /proc/lockdep_stats | tr -s ' ')"
fi

# conenat.ko builds on conntrack and nf_nat; insmod does not resolve
# dependencies, so load them first (slow over 9p: once, up front).
modprobe nf_nat
if ! insmod "$CONENAT_KO"; then
	tap_fail "insmod $CONENAT_KO"
	tap_done
	exit 1
fi

suite=${CONENAT_SUITE:-all}
case $suite in
all | kernel | ci) ;;
*)
	tap_fail "CONENAT_SUITE=$suite: expected all, kernel or ci"
	tap_done
	exit 1
	;;
esac
# app_fold NAME COMMAND...: a test of natctl or of applications, run in the
# whole suite; the kernel and ci suites say they left it out.
app_fold() {
	if [ "$suite" = all ]; then
		tap_fold "$@"
	else
		echo "# $1: not in the $suite suite (make check runs it)"
	fi
}

# kernel_fold NAME COMMAND...: a test of the module the ci suite leaves out
kernel_fold() {
	if [ "$suite" != ci ]; then
		tap_fold "$@"
	else
		echo "# $1: not in the $suite suite (make check runs it)"
	fi
}

tap_fold lifecycle "$top/selftests/lifecycle.sh"
tap_fold natctl_info "$top/selftests/natctl_info.sh"
tap_fold genl "$top/selftests/conenat_genl_test"
kernel_fold ctl "$top/selftests/conenat_ctl_test"
app_fold natdiscovery "$top/selftests/natdiscovery.sh"
app_fold natctl_vm "$top/selftests/natctl_vm.sh"
tap_fold torture "$top/selftests/torture.sh"
tap_fold ctlink "$top/selftests/ctlink.sh"
tap_fold renumber "$top/selftests/renumber.sh"
tap_fold peers "$top/selftests/peers.sh"
kernel_fold holddown "$top/selftests/holddown.sh"
tap_fold expiry "$top/selftests/expiry.sh"
tap_fold ports "$top/selftests/ports.sh"
kernel_fold lookups "$top/selftests/lookups.sh"
kernel_fold memcg "$top/selftests/memcg.sh"
kernel_fold nat "$top/selftests/conenat_nat_test"
tap_fold fuzz "$top/selftests/fuzz.sh"
SOAK_SECONDS=20 tap_fold soak "$top/selftests/soak.sh"
app_fold portforward "$top/selftests/portforward.sh"
app_fold routersock "$top/selftests/routersock.sh"
app_fold wanzone "$top/selftests/wanzone.sh"
kernel_fold offload "$top/selftests/offload.sh"
app_fold upnp "$top/selftests/upnp.sh"
app_fold portcontrol "$top/selftests/portcontrol.sh"
app_fold pcpd_fuzz "$top/selftests/pcpd_fuzz.sh"
app_fold punch "$top/selftests/punch.sh"
app_fold wireguard "$top/selftests/wireguard.sh"
# last: it unloads the tree's conenat.ko for the one DKMS builds from the
# Debian package (make check's deb stage made deb/ before this one)
if [ "${CONENAT_PACKAGES:-1}" = 1 ]; then
	app_fold packages "$top/selftests/packages.sh"
else
	echo "# packages: left out (CONENAT_PACKAGES=0): it tests Debian's packaging and DKMS on Debian's kernel, as make check does"
fi
if [ "${CONENAT_SOAK_EXTRA:-0}" -gt 0 ]; then
	SOAK_SECONDS=$CONENAT_SOAK_EXTRA tap_fold soak-long "$top/selftests/soak.sh"
fi

# kmemleak: unload conenat (and what the tests loaded on top of it), wait
# for RCU frees, then scan. A leak is reported once an object has been
# unreferenced for two scans.
kmemleak_clean() {
	local report
	if lsmod | grep -q '^conenat '; then
		rmmod conenat || { echo "rmmod conenat failed"; return 1; }
	fi
	sleep 6
	echo scan >"$kmemleak"
	sleep 6
	echo scan >"$kmemleak"
	report=$(cat "$kmemleak")
	if [ -n "$report" ]; then
		echo "$report" | head -n 80
		return 1
	fi
}
if [ -w "$kmemleak" ]; then
	tap_check "kmemleak: nothing leaked once conenat is unloaded" kmemleak_clean
fi

# Nothing may have left the kernel complaining: oopses and warnings, and on
# the debug kernel KASAN, UBSAN, lockdep, RCU and debugobjects reports.
report_re='BUG:|WARNING:|Oops|Call Trace|general protection|UBSAN:|KASAN:|ODEBUG:|suspicious RCU|lockdep is turned off|kmemleak: [0-9]+ new'
if dmesg | grep -E -q "$report_re"; then
	dmesg | grep -E -B2 -A20 "$report_re" | sed 's/^/# /' | head -n 80
	tap_fail "kernel log is free of reports (BUG/WARNING/Oops/KASAN/UBSAN/lockdep)"
else
	tap_ok "kernel log is free of reports (BUG/WARNING/Oops/KASAN/UBSAN/lockdep)"
fi

tap_done
