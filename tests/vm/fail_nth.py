#!/usr/bin/env python3
"""Fail each kernel allocation of one vnic netlink request in turn (fault
injection through /proc/self/fail-nth, on a kernel with CONFIG_FAILSLAB and
failslab's ignore-gfp-wait off).

usage: fail_nth.py [--only N] OP ARGS...
  vnic NAME ID                RTM_NEWLINK kind vnic with ID
  relay NAME PNIC             RTM_NEWLINK kind vnic-relay on PNIC
  ss NAME                     RTM_NEWLINK kind vnic-ss (host mode)
  session RELAY VNIC CLIENT ID    session add
  embed SS SERVER PORT ID     embedding rule add
  dump-sessions RELAY         session dump
  dump-embed SS               rule dump
  dump-links                  RTM_GETLINK dump (every vnic kind's attributes)

For n = 1, 2, ...: the n-th allocation of the request fails. The request must
then fail with ENOMEM (or its answer be lost, ENOBUFS; or, creating a
link, EINVAL without a message, which is how the core reports a failed
allocation of the device's sysfs name) and leave nothing made, or succeed
whole; what it made is undone. Any other error (EEXIST,
EBUSY, EINVAL: something half-made is in the way) is a failure. It stops
at the first n the request never reaches, so every allocation was failed
once. Prints one line, "OP: N allocations failed in turn: ..."; exits 1 on
an inconsistent outcome.
"""
import errno
import os
import socket
import struct
import sys

from nlattr import Receiver, attr, attrs

NETLINK_ROUTE, NETLINK_GENERIC = 0, 16
NLMSG_ERROR, NLMSG_DONE = 2, 3
F_REQUEST, F_ACK, F_DUMP, F_EXCL, F_CREATE = 1, 4, 0x300, 0x200, 0x400
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
IFLA_IFNAME, IFLA_LINK, IFLA_LINKINFO, IFLA_INFO_KIND, IFLA_INFO_DATA = 3, 5, 18, 1, 2
IFLA_VNIC_ID, IFLA_VNIC_SS_MODE, VNIC_SS_MODE_HOST = 1, 2, 1
NESTED = 0x8000
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 1, 2
CMD_SESSION_ADD, CMD_SESSION_DEL, CMD_SESSION_GET = 1, 2, 3
CMD_EMBED_ADD, CMD_EMBED_DEL, CMD_EMBED_GET = 4, 5, 6
A_RELAY, A_VNIC, A_CLIENT, A_ID, A_SERVER, A_PORT, A_SUPERVISOR = 2, 3, 4, 5, 6, 7, 8
SOL_NETLINK, NETLINK_EXT_ACK = 270, 11
MAX_N = 5000
LINK_OPS = ("vnic", "relay", "ss")


def u32(kind, v):
    return attr(kind, struct.pack("=I", v))


def ip(text):
    fam = socket.AF_INET6 if ":" in text else socket.AF_INET
    return socket.inet_pton(fam, text)


class Nl:
    """One netlink socket; `family` is the genl family id (genl only)."""

    def __init__(self, proto):
        self.proto = proto
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.receiver = Receiver(self.sock)
        self.seq = 1
        self.family = None
        self.extack = ""
        if proto == NETLINK_GENERIC:
            self.family = GENL_ID_CTRL
            _, msgs = self.request(CTRL_CMD_GETFAMILY, attr(CTRL_ATTR_FAMILY_NAME, b"vnic\0"), dump=False, ack=False)
            self.family = struct.unpack_from("=H", attrs(msgs[0][20:])[CTRL_ATTR_FAMILY_ID])[0]

    def message(self, kind, flags, body):
        self.seq += 1
        if self.proto == NETLINK_GENERIC:
            body = struct.pack("=BBH", kind, 1, 0) + body
            kind = self.family
        return struct.pack("=IHHII", 16 + len(body), kind, flags, self.seq, 0) + body

    def request(self, kind, body, dump=False, ack=True, flags=0, fail=None):
        """Sends one request (with fail-nth armed at `fail`); returns
        (errno or 0, data messages). ENOBUFS: an answer was lost."""
        flags |= F_REQUEST | (F_DUMP if dump else 0) | (F_ACK if ack else 0)
        msg = self.message(kind, flags, body)
        seq = self.seq
        if fail is not None:
            fail.arm()
        try:
            self.sock.send(msg)
        except OSError as e:
            return e.errno, []
        finally:
            if fail is not None:
                fail.disarm_later()
        out = []
        while True:
            try:
                data = self.receiver.recv()
            except OSError as e:
                self.drain()
                return e.errno, out
            off = 0
            while off + 16 <= len(data):
                ln, typ, _, s = struct.unpack_from("=IHHI", data, off)
                part = data[off : off + ln]
                off += (ln + 3) & ~3
                if s != seq:
                    continue
                if typ == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", part, 16)[0]
                    if err:
                        # Uncapped: the request is echoed, then the TLVs.
                        echoed = struct.unpack_from("=I", part, 20)[0]
                        self.extack = attrs(part[20 + ((echoed + 3) & ~3) :]).get(1, b"").split(b"\0")[0].decode()
                    return err, out
                if typ == NLMSG_DONE:
                    # A dump's end carries its error, if it failed midway.
                    return (-struct.unpack_from("=i", part, 16)[0] if len(part) >= 20 else 0), out
                out.append(part)
                if not dump and not ack:
                    return 0, out

    def drain(self):
        self.sock.setblocking(False)
        try:
            while True:
                self.receiver.recv()
        except OSError:
            pass
        self.sock.setblocking(True)


