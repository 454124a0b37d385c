// SPDX-License-Identifier: GPL-2.0

//! The relay's receive verdict: what happens to a frame that arrives from
//! the pNIC, as one total, pure function of what the frame is
//! ([`parse_frame`]), where it is aimed ([`Dest`]), whether the link layer
//! addressed it to this host, and what the session table says. Free of
//! kernel types, so the same file is unit-tested on the host
//! (`userctl/vnic-wire`).
//!
//! It fails closed: nothing from the pNIC reaches a pseudo address except a
//! granted segment, which the relay rewrites to it. Per family and class:
//!
//! | frame                                   | to a pseudo address | to the pNIC            | elsewhere |
//! |-----------------------------------------|---------------------|------------------------|-----------|
//! | TCP with an ID (URG clear)              | drop `to_pseudo`    | session lookup: deliver, or drop `unknown_id` / `not_granted` | pass |
//! | TCP, URG set, a session's ID            | drop `to_pseudo`    | drop `urg_set`         | pass      |
//! | TCP with an ID on a bad data offset     | drop `to_pseudo`    | drop `malformed`       | pass      |
//! | ICMP/ICMPv6 error quoting a reply of a session (from the pNIC's address, with its ID) | drop `to_pseudo` | translate, deliver to the vNIC | pass |
//! | any other TCP, UDP, ICMP, other protocol| drop `to_pseudo`    | pass                   | pass      |
//! | IPv4/IPv6 fragment (any kind)           | drop `to_pseudo`    | pass (never rewritten) | pass      |
//! | IPv4 source route option (LSRR, SSRR), IPv6 Routing header with segments left | drop `to_pseudo` | drop `to_pseudo` | pass |
//! | IPv6, more than 8 extension headers     | drop `to_pseudo`    | drop `malformed`       | pass      |
//! | ARP request / IPv6 Neighbor Solicitation for a pseudo address | drop `to_pseudo` | - | - |
//! | IPv4/IPv6 header unreadable or lying    | drop `malformed`    | drop `malformed`       | drop      |
//! | headers not readable (no memory)        | drop `malformed`    | drop `malformed`       | drop      |
//! | other EtherTypes                        | pass                | pass                   | pass      |
//!
//! A frame the link layer addressed to another host (`PACKET_OTHERHOST`) is
//! never delivered or counted as overlay traffic; the stack drops it.

use crate::wire::{Addr, Tagged, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6};

const IPPROTO_HOPOPTS: u8 = 0;
const IPPROTO_ICMP: u8 = 1;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_ROUTING: u8 = 43;
const IPPROTO_FRAGMENT: u8 = 44;
const IPPROTO_AH: u8 = 51;
const IPPROTO_ICMPV6: u8 = 58;
const IPPROTO_DSTOPTS: u8 = 60;
const TCP_MIN: usize = 20;
const TCP_FLAG_URG: u8 = 0x20;
/// ICMPv6 type of a Neighbor Solicitation.
const ND_NEIGHBOR_SOLICIT: u8 = 135;
/// Bytes of an ICMPv6 Neighbor Solicitation up to the end of its target.
const ND_NS_LEN: usize = 24;
/// Most IPv6 extension headers walked; a longer chain is dropped if it is
/// aimed at this host.
pub(crate) const MAX_EXT_HEADERS: usize = 8;
/// Most times [`parse_frame`] is called on one frame: it asks for more
/// bytes at most once per header (the fixed header, each extension header
/// or the IPv4 options, the transport header).
pub(crate) const MAX_PULLS: usize = MAX_EXT_HEADERS + 4;

/// What the transport part of an IP packet is, as far as the overlay cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum L4 {
    /// TCP carrying an ID: urgent pointer non-zero, URG clear, a data
    /// offset that fits the packet.
    Tagged {
        /// The ID.
        id: u16,
        /// Offset of the TCP header from the network header.
        tcp_offset: usize,
    },
    /// TCP with URG set and a non-zero urgent pointer.
    Urgent {
        /// The urgent pointer.
        urg_ptr: u16,
    },
    /// TCP with an ID whose data offset does not fit the packet.
    BadTcp,
    /// A fragment: IPv4 with MF set or a fragment offset, or IPv6 with a
    /// Fragment header. Fragments are never rewritten (the later ones carry
    /// no TCP header to rewrite).
    Fragment,
    /// IPv4 with a loose or strict source route option, or IPv6 with a
    /// Routing header that has segments left: the stack would send it on to
    /// another address, which may be a pseudo one.
    SourceRouted,
    /// More IPv6 extension headers than [`MAX_EXT_HEADERS`].
    TooDeep,
    /// An ICMP or ICMPv6 error (unreachable, too big, time exceeded,
    /// parameter problem) quoting a TCP segment.
    IcmpError(Quote),
    /// An ICMPv6 Neighbor Solicitation for `target`.
    NeighborSolicit {
        /// The address being resolved.
        target: [u8; 16],
    },
    /// The transport headers end before the packet does not (the stack
    /// drops these itself).
    Truncated,
    /// Anything else: TCP without an ID, UDP, ICMP, other protocols.
    Plain,
}

