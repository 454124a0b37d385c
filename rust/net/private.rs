// SPDX-License-Identifier: GPL-2.0

//! The private area of a net_device (`netdev_priv()`), holding a driver's
//! per-device state from `newlink` until the core's `priv_destructor`.

use super::kind::LinkKind;
use super::bindings;
use core::mem::MaybeUninit;

/// Layout of the private area. The core zeroes it on allocation, so `ready`
/// starts false; it is true exactly while `value` holds a live `T::Private`.
#[repr(C)]
pub(super) struct PrivSlot<T: LinkKind> {
    ready: bool,
    value: MaybeUninit<T::Private>,
}

impl<T: LinkKind> PrivSlot<T> {
    /// Size to ask the core for (`rtnl_link_ops.priv_size`).
    pub(super) const SIZE: usize = core::mem::size_of::<Self>();

    /// `netdev_priv()` is aligned to `NETDEV_ALIGN` (32 bytes); a larger
    /// alignment would need padding we do not do.
    const ALIGN_OK: () = assert!(core::mem::align_of::<Self>() <= 32);

    /// # Safety
    ///
    /// `dev` is a live net_device allocated with `priv_size == Self::SIZE`,
    /// and the caller holds RTNL or otherwise excludes concurrent `init`/`clear`.
    unsafe fn slot<'a>(dev: *mut bindings::net_device) -> &'a mut Self {
        let () = Self::ALIGN_OK;
        // SAFETY: the private area is `Self::SIZE` bytes, suitably aligned
        // (ALIGN_OK), zero-initialised by the core (a valid `Self`: false and
        // uninit bytes), and exclusively ours under the caller's guarantee.
        unsafe { &mut *bindings::vnic_netdev_priv(dev).cast::<Self>() }
    }

    /// Moves `value` into the private area of `dev`.
    ///
    /// # Safety
    ///
    /// As for [`Self::slot`]; the slot must not be ready yet.
    pub(super) unsafe fn init(dev: *mut bindings::net_device, value: T::Private) {
        // SAFETY: forwarded from the caller.
        let slot = unsafe { Self::slot(dev) };
        slot.value.write(value);
        slot.ready = true;
    }

    /// Drops the state held by `dev`, if any. Idempotent.
    ///
    /// # Safety
    ///
    /// As for [`Self::slot`]; no reference from [`Self::get`] may be alive.
    pub(super) unsafe fn clear(dev: *mut bindings::net_device) {
        // SAFETY: forwarded from the caller.
        let slot = unsafe { Self::slot(dev) };
        if slot.ready {
            slot.ready = false;
            // SAFETY: `ready` was true, so `value` is initialised; it is
            // marked dropped before anything else can observe it.
            unsafe { slot.value.assume_init_drop() };
        }
    }

    /// Shared access to the state of a registered device.
    ///
    /// # Safety
    ///
    /// `dev` is registered by `Registration<T>` (so the slot is ready:
    /// `newlink` initialises it before `register_netdevice`) and stays so for `'a`.
    pub(super) unsafe fn get<'a>(dev: *mut bindings::net_device) -> &'a T::Private {
        // SAFETY: the area is a ready `Self` (caller); shared access only,
        // `clear` runs from `priv_destructor` after the last callback.
        let slot = unsafe { &*bindings::vnic_netdev_priv(dev).cast::<Self>() };
        // SAFETY: the slot is ready, so `value` is initialised.
        unsafe { slot.value.assume_init_ref() }
    }
}
