#!/usr/bin/env python3
"""Bulk session requests to the vnic generic netlink family (for tests).

usage: genl_sessions.py add RELAY VNIC COUNT   add sessions 10.200.x.y with IDs 1..COUNT
                                              (one per ID), print "added N" and the first
                                              error as "errno E: message"
       genl_sessions.py listen SECONDS        print session events (cmd client id)
"""
import socket
import struct
import sys
import time

from nlattr import Receiver, attr, attrs as first_attrs


def attrs(buf):
    """Every payload of each attribute type."""
    return first_attrs(buf, every=True)


NETLINK_GENERIC, GENL_ID_CTRL, NLMSG_ERROR = 16, 0x10, 2
CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 3, 1, 2, 7
A_RELAY, A_VNIC, A_CLIENT, A_ID = 2, 3, 4, 5
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NETLINK_EXT_ACK = 270, 1, 11


def msg(family, flags, seq, cmd, body):
    return struct.pack("=IHHII", 20 + len(body), family, flags, seq, 0) + struct.pack("=BBH", cmd, 1, 0) + body


sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
sock.send(msg(GENL_ID_CTRL, 1, 1, CTRL_CMD_GETFAMILY, attr(CTRL_ATTR_FAMILY_NAME, b"vnic\0")))
reply = sock.recv(65536)
fam = attrs(reply[20:])
family = struct.unpack("=H", fam[CTRL_ATTR_FAMILY_ID][0])[0]

if sys.argv[1] == "listen":
    groups = attrs(fam[CTRL_ATTR_MCAST_GROUPS][0])
    group_id = None
    for g in groups.values():
        ga = attrs(g[0])
        if ga.get(1, [b""])[0].rstrip(b"\0") == b"events":
            group_id = struct.unpack("=I", ga[2][0])[0]
    sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group_id)
    sock.settimeout(float(sys.argv[2]))
    print("listening", flush=True)
    try:
        while True:
            data = sock.recv(65536)
            cmd = data[16]
            a = attrs(data[20:])
            client = socket.inet_ntop(socket.AF_INET if len(a[A_CLIENT][0]) == 4 else socket.AF_INET6, a[A_CLIENT][0])
            print(cmd, client, struct.unpack("=H", a[A_ID][0])[0], flush=True)
    except socket.timeout:
        sys.exit(0)

relay, vnic, count = socket.if_nametoindex(sys.argv[2]), socket.if_nametoindex(sys.argv[3]), int(sys.argv[4])
# Pipelined: BATCH requests in one send (the kernel handles them in turn and
# acks each), then their acks; the first error ends the run after its batch.
BATCH = 256
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
receiver = Receiver(sock)
added, first_error = 0, None
for start in range(1, count + 1, BATCH):
    ids = range(start, min(start + BATCH, count + 1))
    out = []
    for i in ids:
        client = bytes([10, 200, (i >> 8) & 0xFF, i & 0xFF])
        body = attr(A_RELAY, struct.pack("=I", relay)) + attr(A_VNIC, struct.pack("=I", vnic))
        body += attr(A_CLIENT, client) + attr(A_ID, struct.pack("=H", i & 0xFFFF or 1))
        out.append(msg(family, 1 | 4, 10 + i, 1, body))
    sock.send(b"".join(out))
    pending = len(ids)
    while pending:
        r, off = receiver.recv(), 0
        while off + 20 <= len(r) and pending:
            ln = struct.unpack_from("=I", r, off)[0]
            err = struct.unpack_from("=i", r, off + 16)[0]
            if err == 0:
                added += 1
            elif first_error is None:
                echoed = struct.unpack_from("=I", r, off + 20)[0]
                text = b"".join(attrs(r[off + 20 + ((echoed + 3) & ~3) : off + ln]).get(1, [b""])).rstrip(b"\0").decode()
                first_error = f"errno {-err}: {text}"
            pending -= 1
            off += (ln + 3) & ~3
    if first_error:
        break
print(f"added {added}")
if first_error:
    print(first_error)
    sys.exit(1)