/// The TCP segment an ICMP or ICMPv6 error quotes: for a reply the relay
/// rewrote, from the pNIC's address to the client, with the session's ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quote {
    /// Offset of the ICMP header from the network header.
    pub(crate) icmp_offset: usize,
    /// Offset of the quoted IP header.
    pub(crate) ip_offset: usize,
    /// Offset of the quoted TCP header (its first 20 bytes are there).
    pub(crate) tcp_offset: usize,
    /// The quoted source (the SP's address, for a reply).
    pub(crate) src: Addr,
    /// The quoted destination (the client, for a reply).
    pub(crate) dst: Addr,
    /// The quoted urgent pointer.
    pub(crate) urg_ptr: u16,
    /// Whether the quoted segment has URG set.
    pub(crate) urg: bool,
}

/// A frame from the pNIC, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// Not IPv4, IPv6 or ARP.
    NotIp,
    /// An ARP packet; `request_for` is the target of an Ethernet/IPv4
    /// request.
    Arp {
        /// The address an ARP request asks for.
        request_for: Option<[u8; 4]>,
    },
    /// An IPv4 or IPv6 packet whose fixed header is short, of the wrong
    /// version, or claims more bytes than the frame has.
    Broken,
    /// A readable IP packet.
    Ip {
        /// Source address.
        src: Addr,
        /// Destination address.
        dst: Addr,
        /// What it carries.
        l4: L4,
    },
}

impl Frame {
    /// The addresses whose owner decides the verdict: the destination (and,
    /// for a Neighbor Solicitation, its target; for ARP, the requested one).
    pub(crate) fn guarded(&self) -> [Option<Addr>; 2] {
        match *self {
            Frame::Arp { request_for } => [request_for.map(Addr::V4), None],
            Frame::Ip { dst, l4: L4::NeighborSolicit { target }, .. } => [Some(dst), Some(Addr::V6(target))],
            Frame::Ip { dst, .. } => [Some(dst), None],
            Frame::NotIp | Frame::Broken => [None, None],
        }
    }
}

/// Outcome of [`parse_frame`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parse {
    /// The answer needs this many linear bytes from the network header (the
    /// frame has them).
    Need(usize),
    /// The frame, parsed.
    Done(Frame),
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// `Need(n)` if `n` bytes are there to pull (`avail`), else `short`.
fn need_or(n: usize, avail: usize, short: Frame) -> Parse {
    if n <= avail {
        Parse::Need(n)
    } else {
        Parse::Done(short)
    }
}

/// Parses a frame of EtherType `proto` from its linear network-layer bytes
/// `l3` and `total`, the bytes it has from the network header on. Never
/// reads past `l3`; asks for more with [`Parse::Need`] (never more than
/// `total`).
pub(crate) fn parse_frame(proto: u16, l3: &[u8], total: usize) -> Parse {
    match proto {
        ETH_P_IP => parse_ipv4(l3, total),
        ETH_P_IPV6 => parse_ipv6(l3, total),
        ETH_P_ARP => parse_arp(l3, total),
        _ => Parse::Done(Frame::NotIp),
    }
}

fn parse_arp(l3: &[u8], total: usize) -> Parse {
    const ARP_IPV4_LEN: usize = 28;
    if l3.len() < ARP_IPV4_LEN && total >= ARP_IPV4_LEN {
        return Parse::Need(ARP_IPV4_LEN);
    }
    // htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4, oper 1 (request).
    let request = l3.len() >= ARP_IPV4_LEN && l3[..8] == [0, 1, 8, 0, 6, 4, 0, 1];
    let request_for = request.then(|| [l3[24], l3[25], l3[26], l3[27]]);
    Parse::Done(Frame::Arp { request_for })
}

