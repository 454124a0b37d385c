#!/usr/bin/env python3
"""The arithmetic of `make bench` (tests/bench/bench), standard library only.

  report.py record --path P [--sessions S] [--direction D] --streams N --rep R
                   [--mode M] --iperf FILE --cpu-ticks T --clk-tck HZ
                   --pcap FILE [--expect-urg-ptr ID]
      (in the guest) one measured run: prints a human line and one line
      "BENCH-RUN {json}" with throughput, bytes, CPU seconds and the
      per-packet overhead read from the capture.
  report.py profile --path P [--sessions S] [--direction D] --streams N
                   [--mode M] --iperf FILE --perf-report FILE
      (in the guest) one profiled run: the kernel symbols of `perf report
      --stdio --sort sym --show-nr-samples` with their samples, as one line
      "BENCH-PROFILE {json}".
  report.py overhead FILE.pcap
      prints the median bytes a data frame in the capture carries beyond
      the inner IP packet plus its 14-byte Ethernet header.
  report.py summarize --out FILE [--reps N] [--paths "..."] [--streams "..."]
      (on the host) reads the VM's output on stdin, takes the median of the
      repetitions of each path, session count, direction and stream count,
      prints the table, the targets and (with BENCH-PROFILE lines) the
      profiles, and writes the JSON list to FILE.
  report.py --self-test
      checks the above on a synthetic capture and iperf3 report.
"""
import argparse
import json
import os
import re
import statistics
import struct
import sys
import tempfile

RUN_PREFIX = "BENCH-RUN "
PROFILE_PREFIX = "BENCH-PROFILE "
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


def make_record(path, streams, rep, iperf, cpu_ticks, clk_tck, pcap, expect_urg=None,
                sessions=0, direction="upload", mode="realtime"):
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
        "sessions": sessions,
        "direction": direction,
        "mode": mode,
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
                    a.expect_urg_ptr, a.sessions, a.direction, a.mode)
    gb = r["bytes"] / 1e9
    print(f"  {label(r):<14} {r['direction']:<8} {r['streams']} stream(s) rep {r['rep']}: "
          f"{r['gbps']:.3f} Gbit/s, {gb:.2f} GB, {r['cpu_s']:.2f} CPU s, "
          f"{r['overhead_bytes']} B/frame over {r['frames']} frames "
          f"({r['tagged_frames']} tagged)", flush=True)
    print(RUN_PREFIX + json.dumps(r, sort_keys=True), flush=True)


# Where an idle CPU's samples land (self time, -g none): not work.
IDLE_SYMBOLS = {"pv_native_safe_halt", "native_safe_halt", "default_idle", "default_idle_call",
                "cpu_idle_poll", "acpi_safe_halt", "mwait_idle", "intel_idle", "do_idle"}
PERF_LINE = re.compile(r"^\s*([0-9.]+)%\s+([0-9]+)\s+\[(.)\]\s+(.+?)\s*$")


def parse_perf_report(text):
    """(busy samples, {kernel symbol: samples}) from `perf report --stdio
    --no-children --sort sym -g none --show-nr-samples`; the idle loop's
    samples are left out of both."""
    total, kernel = 0, {}
    for line in text.splitlines():
        m = PERF_LINE.match(line)
        if not m:
            continue
        n = int(m.group(2))
        if m.group(4) in IDLE_SYMBOLS:
            continue
        total += n
        if m.group(3) == "k":
            kernel[m.group(4)] = kernel.get(m.group(4), 0) + n
    if not total:
        raise ValueError("no sample in the perf report")
    return total, kernel


def cmd_profile(a):
    with open(a.iperf) as f:
        iperf = json.load(f)
    if "error" in iperf:
        raise ValueError(f"iperf3: {iperf['error']}")
    with open(a.perf_report) as f:
        total, kernel = parse_perf_report(f.read())
    r = {"path": a.path, "sessions": a.sessions, "direction": a.direction, "mode": a.mode,
         "streams": a.streams, "bytes": iperf["end"]["sum_received"]["bytes"],
         "samples": total, "kernel": kernel}
    print(f"  profiled {label(r)} {a.direction}: {total} busy samples, "
          f"{sum(kernel.values())} in the kernel", flush=True)
    print(PROFILE_PREFIX + json.dumps(r, sort_keys=True), flush=True)


