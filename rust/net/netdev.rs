// SPDX-License-Identifier: GPL-2.0

//! [`NetDev`]: any net_device, whatever its driver, as a borrowed view (its
//! addresses, state and counters), and [`Net`]: a network namespace and the
//! lookups of devices by address in it.
//!
//! The bottom of the device stack: kind-specific views ([`super::Device`],
//! [`super::LowerDev`]) dereference to it.

use super::bindings;
use super::sync::{RcuRead, Rtnl};
use core::ptr::NonNull;
use kernel::str::CStr;
use kernel::types::Opaque;

/// A net_device, borrowed: valid for as long as the reference (a callback's
/// device, a held reference, or a device found in an RCU section).
#[repr(transparent)]
pub(crate) struct NetDev(Opaque<bindings::net_device>);

impl NetDev {
    /// # Safety
    ///
    /// `ptr` is a net_device that stays valid (registered or referenced, or
    /// found in an RCU section that lasts) for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper of `net_device`; validity
        // for `'a` is the caller's promise.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The raw pointer, for the layer's calls into C.
    pub(super) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// The network namespace the device lives in.
    pub(crate) fn net(&self) -> Net {
        // SAFETY: a live device always has a namespace, which outlives it.
        Net(unsafe { bindings::vnic_dev_net(self.as_raw()) })
    }

    /// The device's interface index.
    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: a live device; plain data, changed only under RTNL when the
        // device moves netns (an i32 cannot be read torn).
        unsafe { (*self.as_raw()).ifindex }
    }

    /// Whether the device is up.
    pub(crate) fn is_running(&self) -> bool {
        // SAFETY: a live device; reads its state bits.
        unsafe { bindings::vnic_netif_running(self.as_raw()) }
    }

    /// Whether the device is an Ethernet device (ARPHRD_ETHER, 6-byte addresses).
    pub(crate) fn is_ethernet(&self) -> bool {
        // SAFETY: a live device; `type_` and `addr_len` are set at setup and
        // not changed afterwards.
        unsafe {
            let dev = self.as_raw();
            u32::from((*dev).type_) == bindings::ARPHRD_ETHER && u32::from((*dev).addr_len) == bindings::ETH_ALEN
        }
    }

    /// Whether the device is of rtnl link kind `kind` (`ip link add ... type
    /// KIND`). On the fast path: compares byte by byte up to the first
    /// difference, with no `strlen` first.
    pub(crate) fn is_kind(&self, kind: &CStr) -> bool {
        // SAFETY: the device is valid (type invariant); its `rtnl_link_ops`,
        // if any, and their `kind` string are static data of a registered
        // link kind (unregistering a kind deletes its devices first). The
        // comparison includes `kind`'s NUL and stops at the first unequal
        // byte, which is at the latest the other string's NUL: no byte past
        // either string is read.
        unsafe {
            let Some(ops) = (*self.as_raw()).rtnl_link_ops.as_ref() else { return false };
            let theirs = ops.kind.cast::<u8>();
            kind.as_bytes_with_nul().iter().enumerate().all(|(i, &b)| *theirs.add(i) == b)
        }
    }

    /// The device's own primary IPv4 address of global scope: the first on
    /// its list that is neither a secondary nor of narrower scope (what
    /// `inet_select_addr` picks, without its fallback to other devices'
    /// addresses), if it has one. Under RTNL, where its addresses change.
    pub(crate) fn own_ipv4(&self, _rtnl: &Rtnl) -> Option<[u8; 4]> {
        // SAFETY: a live device, RTNL held (token): its in_device and address
        // list change only under RTNL, so plain reads of their `__rcu`
        // pointers are what `rtnl_dereference` does, and every entry stays
        // valid while we read it.
        unsafe {
            let in_dev = (*self.as_raw()).ip_ptr;
            if in_dev.is_null() {
                return None;
            }
            let mut ifa = (*in_dev).ifa_list;
            while let Some(a) = ifa.as_ref() {
                if a.ifa_flags & bindings::IFA_F_SECONDARY == 0
                    && u32::from(a.ifa_scope) == bindings::rt_scope_t_RT_SCOPE_UNIVERSE as u32
                {
                    return Some(a.ifa_local.to_ne_bytes());
                }
                ifa = a.ifa_next;
            }
            None
        }
    }

    /// The device's own IPv6 addresses, in its list's order (global ones
    /// first), read under RCU: no other device is looked at.
    pub(crate) fn ipv6_addresses<'a>(&'a self, _rcu: &'a RcuRead) -> Ipv6Addresses<'a> {
        // SAFETY: a live device (type invariant), in an RCU read-side section
        // (token): `ip6_ptr` is an `__rcu` pointer (published with
        // `rcu_assign_pointer`), read once as `rcu_dereference` does; the
        // inet6_dev it points to is freed only after a grace period
        // (`in6_dev_finish_destroy` frees by `call_rcu`), so it stays valid
        // for `'a`.
        let head = unsafe {
            let idev = core::ptr::read_volatile(core::ptr::addr_of!((*self.as_raw()).ip6_ptr));
            if idev.is_null() {
                core::ptr::null()
            } else {
                core::ptr::addr_of!((*idev).addr_list)
            }
        };
        let next = if head.is_null() {
            head
        } else {
            // SAFETY: `head` is a list head valid for `'a` (above); its `next`
            // is read once, as `list_for_each_entry_rcu` does.
            unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*head).next)).cast_const() }
        };
        Ipv6Addresses { head, next, _rcu: core::marker::PhantomData }
    }

    /// Whether `addr` is one of this device's own IPv6 addresses (neither
    /// tentative nor failed; a hash lookup). Strict: a global address of
    /// another device does not count, as it would with `strict` 0.
    pub(crate) fn has_ipv6_address(&self, addr: [u8; 16]) -> bool {
        let a = in6(addr);
        let dev = self.as_raw();
        // SAFETY: a live device; `ipv6_chk_addr` takes the RCU read lock it
        // needs; `a` lives across the call.
        unsafe { bindings::ipv6_chk_addr(bindings::vnic_dev_net(dev), &a, dev, 1) != 0 }
    }

    /// The device's traffic counters (the sum over CPUs).
    pub(crate) fn stats(&self) -> Stats {
        // SAFETY: plain C data; all-zero is a valid starting value.
        let mut s: bindings::rtnl_link_stats64 = unsafe { core::mem::zeroed() };
        // SAFETY: a live device; `dev_get_stats` fills `s` and may sleep only
        // in drivers that say so, not in ours.
        unsafe { bindings::dev_get_stats(self.as_raw(), &mut s) };
        Stats {
            rx_packets: s.rx_packets,
            rx_bytes: s.rx_bytes,
            rx_dropped: s.rx_dropped,
            tx_packets: s.tx_packets,
            tx_bytes: s.tx_bytes,
            tx_dropped: s.tx_dropped,
        }
    }
}

