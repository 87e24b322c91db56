#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark itself, run inside the qemu guest by bench/run.sh (through
# selftests/vm/run-vm.sh). It prints its results on the console, one
# "BENCH key=value ..." line per measurement, between the marker lines
# @@BENCH-BEGIN@@ and @@BENCH-END@@; run.sh extracts and reports them.
#
#   inside (bin)                 router (brt)                      outside (bout)
#  +-------------+        +-------------------------------+        +----------------+
#  | 10.0.1.2    |--veth--| lan 10.0.1.1                  |        |                |
#  | inv         |        | wan 198.51.100.1  (NAT here)  |--veth--| outv           |
#  | udpgen/sink |        | pool 203.0.113.1-32 (scale)   |        | 198.51.100.2   |
#  +-------------+        +-------------------------------+        | udpsink/gen    |
#                                                                   +----------------+
#
# The router runs every configuration side by side, interleaved (A B C A B C
# ...): ceiling (forwarding with conntrack, no NAT), nftables masquerade, and
# conenat with each of its four presets. Every configuration has the same nft
# forward rule (ct state ... accept), so they differ by the NAT alone. The
# receiving device drops IPv4 at ingress (tc) after the sink's packet socket
# has counted it: the receiving stack does no work.
#
# Arguments: KEY=VALUE settings (see "settings" below), e.g. QUICK=1.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
natctl=$top/userspace/natctl
gen=$top/bench/udpgen
sink=$top/bench/udpsink
ko=$top/kmod/conenat.ko

# --- settings ---------------------------------------------------------------

QUICK=0 MODE=wallclock
for arg in "$@"; do
	case $arg in
	QUICK=*) QUICK=${arg#QUICK=} ;;
	MODE=*) MODE=${arg#MODE=} ;;
	esac
done
case $MODE in
wallclock | icount) ;;
*)
	echo "guest.sh: MODE=$MODE: want wallclock or icount" >&2
	exit 2
	;;
esac
# EST_PKTS: an established run measures exactly this many packets (0: for
# EST_DUR seconds). BG_N, BG_WINDOW: the background test's static mappings
# and how many seconds of guest time its reading lasts (BG_N=0: no test).
# YIELD=1: udpgen gives the CPU up after every batch (--yield). QUIESCE:
# seconds between emptying conntrack and a run, for the work the last run
# left behind (RCU frees of its conntrack entries and mappings).
EST_PKTS=0 BG_N=0 BG_WINDOW=10 YIELD=0 QUIESCE=0 HASH_BUCKETS=131072 EST_REPS=0
if [ "$MODE" = icount ]; then
	# One vCPU under instruction counting (run.sh boots it so): a rate in
	# guest time is the inverse of the instructions the whole path costs,
	# and repeats, so one repetition is enough. Established runs are a
	# fixed number of packets, thousands of sendmmsg batches long. Scale
	# and the control path are wall-clock questions (two CPUs, contention):
	# the wall-clock mode measures them. Except that an established
	# packet's NAT cost (about 800 ns) is the difference of two figures
	# near 24 000 ns, and a run's figure moves by up to 0.15 % with what
	# else the guest happens to do in it (timers): 4 % of the NAT cost.
	# Established runs are repeated three times, interleaved, and the
	# median counts.
	if [ "$QUICK" = 1 ]; then
		REPS=1 EST_PKTS=20000 EST_DUR=900 WARMUP=0.2 FLOWS=256 NEW_MAX=5000
		NEW_DUR=900 FANOUT="1000 2000" SCALE="" CTL_N=0 SETTLE=0.2 CT_LIVE=0
		BG_N=20000 BG_WINDOW=2
	else
		REPS=1 EST_REPS=3 EST_PKTS=200000 EST_DUR=900 WARMUP=0.5 FLOWS=256
		NEW_MAX=60000
		NEW_DUR=900 FANOUT="1000 10000 50000" SCALE="" CTL_N=0 SETTLE=1
		CT_LIVE=0 BG_N=1000000 BG_WINDOW=10
	fi
	GEN_CPU=0 SINK_CPU=0 ROUTER_CPU=0
	TESTS="est new fanout bg"
	# The generator shares the CPU with the router: without a yield
	# after each batch it may run ahead while ksoftirqd holds the
	# router's packets, which are then processed in a burst, more
	# cheaply per packet than one at a time; which of the two a run
	# gets would change its figures by up to 40 %. And the frees of the
	# last run's 60 000 conntrack entries and mappings, and conenat's GC
	# reaping a deleted instance's peers (8 192 an eighth of a second),
	# must not land in the next one (a short fan-out took up to 40 %
	# longer when they did): with sleep=off the guest clock jumps over
	# idle time, so three seconds of quiet cost no wall-clock time.
	YIELD=1 QUIESCE=3
