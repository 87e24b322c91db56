#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once per machine, the debug kernel `make check-debug` boots: Debian's
# linux-source-6.1 with KASAN, UBSAN, lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP,
# kmemleak and debugobjects (scripts/debug-kernel.config). The result is
# cached outside the tree, keyed by the config fragment, the source package
# version and the compiler, so a second run costs nothing.
#
# Prints the directory of the result on stdout:
#   DIR/bzImage          the kernel
#   DIR/kernel.release   its `uname -r`
#   DIR/root/lib/modules/RELEASE/   its modules (the network pieces)
#   DIR/build            a tree to build out-of-tree modules against (KDIR)
#
# Cold, on 2 cores, this took 18 minutes here; the log goes to DIR.log.
# With --cached it builds nothing: it prints DIR when the cache is warm and
# exits 3 when it is not.
set -eu

cached_only=0
case ${1:-} in
'') ;;
--cached) cached_only=1 ;;
*)
	echo "usage: $0 [--cached]" >&2
	exit 2
	;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/debug-kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz
# Bump when the way the kernel is built changes, to retire old caches.
format=1

die() {
	echo "debug-kernel: $*" >&2
	exit 1
}

[ -r "$tarball" ] || die "$tarball missing (Debian package: linux-source-6.1)"
for tool in flex bison bc gcc make; do
	command -v $tool >/dev/null ||
		die "$tool not found (run scripts/deps.sh debug as root)"
done
[ -r /usr/include/libelf.h ] || die "libelf.h not found (Debian package: libelf-dev)"
[ -r /usr/include/openssl/ssl.h ] || die "openssl headers not found (Debian package: libssl-dev)"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$(
	{
		echo "format $format source $srcver"
		gcc --version | head -n 1
		cat "$fragment"
	} | sha256sum | cut -c1-16
)
cache=${CONENAT_DEBUG_KERNEL_CACHE:-${HOME:?is unset}/.cache/conenat-debug-kernel}
out=$cache/$key
mkdir -p "$cache"

if [ -f "$out/done" ]; then
	echo "$out"
	exit 0
fi
[ "$cached_only" = 0 ] || exit 3

# One build at a time per cache; a second caller waits and reuses it.
exec 9>"$cache/.lock"
if ! flock -n 9; then
	echo "debug-kernel: another build is running; waiting for it" >&2
	flock 9
fi
if [ -f "$out/done" ]; then
	echo "$out"
	exit 0
fi

log=$out.log
echo "debug-kernel: building into $out (log: $log); about 20 minutes on 2 cores" >&2
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
{
	tar -xJf "$tarball" -C "$out"
	mv "$out/linux-source-6.1" "$out/build"
	cd "$out/build"
	make -s x86_64_defconfig kvm_guest.config
	scripts/kconfig/merge_config.sh -m .config "$fragment"
	make -s olddefconfig
} >"$log" 2>&1 || die "configuring failed; see $log"

# Every option the fragment sets must have survived olddefconfig (a missing
# dependency would silently drop it).
missing=$(
	grep -E '^(CONFIG_[A-Z0-9_]+=.*|# CONFIG_[A-Z0-9_]+ is not set)$' "$fragment" |
		while IFS= read -r line; do
			case $line in
			'# '*)
				opt=${line#\# }
				opt=${opt%% *}
				if grep -q "^$opt=[ym]" "$out/build/.config"; then
					echo "$line"
				fi
				;;
			*) grep -qxF "$line" "$out/build/.config" || echo "$line" ;;
			esac
		done
	true
)
[ -z "$missing" ] || die "config fragment not applied: $(echo "$missing" | tr '\n' ' ')"

jobs=$(($(nproc) + 1))
(cd "$out/build" && nice make -j"$jobs" bzImage modules) >>"$log" 2>&1 ||
	die "build failed; see the end of $log"
(cd "$out/build" &&
	make -s modules_install INSTALL_MOD_PATH="$out/root" INSTALL_MOD_STRIP=1 &&
	cp arch/x86/boot/bzImage "$out/bzImage" &&
	cat include/config/kernel.release >"$out/kernel.release") \
	>>"$log" 2>&1 || die "install failed; see $log"
rm -f "$out/root/lib/modules/$(cat "$out/kernel.release")"/{build,source}
echo "debug-kernel: built in $(($(date +%s) - start)) s" >&2
echo "built in $(($(date +%s) - start)) s" >"$out/done"
echo "$out"
