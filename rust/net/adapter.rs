// SPDX-License-Identifier: GPL-2.0

//! [`Adapter`]: the kernel's C ops tables (`net_device_ops`, `ethtool_ops`,
//! `rtnl_link_ops`) for a [`Driver`], each callback a thin `extern "C"`
//! function that makes the safe views and calls the driver. A table entry is
//! set only for a callback the driver implements (`#[vtable]`'s `HAS_*`).

use super::attrs::{ExtAck, LinkAttrs, LinkInfoMsg};
use super::bindings;
use super::device::Device;
use super::driver::Driver;
use super::private::PrivSlot;
use super::setup::Setup;
use super::skb::SkBuff;
use super::sync::{RcuRead, Rtnl};
use core::ffi::c_int;
use kernel::prelude::*;

/// Copies `src` into the C string buffer `dst`, cut to leave room for the
/// terminating NUL, and zeroes the rest.
fn copy_cstr<C>(dst: &mut [C], src: &[u8], conv: fn(u8) -> C) {
    let n = src.len().min(dst.len().saturating_sub(1));
    for (i, d) in dst.iter_mut().enumerate() {
        *d = conv(if i < n { src[i] } else { 0 });
    }
}

fn errno(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// The C callbacks of driver `T`.
pub(super) struct Adapter<T: Driver>(core::marker::PhantomData<T>);

impl<T: Driver> Adapter<T> {
    const NETDEV_OPS: bindings::net_device_ops = {
        // SAFETY: `net_device_ops` is plain C data: all-zero is "no callback"
        // for every member.
        let mut ops: bindings::net_device_ops = unsafe { core::mem::zeroed() };
        ops.ndo_start_xmit = Some(Self::start_xmit);
        ops.ndo_set_mac_address = Some(bindings::eth_mac_addr);
        ops.ndo_validate_addr = Some(bindings::eth_validate_addr);
        ops.ndo_uninit = if T::HAS_UNINIT { Some(Self::uninit) } else { None };
        ops.ndo_get_iflink = if T::HAS_IFLINK { Some(Self::iflink) } else { None };
        ops
    };

    const ETHTOOL_OPS: bindings::ethtool_ops = {
        // SAFETY: `ethtool_ops` is plain C data: all-zero is "not supported"
        // for every member.
        let mut ops: bindings::ethtool_ops = unsafe { core::mem::zeroed() };
        ops.get_drvinfo = Some(Self::get_drvinfo);
        ops.get_link = Some(bindings::ethtool_op_get_link);
        if T::HAS_ETHTOOL_STATS {
            ops.get_sset_count = Some(Self::get_sset_count);
            ops.get_strings = Some(Self::get_strings);
            ops.get_ethtool_stats = Some(Self::get_ethtool_stats);
        }
        ops
    };

    /// The driver's checks of a create request, if it has any.
    const VALIDATE: Option<fn(&LinkAttrs<'_>, &mut ExtAck) -> Result> =
        if T::HAS_VALIDATE { Some(T::validate) } else { None };

    /// The driver's step after registration, if it has one.
    const REGISTERED: Option<fn(&Device<T>, &Rtnl, &mut ExtAck) -> Result> =
        if T::HAS_REGISTERED { Some(T::registered) } else { None };

    /// The rtnl link ops of the kind, with the attribute policy `policy`
    /// (`T::MAX_ATTR + 1` entries that outlive the registration).
    pub(super) fn link_ops(policy: *const bindings::nla_policy) -> bindings::rtnl_link_ops {
        bindings::rtnl_link_ops {
            kind: T::KIND.as_char_ptr().cast(),
            priv_size: PrivSlot::<T>::SIZE,
            setup: Some(Self::setup),
            maxtype: u32::from(T::MAX_ATTR),
            policy,
            validate: Some(Self::validate),
            newlink: Some(Self::newlink),
            dellink: Some(Self::dellink),
            get_size: if T::HAS_FILL_INFO { Some(Self::get_size) } else { None },
            fill_info: if T::HAS_FILL_INFO { Some(Self::fill_info) } else { None },
            ..Default::default()
        }
    }

    /// `ethtool_ops.get_drvinfo`: the driver's name and the link kind.
    unsafe extern "C" fn get_drvinfo(_dev: *mut bindings::net_device, info: *mut bindings::ethtool_drvinfo) {
        // SAFETY: the ethtool core passes a valid, zeroed drvinfo it owns
        // for the call.
        let info = unsafe { &mut *info };
        copy_cstr(&mut info.driver, b"vnic", |b| b as core::ffi::c_char);
        copy_cstr(&mut info.bus_info, T::KIND.as_bytes(), |b| b as core::ffi::c_char);
    }

    /// `ethtool_ops.get_sset_count`: how many counters `ethtool -S` gets.
    unsafe extern "C" fn get_sset_count(_dev: *mut bindings::net_device, sset: c_int) -> c_int {
        if sset == bindings::ethtool_stringset_ETH_SS_STATS as c_int {
            T::ETHTOOL_STATS.len() as c_int
        } else {
            -(bindings::EOPNOTSUPP as c_int)
        }
    }

    /// `ethtool_ops.get_strings`: the counters' names, ETH_GSTRING_LEN
    /// bytes each.
    unsafe extern "C" fn get_strings(_dev: *mut bindings::net_device, sset: u32, data: *mut u8) {
        if sset != bindings::ethtool_stringset_ETH_SS_STATS as u32 {
            return;
        }
        const LEN: usize = bindings::ETH_GSTRING_LEN as usize;
        // SAFETY: the core allocated `get_sset_count(ETH_SS_STATS)` strings
        // of ETH_GSTRING_LEN bytes at `data` for this call.
        let buf = unsafe { core::slice::from_raw_parts_mut(data, T::ETHTOOL_STATS.len() * LEN) };
        for (slot, name) in buf.chunks_exact_mut(LEN).zip(T::ETHTOOL_STATS) {
            copy_cstr(slot, name.as_bytes(), |b| b);
        }
    }

    /// `ethtool_ops.get_ethtool_stats`: the counters' values.
    unsafe extern "C" fn get_ethtool_stats(
        dev: *mut bindings::net_device,
        _stats: *mut bindings::ethtool_stats,
        data: *mut u64,
    ) {
        // SAFETY: the core allocated `get_sset_count(ETH_SS_STATS)` u64s at
        // `data`; `dev` is a registered device of this kind (its ethtool_ops
        // are ours), whose state lives while its ops can be called.
        let (out, dev) = unsafe {
            (core::slice::from_raw_parts_mut(data, T::ETHTOOL_STATS.len()), Device::<T>::from_raw(dev))
        };
        out.fill(0);
        T::ethtool_stats(dev, out);
    }

    /// `rtnl_link_ops.setup`: Ethernet defaults and vnic's plumbing.
    unsafe extern "C" fn setup(dev: *mut bindings::net_device) {
        // SAFETY: the core calls `setup` on a freshly allocated, zeroed
        // net_device that nobody else sees yet. `NETDEV_OPS` is a promoted
        // constant and lives for `'static`.
        unsafe {
            bindings::ether_setup(dev);
            (*dev).netdev_ops = &Self::NETDEV_OPS;
            (*dev).ethtool_ops = &Self::ETHTOOL_OPS;
            (*dev).needs_free_netdev = true;
            (*dev).priv_destructor = Some(Self::priv_destructor);
            (*dev).set_pcpu_stat_type(bindings::netdev_stat_type_NETDEV_PCPU_STAT_DSTATS);
            // `priv_flags` and `lltx` sit in the `priv_flags_fast` struct group.
            let fast = &mut (*dev).__bindgen_anon_1.__bindgen_anon_1;
            fast.set_priv_flags(
                fast.priv_flags()
                    | bindings::netdev_priv_flags_IFF_NO_QUEUE as u64
                    | bindings::netdev_priv_flags_IFF_LIVE_ADDR_CHANGE as u64,
            );
            fast.set_lltx(1);
            bindings::vnic_eth_hw_addr_random(dev);
        }
        // SAFETY: as above, the device is being set up and not registered.
        T::setup(&mut unsafe { Setup::new(dev) });
    }

    /// `rtnl_link_ops.validate`.
    unsafe extern "C" fn validate(
        tb: *mut *mut bindings::nlattr,
        data: *mut *mut bindings::nlattr,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: the core passes `tb` (IFLA_MAX + 1 entries), `data` (null or
        // `maxtype + 1` entries, parsed with our policy) and an extack, all
        // valid during the call.
        let (attrs, mut ack) = unsafe {
            (LinkAttrs::new(core::ptr::null_mut(), core::ptr::null_mut(), tb, data, T::MAX_ATTR), ExtAck::new(extack))
        };
        errno(validate_address(&attrs, &mut ack).and_then(|()| Self::VALIDATE.map_or(Ok(()), |f| f(&attrs, &mut ack))))
    }

    /// `rtnl_link_ops.newlink`: creates the state, then registers.
    unsafe extern "C" fn newlink(
        src_net: *mut bindings::net,
        dev: *mut bindings::net_device,
        tb: *mut *mut bindings::nlattr,
        data: *mut *mut bindings::nlattr,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: as in `validate`; `src_net` is the request's namespace and
        // newlink runs under RTNL.
        let (attrs, mut ack) = unsafe {
            let dev_net = bindings::vnic_dev_net(dev);
            (LinkAttrs::new(src_net, dev_net, tb, data, T::MAX_ATTR), ExtAck::new(extack))
        };
        let private = match T::newlink(&attrs, &mut ack) {
            Ok(p) => p,
            Err(e) => return e.to_errno(),
        };
        // SAFETY: `dev` was allocated by the core for this kind (priv_size =
        // PrivSlot::SIZE), is not registered yet, and we hold RTNL.
        unsafe { PrivSlot::<T>::init(dev, private) };
        // SAFETY: `dev` is set up and its private state is initialised.
        let ret = unsafe { bindings::register_netdevice(dev) };
        if ret < 0 {
            // Some failures run `priv_destructor`, early ones do not: `clear`
            // is idempotent, so the state is dropped exactly once either way.
            // SAFETY: registration failed, no callback can see the device.
            unsafe { PrivSlot::<T>::clear(dev) };
            return ret;
        }
        // SAFETY: `dev` is registered by us and its state is ready; newlink
        // runs under RTNL.
        let (this, rtnl) = unsafe { (Device::from_raw(dev), Rtnl::assume()) };
        if let Err(e) = Self::REGISTERED.map_or(Ok(()), |f| f(this, &rtnl, &mut ack)) {
            // SAFETY: RTNL is held; the core frees the device afterwards.
            unsafe { bindings::unregister_netdevice_queue(dev, core::ptr::null_mut()) };
            return e.to_errno();
        }
        0
    }

    /// `rtnl_link_ops.dellink`.
    unsafe extern "C" fn dellink(
        dev: *mut bindings::net_device,
        head: *mut bindings::list_head,
    ) {
        // SAFETY: the core passes a registered device and its batch list
        // under RTNL, exactly what `unregister_netdevice_queue` expects.
        unsafe { bindings::unregister_netdevice_queue(dev, head) }
    }

    /// `rtnl_link_ops.get_size`.
    unsafe extern "C" fn get_size(_dev: *const bindings::net_device) -> usize {
        T::INFO_SIZE
    }

    /// `rtnl_link_ops.fill_info`.
    unsafe extern "C" fn fill_info(
        skb: *mut bindings::sk_buff,
        dev: *const bindings::net_device,
    ) -> c_int {
        // SAFETY: the core passes a registered device of this kind and the
        // message it is filling, both valid during the call.
        let (dev, mut msg) =
            unsafe { (Device::<T>::from_raw(dev.cast_mut()), LinkInfoMsg::new(skb)) };
        errno(T::fill_info(dev, &mut msg))
    }

    /// `net_device.priv_destructor`: drops the state (after unregister, or
    /// when registration fails late).
    unsafe extern "C" fn priv_destructor(dev: *mut bindings::net_device) {
        // SAFETY: the core calls this once no callback can run any more.
        unsafe { PrivSlot::<T>::clear(dev) }
    }

    /// `ndo_uninit`: the driver's teardown, under RTNL.
    unsafe extern "C" fn uninit(dev: *mut bindings::net_device) {
        // SAFETY: `ndo_uninit` runs under RTNL on a device of this kind whose
        // state was initialised before `register_netdevice`.
        let (this, rtnl) = unsafe { (Device::from_raw(dev), Rtnl::assume()) };
        T::uninit(this, &rtnl)
    }

    /// `ndo_get_iflink`: the lower device's index.
    unsafe extern "C" fn iflink(dev: *const bindings::net_device) -> c_int {
        // SAFETY: `ndo_get_iflink` gets a registered device of this kind.
        let this = unsafe { Device::<T>::from_raw(dev.cast_mut()) };
        T::iflink(this)
    }

    /// `ndo_start_xmit`: hands the frame to the driver, which owns it.
    unsafe extern "C" fn start_xmit(
        skb: *mut bindings::sk_buff,
        dev: *mut bindings::net_device,
    ) -> bindings::netdev_tx_t {
        // SAFETY: `ndo_start_xmit` gets a registered device of this kind and
        // hands over its reference to `skb`.
        let (dev, skb) = unsafe { (Device::<T>::from_raw(dev), SkBuff::from_raw(skb)) };
        if let Some(skb) = skb {
            // SAFETY: the core transmits with bottom halves disabled
            // (`rcu_read_lock_bh`), which is an RCU read-side section.
            T::start_xmit(dev, skb, &unsafe { RcuRead::assume() });
        }
        bindings::netdev_tx_NETDEV_TX_OK
    }
}

/// Rejects an `IFLA_ADDRESS` that is not a unicast Ethernet address.
fn validate_address(attrs: &LinkAttrs<'_>, ack: &mut ExtAck) -> Result {
    let Some(attr) = attrs.address() else { return Ok(()) };
    let bytes = attr.bytes();
    if bytes.len() != bindings::ETH_ALEN as usize {
        ack.message_at(attr, kernel::c_str!("vnic: a MAC address has 6 bytes"));
        return Err(EINVAL);
    }
    // SAFETY: `bytes` holds ETH_ALEN bytes, as `is_valid_ether_addr` reads.
    if !unsafe { bindings::vnic_is_valid_ether_addr(bytes.as_ptr()) } {
        ack.message_at(attr, kernel::c_str!("vnic: the MAC address must be unicast and not zero"));
        return Err(super::errno(bindings::EADDRNOTAVAIL));
    }
    Ok(())
}