elif [ "$QUICK" = 1 ]; then
	# a smoke test: every figure once, short, small
	REPS=1 EST_DUR=0.3 WARMUP=0.2 FLOWS=256 NEW_MAX=2000 NEW_DUR=900
	FANOUT="1000" SCALE="1000 5000" CTL_N=2000 SETTLE=0.2 CT_LIVE=1000
else
	# NEW_DUR only bounds a burst: every flow of it is sent, at the pace
	# the router takes them (udpgen's socket buffer fills up)
	REPS=5 EST_DUR=2 WARMUP=0.5 FLOWS=256 NEW_MAX=60000 NEW_DUR=900
	FANOUT="1000 10000 50000" SCALE="1000 65000 1000000" CTL_N=100000 SETTLE=1
	CT_LIVE=20000
fi
CONFIGS="ceiling masquerade full-cone restricted-cone port-restricted-cone symmetric"
if [ "$MODE" = wallclock ]; then
	# CPUs: the generator and the sink share CPU 0; the router's
	# forwarding runs on CPU 1 (RPS on its inside device), like a router
	# with a core of its own.
	GEN_CPU=0 SINK_CPU=0 ROUTER_CPU=1
	TESTS="est new fanout"
fi
for arg in "$@"; do
	case $arg in
	REPS=* | EST_DUR=* | WARMUP=* | FLOWS=* | NEW_MAX=* | NEW_DUR=* | \
	FANOUT=* | SCALE=* | CTL_N=* | CONFIGS=* | TESTS=* | GEN_CPU=* | \
	SINK_CPU=* | ROUTER_CPU=* | SETTLE=* | CT_LIVE=* | QUICK=* | MODE=* | \
	EST_PKTS=* | BG_N=* | BG_WINDOW=* | YIELD=* | QUIESCE=* | HASH_BUCKETS=* | \
	EST_REPS=*)
		# lists may be given with commas: SCALE=1000,65000
		arg=${arg%%=*}=$(echo "${arg#*=}" | tr ',' ' ')
		declare "$arg"
		;;
	*)
		echo "guest.sh: unknown setting $arg" >&2
		exit 2
		;;
	esac
done
[ "$EST_REPS" -ge "$REPS" ] || EST_REPS=$REPS

in=bin rt=brt out=bout ctl=bctl
tmp=$(mktemp -d /tmp/bench.XXXXXX)
mkfifo "$tmp/sink.fifo"
NAT_INSTANCE=bench
run_id=0
t_begin=${EPOCHREALTIME/[.,]/}000

