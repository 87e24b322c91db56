#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: a narrated tour of conenat for a newcomer, in a throwaway
# qemu guest (nothing on this machine's network changes): two home networks
# behind two conenat routers, the NAT type each router shows to an RFC 5780
# client, a UDP hole punch between the two hosts with its timing, and a
# WireGuard tunnel straight between them. Exits 0 when everything worked.
#
#   scripts/demo.sh            install what is missing (as root), build,
#                              boot the guest and narrate
#   scripts/demo.sh --guest    the part that runs inside the guest
set -u

top=$(cd "$(dirname "$0")/.." && pwd)

# --- on the host ----------------------------------------------------------------

host() {
	local start rc
	start=$(date +%s)
	cd "$top" || exit 1
	echo "conenat demo: getting ready (packages, build, virtual machine)"
	scripts/deps.sh || exit 1
	if ! make -s modules natctl >/dev/null || ! make -s -C selftests/punch >/dev/null; then
		echo "conenat demo: the build failed" >&2
		exit 1
	fi
	echo "conenat demo: booting a throwaway VM (about 10 s), then the tour begins"
	echo
	# Show the guest's own words only: no firmware or kernel lines.
	VM_MODULES=$top/kmod/conenat.ko VM_TIMEOUT=${VM_TIMEOUT:-300} \
		selftests/vm/run-vm.sh "$top/scripts/demo.sh" --guest |
		sed -u -n -e '/CONENAT-VM-START/,/CONENAT-VM-EXIT/{' \
			-e '/CONENAT-VM-/d' -e '/^\[ *[0-9]*\.[0-9]*\]/d' -e p -e '}'
	rc=${PIPESTATUS[0]}
	echo
	if [ "$rc" = 0 ]; then
		echo "conenat demo: done in $(($(date +%s) - start)) s"
	else
		echo "conenat demo: FAILED (status $rc) after $(($(date +%s) - start)) s"
	fi
	exit "$rc"
}

[ "${1:-}" = --guest ] || host

# --- in the guest ---------------------------------------------------------------

. "$top/selftests/lib.sh"
. "$top/selftests/punch/topo.sh"
natctl=$top/userspace/natctl
punch=$top/selftests/punch/punch
tmp=$(mktemp -d)
pids=()
pt_names demo
type_a="port-restricted-cone"
type_b="restricted-cone"

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	pt_destroy
	rm -rf "$tmp"
}
trap cleanup EXIT

summary=()
failed=0
result() { # STEP OK|FAILED DETAIL
	summary+=("$(printf '%-36s %-7s %s' "$1" "$2" "$3")")
	[ "$2" = OK ] || failed=1
}

say() { printf '%s\n' "$@"; }
# (bash builtins only: under emulation each program start costs a moment)
narrate() {
	local l
	while IFS= read -r l; do printf '%s\n' "$l"; done
}
indent() {
	local l
	while IFS= read -r l; do printf '      %s\n' "$l"; done
}
section() {
	echo
	say "=== $1"
}

die() {
	say "demo: $*"
	exit 1
}

modprobe nf_nat && { modprobe conenat 2>/dev/null || insmod "$top/kmod/conenat.ko"; } ||
	die "cannot load conenat.ko"

narrate <<'EOF'
=== The network

Inside this virtual machine, network namespaces play a small internet with
two private networks on it. Each private network sits behind its own Linux
router, and each router runs conenat, the NAT whose behaviour you choose:

                 the internet (198.51.100.0/24)
      rendezvous server 198.51.100.100, STUN server 198.51.100.10 and .11
             |                                          |
   router A 198.51.100.1                      router B 198.51.100.2
   conenat: port-restricted cone              conenat: restricted cone
             |                                          |
   host A 10.0.1.2                            host B 10.0.2.2

Hosts A and B have private addresses: nobody on the internet can reach
them unless their router lets the packets in. Neither router has a port
forward. Can A and B still talk to each other directly?
EOF

pt_setup >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; die "the network could not be built"; }
ip -n "$PT_NET" addr add 198.51.100.10/24 dev br0 &&
	ip -n "$PT_NET" addr add 198.51.100.11/24 dev br0 || die "cannot add the STUN addresses"

# --- 1. the routers -------------------------------------------------------------

section "1. The routers' configuration"
say "One command on each router turns NAT on, with the behaviour chosen by name:" ""
for r in A B; do
	ns=$PT_RA t=$type_a
	[ $r = B ] && ns=$PT_RB t=$type_b
	say "   router $r\$ natctl instance add nat dev wan type $t"
	"$natctl" -n "$ns" instance add nat dev wan type "$t" || die "natctl failed on router $r"
done
say "" "What each router now says about itself (natctl instance show):"
for r in A B; do
	ns=$PT_RA
	[ $r = B ] && ns=$PT_RB
	say "   router $r:"
	"$natctl" -n "$ns" instance show | indent
