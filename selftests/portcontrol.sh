#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# conenat-pcpd, the PCP (RFC 6887) and NAT-PMP (RFC 6886) server, on the
# wire: the inside host asks for its own mappings with Debian's natpmpc and
# with the project's PCP client (selftests/pcpc), and the outside host
# reaches it through them. The instance is symmetric, so every mapping that
# lets the outside in, and that the host's own traffic leaves from, is the
# daemon's doing. The test writes the daemon's configuration, starts it in
# the router's namespace and stops it.
#
#   inside (in)                 router (rt)                    outside (out)
#  +----------------+      +----------------------------+      +-----------------+
#  | 10.0.1.2       |-veth-| lan 10.0.1.1  conenat-pcpd |-veth-| 198.51.100.10   |
#  | udp :5001-5006 |      | wan 198.51.100.1           |      | udp :7000 logs  |
#  | tcp :8081      |      |   instance home symmetric  |      +-----------------+
#  | 10.0.1.200     |      +----------------------------+
#  +----------------+
#
# 10.0.1.200, an address of the inside host outside the daemon's allow
# rule, is a host the daemon must refuse.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
pcpd=${PCPD:-$top/userspace/conenat-pcpd}
pcpc=$top/selftests/pcpc
udp=$top/selftests/udp_echo.py
sfx=$$
n_in=cn-pc-in-$sfx
n_rt=cn-pc-rt-$sfx
n_out=cn-pc-out-$sfx
tmp=$(mktemp -d)

cleanup() {
	[ -s "$tmp/pcpd.pid" ] && kill "$(<"$tmp/pcpd.pid")" 2>/dev/null
	netns_del_all "$n_in" "$n_rt" "$n_out"
	rm -rf "$tmp"
}
trap cleanup EXIT

nc() {
	"$natctl" -n "$n_rt" "$@"
}

setup() {
	local n
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add pcv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name pcv1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev pcv0 &&
	ip -n "$n_in" addr add 10.0.1.200/24 dev pcv0 &&
	ip -n "$n_in" link set pcv0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 src 10.0.1.2 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.conf.wan.promote_secondaries=1 &&
	ip -n "$n_out" addr add 198.51.100.10/24 dev pcv1 &&
	ip -n "$n_out" addr add 198.51.100.11/24 dev pcv1 &&
	ip -n "$n_out" link set pcv1 up || return 1

	nc instance add home dev wan type symmetric internal 10.0.1.0/24 ||
		return 1

	cat >"$tmp/pcpd.conf" <<-'EOF'
	# conenat-pcpd for the test: one instance, the LAN address
	instance home
	listen 10.0.1.1
	quota 4
	lifetime min 4 max 86400
	rate 200 burst 400
	deny 10.0.1.0/24 internal 22
	allow 10.0.1.0/25 internal 5040-5049 external 42000-42009
	deny 10.0.1.0/24 internal 5040-5049
	allow 10.0.1.0/25 internal 1024-65535 external 1024-65535
	deny 0.0.0.0/0
	EOF
	start_pcpd || return 1

	local p
	for p in 5001 5002 5003 5004 5005 5006; do
		ip netns exec "$n_in" python3 "$udp" serve "10.0.1.2:$p" \
			>"$tmp/in$p.log" 2>&1 &
	done
	ip netns exec "$n_in" socat TCP4-LISTEN:8081,bind=10.0.1.2,fork,reuseaddr \
		SYSTEM:'echo "hello $SOCAT_PEERADDR"' >"$tmp/tcp.log" 2>&1 &
	ip netns exec "$n_out" python3 "$udp" serve 198.51.100.10:7000 \
		>"$tmp/out.log" 2>&1 &
	ip netns exec "$n_out" python3 "$udp" serve 198.51.100.11:7000 \
		>"$tmp/out11.log" 2>&1 &
	for p in 5001 5002 5003 5004 5005 5006; do
		wait_for 20 grep -q ready "$tmp/in$p.log" ||
			{ echo "the UDP server on $p did not come up"; return 1; }
	done
	wait_for 20 grep -q ready "$tmp/out.log" &&
	wait_for 20 grep -q ready "$tmp/out11.log" ||
		{ echo "the outside UDP server did not come up"; return 1; }
	wait_for 20 tcp_listening ||
		{ echo "the TCP server did not come up"; return 1; }
}

tcp_listening() {
	ip netns exec "$n_in" ss -ltnH 'sport = :8081' | grep -q .
}

