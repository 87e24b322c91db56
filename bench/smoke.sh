#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "bench" stage of make check: `bench/run.sh` with QUICK=1 into a
# temporary directory, one TAP result. It passes when the run produced a
# well-formed report: a results table with a figure for every configuration,
# valid JSON and a PNG chart. It asserts no timing: figures from a shared or
# emulated machine mean nothing for a pass or a fail.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# well_formed DIR: what a report must hold, whatever the figures
well_formed() {
	local dir=$1 cfg n
	[ -s "$dir/results.md" ] || { echo "no results.md"; return 1; }
	for cfg in ceiling masquerade full-cone restricted-cone port-restricted-cone symmetric; do
		# "| cfg | <number> |" in the established, new-flow and fan-out tables
		n=$(grep -cE "^\| $cfg \| ([0-9][0-9 ]* \| )?[0-9][0-9 ]* \|" "$dir/results.md")
		[ "$n" -ge 3 ] || { echo "configuration $cfg: $n rows with a figure, want 3 or more"; return 1; }
	done
	grep -q '^## Targets' "$dir/results.md" || { echo "no targets table"; return 1; }
	grep -q '^| established pps, full-cone / masquerade | [0-9]' "$dir/results.md" ||
		{ echo "no established ratio"; return 1; }
	grep -qE '^\| [0-9][0-9 ]* \| [0-9]' <(sed -n '/^## Scale/,/^## Memory/p' "$dir/results.md") ||
		{ echo "no scale figures"; return 1; }
	grep -qE '^\| natctl -b \| [0-9]' "$dir/results.md" || { echo "no control-path figures"; return 1; }
	jq -e ".targets | length >= 9" "$dir/results.json" >/dev/null ||
		{ echo "results.json is not valid or lacks the targets"; return 1; }
	[ "$(head -c 8 "$dir/chart.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		{ echo "chart.png is not a PNG"; return 1; }
}

tap_begin
start=$(date +%s)
if ! QUICK=1 BENCH_OUT="$out" "$top/bench/run.sh" >"$out/run.log" 2>&1; then
	tail -n 40 "$out/run.log" | sed 's/^/# /'
	tap_fail "bench smoke: table produced (bench/run.sh QUICK=1 failed)"
elif ! why=$(well_formed "$out"); then
	echo "# $why"
	sed -n '/^## Targets/,$p' "$out/results.md" | head -n 60 | sed 's/^/# /'
	tap_fail "bench smoke: table produced"
else
	sed -n '/^## Targets/,/^## Established/p' "$out/results.md" | sed 's/^/# /'
	echo "# guest $(sed -n 's/.*guest_seconds=\([0-9]*\).*/\1/p' "$out/raw.txt") s, wall clock $(($(date +%s) - start)) s (figures not asserted)"
	tap_ok "bench smoke: table produced"
fi
tap_done
