#!/usr/bin/env python3
"""Reads a tcpdump capture (pcap, Ethernet) and checks the TCP segments of
one service the way the overlay promises them on the wire.

    pcap_tcp.py FILE --server ADDR:PORT [--id N] [--lines]

Every IPv4 TCP segment to or from ADDR:PORT is examined. With --id, each one
must have the URG flag clear and the urgent pointer equal to N (both ways);
the exit status is 1 and the first offender is printed otherwise. Always
prints a summary: segments each way, payload bytes each way, and the set of
per-frame overheads (frame length minus TCP payload), all and of the
segments that carry data, which is what tells whether anything was added to
a packet (pure ACKs vary: SACK blocks come and go with reordering). The capture is tcpdump's, not
vnic's: this script only reads it.
"""
import argparse
import json
import struct
import sys


def frames(path):
    """Yields (captured bytes, original length) of each frame."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            raise SystemExit(f"{path}: not a pcap file")
        magic = struct.unpack("<I", head[:4])[0]
        endian = {0xA1B2C3D4: "<", 0xA1B23C4D: "<", 0xD4C3B2A1: ">", 0x4D3CB2A1: ">"}.get(magic)
        if endian is None:
            raise SystemExit(f"{path}: not a pcap file (magic {magic:#x})")
        linktype = struct.unpack(endian + "I", head[20:24])[0]
        if linktype != 1:
            raise SystemExit(f"{path}: link type {linktype}, expected Ethernet (1)")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            _, _, incl, orig = struct.unpack(endian + "IIII", rec)
            yield f.read(incl), orig


def segments(path):
    """Yields a dict per IPv4 TCP segment of the capture."""
    for data, orig in frames(path):
        if len(data) < 14 + 20 or struct.unpack("!H", data[12:14])[0] != 0x0800:
            continue
        ip = data[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 6 or len(ip) < ihl + 20:
            continue
        total = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:]
        sport, dport = struct.unpack("!HH", tcp[:4])
        doff = (tcp[12] >> 4) * 4
        yield {
            "src": ".".join(map(str, ip[12:16])),
            "dst": ".".join(map(str, ip[16:20])),
            "sport": sport,
            "dport": dport,
            "flags": tcp[13],
            "urg_ptr": struct.unpack("!H", tcp[18:20])[0],
            "payload": total - ihl - doff,
            "frame": orig,
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pcap")
    ap.add_argument("--server", required=True, help="ADDR:PORT of the service")
    ap.add_argument("--id", type=int, help="the ID every segment must carry")
    ap.add_argument("--lines", action="store_true", help="print one line per segment first")
    a = ap.parse_args()
    addr, port = a.server.rsplit(":", 1)
    port = int(port)
    out = {"to_server": 0, "from_server": 0, "payload_to_server": 0, "payload_from_server": 0, "overheads": set(), "data_overheads": set()}
    bad = None
    for s in segments(a.pcap):
        to = s["dst"] == addr and s["dport"] == port
        frm = s["src"] == addr and s["sport"] == port
        if not (to or frm):
            continue
        way = "to_server" if to else "from_server"
        if a.lines:
            flags = "".join(c for bit, c in ((2, "S"), (16, "."), (8, "P"), (1, "F"), (4, "R"), (32, "U")) if s["flags"] & bit)
            urg = "set" if s["flags"] & 0x20 else "clear"
            print(f'{s["src"]}.{s["sport"]} > {s["dst"]}.{s["dport"]}: Flags [{flags}], length {s["payload"]}, '
                  f'urgent pointer {s["urg_ptr"]} (URG {urg}), frame {s["frame"]} bytes')
        out[way] += 1
        out["payload_" + way] += s["payload"]
        out["overheads"].add(s["frame"] - s["payload"])
        if s["payload"] > 0:
            out["data_overheads"].add(s["frame"] - s["payload"])
        if a.id is not None and bad is None and (s["flags"] & 0x20 or s["urg_ptr"] != a.id):
            bad = s
    out["overheads"] = sorted(out["overheads"])
    out["data_overheads"] = sorted(out["data_overheads"])
    print(json.dumps(out, sort_keys=True))
    if bad is not None:
        print(f"segment without ID {a.id} (URG clear): {bad}", file=sys.stderr)
        return 1
    if out["to_server"] == 0 or out["from_server"] == 0:
        print("no segments of the service in both directions", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
