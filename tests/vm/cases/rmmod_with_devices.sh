# rmmod with devices up, addressed, transmitting, and in several network
# namespaces removes every one of them.
. ../lib.sh
load_vnic
ip netns add other
for i in $(seq 1 8); do
	vnicctl link add "vnic$i" --number "$i" --id "$i" --up
	ip neigh add "192.168.$i.2" lladdr 02:00:00:00:00:02 dev "vnic$i"
done
ip -n other link add far1 type vnic
ip -n other link set far1 up
# Keep traffic flowing while the module goes away.
for i in 1 2 3; do ping -q -i 0.01 -w 5 "192.168.$i.2" >/dev/null 2>&1 & done
pause 0.5
rmmod vnic
wait
[ ! -d /sys/module/vnic ] || fail "module still loaded"
expect_eq "$(count_links "" vnic)" 0 "devices left in init netns"
expect_eq "$(count_links other far1)" 0 "devices left in the other netns"