pcpd_ready() {
	ip netns exec "$n_rt" ss -ulnH 'sport = :5351' | grep -q .
}

start_pcpd() {
	ip netns exec "$n_rt" "$pcpd" -v -f "$tmp/pcpd.conf" "$@" \
		>>"$tmp/pcpd.log" 2>&1 &
	# the tests run in subshells: the pid lives in a file
	echo $! >"$tmp/pcpd.pid"
	wait_for 20 pcpd_ready ||
		{ echo "conenat-pcpd did not come up:"; cat "$tmp/pcpd.log"; return 1; }
}

stop_pcpd() {
	kill "$(<"$tmp/pcpd.pid")" || return 1
	wait_for 10 pcpd_gone || { echo "conenat-pcpd did not stop"; return 1; }
	rm -f "$tmp/pcpd.pid"
}

pcpd_gone() {
	! kill -0 "$(<"$tmp/pcpd.pid")" 2>/dev/null
}

natpmpc_in() {
	ip netns exec "$n_in" timeout 30 natpmpc -g 10.0.1.1 "$@" 2>&1
}

# pcpc_in ARGS...: one PCP request from the inside host, with the host's
# one nonce (a mapping is renewed and deleted with the nonce that made it);
# prints its line.
nonce=0102030405060708090a0b0c
pcpc_in() {
	ip netns exec "$n_in" "$pcpc" -s 10.0.1.1 -n "$nonce" "$@" 2>&1
}

# expect WHAT PATTERN OUTPUT: OUTPUT matches the extended regex PATTERN.
expect() {
	echo "$3" | grep -qE "$2" || { echo "$1 said:"; echo "$3"; return 1; }
}

# udp_reach PORT EXTPORT SRCPORT TAG: the outside sends to
# 198.51.100.1:EXTPORT from SRCPORT; the inside server on PORT sees it from
# the outside endpoint and the answer comes back from 198.51.100.1:EXTPORT.
udp_reach() {
	local got
	got=$(ip netns exec "$n_out" python3 "$udp" ask "198.51.100.10:$3" \
		"198.51.100.1:$2" "$4")
	[ "$got" = "198.51.100.1:$2 echo $4" ] ||
		{ echo "UDP to 198.51.100.1:$2 answered: '$got'"; return 1; }
	grep -q "^198.51.100.10:$3 $4\$" "$tmp/in$1.log" ||
		{ echo "10.0.1.2:$1 did not see $4 from 198.51.100.10:$3"; return 1; }
}

# udp_blocked EXTPORT SRC TAG: a datagram from SRC (ADDR:PORT) to
# 198.51.100.1:EXTPORT reaches nobody.
udp_blocked() {
	local got
	got=$(ip netns exec "$n_out" python3 "$udp" ask "$2" \
		"198.51.100.1:$1" "$3")
	[ "$got" = none ] || { echo "198.51.100.1:$1 answered '$got' to $2"; return 1; }
}

# leaves_from PORT EXTPORT TAG: the inside host's own datagram from PORT to
# the outside server leaves from 198.51.100.1:EXTPORT.
leaves_from() {
	local got
	got=$(ip netns exec "$n_in" python3 "$udp" ask "10.0.1.2:$1" \
		198.51.100.10:7000 "$3")
	[ "$got" = "198.51.100.10:7000 echo $3" ] ||
		{ echo "the inside host's own flow: '$got'"; return 1; }
	grep -q "^198.51.100.1:$2 $3\$" "$tmp/out.log" ||
		{ echo "the outside did not see $3 from 198.51.100.1:$2:"; tail -3 "$tmp/out.log"; return 1; }
}

# mapping_json PROTO PORT: natctl's JSON of 10.0.1.2:PORT's mapping.
mapping_json() {
	nc -j mapping show instance home proto "$1" |
		jq -c ".[] | select(.internal_addr == \"10.0.1.2\" and .internal_port == $2)"
}

# has_origin PROTO PORT ORIGIN [EXTPORT]: natctl shows the mapping with it.
has_origin() {
	local m
	m=$(mapping_json "$1" "$2")
	echo "$m" | jq -e ".origin == \"$3\"" >/dev/null ||
		{ echo "natctl: '$m'"; return 1; }
	[ -z "${4:-}" ] || echo "$m" | jq -e ".external_port == $4" >/dev/null ||
		{ echo "natctl: '$m'"; return 1; }
}

no_mapping() {
	local m
	m=$(mapping_json "$1" "$2")
	[ -z "$m" ] || { echo "natctl still has '$m'"; return 1; }
}

