#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hole punching end to end: two hosts, each behind its own conenat router,
# learn each other's external endpoint from a rendezvous server on the
# internet and punch through both NATs (selftests/punch/: rendezvous and
# punch).
#
# - UDP, all 16 preset pairs: the outcome must be the classic table - every
#   pair works except port-restricted x symmetric, symmetric x
#   port-restricted and symmetric x symmetric. One TAP line per pair; a pair
#   that must fail passes when the punch fails. The time from the first
#   punch to the first packet from the peer is printed for every working
#   pair, and in a table at the end.
# - The three failing pairs work once one router has a static mapping for
#   its host's socket: the mapping serves every remote and lets every remote
#   in, whatever the instance's filtering (an administrator's port forward).
#   Also with mappings on both sides, or a permit instead of open filtering,
#   and symmetric x symmetric with no administrator action: each host asks
#   its router's conenat-pcpd for its mapping by PCP MAP.
# - Hairpinning: two hosts behind router A punch to each other's external
#   endpoints; it works with hairpin on, each sees the other's external
#   endpoint, and it fails with hairpin off.
# - TCP simultaneous open for the nine cone x cone pairs, and for
#   port-restricted x symmetric with a static TCP mapping on the symmetric
#   router.
#
#                      internet: bridge, rendezvous 198.51.100.100:7000
#                 +-----------------+-----------------+
#       wan 198.51.100.1                    wan 198.51.100.2
#      [ router A, conenat "nat" ]        [ router B, conenat "nat" ]
#       lan 10.0.1.1 (bridge)               lan 10.0.2.1
#          |            |                        |
#   host A 10.0.1.2  host A2 10.0.1.3     host B 10.0.2.2
#
# PUNCH_TIMEOUT (seconds, default 3) bounds each punch; a pair that must
# fail costs that long.
# shellcheck disable=SC2034 # cell and tcell are read through table()'s nameref
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
. "$top/selftests/punch/topo.sh"
natctl=${NATCTL:-$top/userspace/natctl}
punch=$top/selftests/punch/punch
rendezvous=$top/selftests/punch/rendezvous
timeout=${PUNCH_TIMEOUT:-3}
server=198.51.100.100:7000
pt_names pu
tmp=$(mktemp -d)

cleanup() {
	# setup runs in a subshell: the server's pid is in a file
	[ -s "$tmp/rendezvous.pid" ] && kill "$(<"$tmp/rendezvous.pid")" 2>/dev/null
	for f in "$tmp"/pcpd-*.pid; do
		[ -s "$f" ] && kill "$(<"$f")" 2>/dev/null
	done
	pt_destroy
	rm -rf "$tmp"
}
trap cleanup EXIT

tap_begin
for b in "$punch" "$rendezvous"; do
	if ! [ -x "$b" ]; then
		tap_fail "$b is built (make selftests)"
		tap_done
		exit 1
	fi
done

# the server says so once its sockets are bound
rendezvous_up() {
	local line
	read -r line <"$tmp/rendezvous.log" && [[ $line == *listening* ]]
}

setup() {
	pt_setup || return 1
	"$natctl" -n "$PT_RA" instance add nat dev wan type full-cone &&
	"$natctl" -n "$PT_RB" instance add nat dev wan type full-cone || return 1
	"$rendezvous" --netns "$PT_NET" --bind 198.51.100.100 --port 7000 \
		>"$tmp/rendezvous.log" 2>&1 &
	echo $! >"$tmp/rendezvous.pid"
	wait_for 20 rendezvous_up ||
		{ echo "the rendezvous server did not come up"; cat "$tmp/rendezvous.log"; return 1; }
}

if ! out=$(setup 2>&1); then
	echo "$out" | sed 's/^/# /'
	tap_fail "topology, instances and rendezvous server set up"
	tap_done
	exit 1
fi

# punch_pair PROTO TAG NS_A PORT_A NS_B PORT_B: run both sides at once;
# their result lines end up in $tmp/TAG.a and $tmp/TAG.b, and the pair's
# outcome in $outcome: "works" (both sides ok), "fails" (both failed) or
# "partial".
punch_pair() {
	local proto=$1 tag=$2 pa pb ra rb
	"$punch" --netns "$3" --server "$server" --proto "$proto" \
		--id "${tag}a" --peer "${tag}b" --local-port "$4" \
		--timeout "$timeout" --verbose >"$tmp/$tag.a" 2>"$tmp/$tag.a.log" &
	pa=$!
	"$punch" --netns "$5" --server "$server" --proto "$proto" \
		--id "${tag}b" --peer "${tag}a" --local-port "$6" \
		--timeout "$timeout" --verbose >"$tmp/$tag.b" 2>"$tmp/$tag.b.log" &
	pb=$!
	wait "$pa"
	ra=$?
	wait "$pb"
	rb=$?
	if [ $ra = 0 ] && [ $rb = 0 ]; then
		outcome=works
	elif [ $ra = 1 ] && [ $rb = 1 ]; then
		outcome=fails
	else
		outcome=partial
	fi
}

