#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages end to end, in the guest, as an administrator meets
# them: conenat-dkms and natctl (`make deb`, in deb/) are installed with
# dpkg into a writable overlay of the guest's root, DKMS builds the module
# for the running kernel, and conenat.service's commands, read from the
# installed unit and run as systemd would run them, apply
# /etc/conenat/conenat.conf:
#  - at "boot", before the router's devices exist (the unit runs before
#    network-pre.target): once they appear, a UDP flow from inside leaves
#    from its static mapping's port, as the outside peer sees it;
#  - after "reload" (natctl sync) of an edited file: a second static
#    mapping is in force, the first one's flow still is;
#  - after "stop": no configuration is left;
#  - after a module upgrade's rmmod and modprobe and a "restart": the
#    file's configuration is in force again, on the wire.
# Then both packages are purged: no file, DKMS tree entry, module, unit link
# or dpkg record of conenat is left, and modprobe no longer finds conenat.
#
# The guest's kernel runs the tests; the router is the guest's initial
# network namespace (where the installed unit acts), the hosts on either
# side are namespaces of their own:
#
#   inside (in)            router (initial namespace)         outside (out)
#  +--------------+       +-----------------------------+       +-----------------+
#  | 10.77.0.2    |--veth-| pk-lan 10.77.0.1            |--veth-| 198.51.100.77   |
#  |  udp :4000   |       | pk-wan 198.51.100.1         |       |  udp :5000 logs |
#  |  udp :4001   |       | conenat "boot" on pk-wan    |       +-----------------+
#  +--------------+       +-----------------------------+
#
# DKMS's build of the module under emulation takes several minutes.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"

version=$(cat "$top/VERSION")
debdir=${CONENAT_DEB_DIR:-$top/deb}
dkms_deb=$debdir/conenat-dkms_${version}_all.deb
natctl_deb=$debdir/natctl_${version}_$(dpkg --print-architecture).deb
kver=$(uname -r)
udp=$top/selftests/udp_echo.py
n_in=cn-pk-in-$$
n_out=cn-pk-out-$$
ovl=/run/conenat-packages-$$
root=$ovl/root
tmp=$(mktemp -d)
forward_was=$(cat /proc/sys/net/ipv4/ip_forward)

cleanup() {
	netns_del_all "$n_in" "$n_out"
	ip link del pk-lan 2>/dev/null
	ip link del pk-wan 2>/dev/null
	echo "$forward_was" >/proc/sys/net/ipv4/ip_forward
	if mountpoint -q "$root"; then
		umount -R "$root" 2>/dev/null || umount -R -l "$root"
	fi
	mountpoint -q "$ovl" && umount "$ovl"
	rmdir "$ovl" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# in_root COMMAND...: run a command in the installed system, as its
# administrator would (the packages' files, its dpkg and DKMS state)
in_root() {
	chroot "$root" env DEBIAN_FRONTEND=noninteractive \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# A writable copy of the guest's root: an overlay whose lower layer is the
# read-only root (without the guest's own overlays on /tmp, /var, ...) and
# whose upper layer, on a tmpfs of its own, collects every change the
# packages make.
make_root() {
	mkdir -p "$ovl" &&
	mount -t tmpfs -o mode=0755 tmpfs "$ovl" &&
	mkdir "$ovl/upper" "$ovl/work" "$root" &&
	mount -t overlay overlay \
		-o "lowerdir=/,upperdir=$ovl/upper,workdir=$ovl/work" "$root" &&
	mount -t proc proc "$root/proc" &&
	mount --rbind /sys "$root/sys" &&
	mount --rbind /dev "$root/dev" &&
	mount -t tmpfs -o mode=0755 tmpfs "$root/run" &&
	mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" &&
	mkdir -p "$root/run/lock" "$root/tmp/debs" &&
	cp "$dkms_deb" "$natctl_deb" "$root/tmp/debs/"
}

# unit_cmds KEY: the command lines of conenat.service's KEY (ExecStart, ...)
# as installed, one per line, without their "-" prefix
unit_cmds() {
	sed -n "s/^$1=-\\{0,1\\}//p" "$root/lib/systemd/system/conenat.service"
}

# unit ACTION: run what systemd runs for "systemctl ACTION conenat":
# each command of the unit in turn, stopping at the first that fails
unit() {
	local cmds line words
	case $1 in
	start) cmds=$(unit_cmds ExecStart) ;;
	reload) cmds=$(unit_cmds ExecReload) ;;
	stop) cmds=$(unit_cmds ExecStop) ;;
	restart) unit stop && unit start; return ;;
	esac
	[ -n "$cmds" ] || { echo "conenat.service has no command for $1"; return 1; }
	while IFS= read -r line; do
		read -ra words <<<"$line"
		in_root "${words[@]}" || { echo "$1: '$line' failed"; return 1; }
	done <<<"$cmds"
}

