#!/usr/bin/env python3
"""Random and mutated netlink messages against vnic's interfaces (for tests):
the generic netlink family "vnic" (every command, right and wrong attribute
types, missing, oversize and nested junk, truncated headers) and rtnetlink
RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK for the three link kinds (their
IFLA_INFO_DATA attributes, IFLA_LINK, IFLA_ADDRESS).

usage: nl_fuzz.py COUNT [--seed S] [--ifindex N...]

--ifindex names devices (relays, vNICs, supervisors, others) whose indexes
the messages use, so that requests get past the device lookup. Messages are
sent in batches without waiting for each answer; the answers are drained
and counted. Prints "sent N, errors E, acks A" on success. The kernel's
log is judged by the VM harness; the caller checks that vnic still works.
"""
import argparse
import errno
import os
import random
import socket
import struct

NETLINK_ROUTE, NETLINK_GENERIC, GENL_ID_CTRL = 0, 16, 0x10
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP, NLM_F_CREATE, NLM_F_EXCL = 1, 4, 0x300, 0x400, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
IFLA_ADDRESS, IFLA_IFNAME, IFLA_LINK, IFLA_LINKINFO = 1, 3, 5, 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
NLA_F_NESTED = 0x8000
KINDS = [b"vnic\0", b"vnic-relay\0", b"vnic-ss\0", b"vnic", b"vnicx\0", b"\0"]

p = argparse.ArgumentParser()
p.add_argument("count", type=int)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--ifindex", type=int, nargs="*", default=[])
a = p.parse_args()
rng = random.Random(a.seed)
indexes = a.ifindex + [0, 1, 0x7FFFFFFF, 0xFFFFFFFF]


def attr(kind, payload):
    return struct.pack("=HH", 4 + len(payload), kind) + payload + b"\0" * (-len(payload) % 4)


def junk(n):
    return rng.randbytes(n)


def value():
    """A payload of some plausible or wrong shape."""
    k = rng.randrange(9)
    if k == 0:
        return struct.pack("=I", rng.choice(indexes))
    if k == 1:
        return struct.pack("=H", rng.choice([0, 1, 7, 65535, rng.randrange(65536)]))
    if k == 2:
        return socket.inet_aton(rng.choice(["10.0.1.2", "192.168.1.1", "0.0.0.0", "255.255.255.255"]))
    if k == 3:
        return socket.inet_pton(socket.AF_INET6, rng.choice(["fd00:1::2", "::", "ff02::1"]))
    if k == 4:
        return b""
    if k == 5:
        return junk(rng.randrange(1, 40))
    if k == 6:
        return attr(rng.randrange(12), value())  # nested junk
    if k == 7:
        return junk(rng.choice([3, 5, 17, 300]))
    return struct.pack("=Q", rng.randrange(1 << 64))


def attrs(max_type, n):
    out = b""
    for _ in range(n):
        kind = rng.randrange(max_type + 3) | (NLA_F_NESTED if rng.random() < 0.05 else 0)
        out += attr(kind, value())
    return out


def mutate(msg):
    m = bytearray(msg)
    for _ in range(rng.randrange(1, 4)):
        i = rng.randrange(len(m))
        m[i] = rng.randrange(256)
    if rng.random() < 0.2:
        m = m[: rng.randrange(16, len(m) + 1)]  # truncated
    return bytes(m)


def nlmsg(kind, flags, seq, body):
    return struct.pack("=IHHII", 16 + len(body), kind, flags, seq, 0) + body


def sock(proto):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    s.bind((0, 0))
    return s


def family_id(s):
    body = struct.pack("=BBH", 3, 1, 0) + attr(2, b"vnic\0")
    s.send(nlmsg(GENL_ID_CTRL, NLM_F_REQUEST, 1, body))
    data = s.recv(65536)
    off = 20
    while off + 4 <= len(data):
        ln, kind = struct.unpack_from("=HH", data, off)
        if kind == 1:
            return struct.unpack_from("=H", data, off + 4)[0]
        off += (ln + 3) & ~3
    raise SystemExit("the vnic family is not registered")


