#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "bench" stage of make check: `bench/run.sh` MODE=icount QUICK=1 (the
# deterministic cost mode's short run) into a temporary directory, one TAP
# result. It passes when the run produced a well-formed report: a figure and
# a NAT cost for every configuration, the targets, the background reading,
# valid JSON with overhead_ns and overhead_vs_masquerade for every
# configuration and test, and a PNG chart. It asserts no timing: the figures
# are for the report, never for a pass or a fail.
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
		# "| cfg | <rate> | <N> ns |" in the established and new-flow
		# tables, "| cfg | N | <rate> | <N> ns |" in the fan-out one
		n=$(grep -cE "^\| $cfg \| ([0-9][0-9 ]* \| )?[0-9][0-9 ]* \| [0-9][0-9 ]* ns \| -?[0-9][0-9 ]* ns \|" "$dir/results.md")
		[ "$n" -ge 3 ] || { echo "configuration $cfg: $n rows with a rate and a cost, want 3 or more"; return 1; }
	done
	grep -q '^## Targets' "$dir/results.md" || { echo "no targets table"; return 1; }
	grep -qE "^\| established packet, NAT cost / masquerade's: full-cone \| -?[0-9]" "$dir/results.md" ||
		{ echo "no established cost ratio"; return 1; }
	grep -qE '^\| [0-9][0-9 ]* \| [0-9.]+ \| [0-9][0-9 ]* \| [0-9.]+ ms \| [0-9.]+ \|' \
		<(sed -n '/^## Background/,/^## Memory/p' "$dir/results.md") ||
		{ echo "no background figures"; return 1; }
	jq -e '.mode == "icount" and (.targets | length >= 15)' "$dir/results.json" >/dev/null ||
		{ echo "results.json is not valid, not icount, or lacks the targets"; return 1; }
	# a rate and a NAT cost for every configuration and test; the ratio to
	# masquerade for all but the ceiling (whose cost is zero by definition)
	jq -e '[.costs[] | select(.test == "est" or .test == "new")] | length == 12' \
		"$dir/results.json" >/dev/null || { echo "results.json: costs missing"; return 1; }
	jq -e 'all(.costs[]; (.rate | type) == "number" and (.overhead_ns | type) == "number" and
		(.config == "ceiling" or (.overhead_vs_masquerade | type) == "number"))' \
		"$dir/results.json" >/dev/null || { echo "results.json: a cost without its figures"; return 1; }
	[ "$(head -c 8 "$dir/chart.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		{ echo "chart.png is not a PNG"; return 1; }
}

tap_begin
start=$(date +%s)
if ! MODE=icount QUICK=1 BENCH_OUT="$out" "$top/bench/run.sh" >"$out/run.log" 2>&1; then
	tail -n 40 "$out/run.log" | sed 's/^/# /'
	tap_fail "bench smoke: table produced (bench/run.sh MODE=icount QUICK=1 failed)"
elif ! why=$(well_formed "$out"); then
	echo "# $why"
	sed -n '/^## Targets/,$p' "$out/results.md" | head -n 60 | sed 's/^/# /'
	tap_fail "bench smoke: deterministic cost report produced"
else
	sed -n '/^## Targets/,/^## Established/p' "$out/results.md" | sed 's/^/# /'
	echo "# guest $(sed -n 's/.*guest_seconds=\([0-9]*\).*/\1/p' "$out/raw.txt") s, wall clock $(($(date +%s) - start)) s (figures not asserted)"
	tap_ok "bench smoke: deterministic cost report produced"
fi
tap_done
