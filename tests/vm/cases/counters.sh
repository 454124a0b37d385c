# Per-device counters move by exactly what happens, and vnicctl, ip and sysfs
# agree. What the stack routes into a vNIC itself goes nowhere (replies leave
# by the pNIC, see overlay_sites): each frame counts as a tx drop.
. ../lib.sh
load_vnic
vnicctl link add vnic1 --number 1 --id 1
sysctl -qw net.ipv6.conf.vnic1.disable_ipv6=1
ip link set vnic1 up
expect_match "$(ip link show vnic1)" "NOARP" "a vNIC resolves no neighbours"
expect_eq "$(stat vnic1 tx_dropped)" 0 "tx drops before"

ping -q -c 5 -i 0.05 -W 1 -s 56 192.168.1.2 >/dev/null 2>&1 || true
expect_eq "$(stat vnic1 tx_dropped)" 5 "tx drops after 5 pings"
expect_eq "$(stat vnic1 tx_packets)" 0 "nothing transmitted"
expect_eq "$(stat vnic1 rx_packets)" 0 "rx packets"

# A 3000-byte UDP datagram leaves as 3 IP fragments (MTU 1500), each counted.
python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x" * 3000, ("192.168.1.2", 9))
PY
expect_eq "$(stat vnic1 tx_dropped)" 8 "tx drops after a datagram in 3 fragments"

js=$(vnicctl -j link show vnic1)
expect_eq "$(json '.[0].stats.tx_dropped' <<<"$js")" "$(stat vnic1 tx_dropped)" "vnicctl tx_dropped"
expect_eq "$(json '.[0].stats.tx_packets' <<<"$js")" 0 "vnicctl tx_packets"
expect_eq "$(ip -j -s link show vnic1 | json '.[0].stats64.tx.dropped')" 8 "ip -s tx dropped"

# ethtool: the driver, and the per-reason counters of each kind (ethtool -S;
# the standard ones above stay in the device's stats).
info=$(ethtool -i vnic1)
expect_match "$info" "^driver: vnic$" "ethtool -i driver"
expect_match "$info" "bus-info: vnic$" "ethtool -i names the link kind"
expect_eq "$(ethtool_stat "" vnic1 tx_drop_real_mode)" 8 "ethtool -S: tx drops of a real-mode vNIC"
for n in tx_cip_sent tx_drop_not_tcp tx_drop_no_session tx_drop_unwritable tx_drop_no_route; do
	expect_eq "$(ethtool_stat "" vnic1 $n)" 0 "ethtool -S vnic1 $n"
done
ip link add eth9 type veth peer name eth9p
vnicctl link add relay0 --pnic eth9 --up
vnicctl session add --relay relay0 --vnic vnic1 --client 10.9.0.1 --id 1
vnicctl session add --relay relay0 --vnic vnic1 --client 10.9.0.2 --id 1
expect_match "$(ethtool -i relay0)" "bus-info: vnic-relay$" "ethtool -i relay0"
expect_eq "$(ethtool_stat "" relay0 sessions)" 2 "ethtool -S relay0 sessions"
ethtool_agrees "" relay0 "sessions tagged granted delivered replies drop_unknown_id drop_not_granted drop_urg_set drop_malformed drop_undeliverable drop_to_pseudo drop_no_session"
vnicctl link add ss0 --supervisor host --up
vnicctl embed add --dev ss0 --server 10.9.0.9 --port 80 --id 5
expect_eq "$(ethtool_stat "" ss0 rules)" 1 "ethtool -S ss0 rules"
ethtool_agrees "" ss0 "rules embedded cleared urgent drop_no_id drop_wrong_id"
