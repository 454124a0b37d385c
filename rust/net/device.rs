// SPDX-License-Identifier: GPL-2.0

//! [`Device`]: a registered net_device of one of vnic's link kinds, with its
//! private state; found by interface index or address, or handed to a
//! driver's callbacks. Everything kind-agnostic comes from [`NetDev`].

use super::bindings;
use super::kind::LinkKind;
use super::netdev::{Net, NetDev};
use super::private::PrivSlot;
use super::sync::{RcuRead, Rtnl};
use core::marker::PhantomData;
use core::ops::Deref;

/// A registered net_device of kind `T`, borrowed for a callback, an RTNL
/// section or an RCU section.
///
/// Invariant: the device was registered by `Registration<T>`, so its
/// private area holds an initialised `T::Private` and it keeps per-CPU
/// dstats.
#[repr(transparent)]
pub(crate) struct Device<T: LinkKind>(NetDev, PhantomData<T>);

impl<T: LinkKind> Deref for Device<T> {
    type Target = NetDev;

    fn deref(&self) -> &NetDev {
        &self.0
    }
}

impl<T: LinkKind> Device<T> {
    /// # Safety
    ///
    /// `ptr` is a net_device made by `Registration<T>` whose private state
    /// stays initialised and whose memory stays valid for `'a`: true inside
    /// its net_device and rtnl callbacks, and under RTNL even while it is
    /// being unregistered (its state goes in its destructor, which runs after
    /// RTNL is released).
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper of `NetDev`, itself one of
        // `net_device`; validity for `'a` is the caller's promise.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// `dev` as a device of this kind, if it is one.
    pub(crate) fn of_netdev(dev: &NetDev) -> Option<&Self> {
        if !dev.is_kind(T::KIND) {
            return None;
        }
        // SAFETY: the device is of kind `T::KIND`, so it was made by
        // `Registration<T>` (`LinkKind`'s invariant); valid for the borrow.
        Some(unsafe { Self::from_raw(dev.as_raw()) })
    }

    /// # Safety
    ///
    /// `dev` is null or a device that stays valid for `'a`.
    unsafe fn of_raw<'a>(dev: *mut bindings::net_device) -> Option<&'a Self> {
        if dev.is_null() {
            return None;
        }
        // SAFETY: non-null and valid for `'a` (caller).
        Self::of_netdev(unsafe { NetDev::from_raw(dev) })
    }

    /// The device of this kind with interface index `ifindex` in `net`.
    pub(crate) fn find<'a>(_rtnl: &'a Rtnl, net: Net, ifindex: u32) -> Option<&'a Self> {
        let index = i32::try_from(ifindex).ok()?;
        // SAFETY: RTNL is held (token), `net` is live (type invariant);
        // RTNL keeps the result registered for `'a`.
        unsafe { Self::of_raw(bindings::__dev_get_by_index(net.0, index)) }
    }

    /// The device of this kind with interface index `ifindex` in `net`, from
    /// the fast path.
    pub(crate) fn find_rcu<'a>(_rcu: &'a RcuRead, net: Net, ifindex: i32) -> Option<&'a Self> {
        // SAFETY: inside an RCU read-side section (token); `net` is a live
        // namespace (type invariant). A device found under RCU stays valid
        // until the section ends: unregistering waits for readers.
        unsafe { Self::of_raw(bindings::dev_get_by_index_rcu(net.0, ifindex)) }
    }

    /// The device of this kind that owns the local IPv4 address `addr` in
    /// `net`, from the fast path (a hash lookup).
    pub(crate) fn by_ipv4_rcu<'a>(rcu: &'a RcuRead, net: Net, addr: [u8; 4]) -> Option<&'a Self> {
        net.ipv4_owner(rcu, addr).and_then(Self::of_netdev)
    }

    /// The device of this kind that owns the local IPv6 address `addr` in
    /// `net`, from the fast path (a hash lookup).
    pub(crate) fn by_ipv6_rcu<'a>(rcu: &'a RcuRead, net: Net, addr: [u8; 16]) -> Option<&'a Self> {
        net.ipv6_owner(rcu, addr).and_then(Self::of_netdev)
    }

    /// Calls `f` on every device of this kind in `net`.
    pub(crate) fn for_each(_rtnl: &Rtnl, net: Net, mut f: impl FnMut(&Self)) {
        // SAFETY: RTNL is held (token), which keeps the namespace's device
        // list stable and every device on it registered while we walk it.
        let mut dev = unsafe { bindings::vnic_first_net_device(net.0) };
        while !dev.is_null() {
            // SAFETY: on the list, so registered (above).
            if let Some(d) = unsafe { Self::of_raw(dev) } {
                f(d);
            }
            // SAFETY: as above.
            dev = unsafe { bindings::vnic_next_net_device(dev) };
        }
    }

    /// The driver's state for this device.
    pub(crate) fn private(&self) -> &T::Private {
        // SAFETY: by the type invariant the device is registered by
        // `Registration<T>` and its slot is ready while we borrow it.
        unsafe { PrivSlot::<T>::get(self.as_raw()) }
    }

    /// Counts a received packet of `len` bytes (per-CPU, lock-free).
    pub(crate) fn count_rx(&self, len: u32) {
        // SAFETY: one of vnic's devices: per-CPU dstats (type invariant).
        unsafe { self.0.count_rx(len) }
    }

    /// Counts one transmitted frame of `len` bytes.
    pub(crate) fn count_tx(&self, len: u32) {
        // SAFETY: as in `count_rx`.
        unsafe { self.0.count_tx(len) }
    }

    /// Counts one frame dropped on transmit.
    pub(crate) fn count_tx_dropped(&self) {
        // SAFETY: as in `count_rx`.
        unsafe { self.0.count_tx_dropped() }
    }

    /// Counts one frame dropped on receive.
    pub(crate) fn count_rx_dropped(&self) {
        // SAFETY: as in `count_rx`.
        unsafe { self.0.count_rx_dropped() }
    }
}
