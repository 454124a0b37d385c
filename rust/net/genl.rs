// SPDX-License-Identifier: GPL-2.0

//! Generic netlink families: a driver describes its family in a [`Family`]
//! and answers requests in safe Rust; [`GenlRegistration`] builds the C
//! tables. Every operation runs with RTNL held (the control path's lock).

use super::attrs::{build_policy, Attr, AttrKind, ExtAck, LinkInfoMsg};
use super::bindings;
use super::netdev::Net;
use super::sync::Rtnl;
use core::ffi::{c_char, c_int};
use core::marker::PhantomData;
use core::pin::Pin;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

/// One command of a family.
pub(crate) struct OpSpec {
    /// Command number.
    pub(crate) cmd: u8,
    /// Whether it is a dump (list) rather than a do (single request).
    pub(crate) dump: bool,
    /// Whether it needs CAP_NET_ADMIN in the caller's network namespace.
    pub(crate) admin: bool,
}

/// A generic netlink family.
pub(crate) trait Family: Sized + 'static {
    /// Family name (at most 15 bytes).
    const NAME: &'static CStr;
    /// Family version.
    const VERSION: u32;
    /// Highest attribute number.
    const MAX_ATTR: u16;
    /// Attribute policy; attributes not listed are rejected.
    const POLICY: &'static [(u16, AttrKind)];
    /// The commands.
    const OPS: &'static [OpSpec];
    /// Name of the family's one multicast group (events).
    const MCGRP: &'static CStr;

    /// Handles a do command.
    fn doit(cmd: u8, req: &mut Request<'_>) -> Result;
    /// Fills one part of a dump, resuming from `dump.cursor()`.
    fn dumpit(cmd: u8, dump: &mut Dump<'_>) -> Result;
}

/// A message being built (reply, event or dump part).
pub(crate) struct GenlMsg(*mut bindings::sk_buff);

impl GenlMsg {
    fn put(&mut self, ty: u16, data: &[u8]) -> Result {
        let len = c_int::try_from(data.len()).map_err(|_| EINVAL)?;
        // SAFETY: `self.0` is a message being built; `data` is valid for `len`.
        to_result(unsafe { bindings::nla_put(self.0, c_int::from(ty), len, data.as_ptr().cast()) })
    }
    /// Appends a u16 attribute.
    pub(crate) fn put_u16(&mut self, ty: u16, v: u16) -> Result {
        self.put(ty, &v.to_ne_bytes())
    }
    /// Appends a u32 attribute.
    pub(crate) fn put_u32(&mut self, ty: u16, v: u32) -> Result {
        self.put(ty, &v.to_ne_bytes())
    }
    /// Appends a binary attribute.
    pub(crate) fn put_bytes(&mut self, ty: u16, v: &[u8]) -> Result {
        self.put(ty, v)
    }
    /// Appends a nested attribute `ty` whose content `f` writes as a link
    /// kind writes its `ip -d link` attributes (so one `fill_info` serves
    /// both); on error the nest is removed again.
    pub(crate) fn nest(&mut self, ty: u16, f: impl FnOnce(&mut LinkInfoMsg) -> Result) -> Result {
        // SAFETY: `self.0` is a message being built.
        let start = unsafe { bindings::vnic_nla_nest_start(self.0, c_int::from(ty)) };
        if start.is_null() {
            return Err(super::errno(bindings::EMSGSIZE));
        }
        // SAFETY: the nest's content goes into the same message, valid while
        // `self` is borrowed.
        let r = f(&mut unsafe { LinkInfoMsg::new(self.0) });
        // SAFETY: `start` was returned by nla_nest_start on this message and
        // nothing after it was removed.
        unsafe {
            match r {
                Ok(()) => bindings::vnic_nla_nest_end(self.0, start),
                Err(_) => bindings::vnic_nla_nest_cancel(self.0, start),
            }
        }
        r
    }
}

/// Builds one message `cmd` into `skb` with `f`; on error the partial
/// message is removed again.
///
/// # Safety
///
/// `skb` is a netlink message buffer, `family` a registered family.
unsafe fn build(
    skb: *mut bindings::sk_buff,
    family: *const bindings::genl_family,
    portid: u32,
    seq: u32,
    flags: c_int,
    cmd: u8,
    f: impl FnOnce(&mut GenlMsg) -> Result,
) -> Result {
    // SAFETY: forwarded from the caller.
    let hdr = unsafe { bindings::genlmsg_put(skb, portid, seq, family, flags, cmd) };
    if hdr.is_null() {
        return Err(super::errno(bindings::EMSGSIZE));
    }
    match f(&mut GenlMsg(skb)) {
        // SAFETY: `hdr` was put into `skb` just above.
        Ok(()) => unsafe { bindings::vnic_genlmsg_end(skb, hdr) },
        Err(e) => {
            // SAFETY: as above.
            unsafe { bindings::vnic_genlmsg_cancel(skb, hdr) };
            return Err(e);
        }
    }
    Ok(())
}

fn attr_of<'a>(attrs: *mut *mut bindings::nlattr, max: u16, ty: u16) -> Option<Attr<'a>> {
    if attrs.is_null() || ty > max {
        return None;
    }
    // SAFETY: the core parsed the request into `max + 1` slots with our
    // policy; entries are null or valid for the operation.
    unsafe { Attr::from_raw(*attrs.add(usize::from(ty))) }
}

/// What do requests and dumps share: the parsed request and the RTNL proof.
pub(crate) struct Ctx<'a> {
    info: *const bindings::genl_info,
    rtnl: &'a Rtnl,
    max: u16,
}

