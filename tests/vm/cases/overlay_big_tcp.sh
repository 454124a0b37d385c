# BIG TCP aggregates (GSO packets over 64 KiB: IPv4 total length 0, IPv6
# payload length 0 with a jumbo option) from a granted client reach vNIC #1
# whole, once each, and are not counted malformed. The router hands each to
# the SP's pNIC as one GSO packet (a packet socket with a virtio-net header,
# tests/vm/big_gso.py), as a BIG TCP sender on that link would.
. ../lib.sh
load_vnic
dual_stack_vnic1
mac=$(ip netns exec sp cat /sys/class/net/eth0/address)
rx() { ip netns exec sp cat "/sys/class/net/vnic1/statistics/rx_$1"; }

for dst in 10.0.2.1 fd00:2::1; do
	src=10.0.1.2 && [[ $dst == *:* ]] && src=fd00:1::2
	packets=$(rx packets) bytes=$(rx bytes) malformed=$(relay_counter drop_malformed)
	delivered=$(relay_counter delivered)
	ip netns exec router /usr/bin/python3 ../big_gso.py r1 "$mac" "$src" "$dst" 80 --urg-ptr 1 --payload 100000 >/dev/null
	pause 0.5
	expect_eq "$(relay_counter drop_malformed)" "$malformed" "$dst: aggregates counted malformed"
	expect_eq "$(relay_counter delivered)" $((delivered + 1)) "$dst: aggregates delivered"
	expect_eq "$(rx packets)" $((packets + 1)) "$dst: packets vNIC #1 received"
	got=$(( $(rx bytes) - bytes ))
	[ "$got" -gt 100000 ] || fail "$dst: vNIC #1 received $got bytes, not the whole aggregate"
done
