#!/usr/bin/python3
"""Hostile frames from the SP's LAN, aimed at the vNICs' pseudo addresses
(for tests). Built with scapy (Debian's python3-scapy: run with
/usr/bin/python3) and sent at layer 2 to the SP's MAC (and broadcast), so
no router on the way decides anything.

usage: hostile.py IFACE SP_MAC --pseudo ADDR... --pnic4 A --pnic6 A
                  [--client4 A --client6 A --granted ID] [--count N] [--seed S]

Every frame, whatever its family, protocol, flags, options, extension
headers, lengths or checksums, either is aimed at a pseudo address or could
lead the SP's stack to one (source routes, ARP/NDP for one). The one kind
left out is the only legitimate way in: a segment to the pNIC from a granted
client with its ID and URG clear. Prints "sent N".
"""
import argparse
import ipaddress
import logging
import random

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)  # "No route found" for link-layer sends

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest, ICMPv6ND_NS, IPOption_LSRR, IPOption_NOP,
                       IPOption_RR, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting, Raw, conf, fragment, fuzz, sendp)

p = argparse.ArgumentParser()
p.add_argument("iface")
p.add_argument("sp_mac")
p.add_argument("--pseudo", nargs="+", required=True)
p.add_argument("--pnic4", required=True)
p.add_argument("--pnic6", required=True)
p.add_argument("--src4", default="10.0.2.254")
p.add_argument("--src6", default="fd00:2::fe")
p.add_argument("--client4", default="10.0.1.2")
p.add_argument("--client6", default="fd00:1::2")
p.add_argument("--granted", type=int, default=1)
p.add_argument("--count", type=int, default=2000)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
rng = random.Random(a.seed)
conf.verb = 0

pseudo4 = [x for x in a.pseudo if ipaddress.ip_address(x).version == 4]
pseudo6 = [x for x in a.pseudo if ipaddress.ip_address(x).version == 6]
PORTS = [80, 22, 443, 8080, 0, 1, 65535]


def pick(xs):
    return xs[rng.randrange(len(xs))]


def sources(v6):
    # The attacker's own address, spoofed granted clients, the pNIC itself.
    return [a.src6, a.client6, a.pnic6] if v6 else [a.src4, a.client4, a.pnic4]


def tcp():
    flags = rng.randrange(256)
    urg = pick([0, a.granted, rng.randrange(65536), 1, 65535])
    opts = pick([[], [("MSS", 1460)], [("NOP", None)] * 3, [("WScale", 7), ("SAckOK", b"")], [("Timestamp", (1, 0))]])
    t = TCP(sport=rng.randrange(1, 65536), dport=pick(PORTS), flags=flags, urgptr=urg, seq=rng.randrange(1 << 32),
            options=opts)
    if rng.random() < 0.1:
        t.dataofs = rng.randrange(16)  # lying data offset
    if rng.random() < 0.1:
        t.chksum = rng.randrange(65536)  # bad checksum
    return t / Raw(bytes(rng.randrange(256) for _ in range(rng.randrange(40))))


def l4(v6):
    k = rng.randrange(8)
    if k < 3:
        return tcp()
    if k == 3:
        return UDP(sport=rng.randrange(1, 65536), dport=pick([53, 80, 123, 161, 5353])) / Raw(b"x" * rng.randrange(20))
    if k == 4:
        return ICMPv6EchoRequest(id=rng.randrange(65536)) if v6 else ICMP(type=8, id=rng.randrange(65536))
    if k == 5:
        return Raw(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60))))  # other protocols
    if k == 6:
        return fuzz(TCP(dport=pick(PORTS)))
    return fuzz(UDP())


def ipv4(dst, payload):
    ip = IP(src=pick(sources(False)), dst=dst, ttl=rng.randrange(1, 256), id=rng.randrange(65536))
    k = rng.randrange(10)
    if k == 0:
        ip.options = [IPOption_NOP(), IPOption_RR(routers=["0.0.0.0"])]
    elif k == 1:
        ip.proto = pick([47, 132, 253, 41, 4])
    elif k == 2:
        ip.chksum = rng.randrange(65536)
    elif k == 3:
        ip.len = rng.randrange(20, 200)  # lying total length
    elif k == 4:
        ip.flags = "MF"
        ip.frag = 0  # a first fragment
    elif k == 5:
        ip.frag = rng.randrange(1, 100)
    return [ip / payload]