impl<'a> Ctx<'a> {
    /// Attribute `ty` of the request, if present.
    pub(crate) fn attr(&self, ty: u16) -> Option<Attr<'a>> {
        // SAFETY: `info` is valid for the whole operation or dump.
        attr_of(unsafe { (*self.info).attrs }, self.max, ty)
    }
    /// Proof that RTNL is held.
    pub(crate) fn rtnl(&self) -> &'a Rtnl {
        self.rtnl
    }
    /// The requester's network namespace (live for the whole request).
    pub(crate) fn net(&self) -> Net {
        // SAFETY: `info` is valid for the whole operation or dump, and the
        // requester's socket holds its namespace for as long.
        Net(unsafe { bindings::vnic_genl_info_net(self.info) })
    }
    fn family(&self) -> *const bindings::genl_family {
        // SAFETY: as above.
        unsafe { (*self.info).family }
    }
}

/// A do request.
pub(crate) struct Request<'a> {
    ctx: Ctx<'a>,
}

impl<'a> core::ops::Deref for Request<'a> {
    type Target = Ctx<'a>;
    fn deref(&self) -> &Ctx<'a> {
        &self.ctx
    }
}

impl<'a> Request<'a> {
    /// Where error messages go.
    pub(crate) fn extack(&self) -> ExtAck {
        // SAFETY: `info` is valid during the operation.
        unsafe { ExtAck::new((*self.ctx.info).extack) }
    }
    /// Multicasts an event built by `f` to the family's group in the
    /// requester's namespace (nobody listening is not an error, and then
    /// nothing is built: a bulk load of sessions allocates no events).
    pub(crate) fn notify(&mut self, cmd: u8, f: impl FnOnce(&mut GenlMsg) -> Result) -> Result {
        // SAFETY: the family is registered; `net` is the requester's,
        // alive during the operation; group 0 is the family's only group.
        if !unsafe { bindings::vnic_genl_has_listeners(self.family(), self.net().0, 0) } {
            return Ok(());
        }
        // SAFETY: allocation of a netlink message; checked below.
        let skb = unsafe { bindings::vnic_genlmsg_new_default() };
        if skb.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: the family is registered; `skb` is ours.
        let built = unsafe { build(skb, self.family(), 0, 0, 0, cmd, f) };
        if let Err(e) = built {
            // SAFETY: not sent, still ours.
            unsafe { bindings::vnic_kfree_skb(skb) };
            return Err(e);
        }
        // SAFETY: consumes `skb`; group 0 is the family's only group.
        let ret = unsafe { bindings::vnic_genlmsg_multicast(self.family(), self.net().0, skb, 0) };
        if ret == -(bindings::ESRCH as c_int) { Ok(()) } else { to_result(ret) }
    }
}

/// One part of a dump.
pub(crate) struct Dump<'a> {
    ctx: Ctx<'a>,
    skb: *mut bindings::sk_buff,
    cb: *mut bindings::netlink_callback,
}

impl<'a> core::ops::Deref for Dump<'a> {
    type Target = Ctx<'a>;
    fn deref(&self) -> &Ctx<'a> {
        &self.ctx
    }
}

