#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# conenat-pcpd under hostile packets. selftests/pcp_fuzz sends
# PCPD_FUZZ_COUNT (default 100 000) random and mutated NAT-PMP and PCP
# packets from the inside host, every one of which a correct server must
# refuse or answer without acting on (its own classifier makes sure), with
# a valid probe every 500th that must be answered. Then:
#  - every probe was answered, and the daemon still runs and still grants
#    a valid request (natpmpc);
#  - no mapping was made by the fuzz;
#  - the daemon's resident memory did not grow (after a warm-up of 10 000
#    packets, at most 64 KiB more after the rest);
# and, with the default rate limit, a flood of valid requests from one host
# is answered only up to its burst. PCPD_FUZZ_PPS (default 4 000) paces the
# fuzz: a pace the daemon cannot keep up with fills its socket's queue, and
# the kernel drops probes with the fuzz (the debug kernel's UDP path is
# several times slower: make check-debug sends 1 000 a second).
#
#   inside (in) 10.0.2.2 --veth-- 10.0.2.1 router (rt) wan 198.51.100.1
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
pcpd=${PCPD:-$top/userspace/conenat-pcpd}
fuzz=$top/selftests/pcp_fuzz
count=${PCPD_FUZZ_COUNT:-100000}
sfx=$$
n_in=cn-pf-in-$sfx
n_rt=cn-pf-rt-$sfx
tmp=$(mktemp -d)

cleanup() {
	[ -s "$tmp/pcpd.pid" ] && kill "$(<"$tmp/pcpd.pid")" 2>/dev/null
	netns_del_all "$n_in" "$n_rt"
	rm -rf "$tmp"
}
trap cleanup EXIT

nc() {
	"$natctl" -n "$n_rt" "$@"
}

setup() {
	local n
	for n in "$n_in" "$n_rt"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add pfv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip -n "$n_rt" link add wan type dummy &&
	ip -n "$n_in" addr add 10.0.2.2/24 dev pfv0 &&
	ip -n "$n_in" link set pfv0 up &&
	ip -n "$n_in" route add default via 10.0.2.1 &&
	ip -n "$n_rt" addr add 10.0.2.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	nc instance add home dev wan type port-restricted-cone \
		internal 10.0.2.0/24
}

pcpd_ready() {
	ip netns exec "$n_rt" ss -ulnH 'sport = :5351' | grep -q .
}

# start_pcpd ARGS...: the daemon on the LAN address, from the command line
# alone (its secure defaults) or with ARGS
start_pcpd() {
	ip netns exec "$n_rt" "$pcpd" "$@" --instance home --listen 10.0.2.1 \
		>>"$tmp/pcpd.log" 2>&1 &
	# the tests run in subshells: the pid lives in a file
	echo $! >"$tmp/pcpd.pid"
	wait_for 20 pcpd_ready
}

stop_pcpd() {
	kill "$(<"$tmp/pcpd.pid")" || return 1
	wait_for 10 pcpd_gone || return 1
	rm -f "$tmp/pcpd.pid"
}

pcpd_gone() {
	! kill -0 "$(<"$tmp/pcpd.pid")" 2>/dev/null
}

rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$(<"$tmp/pcpd.pid")/status"
}

# fuzz_run COUNT SEED: pcp_fuzz from the inside host, its line in $tmp/fuzz
fuzz_run() {
	ip netns exec "$n_in" "$fuzz" -s 10.0.2.1 -n "$1" --seed "$2" \
		--pps "${PCPD_FUZZ_PPS:-4000}" >"$tmp/fuzz" 2>&1
}

# the daemon socket's drops: a pace it could not keep up with
socket_drops() {
	ip netns exec "$n_rt" cat /proc/net/udp |
		awk '$2 ~ /:14E7$/ { print "the socket dropped", $NF, "packets (receive queue full)" }'
}

t_fuzz() {
	local seed=${PCPD_FUZZ_SEED:-$(( $$ * 7919 + $(date +%s) ))} before after
	{
	echo "seed $seed (PCPD_FUZZ_SEED=$seed to repeat)"
	fuzz_run 10000 "$seed" || { cat "$tmp/fuzz"; socket_drops; return 1; }
	before=$(rss_kb)
	fuzz_run "$count" "$((seed + 1))" || { cat "$tmp/fuzz"; socket_drops; return 1; }
	after=$(rss_kb)
	cat "$tmp/fuzz"
	echo "resident memory: $before kB after the warm-up, $after kB after $count more"
	socket_drops
	} >"$tmp/report" 2>&1
	pcpd_gone && { echo "conenat-pcpd died"; return 1; }
	[ $((after - before)) -le 64 ] || { echo "memory grew by $((after - before)) kB"; return 1; }
}

t_no_mapping() {
	local n
	n=$(nc -j mapping show instance home | jq length)
	[ "$n" = 0 ] || { echo "mappings after the fuzz:"; nc mapping show; return 1; }
}

t_still_grants() {
	local out
	out=$(ip netns exec "$n_in" timeout 30 natpmpc -g 10.0.2.1 -a 40000 4000 udp 600 2>&1)
	echo "$out" | grep -q "Mapped public port 40000 protocol UDP to local port 4000" ||
		{ echo "natpmpc said:"; echo "$out"; return 1; }
	nc -j mapping show instance home | jq -e '.[0].origin == "natpmp"' >/dev/null
}

# 200 external address requests at once from one host: the default limit
# (rate 20/s, burst 40) answers about the burst, not all
t_rate_limit() {
	local answered
	stop_pcpd
	start_pcpd || return 1
	answered=$(ip netns exec "$n_in" python3 - <<-'EOF'
	import socket, time
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.connect(("10.0.2.1", 5351))
	for _ in range(200):
	    s.send(b"\0\0")
	s.settimeout(1.0)
	n = 0
	try:
	    while True:
	        s.recv(64)
	        n += 1
	except socket.timeout:
	    pass
	print(n)
	EOF
	)
	echo "rate limit: answered $answered of 200" >"$tmp/report"
	[ "$answered" -ge 20 ] && [ "$answered" -le 80 ]
}

tap_begin
for tool in natpmpc python3 jq ss; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "fuzz: $tool missing (scripts/deps.sh)"
		tap_done
		exit 1
	fi
done
if [ ! -x "$pcpd" ] || [ ! -x "$fuzz" ]; then
	tap_fail "fuzz: $pcpd or $fuzz not built"
	tap_done
	exit 1
fi
# for the fuzz, a rate limit the fuzzer's 4000 packets/s stay under
printf 'rate 100000 burst 200000\n' >"$tmp/fuzz.conf"
if ! { setup && start_pcpd -f "$tmp/fuzz.conf"; } >"$tmp/setup.log" 2>&1; then
	sed 's/^/# /' "$tmp/setup.log" "$tmp/pcpd.log"
	tap_fail "topology and conenat-pcpd set up"
	tap_done
	exit 1
fi

tap_check "fuzz: $count hostile packets, every probe answered, the daemon's memory flat" t_fuzz
sed 's/^/# /' "$tmp/report"
tap_check "fuzz: no mapping made by an invalid packet" t_no_mapping
tap_check "fuzz: a valid request is still granted afterwards" t_still_grants
tap_check "rate limit: a flood from one host is answered up to its burst" t_rate_limit
sed 's/^/# /' "$tmp/report"
tap_check "conenat-pcpd still running at the end" kill -0 "$(<"$tmp/pcpd.pid")"
tap_done
