// SPDX-License-Identifier: GPL-2.0

//! Reading the TCP segment of a hooked packet: pulls as many header bytes as
//! [`parse_segment`] asks for, a bounded number of times.

use crate::net::SkbMut;
use crate::wire::{parse_segment, Parsed, Segment};

/// Longest header chain asked for: IPv4 with options plus TCP (60 + 20);
/// a third request would mean a bug, not a packet.
const MAX_PULLS: usize = 3;

/// The TCP segment in `skb` (EtherType `proto`), if it is one.
pub(crate) fn segment_of(skb: &mut SkbMut<'_>, proto: u16) -> Option<Segment> {
    let total = skb.len() as usize;
    let mut want = 0;
    for _ in 0..MAX_PULLS {
        match parse_segment(proto, skb.head(want)?, total) {
            Parsed::Tcp(s) => return Some(s),
            Parsed::NeedBytes(n) if n > want => want = n,
            _ => return None,
        }
    }
    None
}
