# Stock iproute2 creates, configures and deletes vnic devices.
. ../lib.sh
load_vnic
ip link add vnic1 type vnic
info=$(ip -j -d link show vnic1)
expect_eq "$(json '.[0].linkinfo.info_kind' <<<"$info")" vnic "kind"
expect_eq "$(json '.[0].link_type' <<<"$info")" ether "link type"
expect_eq "$(json '.[0].mtu' <<<"$info")" 1500 "default MTU"
expect_eq "$(json '.[0].address[1:2] | test("[26ae]")' <<<"$info")" true "random MAC is locally administered"

ip link set vnic1 address 00:00:c0:a8:01:01 mtu 9000
ip addr add 192.168.1.1/24 dev vnic1
ip link set vnic1 up
info=$(ip -j -d addr show vnic1)
expect_eq "$(json '.[0].address' <<<"$info")" 00:00:c0:a8:01:01 "MAC after set"
expect_eq "$(json '.[0].mtu' <<<"$info")" 9000 "MTU after set"
expect_eq "$(json '.[0].flags | index("UP") != null' <<<"$info")" true "device up"
expect_eq "$(json '[.[0].addr_info[] | select(.family == "inet") | .local][0]' <<<"$info")" 192.168.1.1 "address"
route=$(ip route get 192.168.1.7)
grep -q 'dev vnic1' <<<"$route" || fail "no connected route via vnic1"

ip link add vnic2 address 00:00:c0:a8:02:01 type vnic
expect_eq "$(cat /sys/class/net/vnic2/address)" 00:00:c0:a8:02:01 "MAC given at creation"
out=$(ip link add vnic3 address 01:00:5e:00:00:01 type vnic 2>&1) && fail "multicast MAC accepted"
expect_match "$out" "unicast" "extack for a multicast MAC"
out=$(ip link set vnic1 mtu 67 2>&1) && fail "MTU 67 accepted"

ip link del vnic1
ip link del vnic2
expect_eq "$(vnic_links)" "" "devices left"
