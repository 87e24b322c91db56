#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# /init of the test VM's initramfs (built by run-vm.sh). Its only job is to
# get the host's root filesystem mounted over 9p and switch_root into it;
# everything else happens in stage2.sh, which runs from the new root.

bb=/bin/busybox

die() {
	echo "run-vm init: $*"
	# No result marker is printed, so the host reports a failed boot.
	$bb poweroff -f
	while :; do $bb sleep 3600; done
}

$bb mkdir -p /dev /proc /sys /newroot
$bb mount -t devtmpfs devtmpfs /dev || die "cannot mount devtmpfs"
# run-vm.sh puts a /dev/console node in the archive, but if the kernel could
# not open it we started without stdio: attach to the console ourselves.
exec </dev/console >/dev/console 2>&1
$bb mount -t proc proc /proc || die "cannot mount /proc"
$bb mount -t sysfs sysfs /sys || die "cannot mount /sys"

# Modules are numbered in the dependency order modprobe computed on the host.
while read -r ko; do
	$bb insmod "/modules/$ko" || die "insmod $ko failed"
done </modules/order

# cache=loose: without it every exec re-reads binaries and libraries over 9p,
# which costs seconds per program start under emulation.
$bb mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=1048576,cache=loose \
	hostroot /newroot || die "cannot mount the host root over 9p"

# After switch_root the initramfs is gone and the host root is read-only, so
# the stage-2 shell (busybox) and its scripts must live in a tmpfs inside the
# new root. /run needs to be a private tmpfs anyway (ip netns uses /run/netns).
$bb mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run ||
	die "cannot mount tmpfs on /run"
$bb mkdir -p /newroot/run/conenat-vm ||
	die "cannot create /run/conenat-vm"
$bb cp /bin/busybox /stage2.sh /guest.sh /newroot/run/conenat-vm/ ||
	die "cannot copy stage 2 into the new root"
# Modules and indexes from VM_MODULES, installed by stage 2.
if [ -d /vm-modules ]; then
	$bb cp -a /vm-modules /newroot/run/conenat-vm/modules ||
		die "cannot copy VM_MODULES into the new root"
fi

# Hand the API filesystems over instead of remounting them; /dev cannot be
# unmounted anyway while our stdio is open on /dev/console.
for fs in /dev /proc /sys; do
	$bb mount --move $fs /newroot$fs || die "cannot move $fs into the new root"
done

# switch_root, not chroot: the kernel runs its module autoloader
# (/sbin/modprobe) relative to PID 1's root, so autoloading only finds the
# host's kmod and module tree if PID 1 itself lives in the new root.
exec $bb switch_root /newroot /run/conenat-vm/busybox sh /run/conenat-vm/stage2.sh
