// SPDX-License-Identifier: GPL-2.0

//! The relay-vNIC (link kind `vnic-relay`): sits on a physical NIC (pNIC)
//! and sees every frame before the host stack.
//!
//! - In: a TCP segment to the pNIC's address carrying a granted ID goes to
//!   its session's vNIC: destination rewritten to the vNIC's pseudo address,
//!   urgent pointer cleared, routed as arrived on the pNIC (so reverse-path
//!   filtering judges the client where it really is), then received again on
//!   the vNIC. Other IDs are dropped and counted per reason; everything else
//!   passes untouched, except packets and ARP requests aimed at a pseudo
//!   address from outside, which would make a vNIC reachable without an ID.
//! - Out: the relay owns a netfilter hook after routing, but what it does
//!   is the vNICs' transmit direction and lives in `vnic.rs`
//!   (`rewrite_reply`); both directions share the relay's [`Overlay`].
//!
//! IPv6 works the same way with the vNIC's IPv6 address (the one of its own
//! it would use towards the client, chosen per packet from its list alone:
//! `source6`) and the pNIC's; IPv6 input has no reverse-path
//! filter, so no input route is attached.

use crate::ingress::{parse_frame, rx_verdict, Dest, DropReason, Frame, Parse, Quote, RxVerdict, MAX_PULLS};
use crate::net::uapi::{IFLA_VNIC_RELAY_PAD, IFLA_VNIC_RELAY_SESSIONS, __IFLA_VNIC_RELAY_MAX};
use crate::net::{attach_rx, detach_rx, nla_total_size, AttrKind, Device, Driver, ExtAck, LinkAttrs, LinkInfoMsg};
use crate::net::{HookPoint, LinkKind, Net, NfDriver, NfHooks, RcuRead, Rtnl, RxResult, Setup, SkBuff, SkbMut};
use crate::net::{Sum, Verdict};
use crate::overlay::{ipv6_source, Overlay, Stat, REPORTED};
use crate::segment::parse_pulled;
use crate::session::{Session, SessionKey};
use crate::supervisor::Supervisor;
use crate::vnic::{self, Vnic};
use crate::wire::{Addr, Tagged, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The relay driver.
pub(crate) struct Relay;

/// State of one relay.
pub(crate) struct RelayState {
    /// What the relay shares with the vNICs it delivers to.
    pub(crate) overlay: Arc<Overlay>,
    /// The reply rewrite (IPv4 and IPv6 post-routing; see `vnic::rewrite_reply`).
    hooks: NfHooks,
}

/// Who owns local address `a`: a vNIC (a pseudo address), the pNIC, or
/// neither (another device, another host).
fn dest_of(ov: &Overlay, rcu: &RcuRead, net: Net, a: Addr) -> Dest {
    let owner = match a {
        Addr::V4(a) => net.ipv4_owner(rcu, a),
        Addr::V6(a) => net.ipv6_owner(rcu, a),
    };
    match owner {
        Some(o) if Device::<Vnic>::of_netdev(o).is_some() => Dest::Pseudo,
        Some(o) if core::ptr::eq(o, &*ov.lower) => Dest::Pnic,
        _ => Dest::Other,
    }
}

impl LinkKind for Relay {
    const KIND: &'static CStr = kernel::c_str!("vnic-relay");
    type Private = RelayState;
}

// ethtool -S lists the names and the values in one order: as many of each.
const _: () = assert!(<Relay as Driver>::ETHTOOL_STATS.len() == REPORTED + 1);

#[vtable]
impl Driver for Relay {
    const MAX_ATTR: u16 = (__IFLA_VNIC_RELAY_MAX - 1) as u16;
    const POLICY: &'static [(u16, AttrKind)] = &[];
    const INFO_SIZE: usize = 11 * nla_total_size(8) + 11 * nla_total_size(0) + nla_total_size(4);

    fn setup(dev: &mut Setup) {
        dev.set_receive_only();
        dev.set_netns_immutable();
    }

    fn newlink(attrs: &LinkAttrs<'_>, extack: &mut ExtAck) -> Result<RelayState> {
        let lower = attrs.lower(extack)?;
        if !lower.is_ethernet() {
            extack.message(kernel::c_str!("vnic-relay: the lower device must be an Ethernet device"));
            return Err(EINVAL);
        }
        // A relay on a vNIC would see (and refuse) the segments delivered
        // there; one on a relay or supervisor sees nothing.
        if [Vnic::KIND, Relay::KIND, Supervisor::KIND].into_iter().any(|k| lower.is_kind(k)) {
            extack.message(kernel::c_str!("vnic-relay: the lower device must be a NIC, not a vnic device"));
            return Err(EINVAL);
        }
        Ok(RelayState { overlay: Overlay::new(lower)?, hooks: NfHooks::new()? })
    }

    fn registered(dev: &Device<Self>, rtnl: &Rtnl, extack: &mut ExtAck) -> Result {
        // From here on the relay hears of the pNIC's address changes; read
        // the address now, in the same RTNL hold.
        dev.private().overlay.refresh_lower_ipv4(rtnl);
        attach_rx(dev, rtnl, &dev.private().overlay.lower).inspect_err(|e| {
            if *e == EBUSY {
                extack.message(kernel::c_str!(
                    "vnic-relay: the lower device already has a receive handler (bridge port, bond, macvlan or another relay)"
                ));
            }
        })?;
        dev.private().hooks.register(rtnl, dev, &[HookPoint::Ipv4PostRouting, HookPoint::Ipv6PostRouting]).inspect_err(|_| {
            extack.message(kernel::c_str!("vnic-relay: cannot register the reply hook (CONFIG_NETFILTER?)"));
        })
    }

    /// The relay goes: no more frames or replies through it, and the vNICs
    /// it served let go of its overlay (and so of the pNIC's reference).
    fn uninit(dev: &Device<Self>, rtnl: &Rtnl) {
        let state = dev.private();
        state.hooks.unregister(rtnl);
        detach_rx(dev, rtnl, &state.overlay.lower);
        Device::<Vnic>::for_each(rtnl, dev.net(), |v| vnic::unbind(v, rtnl, &state.overlay));
    }

    /// The pNIC's addresses changed (or the relay's own, which it has no use
    /// for): keep the one the fast path reads.
    fn ipv4_changed(dev: &Device<Self>, rtnl: &Rtnl) {
        dev.private().overlay.refresh_lower_ipv4(rtnl);
    }

    fn iflink(dev: &Device<Self>) -> i32 {
        dev.private().overlay.lower.ifindex()
    }

    fn rx(dev: &Device<Self>, mut skb: SkBuff, rcu: &RcuRead) -> RxResult {
        let proto = skb.protocol();
        if !matches!(proto, ETH_P_IP | ETH_P_IPV6 | ETH_P_ARP) {
            return RxResult::Pass(skb);
        }
        let need = |p: &Parse| if let Parse::Need(n) = p { Some(*n) } else { None };
        let frame = match parse_pulled(&mut skb.as_mut(), MAX_PULLS, |h, total| parse_frame(proto, h, total), need) {
            Some(Parse::Done(f)) => Some(f),
            // Memory short (or a parser bug): unreadable, so fail closed.
            Some(Parse::Need(_)) | None => None,
        };
        let ov = &*dev.private().overlay;
        let net = dev.net();
        let dest = frame.as_ref().map_or(Dest::Other, |f| {
            f.guarded().into_iter().flatten().fold(Dest::Other, |d, a| d.worst(dest_of(ov, rcu, net, a)))
        });
        let lookup = |client, id| ov.sessions.lookup(rcu, &SessionKey { client, id });
        let c = &ov.counters;
        let reason = match rx_verdict(frame.as_ref(), dest, !skb.for_other_host(), lookup) {
            RxVerdict::Pass => return RxResult::Pass(skb),
            RxVerdict::Deliver { session, tagged } => {
                c.inc(Stat::Tagged);
                c.inc(Stat::Granted);
                return deliver(dev, skb, &tagged, session, rcu);
            }
            RxVerdict::DeliverError { session, quote } => {
                let Some(Frame::Ip { src, .. }) = frame else { return drop_counted(dev, skb, Stat::Malformed) };
                return deliver_error(dev, skb, src, &quote, session, rcu);
            }
            RxVerdict::Drop(reason) => reason,
        };
        let counter = match reason {
            DropReason::UnknownId | DropReason::NotGranted => {
                c.inc(Stat::Tagged);
                if reason == DropReason::UnknownId { Stat::UnknownId } else { Stat::NotGranted }
            }
            DropReason::UrgSet => Stat::UrgSet,
            DropReason::Malformed => Stat::Malformed,
            DropReason::ToPseudo => Stat::ToPseudo,
        };
        drop_counted(dev, skb, counter)
    }

    fn start_xmit(dev: &Device<Self>, skb: SkBuff, _rcu: &RcuRead) {
        // The relay only receives; what the host sends through it goes nowhere.
        dev.count_tx_dropped();
        drop(skb);
    }

    const ETHTOOL_STATS: &'static [&'static str] = &[
        "sessions",
        "tagged",
        "granted",
        "delivered",
        "replies",
        "drop_unknown_id",
        "drop_not_granted",
        "drop_urg_set",
        "drop_malformed",
        "drop_undeliverable",
        "drop_to_pseudo",
        "drop_no_session",
    ];

    /// The names of `vnicctl stats -j` (and the genl/rtnl attributes).
    fn ethtool_stats(dev: &Device<Self>, out: &mut [u64]) {
        let ov = &dev.private().overlay;
        let mut out = out.iter_mut();
        if let Some(o) = out.next() {
            *o = ov.sessions.len() as u64;
        }
        for (o, (_, c)) in out.zip(Stat::REPORTED) {
            *o = ov.counters.get(c);
        }
    }

    fn fill_info(dev: &Device<Self>, msg: &mut LinkInfoMsg) -> Result {
        let ov = &dev.private().overlay;
        for (ty, c) in Stat::REPORTED {
            msg.put_u64(ty, ov.counters.get(c), IFLA_VNIC_RELAY_PAD)?;
        }
        msg.put_u32(IFLA_VNIC_RELAY_SESSIONS, ov.sessions.len() as u32)
    }
}

