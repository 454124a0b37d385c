#!/usr/bin/env python3
"""The arithmetic of `make bench` (tests/bench/bench), standard library only.

  report.py record --path P --streams N --rep R --iperf FILE --cpu-ticks T
                   --clk-tck HZ --pcap FILE [--expect-urg-ptr ID]
      (in the guest) one measured run: prints a human line and one line
      "BENCH-RUN {json}" with throughput, bytes, CPU seconds and the
      per-packet overhead read from the capture.
  report.py overhead FILE.pcap
      prints the median bytes a data frame in the capture carries beyond
      the inner IP packet plus its 14-byte Ethernet header.
  report.py summarize --out FILE [--reps N] [--paths "..."] [--streams "..."]
      (on the host) reads the VM's output on stdin, takes the median of the
      repetitions of each path and stream count, prints the table and writes
      the JSON list to FILE.
  report.py --self-test
      checks the above on a synthetic capture and iperf3 report.
"""
import argparse
import json
import os
import statistics
import struct
import sys
import tempfile

RUN_PREFIX = "BENCH-RUN "
ETH_HLEN = 14
ETH_P_IP, ETH_P_8021Q, ETH_P_TEB = 0x0800, 0x8100, 0x6558
VXLAN_PORT, GENEVE_PORT = 4789, 6081
PATH_ORDER = ["baseline", "vnic", "vxlan", "geneve"]


# ---------------------------------------------------------------- capture


