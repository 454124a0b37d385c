# vnic: build, test and demo entry points. See README.md.
#
#   make                 toolchain (if missing), test kernel (cached), vnic.ko, vnicctl
#   make KDIR=/path      vnic.ko against another 6.12+ kernel built with CONFIG_RUST=y
#   make check           unit tests, then the VM tests on the normal and the debug kernel
#                        (and the no-bridge-netfilter case on a third, nobridgenf, kernel)
#   make demo            the papers' scenario in a VM: handshakes, two vNICs, two sites, the capture
#   make bench           iperf3 through baseline routing, vnic, VXLAN and Geneve (table + $BENCH_OUT)
#   make install         vnicctl, man pages, completions, units, docs, and vnic.ko for KDIR
#                        (default: the running kernel); DESTDIR, PREFIX (/usr/local)
#   make install-user    the same without the module;  make uninstall  removes both
#   make install-dkms    the module's sources into /usr/src/vnic-VERSION for DKMS (dkms add)
#   make rpm             RHEL/CentOS packages (vnic, vnic-dkms, the source package) into build/rpm
#
# Kernel builds live in $(VNIC_CACHE) (default ~/.cache/vnic), outside the repo.

SHELL := /bin/bash
.DEFAULT_GOAL := all
KDIR ?=

.PHONY: all deps kernel module vnicctl check unit vm-check demo bench install install-user uninstall install-dkms uninstall-dkms rpm clean help

all: module vnicctl

deps:
	@scripts/install-deps

ifeq ($(KDIR),)
kernel: deps
	@scripts/build-kernel normal >/dev/null

module: kernel
	@mkdir -p build
	@ko=$$(scripts/build-module normal) && cp "$$ko" build/vnic.ko && \
		echo "vnic: built build/vnic.ko for the test kernel"
else
module: deps
	@mkdir -p build
	@ko=$$(scripts/build-module --kdir "$(KDIR)") && cp "$$ko" build/vnic.ko && \
		echo "vnic: built build/vnic.ko for $(KDIR)"
endif

vnicctl: deps
	@cd userctl && cargo build --release --quiet
	@echo "vnic: built userctl/target/release/vnicctl"

## check: host unit tests, VM tests on the normal and on the debug kernel
## (and on the nobridgenf kernel, the cases about a kernel without bridge netfilter).
check: deps
	@tests/check

demo: all
	@tests/vm/run tests/demo.sh

bench: all
	@tests/bench/bench

# Installation: paths for scripts/install; the module goes to the kernel in
# KDIR, by default the running one.
PREFIX ?= /usr/local
INSTALL_KDIR = $(or $(KDIR),/lib/modules/$(shell uname -r)/build)
INSTALL_ENV = DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" $(foreach v,BINDIR MANDIR DOCDIR UNITDIR BASHCOMPDIR ZSHCOMPDIR FISHCOMPDIR,$(if $($(v)),$(v)="$($(v))"))

install: vnicctl
	@$(INSTALL_ENV) scripts/install --kdir "$(INSTALL_KDIR)"

install-user: vnicctl
	@$(INSTALL_ENV) scripts/install --no-module

uninstall:
	@$(INSTALL_ENV) scripts/install --uninstall --kdir "$(INSTALL_KDIR)"

rpm: deps
	@scripts/build-rpm

install-dkms:
	@DESTDIR="$(DESTDIR)" scripts/install-dkms

uninstall-dkms:
	@DESTDIR="$(DESTDIR)" scripts/install-dkms --uninstall

clean:
	rm -rf build userctl/target

help:
	@sed -n '2,15s/^# \{0,1\}//p' Makefile
