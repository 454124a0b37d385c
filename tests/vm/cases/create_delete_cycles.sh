# 100 create/delete cycles through each of iproute2 (one `ip -batch`, so that
# the kernel's work, not 300 process starts, is what runs) and vnicctl (25 on
# the debug kernel, where each start costs about 0.5 s) leave nothing
# behind: no device, no module reference, and the module still unloads.
. ../lib.sh
load_vnic
for i in $(seq 1 100); do
	echo "link add c$i type vnic"
	echo "link set c$i up"
	echo "link del c$i"
done | ip -batch -
cycles=100
[ "${VNIC_FLAVOR:-normal}" = debug ] && cycles=25
for i in $(seq 1 "$cycles"); do
	vnicctl link add "v$((i % 7 + 1))" --number $((i % 200 + 1)) --id "$i" --up
	vnicctl link del "v$((i % 7 + 1))"
done
expect_eq "$(vnic_links)" "" "devices left after cycles"
expect_eq "$(cat /sys/module/vnic/refcnt)" 0 "module references left"
rmmod vnic
