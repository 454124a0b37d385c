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
use crate::net::{Counter, HookPoint, LinkKind, NfDriver, PerCpuCounters, NfHooks, RcuRead, Rtnl, SkbMut, Verdict};
use crate::segment::segment_of;
use crate::wire::{supervise, Supervise, ETH_P_IP, ETH_P_IPV6};
use kernel::prelude::*;

/// The supervisor driver.
pub(crate) struct Supervisor;

/// Where a supervisor works.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Host,
    Bridge,
}

/// Counters of a supervisor, in the order of `ETHTOOL_STATS` after "rules".
#[derive(Clone, Copy)]
enum Stat {
    /// IDs embedded into outgoing segments.
    Embedded,
    /// IDs cleared from incoming segments.
    Cleared,
    /// Segments with real urgent data, let through.
    Urgent,
    /// Dropped: a reply from a service without its ID.
    NoId,
    /// Dropped: a reply from a service with another ID.
    WrongId,
}

/// How many counters [`Stat`] has; `ETHTOOL_STATS` has one more ("rules",
/// first).
const REPORTED: usize = 5;

impl Counter for Stat {
    const COUNT: usize = REPORTED;
    fn index(self) -> usize {
        self as usize
    }
}

/// Every counter with its rtnetlink attribute, in order: the one list both
/// reports use.
const STATS: [(u32, Stat); REPORTED] = [
    (IFLA_VNIC_SS_EMBEDDED, Stat::Embedded),
    (IFLA_VNIC_SS_CLEARED, Stat::Cleared),
    (IFLA_VNIC_SS_URGENT, Stat::Urgent),
    (IFLA_VNIC_SS_DROP_NO_ID, Stat::NoId),
    (IFLA_VNIC_SS_DROP_WRONG_ID, Stat::WrongId),
];

/// State of one supervisor.
pub(crate) struct SsState {
    mode: Mode,
    counters: PerCpuCounters<Stat>,
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
        Ok(SsState { mode, counters: PerCpuCounters::new()?, rules: EmbedTable::new()?, hooks: NfHooks::new()? })
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
        for (o, (_, c)) in out.zip(STATS) {
            *o = state.counters.get(c);
        }
    }

    fn fill_info(dev: &Device<Self>, msg: &mut LinkInfoMsg) -> Result {
        let state = dev.private();
        let mode = match state.mode {
            Mode::Host => VNIC_SS_MODE_HOST,
            Mode::Bridge => VNIC_SS_MODE_BRIDGE,
        };
        msg.put_u32(IFLA_VNIC_SS_MODE, mode)?;
        for (ty, c) in STATS {
            msg.put_u64(ty, state.counters.get(c), IFLA_VNIC_SS_PAD)?;
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
            Supervise::Embed(id) => (Stat::Embedded, Some(id), Verdict::Accept),
            Supervise::Clear => (Stat::Cleared, Some(0), Verdict::Accept),
            Supervise::UrgentOut | Supervise::UrgentIn => (Stat::Urgent, None, Verdict::Accept),
            Supervise::DropNoId => (Stat::NoId, None, Verdict::Drop),
            Supervise::DropWrongId => (Stat::WrongId, None, Verdict::Drop),
        };
        if let Some(v) = new_urg_ptr {
            // Out of memory unsharing the headers: dropping is what keeps
            // the flow's rule honest; TCP retransmits.
            let Some(mut edit) = skb.tcp_edit(seg.tcp_offset) else { return Verdict::Drop };
            edit.set_urg_ptr(v);
        }
        c.inc(counter);
        verdict
    }
}
