// SPDX-License-Identifier: GPL-2.0

//! Receiving on a lower device (an `rx_handler`, as macvlan and ipvlan do):
//! a driver's device takes every frame of the lower device before the host
//! stack, and dies with it.

use super::device::Device;
use super::driver::Driver;
use super::lower::LowerDev;
use super::rcu_map::RcuRead;
use super::skb::SkBuff;
use super::bindings;
use core::ffi::{c_int, c_ulong, c_void};
use kernel::error::to_result;
use kernel::prelude::*;

/// What a driver did with a received frame.
pub(crate) enum RxResult {
    /// Not ours: the host stack gets it as if vnic were not there.
    Pass(SkBuff),
    /// Taken (delivered elsewhere or dropped).
    Consumed,
    /// Received again as if it had arrived on the device the driver set
    /// with [`SkBuff::set_dev`] (`RX_HANDLER_ANOTHER`).
    Another(SkBuff),
}

impl<T: Driver> Device<T> {
    /// Starts receiving every frame of `lower` through [`Driver::rx`].
    /// `EBUSY` if `lower` already has a receive handler (bridge, bond, ...).
    pub(crate) fn attach_rx(&self, lower: &LowerDev) -> Result {
        // SAFETY: called from rtnl callbacks (RTNL held). The handler data is
        // this device, which detaches in `uninit` before it is freed.
        to_result(unsafe {
            bindings::netdev_rx_handler_register(
                lower.as_raw(),
                Some(rx_handler::<T>),
                self.as_raw().cast::<c_void>(),
            )
        })
    }

    /// Stops receiving from `lower`, if this device is its receive handler.
    /// Waits for frames in flight (`synchronize_net`).
    pub(crate) fn detach_rx(&self, lower: &LowerDev) {
        // SAFETY: RTNL is held (rtnl callbacks and notifiers), as the
        // rtnl_dereference in both helpers and the unregister require.
        unsafe {
            let ours = bindings::vnic_rx_handler(lower.as_raw()) == rx_handler::<T> as *mut c_void
                && bindings::vnic_rx_handler_data_rtnl(lower.as_raw()) == self.as_raw().cast::<c_void>();
            if ours {
                bindings::netdev_rx_handler_unregister(lower.as_raw());
            }
        }
    }
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
    // SAFETY: the device is live (above).
    if !unsafe { bindings::vnic_netif_running(dev.as_raw()) } {
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
    // SAFETY: netdevice notifiers get a `netdev_notifier_info` and run with
    // RTNL held, as the rtnl_dereference in the helpers requires; the
    // handler data of our handler is the (live) device that attached it.
    unsafe {
        let lower = bindings::vnic_notifier_info_to_dev(ptr);
        if bindings::vnic_rx_handler(lower) != rx_handler::<T> as *mut c_void {
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
