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
use crate::net::{LowerDev, RcuRead};
use crate::session::SessionTable;
use crate::wire::Addr;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;
use kernel::sync::Arc;

/// Per-reason counters of a relay's overlay.
#[derive(Default)]
pub(crate) struct OverlayCounters {
    pub(crate) tagged: AtomicU64,
    pub(crate) granted: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) unknown_id: AtomicU64,
    pub(crate) not_granted: AtomicU64,
    pub(crate) urg_set: AtomicU64,
    pub(crate) malformed: AtomicU64,
    pub(crate) undeliverable: AtomicU64,
    pub(crate) to_pseudo: AtomicU64,
    pub(crate) no_session: AtomicU64,
    pub(crate) replies: AtomicU64,
}

/// How many counters [`OverlayCounters::reported`] lists.
pub(crate) const REPORTED: usize = 11;

impl OverlayCounters {
    /// Every counter with its rtnetlink attribute, in the order of the
    /// relay's `ETHTOOL_STATS` after "sessions": the one list both reports use.
    pub(crate) fn reported(&self) -> [(u32, &AtomicU64); REPORTED] {
        [
            (IFLA_VNIC_RELAY_TAGGED, &self.tagged),
            (IFLA_VNIC_RELAY_GRANTED, &self.granted),
            (IFLA_VNIC_RELAY_DELIVERED, &self.delivered),
            (IFLA_VNIC_RELAY_REPLIES, &self.replies),
            (IFLA_VNIC_RELAY_DROP_UNKNOWN_ID, &self.unknown_id),
            (IFLA_VNIC_RELAY_DROP_NOT_GRANTED, &self.not_granted),
            (IFLA_VNIC_RELAY_DROP_URG_SET, &self.urg_set),
            (IFLA_VNIC_RELAY_DROP_MALFORMED, &self.malformed),
            (IFLA_VNIC_RELAY_DROP_UNDELIVERABLE, &self.undeliverable),
            (IFLA_VNIC_RELAY_DROP_TO_PSEUDO, &self.to_pseudo),
            (IFLA_VNIC_RELAY_DROP_NO_SESSION, &self.no_session),
        ]
    }
}

/// One relay's overlay.
pub(crate) struct Overlay {
    /// The pNIC: its addresses are the overlay's public ones.
    pub(crate) lower: LowerDev,
    /// Who may use which ID, and where it goes.
    pub(crate) sessions: SessionTable,
    /// What became of the traffic.
    pub(crate) counters: OverlayCounters,
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
    /// A new overlay on `lower` with no sessions.
    pub(crate) fn new(lower: LowerDev) -> Result<Arc<Self>> {
        let overlay = Overlay { lower, sessions: SessionTable::new()?, counters: OverlayCounters::default() };
        Ok(Arc::new(overlay, GFP_KERNEL)?)
    }

    /// The client behind pseudo address `cip` of CIP-mode vNIC `vnic`, the
    /// ID its replies carry and the pNIC address they come from; counted as
    /// a reply.
    pub(crate) fn cip_reply(&self, rcu: &RcuRead, vnic: i32, cip: [u8; 4]) -> Option<CipReply> {
        let owner = self.sessions.cip_owner(rcu, vnic, cip)?;
        let Addr::V4(client) = owner.client else { return None };
        let source = self.lower.ipv4_address()?;
        self.counters.replies.fetch_add(1, Relaxed);
        Some(CipReply { client, id: owner.id, source })
    }
}
