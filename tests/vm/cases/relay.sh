# The relay-vNIC on a physical NIC: non-overlay traffic passes untouched,
# segments with an unregistered ID or broken headers are dropped and counted,
# bad requests get extack messages, and the relay dies with its lower device.
. ../lib.sh
load_vnic
two_hosts

# Requests that cannot work are refused with a reason.
out=$(ip -n sp link add relay0 type vnic-relay 2>&1) && fail "relay without a lower device"
expect_match "$out" "lower device is required" "extack without link"
out=$(ip -n sp link add relay0 link lo type vnic-relay 2>&1) && fail "relay on loopback"
expect_match "$out" "must be an Ethernet device" "extack for a non-Ethernet lower"

ip -n sp link add relay0 link eth0 type vnic-relay
info=$(ip -n sp -d link show relay0)
expect_match "$info" "relay0@eth0:" "relay shown on its lower device"
expect_match "$info" "^ +vnic-relay " "relay kind"
out=$(ip -n sp link add relay1 link eth0 type vnic-relay 2>&1) && fail "second relay on eth0"
expect_match "$out" "already has a receive handler" "extack for a busy lower device"
ip -n sp link set relay0 up
# A relay is a receive point: no ARP, no IPv6 link-local address of its own.
expect_match "$(ip -n sp link show relay0)" "NOARP" "relay has NOARP"
expect_eq "$(ip -n sp -6 addr show dev relay0)" "" "relay has no IPv6 address"

# A TCP listener on the SP; the SP's count of received segments tells
# whether a segment reached its stack.
ip netns exec sp python3 -m http.server -b 10.0.1.1 8080 >/dev/null 2>&1 &
server=$!
wait_listen sp 8080 10.0.1.1
sp_pid=$(ns_pid sp)
insegs() { tcp_in_segs "$sp_pid"; }
raw_sender client
dropped() { ip netns exec sp cat /sys/class/net/relay0/statistics/rx_dropped; }

# Plain traffic passes: ping, a real HTTP request, a segment without an ID.
ip netns exec client ping -c 2 -W 2 10.0.1.1 >/dev/null || fail "ping through the relay"
ip netns exec client curl -sf -o /dev/null http://10.0.1.1:8080/ || fail "plain TCP through the relay"
before=$(insegs)
raw_send 10.0.1.2 10.0.1.1 8080
pause 0.2
[ "$(insegs)" -gt "$before" ] || fail "a segment without ID did not reach the SP stack"
expect_eq "$(dropped)" 0 "drops before any ID"

# An ID nobody registered: dropped before the stack, counted.
before=$(insegs)
raw_send 10.0.1.2 10.0.1.1 8080 --urg-ptr 7 --count 3
pause 0.2
expect_eq "$(insegs)" "$before" "segments with an unknown ID reached the stack"
expect_eq "$(dropped)" 3 "drops for an unknown ID"

# An ID on broken headers (data offset 3 words): dropped, counted.
raw_send 10.0.1.2 10.0.1.1 8080 --urg-ptr 7 --doff 3
pause 0.2
expect_eq "$(dropped)" 4 "drop for a malformed tagged segment"

# URG set: real urgent data, not an ID, passes.
before=$(insegs)
raw_send 10.0.1.2 10.0.1.1 8080 --urg-ptr 7 --flags SU
pause 0.2
[ "$(insegs)" -gt "$before" ] || fail "an URG segment did not reach the SP stack"

# vnicctl reports the relay, its NIC and the per-reason counters.
js=$(ip netns exec sp vnicctl -j link show relay0)
expect_eq "$(json '"\(.[0].kind) \(.[0].pnic)"' <<<"$js")" "vnic-relay eth0" "relay kind and pNIC"
expect_eq "$(json '[.[0].counters[("sessions", "tagged", "granted", "drop_unknown_id", "drop_malformed")]]' <<<"$js")" "[0,3,0,3,1]" "per-reason counters"
expect_eq "$(json '.[0].stats.rx_dropped' <<<"$js")" 4 "relay rx_dropped"
text=$(ip netns exec sp vnicctl link show relay0)
expect_match "$text" "overlay: 0 sessions, 3 tagged, 0 granted, 0 delivered, 0 replies" "text counters"
expect_match "$text" "dropped: 3 unknown id, 0 not granted, 0 urg set, 1 malformed, 0 undeliverable" "text drop counters"

# A relay that is down does not touch anything.
ip -n sp link set relay0 down
before=$(insegs)
raw_send 10.0.1.2 10.0.1.1 8080 --urg-ptr 7
pause 0.2
[ "$(insegs)" -gt "$before" ] || fail "a down relay dropped a segment"
ip -n sp link set relay0 up

kill "$server"
wait "$server" 2>/dev/null || true

# The relay goes away with its lower device, and can be made again.
ip -n sp link del eth0
ip -n sp link show relay0 >/dev/null 2>&1 && fail "relay0 outlived its lower device"
ip link add veth1 type veth peer name eth1 netns sp
ip -n sp link add relay0 link eth1 type vnic-relay
ip netns exec sp vnicctl link del relay0
ip netns exec sp vnicctl link add relay0 --pnic eth1
out=$(ip netns exec sp vnicctl link add relay9 --pnic nosuch0 2>&1) && fail "relay on a missing NIC"
expect_match "$out" "no device named nosuch0" "vnicctl relay on a missing NIC"
out=$(ip netns exec sp vnicctl link add relay9 --pnic eth1 --id 3 2>&1) && fail "relay with an ID"
expect_match "$out" "cannot be used with" "vnicctl --pnic with --id"
ip -n sp link set eth1 up
ip -n sp link set relay0 up
ping -c 1 -W 1 -I veth1 ff02::1 >/dev/null 2>&1 || true
rmmod vnic
ip -n sp link show relay0 >/dev/null 2>&1 && fail "relay0 outlived rmmod"
ip -n sp link show eth1 >/dev/null || fail "the lower device went with the module"