impl NfDriver for Relay {
    /// The reply path, which is the vNICs' transmit direction: see
    /// [`vnic::rewrite_reply`]. The relay only owns the hooks.
    fn nf_hook(dev: &Device<Self>, at: HookPoint, out: i32, skb: SkbMut<'_>, rcu: &RcuRead) -> Verdict {
        vnic::rewrite_reply(&dev.private().overlay, dev.net(), at, out, skb, rcu)
    }
}

/// Delivers a granted segment on its session's vNIC.
fn deliver(dev: &Device<Relay>, mut skb: SkBuff, t: &Tagged, s: Session, rcu: &RcuRead) -> RxResult {
    let state = &*dev.private().overlay;
    let Some(vnic) = Device::<Vnic>::find_rcu(rcu, dev.net(), s.vnic).filter(|v| v.is_running()) else {
        return drop_counted(dev, skb, Stat::Undeliverable);
    };
    let delivered = match (t.client, t.server) {
        (Addr::V4(client), Addr::V4(server)) => deliver_v4(state, &mut skb, vnic, t.tcp_offset, client, server, s.cip, rcu),
        (Addr::V6(client), Addr::V6(server)) => deliver_v6(state, &mut skb, vnic, t.tcp_offset, client, server, rcu),
        _ => false,
    };
    if !delivered {
        return drop_counted(dev, skb, Stat::Undeliverable);
    }
    hand_to(state, vnic, skb, rcu)
}