def cmd_overhead(a):
    overheads, _ = capture_overhead(a.pcap)
    print(num(statistics.median(overheads)))


# ---------------------------------------------------------------- summary


def label(r):
    """A run's path as the tables name it: vnic with its session count."""
    return f"vnic/{r.get('sessions', 1)}" if r["path"] == "vnic" else r["path"]


def parse_lines(lines, prefix):
    out = []
    for line in lines:
        line = line.rstrip("\r\n")
        if line.startswith(prefix):
            out.append(json.loads(line[len(prefix):]))
    return out


def parse_runs(lines):
    return parse_lines(lines, RUN_PREFIX)


def _key(r):
    """(path, sessions, direction, streams) of a record; records of an older
    bench (no sessions or direction) are upload runs with one vnic session."""
    sessions = r.get("sessions", 1 if r["path"] == "vnic" else 0)
    return r["path"], sessions, r.get("direction", "upload"), r["streams"]


def _order(keys, paths, directions):
    pi = lambda p: paths.index(p) if p in paths else len(paths) + (
        PATH_ORDER.index(p) if p in PATH_ORDER else 99)
    di = lambda d: directions.index(d) if d in directions else 99
    return sorted(keys, key=lambda k: (di(k[2]), k[3], pi(k[0]), k[1]))


def summarize(runs, paths=None, streams=None, reps=None, directions=None):
    """One object per (path, sessions, direction, streams): medians over the
    repetitions; ratio (and CPU ratio) against the baseline with the same
    direction and stream count (None without one); for vnic with more than
    one session, vs_one_session: its throughput over vnic's with one.
    Also returns the min and max Gbit/s of each group, for the table."""
    groups = {}
    for r in runs:
        groups.setdefault(_key(r), []).append(r)
    if paths:
        have = {k[0] for k in groups}
        missing = [p for p in paths if p not in have]
        if missing:
            raise ValueError("no run for " + ", ".join(missing))
    if streams:
        for k in list(groups):
            if k[3] not in streams:
                raise ValueError(f"a run with {k[3]} streams, not one of {streams}")
        combos = {(k[0], k[1], k[2]) for k in groups}
        missing = [f"{p}/{d}/{n}" for p, s_, d in sorted(combos) for n in streams
                   if (p, s_, d, n) not in groups]
        if missing:
            raise ValueError("no run for " + ", ".join(missing))
    if reps is not None:
        short = [(k, len(g)) for k, g in groups.items() if len(g) != reps]
        if short:
            raise ValueError("expected %d runs each, got " % reps +
                             ", ".join(f"{'/'.join(map(str, k))}: {n}" for k, n in short))
    directions = directions or ["upload", "download"]
    med = statistics.median
    out, spread = [], {}
    for k in _order(groups, paths or PATH_ORDER, directions):
        g = groups[k]
        p, sess, d, n = k
        spread[k] = (min(r["gbps"] for r in g), max(r["gbps"] for r in g))
        out.append({
            "path": p,
            "sessions": sess,
            "direction": d,
            "streams": n,
            "mode": g[0].get("mode", "realtime"),
            "gbps": round(med(r["gbps"] for r in g), 4),
            "ratio": None,
            "overhead_bytes": num(med(r["overhead_bytes"] for r in g)),
            "cpu_s_per_gb": round(med(r["cpu_s"] / (r["bytes"] / 1e9) for r in g), 3),
            "cpu_ratio": None,
        })
    base = {(o["direction"], o["streams"]): o for o in out if o["path"] == "baseline"}
    one = {(o["direction"], o["streams"]): o for o in out if o["path"] == "vnic" and o["sessions"] == 1}
    for o in out:
        b = base.get((o["direction"], o["streams"]))
        if b and b["gbps"]:
            o["ratio"] = round(o["gbps"] / b["gbps"], 3)
        if b and b["cpu_s_per_gb"]:
            o["cpu_ratio"] = round(o["cpu_s_per_gb"] / b["cpu_s_per_gb"], 3)
        v = one.get((o["direction"], o["streams"]))
        if o["path"] == "vnic" and o["sessions"] > 1 and v and v["gbps"]:
            o["vs_one_session"] = round(o["gbps"] / v["gbps"], 3)
    return out, spread


