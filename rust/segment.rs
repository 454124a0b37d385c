// SPDX-License-Identifier: GPL-2.0

//! Parsing a packet's headers with one of the pure parsers (`wire`,
//! `ingress`), pulling as many header bytes into the linear area as the
//! parser asks for, a bounded number of times.

use crate::net::SkbMut;
use crate::wire::{parse_segment, Parsed, Segment};

/// Most parses of one packet for [`segment_of`]: IPv4 with options plus
/// TCP (60 + 20); a third request would mean a bug, not a packet.
const SEGMENT_PULLS: usize = 3;

/// Runs `parse` over the linear header bytes of `skb` and the packet's
/// length, pulling more while `needs` says the result asks for more bytes
/// than are linear, at most `max_parses` times. `None` if memory is short,
/// or the parser keeps asking.
pub(crate) fn parse_pulled<R>(
    skb: &mut SkbMut<'_>,
    max_parses: usize,
    parse: impl Fn(&[u8], usize) -> R,
    needs: impl Fn(&R) -> Option<usize>,
) -> Option<R> {
    let total = skb.len() as usize;
    let mut want = 0;
    for _ in 0..max_parses {
        let r = parse(skb.linear(want)?, total);
        match needs(&r) {
            Some(n) if n > want => want = n,
            Some(_) => return None,
            None => return Some(r),
        }
    }
    None
}

/// The TCP segment in `skb` (EtherType `proto`), if it is one.
pub(crate) fn segment_of(skb: &mut SkbMut<'_>, proto: u16) -> Option<Segment> {
    let need = |p: &Parsed| if let Parsed::NeedBytes(n) = p { Some(*n) } else { None };
    match parse_pulled(skb, SEGMENT_PULLS, |h, total| parse_segment(proto, h, total), need)? {
        Parsed::Tcp(s) => Some(s),
        _ => None,
    }
}
