// SPDX-License-Identifier: GPL-2.0

//! The relay-vNIC (link kind `vnic-relay`): sits on a physical NIC and sees
//! every frame before the host stack. Overlay segments (TCP with an ID in the
//! urgent pointer) are its business; everything else passes untouched.
//!
//! Verdicts come from the relay's session table (`session.rs`). Delivery to
//! the vNIC is the next step: until it lands, a segment with a session is
//! counted as granted and left to the host stack unchanged.

use crate::bindings::{
    IFLA_VNIC_RELAY_DROP_MALFORMED, IFLA_VNIC_RELAY_DROP_NOT_GRANTED, IFLA_VNIC_RELAY_DROP_UNKNOWN_ID,
    IFLA_VNIC_RELAY_DROP_URG_SET, IFLA_VNIC_RELAY_GRANTED, IFLA_VNIC_RELAY_PAD, IFLA_VNIC_RELAY_SESSIONS,
    IFLA_VNIC_RELAY_TAGGED, __IFLA_VNIC_RELAY_MAX,
};
use crate::net::{nla_total_size, AttrKind, Device, Driver, ExtAck, LinkAttrs, LinkInfoMsg};
use crate::net::{LowerDev, RcuRead, RxResult, Setup, SkBuff};
use crate::session::{Lookup, SessionKey, SessionTable};
use crate::wire::{classify, Class};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

/// The relay driver.
pub(crate) struct Relay;

/// Per-reason counters of a relay.
#[derive(Default)]
pub(crate) struct RelayCounters {
    tagged: AtomicU64,
    granted: AtomicU64,
    unknown_id: AtomicU64,
    not_granted: AtomicU64,
    urg_set: AtomicU64,
    malformed: AtomicU64,
}

/// State of one relay.
pub(crate) struct RelayState {
    lower: LowerDev,
    counters: RelayCounters,
    /// Who may use which ID, and where it goes.
    pub(crate) sessions: SessionTable,
}

/// Longest header chain the classifier asks for: IPv4 with options plus a
/// TCP header (60 + 20); one pull more than that means a bug, not a packet.
const MAX_PULLS: usize = 3;

impl Driver for Relay {
    const KIND: &'static CStr = kernel::c_str!("vnic-relay");
    const MAX_ATTR: u16 = (__IFLA_VNIC_RELAY_MAX - 1) as u16;
    const POLICY: &'static [(u16, AttrKind)] = &[];
    const INFO_SIZE: usize = 6 * nla_total_size(8) + 6 * nla_total_size(0) + nla_total_size(4);

    type Private = RelayState;

    fn setup(dev: &mut Setup) {
        dev.set_receive_only();
    }

    fn newlink(attrs: &LinkAttrs<'_>, extack: &mut ExtAck) -> Result<RelayState> {
        let lower = attrs.lower(extack)?;
        if !lower.is_ethernet() {
            extack.message(kernel::c_str!("vnic-relay: the lower device must be an Ethernet device"));
            return Err(EINVAL);
        }
        Ok(RelayState { lower, counters: RelayCounters::default(), sessions: SessionTable::new()? })
    }

    fn registered(dev: &Device<Self>, extack: &mut ExtAck) -> Result {
        dev.attach_rx(&dev.private().lower).inspect_err(|e| {
            if *e == EBUSY {
                extack.message(kernel::c_str!(
                    "vnic-relay: the lower device already has a receive handler (bridge port, bond, macvlan or another relay)"
                ));
            }
        })
    }

    fn uninit(dev: &Device<Self>) {
        dev.detach_rx(&dev.private().lower);
    }

    fn iflink(dev: &Device<Self>) -> Option<i32> {
        Some(dev.private().lower.ifindex())
    }

    fn rx(dev: &Device<Self>, mut skb: SkBuff, rcu: &RcuRead) -> RxResult {
        let proto = skb.protocol();
        let total = skb.len() as usize;
        let mut want = 0;
        let mut class = Class::Pass;
        for _ in 0..MAX_PULLS {
            let Some(head) = skb.head(want) else { return RxResult::Pass(skb) };
            class = classify(proto, head, total);
            match class {
                Class::NeedBytes(n) if n > want => want = n,
                _ => break,
            }
        }
        let state = dev.private();
        let c = &state.counters;
        let reason = match class {
            Class::Tagged(t) => {
                c.tagged.fetch_add(1, Relaxed);
                match state.sessions.lookup(rcu, &SessionKey { client: t.client, id: t.id }) {
                    Lookup::Granted => {
                        c.granted.fetch_add(1, Relaxed);
                        return RxResult::Pass(skb);
                    }
                    Lookup::NotGranted => &c.not_granted,
                    Lookup::Unknown => &c.unknown_id,
                }
            }
            Class::Urgent { urg_ptr, client } => {
                match state.sessions.lookup(rcu, &SessionKey { client, id: urg_ptr }) {
                    Lookup::Granted => &c.urg_set,
                    _ => return RxResult::Pass(skb),
                }
            }
            Class::Malformed => &c.malformed,
            Class::Pass | Class::NeedBytes(_) => return RxResult::Pass(skb),
        };
        reason.fetch_add(1, Relaxed);
        dev.count_rx_dropped();
        drop(skb);
        RxResult::Consumed
    }

    fn start_xmit(dev: &Device<Self>, skb: SkBuff) {
        // The relay only receives; what the host sends through it goes nowhere.
        dev.count_tx_dropped();
        drop(skb);
    }

    fn fill_info(dev: &Device<Self>, msg: &mut LinkInfoMsg) -> Result {
        let state = dev.private();
        let c = &state.counters;
        for (ty, v) in [
            (IFLA_VNIC_RELAY_TAGGED, &c.tagged),
            (IFLA_VNIC_RELAY_GRANTED, &c.granted),
            (IFLA_VNIC_RELAY_DROP_UNKNOWN_ID, &c.unknown_id),
            (IFLA_VNIC_RELAY_DROP_NOT_GRANTED, &c.not_granted),
            (IFLA_VNIC_RELAY_DROP_URG_SET, &c.urg_set),
            (IFLA_VNIC_RELAY_DROP_MALFORMED, &c.malformed),
        ] {
            msg.put_u64(ty, v.load(Relaxed), IFLA_VNIC_RELAY_PAD)?;
        }
        msg.put_u32(IFLA_VNIC_RELAY_SESSIONS, state.sessions.len() as u32)
    }
}
