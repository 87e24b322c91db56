#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: the VM suite plus a soak on a debug kernel (KASAN,
# UBSAN, lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP, debugobjects, kmemleak).
# The kernel comes from scripts/debug-kernel.sh, built once per machine
# (18 minutes cold on 2 cores here). conenat.ko is built against it in
# .debug-build/, apart from the normal build. Pass means every test passed,
# the kernel log holds no report of any kind and kmemleak found nothing once
# conenat was unloaded.
#
# Environment: CONENAT_SUITE (all, the default, kernel or ci: see
# selftests/run_guest.sh); DEBUG_SOAK_SECONDS (default 600: the ten-minute soak of
# make soak), the soak after the suite; FUZZ_MESSAGES (default 100000), the
# fuzzer's messages; PCPD_FUZZ_PPS (default 1000) and PCPD_FUZZ_COUNT
# (default 20000), the pace and the size of conenat-pcpd's fuzz (4 000 a
# second, as make check sends, fill the daemon's queue under KASAN);
# DEBUG_PACKAGES (default 0): 1 runs the Debian packages' test too, whose
# DKMS build of conenat in the guest ran 17 minutes under KASAN without
# finishing (it tests packaging, which make check runs on Debian's kernel;
# the module it builds is the one the suite tests already); VM_TIMEOUT
# (default 7200).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

start=$(date +%s)
dir=$(scripts/debug-kernel.sh) || {
	echo "check-debug: no debug kernel (scripts/debug-kernel.sh failed)"
	echo "0 passed, 1 failed"
	exit 1
}
echo "check-debug: debug kernel $(cat "$dir/kernel.release") in $dir ($(cat "$dir/done"))"
echo "check-debug: its checkers: $(grep -E '^CONFIG_(KASAN|KASAN_INLINE|UBSAN|PROVE_LOCKING|PROVE_RCU|DEBUG_ATOMIC_SLEEP|DEBUG_KMEMLEAK|DEBUG_OBJECTS|DEBUG_LIST)=y' "$dir/build/.config" | sed 's/^CONFIG_//; s/=y$//' | tr '\n' ' ')"

# conenat.ko against the debug tree, from a copy of the sources: the
# normal build in kmod/ stays as it is.
build=$top/.debug-build
rm -rf "$build"
mkdir -p "$build"
cp -r Kbuild VERSION kmod include "$build/"
rm -f "$build"/kmod/*.o "$build"/kmod/*.ko "$build"/kmod/*.mod* "$build"/kmod/.*.cmd
if ! make -s -C "$dir/build" M="$build" modules >"$build/build.log" 2>&1; then
	tail -n 30 "$build/build.log"
	echo "check-debug: building conenat.ko against the debug kernel failed"
	echo "0 passed, 1 failed"
	exit 1
fi
# natctl and the test programs are ordinary userspace: the normal build.
if ! make -s natctl selftests >"$build/userspace.log" 2>&1; then
	tail -n 30 "$build/userspace.log"
	echo "check-debug: building natctl and the selftests failed"
	echo "0 passed, 1 failed"
	exit 1
fi

ko=$build/kmod/conenat.ko
log=$build/console.log
# The guest's environment is its own: pass the settings as env arguments.
VM_KERNEL_DIR=$dir VM_MODULES=$ko VM_LOG=$log VM_MEM=${VM_MEM:-3072} \
	VM_TIMEOUT=${VM_TIMEOUT:-7200} \
	selftests/vm/run-vm.sh /usr/bin/env CONENAT_KO="$ko" \
	CONENAT_SOAK_EXTRA="${DEBUG_SOAK_SECONDS:-600}" \
	CONENAT_SUITE="${CONENAT_SUITE:-all}" \
	CONENAT_PACKAGES="${DEBUG_PACKAGES:-0}" \
	FUZZ_MESSAGES="${FUZZ_MESSAGES:-100000}" \
	PCPD_FUZZ_PPS="${PCPD_FUZZ_PPS:-1000}" \
	PCPD_FUZZ_COUNT="${PCPD_FUZZ_COUNT:-20000}" \
	"$top/selftests/run_guest.sh"
rc=$?
echo "check-debug: guest exit $rc after $(($(date +%s) - start)) s; console log $log"
case $rc in
0) ;;
124) echo "check-debug: the kernel reported a problem (see the splat above): counted as a failure" ;;
*) echo "check-debug: the run failed (exit $rc)" ;;
esac
exit "$rc"
