# Many SPs in one VM (sourced by cases/multi_sp.sh and demo.sh): a router
# between the client side and the SPs' LAN, SP namespaces each with its own
# relay, vNIC, site, provider keys, users and status key, and header SPs.
# Needs lib.sh and auth_lib.sh first.
W=/tmp/multi
rm -rf "$W"
mkdir -p "$W"
# Background daemons by name (killed by multi_cleanup).
declare -A pid=()
# multi_cleanup: for the EXIT trap.
multi_cleanup() {
	local p
	supervisor_cleanup
	for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for p in "${pid[@]}"; do wait "$p" 2>/dev/null || true; done
}

# multi_topology CLIENTS: the router joins the client side (r0,
# 10.0.1.1/24) and the SPs' LAN (a bridge, 10.0.2.254/24) to which every SP
# and header is attached; the client has CLIENTS addresses from 10.0.1.2
# on; headers h1 (10.0.2.11) and h2 (10.0.2.12) get their namespaces.
multi_topology() {
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
		for n in $(seq 2 $(($1 + 1))); do echo "addr add 10.0.1.$n/24 dev veth0"; done
		echo "link set veth0 up"
		echo "route add default via 10.0.1.1"
	} | ip -n client -batch -
	for h in h1:11 h2:12; do ip netns add "${h%:*}"; lan_host "${h%:*}" "10.0.2.${h#*:}"; done
}
# lan_host NS ADDR: namespace NS (made already) on the SPs' LAN at ADDR.
lan_host() {
	ip link add eth0 netns "$1" type veth peer name "p-$1" netns router
	ip -n router link set "p-$1" master lan up
	ip -n "$1" -batch - <<-EOF
		link set lo up
		addr add $2/24 dev eth0
		link set eth0 up
		route add default via 10.0.2.254
	EOF
}

# sp NAME N VNIC SITE: SP NAME at 10.0.2.N, relay0 and vNIC #VNIC (fixed ID
# VNIC: the supervisor embeds one ID per service for all its clients), SITE
# served on it by Python's http.server, users u0 .. u$((MULTI_USERS - 1))
# (passcode "pass", MULTI_USERS default 22) allowed, reporting to both
# headers every 500 ms.
sp() {
	local name=$1 addr=10.0.2.$2 v=$3 d=$W/$1
	ip netns add "$name"
	lan_host "$name" "$addr"
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
	python3 - "$d" "$v" "${MULTI_USERS:-22}" <<-'PY' || fail "registering the users of $name"
		import subprocess, sys
		d, v = sys.argv[1], sys.argv[2]
		with open(f"{d}/provider.toml", "a") as conf:
		    for u in range(int(sys.argv[3])):
		        rec = subprocess.run(["vnicctl", "passcode-hash", "--user", f"u{u}", "--keys", f"{d}/data/secret", "--test-cost"],
		                             input=b"pass\n", capture_output=True, check=True).stdout.decode().strip()
		        conf.write(f'\n[[user]]\nname = "u{u}"\npasscode = "{rec}"\nallow = ["vnic{v}"]\n')
	PY
}
# sp_start NAME: its provider daemon (log in $W/NAME.log).
sp_start() {
	ip netns exec "$1" vnicctl provider --config "$W/$1/provider.toml" 2>>"$W/$1.log" &
	pid[$1]=$!
}
# header_start NAME N: header NAME at 10.0.2.N trusting $MULTI_SPS
# (default sp1 sp2 sp3).
header_start() {
	mkdir -p "$W/$1"
	{
		printf 'name = "%s"\nlisten = "10.0.2.%s"\nauth_listen = "10.0.2.%s"\ndata_dir = "%s"\n' "$1" "$2" "$2" "$W/$1"
		for s in ${MULTI_SPS:-sp1 sp2 sp3}; do printf '\n[[sp]]\nname = "%s"\nkey_file = "%s"\n' "$s" "$W/$s/status.key"; done
	} >"$W/$1/header.toml"
	ip netns exec "$1" vnicctl header --config "$W/$1/header.toml" 2>>"$W/$1.log" &
	pid[$1]=$!
	wait_lines "$W/$1.log" "listening on UDP" 1 30
}
# hstatus NAME: the header's status (JSON); live NAME: its live SPs.
hstatus() { ip netns exec "$1" vnicctl -j header status --config "$W/$1/header.toml"; }
live() { hstatus "$1" | json '[.sps[] | select(.live) | .name] | join(" ")'; }
wait_live() { # wait_live HEADER NAMES SECONDS
	local end=$((SECONDS + $3))
	while [ "$SECONDS" -lt "$end" ]; do [ "$(live "$1")" = "$2" ] && return 0; pause 0.2; done
	fail "$1: live SPs are '$(live "$1")', not '$2' (log: $(tail -n 3 "$W/$1.log" | tr '\n' ' '))"
}
# multi_supervisor ADDRESSES: ss0 on the client and $SUP/supervisor.toml
# (SUP=$W/sup) asking provider "cloud" at ADDRESSES (a TOML list), renewing
# every $MULTI_RENEW_SECS (default 3); `multi_session USER SERVICE [CLIENT]`
# adds a session.
multi_supervisor() {
	ip netns exec client vnicctl link add ss0 --supervisor host --up
	SUP=$W/sup
	mkdir -p "$SUP"
	echo pass >"$SUP/pass"
	cat >"$SUP/supervisor.toml" <<-CONF
		dev = "ss0"
		data_dir = "$SUP/data"
		renew_secs = ${MULTI_RENEW_SECS:-3}
		retry_secs = 1
		retry_max_secs = 2

		[[provider]]
		name = "cloud"
		addresses = $1
	CONF
}
multi_session() {
	printf '\n[[session]]\nprovider = "cloud"\nuser = "%s"\nservice = "%s"\npasscode_file = "%s"\n' "$1" "$2" "$SUP/pass" >>"$SUP/supervisor.toml"
	[ -z "${3:-}" ] || printf 'client = "%s"\n' "$3" >>"$SUP/supervisor.toml"
}
