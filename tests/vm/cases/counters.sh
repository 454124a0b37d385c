# Per-device counters move by exactly what is sent, and vnicctl, ip and sysfs
# agree. A vNIC without a relay counts what it transmits and discards it.
. ../lib.sh
load_vnic
vnicctl link add vnic1 --number 1 --id 1
sysctl -qw net.ipv6.conf.vnic1.disable_ipv6=1
ip link set vnic1 up
ip neigh add 192.168.1.2 lladdr 02:00:00:00:00:02 dev vnic1
expect_eq "$(stat vnic1 tx_packets)" 0 "tx before"

ping -q -c 5 -i 0.05 -W 1 -s 56 192.168.1.2 >/dev/null 2>&1 || true
expect_eq "$(stat vnic1 tx_packets)" 5 "tx packets after 5 pings"
expect_eq "$(stat vnic1 tx_bytes)" $((5 * 98)) "tx bytes (14 eth + 20 ip + 8 icmp + 56 data each)"
expect_eq "$(stat vnic1 rx_packets)" 0 "rx packets"

# A 3000-byte UDP datagram leaves as 3 IP fragments (MTU 1500), each counted.
python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x" * 3000, ("192.168.1.2", 9))
PY
expect_eq "$(stat vnic1 tx_packets)" 8 "tx packets after a datagram in 3 fragments"
expect_eq "$(stat vnic1 tx_bytes)" $((5 * 98 + 3 * 14 + 3 * 20 + 3008)) "tx bytes after the fragments"

js=$(vnicctl -j link show vnic1)
expect_eq "$(json 'd[0]["stats"]["tx_packets"]' <<<"$js")" "$(stat vnic1 tx_packets)" "vnicctl tx_packets"
expect_eq "$(json 'd[0]["stats"]["tx_bytes"]' <<<"$js")" "$(stat vnic1 tx_bytes)" "vnicctl tx_bytes"
expect_eq "$(ip -j -s link show vnic1 | json 'd[0]["stats64"]["tx"]["packets"]')" 8 "ip -s tx packets"
