# Many SPs (Documentation/status-protocol.md): three SPs, each a namespace
# with its own relay, provider keys, users' records and status key: sp1
# (10.0.2.1) and sp2 (10.0.2.2) host vNIC #1 (site one, fixed ID 1), sp3
# (10.0.2.3) vNIC #2 (site two); two header SPs (10.0.2.11, 10.0.2.12)
# that they report to every 500 ms; a supervisor on the client side with
# 20 client addresses asking through the headers, one session of site one
# for each and of site two for two of them. Checked: every client gets its
# site from the SP that granted it, and sp1 and sp2 serve 10 +- 3 clients
# each; a report forged on the SPs' LAN changes nothing and is counted;
# after kill -9 of sp1 its clients are served by sp2 within the bound
# (FAILOVER_SECS) while sp2's sessions keep their SP; with header h1
# killed, a restarted supervisor gets its sessions through h2.
# case-timeout: 1200
. ../lib.sh
. ../auth_lib.sh
load_vnic
FAILOVER_SECS=40
W=/tmp/multi
rm -rf "$W"
mkdir -p "$W"
declare -A pid=()
cleanup() {
	local p
	supervisor_cleanup
	for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${pid[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT

# The router joins the client side (r0, 10.0.1.1/24) and the SPs' LAN (a
# bridge, 10.0.2.254/24) to which every SP and header is attached.
ip -batch - <<-EOF
	netns add router
	netns add client
	link add veth0 netns client type veth peer name r0 netns router
EOF
ip -n router -batch - <<-EOF
	link set lo up
	addr add 10.0.1.1/24 dev r0
	link set r0 up
	link add lan type bridge
	addr add 10.0.2.254/24 dev lan
	link set lan up
EOF
ip netns exec router sysctl -qw net.ipv4.ip_forward=1
{
	echo "link set lo up"
	for n in $(seq 2 21); do echo "addr add 10.0.1.$n/24 dev veth0"; done
	echo "link set veth0 up"
	echo "route add default via 10.0.1.1"
} | ip -n client -batch -
# host NS ADDR: a namespace on the SPs' LAN.
host() {
	ip link add eth0 netns "$1" type veth peer name "p-$1" netns router 2>/dev/null ||
		{ ip netns add "$1"; ip link add eth0 netns "$1" type veth peer name "p-$1" netns router; }
	ip -n router link set "p-$1" master lan up
	ip -n "$1" -batch - <<-EOF
		link set lo up
		addr add $2/24 dev eth0
		link set eth0 up
		route add default via 10.0.2.254
	EOF
}
for h in h1:11 h2:12; do ip netns add "${h%:*}"; host "${h%:*}" "10.0.2.${h#*:}"; done

# sp NAME N VNIC SITE: SP NAME at 10.0.2.N, relay0 and vNIC #VNIC (fixed ID
# VNIC: the supervisor embeds one ID per service for all its clients), SITE served on it by Python's http.server, users
# u0..u21 (passcode pass) allowed, reporting to both headers.
sp() {
	local name=$1 addr=10.0.2.$2 v=$3 d=$W/$1
	ip netns add "$name"
	host "$name" "$addr"
	ip netns exec "$name" vnicctl link add relay0 --pnic eth0 --up
	ip netns exec "$name" vnicctl link add "vnic$v" --number "$v" --id 1 --up
	mkdir -p "$d/www"
	echo "$4 on $name" >"$d/www/index.html"
	chmod -R a+rX "$d"
	ip netns exec "$name" python3 -m http.server -b "192.168.$v.1" -d "$d/www" 80 >/dev/null 2>&1 &
	pid[$name-www]=$!
	vnicctl status-key --out "$d/status.key" || fail "vnicctl status-key"
	cat >"$d/provider.toml" <<-CONF
		listen = "$addr"
		relay = "relay0"
		data_dir = "$d/data"
		bridge_boxes = ["10.0.1.2"]

		[status]
		name = "$name"
		key_file = "$d/status.key"
		headers = ["10.0.2.11", "10.0.2.12"]
		interval_ms = 500

		[[vnic]]
		name = "vnic$v"
		number = $v
		id = $v
		services = [{ name = "site$v", port = 80 }]
	CONF
	# One registration per user, all with this SP's own keys.
	python3 - "$d" "$v" <<-'PY' || fail "registering the users of $name"
		import subprocess, sys
		d, v = sys.argv[1], sys.argv[2]
		with open(f"{d}/provider.toml", "a") as conf:
		    for u in range(22):
		        rec = subprocess.run(["vnicctl", "passcode-hash", "--user", f"u{u}", "--keys", f"{d}/data/secret", "--test-cost"],
		                             input=b"pass\n", capture_output=True, check=True).stdout.decode().strip()
		        conf.write(f'\n[[user]]\nname = "u{u}"\npasscode = "{rec}"\nallow = ["vnic{v}"]\n')
	PY
}
sp_start() {
	ip netns exec "$1" vnicctl provider --config "$W/$1/provider.toml" 2>>"$W/$1.log" &
	pid[$1]=$!
}
header_start() { # header_start NAME N
	mkdir -p "$W/$1"
	{
		printf 'name = "%s"\nlisten = "10.0.2.%s"\nauth_listen = "10.0.2.%s"\ndata_dir = "%s"\n' "$1" "$2" "$2" "$W/$1"
		for s in sp1 sp2 sp3; do printf '\n[[sp]]\nname = "%s"\nkey_file = "%s"\n' "$s" "$W/$s/status.key"; done
	} >"$W/$1/header.toml"
	ip netns exec "$1" vnicctl header --config "$W/$1/header.toml" 2>>"$W/$1.log" &
	pid[$1]=$!
}
hstatus() { ip netns exec "$1" vnicctl -j header status --config "$W/$1/header.toml"; }
live() { hstatus "$1" | json '[.sps[] | select(.live) | .name] | join(" ")'; }
wait_live() { # wait_live HEADER NAMES SECONDS
	local end=$((SECONDS + $3))
	while [ "$SECONDS" -lt "$end" ]; do [ "$(live "$1")" = "$2" ] && return 0; pause 0.2; done
	fail "$1: live SPs are '$(live "$1")', not '$2' (log: $(tail -n 3 "$W/$1.log" | tr '\n' ' '))"
}

sp sp1 1 1 "site one"
sp sp2 2 1 "site one"
sp sp3 3 2 "site two"
header_start h1 11
header_start h2 12
for s in sp1 sp2 sp3; do sp_start "$s"; done
wait_live h1 "sp1 sp2 sp3" 30
wait_live h2 "sp1 sp2 sp3" 30

# The supervisor: host mode on the client, 22 sessions through the headers.
ip netns exec client vnicctl link add ss0 --supervisor host --up
SUP=$W/sup
mkdir -p "$SUP"
echo pass >"$SUP/pass"
{
	cat <<-CONF
		dev = "ss0"
		data_dir = "$SUP/data"
		renew_secs = 3
		retry_secs = 1
		retry_max_secs = 2

		[[provider]]
		name = "cloud"
		addresses = ["10.0.2.11", "10.0.2.12"]
	CONF
	for n in $(seq 2 21); do
		printf '\n[[session]]\nprovider = "cloud"\nuser = "u%s"\nservice = "site1"\npasscode_file = "%s"\nclient = "10.0.1.%s"\n' "$n" "$SUP/pass" "$n"
	done
	for n in 2 3; do
		printf '\n[[session]]\nprovider = "cloud"\nuser = "u%s"\nservice = "site2"\npasscode_file = "%s"\nclient = "10.0.1.%s"\n' "$n" "$SUP/pass" "$n"
	done
} >"$SUP/supervisor.toml"
supervisor_start
sstatus() { ip netns exec client vnicctl -j supervisor status --config "$SUP/supervisor.toml"; }
# sessions: "client service granted_by service_addr" per active session.
sessions() { sstatus | json '.sessions[] | select(.state == "active") | "\(.client) \(.service) \(.granted_by) \(.service_addr)"' | sort; }
wait_active() { # wait_active N SECONDS [GRANTED_BY-REGEX]: N active sessions (matching)
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(sessions | grep -cE "${3:-.}")" -ge "$1" ] && return 0
		pause 0.5
	done
	fail "$(sessions | grep -cE "${3:-.}") of $1 sessions are active (matching '${3:-.}'): $(sessions | tr '\n' ';') log: $(tail -n 4 "$SUP/log" | tr '\n' ' ')"
}
# fetch_all: GETs every active session's site from its client address, in
# one Python process; prints "client service body" per session.
fetch_all() {
	sessions | ip netns exec client python3 -c '
import sys, urllib.request, http.client
for line in sys.stdin:
    client, service, by, at = line.split()
    host, port = at.rsplit(":", 1)
    try:
        c = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(client, 0))
        c.request("GET", "/")
        body = c.getresponse().read().decode().strip().replace(" ", "_")
    except Exception as e:
        body = "error:" + type(e).__name__
    print(client, service, by, body)
'
}
wait_active 22 120
out=$(fetch_all)
bad=$(awk '!(($2 == "site1" && ($3 == "10.0.2.1:7390" && $4 == "site_one_on_sp1" || $3 == "10.0.2.2:7390" && $4 == "site_one_on_sp2")) || ($2 == "site2" && $3 == "10.0.2.3:7390" && $4 == "site_two_on_sp3"))' <<<"$out")
[ -z "$bad" ] || fail "sessions not served by the SP that granted them: $(tr '\n' ';' <<<"$bad")"
n1=$(grep -c " site1 10.0.2.1:7390 " <<<"$out")
n2=$(grep -c " site1 10.0.2.2:7390 " <<<"$out")
((n1 >= 7 && n1 <= 13 && n2 >= 7 && n2 <= 13)) || fail "sp1 serves $n1 and sp2 $n2 of the 20 clients of site one, not 10 +- 3 each"
echo "served: sp1 $n1, sp2 $n2 clients of site one; sp3 2 of site two"

# A report forged on the SPs' LAN (from the router): sp2 "moved" to the
# router's address. Counted, nothing changed.
ip netns exec router python3 - <<-'PY'
	import os, socket, struct
	vnic = struct.pack(">HBBII", 1, 1, 0, 100, 0) + struct.pack(">HB", 80, 5) + b"site1"
	data = b"VN" + bytes([2, 2]) + struct.pack(">HHIHH", 2, 0, 0, len(vnic), 0)
	data += bytes([2, 4]) + struct.pack(">H", 7390) + bytes(4) + socket.inet_aton("10.0.2.254") + bytes(12)
	data += bytes([3]) + b"sp2".ljust(31, b"\0") + struct.pack(">QIB", 2**62, 500, 1) + bytes(3) + vnic
	data += os.urandom(32)
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	for h in ("10.0.2.11", "10.0.2.12"):
	    s.sendto(data, (h, 7391))
PY
pause 1
for h in h1 h2; do
	st=$(hstatus "$h")
	expect_eq "$(json .counters.forged <<<"$st")" 1 "$h's count of forged reports"
	expect_eq "$(json '.sps[] | select(.name == "sp2") | .auth' <<<"$st")" "10.0.2.2:7390" "sp2's address on $h after the forgery"
done

# kill -9 sp1: its clients move to sp2 within the bound, sp2's keep theirs.
before2=$(sessions | awk '$3 == "10.0.2.2:7390" {print $1}' | sort | tr '\n' ' ')
kill -9 "${pid[sp1]}"
unset 'pid[sp1]'
killed=$SECONDS
wait_live h1 "sp2 sp3" 10
wait_active 20 "$FAILOVER_SECS" ' site1 10\.0\.2\.2:7390 '
took=$((SECONDS - killed))
out=$(fetch_all)
expect_eq "$(grep -c " site1 10.0.2.2:7390 site_one_on_sp2$" <<<"$out")" 20 "clients of site one served by sp2 after sp1 was killed ($(tr '\n' ';' <<<"$out"))"
after2=$(sessions | awk '$3 == "10.0.2.2:7390" {print $1}' | sort | tr '\n' ' ')
for c in $before2; do [[ " $after2 " == *" $c "* ]] || fail "client $c of the healthy sp2 lost its SP"; done
# The healthy SP's sessions were renewed, never granted anew.
for c in $before2; do
	expect_no_match "$(grep "u${c##*.}@cloud/site1" "$SUP/log" | tail -n +2)" "authenticated again" "sp2's session of $c"
done
echo "failover: sp1's clients served by sp2 $took s after kill -9"

# kill h1; a restarted supervisor (which asks the headers again, h1 first)
# gets every session through h2.
kill -9 "${pid[h1]}"
unset 'pid[h1]'
fwd_before=$(hstatus h2 | json .counters.forwarded)
supervisor_stop KILL
supervisor_start
# Every session asks h1, hears nothing, and asks h2.
end=$((SECONDS + 90))
while fwd_after=$(hstatus h2 | json .counters.forwarded); ((fwd_after < fwd_before + 22 && SECONDS < end)); do pause 1; done
((fwd_after >= fwd_before + 22)) || fail "h2 forwarded $((fwd_after - fwd_before)) requests after h1 was killed, not the supervisor's 22"
wait_active 22 60 ' 10\.0\.2\.[23]:7390 '
out=$(fetch_all)
bad=$(awk '!($4 ~ /^site_(one_on_sp2|two_on_sp3)$/)' <<<"$out")
[ -z "$bad" ] || fail "after h1 was killed: $(tr '\n' ';' <<<"$bad")"
echo "h1 killed: h2 forwarded $((fwd_after - fwd_before)) requests, every client served"
