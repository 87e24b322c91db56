#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Software flow offload beside conenat (issue 15, point 4): the router has an
# nftables flowtable on both devices and a forward chain that adds every TCP
# and UDP flow to it, as a router tuned for throughput has. Seen on the wire,
# in conntrack and in natctl monitor:
#  - the flowtable works: a flow conenat does not map (10.0.1.200, outside
#    the instance's internal prefix, masqueraded) is offloaded;
#  - a UDP conversation of 10.0.1.2, one exchange every half second for
#    more than twice udp-timeout, is offloaded and keeps its one mapping:
#    every answer comes back from the outside, monitor shows it created
#    once and never expired, and the outside sees one source endpoint
#    throughout; once the conversation is quiet, the flowtable lets the
#    flow go and the mapping expires;
#  - the same for a TCP connection kept busy past tcp-timeout, which
#    expires once it is idle.
# The flowtable keeps an idle flow nf_flowtable_*_timeout (30 s by default;
# 2 s here), and conenat sees no packet of an offloaded flow: the mapping's
# timer starts from the flow's last packet once the flowtable gave it back.
#
#   inside (in)             router (rt)                      outside (out)
#  +--------------+       +------------------------------+       +-------------------+
#  | 10.0.1.2     |--veth-| lan 10.0.1.1                 |--veth-| 198.51.100.10     |
#  | 10.0.1.200   |       | wan 198.51.100.1             |       | udp :7000 echo    |
#  +--------------+       | flowtable on lan and wan     |       | tcp :7001 echo    |
#                         | masquerade on wan            |       +-------------------+
#                         | conenat "home"               |
#                         |   port-restricted-cone,      |
#                         |   internal 10.0.1.0/25       |
#                         +------------------------------+
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
sfx=$$
n_in=cn-of-in-$sfx
n_rt=cn-of-rt-$sfx
n_out=cn-of-out-$sfx
tmp=$(mktemp -d)
mon_pid=

# the timers: a conversation lasts CONV seconds, past twice each timeout;
# the flowtable keeps an idle flow FT_TIMEOUT seconds
UDP_TIMEOUT=4
TCP_TIMEOUT=4
CONV=10
FT_TIMEOUT=2

cleanup() {
	[ -n "$mon_pid" ] && kill "$mon_pid" 2>/dev/null
	netns_del_all "$n_in" "$n_rt" "$n_out"
	rm -rf "$tmp"
}
trap cleanup EXIT

nc() {
	"$natctl" -n "$n_rt" "$@"
}

# talk.py: a client that keeps a conversation going and reports on it.
#   talk.py udp|tcp SRC DST SECONDS [IDLE]: one line every half second for
#   SECONDS; prints "sent N answered M"; with IDLE (TCP), then keeps the
#   connection open and silent for IDLE seconds and prints "idle done".
#   serve.py udp|tcp BIND: echoes each line, prefixed with the sender's
#   endpoint, and logs that endpoint.
write_tools() {
	cat >"$tmp/talk.py" <<-'EOF'
	import socket, sys, time
	proto, src, dst, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
	idle = float(sys.argv[5]) if len(sys.argv) > 5 else 0
	def ep(s):
	    a, p = s.rsplit(":", 1)
	    return (a, int(p))
	kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
	s = socket.socket(socket.AF_INET, kind)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(ep(src))
	s.settimeout(2)
	if proto == "tcp":
	    s.connect(ep(dst))
	sent = answered = 0
	end = time.monotonic() + secs
	buf = b""
	while time.monotonic() < end:
	    msg = b"m%d\n" % sent
	    if proto == "udp":
	        s.sendto(msg, ep(dst))
	    else:
	        s.sendall(msg)
	    sent += 1
	    try:
	        if proto == "udp":
	            data, _ = s.recvfrom(2048)
	            answered += 1
	        else:
	            while b"\n" not in buf:
	                chunk = s.recv(2048)
	                if not chunk:
	                    raise OSError("closed")
	                buf += chunk
	            buf = buf.split(b"\n", 1)[1]
	            answered += 1
	    except (socket.timeout, OSError):
	        pass
	    time.sleep(0.5)
	print("sent %d answered %d" % (sent, answered), flush=True)
	if idle:
	    time.sleep(idle)
	    print("idle done", flush=True)
	EOF
	cat >"$tmp/serve.py" <<-'EOF'
	import socket, sys, threading
	proto, bind = sys.argv[1], sys.argv[2]
	a, p = bind.rsplit(":", 1)
	log = open(sys.argv[3], "a", buffering=1)
	if proto == "udp":
	    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    s.bind((a, int(p)))
	    log.write("ready\n")
	    while True:
	        data, peer = s.recvfrom(2048)
	        log.write("%s:%d\n" % peer)
	        s.sendto(b"%s:%d " % (peer[0].encode(), peer[1]) + data, peer)
	else:
	    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	    s.bind((a, int(p)))
	    s.listen(8)
	    log.write("ready\n")
	    def serve(c, peer):
	        f = c.makefile("rb")
	        for line in f:
	            log.write("%s:%d\n" % peer)
	            c.sendall(line)
	    while True:
	        c, peer = s.accept()
	        threading.Thread(target=serve, args=(c, peer), daemon=True).start()
	EOF
}

