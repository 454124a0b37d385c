#!/bin/bash
# Fuzzes vnic-auth's decoder for SECONDS (default 60), or for a fixed
# number of inputs, with cargo-fuzz.
#
#   userctl/vnic-auth/fuzz/run.sh [SECONDS | --runs N]
#
# Uses the nightly toolchain with AddressSanitizer when rustup has one,
# otherwise the stable toolchain without a sanitizer (the decoder is safe
# Rust; libFuzzer's coverage guidance and the round-trip assertions are what
# matter). Installs cargo-fuzz from crates.io if it is missing. The corpus
# starts from the four messages of tests/vectors.json.
#
# Exit status: 0 no crash; 1 a crash (the input is in fuzz/artifacts/decode/);
# 77 cannot run here (no cargo, or cargo-fuzz could not be installed).
set -euo pipefail

if [ "${1:-}" = --runs ]; then
    runs=${2:-}
    case $runs in '' | *[!0-9]*) echo "usage: $0 [SECONDS | --runs N]" >&2; exit 2 ;; esac
    limit=(-runs="$runs") what="$runs inputs"
else
    secs=${1:-60}
    case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS | --runs N]" >&2; exit 2 ;; esac
    limit=(-max_total_time="$secs") what="${secs}s"
fi
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v cargo >/dev/null; then
    echo "fuzz: skipped, no cargo on PATH" >&2
    exit 77
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz (cargo install cargo-fuzz --locked)" >&2
    if ! cargo install cargo-fuzz --locked >&2; then
        echo "fuzz: skipped, cargo-fuzz could not be installed" >&2
        exit 77
    fi
fi

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
    sanitizer=address
else
    toolchain=()
    sanitizer=none
fi

corpus="$here/corpus/decode"
mkdir -p "$corpus"
# Seeds: each "name": "hex" line of the messages section.
sed -n '/"messages"/,/}/s/^ *"\([a-z_]*\)": "\([0-9a-f]*\)".*/\1 \2/p' "$here/../tests/vectors.json" |
    while read -r name hex; do
        printf '%b' "$(sed 's/../\\x&/g' <<<"$hex")" >"$corpus/vector_$name"
    done

cd "$here/.."
echo "fuzz: decode for $what (toolchain ${toolchain[*]:-stable}, sanitizer $sanitizer)" >&2
status=0
cargo "${toolchain[@]}" fuzz run --sanitizer "$sanitizer" decode "$corpus" -- \
    "${limit[@]}" -max_len=1024 -print_final_stats=1 || status=$?
if [ "$status" -ne 0 ]; then
    echo "fuzz: FAILED, see $here/artifacts/decode/" >&2
    exit 1
fi
echo "fuzz: no crash in $what" >&2