gs, rs = sock(NETLINK_GENERIC), sock(NETLINK_ROUTE)
fam = family_id(gs)
stats = {"sent": 0, "errors": 0, "acks": 0}


# One buffer for every read (a fresh 1 MiB per recv costs an mmap each:
# see nlattr.Receiver).
BUF = bytearray(1 << 20)


def drain(s):
    s.setblocking(False)
    while True:
        try:
            data = bytes(memoryview(BUF)[: s.recv_into(BUF)])
        except BlockingIOError:
            break
        except OSError as e:
            if e.errno == errno.ENOBUFS:  # answers overflowed: fine, keep going
                continue
            raise
        off = 0
        while off + 16 <= len(data):
            ln, kind = struct.unpack_from("=IH", data, off)
            if kind == NLMSG_ERROR and off + 20 <= len(data):
                code = struct.unpack_from("=i", data, off + 16)[0]
                stats["acks" if code == 0 else "errors"] += 1
            if ln < 16:
                break
            off += (ln + 3) & ~3
    s.setblocking(True)


def genl():
    cmd = rng.choice([1, 2, 3, 4, 5, 6, 7, 0, 8, 200])
    flags = NLM_F_REQUEST | rng.choice([0, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP | NLM_F_ACK, 0x8000])
    body = struct.pack("=BBH", cmd, rng.choice([1, 0, 2]), 0) + attrs(11, rng.randrange(7))
    msg = nlmsg(fam, flags, rng.randrange(1 << 32), body)
    return mutate(msg) if rng.random() < 0.3 else msg


def rtnl():
    seq = rng.randrange(1 << 32)
    # Mostly creation attempts; deletions are rare, since every device made
    # and deleted costs RCU grace periods (the fuzzer's names are few, so
    # most creations after the first find the name taken).
    k = rng.randrange(200)
    ifi = struct.pack("=BxHIII", rng.choice([0, 2, 10]), 0, rng.choice([0] + indexes), 0, 0)
    if k < 10:
        return nlmsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq, ifi)
    # New links only (the kinds have no changelink; a generic setlink on the
    # caller's devices would just rename them).
    ifi = struct.pack("=BxHIII", rng.choice([0, 2, 10]), 0, rng.choice([0, 0x7FFFFFFF]), 0, 0)
    name = attr(IFLA_IFNAME, b"fz%d\0" % rng.randrange(6))
    if k == 10:
        return nlmsg(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, seq, struct.pack("=BxHiII", 0, 0, 0, 0, 0) + name)
    info = attr(IFLA_INFO_KIND, rng.choice(KINDS))
    if rng.random() < 0.8:
        info += attr(IFLA_INFO_DATA | NLA_F_NESTED, attrs(12, rng.randrange(5)))
    body = ifi + name + attr(IFLA_LINKINFO | NLA_F_NESTED, info)
    if rng.random() < 0.5:
        body += attr(IFLA_LINK, struct.pack("=I", rng.choice(indexes)))
    if rng.random() < 0.2:
        body += attr(IFLA_ADDRESS, junk(rng.choice([6, 6, 5, 7, 0])))
    flags = NLM_F_REQUEST | NLM_F_ACK | rng.choice([NLM_F_CREATE | NLM_F_EXCL, NLM_F_CREATE, 0])
    msg = nlmsg(RTM_NEWLINK, flags, seq, body)
    return mutate(msg) if rng.random() < 0.2 else msg


BATCH = 64
while stats["sent"] < a.count:
    for _ in range(min(BATCH, a.count - stats["sent"])):
        s, msg = (gs, genl()) if rng.random() < 0.7 else (rs, rtnl())
        try:
            s.send(msg)
        except OSError:
            stats["errors"] += 1  # refused at send (EPERM, ENOBUFS, EINVAL): also an answer
        stats["sent"] += 1
    drain(gs)
    drain(rs)
drain(gs)
drain(rs)
print("sent {sent}, errors {errors}, acks {acks}".format(**stats))