def read_pcap(path):
    """Yields (orig_len, frame bytes) of each record of a classic pcap file
    with Ethernet link type (what `tcpdump -w` writes)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f"{path}: not a pcap file (too short)")
    for endian in ("<", ">"):
        (magic,) = struct.unpack(endian + "I", data[:4])
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise ValueError(f"{path}: not a pcap file (magic {data[:4].hex()})")
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    if linktype != 1:
        raise ValueError(f"{path}: link type {linktype}, expected Ethernet (1)")
    off = 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        yield orig, data[off:off + incl]
        off += incl


def inner_tcp(frame):
    """Follows a frame through VXLAN or Geneve to the TCP segment inside.
    Returns (offset of the inner IPv4 header, its total length, TCP flags,
    TCP urgent pointer), or None for a frame that is not IPv4/TCP inside."""
    off = 0
    for _ in range(3):  # outer, at most one tunnel, VLAN tags on the way
        if len(frame) < off + ETH_HLEN:
            return None
        (etype,) = struct.unpack("!H", frame[off + 12:off + 14])
        off += ETH_HLEN
        while etype == ETH_P_8021Q and len(frame) >= off + 4:
            (etype,) = struct.unpack("!H", frame[off + 2:off + 4])
            off += 4
        if etype != ETH_P_IP or len(frame) < off + 20:
            return None
        ihl = (frame[off] & 0x0F) * 4
        (tot_len,) = struct.unpack("!H", frame[off + 2:off + 4])
        proto = frame[off + 9]
        l4 = off + ihl
        if proto == 6:
            if len(frame) < l4 + 20:
                return None
            flags = frame[l4 + 13]
            (urg_ptr,) = struct.unpack("!H", frame[l4 + 18:l4 + 20])
            return off, tot_len, flags, urg_ptr
        if proto != 17 or len(frame) < l4 + 16:
            return None
        (dport,) = struct.unpack("!H", frame[l4 + 2:l4 + 4])
        tun = l4 + 8
        if dport == VXLAN_PORT:
            off = tun + 8  # VXLAN header, then the inner Ethernet frame
        elif dport == GENEVE_PORT:
            opt_len = (frame[tun] & 0x3F) * 4
            (ptype,) = struct.unpack("!H", frame[tun + 2:tun + 4])
            if ptype != ETH_P_TEB:
                return None
            off = tun + 8 + opt_len
        else:
            return None
    return None


def capture_overhead(path):
    """Per data frame: its length on the wire minus (inner IP packet + 14),
    i.e. what the path adds to a plain Ethernet/IP packet. Also the TCP
    (flags, urgent pointer) of each inner segment, to tell tagged segments.
    Uses orig_len: tcpdump -s keeps only the headers."""
    overheads, tcp = [], []
    for orig, frame in read_pcap(path):
        t = inner_tcp(frame)
        if t is None:
            continue
        _, tot_len, flags, urg_ptr = t
        overheads.append(orig - (tot_len + ETH_HLEN))
        tcp.append((flags, urg_ptr))
    if not overheads:
        raise ValueError(f"{path}: no IPv4/TCP data frame in the capture")
    return overheads, tcp


def num(x):
    """An integral float as int (for the overhead in bytes)."""
    return int(x) if float(x).is_integer() else x


# ---------------------------------------------------------------- one run


def make_record(path, streams, rep, iperf, cpu_ticks, clk_tck, pcap, expect_urg=None):
    """The figures of one run from iperf3's -J report, the non-idle CPU ticks
    /proc/stat counted over it and the capture of its data frames. With
    expect_urg, every captured segment must carry that urgent pointer with
    URG clear (the service ID on the vnic path, 0 elsewhere): proof that the
    run measured the path it names."""
    if "error" in iperf:
        raise ValueError(f"iperf3: {iperf['error']}")
    recv = iperf["end"]["sum_received"]
    overheads, tcp = capture_overhead(pcap)
    tagged = sum(1 for flags, urg in tcp if urg != 0 and not flags & 0x20)
    if expect_urg is not None:
        bad = [(flags, urg) for flags, urg in tcp if urg != expect_urg or flags & 0x20]
        if bad:
            raise ValueError(f"{path}: {len(bad)} of {len(tcp)} captured segments do not carry "
                             f"urgent pointer {expect_urg} with URG clear (flags, urg: {bad[:3]})")
    return {
        "path": path,
        "streams": streams,
        "rep": rep,
        "bytes": recv["bytes"],
        "seconds": recv["seconds"],
        "gbps": recv["bits_per_second"] / 1e9,
        "cpu_s": cpu_ticks / clk_tck,
        "overhead_bytes": num(statistics.median(overheads)),
        "frames": len(overheads),
        "tagged_frames": tagged,
        "urg_ptrs": sorted({urg for _, urg in tcp}),
    }


def cmd_record(a):
    with open(a.iperf) as f:
        iperf = json.load(f)
    r = make_record(a.path, a.streams, a.rep, iperf, a.cpu_ticks, a.clk_tck, a.pcap,
                    a.expect_urg_ptr)
    gb = r["bytes"] / 1e9
    print(f"  {r['path']:<8} {r['streams']} stream(s) rep {r['rep']}: "
          f"{r['gbps']:.3f} Gbit/s, {gb:.2f} GB, {r['cpu_s']:.2f} CPU s, "
          f"{r['overhead_bytes']} B/frame over {r['frames']} frames "
          f"({r['tagged_frames']} tagged)", flush=True)
    print(RUN_PREFIX + json.dumps(r, sort_keys=True), flush=True)


def cmd_overhead(a):
    overheads, _ = capture_overhead(a.pcap)
    print(num(statistics.median(overheads)))


# ---------------------------------------------------------------- summary


def parse_runs(lines):
    runs = []
    for line in lines:
        line = line.rstrip("\r\n")
        if line.startswith(RUN_PREFIX):
            runs.append(json.loads(line[len(RUN_PREFIX):]))
    return runs


def summarize(runs, paths=None, streams=None, reps=None):
    """One object per (path, streams): medians over the repetitions; ratio
    against the baseline with the same stream count (None without one).
    Also returns the min and max Gbit/s of each group, for the table."""
    groups = {}
    for r in runs:
        groups.setdefault((r["path"], r["streams"]), []).append(r)
    paths = paths or sorted({p for p, _ in groups},
                            key=lambda p: (PATH_ORDER.index(p) if p in PATH_ORDER else 99, p))
    streams = streams or sorted({s for _, s in groups})
    missing = [(p, s) for p in paths for s in streams if (p, s) not in groups]
    if missing:
        raise ValueError("no run for " + ", ".join(f"{p}/{s}" for p, s in missing))
    if reps is not None:
        short = [(p, s, len(groups[p, s])) for p in paths for s in streams
                 if len(groups[p, s]) != reps]
        if short:
            raise ValueError("expected %d runs each, got " % reps +
                             ", ".join(f"{p}/{s}: {n}" for p, s, n in short))
    med = statistics.median
    out, spread = [], {}
    for p in paths:
        for s in streams:
            g = groups[p, s]
            spread[p, s] = (min(r["gbps"] for r in g), max(r["gbps"] for r in g))
            out.append({
                "path": p,
                "streams": s,
                "gbps": round(med(r["gbps"] for r in g), 4),
                "ratio": None,
                "overhead_bytes": num(med(r["overhead_bytes"] for r in g)),
                "cpu_s_per_gb": round(med(r["cpu_s"] / (r["bytes"] / 1e9) for r in g), 3),
            })
    base = {o["streams"]: o["gbps"] for o in out if o["path"] == "baseline"}
    for o in out:
        if base.get(o["streams"]):
            o["ratio"] = round(o["gbps"] / base[o["streams"]], 3)
    return out, spread


def table(summary, spread, reps=None):
    head = ("path", "streams", "Gbit/s", "min-max", "ratio", "bytes/pkt", "CPU s/GB")
    rows = []
    for o in summary:
        lo, hi = spread[o["path"], o["streams"]]
        rows.append((o["path"], str(o["streams"]), f"{o['gbps']:.3f}", f"{lo:.2f}-{hi:.2f}",
                     "-" if o["ratio"] is None else f"{o['ratio']:.3f}",
                     str(o["overhead_bytes"]), f"{o['cpu_s_per_gb']:.2f}"))
    w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    fmt = lambda r: "  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(r))
    lines = [fmt(head), fmt(tuple("-" * n for n in w))] + [fmt(r) for r in rows]
    n = f"median of {reps} runs" if reps else "median of the runs"
    lines.append(f"({n}; ratio: to the baseline with the same streams; bytes/pkt: "
                 "added to each data frame; CPU s/GB: non-idle VM CPU time per 10^9 bytes)")
    return "\n".join(lines)


def cmd_summarize(a):
    runs = parse_runs(sys.stdin)
    if not runs:
        sys.exit("report.py: no BENCH-RUN line in the VM's output")
    summary, spread = summarize(runs, a.paths.split() if a.paths else None,
                                [int(s) for s in a.streams.split()] if a.streams else None,
                                a.reps)
    print(table(summary, spread, a.reps))
    with open(a.out, "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(f"wrote {a.out}")


# ---------------------------------------------------------------- self-test


def _ipv4(payload, proto, src, dst):
    tot = 20 + len(payload)
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, 0, 0, 64, proto, 0,
                       bytes(src), bytes(dst)) + payload


def _tcp(payload, urg_ptr=0, flags=0x18):
    return struct.pack("!HHIIBBHHH", 40000, 5201, 1, 1, 5 << 4, flags, 512, 0, urg_ptr) + payload


def _eth(payload):
    return b"\x02" * 6 + b"\x04" * 6 + struct.pack("!H", ETH_P_IP) + payload


def _udp(payload, dport):
    return struct.pack("!HHHH", 50000, dport, 8 + len(payload), 0) + payload


def _pcap(path, frames, snap=128):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snap, 1))
        for fr in frames:
            cut = fr[:snap]
            f.write(struct.pack("<IIII", 0, 0, len(cut), len(fr)) + cut)


def self_test():
    a, b = [10, 0, 1, 2], [10, 0, 2, 1]
    seg = lambda n, urg=0, flags=0x18: _ipv4(_tcp(b"x" * n, urg, flags), 6, a, b)
    inner = _eth(seg(1400))
    frames = {
        "plain": [_eth(seg(1448)), _eth(seg(30000)), _eth(seg(64000))],
        "tagged": [_eth(seg(1448, urg=1)), _eth(seg(1448, urg=1, flags=0x38))],
        "vxlan": [_eth(_ipv4(_udp(b"\x08\0\0\0\0\0\x2a\0" + inner, VXLAN_PORT), 17, a, b))],
        # Geneve with 8 bytes of options: 58 bytes on top
        "geneve": [_eth(_ipv4(_udp(b"\x02\0\x65\x58\0\0\x2b\0" + b"\0" * 8 + inner,
                                   GENEVE_PORT), 17, a, b))],
        "junk": [_eth(_ipv4(_udp(b"\0" * 40, 53), 17, a, b))],
    }
    want = {"plain": 0, "tagged": 0, "vxlan": 50, "geneve": 58}
    with tempfile.TemporaryDirectory() as d:
        for name, frs in frames.items():
            p = os.path.join(d, name + ".pcap")
            _pcap(p, frs)
            if name == "junk":
                try:
                    capture_overhead(p)
                except ValueError:
                    continue
                raise AssertionError("a capture without TCP was accepted")
            got, tcp = capture_overhead(p)
            assert got == [want[name]] * len(frs), (name, got)
            if name == "tagged":
                assert tcp == [(0x18, 1), (0x38, 1)], tcp
        iperf = {"end": {"sum_received": {"bytes": 2_000_000_000, "seconds": 5.0,
                                          "bits_per_second": 3.2e9}}}
        r = make_record("vnic", 4, 1, iperf, 300, 100, os.path.join(d, "tagged.pcap"))
        assert (r["gbps"], r["cpu_s"], r["overhead_bytes"], r["tagged_frames"]) == (3.2, 3.0, 0, 1), r
        make_record("baseline", 1, 1, iperf, 1, 100, os.path.join(d, "plain.pcap"), expect_urg=0)
        make_record("vxlan", 1, 1, iperf, 1, 100, os.path.join(d, "vxlan.pcap"), expect_urg=0)
        for name, urg in (("tagged", 1), ("plain", 1), ("tagged", 0)):
            try:
                make_record("vnic", 1, 1, iperf, 1, 100, os.path.join(d, name + ".pcap"), urg)
                raise AssertionError(f"{name}.pcap passed as urgent pointer {urg}")
            except ValueError:
                pass
        try:
            make_record("vnic", 1, 1, {"error": "unable to connect"}, 1, 100, "")
            raise AssertionError("an iperf3 error was accepted")
        except ValueError:
            pass
    runs = []
    for rep, (g0, g1) in enumerate([(2.0, 1.5), (4.0, 1.0), (3.0, 2.5)], 1):
        for path, g, ov in (("baseline", g0, 0), ("vxlan", g1, 50)):
            runs.append({"path": path, "streams": 1, "rep": rep, "bytes": 1e9,
                         "seconds": 5, "gbps": g, "cpu_s": rep, "overhead_bytes": ov})
    lines = ["noise"] + [RUN_PREFIX + json.dumps(r) for r in runs]
    summary, spread = summarize(parse_runs(lines), reps=3)
    assert summary == [
        {"path": "baseline", "streams": 1, "gbps": 3.0, "ratio": 1.0, "overhead_bytes": 0, "cpu_s_per_gb": 2.0},
        {"path": "vxlan", "streams": 1, "gbps": 1.5, "ratio": 0.5, "overhead_bytes": 50, "cpu_s_per_gb": 2.0},
    ], summary
    assert spread["vxlan", 1] == (1.0, 2.5)
    assert "vxlan" in table(summary, spread, 3)
    for bad in (dict(reps=2), dict(paths=["baseline", "vnic"])):
        try:
            summarize(runs, **bad)
            raise AssertionError(f"summarize accepted {bad}")
        except ValueError:
            pass
    print("report.py self-test: ok")


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("record")
    p.add_argument("--path", required=True)
    p.add_argument("--streams", type=int, required=True)
    p.add_argument("--rep", type=int, required=True)
    p.add_argument("--iperf", required=True)
    p.add_argument("--cpu-ticks", type=int, required=True)
    p.add_argument("--clk-tck", type=int, required=True)
    p.add_argument("--pcap", required=True)
    p.add_argument("--expect-urg-ptr", type=int)
    p.set_defaults(fn=cmd_record)
    p = sub.add_parser("overhead")
    p.add_argument("pcap")
    p.set_defaults(fn=cmd_overhead)
    p = sub.add_parser("summarize")
    p.add_argument("--out", required=True)
    p.add_argument("--reps", type=int)
    p.add_argument("--paths")
    p.add_argument("--streams")
    p.set_defaults(fn=cmd_summarize)
    a = ap.parse_args()
    try:
        a.fn(a)
    except (ValueError, KeyError, OSError) as e:
        sys.exit(f"report.py {a.cmd}: {e}")


if __name__ == "__main__":
    main()
