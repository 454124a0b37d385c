# vnicctl creates the paper's vNICs, shows them as text and JSON, deletes them.
. ../lib.sh
load_vnic
vnicctl link add vnic1 --number 1 --id 1 --up
vnicctl link add vnic2 --number 2 --id 2
vnicctl link add vnic9 --id 65535 --address 02:00:00:00:00:09 --pseudo 10.9.0.1/16 --mtu 1400

js=$(vnicctl -j link show vnic1)
expect_eq "$(json '.[0].id' <<<"$js")" 1 "id"
expect_eq "$(json '.[0].address' <<<"$js")" 00:00:c0:a8:01:01 "paper MAC"
expect_eq "$(json '[.[0].addresses[] | select(contains("."))]' <<<"$js")" '["192.168.1.1/24"]' "paper address"
# As in the paper's Fig. 4, the link-local address derives from the MAC.
expect_eq "$(json '.[0].addresses | index("fe80::200:c0ff:fea8:101/64") != null' <<<"$js")" true "link-local address"
expect_eq "$(json '.[0].up' <<<"$js")" true "up"
# The kernel agrees with vnicctl.
expect_eq "$(ip -j addr show vnic1 | json '.[0].address')" 00:00:c0:a8:01:01 "MAC seen by ip"
expect_eq "$(ip -j addr show vnic2 | json '.[0].addr_info[0].local')" 192.168.2.1 "vnic2 address seen by ip"

# JSON on one line with -j, indented with -j -p (as ip), the same data.
expect_eq "$(wc -l <<<"$js")" 1 "lines of -j"
pretty=$(vnicctl -j -p link show vnic1)
[ "$(wc -l <<<"$pretty")" -gt 1 ] || fail "-j -p is not indented: $pretty"
same='[.[0] | .ifname, .kind, .id, .address, .mtu]'
expect_match "$(json "$same" <<<"$js")" '^\["vnic1","vnic",1,"00:00:c0:a8:01:01",[0-9]+\]$' "fields of -j"
expect_eq "$(json "$same" <<<"$pretty")" "$(json "$same" <<<"$js")" "-j -p and -j"

all=$(vnicctl -j link show)
expect_eq "$(json '[.[].ifname] | sort' <<<"$all")" '["vnic1","vnic2","vnic9"]' "listing"
expect_eq "$(json '.[] | select(.ifname == "vnic9") | .id' <<<"$all")" 65535 "largest id"
expect_eq "$(json '.[] | select(.ifname == "vnic9") | .mtu' <<<"$all")" 1400 "mtu"
expect_eq "$(json '.[] | select(.ifname == "vnic2") | .up' <<<"$all")" false "vnic2 left down"

text=$(vnicctl link show vnic1)
expect_match "$text" '^vnic1: vnic id 1 state ' "text header"
expect_match "$text" 'inet 192.168.1.1/24' "text address"

# A device without an ID shows none.
ip link add plain0 type vnic
expect_eq "$(vnicctl -j link show plain0 | json '.[0].id')" null "no id"

for d in vnic1 vnic2 vnic9 plain0; do vnicctl link del "$d"; done
expect_eq "$(vnic_links)" "" "devices left"
expect_eq "$(vnicctl -j link show)" "[]" "empty listing"