t_natpmp_address() {
	expect natpmpc "Public IP address : 198.51.100.1" "$(natpmpc_in)"
}

# 5001 has a server (the outside gets in); 6001 none (the host sends from
# it): without the daemon, the symmetric instance would keep 6001's port.
t_natpmp_udp() {
	expect "natpmpc -a 40001 5001 udp 3600" \
		"Mapped public port 40001 protocol UDP to local port 5001" \
		"$(natpmpc_in -a 40001 5001 udp 3600)" &&
	udp_reach 5001 40001 7101 n-udp &&
	has_origin udp 5001 natpmp 40001 &&
	expect "natpmpc -a 46001 6001 udp 3600" \
		"Mapped public port 46001 protocol UDP to local port 6001" \
		"$(natpmpc_in -a 46001 6001 udp 3600)" &&
	leaves_from 6001 46001 n-out
}

t_natpmp_tcp() {
	local got
	expect "natpmpc -a 48081 8081 tcp 3600" \
		"Mapped public port 48081 protocol TCP to local port 8081" \
		"$(natpmpc_in -a 48081 8081 tcp 3600)" || return 1
	got=$(ip netns exec "$n_out" socat -T 5 - \
		TCP4:198.51.100.1:48081,connect-timeout=5 </dev/null 2>&1)
	[ "$got" = "hello 198.51.100.10" ] ||
		{ echo "TCP to 198.51.100.1:48081 got: '$got'"; return 1; }
	has_origin tcp 8081 natpmp 48081
}

t_natpmp_renew() {
	local before after
	before=$(mapping_json udp 5001 | jq -r .expires)
	expect "natpmpc renewal" \
		"Mapped public port 40001 protocol UDP to local port 5001 liftime 7200" \
		"$(natpmpc_in -a 40001 5001 udp 7200)" || return 1
	after=$(mapping_json udp 5001 | jq -r .expires)
	[ "$after" -gt 3600 ] && [ "$after" -gt "$before" ] ||
		{ echo "expires $before -> $after"; return 1; }
}

t_natpmp_delete() {
	natpmpc_in -a 40001 5001 udp 0 >"$tmp/del.out" || true
	no_mapping udp 5001 && udp_blocked 40001 198.51.100.10:7102 n-del
}

t_natpmp_delete_all() {
	expect "natpmpc -a 40002 5002 udp" "Mapped public port 40002" \
		"$(natpmpc_in -a 40002 5002 udp 3600)" &&
	expect "natpmpc -a 40003 5003 udp" "Mapped public port 40003" \
		"$(natpmpc_in -a 40003 5003 udp 3600)" || return 1
	natpmpc_in -a 0 0 udp 0 >"$tmp/delall.out" || true
	no_mapping udp 5002 && no_mapping udp 5003 && no_mapping udp 6001 &&
	has_origin tcp 8081 natpmp 48081
}

# natpmp_refused ARGS...: natpmpc gets no mapping and names the refusal.
t_natpmp_denied_port() {
	local out
	out=$(natpmpc_in -a 2222 22 udp 3600)
	expect "natpmpc -a 2222 22 udp" "Not Authorized|not authorized|NOTAUTHORIZED|result code 2|refused" "$out" &&
	no_mapping udp 22
}

t_natpmp_quota() {
	local out
	# the TCP mapping, 5004, 5005 and 5006: four, the quota
	expect quota-fill "Mapped public port" "$(natpmpc_in -a 40004 5004 udp 600)" &&
	expect quota-fill "Mapped public port" "$(natpmpc_in -a 40005 5005 udp 600)" &&
	expect quota-fill "Mapped public port" "$(natpmpc_in -a 40006 5006 udp 600)" || return 1
	out=$(natpmpc_in -a 40007 5007 udp 600)
	expect "natpmpc over quota" "Out of resources|out of resources|OUTOFRESOURCES|result code 4" "$out" &&
	no_mapping udp 5007 || return 1
	natpmpc_in -a 0 0 udp 0 >/dev/null
	natpmpc_in -a 48081 8081 tcp 0 >/dev/null
	no_mapping udp 5004 && no_mapping tcp 8081
}

# ext_port LINE: the external port of a pcpc result line.
ext_port() {
	local w prev=
	for w in $1; do
		[ "$prev" = external ] && { echo "${w##*:}"; return 0; }
		prev=$w
	done
}

# pcp_result WANT ARGS...: pcpc's request gets result WANT.
pcp_result() {
	local want=$1 out
	shift
	out=$(pcpc_in "$@")
	echo "$out" | grep -q "^result $want " ||
		{ echo "pcpc $* said: $out (want $want)"; return 1; }
}

