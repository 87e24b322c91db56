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

src="$tmp/src/conenat-$version"
mkdir -p "$src" "$tmp/tree"
(cd "$top" && git ls-files -z Kbuild VERSION dkms.conf LICENSE kmod include 2>/dev/null |
	xargs -0 cp --parents -t "$src") || fail "cannot copy the tracked sources"
[ -f "$src/kmod/Kbuild" ] || fail "kmod/Kbuild is not tracked by git"

dkms_args=(-m conenat -v "$version" -k "$kver" --sourcetree "$tmp/src" --dkmstree "$tmp/tree")
{
	dkms add "${dkms_args[@]}" && dkms build "${dkms_args[@]}"
} >"$tmp/log" 2>&1 || fail "dkms add/build failed"

ko=$(find "$tmp/tree/conenat/$version/$kver" -name 'conenat.ko*' | head -n 1)
[ -n "$ko" ] || fail "dkms reported success but built no conenat.ko"
built_version=$(modinfo -F version "$ko")
[ "$built_version" = "$version" ] || fail "the module dkms built says version '$built_version'"

echo "ok 1 - dkms build conenat $version for $kver ($(basename "$ko"), version $built_version)"
echo "1 passed, 0 failed"
