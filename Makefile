# SPDX-License-Identifier: GPL-2.0
#
# conenat: top-level build. `make` builds conenat.ko, natctl and
# conenat-pcpd; `make check` installs what the tests need (as root), builds
# everything and runs the userspace tests and the VM suite. `make help`
# lists every target.

VERSION := $(shell cat VERSION)

# The kernel to build against: the running kernel's build directory, else the
# newest installed headers. KDIR= overrides; KVER follows KDIR.
ifeq ($(origin KDIR),undefined)
KDIR := $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V)))
endif
KVER = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)

PREFIX ?= /usr/local
DESTDIR ?=

# Kernel sources for checkpatch and the kselftest harness, unpacked from
# Debian's linux-source-6.1 package into the tree's cache on first use.
SRCPKG_TAR := /usr/src/linux-source-6.1.tar.xz
SRCPKG_DIR := $(CURDIR)/.cache/linux-source-6.1
CHECKPATCH := $(SRCPKG_DIR)/scripts/checkpatch.pl
KERNEL_FILES := $(filter-out %.mod.c,$(wildcard kmod/*.c kmod/*.h)) include/uapi/linux/conenat.h

.PHONY: all modules natctl selftests check check-deps style sparse install \
	uninstall modules_install dkms-install dkms-uninstall deb clean help soak demo bench \
	check-debug check-installed soak-installed bench-installed

all: modules natctl

modules:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "conenat: no kernel build directory; install linux-headers-amd64 or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

natctl:
	$(MAKE) -C userspace

$(SRCPKG_DIR)/.unpacked:
	@test -f $(SRCPKG_TAR) || { echo "conenat: $(SRCPKG_TAR) is missing; install Debian's linux-source-6.1" >&2; exit 1; }
	mkdir -p $(SRCPKG_DIR)
	tar -xJf $(SRCPKG_TAR) -C $(SRCPKG_DIR) --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch $@

selftests: $(SRCPKG_DIR)/.unpacked
	$(MAKE) -C selftests KSFT_DIR=$(SRCPKG_DIR)/tools/testing/selftests

check-deps:
	@scripts/deps.sh

# Targets that install their dependencies first run the rest in a new make:
# KDIR is worked out when a make starts, and on a new machine the kernel
# headers arrive only with check-deps.
check: check-deps
	@$(MAKE) --no-print-directory check-installed

check-installed:
	@KDIR="$(KDIR)" scripts/check.sh

# The VM suite and a soak on a debug kernel (KASAN, UBSAN, lockdep, kmemleak)
# built once per machine from Debian's linux-source-6.1: 18 minutes
# cold on 2 cores, cached in ~/.cache/conenat-debug-kernel.
check-debug:
	@scripts/deps.sh debug
	@scripts/check-debug.sh

# A narrated hole punch between two conenat routers in a throwaway VM.
demo:
	@scripts/demo.sh

# Mixed traffic with constant mapping churn in a VM (SOAK_SECONDS, default
# 600), then memory and counters must be back where they started.
SOAK_SECONDS ?= 600
soak: check-deps
	@$(MAKE) --no-print-directory soak-installed

soak-installed: modules natctl selftests
	VM_MODULES=$(CURDIR)/kmod/conenat.ko VM_TIMEOUT=$$(($(SOAK_SECONDS) + 600)) \
		selftests/vm/run-vm.sh $(CURDIR)/selftests/soak-vm.sh $(SOAK_SECONDS)

# The benchmark in a qemu guest: conenat against masquerade and plain
# forwarding (Documentation/benchmarks.md). MODE=icount: the deterministic
# cost mode (one vCPU, instruction counting); MODE=wallclock (the default):
# two vCPUs, wall-clock rates, noisy. QUICK=1 for a short run.
MODE ?= wallclock
bench: check-deps
	@$(MAKE) --no-print-directory bench-installed

bench-installed: modules natctl
	$(MAKE) -C bench
	MODE=$(MODE) QUICK=$(QUICK) bench/run.sh

style: $(SRCPKG_DIR)/.unpacked
	perl $(CHECKPATCH) --strict --no-tree --terse --show-types -f $(KERNEL_FILES)

sparse:
	@test -x /usr/bin/sparse || { echo "conenat: sparse is missing; install Debian's sparse" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CF="-D__CHECK_ENDIAN__" modules 2>&1 | tee .sparse.log
	@! grep -E 'warning:|error:' .sparse.log

install: natctl
	$(MAKE) -C userspace install install-pcpd PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

uninstall:
	$(MAKE) -C userspace uninstall uninstall-pcpd PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

# DKMS keeps its own copy of the source in /usr/src/conenat-$(VERSION);
# re-running dkms-install replaces it, and any other version DKMS has.
dkms-install:
	scripts/dkms-install.sh

# Debian packages (conenat-dkms, natctl) in deb/, lintian-clean; the build
# dependencies are installed as root, as make check installs its own.
deb:
	@scripts/deps.sh
	scripts/deb.sh

dkms-uninstall:
	-dkms remove -m conenat -v $(VERSION) --all
	rm -rf $(DESTDIR)/usr/src/conenat-$(VERSION)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -f .sparse.log
	rm -rf .debug-build

help:
	@echo "conenat $(VERSION) targets:"
	@echo "  all (default)   build kmod/conenat.ko, userspace/natctl and userspace/conenat-pcpd (KDIR=$(KDIR))"
	@echo "  check           install test dependencies (as root), build, run all tests"
	@echo "  check-debug     the VM suite and a soak on a KASAN/lockdep/kmemleak kernel (first run builds it: ~20 min)"
	@echo "  bench           benchmark against masquerade in a qemu guest (MODE=icount: deterministic"
	@echo "                  cost per packet, the figures targets are judged on; QUICK=1: short)"
	@echo "  demo            a narrated hole punch and WireGuard tunnel between two NATs, in a VM"
	@echo "  soak            SOAK_SECONDS (600) of traffic and mapping churn in a VM"
	@echo "  style           checkpatch --strict on the kernel sources"
	@echo "  sparse          sparse (C=2) on the module"
	@echo "  install         install natctl and conenat-pcpd (PREFIX=$(PREFIX), DESTDIR honoured)"
	@echo "  uninstall       remove what install installed"
	@echo "  modules_install install conenat.ko into /lib/modules/$(KVER)"
	@echo "  dkms-install    register, build and install the module with DKMS"
	@echo "  dkms-uninstall  remove the module from DKMS"
	@echo "  deb             the Debian packages conenat-dkms and natctl, in deb/ (lintian-checked)"
	@echo "  clean           remove build products"
