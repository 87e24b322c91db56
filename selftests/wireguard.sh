#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# WireGuard between two peers that are both behind NAT, with no port
# forward: hosts A and B each run a WireGuard interface behind their own
# conenat router. A third WireGuard peer on the internet (R, the
# rendezvous) is a peer of both; A and B reach it with a persistent
# keepalive from their WireGuard port, so R sees each one's external
# endpoint (`wg show wgr endpoints`). A and B are then given each other's
# endpoint as R saw it, both at once, with a persistent keepalive of 1 s.
#
# - port-restricted cone on both routers: the ping from A's tunnel address
#   to B's gets through, on the direct path: B's endpoint for A is router
#   A's external address and port, A's for B router B's, and while a ping
#   burst moves kilobytes between A and B, R's transfer counters barely
#   move (keepalives only).
# - symmetric on both routers: no handshake, no ping (each router gives
#   the host a new port towards the other peer, which the other router
#   filters). With a static mapping for host B's WireGuard port on router B
#   it works: the mapping lets every remote in (host A's new port too), and
#   B answers from its one static port.
#
#                      internet: bridge, R = wgr 198.51.100.100:51820
#                 +-----------------+-----------------+
#       wan 198.51.100.1                    wan 198.51.100.2
#      [ router A, conenat "nat" ]        [ router B, conenat "nat" ]
#       lan 10.0.1.1                        lan 10.0.2.1
#          |                                     |
#   host A 10.0.1.2, wg0 10.99.0.1        host B 10.0.2.2, wg0 10.99.0.2
#
# Tunnel addresses: A 10.99.0.1, B 10.99.0.2, R 10.99.0.100 (/24).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
. "$top/selftests/punch/topo.sh"
natctl=${NATCTL:-$top/userspace/natctl}
pt_names wg
tmp=$(mktemp -d)
# tap_check runs tests in subshells: comments for every run go to fd 3
exec 3>&1

cleanup() {
	pt_destroy
	rm -rf "$tmp"
}
trap cleanup EXIT

tap_begin
if ! command -v wg >/dev/null; then
	tap_fail "WireGuard between two NATs: wg missing (scripts/deps.sh)"
	tap_done
	exit 1
fi

setup() {
	local k
	pt_setup || return 1
	"$natctl" -n "$PT_RA" instance add nat dev wan type port-restricted-cone &&
	"$natctl" -n "$PT_RB" instance add nat dev wan type port-restricted-cone || return 1
	for k in a b r; do
		(umask 077 && wg genkey >"$tmp/$k.key") &&
		wg pubkey <"$tmp/$k.key" >"$tmp/$k.pub" || return 1
	done
	# R: knows A and B by key only; learns their endpoints from them
	ip -n "$PT_NET" link add wgr type wireguard || {
		echo "cannot create a wireguard device (wireguard.ko)"
		return 1
	}
	ip netns exec "$PT_NET" wg set wgr private-key "$tmp/r.key" listen-port 51820 \
		peer "$(<"$tmp/a.pub")" allowed-ips 10.99.0.1/32 \
		peer "$(<"$tmp/b.pub")" allowed-ips 10.99.0.2/32 &&
	ip -n "$PT_NET" addr add 10.99.0.100/24 dev wgr &&
	ip -n "$PT_NET" link set wgr up
}

if ! out=$(setup 2>&1); then
	echo "$out" | sed 's/^/# /'
	tap_fail "topology, instances and rendezvous peer set up"
	tap_done
	exit 1
fi

pub() { printf '%s\n' "$(<"$tmp/$1.pub")"; }

# wg_host NS KEY PORT ADDR: (re)create wg0 in NS listening on PORT, with R
# as its only peer, kept alive every second (few program starts: each costs
# up to half a second under emulation)
wg_host() {
	ip -n "$1" link del wg0 2>/dev/null
	ip -n "$1" -b - <<-EOF &&
		link add wg0 type wireguard
		addr add $4/24 dev wg0
		link set wg0 up
	EOF
	ip netns exec "$1" wg set wg0 private-key "$tmp/$2.key" listen-port "$3" \
		peer "$(pub r)" endpoint 198.51.100.100:51820 \
		allowed-ips 10.99.0.100/32 persistent-keepalive 1
}

# wg_peer NS DEV WHAT KEY: the values "wg show DEV WHAT" gives for peer KEY
# (a here-string, not "< <(...)": the test guest has no /dev/fd)
wg_peer() {
	local k v key
	key=$(pub "$4")
	while read -r k v; do
		[ "$k" = "$key" ] && echo "$v"
	done <<<"$(ip netns exec "$1" wg show "$2" "$3")"
}

# endpoint NS DEV KEY: the endpoint DEV in NS has for the peer KEY
endpoint() { wg_peer "$1" "$2" endpoints "$3"; }

# transfer NS DEV KEY: bytes received + sent with the peer KEY
transfer() {
	local rx tx
	read -r rx tx <<<"$(wg_peer "$1" "$2" transfer "$3")"
	echo $((rx + tx))
}

handshake() { wg_peer "$1" "$2" latest-handshakes "$3"; }

known() {
	case $(endpoint "$@") in
	"" | "(none)") return 1 ;;
	esac
}

ping_b() { # SECONDS: A pings B's tunnel address until it answers
	wait_for "$1" ip netns exec "$PT_HA" ping -c 1 -W 1 -q 10.99.0.2
}

