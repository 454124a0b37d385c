// SPDX-License-Identifier: GPL-2.0

//! [`LowerDev`]: a held reference to another net_device, the physical NIC a
//! relay sits on. It reads as a [`NetDev`] for as long as it is held.

use super::bindings;
use super::netdev::NetDev;
use core::ops::Deref;
use core::ptr::NonNull;
use kernel::prelude::*;

/// A net_device we hold a reference to (`dev_hold`), released on drop. The
/// reference keeps its memory, not its registration: it may be unregistered
/// meanwhile (its driver's notifier tells).
pub(crate) struct LowerDev(NonNull<bindings::net_device>);

impl LowerDev {
    /// Looks up device `ifindex` in network namespace `net` and takes a
    /// reference; `ENODEV` if there is none.
    ///
    /// # Safety
    ///
    /// `net` is a live network namespace and the caller holds RTNL.
    pub(super) unsafe fn get(net: *mut bindings::net, ifindex: u32) -> Result<Self> {
        let index = i32::try_from(ifindex).map_err(|_| ENODEV)?;
        // SAFETY: `net` is live and RTNL is held (caller), as
        // `__dev_get_by_index` requires.
        let dev = NonNull::new(unsafe { bindings::__dev_get_by_index(net, index) }).ok_or(ENODEV)?;
        // SAFETY: `dev` is a registered device (RTNL held); the reference
        // keeps it from being freed until `drop`.
        unsafe { bindings::vnic_dev_hold(dev.as_ptr()) };
        Ok(Self(dev))
    }
}

impl Deref for LowerDev {
    type Target = NetDev;

    fn deref(&self) -> &NetDev {
        // SAFETY: we hold a reference, so the device is valid while `self` is.
        unsafe { NetDev::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for LowerDev {
    fn drop(&mut self) {
        // SAFETY: we took this reference in `get`.
        unsafe { bindings::vnic_dev_put(self.0.as_ptr()) }
    }
}

// SAFETY: a device reference may be released on any CPU.
unsafe impl Send for LowerDev {}
// SAFETY: shared access only reads fields that are stable while referenced.
unsafe impl Sync for LowerDev {}
