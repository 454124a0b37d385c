// SPDX-License-Identifier: GPL-2.0

//! Pure packet logic of the overlay, free of kernel types so that the same
//! file is unit-tested on the host (`userctl/vnic-wire`): which segments carry
//! an ID, and where their fields are.
//!
//! The ID is the TCP urgent pointer of a segment whose URG flag is clear
//! (papers 000 section 2.2 B, 004 section 2.1): a receiver ignores the urgent
//! pointer then, so the field is free to carry the 2-byte service ID.

/// A network-layer address of either family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Addr {
    /// IPv4 address bytes.
    V4([u8; 4]),
    /// IPv6 address bytes.
    V6([u8; 16]),
}

impl Addr {
    /// The address bytes (4 or 16).
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Addr::V4(a) => a,
            Addr::V6(a) => a,
        }
    }

    /// An address from its bytes: 4 for IPv4, 16 for IPv6.
    pub(crate) fn from_bytes(b: &[u8]) -> Option<Self> {
        match b.len() {
            4 => Some(Addr::V4([b[0], b[1], b[2], b[3]])),
            16 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                Some(Addr::V6(a))
            }
            _ => None,
        }
    }
}

/// Hash of a session key (client address, ID), mixed with a random `seed`
/// so that remote clients cannot aim at one hash chain.
pub(crate) fn session_hash(client: &Addr, id: u16, seed: u32) -> u32 {
    // FNV-1a over the bytes, then murmur3's finaliser for avalanche.
    let mut h = 0x811c_9dc5u32 ^ seed;
    for &b in client.bytes().iter().chain(id.to_ne_bytes().iter()) {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// Where the fields of an ID-carrying TCP segment are, from the network
/// header (see `ingress.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tagged {
    /// The ID (urgent pointer, host order).
    pub(crate) id: u16,
    /// Source address: the client.
    pub(crate) client: Addr,
    /// Destination address: the address the client aimed at.
    pub(crate) server: Addr,
    /// Offset of the TCP header from the network header.
    pub(crate) tcp_offset: usize,
}

/// IPv4 EtherType.
pub(crate) const ETH_P_IP: u16 = 0x0800;
/// IPv6 EtherType.
pub(crate) const ETH_P_IPV6: u16 = 0x86dd;
/// ARP EtherType.
pub(crate) const ETH_P_ARP: u16 = 0x0806;

const IPPROTO_TCP: u8 = 6;
const TCP_MIN: usize = 20;
const TCP_FLAG_URG: u8 = 0x20;

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// The network header of a TCP segment.
struct IpTcp {
    src: Addr,
    dst: Addr,
    /// Offset of the TCP header.
    tcp_offset: usize,
}

/// Outcome of walking the network header.
enum Ip {
    /// Not a TCP segment we handle (other protocol, fragment, extension
    /// headers, bad version).
    Other,
    /// Needs this many linear bytes.
    Need(usize),
    /// A TCP segment.
    Tcp(IpTcp),
}

fn ip_tcp(proto: u16, l3: &[u8]) -> Ip {
    match proto {
        ETH_P_IP => {
            if l3.len() < 20 {
                return Ip::Need(20);
            }
            let ihl = usize::from(l3[0] & 0x0f) * 4;
            let frag = be16(l3, 6) & 0x1fff;
            if l3[0] >> 4 != 4 || ihl < 20 || l3[9] != IPPROTO_TCP || frag != 0 {
                return Ip::Other;
            }
            let src = Addr::V4([l3[12], l3[13], l3[14], l3[15]]);
            let dst = Addr::V4([l3[16], l3[17], l3[18], l3[19]]);
            Ip::Tcp(IpTcp { src, dst, tcp_offset: ihl })
        }
        ETH_P_IPV6 => {
            if l3.len() < 40 {
                return Ip::Need(40);
            }
            // Extension headers before TCP are left to the stack.
            if l3[0] >> 4 != 6 || l3[6] != IPPROTO_TCP {
                return Ip::Other;
            }
            let (Some(src), Some(dst)) = (Addr::from_bytes(&l3[8..24]), Addr::from_bytes(&l3[24..40])) else {
                return Ip::Other;
            };
            Ip::Tcp(IpTcp { src, dst, tcp_offset: 40 })
        }
        _ => Ip::Other,
    }
}

/// The fields of a TCP segment that the supervisor and the relay's reply
/// path look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    /// Source address.
    pub(crate) src: Addr,
    /// Destination address.
    pub(crate) dst: Addr,
    /// Source port.
    pub(crate) sport: u16,
    /// Destination port.
    pub(crate) dport: u16,
    /// Whether the URG flag is set.
    pub(crate) urg: bool,
    /// The urgent pointer.
    pub(crate) urg_ptr: u16,
    /// Offset of the TCP header from the network header.
    pub(crate) tcp_offset: usize,
}

/// Outcome of [`parse_segment`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// Not a TCP segment (or one vnic leaves alone): pass it.
    Other,
    /// Needs this many linear bytes from the network header.
    NeedBytes(usize),
    /// A TCP segment.
    Tcp(Segment),
}

/// Parses the TCP segment in `l3` (EtherType `proto`, `total` bytes from the
/// network header on). Never reads past `l3`.
pub(crate) fn parse_segment(proto: u16, l3: &[u8], total: usize) -> Parsed {
    let ip = match ip_tcp(proto, l3) {
        Ip::Other => return Parsed::Other,
        Ip::Need(n) if total >= n => return Parsed::NeedBytes(n),
        Ip::Need(_) => return Parsed::Other,
        Ip::Tcp(ip) => ip,
    };
    let end = ip.tcp_offset + TCP_MIN;
    if l3.len() < end {
        return if total >= end { Parsed::NeedBytes(end) } else { Parsed::Other };
    }
    let tcp = &l3[ip.tcp_offset..end];
    Parsed::Tcp(Segment {
        src: ip.src,
        dst: ip.dst,
        sport: be16(tcp, 0),
        dport: be16(tcp, 2),
        urg: tcp[13] & TCP_FLAG_URG != 0,
        urg_ptr: be16(tcp, 18),
        tcp_offset: ip.tcp_offset,
    })
}

/// What the supervisor does with a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Supervise {
    /// Not a flow of an authorised service: untouched.
    Pass,
    /// Outgoing to an authorised service: put this ID in the urgent pointer.
    Embed(u16),
    /// Outgoing with URG set: real urgent data has the field; left as is.
    UrgentOut,
    /// Incoming from an authorised service with the right ID: clear it.
    Clear,
    /// Incoming from an authorised service with URG set: real urgent data.
    UrgentIn,
    /// Incoming from an authorised service without an ID: drop.
    DropNoId,
    /// Incoming from an authorised service with another ID: drop.
    DropWrongId,
}

/// The supervisor's decision for `seg`, given the ID of the rule for its
/// destination (`to_rule`: an outgoing segment) and of the rule for its
/// source (`from_rule`: an incoming one).
pub(crate) fn supervise(seg: &Segment, to_rule: Option<u16>, from_rule: Option<u16>) -> Supervise {
    if let Some(id) = to_rule {
        return if seg.urg { Supervise::UrgentOut } else { Supervise::Embed(id) };
    }
    match from_rule {
        None => Supervise::Pass,
        Some(_) if seg.urg => Supervise::UrgentIn,
        Some(id) if seg.urg_ptr == id => Supervise::Clear,
        Some(_) if seg.urg_ptr == 0 => Supervise::DropNoId,
        Some(_) => Supervise::DropWrongId,
    }
}
