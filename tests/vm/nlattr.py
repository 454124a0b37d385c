"""Netlink attributes for the test tools: build one, parse a run of them."""
import struct


def attr(kind, payload):
    """One attribute: header, payload, padding to 4 bytes."""
    return struct.pack("=HH", 4 + len(payload), kind) + payload + b"\0" * (-len(payload) % 4)


def attrs(buf, every=False):
    """The attributes in `buf` by type (flags masked off): the first payload
    of each type, or with `every` the list of all of them."""
    out, off = {}, 0
    while off + 4 <= len(buf):
        ln, kind = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            break
        out.setdefault(kind & 0x3FFF, []).append(buf[off + 4 : off + ln])
        off += (ln + 3) & ~3
    return out if every else {k: v[0] for k, v in out.items()}
