#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lifecycle torture: paths that move one mapping at the same time, in tight
# loops on every CPU, with the window made wide by repetition. Whatever the
# interleaving, a mapping is freed once, never used after, never handed out
# dead, and the counts come back to zero. Under make check-debug KASAN,
# lockdep and kmemleak watch the same runs.
#
#  - packet-path creation against "mapping del" by external endpoint: churn
#    sends from one source port as fast as it can, so the mapping comes back
#    as soon as it goes; del_storm deletes its external endpoint as fast as
#    netlink answers, landing deletions inside creations;
#  - the same while the instance is deleted under them.
#
#   inside (in)              router (rt)                 outside (out)
#  +-----------+        +-------------------------+        +---------------+
#  | 10.0.1.2  |--veth--| lan 10.0.1.1            |        |               |
#  | churn     |        | wan 198.51.100.1  "tt"  |--veth--| 198.51.100.10 |
#  +-----------+        | del_storm               |        +---------------+
#                       +-------------------------+
#
# TORTURE_SECONDS (default 8): the length of each storm.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
churn=$top/selftests/churn
storm=$top/selftests/del_storm
secs=${TORTURE_SECONDS:-8}
sfx=$$
n_in=cn-tt-in-$sfx
n_rt=cn-tt-rt-$sfx
n_out=cn-tt-out-$sfx
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

setup() {
	local n
	for n in "$n_in" "$n_rt" "$n_out"; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add ttv0 netns "$n_in" type veth peer name lan netns "$n_rt" &&
	ip link add wan netns "$n_rt" type veth peer name ttv1 netns "$n_out" &&
	ip -n "$n_in" addr add 10.0.1.2/24 dev ttv0 &&
	ip -n "$n_in" link set ttv0 up &&
	ip -n "$n_in" route add default via 10.0.1.1 &&
	ip -n "$n_rt" addr add 10.0.1.1/24 dev lan &&
	ip -n "$n_rt" addr add 198.51.100.1/24 dev wan &&
	ip -n "$n_rt" link set lan up && ip -n "$n_rt" link set wan up &&
	ip netns exec "$n_rt" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$n_out" addr add 198.51.100.10/24 dev ttv1 &&
	ip -n "$n_out" link set ttv1 up &&
	# the outside drops the datagrams without a word (no ICMP errors)
	ip netns exec "$n_out" nft -f - <<-EOF
	table inet tt {
		chain in {
			type filter hook input priority 0; policy accept;
			udp dport 4000-4999 drop
		}
	}
	EOF
}

# cpu N: taskset to CPU N when the machine has it, else nothing.
cpu() {
	if [ "$(nproc)" -gt "$1" ]; then
		echo "taskset -c $1"
	fi
}

# storm: churn on CPU 0 and del_storm on CPU 1 for $secs seconds, again
# (at most four rounds) until 100 mappings were deleted: the race needs
# deletions all along, not one at the start, and on a slow kernel (KASAN)
# a round of symmetric NAT deletes fewer (a deleted mapping's port comes
# back only when its remote is sent to again). Prints what del_storm
# printed. Fails when either fails or too few were deleted.
storm() {
	local out pid round deleted=0
	for round in 1 2 3 4; do
		ip netns exec "$n_in" $(cpu 0) "$churn" 10.0.1.2 20000 20000 \
			198.51.100.10 4000 1000 "$secs" >"$tmp/churn.out" 2>&1 &
		pid=$!
		out=$(ip netns exec "$n_rt" $(cpu 1) "$storm" tt udp 198.51.100.1 \
			20000 20000 "$secs" 10.0.1.2:20000 2>&1) ||
			{ echo "$out"; wait "$pid"; return 1; }
		wait "$pid" || { cat "$tmp/churn.out"; return 1; }
		echo "# round $round: churn sent $(cat "$tmp/churn.out") datagrams; del_storm: $out" >&3
		deleted=$((deleted + $(echo "$out" | awk '{ print $2 }')))
		[ "$deleted" -ge 100 ] && return 0
	done
	echo "too few mappings deleted in four rounds of ${secs} s: $deleted"
	return 1
}

# counts_zero: after a flush the instance and the namespace count no
# mapping, and a dump lists none.
counts_zero() {
	local j
	nc mapping flush instance tt || return 1
	j=$(nc -j instance show tt) || return 1
	jq -e '.[0].mappings == 0' <<<"$j" >/dev/null ||
		{ echo "instance show after flush: $j"; return 1; }
	j=$(nc -j limits show) || return 1
	jq -e '.mappings == 0' <<<"$j" >/dev/null ||
		{ echo "limits show after flush: $j"; return 1; }
	j=$(nc -j mapping show) || return 1
	jq -e 'length == 0' <<<"$j" >/dev/null ||
		{ echo "mapping show after flush: $j"; return 1; }
}

create_vs_delete() {
	local n listed
	storm || return 1
	# what is left is consistent: every mapping counted is listed once
	n=$(nc -j instance show tt | jq '.[0].mappings') || return 1
	listed=$(nc -j mapping show | jq 'length') || return 1
	[ "$n" = "$listed" ] ||
		{ echo "instance show counts $n mappings, mapping show lists $listed"; return 1; }
	counts_zero
}

instance_del_under_storm() {
	local pid
	storm >"$tmp/storm.out" 2>&1 &
	pid=$!
	sleep $((secs / 2))
	nc instance del tt || { wait "$pid"; return 1; }
	# del_storm ends with "no such instance" once it is gone: expected
	wait "$pid"
	nc -j limits show | jq -e '.mappings == 0 and .instances == 0' \
		>/dev/null || { nc -j limits show; return 1; }
	nc instance add tt dev wan
}

exec 3>&1
tap_begin
for tool in jq nft taskset; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "lifecycle torture: $tool missing (scripts/deps.sh)"
		tap_done
		exit 1
	fi
done
if ! setup >"$tmp/setup.log" 2>&1 || ! nc instance add tt dev wan; then
	sed 's/^/# /' "$tmp/setup.log"
	tap_fail "topology set up"
	tap_done
	exit 1
fi

tap_check "packet-path creation against delete by external endpoint, ${secs} s: counts consistent, all gone after flush" \
	create_vs_delete
nc instance set tt type symmetric
tap_check "the same under symmetric NAT, ${secs} s" create_vs_delete
tap_check "instance del in the middle of the storm: nothing left in the namespace" \
	instance_del_under_storm
tap_done
