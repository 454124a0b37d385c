// SPDX-License-Identifier: GPL-2.0

//! The relay-vNIC (link kind `vnic-relay`): sits on a physical NIC and sees
//! every frame before the host stack. Overlay segments (TCP with an ID in the
//! urgent pointer) are its business; everything else passes untouched.
//!
//! With no session table yet, every ID is unregistered: such segments are
//! dropped and counted, as the verdict for an unknown ID requires.

use crate::bindings::{
    IFLA_VNIC_RELAY_DROP_MALFORMED, IFLA_VNIC_RELAY_DROP_UNKNOWN_ID, IFLA_VNIC_RELAY_PAD,
    IFLA_VNIC_RELAY_TAGGED, __IFLA_VNIC_RELAY_MAX,
};
use crate::net::{nla_total_size, AttrKind, Device, Driver, ExtAck, LinkAttrs, LinkInfoMsg};
use crate::net::{LowerDev, RxResult, SkBuff};
use crate::wire::{classify, Class};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

/// The relay driver.
pub(crate) struct Relay;

/// Per-reason counters of a relay.
#[derive(Default)]
pub(crate) struct RelayCounters {
    tagged: AtomicU64,
    unknown_id: AtomicU64,
    malformed: AtomicU64,
}

/// State of one relay.
pub(crate) struct RelayState {
    lower: LowerDev,
    counters: RelayCounters,
}

/// Longest header chain the classifier asks for: IPv4 with options plus a
/// TCP header (60 + 20); one pull more than that means a bug, not a packet.
const MAX_PULLS: usize = 3;

impl Driver for Relay {
    const KIND: &'static CStr = kernel::c_str!("vnic-relay");
    const MAX_ATTR: u16 = (__IFLA_VNIC_RELAY_MAX - 1) as u16;
    const POLICY: &'static [(u16, AttrKind)] = &[];
    const INFO_SIZE: usize = 3 * nla_total_size(8) + 3 * nla_total_size(0);

    type Private = RelayState;

    fn newlink(attrs: &LinkAttrs<'_>, extack: &mut ExtAck) -> Result<RelayState> {
        let lower = attrs.lower(extack)?;
        if !lower.is_ethernet() {
            extack.message(kernel::c_str!("vnic-relay: the lower device must be an Ethernet device"));
            return Err(EINVAL);
        }
        Ok(RelayState { lower, counters: RelayCounters::default() })
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

    fn rx(dev: &Device<Self>, mut skb: SkBuff) -> RxResult {
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
        let counters = &dev.private().counters;
        match class {
            Class::Tagged(_) => {
                counters.tagged.fetch_add(1, Relaxed);
                counters.unknown_id.fetch_add(1, Relaxed);
                dev.count_rx_dropped();
                drop(skb);
                RxResult::Consumed
            }
            Class::Malformed => {
                counters.malformed.fetch_add(1, Relaxed);
                dev.count_rx_dropped();
                drop(skb);
                RxResult::Consumed
            }
            Class::Pass | Class::Urgent { .. } | Class::NeedBytes(_) => RxResult::Pass(skb),
        }
    }

    fn start_xmit(dev: &Device<Self>, skb: SkBuff) {
        // The relay only receives; what the host sends through it goes nowhere.
        dev.count_tx_dropped();
        drop(skb);
    }

    fn fill_info(dev: &Device<Self>, msg: &mut LinkInfoMsg) -> Result {
        let c = &dev.private().counters;
        msg.put_u64(IFLA_VNIC_RELAY_TAGGED, c.tagged.load(Relaxed), IFLA_VNIC_RELAY_PAD)?;
        msg.put_u64(IFLA_VNIC_RELAY_DROP_UNKNOWN_ID, c.unknown_id.load(Relaxed), IFLA_VNIC_RELAY_PAD)?;
        msg.put_u64(IFLA_VNIC_RELAY_DROP_MALFORMED, c.malformed.load(Relaxed), IFLA_VNIC_RELAY_PAD)
    }
}
