#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natctl command-line tests: options, dispatch, errors, batch mode and the
# "module not loaded" path. They need no VM and no conenat module (if the
# module is loaded, the info tests check a real reply instead and the tests
# that expect "not loaded" are skipped).
#
#   - every command's parser: malformed input exits 1 with one line naming
#     the bad word; valid input gets past the parser (exit 2, "not loaded");
#   - natctl-fake (natctl with userspace/fake_nl.c instead of nl.c: canned
#     replies, requests checked and logged) pins the attributes each command
#     sends and the exact text and JSON output;
#   - a bounded random fuzz of the parser under natctl-asan;
#   - "conntrack show" against natctl-fake's canned mappings and conntrack
#     entries (fake_ct.c): which entries are selected, text, JSON, errors;
#   - the bash completion (userspace/natctl.bash-completion), sourced and
#     called with COMP_WORDS/COMP_CWORD/COMP_LINE set, with natctl and ip
#     replaced by shims on PATH;
#   - the man page (userspace/natctl.8) renders without a warning and names
#     every object, command, option, instance option and JSON key;
#   - make install / make uninstall into a DESTDIR.
#
# natctl-fake and natctl-asan are built from ../userspace when missing or
# stale (make), or taken from $NATCTL_FAKE and $NATCTL_ASAN.
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
USERSPACE=$HERE/../userspace
FAKE=${NATCTL_FAKE:-$USERSPACE/natctl-fake}
ASAN=${NATCTL_ASAN:-$USERSPACE/natctl-asan}
FAKE_LOG=$TMP/fake.log
SKIP_WHY=

# Sanitizer findings must not pass for exit status 1 or go unnoticed.
export ASAN_OPTIONS=exitcode=99:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:exitcode=98:print_stacktrace=1
NO_NETNS=natctl-selftest-no-such-netns-$$

# run ARGS...: runs natctl with stdin from $IN; sets RC, $OUT, $ERR.
run()
{
	timeout "$TIMEOUT" "$NATCTL" "$@" <"$IN" >"$OUT" 2>"$ERR"
	RC=$?
}

# run_fake ARGS...: runs natctl-fake, its request log in $FAKE_LOG.
run_fake()
{
	rm -f "$FAKE_LOG"
	NATCTL_FAKE_LOG=$FAKE_LOG timeout "$TIMEOUT" "$FAKE" "$@" <"$IN" \
		>"$OUT" 2>"$ERR"
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

# ---- objects and help ----------------------------------------------------

t_help_lists_objects()
{
	local o
	run help
	[ "$RC" -eq 0 ] || return 1
	for o in info instance mapping permit stats monitor conntrack; do
		grep -q "^  $o " "$OUT" && grep -q "OBJECT := {.* $o " "$OUT" ||
			return 1
	done
}

# object_help OBJECT COMMAND...: "natctl OBJECT help" lists the commands.
object_help()
{
	local obj=$1 c
	shift
	run "$obj" help
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] &&
		grep -q "^Usage: natctl \[OPTIONS\] $obj {" "$OUT" || return 1
	for c in "$@" help; do
		grep -q "^  $c\( \|\$\)" "$OUT" || return 1
	done
}

t_instance_help()
{
	object_help instance add set del show &&
		grep -q '^OPTION := type {full-cone|restricted-cone|port-restricted-cone|symmetric}' "$OUT" &&
		grep -q 'udp-timeout DURATION' "$OUT"
}

t_mapping_help()
{
	object_help mapping add get del show flush &&
		grep -q 'add instance NAME proto PROTO internal ADDR:PORT' "$OUT" &&
		grep -q '^PROTO := {udp|tcp}' "$OUT"
}

t_permit_help()
{
	object_help permit add del show flush &&
		grep -q 'remote ADDR\[:PORT\]' "$OUT"
}

t_stats_help()
{
	object_help stats show && grep -q 'port_exhausted' "$OUT"
}

t_monitor_help()
{
	object_help monitor all mapping exhaustion
}

t_limits_help()
{
	object_help limits show set &&
		grep -q '^  set \[max-mappings N\] \[max-peers N\]' "$OUT" &&
		grep -q 'peers_refused' "$OUT"
}

t_conntrack_help()
{
	object_help conntrack show &&
		grep -q 'show \[instance NAME\] \[internal ADDR\[:PORT\]\]' "$OUT"
}

t_help_is_exact()
{
	run instance hel
	fails_with 1 'unknown command "hel"'
}

# ---- parser: malformed input is refused -----------------------------------

# "EXPECTED TEXT ON STDERR|ARGUMENTS" (arguments split at blanks).
P17=1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,8.0.0.0/8,9.0.0.0/8,10.0.0.0/8,11.0.0.0/8,12.0.0.0/8,13.0.0.0/8,14.0.0.0/8,15.0.0.0/8,16.0.0.0/8,17.0.0.0/8
IA="instance add x dev eth0"
MA="mapping add instance x proto udp"
PA="permit add instance x proto udp"
REJECTS=(
	'"dev" needs a value|instance add x dev'
	'"instance add" needs "dev IFNAME"|instance add x'
	'"instance add" needs an instance name|instance add'
	'invalid type "fullcone": expected full-cone, restricted-cone, port-restricted-cone or symmetric|'"$IA"' type fullcone'
	'"type" and "mapping" cannot be given together|'"$IA"' type full-cone mapping address-dependent'
	'"type" and "filtering" cannot be given together|'"$IA"' filtering address-dependent type symmetric'
	'invalid mapping "full-cone"|'"$IA"' mapping full-cone'
	'invalid filtering "endpoint"|'"$IA"' filtering endpoint'
	'invalid ports "0-10": expected LOW-HIGH|'"$IA"' ports 0-10'
	'invalid ports "20-10"|'"$IA"' ports 20-10'
	'invalid ports "1-70000"|'"$IA"' ports 1-70000'
	'invalid ports "0"|'"$IA"' ports 0'
	'invalid ports "65536"|'"$IA"' ports 65536'
	'invalid ports "1024-"|'"$IA"' ports 1024-'
	'invalid ports "-5-10"|'"$IA"' ports -5-10'
	'invalid udp-timeout "0"|'"$IA"' udp-timeout 0'
	'invalid udp-timeout "abc"|'"$IA"' udp-timeout abc'
	'invalid udp-timeout "604801"|'"$IA"' udp-timeout 604801'
	'invalid udp-timeout "8d"|'"$IA"' udp-timeout 8d'
	'invalid udp-timeout "5x"|'"$IA"' udp-timeout 5x'
	'invalid udp-timeout "-1"|'"$IA"' udp-timeout -1'
	'invalid internal prefix "10.0.0.1/8": expected no host bits set, such as 10.0.0.0/8|'"$IA"' internal 10.0.0.1/8'
	'invalid internal prefix "10.0.0.0/33"|'"$IA"' internal 10.0.0.0/33'
	'invalid internal prefix "10.0.0.256"|'"$IA"' internal 10.0.0.0/8,10.0.0.256'
	'invalid internal "10.0.0.0/8,"|'"$IA"' internal 10.0.0.0/8,'
	'expected at most 16 prefixes|'"$IA"' internal '"$P17"
	'invalid external "1.2.3.4-1.2.3.1"|'"$IA"' external 1.2.3.4-1.2.3.1'
	'invalid external "1.2.3.4-1.2.5.0": expected at most 256 addresses|'"$IA"' external 1.2.3.4-1.2.5.0'
	'invalid external "0.0.0.0"|'"$IA"' external 0.0.0.0'
	'invalid external "eth0": expected dev, ADDR or ADDR-ADDR|'"$IA"' external eth0'
	'invalid hairpin "maybe": expected on or off|'"$IA"' hairpin maybe'
	'invalid port-preservation "yes"|'"$IA"' port-preservation yes'
	'invalid port-parity "1"|'"$IA"' port-parity 1'
	'invalid inbound-refresh "ON"|'"$IA"' inbound-refresh ON'
	'invalid hairpin-filter "1": expected on or off|'"$IA"' hairpin-filter 1'
	'"hairpin-filter" needs a value|instance set x hairpin-filter'
	'"hairpin-filter" given twice|instance set x hairpin-filter on hairpin-filter off'
	'invalid max-per-host "-1"|'"$IA"' max-per-host -1'
	'invalid max-per-host "4194305"|'"$IA"' max-per-host 4194305'
	'invalid max-peers "0": expected an integer 1..67108864|'"$IA"' max-peers 0'
	'invalid max-peers "67108865"|'"$IA"' max-peers 67108865'
	'invalid max-peers "-1"|'"$IA"' max-peers -1'
	'invalid max-peers "abc"|instance set x max-peers abc'
	'"max-peers" needs a value|instance set x max-peers'
	'"max-peers" given twice|instance set x max-peers 1 max-peers 2'
	'invalid hold-down "3601": expected 0..3600 seconds|'"$IA"' hold-down 3601'
	'invalid hold-down "61m"|'"$IA"' hold-down 61m'
	'invalid hold-down "2h"|instance set x hold-down 2h'
	'invalid hold-down "-1"|'"$IA"' hold-down -1'
	'invalid hold-down "abc"|instance set x hold-down abc'
	'invalid hold-down "5x"|instance set x hold-down 5x'
	'"hold-down" needs a value|instance set x hold-down'
	'"hold-down" given twice|instance set x hold-down 0 hold-down 1'
	'"hairpin" given twice|'"$IA"' hairpin on hairpin off'
	'"ports" given twice|'"$IA"' ports 1-2 udp-timeout 300 ports 1-2'
	'"dev" given twice|'"$IA"' dev eth1'
	'unknown argument "bogus" for "instance add"|'"$IA"' bogus 1'
	'unknown argument "fullcone" for "instance add"|'"$IA"' fullcone'
	'"udp-timeout" needs a value|'"$IA"' udp-timeout'
	'invalid instance name "sixteen-chars-xx"|instance add sixteen-chars-xx dev eth0'
	'invalid device name "a/b"|instance add x dev a/b'
	'invalid device name "abcdefghijklmnop"|instance add x dev abcdefghijklmnop'
	'"dev" cannot be changed|instance set x dev eth1'
	'"instance set" needs at least one OPTION|instance set x'
	'invalid ports "0-10"|instance set x ports 0-10'
	'"type" and "filtering" cannot be given together|instance set x type full-cone filtering address-dependent'
	'"instance set" needs an instance name|instance set'
	'"instance del" needs an instance name|instance del'
	'unexpected argument "y"|instance del x y'
	'unexpected argument "y"|instance show x y'
	'invalid instance name "sixteen-chars-xx"|instance show sixteen-chars-xx'
	'unknown command "lis" for "instance"|instance lis'
	'unknown command "sh" for "instance"|instance sh'
	'invalid protocol "udpp": expected udp or tcp|mapping add instance x proto udpp internal 10.0.0.1:5'
	'invalid internal endpoint "10.0.0.1": expected ADDR:PORT|'"$MA"' internal 10.0.0.1'
	'invalid internal endpoint "10.0.0.1:0"|'"$MA"' internal 10.0.0.1:0'
	'invalid internal endpoint "10.0.0.1:65536"|'"$MA"' internal 10.0.0.1:65536'
	'invalid internal endpoint "300.1.1.1:5"|'"$MA"' internal 300.1.1.1:5'
	'invalid internal endpoint "10.0.0.1:"|'"$MA"' internal 10.0.0.1:'
	'invalid internal endpoint ":5"|'"$MA"' internal :5'
	'invalid lifetime "-1"|'"$MA"' internal 10.0.0.1:5 lifetime -1'
	'invalid lifetime "0"|'"$MA"' internal 10.0.0.1:5 lifetime 0'
	'invalid lifetime "forever": expected permanent or 1..604800 seconds|'"$MA"' internal 10.0.0.1:5 lifetime forever'
	'invalid external endpoint "1.2.3.4:0"|'"$MA"' internal 10.0.0.1:5 external 1.2.3.4:0'
	'invalid external endpoint "1.2.3"|'"$MA"' internal 10.0.0.1:5 external 1.2.3'
	'"mapping add" needs "internal"|'"$MA"
	'"mapping add" needs "proto"|mapping add instance x internal 10.0.0.1:5'
	'"mapping add" needs "instance"|mapping add proto udp internal 10.0.0.1:5'
	'"internal" given twice|'"$MA"' internal 10.0.0.1:5 internal 10.0.0.1:6'
	'unknown argument "remote" for "mapping add"|'"$MA"' internal 10.0.0.1:5 remote 1.2.3.4'
	'"lifetime" needs a value|'"$MA"' internal 10.0.0.1:5 lifetime'
	'invalid instance name ""|mapping add instance EMPTY proto udp internal 10.0.0.1:5'
	'invalid device name ""|instance add x dev EMPTY'
	'invalid ports ""|'"$IA"' ports EMPTY'
	'needs "internal ADDR:PORT" or "external ADDR:PORT"|mapping get instance x proto udp'
	'"internal" and "external" cannot be given together|mapping del instance x proto udp internal 10.0.0.1:5 external 1.2.3.4:5'
	'invalid external endpoint "1.2.3.4": expected ADDR:PORT|mapping get instance x proto udp external 1.2.3.4'
	'invalid external endpoint ":5"|mapping del instance x proto udp external :5'
	'unknown argument "lifetime" for "mapping del"|mapping del instance x proto udp internal 10.0.0.1:5 lifetime 5'
	'invalid protocol "icmp"|mapping del instance x proto icmp internal 10.0.0.1:5'
	'"mapping get" needs "proto"|mapping get instance x internal 10.0.0.1:5'
	'"mapping del" needs "instance"|mapping del proto udp internal 10.0.0.1:5'
	'"instance" needs a value|mapping show instance'
	'invalid protocol "sctp"|mapping show proto sctp'
	'unknown argument "internal" for "mapping show"|mapping show internal 10.0.0.1:5'
	'"instance" given twice|mapping show instance a instance b'
	'"instance" needs a value|mapping flush instance'
	'unknown argument "proto" for "mapping flush"|mapping flush proto udp'
	'invalid instance name "sixteen-chars-xx"|mapping flush instance sixteen-chars-xx'
	'unknown command "remove" for "mapping"|mapping remove'
	'"permit add" needs "remote"|'"$PA"' internal 10.0.0.1:5'
	'"permit add" needs "internal"|'"$PA"' remote 1.2.3.4'
	'"remote" needs a value|'"$PA"' internal 10.0.0.1:5 remote'
	'invalid remote endpoint "1.2.3.4:0"|'"$PA"' internal 10.0.0.1:5 remote 1.2.3.4:0'
	'invalid remote endpoint "0.0.0.0"|'"$PA"' internal 10.0.0.1:5 remote 0.0.0.0'
	'invalid remote endpoint "1.2.3"|'"$PA"' internal 10.0.0.1:5 remote 1.2.3'
	'invalid lifetime "permanent"|'"$PA"' internal 10.0.0.1:5 remote 1.2.3.4 lifetime permanent'
	'invalid protocol "sctp"|permit add instance x proto sctp internal 10.0.0.1:5 remote 1.2.3.4'
	'invalid internal endpoint "10.0.0.1"|'"$PA"' internal 10.0.0.1 remote 1.2.3.4'
	'unknown argument "external" for "permit add"|'"$PA"' internal 10.0.0.1:5 remote 1.2.3.4 external 1.2.3.4:5'
	'"permit del" needs "instance"|permit del'
	'"permit del" needs "remote"|permit del instance x proto udp internal 10.0.0.1:5'
	'unknown argument "lifetime" for "permit del"|permit del instance x proto udp internal 10.0.0.1:5 remote 1.2.3.4 lifetime 5'
	'invalid remote endpoint "0.0.0.0"|permit del instance x proto udp internal 10.0.0.1:5 remote 0.0.0.0'
	'unknown argument "internal" for "permit show"|permit show internal 10.0.0.1:5'
	'invalid protocol "icmp6"|permit show proto icmp6'
	'unknown argument "proto" for "permit flush"|permit flush proto udp'
	'unknown command "remove" for "permit"|permit remove'
	'"instance" needs a value|stats show instance'
	'unknown argument "x" for "stats show"|stats show x'
	'unknown command "bogus" for "stats"|stats bogus'
	'unknown command "bogus" for "monitor"|monitor bogus'
	'unknown command "exhausted" for "monitor"|monitor exhausted'
	'unknown argument "extra" for "monitor mapping"|monitor mapping extra'
	'unknown argument "extra" for "monitor all"|monitor all extra'
	'"instance" needs a value|monitor all instance'
	'invalid instance name "sixteen-chars-xx"|monitor instance sixteen-chars-xx'
	'unknown command "peer-limit" for "monitor"|monitor peer-limit'
	'"limits set" needs "max-mappings" or "max-peers"|limits set'
	'invalid max-peers "0": expected an integer 1..67108864|limits set max-peers 0'
	'invalid max-peers "67108865"|limits set max-peers 67108865'
	'invalid max-peers "1x"|limits set max-mappings 5 max-peers 1x'
	'invalid max-mappings "0"|limits set max-peers 5 max-mappings 0'
	'"max-peers" needs a value|limits set max-peers'
	'"max-peers" given twice|limits set max-peers 1 max-peers 2'
	'unknown argument "peers" for "limits set"|limits set peers 5'
	'unexpected argument "x"|limits show x'
	'unknown command "dump" for "conntrack"|conntrack dump'
	'unknown argument "proto" for "conntrack show"|conntrack show proto udp'
	'"instance" needs a value|conntrack show instance'
	'invalid instance name "sixteen-chars-xx"|conntrack show instance sixteen-chars-xx'
	'invalid internal endpoint "10.0.1"|conntrack show internal 10.0.1'
	'invalid internal endpoint "10.0.1.2:0"|conntrack show internal 10.0.1.2:0'
	'invalid internal endpoint ":5000"|conntrack show internal :5000'
	'"internal" given twice|conntrack show internal 10.0.1.2 internal 10.0.1.3'
)

