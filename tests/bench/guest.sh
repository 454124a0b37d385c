#!/usr/bin/env bash
# The in-guest half of make bench (run by tests/bench/bench through
# tests/vm/run): builds client -- router -- sp in network namespaces and
# measures iperf3 TCP throughput over each path, alternating paths and stream
# counts within every repetition. Each run prints one "BENCH-RUN {json}" line
# (tests/bench/report.py record) for the host to summarize.
#
# Environment (set by tests/bench/bench): BENCH_SECONDS, BENCH_REPS,
# BENCH_PATHS, BENCH_STREAMS, BENCH_WARMUP (seconds of an unrecorded first
# baseline run; 0: none); VNIC_KO and vnicctl on PATH come from tests/vm/run.
set -euo pipefail
trap 'echo "FAILED: ${BASH_SOURCE[0]}:$LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
here=$(cd "$(dirname "$0")" && pwd)
seconds=${BENCH_SECONDS:-5}
reps=${BENCH_REPS:-3}
paths=${BENCH_PATHS:-baseline vnic vxlan geneve}
streams=${BENCH_STREAMS:-1 4}
warmup=${BENCH_WARMUP:-2}
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
# unloaded after each, so the baseline (and the tunnels) run with no vnic
# code in the kernel at all. sp: relay on eth0, vNIC #1 (192.168.1.1), a
# session granting ID $sid to the client; client: a host-mode supervisor that
# tags every segment to 10.0.2.1:$port with ID $sid.
vnic_up() {
	[ -d /sys/module/vnic ] && fail "vnic is loaded before a vnic run"
	insmod "$VNIC_KO"
	sp vnicctl link add relay0 --pnic eth0 --up
	sp vnicctl link add vnic1 --number 1 --id "$sid" --up
	sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id "$sid"
	cl vnicctl link add ss0 --supervisor host --up
	cl vnicctl embed add --dev ss0 --server 10.0.2.1 --port "$port" --id "$sid"
}
vnic_down() {
	# The relay granted the run's segments: they went the vnic way.
	local granted
	granted=$(sp vnicctl -j link show relay0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["counters"]["granted"])')
	[ "$granted" -gt 0 ] || fail "the relay granted no segment during the vnic run"
	rmmod vnic
}

# path_setup PATH: sets srv (iperf3 server address in sp), dst (address the
# client connects to) and urg (urgent pointer every data segment must carry).
path_setup() {
	case "$1" in
	baseline) srv=10.0.2.1 dst=10.0.2.1 urg=0 ;;
	vnic) srv=192.168.1.1 dst=10.0.2.1 urg=$sid; vnic_up ;;
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

# run PATH STREAMS REP SECS [record]: one iperf3 run over PATH; with
# "record", its figures go out as a BENCH-RUN line.
run() {
	local path=$1 n=$2 rep=$3 secs=$4 record=${5:-} server capture c0 c1
	path_setup "$path"
	sp iperf3 -s -1 -B "$srv" -p "$port" >"$tmp/server.log" 2>&1 &
	server=$!
	wait_for "the iperf3 server" listening
	# A few client->sp data frames as the router forwards them to sp: the
	# outer frame, headers only (-s), its length on the wire kept.
	rm -f "$tmp/run.pcap"
	rt timeout $((secs + 60)) tcpdump -Z root -i r1 -nn -s 200 -c "$frames" -w "$tmp/run.pcap" \
		"ip dst host 10.0.2.1 and greater 1000" 2>"$tmp/tcpdump.log" &
	capture=$!
	wait_for "tcpdump" grep -q "listening on" "$tmp/tcpdump.log"
	c0=$(cpu_ticks)
	if ! cl timeout $((secs + 60)) iperf3 -c "$dst" -p "$port" -P "$n" -t "$secs" -J \
		--connect-timeout 10000 >"$tmp/client.json"; then
		head -c 2000 "$tmp/client.json" >&2
		cat "$tmp/server.log" >&2
		fail "iperf3 over $path with $n stream(s) failed"
	fi
	c1=$(cpu_ticks)
	wait "$server" || { cat "$tmp/server.log" >&2; fail "the iperf3 server over $path failed"; }
	kill "$capture" 2>/dev/null || true
	wait "$capture" || true
	path_teardown "$path"
	[ "$record" = record ] || return 0
	[ -s "$tmp/run.pcap" ] || { cat "$tmp/tcpdump.log" >&2; fail "tcpdump captured nothing over $path"; }
	python3 "$here/report.py" record --path "$path" --streams "$n" --rep "$rep" \
		--iperf "$tmp/client.json" --cpu-ticks $((c1 - c0)) --clk-tck "$(getconf CLK_TCK)" \
		--pcap "$tmp/run.pcap" --expect-urg-ptr "$urg"
}

echo "bench: $(uname -r), $(nproc) CPUs; $reps repetitions of ${seconds} s per path ($paths) and stream count ($streams)"
topology
tunnels
if [ "$warmup" -gt 0 ]; then
	echo "bench: warming up (baseline, ${warmup} s, not recorded)"
	run baseline 1 0 "$warmup"
fi
for rep in $(seq "$reps"); do
	echo "bench: repetition $rep of $reps"
	for path in $paths; do
		for n in $streams; do
			run "$path" "$n" "$rep" "$seconds" record
		done
	done
done
echo "bench: done"
