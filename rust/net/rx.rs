// SPDX-License-Identifier: GPL-2.0

//! Receiving on a lower device (an `rx_handler`, as macvlan and ipvlan do):
//! a driver's device takes every frame of the lower device before the host
//! stack, and dies with it.

use super::bindings;
use super::device::Device;
use super::driver::{Driver, RxResult};
use super::lower::LowerDev;
use super::netdev::NetDev;
use super::skb::SkBuff;
use super::sync::{RcuRead, Rtnl};
use core::ffi::{c_int, c_ulong, c_void};
use kernel::error::to_result;
use kernel::prelude::*;

/// Starts receiving every frame of `lower` through `dev`'s [`Driver::rx`]
/// (a driver without `rx` does not build). `EBUSY` if `lower` already has a
/// receive handler (bridge, bond, ...). Undone by [`detach_rx`], which the
/// driver calls from `uninit`.
pub(crate) fn attach_rx<T: Driver>(dev: &Device<T>, _rtnl: &Rtnl, lower: &LowerDev) -> Result {
    kernel::build_assert!(T::HAS_RX, "vnic: attach_rx needs Driver::rx");
    // SAFETY: RTNL is held (token). The handler data is `dev`, which
    // detaches in its `uninit`, before it is freed.
    to_result(unsafe {
        bindings::netdev_rx_handler_register(lower.as_raw(), Some(rx_handler::<T>), dev.as_raw().cast::<c_void>())
    })
}

/// Stops receiving from `lower`, if `dev` is its receive handler. Waits for
/// frames in flight (`synchronize_net`).
pub(crate) fn detach_rx<T: Driver>(dev: &Device<T>, _rtnl: &Rtnl, lower: &LowerDev) {
    // SAFETY: RTNL is held (token), as the rtnl_dereference in both helpers
    // and the unregister require.
    unsafe {
        let ours = bindings::vnic_rx_handler(lower.as_raw()) == rx_handler::<T> as *mut c_void
            && bindings::vnic_rx_handler_data_rtnl(lower.as_raw()) == dev.as_raw().cast::<c_void>();
        if ours {
            bindings::netdev_rx_handler_unregister(lower.as_raw());
        }
    }
}

/// The device of driver `T` that receives from `lower` (`attach_rx`), if
/// any; it stays valid while RTNL is held.
pub(super) fn rx_upper<'a, T: Driver>(_rtnl: &'a Rtnl, lower: &NetDev) -> Option<&'a Device<T>> {
    let handler = Handler::<T>::RX?;
    // SAFETY: RTNL is held (token), as the rtnl_dereference in both helpers
    // requires. Our handler's data is the device that attached it, which
    // detaches in its `uninit` and is freed only after RTNL is released.
    unsafe {
        if bindings::vnic_rx_handler(lower.as_raw()) != handler as *mut c_void {
            return None;
        }
        Some(Device::<T>::from_raw(bindings::vnic_rx_handler_data_rtnl(lower.as_raw()).cast()))
    }
}

/// The receive handler of a driver, if it has one.
struct Handler<T>(core::marker::PhantomData<T>);

/// The C type of a receive handler.
type RxHandlerFn = unsafe extern "C" fn(*mut *mut bindings::sk_buff) -> bindings::rx_handler_result_t;

impl<T: Driver> Handler<T> {
    /// `rx_handler::<T>` for a driver with [`Driver::rx`]; a const, so that
    /// only drivers with `rx` build one.
    const RX: Option<RxHandlerFn> = if T::HAS_RX { Some(rx_handler::<T>) } else { None };
}

/// The `rx_handler` of driver `T` on a lower device.
unsafe extern "C" fn rx_handler<T: Driver>(pskb: *mut *mut bindings::sk_buff) -> bindings::rx_handler_result_t {
    // SAFETY: the core passes a valid `skb` pointer slot. `skb_share_check`
    // gives us an unshared buffer (or frees it and returns null).
    let raw = unsafe { bindings::vnic_skb_share_check(*pskb) };
    if raw.is_null() {
        return bindings::rx_handler_result_RX_HANDLER_CONSUMED;
    }
    // SAFETY: the slot is valid; the core continues with what we put there.
    unsafe { *pskb = raw };
    // SAFETY: we run under the RCU read lock of the receive path; the lower
    // device's handler data is the device that attached it (`attach_rx`),
    // which detaches (and waits for readers) before it is freed.
    let dev = unsafe { Device::<T>::from_raw(bindings::vnic_rx_handler_data(bindings::vnic_skb_dev(raw)).cast()) };
    if !dev.is_running() {
        return bindings::rx_handler_result_RX_HANDLER_PASS;
    }
    // SAFETY: `raw` is a buffer we own now (unshared, non-null).
    let Some(skb) = (unsafe { SkBuff::from_raw(raw) }) else {
        return bindings::rx_handler_result_RX_HANDLER_CONSUMED;
    };
    // SAFETY: receive handlers run inside the receive path's RCU section.
    let rcu = unsafe { RcuRead::assume() };
    match T::rx(dev, skb, &rcu) {
        RxResult::Pass(skb) => {
            // SAFETY: hand the (possibly reallocated) buffer back to the core.
            unsafe { *pskb = skb.into_raw() };
            bindings::rx_handler_result_RX_HANDLER_PASS
        }
        RxResult::Another(skb) => {
            // SAFETY: as for `Pass`; the core starts another receive round
            // on `skb->dev`.
            unsafe { *pskb = skb.into_raw() };
            bindings::rx_handler_result_RX_HANDLER_ANOTHER
        }
        RxResult::Consumed => bindings::rx_handler_result_RX_HANDLER_CONSUMED,
    }
}

/// Netdevice notifier of driver `T`: when a lower device with one of `T`'s
/// devices as its receive handler is unregistered, or leaves for another
/// namespace (where the device, pinned to its own, cannot follow), that
/// device goes too.
pub(super) unsafe extern "C" fn netdev_event<T: Driver>(
    _nb: *mut bindings::notifier_block,
    event: c_ulong,
    ptr: *mut c_void,
) -> c_int {
    if event != c_ulong::from(bindings::netdev_cmd_NETDEV_UNREGISTER) {
        return bindings::NOTIFY_DONE as c_int;
    }
    // A kind without `rx` attaches to nothing (and naming its handler would
    // build one).
    let Some(handler) = Handler::<T>::RX else {
        return bindings::NOTIFY_DONE as c_int;
    };
    // SAFETY: netdevice notifiers get a `netdev_notifier_info` and run with
    // RTNL held, as the rtnl_dereference in the helpers requires; the
    // handler data of our handler is the (live) device that attached it.
    unsafe {
        let lower = bindings::vnic_notifier_info_to_dev(ptr);
        if bindings::vnic_rx_handler(lower) != handler as *mut c_void {
            return bindings::NOTIFY_DONE as c_int;
        }
        let upper = bindings::vnic_rx_handler_data_rtnl(lower).cast::<bindings::net_device>();
        // An upper already on its way out (in the same batch, as when the
        // namespaces of both go at once) detaches in its own `uninit`;
        // queueing it again would corrupt the batch's list. Macvlan avoids
        // the same by unlinking its ports in dellink.
        if bindings::vnic_dev_registered(upper) {
            bindings::unregister_netdevice_queue(upper, core::ptr::null_mut());
        }
    }
    bindings::NOTIFY_DONE as c_int
}
