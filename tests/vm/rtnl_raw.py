#!/usr/bin/env python3
"""Send one hand-built RTM_NEWLINK for kind "vnic" (for malformed-input tests).

usage: rtnl_raw.py NAME ID|short|long
Prints "ok" or "errno N: <extack message>" and exits non-zero on error.
"""
import socket
import struct
import sys

NETLINK_ROUTE, RTM_NEWLINK, NLMSG_ERROR = 0, 16, 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 1, 4, 0x200, 0x400
IFLA_IFNAME, IFLA_LINKINFO, IFLA_INFO_KIND, IFLA_INFO_DATA = 3, 18, 1, 2
IFLA_VNIC_ID, NETLINK_EXT_ACK, SOL_NETLINK, NLMSGERR_ATTR_MSG = 1, 11, 270, 1


def attr(kind, payload):
    hdr = struct.pack("=HH", 4 + len(payload), kind)
    return hdr + payload + b"\0" * (-len(payload) % 4)


name, value = sys.argv[1], sys.argv[2]
id_payload = {"short": b"\x01", "long": struct.pack("=I", 7)}.get(value) or struct.pack("=H", int(value))
info = attr(IFLA_INFO_KIND, b"vnic\0") + attr(IFLA_INFO_DATA | 0x8000, attr(IFLA_VNIC_ID, id_payload))
body = struct.pack("=BxHiII", 0, 0, 0, 0, 0) + attr(IFLA_IFNAME, name.encode() + b"\0") + attr(IFLA_LINKINFO | 0x8000, info)
msg = struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE, 1, 0) + body

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
s.send(msg)
reply = s.recv(65536)
mlen, mtype, mflags = struct.unpack_from("=IHH", reply)
assert mtype == NLMSG_ERROR, mtype
(err,) = struct.unpack_from("=i", reply, 16)
if err == 0:
    print("ok")
    sys.exit(0)
# Uncapped: the request is echoed after the error code, then the TLVs.
(echoed_len,) = struct.unpack_from("=I", reply, 20)
off, text = 20 + ((echoed_len + 3) & ~3), ""
while off + 4 <= mlen:
    alen, akind = struct.unpack_from("=HH", reply, off)
    if alen < 4:
        break
    if akind == NLMSGERR_ATTR_MSG:
        text = reply[off + 4 : off + alen].split(b"\0")[0].decode()
    off += (alen + 3) & ~3
print(f"errno {-err}: {text}")
sys.exit(1)