/// IPv4: destination to the pseudo address, ID cleared, then routed as
/// arrived on the pNIC (so reverse-path filtering sees the real ingress). On
/// a CIP-mode vNIC the source becomes the client's pseudo address too, and
/// the route is taken as arrived on the vNIC, where that address lives.
#[allow(clippy::too_many_arguments)]
fn deliver_v4(
    state: &Overlay,
    skb: &mut SkBuff,
    vnic: &Device<Vnic>,
    tcp_offset: usize,
    client: [u8; 4],
    server: [u8; 4],
    cip: Option<[u8; 4]>,
    rcu: &RcuRead,
) -> bool {
    let (Some(pseudo), true) = (vnic::pseudo_ipv4(vnic), state.lower_ipv4() == Some(server)) else {
        return false;
    };
    let Some(tos) = skb.head(2).map(|h| h[1]) else { return false };
    {
        let mut m = skb.as_mut();
        let Some(mut edit) = m.tcp_edit(tcp_offset) else { return false };
        edit.set_ipv4_dst(pseudo);
        edit.set_urg_ptr(0);
        if let Some(cip) = cip {
            edit.set_ipv4_src(cip);
        }
    }
    match cip {
        Some(cip) => skb.route_input_v4(rcu, vnic, pseudo, cip, tos).is_ok(),
        None => skb.route_input_v4(rcu, &state.lower, pseudo, client, tos).is_ok(),
    }
}

