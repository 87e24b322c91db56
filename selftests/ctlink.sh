#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The link between a mapping and its conntrack entries, seen from the
# router's conntrack table and from the hosts:
#  - removing a mapping ends exactly its own entries: a TCP connection
#    through a static mapping on port 80, outside the instance's port range,
#    goes with "mapping del";
#  - and nobody else's: a flow that nftables masquerades on the same device
#    and address survives conenat's cleanups, even on the external port one
#    of conenat's mappings holds (for another remote);
#  - TCP: a mapping lives tcp-timeout while a connection through it is
#    established, and tcp-transitory-timeout once the last one has closed;
#  - the entries carry nothing of conenat's (no helper); an entry removed
#    with conntrack -D is forgotten, and after "mapping del" the others are
#    gone and the external endpoint is free for a static mapping of another
#    internal endpoint.
#
#   inside (in)              router (rt)                      outside (out)
#  +-------------+        +-----------------------------+        +---------------+
#  | 10.0.1.2    |--veth--| lan 10.0.1.1                |        | 198.51.100.10 |
#  | 10.0.1.3    |        | wan 198.51.100.1  "home"    |--veth--| tcp echo :4000|
#  | tcp :8080   |        | (10.0.1.2 only; nftables    |        |               |
#  +-------------+        |  masquerades 10.0.1.3)      |        +---------------+
#                         +-----------------------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
n_in=cn-cl-in-$sfx
n_rt=cn-cl-rt-$sfx
n_out=cn-cl-out-$sfx
tmp=$(mktemp -d)

cleanup() {
	local n
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

nc() {
	"$natctl" -n "$n_rt" "$@"
}

# ct ARGS...: the router's conntrack entries (conntrack -L filters).
ct() {
	ip netns exec "$n_rt" conntrack -L "$@" 2>/dev/null
}

setup() {
	local n
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add clv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name clv1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev clv0 &&
	ip -n "$n_in" addr add 10.0.1.3/24 dev clv0 &&
	ip -n "$n_in" link set clv0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 \
		net.netfilter.nf_conntrack_udp_timeout=600 \
		net.netfilter.nf_conntrack_udp_timeout_stream=600 &&
	ip -n "$n_out" addr add 198.51.100.10/24 dev clv1 &&
	ip -n "$n_out" link set clv1 up || return 1
	ip netns exec "$n_rt" nft -f - <<-EOF || return 1
	table ip other {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "wan" ip saddr 10.0.1.3 masquerade
		}
	}
	EOF
	ip netns exec "$n_out" socat TCP4-LISTEN:4000,fork,reuseaddr \
		SYSTEM:cat >/dev/null 2>&1 &
	ip netns exec "$n_in" socat TCP4-LISTEN:8080,fork,reuseaddr \
		SYSTEM:cat >/dev/null 2>&1 &
	ip netns exec "$n_out" socat -u UDP4-RECV:4001,reuseaddr /dev/null \
		>/dev/null 2>&1 &
	ip netns exec "$n_out" socat -u UDP4-RECV:4002,reuseaddr /dev/null \
		>/dev/null 2>&1 &
	wait_for 20 sh -c "ip netns exec $n_out ss -tln | grep -q ':4000 '" &&
	wait_for 20 sh -c "ip netns exec $n_in ss -tln | grep -q ':8080 '" &&
	wait_for 20 sh -c "ip netns exec $n_out ss -uln | grep -q ':4001 '" &&
	wait_for 20 sh -c "ip netns exec $n_out ss -uln | grep -q ':4002 '" ||
		{ echo "socat did not come up"; return 1; }
	"$natctl" -n "$n_rt" instance add home dev wan internal 10.0.1.2/32
}

# udp_from ADDR PORT [DPORT]: one datagram from ADDR:PORT inside to the
# outside's DPORT (4001).
udp_from() {
	ip netns exec "$n_in" socat -u - \
		"UDP4-SENDTO:198.51.100.10:${3:-4001},bind=$1:$2,reuseaddr" <<<"x" 2>/dev/null
}

# expires ADDR:PORT: seconds left of the internal endpoint's TCP mapping.
expires() {
	nc -j mapping get instance home proto tcp internal "$1" | jq -r '.[0].expires'
}

