// SPDX-License-Identifier: GPL-2.0

//! The vNIC device: an Ethernet net_device with a service ID and a pseudo
//! address (its primary IPv4 address) that services bind to.
//!
//! This file is the SP's transmit direction; the receive direction is the
//! relay's (`relay.rs`), and the two share the relay's `Overlay`, which a
//! vNIC holds from its first session on. The relay delivers a client's
//! granted segments on it. In the default mode (`VNIC_MODE_REAL`) services
//! see the client's real address and their replies leave by the host's
//! route to the client, rewritten on the way by [`rewrite_reply`] (run from
//! the relay's hook): nothing is transmitted through the vNIC itself, and
//! what the stack routes into it goes nowhere (counted as tx_dropped). In
//! CIP mode (`VNIC_MODE_CIP`, the papers' RIP/CIP) services see a per-client
//! pseudo address in the vNIC's subnet, so replies route into the vNIC: its
//! transmit turns them back into the client's flow (destination the real
//! client, source the pNIC's address, the session's ID) and sends them out
//! through the host's routes.

use crate::net::uapi::{IFLA_VNIC_ID, IFLA_VNIC_MODE, VNIC_MODE_CIP, VNIC_MODE_REAL, __IFLA_VNIC_MAX};
use crate::net::{nla_total_size, AttrKind, Device, Driver, ExtAck, Features, HookPoint, LinkAttrs, LinkKind};
use crate::net::{Counter, Ipv4Cell, LinkInfoMsg, Net, PerCpuCounters, RcuArc, RcuRead, Rtnl, Setup, SkBuff, SkbMut, Verdict};
use crate::overlay::{ipv6_source, Overlay, Stat};
use crate::segment::segment_of;
use crate::wire::{Addr, ETH_P_IP, ETH_P_IPV6};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The vnic driver (link kind `vnic`).
pub(crate) struct Vnic;

/// State of one vNIC.
pub(crate) struct VnicState {
    /// Service ID, 1..=65535; `None` until one is assigned.
    id: Option<u16>,
    /// Whether services see per-client pseudo addresses.
    pub(crate) cip_mode: bool,
    /// The overlay of the relay whose sessions deliver here (none yet: no
    /// session so far, or that relay is gone); a vNIC serves one relay,
    /// fixed by its first session.
    overlay: RcuArc<Overlay>,
    /// What became of the frames the stack sent through it.
    tx: PerCpuCounters<Tx>,
    /// Its pseudo address (primary IPv4 address), kept as it changes.
    pseudo_ipv4: Ipv4Cell,
}

/// Per-reason counters of a vNIC's transmit (`ethtool -S`, in this order);
/// each frame is counted once, the drops in `tx_dropped` as well.
#[derive(Clone, Copy)]
enum Tx {
    /// CIP mode: sent on as the client's flow.
    CipSent,
    /// Real-client mode: nothing leaves through the vNIC itself.
    DropRealMode,
    /// CIP mode: not an IPv4 TCP segment.
    DropNotTcp,
    /// CIP mode: no session of this vNIC's relay has that CIP.
    DropNoSession,
    /// CIP mode: the headers could not be made writable.
    DropUnwritable,
    /// CIP mode: no route to the client, or the IP layer refused it.
    DropNoRoute,
}

impl Counter for Tx {
    const COUNT: usize = 6;
    fn index(self) -> usize {
        self as usize
    }
}

// ethtool -S lists the names and the values in one order: as many of each.
const _: () = assert!(<Vnic as Driver>::ETHTOOL_STATS.len() == Tx::COUNT);

/// Why a CIP reply was not sent on.
enum TxDrop {
    NotTcp,
    NoSession,
    Unwritable,
}

const ETH_HLEN: u32 = 14;

impl LinkKind for Vnic {
    const KIND: &'static CStr = kernel::c_str!("vnic");
    type Private = VnicState;
}

#[vtable]
impl Driver for Vnic {
    const MAX_ATTR: u16 = (__IFLA_VNIC_MAX - 1) as u16;
    const POLICY: &'static [(u16, AttrKind)] =
        &[(IFLA_VNIC_ID as u16, AttrKind::U16), (IFLA_VNIC_MODE as u16, AttrKind::U32)];
    const INFO_SIZE: usize = nla_total_size(2) + nla_total_size(4);

    fn setup(dev: &mut Setup) {
        dev.set_features(
            Features::SG
                .with(Features::FRAGLIST)
                .with(Features::HW_CSUM)
                .with(Features::HIGHDMA)
                .with(Features::GSO_SOFTWARE),
        );
        dev.set_mtu_range(68, 65535);
        // Pseudo addresses are never resolved on a wire: the relay delivers
        // to the vNIC, and replies leave by the pNIC's neighbours.
        dev.set_noarp();
        // Its relay delivers within one namespace, by reference to it.
        dev.set_netns_immutable();
    }

