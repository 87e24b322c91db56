#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run GUEST_SCRIPT [ARGS...] as root inside a throwaway qemu guest that boots
# the host's packaged kernel with the host's root filesystem shared read-only
# over 9p. Kernel-side tests need this: the host kernel cannot load modules.
#
# Exit status: the guest script's own status; 124 if the console showed a
# kernel oops/BUG/WARNING/panic (even if the script passed); 125 if the guest
# never reported a status (crash, panic, hang or timeout); 2 for usage errors
# or missing prerequisites. See README in this directory.

set -eu

prog=run-vm
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Bump when the way the initramfs is assembled changes, to retire old caches.
initramfs_format=1

usage() {
	echo "usage: $0 GUEST_SCRIPT [ARGS...]" >&2
	exit 2
}

die() {
	echo "$prog: $*" >&2
	exit 2
}

[ $# -ge 1 ] || usage
case $1 in
-h | --help) usage ;;
esac

guest=$1
shift
case $guest in
/*) ;;
*) guest=$PWD/$guest ;;
esac
# The guest sees the host's files at the same paths, so check here where the
# error message is cheap.
if ! [ -f "$guest" ] || ! [ -x "$guest" ]; then
	die "$guest is not an executable file"
fi

for tool in qemu-system-x86_64 modprobe cpio timeout; do
	command -v "$tool" >/dev/null ||
		die "$tool not found (Debian packages: qemu-system-x86 kmod cpio coreutils)"
done

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	[ -x "$b" ] && { busybox=$b; break; }
done
[ -n "$busybox" ] || die "busybox not found (Debian package: busybox-static)"
# A dynamically linked busybox cannot run from the initramfs.
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked (Debian package: busybox-static)"
fi

# --- kernel ------------------------------------------------------------------

# VM_KERNEL_DIR: a kernel built by scripts/debug-kernel.sh (bzImage,
# kernel.release and its modules under root/) instead of the packaged one.
modroot=/
if [ -n "${VM_KERNEL_DIR:-}" ]; then
	if ! [ -r "$VM_KERNEL_DIR/bzImage" ] || ! [ -r "$VM_KERNEL_DIR/kernel.release" ]; then
		die "VM_KERNEL_DIR=$VM_KERNEL_DIR holds no bzImage and kernel.release (scripts/debug-kernel.sh)"
	fi
	kver=$(cat "$VM_KERNEL_DIR/kernel.release")
	modroot=$VM_KERNEL_DIR/root
	[ -d "$modroot/lib/modules/$kver" ] || die "VM_KERNEL_DIR: $modroot/lib/modules/$kver is missing"
elif [ -n "${KVER:-}" ]; then
	kver=$KVER
	[ -r "/boot/vmlinuz-$kver" ] || die "KVER=$kver: /boot/vmlinuz-$kver is missing or unreadable"
	[ -d "/lib/modules/$kver/kernel" ] || die "KVER=$kver: /lib/modules/$kver/kernel is missing"
else
	kver=$(
		for d in /lib/modules/*/kernel; do
			v=${d#/lib/modules/}
			v=${v%/kernel}
			[ -r "/boot/vmlinuz-$v" ] && echo "$v"
		done | sort -V | tail -n 1
	)
	[ -n "$kver" ] ||
		die "no kernel with both /boot/vmlinuz-VER and /lib/modules/VER/kernel;" \
			"install Debian's linux-image-amd64 (the generic flavour: -cloud-amd64 has no 9p)"
fi
if [ -n "${VM_KERNEL_DIR:-}" ]; then
	kernel=$VM_KERNEL_DIR/bzImage
else
	kernel=/boot/vmlinuz-$kver
fi

# --- initramfs (cached) --------------------------------------------------------

# Modules needed to mount a 9p root over virtio-pci, plus overlayfs, in a
# valid load order. Ask modprobe rather than hard-coding paths: some may be
# built in ("builtin" lines) and the set differs between kernel versions.
# -C /dev/null ignores the host's modprobe.d (blacklists, options).
mods=()
declare -A seen=()
for m in virtio_pci 9pnet_virtio 9p overlay; do
	if ! deps=$(modprobe -C /dev/null -d "$modroot" -S "$kver" --show-depends "$m" 2>&1); then
		[ "$m" = overlay ] && continue # only needed for writable dirs
		die "kernel $kver lacks module $m ($deps);" \
			"use Debian's generic linux-image-amd64 flavour"
	fi
	while read -r verb path _; do
		[ "$verb" = insmod ] || continue
		[ -n "${seen[$path]:-}" ] && continue
		seen[$path]=1
		mods+=("$path")
	done <<<"$deps"