/// IPv6: destination to the vNIC's address towards the client, ID cleared
/// (IPv6 input has no reverse-path filter to satisfy).
fn deliver_v6(
    state: &Overlay,
    skb: &mut SkBuff,
    vnic: &Device<Vnic>,
    tcp_offset: usize,
    client: [u8; 16],
    server: [u8; 16],
    rcu: &RcuRead,
) -> bool {
    let pseudo = ipv6_source(vnic.ipv6_addresses(rcu), client);
    let (Some(pseudo), true) = (pseudo, state.lower.has_ipv6_address(server)) else {
        return false;
    };
    let mut m = skb.as_mut();
    let Some(mut edit) = m.tcp_edit(tcp_offset) else { return false };
    edit.set_ipv6_dst(pseudo);
    edit.set_urg_ptr(0);
    true
}

/// Delivers an ICMP error about a reply of session `s` (from `src`, the
/// router that could not forward it) on the session's vNIC, translated into
/// the vNIC's view: destination and quoted source the vNIC's address, the
/// quoted ID cleared (and on a CIP-mode vNIC the quoted destination the
/// client's pseudo address), every checksum kept right. The vNIC's socket
/// then learns the path MTU, or the error, as it would without vnic.
fn deliver_error(dev: &Device<Relay>, mut skb: SkBuff, src: Addr, q: &Quote, s: Session, rcu: &RcuRead) -> RxResult {
    let state = &*dev.private().overlay;
    let Some(vnic) = Device::<Vnic>::find_rcu(rcu, dev.net(), s.vnic).filter(|v| v.is_running()) else {
        return drop_counted(dev, skb, Stat::Undeliverable);
    };
    let translated = match (src, q.dst) {
        (Addr::V4(router), Addr::V4(_)) => {
            let to = vnic::pseudo_ipv4(vnic).filter(|_| state.lower_ipv4().map(Addr::V4) == Some(q.src));
            let tos = skb.head(2).map(|h| h[1]);
            match (to, tos) {
                (Some(pseudo), Some(tos)) => {
                    translate_v4(&mut skb, q, pseudo, s.cip)
                        && skb.route_input_v4(rcu, &state.lower, pseudo, router, tos).is_ok()
                }
                _ => false,
            }
        }
        (Addr::V6(_), Addr::V6(client)) => {
            let pnic = matches!(q.src, Addr::V6(a) if state.lower.has_ipv6_address(a));
            match ipv6_source(vnic.ipv6_addresses(rcu), client).filter(|_| pnic) {
                Some(pseudo) => translate_v6(&mut skb, q, pseudo),
                None => false,
            }
        }
        _ => false,
    };
    if !translated {
        return drop_counted(dev, skb, Stat::Undeliverable);
    }
    hand_to(state, vnic, skb, rcu)
}