# pcp_raw RESULT HEX: a hand-made request is answered with result code
# RESULT (decimal): octet 3 of the answer, a PCP (version 2) response.
pcp_raw() {
	local out code
	out=$(pcpc_in raw "$2")
	case $out in
	02*) ;;
	*) echo "raw $2 answered: $out"; return 1 ;;
	esac
	code=$((16#${out:6:2}))
	[ "$code" = "$1" ] || { echo "raw $2: result $code, want $1 ($out)"; return 1; }
}

# the request header, 24 octets: version 2, OPCODE, lifetime 600, client
# address ::ffff:10.0.1.2 (the inside host's)
hdr() {
	printf '02%s0000%s' "$1" 00000258
	printf '00000000000000000000ffff0a000102'
}
# MAP's 36 octets: a nonce, protocol 17, internal port 5010, no suggestion
map_body() {
	printf '0102030405060708090a0b0c11000000%s' 13920000
	printf '00000000000000000000000000000000'
}

# natctl monitor sees the grant made (created) and renewed (updated), with
# origin pcp
t_pcp_map() {
	local out port mpid rc=0
	nc -j monitor mapping instance home >"$tmp/monitor.out" 2>&1 &
	mpid=$!
	sleep 1
	out=$(pcpc_in map udp 5003 lifetime 600)
	expect "pcpc map udp 5003" "^result SUCCESS lifetime 600 epoch [0-9]+ external 198.51.100.1:[0-9]+" "$out" ||
		rc=1
	port=$(ext_port "$out")
	[ $rc = 0 ] && { pcp_result SUCCESS map udp 5003 lifetime 900 || rc=1; }
	sleep 1
	kill "$mpid"
	wait "$mpid" 2>/dev/null
	[ $rc = 0 ] || return 1
	udp_reach 5003 "$port" 7103 p-map &&
	has_origin udp 5003 pcp "$port" || return 1
	for ev in created updated; do
		jq -e -s "any(.[]; .event == \"$ev\" and .origin == \"pcp\" and .internal_port == 5003 and .external_port == $port)" \
			"$tmp/monitor.out" >/dev/null ||
			{ echo "natctl monitor, no $ev event:"; cat "$tmp/monitor.out"; return 1; }
	done
}

# a filter for 198.51.100.10:7010: that remote gets in, another port of it
# and another address do not
t_pcp_filter() {
	local out port
	out=$(pcpc_in map udp 5004 lifetime 600 filter 198.51.100.10:7010)
	expect "pcpc map udp 5004 filter" "^result SUCCESS .* external 198.51.100.1:[0-9]+" "$out" ||
		return 1
	port=$(ext_port "$out")
	udp_reach 5004 "$port" 7010 p-filt &&
	udp_blocked "$port" 198.51.100.10:7011 p-port &&
	udp_blocked "$port" 198.51.100.11:7010 p-addr &&
	mapping_json udp 5004 | jq -e '.origin == "pcp" and .filtered == true' >/dev/null ||
		{ echo "natctl: $(mapping_json udp 5004)"; return 1; }
}

# PEER: the host's flow from 6005 to 198.51.100.10:7000 leaves from the
# port the outside server saw; 6005 itself went to a flow to another
# remote first (symmetric: one mapping per remote)
t_pcp_peer() {
	local got seen out
	got=$(ip netns exec "$n_in" python3 "$udp" ask 10.0.1.2:6005 \
		198.51.100.11:7000 p-first)
	[ "$got" = "198.51.100.11:7000 echo p-first" ] ||
		{ echo "the first flow: '$got'"; return 1; }
	got=$(ip netns exec "$n_in" python3 "$udp" ask 10.0.1.2:6005 \
		198.51.100.10:7000 p-peer)
	[ "$got" = "198.51.100.10:7000 echo p-peer" ] ||
		{ echo "the flow: '$got'"; return 1; }
	seen=$(sed -n 's/^198.51.100.1:\([0-9]*\) p-peer$/\1/p' "$tmp/out.log")
	[ -n "$seen" ] || { echo "the outside did not see p-peer"; return 1; }
	out=$(pcpc_in peer udp 6005 198.51.100.10:7000 lifetime 600)
	expect "pcpc peer" "^result SUCCESS lifetime [0-9]+ epoch [0-9]+ external 198.51.100.1:$seen\$" "$out" ||
		return 1
	[ "$(peer_permits "$seen")" = 1 ] ||
		{ echo "no permit for the PEER on external port $seen:"; nc permit show; return 1; }
	# deleted (lifetime 0): the permit goes from the flow's own mapping
	pcp_result SUCCESS peer udp 6005 198.51.100.10:7000 lifetime 0 || return 1
	[ "$(peer_permits "$seen")" = 0 ] ||
		{ echo "the PEER's permit outlived its deletion:"; nc permit show; return 1; }
}

# peer_permits PORT: the permits of 10.0.1.2:6005 for 198.51.100.10:7000
# on external port PORT
peer_permits() {
	nc -j permit show instance home | jq "[.[] | select(.internal_addr == \"10.0.1.2\" and
		.internal_port == 6005 and .remote_addr == \"198.51.100.10\" and
		.remote_port == 7000 and .external_port == $1)] | length"
}

