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