setup() {
	local n
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add ofv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name ofv1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev ofv0 &&
	ip -n "$n_in" addr add 10.0.1.200/24 dev ofv0 &&
	ip -n "$n_in" link set ofv0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec "$n_rt" sysctl -qw \
		net.netfilter.nf_flowtable_udp_timeout="$FT_TIMEOUT" \
		net.netfilter.nf_flowtable_tcp_timeout="$FT_TIMEOUT" &&
	ip -n "$n_out" addr add 198.51.100.10/24 dev ofv1 &&
	ip -n "$n_out" link set ofv1 up || return 1
	ip netns exec "$n_rt" nft -f - <<-'EOF' || return 1
	table inet fast {
		flowtable f {
			hook ingress priority 0; devices = { lan, wan };
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			meta l4proto { tcp, udp } flow add @f
		}
		chain srcnat {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "wan" masquerade
		}
	}
	EOF
	write_tools
	ip netns exec "$n_out" python3 "$tmp/serve.py" udp 198.51.100.10:7000 \
		"$tmp/udp.log" >/dev/null 2>&1 &
	ip netns exec "$n_out" python3 "$tmp/serve.py" tcp 198.51.100.10:7001 \
		"$tmp/tcp.log" >/dev/null 2>&1 &
	wait_for 20 grep -q ready "$tmp/udp.log" &&
	wait_for 20 grep -q ready "$tmp/tcp.log" ||
		{ echo "the servers did not come up"; return 1; }
	nc instance add home dev wan type port-restricted-cone \
		internal 10.0.1.0/25 udp-timeout "$UDP_TIMEOUT" \
		tcp-timeout "$TCP_TIMEOUT" tcp-transitory-timeout "$TCP_TIMEOUT" ||
		return 1
	nc -j monitor mapping instance home >"$tmp/monitor.out" 2>&1 &
	mon_pid=$!
	sleep 1
}

# events PROTO PORT EVENT: how many EVENT events monitor printed for the
# mapping of 10.0.1.2:PORT
events() {
	jq -s "[.[] | select(.event == \"$3\" and .proto == \"$1\" and
		.internal_addr == \"10.0.1.2\" and .internal_port == $2)] | length" \
		"$tmp/monitor.out"
}

# offloaded ARGS...: whether conntrack lists an offloaded entry (conntrack -L
# filters)
offloaded() {
	ip netns exec "$n_rt" conntrack -L "$@" 2>/dev/null | grep -q OFFLOAD
}

# the flowtable takes what it may: a masqueraded UDP flow is offloaded.
# Looked at while the conversation goes on: once it is quiet the flowtable
# gives it back after FT_TIMEOUT, which a slow kernel's conntrack -L outlasts.
t_flowtable_works() {
	local got
	ip netns exec "$n_in" python3 "$tmp/talk.py" udp 10.0.1.200:6200 \
		198.51.100.10:7000 4 >"$tmp/masq.out" 2>&1 &
	sleep 2
	offload_seen -p udp --orig-src 10.0.1.200 || echo unoffloaded >"$tmp/masq.bad"
	wait $!
	got=$(cat "$tmp/masq.out")
	[ "$got" = "sent 8 answered 8" ] ||
		{ echo "masqueraded conversation: '$got'"; return 1; }
	nc mapping get instance home proto udp internal 10.0.1.200:6200 \
		>/dev/null 2>&1 &&
		{ echo "conenat mapped 10.0.1.200, outside its prefix"; return 1; }
	[ ! -e "$tmp/masq.bad" ] || { cat "$tmp/notes"; return 1; }
}