fn parse_ipv4(l3: &[u8], total: usize) -> Parse {
    if l3.len() < 20 {
        return need_or(20, total, Frame::Broken);
    }
    let ihl = usize::from(l3[0] & 0x0f) * 4;
    // A total length of 0 is a BIG TCP aggregate (`iph_totlen`): it spans
    // the whole buffer.
    let len = match usize::from(be16(l3, 2)) {
        0 => total,
        n => n,
    };
    if l3[0] >> 4 != 4 || ihl < 20 || len < ihl || len > total {
        return Parse::Done(Frame::Broken);
    }
    let src = Addr::V4([l3[12], l3[13], l3[14], l3[15]]);
    let dst = Addr::V4([l3[16], l3[17], l3[18], l3[19]]);
    let ip = |l4| Parse::Done(Frame::Ip { src, dst, l4 });
    if ihl > 20 {
        if l3.len() < ihl {
            return Parse::Need(ihl);
        }
        if source_routed_v4(&l3[20..ihl]) {
            return ip(L4::SourceRouted);
        }
    }
    // MF (0x2000) or a fragment offset: a fragment, first or later.
    if be16(l3, 6) & 0x3fff != 0 {
        return ip(L4::Fragment);
    }
    if l3[9] == IPPROTO_ICMP {
        return match icmp_error(l3, ihl, len, 4) {
            Ok(l4) => ip(l4),
            Err(n) => Parse::Need(n),
        };
    }
    if l3[9] != IPPROTO_TCP {
        return ip(L4::Plain);
    }
    match tcp(l3, ihl, len) {
        Ok(l4) => ip(l4),
        Err(n) => need_or(n, len, Frame::Ip { src, dst, l4: L4::Truncated }),
    }
}

/// Whether IPv4 `options` hold a loose or strict source route (the stack
/// would send the packet on to the next address listed, perhaps a pseudo
/// one). Options that do not hold together count as a source route too.
fn source_routed_v4(options: &[u8]) -> bool {
    const IPOPT_END: u8 = 0;
    const IPOPT_NOOP: u8 = 1;
    const IPOPT_LSRR: u8 = 131;
    const IPOPT_SSRR: u8 = 137;
    let mut i = 0;
    while i < options.len() {
        match options[i] {
            IPOPT_END => return false,
            IPOPT_NOOP => i += 1,
            kind => {
                let Some(&len) = options.get(i + 1) else { return true };
                if len < 2 || kind == IPOPT_LSRR || kind == IPOPT_SSRR {
                    return true;
                }
                i += usize::from(len);
            }
        }
    }
    false
}

fn parse_ipv6(l3: &[u8], total: usize) -> Parse {
    if l3.len() < 40 {
        return need_or(40, total, Frame::Broken);
    }
    // A payload length of 0 is a jumbogram (BIG TCP): it spans the buffer.
    let len = match usize::from(be16(l3, 4)) {
        0 => total,
        n => 40 + n,
    };
    if l3[0] >> 4 != 6 || len > total {
        return Parse::Done(Frame::Broken);
    }
    let mut src = [0u8; 16];
    let mut dst = [0u8; 16];
    src.copy_from_slice(&l3[8..24]);
    dst.copy_from_slice(&l3[24..40]);
    let (src, dst) = (Addr::V6(src), Addr::V6(dst));
    let ip = |l4| Parse::Done(Frame::Ip { src, dst, l4 });
    let truncated = Frame::Ip { src, dst, l4: L4::Truncated };
    let mut next = l3[6];
    let mut off = 40;
    for _ in 0..=MAX_EXT_HEADERS {
        match next {
            IPPROTO_TCP => {
                return match tcp(l3, off, len) {
                    Ok(l4) => ip(l4),
                    Err(n) => need_or(n, len, truncated),
                };
            }
            IPPROTO_ICMPV6 => {
                if l3.len() <= off {
                    return if off < len { Parse::Need(off + 1) } else { ip(L4::Plain) };
                }
                if l3[off] != ND_NEIGHBOR_SOLICIT {
                    return match icmp_error(l3, off, len, 6) {
                        Ok(l4) => ip(l4),
                        Err(n) => Parse::Need(n),
                    };
                }
                if l3.len() < off + ND_NS_LEN {
                    // Shorter than a solicitation: not one (ndisc drops it).
                    return if off + ND_NS_LEN <= len { Parse::Need(off + ND_NS_LEN) } else { ip(L4::Plain) };
                }
                let mut target = [0u8; 16];
                target.copy_from_slice(&l3[off + 8..off + 24]);
                return ip(L4::NeighborSolicit { target });
            }
            IPPROTO_HOPOPTS | IPPROTO_ROUTING | IPPROTO_DSTOPTS | IPPROTO_FRAGMENT | IPPROTO_AH => {
                if l3.len() < off + 8 {
                    return need_or(off + 8, len, truncated);
                }
                if next == IPPROTO_FRAGMENT {
                    return ip(L4::Fragment);
                }
                if next == IPPROTO_ROUTING && l3[off + 3] != 0 {
                    return ip(L4::SourceRouted);
                }
                let hdr_len = if next == IPPROTO_AH {
                    (usize::from(l3[off + 1]) + 2) * 4
                } else {
                    (usize::from(l3[off + 1]) + 1) * 8
                };
                next = l3[off];
                off += hdr_len;
                if off > len {
                    return ip(L4::Truncated);
                }
            }
            _ => return ip(L4::Plain),
        }
    }
    ip(L4::TooDeep)
}

