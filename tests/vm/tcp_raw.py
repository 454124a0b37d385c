#!/usr/bin/env python3
"""Send one hand-built IPv4 or IPv6 TCP segment (for relay tests).

usage: tcp_raw.py SRC DST DPORT [--urg-ptr N] [--flags S|SU|A...] [--doff WORDS]
Flags: S=SYN, A=ACK, U=URG, P=PSH, F=FIN, R=RST. The checksums are always
correct (tests/vm/hostile.py sends bad ones).
"""
import argparse
import socket
import struct


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


p = argparse.ArgumentParser()
p.add_argument("src")
p.add_argument("dst")
p.add_argument("dport", type=int)
p.add_argument("--sport", type=int, default=40000)
p.add_argument("--urg-ptr", type=int, default=0)
p.add_argument("--flags", default="S")
p.add_argument("--doff", type=int, default=5)
p.add_argument("--count", type=int, default=1)
a = p.parse_args()

bits = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16, "U": 32}
flags = sum(bits[c] for c in a.flags)
v6 = ":" in a.dst
fam = socket.AF_INET6 if v6 else socket.AF_INET
src, dst = socket.inet_pton(fam, a.src), socket.inet_pton(fam, a.dst)
tcp = struct.pack("!HHIIBBHHH", a.sport, a.dport, 1000, 0, a.doff << 4, flags, 65535, 0, a.urg_ptr)
tcp += b"\0" * max(0, (a.doff - 5) * 4)
if v6:
    pseudo = src + dst + struct.pack("!I3xB", len(tcp), 6)
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64, src, dst)
else:
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
for _ in range(a.count):
    s.sendto(ip + tcp, (a.dst, 0))