cleanup() {
	ip netns del "$in" 2>/dev/null
	ip netns del "$rt" 2>/dev/null
	ip netns del "$out" 2>/dev/null
	ip netns del "$ctl" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# emit KEY=VALUE...: one result line
emit() {
	echo "BENCH $*"
}

info() {
	echo "# $*"
}

elapsed_s() { # since t_begin
	echo $((($(now_ns) - t_begin) / 1000000000))
}

now_ns() { # bash's own clock: no process
	local t=${EPOCHREALTIME/[.,]/}
	echo "${t}000"
}

fail() {
	echo "guest.sh: $*" >&2
	emit "test=error what=$(echo "$*" | tr ' =' '_:')"
	echo "@@BENCH-END@@"
	exit 1
}

# --- the guest ----------------------------------------------------------------

echo "@@BENCH-BEGIN@@"
mods="nf_conntrack nf_nat nf_conntrack_netlink nft_masq nft_ct cls_matchall act_gact sch_ingress"
# shellcheck disable=SC2086 # a list
modprobe -a $mods || fail "modprobe -a $mods"
# conntrack's table must hold every flow of a run (the largest: a new-flow
# or fan-out burst) without evicting: a full table would be measured
# instead. Its 131072 buckets are sized ahead and never grow; conenat's
# tables are sized the same (hash_buckets, the most they can be sized
# ahead), so that a burst of new flows measures the NAT and not the
# growth of tables sized for a small router (8192 buckets by default:
# 800 ns more a new mapping at 60 000, Documentation/benchmarks.md). A
# module loaded already keeps its own; the info line says which.
if ! lsmod | grep -q '^conenat '; then
	modprobe conenat hash_buckets="$HASH_BUCKETS" 2>/dev/null ||
		insmod "$ko" hash_buckets="$HASH_BUCKETS" || fail "load conenat.ko"
fi
sysctl -qw net.netfilter.nf_conntrack_max=524288
echo 131072 >/sys/module/nf_conntrack/parameters/hashsize 2>/dev/null

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
emit "test=info kernel=$(uname -r) guest_cpus=$(nproc) guest_mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)" \
	"guest_cpu=\"$cpu_model\" conenat=$(cat /sys/module/conenat/version 2>/dev/null || echo '?')" \
	"mode=$MODE yield=$YIELD quiesce=$QUIESCE quick=$QUICK reps=$REPS est_reps=$EST_REPS est_dur=$EST_DUR est_pkts=$EST_PKTS bg_n=$BG_N bg_window=$BG_WINDOW flows=$FLOWS new_max=$NEW_MAX fanout=\"$FANOUT\"" \
	"scale=\"$SCALE\" ctl_n=$CTL_N gen_cpu=$GEN_CPU sink_cpu=$SINK_CPU router_cpu=$ROUTER_CPU" \
	"hash_buckets=$(cat /sys/module/conenat/parameters/hash_buckets 2>/dev/null || echo '?')"

# --- helpers ------------------------------------------------------------------

# packets the CPUs' input backlogs dropped (all namespaces)
softnet_drops() {
	local d sum=0
	while read -r _ d _; do
		sum=$((sum + 16#$d))
	done </proc/net/softnet_stat
	echo "$sum"
}

ct_flush() {
	ip netns exec "$rt" conntrack -F >/dev/null 2>&1
}

# conenat's counters for instance NAME in the router, from one natctl call:
# "nat_created=N nat_refusals=N" (refusals: every counter of a flow the
# instance turned away: port_exhausted, host_limit, table_full, nomem,
# in_no_mapping, in_filtered)
nat_counters() {
	local out word prev='' created=0 refused=0
	out=$("$natctl" -n "$rt" -s instance show "$1" 2>/dev/null)
	for word in $out; do
		case $prev in
		mappings_created) created=$word ;;
		port_exhausted | host_limit | table_full | nomem | in_no_mapping | in_filtered)
			refused=$((refused + word)) ;;
		esac
		prev=$word
	done
	echo "nat_created=$created nat_refusals=$refused"
}

# cpu_times: "CPU USER SYSTEM IDLE SOFTIRQ ..." for cpu0 and cpu1 (jiffies)
cpu_times() {
	local name user nice sys idle iowait irq softirq rest
	while read -r name user nice sys idle iowait irq softirq rest; do
		case $name in
		cpu0 | cpu1) echo "$name $((user + nice)) $sys $((idle + iowait)) $((irq + softirq))" ;;
		esac
	done </proc/stat
}

# cpu_share BEFORE AFTER: where each CPU's time went during a run, in
# percent: c0_usr c0_sys c0_idle c0_irq, c1_... ("sys" on the router CPU is
# mostly kernel threads: conenat's GC work, conntrack's), and each CPU's busy
# time in USER_HZ ticks (c0_busy_j, c1_busy_j): the router CPU's busy time
# per forwarded packet is the cost of the configuration, whoever the
# bottleneck was
cpu_share() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		na = split(a, A, " "); split(b, B, " ")
		for (i = 1; i + 4 <= na; i += 5) {
			c = substr(A[i], 4); tot = 0
			for (j = 1; j <= 4; j++) tot += B[i + j] - A[i + j]
			if (tot <= 0) tot = 1
			printf "c%s_usr=%.0f c%s_sys=%.0f c%s_idle=%.0f c%s_irq=%.0f c%s_busy_j=%d ", c,
				100 * (B[i + 1] - A[i + 1]) / tot, c, 100 * (B[i + 2] - A[i + 2]) / tot,
				c, 100 * (B[i + 3] - A[i + 3]) / tot, c, 100 * (B[i + 4] - A[i + 4]) / tot,
				c, tot - (B[i + 3] - A[i + 3])
		}
	}'
}