done
result "router configuration" OK "A: $type_a, B: $type_b"

# --- 2. what an RFC 5780 client sees -------------------------------------------

section "2. What the NATs look like from the inside (RFC 5780)"
narrate <<'EOF'
An application can find out what kind of NAT it is behind by asking a STUN
server with two addresses on the internet (RFC 5780). Here coturn's
turnutils_natdiscovery asks coturn's turnserver, from each host:
EOF
ip netns exec "$PT_NET" turnserver -n --no-tls --no-dtls --no-tcp --no-cli \
	--listening-ip 198.51.100.10 --listening-ip 198.51.100.11 \
	--log-file stdout >/dev/null 2>&1 &
pids+=($!)
wait_for 30 sh -c "ip netns exec $PT_NET ss -uln | grep -q '198.51.100.11:3479'" ||
	die "the STUN server did not start"

# verdict NS ADDR PORT: "mapping|filtering" as turnutils_natdiscovery words it
verdict() {
	local out m f
	out=$(ip netns exec "$1" timeout 60 turnutils_natdiscovery -m -f \
		-L "$2" -l "$3" 198.51.100.10 2>&1)
	m=$(echo "$out" | sed -n 's/^NAT with \(.*\) Mapping!$/\1/p')
	f=$(echo "$out" | sed -n 's/^NAT with \(.*\) Filtering!$/\1/p')
	echo "${m:-?}|${f:-?}"
}
# cone names for the verdicts, as RFC 3489 had them
cone() {
	case $1 in
	"Endpoint Independent|Endpoint Independent") echo "full cone" ;;
	"Endpoint Independent|Address Dependent") echo "restricted cone" ;;
	"Endpoint Independent|Address and Port Dependent") echo "port-restricted cone" ;;
	"Address and Port Dependent|Address and Port Dependent") echo symmetric ;;
	*) echo "other" ;;
	esac
}
for r in A B; do
	ns=$PT_HA addr=10.0.1.2 want="${type_a%-cone} cone"
	[ $r = B ] && ns=$PT_HB addr=10.0.2.2 want="${type_b%-cone} cone"
	v=$(verdict "$ns" "$addr" "$([ $r = A ] && echo 31000 || echo 32000)")
	name=$(cone "$v")
	say "   host $r: mapping ${v%|*}, filtering ${v#*|} -> a $name"
	if [ "$name" = "$want" ]; then
		result "NAT type seen from host $r" OK "$name, as configured"
	else
		result "NAT type seen from host $r" FAILED "$name, configured as $want"
	fi
done
narrate <<'EOF'
   "Endpoint independent mapping" is what makes hole punching possible: a
   socket keeps the same public address and port whoever it talks to, so
   what one server sees is what every peer can use.
EOF

# --- 3. a UDP hole punch ---------------------------------------------------------

section "3. A UDP hole punch between host A and host B"
narrate <<'EOF'
Both hosts register with a rendezvous server on the internet, from the
socket they will use. The server tells each one the public address and
port it saw the other come from. Then both send to each other at once:
each router sees its host send first to the peer, and so lets the peer's
packets in.
EOF
"$top/selftests/punch/rendezvous" --netns "$PT_NET" --bind 198.51.100.100 \
	--port 7000 >"$tmp/rendezvous.log" 2>&1 &
pids+=($!)
wait_for 20 sh -c "ip netns exec $PT_NET ss -tln | grep -q '198.51.100.100:7000'" ||
	die "the rendezvous server did not start"
"$punch" --netns "$PT_HA" --server 198.51.100.100:7000 --id hostA --peer hostB \
	--proto udp --local-port 40000 --timeout 10 >"$tmp/punch.a" 2>/dev/null &
pa=$!
"$punch" --netns "$PT_HB" --server 198.51.100.100:7000 --id hostB --peer hostA \
	--proto udp --local-port 40001 --timeout 10 >"$tmp/punch.b" 2>/dev/null
rb=$?
wait $pa
ra=$?
# the value after NAME on a punch result line
field() { # FILE NAME
	local line w prev=
	read -r line <"$1" || return 0
	for w in $line; do
		[ "$prev" = "$2" ] && { echo "$w"; return 0; }
		prev=$w
	done
}
if [ $ra = 0 ] && [ $rb = 0 ]; then
	say "   host A (public $(field "$tmp/punch.a" self)) hears host B from $(field "$tmp/punch.a" peer)," \
		"   $(field "$tmp/punch.a" first_punch_to_first_rx_ms) ms after its first punch packet;" \
		"   host B (public $(field "$tmp/punch.b" self)) hears host A from $(field "$tmp/punch.b" peer)," \
		"   $(field "$tmp/punch.b" first_punch_to_first_rx_ms) ms after its first punch packet."
	result "UDP hole punch A <-> B" OK \
		"first packet after $(field "$tmp/punch.a" first_punch_to_first_rx_ms) / $(field "$tmp/punch.b" first_punch_to_first_rx_ms) ms"