/// The ICMP (`version` 4) or ICMPv6 (6) message at `off` in a packet of
/// `len` bytes: an error quoting a TCP segment whose first 20 header bytes
/// are there, or plain; `Err(n)` if `n` linear bytes are needed to tell.
fn icmp_error(l3: &[u8], off: usize, len: usize, version: u8) -> Result<L4, usize> {
    const ICMP_HDR: usize = 8;
    // Linear bytes needed, or plain if the packet is shorter.
    let want = |n: usize| if n <= len { Err(n) } else { Ok(L4::Plain) };
    if l3.len() < off + 1 {
        return want(off + 1);
    }
    let error = match version {
        // Destination unreachable (fragmentation needed among them), time
        // exceeded, parameter problem.
        4 => matches!(l3[off], 3 | 11 | 12),
        // Destination unreachable, packet too big, time exceeded, parameter problem.
        _ => matches!(l3[off], 1..=4),
    };
    if !error {
        return Ok(L4::Plain);
    }
    let ip_offset = off + ICMP_HDR;
    let fixed = if version == 4 { 20 } else { 40 };
    if l3.len() < ip_offset + fixed {
        return want(ip_offset + fixed);
    }
    let q = &l3[ip_offset..];
    let (src, dst, tcp_offset) = match version {
        4 => {
            let ihl = usize::from(q[0] & 0x0f) * 4;
            if q[0] >> 4 != 4 || ihl < 20 || q[9] != IPPROTO_TCP || be16(q, 6) & 0x1fff != 0 {
                return Ok(L4::Plain);
            }
            (Addr::V4([q[12], q[13], q[14], q[15]]), Addr::V4([q[16], q[17], q[18], q[19]]), ip_offset + ihl)
        }
        _ => {
            if q[0] >> 4 != 6 || q[6] != IPPROTO_TCP {
                return Ok(L4::Plain);
            }
            let (mut s, mut d) = ([0u8; 16], [0u8; 16]);
            s.copy_from_slice(&q[8..24]);
            d.copy_from_slice(&q[24..40]);
            (Addr::V6(s), Addr::V6(d), ip_offset + 40)
        }
    };
    if l3.len() < tcp_offset + TCP_MIN {
        return want(tcp_offset + TCP_MIN);
    }
    let t = &l3[tcp_offset..tcp_offset + TCP_MIN];
    let urg_ptr = be16(t, 18);
    let urg = t[13] & TCP_FLAG_URG != 0;
    Ok(L4::IcmpError(Quote { icmp_offset: off, ip_offset, tcp_offset, src, dst, urg_ptr, urg }))
}

/// The TCP header at `off` in a packet of `len` bytes: its class, or
/// `Err(n)` if `n` linear bytes are needed to tell.
fn tcp(l3: &[u8], off: usize, len: usize) -> Result<L4, usize> {
    let end = off + TCP_MIN;
    if l3.len() < end {
        return Err(end);
    }
    let t = &l3[off..end];
    let urg_ptr = be16(t, 18);
    if urg_ptr == 0 {
        return Ok(L4::Plain);
    }
    if t[13] & TCP_FLAG_URG != 0 {
        return Ok(L4::Urgent { urg_ptr });
    }
    let data_offset = usize::from(t[12] >> 4) * 4;
    if data_offset < TCP_MIN || off + data_offset > len {
        return Ok(L4::BadTcp);
    }
    Ok(L4::Tagged { id: urg_ptr, tcp_offset: off })
}

/// Who owns the address a frame is aimed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dest {
    /// Not a local address of the SP's overlay (another local address,
    /// another host, multicast, broadcast).
    Other,
    /// An address of the pNIC.
    Pnic,
    /// A vNIC's pseudo address.
    Pseudo,
}

