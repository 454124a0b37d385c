// SPDX-License-Identifier: GPL-2.0

//! [`Setup`]: a net_device while the core allocates it (the rtnl `setup`
//! callback), and the offload [`Features`] a driver turns on there.

use super::bindings;

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