# measure TEST CFG PARAM REP SINK_NS SINK_DEV GEN_NS GEN_ARGS...: one run of
# udpgen against udpsink; one BENCH line. The sink says "ready" through a
# FIFO once it listens, so nothing polls.
measure() {
	local test=$1 cfg=$2 param=$3 rep=$4 sns=$5 sdev=$6 gns=$7 d0 d1
	local genout sinkout spid sfd line extra='' before='' idle=3000 cpu0='' cpu1=
	shift 7
	# The sink stops at the generator's end marker. A burst may sit in the
	# router's input queue for long (and the forwarded packets queue behind
	# it on the same CPU: their arrival times are taken when the router
	# transmits them, not when the sink reads them), so the sink's idle
	# fallback is long there.
	case $test in
	new | fanout) idle=300000 ;;
	esac
	run_id=$((run_id + 1))
	if [ "$QUIESCE" != 0 ]; then
		ct_flush
		sleep "$QUIESCE"
	fi
	d0=$(softnet_drops)
	[ "$NAT_INSTANCE" = bench ] || before=$(nat_counters "$NAT_INSTANCE")
	"$sink" --netns "$sns" --dev "$sdev" --run "$run_id" \
		--cpu "$SINK_CPU" --ready - --idle "$idle" --max 1800 \
		>"$tmp/sink.fifo" 2>&1 &
	spid=$!
	exec {sfd}<"$tmp/sink.fifo"
	read -r -t 60 line <&"$sfd"
	if [ "$line" = ready ]; then
		cpu0=$(cpu_times)
		# shellcheck disable=SC2046 # one word or none
		genout=$("$gen" --netns "$gns" --flush-conntrack "$rt" \
			--run "$run_id" --cpu "$GEN_CPU" \
			$([ "$YIELD" = 1 ] && echo --yield) "$@" 2>&1)
		cpu1=$(cpu_times)
	else
		genout="sink did not start: $line"
	fi
	wait "$spid"
	sinkout=$(cat <&"$sfd")
	exec {sfd}<&-
	d1=$(softnet_drops)
	# conenat's counters (QUICK leaves them out of short-lived instances:
	# one process less per run)
	case $cfg in
	ceiling | masquerade) ;;
	*)
		if [ -n "$before" ]; then
			# a long-lived instance (scale): the counters' growth
			local c0 r0 c1 r1
			extra=$(nat_counters "$NAT_INSTANCE")
			read -r c0 r0 <<<"$(echo "$before" | tr -c '0-9\n' ' ')"
			read -r c1 r1 <<<"$(echo "$extra" | tr -c '0-9\n' ' ')"
			extra="nat_created=$((c1 - c0)) nat_refusals=$((r1 - r0))"
		elif [ "$QUICK" != 1 ]; then
			extra=$(nat_counters "$NAT_INSTANCE")
		fi
		;;
	esac
	case $sinkout in
	sink\ *) ;;
	*) sinkout="sink_error=$(echo "$sinkout" | tr -s ' =\n' '_:_')" ;;
	esac
	case $genout in
	gen\ *)
		local word prefixed=
		for word in ${genout#gen }; do
			prefixed="$prefixed gen_$word"
		done
		genout=${prefixed# }
		;;
	*) genout="gen_error=$(echo "$genout" | tr -s ' =\n' '_:_')" ;;
	esac
	emit "test=$test cfg=$cfg param=$param rep=$rep ${sinkout#sink } $genout" \
		"backlog_drops=$((d1 - d0)) $extra" \
		"$([ -n "$cpu1" ] && cpu_share "$cpu0" "$cpu1")"
}

# --- topology -----------------------------------------------------------------

# Fixed MAC addresses, so that the neighbours can be set without asking.
MAC_INV=02:00:0a:00:01:02 MAC_LAN=02:00:0a:00:01:01
MAC_WAN=02:00:c6:33:64:01 MAC_OUTV=02:00:c6:33:64:02

setup() {
	local n mask
	for n in "$in" "$rt" "$out"; do
		ip netns add "$n" || return 1
	done
	ip link add inv address "$MAC_INV" netns "$in" type veth \
		peer name lan address "$MAC_LAN" netns "$rt" &&
	ip link add wan address "$MAC_WAN" netns "$rt" type veth \
		peer name outv address "$MAC_OUTV" netns "$out" || return 1
	# neighbours: permanent, so that no resolution runs during a measurement
	ip -n "$in" -b - <<-EOF || return 1
	link set lo up
	addr add 10.0.1.2/24 dev inv
	link set inv up
	route add default via 10.0.1.1
	neigh replace 10.0.1.1 lladdr $MAC_LAN dev inv nud permanent
	EOF
	ip -n "$rt" -b - <<-EOF || return 1
	link set lo up
	addr add 10.0.1.1/24 dev lan
	addr add 198.51.100.1/24 dev wan
	link set lan up
	link set wan up
	neigh replace 10.0.1.2 lladdr $MAC_INV dev lan nud permanent
	neigh replace 198.51.100.2 lladdr $MAC_OUTV dev wan nud permanent
	EOF
	ip -n "$out" -b - <<-EOF || return 1
	link set lo up
	addr add 198.51.100.2/24 dev outv
	link set outv up
	route add default via 198.51.100.1
	neigh replace 198.51.100.1 lladdr $MAC_WAN dev outv nud permanent
	EOF

	# The ends count at a packet socket, then drop IPv4 before their stack.
	for n in "$in:inv" "$out:outv"; do
		tc -n "${n%%:*}" -b - <<-EOF || return 1
		qdisc add dev ${n#*:} clsact
		filter add dev ${n#*:} ingress protocol ip pref 1 matchall action drop
		EOF
	done

	# The router forwards on a CPU of its own, whichever CPU the sender
	# runs on: RPS on both of its devices (a veth has one receive queue).
	# Every configuration has conntrack on, through one stateful forward
	# rule; this shell also turns forwarding on.
	mask=$(printf '%x' $((1 << ROUTER_CPU)))
	ip netns exec "$rt" sh -c "sysctl -qw net.ipv4.ip_forward=1 &&
		echo $mask >/sys/class/net/lan/queues/rx-0/rps_cpus &&
		echo $mask >/sys/class/net/wan/queues/rx-0/rps_cpus &&
		nft -f -" <<-'EOF'
	table inet benchbase {
		chain fwd_ct {
			type filter hook forward priority filter; policy accept;
			ct state established,related,new accept
		}
	}
	EOF
}

cfg_up() {
	case $1 in
	ceiling) ;;
	masquerade)
		ip netns exec "$rt" nft -f - <<-'EOF'
		table ip benchnat {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "wan" masquerade
			}
		}
		EOF
		;;
	*)
		"$natctl" -n "$rt" instance add bench dev wan type "$1"
		;;
	esac
}

