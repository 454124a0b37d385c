// SPDX-License-Identifier: GPL-2.0

//! A small safe layer over the kernel's networking APIs, in the style of
//! `rust/kernel/net/phy.rs`: a driver implements [`Driver`] in safe Rust and
//! [`Registration`] turns it into an rtnl link kind with net_device callbacks.
//!
//! Every `unsafe` of vnic lives below this module. Its files, bottom to top
//! (each imports only files above it in this list):
//! - `bindings` (private), `uapi`: the C declarations;
//! - `sync`: the RTNL and RCU proofs; `rcu_map`, `rcu_arc`: RCU-read state;
//!   `percpu`: per-CPU counters; `ipv4_cell`: an address kept for the fast path;
//! - `netdev`: any net_device and its namespace; `setup`: one being made;
//! - `edit`: header edits of a borrowed buffer; `skb`: an owned buffer;
//! - `lower`: a held lower device; `attrs`: netlink views;
//! - `kind`, `private`, `device`: a device of one of vnic's kinds;
//! - `driver`: the `#[vtable]` trait; `adapter`: its C ops tables;
//! - `rx`, `nf`: receive handlers and netfilter hooks for a driver;
//! - `addr`: IPv4 address events for a driver;
//! - `link`: the registration; `genl`: the generic netlink family.

// The generated bindings: private to the layer (drivers see `uapi` only).
#[path = "bindings.rs"]
mod bindings;
mod adapter;
mod addr;
mod attrs;
mod device;
mod driver;
mod edit;
mod genl;
mod ipv4_cell;
mod kind;
mod link;
mod lower;
mod netdev;
mod nf;
mod percpu;
mod private;
mod rcu_arc;
mod rcu_map;
mod rx;
mod setup;
mod skb;
mod sync;
pub(crate) mod uapi;

pub(crate) use attrs::{nla_total_size, Attr, AttrKind, ExtAck, LinkAttrs, LinkInfoMsg};
pub(crate) use device::Device;
pub(crate) use driver::{Driver, RxResult};
pub(crate) use edit::{SkbMut, Sum};
pub(crate) use ipv4_cell::Ipv4Cell;
pub(crate) use genl::{Dump, Family, GenlMsg, GenlRegistration, OpSpec, Request};
pub(crate) use kind::LinkKind;
pub(crate) use link::Registration;
pub(crate) use lower::LowerDev;
pub(crate) use netdev::{Ipv6Address, Net};
pub(crate) use nf::{HookPoint, NfDriver, NfHooks, Verdict};
pub(crate) use percpu::{Counter, PerCpuCounters};
pub(crate) use rcu_arc::RcuArc;
pub(crate) use rcu_map::{MapKey, RcuMap};
pub(crate) use rx::{attach_rx, detach_rx};
pub(crate) use setup::{Features, Setup};
pub(crate) use skb::SkBuff;
pub(crate) use sync::{RcuRead, Rtnl};

/// The kernel error for errno `code` (for codes `kernel::error::code` lacks).
pub(crate) fn errno(code: u32) -> kernel::error::Error {
    kernel::error::Error::from_errno(-(code as i32))
}
