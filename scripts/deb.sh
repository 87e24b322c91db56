#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: the Debian packages conenat-dkms and natctl, built with
# dpkg-buildpackage -us -uc -b from a copy of the tracked tree (so the
# working tree stays as it is), checked with lintian, and left in deb/
# with their .changes and .buildinfo. lintian must report no error and no
# warning but those debian/*lintian-overrides explain.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

src=$tmp/conenat-$version
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$src")
else
	cp -r "$top"/. "$src"/
fi

changelog=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
if [ "$changelog" != "$version" ]; then
	echo "deb: debian/changelog says $changelog, VERSION $version" >&2
	exit 1
fi

(cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 || {
	tail -n 40 "$tmp/build.log" >&2
	echo "deb: dpkg-buildpackage failed" >&2
	exit 1
}
mkdir -p "$top/deb"
rm -f "$top"/deb/*
cp "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$top/deb/"
changes=$(ls "$top"/deb/*.changes)
lintian --fail-on error,warning --info "$changes" || {
	echo "deb: lintian found errors or warnings (see above)" >&2
	exit 1
}
ls -l "$top"/deb/*.deb
