#!/usr/bin/env bash
# make install-dkms into a staging root, then DKMS itself (private trees,
# nothing on this machine touched) builds vnic.ko from those sources for the
# normal test kernel, and refuses a kernel without Rust support with
# check-kdir's one sentence in its make.log; make uninstall-dkms removes the
# sources.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"
command -v dkms >/dev/null || die "dkms is missing: run 'make deps'"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$top"
kdir=$(scripts/build-kernel normal)
release=$(cat "$kdir/include/config/kernel.release")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)

make -s install-dkms DESTDIR="$t/root" >"$t/out" 2>&1 || { cat "$t/out"; die "make install-dkms failed"; }
src=$t/root/usr/src/vnic-$version
for f in dkms.conf Kbuild rust/vnic_main.rs rust/net/device.rs rust/helpers.c include/uapi/vnic.h scripts/lib.sh; do
	[ -f "$src/$f" ] || die "install-dkms left out $f"
done
for f in dkms-build check-kdir kernel-bindgen-skip-flags; do
	[ -x "$src/scripts/$f" ] || die "install-dkms left out scripts/$f (executable)"
done
[ ! -e "$src/rust/bindings_generated.rs" ] || die "install-dkms copied a generated file"

dk() { dkms --dkmstree "$t/tree" --sourcetree "$t/root/usr/src" --installtree "$t/inst" "$@"; }
mkdir -p "$t/tree" "$t/inst"
dk build "vnic/$version" -k "$release" --kernelsourcedir "$kdir" >"$t/out" 2>&1 || {
	cat "$t/out" "$t/tree/vnic/$version/build/make.log" 2>/dev/null; die "dkms build for $release failed"; }
ko=$t/tree/vnic/$version/$release/x86_64/module/vnic.ko
[ -f "$ko" ] || ko=$ko.xz
[ -f "$ko" ] || die "dkms build left no vnic.ko"
got=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
[ "$got" = "$release" ] || die "the DKMS module is for '$got', not $release"
dk status | grep -q "^vnic/$version, $release, x86_64: built$" || die "dkms status: $(dk status)"

# A kernel built without CONFIG_RUST: refused, in one sentence.
fake=$t/norust
mkdir -p "$fake/include/config"
echo CONFIG_MODULES=y >"$fake/include/config/auto.conf"
cp "$fake/include/config/auto.conf" "$fake/.config"
echo 6.1.0-norust >"$fake/include/config/kernel.release"
echo 'all:' >"$fake/Makefile"
if dk build "vnic/$version" -k 6.1.0-norust --kernelsourcedir "$fake" >"$t/out" 2>&1; then
	die "dkms built vnic for a kernel without Rust support"
fi
grep -qx "vnic: the kernel in KDIR=$fake is built without CONFIG_RUST=y: .*" "$t/tree/vnic/$version/build/make.log" ||
	die "no one-sentence refusal in make.log: $(tail -n 3 "$t/tree/vnic/$version/build/make.log")"

make -s uninstall-dkms DESTDIR="$t/root" >"$t/out" 2>&1 || { cat "$t/out"; die "make uninstall-dkms failed"; }
[ ! -e "$src" ] || die "uninstall-dkms left $src"
echo "DKMS builds vnic.ko $version for $release from the installed sources and refuses a kernel without Rust"
