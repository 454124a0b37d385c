// SPDX-License-Identifier: GPL-2.0

//! Routing packets a driver rewrote: a received one as if it had arrived on
//! a given device, a rewritten one out through the host's routes.

use super::device::{Device, Net};
use super::driver::Driver;
use super::rcu_map::RcuRead;
use super::skb::SkBuff;
use super::bindings;
use kernel::error::to_result;
use kernel::prelude::*;

/// Routes the received IPv4 packet in `skb` (to `dst` from `src`, TOS byte
/// `tos`) as if it had arrived on `dev`, and attaches the route to it: the
/// stack then skips its own input routing, so the reverse-path filter judges
/// the source against `dev`. Errors are the stack's reasons to drop.
pub(super) fn input_v4(
    _rcu: &RcuRead,
    dev: *mut bindings::net_device,
    skb: &mut SkBuff,
    dst: [u8; 4],
    src: [u8; 4],
    tos: u8,
) -> Result {
    // SAFETY: we own `skb`; `dev` is live (callers hold a reference or
    // RCU). The route is attached without a reference, which is valid inside
    // the RCU read-side section (token) that the receive path keeps until
    // the packet is delivered or queued (where the stack takes a reference,
    // as for its own input routing).
    to_result(unsafe {
        bindings::ip_route_input_noref(skb.raw().as_ptr(), u32::from_ne_bytes(dst), u32::from_ne_bytes(src), tos, dev)
    })
}

impl<T: Driver> Device<T> {
    /// Routes the received IPv4 packet in `skb` as if it had arrived on this
    /// device (see [`input_v4`]).
    pub(crate) fn route_input_v4(&self, rcu: &RcuRead, skb: &mut SkBuff, dst: [u8; 4], src: [u8; 4], tos: u8) -> Result {
        input_v4(rcu, self.as_raw(), skb, dst, src, tos)
    }
}

/// `IPPROTO_TCP`.
const IPPROTO_TCP: u8 = 6;

impl SkBuff {
    /// Sends the IPv4 TCP packet in `self` (network header at `data`, from
    /// `src` to `dst`) as if the host had just made it: a fresh output route
    /// in `net`, then `ip_local_out`, which runs the output hooks and
    /// hands the packet to the route's device (segmenting it there if it is
    /// a GSO packet the device cannot take). `EHOSTUNREACH` without a route.
    pub(crate) fn ipv4_local_out(self, net: Net, dst: [u8; 4], src: [u8; 4]) -> Result {
        // SAFETY: plain C data; all-zero is "no constraint" for every field.
        let mut fl: bindings::flowi4 = unsafe { core::mem::zeroed() };
        fl.daddr = u32::from_ne_bytes(dst);
        fl.saddr = u32::from_ne_bytes(src);
        fl.__fl_common.flowic_proto = IPPROTO_TCP;
        // SAFETY: `net` is live (type invariant); `fl` lives across the call.
        let rt = unsafe { bindings::ip_route_output_flow(net.0, &mut fl, core::ptr::null()) };
        // SAFETY: checks an error-or-pointer value, reading nothing.
        if rt.is_null() || unsafe { bindings::vnic_is_err(rt.cast()) } {
            return Err(super::errno(bindings::EHOSTUNREACH));
        }
        let skb = self.into_raw();
        // SAFETY: we own `skb`; `rt` is a route we hold a reference to, which
        // `skb_dst_set` takes over; the control block is the IP layer's from
        // here on. `ip_local_out` consumes the buffer whatever it returns.
        unsafe {
            // A new flow from the stack's view: the conntrack entry of the
            // reply as it entered the vNIC is not this packet's.
            bindings::vnic_nf_reset_ct(skb);
            bindings::vnic_skb_dst_drop(skb);
            bindings::vnic_skb_dst_set_rt(skb, rt);
            bindings::vnic_ipcb_clear(skb);
            bindings::ip_local_out(net.0, core::ptr::null_mut(), skb);
        }
        Ok(())
    }

    /// Removes `n` bytes from the front (a link-layer header on transmit);
    /// false if fewer are linear.
    pub(crate) fn pull(&mut self, n: u32) -> bool {
        // SAFETY: we own the buffer; `vnic_skb_headlen` reads its length.
        if unsafe { bindings::vnic_skb_headlen(self.raw().as_ptr()) } < n {
            return false;
        }
        // SAFETY: `n` linear bytes are there to pull (checked above).
        unsafe { bindings::skb_pull(self.raw().as_ptr(), n) };
        true
    }
}