static_outside_range() {
	local pid
	nc mapping add instance home proto tcp internal 10.0.1.2:8080 \
		external :80 || return 1
	# a connection from the outside, held open by its sender
	(echo hello; sleep 30) | ip netns exec "$n_out" socat - \
		TCP4:198.51.100.1:80 >"$tmp/fwd.out" 2>&1 &
	pid=$!
	wait_for 10 grep -q hello "$tmp/fwd.out" ||
		{ echo "nothing came back through the forward"; kill "$pid"; return 1; }
	ct -p tcp --orig-port-dst 80 | grep -q ESTABLISHED ||
		{ echo "no established entry"; ct -p tcp; kill "$pid"; return 1; }
	nc mapping del instance home proto tcp external 198.51.100.1:80 || return 1
	if ct -p tcp --orig-port-dst 80 | grep -q '^tcp'; then
		echo "the entry outlived its mapping:"
		ct -p tcp --orig-port-dst 80
		kill "$pid"
		return 1
	fi
	kill "$pid" 2>/dev/null
	return 0
}

others_kept() {
	udp_from 10.0.1.3 5555 || return 1
	udp_from 10.0.1.2 5556 || return 1
	wait_for 10 sh -c "ip netns exec $n_rt conntrack -L -p udp --orig-src 10.0.1.3 2>/dev/null | grep -q 'dport=5555'" ||
		{ echo "nftables did not masquerade 10.0.1.3"; ct -p udp; return 1; }
	# translated to conenat's address, in its port range
	ct -p udp --orig-src 10.0.1.3 | grep -q 'dst=198.51.100.1 sport=4001 dport=5555' ||
		{ ct -p udp; return 1; }
	# conenat cleans conntrack after removing its own mapping
	nc mapping del instance home proto udp internal 10.0.1.2:5556 || return 1
	[ "$(ct -p udp --orig-src 10.0.1.2 --orig-port-src 5556 | grep -c '^udp')" -eq 0 ] ||
		{ echo "conenat's own entry stayed"; ct -p udp; return 1; }
	ct -p udp --orig-src 10.0.1.3 | grep -q 'sport=5555' ||
		{ echo "conenat removed the entry nftables made:"; ct -p udp; return 1; }
}

# same_port: conenat's mapping of 10.0.1.2:5570 holds :5570; nftables
# masquerades 10.0.1.3:5570 (to another remote port) to :5570 as well.
# conenat's cleanup after another mapping goes must leave that entry alone.
same_port() {
	udp_from 10.0.1.2 5570 || return 1
	wait_for 10 sh -c "ip netns exec $n_rt conntrack -L -p udp --orig-src 10.0.1.2 --orig-port-src 5570 2>/dev/null | grep -q 'dport=5570 '" ||
		{ echo "conenat did not keep port 5570"; ct -p udp; return 1; }
	udp_from 10.0.1.3 5570 4002 || return 1
	wait_for 10 sh -c "ip netns exec $n_rt conntrack -L -p udp --orig-src 10.0.1.3 --orig-port-src 5570 2>/dev/null | grep -q 'dport=5570 '" ||
		{ echo "nftables did not masquerade 10.0.1.3:5570 to :5570"; ct -p udp; return 1; }
	udp_from 10.0.1.2 5571 || return 1
	nc mapping del instance home proto udp internal 10.0.1.2:5571 || return 1
	ct -p udp --orig-src 10.0.1.3 --orig-port-src 5570 | grep -q '^udp' ||
		{ echo "conenat removed the entry nftables made on :5570:"; ct -p udp; return 1; }
	ct -p udp --orig-src 10.0.1.2 --orig-port-src 5570 | grep -q '^udp' ||
		{ echo "conenat removed its own live mapping's entry:"; ct -p udp; return 1; }
}