# split_args WORDS: the words, split at blanks, into ARGS; EMPTY is an
# empty word.
split_args()
{
	local i
	IFS=' ' read -r -a ARGS <<<"$1"
	for i in "${!ARGS[@]}"; do
		[ "${ARGS[$i]}" = EMPTY ] && ARGS[$i]=
	done
}

# t_reject I: REJECTS[I] exits 1, nothing on stdout, one line naming it.
t_reject()
{
	local row=${REJECTS[$1]}
	split_args "${row#*|}"
	run "${ARGS[@]}"
	fails_with 1 "${row%%|*}"
}

# ---- parser: valid input gets through to the kernel -----------------------

ACCEPTS=(
	'instance add home dev wan0'
	'instance add lab dev eth1 type symmetric external 192.0.2.1-192.0.2.8 internal 10.0.0.0/8,192.168.1.0/24 ports 2000-3000 port-preservation off port-parity on hairpin off inbound-refresh on udp-timeout 5m max-per-host 10'
	'instance add x dev eth0 mapping address-dependent filtering address-port-dependent external 192.0.2.1 internal 10.1.2.3'
	'instance add x dev eth0 type full-cone max-per-host 0 udp-timeout 7d ports 1-65535'
	'instance add x dev eth0 max-peers 1'
	'instance set home max-peers 67108864 max-per-host 2'
	'instance add x dev eth0 hold-down 0'
	'instance set home hold-down 3600'
	'instance set home hold-down 1h max-peers 5'
	'instance set home hold-down 2m'
	'instance set home external dev internal any'
	'instance set home udp-timeout 2h'
	'instance set home type port-restricted-cone'
	'instance del home'
	'instance show'
	'instance show home'
	'instance'
	'-s instance show'
	'-j -p instance show'
	'mapping add instance home proto udp internal 10.0.1.2:5000'
	'mapping add instance home proto udp internal 10.0.1.2:5000 external 192.0.2.1:6000 lifetime 300'
	'mapping add lifetime permanent external :6000 internal 10.0.1.2:5000 proto udp instance home'
	'mapping add instance home proto udp internal 10.0.1.2:5000 external 192.0.2.1 lifetime 1h'
	'mapping get instance home proto udp internal 10.0.1.2:5000'
	'mapping get instance home proto udp external 192.0.2.1:6000'
	'mapping del instance home proto udp internal 10.0.1.2:5000'
	'mapping del external 192.0.2.1:6000 proto udp instance home'
	'mapping show'
	'mapping show instance home proto udp'
	'mapping'
	'mapping flush'
	'mapping flush instance home'
	'permit add instance home proto udp internal 10.0.1.2:5000 remote 198.51.100.10'
	'permit add instance home proto udp internal 10.0.1.2:5000 remote 198.51.100.10:3478 lifetime 60'
	'permit del instance home proto udp internal 10.0.1.2:5000 remote 198.51.100.10'
	'permit'
	'permit show instance home proto udp'
	'permit flush'
	'stats'
	'stats show instance home'
	'-j stats show'
	'monitor'
	'monitor all'
	'monitor mapping'
	'monitor exhaustion'
	'-j monitor'
	'limits'
	'-j limits show'
	'limits set max-peers 100'
	'limits set max-mappings 1000 max-peers 67108864'
	'conntrack'
	'conntrack show'
	'-j conntrack show instance home internal 10.0.1.2:5000'
	'conntrack show internal 10.0.1.2'
)

t_accept()
{
	if module_loaded; then
		SKIP_WHY="the conenat module is loaded"
		return 77
	fi
	split_args "${ACCEPTS[$1]}"
	run "${ARGS[@]}"
	fails_with 2 'the conenat kernel module is not loaded'
}

t_udp_timeout_warning()
{
	if module_loaded; then
		SKIP_WHY="the conenat module is loaded"
		return 77
	fi
	run instance add x dev eth0 udp-timeout 60
	[ "$RC" -eq 2 ] && [ ! -s "$OUT" ] && [ "$(wc -l <"$ERR")" -eq 2 ] &&
		[ "$(sed -n 1p "$ERR")" = "natctl: warning: udp-timeout 60 is below RFC 4787's 120 s minimum" ] &&
		sed -n 2p "$ERR" | grep -q 'module is not loaded'
}

t_udp_timeout_no_warning()
{
	run instance set x udp-timeout 2m
	! grep -q warning "$ERR"
}

t_warning_not_before_error()
{
	# A bad word later on: the error alone, no warning.
	run instance add x dev eth0 udp-timeout 60 hairpin maybe
	fails_with 1 '"maybe"'
}

# ---- natctl-fake: the requests sent ---------------------------------------

# "EXPECTED LOG LINE|ARGUMENTS": the one request logged by natctl-fake.
ENCODES=(
	'NEW_INSTANCE flags=ack name="home" ifname="wan0"|instance add home dev wan0'
	'NEW_INSTANCE flags=ack name="lab" ifname="eth1" mapping=2 filtering=2 ext_addr_min=192.0.2.1 ext_addr_max=192.0.2.8 internal=[10.0.0.0/8,192.168.1.0/24] port_min=2000 port_max=3000 port_preservation=0 port_parity=1 hairpin=0 inbound_refresh=1 udp_timeout=300 max_per_host=10|instance add lab dev eth1 type symmetric external 192.0.2.1-192.0.2.8 internal 10.0.0.0/8,192.168.1.0/24 ports 2000-3000 port-preservation off port-parity on hairpin off inbound-refresh on udp-timeout 5m max-per-host 10'
	'NEW_INSTANCE flags=ack name="x" ifname="eth0" mapping=0 filtering=0|instance add x type full-cone dev eth0'
	'NEW_INSTANCE flags=ack name="x" ifname="eth0" port_min=5000 port_max=5000|instance add x dev eth0 ports 5000'
	'NEW_INSTANCE flags=ack name="x" ifname="eth0" mapping=0 filtering=1|instance add x dev eth0 type restricted-cone'
	'NEW_INSTANCE flags=ack name="x" ifname="eth0" mapping=0 filtering=2|instance add x dev eth0 type port-restricted-cone'
	'NEW_INSTANCE flags=ack name="x" ifname="eth0" mapping=1 filtering=2 ext_addr_min=192.0.2.1 ext_addr_max=192.0.2.1 internal=[10.1.2.3/32]|instance add x dev eth0 mapping address-dependent filtering address-port-dependent external 192.0.2.1 internal 10.1.2.3'
	'NEW_INSTANCE flags=ack name="x" ifname="eth0" internal=[0.0.0.0/0] port_min=1 port_max=65535 udp_timeout=604800 max_per_host=4194304|instance add x dev eth0 internal 0.0.0.0/0 ports 1-65535 udp-timeout 7d max-per-host 4194304'
	'SET_INSTANCE flags=ack name="home" ext_addr_min=0.0.0.0 ext_addr_max=0.0.0.0 internal=[]|instance set home external dev internal any'
	'SET_INSTANCE flags=ack name="home" mapping=2|instance set home mapping address-port-dependent'
	'SET_INSTANCE flags=ack name="home" filtering=0|instance set home filtering endpoint-independent'
	'SET_INSTANCE flags=ack name="home" udp_timeout=7200|instance set home udp-timeout 2h'
	'SET_INSTANCE flags=ack name="home" udp_timeout=150|instance set home udp-timeout 150s'
	'SET_INSTANCE flags=ack name="home" udp_timeout=86400|instance set home udp-timeout 1d'
	'SET_INSTANCE flags=ack name="home" hairpin=1|instance set home hairpin on'
	'SET_INSTANCE flags=ack name="home" hairpin_filter=1|instance set home hairpin-filter on'
	'NEW_INSTANCE flags=ack name="x" ifname="eth0" hairpin=1 hairpin_filter=0|instance add x dev eth0 hairpin-filter off hairpin on'
	'SET_INSTANCE flags=ack name="home" tcp_timeout=3600 tcp_transitory_timeout=60 icmp_timeout=30|instance set home tcp-timeout 1h icmp-timeout 30 tcp-transitory-timeout 1m'
	'SET_INSTANCE flags=ack name="home" port_min=4000 port_max=4001|instance set home ports 4000-4001'
	'NEW_INSTANCE flags=ack name="x" ifname="eth0" max_peers=1|instance add x dev eth0 max-peers 1'
	'SET_INSTANCE flags=ack name="home" max_peers=67108864|instance set home max-peers 67108864'
	'SET_INSTANCE flags=ack name="home" udp_timeout=600 max_per_host=2 max_peers=1000|instance set home max-peers 1000 max-per-host 2 udp-timeout 10m'
	'NEW_INSTANCE flags=ack name="x" ifname="eth0" hold_down=0|instance add x dev eth0 hold-down 0'
	'SET_INSTANCE flags=ack name="home" hold_down=3600|instance set home hold-down 3600'
	'SET_INSTANCE flags=ack name="home" hold_down=3600|instance set home hold-down 1h'
	'SET_INSTANCE flags=ack name="home" hold_down=90|instance set home hold-down 90s'
	'SET_INSTANCE flags=ack name="home" udp_timeout=600 max_peers=1000 hold_down=120|instance set home hold-down 2m max-peers 1000 udp-timeout 10m'
	'DEL_INSTANCE flags=ack name="home"|instance del home'
	'GET_INSTANCE flags=dump|instance show'
	'GET_INSTANCE flags=dump|instance'
	'GET_INSTANCE flags=ack name="home"|instance show home'
	'NEW_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.2 int_port=5000|mapping add instance home proto udp internal 10.0.1.2:5000'
	'NEW_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.2 int_port=5000 ext_addr=192.0.2.1 ext_port=6000 lifetime=300|mapping add instance home proto udp internal 10.0.1.2:5000 external 192.0.2.1:6000 lifetime 300'
	'NEW_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.2 int_port=5000 ext_port=6000|mapping add lifetime permanent external :6000 internal 10.0.1.2:5000 proto udp instance home'
	'NEW_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.2 int_port=5000 ext_addr=192.0.2.1 lifetime=3600|mapping add instance home proto udp internal 10.0.1.2:5000 external 192.0.2.1 lifetime 1h'
	'GET_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.2 int_port=5000|mapping get instance home proto udp internal 10.0.1.2:5000'
	'GET_MAPPING flags=ack instance="home" proto=17 ext_addr=192.0.2.1 ext_port=6000|mapping get instance home proto udp external 192.0.2.1:6000'
	'DEL_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.2 int_port=5000|mapping del instance home proto udp internal 10.0.1.2:5000'
	'DEL_MAPPING flags=ack instance="home" proto=17 ext_addr=192.0.2.1 ext_port=65535|mapping del external 192.0.2.1:65535 proto udp instance home'
	'GET_MAPPING flags=dump|mapping show'
	'GET_MAPPING flags=dump|mapping'
	'GET_MAPPING flags=dump instance="home" proto=17|mapping show proto udp instance home'
	'FLUSH_MAPPINGS flags=ack|mapping flush'
	'FLUSH_MAPPINGS flags=ack instance="home"|mapping flush instance home'
	'NEW_PERMIT flags=ack instance="home" proto=17 int_addr=10.0.1.2 int_port=5000 remote_addr=198.51.100.10|permit add instance home proto udp internal 10.0.1.2:5000 remote 198.51.100.10'
	'NEW_PERMIT flags=ack instance="home" proto=17 int_addr=10.0.1.2 int_port=5000 remote_addr=198.51.100.10 remote_port=3478 lifetime=60|permit add remote 198.51.100.10:3478 lifetime 60 internal 10.0.1.2:5000 proto udp instance home'
	'DEL_PERMIT flags=ack instance="home" proto=17 int_addr=10.0.1.2 int_port=5000 remote_addr=198.51.100.10 remote_port=3478|permit delete remote 198.51.100.10:3478 internal 10.0.1.2:5000 proto udp instance home'
	'GET_PERMIT flags=dump|permit'
	'GET_PERMIT flags=dump instance="lab" proto=6|permit ls proto tcp instance lab'
	'FLUSH_PERMITS flags=ack|permit flush'
	'FLUSH_PERMITS flags=ack instance="home"|permit flush instance home'
	'GET_INSTANCE flags=dump|stats'
	'GET_INSTANCE flags=ack name="lab"|stats show instance lab'
	'GET_LIMITS flags=ack|limits show'
	'GET_LIMITS flags=ack|limits'
	'SET_LIMITS flags=ack max_mappings=1000|limits set max-mappings 1000'
	'SET_LIMITS flags=ack max_peers=1|limits set max-peers 1'
	'SET_LIMITS flags=ack max_mappings=67108864 max_peers=67108864|limits set max-peers 67108864 max-mappings 67108864'
	'GET_INFO flags=ack client_api=6|info'
)

