// SPDX-License-Identifier: GPL-2.0

//! The netlink views the rtnl and genl callbacks hand a driver: a request's
//! attributes ([`LinkAttrs`], [`Attr`]), where its error message goes
//! ([`ExtAck`]), the reply being filled ([`LinkInfoMsg`]), and the policies
//! ([`AttrKind`]) the core checks attributes against.

use super::bindings;
use super::lower::LowerDev;
use core::marker::PhantomData;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::str::CStr;

/// Netlink attribute types a driver's policy may use.
#[derive(Clone, Copy)]
pub(crate) enum AttrKind {
    /// A 16-bit unsigned integer in host byte order.
    U16,
    /// A 32-bit unsigned integer in host byte order.
    U32,
    /// Bytes, at most this many.
    Binary(u16),
    /// Present or absent, no payload.
    Flag,
}

/// Builds a netlink policy with `max + 1` entries from `spec`; strict from
/// the first attribute on (a new interface has no legacy users).
pub(super) fn build_policy(max: u16, spec: &[(u16, AttrKind)]) -> Result<KVec<bindings::nla_policy>> {
    let n = usize::from(max) + 1;
    let mut policy = KVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        policy.push(bindings::nla_policy::default(), GFP_KERNEL)?;
    }
    for &(ty, kind) in spec {
        let slot = policy.get_mut(usize::from(ty)).ok_or(EINVAL)?;
        match kind {
            AttrKind::U16 => slot.type_ = bindings::NLA_U16 as u8,
            AttrKind::U32 => slot.type_ = bindings::NLA_U32 as u8,
            AttrKind::Binary(len) => {
                slot.type_ = bindings::NLA_BINARY as u8;
                slot.len = len;
            }
            AttrKind::Flag => slot.type_ = bindings::NLA_FLAG as u8,
        }
    }
    if let Some(first) = policy.first_mut() {
        first.__bindgen_anon_1.strict_start_type = 1;
    }
    Ok(policy)
}

/// Space a netlink attribute with `payload` bytes takes (`nla_total_size()`).
pub(crate) const fn nla_total_size(payload: usize) -> usize {
    const NLA_HDRLEN: usize = 4;
    NLA_HDRLEN + ((payload + 3) & !3)
}

/// One netlink attribute, already checked against the link kind's policy.
#[derive(Clone, Copy)]
pub(crate) struct Attr<'a>(&'a bindings::nlattr);

impl<'a> Attr<'a> {
    /// # Safety
    ///
    /// `nla` is null or a validated attribute valid for `'a`.
    pub(super) unsafe fn from_raw(nla: *const bindings::nlattr) -> Option<Self> {
        // SAFETY: forwarded from the caller.
        unsafe { nla.as_ref() }.map(Attr)
    }

    /// The payload bytes.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        let nla: *const bindings::nlattr = self.0;
        // SAFETY: the core validated the attribute's length against the
        // message, so `nla_len` bytes of payload follow its header.
        unsafe {
            let len = usize::try_from(bindings::vnic_nla_len(nla)).unwrap_or(0);
            core::slice::from_raw_parts(bindings::vnic_nla_data(nla).cast::<u8>(), len)
        }
    }

    /// The payload as a `u16`; `None` if it is not exactly two bytes (the
    /// policy prevents that for `AttrKind::U16`).
    pub(crate) fn u16(&self) -> Option<u16> {
        let b: [u8; 2] = self.bytes().try_into().ok()?;
        Some(u16::from_ne_bytes(b))
    }

    /// The payload as a `u32`; `None` if it is not exactly four bytes.
    pub(crate) fn u32(&self) -> Option<u32> {
        let b: [u8; 4] = self.bytes().try_into().ok()?;
        Some(u32::from_ne_bytes(b))
    }
}

/// The attributes of an rtnl request: the generic `IFLA_*` ones and the
/// link kind's own (nested in `IFLA_INFO_DATA`).
pub(crate) struct LinkAttrs<'a> {
    net: *mut bindings::net,
    dev_net: *mut bindings::net,
    tb: *mut *mut bindings::nlattr,
    data: *mut *mut bindings::nlattr,
    max_data: u16,
    _p: PhantomData<&'a bindings::nlattr>,
}

impl<'a> LinkAttrs<'a> {
    /// # Safety
    ///
    /// `tb` is null or an array of `IFLA_MAX + 1` attribute pointers, `data`
    /// is null or an array of `max_data + 1`, each valid for `'a`; `net` is
    /// null or the request's network namespace, `dev_net` null or the one
    /// the new device is created in, and RTNL is held.
    pub(super) unsafe fn new(
        net: *mut bindings::net,
        dev_net: *mut bindings::net,
        tb: *mut *mut bindings::nlattr,
        data: *mut *mut bindings::nlattr,
        max_data: u16,
    ) -> Self {
        Self { net, dev_net, tb, data, max_data, _p: PhantomData }
    }

