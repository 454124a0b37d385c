#!/usr/bin/env bash
# Header SPs on the host, over real UDP on loopback (Documentation/
# status-protocol.md): three SPs (`vnicctl provider` in benchmark mode,
# VNIC_BENCH_WITHOUT_RELAY=1: no relay, which the host has not), sp1 and
# sp2 serving http on vNIC #1 and sp3 ssh on vNIC #2, each with its own
# provider keys and users' records and its own status key, report to two
# headers every 200 ms. Checked: both headers list the three live; 20
# exchanges through header h1 (userctl/vnic-auth/examples/udp_bench.rs,
# each from its own client address) are all granted, by sp1 and sp2 10 +- 3
# each, answered by the SPs themselves; reports built by Python's hmac
# (not the project's code) for a fourth SP are taken when genuine and
# ignored, counted, when forged or replayed, also after a header restart; after kill -9 of
# sp1, h1 drops it within a second and every exchange goes to sp2; with
# h1 killed, h2 serves new exchanges.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top/userctl" && cargo build --release --quiet -p vnicctl -p vnic-auth --bins --example udp_bench ||
	{ echo "building vnicctl and udp_bench failed"; exit 1; }
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$top/userctl/$target ;; esac
vnicctl=$target/release/vnicctl
bench=$target/release/examples/udp_bench
t=$(mktemp -d)
declare -A pid=()
cleanup() {
	local p
	for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
fail() {
	echo "$*"
	local f
	for f in "$t"/*.log; do [ -s "$f" ] && { echo "--- $(basename "$f")"; tail -n 8 "$f"; }; done
	exit 1
}

# sp NAME ADDR SERVICE NUMBER: its configuration, keys and records.
sp() {
	mkdir -p "$t/$1"
	"$vnicctl" status-key --out "$t/$1/status.key" || fail "vnicctl status-key failed"
	cat >"$t/$1/provider.toml" <<-CONF
		listen = "$2:7390"
		relay = "bench0"
		data_dir = "$t/$1"

		[status]
		name = "$1"
		key_file = "$t/$1/status.key"
		headers = ["127.0.0.21:7391", "127.0.0.22:7391"]
		interval_ms = 200

		[[vnic]]
		name = "vnic$4"
		number = $4
		ids = "$((4 * 100))-$((4 * 100 + 99))"
		services = [{ name = "$3", port = 80 }]
	CONF
	local u record
	for u in u0 u1; do
		record=$(echo pass | "$vnicctl" passcode-hash --user "$u" --keys "$t/$1/secret" --test-cost) ||
			fail "passcode-hash for $1 failed"
		printf '\n[[user]]\nname = "%s"\npasscode = "%s"\nallow = ["vnic%s"]\n' "$u" "$record" "$4" >>"$t/$1/provider.toml"
	done
}
header() { # header NAME ADDR
	mkdir -p "$t/$1"
	{
		printf 'name = "%s"\nlisten = "%s:7391"\nauth_listen = "%s:7390"\ndata_dir = "%s"\n' "$1" "$2" "$2" "$t/$1"
		for s in sp1 sp2 sp3 sp4; do printf '\n[[sp]]\nname = "%s"\nkey_file = "%s"\n' "$s" "$t/$s/status.key"; done
	} >"$t/$1/header.toml"
}
start() { # start NAME provider|header
	if [ "$2" = provider ]; then
		VNIC_BENCH_WITHOUT_RELAY=1 "$vnicctl" provider --config "$t/$1/provider.toml" 2>>"$t/$1.log" &
	else
		"$vnicctl" header --config "$t/$1/header.toml" 2>>"$t/$1.log" &
	fi
	pid[$1]=$!
	for _ in $(seq 100); do grep -q "listening on UDP" "$t/$1.log" 2>/dev/null && return; sleep 0.05; done
	fail "$1 did not start"
}
status() { "$vnicctl" -j header status --config "$t/$1/header.toml"; }
live() { status "$1" | /usr/bin/python3 -c 'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin)["sps"] if s["live"]))'; }
wait_live() { # wait_live HEADER "NAMES": until exactly these are live (5 s)
	local i
	for i in $(seq 50); do [ "$(live "$1")" = "$2" ] && return 0; sleep 0.1; done
	fail "$1: live SPs are '$(live "$1")', not '$2'"
}
counter() { status "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['counters']['$2'])"; }
# run N HEADER: N exchanges through the header; prints grants per SP port.
run() {
	"$bench" --provider "$2:7390" --users 2 --passcode pass --count "$1" --concurrency 4 --json "$t/run.json" >"$t/bench.log" 2>&1 ||
		fail "udp_bench through $2: $(cat "$t/bench.log")"
	/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join(f"{a}={n}" for a, n in sorted(r["by_provider"].items())))' "$t/run.json"
}

sp sp1 127.0.0.11 http 1
sp sp2 127.0.0.12 http 1
sp sp3 127.0.0.13 ssh 2
mkdir -p "$t/sp4" && "$vnicctl" status-key --out "$t/sp4/status.key" || fail "vnicctl status-key failed"
header h1 127.0.0.21
header h2 127.0.0.22
for n in h1 h2; do start $n header; done
for n in sp1 sp2 sp3; do start $n provider; done
wait_live h1 "sp1 sp2 sp3"
wait_live h2 "sp1 sp2 sp3"

by=$(run 20 127.0.0.21)
read -r a b rest <<<"$by"
[ -z "$rest" ] && [[ $a == 127.0.0.11:7390=* && $b == 127.0.0.12:7390=* ]] || fail "20 exchanges were granted by '$by', not by sp1 and sp2"
n1=${a#*=} n2=${b#*=}
((n1 >= 7 && n1 <= 13 && n2 >= 7 && n2 <= 13)) || fail "sp1 granted $n1 and sp2 $n2 of 20, not 10 +- 3 each"
# Only each first Auth-REQ passes the header: the SP's Auth-RETRY brings
# the supervisor to the SP, which it talks to from then on.
[ "$(counter h1 forwarded)" = 20 ] || fail "h1 forwarded $(counter h1 forwarded) requests for 20 exchanges, not 20"

# Reports from an implementation the project did not write, for sp4, which
# the headers trust but which runs no daemon.
report() { # report KEYFILE NAME SEQUENCE ADDRESS: a report to h1
	/usr/bin/python3 - "$@" <<-'PY'
		import base64, hmac, hashlib, socket, struct, sys
		key_line, name, seq, addr = open(sys.argv[1]).read().strip(), sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4]
		b64 = key_line.split("$")[-1]
		key = base64.b64decode(b64 + "=" * (-len(b64) % 4))
		vnic = struct.pack(">HBBII", 1, 1, 0, 100, 0) + struct.pack(">HB", 80, 4) + b"http"
		head = b"VN" + bytes([2, 2]) + struct.pack(">HHIHH", 2, 0, 0, len(vnic), 0)
		sender = bytes([2, 4]) + struct.pack(">H", 7390) + bytes(4) + socket.inet_aton(addr) + bytes(12)
		body = bytes([len(name)]) + name.ljust(31, b"\0") + struct.pack(">QIB", seq, 200, 1) + bytes(3)
		data = head + sender + body + vnic
		data += hmac.new(key, b"vnic-status v2 report" + data, hashlib.sha256).digest()
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.bind(("127.0.0.1", 0))
		s.sendto(data, ("127.0.0.21", 7391))
	PY
}
auth_of() { status h1 | /usr/bin/python3 -c 'import json,sys; print([s["auth"] for s in json.load(sys.stdin)["sps"] if s["name"]==sys.argv[1]][0])' "$1"; }
printf '$vnic-status-key$v=2$%s\n' "$(head -c 32 /dev/urandom | base64 | tr -d '=\n')" >"$t/wrong.key"
report "$t/wrong.key" sp1 "$(($(date +%s%3N) + 100000))" 127.0.0.99
report "$t/wrong.key" sp4 1000 127.0.0.14
report "$t/sp4/status.key" sp4 1000 127.0.0.14
sleep 0.2
[ "$(live h1)" = "sp1 sp2 sp3 sp4" ] || fail "h1 did not take a genuine report of sp4 built by Python: live are '$(live h1)'"
[ "$(auth_of sp4)" = 127.0.0.14:7390 ] || fail "sp4 is at '$(auth_of sp4)' on h1"
report "$t/sp4/status.key" sp4 1000 127.0.0.99
report "$t/sp4/status.key" sp4 999 127.0.0.99
sleep 0.2
[ "$(counter h1 forged)" = 2 ] || fail "h1 counted $(counter h1 forged) forged reports, not 2"
[ "$(counter h1 replayed)" = 2 ] || fail "h1 counted $(counter h1 replayed) replayed reports, not 2"
[ "$(auth_of sp1)" = 127.0.0.11:7390 ] && [ "$(auth_of sp4)" = 127.0.0.14:7390 ] ||
	fail "a forged or replayed report moved sp1 to $(auth_of sp1) or sp4 to $(auth_of sp4)"
wait_live h1 "sp1 sp2 sp3"
# A restarted header still refuses what it accepted before.
kill "${pid[h1]}"; wait "${pid[h1]}" 2>/dev/null
start h1 header
report "$t/sp4/status.key" sp4 1000 127.0.0.14
sleep 0.2
[ "$(counter h1 replayed)" = 1 ] || fail "the restarted h1 counted $(counter h1 replayed) replayed reports, not 1"
wait_live h1 "sp1 sp2 sp3"

kill -9 "${pid[sp1]}"; unset 'pid[sp1]'
gone=$(date +%s%N)
wait_live h1 "sp2 sp3"
wait_live h2 "sp2 sp3"
ms=$((($(date +%s%N) - gone) / 1000000))
((ms <= 1500)) || fail "h1 dropped the killed sp1 after $ms ms"
by=$(run 10 127.0.0.21)
[ "$by" = "127.0.0.12:7390=10" ] || fail "after sp1 was killed, 10 exchanges were granted by '$by', not all by sp2"

kill -9 "${pid[h1]}"; unset 'pid[h1]'
by=$(run 10 127.0.0.22)
[ "$by" = "127.0.0.12:7390=10" ] || fail "through h2, 10 exchanges were granted by '$by', not by sp2"
echo "20 exchanges through h1: sp1 $n1, sp2 $n2; forged and replayed reports ignored; sp1 gone from the catalog $ms ms after kill -9; h2 serves with h1 killed"