fake_ok()
{
	[ -x "$FAKE" ] || { echo "no $FAKE" >"$ERR"; return 1; }
}

t_encode()
{
	local row=${ENCODES[$1]}
	fake_ok || return 1
	split_args "${row#*|}"
	run_fake "${ARGS[@]}"
	[ "$RC" -eq 0 ] && [ -f "$FAKE_LOG" ] &&
		[ "$(cat "$FAKE_LOG")" = "${row%%|*}" ] || {
		sed 's/^/log: /' "$FAKE_LOG" >>"$ERR" 2>/dev/null
		return 1
	}
}

# ---- natctl-fake: the output ----------------------------------------------

# same_as FILE: stdout is exactly FILE's content (shows a diff if not).
same_as()
{
	diff -u "$1" "$OUT" | sed 's/^/# diff: /' >>"$ERR"
	cmp -s "$1" "$OUT"
}

t_fmt_instance_text()
{
	fake_ok || return 1
	run_fake instance show
	cat >"$TMP/want" <<-'END'
	instance home dev wan0 (ifindex 3)
	  type restricted-cone mapping endpoint-independent filtering address-dependent
	  external dev (198.51.100.1) internal any ports 1024-65535
	  port-preservation on port-parity off hairpin on hairpin-filter off inbound-refresh off
	  udp-timeout 300 tcp-timeout 7440 tcp-transitory-timeout 240 icmp-timeout 60 max-peers 65536 hold-down 120 max-per-host 0 mappings 3
	instance lab dev wan1 (ifindex 4)
	  type custom mapping address-dependent filtering endpoint-independent
	  external 203.0.113.1-203.0.113.4 (203.0.113.1) internal 10.0.0.0/8,192.168.1.0/24 ports 2000-3000
	  port-preservation off port-parity on hairpin off hairpin-filter on inbound-refresh on
	  udp-timeout 60 tcp-timeout 3600 tcp-transitory-timeout 120 icmp-timeout 30 max-peers 16 hold-down 0 max-per-host 8 mappings 1
	END
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && same_as "$TMP/want"
}

t_fmt_instance_stats_text()
{
	fake_ok || return 1
	run_fake -s instance show home
	cat >"$TMP/want" <<-'END'
	instance home dev wan0 (ifindex 3)
	  type restricted-cone mapping endpoint-independent filtering address-dependent
	  external dev (198.51.100.1) internal any ports 1024-65535
	  port-preservation on port-parity off hairpin on hairpin-filter off inbound-refresh off
	  udp-timeout 300 tcp-timeout 7440 tcp-transitory-timeout 240 icmp-timeout 60 max-peers 65536 hold-down 120 max-per-host 0 mappings 3
	  stats:
	    mappings_created 102 mappings_expired 103 mappings_deleted 104
	    out_new_flows 105 in_new_flows 106 in_filtered 107 in_no_mapping 108
	    hairpin_flows 109 port_exhausted 110 host_limit 111 table_full 112 nomem 113
	    peers_refused 114
	END
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && same_as "$TMP/want"
}

t_fmt_instance_default()
{
	fake_ok || return 1
	run_fake instance show
	cp "$OUT" "$TMP/show"
	run_fake instance
	[ "$RC" -eq 0 ] && same_as "$TMP/show"
}

t_fmt_instance_json()
{
	fake_ok || return 1
	run_fake -j instance show
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && [ "$(wc -l <"$OUT")" -eq 1 ] &&
	jq -e '
		length == 2 and
		(.[0] | keys_unsorted) == ["instance","dev","ifindex","type","mapping",
			"filtering","external","external_addr","internal","port_min",
			"port_max","port_preservation","port_parity","hairpin",
			"hairpin_filter","inbound_refresh","udp_timeout","tcp_timeout",
			"tcp_transitory_timeout","icmp_timeout","max_peers","hold_down",
			"max_per_host","mappings"] and
		.[0] == {"instance":"home","dev":"wan0","ifindex":3,
			"type":"restricted-cone","mapping":"endpoint-independent",
			"filtering":"address-dependent","external":"dev",
			"external_addr":"198.51.100.1","internal":[],"port_min":1024,
			"port_max":65535,"port_preservation":true,"port_parity":false,
			"hairpin":true,"hairpin_filter":false,"inbound_refresh":false,
			"udp_timeout":300,"tcp_timeout":7440,
			"tcp_transitory_timeout":240,"icmp_timeout":60,
			"max_peers":65536,"hold_down":120,"max_per_host":0,
			"mappings":3} and
		.[1].type == "custom" and .[1].external == "203.0.113.1-203.0.113.4" and
		.[1].max_peers == 16 and .[1].hold_down == 0 and
		.[1].max_per_host == 8 and
		.[1].internal == ["10.0.0.0/8","192.168.1.0/24"] and
		.[1].port_parity == true and .[1].hairpin_filter == true and (.[0] | has("stats") | not)' "$OUT" >/dev/null
}

t_fmt_instance_json_stats()
{
	fake_ok || return 1
	run_fake -j -p -s instance show lab
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -gt 10 ] &&
	jq -e 'length == 1 and .[0].instance == "lab" and
		.[0].stats == {"mappings_created":202,"mappings_expired":203,
			"mappings_deleted":204,"out_new_flows":205,"in_new_flows":206,
			"in_filtered":207,"in_no_mapping":208,"hairpin_flows":209,
			"port_exhausted":210,"host_limit":211,"table_full":212,
			"nomem":213,"peers_refused":214}' "$OUT" >/dev/null
}

t_fmt_instance_missing()
{
	fake_ok || return 1
	run_fake -j instance show nosuch
	fails_with 2 'no such instance'
}

t_fmt_instance_empty()
{
	fake_ok || return 1
	NATCTL_FAKE_EMPTY=1 run_fake -j instance show
	[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "[]" ] || return 1
	NATCTL_FAKE_EMPTY=1 run_fake instance show
	[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] && [ ! -s "$ERR" ]
}

t_fmt_stats_text()
{
	fake_ok || return 1
	run_fake stats
	cat >"$TMP/want" <<-'END'
	instance home
	  mappings_created 102 mappings_expired 103 mappings_deleted 104
	  out_new_flows 105 in_new_flows 106 in_filtered 107 in_no_mapping 108
	  hairpin_flows 109 port_exhausted 110 host_limit 111 table_full 112 nomem 113
	  peers_refused 114
	instance lab
	  mappings_created 202 mappings_expired 203 mappings_deleted 204
	  out_new_flows 205 in_new_flows 206 in_filtered 207 in_no_mapping 208
	  hairpin_flows 209 port_exhausted 210 host_limit 211 table_full 212 nomem 213
	  peers_refused 214
	END
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && same_as "$TMP/want"
}

t_fmt_stats_json()
{
	fake_ok || return 1
	run_fake -j stats show
	[ "$RC" -eq 0 ] &&
	jq -e 'length == 2 and (.[0] | keys_unsorted) == ["instance","stats"] and
		.[0].instance == "home" and .[0].stats.nomem == 113 and
		.[0].stats.peers_refused == 114 and
		((.[0].stats | keys_unsorted) | last) == "peers_refused" and
		(.[1].stats | length) == 13' "$OUT" >/dev/null
}

t_fmt_mapping_text()
{
	fake_ok || return 1
	run_fake mapping show
	cat >"$TMP/want" <<-'END'
	home udp 10.0.1.2:5000 -> 198.51.100.1:5000 dynamic expires 297s
	home udp 10.0.1.3:5000 -> 198.51.100.1:6000 static permanent
	home udp 10.0.1.4:4000 -> 198.51.100.1:7000 dynamic expires 12s remote 198.51.100.10:3478
	lab udp 10.0.0.9:53 -> 203.0.113.2:2001 dynamic expires 30s remote 192.0.2.7
	END
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && same_as "$TMP/want"
}

t_fmt_mapping_json()
{
	fake_ok || return 1
	run_fake -j mapping show
	[ "$RC" -eq 0 ] &&
	jq -e 'length == 4 and
		.[0] == {"instance":"home","proto":"udp","internal_addr":"10.0.1.2",
			"internal_port":5000,"external_addr":"198.51.100.1",
			"external_port":5000,"origin":"dynamic","expires":297} and
		(.[0] | keys_unsorted) == ["instance","proto","internal_addr",
			"internal_port","external_addr","external_port","origin",
			"expires"] and
		.[1].origin == "static" and .[1].expires == null and
		.[2].remote_addr == "198.51.100.10" and .[2].remote_port == 3478 and
		.[3].remote_addr == "192.0.2.7" and (.[3] | has("remote_port") | not)' \
		"$OUT" >/dev/null
}

t_fmt_mapping_filtered()
{
	fake_ok || return 1
	run_fake mapping show instance lab
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 1 ] && grep -q '^lab udp ' "$OUT"
}

t_fmt_mapping_get()
{
	fake_ok || return 1
	run_fake -j mapping get instance home proto udp internal 10.0.1.2:5000
	[ "$RC" -eq 0 ] && jq -e 'length == 1 and .[0].internal_port == 5000' \
		"$OUT" >/dev/null || return 1
	run_fake mapping get instance home proto udp internal 10.0.1.2:5000
	[ "$RC" -eq 0 ] &&
		[ "$(cat "$OUT")" = "home udp 10.0.1.2:5000 -> 198.51.100.1:5000 dynamic expires 297s" ]
}

t_fmt_mapping_empty()
{
	fake_ok || return 1
	NATCTL_FAKE_EMPTY=1 run_fake -j mapping show
	[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "[]" ]
}

t_fmt_permit()
{
	fake_ok || return 1
	run_fake permit show
	cat >"$TMP/want" <<-'END'
	home udp 10.0.1.3:5000 -> 198.51.100.1:6000 permanent remote 192.0.2.44
	lab udp 10.0.0.9:53 -> 203.0.113.2:2001 expires 52s remote 203.0.113.5:3478
	END
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && same_as "$TMP/want" || return 1
	run_fake -j permit show instance lab
	[ "$RC" -eq 0 ] &&
	jq -e 'length == 1 and
		.[0] == {"instance":"lab","proto":"udp","internal_addr":"10.0.0.9",
			"internal_port":53,"external_addr":"203.0.113.2",
			"external_port":2001,"expires":52,
			"remote_addr":"203.0.113.5","remote_port":3478}' \
		"$OUT" >/dev/null || return 1
	run_fake -j permit show instance home
	[ "$RC" -eq 0 ] && jq -e 'length == 1 and .[0].expires == null and
		(.[0] | has("remote_port") | not)' "$OUT" >/dev/null || return 1
	NATCTL_FAKE_EMPTY=1 run_fake -j permit show
	[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "[]" ]
}