    fn pick(table: *mut *mut bindings::nlattr, max: u32, ty: u32) -> Option<Attr<'a>> {
        if table.is_null() || ty > max {
            return None;
        }
        // SAFETY: `table` has `max + 1` entries (`new`) and `ty <= max`; each
        // entry is null or an attribute valid for `'a`.
        let nla = unsafe { *table.add(ty as usize) };
        // SAFETY: as above: non-null entries are valid for `'a`.
        unsafe { nla.as_ref() }.map(Attr)
    }

    /// The link kind's attribute `ty` (`IFLA_<KIND>_*`), if present.
    pub(crate) fn data(&self, ty: u32) -> Option<Attr<'a>> {
        Self::pick(self.data, u32::from(self.max_data), ty)
    }

    /// The device named by the generic `IFLA_LINK` attribute (`ip link add
    /// ... link DEV`), referenced; errors carry an extack message. It must
    /// live in the namespace the new device is created in: a frame never
    /// crosses namespaces through vnic.
    pub(crate) fn lower(&self, ack: &mut ExtAck) -> Result<LowerDev> {
        let Some(attr) = Self::pick(self.tb, bindings::__IFLA_MAX - 1, bindings::IFLA_LINK) else {
            ack.message(kernel::c_str!("vnic: a lower device is required (link DEV)"));
            return Err(EINVAL);
        };
        let ifindex = attr.bytes().try_into().map(u32::from_ne_bytes).map_err(|_| EINVAL)?;
        if self.net.is_null() {
            return Err(EINVAL);
        }
        // SAFETY: `net` is the request's live namespace and RTNL is held (`new`).
        let lower = unsafe { LowerDev::get(self.net, ifindex) }.inspect_err(|_| {
            ack.message_at(attr, kernel::c_str!("vnic: the lower device does not exist"));
        })?;
        if lower.net().0 != self.dev_net {
            ack.message_at(
                attr,
                kernel::c_str!("vnic: the lower device must be in the namespace the new device is created in"),
            );
            return Err(EINVAL);
        }
        Ok(lower)
    }

    /// The generic `IFLA_ADDRESS` attribute, if present.
    pub(crate) fn address(&self) -> Option<Attr<'a>> {
        Self::pick(self.tb, bindings::__IFLA_MAX - 1, bindings::IFLA_ADDRESS)
    }
}

/// Where a netlink request's error message goes (`struct netlink_ext_ack`).
pub(crate) struct ExtAck(*mut bindings::netlink_ext_ack);

impl ExtAck {
    /// # Safety
    ///
    /// `ptr` is null or a valid extack for the duration of the callback.
    pub(super) unsafe fn new(ptr: *mut bindings::netlink_ext_ack) -> Self {
        Self(ptr)
    }

    /// Sets the message userspace sees with the error (`NL_SET_ERR_MSG`).
    pub(crate) fn message(&mut self, msg: &'static CStr) {
        self.set(msg, core::ptr::null());
    }

    /// Sets the message userspace sees with the error and points it at the
    /// offending attribute (`NL_SET_ERR_MSG_ATTR`).
    pub(crate) fn message_at(&mut self, attr: Attr<'_>, msg: &'static CStr) {
        self.set(msg, attr.0);
    }

    fn set(&mut self, msg: &'static CStr, attr: *const bindings::nlattr) {
        // SAFETY: a non-null extack is valid during the callback (`new`); the
        // message is static, as the core requires (it keeps the pointer).
        if let Some(ack) = unsafe { self.0.as_mut() } {
            ack._msg = msg.as_char_ptr().cast();
            ack.bad_attr = attr;
        }
    }
}

/// The reply being built for `ip -d link show` (the `fill_info` callback).
pub(crate) struct LinkInfoMsg(*mut bindings::sk_buff);

impl LinkInfoMsg {
    /// # Safety
    ///
    /// `skb` is the netlink message the core is filling, valid for the callback.
    pub(super) unsafe fn new(skb: *mut bindings::sk_buff) -> Self {
        Self(skb)
    }

    /// Appends a `u64` attribute (aligned with `pad`); `EMSGSIZE` if full.
    pub(crate) fn put_u64(&mut self, ty: u32, value: u64, pad: u32) -> Result {
        let ty = i32::try_from(ty).map_err(|_| EINVAL)?;
        let pad = i32::try_from(pad).map_err(|_| EINVAL)?;
        // SAFETY: `self.0` is the message being filled (`new`).
        to_result(unsafe { bindings::vnic_nla_put_u64(self.0, ty, value, pad) })
    }

    /// Appends a `u32` attribute; `EMSGSIZE` if the message is full.
    pub(crate) fn put_u32(&mut self, ty: u32, value: u32) -> Result {
        let ty = i32::try_from(ty).map_err(|_| EINVAL)?;
        let b = value.to_ne_bytes();
        // SAFETY: `self.0` is the message being filled (`new`); `b` is 4 bytes.
        to_result(unsafe { bindings::nla_put(self.0, ty, 4, b.as_ptr().cast()) })
    }

    /// Appends a `u16` attribute; `EMSGSIZE` if the message is full.
    pub(crate) fn put_u16(&mut self, ty: u32, value: u16) -> Result {
        let ty = i32::try_from(ty).map_err(|_| EINVAL)?;
        // SAFETY: `self.0` is the message being filled (`new`).
        to_result(unsafe { bindings::vnic_nla_put_u16(self.0, ty, value) })
    }
}