# cfg_down CFG: undo cfg_up (udpgen empties conntrack before each run)
cfg_down() {
	case $1 in
	ceiling) ;;
	masquerade) ip netns exec "$rt" nft delete table ip benchnat ;;
	*) "$natctl" -n "$rt" instance del bench ;;
	esac
}

setup || fail "topology set up"

# --- 1. control path: natctl -b vs ip -b ---------------------------------------

# map_lines INSTANCE FROM TO: static mapping lines FROM .. TO-1; mapping i is
# internal 10.0.(1+j).2:(2000+k), external 203.0.113.(1+j):(2000+k) with
# j = i / 60000, k = i % 60000 (60 000 mappings per external address)
map_lines() {
	awk -v inst="$1" -v from="$2" -v to="$3" 'BEGIN {
		for (i = from; i < to; i++) {
			j = int(i / 60000); k = i % 60000
			printf "mapping add instance %s proto udp internal 10.0.%d.2:%d external 203.0.113.%d:%d\n",
				inst, 1 + j, 2000 + k, 1 + j, 2000 + k
		}
	}'
}

control_path() {
	local t0 t1 n rc lines rep
	ip netns add "$ctl" && ip -n "$ctl" link set lo up &&
	ip -n "$ctl" link add wan type dummy && ip -n "$ctl" link set wan up &&
	ip -n "$ctl" addr add 198.51.100.1/24 dev wan &&
	"$natctl" -n "$ctl" instance add ctl dev wan type full-cone \
		external 203.0.113.1-203.0.113.32 || fail "control-path namespace"
	map_lines ctl 0 "$CTL_N" >"$tmp/ctl-maps"
	awk -v n="$CTL_N" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "route add blackhole 10.%d.%d.%d/32\n",
				int(i / 65536) + 1, int(i / 256) % 256, i % 256
	}' >"$tmp/ctl-routes"

	t0=$(now_ns)
	"$natctl" -n "$ctl" -b "$tmp/ctl-maps"
	rc=$?
	t1=$(now_ns)
	emit "test=ctl_add cfg=natctl param=$CTL_N rep=1 status=$rc ns=$((t1 - t0))"
	t0=$(now_ns)
	ip -n "$ctl" -b "$tmp/ctl-routes"
	rc=$?
	t1=$(now_ns)
	emit "test=ctl_add cfg=ip param=$CTL_N rep=1 status=$rc ns=$((t1 - t0))"

	for rep in $(seq $((REPS < 3 ? REPS : 3))); do
		t0=$(now_ns)
		lines=$("$natctl" -n "$ctl" mapping show | wc -l)
		t1=$(now_ns)
		emit "test=ctl_dump cfg=natctl param=$CTL_N rep=$rep lines=$lines ns=$((t1 - t0))"
		t0=$(now_ns)
		lines=$(ip -n "$ctl" route show | wc -l)
		t1=$(now_ns)
		emit "test=ctl_dump cfg=ip param=$CTL_N rep=$rep lines=$lines ns=$((t1 - t0))"
	done
	ip netns del "$ctl"
	rm -f "$tmp/ctl-maps" "$tmp/ctl-routes"
}

