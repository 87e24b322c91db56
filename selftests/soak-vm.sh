#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make soak` in the guest: load conenat and run soak.sh for $1 seconds.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
modprobe nf_nat || exit 1
insmod "$top/kmod/conenat.ko" || exit 1
SOAK_SECONDS=${1:-600} "$top/selftests/soak.sh"