impl<'a> Dump<'a> {
    /// Where error messages go.
    pub(crate) fn extack(&self) -> ExtAck {
        // SAFETY: `cb` is valid during the callback.
        unsafe { ExtAck::new((*self.cb).extack) }
    }
    /// Where the previous part stopped (0 at the start).
    pub(crate) fn cursor(&self) -> u64 {
        // SAFETY: `cb` is valid; `args` is ours to use between parts.
        unsafe { (*self.cb).__bindgen_anon_1.args[0] as u64 }
    }
    /// Records where the next part starts.
    pub(crate) fn set_cursor(&mut self, at: u64) {
        // SAFETY: as in `cursor`.
        unsafe { (*self.cb).__bindgen_anon_1.args[0] = at as core::ffi::c_long };
    }
    /// Adds one message; `Ok(false)` if this part is full (resume later).
    pub(crate) fn message(&mut self, cmd: u8, f: impl FnOnce(&mut GenlMsg) -> Result) -> Result<bool> {
        // SAFETY: `skb` and `cb` are valid during the callback; the family
        // is registered.
        let r = unsafe {
            build(
                self.skb,
                self.family(),
                bindings::vnic_cb_portid(self.cb),
                bindings::vnic_cb_seq(self.cb),
                bindings::NLM_F_MULTI as c_int,
                cmd,
                f,
            )
        };
        match r {
            Ok(()) => Ok(true),
            Err(e) if e == super::errno(bindings::EMSGSIZE) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

unsafe extern "C" fn doit<F: Family>(_skb: *mut bindings::sk_buff, info: *mut bindings::genl_info) -> c_int {
    // SAFETY: the core passes a valid `info` with the parsed header.
    let cmd = unsafe { (*(*info).genlhdr).cmd };
    Rtnl::with(|rtnl| {
        let mut req = Request { ctx: Ctx { info, rtnl, max: F::MAX_ATTR } };
        match F::doit(cmd, &mut req) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    })
}

unsafe extern "C" fn dumpit<F: Family>(skb: *mut bindings::sk_buff, cb: *mut bindings::netlink_callback) -> c_int {
    // SAFETY: genetlink dumps carry a `genl_dumpit_info` with the parsed request.
    let info = unsafe { bindings::vnic_genl_dumpit_info(cb) };
    // SAFETY: as above.
    let cmd = unsafe { (*(*info).genlhdr).cmd };
    Rtnl::with(|rtnl| {
        let mut dump = Dump { ctx: Ctx { info, rtnl, max: F::MAX_ATTR }, skb, cb };
        match F::dumpit(cmd, &mut dump) {
            // SAFETY: `skb` is valid; a non-empty part means "call again".
            Ok(()) => unsafe { (*skb).len as c_int },
            Err(e) => e.to_errno(),
        }
    })
}

fn copy_name(dst: &mut [c_char], src: &CStr) -> Result {
    let bytes = src.as_bytes();
    if bytes.len() >= dst.len() {
        return Err(EINVAL);
    }
    for (d, s) in dst.iter_mut().zip(bytes) {
        *d = *s as c_char;
    }
    Ok(())
}

/// `GENL_MCAST_CAP_NET_ADMIN` (`BIT(0)`, which bindgen cannot evaluate).
const GENL_MCAST_CAP_NET_ADMIN: u8 = 1 << 0;

/// A registered generic netlink family, unregistered on drop.
pub(crate) struct GenlRegistration<F: Family> {
    family: Pin<KBox<Opaque<bindings::genl_family>>>,
    _ops: KVec<bindings::genl_ops>,
    _mcgrps: KVec<bindings::genl_multicast_group>,
    _policy: KVec<bindings::nla_policy>,
    _p: PhantomData<F>,
}

impl<F: Family> GenlRegistration<F> {
    /// Registers family `F` for `module`.
    pub(crate) fn register(module: &'static ThisModule) -> Result<Self> {
        let policy = build_policy(F::MAX_ATTR, F::POLICY)?;
        let mut ops = KVec::with_capacity(F::OPS.len(), GFP_KERNEL)?;
        for spec in F::OPS {
            let mut op = bindings::genl_ops { cmd: spec.cmd, ..Default::default() };
            if spec.dump {
                op.dumpit = Some(dumpit::<F>);
            } else {
                op.doit = Some(doit::<F>);
            }
            if spec.admin {
                op.flags = bindings::GENL_UNS_ADMIN_PERM as u8;
            }
            ops.push(op, GFP_KERNEL)?;
        }
        let mut mcgrps = KVec::with_capacity(1, GFP_KERNEL)?;
        let mut grp = bindings::genl_multicast_group::default();
        copy_name(&mut grp.name, F::MCGRP)?;
        // Events name clients and their IDs: listening needs CAP_NET_ADMIN
        // in the namespace, as reading them does.
        grp.flags = GENL_MCAST_CAP_NET_ADMIN;
        mcgrps.push(grp, GFP_KERNEL)?;

        let mut family = bindings::genl_family {
            version: F::VERSION,
            maxattr: u32::from(F::MAX_ATTR),
            policy: policy.as_ptr(),
            ops: ops.as_ptr(),
            n_ops: u8::try_from(ops.len()).map_err(|_| EINVAL)?,
            mcgrps: mcgrps.as_ptr(),
            n_mcgrps: 1,
            module: module.as_ptr().cast(),
            ..Default::default()
        };
        copy_name(&mut family.name, F::NAME)?;
        family.set_netnsok(1);
        let family = KBox::pin(Opaque::new(family), GFP_KERNEL)?;
        // SAFETY: the family, its ops, groups and policy live on the heap
        // until `drop` unregisters the family.
        to_result(unsafe { bindings::genl_register_family(family.get()) })?;
        Ok(Self { family, _ops: ops, _mcgrps: mcgrps, _policy: policy, _p: PhantomData })
    }
}

impl<F: Family> Drop for GenlRegistration<F> {
    fn drop(&mut self) {
        // SAFETY: registered in `register`; unregistering waits for running
        // operations and dumps.
        unsafe { bindings::genl_unregister_family(self.family.get()) };
    }
}

// SAFETY: the tables are only read by the kernel and freed in `drop`.
unsafe impl<F: Family> Send for GenlRegistration<F> {}
// SAFETY: no `&self` methods.
unsafe impl<F: Family> Sync for GenlRegistration<F> {}