else
	say "   the punch failed:" "   $(<"$tmp/punch.a")" "   $(<"$tmp/punch.b")"
	result "UDP hole punch A <-> B" FAILED "see above"
fi

# --- 4. WireGuard ----------------------------------------------------------------

section "4. A WireGuard tunnel straight from A to B"
narrate <<'EOF'
WireGuard does the same on its own, given the right endpoints. A third
WireGuard peer on the internet (R, 198.51.100.100:51820) plays the
rendezvous: A and B keep a session with it, so R sees their public
endpoints. Each is then told the other's, and both start at once.
EOF
# endpoint NS DEV KEY: the endpoint DEV in NS has for peer KEY (a, b or r)
endpoint() {
	local k v key
	key=$(<"$tmp/$3.pub")
	while read -r k v; do
		[ "$k" = "$key" ] && echo "$v"
	done <<<"$(ip netns exec "$1" wg show "$2" endpoints)"
}
wg_demo() {
	local k ep_a ep_b
	for k in a b r; do
		(umask 077 && wg genkey >"$tmp/$k.key") &&
		wg pubkey <"$tmp/$k.key" >"$tmp/$k.pub" || return 1
	done
	ip -n "$PT_NET" link add wgr type wireguard &&
	ip netns exec "$PT_NET" wg set wgr private-key "$tmp/r.key" listen-port 51820 \
		peer "$(<"$tmp/a.pub")" allowed-ips 10.99.0.1/32 \
		peer "$(<"$tmp/b.pub")" allowed-ips 10.99.0.2/32 &&
	ip -n "$PT_NET" addr add 10.99.0.100/24 dev wgr &&
	ip -n "$PT_NET" link set wgr up || return 1
	for k in a b; do
		local ns=$PT_HA port=51821 addr=10.99.0.1
		[ $k = b ] && ns=$PT_HB port=51822 addr=10.99.0.2
		ip -n "$ns" link add wg0 type wireguard &&
		ip netns exec "$ns" wg set wg0 private-key "$tmp/$k.key" listen-port "$port" \
			peer "$(<"$tmp/r.pub")" endpoint 198.51.100.100:51820 \
			allowed-ips 10.99.0.100/32 persistent-keepalive 1 &&
		ip -n "$ns" addr add "$addr/24" dev wg0 &&
		ip -n "$ns" link set wg0 up || return 1
		wait_for 20 ip netns exec "$ns" ping -c 1 -W 1 -q 10.99.0.100 || return 1
	done
	ep_a=$(endpoint "$PT_NET" wgr a)
	ep_b=$(endpoint "$PT_NET" wgr b)
	say "   R sees host A at $ep_a and host B at $ep_b"
	ip netns exec "$PT_HA" wg set wg0 peer "$(<"$tmp/b.pub")" endpoint "$ep_b" \
		allowed-ips 10.99.0.2/32 persistent-keepalive 1 &
	k=$!
	ip netns exec "$PT_HB" wg set wg0 peer "$(<"$tmp/a.pub")" endpoint "$ep_a" \
		allowed-ips 10.99.0.1/32 persistent-keepalive 1 && wait $k || return 1
	wait_for 20 ip netns exec "$PT_HA" ping -c 1 -W 1 -q 10.99.0.2 || return 1
	say "   host A\$ ping -c 3 10.99.0.2   (host B's tunnel address)"
	ip netns exec "$PT_HA" ping -c 3 -i 0.3 10.99.0.2 | sed -n 's/^/      /; /bytes from\|packet loss/p'
	say "   host B\$ wg show wg0 endpoints   (where B sends A's packets)"
	wg_ep=$(endpoint "$PT_HB" wg0 a)
	say "      peer R       $(endpoint "$PT_HB" wg0 r)" "      peer host A  $wg_ep"
	[ "${wg_ep%:*}" = 198.51.100.1 ]
}
if wg_demo; then
	say "   The tunnel runs directly between the two routers' public addresses;" \
		"   R only made the introduction."
	result "WireGuard A <-> B, no port forward" OK "ping over the tunnel, B sends to A at $wg_ep"
else
	result "WireGuard A <-> B, no port forward" FAILED "no ping across the tunnel"
fi

# --- summary ---------------------------------------------------------------------

section "Summary"
printf '   %-36s %-7s %s\n' "step" "result" "detail"
printf '   %s\n' "${summary[@]}"
narrate <<'EOF'

Which NAT types can punch through to which, and what a symmetric NAT needs
(a static mapping on its router): Documentation/hole-punching.md.
`make check` runs the whole table, TCP included.
EOF
exit $failed
