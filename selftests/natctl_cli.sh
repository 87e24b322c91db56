#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natctl command-line tests: options, dispatch, errors, batch mode and the
# "module not loaded" path. They need no VM and no conenat module (if the
# module is loaded, the info tests check a real reply instead).
#
# Usage: natctl_cli.sh [PATH-TO-NATCTL]   (default: ../userspace/natctl)

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
NATCTL=${1:-$HERE/../userspace/natctl}
TIMEOUT=10

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
OUT=$TMP/stdout
ERR=$TMP/stderr
IN=/dev/null
RC=0

VERSION=$(cat "$HERE/../VERSION" 2>/dev/null || echo '[0-9.]*')
NO_NETNS=natctl-selftest-no-such-netns-$$

# run ARGS...: runs natctl with stdin from $IN; sets RC, $OUT, $ERR.
run()
{
	timeout "$TIMEOUT" "$NATCTL" "$@" <"$IN" >"$OUT" 2>"$ERR"
	RC=$?
}

module_loaded()
{
	[ -d /sys/module/conenat ]
}

# stderr_is_one_line_with WORD: stderr is exactly one line, containing WORD.
stderr_is_one_line_with()
{
	[ "$(wc -l <"$ERR")" -eq 1 ] && grep -qF -- "$1" "$ERR"
}

# fails_with RC WORD: the run failed with RC, named WORD on stderr and
# printed nothing on stdout.
fails_with()
{
	[ "$RC" -eq "$1" ] && [ ! -s "$OUT" ] && stderr_is_one_line_with "$2"
}

count_lines()
{
	grep -cF -- "$1" "$OUT"
}

# ---- tests ---------------------------------------------------------------

t_version()
{
	run -V
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] &&
		grep -qx "natctl $VERSION (conenat API [0-9][0-9]*)" "$OUT" &&
		[ "$(wc -l <"$OUT")" -eq 1 ]
}

t_version_long()
{
	run --version
	[ "$RC" -eq 0 ] && grep -q '^natctl .* (conenat API [0-9]*)$' "$OUT"
}

t_help()
{
	run help
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && grep -q '^Usage: natctl' "$OUT" &&
		grep -q '^  info ' "$OUT" && grep -q 'OBJECT := {.* info ' "$OUT"
}

t_help_option()
{
	run --help
	[ "$RC" -eq 0 ] && grep -q '^Usage: natctl' "$OUT"
}

t_stats_accepted()
{
	run -s help
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && grep -q '^Usage: natctl' "$OUT"
}

t_help_extra()
{
	run help extra
	fails_with 1 '"extra"'
}

t_no_args()
{
	run
	[ "$RC" -eq 1 ] && [ ! -s "$OUT" ] && grep -q '^Usage: natctl' "$ERR"
}

t_info_help()
{
	run info help
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && grep -q '^Usage: natctl .*info' "$OUT" &&
		grep -q '^  show ' "$OUT"
}

t_unknown_object()
{
	run bogus
	fails_with 1 '"bogus"'
}

t_prefix_rejected()
{
	run inf
	fails_with 1 '"inf"'
}

t_unknown_command()
{
	run info bogus
	fails_with 1 '"bogus"'
}

t_command_prefix_rejected()
{
	run info sh
	fails_with 1 '"sh"'
}

t_extra_argument()
{
	run info show extra
	fails_with 1 '"extra"'
}

t_extra_after_help()
{
	run info help extra
	fails_with 1 '"extra"'
}

t_pretty_needs_json()
{
	run -p info
	fails_with 1 '-p'
}

t_force_needs_batch()
{
	run -f info
	fails_with 1 '-f'
}

t_unknown_option()
{
	run -x info
	fails_with 1 '"-x"'
}

t_unknown_long_option()
{
	run --bogus info
	fails_with 1 '"--bogus"'
}

t_missing_option_argument()
{
	run -n
	fails_with 1 '"-n"'
}

t_missing_netns()
{
	run -n "$NO_NETNS" info
	fails_with 1 "\"$NO_NETNS\""
}

t_bad_netns_name()
{
	run -n ../etc info
	fails_with 1 '"../etc"'
}

t_batch_stops()
{
	printf 'help\nbogus\nhelp\n' >"$TMP/batch"
	run -b "$TMP/batch"
	# Line 1 ran, line 2 failed, line 3 did not run.
	[ "$RC" -eq 1 ] && stderr_is_one_line_with 'line 2' &&
		grep -q '"bogus"' "$ERR" &&
		[ "$(count_lines 'Usage: natctl [OPTIONS] OBJECT')" -eq 1 ]
}

t_batch_force()
{
	printf 'help\ninfo nope\n\n# a comment\ninfo help\n-V\nhelp\n' \
		>"$TMP/batch"
	run -b "$TMP/batch" -f
	# Lines 2 and 6 fail; the worst status is 1; lines 5 and 7 ran.
	[ "$RC" -eq 1 ] && [ "$(wc -l <"$ERR")" -eq 2 ] &&
		grep -q 'line 2: .*"nope"' "$ERR" &&
		grep -q 'line 6: .*"-V"' "$ERR" &&
		[ "$(count_lines 'Usage: natctl [OPTIONS] OBJECT')" -eq 2 ] &&
		[ "$(count_lines 'Usage: natctl [OPTIONS] info')" -eq 1 ]
}

t_batch_stdin()
{
	printf '  # only help below\n\nhelp\n' >"$TMP/batch"
	IN=$TMP/batch run -b -
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] &&
		[ "$(count_lines 'Usage: natctl [OPTIONS] OBJECT')" -eq 1 ]
}