t_pcp_codes() {
	local rc=0 port
	pcp_raw 1 "$(printf '03010000'; printf '00%.0s' $(seq 20))" || rc=1
	pcp_result NOT_AUTHORIZED map udp 22 lifetime 600 || rc=1
	pcp_result NOT_AUTHORIZED map udp 5010 lifetime 600 third-party 10.0.1.3 || rc=1
	pcp_raw 3 "$(hdr 01)$(map_body | cut -c1-40)" || rc=1
	pcp_raw 4 "$(hdr 05)" || rc=1
	pcp_raw 5 "$(hdr 01)$(map_body)64000000" || rc=1
	# a FILTER of an IPv4-mapped address with prefix length 24 (< 96)
	pcp_raw 6 "$(hdr 01)$(map_body)03000014$(printf '00180000%s%s' \
		00000000000000000000ffff c6336400)" || rc=1
	pcp_result UNSUPP_PROTOCOL map 132 5010 lifetime 600 || rc=1
	pcp_result ADDRESS_MISMATCH -c 10.0.1.3 map udp 5010 lifetime 600 || rc=1
	pcp_result EXCESSIVE_REMOTE_PEERS map udp 5010 lifetime 600 \
		$(for port in 1 2 3 4 5 6 7 8 9; do echo filter "198.51.100.10:700$port"; done) || rc=1
	# the administrator's forward holds 45000: PREFER_FAILURE fails,
	# without it another port is granted
	nc mapping add instance home proto udp internal 10.0.1.99:9 \
		external 198.51.100.1:45000 || rc=1
	pcp_result CANNOT_PROVIDE_EXTERNAL map udp 5010 lifetime 600 \
		suggest 198.51.100.1:45000 prefer-failure || rc=1
	no_mapping udp 5010 || rc=1
	pcp_result SUCCESS map udp 5010 lifetime 600 suggest 198.51.100.1:45000 || rc=1
	nc mapping del instance home proto udp internal 10.0.1.99:9 || rc=1
	pcp_result SUCCESS map udp 5010 lifetime 0 || rc=1
	no_mapping udp 5010 || rc=1
	return $rc
}