/// The per-CPU counters of a device of vnic's own (`NETDEV_PCPU_STAT_DSTATS`,
/// set in the layer's `setup`): only [`super::Device`] hands these out.
impl NetDev {
    /// Counts a received packet of `len` bytes.
    ///
    /// # Safety
    ///
    /// The device uses per-CPU dstats (one of vnic's).
    pub(super) unsafe fn count_rx(&self, len: u32) {
        // SAFETY: the caller's promise: the per-CPU dstats are allocated.
        unsafe { bindings::vnic_dstats_rx_add(self.as_raw(), len) }
    }

    /// Counts one transmitted frame of `len` bytes.
    ///
    /// # Safety
    ///
    /// As for [`Self::count_rx`].
    pub(super) unsafe fn count_tx(&self, len: u32) {
        // SAFETY: as in `count_rx`.
        unsafe { bindings::vnic_dstats_tx_add(self.as_raw(), len) }
    }

    /// Counts one frame dropped on transmit.
    ///
    /// # Safety
    ///
    /// As for [`Self::count_rx`].
    pub(super) unsafe fn count_tx_dropped(&self) {
        // SAFETY: as in `count_rx`.
        unsafe { bindings::vnic_dstats_tx_dropped(self.as_raw()) }
    }

    /// Counts one frame dropped on receive.
    ///
    /// # Safety
    ///
    /// As for [`Self::count_rx`].
    pub(super) unsafe fn count_rx_dropped(&self) {
        // SAFETY: as in `count_rx`.
        unsafe { bindings::vnic_dstats_rx_dropped(self.as_raw()) }
    }
}

/// A network namespace that outlives the borrow it was found through (a
/// device's, a hook's or a request's).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Net(pub(super) *mut bindings::net);

impl Net {
    /// The device that owns local IPv4 address `addr` (a hash lookup; no
    /// fallback to other addresses), valid for the RCU section.
    pub(crate) fn ipv4_owner<'a>(&self, _rcu: &'a RcuRead, addr: [u8; 4]) -> Option<&'a NetDev> {
        // SAFETY: `self` is live (type invariant) and we are in an RCU
        // read-side section (token): `__ip_dev_find` without a reference is
        // meant for RCU readers.
        let dev = unsafe { bindings::__ip_dev_find(self.0, u32::from_ne_bytes(addr), false) };
        // SAFETY: found under the RCU section `'a` borrows: the device stays
        // valid (if unregistering) until that section ends.
        NonNull::new(dev).map(|d| unsafe { NetDev::from_raw(d.as_ptr()) })
    }

    /// The device that owns local IPv6 address `addr` (tentative ones
    /// excluded; a hash lookup), valid for the RCU section.
    pub(crate) fn ipv6_owner<'a>(&self, _rcu: &'a RcuRead, addr: [u8; 16]) -> Option<&'a NetDev> {
        let a = in6(addr);
        // SAFETY: as in `ipv4_owner`; `ipv6_dev_find` is meant for RCU
        // readers and returns no reference; `a` lives across the call.
        let dev = unsafe { bindings::ipv6_dev_find(self.0, &a, core::ptr::null_mut()) };
        // SAFETY: as in `ipv4_owner`.
        NonNull::new(dev).map(|d| unsafe { NetDev::from_raw(d.as_ptr()) })
    }
}