t_batch_quotes()
{
	printf '"info" "help"  # trailing comment\n' >"$TMP/batch"
	run -b "$TMP/batch"
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] &&
		[ "$(count_lines 'Usage: natctl [OPTIONS] info')" -eq 1 ]
}

t_batch_quoted_word_is_one_word()
{
	printf 'info "help extra"\n' >"$TMP/batch"
	run -b "$TMP/batch"
	fails_with 1 'unknown command "help extra"'
}

t_batch_unterminated_quote()
{
	printf 'help\ninfo "help\n' >"$TMP/batch"
	run -b "$TMP/batch"
	[ "$RC" -eq 1 ] && stderr_is_one_line_with 'line 2' &&
		grep -q 'quote' "$ERR"
}

t_batch_missing_file()
{
	run -b "$TMP/no-such-file"
	fails_with 1 "no-such-file"
}

t_batch_with_object()
{
	run -b "$TMP/batch" info
	fails_with 1 '"info"'
}

t_info_text()
{
	run info
	if module_loaded; then
		[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] &&
			grep -q '^conenat [0-9.]* api [0-9]*$' "$OUT" &&
			grep -q '^  limits: instances [0-9]* mappings [0-9]* hash-buckets [0-9]* name-max [0-9]*$' "$OUT"
	else
		fails_with 2 'modprobe conenat'
	fi
}

t_info_show_text()
{
	run info show
	if module_loaded; then
		[ "$RC" -eq 0 ] && grep -q '^conenat ' "$OUT"
	else
		fails_with 2 'modprobe conenat'
	fi
}

t_info_json()
{
	run -j info
	if module_loaded; then
		[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] &&
			jq -e '.version and .api and .limits.max_instances' \
				"$OUT" >/dev/null
	else
		fails_with 2 'modprobe conenat'
	fi
}

t_info_json_pretty()
{
	run -j -p info
	if module_loaded; then
		[ "$RC" -eq 0 ] && jq -e . "$OUT" >/dev/null &&
			[ "$(wc -l <"$OUT")" -gt 1 ]
	else
		fails_with 2 'modprobe conenat'
	fi
}

t_info_batch()
{
	printf 'info\n' >"$TMP/batch"
	run -j -b "$TMP/batch"
	if module_loaded; then
		[ "$RC" -eq 0 ] && jq -e . "$OUT" >/dev/null
	else
		fails_with 2 'line 1: the conenat kernel module is not loaded'
	fi
}

# ---- runner --------------------------------------------------------------

TESTS=(
	"t_version|-V prints the version and exits 0"
	"t_version_long|--version prints the version"
	"t_help|help exits 0 and lists the info object"
	"t_help_option|--help prints the usage"
	"t_stats_accepted|-s is accepted"
	"t_help_extra|help with an extra argument is refused"
	"t_no_args|no object prints the usage on stderr, exit 1"
	"t_info_help|info help lists the show command"
	"t_unknown_object|an unknown object exits 1 naming it"
	"t_prefix_rejected|an object prefix (inf) is refused"
	"t_unknown_command|an unknown command exits 1 naming it"
	"t_command_prefix_rejected|a command prefix (info sh) is refused"
	"t_extra_argument|an extra argument is refused naming it"
	"t_extra_after_help|an extra argument after info help is refused"
	"t_pretty_needs_json|-p without -j is a usage error"
	"t_force_needs_batch|-f without -b is a usage error"
	"t_unknown_option|an unknown short option exits 1"
	"t_unknown_long_option|an unknown long option exits 1"
	"t_missing_option_argument|-n without its argument exits 1"
	"t_missing_netns|-n with a missing netns exits 1 naming it"
	"t_bad_netns_name|-n with a path-like name exits 1"
	"t_batch_stops|-b stops at the first bad line (line 2), exit 1"
	"t_batch_force|-b -f goes on after bad lines, worst status"
	"t_batch_stdin|-b - reads stdin, skips comments and blank lines"
	"t_batch_quotes|-b splits double-quoted words and trailing comments"
	"t_batch_quoted_word_is_one_word|-b keeps a quoted word whole"
	"t_batch_unterminated_quote|-b refuses an unterminated quote"
	"t_batch_missing_file|-b with a missing file exits 1"
	"t_batch_with_object|-b with an object on the command line exits 1"
	"t_info_text|info: module absent -> one stderr line, exit 2"
	"t_info_show_text|info show: same as info"
	"t_info_json|-j info: stdout stays empty on error"
	"t_info_json_pretty|-j -p info: stdout stays empty on error"
	"t_info_batch|-j -b with info: error names the batch line"
)

echo "TAP version 13"
if [ ! -x "$NATCTL" ]; then
	echo "1..1"
	echo "not ok 1 - natctl binary is executable: $NATCTL"
	echo "0 passed, 1 failed"
	exit 1
fi

echo "1..${#TESTS[@]}"
if module_loaded; then
	echo "# the conenat module is loaded: info tests expect a real reply"
fi

passed=0
failed=0
n=0
for t in "${TESTS[@]}"; do
	fn=${t%%|*}
	desc=${t#*|}
	n=$((n + 1))
	IN=/dev/null
	if "$fn"; then
		echo "ok $n - $desc"
		passed=$((passed + 1))
	else
		echo "not ok $n - $desc"
		echo "#   exit status: $RC"
		sed 's/^/#   stdout: /' "$OUT" | head -n 10
		sed 's/^/#   stderr: /' "$ERR" | head -n 10
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