# a host outside the allow rule (10.0.1.200, inside the instance): its
# NAT-PMP mapping request is refused, result 2, and nothing is made
t_natpmp_other_host() {
	local got
	got=$(ip netns exec "$n_in" python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.1.200", 0))
s.settimeout(3)
s.sendto(struct.pack("!BBHHHI", 0, 1, 0, 5020, 5020, 600), ("10.0.1.1", 5351))
try:
    d = s.recv(64)
    print("op %d result %d" % (d[1], struct.unpack("!H", d[2:4])[0]))
except socket.timeout:
    print("none")
')
	[ "$got" = "op 129 result 2" ] || { echo "10.0.1.200's request: $got"; return 1; }
	[ -z "$(nc -j mapping show instance home | jq -c '.[] | select(.internal_addr == "10.0.1.200")')" ]
}

# the kernel's side is the truth: a mapping that expired, and one that
# natctl deleted, no longer count in the host's quota, and a renewal of
# the deleted one makes it again
t_consistent() {
	expect "natpmpc lifetime 4" "Mapped public port 40009 protocol UDP to local port 5009 liftime 4" \
		"$(natpmpc_in -a 40009 5009 udp 4)" &&
	wait_for 15 no_mapping udp 5009 || return 1
	pcp_result SUCCESS map udp 5017 lifetime 600 &&
	nc mapping del instance home proto udp internal 10.0.1.2:5017 &&
	no_mapping udp 5017 || return 1
	# the daemon still counts 5017 and the expired one: at its quota it
	# asks the kernel again
	fill_quota && unfill_quota || return 1
	pcp_result SUCCESS map udp 5017 lifetime 600 &&
	has_origin udp 5017 pcp &&
	pcp_result SUCCESS map udp 5017 lifetime 0 &&
	no_mapping udp 5017
}

# the router's own socket on 45100 (any address): a host suggesting that
# port does not get it (PREFER_FAILURE: CANNOT_PROVIDE_EXTERNAL; without:
# another port), and the outside still reaches the router's socket
t_router_socket() {
	local out port got rc=0
	ip netns exec "$n_rt" python3 "$udp" serve 0.0.0.0:45100 \
		>"$tmp/rt45100.log" 2>&1 &
	local spid=$!
	wait_for 20 grep -q ready "$tmp/rt45100.log" || rc=1
	[ $rc = 0 ] && { pcp_result CANNOT_PROVIDE_EXTERNAL map udp 5018 lifetime 600 \
		suggest 198.51.100.1:45100 prefer-failure || rc=1; }
	if [ $rc = 0 ]; then
		out=$(pcpc_in map udp 5018 lifetime 600 suggest 198.51.100.1:45100)
		port=$(ext_port "$out")
		case $out in
		"result SUCCESS "*) [ "$port" != 45100 ] || { echo "granted the router's port: $out"; rc=1; } ;;
		*) echo "pcpc map udp 5018 suggest 45100: $out"; rc=1 ;;
		esac
	fi
	if [ $rc = 0 ]; then
		got=$(ip netns exec "$n_out" python3 "$udp" ask 198.51.100.10:7120 \
			198.51.100.1:45100 r-sock)
		[ "$got" = "198.51.100.1:45100 echo r-sock" ] ||
			{ echo "the router's socket answered: '$got'"; rc=1; }
	fi
	pcpc_in map udp 5018 lifetime 0 >/dev/null
	kill "$spid"
	return $rc
}

# the access list gives internal ports 5040-5049 only external ports
# 42000-42009: a request without a suggestion gets one of those (the
# kernel's own pick, 5040 kept, was refused after the fact before)
t_ext_span() {
	local out
	expect "natpmpc -a 0 5040 udp" "Mapped public port 4200[0-9] protocol UDP to local port 5040" \
		"$(natpmpc_in -a 0 5040 udp 600)" || return 1
	out=$(pcpc_in map udp 5041 lifetime 600)
	expect "pcpc map udp 5041" "^result SUCCESS .* external 198.51.100.1:4200[0-9]$" "$out" ||
		return 1
	natpmpc_in -a 0 5040 udp 0 >/dev/null
	pcp_result SUCCESS map udp 5041 lifetime 0 &&
	no_mapping udp 5040 && no_mapping udp 5041
}

# granted: how many mappings the inside host was granted (pcp, natpmp)
granted() {
	nc -j mapping show instance home |
		jq '[.[] | select(.internal_addr == "10.0.1.2" and
			(.origin == "pcp" or .origin == "natpmp"))] | length'
}

# fill_quota: PCP mappings from 5011 on until USER_EX_QUOTA, which must
# come with exactly 4 (the quota) granted
fill_quota() {
	local p out
	for p in 5011 5012 5013 5014 5015; do
		out=$(pcpc_in map udp "$p" lifetime 600)
		case $out in
		"result SUCCESS "*) ;;
		"result USER_EX_QUOTA "*)
			no_mapping udp "$p" || return 1
			[ "$(granted)" = 4 ] ||
				{ echo "USER_EX_QUOTA with $(granted) granted"; return 1; }
			return 0 ;;
		*) echo "pcpc map udp $p: $out"; return 1 ;;
		esac
	done
	echo "no USER_EX_QUOTA with $(granted) granted"
	return 1
}

unfill_quota() {
	local p
	for p in 5011 5012 5013 5014 5015; do
		pcpc_in map udp "$p" lifetime 0 >/dev/null
	done
	return 0
}

t_pcp_quota() {
	fill_quota && unfill_quota
}

# the namespace's mapping table full: NO_RESOURCES
t_pcp_no_resources() {
	local n rc=0
	n=$(nc -j limits show | jq -r .mappings) || return 1
	nc limits set max-mappings "$n" || return 1
	pcp_result NO_RESOURCES map udp 5012 lifetime 600 || rc=1
	nc limits set max-mappings 4194304 || rc=1
	return $rc
}