if [ "$CTL_N" -gt 0 ]; then
	info "control path ($CTL_N entries), at $(elapsed_s) s"
	control_path
fi

# --- 2. configurations side by side --------------------------------------------

# The input queue (backlog) of the router's CPU: the kernel's default for
# established traffic, which the generator overruns (the drops show the router
# is saturated); large enough for a whole new-flow or fan-out burst, so that
# every flow of it reaches the router and the two halves of a fan-out are
# measured alike.
BACKLOG_DEFAULT=$(cat /proc/sys/net/core/netdev_max_backlog)
backlog() {
	echo "$1" >/proc/sys/net/core/netdev_max_backlog
}

# run_test TEST CFG PARAM REP
run_test() {
	local test=$1 cfg=$2 param=$3 rep=$4
	case $test in
	est) backlog "$BACKLOG_DEFAULT" ;;
	*) backlog $((param + 1000)) ;;
	esac
	case $test in
	est)
		# shellcheck disable=SC2046 # two words or none
		measure est "$cfg" "$param" "$rep" "$out" outv "$in" --mode est \
			--src 10.0.1.2 --dst 198.51.100.2 --sport 2000 --dport 9 \
			--flows "$param" --duration "$EST_DUR" --warmup "$WARMUP" \
			$([ "$EST_PKTS" -gt 0 ] && echo --packets "$EST_PKTS")
		;;
	new)
		measure new "$cfg" "$param" "$rep" "$out" outv "$in" --mode new \
			--src 10.0.1.2 --dst 198.51.100.2 --sport 2000 --dport 9 \
			--flows "$param" --duration "$NEW_DUR"
		;;
	fanout)
		measure fanout "$cfg" "$param" "$rep" "$out" outv "$in" --mode fanout \
			--src 10.0.1.2 --dst 198.51.100.2 --sport 5000 --dport 10000 \
			--flows "$param" --duration "$NEW_DUR"
		;;
	esac
}

for rep in $(seq "$EST_REPS"); do
	info "configurations: repetition $rep of $EST_REPS, at $(elapsed_s) s"
	for test in $TESTS; do
		case $test in
		est) params=$FLOWS ;;
		new) params=$NEW_MAX ;;
		fanout) params=$FANOUT ;;
		*) continue ;;
		esac
		# past REPS, only the established runs are repeated
		[ "$test" = est ] || [ "$rep" -le "$REPS" ] || continue
		for param in $params; do
			for cfg in $CONFIGS; do
				# symmetric NAT to 50 000 remotes from one endpoint takes
				# minutes under emulation (see Documentation/benchmarks.md):
				# the first repetition only
				if [ "$test" = fanout ] && [ "$cfg" = symmetric ] &&
				   [ "$param" -ge 50000 ] && [ "$rep" -gt 1 ]; then
					continue
				fi
				cfg_up "$cfg" || fail "configure $cfg"
				run_test "$test" "$cfg" "$param" "$rep"
				cfg_down "$cfg" || fail "unconfigure $cfg"
			done
		done
	done
done

# --- 3. scale and memory ---------------------------------------------------------

# meminfo FIELD: kB
meminfo() {
	local k v _
	while read -r k v _; do
		[ "$k" = "$1:" ] && { echo "$v"; return; }
	done </proc/meminfo
}

# before reading memory: page cache and reclaimable slab dropped, and time
# for the deferred work (rhashtable resizing, RCU frees) to run
settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep "$SETTLE"
}

slab_attr() { # CACHE ATTR: the first number of a SLUB attribute
	local v=0
	[ -r "/sys/kernel/slab/$1/$2" ] && read -r v _ <"/sys/kernel/slab/$1/$2"
	echo "${v:-0}"
}

# instance_mappings NAME: the live mappings natctl reports for an instance
instance_mappings() {
	local word prev='' n='?'
	for word in $("$natctl" -n "$rt" instance show "$1" 2>/dev/null); do
		[ "$prev" = mappings ] && n=$word
		prev=$word
	done
	echo "$n"
}

# conntrack entries in the router
ct_count() {
	ip netns exec "$rt" cat /proc/sys/net/netfilter/nf_conntrack_count
}

# wait (up to 10 s) until the router's conntrack table is empty: a mapping
# add may walk it
ct_wait_empty() {
	local _
	for _ in $(seq 50); do
		[ "$(ct_count)" = 0 ] && return 0
		sleep 0.2
	done
	info "conntrack not empty: $(ct_count) entries"
}