# field FILE NAME: the value after NAME on a punch result line (bash
# alone: under emulation every program started costs up to half a second)
field() {
	local line w prev=
	read -r line <"$1" || return 0
	for w in $line; do
		[ "$prev" = "$2" ] && { echo "$w"; return 0; }
		prev=$w
	done
}

# show TAG: both sides' result lines (and, on a mismatch, their logs)
show() {
	local s
	for s in a b; do
		echo "$s: $(<"$tmp/$1.$s")"
	done
	if [ "${2:-}" = logs ]; then
		for s in a b; do
			sed "s/^/$s log: /" "$tmp/$1.$s.log" | tail -n 15
		done
	fi
}

short() {
	case $1 in
	full-cone) echo full ;;
	restricted-cone) echo restricted ;;
	port-restricted-cone) echo port-restr ;;
	symmetric) echo symmetric ;;
	esac
}

# the classic table (Documentation/hole-punching.md)
expected() {
	case "$1 $2" in
	"port-restricted-cone symmetric" | "symmetric port-restricted-cone" | \
		"symmetric symmetric") echo fails ;;
	*) echo works ;;
	esac
}

# judge DESC EXPECTED TAG: one TAP line (none for EXPECTED "info"); a
# working pair's times in $times
judge() {
	local desc=$1 want=$2 tag=$3 ta tb
	times=
	if [ "$outcome" = works ]; then
		ta=$(field "$tmp/$tag.a" first_punch_to_first_rx_ms)
		tb=$(field "$tmp/$tag.b" first_punch_to_first_rx_ms)
		times="$ta/$tb ms"
		echo "# $desc: works, first punch to first packet A $ta ms, B $tb ms" \
			"(A hears B from $(field "$tmp/$tag.a" peer), B hears A from $(field "$tmp/$tag.b" peer))"
	fi
	if [ "$want" = info ]; then
		echo "# note: $desc: $outcome"
	elif [ "$outcome" = "$want" ]; then
		tap_ok "$desc: $outcome, as expected"
	else
		show "$tag" logs | sed 's/^/# /'
		tap_fail "$desc: $outcome, expected $want"
	fi
}

presets="full-cone restricted-cone port-restricted-cone symmetric"
declare -A cell fixed tcell

# set_types TYPE_A TYPE_B: only what changes (each natctl costs a program
# start); changing the type removes the dynamic mappings, and every pair
# uses ports of its own anyway.
cur_a=full-cone cur_b=full-cone
set_types() {
	if [ "$cur_a" != "$1" ]; then
		"$natctl" -n "$PT_RA" instance set nat type "$1" || return 1
		cur_a=$1
	fi
	if [ "$cur_b" != "$2" ]; then
		"$natctl" -n "$PT_RB" instance set nat type "$2" || return 1
		cur_b=$2
	fi
}

# --- UDP, the 16 pairs ----------------------------------------------------

i=0
for ta in $presets; do
	for tb in $presets; do
		i=$((i + 1))
		desc="udp $ta x $tb"
		if ! set_types "$ta" "$tb"; then
			tap_fail "$desc: instances set"
			continue
		fi
		punch_pair udp "u$i" "$PT_HA" $((20000 + i * 10)) "$PT_HB" $((30000 + i * 10))
		judge "$desc" "$(expected "$ta" "$tb")" "u$i"
		if [ "$outcome" = works ]; then
			cell[$ta,$tb]="works $times"
		else
			cell[$ta,$tb]=$outcome
		fi
	done
done

# --- pre-arranged mappings make the failing pairs work ----------------------

# A static mapping gives the host's socket one external endpoint for every
# remote and lets every remote in: a symmetric router with one behaves as a
# full cone for that socket, so one mapping on either router fixes each of
# the three failing pairs.