def table(summary, spread, reps=None):
    head = ("path", "sessions", "direction", "streams", "Gbit/s", "min-max", "ratio",
            "bytes/pkt", "CPU s/GB", "CPU ratio")
    rows = []
    for o in summary:
        lo, hi = spread[o["path"], o["sessions"], o["direction"], o["streams"]]
        fmt3 = lambda x: "-" if x is None else f"{x:.3f}"
        rows.append((o["path"], str(o["sessions"]) if o["path"] == "vnic" else "-", o["direction"],
                     str(o["streams"]), f"{o['gbps']:.3f}", f"{lo:.2f}-{hi:.2f}", fmt3(o["ratio"]),
                     str(o["overhead_bytes"]), f"{o['cpu_s_per_gb']:.2f}", fmt3(o["cpu_ratio"])))
    w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    fmt = lambda r: "  ".join(c.ljust(w[i]) if i < 3 else c.rjust(w[i]) for i, c in enumerate(r))
    lines = [fmt(head), fmt(tuple("-" * n for n in w))] + [fmt(r) for r in rows]
    n = f"median of {reps} runs" if reps else "median of the runs"
    modes = sorted({o["mode"] for o in summary})
    lines.append(f"({n}, {'/'.join(modes)} mode; ratio, CPU ratio: to the baseline with the same "
                 "direction and streams; bytes/pkt: added to each data frame; CPU s/GB: non-idle VM "
                 "CPU time per 10^9 bytes)")
    return "\n".join(lines)


# The targets of Documentation/benchmarks.md: (name, holds) for each.
RATIO_TARGET, CPU_TARGET, SESSIONS_TARGET = 0.97, 1.05, 0.97


def targets(summary):
    out = []
    find = lambda path, d, n: next((o for o in summary if o["path"] == path and o["direction"] == d
                                    and o["streams"] == n), None)
    for o in summary:
        if o["path"] != "vnic":
            continue
        row = f"vnic/{o['sessions']} {o['direction']} {o['streams']}"
        out.append((f"{row}: 0 bytes added", o["overhead_bytes"] == 0))
        if o["sessions"] > 1:
            v = o.get("vs_one_session")
            out.append((f"{row}: >= {SESSIONS_TARGET}x of one session ({v})",
                        v is not None and v >= SESSIONS_TARGET))
        if o["ratio"] is not None:
            out.append((f"{row}: >= {RATIO_TARGET}x the baseline ({o['ratio']})", o["ratio"] >= RATIO_TARGET))
        if o["cpu_ratio"] is not None:
            out.append((f"{row}: CPU/GB <= {CPU_TARGET}x the baseline ({o['cpu_ratio']})",
                        o["cpu_ratio"] <= CPU_TARGET))
        for t in ("vxlan", "geneve"):
            other = find(t, o["direction"], o["streams"])
            if other:
                out.append((f"{row}: ahead of {t} ({o['gbps']:.3f} vs {other['gbps']:.3f})",
                            o["gbps"] > other["gbps"]))
    return out


