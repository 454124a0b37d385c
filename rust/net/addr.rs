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

/// A registered inetaddr notifier of driver `T` (none if `T` has no
/// `ipv4_changed`), unregistered on drop.
pub(super) struct AddrEvents {
    nb: Option<Pin<KBox<Opaque<bindings::notifier_block>>>>,
}

impl AddrEvents {
    /// Registers `T`'s notifier. Done before the link kind is registered, so
    /// that no device of the kind misses an address change.
    pub(super) fn register<T: Driver>() -> Result<Self> {
        let Some(call) = Events::<T>::CALL else { return Ok(Self { nb: None }) };
        let nb = bindings::notifier_block { notifier_call: Some(call), ..Default::default() };
        let nb = KBox::pin(Opaque::new(nb), GFP_KERNEL)?;
        // SAFETY: the block is pinned on the heap and unregistered in `drop`
        // before it is freed.
        to_result(unsafe { bindings::register_inetaddr_notifier(nb.get()) })?;
        Ok(Self { nb: Some(nb) })
    }
}

impl Drop for AddrEvents {
    fn drop(&mut self) {
        if let Some(nb) = &self.nb {
            // SAFETY: registered in `register`; waits for running callbacks.
            unsafe { bindings::unregister_inetaddr_notifier(nb.get()) };
        }
    }
}

/// Calls `T::ipv4_changed` for the device of kind `T` whose address changed,
/// or for the one receiving from that device.
unsafe extern "C" fn inetaddr_event<T: Driver>(_nb: *mut bindings::notifier_block, _event: c_ulong, ptr: *mut c_void) -> c_int {
    // SAFETY: inetaddr notifiers get the `in_ifaddr` added or removed, whose
    // device is live for the call; they run under RTNL (__inet_insert_ifa
    // and __inet_del_ifa assert it).
    let (dev, rtnl) = unsafe { (NetDev::from_raw(bindings::vnic_ifa_dev(ptr.cast())), Rtnl::assume()) };
    if let Some(own) = Device::<T>::of_netdev(dev) {
        T::ipv4_changed(own, &rtnl);
    }
    if let Some(upper) = rx_upper::<T>(&rtnl, dev) {
        T::ipv4_changed(upper, &rtnl);
    }
    bindings::NOTIFY_DONE as c_int
}
