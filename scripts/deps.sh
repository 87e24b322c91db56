#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure the Debian packages that building and testing conenat need are
# installed. As root, install what is missing with apt-get; otherwise name the
# exact command to run and fail. `deps.sh debug` adds what building the debug
# kernel of make check-debug needs.
set -eu

debug_packages=(
	# scripts/debug-kernel.sh: Debian's linux-source-6.1, built
	flex bison bc libelf-dev libssl-dev
)


packages=(
	# building the module and natctl
	gcc make libc6-dev pkg-config linux-headers-amd64
	libnl-3-dev libnl-genl-3-dev libmnl-dev libnetfilter-conntrack-dev
	# review tools: checkpatch and the kselftest harness come from the source
	sparse perl linux-source-6.1 xz-utils
	# the VM the kernel-side tests run in
	linux-image-amd64 qemu-system-x86 busybox-static kmod cpio
	# tools the tests run in the guest
	iproute2 jq util-linux coturn iputils-ping conntrack socat strace
	python3-minimal
	# the classic RFC 3489 client (selftests/natdiscovery.sh)
	stun-client
	# UPnP and NAT-PMP beside conenat (selftests/upnp.sh): the daemon only,
	# without the miniupnpd package's service and debconf questions
	miniupnpd-nftables miniupnpc natpmpc
	# WireGuard between two NATs (selftests/wireguard.sh, make demo)
	wireguard-tools
	# make bench: the router's nftables configurations, the chart
	nftables gnuplot-nox
	# natctl's man page check (groff) and man -l (man-db)
	groff-base man-db
	# packaging; systemd-analyze verify checks conenat.service; make deb
	# builds with debhelper and dh-dkms, lintian checks the packages
	dkms systemd debhelper dh-dkms lintian dpkg-dev fakeroot
)

case ${1:-} in
'') ;;
debug) packages+=("${debug_packages[@]}") ;;
*)
	echo "usage: $0 [debug]" >&2
	exit 2
	;;
esac

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} Debian packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages; run as root:" >&2
	echo "  apt-get update && apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
