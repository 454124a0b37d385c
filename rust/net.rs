// SPDX-License-Identifier: GPL-2.0

//! A small safe layer over the kernel's networking APIs, in the style of
//! `rust/kernel/net/phy.rs`: a driver implements [`Driver`] in safe Rust and
//! [`Registration`] turns it into an rtnl link kind with net_device callbacks.
//!
//! Every `unsafe` of vnic lives below this module.

mod device;
mod driver;
mod link;
mod lower;
mod private;
mod rx;
mod skb;

pub(crate) use device::{Device, Features, Setup};
pub(crate) use driver::Driver;
pub(crate) use link::{nla_total_size, AttrKind, ExtAck, LinkAttrs, LinkInfoMsg, Registration};
pub(crate) use lower::LowerDev;
pub(crate) use rx::RxResult;
pub(crate) use skb::SkBuff;