# The control path under load: 1 000 static mappings added while the router
# holds CT_LIVE conntrack entries (a fan-out burst through the scale
# instance), against the same batch with conntrack empty. Internal
# 10.0.100.2, external 203.0.113.30: outside what the scale batches use.
ct_added_with_conntrack() {
	local live=$CT_LIVE t0 t1 rc n=1000 cnt
	awk -v n=$n 'BEGIN { for (i = 0; i < n; i++)
		printf "mapping add instance scale proto udp internal 10.0.100.2:%d external 203.0.113.30:%d\n", 2000 + i, 2000 + i }' >"$tmp/ctmaps"
	sed 's/^mapping add \(.*\) external .*/mapping del \1/' "$tmp/ctmaps" >"$tmp/ctdels"
	backlog $((live + 1000))
	"$gen" --netns "$in" --flush-conntrack "$rt" --mode fanout --src 10.0.1.2 \
		--dst 198.51.100.2 --sport 7000 --dport 10000 --flows "$live" \
		--duration "$NEW_DUR" --cpu "$GEN_CPU" --run 999999 >/dev/null
	cnt=$(ct_count)
	t0=$(now_ns)
	"$natctl" -n "$rt" -b "$tmp/ctmaps"
	rc=$?
	t1=$(now_ns)
	emit "test=ctl_add_ct cfg=conntrack param=$n rep=1 status=$rc ns=$((t1 - t0)) conntrack=$cnt"
	"$natctl" -n "$rt" -b "$tmp/ctdels" -f
	ct_flush
	ct_wait_empty
	t0=$(now_ns)
	"$natctl" -n "$rt" -b "$tmp/ctmaps"
	rc=$?
	t1=$(now_ns)
	emit "test=ctl_add_ct cfg=empty param=$n rep=1 status=$rc ns=$((t1 - t0)) conntrack=0"
	"$natctl" -n "$rt" -b "$tmp/ctdels" -f
	rm -f "$tmp/ctmaps" "$tmp/ctdels"
}

# add_mappings INSTANCE FROM TO: static mappings FROM .. TO-1 with one
# natctl -b batch, conntrack empty; a map_add line (the batch's rate) and a
# mem line (the kernel memory the batch took) for parameter TO
add_mappings() {
	local inst=$1 have=$2 target=$3 n t0 t1 rc free0 free1 slab0 slab1 vm0 vm1
	local obj0 obj1 live
	n=$((target - have))
	map_lines "$inst" "$have" "$target" >"$tmp/maps"
	ct_flush
	ct_wait_empty
	settle
	free0=$(meminfo MemFree) slab0=$(meminfo Slab) vm0=$(meminfo VmallocUsed)
	obj0=$(slab_attr conenat_mapping objects)
	t0=$(now_ns)
	"$natctl" -n "$rt" -b "$tmp/maps"
	rc=$?
	t1=$(now_ns)
	settle
	free1=$(meminfo MemFree) slab1=$(meminfo Slab) vm1=$(meminfo VmallocUsed)
	# (the batch file lives in tmpfs: removed after the reading)
	rm -f "$tmp/maps"
	obj1=$(slab_attr conenat_mapping objects)
	live=$(instance_mappings "$inst")
	emit "test=map_add cfg=full-cone param=$target rep=1 added=$n status=$rc ns=$((t1 - t0))" \
		"live=$live"
	emit "test=mem cfg=full-cone param=$target rep=1 added=$n conntrack=$(ct_count)" \
		"memfree_kb=$((free0 - free1)) slab_kb=$((slab1 - slab0)) vmalloc_kb=$((vm1 - vm0))" \
		"mapping_obj=$(slab_attr conenat_mapping object_size)" \
		"mapping_slab=$(slab_attr conenat_mapping slab_size)" \
		"objs_per_slab=$(slab_attr conenat_mapping objs_per_slab)" \
		"slab_order=$(slab_attr conenat_mapping order)" \
		"mapping_objects=$((obj1 - obj0))" \
		"mapping_alias=$([ -L /sys/kernel/slab/conenat_mapping ] && readlink /sys/kernel/slab/conenat_mapping | xargs basename || echo none)" \
		"peer_objects=$(slab_attr conenat_peer objects) host_objects=$(slab_attr conenat_host objects)"
}