# mapping_kept PROTO PORT: one created, no expired event for 10.0.1.2:PORT,
# and the outside saw a single source endpoint
mapping_kept() {
	local created expired srcs
	# first: the mapping's timer runs from the conversation's last packet
	nc mapping get instance home proto "$1" internal "10.0.1.2:$2" >/dev/null ||
		{ echo "no mapping for $1 10.0.1.2:$2 right after the conversation"; return 1; }
	created=$(events "$1" "$2" created)
	expired=$(events "$1" "$2" expired)
	[ "$created" = 1 ] && [ "$expired" = 0 ] ||
		{ echo "$1 10.0.1.2:$2: $created created, $expired expired events while busy:"
		  cat "$tmp/monitor.out"; return 1; }
	srcs=$(grep '^198\.51\.100\.1:' "$tmp/$1.log" | sort -u)
	[ "$(printf '%s\n' "$srcs" | wc -l)" = 1 ] ||
		{ echo "the outside saw several sources: $srcs"; return 1; }
}

# expires_quiet PROTO PORT TIMEOUT: the expired event follows within the
# flowtable's timeout, the mapping's and a few seconds of the GC's
expires_quiet() {
	wait_for $(($3 + FT_TIMEOUT + 4)) sh -c "[ \"\$(jq -s '[.[] | select(.event == \"expired\" and
		.proto == \"$1\" and .internal_port == $2)] | length' $tmp/monitor.out)\" = 1 ]" ||
		{ echo "$1 10.0.1.2:$2 did not expire once quiet:"; cat "$tmp/monitor.out"; return 1; }
	! nc mapping get instance home proto "$1" internal "10.0.1.2:$2" \
		>/dev/null 2>&1 ||
		{ echo "$1 10.0.1.2:$2 is still listed after its expired event"; return 1; }
}

# offload_seen ARGS...: whether the flow is offloaded now; notes why not
offload_seen() {
	offloaded "$@" && return 0
	echo "the flow ($*) is not offloaded:" >>"$tmp/notes"
	ip netns exec "$n_rt" conntrack -L "$@" >>"$tmp/notes" 2>&1
	return 1
}

t_udp() {
	local got want=$((CONV * 2))
	: >"$tmp/udp.log"
	ip netns exec "$n_in" python3 "$tmp/talk.py" udp 10.0.1.2:6010 \
		198.51.100.10:7000 "$CONV" >"$tmp/udp.out" 2>&1 &
	sleep $((CONV / 2))
	offload_seen -p udp --orig-src 10.0.1.2 --orig-port-src 6010 ||
		echo unoffloaded >"$tmp/udp.bad"
	wait $!
	[ ! -e "$tmp/udp.bad" ] || { cat "$tmp/notes"; return 1; }
	got=$(cat "$tmp/udp.out")
	[ "$got" = "sent $want answered $want" ] ||
		{ echo "UDP conversation of ${CONV} s: '$got'"; return 1; }
	mapping_kept udp 6010 && expires_quiet udp 6010 "$UDP_TIMEOUT"
}

t_tcp() {
	local got want=$((CONV * 2)) pid
	: >"$tmp/tcp.log"
	ip netns exec "$n_in" python3 "$tmp/talk.py" tcp 10.0.1.2:6011 \
		198.51.100.10:7001 "$CONV" $((TCP_TIMEOUT + FT_TIMEOUT + 8)) \
		>"$tmp/tcp.out" 2>&1 &
	pid=$!
	sleep $((CONV / 2))
	offload_seen -p tcp --orig-src 10.0.1.2 --orig-port-src 6011 ||
		{ cat "$tmp/notes"; kill "$pid"; return 1; }
	wait_for $((CONV + 5)) grep -q '^sent' "$tmp/tcp.out"
	got=$(head -n1 "$tmp/tcp.out")
	[ "$got" = "sent $want answered $want" ] ||
		{ echo "TCP conversation of ${CONV} s: '$got'"; kill "$pid"; return 1; }
	mapping_kept tcp 6011 || { kill "$pid"; return 1; }
	# idle, the connection still open: tcp-timeout ends the mapping
	expires_quiet tcp 6011 "$TCP_TIMEOUT" || { kill "$pid"; return 1; }
	wait "$pid"
}

tap_begin
for tool in python3 nft jq conntrack; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "flow offload: $tool missing (scripts/deps.sh)"
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

tap_check "flow offload: the flowtable offloads a masqueraded flow" t_flowtable_works
tap_check "flow offload: a UDP conversation past twice udp-timeout is offloaded and keeps one mapping (one created, no expired, one source), which expires once quiet" t_udp
tap_check "flow offload: a TCP connection busy past twice tcp-timeout is offloaded and keeps one mapping, which expires once idle" t_tcp
tap_done