t_fmt_monitor_text()
{
	fake_ok || return 1
	run_fake monitor
	cat >"$TMP/want" <<-'END'
	created home udp 10.0.1.2:5000 -> 198.51.100.1:5000 dynamic expires 297s
	expired home udp 10.0.1.3:5000 -> 198.51.100.1:6000 static permanent
	deleted home udp 10.0.1.4:4000 -> 198.51.100.1:7000 dynamic expires 12s remote 198.51.100.10:3478
	exhausted home udp 10.0.1.2:5000
	peer-limit home udp 10.0.1.2:5000 -> 198.51.100.1:5000 remote 203.0.113.9:4000
	created lab udp 10.0.0.9:53 -> 203.0.113.2:2001 dynamic expires 30s remote 192.0.2.7
	END
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && same_as "$TMP/want"
}

t_fmt_monitor_time()
{
	local re='^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z '
	fake_ok || return 1
	run_fake -t monitor
	[ "$RC" -eq 0 ] && [ "$(grep -cE "${re}(created|expired|deleted|exhausted|peer-limit) (home|lab) udp " "$OUT")" -eq 6 ] &&
		[ "$(wc -l <"$OUT")" -eq 6 ] || return 1
	run_fake --timestamp -j monitor mapping
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 4 ] &&
		jq -e -s 'all(.[]; (keys_unsorted[0:2]) == ["time","event"] and
			(.time | test("^20[0-9]{2}-.*T.*\\.[0-9]{6}Z$")))' "$OUT" >/dev/null
}

t_fmt_monitor_instance()
{
	fake_ok || return 1
	run_fake monitor instance lab
	[ "$RC" -eq 0 ] &&
		[ "$(cat "$OUT")" = "created lab udp 10.0.0.9:53 -> 203.0.113.2:2001 dynamic expires 30s remote 192.0.2.7" ] ||
		return 1
	run_fake monitor exhaustion instance lab
	[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] || return 1
	run_fake -j monitor all instance home
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 5 ] &&
		jq -e -s 'all(.[]; .instance == "home")' "$OUT" >/dev/null
}

t_fmt_monitor_lost()
{
	# A receive overrun: a record of its own in the stream, and the
	# warning on stderr; the events after it still come.
	fake_ok || return 1
	NATCTL_FAKE_OVERRUN=1 run_fake -j monitor
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 7 ] &&
		[ "$(sed -n 6p "$OUT")" = '{"event":"lost"}' ] &&
		jq -e -s '.[6].instance == "lab"' "$OUT" >/dev/null &&
		grep -qx 'natctl: warning: events lost (socket overrun)' "$ERR" ||
		return 1
	NATCTL_FAKE_OVERRUN=1 run_fake monitor mapping instance lab
	[ "$RC" -eq 0 ] && [ "$(sed -n 1p "$OUT")" = "lost" ] &&
		[ "$(wc -l <"$OUT")" -eq 2 ]
}

t_fmt_monitor_filters()
{
	fake_ok || return 1
	run_fake monitor exhaustion
	[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "exhausted home udp 10.0.1.2:5000" ] ||
		return 1
	run_fake monitor mapping
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 4 ] &&
		! grep -qE 'exhausted|peer-limit' "$OUT" || return 1
	# peer-limit events come with "all" (the default) only
	run_fake monitor all
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 6 ] &&
		[ "$(grep -c '^peer-limit ' "$OUT")" -eq 1 ]
}

t_fmt_monitor_json()
{
	fake_ok || return 1
	run_fake -j monitor
	# One document per line, each an object with "event" first.
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 6 ] &&
	jq -e -s 'length == 6 and
		map(.event) == ["created","expired","deleted","exhausted","peer-limit","created"] and
		(.[0] | keys_unsorted)[0] == "event" and .[0].external_port == 5000 and
		.[3] == {"event":"exhausted","instance":"home","proto":"udp",
			"internal_addr":"10.0.1.2","internal_port":5000} and
		.[4] == {"event":"peer-limit","instance":"home","proto":"udp",
			"internal_addr":"10.0.1.2","internal_port":5000,
			"external_addr":"198.51.100.1","external_port":5000,
			"remote_addr":"203.0.113.9","remote_port":4000} and
		(.[4] | keys_unsorted) == ["event","instance","proto",
			"internal_addr","internal_port","external_addr",
			"external_port","remote_addr","remote_port"]' "$OUT" >/dev/null &&
	while IFS= read -r line; do
		jq -e 'type == "object"' <<<"$line" >/dev/null || return 1
	done <"$OUT"
}

t_fmt_actions_silent()
{
	# Commands without a reply print nothing and exit 0.
	fake_ok || return 1
	run_fake instance add home dev wan0
	[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] && [ ! -s "$ERR" ] || return 1
	run_fake -j mapping flush
	[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] && [ ! -s "$ERR" ] || return 1
	run_fake -j limits set max-peers 5
	[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] && [ ! -s "$ERR" ]
}

t_fmt_echo()
{
	# -e: mapping add asks for the echo and prints the mapping made, as
	# "mapping get" does; without -e it prints nothing.
	fake_ok || return 1
	run_fake -e mapping add instance home proto udp internal 10.0.1.2:5000
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] &&
		[ "$(cat "$OUT")" = "home udp 10.0.1.2:5000 -> 198.51.100.1:40000 static permanent" ] &&
		grep -qx 'NEW_MAPPING flags=ack,echo instance="home" proto=17 int_addr=10.0.1.2 int_port=5000' "$FAKE_LOG" ||
		return 1
	run_fake --echo -j mapping add instance home proto tcp internal 10.0.1.2:5000 external :6000 lifetime 1m
	[ "$RC" -eq 0 ] &&
		jq -e 'length == 1 and .[0].external_port == 6000 and
			.[0].proto == "tcp" and .[0].origin == "static" and
			.[0].expires == 60' "$OUT" >/dev/null || return 1
	run_fake mapping add instance home proto udp internal 10.0.1.2:5000
	[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] &&
		grep -qx 'NEW_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.2 int_port=5000' "$FAKE_LOG"
}

t_fmt_save()
{
	# natctl save prints the batch that makes the configuration again:
	# it checks clean with -c, and applied it sends exactly the settings
	# the dumps hold (every setting of every instance, the static mapping
	# by port on the instance that follows its device, the permits).
	fake_ok || return 1
	run_fake save
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] || return 1
	cp "$OUT" "$TMP/saved"
	cat >"$TMP/want" <<-'END'
	# natctl save: the conenat configuration of this network namespace
	limits set max-mappings 4194304 max-peers 1048576
	instance add home dev wan0 type restricted-cone external dev internal any ports 1024-65535 port-preservation on port-parity off hairpin on hairpin-filter off inbound-refresh off udp-timeout 300 tcp-timeout 7440 tcp-transitory-timeout 240 icmp-timeout 60 max-per-host 0 max-peers 65536 hold-down 120
	instance add lab dev wan1 mapping address-dependent filtering endpoint-independent external 203.0.113.1-203.0.113.4 internal 10.0.0.0/8,192.168.1.0/24 ports 2000-3000 port-preservation off port-parity on hairpin off hairpin-filter on inbound-refresh on udp-timeout 60 tcp-timeout 3600 tcp-transitory-timeout 120 icmp-timeout 30 max-per-host 8 max-peers 16 hold-down 0
	mapping add instance home proto udp internal 10.0.1.3:5000 external :6000
	permit add instance home proto udp internal 10.0.1.3:5000 remote 192.0.2.44
	permit add instance lab proto udp internal 10.0.0.9:53 remote 203.0.113.5:3478 lifetime 52
	END
	same_as "$TMP/want" || return 1
	run_fake -c -b "$TMP/saved"
	[ "$RC" -eq 0 ] || return 1
	run_fake -b "$TMP/saved"
	[ "$RC" -eq 0 ] &&
	grep -qx 'NEW_INSTANCE flags=ack name="lab" ifname="wan1" mapping=1 filtering=0 ext_addr_min=203.0.113.1 ext_addr_max=203.0.113.4 internal=\[10.0.0.0/8,192.168.1.0/24\] port_min=2000 port_max=3000 port_preservation=0 port_parity=1 hairpin=0 hairpin_filter=1 inbound_refresh=1 udp_timeout=60 tcp_timeout=3600 tcp_transitory_timeout=120 icmp_timeout=30 max_per_host=8 max_peers=16 hold_down=0' "$FAKE_LOG" &&
	grep -qx 'NEW_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.3 int_port=5000 ext_port=6000' "$FAKE_LOG" &&
	[ "$(wc -l <"$FAKE_LOG")" -eq 6 ] || return 1
	run_fake -j save
	[ "$RC" -eq 1 ] && grep -q 'leave out -j' "$ERR" || return 1
	run_fake save extra
	[ "$RC" -eq 1 ] && grep -q 'unexpected argument "extra"' "$ERR"
}

# The fake's configuration, as natctl save prints it, in another order and
# with the settings of "home" left to their defaults.
config_same()
{
	cat <<-'END'
	# comments and blank lines are fine

	instance add lab dev wan1 mapping address-dependent filtering endpoint-independent \
		external 203.0.113.1-203.0.113.4 internal 192.168.1.0/24,10.0.0.0/8 \
		ports 2000-3000 port-preservation off port-parity on hairpin off \
		hairpin-filter on inbound-refresh on udp-timeout 1m tcp-timeout 1h \
		tcp-transitory-timeout 2m icmp-timeout 30 max-per-host 8 max-peers 16 \
		hold-down 0
	instance add home dev wan0
	permit add instance lab proto udp internal 10.0.0.9:53 remote 203.0.113.5:3478 lifetime 1h
	permit add instance home proto udp internal 10.0.1.3:5000 remote 192.0.2.44:7
	mapping add instance home proto udp internal 10.0.1.3:5000 external :6000
	limits set max-peers 1048576
	END
}

# requests_sent: what the fake logged, reads left out
requests_sent()
{
	grep -v '^GET_' "$FAKE_LOG" 2>/dev/null
}

t_sync_same()
{
	# Nothing differs: sync sends nothing but its reads.
	fake_ok || return 1
	config_same >"$TMP/conf"
	run_fake sync "$TMP/conf"
	# (lab's udp-timeout of 1m earns the usual warning, once)
	[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] &&
		[ "$(cat "$ERR")" = "natctl: $TMP/conf line 3: warning: udp-timeout 60 is below RFC 4787's 120 s minimum" ] &&
		[ -z "$(requests_sent)" ] && grep -q '^GET_PERMIT' "$FAKE_LOG"
}

t_sync_changes()
{
	# Only what differs: "lab" goes, "home" gets its new timer (its
	# dynamic mappings stay), the static mapping moves, a permit and an
	# instance come, limits back to their defaults.
	fake_ok || return 1
	cat >"$TMP/conf" <<-'END'
	instance add home dev wan0 udp-timeout 600
	instance add new dev wan9 type full-cone
	mapping add instance home proto udp internal 10.0.1.3:5000 external :6001
	mapping add instance home proto tcp internal 10.0.1.3:22 external :2222
	permit add instance home proto udp internal 10.0.1.3:5000 remote 192.0.2.44
	permit add instance new proto udp internal 10.0.1.9:1 remote 192.0.2.45
	END
	run_fake sync "$TMP/conf"
	[ "$RC" -eq 0 ] || return 1
	cat >"$TMP/want" <<-'END'
	DEL_INSTANCE flags=ack name="lab"
	SET_LIMITS flags=ack max_mappings=4194304 max_peers=4194304
	SET_INSTANCE flags=ack name="home" mapping=0 filtering=1 ext_addr_min=0.0.0.0 ext_addr_max=0.0.0.0 port_min=1024 port_max=65535 port_preservation=1 port_parity=0 hairpin=1 hairpin_filter=0 inbound_refresh=0 udp_timeout=600 tcp_timeout=7440 tcp_transitory_timeout=240 icmp_timeout=60 max_per_host=0 max_peers=65536 hold_down=120 internal=[]
	NEW_INSTANCE flags=ack name="new" ifname="wan9" mapping=0 filtering=0
	DEL_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.3 int_port=5000
	NEW_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.3 int_port=5000 ext_port=6001
	NEW_MAPPING flags=ack instance="home" proto=6 int_addr=10.0.1.3 int_port=22 ext_port=2222
	NEW_PERMIT flags=ack instance="new" proto=17 int_addr=10.0.1.9 int_port=1 remote_addr=192.0.2.45
	END
	requests_sent >"$OUT"
	same_as "$TMP/want"
}

