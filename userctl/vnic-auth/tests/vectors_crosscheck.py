#!/usr/bin/env python3
"""Recomputes tests/vectors.json with Python's `cryptography` package, an
implementation independent of the Rust crates, following
Documentation/auth-protocol.md section 4. Prints one line per value and
exits non-zero on any mismatch. Needs `cryptography` >= 44 (Argon2id)."""

import hashlib
import hmac
import json
import pathlib
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

v = json.loads((pathlib.Path(__file__).parent / "vectors.json").read_text())
i, d, m = v["inputs"], v["derived"], v["messages"]
H = bytes.fromhex
req, rr, rep, rst = (H(m[k]) for k in ("auth_req", "auth_rep_req", "auth_rep", "auth_rst"))
nc, ns = H(i["nonce_c"]), H(i["nonce_s"])


def th(*messages):
    h = hashlib.sha256()
    for x in messages:
        h.update(struct.pack(">H", len(x)) + x)
    return h.digest()


def zero_proof(msg):
    return msg[:224] + bytes(32) + msg[256:]


k = Argon2id(salt=H(i["salt"]), length=32, iterations=i["argon2_t"], lanes=i["argon2_p"],
             memory_cost=i["argon2_m_kib"]).derive(i["passcode"].encode())
prk = hmac.new(nc + ns, k, hashlib.sha256).digest()


def expand(label):
    return hmac.new(prk, label + b"\x01", hashlib.sha256).digest()


k_id, k_server, k_client = (expand(b"vnic-auth v1 " + x) for x in (b"id key", b"server proof key", b"client proof key"))
t_req = th(req)
sealed = ChaCha20Poly1305(k_id).encrypt(bytes(12), struct.pack(">HH", i["id"], i["vnic"]), t_req)
t_rr = th(req, zero_proof(rr))
t_rep = th(req, rr, zero_proof(rep))
checks = {
    "verifier_key": k.hex() == d["verifier_key"],
    "k_id": k_id.hex() == d["k_id"],
    "k_server": k_server.hex() == d["k_server"],
    "k_client": k_client.hex() == d["k_client"],
    "t_req": t_req.hex() == d["t_req"],
    "sealed id and tag": sealed.hex() == d["sealed"] + d["tag"] and rr[256:276] == sealed,
    "t_rr": t_rr.hex() == d["t_rr"],
    "server proof": rr[224:256] == hmac.new(k_server, t_rr, hashlib.sha256).digest(),
    "t_rep": t_rep.hex() == d["t_rep"],
    "client proof": rep[224:256] == hmac.new(k_client, t_rep, hashlib.sha256).digest(),
    "auth_rst header": rst[:8] == b"VN\x01\x0c\x00\x01" + struct.pack(">H", i["rst_error"]),
}
for name, ok in checks.items():
    print(f"{'ok  ' if ok else 'FAIL'} {name}")
sys.exit(0 if all(checks.values()) else 1)
