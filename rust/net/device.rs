// SPDX-License-Identifier: GPL-2.0

//! [`Device`]: a net_device of a [`Driver`] as its callbacks see it, and
//! [`Setup`]: the device while the core allocates it.

use super::driver::Driver;
use super::private::PrivSlot;
use super::rcu_map::{RcuRead, Rtnl};
use super::lower::LowerDev;
use super::bindings;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::str::CStr;
use kernel::types::Opaque;

/// Offload features (`NETIF_F_*`), as a bit set.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Features(u64);

impl Features {
    const fn bit(b: u32) -> Self {
        Self(1u64 << b)
    }
    /// Scatter/gather I/O.
    pub(crate) const SG: Self = Self::bit(bindings::NETIF_F_SG_BIT);
    /// Frag lists.
    pub(crate) const FRAGLIST: Self = Self::bit(bindings::NETIF_F_FRAGLIST_BIT);
    /// Checksums of any protocol (CHECKSUM_PARTIAL passes through).
    pub(crate) const HW_CSUM: Self = Self::bit(bindings::NETIF_F_HW_CSUM_BIT);
    /// DMA to high memory (no meaning for a virtual device but the stack checks it).
    pub(crate) const HIGHDMA: Self = Self::bit(bindings::NETIF_F_HIGHDMA_BIT);
    /// What the kernel can segment in software (`NETIF_F_GSO_SOFTWARE`).
    pub(crate) const GSO_SOFTWARE: Self = Self(
        Self::bit(bindings::NETIF_F_TSO_BIT).0
            | Self::bit(bindings::NETIF_F_TSO6_BIT).0
            | Self::bit(bindings::NETIF_F_TSO_ECN_BIT).0
            | Self::bit(bindings::NETIF_F_TSO_MANGLEID_BIT).0
            | Self::bit(bindings::NETIF_F_GSO_SCTP_BIT).0
            | Self::bit(bindings::NETIF_F_GSO_UDP_L4_BIT).0
            | Self::bit(bindings::NETIF_F_GSO_FRAGLIST_BIT).0,
    );

    /// The union of two sets.
    pub(crate) const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// A net_device being allocated (the rtnl `setup` callback): Ethernet
/// defaults, vnic's callbacks and per-CPU counters are already in place.
pub(crate) struct Setup {
    dev: *mut bindings::net_device,
}

impl Setup {
    /// # Safety
    ///
    /// `dev` is a net_device being set up by the core and not yet registered.
    pub(super) unsafe fn new(dev: *mut bindings::net_device) -> Self {
        Self { dev }
    }

    /// Enables `features` and lets the admin toggle them (ethtool -K).
    pub(crate) fn set_features(&mut self, features: Features) {
        // SAFETY: `dev` is valid and not yet visible to anyone else (`new`).
        unsafe {
            (*self.dev).features |= features.0;
            (*self.dev).hw_features |= features.0;
            (*self.dev).hw_enc_features |= features.0;
        }
    }

    /// Makes the device a pure receive point: no ARP, no IPv6 address
    /// autoconfiguration, so it sends nothing of its own.
    pub(crate) fn set_receive_only(&mut self) {
        // SAFETY: as in `set_features`.
        unsafe {
            (*self.dev).flags |= bindings::net_device_flags_IFF_NOARP;
            let fast = &mut (*self.dev).__bindgen_anon_1.__bindgen_anon_1;
            fast.set_priv_flags(fast.priv_flags() | bindings::netdev_priv_flags_IFF_NO_ADDRCONF as u64);
        }
    }

    /// The device resolves no neighbours (no ARP): what it sends needs no
    /// link-layer address of a next hop.
    pub(crate) fn set_noarp(&mut self) {
        // SAFETY: as in `set_features`.
        unsafe { (*self.dev).flags |= bindings::net_device_flags_IFF_NOARP };
    }

    /// Keeps the device in the namespace it is created in (`ip link set
    /// ... netns` is refused): what it holds (hooks, routes, addresses it
    /// looks up) belongs to that namespace.
    pub(crate) fn set_netns_immutable(&mut self) {
        // SAFETY: as in `set_features`.
        unsafe { (*self.dev).set_netns_immutable(1) };
    }

