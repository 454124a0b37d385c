#!/usr/bin/env bash
# The in-guest half of make bench (run by tests/bench/bench through
# tests/vm/run): builds client -- router -- sp in network namespaces and
# measures iperf3 TCP throughput over each path, both directions (upload:
# client -> sp; download: sp -> client, iperf3 -R), in a new random order of
# paths, directions and stream counts in every repetition, each path warmed
# up first. The vnic path runs once per session count in BENCH_SESSIONS (the
# relay holding that many sessions, one of them the client's). Each run
# prints one "BENCH-RUN {json}" line (tests/bench/report.py record); with
# BENCH_PROFILE=1, one more run per path and direction under
# `perf record -e cpu-clock -a -g` prints a "BENCH-PROFILE {json}" line.
#
# Environment (set by tests/bench/bench): BENCH_SECONDS, BENCH_REPS,
# BENCH_PATHS, BENCH_STREAMS, BENCH_DIRECTIONS, BENCH_SESSIONS,
# BENCH_WARMUP (seconds of an unrecorded run on each path before its
# recorded ones; 0: none), BENCH_PROFILE, BENCH_MODE (a label for the
# records); VNIC_KO and vnicctl on PATH come from tests/vm/run.
set -euo pipefail
trap 'echo "FAILED: ${BASH_SOURCE[0]}:$LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
here=$(cd "$(dirname "$0")" && pwd)
seconds=${BENCH_SECONDS:-5}
reps=${BENCH_REPS:-3}
paths=${BENCH_PATHS:-baseline vnic vxlan geneve}
streams=${BENCH_STREAMS:-1 4}
warmup=${BENCH_WARMUP:-2}
directions=${BENCH_DIRECTIONS:-upload download}
session_counts=${BENCH_SESSIONS:-1 65535}
profile=${BENCH_PROFILE:-0}
mode=${BENCH_MODE:-realtime}
port=5201
# The service ID of the vnic path, and the frames captured per run.
sid=1
frames=20
tmp=/tmp/bench
mkdir -p "$tmp"

. "$here/../vm/lib.sh"
cl() { ip netns exec client "$@"; }
rt() { ip netns exec router "$@"; }
sp() { ip netns exec sp "$@"; }
# Stop whatever this script left running in the background.
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

# client (veth0 10.0.1.2) -- (r0 10.0.1.1) router (r1 10.0.2.254) -- (eth0 10.0.2.1) sp,
# as the VM tests build it (tests/vm/lib.sh).
topology() {
	routed_hosts
	cl ping -c 1 -W 5 10.0.2.1 >/dev/null || fail "no route from client to sp through the router"
}

# The comparison tunnels between client and sp, over the routed path; they
# stay up through every run (idle UDP sockets cost the other paths nothing).
# Both get the same MTU so that neither has an edge from its MTU guess.
tunnels() {
	cl ip link add vx0 type vxlan id 42 local 10.0.1.2 remote 10.0.2.1 dstport 4789 dev veth0
	sp ip link add vx0 type vxlan id 42 local 10.0.2.1 remote 10.0.1.2 dstport 4789 dev eth0
	cl ip link add gnv0 type geneve id 43 remote 10.0.2.1 dstport 6081
	sp ip link add gnv0 type geneve id 43 remote 10.0.1.2 dstport 6081
	local ns
	for ns in client sp; do
		ip -n "$ns" link set vx0 mtu 1450 up
		ip -n "$ns" link set gnv0 mtu 1450 up
	done
	ip -n client addr add 10.9.0.1/24 dev vx0
	ip -n sp addr add 10.9.0.2/24 dev vx0
	ip -n client addr add 10.8.0.1/24 dev gnv0
	ip -n sp addr add 10.8.0.2/24 dev gnv0
	cl ping -c 1 -W 5 10.9.0.2 >/dev/null || fail "no connectivity over VXLAN"
	cl ping -c 1 -W 5 10.8.0.2 >/dev/null || fail "no connectivity over Geneve"
}