def ipv6(dst, payload):
    ip = IPv6(src=pick(sources(True)), dst=dst, hlim=rng.randrange(1, 256))
    k = rng.randrange(10)
    if k == 0:
        return [ip / IPv6ExtHdrHopByHop() / payload]
    if k == 1:
        return [ip / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / payload]
    if k == 2:
        return [ip / IPv6ExtHdrFragment(m=rng.randrange(2), offset=rng.randrange(3), id=rng.randrange(1 << 32)) / payload]
    if k == 3:
        ip.plen = rng.randrange(0, 100)  # lying payload length
        return [ip / payload]
    if k == 4:
        chain = ip
        for _ in range(rng.randrange(2, 11)):  # past the relay's walk limit, too
            chain = chain / IPv6ExtHdrDestOpt()
        return [chain / payload]
    if k == 5:
        ip.nh = pick([47, 132, 253, 59])
    return [ip / payload]


def to_pseudo():
    v6 = bool(pseudo6) and (not pseudo4 or rng.random() < 0.5)
    dst = pick(pseudo6 if v6 else pseudo4)
    pkts = (ipv6 if v6 else ipv4)(dst, l4(v6))
    if not v6 and rng.random() < 0.05:
        pkts = fragment(pkts[0], fragsize=8)  # a real fragment train
    return pkts


def source_routed():
    # Aimed at the pNIC, with the next hop a pseudo address.
    if rng.random() < 0.5 and pseudo4:
        opt = IPOption_LSRR(routers=[pick(pseudo4)], pointer=4)
        return [IP(src=a.src4, dst=a.pnic4, options=[opt]) / tcp()]
    seg = pick(pseudo6)
    if rng.random() < 0.5:
        rh = IPv6ExtHdrRouting(type=0, addresses=[seg], segleft=1)
    else:
        rh = IPv6ExtHdrSegmentRouting(addresses=[seg], segleft=1)
    return [IPv6(src=a.src6, dst=a.pnic6) / rh / tcp()]


def resolve():
    # ARP and NDP asking for a pseudo address.
    if rng.random() < 0.5 and pseudo4:
        return [ARP(op=1, psrc=a.src4, pdst=pick(pseudo4))], "ff:ff:ff:ff:ff:ff"
    target = pick(pseudo6)
    snm = ipaddress.ip_address(target).packed[-3:]
    mcast = "ff02::1:ff%02x:%02x%02x" % tuple(snm)
    mac = "33:33:ff:%02x:%02x:%02x" % tuple(snm)
    return [IPv6(src=a.src6, dst=pick([mcast, target]), hlim=255) / ICMPv6ND_NS(tgt=target)], mac


frames = []
while len(frames) < a.count:
    k = rng.randrange(20)
    mac = a.sp_mac if rng.random() < 0.9 else "ff:ff:ff:ff:ff:ff"
    if k == 0:
        pkts, mac = resolve()
    elif k == 1:
        pkts = source_routed()
    elif k == 2:
        # The granted client's own ID, but with URG set.
        v6 = bool(pseudo6) and rng.random() < 0.5
        ip = IPv6(src=a.client6, dst=a.pnic6) if v6 else IP(src=a.client4, dst=a.pnic4)
        pkts = [ip / TCP(dport=80, flags="SU", urgptr=a.granted), (IPv6(src=a.client6, dst=pick(pseudo6)) if v6 else
                IP(src=a.client4, dst=pick(pseudo4))) / TCP(dport=80, flags="SU", urgptr=a.granted)]
    else:
        pkts = to_pseudo()
    for pk in pkts:
        frames.append(Ether(dst=mac) / pk)
frames = frames[: a.count]
sendp(frames, iface=a.iface)
print(f"sent {len(frames)}")
