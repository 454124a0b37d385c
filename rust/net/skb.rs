// SPDX-License-Identifier: GPL-2.0

//! [`SkBuff`]: an owned socket buffer.

use super::bindings;
use super::rcu_map::RcuRead;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;

/// A socket buffer the driver owns. Dropping it frees it as a drop
/// (`kfree_skb`, visible to drop monitors); handing it back to the stack
/// ([`super::RxResult`]) gives up ownership.
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

    /// The raw pointer, still owned.
    pub(super) fn raw(&self) -> NonNull<bindings::sk_buff> {
        self.0
    }

    /// Makes `dev` the device the buffer arrived on (`skb->dev`), as the
    /// receive path does: unreferenced, like every `skb->dev`. `dev` was
    /// found in the RCU section `rcu` proves; the receive path that goes on
    /// with the buffer stays in it until the buffer is delivered or queued,
    /// and unregistering a device waits for such sections and flushes the
    /// queues (`synchronize_net`, `flush_all_backlogs`) before freeing it.
    pub(crate) fn set_dev<'a, T: super::Driver>(&mut self, dev: &'a super::Device<T>, _rcu: &'a RcuRead) {
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
        Some(unsafe { core::slice::from_raw_parts(bindings::vnic_skb_data(self.0.as_ptr()), n) })
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: we own the buffer; this is its last use.
        unsafe { bindings::vnic_kfree_skb(self.0.as_ptr()) }
    }
}

// SAFETY: an sk_buff we own exclusively may be handed to another CPU; the
// kernel does so all the time (queues, softirqs on other CPUs).
unsafe impl Send for SkBuff {}
