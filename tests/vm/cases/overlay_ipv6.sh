# The overlay over IPv6: the same client -- router -- SP path with IPv6
# addresses; the supervisor tags the client's segments to the SP's IPv6
# address, the relay delivers them to vNIC #1's IPv6 address and rewrites
# the replies. A real TCP exchange (curl to a Python web server bound to the
# vNIC's address) succeeds only with the ID, and a capture on the router shows
# no pseudo address on the wire.
. ../lib.sh
load_vnic
routed_hosts6
v6() { ip -n "$1" -6 addr add "$2" dev "$3" nodad; }
sp_vnics 1
v6 sp fd00:a1::1/64 vnic1
mkdir -p /tmp/v6site && echo "site one over IPv6" >/tmp/v6site/index.html
ip netns exec sp python3 -m http.server -b fd00:a1::1 -d /tmp/v6site 80 >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
wait_listen sp 80
get() { ip netns exec client curl -gsf --max-time 5 "$@"; }
relay() { ip netns exec sp vnicctl -j stats relay0 | json ".[0].relay.$1"; }

ip netns exec client ping -6 -c 1 -W 2 fd00:2::1 >/dev/null || fail "IPv6 ping to the SP"
get --connect-timeout 3 "http://[fd00:2::1]/" >/dev/null && fail "reached the vNIC without an ID"

ip netns exec sp vnicctl session add --relay relay0 --vnic vnic1 --client fd00:1::2 --id 1
ip netns exec client vnicctl link add ss0 --supervisor host --up
ip netns exec client vnicctl embed add --dev ss0 --server fd00:2::1 --port 80 --id 1
capture_start router r1 /tmp/v6.pcap
expect_eq "$(get "http://[fd00:2::1]/")" "site one over IPv6" "IPv6 site through vNIC #1"
capture_stop
[ "$(relay delivered)" -gt 0 ] || fail "nothing delivered over IPv6"
[ "$(relay replies)" -gt 0 ] || fail "no IPv6 reply rewritten"
expect_eq "$(relay drop_undeliverable)" 0 "IPv6 undeliverable"
wire=$(tcpdump -nn -r /tmp/v6.pcap 2>/dev/null)
expect_match "$wire" "fd00:1::2\.[0-9]+ > fd00:2::1\.80" "client to SP on the wire"
expect_match "$wire" "fd00:2::1\.80 > fd00:1::2\.[0-9]+" "SP to client on the wire"
expect_no_match "$wire" "fd00:a1::" "the pseudo address never on the wire"

# Each device's address comes from its own list. A deprecated address is
# still the device's: the stack's source selection, which weighs every
# device's addresses, would pick another device's fresher one instead, so the
# relay would drop the segment (vNIC's address deprecated) or the reply would
# keep its pseudo source on the wire (pNIC's address deprecated).
ip -n sp -6 addr change fd00:a1::1/64 dev vnic1 nodad preferred_lft 0
expect_match "$(ip -n sp -6 addr show dev vnic1)" "fd00:a1::1/64 scope global .*deprecated" "vNIC's address deprecated"
expect_eq "$(get "http://[fd00:2::1]/")" "site one over IPv6" "site with the vNIC's address deprecated"
expect_eq "$(relay drop_undeliverable)" 0 "undeliverable with the vNIC's address deprecated"
ip -n sp -6 addr change fd00:a1::1/64 dev vnic1 nodad preferred_lft forever
ip -n sp -6 addr change fd00:2::1/64 dev eth0 nodad preferred_lft 0
# (One capture on the router for this and the next check.)
capture_start router r1 /tmp/v6pnic.pcap
expect_eq "$(get "http://[fd00:2::1]/")" "site one over IPv6" "site with the pNIC's address deprecated"

# A pNIC with no IPv6 address left: what the vNIC still sends on a live
# connection is dropped (and counted on the vNIC), never sent with the pseudo
# source. The server talks without being asked: the client's own segments
# stop at the relay once the pNIC's address is gone.
ip netns exec sp python3 - >/dev/null 2>&1 <<'PY' &
import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("fd00:a1::1", 81))
s.listen()
c, _ = s.accept()
while True:
    try:
        c.send(b"x")
    except OSError:
        break
    time.sleep(0.1)
PY
talker=$!
trap 'kill $server $talker 2>/dev/null' EXIT
wait_listen sp 81
ip netns exec client vnicctl embed add --dev ss0 --server fd00:2::1 --port 81 --id 1
rm -f /tmp/v6talk
ip netns exec client timeout 60 python3 -c '
import socket, time
s = socket.create_connection(("fd00:2::1", 81), timeout=3)
assert s.recv(1) == b"x"
open("/tmp/v6talk", "w").close()
time.sleep(60)
' &
listener=$!
trap 'kill $server $talker $listener 2>/dev/null' EXIT
for _ in $(seq 50); do [ -e /tmp/v6talk ] && break; pause 0.1; done
[ -e /tmp/v6talk ] || fail "the talker over IPv6"
dropped0=$(ip -n sp -j -s link show vnic1 | json '.[0].stats64.tx.dropped')
ip -n sp -6 addr del fd00:2::1/64 dev eth0
pause 1
capture_stop
wire=$(tcpdump -nn -r /tmp/v6pnic.pcap 2>/dev/null)
expect_match "$wire" "fd00:2::1\.80 > fd00:1::2\.[0-9]+" "SP to client with the pNIC's address deprecated"
expect_match "$wire" "fd00:2::1\.81 > fd00:1::2\.[0-9]+" "the talker before the pNIC's address went"
expect_no_match "$wire" "fd00:a1::" "no pseudo address on the wire (pNIC's address deprecated, then gone)"
[ "$(ip -n sp -j -s link show vnic1 | json '.[0].stats64.tx.dropped')" -gt "$dropped0" ] || fail "nothing dropped on vnic1 with no pNIC address"
