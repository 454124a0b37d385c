# Helpers for the authentication cases (tests/vm/cases/auth_*.sh): the
# provider daemon in namespace "sp" and `vnicctl auth` in "client". Sourced
# after lib.sh.
# shellcheck shell=bash

PROV=/tmp/provider
SUP=/tmp/supervisor
provider_pid=
supervisor_pid=
# Each case starts with no database of an earlier one.
rm -rf "$PROV" "$SUP"

# provider_config USER:PASSCODE:ALLOW...: $PROV/provider.toml listening on
# 10.0.2.1, for relay0, vNIC #1 (fixed ID 1) and vNIC #2 (IDs 100-199), both
# serving http on port 80, and the users given (test-cost verifiers).
# $IDLE_SECS sets session_idle_secs (default 3600), $VNIC2_IDS vNIC #2's ID
# range (default 100-199), $ANSWER_SECS answer_timeout_secs (default: the
# protocol's), $RATE_LIMIT lines for its [rate_limit] table.
provider_config() {
	mkdir -p "$PROV"
	cat >"$PROV/provider.toml" <<-CONF
		listen = "10.0.2.1"
		relay = "relay0"
		data_dir = "$PROV/data"
		session_idle_secs = ${IDLE_SECS:-3600}
		${ANSWER_SECS:+answer_timeout_secs = $ANSWER_SECS}

		[[vnic]]
		name = "vnic1"
		number = 1
		id = 1
		data_folder = "/tmp/apache/site1"
		services = [{ name = "http", port = 80 }]

		[[vnic]]
		name = "vnic2"
		number = 2
		ids = "${VNIC2_IDS:-100-199}"
		data_folder = "/tmp/apache/site2"
		services = [{ name = "http", port = 80 }]

		[rate_limit]
		${RATE_LIMIT:-}
	CONF
	local spec user pass allow hash
	for spec in "$@"; do
		IFS=: read -r user pass allow <<<"$spec"
		hash=$(printf '%s\n' "$pass" | vnicctl passcode-hash --user "$user" --keys "$PROV/data/secret" --test-cost) ||
			fail "vnicctl passcode-hash failed for $user"
		printf '\n[[user]]\nname = "%s"\npasscode = "%s"\nallow = ["%s"]\n' "$user" "$hash" "$allow" >>"$PROV/provider.toml"
	done
}

# provider_start: the daemon in the background (log in $PROV/log), returning
# once it listens. $PROVIDER_NICE sets its nice value (default 0).
provider_start() {
	local before
	before=$(count_matches "$PROV/log" "listening on UDP")
	ip netns exec sp nice -n "${PROVIDER_NICE:-0}" vnicctl provider --config "$PROV/provider.toml" 2>>"$PROV/log" &
	provider_pid=$!
	for _ in $(seq 100); do
		[ "$(count_matches "$PROV/log" "listening on UDP")" -gt "$before" ] && return 0
		kill -0 "$provider_pid" 2>/dev/null || break
		pause 0.1
	done
	tail -n 20 "$PROV/log" >&2
	fail "the provider did not start"
}

# provider_stop SIGNAL: sends SIGNAL and waits; its exit status is left in
# $provider_rc (not in a subshell: it waits for its own child).
provider_stop() {
	provider_rc=0
	kill "-$1" "$provider_pid"
	wait "$provider_pid" || provider_rc=$?
	provider_pid=
}

# provider_cleanup: for the EXIT trap.
provider_cleanup() { [ -z "$provider_pid" ] || kill -9 "$provider_pid" 2>/dev/null || true; }

# auth USER PASSCODE [ARGS...]: vnicctl auth from the client for http.
auth() {
	printf '%s\n' "$2" | ip netns exec client vnicctl auth --provider 10.0.2.1 --user "$1" --service http "${@:3}"
}

# embedded_id: the ID of the client supervisor ss0's first rule ("None"
# without a rule), from `vnicctl -j embed show` matched in bash.
embedded_id() {
	local out re='"id":[[:space:]]*([0-9]+)'
	out=$(ip netns exec client vnicctl -j embed show --dev ss0) || { echo "$PROBE_FAILED"; return 0; }
	if [[ $out =~ $re ]]; then echo "${BASH_REMATCH[1]}"; elif [[ $out =~ ^\[[[:space:]]*\]$ ]]; then echo None; else echo "$PROBE_FAILED"; fi
}

# kernel_sessions: relay0's sessions as "client/id/vnic ...", sorted (from
# `vnicctl session show` lines "CLIENT id ID -> VNIC[ as CIP] (relay R)").
kernel_sessions() {
	local out line words=() re='^([^ ]+) id ([0-9]+) -> ([^ ]+)( as [^ ]+)? \(relay [^)]+\)$'
	out=$(ip netns exec sp vnicctl session show --relay relay0) || { echo "$PROBE_FAILED"; return 0; }
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		[[ $line =~ $re ]] || { echo "$PROBE_FAILED"; return 0; }
		words+=("${BASH_REMATCH[1]}/${BASH_REMATCH[2]}/${BASH_REMATCH[3]}")
	done <<<"$out"
	out=$(sort_words "${words[@]}")
	echo "${out//$'\n'/ }"
}

# db_sessions: the database's sessions in the same form.
db_sessions() {
	python3 - "$PROV/data/vnic.db" <<-'PY'
		import sqlite3, sys
		rows = sqlite3.connect(sys.argv[1]).execute("select client, id, vnic from sessions").fetchall()
		print(" ".join(sorted("%s/%s/%s" % r for r in rows)))
	PY
	[ $? = 0 ] || echo "$PROBE_FAILED"
}