# prearranged TAG TYPE_A TYPE_B EXPECT ACTION...: ACTION is map-a / map-b
# (a static mapping for host A's / host B's socket on its router, at the
# same port) or permit-a / permit-b (that mapping also lets in any port of
# the other router's address).
prearranged() {
	local tag=$1 ta=$2 tb=$3 want=$4 pa pb act side rt host ext port other what=
	shift 4
	pa=$((24000 + ${tag#f} * 10))
	pb=$((34000 + ${tag#f} * 10))
	desc="udp $ta x $tb"
	if ! set_types "$ta" "$tb"; then
		tap_fail "$desc: instances set"
		return
	fi
	for act in "$@"; do
		side=${act#*-}
		if [ "$side" = a ]; then
			rt=$PT_RA host=10.0.1.2 ext=198.51.100.1 port=$pa other=198.51.100.2
		else
			rt=$PT_RB host=10.0.2.2 ext=198.51.100.2 port=$pb other=198.51.100.1
		fi
		case $act in
		map-*)
			what+="${what:+, }static mapping on router ${side^^}"
			"$natctl" -n "$rt" mapping add instance nat proto udp \
				internal "$host:$port" external "$ext:$port"
			;;
		permit-*)
			what+="${what:+, }permit for $other on router ${side^^}"
			"$natctl" -n "$rt" permit add instance nat proto udp \
				internal "$host:$port" remote "$other"
			;;
		pcp-*)
			what+="${what:+, }PCP mapping host ${side^^} asked for"
			pcp_map "$side" "$port"
			;;
		esac || { tap_fail "$desc: $act"; return; }
	done
	desc+=" with a $what"
	punch_pair udp "$tag" "$PT_HA" "$pa" "$PT_HB" "$pb"
	judge "$desc" "$want" "$tag"
	if [ "$outcome" = works ]; then
		fixed[$ta,$tb,$*]="works $times"
	else
		fixed[$ta,$tb,$*]=$outcome
	fi
	fixed_order+=("$ta,$tb,$*|$(short "$ta") x $(short "$tb"), $what")
	for act in "$@"; do
		case $act in
		map-a) "$natctl" -n "$PT_RA" mapping del instance nat proto udp internal "10.0.1.2:$pa" ;;
		map-b) "$natctl" -n "$PT_RB" mapping del instance nat proto udp internal "10.0.2.2:$pb" ;;
		pcp-a) pcp_unmap a "$pa" ;;
		pcp-b) pcp_unmap b "$pb" ;;
		esac || echo "# could not delete the mapping of $act"
	done
}

# pcp_map SIDE PORT: the host on SIDE asks its router's conenat-pcpd
# (started here, on the router's LAN address) for a mapping of PORT by PCP
# MAP, with no administrator action.
pcp_map() {
	local rt host lan out
	if [ "$1" = a ]; then
		rt=$PT_RA host=$PT_HA lan=10.0.1.1
	else
		rt=$PT_RB host=$PT_HB lan=10.0.2.1
	fi
	ip netns exec "$rt" "$top/userspace/conenat-pcpd" --instance nat \
		--listen "$lan" >>"$tmp/pcpd-$1.log" 2>&1 &
	echo $! >"$tmp/pcpd-$1.pid"
	wait_for 20 pcpd_ready "$rt" ||
		{ echo "# conenat-pcpd on router ${1^^} did not come up"; return 1; }
	out=$(ip netns exec "$host" "$top/selftests/pcpc" -s "$lan" map udp "$2" \
		lifetime 600)
	echo "# host ${1^^}: pcpc map udp $2: $out"
	[[ $out == "result SUCCESS "* ]]
}

pcpd_ready() {
	ip netns exec "$1" ss -ulnH 'sport = :5351' | grep -q .
}

# pcp_unmap SIDE PORT: the host gives the mapping back; the daemon stops
pcp_unmap() {
	local host lan
	if [ "$1" = a ]; then
		host=$PT_HA lan=10.0.1.1
	else
		host=$PT_HB lan=10.0.2.1
	fi
	ip netns exec "$host" "$top/selftests/pcpc" -s "$lan" map udp "$2" \
		lifetime 0 >/dev/null
	kill "$(<"$tmp/pcpd-$1.pid")" 2>/dev/null
	rm -f "$tmp/pcpd-$1.pid"
}

fixed_order=()
prearranged f1 port-restricted-cone symmetric works map-b
prearranged f2 symmetric port-restricted-cone works map-a
prearranged f3 symmetric symmetric works map-a map-b
prearranged f4 symmetric symmetric works map-a permit-a
prearranged f5 symmetric symmetric works map-a
prearranged f6 symmetric symmetric works map-b
# the hosts ask themselves: PCP MAP through each router's conenat-pcpd
prearranged f7 symmetric symmetric works pcp-a pcp-b

