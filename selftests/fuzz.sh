#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink fuzzer (conenat_fuzz) against the live module, then the checks
# that matter after it: the module still answers, the kernel logged no
# WARN/BUG/Oops, and once the fuzzer's namespace is gone conenat's slab
# caches hold no more objects than before it ran.
#
# FUZZ_MESSAGES (default 100000) and FUZZ_SEED (default: time) steer it.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"

messages=${FUZZ_MESSAGES:-100000}
seed=${FUZZ_SEED:-$(date +%s)}

# Active objects of conenat's slab caches, summed. SLUB counts the free
# objects of per-CPU slabs as active: shrinking the caches first flushes
# those, so that what is left is what is really allocated.
conenat_objects() {
	local f
	for f in /sys/kernel/slab/conenat_*/shrink; do
		[ -e "$f" ] && echo 1 >"$f"
	done
	awk '/^conenat_(mapping|peer|host) / { n += $2 } END { print n + 0 }' /proc/slabinfo
}
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
splats() { dmesg | grep -c -E 'BUG:|WARNING:|Oops|general protection|UBSAN|KASAN'; }

tap_begin
objects_before=$(conenat_objects)
slab_before=$(slab_kb)
splats_before=$(splats)

out=$("$top/selftests/conenat_fuzz" "$messages" "$seed" 2>&1)
rc=$?
printf '%s\n' "$out" | grep '^#'
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q '^ok 1'; then
	tap_ok "fuzz: $messages generated messages (seed $seed), the module still answers correctly"
else
	printf '%s\n' "$out" | grep -v '^#' | sed 's/^/# /'
	tap_fail "fuzz: $messages generated messages (seed $seed), the module still answers correctly"
fi

if [ "$(splats)" -eq "$splats_before" ]; then
	tap_ok "fuzz: nothing logged as WARN/BUG/Oops"
else
	dmesg | grep -E -A15 'BUG:|WARNING:|Oops' | head -n 40 | sed 's/^/# /'
	tap_fail "fuzz: nothing logged as WARN/BUG/Oops"
fi

# The fuzzer's namespace (and with it every instance and mapping it made)
# is torn down asynchronously; its objects are freed after an RCU grace
# period. Slab caches keep freed objects around, so count active ones.
back_to_baseline() { [ "$(conenat_objects)" -le "$objects_before" ]; }
if wait_for 30 back_to_baseline; then
	tap_ok "fuzz: conenat's slab objects back to baseline ($objects_before)"
else
	grep '^conenat_' /proc/slabinfo | sed 's/^/# /'
	tap_fail "fuzz: conenat's slab objects back to baseline ($objects_before, now $(conenat_objects))"
fi
echo "# Slab: ${slab_before} kB before, $(slab_kb) kB after"

tap_done
