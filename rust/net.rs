// SPDX-License-Identifier: GPL-2.0

//! A small safe layer over the kernel's networking APIs, in the style of
//! `rust/kernel/net/phy.rs`: a driver implements [`Driver`] in safe Rust and
//! [`Registration`] turns it into an rtnl link kind with net_device callbacks.
//!
//! Every `unsafe` of vnic lives below this module.

// The generated bindings: private to the layer (drivers see `uapi` only).
#[path = "bindings.rs"]
mod bindings;
mod device;
mod driver;
mod edit;
mod genl;
mod link;
mod lower;
mod nf;
mod private;
mod rcu_map;
mod route;
mod rx;
mod skb;
pub(crate) mod uapi;

pub(crate) use device::{Device, Features, Net, Setup};
pub(crate) use driver::Driver;
pub(crate) use edit::{SkbMut, Sum};
pub(crate) use nf::{HookPoint, NfDriver, NfHooks, Verdict};
pub(crate) use genl::{Dump, Family, GenlMsg, GenlRegistration, OpSpec, Request};
pub(crate) use link::{nla_total_size, Attr, AttrKind, ExtAck, LinkAttrs, LinkInfoMsg, Registration};
pub(crate) use rcu_map::{MapKey, RcuMap, RcuRead, Rtnl};
pub(crate) use lower::LowerDev;
pub(crate) use rx::RxResult;
pub(crate) use skb::SkBuff;

/// The kernel error for errno `code` (for codes `kernel::error::code` lacks).
pub(crate) fn errno(code: u32) -> kernel::error::Error {
    kernel::error::Error::from_errno(-(code as i32))
}
