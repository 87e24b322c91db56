#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: build everything, then run each test stage, print how long
# every stage took and end with one line "N passed, N failed" that adds up
# the stages. A stage that ends without its own summary line counts as one
# failure: a test runner that died must never look like a pass.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

: "${KDIR:?KDIR is not set (run through make check)}"
# The release the headers were built for (Debian's kernel.release file
# holds the upstream version instead).
KVER=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h")
export KDIR KVER

total_pass=0
total_fail=0
timings=()
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

# run_stage NAME COMMAND...: run a stage, stream its output, add up its
# "N passed, N failed" line.
run_stage() {
	local name=$1 start end line p f
	shift
	echo
	echo "=== stage: $name"
	start=$(date +%s)
	"$@" 2>&1 | tee "$logdir/$name.log"
	local rc=${PIPESTATUS[0]}
	end=$(date +%s)
	line=$(grep -aE '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$logdir/$name.log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		# A runner that failed without counting a failure still failed.
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
		fi
	else
		echo "check: stage $name printed no summary line (exit $rc): counted as one failure"
		p=0 f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	timings+=("$(printf '%-10s %4ds  %s passed, %s failed' "$name" $((end - start)) "$p" "$f")")
}

# build_stage: one test whose failure stops the run, since nothing after it
# could run.
build_stage() {
	echo "TAP version 13"
	echo "1..1"
	if make -s modules natctl selftests KDIR="$KDIR"; then
		echo "ok 1 - build conenat.ko, natctl and the selftests against $KVER"
		echo "1 passed, 0 failed"
	else
		echo "not ok 1 - build"
		echo "0 passed, 1 failed"
		return 1
	fi
}

# one_test NAME COMMAND...: a review tool as a single TAP test.
one_test() {
	local what=$1
	shift
	echo "TAP version 13"
	echo "1..1"
	if "$@" >"$logdir/one.out" 2>&1; then
		echo "ok 1 - $what"
		echo "1 passed, 0 failed"
	else
		sed 's/^/# /' "$logdir/one.out" | tail -n 40
		echo "not ok 1 - $what"
		echo "0 passed, 1 failed"
		return 1
	fi
}

# sub_test COMMAND...: one test program of a stage that runs several; adds
# its "N passed, N failed" line to sub_pass and sub_fail. One that printed
# no such line (it did not run, or died first), or that exited non-zero
# without counting a failure (a crash, a sanitizer's report), counts as one
# more failure.
sub_pass=0
sub_fail=0
sub_test() {
	local line p f rc
	"$@" 2>&1 | tee "$logdir/sub.log"
	rc=${PIPESTATUS[0]}
	line=$(grep -aE '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$logdir/sub.log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "check: $1 exited $rc without counting a failure: counted as one"
			f=1
		fi
	else
		echo "check: $1 printed no summary line (exit $rc): counted as one failure"
		p=0 f=1
	fi
	sub_pass=$((sub_pass + p))
	sub_fail=$((sub_fail + f))
}

# userspace_stage: the host-side tests: natctl's command line, then the PCP
# and NAT-PMP wire codec (selftests/pcp_wire_test, built by make selftests
# with ASan and UBSan), ending with one summary line for both.
userspace_stage() {
	sub_pass=0 sub_fail=0
	sub_test selftests/natctl_cli.sh "$top/userspace/natctl"
	sub_test "$top/selftests/pcp_wire_test"
	echo "$sub_pass passed, $sub_fail failed"
	[ "$sub_fail" -eq 0 ]
}

run_stage build build_stage
if [ "$total_fail" -ne 0 ]; then
	echo
	echo "check: the build failed; no test can run"
	echo "$total_pass passed, $total_fail failed"
	exit 1
fi
run_stage style one_test "checkpatch --strict clean" make -s style KDIR="$KDIR"
run_stage sparse one_test "sparse (C=2) clean" make -s sparse KDIR="$KDIR"
run_stage userspace userspace_stage
run_stage dkms scripts/dkms-check.sh
run_stage deb one_test "make deb: conenat-dkms and natctl build, lintian finds no error or warning" scripts/deb.sh
# The guest gets conenat.ko in its module tree, so that autoloading by the
# family alias can be tested without a slow depmod over 9p.
export VM_MODULES="$top/kmod/conenat.ko"
# About 24 minutes in all under emulation, 7 of them the Debian packages'
# test (selftests/packages.sh), most of those DKMS building the module.
VM_TIMEOUT=${VM_TIMEOUT:-2400} \
	run_stage vm selftests/vm/run-vm.sh "$top/selftests/run_guest.sh"
# A short benchmark run as a smoke test: a well-formed table, no timing.
run_stage bench sh -c 'make -s -C bench && exec bench/smoke.sh'

echo
echo "=== stage timings"
printf '%s\n' "${timings[@]}"
echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