    /// Sets the range of MTUs the device accepts.
    pub(crate) fn set_mtu_range(&mut self, min: u32, max: u32) {
        // SAFETY: as in `set_features`.
        unsafe {
            (*self.dev).min_mtu = min;
            (*self.dev).max_mtu = max;
        }
    }
}

/// A registered net_device of driver `T`, borrowed for one callback.
///
/// Invariant: the device was registered through [`super::Registration`], so
/// its private area holds an initialised `T::Private`.
#[repr(transparent)]
pub(crate) struct Device<T: Driver>(Opaque<bindings::net_device>, PhantomData<T>);

impl<T: Driver> Device<T> {
    /// # Safety
    ///
    /// `ptr` is a net_device registered by `Registration<T>` that stays
    /// registered for `'a` (true inside its net_device and rtnl callbacks).
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper of `net_device`; validity
        // for `'a` is the caller's promise.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// `dev` as a device of this kind, if it is one.
    ///
    /// # Safety
    ///
    /// `dev` is null or a registered device that stays registered for `'a`.
    pub(super) unsafe fn of_kind<'a>(dev: *mut bindings::net_device) -> Option<&'a Self> {
        // SAFETY: a non-null `dev` is registered (caller); its
        // `rtnl_link_ops` and their `kind` are static data.
        let kind = unsafe {
            let ops = dev.as_ref()?.rtnl_link_ops;
            CStr::from_char_ptr(ops.as_ref()?.kind.cast())
        };
        if kind.as_bytes() != T::KIND.as_bytes() {
            return None;
        }
        // SAFETY: the device is of kind `T::KIND`, so it was made by
        // `Registration<T>` (kinds are unique), registered for `'a` (caller).
        Some(unsafe { Self::from_raw(dev) })
    }

    /// The device of this kind with interface index `ifindex` in `net`.
    pub(crate) fn find<'a>(_rtnl: &'a Rtnl, net: Net, ifindex: u32) -> Option<&'a Self> {
        let index = i32::try_from(ifindex).ok()?;
        // SAFETY: RTNL is held (token), `net` is live (type invariant);
        // RTNL keeps the result registered for `'a`.
        unsafe { Self::of_kind(bindings::__dev_get_by_index(net.0, index)) }
    }

    /// The device of this kind with interface index `ifindex` in `net`, from
    /// the fast path.
    pub(crate) fn find_rcu<'a>(_rcu: &'a RcuRead, net: Net, ifindex: i32) -> Option<&'a Self> {
        // SAFETY: inside an RCU read-side section (token); `net` is a live
        // namespace (type invariant). A device found under RCU stays valid
        // until the section ends: unregistering waits for readers.
        unsafe { Self::of_kind(bindings::dev_get_by_index_rcu(net.0, ifindex)) }
    }

    /// The device of this kind that owns the local IPv4 address `addr` in
    /// `net`, from the fast path (a hash lookup).
    pub(crate) fn by_ipv4_rcu<'a>(rcu: &'a RcuRead, net: Net, addr: [u8; 4]) -> Option<&'a Self> {
        net.ipv4_owner(rcu, addr)?.as_kind()
    }

    /// The device of this kind that owns the local IPv6 address `addr` in
    /// `net`, from the fast path (a hash lookup).
    pub(crate) fn by_ipv6_rcu<'a>(rcu: &'a RcuRead, net: Net, addr: [u8; 16]) -> Option<&'a Self> {
        net.ipv6_owner(rcu, addr)?.as_kind()
    }

    /// The device's IPv6 address to use towards `dst` (a global one for a
    /// global `dst`), if the device has a usable one.
    pub(crate) fn ipv6_address_towards(&self, dst: [u8; 16]) -> Option<[u8; 16]> {
        ipv6_address_towards(self.as_raw(), dst)
    }

    /// The network namespace the device lives in.
    pub(crate) fn net(&self) -> Net {
        // SAFETY: a live device always has a namespace.
        Net(unsafe { bindings::vnic_dev_net(self.as_raw()) })
    }

    /// The device's primary IPv4 address (global scope), if it has one.
    pub(crate) fn ipv4_address(&self) -> Option<[u8; 4]> {
        ipv4_address(self.as_raw())
    }

    /// Whether the device is up.
    pub(crate) fn is_running(&self) -> bool {
        // SAFETY: a live device; reads its state bits.
        unsafe { bindings::vnic_netif_running(self.as_raw()) }
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

    /// Counts a received packet of `len` bytes.
    pub(crate) fn count_rx(&self, len: u32) {
        // SAFETY: a live device with per-CPU dstats (set up in `setup`).
        unsafe { bindings::vnic_dstats_rx_add(self.as_raw(), len) }
    }

    /// The device's interface index.
    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: a live device; plain data.
        unsafe { (*self.as_raw()).ifindex }
    }

    pub(super) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// The driver's state for this device.
    pub(crate) fn private(&self) -> &T::Private {
        // SAFETY: by the type invariant the device is registered by
        // `Registration<T>` and its slot is ready while we borrow it.
        unsafe { PrivSlot::<T>::get(self.as_raw()) }
    }

    /// Counts one transmitted frame of `len` bytes (per-CPU, lock-free).
    pub(crate) fn count_tx(&self, len: u32) {
        // SAFETY: the device is live and uses NETDEV_PCPU_STAT_DSTATS (set in
        // `setup`), so its per-CPU dstats are allocated.
        unsafe { bindings::vnic_dstats_tx_add(self.as_raw(), len) }
    }

    /// Counts one frame dropped on transmit.
    pub(crate) fn count_tx_dropped(&self) {
        // SAFETY: as in `count_tx`.
        unsafe { bindings::vnic_dstats_tx_dropped(self.as_raw()) }
    }

    /// Counts one frame dropped on receive.
    pub(crate) fn count_rx_dropped(&self) {
        // SAFETY: as in `count_tx`.
        unsafe { bindings::vnic_dstats_rx_dropped(self.as_raw()) }
    }
}

