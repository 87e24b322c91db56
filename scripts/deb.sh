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
# what each package must hold
natctl=$top/deb/natctl_${version}_$(dpkg --print-architecture).deb
dkms=$top/deb/conenat-dkms_${version}_all.deb
want() { # DEB PATH
	dpkg-deb -c "$1" | awk '{ print $6 }' | grep -qx "./$2" || {
		echo "deb: $(basename "$1") lacks $2" >&2
		exit 1
	}
}
for f in usr/sbin/natctl usr/share/man/man8/natctl.8.gz \
	 usr/share/bash-completion/completions/natctl \
	 lib/systemd/system/conenat.service etc/conenat/conenat.conf \
	 usr/sbin/conenat-pcpd usr/share/man/man8/conenat-pcpd.8.gz \
	 lib/systemd/system/conenat-pcpd.service etc/conenat/pcpd.conf; do
	want "$natctl" "$f"
done
for f in Kbuild dkms.conf kmod/main.c include/uapi/linux/conenat.h; do
	want "$dkms" "usr/src/conenat-$version/$f"
done
dpkg-deb -e "$natctl" "$tmp/natctl.ctl"
dpkg-deb -e "$dkms" "$tmp/dkms.ctl"
grep -qx /etc/conenat/conenat.conf "$tmp/natctl.ctl/conffiles" &&
	grep -qx /etc/conenat/pcpd.conf "$tmp/natctl.ctl/conffiles" &&
	grep -q "deb-systemd-helper enable 'conenat.service'" "$tmp/natctl.ctl/postinst" &&
	grep -q 'common.postinst' "$tmp/dkms.ctl/postinst" &&
	grep -q 'dkms remove' "$tmp/dkms.ctl/prerm" || {
	echo "deb: a conffile or a maintainer script is missing" >&2
	exit 1
}
grep -q 'ExecStart=/usr/sbin/natctl restore /etc/conenat/conenat.conf' \
	<(dpkg-deb --fsys-tarfile "$natctl" | tar -xOf - ./lib/systemd/system/conenat.service) || {
	echo "deb: conenat.service does not run /usr/sbin/natctl" >&2
	exit 1
}
grep -q 'ExecStart=/usr/sbin/conenat-pcpd -f /etc/conenat/pcpd.conf' \
	<(dpkg-deb --fsys-tarfile "$natctl" | tar -xOf - ./lib/systemd/system/conenat-pcpd.service) || {
	echo "deb: conenat-pcpd.service does not run /usr/sbin/conenat-pcpd" >&2
	exit 1
}

changes=$(ls "$top"/deb/*.changes)
lintian --fail-on error,warning --info "$changes" || {
	echo "deb: lintian found errors or warnings (see above)" >&2
	exit 1
}
ls -l "$top"/deb/*.deb