t_restore()
{
	# Every instance goes, then the file's lines in order.
	fake_ok || return 1
	config_same >"$TMP/conf"
	run_fake restore "$TMP/conf"
	[ "$RC" -eq 0 ] && [ "$(grep -vc warning "$ERR")" -eq 0 ] || return 1
	requests_sent >"$OUT"
	[ "$(sed -n 1,3p "$OUT")" = 'DEL_INSTANCE flags=ack name="home"
DEL_INSTANCE flags=ack name="lab"
SET_LIMITS flags=ack max_mappings=4194304 max_peers=1048576' ] &&
		[ "$(sed -n 5p "$OUT")" = 'NEW_INSTANCE flags=ack name="home" ifname="wan0"' ] &&
		[ "$(sed -n 8p "$OUT")" = 'NEW_MAPPING flags=ack instance="home" proto=17 int_addr=10.0.1.3 int_port=5000 ext_port=6000' ] &&
		[ "$(wc -l <"$OUT")" -eq 8 ] || return 1
	# stdin
	IN=$TMP/conf run_fake restore -
	[ "$RC" -eq 0 ] && [ "$(requests_sent | wc -l)" -eq 8 ]
}

t_config_errors()
{
	# A file with errors changes nothing: every bad line is named, with
	# its file and line, and nothing but nothing is sent.
	local verb
	fake_ok || return 1
	{
		config_same
		printf 'mapping show\ninstance set home udp-timeout 5m\nmonitor\n'
		printf 'instance add x dev eth0 bogus 1\npermit add instance home\n'
	} >"$TMP/conf"
	for verb in restore sync; do
		run_fake "$verb" "$TMP/conf"
		[ "$RC" -eq 1 ] && [ ! -e "$FAKE_LOG" ] &&
		grep -qx "natctl: $TMP/conf line 14: \"mapping show\" has no place in a configuration (instance add, mapping add, permit add and limits set lines only)" "$ERR" &&
		grep -q "^natctl: $TMP/conf line 15: \"instance set\" has no place" "$ERR" &&
		grep -q "^natctl: $TMP/conf line 16: \"monitor\" has no place" "$ERR" &&
		grep -qx "natctl: $TMP/conf line 17: unknown argument \"bogus\" for \"instance add\"; try \"natctl instance help\"" "$ERR" &&
		grep -qx "natctl: $TMP/conf line 18: \"permit add\" needs \"proto\"; try \"natctl permit help\"" "$ERR" &&
		[ "$(grep -vc warning "$ERR")" -eq 5 ] || return 1
	done
	run_fake sync /nonexistent/conf
	[ "$RC" -eq 1 ] && grep -q 'cannot open "/nonexistent/conf"' "$ERR" || return 1
	run_fake sync
	[ "$RC" -eq 1 ] && grep -q '"sync" needs a FILE' "$ERR" || return 1
	run_fake -j restore "$TMP/conf"
	[ "$RC" -eq 1 ] && grep -q 'leave out -j' "$ERR" || return 1
	# -c: the file is checked, nothing read or sent
	config_same >"$TMP/conf"
	run_fake -c sync "$TMP/conf"
	[ "$RC" -eq 0 ] && [ ! -e "$FAKE_LOG" ]
}

t_config_unloaded()
{
	# Without the module (after an rmmod), an empty file is in force:
	# "systemctl stop conenat", natctl restore /dev/null, succeeds and
	# sends nothing; a file with a line fails as any request does then.
	local verb
	fake_ok || return 1
	for verb in restore sync; do
		NATCTL_FAKE_UNLOADED=1 run_fake "$verb" /dev/null
		[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] && [ ! -s "$ERR" ] &&
			[ ! -e "$FAKE_LOG" ] || return 1
		echo '# only a comment' >"$TMP/conf"
		NATCTL_FAKE_UNLOADED=1 run_fake "$verb" "$TMP/conf"
		[ "$RC" -eq 0 ] && [ ! -e "$FAKE_LOG" ] || return 1
		config_same >"$TMP/conf"
		NATCTL_FAKE_UNLOADED=1 run_fake "$verb" "$TMP/conf"
		[ "$RC" -eq 2 ] && [ ! -e "$FAKE_LOG" ] &&
			[ "$(grep -vc warning "$ERR")" -eq 1 ] &&
			grep -q 'module is not loaded' "$ERR" || return 1
	done
}

t_malformed_limits()
{
	# A reply attribute of the wrong length is refused by the limits'
	# policy, in show and in the caps save and sync read, never read past
	fake_ok || return 1
	NATCTL_FAKE_MALFORMED=1 run_fake limits show
	fails_with 2 'malformed reply from the kernel' || return 1
	NATCTL_FAKE_MALFORMED=1 run_fake save
	[ "$RC" -eq 2 ] && grep -q 'malformed reply from the kernel' "$ERR"
}

t_config_rollback()
{
	# The kernel refuses a line halfway: the configuration from before is
	# put back (a restore of what save printed first), exit 2.
	fake_ok || return 1
	config_same >"$TMP/conf"
	echo 'mapping add instance home proto tcp internal 10.0.1.3:22 external :2222' >>"$TMP/conf"
	NATCTL_FAKE_FAIL=NEW_MAPPING run_fake sync "$TMP/conf"
	[ "$RC" -eq 2 ] &&
	grep -qx "natctl: $TMP/conf line 14: conenat: fake refusal of NEW_MAPPING" "$ERR" &&
	grep -qx "natctl: sync of \"$TMP/conf\" failed: putting the configuration from before back" "$ERR" || return 1
	# after the failing request: every instance deleted, then the old
	# configuration's lines, as save printed them
	requests_sent | sed -n '/proto=6/,$p' | sed 1d >"$OUT"
	[ "$(sed -n 1p "$OUT")" = 'DEL_INSTANCE flags=ack name="home"' ] &&
		grep -q '^NEW_INSTANCE flags=ack name="lab" ifname="wan1" mapping=1 filtering=0 ext_addr_min=203.0.113.1' "$OUT"
}

t_fmt_batch()
{
	fake_ok || return 1
	printf 'instance add a dev eth0\nmapping show instance lab\nstats show instance home\n' \
		>"$TMP/batch"
	run_fake -b "$TMP/batch"
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$FAKE_LOG")" -eq 3 ] &&
		grep -q '^lab udp ' "$OUT" && grep -q '^instance home$' "$OUT"
}

t_batch_continuation()
{
	fake_ok || return 1
	printf 'instance add a dev eth0 \\\n  type full-cone \\\n  udp-timeout 600\nmapping show instance lab\n' \
		>"$TMP/batch"
	run_fake -b "$TMP/batch"
	# one NEW_INSTANCE request with every word of the three lines
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$FAKE_LOG")" -eq 2 ] &&
		grep -q '^NEW_INSTANCE .*udp_timeout=600' "$FAKE_LOG" || return 1
	# an error in a continued command names its first line
	printf 'help\ninstance add b dev eth1 \\\n  udp-timeout x\n' >"$TMP/batch"
	run_fake -b "$TMP/batch"
	[ "$RC" -eq 1 ] && stderr_is_one_line_with 'batch line 2: ' &&
		grep -q '"x"' "$ERR"
}

t_aliases_and_help()
{
	fake_ok || return 1
	run_fake instance list
	[ "$RC" -eq 0 ] && grep -q '^GET_INSTANCE flags=dump' "$FAKE_LOG" || return 1
	run_fake mapping ls
	[ "$RC" -eq 0 ] && grep -q '^GET_MAPPING flags=dump' "$FAKE_LOG" || return 1
	run_fake instance delete home
	[ "$RC" -eq 0 ] && grep -q '^DEL_INSTANCE flags=ack name="home"' "$FAKE_LOG" || return 1
	# help at every depth, and nothing sent
	run_fake instance add help
	[ "$RC" -eq 0 ] && grep -q '^Usage: natctl \[OPTIONS\] instance' "$OUT" &&
		[ ! -s "$FAKE_LOG" ] || return 1
	run_fake mapping add instance home help
	[ "$RC" -eq 0 ] && grep -q '^Usage: natctl \[OPTIONS\] mapping' "$OUT" &&
		[ ! -s "$FAKE_LOG" ]
}

t_check_only()
{
	fake_ok || return 1
	printf 'instance add a dev eth0 type full-cone\nmapping add instance a proto udp internal 10.0.0.2:5000 external :5000\nmapping show\n' \
		>"$TMP/batch"
	run_fake -c -b "$TMP/batch"
	# all good: nothing sent, nothing printed
	[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] && [ ! -s "$ERR" ] &&
		[ ! -s "$FAKE_LOG" ] || return 1
	printf 'instance add a dev eth0 type fullcone\nhelp\nmapping add instance a proto udp internal 10.0.0.2\ninstance set a udp-timeout 600\n' \
		>"$TMP/batch"
	run_fake -c -b "$TMP/batch"
	# every bad line reported, the good ones checked; nothing sent
	[ "$RC" -eq 1 ] && [ "$(grep -c '^natctl: batch line' "$ERR")" -eq 2 ] &&
		grep -q 'line 1: .*"fullcone"' "$ERR" && grep -q 'line 3: ' "$ERR" &&
		[ ! -s "$FAKE_LOG" ] || return 1
	# one command, and without the module: natctl itself, no kernel
	run -c instance add a dev eth0 udp-timeout 600
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] || return 1
	run -c instance add a dev eth0 udp-timeout sixty
	[ "$RC" -eq 1 ] && grep -q '"sixty"' "$ERR"
}

t_fmt_info()
{
	fake_ok || return 1
	run_fake info
	[ "$RC" -eq 0 ] && [ "$(sed -n 1p "$OUT")" = "conenat 0.0.0-fake api 6" ] &&
		[ "$(sed -n 2p "$OUT")" = "  limits: instances 64 mappings 4194304 hash-buckets 1024 name-max 16" ]
}

t_fmt_limits_text()
{
	fake_ok || return 1
	run_fake limits show
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] &&
		[ "$(cat "$OUT")" = "max-mappings 4194304 mappings 4 max-peers 1048576 peers 3 instances 2" ] &&
		[ "$(cat "$FAKE_LOG")" = "GET_LIMITS flags=ack" ] || return 1
	# "limits" alone is "limits show"
	cp "$OUT" "$TMP/show"
	run_fake limits
	[ "$RC" -eq 0 ] && same_as "$TMP/show"
}

t_fmt_limits_json()
{
	fake_ok || return 1
	run_fake -j limits show
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && [ "$(wc -l <"$OUT")" -eq 1 ] &&
	jq -e 'type == "object" and
		keys_unsorted == ["max_mappings","mappings","max_peers",
			"peers","instances"] and
		. == {"max_mappings":4194304,"mappings":4,"max_peers":1048576,
			"peers":3,"instances":2}' "$OUT" >/dev/null
}

# ---- natctl-fake: conntrack show ------------------------------------------

t_fmt_conntrack_text()
{
	fake_ok || return 1
	run_fake conntrack show
	# fake_ct.c's entries 3 (masquerade), 4 (not NATed) and 5 (tcp) are
	# not conenat's; the hairpinned 6 shows once per mapping.
	cat >"$TMP/want" <<-'END'
	home udp 10.0.1.2:5000 -> 198.51.100.1:5000 remote 198.51.100.10:4000 outbound timeout 27s [assured]
	home udp 10.0.1.3:5000 -> 198.51.100.1:6000 remote 203.0.113.9:7000 inbound timeout 15s
	home udp 10.0.1.4:4000 -> 198.51.100.1:7000 remote 198.51.100.1:5000 outbound timeout 3s
	home udp 10.0.1.2:5000 -> 198.51.100.1:5000 remote 198.51.100.1:7000 inbound timeout 3s
	lab udp 10.0.0.9:53 -> 203.0.113.2:2001 remote 192.0.2.7:53 outbound
	END
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && same_as "$TMP/want" &&
		[ "$(cat "$FAKE_LOG")" = "$(printf 'GET_MAPPING flags=dump\nCT_DUMP family=inet')" ]
}

t_fmt_conntrack_default()
{
	fake_ok || return 1
	run_fake conntrack show
	cp "$OUT" "$TMP/show"
	run_fake conntrack
	[ "$RC" -eq 0 ] && same_as "$TMP/show"
}

t_fmt_conntrack_json()
{
	fake_ok || return 1
	run_fake -j conntrack show
	[ "$RC" -eq 0 ] && [ ! -s "$ERR" ] && [ "$(wc -l <"$OUT")" -eq 1 ] &&
	jq -e '
		length == 5 and
		(.[0] | keys_unsorted) == ["instance","proto","internal_addr",
			"internal_port","external_addr","external_port","remote_addr",
			"remote_port","direction","timeout","assured"] and
		.[0] == {"instance":"home","proto":"udp","internal_addr":"10.0.1.2",
			"internal_port":5000,"external_addr":"198.51.100.1",
			"external_port":5000,"remote_addr":"198.51.100.10",
			"remote_port":4000,"direction":"outbound","timeout":27,
			"assured":true} and
		.[1] == {"instance":"home","proto":"udp","internal_addr":"10.0.1.3",
			"internal_port":5000,"external_addr":"198.51.100.1",
			"external_port":6000,"remote_addr":"203.0.113.9",
			"remote_port":7000,"direction":"inbound","timeout":15,
			"assured":false} and
		([.[2], .[3]] | map(.direction)) == ["outbound","inbound"] and
		.[4].instance == "lab" and .[4].timeout == null' "$OUT" >/dev/null
}

t_fmt_conntrack_filters()
{
	fake_ok || return 1
	run_fake conntrack show instance lab
	[ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 1 ] && grep -q '^lab udp ' "$OUT" &&
		grep -q '^GET_MAPPING flags=dump instance="lab"$' "$FAKE_LOG" ||
		return 1
	# By internal address: both directions of that host.
	run_fake -j conntrack show internal 10.0.1.2
	[ "$RC" -eq 0 ] && jq -e 'length == 2 and
		map(.internal_addr) == ["10.0.1.2","10.0.1.2"] and
		map(.direction) == ["outbound","inbound"]' "$OUT" >/dev/null || return 1
	run_fake -j conntrack show instance home internal 10.0.1.4:4000
	[ "$RC" -eq 0 ] && jq -e 'length == 1 and .[0].external_port == 7000' \
		"$OUT" >/dev/null || return 1
	run_fake -j conntrack show internal 10.0.1.4:4001
	[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "[]" ]
}

