// SPDX-License-Identifier: GPL-2.0

//! [`LowerDev`]: a held reference to another net_device, the physical NIC a
//! relay sits on.

use super::bindings;
use super::rcu_map::RcuRead;
use super::skb::SkBuff;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::str::CStr;

/// A net_device we hold a reference to (`dev_hold`), released on drop.
pub(crate) struct LowerDev(NonNull<bindings::net_device>);

impl LowerDev {
    /// Looks up device `ifindex` in the network namespace of a request and
    /// takes a reference; `ENODEV` if there is none.
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

    pub(super) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.as_ptr()
    }

    /// The namespace the device is in now (for comparison only).
    pub(super) fn net_raw(&self) -> *mut bindings::net {
        // SAFETY: we hold a reference; a device always has a namespace.
        unsafe { bindings::vnic_dev_net(self.as_raw()) }
    }

    /// Whether the device is an Ethernet device (ARPHRD_ETHER, 6-byte addresses).
    pub(crate) fn is_ethernet(&self) -> bool {
        // SAFETY: we hold a reference, so the device memory is valid; `type_`
        // and `addr_len` are set at setup and not changed afterwards.
        unsafe {
            let dev = self.0.as_ptr();
            u32::from((*dev).type_) == bindings::ARPHRD_ETHER
                && u32::from((*dev).addr_len) == bindings::ETH_ALEN
        }
    }

    /// Whether the device is of rtnl link kind `kind` (`ip link add ... type
    /// KIND`).
    pub(crate) fn is_kind(&self, kind: &CStr) -> bool {
        // SAFETY: we hold a reference, so the device memory is valid; its
        // `rtnl_link_ops`, if any, and their `kind` are static data of a
        // registered link kind (unregistering a kind deletes its devices
        // first, and this one is referenced, so not deleted).
        let ops = unsafe { (*self.0.as_ptr()).rtnl_link_ops.as_ref() };
        ops.is_some_and(|o| {
            // SAFETY: as above: a NUL-terminated static string.
            unsafe { CStr::from_char_ptr(o.kind.cast()) }.as_bytes() == kind.as_bytes()
        })
    }

    /// The device's primary IPv4 address (global scope), if it has one.
    pub(crate) fn ipv4_address(&self) -> Option<[u8; 4]> {
        super::device::ipv4_address(self.as_raw())
    }

    /// The device's IPv6 address to use towards `dst`, if it has one.
    pub(crate) fn ipv6_address_towards(&self, dst: [u8; 16]) -> Option<[u8; 16]> {
        super::device::ipv6_address_towards(self.as_raw(), dst)
    }

    /// Whether `addr` is one of the device's IPv6 addresses.
    pub(crate) fn has_ipv6_address(&self, addr: [u8; 16]) -> bool {
        super::device::has_ipv6_address(self.as_raw(), addr)
    }

    /// Routes the received IPv4 packet in `skb` as if it had arrived on
    /// this device (see [`super::route::input_v4`]).
    pub(crate) fn route_input_v4(
        &self,
        rcu: &RcuRead,
        skb: &mut SkBuff,
        dst: [u8; 4],
        src: [u8; 4],
        tos: u8,
    ) -> Result {
        super::route::input_v4(rcu, self.as_raw(), skb, dst, src, tos)
    }

    /// The device's interface index.
    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: as in `is_ethernet`; `ifindex` only changes under RTNL
        // when the device moves netns, and a torn read is not possible for i32.
        unsafe { (*self.0.as_ptr()).ifindex }
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
