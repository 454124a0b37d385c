# 100 create/delete cycles through each of iproute2 and vnicctl leave nothing
# behind: no device, no module reference, and the module still unloads.
. ../lib.sh
load_vnic
for i in $(seq 1 100); do
	ip link add "c$i" type vnic
	ip link set "c$i" up
	ip link del "c$i"
done
for i in $(seq 1 100); do
	vnicctl link add "v$((i % 7 + 1))" --number $((i % 200 + 1)) --id "$i" --up
	vnicctl link del "v$((i % 7 + 1))"
done
expect_eq "$(vnic_links)" "" "devices left after cycles"
expect_eq "$(cat /sys/module/vnic/refcnt)" 0 "module references left"
rmmod vnic
