# The supervisor as a bridge box between a client LAN and its gateway:
# client -- SS box (bridge) -- router -- SP. The box tags the client's
# segments to the SP's port 80 with ID 2 and checks and clears the ID on the
# way back; everything without an ID (ping, other ports) crosses untouched.
. ../lib.sh
load_vnic
router_and_sp
ip netns add ssbox
ip -n ssbox link add br0 type bridge
ip link add wan0 netns ssbox type veth peer name r0 netns router
ip -n router addr add 10.0.1.1/24 dev r0
ip -n router link set r0 up
client_on ssbox lan0
ip -n ssbox link set lan0 master br0
ip -n ssbox link set wan0 master br0
for l in lan0 wan0 br0 lo; do ip -n ssbox link set "$l" up; done

sp_vnics 1 2
sp_apache
ip netns exec sp vnicctl session add --relay relay0 --vnic vnic2 --client 10.0.1.2 --id 2
get() { ip netns exec client curl -sf --max-time 5 "$@"; }

# Before the box knows the service, the client cannot reach the sites.
get --connect-timeout 3 http://10.0.2.1/ >/dev/null && fail "site reached without an ID"

ip netns exec ssbox vnicctl link add ss0 --supervisor bridge --up
expect_match "$(ip netns exec ssbox vnicctl link show ss0)" "vnic-ss mode bridge" "bridge mode shown"
ip netns exec ssbox vnicctl embed add --dev ss0 --server 10.0.2.1 --port 80 --id 2
expect_eq "$(get http://10.0.2.1/)" "site two (vNIC #2)" "the box's ID 2 selects site two"
counter() { ip netns exec ssbox vnicctl -j stats ss0 | json ".[0].supervisor.$1"; }
[ "$(counter embedded)" -gt 0 ] || fail "the box embedded nothing"
[ "$(counter cleared)" -gt 0 ] || fail "the box cleared nothing"

# Traffic without an ID crosses the box untouched.
ip netns exec client ping -c 1 -W 2 10.0.2.1 >/dev/null || fail "ping across the box"
expect_eq "$(get http://10.0.2.1:8080/)" "site one (vNIC #1)" "plain TCP across the box"

# A reply from the SP's port 80 without the ID is dropped by the box: the
# SP answers a plain segment to port 80 (no relay session for it) with a RST.
before=$(counter drop_no_id)
ip netns exec sp vnicctl session del --relay relay0 --client 10.0.1.2 --id 2
ip netns exec sp vnicctl link del relay0
get --connect-timeout 3 http://10.0.2.1/ >/dev/null && fail "site reached with the relay gone"
[ "$(counter drop_no_id)" -gt "$before" ] || fail "the SP's answer without an ID was not dropped by the box"
