#!/usr/bin/env python3
"""Recomputes what tests/vectors.json says of version 2 with Python's
`cryptography` package, an implementation independent of the Rust crates,
following Documentation/auth-protocol.md sections 3 and 4: the framing of
every message, the stateless cookie, the transcript hashes, the keys from
OPAQUE's session key and the sealed renewal and grant. (The OPAQUE messages
themselves, KE1-KE3, are RFC 9807's; Python has no implementation to check
them against.) Prints one line per check and exits non-zero on any
mismatch."""

import base64
import hashlib
import hmac
import ipaddress
import json
import pathlib
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

v = json.loads((pathlib.Path(__file__).parent / "vectors.json").read_text())
i, d, m = v["inputs"], v["derived"], v["messages"]
H = bytes.fromhex
req, retry, req2, rr, rep, grant, rst = (H(m[k]) for k in (
    "auth_req", "auth_retry", "auth_req_cookie", "auth_rep_req", "auth_rep", "auth_grant", "auth_rst"))
FIXED = 576


def th(*messages):
    h = hashlib.sha256()
    for x in messages:
        h.update(struct.pack(">H", len(x)) + x)
    return h.digest()


def hkdf(ikm, info, salt=None):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def unb64(text):
    return base64.b64decode(text + "=" * (-len(text) % 4))


def header(msg, control):
    return (msg[0:3] == b"VN\x02" and msg[3] == control and msg[4:6] == b"\x00\x01"
            and msg[8:12] == req[8:12] and struct.unpack(">H", msg[12:14])[0] == len(msg) - FIXED)


txid = req[8:12]
nc = req[136:168]
ns = rr[168:200]
client = ipaddress.ip_address(i["client"].rsplit(":", 1)[0])
cport = int(i["client"].rsplit(":", 1)[1])
setup = unb64(d["provider_keys"].split("$")[-1])
cookie_key = hkdf(setup, b"vnic-auth v2 cookie key")
mapped = ipaddress.IPv6Address("::ffff:" + str(client)).packed
cookie = hmac.new(cookie_key, struct.pack(">Q", d["cookie_epoch"]) + mapped + struct.pack(">H", cport) + txid,
                  hashlib.sha256).digest()[:16]
rr0 = rr[:256] + bytes(320) + rr[576:]
context, t_rr, t_grant = th(req2, rr0), th(req2, rr), th(req2, rr, rep)
session = H(d["session_key"])
k_grant = hkdf(session, b"vnic-auth v2 grant key")
k_renew = hkdf(session, b"vnic-auth v2 renew key")
renew = ChaCha20Poly1305(k_renew).decrypt(bytes(12), rep[224:244], t_rr)
granted = ChaCha20Poly1305(k_grant).decrypt(bytes(12), grant[224:244], t_grant)
record = unb64(d["record"].split("$")[-1])
checks = {
    "every message is the 576-byte fixed part": all(len(x) == FIXED for x in (req, retry, req2, rr, rep, grant, rst)),
    "Auth-REQ header, info_client, names, KE1 padding": header(req, 0x01) and req[16:18] == b"\x01\x00"
        and req[40:46] == b"\x05alice" and req[104:109] == b"\x04http" and req[352:576] == bytes(224),
    "Auth-RETRY echoes Nc and carries the cookie only": header(retry, 0x04) and retry[136:168] == nc
        and retry[208:224] == cookie and retry[16:136] == bytes(120) and retry[256:] == bytes(320),
    "the cookie is HMAC-SHA256 of epoch, source and txid": cookie == req2[208:224],
    "the retried Auth-REQ differs only by the cookie": req2[:208] == req[:208] and req2[224:] == req[224:],
    "Auth-REP & REQ: info_vNIC, argon2id cost": header(rr, 0x03) and rr[16] == 2 and rr[17] == 4
        and rr[18:20] == struct.pack(">H", i["service_port"])
        and rr[24:28] == ipaddress.ip_address(i["service_addr"]).packed
        and rr[200:208] == b"\x01\x01\x00\x01\x00\x00\x00\x40" and rr[136:168] == nc,
    "context TH(REQ, RR0)": context.hex() == d["context"],
    "t_rr TH(REQ, RR)": t_rr.hex() == d["t_rr"],
    "t_grant TH(REQ, RR, REP)": t_grant.hex() == d["t_grant"],
    "k_grant from the session key": k_grant.hex() == d["k_grant"],
    "k_renew from the session key": k_renew.hex() == d["k_renew"],
    "Auth-REP: the renewed ID sealed, KE3 padded": header(rep, 0x02) and renew == struct.pack(">HH", i["renew"], 0)
        and rep[320:576] == bytes(256) and rep[168:200] == ns,
    "Auth-GRANT: the ID and vNIC sealed": header(grant, 0x12) and granted == struct.pack(">HH", d["id"], i["vnic"]),
    "Auth-RST header and code": header(rst, 0x0c) and rst[6:8] == struct.pack(">H", i["rst_error"]),
    "the record is 192 bytes, the provider keys 128": len(record) == 192 and len(setup) == 128,
}
for name, ok in checks.items():
    print(f"{'ok  ' if ok else 'FAIL'} {name}")
sys.exit(0 if all(checks.values()) else 1)
