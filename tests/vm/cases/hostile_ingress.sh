# Nothing reaches a pseudo address from the SP's LAN without a grant. A host
# on the SP's LAN (the router's side) sends a few thousand hostile frames
# built with scapy (every family, protocol and TCP flag mix, IPv4 options and
# fragments, IPv6 extension headers and fragments, source routes through the
# pNIC, lying lengths, bad checksums, broadcast frames, ARP and NDP for
# pseudo addresses, the granted client's ID with URG set) at the SP's MAC.
# A raw-socket witness in the SP's namespace records every packet its stack
# takes in for a pseudo address: only the two granted control SYNs may show.
# Then a granted client's real transfer over both families still works, and
# tshark validates the TCP checksum of every frame on the wire (transmit
# checksum offload off on both ends).
. ../lib.sh
load_vnic
routed_hosts6
v6() { ip -n "$1" -6 addr add "$2" dev "$3" nodad; }
sp_vnics 1 2
v6 sp fd00:a1::1/64 vnic1
v6 sp fd00:a2::1/64 vnic2
ip netns exec sp vnicctl session add --relay relay0 --vnic vnic1 --client 10.0.1.2 --id 1
ip netns exec sp vnicctl session add --relay relay0 --vnic vnic1 --client fd00:1::2 --id 1
pseudo="192.168.1.1 192.168.2.1 fd00:a1::1 fd00:a2::1"
count=2400
[ "${VNIC_FLAVOR:-normal}" = debug ] && count=800

ip netns exec sp python3 ../witness.py 900 /tmp/witness.txt --watch $pseudo >/tmp/witness.out 2>&1 &
witness=$!
for _ in $(seq 100); do [ "$(count_matches /tmp/witness.out ready)" = 0 ] || break; pause 0.1; done
grep -q ready /tmp/witness.out || fail "the witness did not start: $(cat /tmp/witness.out)"
mac=$(ip -n sp -j link show eth0 | json '.[0].address')
# shellcheck disable=SC2086
sent=$(ip netns exec router /usr/bin/python3 ../hostile.py r1 "$mac" --pseudo $pseudo \
	--pnic4 10.0.2.1 --pnic6 fd00:2::1 --count "$count")
expect_eq "$sent" "sent $count" "hostile frames sent"
# The controls: one granted SYN per family, marked by source port 40001.
ip netns exec client python3 ../tcp_raw.py 10.0.1.2 10.0.2.1 80 --urg-ptr 1 --flags S --sport 40001
ip netns exec client python3 ../tcp_raw.py fd00:1::2 fd00:2::1 80 --urg-ptr 1 --flags S --sport 40001
pause 1
kill -TERM "$witness"
wait "$witness" || fail "the witness failed: $(cat /tmp/witness.out)"
[ -s /tmp/witness.txt ] || fail "the witness wrote nothing"
taken=$(grep -v '^total' /tmp/witness.txt | sort)
want=$'4 10.0.1.2 192.168.1.1 6 40001\n6 fd00:1::2 fd00:a1::1 6 40001'
[ "$taken" = "$want" ] || fail "the SP's stack took in $(wc -l <<<"$taken") packets for a pseudo address," \
	"not just the 2 granted controls; the first: $(head -n 8 <<<"$taken" | tr '\n' ';')"
to_pseudo=$(relay_counter drop_to_pseudo)
[ "$to_pseudo" -gt $((count / 2)) ] || fail "only $to_pseudo of $count frames counted as aimed at a pseudo address"
echo "witness: $(tail -n 1 /tmp/witness.txt); relay drop_to_pseudo $to_pseudo, malformed $(relay_counter drop_malformed)"

# The overlay still works, and every frame's TCP checksum is right.
sp_blob_servers 300000
ip netns exec sp ethtool -K eth0 tx off >/dev/null
ip netns exec client ethtool -K veth0 tx off >/dev/null
ip netns exec client vnicctl link add ss0 --supervisor host --up
ip netns exec client vnicctl embed add --dev ss0 --server 10.0.2.1 --port 80 --id 1
ip netns exec client vnicctl embed add --dev ss0 --server fd00:2::1 --port 80 --id 1
# Whole frames (capture_start keeps headers only): tshark needs the
# payload to check a checksum.
ip netns exec router tcpdump -i r1 -s 0 -U --immediate-mode -Z root -w /tmp/wire.pcap tcp 2>/tmp/tcpdump.err &
capture_pid=$!
for _ in $(seq 100); do [ "$(count_matches /tmp/tcpdump.err "listening on")" = 0 ] || break; pause 0.1; done
want=$(sha256sum </tmp/site/blob)
expect_eq "$(ip netns exec client curl -sSf --max-time 20 http://10.0.2.1/blob | sha256sum)" "$want" "IPv4 transfer"
expect_eq "$(ip netns exec client curl -gsSf --max-time 20 "http://[fd00:2::1]/blob" | sha256sum)" "$want" "IPv6 transfer"
capture_stop
frames=$(tshark -n -r /tmp/wire.pcap -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status == 1' 2>/dev/null | wc -l)
[ "$frames" -gt 100 ] || fail "only $frames TCP frames with a verified checksum captured"
# A field of 0xffff where the sum comes to 0x0000 is the same one's
# complement zero (RFC 1624): Linux's own software checksum
# (skb_checksum_help) writes it so, about once in 65,536 frames, and every
# receiver takes it. tshark marks it bad with the expert tcp.checksum.ffff.
bad=$(tshark -n -r /tmp/wire.pcap -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status == 0 && !tcp.checksum.ffff' 2>/dev/null | head -n 5)
[ -z "$bad" ] || fail "frames with a wrong TCP checksum on the wire: $bad"
echo "tshark: $frames TCP frames with a verified checksum, none wrong"
