# Helpers for the in-guest test cases (tests/vm/cases/*.sh). Sourced.
# shellcheck shell=bash
set -euo pipefail
# A command that fails under set -e says which one it was.
trap 'echo "FAILED: ${BASH_SOURCE[0]}:$LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR

fail() { echo "FAILED: $*" >&2; exit 1; }
# skip REASON: this kernel cannot run the case (tests/vm/suite prints SKIP).
skip() { echo "$*" >/tmp/case.skip; exit 77; }
# expect_eq ACTUAL EXPECTED WHAT
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
# expect_same_words ACTUAL EXPECTED WHAT: the same space-separated words;
# on failure, only the first differences are shown.
expect_same_words() {
	local diff
	tr ' ' '\n' <<<"$1" | LC_ALL=C sort >/tmp/words.actual
	tr ' ' '\n' <<<"$2" | LC_ALL=C sort >/tmp/words.expected
	diff=$(diff /tmp/words.actual /tmp/words.expected | grep '^[<>]' | head -n 10 | tr '\n' ' ' || true)
	[ -z "$diff" ] || fail "$3: differences (< actual, > expected): $diff"
}
# The helpers below start no process where bash can do the work itself: on
# the debug kernel every exec costs most of a second.
# matches TEXT REGEX: whether a line of TEXT matches the extended regular
# expression REGEX, as grep -E would say (bash's =~, line by line; grep
# itself for long texts).
matches() {
	local line
	# A long text (a daemon's log) goes to grep: bash reads a here-string
	# a byte at a time.
	if [ ${#1} -gt 4096 ]; then grep -Eq -- "$2" <<<"$1"; return; fi
	while IFS= read -r line || [ -n "$line" ]; do
		[[ $line =~ $2 ]] && return 0
	done <<<"$1"
	return 1
}
# count_matches FILE REGEX: prints how many lines of FILE match REGEX (0 if
# FILE is missing), as grep -cE.
count_matches() {
	local line n=0
	if [ -r "$1" ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			[[ $line =~ $2 ]] && n=$((n + 1))
		done <"$1"
	fi
	echo "$n"
}
# pause SECONDS: sleep(1) without a process (read's time-out on a FIFO that
# no one writes to; opened read-write, so the open does not wait).
pause_fifo=/tmp/pause.$$
mkfifo "$pause_fifo"
exec {pause_fd}<>"$pause_fifo"
rm -f "$pause_fifo"
pause() { read -rt "$1" -u "$pause_fd" _ || true; }
# expect_match TEXT REGEX WHAT
expect_match() { matches "$1" "$2" || fail "$3: '$1' does not match /$2/"; }
# expect_no_match TEXT REGEX WHAT
expect_no_match() { ! matches "$1" "$2" || fail "$3: '$1' matches /$2/"; }
# load_vnic: insmod the module under test unless it is loaded.
load_vnic() { [ -d /sys/module/vnic ] || insmod "$VNIC_KO"; }
# json FILTER: a jq filter over the JSON on stdin, strings raw, the rest
# compact (jq starts in milliseconds, python3 in seconds on the debug kernel).
json() { jq -rc "$1"; }
# stat DEV COUNTER: one of the kernel's per-device counters.
stat() { cat "/sys/class/net/$1/statistics/$2"; }
# A probe whose own command fails prints this instead of its answer, so that
# a comparison with "" or 0 cannot pass by accident.
PROBE_FAILED="(the probe itself failed)"
# vnic_links: names of every vnic device in this netns.
vnic_links() {
	ip -j -d link show | json '[.[] | select(.linkinfo.info_kind? == "vnic") | .ifname] | join(" ")' ||
		echo "$PROBE_FAILED"
}
# count_links NS PATTERN: how many links of namespace NS ("" for this one)
# match PATTERN.
count_links() {
	local out
	out=$(ip ${1:+-n "$1"} -o link show) || { echo "$PROBE_FAILED"; return 0; }
	grep -c -- "$2" <<<"$out" || true
}
# two_hosts: network namespaces "client" (veth0, 10.0.1.2/24) and "sp"
# (eth0, 10.0.1.1/24) joined by a veth pair, links and loopbacks up.
two_hosts() {
	ip netns add client
	ip netns add sp
	ip link add veth0 netns client type veth peer name eth0 netns sp
	ip -n client addr add 10.0.1.2/24 dev veth0
	ip -n sp addr add 10.0.1.1/24 dev eth0
	for ns in client sp; do ip -n "$ns" link set lo up; done
	ip -n client link set veth0 up
	ip -n sp link set eth0 up
}
# router_and_sp: namespaces "router" (r0 10.0.1.1/24 towards the client
# side, r1 10.0.2.254/24, forwarding) and "sp" (eth0, 10.0.2.1/24, default
# route through the router, strict reverse-path filtering as RHEL sets it).
# r0 is left for the caller to connect.
router_and_sp() {
	# One ip -batch per namespace: on the debug kernel every process costs
	# about a second.
	ip -batch - <<-EOF
		netns add router
		netns add sp
		link add eth0 netns sp type veth peer name r1 netns router
	EOF
	ip -n router -batch - <<-EOF
		addr add 10.0.2.254/24 dev r1
		link set lo up
		link set r1 up
	EOF
	ip -n sp -batch - <<-EOF
		addr add 10.0.2.1/24 dev eth0
		link set lo up
		link set eth0 up
		route add default via 10.0.2.254
	EOF
	ip netns exec router sysctl -qw net.ipv4.ip_forward=1
	ip netns exec sp sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1
}
# client_on NS PEER: namespace "client" (veth0, 10.0.1.2/24, default route
# through 10.0.1.1) joined by a veth pair to device PEER in namespace NS.
client_on() {
	ip -batch - <<-EOF
		netns add client
		link add veth0 netns client type veth peer name $2 netns $1
	EOF
	ip -n "$1" link set "$2" up
	ip -n client -batch - <<-EOF
		addr add 10.0.1.2/24 dev veth0
		link set lo up
		link set veth0 up
		route add default via 10.0.1.1
	EOF
}
# routed_hosts: the paper's client -- router -- SP: client_on the router's
# r0 (10.0.1.1/24), router_and_sp.
routed_hosts() {
	router_and_sp
	client_on router r0
	ip -n router addr add 10.0.1.1/24 dev r0
}
# routed_hosts6: routed_hosts with IPv6 as well: client fd00:1::2, router
# fd00:1::1 and fd00:2::fe (forwarding), SP fd00:2::1, default routes.
routed_hosts6() {
	routed_hosts
	ip -n client -batch - <<-EOF
		addr add fd00:1::2/64 dev veth0 nodad
		route add default via fd00:1::1
	EOF
	ip -n router -batch - <<-EOF
		addr add fd00:1::1/64 dev r0 nodad
		addr add fd00:2::fe/64 dev r1 nodad
	EOF
	ip -n sp -batch - <<-EOF
		addr add fd00:2::1/64 dev eth0 nodad
		route add default via fd00:2::fe
	EOF
	ip netns exec router sysctl -qw net.ipv6.conf.all.forwarding=1
}
# sp_vnics N...: relay0 on the SP's eth0 and vNIC #N (ID N, the paper's
# defaults 192.168.N.1/24) for each N, all up.
sp_vnics() {
	ip netns exec sp vnicctl link add relay0 --pnic eth0 --up
	for n in "$@"; do ip netns exec sp vnicctl link add "vnic$n" --number "$n" --id "$n" --up; done
}
# dual_stack_vnic1: routed_hosts6, relay0 and vNIC #1 (192.168.1.1 and
# fd00:a1::1), and sessions with ID 1 for the client's two addresses.
dual_stack_vnic1() {
	routed_hosts6
	sp_vnics 1
	ip -n sp -6 addr add fd00:a1::1/64 dev vnic1 nodad
	ip netns exec sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1
	ip netns exec sp vnicctl session add --relay relay0 --vnic vnic1 --client fd00:1::2 --id 1
}
# wait_listen NS PORT [ADDR]: until something listens on TCP PORT in NS
# (over IPv6 if ADDR is an IPv6 address; over IPv4 on ADDR itself if it is
# an IPv4 address; 10 s). Reads
# /proc/PID/net/tcp{,6} of a process in NS with bash alone: one ip netns
# exec, ss and grep per try cost seconds on the debug kernel.
wait_listen() {
	local files=(tcp tcp6) port pid= line f local_addr='[0-9A-F]+' a b c d
	if [ $# -gt 2 ]; then if [[ $3 == *:* ]]; then files=(tcp6); else files=(tcp); fi; fi
	# An IPv4 ADDR is matched too, as /proc shows it (the bytes reversed, in hex).
	if [ $# -gt 2 ] && IFS=. read -r a b c d <<<"$3" && [ -n "$d" ] && [[ $3 != *:* ]]; then
		printf -v local_addr '%02X%02X%02X%02X' "$d" "$c" "$b" "$a"
	fi
	printf -v port '%04X' "$2"
	for _ in $(seq 100); do
		[ -n "$pid" ] && [ -d "/proc/$pid" ] || pid=$(ip netns pids "$1" | head -n 1)
		for f in "${files[@]}"; do
			[ -n "$pid" ] && [ -r "/proc/$pid/net/$f" ] || continue
			while read -r line; do
				[[ $line =~ ^[0-9]+:\ $local_addr:$port\ [0-9A-F]+:0000\ 0A ]] && return 0
			done <"/proc/$pid/net/$f"
		done
		pause 0.1
	done
	fail "nothing listens on ${3:+$3 }port $2 in $1"
}
# sp_apache: Debian's apache2 in namespace "sp" serving two sites, site one
# on vNIC #1 (192.168.1.1:80) and site two on vNIC #2 (192.168.2.1:80), and
# site one again on the SP's own address 10.0.2.1:8080 (no vnic: the
# baseline). Docroots in /tmp/apache/site{1,2}. Stopped on exit.
sp_apache() {
	local d=/tmp/apache m=/usr/lib/apache2/modules
	mkdir -p "$d/site1" "$d/site2" "$d/run"
	echo "site one (vNIC #1)" >"$d/site1/index.html"
	echo "site two (vNIC #2)" >"$d/site2/index.html"
	chmod -R a+rX "$d"
	cat >"$d/apache2.conf" <<-CONF
		ServerName sp
		ServerRoot /etc/apache2
		DefaultRuntimeDir $d/run
		PidFile $d/run/apache2.pid
		ErrorLog $d/error.log
		User www-data
		Group www-data
		LoadModule mpm_event_module $m/mod_mpm_event.so
		LoadModule authz_core_module $m/mod_authz_core.so
		LoadModule dir_module $m/mod_dir.so
		LoadModule mime_module $m/mod_mime.so
		TypesConfig /etc/mime.types
		DirectoryIndex index.html
		EnableSendfile On
		Listen 192.168.1.1:80
		Listen 192.168.2.1:80
		Listen 10.0.2.1:8080
		<Directory $d>
		    Require all granted
		</Directory>
		<VirtualHost 192.168.1.1:80>
		    ServerName site1
		    DocumentRoot $d/site1
		</VirtualHost>
		<VirtualHost 192.168.2.1:80>
		    ServerName site2
		    DocumentRoot $d/site2
		</VirtualHost>
		<VirtualHost 10.0.2.1:8080>
		    ServerName baseline
		    DocumentRoot $d/site1
		</VirtualHost>
	CONF
	ip netns exec sp apache2 -f "$d/apache2.conf" -k start || { cat "$d/error.log" >&2; fail "apache2 did not start"; }
	trap 'kill $(cat /tmp/apache/run/apache2.pid 2>/dev/null) 2>/dev/null; sleep 0.5' EXIT
	wait_listen sp 80
	wait_listen sp 8080
}
# sp_blob_servers BYTES: a random file /tmp/site/blob of BYTES served over
# HTTP on vNIC #1's IPv4 and IPv6 addresses (192.168.1.1, fd00:a1::1: port
# 80) by Python's http.server; stopped on exit.
sp_blob_servers() {
	mkdir -p /tmp/site && head -c "$1" /dev/urandom >/tmp/site/blob && chmod -R a+rX /tmp/site
	ip netns exec sp python3 -m http.server -b 192.168.1.1 -d /tmp/site 80 >/dev/null 2>&1 &
	local s4=$!
	ip netns exec sp python3 -m http.server -b fd00:a1::1 -d /tmp/site 80 >/dev/null 2>&1 &
	# shellcheck disable=SC2064
	trap "kill $s4 $! 2>/dev/null" EXIT
	wait_listen sp 80 192.168.1.1
	wait_listen sp 80 fd00:a1::1
}
# client_embed ID: the client's supervisor ss0 (made on first use) tags
# segments to the SP's port 80 with ID (replacing an earlier rule).
client_embed() {
	[ -d /proc/sys/net ] && ip netns exec client test -e /sys/class/net/ss0 ||
		ip netns exec client vnicctl link add ss0 --supervisor host --up
	ip netns exec client vnicctl embed del --dev ss0 --server 10.0.2.1 --port 80 2>/dev/null || true
	ip netns exec client vnicctl embed add --dev ss0 --server 10.0.2.1 --port 80 --id "$1"
}
# json_counter NS DEV NAME: the counter NAME of DEV in NS from `vnicctl -j
# stats` (every counter name is its own JSON key, its value a number),
# matched in bash: a Python start costs seconds on the debug kernel.
json_counter() {
	local out re="\"$3\":[[:space:]]*([0-9]+)"
	out=$(ip netns exec "$1" vnicctl -j stats "$2") && [[ $out =~ $re ]] || { echo "$PROBE_FAILED"; return 0; }
	echo "${BASH_REMATCH[1]}"
}
# relay_counter NAME: one of relay0's counters.
relay_counter() { json_counter sp relay0 "$1"; }
# ss_counter NAME: one of the client supervisor's counters.
ss_counter() { json_counter client ss0 "$1"; }
# nsrun NS CMD...: CMD in network namespace NS ("" for this one).
nsrun() { if [ -n "$1" ]; then ip netns exec "$@"; else shift; "$@"; fi; }
# ethtool_agrees NS DEV NAMES: `ethtool -S DEV` in NS ("" for this one)
# lists exactly NAMES (space-separated, in order) and each value lies
# between what `vnicctl -j stats` read just before and just after it
# (traffic may still count). For relays and supervisors.
ethtool_agrees() {
	local out js1 js2 line n v lo hi names=() re='^[[:space:]]+([a-z_]+): ([0-9]+)$'
	js1=$(nsrun "$1" vnicctl -j stats "$2") || fail "vnicctl stats $2 failed"
	out=$(nsrun "$1" ethtool -S "$2") || fail "ethtool -S $2 failed: $out"
	js2=$(nsrun "$1" vnicctl -j stats "$2") || fail "vnicctl stats $2 failed"
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		n=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]}
		names+=("$n")
		[[ $js1 =~ \"$n\":[[:space:]]*([0-9]+) ]] || fail "ethtool -S $2 shows $n, vnicctl stats has no such counter"
		lo=${BASH_REMATCH[1]}
		[[ $js2 =~ \"$n\":[[:space:]]*([0-9]+) ]] && hi=${BASH_REMATCH[1]}
		[ "$lo" -le "$v" ] && [ "$v" -le "$hi" ] || fail "ethtool -S $2: $n is $v, vnicctl stats $lo then $hi"
	done <<<"$out"
	expect_eq "${names[*]}" "$3" "ethtool -S $2 names"
}
# ethtool_stat NS DEV NAME: one counter of `ethtool -S DEV` in NS.
ethtool_stat() {
	local out re="[[:space:]]$3: ([0-9]+)"
	out=$(nsrun "$1" ethtool -S "$2") && [[ $out =~ $re ]] || { echo "$PROBE_FAILED"; return 0; }
	echo "${BASH_REMATCH[1]}"
}
# sort_words WORD...: the words, one per line, in byte order (a bash
# insertion sort for a few, sort(1) for more).
sort_words() {
	local LC_ALL=C i w out=()
	if [ $# -gt 32 ]; then printf '%s\n' "$@" | LC_ALL=C sort; return; fi
	for w in "$@"; do
		i=${#out[@]}
		while [ "$i" -gt 0 ] && [[ ${out[i - 1]} > $w ]]; do out[i]=${out[i - 1]}; i=$((i - 1)); done
		out[i]=$w
	done
	[ ${#out[@]} -eq 0 ] || printf '%s\n' "${out[@]}"
}
# raw_sender NS: tests/vm/tcp_raw.py --serve in NS as a coprocess (one
# Python start for all the hand-built segments of a case); raw_send ARGS...
# sends one segment as `tcp_raw.py ARGS` would and returns once it is out.
raw_sender() {
	coproc RAW { ip netns exec "$1" python3 ../tcp_raw.py --serve 2>&1; }
}
raw_send() {
	local reply
	echo "$*" >&"${RAW[1]}"
	read -r -t 60 reply <&"${RAW[0]}" || fail "tcp_raw.py --serve did not answer: $*"
	[ "$reply" = sent ] || fail "tcp_raw.py $*: $reply"
}
# ns_pid NS: a process in namespace NS (for /proc/PID/net), once there is one.
ns_pid() {
	local pid
	for _ in $(seq 100); do
		pid=$(ip netns pids "$1" | head -n 1)
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		pause 0.1
	done
	fail "no process in namespace $1"
}
# tcp_in_segs PID: the TCP segments the IP stack of PID's namespace took in
# (InSegs of /proc/PID/net/snmp), read by bash alone.
tcp_in_segs() {
	local line fields
	while read -r line; do
		[[ $line =~ ^Tcp:\ [0-9] ]] || continue
		read -ra fields <<<"$line"
		echo "${fields[10]}"
		return 0
	done <"/proc/$1/net/snmp"
	echo "$PROBE_FAILED"
}
# capture_start NS IFACE FILE [FILTER]: tcpdump in the background (default:
# TCP only, headers; with a FILTER, whole frames), returning once it
# listens; capture_stop ends it and waits for the file.
capture_start() {
	local snap=128
	[ $# -gt 3 ] && snap=0
	rm -f /tmp/tcpdump.err
	ip netns exec "$1" tcpdump -i "$2" -s "$snap" -U --immediate-mode -Z root -w "$3" "${4:-tcp}" 2>/tmp/tcpdump.err &
	capture_pid=$!
	for _ in $(seq 100); do [ "$(count_matches /tmp/tcpdump.err "listening on")" = 0 ] || return 0; pause 0.1; done
	fail "tcpdump did not start: $(cat /tmp/tcpdump.err)"
}
capture_stop() {
	pause 0.5
	kill -INT "$capture_pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$capture_pid" 2>/dev/null || break; pause 0.1; done
	kill -KILL "$capture_pid" 2>/dev/null || true
	wait "$capture_pid" 2>/dev/null || true
}