t_fmt_conntrack_empty()
{
	# No mapping: nothing can match, and the table is not even read.
	fake_ok || return 1
	NATCTL_FAKE_EMPTY=1 run_fake -j conntrack show
	[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "[]" ] &&
		! grep -q CT_DUMP "$FAKE_LOG" || return 1
	NATCTL_FAKE_EMPTY=1 run_fake conntrack show
	[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] && [ ! -s "$ERR" ]
}

t_fmt_conntrack_errors()
{
	fake_ok || return 1
	NATCTL_FAKE_CT_ERROR=read:EPERM run_fake -j conntrack show
	fails_with 2 'natctl: cannot read the conntrack table: Operation not permitted (CAP_NET_ADMIN is needed in this network namespace)' ||
		return 1
	NATCTL_FAKE_CT_ERROR=open:EPROTONOSUPPORT run_fake conntrack show
	fails_with 2 'natctl: cannot open the conntrack table: Protocol not supported (is nf_conntrack loaded? try: modprobe nf_conntrack_netlink)' ||
		return 1
	NATCTL_FAKE_CT_ERROR=read:ENOENT run_fake conntrack show
	fails_with 2 'try: modprobe nf_conntrack_netlink' || return 1
	# In a batch: the line is named, the next line does not run.
	printf 'conntrack show\ninfo\n' >"$TMP/batch"
	NATCTL_FAKE_CT_ERROR=read:EPERM run_fake -b "$TMP/batch"
	fails_with 2 'natctl: batch line 1: cannot read the conntrack table' &&
		! grep -q GET_INFO "$FAKE_LOG"
}

# instance_keywords: the OPTION keywords "natctl instance help" lists, one
# a line, in its order.
instance_keywords()
{
	"$NATCTL" instance help | sed -n '/^OPTION :=/,/^[A-Z]* :=/p' |
		grep -v '^BEHAVIOUR :=' | grep -oE '(:=|\|) [a-z][a-z-]*' |
		awk '{ print $2 }'
}

# instance_defaults: "KEYWORD VALUE" lines from the "Defaults:" sentence of
# "natctl instance help" (its first item, the type, as "type VALUE").
instance_defaults()
{
	"$NATCTL" instance help | tr '\n' ' ' | tr -s ' ' |
		sed -n 's/.*Defaults: \([^.]*\)\..*/\1/p' | tr ',' '\n' |
		sed 's/^ *//; s/ *$//' | awk 'NF == 1 { print "type", $1; next } { print }'
}

# ---- bash completion ------------------------------------------------------

COMPLETION=$USERSPACE/natctl.bash-completion

# complete_line LINE: the completions of LINE (the cursor at its end), one
# a line in $OUT, computed by a fresh bash that sources the completion file,
# with natctl and ip shims first on PATH (natctl-fake's instances "home" and
# "lab"; netns "blue" and "red"). The natctl shim logs its arguments.
complete_line()
{
	local shim=$TMP/shim
	if [ ! -d "$shim" ]; then
		mkdir -p "$shim" || return 1
		cat >"$shim/natctl" <<-END
		#!/bin/sh
		printf '%s\n' "\$*" >>"$shim/natctl.args"
		exec "$FAKE" "\$@"
		END
		cat >"$shim/ip" <<-'END'
		#!/bin/sh
		[ "$*" = "netns list" ] && printf 'blue (id: 0)\nred\n'
		END
		chmod +x "$shim/natctl" "$shim/ip"
	fi
	PATH=$shim:$PATH bash --norc --noprofile -c '
		. "$1" || exit 1
		complete -p natctl >/dev/null || exit 1
		COMP_LINE=$2
		COMP_POINT=${#COMP_LINE}
		read -r -a COMP_WORDS <<<"$COMP_LINE"
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_natctl natctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 1
		printf "%s\n" "${COMPREPLY[@]}"
	' complete "$COMPLETION" "$1" >"$OUT" 2>"$ERR"
}

# completes LINE WORD...: LINE completes to exactly the WORDs, in order.
completes()
{
	local line=$1 want
	shift
	complete_line "$line" || return 1
	want=$(printf '%s\n' "$@")
	[ "$(cat "$OUT")" = "$want" ] || {
		echo "completing \"$line\": want: $*" >>"$ERR"
		return 1
	}
}

t_completion_syntax()
{
	bash -n "$COMPLETION" 2>"$ERR"
}

t_completion_objects()
{
	completes 'natctl ' info instance mapping permit stats monitor \
		conntrack limits save restore sync help &&
	completes 'natctl -j -s m' mapping monitor &&
	completes 'natctl con' conntrack
}

t_completion_options()
{
	completes 'natctl -' -j -p -s -n -b -f -c -e -t -V -h --json --pretty \
		--stats --netns --batch --force --check --echo --timestamp \
		--version --help &&
	completes 'natctl --ba' --batch
}

t_completion_commands()
{
	local o cmds
	# Every object's commands, exactly as "natctl OBJECT help" lists them.
	for o in info instance mapping permit stats monitor conntrack; do
		"$NATCTL" "$o" help >"$TMP/help" 2>/dev/null || return 1
		read -r -a cmds <<<"$(sed -n 's/^Usage: natctl \[OPTIONS\] [a-z]* { \(.*\) }$/\1/p' \
			"$TMP/help" | tr -d '|')"
		[ "${#cmds[@]}" -gt 1 ] || return 1
		completes "natctl $o " "${cmds[@]}" || return 1
	done
	completes 'natctl instance s' set show
}

t_completion_instance_options()
{
	local kw
	mapfile -t kw < <(instance_keywords)
	[ "${#kw[@]}" -ge 12 ] || { echo "instance help: ${kw[*]}" >"$ERR"; return 1; }
	# every keyword "natctl instance help" lists, in its order
	completes 'natctl instance add home ' dev "${kw[@]}" &&
	completes 'natctl instance set home ' "${kw[@]}" || return 1
	# given ones are not offered again; type excludes mapping/filtering
	mapfile -t kw < <(instance_keywords | grep -vxE 'type|mapping|filtering')
	completes 'natctl instance add home dev eth0 type full-cone ' "${kw[@]}" &&
	completes 'natctl instance set home mapping address-dependent po' \
		ports port-preservation port-parity &&
	completes 'natctl instance add home dev eth0 mapping endpoint-independent f' \
		filtering
}

t_completion_values()
{
	completes 'natctl instance add home type ' full-cone restricted-cone \
		port-restricted-cone symmetric &&
	completes 'natctl instance set home filtering ' endpoint-independent \
		address-dependent address-port-dependent &&
	completes 'natctl instance set home mapping address-p' \
		address-port-dependent &&
	completes 'natctl instance add home hairpin ' on off &&
	completes 'natctl instance add home hairpin-filter ' on off &&
	completes 'natctl instance set home inbound-refresh o' on off &&
	completes 'natctl instance set home port-parity of' off &&
	completes 'natctl instance set home external ' dev &&
	completes 'natctl instance set home internal ' any &&
	completes 'natctl mapping add instance home proto ' udp tcp &&
	completes 'natctl permit add proto u' udp &&
	completes 'natctl mapping add lifetime ' permanent &&
	completes 'natctl -j mapping add instance home internal 10.0.1.2:5000 ' \
		proto external lifetime &&
	completes 'natctl permit add instance home proto udp ' internal remote \
		lifetime &&
	completes 'natctl permit del instance home proto udp ' internal remote &&
	completes 'natctl permit show ' instance proto &&
	completes 'natctl permit flush ' instance &&
	completes 'natctl conntrack show ' instance internal &&
	completes 'natctl limits set ' max-mappings max-peers &&
	completes 'natctl limits set max-peers 5 ' max-mappings &&
	completes 'natctl limits set max-mappings 5 max-p' max-peers &&
	completes 'natctl instance set home max-peers 10 max-pe' max-per-host &&
	completes 'natctl instance set home hold-down 0 max-peers 10 ho' &&
	completes 'natctl instance set home h' hairpin hairpin-filter hold-down &&
	completes 'natctl instance add home hold-down ' &&
	completes 'natctl instance add home udp-timeout ' &&
	completes 'natctl mapping show instance home proto udp '
}

t_completion_devices()
{
	local want
	want=$(ls /sys/class/net)
	[ -n "$want" ] || return 1
	complete_line 'natctl instance add home dev ' &&
		[ "$(cat "$OUT")" = "$want" ] || return 1
	completes 'natctl instance add home dev lo' lo
}

t_completion_netns()
{
	completes 'natctl -n ' blue red &&
	completes 'natctl -j --netns r' red
}

t_completion_batch_file()
{
	: >"$TMP/batchfile-for-completion"
	completes "natctl -b $TMP/batchfile-for-c" \
		"$TMP/batchfile-for-completion" &&
	# the commands come from the file: no object after -b FILE
	completes "natctl -j -b $TMP/batchfile-for-completion " &&
	completes "natctl -b $TMP/batchfile-for-completion --fo" --force
}

t_completion_instances()
{
	fake_ok || return 1
	rm -f "$TMP/shim/natctl.args"
	completes 'natctl instance set ' home lab &&
	completes 'natctl instance del l' lab &&
	completes 'natctl mapping show instance ' home lab &&
	completes 'natctl stats show instance h' home &&
	# -n is passed on to the natctl that lists the instances
	completes 'natctl -n blue conntrack show instance ' home lab &&
	[ "$(tail -n 1 "$TMP/shim/natctl.args")" = "-n blue instance show" ] &&
	# a new instance's name is not completed
	completes 'natctl instance add '
}

# ---- man page --------------------------------------------------------------

MANPAGE=$USERSPACE/natctl.8

t_man_renders()
{
	command -v groff >/dev/null || {
		SKIP_WHY="groff missing (Debian package groff-base)"
		return 77
	}
	groff -man -Tutf8 -ww -z "$MANPAGE" >"$OUT" 2>"$ERR" && [ ! -s "$ERR" ] ||
		return 1
	command -v man >/dev/null || return 0
	# man-db pipes through groff too; --warnings passes -ww.
	MANWIDTH=80 man --warnings -l "$MANPAGE" >"$OUT" 2>"$ERR" &&
		[ ! -s "$ERR" ] && grep -q 'natctl *- *configure' "$OUT" &&
		MANWIDTH=60 man --warnings -l "$MANPAGE" >/dev/null 2>"$ERR" &&
		[ ! -s "$ERR" ]
}

# man_text: the page as plain text in $TMP/man.txt.
man_text()
{
	command -v groff >/dev/null || {
		SKIP_WHY="groff missing (Debian package groff-base)"
		return 77
	}
	[ -s "$TMP/man.txt" ] && return 0
	LC_ALL=C.UTF-8 groff -man -Tutf8 -P-cbou "$MANPAGE" 2>/dev/null |
		sed 's/\xe2\x80\x90/-/g' >"$TMP/man.txt"
	[ -s "$TMP/man.txt" ]
}

t_man_sections()
{
	local s
	man_text || return
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS 'OBJECTS AND COMMANDS' \
		 'INSTANCE OPTIONS' 'NAT TYPES' 'JSON OUTPUT' 'EXIT STATUS' \
		 EXAMPLES FILES 'SEE ALSO'; do
		grep -Eq "^ *$s\$" "$TMP/man.txt" ||
			{ echo "no section $s" >"$ERR"; return 1; }
	done
	for s in 'ip(8)' 'nft(8)' 'conntrack(8)'; do
		grep -qF "$s" "$TMP/man.txt" || return 1
	done
}

t_man_commands()
{
	local o c cmds
	man_text || return
	# Every object and command natctl knows has its own entry.
	for o in info instance mapping permit stats monitor conntrack; do
		"$NATCTL" "$o" help >"$TMP/help" 2>/dev/null || return 1
		read -r -a cmds <<<"$(sed -n 's/^Usage: natctl \[OPTIONS\] [a-z]* { \(.*\) }$/\1/p' \
			"$TMP/help" | tr -d '|')"
		for c in "${cmds[@]}"; do
			[ "$c" = help ] && continue
			case $o/$c in
			monitor/*) grep -q "^       monitor \[all | mapping | exhaustion\]" "$TMP/man.txt" ;;
			*) grep -q "^       $o $c\( \|\$\)" "$TMP/man.txt" ;;
			esac || { echo "no entry for $o $c" >"$ERR"; return 1; }
		done
	done
}

t_man_options()
{
	local o
	man_text || return
	for o in '-j, --json' '-p, --pretty' '-s, --stats' '-n, --netns NETNS' \
		 '-b, --batch FILE' '-f, --force' '-c, --check' '-e, --echo' \
		 '-t, --timestamp' '-V, --version' '-h, --help'; do
		grep -qx "       $o" "$TMP/man.txt" ||
			{ echo "no option $o" >"$ERR"; return 1; }
	done
	# Every option "natctl help" lists is one of those.
	[ "$("$NATCTL" help | grep -c '^  -[a-zA-Z], --')" -eq 11 ]
}

t_man_instance_options()
{
	local kw want n=0
	man_text || return
	# Every keyword "natctl instance help" lists has an entry stating its
	# default: the one the help's "Defaults:" sentence gives, or for mapping
	# and filtering the behaviours of the default type.
	instance_defaults >"$TMP/defaults"
	grep -qx 'type restricted-cone' "$TMP/defaults" &&
		grep -qx 'udp-timeout 300' "$TMP/defaults" ||
		{ echo "instance help defaults: $(cat "$TMP/defaults")" >"$ERR"; return 1; }
	for kw in $(instance_keywords); do
		case $kw in
		mapping) want=endpoint-independent ;;
		filtering) want=address-dependent ;;
		*) want=$(awk -v k="$kw" '$1 == k { print $2 }' "$TMP/defaults") ;;
		esac
		[ -n "$want" ] ||
			{ echo "instance help gives no default for $kw" >"$ERR"; return 1; }
		n=$((n + 1))
		# the entry, then "Default: VALUE" before the next entry
		awk -v kw="$kw" -v want="$want" '
			/^   INSTANCE OPTIONS/ { on = 1; next }
			/^   NAT TYPES/ { on = 0 }
			on && $0 ~ "^       " kw "( |$)" { inside = 1; next }
			on && /^       [a-z]/ { inside = 0 }
			inside { text = text " " $0 }
			END {
				gsub(/ +/, " ", text)
				exit index(text, "Default: " want) ? 0 : 1
			}' "$TMP/man.txt" ||
			{ echo "no \"$kw\" entry with \"Default: $want\"" >"$ERR"; return 1; }
	done
	[ "$n" -ge 12 ]
}

t_man_json_keys()
{
	local k keys
	man_text || fake_ok || return 1
	man_text || return
	# Every key natctl-fake's JSON output holds is named in JSON OUTPUT.
	: >"$TMP/keys"
	for args in "info" "-s instance show" "stats show" "mapping show" "permit show" "-t monitor" \
		    "limits show" "conntrack show"; do
		read -r -a ARGS <<<"$args"
		run_fake -j "${ARGS[@]}"
		[ "$RC" -eq 0 ] || return 1
		jq -r '[.. | objects | keys[]] | .[]' "$OUT" >>"$TMP/keys" || return 1
	done
	sed -n '/^JSON OUTPUT/,/^EXIT STATUS/p' "$TMP/man.txt" | tr -s ' \n' ' ' \
		>"$TMP/json-section"
	keys=$(sort -u "$TMP/keys")
	[ "$(echo "$keys" | wc -l)" -ge 40 ] || return 1
	for k in $keys; do
		grep -qE "(^|[ (,])$k([ ,).]|\$)" "$TMP/json-section" ||
			{ echo "JSON OUTPUT does not name \"$k\"" >"$ERR"; return 1; }
	done
	: >"$OUT"
}

t_man_exit_status()
{
	man_text || return
	# justification pads lines with spaces that move as the page grows
	sed -n '/^EXIT STATUS/,/^EXAMPLES/p' "$TMP/man.txt" |
		sed 's/  */ /g' >"$TMP/exit" &&
		grep -qx ' 0 Success.' "$TMP/exit" &&
		grep -q '^ 1 A usage error' "$TMP/exit" &&
		grep -q '^ 2 The kernel' "$TMP/exit"
}

t_man_examples_parse()
{
	# Every natctl command line of EXAMPLES gets past natctl's parser
	# (natctl-fake: exit 0, or exit 1 only for a missing batch file).
	local line rc
	fake_ok || return 1
	man_text || return
	sed -n '/^EXAMPLES/,/^FILES/p' "$TMP/man.txt" |
		sed 's/^ *//' | awk '
			/\\$/ { sub(/\\$/, ""); held = held $0; next }
			{ print held $0; held = "" }' |
		grep '^natctl ' | sed 's/ |.*//; s/ >>.*//' >"$TMP/examples"
	[ "$(wc -l <"$TMP/examples")" -ge 10 ] || return 1
	while IFS= read -r line; do
		read -r -a ARGS <<<"${line#natctl }"
		case " ${ARGS[*]} " in *" -n "*) continue ;; esac
		run_fake "${ARGS[@]}"
		rc=$RC
		if [ "$rc" -ne 0 ] && ! grep -q 'cannot open batch file' "$ERR"; then
			echo "example fails: $line" >>"$ERR"
			return 1
		fi
	done <"$TMP/examples"
	: >"$OUT"
	: >"$ERR"
}

