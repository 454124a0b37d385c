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


class Receiver:
    """Reads a socket into one buffer allocated once. `sock.recv(1 << 20)`
    makes a fresh 1 MiB bytes object per call: an mmap, an mremap and a
    munmap, which cost milliseconds each on the debug kernel (1,000 session
    adds took 86 s that way)."""

    def __init__(self, sock, size=1 << 20):
        self.sock, self.buf = sock, bytearray(size)

    def recv(self):
        """The next datagram's bytes (raises as `sock.recv` does)."""
        n = self.sock.recv_into(self.buf)
        return bytes(memoryview(self.buf)[:n])