/// One entry of a device's IPv6 address list.
#[derive(Clone, Copy)]
pub(crate) struct Ipv6Address {
    /// The address.
    pub(crate) addr: [u8; 16],
    /// Its prefix length.
    pub(crate) prefix_len: u8,
    /// Neither tentative (unless optimistic) nor failed duplicate address
    /// detection: what `ipv6_chk_addr` accepts as a local address.
    pub(crate) usable: bool,
    /// Its preferred lifetime has ended.
    pub(crate) deprecated: bool,
    /// Optimistic: usable while its duplicate detection runs.
    pub(crate) optimistic: bool,
    /// A privacy (temporary) address.
    pub(crate) temporary: bool,
}

/// The iterator of [`NetDev::ipv6_addresses`], valid for the RCU section
/// `'a`.
///
/// # Invariants
///
/// `head` is null (the device has no IPv6 state) or the `addr_list` of an
/// inet6_dev valid for `'a`; `next` is `head` or the `if_list` member of an
/// inet6_ifaddr read from that list under RCU, so valid for `'a` (entries
/// leave the list by `list_del_rcu`, which keeps their `next`, and are freed
/// by `kfree_rcu`).
pub(crate) struct Ipv6Addresses<'a> {
    head: *const bindings::list_head,
    next: *const bindings::list_head,
    _rcu: core::marker::PhantomData<&'a RcuRead>,
}

impl Iterator for Ipv6Addresses<'_> {
    type Item = Ipv6Address;

    fn next(&mut self) -> Option<Ipv6Address> {
        if self.head.is_null() || core::ptr::eq(self.next, self.head) {
            return None;
        }
        let node = self.next;
        let offset = core::mem::offset_of!(bindings::inet6_ifaddr, if_list);
        // SAFETY: `node` is the `if_list` of an inet6_ifaddr valid for `'a`
        // (type invariant), so stepping back by the member's offset gives
        // that entry (`container_of`). Its address and prefix length are set
        // before it is linked and never change. `flags` is written by addrconf
        // without our synchronisation (some writes in two steps), so a read
        // may see a passing combination of bits: it can only steer one
        // packet's choice, never memory safety. `next` is read once, as
        // `list_for_each_entry_rcu` does.
        unsafe {
            let ifa = node.cast::<u8>().sub(offset).cast::<bindings::inet6_ifaddr>();
            let flags = core::ptr::read_volatile(core::ptr::addr_of!((*ifa).flags));
            self.next = core::ptr::read_volatile(core::ptr::addr_of!((*node).next)).cast_const();
            let tentative = flags & bindings::IFA_F_TENTATIVE != 0 && flags & bindings::IFA_F_OPTIMISTIC == 0;
            Some(Ipv6Address {
                addr: (*ifa).addr.in6_u.u6_addr8,
                prefix_len: (*ifa).prefix_len.min(128) as u8,
                usable: !tentative && flags & bindings::IFA_F_DADFAILED == 0,
                deprecated: flags & bindings::IFA_F_DEPRECATED != 0,
                optimistic: flags & bindings::IFA_F_OPTIMISTIC != 0,
                temporary: flags & bindings::IFA_F_TEMPORARY != 0,
            })
        }
    }
}

/// An `in6_addr` from its bytes.
fn in6(bytes: [u8; 16]) -> bindings::in6_addr {
    // SAFETY: `in6_addr` is plain C data (a union of byte/word arrays).
    let mut a: bindings::in6_addr = unsafe { core::mem::zeroed() };
    a.in6_u.u6_addr8 = bytes;
    a
}

/// Traffic counters of a device.
pub(crate) struct Stats {
    /// Packets received.
    pub(crate) rx_packets: u64,
    /// Bytes received.
    pub(crate) rx_bytes: u64,
    /// Packets dropped on receive.
    pub(crate) rx_dropped: u64,
    /// Packets transmitted.
    pub(crate) tx_packets: u64,
    /// Bytes transmitted.
    pub(crate) tx_bytes: u64,
    /// Packets dropped on transmit.
    pub(crate) tx_dropped: u64,
}