# ---- make install / uninstall ----------------------------------------------

t_install()
{
	local dest=$TMP/destdir f
	local files=(usr/sbin/natctl usr/share/man/man8/natctl.8
		     usr/share/bash-completion/completions/natctl
		     usr/lib/systemd/system/conenat.service
		     etc/conenat/conenat.conf)
	make -s -C "$USERSPACE" install DESTDIR="$dest" PREFIX=/usr \
		>"$OUT" 2>"$ERR" || return 1
	for f in "${files[@]}"; do
		[ -f "$dest/$f" ] || { echo "not installed: $f" >>"$ERR"; return 1; }
	done
	[ -x "$dest/usr/sbin/natctl" ] && "$dest/usr/sbin/natctl" -V >/dev/null &&
		cmp -s "$dest/usr/share/man/man8/natctl.8" "$MANPAGE" &&
		cmp -s "$dest/usr/share/bash-completion/completions/natctl" \
			"$COMPLETION" || return 1
	# the unit runs the natctl installed, from its installed path
	grep -qx 'ExecStart=/usr/sbin/natctl restore /etc/conenat/conenat.conf' \
		"$dest/usr/lib/systemd/system/conenat.service" || return 1
	# exactly those five files
	[ "$(find "$dest" -type f | wc -l)" -eq 5 ] || return 1
	# an installed configuration is never overwritten...
	echo 'instance add x dev wan0' >"$dest/etc/conenat/conenat.conf"
	make -s -C "$USERSPACE" install DESTDIR="$dest" PREFIX=/usr \
		>"$OUT" 2>"$ERR" &&
		[ "$(cat "$dest/etc/conenat/conenat.conf")" = 'instance add x dev wan0' ] ||
		return 1
	# ...nor removed: uninstall takes the example only
	make -s -C "$USERSPACE" uninstall DESTDIR="$dest" PREFIX=/usr \
		>"$OUT" 2>"$ERR" || return 1
	[ "$(find "$dest" -type f)" = "$dest/etc/conenat/conenat.conf" ] || return 1
	rm "$dest/etc/conenat/conenat.conf"
	make -s -C "$USERSPACE" install DESTDIR="$dest" PREFIX=/usr \
		>"$OUT" 2>"$ERR" &&
	make -s -C "$USERSPACE" uninstall DESTDIR="$dest" PREFIX=/usr \
		>"$OUT" 2>"$ERR" || return 1
	[ "$(find "$dest" -type f | wc -l)" -eq 0 ]
}

t_version_sources()
{
	# One version, VERSION's: natctl's, natctl.8's, dkms.conf's and the
	# Debian changelog's.
	local v
	v=$(cat "$HERE/../VERSION")
	[ -n "$v" ] &&
	"$NATCTL" -V | grep -q "^natctl $v " &&
	grep -q "^\.TH NATCTL 8 [0-9-]* \"conenat $v\"" "$MANPAGE" &&
	grep -qx "PACKAGE_VERSION=\"$v\"" "$HERE/../dkms.conf" &&
	[ "$(sed -n '1s/^conenat (\([^)]*\)).*/\1/p' "$HERE/../debian/changelog")" = "$v" ] ||
		{ echo "a version other than VERSION's $v" >"$ERR"; return 1; }
}

t_unit()
{
	# conenat.service: systemd-analyze verify finds nothing (the unit
	# made for natctl where it is built), it applies the configuration
	# before the network is up, reload syncs, stop clears.
	local u=$TMP/unit/conenat.service
	command -v systemd-analyze >/dev/null ||
		{ echo "systemd-analyze missing (scripts/deps.sh)" >"$ERR"; return 1; }
	mkdir -p "$TMP/unit" "$TMP/man/man8"
	sed "s|@SBINDIR@|$(dirname "$NATCTL")|g" "$USERSPACE/conenat.service.in" >"$u"
	# verify runs man(1) for the unit's Documentation=man:natctl(8): the
	# page as built, not one some earlier install left in the system
	cp "$USERSPACE/natctl.8" "$TMP/man/man8/"
	MANPATH=$TMP/man systemd-analyze verify "$u" >"$OUT" 2>"$ERR" &&
		[ ! -s "$ERR" ] || return 1
	grep -qx 'Before=network-pre.target shutdown.target' "$u" &&
		grep -qx 'DefaultDependencies=no' "$u" &&
		grep -qx "ExecReload=$(dirname "$NATCTL")/natctl sync /etc/conenat/conenat.conf" "$u" &&
		grep -qx "ExecStop=$(dirname "$NATCTL")/natctl restore /dev/null" "$u"
}

t_conf_example()
{
	# The example configuration: as installed it configures nothing and
	# checks clean; its example, uncommented, checks clean too.
	local conf=$USERSPACE/conenat.conf
	"$NATCTL" -c restore "$conf" >"$OUT" 2>"$ERR" && [ ! -s "$ERR" ] ||
		return 1
	[ -z "$(grep -v '^#' "$conf")" ] || return 1
	sed -n '/^# instance add/,$p' "$conf" | sed -E 's/^#( |\t|$)//' \
		>"$TMP/example.conf"
	[ "$(grep -cE '^(instance|mapping|permit) add ' "$TMP/example.conf")" -eq 3 ] &&
		"$NATCTL" -c restore "$TMP/example.conf" >"$OUT" 2>"$ERR" &&
		[ ! -s "$ERR" ]
}

t_install_top()
{
	# The top Makefile passes PREFIX and DESTDIR on; the default prefix
	# is /usr/local.
	local dest=$TMP/destdir-top
	make -s -C "$HERE/.." install DESTDIR="$dest" >"$OUT" 2>"$ERR" &&
		[ -x "$dest/usr/local/sbin/natctl" ] &&
		[ -f "$dest/usr/local/share/man/man8/natctl.8" ] &&
		[ -f "$dest/usr/local/share/bash-completion/completions/natctl" ] ||
		return 1
	make -s -C "$HERE/.." uninstall DESTDIR="$dest" >"$OUT" 2>"$ERR" &&
		[ "$(find "$dest" -type f | wc -l)" -eq 0 ]
}

# ---- fuzz ----------------------------------------------------------------

FUZZ_WORDS=(
	instance mapping permit stats monitor info help add set del show get
	flush all exhaustion dev type mapping filtering external internal ports
	port-preservation port-parity hairpin hairpin-filter inbound-refresh
	udp-timeout max-per-host max-peers hold-down max-mappings limits proto lifetime remote
	permanent any on off udp tcp x home
	',' : / - 0 -1 abc 4294967296 99999999999999999999 0x10 '%s%n%s' '%' é
	'\\' '"' "" -j -s
)

# Values per keyword, valid ones and malformed ones.
declare -A FUZZ_VALUES=(
	[dev]='eth0 wan0 a/b abcdefghijklmnop . .. a:b'
	[type]='full-cone restricted-cone port-restricted-cone symmetric fullcone custom'
	[mapping]='endpoint-independent address-dependent address-port-dependent endpoint'
	[filtering]='endpoint-independent address-dependent address-port-dependent dependent'
	[external]='dev 1.2.3.4 1.2.3.4-1.2.3.9 1.2.3.4-1.2.3.1 1.2.3.4-1.2.5.0 0.0.0.0 255.255.255.255 300.1.1.1 1.2.3.4- -1.2.3.4 1.2.3.4:5 :5 1.2.3.4:0 1.2.3.4:65536'
	[internal]='any 10.0.0.0/8 10.0.0.1/8 10.0.0.0/33 10.0.0.0/8,192.168.0.0/16 10.0.0.0/8,, ,10.0.0.0/8 0.0.0.0/0 10.0.0.1 10.0.0.1:5 10.0.0.1:0 10.0.0.1:65535 10.0.0.1:65536 300.1.1.1:5 10.0.0.1: :5 10.0.0.0/ /8'
	[ports]='1024-65535 1-1 0-10 20-10 1-70000 1024 - 1024- -5 65535-65535'
	[port-preservation]='on off maybe ON 1'
	[port-parity]='on off yes'
	[hairpin]='on off maybe'
	[hairpin-filter]='on off 1'
	[inbound-refresh]='on off 0'
	[udp-timeout]='300 60 1 0 604800 604801 5m 2h 7d 8d 10x abc -1 4294967296 s'
	[max-per-host]='0 10 4194304 4194305 -1 abc'
	[max-peers]='1 65536 67108864 67108865 0 -1 abc'
	[hold-down]='0 120 3600 3601 1h 61m 2h 0s 5x abc -1'
	[max-mappings]='1 4194304 67108864 67108865 0 abc'
	[instance]='home lab x sixteen-chars-xx a%sb'
	[proto]='udp tcp udpp icmp 17'
	[remote]='198.51.100.1 198.51.100.1:3478 0.0.0.0 1.2.3 1.2.3.4:0 :5'
	[lifetime]='300 permanent 0 -1 1h 7d 8d abc'
)

