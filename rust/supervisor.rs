// SPDX-License-Identifier: GPL-2.0

//! The supervisor (link kind `vnic-ss`), the client side of the overlay:
//! segments to an authorised service get the service's ID in the urgent
//! pointer, SYN included; segments from it must carry that ID, which is
//! cleared before anything else sees them; all other traffic passes.
//!
//! Host mode hooks the namespace's own IPv4/IPv6 traffic (and what it
//! routes): embedding after routing, checking before it. Bridge mode hooks
//! frames entering the bridges of the namespace (a box between a client LAN
//! and its gateway). The packet size never changes.

use crate::net::uapi::{
    IFLA_VNIC_SS_CLEARED, IFLA_VNIC_SS_DROP_NO_ID, IFLA_VNIC_SS_DROP_WRONG_ID, IFLA_VNIC_SS_EMBEDDED,
    IFLA_VNIC_SS_MODE, IFLA_VNIC_SS_PAD, IFLA_VNIC_SS_RULES, IFLA_VNIC_SS_URGENT, VNIC_SS_MODE_BRIDGE,
    VNIC_SS_MODE_HOST, __IFLA_VNIC_SS_MAX,
};
use crate::embed::{EmbedTable, Service};
use crate::net::{nla_total_size, AttrKind, Device, Driver, ExtAck, LinkAttrs, LinkInfoMsg, Setup, SkBuff};
use crate::net::{HookPoint, LinkKind, NfDriver, NfHooks, RcuRead, Rtnl, SkbMut, Verdict};
use crate::segment::segment_of;
use crate::wire::{supervise, Supervise, ETH_P_IP, ETH_P_IPV6};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

/// The supervisor driver.
pub(crate) struct Supervisor;

/// Where a supervisor works.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Host,
    Bridge,
}

/// Counters of a supervisor.
#[derive(Default)]
struct SsCounters {
    embedded: AtomicU64,
    cleared: AtomicU64,
    no_id: AtomicU64,
    wrong_id: AtomicU64,
    urgent: AtomicU64,
}

/// How many counters `reported` lists; `ETHTOOL_STATS` has one more
/// ("rules", first).
const REPORTED: usize = 5;

impl SsCounters {
    /// Every counter with its rtnetlink attribute, in the order of
    /// `ETHTOOL_STATS` after "rules": the one list both reports use.
    fn reported(&self) -> [(u32, &AtomicU64); REPORTED] {
        [
            (IFLA_VNIC_SS_EMBEDDED, &self.embedded),
            (IFLA_VNIC_SS_CLEARED, &self.cleared),
            (IFLA_VNIC_SS_URGENT, &self.urgent),
            (IFLA_VNIC_SS_DROP_NO_ID, &self.no_id),
            (IFLA_VNIC_SS_DROP_WRONG_ID, &self.wrong_id),
        ]
    }
}

/// State of one supervisor.
pub(crate) struct SsState {
    mode: Mode,
    counters: SsCounters,
    /// Which service gets which ID.
    pub(crate) rules: EmbedTable,
    hooks: NfHooks,
}

const MODE: u16 = IFLA_VNIC_SS_MODE as u16;

// ethtool -S lists the names and the values in one order: as many of each.
const _: () = assert!(<Supervisor as Driver>::ETHTOOL_STATS.len() == REPORTED + 1);

impl LinkKind for Supervisor {
    const KIND: &'static CStr = kernel::c_str!("vnic-ss");
    type Private = SsState;
}

#[vtable]
impl Driver for Supervisor {
    const MAX_ATTR: u16 = (__IFLA_VNIC_SS_MAX - 1) as u16;
    const POLICY: &'static [(u16, AttrKind)] = &[(MODE, AttrKind::U32)];
    const INFO_SIZE: usize = nla_total_size(4) + 5 * (nla_total_size(8) + nla_total_size(0)) + nla_total_size(4);

    fn setup(dev: &mut Setup) {
        dev.set_receive_only();
        // Its hooks belong to its namespace.
        dev.set_netns_immutable();
    }

    fn validate(attrs: &LinkAttrs<'_>, extack: &mut ExtAck) -> Result {
        if let Some(attr) = attrs.data(IFLA_VNIC_SS_MODE) {
            if !matches!(attr.u32(), Some(VNIC_SS_MODE_HOST | VNIC_SS_MODE_BRIDGE)) {
                extack.message_at(attr, kernel::c_str!("vnic-ss: the mode is 1 (host) or 2 (bridge)"));
                return Err(EINVAL);
            }
        }
        Ok(())
    }

    fn newlink(attrs: &LinkAttrs<'_>, _extack: &mut ExtAck) -> Result<SsState> {
        let mode = match attrs.data(IFLA_VNIC_SS_MODE).and_then(|a| a.u32()) {
            Some(VNIC_SS_MODE_BRIDGE) => Mode::Bridge,
            _ => Mode::Host,
        };
        Ok(SsState { mode, counters: SsCounters::default(), rules: EmbedTable::new()?, hooks: NfHooks::new()? })
    }