done

cache=${CONENAT_VM_CACHE:-${HOME:?is unset: set CONENAT_VM_CACHE}/.cache/conenat-vm}
mkdir -p "$cache"

# Key: everything that ends up in the archive. Module size and mtime catch a
# reinstalled kernel package with an unchanged version string.
key=$(
	{
		echo "format $initramfs_format kver $kver kernel $kernel"
		cat "$here/init.sh" "$here/stage2.sh"
		stat -c '%n %s %Y' "$busybox" "$kernel" ${mods[@]+"${mods[@]}"}
	} | sha256sum | cut -c1-16
)
base=$cache/initramfs-$kver-$key.cpio

# One newc cpio entry for a device node. GNU cpio can only archive nodes that
# exist, and creating /dev/console needs root; without it the kernel starts
# /init with no console ("unable to open an initial console").
cpio_node() { # NAME MODE(octal) MAJOR MINOR
	local name=$1 namesize=$((${#1} + 1))
	# magic ino mode uid gid nlink mtime filesize devmaj devmin rdevmaj rdevmin namesize check
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		1 $((8#$2)) 0 0 1 0 0 0 0 "$3" "$4" "$namesize" 0
	printf '%s\0' "$name"
	# header (110 bytes) + name are padded to a multiple of 4
	head -c $(((4 - (110 + namesize) % 4) % 4)) /dev/zero
}

cpio_trailer() {
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 0 0 0 1 0 0 0 0 0 0 11 0
	printf 'TRAILER!!!\0'
	head -c 3 /dev/zero
}

build_initramfs() {
	local stage tmp i=0 ko name
	stage=$(mktemp -d "$cache/build.XXXXXX")
	tmp=$stage.cpio
	# shellcheck disable=SC2064 # expand now: locals are gone at exit time
	trap "rm -rf '$stage' '$tmp'" EXIT
	mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules}
	cp "$busybox" "$stage/bin/busybox"
	install -m 0755 "$here/init.sh" "$stage/init"
	install -m 0644 "$here/stage2.sh" "$stage/stage2.sh"
	: >"$stage/modules/order"
	for ko in ${mods[@]+"${mods[@]}"}; do
		# Zero-padded prefix keeps the load order visible in the archive.
		name=$(printf '%02d-%s' "$i" "$(basename "${ko%.ko*}").ko")
		i=$((i + 1))
		# busybox insmod cannot load compressed modules: unpack them here.
		case $ko in
		*.ko.xz) xz -dc "$ko" >"$stage/modules/$name" ;;
		*.ko.zst) zstd -qdc "$ko" >"$stage/modules/$name" ;;
		*.ko.gz) gzip -dc "$ko" >"$stage/modules/$name" ;;
		*) cp "$ko" "$stage/modules/$name" ;;
		esac
		echo "$name" >>"$stage/modules/order"
	done
	# Uncompressed: unpacking is faster than gunzip under emulation and the
	# archive is only a few MB. GNU cpio pads to 512 bytes, so the appended
	# archives start 4-byte aligned as the kernel requires.
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) >"$tmp"
	{
		cpio_node dev/console 020600 5 1
		cpio_trailer
	} >>"$tmp"
	mv "$tmp" "$base"
	rm -rf "$stage"
	trap - EXIT
}

if [ -s "$base" ]; then
	touch "$base" # marks it as in use for the pruning below
else
	build_initramfs
fi
# Archives of other kernels or older scripts; not deleted at once in case a
# run from another checkout is still using one.
find "$cache" -maxdepth 1 -name 'initramfs-*.cpio' -mtime +7 -delete

# --- per-run files -------------------------------------------------------------

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/conenat-vm.XXXXXX")
log=${VM_LOG:-$tmpdir/console.log}
pidfile=$tmpdir/qemu.pid

# Quote for POSIX sh (busybox ash sources the result): any byte is safe
# inside single quotes except the quote itself.
shquote() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