impl Dest {
    /// The stricter of two: a pseudo address wins, then the pNIC.
    pub(crate) fn worst(self, other: Dest) -> Dest {
        match (self, other) {
            (Dest::Pseudo, _) | (_, Dest::Pseudo) => Dest::Pseudo,
            (Dest::Pnic, _) | (_, Dest::Pnic) => Dest::Pnic,
            _ => Dest::Other,
        }
    }
}

/// What the session table says about (client, ID).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grant<S> {
    /// A session exists.
    Granted(S),
    /// The ID is registered, but not for this client.
    NotGranted,
    /// Nobody holds this ID.
    Unknown,
}

/// Why the relay drops a frame (each reason is a counter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// An ID nobody holds.
    UnknownId,
    /// An ID registered for another client.
    NotGranted,
    /// A session's ID on a segment with URG set.
    UrgSet,
    /// Headers that do not hold together, or could not be read.
    Malformed,
    /// Aimed at a pseudo address (directly, by ARP/NDP, or by a Routing
    /// header that could lead there).
    ToPseudo,
}

/// The relay's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RxVerdict<S> {
    /// Not the overlay's: the host stack gets it untouched.
    Pass,
    /// A granted segment: rewrite it and deliver it to `session`'s vNIC.
    Deliver {
        /// What the session table returned.
        session: S,
        /// Where the segment's fields are.
        tagged: Tagged,
    },
    /// An ICMP error about a reply of `session`'s vNIC: translate it back
    /// (destination and quoted source the vNIC's address, quoted ID
    /// cleared) and deliver it there, so that path MTU discovery and error
    /// reporting work for the vNIC's socket.
    DeliverError {
        /// What the session table returned.
        session: S,
        /// Where the quoted segment's fields are.
        quote: Quote,
    },
    /// Drop and count.
    Drop(DropReason),
}

/// The verdict on a frame from the pNIC: `frame` is `None` when its headers
/// could not be read (memory), `dest` the owner of its guarded addresses
/// ([`Frame::guarded`], the stricter if two), `for_host` whether the link
/// layer addressed it to this host, and `lookup` the session table (called
/// at most once, only for a segment that carries an ID to the pNIC).
pub(crate) fn rx_verdict<S>(
    frame: Option<&Frame>,
    dest: Dest,
    for_host: bool,
    lookup: impl FnOnce(Addr, u16) -> Grant<S>,
) -> RxVerdict<S> {
    use RxVerdict::{Drop, Pass};
    let Some(frame) = frame else { return Drop(DropReason::Malformed) };
    let (src, dst, l4) = match *frame {
        Frame::Broken => return Drop(DropReason::Malformed),
        _ if dest == Dest::Pseudo => return Drop(DropReason::ToPseudo),
        Frame::NotIp | Frame::Arp { .. } => return Pass,
        Frame::Ip { .. } if dest == Dest::Other => return Pass,
        Frame::Ip { src, dst, l4 } => (src, dst, l4),
    };
    match l4 {
        L4::SourceRouted => Drop(DropReason::ToPseudo),
        L4::TooDeep => Drop(DropReason::Malformed),
        _ if !for_host => Pass,
        L4::Tagged { id, tcp_offset } => match lookup(src, id) {
            Grant::Granted(session) => {
                RxVerdict::Deliver { session, tagged: Tagged { id, client: src, server: dst, tcp_offset } }
            }
            Grant::NotGranted => Drop(DropReason::NotGranted),
            Grant::Unknown => Drop(DropReason::UnknownId),
        },
        L4::Urgent { urg_ptr } => match lookup(src, urg_ptr) {
            Grant::Granted(_) => Drop(DropReason::UrgSet),
            // Real urgent data to the SP's own services.
            _ => Pass,
        },
        L4::BadTcp => Drop(DropReason::Malformed),
        // About a segment from the pNIC's address carrying an ID: a reply
        // the relay rewrote, if a session says so; otherwise the host's own.
        L4::IcmpError(quote) if quote.src == dst && !quote.urg && quote.urg_ptr != 0 => {
            match lookup(quote.dst, quote.urg_ptr) {
                Grant::Granted(session) => RxVerdict::DeliverError { session, quote },
                _ => Pass,
            }
        }
        L4::IcmpError(_) | L4::Fragment | L4::NeighborSolicit { .. } | L4::Truncated | L4::Plain => Pass,
    }
}
