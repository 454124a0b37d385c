// SPDX-License-Identifier: GPL-2.0

//! [`Driver`]: what a virtual Ethernet driver implements in safe Rust to be
//! an rtnl link kind, in the style of `rust/kernel/net/phy.rs`: a
//! `#[vtable]` trait whose optional callbacks the C tables carry only when
//! the driver implements them ([`super::Registration`] builds the tables).
//!
//! What the layer guarantees every callback, so that a driver needs no
//! `unsafe`:
//! - the [`Device`] it gets is registered (or, in `registered`, just
//!   registered) for the whole call, and its `private()` state is
//!   initialised: `newlink` builds it before `register_netdevice`, and it is
//!   dropped only after the last callback, an RCU grace period after
//!   `uninit`;
//! - an [`Rtnl`] token means the callback runs under RTNL (the control path:
//!   it may sleep and allocate); an [`RcuRead`] token means it runs in an RCU
//!   read-side section with bottom halves off (the fast path: no sleeping);
//! - `uninit` runs exactly once per registered device, before its state is
//!   dropped, also when `registered` fails;
//! - a [`SkBuff`] handed over is owned: dropping it frees it as a drop.

use super::attrs::{AttrKind, ExtAck, LinkAttrs, LinkInfoMsg};
use super::device::Device;
use super::kind::LinkKind;
use super::setup::Setup;
use super::skb::SkBuff;
use super::sync::{RcuRead, Rtnl};
use kernel::error::VTABLE_DEFAULT_ERROR;
use kernel::prelude::*;

/// What a driver did with a received frame ([`Driver::rx`]).
pub(crate) enum RxResult {
    /// Not ours: the host stack gets it as if vnic were not there.
    Pass(SkBuff),
    /// Taken (delivered elsewhere or dropped).
    Consumed,
    /// Received again as if it had arrived on the device the driver set
    /// with [`SkBuff::set_dev`] (`RX_HANDLER_ANOTHER`).
    Another(SkBuff),
}

/// A virtual Ethernet device driver, registered as an rtnl link kind.
///
/// Callbacks without a default are required; the others are left out of
/// the C tables unless the implementation (also marked `#[vtable]`) defines
/// them, so their default bodies never run.
#[vtable]
pub(crate) trait Driver: LinkKind {
    /// Highest attribute number nested in `IFLA_INFO_DATA`.
    const MAX_ATTR: u16;
    /// Type of each attribute the kind accepts; the core rejects others.
    const POLICY: &'static [(u16, AttrKind)];
    /// Upper bound of the bytes [`Driver::fill_info`] adds.
    const INFO_SIZE: usize = 0;
    /// Names of the counters `ethtool -S` shows, in order: ASCII, at most
    /// 31 bytes each (longer ones are cut).
    const ETHTOOL_STATS: &'static [&'static str] = &[];

    /// Adjusts a device being allocated (features, MTU range). Runs before
    /// registration, with nobody else seeing the device.
    fn setup(_dev: &mut Setup) {}

    /// Checks a create request before anything is allocated; errors carry an
    /// extack message. (The layer has already checked `IFLA_ADDRESS`.)
    fn validate(_attrs: &LinkAttrs<'_>, _extack: &mut ExtAck) -> Result {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }

    /// Builds the state of a new device from its request (RTNL held). On
    /// error nothing is registered.
    fn newlink(attrs: &LinkAttrs<'_>, extack: &mut ExtAck) -> Result<Self::Private>;

    /// The new device is registered (RTNL held); an error unregisters it
    /// again (running `uninit`) and fails the request.
    fn registered(_dev: &Device<Self>, _rtnl: &Rtnl, _extack: &mut ExtAck) -> Result {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }

    /// The device is being unregistered (RTNL held): release what
    /// `registered` set up. Packets in flight may still reach the device's
    /// other callbacks until the grace period that follows.
    fn uninit(_dev: &Device<Self>, _rtnl: &Rtnl) {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }

    /// A frame received on the lower device this device is attached to
    /// (`attach_rx`, which a driver without `rx` cannot call). Runs in
    /// softirq context under RCU.
    fn rx(_dev: &Device<Self>, _skb: SkBuff, _rcu: &RcuRead) -> RxResult {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }

    /// The IPv4 addresses of the device, or of the lower device it receives
    /// from (`attach_rx`), changed (RTNL held, after the change): refresh
    /// what the driver keeps of them for its fast path.
    fn ipv4_changed(_dev: &Device<Self>, _rtnl: &Rtnl) {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }

    /// Interface index of the lower device (`ip link` shows `NAME@LOWER`);
    /// without it, the device's own.
    fn iflink(_dev: &Device<Self>) -> i32 {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }

    /// Transmits (or drops) one frame. Runs with bottom halves off (an RCU
    /// read-side section), lock-free across CPUs: it must not sleep.
    fn start_xmit(dev: &Device<Self>, skb: SkBuff, rcu: &RcuRead);

    /// Adds the kind's attributes (at most `INFO_SIZE` bytes) to `ip -d link
    /// show` output.
    fn fill_info(_dev: &Device<Self>, _msg: &mut LinkInfoMsg) -> Result {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }

    /// The counters of [`Driver::ETHTOOL_STATS`], in the same order; `out`
    /// has exactly one entry per name, zeroed.
    fn ethtool_stats(_dev: &Device<Self>, _out: &mut [u64]) {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }
}
