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
expect_eq "$(json 'd[0]["stats"]["tx_dropped"]' <<<"$js")" "$(stat vnic1 tx_dropped)" "vnicctl tx_dropped"
expect_eq "$(json 'd[0]["stats"]["tx_packets"]' <<<"$js")" 0 "vnicctl tx_packets"
expect_eq "$(ip -j -s link show vnic1 | json 'd[0]["stats64"]["tx"]["dropped"]')" 8 "ip -s tx dropped"