topology() {
	ip netns add "$n_in" && ip netns add "$n_out" || return 1
	ip -n "$n_in" link set lo up && ip -n "$n_out" link set lo up &&
	ip link add pk-lan type veth peer name eth0 netns "$n_in" &&
	ip link add pk-wan type veth peer name eth0 netns "$n_out" &&
	ip addr add 10.77.0.1/24 dev pk-lan && ip link set pk-lan up &&
	ip addr add 198.51.100.1/24 dev pk-wan && ip link set pk-wan up &&
	ip -n "$n_in" addr add 10.77.0.2/24 dev eth0 &&
	ip -n "$n_in" link set eth0 up &&
	ip -n "$n_in" route add default via 10.77.0.1 &&
	ip -n "$n_out" addr add 198.51.100.77/24 dev eth0 &&
	ip -n "$n_out" link set eth0 up &&
	echo 1 >/proc/sys/net/ipv4/ip_forward || return 1
	ip netns exec "$n_out" python3 -u "$udp" serve 198.51.100.77:5000 \
		>"$tmp/peer.log" 2>&1 &
	wait_for 10 grep -q ready "$tmp/peer.log"
}

# flow_from PORT WANT TAG: a datagram from 10.77.0.2:PORT reaches the
# outside peer from 198.51.100.1:WANT (and its answer comes back)
flow_from() {
	local port=$1 want=$2 tag=$3 got
	conntrack -D -p udp --orig-src 10.77.0.2 >/dev/null 2>&1
	got=$(ip netns exec "$n_in" python3 "$udp" ask "10.77.0.2:$port" \
		198.51.100.77:5000 "$tag")
	[ "$got" = "198.51.100.77:5000 echo $tag" ] ||
		{ echo "answer to $tag: '$got'"; return 1; }
	wait_for 5 grep -q " $tag\$" "$tmp/peer.log"
	got=$(grep " $tag\$" "$tmp/peer.log" | head -n 1)
	[ "${got% *}" = "198.51.100.1:$want" ] ||
		{ echo "the peer saw $tag from ${got% *}, want 198.51.100.1:$want"; return 1; }
}

conf() {
	cat >"$root/etc/conenat/conenat.conf"
}

install_debs() {
	in_root dpkg -i /tmp/debs/"${dkms_deb##*/}" /tmp/debs/"${natctl_deb##*/}" \
		>"$tmp/dpkg.log" 2>&1 || { tail -n 40 "$tmp/dpkg.log"; return 1; }
}

dkms_built() {
	local status path
	status=$(in_root dkms status -m conenat -v "$version" -k "$kver")
	echo "$status" | grep -q ': installed$' ||
		{ echo "dkms status: $status"; return 1; }
	# what the installed system's modprobe loads is DKMS's build
	path=$(in_root modinfo -n conenat)
	[ "$path" = "/lib/modules/$kver/updates/dkms/conenat.ko" ] ||
		{ echo "modprobe conenat would load '$path'"; return 1; }
	[ "$(in_root modinfo -F version conenat)" = "$version" ] ||
		{ echo "module version $(in_root modinfo -F version conenat), want $version"; return 1; }
}

unit_installed() {
	[ -L "$root/etc/systemd/system/multi-user.target.wants/conenat.service" ] ||
		{ echo "conenat.service is not enabled"; return 1; }
	grep -q '^# ' "$root/etc/conenat/conenat.conf" ||
		{ echo "no commented example in /etc/conenat/conenat.conf"; return 1; }
	# the example configures nothing
	! grep -qv '^[[:space:]]*\(#.*\)\{0,1\}$' "$root/etc/conenat/conenat.conf"
}