# The vnic path exists only for its own runs: the module is loaded before and
# unloaded after each path's runs, so the baseline (and the tunnels) run with
# no vnic code in the kernel at all. sp: relay on eth0, vNIC #1
# (192.168.1.1), a session granting ID $sid to the client and $1 - 1 more
# for other clients (10.200.x.y, IDs 1..); client: a host-mode supervisor
# that tags every segment to 10.0.2.1:$port with ID $sid.
vnic_up() {
	local sessions=$1 out
	[ -d /sys/module/vnic ] && fail "vnic is loaded before a vnic run"
	insmod "$VNIC_KO"
	sp vnicctl link add relay0 --pnic eth0 --up
	sp vnicctl link add vnic1 --number 1 --id "$sid" --up
	sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id "$sid"
	if [ "$sessions" -gt 1 ]; then
		out=$(sp python3 "$here/../vm/genl_sessions.py" add relay0 vnic1 $((sessions - 1)))
		[ "$out" = "added $((sessions - 1))" ] || fail "installing $((sessions - 1)) more sessions: $out"
	fi
	[ "$(sp vnicctl -j link show relay0 | jq '.[0].counters.sessions')" = "$sessions" ] ||
		fail "the relay does not hold $sessions sessions"
	cl vnicctl link add ss0 --supervisor host --up
	cl vnicctl embed add --dev ss0 --server 10.0.2.1 --port "$port" --id "$sid"
}
vnic_down() {
	# The relay granted the runs' segments: they went the vnic way.
	local granted
	granted=$(sp vnicctl -j link show relay0 | jq '.[0].counters.granted')
	[ "$granted" -gt 0 ] || fail "the relay granted no segment during the vnic runs"
	rmmod vnic
}

# path_setup PATH SESSIONS: sets srv (iperf3 server address in sp), dst
# (address the client connects to) and urg (urgent pointer every data
# segment must carry, both ways).
path_setup() {
	case "$1" in
	baseline) srv=10.0.2.1 dst=10.0.2.1 urg=0 ;;
	vnic) srv=192.168.1.1 dst=10.0.2.1 urg=$sid; vnic_up "$2" ;;
	vxlan) srv=10.9.0.2 dst=10.9.0.2 urg=0 ;;
	geneve) srv=10.8.0.2 dst=10.8.0.2 urg=0 ;;
	*) fail "unknown path $1" ;;
	esac
}
path_teardown() { if [ "$1" = vnic ]; then vnic_down; fi; }

# Non-idle CPU ticks of the whole VM (user nice system irq softirq steal).
cpu_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# wait_for WHAT CMD...: retries CMD for up to 10 s.
wait_for() {
	local what=$1 i; shift
	for i in $(seq 100); do "$@" && return 0; sleep 0.1; done
	fail "timed out waiting for $what"
}
listening() { [ -n "$(sp ss -ltnH "sport = :$port")" ]; }

