#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RFC 5780 conformance: coturn's turnutils_natdiscovery, run from the inside,
# must report exactly the mapping and filtering each instance is configured
# with - the four presets and all nine mapping x filtering combinations - and
# hairpinning as working when it is on, under every preset (a hairpinned
# sender passes the receiver's filter unless hairpin-filter is on). The
# classic RFC 3489 client (stun, Debian's stun-client) must agree: the
# preset's type, and "will hairpin" under every preset.
#
#   inside                 router                          outside
#  +------------+        +-------------------------+        +--------------------------+
#  | 10.0.1.2   |--veth--| lan 10.0.1.1            |        | turnserver (RFC 5780)    |
#  | natdiscov. |        | wan 198.51.100.1 conenat|--veth--| 198.51.100.10 :3478/3479 |
#  +------------+        +-------------------------+        | 198.51.100.11 :3478/3479 |
#                                                           +--------------------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
in=cn-nd-in-$sfx
rt=cn-nd-rt-$sfx
out=cn-nd-out-$sfx
turn_pid=

cleanup() {
	[ -n "$turn_pid" ] && kill "$turn_pid" 2>/dev/null
	ip netns del "$in" 2>/dev/null
	ip netns del "$rt" 2>/dev/null
	ip netns del "$out" 2>/dev/null
}
trap cleanup EXIT

tap_begin
for tool in turnserver turnutils_natdiscovery stun; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "RFC 5780 conformance: $tool missing (scripts/deps.sh)"
		tap_done
		exit 1
	fi
done

setup() {
	local n
	for n in "$in" "$rt" "$out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add ndv0 netns "$in" type veth peer name lan netns "$rt" &&
	ip link add wan netns "$rt" type veth peer name ndv1 netns "$out" &&
	ip -n "$in" addr add 10.0.1.2/24 dev ndv0 &&
	ip -n "$in" link set ndv0 up &&
	ip -n "$in" route add default via 10.0.1.1 &&
	ip -n "$rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$rt" link set lan up && ip -n "$rt" link set wan up &&
	ip netns exec "$rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$out" addr add 198.51.100.10/24 dev ndv1 &&
	ip -n "$out" addr add 198.51.100.11/24 dev ndv1 &&
	ip -n "$out" link set ndv1 up || return 1

	ip netns exec "$out" turnserver -n --no-tls --no-dtls --no-tcp --no-cli \
		--listening-ip 198.51.100.10 --listening-ip 198.51.100.11 \
		--log-file stdout >/dev/null 2>&1 &
	turn_pid=$!
	# ready when both addresses answer on the primary and alternate ports
	wait_for 30 sh -c "ip netns exec $out ss -uln | grep -q '198.51.100.11:3479'" ||
		{ echo "turnserver did not come up"; return 1; }
	"$natctl" -n "$rt" instance add nd dev wan
}

# natdiscovery VERDICT_FLAGS: its verdict lines, from a fresh local port
discover() {
	local port=$1
	shift
	ip netns exec "$in" timeout 60 turnutils_natdiscovery "$@" \
		-L 10.0.1.2 -l "$port" 198.51.100.10 2>&1
}

words() {
	case $1 in
	endpoint-independent) echo "Endpoint Independent" ;;
	address-dependent) echo "Address Dependent" ;;
	address-port-dependent) echo "Address and Port Dependent" ;;
	esac
}

# check_behaviour PORT SETTINGS... -- MAPPING FILTERING
check_behaviour() {
	local port=$1 want_m want_f out
	shift
	want_m=$1 want_f=$2
	shift 2
	"$natctl" -n "$rt" instance set nd "$@" || return 1
	out=$(discover "$port" -m -f)
	if ! echo "$out" | grep -qx "NAT with $(words "$want_m") Mapping!"; then
		echo "$out" | grep -E 'NAT with|No NAT|timeout'
		echo "expected: NAT with $(words "$want_m") Mapping!"
		return 1
	fi
	if ! echo "$out" | grep -qx "NAT with $(words "$want_f") Filtering!"; then
		echo "$out" | grep -E 'NAT with|No NAT|timeout'
		echo "expected: NAT with $(words "$want_f") Filtering!"
		return 1
	fi
}