boot_start() {
	# the running module is the tree's (run_guest.sh loaded it): unload it,
	# as a router without conenat would be
	if lsmod | grep -q '^conenat '; then
		rmmod conenat || return 1
	fi
	conf <<-'EOF'
	# written by selftests/packages.sh
	instance add boot dev pk-wan type full-cone internal 10.77.0.0/24
	mapping add instance boot proto udp internal 10.77.0.2:4000 \
		external :40000
	EOF
	unit start || return 1
	lsmod | grep -q '^conenat ' || { echo "conenat is not loaded"; return 1; }
	in_root natctl mapping show instance boot | grep -q ':40000' ||
		{ in_root natctl mapping show; return 1; }
}

reload() {
	conf <<-'EOF'
	# written by selftests/packages.sh, edited
	instance add boot dev pk-wan type full-cone internal 10.77.0.0/24
	mapping add instance boot proto udp internal 10.77.0.2:4000 \
		external :40000
	mapping add instance boot proto udp internal 10.77.0.2:4001 \
		external :40001
	EOF
	unit reload
}

stopped() {
	local left
	unit stop || return 1
	left=$(in_root natctl save) || return 1
	! echo "$left" | grep -qE '^(instance|mapping|permit) ' ||
		{ echo "after stop: $left"; return 1; }
}

upgrade_restart() {
	# a module upgrade: the old module goes, DKMS's comes back by modprobe
	rmmod conenat || return 1
	unit restart
}

purge() {
	unit stop && rmmod conenat || return 1
	in_root dpkg --purge natctl conenat-dkms >"$tmp/purge.log" 2>&1 ||
		{ tail -n 40 "$tmp/purge.log"; return 1; }
}

nothing_left() {
	local left
	# every file the packages, DKMS and the test's configuration made is
	# in the overlay's upper layer; none may be named for conenat or natctl
	left=$(cd "$ovl/upper" && find . \( -iname '*conenat*' -o -iname '*natctl*' \) -print)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	left=$(in_root dpkg-query -W -f '${Package} ${Status}\n' 2>/dev/null |
		grep -E '^(natctl|conenat-dkms) ')
	[ -z "$left" ] || { echo "dpkg still knows: $left"; return 1; }
	! in_root modinfo -n conenat >/dev/null 2>&1 ||
		{ echo "modprobe still finds conenat"; return 1; }
}

tap_begin
for f in "$dkms_deb" "$natctl_deb"; do
	[ -f "$f" ] || { tap_fail "$f exists (make deb)"; tap_done; exit 1; }
done
if ! make_root; then
	tap_fail "a writable overlay of the root with the packages in it"
	tap_done
	exit 1
fi
tap_check "dpkg -i conenat-dkms natctl: both install and configure" install_debs
tap_check "DKMS built and installed conenat $version for $kver; modprobe finds it there" dkms_built
tap_check "the unit is enabled, /etc/conenat/conenat.conf is the commented example" unit_installed
tap_check "unit start before the devices exist: conenat loaded, the file's instance and mapping in force" boot_start
tap_check "the devices appear (the network comes up)" topology
tap_check "on the wire: 10.77.0.2:4000 reaches the peer from its static port 40000" \
	flow_from 4000 40000 boot-4000
tap_check "unit reload (natctl sync) of an edited file" reload
tap_check "on the wire after reload: 10.77.0.2:4001 leaves from 40001" \
	flow_from 4001 40001 reload-4001
tap_check "on the wire after reload: 10.77.0.2:4000 still leaves from 40000" \
	flow_from 4000 40000 reload-4000
tap_check "unit stop: nothing of conenat's configuration is left" stopped
tap_check "rmmod, then unit restart (a module upgrade): the file's configuration is back" \
	upgrade_restart
tap_check "on the wire after the restart: 10.77.0.2:4000 leaves from 40000" \
	flow_from 4000 40000 restart-4000
tap_check "on the wire after the restart: 10.77.0.2:4001 leaves from 40001" \
	flow_from 4001 40001 restart-4001
tap_check "unit stop, rmmod, dpkg --purge natctl conenat-dkms" purge
tap_check "after the purge nothing of conenat is left (files, DKMS, dpkg, modprobe)" nothing_left
tap_done
