// SPDX-License-Identifier: GPL-2.0

//! IPv4 address events for a driver (the inetaddr notifier): a driver with
//! [`Driver::ipv4_changed`] hears when the addresses of one of its devices,
//! or of the lower device one of them receives from, change, so that its
//! fast path reads addresses kept up to date instead of looking them up per
//! packet.

use super::bindings;
use super::device::Device;
use super::driver::Driver;
use super::netdev::NetDev;
use super::rx::rx_upper;
use super::sync::Rtnl;
use core::ffi::{c_int, c_ulong, c_void};
use core::pin::Pin;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::types::Opaque;

/// The C type of a notifier callback.
type NotifierFn = unsafe extern "C" fn(*mut bindings::notifier_block, c_ulong, *mut c_void) -> c_int;

/// The inetaddr notifier of driver `T`, if it has `ipv4_changed`: a const,
/// so that only drivers with the callback build one.
struct Events<T>(core::marker::PhantomData<T>);

impl<T: Driver> Events<T> {
    const CALL: Option<NotifierFn> = if T::HAS_IPV4_CHANGED { Some(inetaddr_event::<T>) } else { None };
}

/// The notifier block with the kind it serves: a device is the kind's if
/// its `rtnl_link_ops` are the kind's registered ones (not merely of the
/// same name, which another module could have registered).
#[repr(C)]
struct Block {
    /// First, so that the block's address is the notifier's.
    nb: bindings::notifier_block,
    /// The kind's registered ops (they outlive the notifier).
    ops: *const bindings::rtnl_link_ops,
}

/// A registered inetaddr notifier of driver `T` (none if `T` has no
/// `ipv4_changed`), unregistered on drop.
pub(super) struct AddrEvents {
    block: Option<Pin<KBox<Opaque<Block>>>>,
}

impl AddrEvents {
    /// Registers `T`'s notifier for the devices made with `ops`. Done before
    /// the link kind is registered, so that no device of the kind misses an
    /// address change; `ops` outlive the notifier (dropped first).
    pub(super) fn register<T: Driver>(ops: *const bindings::rtnl_link_ops) -> Result<Self> {
        let Some(call) = Events::<T>::CALL else { return Ok(Self { block: None }) };
        let nb = bindings::notifier_block { notifier_call: Some(call), ..Default::default() };
        let block = KBox::pin(Opaque::new(Block { nb, ops }), GFP_KERNEL)?;
        // SAFETY: the block is pinned on the heap and unregistered in `drop`
        // before it is freed; `nb` is its first field (`repr(C)`).
        to_result(unsafe { bindings::register_inetaddr_notifier(block.get().cast()) })?;
        Ok(Self { block: Some(block) })
    }
}

impl Drop for AddrEvents {
    fn drop(&mut self) {
        if let Some(block) = &self.block {
            // SAFETY: registered in `register`; waits for running callbacks.
            unsafe { bindings::unregister_inetaddr_notifier(block.get().cast()) };
        }
    }
}

/// Calls `T::ipv4_changed` for the device of kind `T` whose address changed,
/// or for the one receiving from that device.
unsafe extern "C" fn inetaddr_event<T: Driver>(nb: *mut bindings::notifier_block, _event: c_ulong, ptr: *mut c_void) -> c_int {
    // SAFETY: `nb` is the first field of a live `Block` (`register`).
    // Inetaddr notifiers get the `in_ifaddr` added or removed, whose device
    // is live for the call; they run under RTNL (__inet_insert_ifa and
    // __inet_del_ifa assert it).
    let (ops, raw, rtnl) = unsafe { ((*nb.cast::<Block>()).ops, bindings::vnic_ifa_dev(ptr.cast()), Rtnl::assume()) };
    // SAFETY: as above: the device is live for the call.
    let dev = unsafe { NetDev::from_raw(raw) };
    // SAFETY: as above, the device is live for the call.
    let theirs = unsafe { (*raw).rtnl_link_ops };
    if core::ptr::eq(theirs, ops) {
        // SAFETY: made with the kind's registered ops, so by
        // `Registration<T>`; under RTNL its state lives on even while it is
        // being unregistered (see `Device::from_raw`).
        T::ipv4_changed(unsafe { Device::<T>::from_raw(raw) }, &rtnl);
    }
    if let Some(upper) = rx_upper::<T>(&rtnl, dev) {
        T::ipv4_changed(upper, &rtnl);
    }
    bindings::NOTIFY_DONE as c_int
}
