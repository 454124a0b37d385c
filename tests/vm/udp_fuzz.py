#!/usr/bin/env python3
"""Random and mutated datagrams at the provider's UDP port (for tests).

usage: udp_fuzz.py SOURCE HOST PORT COUNT [--seed N] [--interval SECONDS]

Mutates the seven messages of userctl/vnic-auth/tests/vectors.json (bit
flips, truncation, extension, spliced fields, repeated and overwritten
bytes), mixes in random datagrams of 0 to 1,472 bytes, and forges fresh
Auth-REQs (the vectors' one with a new transaction id and Nc, for user
mallory) that it repeats with the cookie of the provider's Auth-RETRY but
never follows up after the challenge. Reads any answer. Prints "sent COUNT,
answered K, challenged C".
"""
import json
import os
import random
import socket
import sys
import time

args = sys.argv[1:]
opts = {"--seed": "1", "--interval": "0"}
pos = []
while args:
    a = args.pop(0)
    if a in opts:
        opts[a] = args.pop(0)
    else:
        pos.append(a)
source, host, port, count = pos[0], pos[1], int(pos[2]), int(pos[3])
rng = random.Random(int(opts["--seed"]))
interval = float(opts["--interval"])
here = os.path.dirname(os.path.abspath(__file__))
vectors = os.path.join(here, "..", "..", "userctl", "vnic-auth", "tests", "vectors.json")
messages = json.load(open(vectors))["messages"]
seeds = [bytes.fromhex(h) for h in messages.values()]
auth_req = bytes.fromhex(messages["auth_req"])
TXID, NONCE_C, COOKIE = slice(8, 12), slice(136, 168), slice(208, 224)  # Documentation/auth-protocol.md
USER = slice(40, 104)  # length byte and 63 bytes
forged = {}  # txid -> the forged Auth-REQ, until the provider's first answer


def forged_req():
    """The vectors' Auth-REQ with a new txid and Nc, for user mallory (the
    provider has none: the exchange goes on with a fake record)."""
    m = bytearray(auth_req)
    m[TXID] = os.urandom(4)
    m[NONCE_C] = os.urandom(32)
    m[USER] = (b"\x07mallory").ljust(64, b"\x00")
    forged[bytes(m[TXID])] = bytes(m)
    return bytes(m)


def mutate(m):
    m = bytearray(m)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        if op == 0 and m:
            i = rng.randrange(len(m))
            m[i] ^= 1 << rng.randrange(8)
        elif op == 1 and m:
            del m[rng.randrange(len(m)) :]
        elif op == 2:
            m += os.urandom(rng.randint(1, 64))
        elif op == 3 and len(m) > 4:
            i = rng.randrange(len(m) - 2)
            m[i : i + 2] = rng.choice([b"\x00\x00", b"\xff\xff", b"\x7f\xff", b"\x80\x00"])
        elif op == 4:
            other = rng.choice(seeds)
            cut = rng.randrange(min(len(m), len(other)) + 1)
            m = m[:cut] + bytearray(other[cut:])
        elif op == 5 and m:
            i = rng.randrange(len(m))
            m[i:i] = bytes([m[i]]) * rng.randint(1, 32)
        elif op == 6 and m:
            i = rng.randrange(len(m))
            m[i] = rng.randrange(256)
    return bytes(m[:1472])


challenged = 0


def drain():
    """Reads every answer waiting; repeats a forged Auth-REQ with the
    cookie of its Auth-RETRY; returns how many answers came."""
    global challenged
    n = 0
    try:
        while True:
            a = sock.recv(2048)
            n += 1
            req = forged.pop(bytes(a[TXID]), None)
            if req is None or a[:3] != b"VN\x02":
                continue
            if a[3] == 0x04:  # Auth-RETRY
                m = bytearray(req)
                m[COOKIE] = a[COOKIE]
                forged[bytes(a[TXID])] = bytes(m)
                sock.sendto(bytes(m), (host, port))
            elif a[3] == 0x03:  # Auth-REP & REQ: never answered
                challenged += 1
    except BlockingIOError:
        return n


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((source, 0))
sock.setblocking(False)
answered = 0
for n in range(count):
    kind = rng.randrange(10)
    if kind < 6:
        data = mutate(rng.choice(seeds))
    elif kind < 7:
        data = forged_req()
    elif kind < 9:
        data = os.urandom(rng.randint(0, 1472))
    else:
        data = rng.choice(seeds)  # a stale but well-formed message
    try:
        sock.sendto(data, (host, port))
    except OSError:
        pass
    answered += drain()
    if interval:
        time.sleep(interval)
time.sleep(0.5)
answered += drain()
print(f"sent {count}, answered {answered}, challenged {challenged}")
