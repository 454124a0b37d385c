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

/// Where the fields of an ID-carrying TCP segment are, from the network header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tagged {
    /// The ID (urgent pointer, host order).
    pub(crate) id: u16,
    /// Source address: the client.
    pub(crate) client: Addr,
    /// Offset of the TCP header from the network header.
    pub(crate) tcp_offset: usize,
}

/// What the relay does with a frame, decided from its network-layer bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Not overlay traffic (not TCP, no ID, a later fragment, ...): leave it
    /// to the host stack untouched.
    Pass,
    /// The decision needs this many linear bytes from the network header.
    NeedBytes(usize),
    /// A TCP segment carrying an ID.
    Tagged(Tagged),
    /// A TCP segment with URG set and a non-zero urgent pointer (`urg_ptr`):
    /// real urgent data, or an ID on a segment that must not carry one.
    Urgent {
        /// The urgent pointer.
        urg_ptr: u16,
        /// Source address.
        client: Addr,
    },
    /// A TCP segment with a non-zero urgent pointer whose headers do not
    /// hold together (bad data offset, truncated): drop and count.
    Malformed,
}

/// IPv4 EtherType.
pub(crate) const ETH_P_IP: u16 = 0x0800;
/// IPv6 EtherType.
pub(crate) const ETH_P_IPV6: u16 = 0x86dd;
const IPPROTO_TCP: u8 = 6;
const TCP_MIN: usize = 20;
const TCP_FLAG_URG: u8 = 0x20;

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Classifies a frame of EtherType `proto` from its network-layer bytes `l3`
/// (as many as are linear) and `total`, the bytes the frame has from the
/// network header on. Never reads past `l3`.
pub(crate) fn classify(proto: u16, l3: &[u8], total: usize) -> Class {
    let (client, tcp_offset, l3_len) = match proto {
        ETH_P_IP => {
            if l3.len() < 20 {
                return need(20, total);
            }
            let ihl = usize::from(l3[0] & 0x0f) * 4;
            let frag = be16(l3, 6) & 0x1fff;
            if l3[0] >> 4 != 4 || ihl < 20 || l3[9] != IPPROTO_TCP || frag != 0 {
                return Class::Pass;
            }
            let addr = [l3[12], l3[13], l3[14], l3[15]];
            (Addr::V4(addr), ihl, usize::from(be16(l3, 2)))
        }
        ETH_P_IPV6 => {
            if l3.len() < 40 {
                return need(40, total);
            }
            // Extension headers before TCP are left to the stack.
            if l3[0] >> 4 != 6 || l3[6] != IPPROTO_TCP {
                return Class::Pass;
            }
            let mut addr = [0u8; 16];
            addr.copy_from_slice(&l3[8..24]);
            (Addr::V6(addr), 40, 40 + usize::from(be16(l3, 4)))
        }
        _ => return Class::Pass,
    };
    let end = tcp_offset + TCP_MIN;
    if l3.len() < end {
        return need(end, total);
    }
    let tcp = &l3[tcp_offset..end];
    let urg_ptr = be16(tcp, 18);
    if urg_ptr == 0 {
        return Class::Pass;
    }
    if tcp[13] & TCP_FLAG_URG != 0 {
        return Class::Urgent { urg_ptr, client };
    }
    let data_offset = usize::from(tcp[12] >> 4) * 4;
    if data_offset < TCP_MIN || tcp_offset + data_offset > l3_len.min(total) {
        return Class::Malformed;
    }
    Class::Tagged(Tagged { id: urg_ptr, client, tcp_offset })
}

/// Ask for `n` bytes, unless the frame is shorter: then its headers are
/// truncated and the host stack will drop it, so leave it alone.
fn need(n: usize, total: usize) -> Class {
    if total >= n {
        Class::NeedBytes(n)
    } else {
        Class::Pass
    }
}
