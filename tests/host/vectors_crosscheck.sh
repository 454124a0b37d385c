#!/usr/bin/env bash
# The authentication test vectors (userctl/vnic-auth/tests/vectors.json),
# recomputed by an independent implementation: Python's `cryptography`
# (from the virtual environment scripts/install-deps makes).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"
py="$VNIC_PYVENV/bin/python"
[ -x "$py" ] || die "no $py: run 'make deps'"
cd "$top/userctl/vnic-auth/tests"
out=$("$py" vectors_crosscheck.py 2>&1) || { printf '%s\n' "$out"; exit 1; }
n=$(grep -c '^ok ' <<<"$out" || true)
[ "$n" -ge 10 ] || { printf '%s\n' "$out"; die "only $n vectors checked"; }
! grep -v '^ok ' <<<"$out" | grep -q . || { printf '%s\n' "$out"; die "unexpected output"; }
echo "$n vectors agree"
