#!/usr/bin/python3
"""Send one BIG TCP aggregate (a GSO TCP packet longer than 64 KiB) out of a
device, as a local stack's BIG TCP would hand it to a veth (for relay tests).

usage: big_gso.py IFACE DST_MAC SRC DST DPORT --urg-ptr N [--payload BYTES]

First raises IFACE's gso_max_size and gso_ipv4_max_size to 200,000 (as
`ip link set IFACE gso_max_size 200000 gso_ipv4_max_size 200000` would;
Debian 12's iproute2 6.1 does not know the second), or the device's own
transmit path would segment the packet (gso_features_check).

IPv4 (SRC and DST dotted) carries a total length of 0; IPv6 a payload
length of 0 and a hop-by-hop jumbo payload option, as 6.12's ip6_xmit
builds them. The headers are scapy's; the packet socket's virtio-net
header (PACKET_VNET_HDR) makes the kernel take the frame as one GSO packet
with its TCP checksum to be completed (CHECKSUM_PARTIAL), which is what
lets it exceed the MTU. Run with Debian's /usr/bin/python3 (python3-scapy).
"""
import argparse
import socket
import struct

from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, Jumbo
from scapy.layers.l2 import Ether

SOL_PACKET, PACKET_VNET_HDR = 263, 15
VIRTIO_NET_HDR_F_NEEDS_CSUM = 1
VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_HDR_GSO_TCPV6 = 1, 4
MSS = 1448
NETLINK_ROUTE, RTM_NEWLINK, NLMSG_ERROR, NLM_F_REQUEST, NLM_F_ACK = 0, 16, 2, 1, 4
IFLA_GSO_MAX_SIZE, IFLA_GSO_IPV4_MAX_SIZE = 41, 63


def set_gso_max(iface: str, size: int) -> None:
    """RTM_NEWLINK on an existing device with both GSO limits; raises on error."""
    attrs = b"".join(struct.pack("=HHI", 8, kind, size) for kind in (IFLA_GSO_MAX_SIZE, IFLA_GSO_IPV4_MAX_SIZE))
    body = struct.pack("=BxHiII", 0, 0, socket.if_nametoindex(iface), 0, 0) + attrs
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    nl.send(struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body)
    reply = nl.recv(65536)
    kind, err = struct.unpack_from("=H", reply, 4)[0], struct.unpack_from("=i", reply, 16)[0]
    if kind != NLMSG_ERROR or err:
        raise SystemExit(f"big_gso.py: setting {iface}'s GSO limits failed: errno {-err}")


p = argparse.ArgumentParser()
p.add_argument("iface")
p.add_argument("dst_mac")
p.add_argument("src")
p.add_argument("dst")
p.add_argument("dport", type=int)
p.add_argument("--urg-ptr", type=int, required=True)
p.add_argument("--payload", type=int, default=100_000)
a = p.parse_args()

data = bytes(i & 0xFF for i in range(a.payload))
tcp = TCP(sport=40000, dport=a.dport, seq=1000, flags="A", window=65535, urgptr=a.urg_ptr, chksum=0)
tcp_len = len(tcp) + len(data)
if ":" in a.dst:
    ip = IPv6(src=a.src, dst=a.dst, plen=0, nh=0) / IPv6ExtHdrHopByHop(nh=6, options=[Jumbo(jumboplen=8 + tcp_len)])
    gso = VIRTIO_NET_HDR_GSO_TCPV6
    pseudo = socket.inet_pton(socket.AF_INET6, a.src) + socket.inet_pton(socket.AF_INET6, a.dst)
    pseudo += struct.pack("!IxxxB", tcp_len, 6)
else:
    ip = IP(src=a.src, dst=a.dst, len=0, id=1, flags="DF")
    gso = VIRTIO_NET_HDR_GSO_TCPV4
    pseudo = socket.inet_pton(socket.AF_INET, a.src) + socket.inet_pton(socket.AF_INET, a.dst)
    # The length as a 32-bit sum, as csum_tcpudp_nofold adds it.
    pseudo += struct.pack("!HHH", 6, tcp_len >> 16, tcp_len & 0xFFFF)
# CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum and the
# device (or whoever segments) completes it over the TCP header and data.
s = sum(struct.unpack(f"!{len(pseudo) // 2}H", pseudo))
while s >> 16:
    s = (s & 0xFFFF) + (s >> 16)
tcp.chksum = s
with open(f"/sys/class/net/{a.iface}/address") as f:
    src_mac = f.read().strip()
hdr = bytes(Ether(dst=a.dst_mac, src=src_mac) / ip / tcp)
csum_start = len(hdr) - len(tcp)
vnet = struct.pack("<BBHHHH", VIRTIO_NET_HDR_F_NEEDS_CSUM, gso, len(hdr), MSS, csum_start, 16)

set_gso_max(a.iface, 200_000)
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
sock.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
sock.bind((a.iface, 0))
sent = sock.send(vnet + hdr + data)
print(f"sent {sent - len(vnet)} bytes ({len(hdr)} of headers)")