# rendezvous PORT_A PORT_B: fresh wg0 on both hosts; R learns their
# external endpoints; then each gets the other's, as R saw it, at once.
rendezvous() {
	wg_host "$PT_HA" a "$1" 10.99.0.1 && wg_host "$PT_HB" b "$2" 10.99.0.2 || return 1
	# the keepalive to R starts with the interface; a ping makes sure
	wait_for 20 ip netns exec "$PT_HA" ping -c 1 -W 1 -q 10.99.0.100 &&
	wait_for 20 ip netns exec "$PT_HB" ping -c 1 -W 1 -q 10.99.0.100 &&
	wait_for 10 known "$PT_NET" wgr a && wait_for 10 known "$PT_NET" wgr b ||
		{ echo "R did not learn both endpoints"; return 1; }
	ep_a=$(endpoint "$PT_NET" wgr a)
	ep_b=$(endpoint "$PT_NET" wgr b)
	echo "# R sees A at $ep_a and B at $ep_b" >&3
	local pa pb
	ip netns exec "$PT_HA" wg set wg0 peer "$(pub b)" endpoint "$ep_b" \
		allowed-ips 10.99.0.2/32 persistent-keepalive 1 &
	pa=$!
	ip netns exec "$PT_HB" wg set wg0 peer "$(pub a)" endpoint "$ep_a" \
		allowed-ips 10.99.0.1/32 persistent-keepalive 1 &
	pb=$!
	wait $pa && wait $pb
}

# --- both routers port-restricted cone ------------------------------------

direct_ping() {
	local ab0 ab1 ra0 ra1 rb0 rb1 seen_a seen_b
	rendezvous 41001 41002 || return 1
	ping_b 20 || { echo "no ping from 10.99.0.1 to 10.99.0.2"; return 1; }
	seen_a=$(endpoint "$PT_HB" wg0 a)
	seen_b=$(endpoint "$PT_HA" wg0 b)
	echo "# A's endpoint for B: $seen_b, B's endpoint for A: $seen_a" >&3
	[ "$seen_a" = 198.51.100.1:41001 ] && [ "$seen_b" = 198.51.100.2:41002 ] ||
		{ echo "the peers do not talk between the routers' external endpoints"; return 1; }
	ab0=$(transfer "$PT_HA" wg0 b)
	ra0=$(transfer "$PT_NET" wgr a)
	rb0=$(transfer "$PT_NET" wgr b)
	ip netns exec "$PT_HA" ping -c 10 -i 0.2 -s 1000 -W 2 -q 10.99.0.2 >/dev/null ||
		{ echo "a ping burst lost packets"; return 1; }
	ab1=$(transfer "$PT_HA" wg0 b)
	ra1=$(transfer "$PT_NET" wgr a)
	rb1=$(transfer "$PT_NET" wgr b)
	echo "# during 10 pings of 1000 bytes: A<->B $((ab1 - ab0)) bytes, R<->A $((ra1 - ra0)), R<->B $((rb1 - rb0)) (keepalives)" >&3
	[ $((ab1 - ab0)) -ge 20000 ] && [ $((ra1 - ra0)) -lt 2000 ] && [ $((rb1 - rb0)) -lt 2000 ] ||
		{ echo "the ping did not take the direct path"; return 1; }
}
tap_check "port-restricted cone x port-restricted cone: A pings B over WireGuard, directly between the routers' external endpoints" \
	direct_ping

# --- both routers symmetric -----------------------------------------------

"$natctl" -n "$PT_RA" instance set nat type symmetric &&
"$natctl" -n "$PT_RB" instance set nat type symmetric ||
	tap_fail "instances set to symmetric"

sym_fails() {
	rendezvous 42001 42002 || return 1
	# two handshake attempts (one every 5 s) from each side
	if ping_b 6; then
		echo "A pinged B through two symmetric NATs"
		return 1
	fi
	[ "$(handshake "$PT_HA" wg0 b)" = 0 ] && [ "$(handshake "$PT_HB" wg0 a)" = 0 ] ||
		{ echo "a handshake between A and B completed"; return 1; }
}
tap_check "symmetric x symmetric: no handshake and no ping between A and B" sym_fails

# The static mapping is arranged before host B talks to anyone: the
# endpoint R sees, and tells A about, is then the static one. It gives B's
# port one external endpoint for every remote and lets every remote in, so
# the new port router A gives host A towards B gets through.
sym_static() {
	local seen_a
	"$natctl" -n "$PT_RB" mapping add instance nat proto udp \
		internal 10.0.2.2:44002 external 198.51.100.2:44002 &&
	rendezvous 44001 44002 || return 1
	ping_b 20 || { echo "no ping from 10.99.0.1 to 10.99.0.2"; return 1; }
	seen_a=$(endpoint "$PT_HB" wg0 a)
	echo "# with the static mapping: B's endpoint for A: $seen_a, A's for B: $(endpoint "$PT_HA" wg0 b)" >&3
	[ "${seen_a%:*}" = 198.51.100.1 ] && [ "$(endpoint "$PT_HA" wg0 b)" = 198.51.100.2:44002 ] ||
		{ echo "A and B do not talk between the routers' external addresses"; return 1; }
}
tap_check "symmetric x symmetric, a static mapping for B's port on router B: A pings B over WireGuard" \
	sym_static

tap_done