# --- hairpinning: two hosts behind router A ---------------------------------

hairpin() {
	local mode=$1 tag=$2 pa=$3 pb=$4 want=$5 pa_seen pb_seen
	desc="udp hairpin (both behind router A, port-restricted cone, hairpin $mode)"
	if ! "$natctl" -n "$PT_RA" instance set nat type port-restricted-cone hairpin "$mode"; then
		tap_fail "$desc: instance set"
		return
	fi
	cur_a="port-restricted-cone"
	punch_pair udp "$tag" "$PT_HA" "$pa" "$PT_HA2" "$pb"
	judge "$desc" "$want" "$tag"
	[ "$outcome" = works ] || return
	# each must see the other's external endpoint, not its inside one
	pa_seen=$(field "$tmp/$tag.b" peer)
	pb_seen=$(field "$tmp/$tag.a" peer)
	if [ "$pa_seen" = "$(field "$tmp/$tag.a" self)" ] &&
		[ "$pb_seen" = "$(field "$tmp/$tag.b" self)" ] &&
		[ "${pa_seen%:*}" = 198.51.100.1 ] && [ "${pb_seen%:*}" = 198.51.100.1 ]; then
		tap_ok "$desc: each host sees the other's external endpoint ($pa_seen, $pb_seen)"
	else
		show "$tag" | sed 's/^/# /'
		tap_fail "$desc: each host sees the other's external endpoint"
	fi
}

outcome=
hairpin on h1 25010 25011 works
hairpin_result=$outcome${times:+ $times}
hairpin off h2 25020 25021 fails
"$natctl" -n "$PT_RA" instance set nat hairpin on ||
	echo "# could not turn hairpin back on"

# --- TCP simultaneous open, cone x cone -------------------------------------

i=0
for ta in full-cone restricted-cone port-restricted-cone; do
	for tb in full-cone restricted-cone port-restricted-cone; do
		i=$((i + 1))
		desc="tcp simultaneous open $ta x $tb"
		if ! set_types "$ta" "$tb"; then
			tap_fail "$desc: instances set"
			continue
		fi
		punch_pair tcp "t$i" "$PT_HA" $((26000 + i * 10)) "$PT_HB" $((36000 + i * 10))
		judge "$desc" works "t$i"
		if [ "$outcome" = works ]; then
			tcell[$ta,$tb]="works $times"
		else
			tcell[$ta,$tb]=$outcome
		fi
	done
done

# a symmetric router with a static TCP mapping: its host's SYNs leave from
# one port, the one the rendezvous server saw
desc="tcp simultaneous open port-restricted-cone x symmetric with a static TCP mapping on router B"
if set_types port-restricted-cone symmetric &&
	"$natctl" -n "$PT_RB" mapping add instance nat proto tcp \
		internal 10.0.2.2:36500 external 198.51.100.2:36500; then
	punch_pair tcp t10 "$PT_HA" 26500 "$PT_HB" 36500
	judge "$desc" works t10
	tcp_static=$outcome${times:+ $times}
	"$natctl" -n "$PT_RB" mapping del instance nat proto tcp internal 10.0.2.2:36500 ||
		echo "# could not delete the static TCP mapping"
else
	tap_fail "$desc: instances set, static mapping added"
fi

# --- summary ----------------------------------------------------------------

table() { # ARRAY_NAME PRESETS...
	local -n t=$1
	shift
	local a b row
	row=$(printf '%-12s' 'A \ B')
	for b in "$@"; do row+=$(printf ' | %-22s' "$(short "$b")"); done
	echo "$row"
	for a in "$@"; do
		row=$(printf '%-12s' "$(short "$a")")
		for b in "$@"; do row+=$(printf ' | %-22s' "${t[$a,$b]:-?}"); done
		echo "$row"
	done
}

{
	echo "UDP hole punching (outcome, first punch to first packet A/B):"
	# shellcheck disable=SC2086 # a word list
	table cell $presets
	echo
	echo "with pre-arranged mappings on the symmetric routers:"
	for k in "${fixed_order[@]}"; do
		echo "  ${k#*|}: ${fixed[${k%%|*}]:-?}"
	done
	echo "hairpin (hosts A and A2 behind router A): ${hairpin_result:-?}"
	echo
	echo "TCP simultaneous open:"
	table tcell full-cone restricted-cone port-restricted-cone
	echo "port-restr x symmetric, static TCP mapping on router B: ${tcp_static:-?}"
} | sed 's/^/# /'

tap_done
