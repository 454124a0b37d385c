#!/usr/bin/env bash
# The module reads as layers: no import cycle in rust/net/ or among rust/*.rs,
# and the generated bindings stay inside rust/net/ (scripts/module-layers).
# Also shows that the check fails: a copy of the tree with one import added
# against the layering must be refused.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/scripts/module-layers" "$top/rust"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$top/rust" "$tmp/rust"
# netdev is the bottom of the device stack; make it name the device layer.
echo 'use super::device::Device;' >> "$tmp/rust/net/netdev.rs"
if "$top/scripts/module-layers" "$tmp/rust" >"$tmp/out" 2>&1; then
	echo "module-layers accepted a cycle (netdev <-> device)"; exit 1
fi
grep -q "import cycle among" "$tmp/out"
echo 'pub(crate) use crate::relay::Relay;' >> "$tmp/rust/vnic.rs"
sed -i '$d' "$tmp/rust/net/netdev.rs"
"$top/scripts/module-layers" "$tmp/rust" >"$tmp/out" 2>&1 && { echo "module-layers accepted relay <-> vnic"; exit 1; }
echo "layers hold; a netdev<->device or relay<->vnic cycle is refused"