scale() {
	local have=0 target rep
	NAT_INSTANCE=scale
	"$natctl" -n "$rt" instance add scale dev wan type full-cone \
		external 203.0.113.1-203.0.113.32 || fail "scale instance"
	ip -n "$out" route add 203.0.113.0/24 via 198.51.100.1 ||
		fail "route to the pool"
	ct_added_with_conntrack
	for target in $SCALE; do
		add_mappings scale "$have" "$target"
		have=$target

		backlog "$BACKLOG_DEFAULT"
		for rep in $(seq "$REPS"); do
			measure scale_out full-cone "$target" "$rep" "$out" outv "$in" \
				--mode est --src 10.0.1.2 --dst 198.51.100.2 \
				--sport 2000 --dport 9 --flows "$FLOWS" \
				--duration "$EST_DUR" --warmup "$WARMUP"
			measure scale_in full-cone "$target" "$rep" "$in" inv "$out" \
				--mode est --src 198.51.100.2 --dst 203.0.113.1 \
				--sport 40000 --dport 2000 --sport-step 1 --dport-step 1 \
				--flows "$FLOWS" --duration "$EST_DUR" --warmup "$WARMUP"
		done
	done
	ct_flush
	"$natctl" -n "$rt" instance del scale
	NAT_INSTANCE=bench
}

if [ -n "$SCALE" ]; then
	info "scale: $SCALE mappings, at $(elapsed_s) s"
	scale
fi

# --- 4. background cost -----------------------------------------------------------

# The CPU conenat takes with no traffic at all: guest time spent in conenat's
# work items (the workqueue tracepoints name the function each item runs)
# over BG_WINDOW seconds, first with an instance and no mapping, then with
# BG_N static mappings. With sleep=off the guest clock jumps over idle
# time, so the window costs little wall-clock time; the work items' own
# durations are instructions executed, so what it shows is work done.
tracefs=/sys/kernel/tracing

# bg_measure PARAM: one reading; a "test=bg" line
bg_measure() {
	local p=$1 t0 t1 c0 c1 ev
	echo 0 >"$tracefs/tracing_on"
	: >"$tracefs/trace"
	for ev in workqueue_execute_start workqueue_execute_end; do
		echo 1 >"$tracefs/events/workqueue/$ev/enable" || fail "trace event $ev"
	done
	c0=$(cpu_times)
	t0=$(now_ns)
	echo 1 >"$tracefs/tracing_on"
	sleep "$BG_WINDOW"
	echo 0 >"$tracefs/tracing_on"
	t1=$(now_ns)
	c1=$(cpu_times)
	for ev in workqueue_execute_start workqueue_execute_end; do
		echo 0 >"$tracefs/events/workqueue/$ev/enable"
	done
	# "... 123.456789: workqueue_execute_start: work struct X: function F"
	# then "... workqueue_execute_end: work struct X: function F": the
	# time between them, for every function of the conenat module
	emit "test=bg cfg=full-cone param=$p rep=1 window_ns=$((t1 - t0))" \
		"$(awk '
		{
			for (i = 1; i <= NF; i++)
				if ($i ~ /^[0-9]+\.[0-9]+:$/) { ts = substr($i, 1, length($i) - 1); break }
			if (!match($0, /function [^ ]+/))
				next
			fn = substr($0, RSTART + 9, RLENGTH - 9)
			if (fn !~ /^conenat_/ && $0 !~ /\[conenat\]/)
				next
			w = $0; sub(/.*work struct /, "", w); sub(/:.*/, "", w)
			if ($0 ~ /workqueue_execute_start:/) {
				st[w] = ts
			} else if ($0 ~ /workqueue_execute_end:/ && (w in st)) {
				sum += ts - st[w]; n++; delete st[w]
			}
		}
		END { printf "work_ns=%.0f works=%d", sum * 1e9, n }' "$tracefs/trace")" \
		"$(cpu_share "$c0" "$c1")"
	: >"$tracefs/trace"
}

background() {
	[ -d "$tracefs/events" ] || mount -t tracefs nodev "$tracefs" ||
		fail "tracefs"
	"$natctl" -n "$rt" instance add bg dev wan type full-cone \
		external 203.0.113.1-203.0.113.32 || fail "background instance"
	ct_flush
	settle
	bg_measure 0
	add_mappings bg 0 "$BG_N"
	bg_measure "$BG_N"
	"$natctl" -n "$rt" instance del bg
}

case " $TESTS " in
*" bg "*)
	if [ "$BG_N" -gt 0 ]; then
		info "background: $BG_N static mappings, no traffic, at $(elapsed_s) s"
		background
	fi
	;;
esac

# --- the kernel's word ----------------------------------------------------------

warn=$(dmesg | grep -c -E 'BUG:|WARNING:|Oops|Call Trace|general protection|soft lockup|rcu.*stall')
emit "test=kernel cfg=dmesg warnings=$warn guest_seconds=$(elapsed_s)"
dmesg | grep -E -A12 'BUG:|WARNING:|Oops|Call Trace' | head -n 40 | sed 's/^/# dmesg: /'
echo "@@BENCH-END@@"
