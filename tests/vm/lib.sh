# Helpers for the in-guest test cases (tests/vm/cases/*.sh). Sourced.
# shellcheck shell=bash
set -euo pipefail

fail() { echo "FAILED: $*" >&2; exit 1; }
# expect_eq ACTUAL EXPECTED WHAT
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
# expect_match TEXT REGEX WHAT
expect_match() { grep -Eq -- "$2" <<<"$1" || fail "$3: '$1' does not match /$2/"; }
# expect_no_match TEXT REGEX WHAT
expect_no_match() { ! grep -Eq -- "$2" <<<"$1" || fail "$3: '$1' matches /$2/"; }
# load_vnic: insmod the module under test unless it is loaded.
load_vnic() { [ -d /sys/module/vnic ] || insmod "$VNIC_KO"; }
# json EXPR: evaluate a Python expression over the JSON on stdin, bound to d.
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# stat DEV COUNTER: one of the kernel's per-device counters.
stat() { cat "/sys/class/net/$1/statistics/$2"; }
# vnic_links: names of every vnic device in this netns.
vnic_links() { ip -j -d link show | json '" ".join(l["ifname"] for l in d if l.get("linkinfo",{}).get("info_kind")=="vnic")'; }