def profile_tables(profiles, top=12):
    """Per profiled run, its top kernel symbols (share of all samples); then
    for each vnic run and direction, the symbols vnic spends more samples
    per GB on than the baseline, most first."""
    lines = []
    per_gb = lambda r, n: n / (r["bytes"] / 1e9) if r["bytes"] else 0.0
    for r in profiles:
        k = sum(r["kernel"].values())
        lines.append(f"{label(r)} {r['direction']} ({r['mode']}): {r['samples']} busy samples, "
                     f"{100 * k / r['samples']:.0f}% in the kernel, "
                     f"{per_gb(r, r['samples']):.0f} busy samples/GB")
        for sym, n in sorted(r["kernel"].items(), key=lambda x: -x[1])[:top]:
            lines.append(f"  {100 * n / r['samples']:6.2f}%  {sym}")
    base = {r["direction"]: r for r in profiles if r["path"] == "baseline"}
    for r in profiles:
        b = base.get(r["direction"])
        if r["path"] != "vnic" or not b:
            continue
        diff = {}
        for sym in set(r["kernel"]) | set(b["kernel"]):
            diff[sym] = per_gb(r, r["kernel"].get(sym, 0)) - per_gb(b, b["kernel"].get(sym, 0))
        total = per_gb(r, r["samples"]) - per_gb(b, b["samples"])
        lines.append(f"{label(r)} minus baseline, {r['direction']}: {total:+.0f} busy samples/GB in all; "
                     "the symbols it pays most for (samples/GB):")
        for sym, d in sorted(diff.items(), key=lambda x: -x[1])[:top]:
            if d <= 0:
                break
            lines.append(f"  {d:+8.0f}  {sym}")
    return "\n".join(lines)