/// A network namespace that outlives the borrow it was found through (a
/// device's, a hook's or a request's).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Net(pub(super) *mut bindings::net);

/// A device found by one of its local addresses, valid for an RCU section.
pub(crate) struct AddrOwner<'a>(NonNull<bindings::net_device>, PhantomData<&'a RcuRead>);

impl<'a> AddrOwner<'a> {
    /// The device, if it is one of driver `T`'s.
    pub(crate) fn as_kind<T: Driver>(&self) -> Option<&'a Device<T>> {
        // SAFETY: found under the RCU section `'a` borrows: the device stays
        // valid (if unregistering) until that section ends.
        unsafe { Device::<T>::of_kind(self.0.as_ptr()) }
    }

    /// Whether the device is `lower`.
    pub(crate) fn is(&self, lower: &LowerDev) -> bool {
        self.0.as_ptr() == lower.as_raw()
    }
}

impl Net {
    /// The device that owns local IPv4 address `addr` (a hash lookup; no
    /// fallback to other addresses).
    pub(crate) fn ipv4_owner<'a>(&self, _rcu: &'a RcuRead, addr: [u8; 4]) -> Option<AddrOwner<'a>> {
        // SAFETY: `self` is live (type invariant) and we are in an RCU
        // read-side section (token): `__ip_dev_find` without a reference is
        // meant for RCU readers.
        let dev = unsafe { bindings::__ip_dev_find(self.0, u32::from_ne_bytes(addr), false) };
        NonNull::new(dev).map(|d| AddrOwner(d, PhantomData))
    }

    /// The device that owns local IPv6 address `addr` (tentative ones
    /// excluded; a hash lookup).
    pub(crate) fn ipv6_owner<'a>(&self, _rcu: &'a RcuRead, addr: [u8; 16]) -> Option<AddrOwner<'a>> {
        let a = in6(addr);
        // SAFETY: as in `ipv4_owner`; `ipv6_dev_find` is meant for RCU
        // readers and returns no reference; `a` lives across the call.
        let dev = unsafe { bindings::ipv6_dev_find(self.0, &a, core::ptr::null_mut()) };
        NonNull::new(dev).map(|d| AddrOwner(d, PhantomData))
    }
}

/// Primary IPv4 address (global scope) of `dev`, if it has one of its own.
pub(super) fn ipv4_address(dev: *mut bindings::net_device) -> Option<[u8; 4]> {
    // SAFETY: `dev` is a live device (callers hold a reference or RCU);
    // `inet_select_addr` takes the RCU read lock itself.
    let a = unsafe { bindings::inet_select_addr(dev, 0, bindings::rt_scope_t_RT_SCOPE_UNIVERSE as i32) };
    if a == 0 {
        return None;
    }
    // `inet_select_addr` falls back to other devices' addresses when `dev`
    // has none: only the device's own counts.
    // SAFETY: as above; `__ip_dev_find` without a reference takes the RCU
    // read lock itself and only the pointer is compared.
    let owner = unsafe { bindings::__ip_dev_find(bindings::vnic_dev_net(dev), a, false) };
    (owner == dev).then(|| a.to_ne_bytes())
}

/// An `in6_addr` from its bytes.
pub(super) fn in6(bytes: [u8; 16]) -> bindings::in6_addr {
    // SAFETY: `in6_addr` is plain C data (a union of byte/word arrays).
    let mut a: bindings::in6_addr = unsafe { core::mem::zeroed() };
    a.in6_u.u6_addr8 = bytes;
    a
}

/// The address of `dev` the stack would use as source towards `dst`, if it
/// is one of `dev`'s own (not borrowed from another device).
pub(super) fn ipv6_address_towards(dev: *mut bindings::net_device, dst: [u8; 16]) -> Option<[u8; 16]> {
    let d = in6(dst);
    let mut out = in6([0; 16]);
    // SAFETY: `dev` is a live device (callers hold a reference or RCU);
    // both functions take what locks they need; the addresses live across
    // the calls.
    unsafe {
        let net = bindings::vnic_dev_net(dev);
        if bindings::ipv6_dev_get_saddr(net, dev, &d, 0, &mut out) != 0
            || bindings::ipv6_chk_addr(net, &out, dev, 0) == 0
        {
            return None;
        }
        Some(out.in6_u.u6_addr8)
    }
}

/// Whether `addr` is one of the IPv6 addresses of `dev`.
pub(super) fn has_ipv6_address(dev: *mut bindings::net_device, addr: [u8; 16]) -> bool {
    let a = in6(addr);
    // SAFETY: as in `ipv6_address_towards`.
    unsafe { bindings::ipv6_chk_addr(bindings::vnic_dev_net(dev), &a, dev, 0) != 0 }
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
