#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh: conenat's benchmark, side by side with what users run today
# (`make bench`, `make bench QUICK=1`). See Documentation/benchmarks.md.
#
# Boots the qemu guest of the VM tests (selftests/vm/run-vm.sh) with the built
# conenat.ko, runs bench/guest.sh there, takes the results off the console
# and writes the report to results/bench-DATE/ (BENCH_OUT= elsewhere):
# results.md, results.json, chart.png, plus the raw lines, their summary and
# the console log.
#
# Environment:
#   MODE=icount    the deterministic cost mode: one vCPU under qemu's
#                  instruction counting (-icount shift=0,sleep=off), the
#                  generator, router and sink on it; rates in guest time,
#                  the NAT's own cost per packet over the ceiling. The
#                  default, MODE=wallclock, is two vCPUs and wall-clock
#                  rates: noisy, for scale and the control path
#   QUICK=1        a reduced run (one repetition, short bursts, small scales;
#                  no 1 000 000 mappings) for smoke tests: under a minute in
#                  the guest on a quiet machine
#   BENCH_OUT=DIR  where the results go (default results/bench-YYYYmmdd-HHMMSS)
#   BENCH_ARGS     extra KEY=VALUE settings for bench/guest.sh (REPS=, EST_DUR=,
#                  SCALE=, ...); see the top of that file
#   BENCH_SOURCE   what the report names as measured (default: the git commit,
#                  and whether kmod/, include/ or userspace/ had changes)
#   CONENAT_KVM=1, VM_MEM, VM_CPUS, KVER: as for selftests/vm/run-vm.sh
#
# Needs conenat.ko, natctl and the bench tools built (make bench does it).
# Exit status: 0 when the guest ran to its end and the report was written.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
QUICK=${QUICK:-0}
[ "$QUICK" = 1 ] || QUICK=0
MODE=${MODE:-wallclock}
case $MODE in
wallclock) ;;
icount)
	if [ "${CONENAT_KVM:-0}" = 1 ]; then
		echo "bench: MODE=icount needs TCG (instruction counting); unset CONENAT_KVM" >&2
		exit 2
	fi
	export VM_ICOUNT=1 VM_CPUS=1
	;;
*)
	echo "bench: MODE=$MODE: want icount or wallclock" >&2
	exit 2
	;;
esac

for f in kmod/conenat.ko userspace/natctl bench/udpgen bench/udpsink; do
	if ! [ -e "$top/$f" ]; then
		echo "bench: $f is missing; run make bench (it builds everything)" >&2
		exit 2
	fi
done

stamp=$(date -u +%Y%m%d-%H%M%S)
out=${BENCH_OUT:-$top/results/bench-$stamp}
mkdir -p "$out" || exit 2

load1() {
	cut -d ' ' -f 1 /proc/loadavg
}

# Other guests slow this one down: note them (by name, without touching them).
other_qemu=$(pgrep -c -x qemu-system-x86_64 2>/dev/null)
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "host_nproc=$(nproc)"
	echo "host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "host_kernel=$(uname -r)"
	echo "load_start=$(load1)"
	echo "other_qemu=${other_qemu:-0}"
	if [ "${CONENAT_KVM:-0}" = 1 ]; then echo "accel=kvm"; else echo "accel=tcg"; fi
	echo "mode=$MODE"
	echo "qemu=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1)"
	echo "quick=$QUICK"
	# what was measured: the commit, and whether the module or natctl had
	# uncommitted changes
	if [ -n "${BENCH_SOURCE:-}" ]; then
		echo "source=$BENCH_SOURCE"
	elif rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null); then
		dirty=$(git -C "$top" status --porcelain -- kmod include userspace 2>/dev/null | wc -l)
		echo "source=$rev$([ "$dirty" -gt 0 ] && echo " + uncommitted changes in kmod/, include/ or userspace/")"
	else
		echo "source=$(cat "$top/VERSION" 2>/dev/null) (not a git tree)"
	fi
} >"$out/meta.txt"

if [ "$QUICK" = 1 ] || [ "$MODE" = icount ]; then
	: "${VM_TIMEOUT:=$([ "$QUICK" = 1 ] && echo 900 || echo 5400)}"
else
	# 1 000 000 mappings through natctl -b alone take minutes under TCG
	: "${VM_TIMEOUT:=7200}"
fi
export VM_TIMEOUT
export VM_LOG=$out/console.log
export VM_MODULES=$top/kmod/conenat.ko

echo "bench: results in $out ($MODE mode, $([ "$QUICK" = 1 ] && echo QUICK || echo full) run; guest output below)"
start=$(date +%s)
# shellcheck disable=SC2086 # BENCH_ARGS is a list of KEY=VALUE words
"$top/selftests/vm/run-vm.sh" "$top/bench/guest.sh" "MODE=$MODE" "QUICK=$QUICK" ${BENCH_ARGS:-} \
	>"$out/vm.out" 2>&1 &
vm=$!
# progress: the guest's comment lines, as they come
tail -n +1 -f "$out/vm.out" --pid=$vm 2>/dev/null |
	grep --line-buffered -E '^# |^guest.sh:|^run-vm:|^BENCH test=(map_add|ctl_add|bg|error)' &
wait $vm
rc=$?
sleep 0.2
end=$(date +%s)
{
	echo "load_end=$(load1)"
	echo "wall_seconds=$((end - start))"
	echo "vm_exit=$rc"
} >>"$out/meta.txt"
# a kernel splat anywhere on the console, after the results included
grep -a -E '\[ *[0-9]+\.[0-9]+\] .*(Oops|BUG:|kernel BUG at|WARNING:|Call Trace:|Kernel panic|RIP:|general protection fault|soft lockup|hard LOCKUP|blocked for more than|rcu_(sched|preempt) detected stalls)' \
	"$VM_LOG" | grep -v -E 'taints kernel|module verification failed' | head -n 12 >"$out/splat.txt"

sed -n '/@@BENCH-BEGIN@@/,/@@BENCH-END@@/p' "$VM_LOG" | grep -a '^BENCH ' >"$out/raw.txt"
if ! grep -q '@@BENCH-END@@' "$VM_LOG" || ! grep -q '^BENCH test=kernel ' "$out/raw.txt"; then
	echo "bench: the guest did not finish (run-vm.sh exit $rc); see $VM_LOG" >&2
	tail -n 30 "$VM_LOG" >&2
	exit 1
fi
if grep -q '^BENCH test=error' "$out/raw.txt"; then
	grep '^BENCH test=error' "$out/raw.txt" >&2
	exit 1
fi
if ! "$top/bench/report.sh" "$out"; then
	echo "bench: the report failed" >&2
	exit 1
fi
cat "$out/results.md"
echo
echo "bench: $out/results.md, results.json, chart.png (guest exit $rc, $((end - start)) s wall clock)"
# 124: a kernel splat on the console; the figures stand, the run does not
[ "$rc" -eq 0 ]
