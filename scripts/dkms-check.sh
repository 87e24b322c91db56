#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that DKMS builds the tree against the installed kernel headers, the
# way `make dkms-install` would, without touching the system's DKMS tree or
# loading anything: the source and DKMS trees live in a temporary directory.
# Prints one TAP line and a summary line.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
kver=${KVER:?KVER is not set}
version=$(cat "$top/VERSION")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "not ok 1 - dkms build conenat $version for $kver: $*"
	[ -f "$tmp/log" ] && tail -n 30 "$tmp/log" | sed 's/^/# /'
	echo "0 passed, 1 failed"
	exit 1
}

echo "TAP version 13"
echo "1..1"

grep -q "^PACKAGE_VERSION=\"$version\"$" "$top/dkms.conf" ||
	fail "dkms.conf's PACKAGE_VERSION is not $version (VERSION)"

# What an earlier `make dkms-install` leaves: this version added, and an
# older one. Re-running must replace both (DKMS itself refuses a second
# add: "DKMS tree already contains conenat-VERSION").
trees=(--sourcetree "$tmp/src" --dkmstree "$tmp/tree")
mkdir -p "$tmp/src" "$tmp/tree"
for v in 0.0.1 "$version"; do
	mkdir -p "$tmp/src/conenat-$v"
	(cd "$top" && git ls-files -z Kbuild VERSION dkms.conf LICENSE kmod include 2>/dev/null |
		xargs -0 cp --parents -t "$tmp/src/conenat-$v") ||
		fail "cannot copy the tracked sources"
	[ -f "$tmp/src/conenat-$v/kmod/Kbuild" ] || fail "kmod/Kbuild is not tracked by git"
	sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$v\"/" "$tmp/src/conenat-$v/dkms.conf"
	dkms add -m conenat -v "$v" "${trees[@]}" >>"$tmp/log" 2>&1 ||
		fail "dkms add $v (the earlier install) failed"
done

# make dkms-install's script, short of writing /lib/modules
"$top/scripts/dkms-install.sh" "${trees[@]}" --kernel "$kver" --build-only \
	>>"$tmp/log" 2>&1 || fail "scripts/dkms-install.sh over an earlier install failed"
status=$(dkms status -m conenat "${trees[@]}" 2>/dev/null)
[ "$status" = "conenat/$version, $kver, $(uname -m): built" ] ||
	fail "after the re-install DKMS has: $status"
[ ! -e "$tmp/src/conenat-0.0.1" ] || fail "the older version's source is left"

ko=$(find "$tmp/tree/conenat/$version/$kver" -name 'conenat.ko*' | head -n 1)
[ -n "$ko" ] || fail "dkms reported success but built no conenat.ko"
built_version=$(modinfo -F version "$ko")
[ "$built_version" = "$version" ] || fail "the module dkms built says version '$built_version'"

# dkms.conf names the kernels: another series is skipped (77), not failed
dkms build -m conenat -v "$version" -k 5.10.0-99-amd64 "${trees[@]}" \
	>"$tmp/excl" 2>&1
rc=$?
[ "$rc" -eq 77 ] && grep -q BUILD_EXCLUSIVE "$tmp/excl" ||
	fail "a 5.10 kernel is not skipped by BUILD_EXCLUSIVE_KERNEL (exit $rc)"

echo "ok 1 - dkms: make dkms-install over an earlier install of $version and 0.0.1 replaces both; built for $kver ($(basename "$ko"), version $built_version); other kernel series skipped"
echo "1 passed, 0 failed"