    fn validate(attrs: &LinkAttrs<'_>, extack: &mut ExtAck) -> Result {
        if let Some(attr) = attrs.data(IFLA_VNIC_ID) {
            match attr.u16() {
                None => {
                    extack.message_at(attr, kernel::c_str!("vnic: the ID is a 16-bit value"));
                    return Err(EINVAL);
                }
                Some(0) => {
                    extack.message_at(attr, kernel::c_str!("vnic: ID 0 is reserved; use 1..65535"));
                    return Err(EINVAL);
                }
                Some(_) => {}
            }
        }
        if let Some(attr) = attrs.data(IFLA_VNIC_MODE) {
            if !matches!(attr.u32(), Some(VNIC_MODE_REAL | VNIC_MODE_CIP)) {
                extack.message_at(attr, kernel::c_str!("vnic: the mode is 1 (real client address) or 2 (CIP)"));
                return Err(EINVAL);
            }
        }
        Ok(())
    }

    fn newlink(attrs: &LinkAttrs<'_>, _extack: &mut ExtAck) -> Result<VnicState> {
        let id = attrs.data(IFLA_VNIC_ID).and_then(|a| a.u16()).filter(|&id| id != 0);
        let cip_mode = attrs.data(IFLA_VNIC_MODE).and_then(|a| a.u32()) == Some(VNIC_MODE_CIP);
        // A new device has no address yet; the first one added is heard of.
        Ok(VnicState { id, cip_mode, overlay: RcuArc::new(), tx: PerCpuCounters::new()?, pseudo_ipv4: Ipv4Cell::new(None) })
    }

    /// The vNIC goes: its sessions go with it, so that a device made later
    /// with its ifindex inherits no grant.
    fn uninit(dev: &Device<Self>, rtnl: &Rtnl) {
        if let Some(ov) = dev.private().overlay.get_locked(rtnl) {
            ov.sessions.purge_vnic(rtnl, dev.ifindex());
        }
    }

    /// Its addresses changed: keep the pseudo address the relay reads.
    fn ipv4_changed(dev: &Device<Self>, rtnl: &Rtnl) {
        dev.private().pseudo_ipv4.set(dev.own_ipv4(rtnl));
    }

    fn start_xmit(dev: &Device<Self>, mut skb: SkBuff, rcu: &RcuRead) {
        let tx = &dev.private().tx;
        let reason = if !dev.private().cip_mode {
            Tx::DropRealMode
        } else {
            match cip_reply(dev, &mut skb, rcu) {
                Ok((client, source)) => {
                    let len = skb.len();
                    match skb.ipv4_local_out(dev.net(), client, source) {
                        Ok(()) => {
                            tx.inc(Tx::CipSent);
                            dev.count_tx(len);
                        }
                        Err(_) => {
                            tx.inc(Tx::DropNoRoute);
                            dev.count_tx_dropped();
                        }
                    }
                    return;
                }
                Err(TxDrop::NotTcp) => Tx::DropNotTcp,
                Err(TxDrop::NoSession) => Tx::DropNoSession,
                Err(TxDrop::Unwritable) => Tx::DropUnwritable,
            }
        };
        tx.inc(reason);
        dev.count_tx_dropped();
        drop(skb);
    }

    const ETHTOOL_STATS: &'static [&'static str] = &[
        "tx_cip_sent",
        "tx_drop_real_mode",
        "tx_drop_not_tcp",
        "tx_drop_no_session",
        "tx_drop_unwritable",
        "tx_drop_no_route",
    ];

    fn ethtool_stats(dev: &Device<Self>, out: &mut [u64]) {
        let t = &dev.private().tx;
        let all = [Tx::CipSent, Tx::DropRealMode, Tx::DropNotTcp, Tx::DropNoSession, Tx::DropUnwritable, Tx::DropNoRoute];
        for (o, c) in out.iter_mut().zip(all) {
            *o = t.get(c);
        }
    }

    fn fill_info(dev: &Device<Self>, msg: &mut LinkInfoMsg) -> Result {
        let state = dev.private();
        if let Some(id) = state.id {
            msg.put_u16(IFLA_VNIC_ID, id)?;
        }
        msg.put_u32(IFLA_VNIC_MODE, if state.cip_mode { VNIC_MODE_CIP } else { VNIC_MODE_REAL })
    }
}

