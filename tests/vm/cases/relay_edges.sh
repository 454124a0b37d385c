# Edges of the relay's verdict: a vNIC without an IPv4 address of its own
# gets nothing (inet_select_addr would lend it another device's address,
# making that the new destination), IPv4 fragments carrying an ID, first
# fragments included, are never rewritten or delivered, and neither are
# frames for another host's MAC.
. ../lib.sh
load_vnic
two_hosts
ip netns exec sp vnicctl link add relay0 --pnic eth0 --up
ip netns exec sp vnicctl link add vnic1 --number 1 --id 1 --up
ip -n sp link add vnic3 type vnic
ip -n sp link set vnic3 up
ip netns exec sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1
ip netns exec sp vnicctl session add --relay relay0 --vnic vnic3 --client 10.0.1.2 --id 3

# A granted segment for the vNIC without an address: undeliverable.
before=$(relay_counter delivered)
ip netns exec client python3 ../tcp_raw.py 10.0.1.2 10.0.1.1 80 --urg-ptr 3 --flags S
pause 0.3
expect_eq "$(relay_counter delivered)" "$before" "segments delivered to a vNIC without an address"
expect_eq "$(relay_counter drop_undeliverable)" 1 "undeliverable"

# A tagged first fragment (MF set, offset 0) and a later one: both pass to
# the host untouched, neither counts as granted nor is delivered.
ip netns exec client /usr/bin/python3 - <<'PY'
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, Raw, send
first = IP(src="10.0.1.2", dst="10.0.1.1", flags="MF", frag=0, id=77) / TCP(dport=80, flags="S", urgptr=1) / Raw(b"x" * 16)
later = IP(src="10.0.1.2", dst="10.0.1.1", frag=5, id=77, proto=6) / Raw(b"y" * 16)
send([first, later], verbose=False)
PY
pause 0.3
expect_eq "$(relay_counter granted)" 1 "granted (the segment for vnic3 only)"
expect_eq "$(relay_counter delivered)" "$before" "delivered after the fragments"
# The genuine case still works: a granted SYN for vNIC #1 is delivered.
ip netns exec client python3 ../tcp_raw.py 10.0.1.2 10.0.1.1 80 --urg-ptr 1 --flags S
pause 0.3
expect_eq "$(relay_counter delivered)" "$((before + 1))" "a granted segment for vNIC #1"

# A frame for another host's MAC (the pNIC in promiscuous mode hands it up
# as PACKET_OTHERHOST) carrying the granted ID is neither granted nor
# delivered: the stack drops such frames, so vnic must not count or rewrite
# them either.
ip -n sp link set eth0 promisc on
granted=$(relay_counter granted)
ip netns exec client /usr/bin/python3 - <<'PY'
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, Ether, sendp
sendp(Ether(dst="02:00:00:00:00:99") / IP(src="10.0.1.2", dst="10.0.1.1") / TCP(dport=80, flags="S", urgptr=1),
      iface="veth0", verbose=False)
PY
pause 0.3
expect_eq "$(relay_counter granted)" "$granted" "granted after a frame for another host"
expect_eq "$(relay_counter delivered)" "$((before + 1))" "delivered after a frame for another host"