    fn registered(dev: &Device<Self>, rtnl: &Rtnl, extack: &mut ExtAck) -> Result {
        let points: &[HookPoint] = match dev.private().mode {
            Mode::Host => &[
                HookPoint::Ipv4PreRouting,
                HookPoint::Ipv4PostRouting,
                HookPoint::Ipv6PreRouting,
                HookPoint::Ipv6PostRouting,
            ],
            Mode::Bridge => &[HookPoint::BridgePreRouting],
        };
        dev.private().hooks.register(rtnl, dev, points).inspect_err(|e| {
            extack.message(if *e == crate::net::errno(crate::net::uapi::EOPNOTSUPP) {
                kernel::c_str!("vnic-ss: this kernel has no bridge netfilter hooks (CONFIG_NF_TABLES_BRIDGE)")
            } else {
                kernel::c_str!("vnic-ss: cannot register netfilter hooks")
            });
        })
    }

    fn uninit(dev: &Device<Self>, rtnl: &Rtnl) {
        dev.private().hooks.unregister(rtnl);
    }

    fn start_xmit(dev: &Device<Self>, skb: SkBuff, _rcu: &RcuRead) {
        // A control device: nothing is sent through it.
        dev.count_tx_dropped();
        drop(skb);
    }

    const ETHTOOL_STATS: &'static [&'static str] =
        &["rules", "embedded", "cleared", "urgent", "drop_no_id", "drop_wrong_id"];

    /// The names of `vnicctl stats -j`.
    fn ethtool_stats(dev: &Device<Self>, out: &mut [u64]) {
        let state = dev.private();
        let mut out = out.iter_mut();
        if let Some(o) = out.next() {
            *o = state.rules.len() as u64;
        }
        for (o, (_, c)) in out.zip(state.counters.reported()) {
            *o = c.load(Relaxed);
        }
    }

    fn fill_info(dev: &Device<Self>, msg: &mut LinkInfoMsg) -> Result {
        let state = dev.private();
        let mode = match state.mode {
            Mode::Host => VNIC_SS_MODE_HOST,
            Mode::Bridge => VNIC_SS_MODE_BRIDGE,
        };
        msg.put_u32(IFLA_VNIC_SS_MODE, mode)?;
        for (ty, c) in state.counters.reported() {
            msg.put_u64(ty, c.load(Relaxed), IFLA_VNIC_SS_PAD)?;
        }
        msg.put_u32(IFLA_VNIC_SS_RULES, state.rules.len() as u32)
    }
}

impl NfDriver for Supervisor {
    fn nf_hook(dev: &Device<Self>, at: HookPoint, _out: i32, mut skb: SkbMut<'_>, rcu: &RcuRead) -> Verdict {
        let state = dev.private();
        let (proto, outgoing, incoming) = match at {
            HookPoint::Ipv4PostRouting => (ETH_P_IP, true, false),
            HookPoint::Ipv6PostRouting => (ETH_P_IPV6, true, false),
            HookPoint::Ipv4PreRouting => (ETH_P_IP, false, true),
            HookPoint::Ipv6PreRouting => (ETH_P_IPV6, false, true),
            HookPoint::BridgePreRouting => (skb.protocol(), true, true),
        };
        if state.rules.len() == 0 {
            return Verdict::Accept;
        }
        let Some(seg) = segment_of(&mut skb, proto) else { return Verdict::Accept };
        let to_rule = outgoing.then(|| state.rules.id(rcu, &Service { addr: seg.dst, port: seg.dport })).flatten();
        let from_rule = (incoming && to_rule.is_none())
            .then(|| state.rules.id(rcu, &Service { addr: seg.src, port: seg.sport }))
            .flatten();
        let c = &state.counters;
        let (counter, new_urg_ptr, verdict) = match supervise(&seg, to_rule, from_rule) {
            Supervise::Pass => return Verdict::Accept,
            Supervise::Embed(id) => (&c.embedded, Some(id), Verdict::Accept),
            Supervise::Clear => (&c.cleared, Some(0), Verdict::Accept),
            Supervise::UrgentOut | Supervise::UrgentIn => (&c.urgent, None, Verdict::Accept),
            Supervise::DropNoId => (&c.no_id, None, Verdict::Drop),
            Supervise::DropWrongId => (&c.wrong_id, None, Verdict::Drop),
        };
        if let Some(v) = new_urg_ptr {
            // Out of memory unsharing the headers: dropping is what keeps
            // the flow's rule honest; TCP retransmits.
            let Some(mut edit) = skb.tcp_edit(seg.tcp_offset) else { return Verdict::Drop };
            edit.set_urg_ptr(v);
        }
        counter.fetch_add(1, Relaxed);
        verdict
    }
}