/// CIP mode: rewrites a reply routed into the vNIC (Ethernet header still
/// on) back into its client's flow, returning its new (destination,
/// source); why not, if it is no session's.
fn cip_reply(dev: &Device<Vnic>, skb: &mut SkBuff, rcu: &RcuRead) -> Result<([u8; 4], [u8; 4]), TxDrop> {
    if skb.protocol() != ETH_P_IP || !skb.pull(ETH_HLEN) {
        return Err(TxDrop::NotTcp);
    }
    let ov = dev.private().overlay.get(rcu).ok_or(TxDrop::NoSession)?;
    let mut m = skb.as_mut();
    let seg = segment_of(&mut m, ETH_P_IP).ok_or(TxDrop::NotTcp)?;
    let Addr::V4(cip) = seg.dst else { return Err(TxDrop::NotTcp) };
    let reply = ov.cip_reply(rcu, dev.ifindex(), cip).ok_or(TxDrop::NoSession)?;
    let mut edit = m.tcp_edit(seg.tcp_offset).ok_or(TxDrop::Unwritable)?;
    edit.set_ipv4_dst(reply.client);
    edit.set_ipv4_src(reply.source);
    // Real urgent data owns the field; the supervisor lets it through.
    if !seg.urg {
        edit.set_urg_ptr(reply.id);
    }
    Ok((reply.client, reply.source))
}

/// The vNIC's pseudo address (its primary IPv4 address), if it has one.
pub(crate) fn pseudo_ipv4(dev: &Device<Vnic>) -> Option<[u8; 4]> {
    dev.private().pseudo_ipv4.get()
}

/// Ties `dev` to `overlay` (its first session's relay); `EBUSY` if it
/// serves another relay already.
pub(crate) fn bind(dev: &Device<Vnic>, rtnl: &Rtnl, overlay: &Arc<Overlay>) -> Result {
    let slot = &dev.private().overlay;
    if slot.holds(rtnl, overlay) {
        return Ok(());
    }
    if slot.get_locked(rtnl).is_some() {
        return Err(EBUSY);
    }
    slot.replace(rtnl, Some(overlay.clone()));
    Ok(())
}

/// Lets go of `overlay`, if `dev` holds it (its relay is going).
pub(crate) fn unbind(dev: &Device<Vnic>, rtnl: &Rtnl, overlay: &Arc<Overlay>) {
    let slot = &dev.private().overlay;
    if slot.holds(rtnl, overlay) {
        slot.replace(rtnl, None);
    }
}

/// The reply path in the default mode, run by the relay's hook after
/// routing: a vNIC's segment to a client with a session leaves with the
/// pNIC's address as source and the session's ID. One to a client without a
/// session (the session was deleted under a live connection), or while the
/// pNIC has no address of the client's family, does not leave by the pNIC at
/// all: it would carry the pseudo address onto the wire. The pNIC's IPv6
/// address is its own one towards the client (`source6`), chosen per packet
/// from its list alone. Local traffic to a pseudo address (by loopback) is not the overlay's
/// business.
pub(crate) fn rewrite_reply(ov: &Overlay, net: Net, at: HookPoint, out: i32, mut skb: SkbMut<'_>, rcu: &RcuRead) -> Verdict {
    let proto = if at == HookPoint::Ipv6PostRouting { ETH_P_IPV6 } else { ETH_P_IP };
    let Some(seg) = segment_of(&mut skb, proto) else { return Verdict::Accept };
    let vnic = match seg.src {
        Addr::V4(a) => Device::<Vnic>::by_ipv4_rcu(rcu, net, a),
        Addr::V6(a) => Device::<Vnic>::by_ipv6_rcu(rcu, net, a),
    };
    let Some(vnic) = vnic else { return Verdict::Accept };
    let Some(id) = ov.sessions.reply_id(rcu, seg.dst, vnic.ifindex()) else {
        if out == ov.lower.ifindex() {
            ov.counters.inc(Stat::NoSession);
            return Verdict::Drop;
        }
        return Verdict::Accept;
    };
    // Real urgent data owns the field; the supervisor lets it through.
    if seg.urg {
        return Verdict::Accept;
    }
    let source = match seg.dst {
        Addr::V4(_) => ov.lower_ipv4().map(Addr::V4),
        Addr::V6(client) => ipv6_source(ov.lower.ipv6_addresses(rcu), client).map(Addr::V6),
    };
    let Some(source) = source else {
        // The pNIC has no address of the client's family (left under a live
        // connection): sent as is, the pseudo address would be on the wire.
        if out == ov.lower.ifindex() {
            vnic.count_tx_dropped();
            return Verdict::Drop;
        }
        return Verdict::Accept;
    };
    let len = skb.len();
    let Some(mut edit) = skb.tcp_edit(seg.tcp_offset) else {
        // Out of memory unsharing the headers: sent as is, the client would
        // take it for another host's segment. TCP retransmits.
        return Verdict::Drop;
    };
    match source {
        Addr::V4(a) => edit.set_ipv4_src(a),
        Addr::V6(a) => edit.set_ipv6_src(a),
    }
    edit.set_urg_ptr(id);
    ov.counters.inc(Stat::Replies);
    vnic.count_tx(len);
    Verdict::Accept
}
