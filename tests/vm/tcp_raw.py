#!/usr/bin/env python3
"""Send one hand-built IPv4 or IPv6 TCP segment (for relay tests).

usage: tcp_raw.py SRC DST DPORT [--urg-ptr N] [--flags S|SU|A...] [--doff WORDS]
                  [--sport N] [--count N]
       tcp_raw.py --serve
Flags: S=SYN, A=ACK, U=URG, P=PSH, F=FIN, R=RST. The checksums are always
correct (tests/vm/hostile.py sends bad ones). With --serve it reads one
line of those arguments at a time on stdin, sends, and answers "sent" (or
the error) on stdout: one Python start for all the segments of a case
(tests/vm/lib.sh raw_sender, raw_send).
"""
import argparse
import shlex
import socket
import struct
import sys


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Refused(Exception):
    """Arguments argparse would not take."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise Refused(message)


p = Parser()
p.add_argument("src")
p.add_argument("dst")
p.add_argument("dport", type=int)
p.add_argument("--sport", type=int, default=40000)
p.add_argument("--urg-ptr", type=int, default=0)
p.add_argument("--flags", default="S")
p.add_argument("--doff", type=int, default=5)
p.add_argument("--count", type=int, default=1)
bits = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16, "U": 32}


def send(a):
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
    with socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW) as s:
        for _ in range(a.count):
            s.sendto(ip + tcp, (a.dst, 0))


if sys.argv[1:] == ["--serve"]:
    for line in sys.stdin:
        try:
            send(p.parse_args(shlex.split(line)))
            print("sent", flush=True)
        except (Refused, OSError, ValueError, KeyError) as e:
            print(f"error: {e}", flush=True)
else:
    try:
        send(p.parse_args())
    except Refused as e:
        p.print_usage(sys.stderr)
        sys.exit(f"tcp_raw.py: error: {e}")