# fuzz_line: a random command line in FUZZ_ARGS: mostly OBJECT COMMAND
# [NAME] KEYWORD VALUE..., with valid and malformed values.
fuzz_line()
{
	local objs=(instance instance instance mapping mapping mapping permit
		    permit stats monitor conntrack limits info help bogus)
	local obj cmds keys words=() i n vals
	obj=${objs[RANDOM % ${#objs[@]}]}
	case $obj in
	instance)
		cmds=(add add set set del show)
		keys=(dev type mapping filtering external internal ports
		      port-preservation port-parity hairpin hairpin-filter
		      inbound-refresh udp-timeout max-per-host max-peers
		      hold-down) ;;
	mapping)
		cmds=(add add get del show flush)
		keys=(instance proto internal external lifetime) ;;
	permit)
		cmds=(add)
		keys=(instance proto internal remote lifetime) ;;
	stats)
		cmds=(show)
		keys=(instance) ;;
	monitor)
		cmds=(all mapping exhaustion)
		keys=(x) ;;
	conntrack)
		cmds=(show)
		keys=(instance internal) ;;
	limits)
		cmds=(show set set)
		keys=(max-mappings max-peers) ;;
	*)
		cmds=(show)
		keys=(x) ;;
	esac
	[ $((RANDOM % 20)) -gt 0 ] && words+=("$obj")
	if [ $((RANDOM % 20)) -eq 0 ]; then
		words+=(help)
	elif [ $((RANDOM % 10)) -gt 0 ]; then
		words+=("${cmds[RANDOM % ${#cmds[@]}]}")
	else
		words+=("${FUZZ_WORDS[RANDOM % ${#FUZZ_WORDS[@]}]}")
	fi
	if [ "$obj" = instance ] && [ $((RANDOM % 5)) -gt 0 ]; then
		fuzz_value instance
		words+=("$FUZZ_VALUE")
		case ${words[1]} in del|show) [ $((RANDOM % 4)) -gt 0 ] && keys=(x) ;; esac
	fi
	n=$((RANDOM % 6))
	[ "${keys[0]}" = x ] && [ $((RANDOM % 4)) -gt 0 ] && n=0
	local used=" "
	for ((i = 0; i < n; i++)); do
		local key
		if [ $((RANDOM % 25)) -gt 0 ]; then
			key=${keys[RANDOM % ${#keys[@]}]}
			# Mostly each keyword once: "given twice" stops early.
			[[ "$used" == *" $key "* ]] && [ $((RANDOM % 8)) -gt 0 ] &&
				continue
			used+="$key "
		else
			key=${FUZZ_WORDS[RANDOM % ${#FUZZ_WORDS[@]}]}
		fi
		words+=("$key")
		[ $((RANDOM % 40)) -eq 0 ] && continue	# no value
		if [ $((RANDOM % 12)) -gt 0 ] && [ -n "$key" ] &&
		   [ -n "${FUZZ_VALUES[$key]:-}" ]; then
			fuzz_value "$key"
			words+=("$FUZZ_VALUE")
		else
			words+=("${FUZZ_WORDS[RANDOM % ${#FUZZ_WORDS[@]}]}")
		fi
	done
	[ $((RANDOM % 100)) -eq 0 ] && words+=("$(printf 'a%.0s' {1..1200})")
	FUZZ_ARGS=("${words[@]}")
}

# fuzz_value KEY: one of KEY's values, in FUZZ_VALUE (no subshell: the
# sequence of $RANDOM stays reproducible).
fuzz_value()
{
	local vals
	read -r -a vals <<<"${FUZZ_VALUES[$1]}"
	FUZZ_VALUE=${vals[RANDOM % ${#vals[@]}]}
}

t_fuzz()
{
	local seed=${NATCTL_FUZZ_SEED:-$$} i line w rc wrap=()
	[ -x "$ASAN" ] || { echo "no $ASAN" >"$ERR"; return 1; }
	if module_loaded; then
		# Random commands must not touch this namespace's instances.
		if unshare -n true 2>/dev/null; then
			wrap=(unshare -n)
		else
			SKIP_WHY="the conenat module is loaded and unshare -n fails"
			return 77
		fi
	fi
	echo "# fuzz seed $seed (NATCTL_FUZZ_SEED=$seed to repeat)"
	RANDOM=$seed
	: >"$TMP/fuzz"
	for ((i = 0; i < 2000; i++)); do
		fuzz_line
		# monitor blocks when the module answers; it cannot here.
		if module_loaded && [[ " ${FUZZ_ARGS[*]} " == *" monitor "* ]]; then
			continue
		fi
		line=
		for w in "${FUZZ_ARGS[@]}"; do
			w=${w//\\/\\\\}
			line+="\"${w//\"/\\\"}\" "
		done
		echo "$line" >>"$TMP/fuzz"
	done
	# 2000 lines in one process (-b -f), then 100 processes of their own.
	timeout 60 "${wrap[@]}" "$ASAN" -b "$TMP/fuzz" -f >"$OUT" 2>"$ERR"
	rc=$?
	RC=$rc
	if [ "$rc" -gt 2 ] || grep -qE 'Sanitizer|runtime error|SUMMARY' "$ERR" ||
	   grep -vqE '^natctl: batch line [0-9]+: ' "$ERR"; then
		echo "# batch exit status $rc"
		grep -E -m 5 -B 2 'Sanitizer|runtime error' "$ERR" | sed 's/^/# /'
		return 1
	fi
	for ((i = 0; i < 100; i++)); do
		fuzz_line
		if module_loaded && [[ " ${FUZZ_ARGS[*]} " == *" monitor "* ]]; then
			continue
		fi
		timeout 10 "${wrap[@]}" "$ASAN" "${FUZZ_ARGS[@]}" >"$OUT" 2>"$ERR"
		rc=$?
		RC=$rc
		if [ "$rc" -gt 2 ] || grep -qE 'Sanitizer|runtime error' "$ERR"; then
			echo "# exit status $rc for: natctl ${FUZZ_ARGS[*]}"
			return 1
		fi
	done
	: >"$OUT"
	: >"$ERR"
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
	"t_help_lists_objects|help lists every object"
	"t_instance_help|instance help: commands and the OPTION grammar"
	"t_mapping_help|mapping help lists add get del show flush"
	"t_permit_help|permit help lists add"
	"t_stats_help|stats help lists show and the counters"
	"t_monitor_help|monitor help lists all mapping exhaustion"
	"t_limits_help|limits help lists show and set [max-mappings N] [max-peers N]"
	"t_conntrack_help|conntrack help lists show and its arguments"
	"t_help_is_exact|a command prefix (instance hel) is refused"
	"t_udp_timeout_warning|udp-timeout below 120: warning, then exit 2"
	"t_udp_timeout_no_warning|udp-timeout 2m: no warning"
	"t_warning_not_before_error|a bad word after udp-timeout 60: the error alone"
)
for i in "${!REJECTS[@]}"; do
	TESTS+=("t_reject $i|refused (exit 1, names it): natctl ${REJECTS[$i]#*|}")
done
for i in "${!ACCEPTS[@]}"; do
	TESTS+=("t_accept $i|accepted by the parser (exit 2, not loaded): natctl ${ACCEPTS[$i]}")
done
for i in "${!ENCODES[@]}"; do
	TESTS+=("t_encode $i|natctl-fake request: natctl ${ENCODES[$i]#*|}")
done
TESTS+=(
	"t_fmt_instance_text|natctl-fake: instance show text"
	"t_fmt_instance_stats_text|natctl-fake: -s instance show NAME text"
	"t_fmt_instance_default|natctl-fake: instance equals instance show"
	"t_fmt_instance_json|natctl-fake: -j instance show keys and values"
	"t_fmt_instance_json_stats|natctl-fake: -j -p -s instance show NAME stats"
	"t_fmt_instance_missing|natctl-fake: instance show of a missing name exits 2"
	"t_fmt_instance_empty|natctl-fake: no instances: [] and no text"
	"t_fmt_stats_text|natctl-fake: stats text"
	"t_fmt_stats_json|natctl-fake: -j stats show"
	"t_fmt_mapping_text|natctl-fake: mapping show text"
	"t_fmt_mapping_json|natctl-fake: -j mapping show keys and values"
	"t_fmt_mapping_filtered|natctl-fake: mapping show instance NAME"
	"t_fmt_mapping_get|natctl-fake: mapping get, text and JSON"
	"t_fmt_mapping_empty|natctl-fake: no mappings: []"
	"t_fmt_permit|natctl-fake: permit show, text and JSON"
	"t_fmt_monitor_text|natctl-fake: monitor text lines"
	"t_fmt_monitor_filters|natctl-fake: monitor mapping / exhaustion filter"
	"t_fmt_monitor_json|natctl-fake: -j monitor, one JSON object per line"
	"t_fmt_monitor_time|natctl-fake: -t monitor: each line starts with the UTC time; JSON \"time\" first"
	"t_fmt_monitor_instance|natctl-fake: monitor instance NAME: that instance's events only"
	"t_fmt_monitor_lost|natctl-fake: monitor: lost events make a record in the stream"
	"t_fmt_actions_silent|natctl-fake: add and flush print nothing"
	"t_fmt_echo|natctl-fake: -e mapping add prints the mapping made, text and JSON"
	"t_fmt_save|natctl-fake: save prints a batch that -c accepts and that sends back what the dumps hold"
	"t_sync_same|natctl-fake: sync of the configuration in force sends nothing (defaults, order, prefix order, permit port under address-dependent filtering)"
	"t_sync_changes|natctl-fake: sync sends exactly what differs"
	"t_restore|natctl-fake: restore deletes every instance, then the file's lines in order; stdin"
	"t_config_errors|natctl-fake: restore and sync of a bad file name each bad line and send nothing; -c"
	"t_malformed_limits|natctl-fake: a limits reply with a short attribute is refused (limits show, save)"
	"t_config_unloaded|natctl-fake: without the module, restore and sync of an empty file succeed (the unit's stop after an rmmod); others fail"
	"t_config_rollback|natctl-fake: a refusal halfway puts the configuration from before back, exit 2"
	"t_fmt_batch|natctl-fake: a batch of three commands"
	"t_batch_continuation|-b: a backslash continues a command; its error names its first line"
	"t_aliases_and_help|delete, list and ls as iproute2 users type them; help at every depth"
	"t_check_only|-c checks every command (batch or not), reports every bad line, sends nothing"
	"t_fmt_info|natctl-fake: info text unchanged"
	"t_fmt_limits_text|natctl-fake: limits show text, limits = limits show"
	"t_fmt_limits_json|natctl-fake: -j limits show keys and values"
	"t_fmt_conntrack_text|natctl-fake: conntrack show selects conenat's UDP entries, text"
	"t_fmt_conntrack_default|natctl-fake: conntrack equals conntrack show"
	"t_fmt_conntrack_json|natctl-fake: -j conntrack show keys and values"
	"t_fmt_conntrack_filters|natctl-fake: conntrack show instance / internal filters"
	"t_fmt_conntrack_empty|natctl-fake: no mappings: [] and no conntrack dump"
	"t_fmt_conntrack_errors|natctl-fake: conntrack errors exit 2 with a clear message"
	"t_completion_syntax|completion: bash -n"
	"t_completion_objects|completion: objects"
	"t_completion_options|completion: global options"
	"t_completion_commands|completion: each object's commands, as its help lists them"
	"t_completion_instance_options|completion: instance option keywords, each once"
	"t_completion_values|completion: type, behaviours, on/off, dev, any, udp, permanent"
	"t_completion_devices|completion: dev completes /sys/class/net"
	"t_completion_netns|completion: -n completes ip netns list"
	"t_completion_batch_file|completion: -b completes files"
	"t_completion_instances|completion: instance names from natctl instance show (PATH shim), -n passed on"
	"t_man_renders|man page: groff -ww and man --warnings render it without a warning"
	"t_man_sections|man page: every section, SEE ALSO ip(8) nft(8) conntrack(8)"
	"t_man_commands|man page: an entry for every object's every command"
	"t_man_options|man page: every option, short and long"
	"t_man_instance_options|man page: every instance option with its default"
	"t_man_json_keys|man page: JSON OUTPUT names every key natctl prints"
	"t_man_exit_status|man page: exit statuses 0, 1, 2"
	"t_man_examples_parse|man page: every natctl line of EXAMPLES parses"
	"t_install|make install DESTDIR PREFIX=/usr: five files, the unit for that prefix; make uninstall removes them, keeps a changed conenat.conf"
	"t_version_sources|one version: VERSION's is natctl's, natctl.8's, dkms.conf's and debian/changelog's"
	"t_unit|conenat.service: systemd-analyze verify clean; before network-pre; reload syncs, stop clears"
	"t_conf_example|conenat.conf: the example as installed and uncommented checks clean"
	"t_install_top|top-level make install / uninstall, default PREFIX /usr/local"
	"t_fuzz|fuzz: 2000 random command lines (-b -f) and 100 runs under natctl-asan"
)

echo "TAP version 13"
if [ ! -x "$NATCTL" ]; then
	echo "1..1"
	echo "not ok 1 - natctl binary is executable: $NATCTL"
	echo "0 passed, 1 failed"
	exit 1
fi

# natctl-fake and natctl-asan: built (or brought up to date) unless given.
if [ -z "${NATCTL_FAKE:-}${NATCTL_ASAN:-}" ] && [ -f "$USERSPACE/Makefile" ]; then
	if ! make -s -C "$USERSPACE" natctl-fake natctl-asan >"$TMP/build.log" 2>&1; then
		echo "# building natctl-fake and natctl-asan failed:"
		sed 's/^/#   /' "$TMP/build.log" | head -n 20
	fi
fi

echo "1..${#TESTS[@]}"
if module_loaded; then
	echo "# the conenat module is loaded: info tests expect a real reply"
fi

passed=0
failed=0
skipped=0
n=0
for t in "${TESTS[@]}"; do
	read -r -a fn <<<"${t%%|*}"
	desc=${t#*|}
	n=$((n + 1))
	IN=/dev/null
	RC=0
	: >"$OUT"
	: >"$ERR"
	SKIP_WHY=
	"${fn[@]}"
	status=$?
	if [ "$status" -eq 0 ]; then
		echo "ok $n - $desc"
		passed=$((passed + 1))
	elif [ "$status" -eq 77 ]; then
		echo "ok $n - $desc # SKIP $SKIP_WHY"
		skipped=$((skipped + 1))
	else
		echo "not ok $n - $desc"
		echo "#   exit status: $RC"
		sed 's/^/#   stdout: /' "$OUT" | head -n 10
		sed 's/^/#   stderr: /' "$ERR" | head -n 10
		failed=$((failed + 1))
	fi
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
