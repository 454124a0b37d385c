// SPDX-License-Identifier: GPL-2.0

//! [`Overlay`]: the state one relay's overlay shares between its two
//! directions: the pNIC it sits on, who may use which ID (the sessions) and
//! what became of the traffic (the counters). The relay (`relay.rs`, the
//! receive direction) owns it; each vNIC it delivers to (`vnic.rs`, the
//! transmit direction) holds a reference from its first session until the
//! relay goes. Neither looks the other up to reach it.

use crate::net::uapi::{
    IFLA_VNIC_RELAY_DELIVERED, IFLA_VNIC_RELAY_DROP_MALFORMED, IFLA_VNIC_RELAY_DROP_NOT_GRANTED,
    IFLA_VNIC_RELAY_DROP_NO_SESSION, IFLA_VNIC_RELAY_DROP_TO_PSEUDO, IFLA_VNIC_RELAY_DROP_UNDELIVERABLE,
    IFLA_VNIC_RELAY_DROP_UNKNOWN_ID, IFLA_VNIC_RELAY_DROP_URG_SET, IFLA_VNIC_RELAY_GRANTED, IFLA_VNIC_RELAY_REPLIES,
    IFLA_VNIC_RELAY_TAGGED,
};
use crate::net::{Counter, Ipv4Cell, Ipv6Address, LowerDev, PerCpuCounters, RcuRead, Rtnl};
use crate::source6::{self, Candidate};
use crate::session::SessionTable;
use crate::wire::Addr;
use kernel::prelude::*;
use kernel::sync::Arc;

/// The counters of a relay's overlay, in the order of the relay's
/// `ETHTOOL_STATS` after "sessions".
#[derive(Clone, Copy)]
pub(crate) enum Stat {
    /// Segments that carried an ID (granted or not).
    Tagged,
    /// Segments whose (client, ID) has a session.
    Granted,
    /// Segments and ICMP errors handed to a vNIC.
    Delivered,
    /// Replies rewritten on their way out.
    Replies,
    /// Dropped: the ID is nobody's.
    UnknownId,
    /// Dropped: the ID is not this client's.
    NotGranted,
    /// Dropped: an ID with URG set.
    UrgSet,
    /// Dropped: unreadable.
    Malformed,
    /// Dropped: the session's vNIC could not take it.
    Undeliverable,
    /// Dropped: aimed at a pseudo address from outside.
    ToPseudo,
    /// Dropped: a vNIC's reply to a client without a session.
    NoSession,
}

/// How many counters [`Stat`] has.
pub(crate) const REPORTED: usize = 11;

impl Counter for Stat {
    const COUNT: usize = REPORTED;
    fn index(self) -> usize {
        self as usize
    }
}

impl Stat {
    /// Every counter with its rtnetlink attribute, in order: the one list
    /// both reports (ethtool and rtnetlink) use.
    pub(crate) const REPORTED: [(u32, Stat); REPORTED] = [
        (IFLA_VNIC_RELAY_TAGGED, Stat::Tagged),
        (IFLA_VNIC_RELAY_GRANTED, Stat::Granted),
        (IFLA_VNIC_RELAY_DELIVERED, Stat::Delivered),
        (IFLA_VNIC_RELAY_REPLIES, Stat::Replies),
        (IFLA_VNIC_RELAY_DROP_UNKNOWN_ID, Stat::UnknownId),
        (IFLA_VNIC_RELAY_DROP_NOT_GRANTED, Stat::NotGranted),
        (IFLA_VNIC_RELAY_DROP_URG_SET, Stat::UrgSet),
        (IFLA_VNIC_RELAY_DROP_MALFORMED, Stat::Malformed),
        (IFLA_VNIC_RELAY_DROP_UNDELIVERABLE, Stat::Undeliverable),
        (IFLA_VNIC_RELAY_DROP_TO_PSEUDO, Stat::ToPseudo),
        (IFLA_VNIC_RELAY_DROP_NO_SESSION, Stat::NoSession),
    ];
}

/// One relay's overlay.
pub(crate) struct Overlay {
    /// The pNIC: its addresses are the overlay's public ones.
    pub(crate) lower: LowerDev,
    /// The pNIC's primary IPv4 address, kept by [`Overlay::refresh_lower_ipv4`]
    /// as it changes: the fast path reads it instead of looking it up.
    lower_ipv4: Ipv4Cell,
    /// Who may use which ID, and where it goes.
    pub(crate) sessions: SessionTable,
    /// What became of the traffic.
    pub(crate) counters: PerCpuCounters<Stat>,
}

/// Where a CIP-mode vNIC sends a reply (see [`Overlay::cip_reply`]).
pub(crate) struct CipReply {
    /// The client's real address.
    pub(crate) client: [u8; 4],
    /// The session's ID.
    pub(crate) id: u16,
    /// The pNIC's address, the reply's new source.
    pub(crate) source: [u8; 4],
}

impl Overlay {
    /// A new overlay on `lower` with no sessions and no pNIC address yet:
    /// the relay reads it ([`Overlay::refresh_lower_ipv4`]) once it is
    /// attached to the pNIC, in the same RTNL hold, and again at each change.
    pub(crate) fn new(lower: LowerDev) -> Result<Arc<Self>> {
        let lower_ipv4 = Ipv4Cell::new(None);
        let overlay = Overlay { lower, lower_ipv4, sessions: SessionTable::new()?, counters: PerCpuCounters::new()? };
        Ok(Arc::new(overlay, GFP_KERNEL)?)
    }

    /// The pNIC's primary IPv4 address (global scope), if it has one.
    pub(crate) fn lower_ipv4(&self) -> Option<[u8; 4]> {
        self.lower_ipv4.get()
    }

    /// Looks the pNIC's primary IPv4 address up again: its addresses changed.
    pub(crate) fn refresh_lower_ipv4(&self, rtnl: &Rtnl) {
        self.lower_ipv4.set(self.lower.own_ipv4(rtnl));
    }

    /// The client behind pseudo address `cip` of CIP-mode vNIC `vnic`, the
    /// ID its replies carry and the pNIC address they come from; counted as
    /// a reply.
    pub(crate) fn cip_reply(&self, rcu: &RcuRead, vnic: i32, cip: [u8; 4]) -> Option<CipReply> {
        let owner = self.sessions.cip_owner(rcu, vnic, cip)?;
        let Addr::V4(client) = owner.client else { return None };
        let source = self.lower_ipv4()?;
        self.counters.inc(Stat::Replies);
        Some(CipReply { client, id: owner.id, source })
    }
}

/// Which of one device's own IPv6 addresses (`addrs`, from
/// `NetDev::ipv6_addresses`) to use towards `peer`: the vNIC's pseudo
/// address towards a client, the pNIC's towards it in a reply (see
/// `source6`).
pub(crate) fn ipv6_source(addrs: impl Iterator<Item = Ipv6Address>, peer: [u8; 16]) -> Option<[u8; 16]> {
    let candidates = addrs.map(|a| Candidate {
        addr: a.addr,
        prefix_len: a.prefix_len,
        usable: a.usable,
        deprecated: a.deprecated || a.optimistic,
        temporary: a.temporary,
    });
    source6::choose(&peer, candidates)
}