# run PATH SESSIONS DIRECTION STREAMS REP SECS [record|profile]: one iperf3
# run over the path set up by path_setup; "record" prints its figures as a
# BENCH-RUN line, "profile" samples the whole guest meanwhile and prints the
# kernel symbols as a BENCH-PROFILE line.
run() {
	local path=$1 sessions=$2 dir=$3 n=$4 rep=$5 secs=$6 what=${7:-} server capture c0 c1 rev= perf=
	local dev=r1 host=10.0.2.1
	sp iperf3 -s -1 -B "$srv" -p "$port" >"$tmp/server.log" 2>&1 &
	server=$!
	wait_for "the iperf3 server" listening
	# A few data frames as the router forwards them (upload: to sp on r1;
	# download: to the client on r0): the outer frame, headers only (-s),
	# its length on the wire kept.
	[ "$dir" = download ] && { dev=r0 host=10.0.1.2 rev=-R; }
	rm -f "$tmp/run.pcap"
	rt timeout $((secs + 60)) tcpdump -Z root -i "$dev" -nn -s 200 -c "$frames" -w "$tmp/run.pcap" \
		"ip dst host $host and greater 1000" 2>"$tmp/tcpdump.log" &
	capture=$!
	wait_for "tcpdump" grep -q "listening on" "$tmp/tcpdump.log"
	if [ "$what" = profile ]; then
		rm -f "$tmp/perf.data"
		perf record -q -e cpu-clock -F 1000 -a -g -o "$tmp/perf.data" -- sleep $((secs + 1)) \
			>"$tmp/perf.log" 2>&1 &
		perf=$!
	fi
	c0=$(cpu_ticks)
	# shellcheck disable=SC2086
	if ! cl timeout $((secs + 60)) iperf3 -c "$dst" -p "$port" -P "$n" -t "$secs" $rev -J \
		--connect-timeout 10000 >"$tmp/client.json"; then
		head -c 2000 "$tmp/client.json" >&2
		cat "$tmp/server.log" >&2
		fail "iperf3 over $path ($dir) with $n stream(s) failed"
	fi
	c1=$(cpu_ticks)
	wait "$server" || { cat "$tmp/server.log" >&2; fail "the iperf3 server over $path failed"; }
	kill "$capture" 2>/dev/null || true
	wait "$capture" || true
	case "$what" in
	record)
		[ -s "$tmp/run.pcap" ] || { cat "$tmp/tcpdump.log" >&2; fail "tcpdump captured nothing over $path ($dir)"; }
		python3 "$here/report.py" record --path "$path" --sessions "$sessions" --direction "$dir" \
			--streams "$n" --rep "$rep" --mode "$mode" --iperf "$tmp/client.json" \
			--cpu-ticks $((c1 - c0)) --clk-tck "$(getconf CLK_TCK)" \
			--pcap "$tmp/run.pcap" --expect-urg-ptr "$urg"
		;;
	profile)
		wait "$perf" || { cat "$tmp/perf.log" >&2; fail "perf record over $path ($dir) failed"; }
		# Rust symbols demangled (binutils' c++filt knows v0), crate hashes cut.
		perf report -i "$tmp/perf.data" --stdio --no-children --sort sym -g none --show-nr-samples \
			2>/dev/null >"$tmp/perf.raw" || fail "perf report over $path ($dir) failed"
		c++filt <"$tmp/perf.raw" | sed -E 's/\[[0-9a-f]{16}\]//g' >"$tmp/perf.txt"
		python3 "$here/report.py" profile --path "$path" --sessions "$sessions" --direction "$dir" \
			--streams "$n" --mode "$mode" --iperf "$tmp/client.json" --perf-report "$tmp/perf.txt"
		;;
	esac
}

# The measured variants: a path, with its session count for vnic.
variants=
for path in $paths; do
	if [ "$path" = vnic ]; then
		for s in $session_counts; do variants+="vnic:$s "; done
	else
		variants+="$path:0 "
	fi
done
shuffled() { tr ' ' '\n' <<<"$*" | grep -v '^$' | shuf | tr '\n' ' '; }

echo "bench: $(uname -r), $(nproc) CPUs, $mode mode; $reps repetitions of ${seconds} s per path ($paths; vnic with $session_counts session(s)), direction ($directions) and stream count ($streams), in random order"
topology
tunnels
for rep in $(seq "$reps"); do
	order=$(shuffled "$variants")
	echo "bench: repetition $rep of $reps: $order"
	for v in $order; do
		path=${v%:*} sessions=${v#*:}
		path_setup "$path" "$sessions"
		[ "$warmup" = 0 ] || run "$path" "$sessions" upload 1 0 "$warmup"
		for dn in $(for d in $directions; do for n in $streams; do echo "$d:$n"; done; done | shuf); do
			run "$path" "$sessions" "${dn%:*}" "${dn#*:}" "$rep" "$seconds" record
		done
		path_teardown "$path"
	done
done
if [ "$profile" = 1 ]; then
	for v in $variants; do
		path=${v%:*} sessions=${v#*:}
		label=$path; [ "$path" = vnic ] && label="vnic ($sessions sessions)"
		echo "bench: profiling $label"
		path_setup "$path" "$sessions"
		[ "$warmup" = 0 ] || run "$path" "$sessions" upload 1 0 "$warmup"
		for d in $directions; do run "$path" "$sessions" "$d" 1 0 "$seconds" profile; done
		path_teardown "$path"
	done
fi
echo "bench: done"
