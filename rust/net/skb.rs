// SPDX-License-Identifier: GPL-2.0

//! [`SkBuff`]: an owned socket buffer.

use crate::bindings;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;

/// A socket buffer the driver owns. Dropping it frees it as a drop
/// (`kfree_skb`, visible to drop monitors); [`SkBuff::consume`] frees it as
/// delivered.
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

    /// Length of the packet data in bytes, headers and fragments included.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: we own a valid sk_buff (type invariant).
        unsafe { (*self.0.as_ptr()).len }
    }

    /// Frees the buffer as successfully handled.
    pub(crate) fn consume(self) {
        let this = ManuallyDrop::new(self);
        // SAFETY: we own the buffer and give up our reference; `Drop` will
        // not run on it (ManuallyDrop).
        unsafe { bindings::vnic_consume_skb(this.0.as_ptr()) }
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