# The guest command travels in a small second archive appended to the cached
# one (the kernel unpacks concatenated archives), so arguments with spaces or
# quotes need no kernel command-line escaping and the cache stays valid.
mkdir "$tmpdir/run"
{
	printf 'GUEST_CWD=%s\n' "$(shquote "$PWD")"
	printf 'set --'
	for a in "$guest" "$@"; do
		printf ' %s' "$(shquote "$a")"
	done
	printf '\n'
} >"$tmpdir/run/guest.sh"

# VM_MODULES: out-of-tree modules to preinstall in the guest's
# /lib/modules/$kver/extra together with module indexes regenerated here.
# depmod inside the guest reads all ~400 MB of modules over 9p (about 30 s
# under emulation); here it takes a second. A VM_KERNEL_DIR kernel's module
# tree is not under the host's /lib/modules: the guest always gets one, its
# entries linking to VM_KERNEL_DIR (which the guest sees at the same path).
if [ -n "${VM_MODULES:-}" ] || [ "$modroot" != / ]; then
	src=${modroot%/}/lib/modules/$kver
	tree=$tmpdir/depmod/lib/modules/$kver
	mkdir -p "$tree/extra" "$tmpdir/run/vm-modules/extra"
	# The host's tree by symlinks (depmod follows them), minus the indexes
	# that depmod rewrites.
	for f in "$src"/*; do
		case ${f##*/} in
		modules.order | modules.builtin | modules.builtin.modinfo) cp "$f" "$tree/" ;;
		modules.* | build | source | extra) ;;
		*) ln -s "$f" "$tree/" ;;
		esac
	done
	if [ -d "$src/extra" ]; then
		for f in "$src/extra"/*; do
			[ -e "$f" ] && ln -s "$f" "$tree/extra/"
		done
	fi
	# shellcheck disable=SC2086 # a whitespace-separated list by design
	for ko in ${VM_MODULES:-}; do
		[ -f "$ko" ] || die "VM_MODULES: $ko not found"
		cp "$ko" "$tree/extra/"
		cp "$ko" "$tmpdir/run/vm-modules/extra/"
	done
	depmod -b "$tmpdir/depmod" "$kver" || die "depmod of the guest's module tree failed"
	cp "$tree"/modules.* "$tmpdir/run/vm-modules/"
	# The guest's own module tree has no kernel/ of this kernel's: link it.
	if [ "$modroot" != / ]; then
		ln -s "$src/kernel" "$tmpdir/run/vm-modules/kernel"
	fi
fi
(cd "$tmpdir/run" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) >"$tmpdir/run.cpio"
rm -rf "$tmpdir/depmod"
cat "$base" "$tmpdir/run.cpio" >"$tmpdir/initrd"

# --- run -----------------------------------------------------------------------

cpus=${VM_CPUS:-2}
if [ "${VM_ICOUNT:-0}" = 1 ]; then
	# Deterministic guest time: the guest clock advances by exactly 1 ns per
	# guest instruction, and jumps over idle time to the next timer (sleep=off). qemu 7.2
	# spins in the firmware with more than one vCPU under -icount.
	[ "${CONENAT_KVM:-0}" = 1 ] && die "VM_ICOUNT=1 needs TCG: instruction counting does not exist under KVM"
	[ "$cpus" = 1 ] || die "VM_ICOUNT=1 needs VM_CPUS=1 (qemu hangs in the firmware with more vCPUs under -icount)"
	accel=(-accel tcg -cpu max -icount shift=0,sleep=off)
elif [ "${CONENAT_KVM:-0}" = 1 ]; then
	accel=(-enable-kvm -cpu host)
else
	# KVM guests hang on some hosts: software emulation is the safe default.
	accel=(-accel tcg -cpu max)
fi

timeout_s=${VM_TIMEOUT:-1200}

# loglevel=5 shows KERN_WARNING and above: WARN() splats and oops call traces
# are printed at warning level, so a lower level would hide them.
# mitigations=off: speculation workarounds only cost time in a test guest.
cmdline="console=ttyS0 edd=off loglevel=5 printk.time=1 panic=-1 oops=panic mitigations=off"

# shellcheck disable=SC2317 # only called from traps
kill_qemu() {
	if [ -s "$pidfile" ]; then
		kill "$(cat "$pidfile")" 2>/dev/null || true
	fi
}

# shellcheck disable=SC2317 # only called from traps
cleanup() {
	kill_qemu
	# Keep the console log of failed runs for inspection.
	if [ "${result:-1}" = 0 ]; then
		rm -rf "$tmpdir"
	else
		rm -f "$tmpdir/initrd" "$tmpdir/run.cpio" "$pidfile"
		rm -rf "$tmpdir/run"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

: >"$log" || die "cannot write the console log $log"
start=$(date +%s)

# One boot of the guest, its console appended to the log.
boot() {
	# Run in the background and wait, so that INT/TERM reach our trap
	# (and kill qemu) at once instead of after the pipeline ends. sed -u
	# strips the CRs of the guest tty, and the firmware's terminal escapes
	# (which would clear the user's screen), without buffering the live
	# output.
	(
		set +e
		timeout -k 10 "$timeout_s" qemu-system-x86_64 \
			-machine q35 "${accel[@]}" \
			-m "${VM_MEM:-2048}" -smp "$cpus" \
			-nographic -nodefaults -serial stdio -no-reboot \
			-pidfile "$pidfile" \
			-kernel "$kernel" -initrd "$tmpdir/initrd" -append "$cmdline" \
			-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
			</dev/null 2>&1 | sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[c=>]//g' | tee -a "$log"
		echo "${PIPESTATUS[0]}" >"$tmpdir/qemu.status"
	) &
	wait $! || true
	# qemu has exited: its pid may be reused, so never signal it from now on.
	rm -f "$pidfile"
}

boot
# A kernel report while the guest booted, before the tests ran (stage2.sh
# looks): nothing of conenat was loaded. Boot once more, keeping the first
# console log; a second such boot fails the run.
if grep -q '^CONENAT-VM-BOOT-REPORT' "$log"; then
	mv "$log" "$log.boot1"
	echo "$prog: the kernel reported a problem while booting, before the tests ran (console log $log.boot1); booting once more" >&2
	: >"$log"
	boot
fi
elapsed=$(($(date +%s) - start))
qemu_status=$(cat "$tmpdir/qemu.status" 2>/dev/null || echo '?')

# --- verdict -------------------------------------------------------------------

status=$(sed -n 's/.*CONENAT-VM-EXIT: \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)

# Kernel splats, matched only on timestamped kernel lines (printk.time=1);
# the expected taint messages of an unsigned out-of-tree module do not match.
# The debug kernel's checkers (KASAN, UBSAN, lockdep, PROVE_RCU, debugobjects,
# kmemleak) all report through one of these.
splat_re='\[ *[0-9]+\.[0-9]+\] .*(Oops|BUG:|kernel BUG at|WARNING:|Call Trace:|Kernel panic|general protection fault|Unable to handle|UBSAN:|KASAN:|KFENCE:|ODEBUG:|kmemleak: [0-9]+ new suspected|unreferenced object|refcount_t:|list_(add|del) corruption|stack-protector|soft lockup|hard LOCKUP|blocked for more than|rcu_(sched|preempt) detected stalls|lockdep is turned off|suspicious RCU usage)'
splat=$(grep -E "$splat_re" "$log" |
	grep -v -E 'taints kernel|module verification failed' | head -n 20 || true)

if [ -n "$splat" ]; then
	{
		echo "$prog: KERNEL SPLAT on the guest console (oops/BUG/WARNING/panic):"
		while IFS= read -r line; do echo "    $line"; done <<<"$splat"
		echo "$prog: full console log: $log"
	} >&2
fi

if grep -q '^CONENAT-VM-BOOT-REPORT' "$log"; then
	echo "$prog: the kernel reported a problem while booting, on the second boot too" >&2
	result=124
elif [ -z "$status" ]; then
	{
		case $qemu_status in
		124 | 137) echo "$prog: timed out after ${timeout_s}s (VM_TIMEOUT)" ;;
		esac
		echo "$prog: guest did not report a result (crashed, hung or timed out)"
		echo "$prog: last 40 lines of the console ($log):"
		tail -n 40 "$log"
	} >&2
	result=125
elif [ -n "$splat" ]; then
	echo "$prog: failing the run (exit 124) although the guest script exited $status" >&2
	result=124
else
	result=$status
fi
[ "$result" = 0 ] || echo "$prog: exit $result after ${elapsed}s; console log kept in $log" >&2
exit "$result"
