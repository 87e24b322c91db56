#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make dkms-install`: hand the module's source to DKMS, which builds it for
# the running kernel now and for every kernel installed later. Re-running
# it replaces what DKMS had of conenat, this version or another, so an
# upgrade is `git pull && sudo make dkms-install`.
#
#   scripts/dkms-install.sh [--sourcetree DIR] [--dkmstree DIR]
#                           [--kernel KVER] [--build-only]
#
# --sourcetree and --dkmstree (default: DKMS's own, /usr/src and
# /var/lib/dkms) let the check run it without touching the system;
# --build-only stops before `dkms install` (which writes /lib/modules).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
srctree=/usr/src
tree_args=()
kernel_args=()
install=1
while [ $# -gt 0 ]; do
	case $1 in
	--sourcetree) srctree=$2; tree_args+=(--sourcetree "$2"); shift 2 ;;
	--dkmstree) tree_args+=(--dkmstree "$2"); shift 2 ;;
	--kernel) kernel_args=(-k "$2"); shift 2 ;;
	--build-only) install=0; shift ;;
	*) echo "dkms-install: unknown argument \"$1\"" >&2; exit 1 ;;
	esac
done

# Whatever DKMS has of conenat goes first: every version, every kernel.
dkms status -m conenat "${tree_args[@]}" 2>/dev/null |
	sed -n 's|^conenat/\([^,:]*\)[,:].*|\1|p' | sort -u |
	while read -r old; do
		echo "dkms-install: removing conenat $old from DKMS"
		dkms remove -m conenat -v "$old" --all "${tree_args[@]}" >/dev/null
		rm -rf "${srctree:?}/conenat-$old"
	done

src=$srctree/conenat-$version
rm -rf "$src"
mkdir -p "$src"
# the tracked sources when this is a git tree, else the tree as it is
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z Kbuild VERSION dkms.conf LICENSE kmod include |
		xargs -0 cp --parents -t "$src")
else
	(cd "$top" && cp -r Kbuild VERSION dkms.conf LICENSE kmod include "$src/")
	rm -f "$src"/kmod/*.o "$src"/kmod/*.ko "$src"/kmod/*.mod* "$src"/kmod/.*.cmd
fi
dkms add -m conenat -v "$version" "${tree_args[@]}"
dkms build -m conenat -v "$version" "${kernel_args[@]}" "${tree_args[@]}"
if [ "$install" = 1 ]; then
	dkms install -m conenat -v "$version" "${kernel_args[@]}" "${tree_args[@]}"
fi