/// The IPv4 rewrite of [`deliver_error`].
fn translate_v4(skb: &mut SkBuff, q: &Quote, pseudo: [u8; 4], cip: Option<[u8; 4]>) -> bool {
    const IPV4_CHECK: usize = 10;
    const IPV4_SRC: usize = 12;
    const IPV4_DST: usize = 16;
    let mut m = skb.as_mut();
    let Some(mut e) = m.fields(q.tcp_offset + 20) else { return false };
    let icmp = Sum::Inner(q.icmp_offset + 2);
    let (ip_check, tcp_check) = (q.ip_offset + IPV4_CHECK, q.tcp_offset + 16);
    let (Some(ip0), Some(tcp0)) = (e.read::<2>(ip_check), e.read::<2>(tcp_check)) else { return false };
    let quoted = [Sum::Plain(ip_check), Sum::Plain(tcp_check), icmp];
    let mut ok = e.put(q.ip_offset + IPV4_SRC, pseudo, &quoted);
    if let Some(cip) = cip {
        ok &= e.put(q.ip_offset + IPV4_DST, cip, &quoted);
    }
    ok &= e.put(q.tcp_offset + 18, [0, 0], &[Sum::Plain(tcp_check), icmp]);
    // The quoted checksums changed too, and the ICMP checksum covers them.
    let (Some(ip1), Some(tcp1)) = (e.read::<2>(ip_check), e.read::<2>(tcp_check)) else { return false };
    ok &= e.fold(ip0, ip1, &[icmp]) && e.fold(tcp0, tcp1, &[icmp]);
    ok && e.put(IPV4_DST, pseudo, &[Sum::Plain(IPV4_CHECK)])
}

/// The IPv6 rewrite of [`deliver_error`].
fn translate_v6(skb: &mut SkBuff, q: &Quote, pseudo: [u8; 16]) -> bool {
    const IPV6_SRC: usize = 8;
    const IPV6_DST: usize = 24;
    let mut m = skb.as_mut();
    let Some(mut e) = m.fields(q.tcp_offset + 20) else { return false };
    let icmp = Sum::Inner(q.icmp_offset + 2);
    let tcp_check = q.tcp_offset + 16;
    let Some(tcp0) = e.read::<2>(tcp_check) else { return false };
    let mut ok = e.put(q.ip_offset + IPV6_SRC, pseudo, &[Sum::Plain(tcp_check), icmp]);
    ok &= e.put(q.tcp_offset + 18, [0, 0], &[Sum::Plain(tcp_check), icmp]);
    let Some(tcp1) = e.read::<2>(tcp_check) else { return false };
    ok &= e.fold(tcp0, tcp1, &[icmp]);
    // ICMPv6's checksum covers the destination through its pseudo-header.
    ok && e.put(IPV6_DST, pseudo, &[Sum::Pseudo(q.icmp_offset + 2)])
}

/// Receives the rewritten `skb` again on `vnic` (another receive round),
/// counting it as delivered.
fn hand_to(state: &Overlay, vnic: &Device<Vnic>, mut skb: SkBuff, rcu: &RcuRead) -> RxResult {
    skb.set_dev(vnic, rcu);
    vnic.count_rx(skb.len());
    state.counters.inc(Stat::Delivered);
    RxResult::Another(skb)
}

/// Drops `skb`, counting it under `reason` and as a receive drop.
fn drop_counted(dev: &Device<Relay>, skb: SkBuff, reason: Stat) -> RxResult {
    dev.private().overlay.counters.inc(reason);
    dev.count_rx_dropped();
    drop(skb);
    RxResult::Consumed
}
