// SPDX-License-Identifier: GPL-2.0

//! [`SkBuff`]: an owned socket buffer: read, lent for header edits
//! ([`SkbMut`]), re-routed as received on a device, or sent out through the
//! host's routes.

use super::bindings;
use super::edit::{skb_data, skb_headlen, SkbMut};
use super::netdev::{Net, NetDev};
use super::sync::RcuRead;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::prelude::*;

/// A socket buffer the driver owns. Dropping it frees it as a drop
/// (`kfree_skb`, visible to drop monitors); handing it back to the stack
/// (`RxResult`) gives up ownership.
pub(crate) struct SkBuff(NonNull<bindings::sk_buff>);

impl SkBuff {
    /// Takes ownership of `ptr`; `None` for a null pointer.
    ///
    /// # Safety
    ///
    /// `ptr` is null or an sk_buff whose only reference the caller gives away.
    pub(super) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Option<Self> {
        NonNull::new(ptr).map(Self)
    }

    /// Makes `dev` the device the buffer arrived on (`skb->dev`), as the
    /// receive path does: unreferenced, like every `skb->dev`. `dev` was
    /// found in the RCU section `rcu` proves; the receive path that goes on
    /// with the buffer stays in it until the buffer is delivered or queued,
    /// and unregistering a device waits for such sections and flushes the
    /// queues (`synchronize_net`, `flush_all_backlogs`) before freeing it.
    pub(crate) fn set_dev<'a>(&mut self, dev: &'a NetDev, _rcu: &'a RcuRead) {
        // SAFETY: we own the buffer; `dev` is valid for the RCU section
        // (above), which is what the core needs of `skb->dev` on receive.
        unsafe { bindings::vnic_skb_set_dev(self.0.as_ptr(), dev.as_raw()) }
    }

    /// Gives up ownership, returning the raw pointer.
    pub(super) fn into_raw(self) -> *mut bindings::sk_buff {
        ManuallyDrop::new(self).0.as_ptr()
    }

    /// Length of the packet data in bytes, headers and fragments included.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: we own a valid sk_buff (type invariant).
        unsafe { (*self.0.as_ptr()).len }
    }

    /// EtherType of the packet (host order).
    pub(crate) fn protocol(&self) -> u16 {
        // SAFETY: we own a valid sk_buff (type invariant).
        unsafe { bindings::vnic_skb_protocol(self.0.as_ptr()) }
    }

    /// Whether the link layer addressed the frame to another host
    /// (`PACKET_OTHERHOST`: promiscuous mode), which the stack drops.
    pub(crate) fn for_other_host(&self) -> bool {
        // SAFETY: we own a valid sk_buff (type invariant).
        unsafe { bindings::vnic_skb_for_other_host(self.0.as_ptr()) }
    }

    /// The first `n` bytes from `skb->data` (the network header on receive),
    /// made linear first; `None` if the packet is shorter or memory is short.
    pub(crate) fn head(&mut self, n: usize) -> Option<&[u8]> {
        let len = u32::try_from(n).ok()?;
        // SAFETY: we own the buffer exclusively (unshared: see `Adapter::rx`),
        // so pulling data into its linear area is allowed.
        if !unsafe { bindings::vnic_pskb_may_pull(self.0.as_ptr(), len) } {
            return None;
        }
        // SAFETY: `pskb_may_pull` succeeded, so `n` bytes at `data` are linear
        // and stay so while `self` is borrowed.
        Some(unsafe { core::slice::from_raw_parts(skb_data(self.0), n) })
    }

    /// Borrows the buffer for reading and header edits.
    pub(crate) fn as_mut(&mut self) -> SkbMut<'_> {
        // SAFETY: we own the buffer exclusively (type invariant) and lend it
        // for the borrow's lifetime.
        unsafe { SkbMut::from_raw(self.0) }
    }

    /// Routes the received IPv4 packet (to `dst` from `src`, TOS byte `tos`)
    /// as if it had arrived on `dev`, and attaches the route to it: the stack
    /// then skips its own input routing, so the reverse-path filter judges
    /// the source against `dev`. Errors are the stack's reasons to drop.
    pub(crate) fn route_input_v4(&mut self, _rcu: &RcuRead, dev: &NetDev, dst: [u8; 4], src: [u8; 4], tos: u8) -> Result {
        // SAFETY: we own the buffer; `dev` is valid for the borrow. The route
        // is attached without a reference, which is valid inside the RCU
        // read-side section (token) that the receive path keeps until the
        // packet is delivered or queued (where the stack takes a reference,
        // as for its own input routing).
        to_result(unsafe {
            bindings::ip_route_input_noref(self.0.as_ptr(), u32::from_ne_bytes(dst), u32::from_ne_bytes(src), tos, dev.as_raw())
        })
    }

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
        // SAFETY: we own the buffer, so it is valid.
        if unsafe { skb_headlen(self.0) } < n {
            return false;
        }
        // SAFETY: `n` linear bytes are there to pull (checked above).
        unsafe { bindings::skb_pull(self.0.as_ptr(), n) };
        true
    }
}

/// `IPPROTO_TCP`.
const IPPROTO_TCP: u8 = 6;

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: we own the buffer; this is its last use.
        unsafe { bindings::vnic_kfree_skb(self.0.as_ptr()) }
    }
}

// SAFETY: an sk_buff we own exclusively may be handed to another CPU; the
// kernel does so all the time (queues, softirqs on other CPUs).
unsafe impl Send for SkBuff {}
