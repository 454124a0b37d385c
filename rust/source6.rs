// SPDX-License-Identifier: GPL-2.0

//! Which of one device's IPv6 addresses to use towards a peer: RFC 6724's
//! source address selection restricted to that device's own list.
//!
//! The stack's `ipv6_dev_get_saddr` weighs the addresses of every device
//! in the namespace, and so costs a walk of all of them per call and may
//! answer with another device's address. The overlay only ever wants a
//! device's own address (the vNIC's pseudo address, the pNIC's), so it
//! chooses among those alone, per packet, from the list the kernel keeps
//! under RCU. Pure logic, unit-tested on the host (userctl/vnic-wire).

/// One address of the device's list, as the chooser needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// The address.
    pub(crate) addr: [u8; 16],
    /// Its prefix length (rule 8 compares no further).
    pub(crate) prefix_len: u8,
    /// Neither tentative (unless optimistic) nor failed duplicate detection:
    /// the stack would accept it as a local address.
    pub(crate) usable: bool,
    /// Its preferred lifetime has ended (still valid for existing use), or
    /// it is optimistic (its duplicate detection still runs): rule 3 avoids
    /// both.
    pub(crate) deprecated: bool,
    /// A privacy (temporary) address.
    pub(crate) temporary: bool,
}

/// RFC 4291 scope of `a` (the multicast scope values; 2 link-local, 5
/// site-local, 14 global; loopback counts as link-local, as RFC 6724 and
/// the kernel's `__ipv6_addr_src_scope` have it).
pub(crate) fn scope(a: &[u8; 16]) -> u8 {
    if a[0] == 0xff {
        return a[1] & 0x0f;
    }
    if a[0] == 0xfe && a[1] & 0xc0 == 0x80 {
        return 2;
    }
    if a[0] == 0xfe && a[1] & 0xc0 == 0xc0 {
        return 5;
    }
    if a[..15].iter().all(|&b| b == 0) && a[15] == 1 {
        return 2;
    }
    14
}

/// Leading bits `a` and `b` share.
fn common_prefix(a: &[u8; 16], b: &[u8; 16]) -> u32 {
    let mut bits = 0;
    for (x, y) in a.iter().zip(b) {
        let d = x ^ y;
        if d != 0 {
            return bits + d.leading_zeros();
        }
        bits += 8;
    }
    bits
}

/// Rules 1, 2, 3, 7 and 8 in that order, compared lexicographically.
type Rank = (bool, core::cmp::Reverse<u8>, bool, bool, u32);

/// How good `c` is as a source towards `dst`, greater being better: rule 1
/// (the same address), rule 2 (the smallest scope that still reaches `dst`;
/// candidates of smaller scope are never taken), rule 3 (neither deprecated
/// nor optimistic), rule 7 (public before temporary, always: the overlay's
/// addresses are a server's, which must not change under a connection when
/// a temporary address is made or expires), rule 8 (the longest prefix
/// shared with `dst`, up to `c`'s prefix length). Left out: rule 4 (home
/// addresses, mobile IPv6), rule 5 (the outgoing interface: all candidates
/// are one device's), rule 6 (policy labels).
fn rank(c: &Candidate, dst: &[u8; 16]) -> Rank {
    (
        c.addr == *dst,
        core::cmp::Reverse(scope(&c.addr)),
        !c.deprecated,
        !c.temporary,
        common_prefix(&c.addr, dst).min(u32::from(c.prefix_len)),
    )
}

/// Whether `a` can be a source at all: not multicast (an auto-joined group
/// sits on the same list), not the unspecified address.
fn unicast(a: &[u8; 16]) -> bool {
    a[0] != 0xff && a.iter().any(|&b| b != 0)
}

/// The best usable candidate towards `dst`, the first in list order among
/// equals; `None` if no usable unicast address has at least `dst`'s scope.
pub(crate) fn choose(dst: &[u8; 16], candidates: impl Iterator<Item = Candidate>) -> Option<[u8; 16]> {
    let dst_scope = scope(dst);
    let mut best: Option<(Candidate, Rank)> = None;
    for c in candidates.filter(|c| c.usable && unicast(&c.addr) && scope(&c.addr) >= dst_scope) {
        let r = rank(&c, dst);
        let better = match &best {
            Some((_, b)) => r > *b,
            None => true,
        };
        if better {
            best = Some((c, r));
        }
    }
    best.map(|(c, _)| c.addr)
}
