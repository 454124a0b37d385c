# Shared settings for vnic's build and test scripts. Sourced, not run.
# shellcheck shell=bash

# Where kernels, unpacked sources and other build caches live: outside the repo.
VNIC_CACHE=${VNIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vnic}
# A Python virtual environment for the test tools Debian 12 ships too old.
VNIC_PYVENV=${VNIC_PYVENV:-$VNIC_CACHE/pyvenv}
# The rustc that builds the kernel and the module (needs the matching core source).
KRUSTC=${KRUSTC:-/usr/bin/rustc}
# bindgen-cli 0.69.5, installed by scripts/install-deps.
BINDGEN=${BINDGEN:-$(command -v bindgen 2>/dev/null || echo "$HOME/.cargo/bin/bindgen")}
# Debian's kernel source package and the clang suffix of the debug kernel.
KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
KSRC_PACKAGE=linux-source-6.12
LLVM_SUFFIX=-14
# Bump when scripts/build-kernel changes what it builds (part of the cache key).
KBUILD_RECIPE=2

die() { printf 'vnic: %s\n' "$*" >&2; exit 1; }
note() { printf 'vnic: %s\n' "$*" >&2; }

# The test kernels: normal; debug (KASAN, kmemleak, lockdep, built with
# clang); nobridgenf (the normal one without bridge netfilter, for the cases
# about a kernel that lacks it).
VNIC_FLAVORS="normal debug nobridgenf"
# The config fragments of a flavor, in the order they apply (later wins).
flavor_configs() {
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	echo "$top/tests/kernel/vnic.config"
	case "$1" in
	debug) echo "$top/tests/kernel/debug.config" ;;
	nobridgenf) echo "$top/tests/kernel/nobridgenf.config" ;;
	esac
}

# The kernel flavors the VM case file $1 runs on: a line "# kernels:
# FLAVOR..." in its leading comment block (default: normal debug).
case_kernels() {
	local line kernels="normal debug"
	while IFS= read -r line && [[ $line == \#* ]]; do
		[[ $line =~ ^#\ kernels:\ (.+)$ ]] && kernels=${BASH_REMATCH[1]}
	done <"$1"
	echo "$kernels"
}
# Whether the VM case file $1 runs on the kernel flavor $2.
case_runs_on() { [[ " $(case_kernels "$1") " == *" $2 "* ]]; }

# Make variables every kernel or module build of a flavor passes.
# $1: a flavor
kbuild_flags() {
	local flags="RUSTC=$KRUSTC HOSTRUSTC=$KRUSTC BINDGEN=$BINDGEN"
	[ "$1" = debug ] && flags="$flags LLVM=$LLVM_SUFFIX"
	echo "$flags"
}

# The toolchain part of a kernel cache key: every tool whose output lands in the tree.
toolchain_id() {
	"$KRUSTC" --version
	"$BINDGEN" --version
	if [ "$1" = debug ]; then "clang$LLVM_SUFFIX" --version | head -n 1; else gcc --version | head -n 1; fi
}

# Directory of the cached kernel build of a flavor ($1), keyed by source
# version, config fragments, build recipe and toolchain.
kernel_dir() {
	local flavor=$1 key
	key=$( {
		dpkg-query -W -f '${Version}\n' "$KSRC_PACKAGE" 2>/dev/null || echo no-source
		# shellcheck disable=SC2046
		cat $(flavor_configs "$flavor")
		echo "recipe $KBUILD_RECIPE"
		toolchain_id "$flavor" 2>/dev/null
	} | sha256sum | cut -c1-16)
	echo "$VNIC_CACHE/kernel/$flavor-$key"
}
