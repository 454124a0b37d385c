// SPDX-License-Identifier: GPL-2.0

//! Proofs of the two contexts the layer's APIs need: [`Rtnl`] (RTNL held:
//! the control path) and [`RcuRead`] (an RCU read-side section: the fast
//! path). Only the layer makes them, where the kernel guarantees the context.

use super::bindings;
use core::marker::PhantomData;

/// Proof that RTNL is held: only the layer makes one, in callbacks that run
/// under RTNL or after taking it.
pub(crate) struct Rtnl(PhantomData<*mut ()>);

impl Rtnl {
    /// # Safety
    ///
    /// RTNL is held for the lifetime of the token.
    pub(super) unsafe fn assume() -> Self {
        Self(PhantomData)
    }

    /// Runs `f` with RTNL taken. Sleeps: process context only.
    pub(crate) fn with<R>(f: impl FnOnce(&Rtnl) -> R) -> R {
        // SAFETY: plain mutex lock, released below.
        unsafe { bindings::rtnl_lock() };
        // SAFETY: RTNL is held until `rtnl_unlock`.
        let r = f(&unsafe { Self::assume() });
        // SAFETY: taken above.
        unsafe { bindings::rtnl_unlock() };
        r
    }
}

/// Proof of an RCU read-side critical section.
pub(crate) struct RcuRead(PhantomData<*mut ()>);

impl RcuRead {
    /// # Safety
    ///
    /// The caller is inside an RCU read-side critical section for the
    /// lifetime of the token.
    pub(super) unsafe fn assume() -> Self {
        Self(PhantomData)
    }
}

/// Waits until every RCU reader that may have seen a pointer unpublished
/// before the call is done (`synchronize_net`: expedited under RTNL).
pub(super) fn synchronize(_rtnl: &Rtnl) {
    // SAFETY: process context (RTNL is a mutex, so its holder may sleep).
    unsafe { bindings::synchronize_net() }
}
