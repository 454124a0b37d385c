#!/usr/bin/env bash
# make rpm's packages, built with rpmbuild (scripts/build-rpm, the tree's
# cargo target reused): the source package holds the spec and the tarball,
# vnic holds vnicctl (which runs), its manual pages, completions, units and
# docs, vnic-dkms the module's sources with dkms.conf; the scriptlets are
# shell, not unexpanded macros. Prints the packages' file lists.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"
command -v rpmbuild >/dev/null || die "rpmbuild is missing: run 'make deps'"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export RPM_OUT=$t/rpm
mapfile -t rpms < <("$top/scripts/build-rpm" --reuse-target)
version=$(sed -n 's/^Version: *//p' "$top/dist/rpm/vnic.spec")
srpm=$RPM_OUT/SRPMS/vnic-$version-1.src.rpm
bin=$RPM_OUT/RPMS/x86_64/vnic-$version-1.x86_64.rpm
dkms=$RPM_OUT/RPMS/noarch/vnic-dkms-$version-1.noarch.rpm
[ ${#rpms[@]} = 3 ] || die "expected 3 packages, got: ${rpms[*]}"
for p in "$srpm" "$bin" "$dkms"; do [ -f "$p" ] || die "no $(basename "$p")"; done
# has PACKAGE FILE...: every FILE is in PACKAGE's list.
has() {
	local list p=$1; shift
	list=$(rpm -qlp "$p" 2>/dev/null)
	for f in "$@"; do grep -qx -- "$f" <<<"$list" || die "$(basename "$p") lacks $f"; done
}
has "$srpm" vnic.spec "vnic-$version.tar.gz"
has "$bin" /usr/bin/vnicctl /usr/share/man/man8/vnicctl.8 /usr/share/man/man8/vnicctl-provider-status.8 \
	/usr/share/bash-completion/completions/vnicctl /usr/share/zsh/site-functions/_vnicctl \
	/usr/share/fish/vendor_completions.d/vnicctl.fish /usr/lib/systemd/system/vnic-provider.service \
	/usr/lib/systemd/system/vnic-supervisor.service /usr/share/doc/vnic/admin-guide.md \
	/usr/share/doc/vnic/wireshark/vnic.lua
has "$dkms" "/usr/src/vnic-$version/dkms.conf" "/usr/src/vnic-$version/Kbuild" "/usr/src/vnic-$version/rust/vnic_main.rs" \
	"/usr/src/vnic-$version/scripts/dkms-build" "/usr/src/vnic-$version/include/uapi/vnic.h"
rpm -qlp "$dkms" | grep -q '\.ko$' && die "vnic-dkms ships a built module"
# The binary in the package runs, and the unit starts the packaged path.
(cd "$t" && rpm2cpio "$bin" | cpio -idm --quiet ./usr/bin/vnicctl ./usr/lib/systemd/system/vnic-provider.service)
"$t/usr/bin/vnicctl" --version | grep -q "^vnicctl $version" || die "the packaged vnicctl does not run"
grep -qx 'ExecStart=/usr/bin/vnicctl provider --config /etc/vnic/provider.toml' "$t/usr/lib/systemd/system/vnic-provider.service" ||
	die "the packaged unit does not start /usr/bin/vnicctl"
for p in "$bin" "$dkms"; do
	scripts=$(rpm -qp --scripts "$p")
	grep -q '%' <<<"$scripts" && die "$(basename "$p") has unexpanded macros in its scriptlets: $scripts"
done
rpm -qp --provides "$dkms" | grep -qx "vnic-kmod-or-dkms = $version" || die "vnic-dkms does not provide the module"
summary=()
for p in "$srpm" "$bin" "$dkms"; do
	echo "$(basename "$p"):"
	rpm -qlp "$p" | sed 's/^/  /'
	summary+=("$(basename "$p") $(rpm -qlp "$p" | wc -l) files")
done
echo "built $(IFS=,; echo "${summary[*]}" | sed 's/,/, /g')"