# epoch E0 now; the daemon restarts: it announces itself, keeps the
# mappings (and the quota), and its epoch goes on
t_pcp_restart() {
	local e0 e1 out
	fill_quota || return 1
	out=$(pcpc_in announce)
	expect "pcpc announce" "^result SUCCESS lifetime 0 epoch [0-9]+$" "$out" || return 1
	e0=${out##* }
	ip netns exec "$n_in" "$pcpc" listen -t 15000 >"$tmp/listen.out" 2>&1 &
	local lpid=$! t0=$SECONDS
	sleep 1
	stop_pcpd && start_pcpd || return 1
	wait "$lpid"
	expect "pcpc listen (after $((SECONDS - t0)) s)" \
		"^result SUCCESS lifetime 0 epoch [0-9]+ from 10.0.1.1" \
		"$(cat "$tmp/listen.out")" || return 1
	out=$(pcpc_in announce)
	e1=${out##* }
	[ "$e1" -ge "$e0" ] || { echo "epoch $e0 -> $e1 over a restart"; return 1; }
	has_origin udp 5003 pcp && has_origin udp 5004 pcp &&
	pcp_result USER_EX_QUOTA map udp 5016 lifetime 600 &&
	unfill_quota
}

# the address changes: the daemon announces the new one (NAT-PMP), and
# the hosts' mappings on the old one are gone
t_renumber() {
	local rc=0
	renumbered || rc=1
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" addr del 198.51.100.2/24 dev wan || rc=1
	return $rc
}

# the announcements still repeating from the restart name the old address:
# the first that names the new one counts
renumbered() {
	local i lpid
	for i in 1 2 3 4 5 6; do
		ip netns exec "$n_in" "$pcpc" listen natpmp -t 15000 \
			>"$tmp/listen$i.out" 2>&1 &
		lpid=$!
		[ "$i" = 1 ] && {
			sleep 1
			ip -n "$n_rt" addr add 198.51.100.2/24 dev wan &&
			ip -n "$n_rt" addr del 198.51.100.1/24 dev wan || return 1
		}
		wait "$lpid"
		grep -q "external 198.51.100.2 from 10.0.1.1" "$tmp/listen$i.out" &&
			break
	done
	expect "pcpc listen natpmp" "external 198.51.100.2 from 10.0.1.1" \
		"$(cat "$tmp/listen$i.out")" &&
	expect natpmpc "Public IP address : 198.51.100.2" "$(natpmpc_in)" &&
	wait_for 10 no_mapping udp 5003
}

# endpoint-independent mapping: the host's traffic made a mapping; asking
# for one gets that same external endpoint, now natpmp's
t_eim_take_over() {
	local got seen
	nc instance set home type port-restricted-cone || return 1
	# a port of 6006 taken, so that traffic's mapping gets another
	nc mapping add instance home proto udp internal 10.0.1.99:9 \
		external 198.51.100.1:6006 || return 1
	got=$(ip netns exec "$n_in" python3 "$udp" ask 10.0.1.2:6006 \
		198.51.100.10:7000 e-take)
	[ "$got" = "198.51.100.10:7000 echo e-take" ] ||
		{ echo "the flow: '$got'"; return 1; }
	seen=$(sed -n 's/^198.51.100.1:\([0-9]*\) e-take$/\1/p' "$tmp/out.log")
	[ -n "$seen" ] && [ "$seen" != 6006 ] || { echo "the outside saw '$seen'"; return 1; }
	expect "natpmpc -a 0 6006 udp 600" "Mapped public port $seen protocol UDP to local port 6006" \
		"$(natpmpc_in -a 0 6006 udp 600)" &&
	has_origin udp 6006 natpmp "$seen" &&
	nc mapping del instance home proto udp internal 10.0.1.99:9
}

# third-party on: a host may ask for another's mapping (THIRD_PARTY); the
# mapping is 10.0.1.3's, and counted against it
t_third_party() {
	local rc=0
	stop_pcpd || return 1
	echo "third-party on" >>"$tmp/pcpd.conf"
	start_pcpd || return 1
	pcp_result SUCCESS map udp 5030 lifetime 600 third-party 10.0.1.3 || rc=1
	[ $rc = 0 ] && { nc -j mapping show instance home |
		jq -e 'any(.[]; .internal_addr == "10.0.1.3" and .internal_port == 5030 and .origin == "pcp")' >/dev/null ||
		{ echo "natctl: no mapping of 10.0.1.3:5030"; rc=1; }; }
	# third party, still not one outside the allow rule
	[ $rc = 0 ] && { pcp_result NOT_AUTHORIZED map udp 5030 lifetime 600 third-party 10.0.1.200 || rc=1; }
	pcp_result SUCCESS map udp 5030 lifetime 0 third-party 10.0.1.3 || rc=1
	return $rc
}

# the instance made again (a module reload does the same): the epoch
# starts over, and clients learn they must map again
t_epoch_reset() {
	local e0 out
	sleep 3
	out=$(pcpc_in announce)
	e0=${out##* }
	nc instance del home &&
	nc instance add home dev wan type symmetric internal 10.0.1.0/24 ||
		return 1
	# the daemon looks at its instance once a second
	wait_for 5 epoch_below "$e0" ||
		{ echo "epoch $e0 -> '$(pcpc_in announce)' over the instance's re-creation"; return 1; }
}

epoch_below() {
	local out
	out=$(pcpc_in announce)
	[[ $out == "result SUCCESS "* ]] && [ "${out##* }" -lt "$1" ]
}

tap_begin
for tool in natpmpc python3 socat jq ss; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "port control: $tool missing (scripts/deps.sh)"
		tap_done
		exit 1
	fi
done
if [ ! -x "$pcpd" ] || [ ! -x "$pcpc" ]; then
	tap_fail "port control: $pcpd or $pcpc not built"
	tap_done
	exit 1
fi
if ! setup >"$tmp/setup.log" 2>&1; then
	sed 's/^/# /' "$tmp/setup.log"
	tap_fail "topology and conenat-pcpd set up"
	tap_done
	exit 1
fi

tap_check "NAT-PMP: natpmpc learns the external address" t_natpmp_address
tap_check "NAT-PMP: a UDP mapping at the port asked for; the outside gets in, the host's own datagrams leave from it, natctl shows origin natpmp" t_natpmp_udp
tap_check "NAT-PMP: a TCP mapping; the outside connects through it" t_natpmp_tcp
tap_check "NAT-PMP: renewal extends the mapping" t_natpmp_renew
tap_check "NAT-PMP: lifetime 0 deletes it; the port no longer lets anyone in" t_natpmp_delete
tap_check "NAT-PMP: delete-all removes the host's UDP mappings, not its TCP one" t_natpmp_delete_all
tap_check "NAT-PMP: a denied internal port is refused (Not Authorized)" t_natpmp_denied_port
tap_check "NAT-PMP: over the host's quota is refused (Out of resources)" t_natpmp_quota
tap_check "NAT-PMP: a host outside the allow rule is refused (Not Authorized)" t_natpmp_other_host
tap_check "access list: a narrowed external range is where the port is picked, before anything is made" t_ext_span

tap_check "PCP: MAP; the outside gets in; natctl shows origin pcp, and monitor its created and updated events" t_pcp_map
tap_check "PCP: MAP with FILTER lets in only the named remote" t_pcp_filter
tap_check "PCP: UNSUPP_VERSION, NOT_AUTHORIZED (port, THIRD_PARTY), MALFORMED_REQUEST, UNSUPP_OPCODE, UNSUPP_OPTION, MALFORMED_OPTION, UNSUPP_PROTOCOL, ADDRESS_MISMATCH, EXCESSIVE_REMOTE_PEERS, CANNOT_PROVIDE_EXTERNAL" t_pcp_codes
tap_check "PCP: a port a socket of the router holds is not given to a host, and the socket still gets its traffic" t_router_socket
tap_check "PCP: over the host's quota: USER_EX_QUOTA" t_pcp_quota
tap_check "PCP: the namespace's mapping table full: NO_RESOURCES" t_pcp_no_resources
tap_check "expiry and natctl mapping del are seen by the daemon: quota, renewal" t_consistent
tap_check "restart: announced, mappings and quota kept, epoch goes on" t_pcp_restart
# after the quota's tests: a closed peer counts until its lifetime ends
tap_check "PCP: PEER reports the external endpoint the outside server saw for that flow" t_pcp_peer
tap_check "address change: announced with the new address, the hosts' mappings gone" t_renumber
tap_check "endpoint-independent mapping: a request gets the external endpoint traffic already has" t_eim_take_over
tap_check "PCP: THIRD_PARTY, once the configuration allows it, maps another inside host (not one the access list refuses)" t_third_party
tap_check "the instance made again: the epoch starts over" t_epoch_reset

echo "# conenat-pcpd's log:"
sed 's/^/# /' "$tmp/pcpd.log" | tail -n 60
tap_check "conenat-pcpd still running at the end" kill -0 "$(<"$tmp/pcpd.pid")"
tap_done
