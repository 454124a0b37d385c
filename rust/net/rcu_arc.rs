// SPDX-License-Identifier: GPL-2.0

//! [`RcuArc`]: a slot holding a shared reference ([`Arc`]) that the fast
//! path reads under RCU and the control path replaces under RTNL, as an
//! `__rcu` pointer is in C. The old value is released only after every
//! reader that could have seen it is done.

use super::sync::{synchronize, RcuRead, Rtnl};
use core::marker::PhantomData;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, Ordering::{Acquire, Release}};
use kernel::sync::Arc;

/// An RCU-protected `Option<Arc<T>>`.
///
/// Invariant: a non-null pointer came from `Arc::into_raw` and the slot owns
/// that reference.
pub(crate) struct RcuArc<T: Send + Sync>(AtomicPtr<T>, PhantomData<Arc<T>>);

impl<T: Send + Sync> RcuArc<T> {
    /// An empty slot.
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(null_mut()), PhantomData)
    }

    /// The value, for the RCU section `rcu` proves.
    pub(crate) fn get<'a>(&'a self, _rcu: &'a RcuRead) -> Option<&'a T> {
        let p = self.0.load(Acquire);
        // SAFETY: a non-null pointer is a live `Arc`'s (invariant); `replace`
        // drops it only after a grace period, which this section (token)
        // delays.
        unsafe { p.as_ref() }
    }

    /// A new reference to the value (writers hold RTNL, so it is stable).
    pub(crate) fn get_locked(&self, _rtnl: &Rtnl) -> Option<Arc<T>> {
        let p = self.0.load(Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: a live `Arc`'s pointer (invariant), not replaced while RTNL
        // is held (token); the slot keeps its reference, we take another.
        let held = core::mem::ManuallyDrop::new(unsafe { Arc::from_raw(p) });
        Some(Arc::clone(&held))
    }

    /// Whether the slot holds `other` (the same allocation).
    pub(crate) fn holds(&self, _rtnl: &Rtnl, other: &Arc<T>) -> bool {
        core::ptr::eq(self.0.load(Acquire), &**other)
    }

    /// Puts `new` in the slot. The old value is released after an RCU grace
    /// period (this sleeps if there was one).
    pub(crate) fn replace(&self, rtnl: &Rtnl, new: Option<Arc<T>>) {
        let p = new.map_or(null_mut(), |a| Arc::into_raw(a).cast_mut());
        let old = self.0.swap(p, Release);
        if old.is_null() {
            return;
        }
        synchronize(rtnl);
        // SAFETY: the slot owned this reference (invariant) and no reader
        // can still see it: it was unpublished before the grace period.
        drop(unsafe { Arc::from_raw(old) });
    }
}

impl<T: Send + Sync> Drop for RcuArc<T> {
    fn drop(&mut self) {
        let p = *self.0.get_mut();
        if !p.is_null() {
            // SAFETY: owned by the slot (invariant); `&mut self` means no
            // reader borrows it, and the holder is freed only after the
            // grace period that follows its device's `uninit`.
            drop(unsafe { Arc::from_raw(p) });
        }
    }
}