tcp_timers() {
	local pid e
	# the connection stays open until the test closes its input
	mkfifo "$tmp/tcp.in" || return 1
	ip netns exec "$n_in" socat - \
		TCP4:198.51.100.10:4000,bind=10.0.1.2:6100,reuseaddr \
		<"$tmp/tcp.in" >"$tmp/tcp.out" 2>&1 &
	pid=$!
	exec 5>"$tmp/tcp.in"
	echo hi >&5
	wait_for 20 grep -q hi "$tmp/tcp.out" ||
		{ echo "no echo"; exec 5>&-; return 1; }
	e=$(expires 10.0.1.2:6100) || { exec 5>&-; return 1; }
	[ "$e" -gt 7000 ] ||
		{ echo "established: mapping expires in $e s, want tcp-timeout 7440"; exec 5>&-; return 1; }
	# end of input: socat closes the connection, both ways
	exec 5>&-
	wait "$pid"
	wait_for 20 sh -c "ip netns exec $n_rt conntrack -L -p tcp --orig-port-src 6100 2>/dev/null | grep -q TIME_WAIT" ||
		{ echo "the connection did not close"; ct -p tcp; return 1; }
	e=$(expires 10.0.1.2:6100) || return 1
	[ "$e" -le 240 ] ||
		{ echo "closed: mapping expires in $e s, want tcp-transitory-timeout 240"; return 1; }
}

# no_trace: the entries carry nothing of conenat's (no helper: a flowtable
# may take them); one that conntrack -D removed is forgotten, "mapping del"
# ends the others, and the endpoint is free again for another internal
# endpoint at once.
no_trace() {
	local port
	udp_from 10.0.1.2 5560 4001 && udp_from 10.0.1.2 5560 4002 &&
		udp_from 10.0.1.2 5560 4003 || return 1
	wait_for 10 sh -c "[ \$(ip netns exec $n_rt conntrack -L -p udp --orig-port-src 5560 2>/dev/null | grep -c '^udp') = 3 ]" ||
		{ echo "not three entries"; ct -p udp; return 1; }
	if ct -p udp --orig-port-src 5560 | grep -q helper=; then
		echo "an entry carries a helper:"; ct -p udp --orig-port-src 5560; return 1
	fi
	port=$(nc -j mapping get instance home proto udp internal 10.0.1.2:5560 |
		jq -r '.[0].external_port') || return 1
	ip netns exec "$n_rt" conntrack -D -p udp --orig-port-src 5560 \
		--orig-port-dst 4002 >/dev/null 2>&1 || return 1
	nc mapping del instance home proto udp internal 10.0.1.2:5560 || return 1
	[ "$(ct -p udp --orig-port-src 5560 | grep -c '^udp')" -eq 0 ] ||
		{ echo "entries outlived their mapping:"; ct -p udp; return 1; }
	nc mapping add instance home proto udp internal 10.0.1.2:5561 \
		external ":$port" || { echo "external :$port still taken"; return 1; }
	udp_from 10.0.1.2 5561 || return 1
	wait_for 10 sh -c "ip netns exec $n_rt conntrack -L -p udp --orig-port-src 5561 2>/dev/null | grep -q 'dport=$port '" ||
		{ echo "10.0.1.2:5561 did not leave from :$port"; ct -p udp; return 1; }
	nc mapping del instance home proto udp internal 10.0.1.2:5561
}

# instance_gone: deleting the instance leaves no mapping held (the kernel
# warns when one is).
instance_gone() {
	local before
	before=$(dmesg | wc -l)
	nc instance del home || return 1
	if dmesg | tail -n +"$((before + 1))" | grep -E 'WARNING|BUG'; then
		return 1
	fi
}

tap_begin
for tool in jq nft socat conntrack; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "conntrack link: $tool missing (scripts/deps.sh)"
		tap_done
		exit 1
	fi
done
if ! setup >"$tmp/setup.log" 2>&1; then
	sed 's/^/# /' "$tmp/setup.log"
	tap_fail "topology set up"
	tap_done
	exit 1
fi

tap_check "mapping del ends a TCP connection through a static mapping on port 80, outside the range" \
	static_outside_range
tap_check "conenat's cleanup leaves alone a flow nftables masqueraded to its address and range" \
	others_kept
tap_check "conenat's cleanup leaves alone a masqueraded flow on the port of one of its mappings" \
	same_port
tap_check "TCP mapping: tcp-timeout while established, tcp-transitory-timeout once closed" \
	tcp_timers
tap_check "the entries carry no helper; one conntrack -D removed is forgotten, mapping del ends the others, the endpoint is free at once" \
	no_trace
tap_check "the instance goes with no reference left (no kernel warning)" \
	instance_gone
tap_done