def cmd_summarize(a):
    lines = sys.stdin.readlines()
    runs = parse_runs(lines)
    if not runs:
        sys.exit("report.py: no BENCH-RUN line in the VM's output")
    summary, spread = summarize(runs, a.paths.split() if a.paths else None,
                                [int(s) for s in a.streams.split()] if a.streams else None,
                                a.reps, a.directions.split() if a.directions else None)
    print(table(summary, spread, a.reps))
    t = targets(summary)
    if t:
        print(f"\ntargets: {sum(ok for _, ok in t)} of {len(t)} met")
        for name, ok in t:
            print(f"  {'met    ' if ok else 'NOT met'}  {name}")
    profiles = parse_lines(lines, PROFILE_PREFIX)
    if profiles:
        print("\nprofiles (perf record -e cpu-clock -a -g, kernel symbols)")
        print(profile_tables(profiles))
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
            for d in ("download", "upload"):
                runs.append({"path": path, "sessions": 0, "direction": d, "streams": 1, "rep": rep,
                             "bytes": 1e9, "seconds": 5, "gbps": g, "cpu_s": rep, "overhead_bytes": ov})
        for sess, g in ((1, g0 * 0.98), (65535, g0 * 0.9)):
            runs.append({"path": "vnic", "sessions": sess, "direction": "upload", "streams": 1,
                         "rep": rep, "bytes": 1e9, "seconds": 5, "gbps": g, "cpu_s": rep * 1.1,
                         "overhead_bytes": 0, "mode": "icount"})
    lines = ["noise"] + [RUN_PREFIX + json.dumps(r) for r in runs]
    summary, spread = summarize(parse_runs(lines), reps=3)
    up = [o for o in summary if o["direction"] == "upload"]
    assert [(o["path"], o["sessions"]) for o in up] == [
        ("baseline", 0), ("vnic", 1), ("vnic", 65535), ("vxlan", 0)], up
    assert summary[-1]["direction"] == "download", summary
    assert up[0] == {"path": "baseline", "sessions": 0, "direction": "upload", "streams": 1,
                     "mode": "realtime", "gbps": 3.0, "ratio": 1.0, "overhead_bytes": 0,
                     "cpu_s_per_gb": 2.0, "cpu_ratio": 1.0}, up[0]
    assert (up[3]["gbps"], up[3]["ratio"], up[3]["overhead_bytes"]) == (1.5, 0.5, 50), up[3]
    assert (up[1]["ratio"], up[1]["cpu_ratio"]) == (0.98, 1.1), up[1]
    assert up[2]["vs_one_session"] == round(0.9 / 0.98, 3), up[2]
    assert spread["vxlan", 0, "upload", 1] == (1.0, 2.5)
    t = dict(targets(summary))
    verdicts = sorted((name.split(" (")[0], ok) for name, ok in t.items())
    assert verdicts == [
        ("vnic/1 upload 1: 0 bytes added", True),
        ("vnic/1 upload 1: >= 0.97x the baseline", True),
        ("vnic/1 upload 1: CPU/GB <= 1.05x the baseline", False),
        ("vnic/1 upload 1: ahead of vxlan", True),
        ("vnic/65535 upload 1: 0 bytes added", True),
        ("vnic/65535 upload 1: >= 0.97x of one session", False),
        ("vnic/65535 upload 1: >= 0.97x the baseline", False),
        ("vnic/65535 upload 1: CPU/GB <= 1.05x the baseline", False),
        ("vnic/65535 upload 1: ahead of vxlan", True),
    ], verdicts
    assert "vnic" in table(summary, spread, 3) and "icount" in table(summary, spread, 3)
    # Records of the older bench (no direction, no sessions) still summarize.
    old = [{k: v for k, v in r.items() if k not in ("direction", "sessions")} for r in runs
           if r["direction"] == "upload" and r.get("sessions", 1) in (0, 1)]
    assert [o["path"] for o in summarize(old, reps=3)[0]] == ["baseline", "vnic", "vxlan"]
    for bad in (dict(reps=2), dict(paths=["baseline", "geneve"]), dict(streams=[1, 4])):
        try:
            summarize(runs, **bad)
            raise AssertionError(f"summarize accepted {bad}")
        except ValueError:
            pass
    report = """# Samples: 3K of event 'cpu-clock'
# Overhead       Samples  Symbol
# ........  ............  ......
#
    50.00%          1500  [k] copy_user_generic
    30.00%           900  [k] vnic_rx
    20.00%           600  [.] iperf_loop
    40.00%          1200  [k] pv_native_safe_halt
"""
    total, kernel = parse_perf_report(report)
    assert (total, kernel) == (3000, {"copy_user_generic": 1500, "vnic_rx": 900}), (total, kernel)
    prof = [{"path": "baseline", "sessions": 0, "direction": "upload", "mode": "icount", "streams": 1,
             "bytes": 2e9, "samples": 2000, "kernel": {"copy_user_generic": 1800}},
            {"path": "vnic", "sessions": 1, "direction": "upload", "mode": "icount", "streams": 1,
             "bytes": 1e9, "samples": total, "kernel": kernel}]
    text = profile_tables(prof)
    assert "vnic/1 minus baseline, upload: +2000 busy samples/GB" in text, text
    assert re.search(r"\+900\s+vnic_rx", text) and re.search(r"\+600\s+copy_user_generic", text), text
    try:
        parse_perf_report("# nothing\n")
        raise AssertionError("an empty perf report was accepted")
    except ValueError:
        pass
    print("report.py self-test: ok")


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    def run_parser(name, fn):
        """A subcommand about one run: what ran, over which path."""
        p = sub.add_parser(name)
        p.add_argument("--path", required=True)
        p.add_argument("--sessions", type=int, default=0)
        p.add_argument("--direction", choices=("upload", "download"), default="upload")
        p.add_argument("--mode", default="realtime")
        p.add_argument("--streams", type=int, required=True)
        p.add_argument("--iperf", required=True)
        p.set_defaults(fn=fn)
        return p
    p = run_parser("record", cmd_record)
    p.add_argument("--rep", type=int, required=True)
    p.add_argument("--cpu-ticks", type=int, required=True)
    p.add_argument("--clk-tck", type=int, required=True)
    p.add_argument("--pcap", required=True)
    p.add_argument("--expect-urg-ptr", type=int)
    p = run_parser("profile", cmd_profile)
    p.add_argument("--perf-report", required=True)
    p = sub.add_parser("overhead")
    p.add_argument("pcap")
    p.set_defaults(fn=cmd_overhead)
    p = sub.add_parser("summarize")
    p.add_argument("--out", required=True)
    p.add_argument("--reps", type=int)
    p.add_argument("--paths")
    p.add_argument("--streams")
    p.add_argument("--directions")
    p.set_defaults(fn=cmd_summarize)
    a = ap.parse_args()
    try:
        a.fn(a)
    except (ValueError, KeyError, OSError) as e:
        sys.exit(f"report.py {a.cmd}: {e}")


if __name__ == "__main__":
    main()
