#!/usr/bin/env python3
"""A witness of what a namespace's IP stack takes in (for tests): raw
sockets for TCP, UDP, ICMP, ICMPv6, SCTP, GRE and protocol 253 in both
families receive a copy of every such packet the stack delivers locally,
after every rx_handler and netfilter hook.

usage: witness.py SECONDS OUT --watch ADDR...

Runs for SECONDS (or until SIGTERM), then writes OUT: one line per packet
delivered to a watched address, or carrying an ICMPv6 Neighbor
Solicitation for one: "family src dst proto sport", and a last line
"total N" with every packet seen (watched or not). Prints "ready" once all
sockets are open.
"""
import ipaddress
import select
import signal
import socket
import struct
import sys
import time

secs, out = float(sys.argv[1]), sys.argv[2]
watch = {ipaddress.ip_address(x) for x in sys.argv[sys.argv.index("--watch") + 1:]}
IPV6_RECVPKTINFO, IPV6_PKTINFO = 49, 50
PROTOS = [6, 17, 1, 132, 47, 253]
PROTOS6 = [6, 17, 58, 132, 47, 253]

socks = {}
for proto in PROTOS:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    socks[s.fileno()] = (s, 4, proto)
for proto in PROTOS6:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, proto)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    socks[s.fileno()] = (s, 6, proto)

stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
print("ready", flush=True)
seen, total = [], 0
deadline = time.monotonic() + secs
while not stop and time.monotonic() < deadline:
    try:
        ready, _, _ = select.select(list(socks), [], [], 0.2)
    except InterruptedError:
        continue
    for fd in ready:
        s, fam, proto = socks[fd]
        if fam == 4:
            data = s.recv(65535)
            if len(data) < 20:
                continue
            ihl = (data[0] & 15) * 4
            src, dst = ipaddress.ip_address(data[12:16]), ipaddress.ip_address(data[16:20])
            l4 = data[ihl:]
            extra = None
        else:
            data, anc, _, addr = s.recvmsg(65535, 256)
            src = ipaddress.ip_address(addr[0].split("%")[0])
            dst = None
            for level, kind, val in anc:
                if level == socket.IPPROTO_IPV6 and kind == IPV6_PKTINFO:
                    dst = ipaddress.ip_address(val[:16])
            l4 = data
            extra = ipaddress.ip_address(l4[8:24]) if proto == 58 and len(l4) >= 24 and l4[0] == 135 else None
        total += 1
        sport = struct.unpack("!H", l4[:2])[0] if proto in (6, 17) and len(l4) >= 2 else 0
        if dst in watch or extra in watch:
            seen.append(f"{fam} {src} {dst if extra is None else 'ns:' + str(extra)} {proto} {sport}")
with open(out, "w") as f:
    for line in seen:
        f.write(line + "\n")
    f.write(f"total {total}\n")