class FailNth:
    """This task's /proc/self/fail-nth (the thread that sends)."""

    def __init__(self):
        self.fd = os.open("/proc/thread-self/fail-nth", os.O_RDWR)
        self.n = 0
        self.injected = False

    def arm(self):
        os.pwrite(self.fd, b"%d" % self.n, 0)

    def disarm_later(self):
        # Read first: 0 means the fault was injected; then disarm.
        left = int(os.pread(self.fd, 32, 0).strip() or b"0")
        self.injected = left == 0
        os.pwrite(self.fd, b"0", 0)


def link_exists(name):
    try:
        socket.if_nametoindex(name)
        return True
    except OSError:
        return False


def linkinfo(kind, data=b""):
    info = attr(IFLA_INFO_KIND, kind + b"\0")
    if data:
        info += attr(IFLA_INFO_DATA | NESTED, data)
    return attr(IFLA_LINKINFO | NESTED, info)


def ifinfo(index=0):
    return struct.pack("=BxHiII", 0, 0, index, 0, 0)


def main():
    only = None
    if sys.argv[1] == "--only":
        # Debugging: fail allocation N alone and report what came back.
        only, sys.argv[1:3] = int(sys.argv[2]), []
    op, args = sys.argv[1], sys.argv[2:]
    name = args[0] if args else ""
    # A fresh socket for every request: a failed dump or a lost answer leaves
    # state on its socket (a dump still running answers the next with EBUSY).
    last = {}

    def fresh(proto):
        last["nl"] = Nl(proto)
        return last["nl"]

    rt = lambda: fresh(NETLINK_ROUTE)  # noqa: E731
    gn = lambda: fresh(NETLINK_GENERIC)  # noqa: E731

    def dellink(n):
        err, _ = rt().request(RTM_DELLINK, ifinfo() + attr(IFLA_IFNAME, n.encode() + b"\0"))
        return err

    if op in LINK_OPS:
        if op == "vnic":
            body = linkinfo(b"vnic", attr(IFLA_VNIC_ID, struct.pack("=H", int(args[1]))))
        elif op == "relay":
            body = u32(IFLA_LINK, socket.if_nametoindex(args[1])) + linkinfo(b"vnic-relay")
        else:
            body = linkinfo(b"vnic-ss", u32(IFLA_VNIC_SS_MODE, VNIC_SS_MODE_HOST))
        body = ifinfo() + attr(IFLA_IFNAME, name.encode() + b"\0") + body

        def attempt(fail):
            return rt().request(RTM_NEWLINK, body, flags=F_EXCL | F_CREATE, fail=fail)[0]

        def made():
            return link_exists(name)

        def undo():
            return dellink(name)

    elif op in ("session", "embed"):
        if op == "session":
            relay, vnic = socket.if_nametoindex(args[0]), socket.if_nametoindex(args[1])
            key = attr(A_RELAY, struct.pack("=I", relay)) + attr(A_CLIENT, ip(args[2])) + attr(A_ID, struct.pack("=H", int(args[3])))
            body = key + attr(A_VNIC, struct.pack("=I", vnic))
            cmd_add, cmd_del, cmd_get, sel = CMD_SESSION_ADD, CMD_SESSION_DEL, CMD_SESSION_GET, attr(A_RELAY, struct.pack("=I", relay))
            want = (A_CLIENT, ip(args[2]))
        else:
            ss = socket.if_nametoindex(args[0])
            key = attr(A_SUPERVISOR, struct.pack("=I", ss)) + attr(A_SERVER, ip(args[1])) + attr(A_PORT, struct.pack("=H", int(args[2])))
            body = key + attr(A_ID, struct.pack("=H", int(args[3])))
            cmd_add, cmd_del, cmd_get, sel = CMD_EMBED_ADD, CMD_EMBED_DEL, CMD_EMBED_GET, attr(A_SUPERVISOR, struct.pack("=I", ss))
            want = (A_SERVER, ip(args[1]))

        def attempt(fail):
            return gn().request(cmd_add, body, fail=fail)[0]

        def made():
            err, msgs = gn().request(cmd_get, sel, dump=True, ack=False)
            if err:
                raise SystemExit(f"{op}: the check's dump failed: errno {err}")
            return any(attrs(m[20:]).get(want[0]) == want[1] for m in msgs)

        def undo():
            return gn().request(cmd_del, key)[0]

    elif op in ("dump-sessions", "dump-embed", "dump-links"):
        if op == "dump-links":
            nl, cmd, sel = rt, RTM_GETLINK, ifinfo()
        else:
            ident = socket.if_nametoindex(name)
            nl = gn
            cmd, sel = (CMD_SESSION_GET, attr(A_RELAY, struct.pack("=I", ident))) if op == "dump-sessions" else (CMD_EMBED_GET, attr(A_SUPERVISOR, struct.pack("=I", ident)))
        err, msgs = nl().request(cmd, sel, dump=True, ack=False)
        if err:
            raise SystemExit(f"{op}: the dump fails without a fault: errno {err}")
        whole = len(msgs)

        def attempt(fail):
            err, msgs = nl().request(cmd, sel, dump=True, ack=False, fail=fail)
            if err == 0 and len(msgs) != whole:
                return -1  # a dump that ends "done" must be whole
            return err

        def made():
            return False

        def undo():
            return 0

    else:
        raise SystemExit(f"fail_nth.py: unknown operation {op}")

    if made():
        raise SystemExit(f"{op}: the object exists before the run")
    fail = FailNth()
    if only is not None:
        fail.n = only
        err = attempt(fail)
        print(f"{op}: allocation {only} failed: errno {err}, injected {fail.injected}, made {made()}")
        if made():
            undo()
        return
    errors, ok, n = {}, 0, 0
    for n in range(1, MAX_N + 1):
        fail.n = n
        err = attempt(fail)
        said = last["nl"].extack
        if not fail.injected:
            # The request never reached its n-th allocation: all were covered.
            if err != 0:
                raise SystemExit(f"{op}: fails with errno {err} without a fault (after {n - 1} faults)")
            break
        present = made()
        if err == 0:
            ok += 1
            if op.startswith("dump") or present:
                pass
            else:
                raise SystemExit(f"{op}: succeeded with allocation {n} failed, but nothing was made")
        elif err in (errno.ENOMEM, errno.ENOBUFS) or (err == errno.EINVAL and not said and op in LINK_OPS):
            # EINVAL without a message: the core's netdev_register_kobject
            # ignores dev_set_name's ENOMEM, and device_add then refuses the
            # nameless device with EINVAL (Linux 6.12). vnic's own EINVALs
            # always say why.
            errors[err] = errors.get(err, 0) + 1
            if present and err == errno.ENOMEM:
                raise SystemExit(f"{op}: allocation {n} failed with ENOMEM, yet the object was made (half-made?)")
        else:
            raise SystemExit(f"{op}: allocation {n} failed gave errno {err} ({os.strerror(abs(err))}"
                             f"{': ' + said if said else ''}): something left behind by an earlier failure?")
        if present:
            e = undo()
            if e:
                raise SystemExit(f"{op}: undoing after allocation {n} failed gave errno {e}")
    else:
        raise SystemExit(f"{op}: still reaching new allocations after {MAX_N}")
    if not made() and not op.startswith("dump"):
        raise SystemExit(f"{op}: the request without a fault made nothing")
    if made():
        undo()
    summary = ", ".join(f"{errno.errorcode[e]} {c}" for e, c in sorted(errors.items()))
    print(f"{op}: {n - 1} allocations failed in turn: {summary or 'no error'}, succeeded anyway {ok}")


main()
