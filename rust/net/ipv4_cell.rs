// SPDX-License-Identifier: GPL-2.0

//! [`Ipv4Cell`]: an IPv4 address (or none) that the control path keeps up
//! to date and the fast path reads without a lookup.

use core::sync::atomic::{AtomicU32, Ordering};

/// An IPv4 address or none, read and written whole (0.0.0.0 is "none", as
/// it is no device's address). Writers serialise on RTNL; a reader racing
/// an address change sees the old or the new address, as it would have
/// with a lookup.
pub(crate) struct Ipv4Cell(AtomicU32);

impl Ipv4Cell {
    /// A cell holding `a`.
    pub(crate) fn new(a: Option<[u8; 4]>) -> Self {
        Self(AtomicU32::new(u32::from_ne_bytes(a.unwrap_or([0; 4]))))
    }

    /// The address, if any.
    pub(crate) fn get(&self) -> Option<[u8; 4]> {
        let a = self.0.load(Ordering::Relaxed);
        (a != 0).then(|| a.to_ne_bytes())
    }

    /// Replaces the address.
    pub(crate) fn set(&self, a: Option<[u8; 4]>) {
        self.0.store(u32::from_ne_bytes(a.unwrap_or([0; 4])), Ordering::Relaxed);
    }
}
