#!/usr/bin/env bash
# scripts/check-kdir says in one sentence what is wrong with a KDIR, for each
# way a tree can be unusable, and accepts a usable one.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
rc=0
expect() { # expect REGEX KDIR [RUSTC]
	local out
	out=$("$top/scripts/check-kdir" "$2" ${3:+"$3"} 2>&1)
	if ! grep -Eq -- "$1" <<<"$out" || [ "$(wc -l <<<"$out")" != 1 ]; then
		echo "check-kdir $2: expected one line matching /$1/, got: $out"
		rc=1
	fi
}
expect "does not exist" "$t/none"
expect "not a configured kernel build tree" "$t"
mkdir -p "$t/include/config"
echo "CONFIG_NET=y" >"$t/include/config/auto.conf"
expect "built without CONFIG_RUST=y" "$t"
echo "CONFIG_RUST=y" >>"$t/include/config/auto.conf"
expect "no Rust metadata" "$t"
mkdir -p "$t/rust" && touch "$t/rust/libkernel.rmeta"
echo 'CONFIG_RUSTC_VERSION_TEXT="rustc 0.0.1 (test)"' >>"$t/include/config/auto.conf"
printf '#!/bin/sh\necho "rustc 9.9.9 (other)"\n' >"$t/rustc" && chmod +x "$t/rustc"
expect "built with 'rustc 0.0.1 \(test\)' but RUSTC=.* is 'rustc 9.9.9 \(other\)'" "$t" "$t/rustc"
printf '#!/bin/sh\necho "rustc 0.0.1 (test)"\n' >"$t/rustc"
out=$("$top/scripts/check-kdir" "$t" "$t/rustc" 2>&1) || { echo "a usable KDIR was refused: $out"; rc=1; }
echo "CONFIG_CC_IS_CLANG=y" >>"$t/include/config/auto.conf"
[ "$("$top/scripts/check-kdir" "$t" "$t/rustc")" = "LLVM=1" ] || { echo "clang-built KDIR: LLVM=1 not printed"; rc=1; }
exit $rc
