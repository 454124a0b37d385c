# The paper's scenario with real Apache and curl: two sites on vNIC #1 and
# vNIC #2 behind one SP address and port, selected by the ID alone. A capture
# on the router (tcpdump) shows the ID in the urgent pointer with URG clear on
# every segment both ways, and per-frame overheads equal to the same transfer
# without vnic: nothing is added to a packet.
. ../lib.sh
load_vnic
routed_hosts
sp_vnics 1 2
sp_apache
head -c 1M /dev/urandom >/tmp/apache/site1/one.bin
chmod a+r /tmp/apache/site1/one.bin
ip netns exec sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1
ip netns exec sp vnicctl session add --relay relay0 --vnic vnic2 --client 10.0.1.2 --id 2

get() { ip netns exec client curl -sf --max-time 10 "$@"; }
capture() { capture_start router r1 "$1"; } # on the router's SP-side port
stop_capture() { capture_stop; }

# Without a rule the client reaches the SP itself: no vNIC answers on port 80.
get --connect-timeout 3 http://10.0.2.1/ >/dev/null && fail "port 80 of the SP answered without an ID"

client_embed 1
capture /tmp/id1.pcap
expect_eq "$(get http://10.0.2.1/)" "site one (vNIC #1)" "ID 1 selects site one"
get -o /tmp/one.vnic http://10.0.2.1/one.bin
stop_capture
cmp -s /tmp/one.vnic /tmp/apache/site1/one.bin || fail "1 MB file through vNIC #1 differs"
sum1=$(python3 ../pcap_tcp.py /tmp/id1.pcap --server 10.0.2.1:80 --id 1) || fail "capture with ID 1: $sum1"

client_embed 2
capture /tmp/id2.pcap
expect_eq "$(get http://10.0.2.1/)" "site two (vNIC #2)" "ID 2 selects site two"
stop_capture
python3 ../pcap_tcp.py /tmp/id2.pcap --server 10.0.2.1:80 --id 2 >/dev/null || fail "capture with ID 2"

# The same 1 MB without vnic (Apache on the SP's own address): the same
# per-frame overhead on every segment that carries data (pure ACKs differ
# run to run as SACK blocks come and go).
capture /tmp/base.pcap
get -o /tmp/one.base http://10.0.2.1:8080/one.bin
stop_capture
base=$(python3 ../pcap_tcp.py /tmp/base.pcap --server 10.0.2.1:8080) || fail "baseline capture"
vnic_one=$(json .data_overheads <<<"$sum1")
base_one=$(json .data_overheads <<<"$base")
expect_eq "$vnic_one" "$base_one" "per-frame overhead of data segments with vnic and without"
expect_match "$base" '"payload_from_server": [0-9]{7}' "baseline moved the megabyte"

# The counters agree with what happened.
[ "$(relay_counter delivered)" -gt 0 ] || fail "relay delivered nothing"
[ "$(relay_counter replies)" -gt 0 ] || fail "relay rewrote no reply"
expect_eq "$(relay_counter drop_undeliverable)" 0 "nothing undeliverable"
[ "$(ss_counter embedded)" -gt 0 ] || fail "supervisor embedded nothing"
[ "$(ss_counter cleared)" -gt 0 ] || fail "supervisor cleared nothing"
expect_eq "$(ss_counter drop_wrong_id)" 0 "no wrong IDs"
[ "$(ip netns exec sp cat /sys/class/net/vnic1/statistics/rx_packets)" -gt 0 ] || fail "vNIC #1 received nothing"
# vnicctl stats reads the same counters over generic netlink (STATS_GET).
expect_eq "$(ip netns exec sp vnicctl -j stats vnic1 | json '.[0].stats.rx_packets')" \
	"$(ip netns exec sp cat /sys/class/net/vnic1/statistics/rx_packets)" "vNIC #1 rx over genl and sysfs"
expect_match "$(ip netns exec sp vnicctl stats)" "relay0 \(vnic-relay\):" "stats text lists the relay"
