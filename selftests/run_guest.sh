#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite, run inside the guest by vm/run-vm.sh: loads the freshly built
# conenat.ko and runs every kernel-side test, as one TAP stream ending in
# "N passed, N failed".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"

export CONENAT_KO="$top/kmod/conenat.ko"
export CONENAT_EXPECT_VERSION
CONENAT_EXPECT_VERSION=$(cat "$top/VERSION")
export NATCTL="$top/userspace/natctl"
export PATH="$top/userspace:$PATH"

tap_begin
echo "# kernel $(uname -r), module $CONENAT_KO"

# conenat.ko builds on conntrack and nf_nat; insmod does not resolve
# dependencies, so load them first (slow over 9p: once, up front).
modprobe nf_nat
if ! insmod "$CONENAT_KO"; then
	tap_fail "insmod $CONENAT_KO"
	tap_done
	exit 1
fi

tap_fold lifecycle "$top/selftests/lifecycle.sh"
tap_fold natctl_info "$top/selftests/natctl_info.sh"
tap_fold genl "$top/selftests/conenat_genl_test"
tap_fold ctl "$top/selftests/conenat_ctl_test"
tap_fold natdiscovery "$top/selftests/natdiscovery.sh"
tap_fold natctl_vm "$top/selftests/natctl_vm.sh"
tap_fold nat "$top/selftests/conenat_nat_test"
tap_fold fuzz "$top/selftests/fuzz.sh"
SOAK_SECONDS=20 tap_fold soak "$top/selftests/soak.sh"
tap_fold punch "$top/selftests/punch.sh"
tap_fold wireguard "$top/selftests/wireguard.sh"

# Nothing may have left the kernel complaining.
if dmesg | grep -E -q 'BUG:|WARNING:|Oops|Call Trace|general protection'; then
	dmesg | grep -E -B2 -A20 'BUG:|WARNING:|Oops|Call Trace' | sed 's/^/# /' | head -n 60
	tap_fail "kernel log is free of BUG/WARNING/Oops"
else
	tap_ok "kernel log is free of BUG/WARNING/Oops"
fi

tap_done