# not in a $(...) subshell: turn_pid must reach cleanup()
setup_log=$(mktemp)
if ! setup >"$setup_log" 2>&1; then
	sed 's/^/# /' "$setup_log"
	rm -f "$setup_log"
	tap_fail "topology and instance set up"
	tap_done
	exit 1
fi
rm -f "$setup_log"

port=30000
for preset in full-cone:endpoint-independent:endpoint-independent \
	      restricted-cone:endpoint-independent:address-dependent \
	      port-restricted-cone:endpoint-independent:address-port-dependent \
	      symmetric:address-port-dependent:address-port-dependent; do
	IFS=: read -r name m f <<<"$preset"
	port=$((port + 10))
	tap_check "preset $name reported as $m mapping, $f filtering" \
		check_behaviour "$port" "$m" "$f" type "$name"
done

for m in endpoint-independent address-dependent address-port-dependent; do
	for f in endpoint-independent address-dependent address-port-dependent; do
		port=$((port + 10))
		tap_check "mapping $m x filtering $f reported as configured" \
			check_behaviour "$port" "$m" "$f" mapping "$m" filtering "$f"
	done
done

# hairpin TYPE HAIRPIN HAIRPIN-FILTER PORT WANT: RFC 5780's hairpinning
# test (natdiscovery sends to its own mapped address from a second port)
# under TYPE; WANT yes or no.
hairpin() {
	local out
	"$natctl" -n "$rt" instance set nd type "$1" hairpin "$2" \
		hairpin-filter "$3" || return 1
	out=$(discover "$4" -H)
	if [ "$5" = yes ]; then
		echo "$out" | grep -q 'successful hairpinning' ||
			{ echo "$out" | tail -n 5; return 1; }
	else
		! echo "$out" | grep -q 'successful hairpinning' ||
			{ echo "hairpinning worked: $1 hairpin $2 hairpin-filter $3"; return 1; }
	fi
}
port=31000
for type in full-cone restricted-cone port-restricted-cone symmetric; do
	port=$((port + 10))
	tap_check "hairpinning reported as working under $type (hairpin on, hairpin-filter off)" \
		hairpin "$type" on off "$port" yes
done
tap_check "not under port-restricted-cone with hairpin-filter on (the sender is a stranger)" \
	hairpin port-restricted-cone on on 31100 no
tap_check "and not with hairpin off" hairpin full-cone off off 31110 no

# classic TYPE HAIRPIN HAIRPIN-FILTER PORT WANT: the classic client's
# verdict ("Primary: ...") under TYPE is WANT exactly.
classic() {
	local out got
	"$natctl" -n "$rt" instance set nd type "$1" hairpin "$2" \
		hairpin-filter "$3" || return 1
	out=$(ip netns exec "$in" timeout 60 stun 198.51.100.10 -p "$4" \
		-i 10.0.1.2 2>&1)
	got=$(echo "$out" | sed -n 's/^Primary: //p' | sed 's/[[:space:]]*$//')
	[ "$got" = "$5" ] ||
		{ echo "$out" | tail -n 5; echo "expected: Primary: $5"; return 1; }
}
port=32000
for preset in "full-cone:Independent Mapping, Independent Filter" \
	      "restricted-cone:Independent Mapping, Address Dependent Filter" \
	      "port-restricted-cone:Independent Mapping, Port Dependent Filter" \
	      "symmetric:Dependent Mapping"; do
	type=${preset%%:*}
	port=$((port + 10))
	tap_check "the classic client (stun) reports $type with hairpinning" \
		classic "$type" on off "$port" \
		"${preset#*:}, preserves ports, will hairpin"
done
tap_check "the classic client: no hairpinning under symmetric with hairpin-filter on" \
	classic symmetric on on 32100 "Dependent Mapping, preserves ports, no hairpin"
tap_check "the classic client: no hairpinning with hairpin off" \
	classic full-cone off off 32110 \
	"Independent Mapping, Independent Filter, preserves ports, no hairpin"

tap_done
