#!/usr/bin/env bash
# The provider daemon under load over real UDP, on the host: `vnicctl
# provider` (its SQLite database, the real socket loop; in benchmark mode,
# VNIC_BENCH_WITHOUT_RELAY=1, it programs no relay, which the host has not)
# pinned to one CPU, and userctl/vnic-auth/examples/udp_bench.rs on the
# other: grants per second of the provider's CPU time, handshake latency
# p50/p99, then the same while spoofed Auth-REQs flood it at 10 per
# legitimate one, and the share of legitimate exchanges granted.
#
#   environment: BENCH_AUTH_COUNT (default 5000 exchanges per run),
#                BENCH_AUTH_OUT (default bench-auth.json)
# Records use the test argon2 cost: only the clients run argon2, and the
# provider's work per exchange does not depend on it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"
count=${BENCH_AUTH_COUNT:-5000}
out=${BENCH_AUTH_OUT:-bench-auth.json}
[[ $count =~ ^[1-9][0-9]{0,6}$ ]] || die "BENCH_AUTH_COUNT must be a whole number from 1 to 9999999, not '$count'"
cd "$top/userctl"
cargo build --release --quiet -p vnicctl -p vnic-auth --bins --example udp_bench || die "cannot build vnicctl and udp_bench"
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$top/userctl/$target ;; esac
vnicctl=$target/release/vnicctl
bench=$target/release/examples/udp_bench
work=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
users=16
{
	cat <<-CONF
		listen = "127.0.0.1:7399"
		relay = "bench0"
		data_dir = "$work/data"
		[rate_limit]
		user_pending = 1024

		[[vnic]]
		name = "vnic1"
		number = 1
		ids = "1-65535"
		services = [{ name = "http", port = 80 }]
	CONF
	for u in $(seq 0 $((users - 1))); do
		record=$(echo bench-pass | "$vnicctl" passcode-hash --user "u$u" --keys "$work/data/secret" --test-cost)
		printf '\n[[user]]\nname = "u%s"\npasscode = "%s"\nallow = ["vnic1"]\n' "$u" "$record"
	done
} >"$work/provider.toml"
cpus=$(nproc)
pin_provider=() pin_clients=()
if [ "$cpus" -ge 2 ]; then pin_provider=(taskset -c 1) pin_clients=(taskset -c 0); fi
VNIC_BENCH_WITHOUT_RELAY=1 ${BENCH_AUTH_WRAP:-} "${pin_provider[@]}" "$vnicctl" provider --config "$work/provider.toml" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do grep -q "listening on UDP" "$work/log" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on UDP" "$work/log" || { cat "$work/log"; die "the provider did not start"; }
: >"$out"
for flood in 0 10; do
	echo "== $count exchanges, $flood spoofed Auth-REQs per exchange"
	"${pin_clients[@]}" "$bench" --provider 127.0.0.1:7399 --users "$users" --passcode bench-pass --count "$count" \
		--concurrency 64 --flood "$flood" --provider-pid "$pid" --json "$work/run.json" ||
		{ tail -n 5 "$work/log"; die "the run with flood $flood failed"; }
	cat "$work/run.json" >>"$out"
done
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
echo "wrote $out"
