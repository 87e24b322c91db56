# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the conenat shell tests: TAP output and counting. A test
# script sources this, calls tap_ok/tap_fail/tap_skip (or tap_check) once per
# behaviour, and ends with tap_done, which prints "N passed, N failed" and
# sets the exit status. tap_fold runs another TAP program and counts each of
# its results as one of ours.

TAP_N=0
TAP_PASS=0
TAP_FAIL=0
TAP_SKIP=0

tap_begin() {
	echo "TAP version 13"
}

tap_ok() {
	TAP_N=$((TAP_N + 1)) TAP_PASS=$((TAP_PASS + 1))
	echo "ok $TAP_N - $*"
}

tap_fail() {
	TAP_N=$((TAP_N + 1)) TAP_FAIL=$((TAP_FAIL + 1))
	echo "not ok $TAP_N - $*"
}

tap_skip() {
	TAP_N=$((TAP_N + 1)) TAP_SKIP=$((TAP_SKIP + 1))
	echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

# tap_check DESCRIPTION COMMAND...: one result from a command's exit status;
# the command's output is shown as TAP comments when it fails.
tap_check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$desc"
	else
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
		tap_fail "$desc"
	fi
}

# tap_fold NAME COMMAND...: run a TAP producer; each of its results becomes
# one of ours, everything else a comment. A producer that exits non-zero
# without reporting a failure adds one.
tap_fold() {
	local name=$1 line rc fails_before=$TAP_FAIL results=0 out t0
	shift
	out=$(mktemp)
	t0=$(date +%s)
	"$@" >"$out" 2>&1
	rc=$?
	echo "# $name: $(($(date +%s) - t0)) s"
	while IFS= read -r line; do
		case "$line" in
		"ok "*"# SKIP"*|"ok "*"# skip"*)
			TAP_N=$((TAP_N + 1)) TAP_SKIP=$((TAP_SKIP + 1)) results=$((results + 1))
			echo "ok $TAP_N - $name: ${line#ok [0-9]* }"
			;;
		"ok "*)
			TAP_N=$((TAP_N + 1)) TAP_PASS=$((TAP_PASS + 1)) results=$((results + 1))
			echo "ok $TAP_N - $name: $(echo "${line#ok }" | sed -E 's/^[0-9]+ (- )?//')"
			;;
		"not ok "*)
			TAP_N=$((TAP_N + 1)) TAP_FAIL=$((TAP_FAIL + 1)) results=$((results + 1))
			echo "not ok $TAP_N - $name: $(echo "${line#not ok }" | sed -E 's/^[0-9]+ (- )?//')"
			;;
		"TAP version"*|[0-9]*..[0-9]*|*" passed, "*" failed"*)
			;;
		*)
			echo "# $line"
			;;
		esac
	done <"$out"
	rm -f "$out"
	if [ "$rc" -ne 0 ] && [ "$TAP_FAIL" -eq "$fails_before" ]; then
		tap_fail "$name: exited with status $rc${results:+ after $results results}"
	elif [ "$results" -eq 0 ]; then
		tap_fail "$name: reported no result"
	fi
}

tap_done() {
	echo "1..$TAP_N"
	if [ "$TAP_SKIP" -gt 0 ]; then
		echo "$TAP_PASS passed, $TAP_FAIL failed, $TAP_SKIP skipped"
	else
		echo "$TAP_PASS passed, $TAP_FAIL failed"
	fi
	[ "$TAP_FAIL" -eq 0 ]
}

# wait_for TIMEOUT_SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# static_batch N INSTANCE PORT [EXT_PORT]: a natctl -b file on stdout, N
# static UDP mappings of INSTANCE, from 10.0.0.0:PORT, 10.0.0.1:PORT and on;
# with EXT_PORT, the i-th on external port EXT_PORT + i.
static_batch() {
	awk -v n="$1" -v inst="$2" -v port="$3" -v ext="${4:-}" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "mapping add instance %s proto udp internal 10.%d.%d.%d:%d%s\n",
				inst, int(i / 65536) % 256, int(i / 256) % 256, i % 256, port,
				ext == "" ? "" : " external :" (ext + i)
	}'
}

# netns_del_all NS...: kill the processes of each namespace, then delete it
# (a test's cleanup).
netns_del_all() {
	local n
	for n in "$@"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
}