# udp_capture N FILE: in the background, the next N datagrams to the
# provider's port crossing the router's r0, into FILE; `wait
# "$udp_capture_pid"` once they are sent (tcpdump gives up after 20 s).
udp_capture() {
	ip netns exec router timeout 20 tcpdump -i r0 -c "$1" -U -Z root -w "$2" udp dst port 7390 2>"$2.err" &
	udp_capture_pid=$!
	for _ in $(seq 100); do [ "$(count_matches "$2.err" "listening on")" = 0 ] || return 0; pause 0.1; done
	fail "tcpdump did not start: $(cat "$2.err")"
}

# udp_payloads PCAP: the payload of each IPv4 UDP datagram sent to port 7390
# in PCAP (Ethernet), one hex line each.
udp_payloads() {
	python3 - "$1" <<-'PY'
		import struct, sys
		data = open(sys.argv[1], "rb").read()
		off = 24
		while off + 16 <= len(data):
		    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
		    frame, off = data[off + 16:off + 16 + incl], off + 16 + incl
		    if frame[12:14] != b"\x08\x00" or frame[23] != 17:
		        continue
		    ip = frame[14:]
		    udp = ip[(ip[0] & 15) * 4:]
		    if struct.unpack("!H", udp[2:4])[0] == 7390:
		        print(udp[8:struct.unpack("!H", udp[4:6])[0]].hex())
	PY
}

# udp_replay HEX: sends the datagram from the client to the provider and
# prints how many bytes came back within 2 s (0: no answer).
udp_replay() {
	ip netns exec client python3 - "$1" <<-'PY'
		import socket, sys
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.settimeout(2)
		s.sendto(bytes.fromhex(sys.argv[1]), ("10.0.2.1", 7390))
		try:
		    print(len(s.recv(65536)))
		except socket.timeout:
		    print(0)
	PY
}

# supervisor_config USER PASSCODE: $SUP/supervisor.toml keeping USER's http
# session with the provider on ss0, renewing every $RENEW_SECS (default 2),
# with the provider at $PROVIDER_ADDR (default 10.0.2.1).
supervisor_config() {
	mkdir -p "$SUP"
	printf '%s\n' "$2" >"$SUP/$1.pass"
	cat >"$SUP/supervisor.toml" <<-CONF
		dev = "ss0"
		data_dir = "$SUP/data"
		renew_secs = ${RENEW_SECS:-2}
		retry_secs = 1
		retry_max_secs = 2

		[[provider]]
		name = "sp1"
		address = "${PROVIDER_ADDR:-10.0.2.1}"

		[[session]]
		provider = "sp1"
		user = "$1"
		service = "http"
		passcode_file = "$SUP/$1.pass"
	CONF
}

# supervisor_start: the daemon in the client namespace (log in $SUP/log),
# returning once it keeps its sessions.
supervisor_start() {
	local before
	before=$(count_matches "$SUP/log" "keeping .* sessions")
	ip netns exec client vnicctl supervisor --config "$SUP/supervisor.toml" 2>>"$SUP/log" &
	supervisor_pid=$!
	for _ in $(seq 100); do
		[ "$(count_matches "$SUP/log" "keeping .* sessions")" -gt "$before" ] && return 0
		kill -0 "$supervisor_pid" 2>/dev/null || break
		pause 0.1
	done
	tail -n 20 "$SUP/log" >&2
	fail "the supervisor did not start"
}

# supervisor_stop SIGNAL: as provider_stop; the status is in $supervisor_rc.
supervisor_stop() {
	supervisor_rc=0
	kill "-$1" "$supervisor_pid"
	wait "$supervisor_pid" || supervisor_rc=$?
	supervisor_pid=
}

# supervisor_cleanup: for the EXIT trap.
supervisor_cleanup() { [ -z "$supervisor_pid" ] || kill -9 "$supervisor_pid" 2>/dev/null || true; }

# wait_lines FILE REGEX N SECONDS: until FILE has N lines matching REGEX.
wait_lines() {
	local end=$((SECONDS + $4))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(count_matches "$1" "$2")" -ge "$3" ] && return 0
		pause 0.1
	done
	tail -n 20 "$1" >&2
	fail "$1 has fewer than $3 lines matching /$2/ after $4 s"
}

# sup_db: the supervisor database's sessions as "user/id/state/failures".
sup_db() {
	python3 - "$SUP/data/supervisor.db" <<-'PY'
		import sqlite3, sys
		rows = sqlite3.connect(sys.argv[1]).execute("select user, id, state, failures from sessions").fetchall()
		print(" ".join("%s/%s/%s/%s" % r for r in rows))
	PY
}

# auth_topology: the authentication cases' setting: client -- router -- SP
# with relay0, vNIC #1 and #2 and Apache on the SP, supervisor ss0 (host
# mode) on the client; daemons and Apache stopped on exit. get: curl of
# http://10.0.2.1/ from the client.
auth_topology() {
	load_vnic
	routed_hosts
	sp_vnics 1 2
	sp_apache
	trap 'supervisor_cleanup; provider_cleanup; kill $(cat /tmp/apache/run/apache2.pid 2>/dev/null) 2>/dev/null; sleep 0.5' EXIT
	ip netns exec client vnicctl link add ss0 --supervisor host --up
}
get() { ip netns exec client curl -sf --max-time 10 "$@" http://10.0.2.1/; }
