// SPDX-License-Identifier: GPL-2.0

//! vnic: virtual NICs for an overlay network that selects services by a
//! 2-byte ID carried in the TCP urgent pointer.
//!
//! Crate layout: `net` (the safe layer over the kernel's C APIs, with the
//! generated bindings private to it: the only place with `unsafe`), `vnic`
//! (the vNIC driver: the SP's transmit direction), `relay` (the relay-vNIC
//! on a physical NIC: the receive direction), `overlay` (what the two share),
//! `supervisor` (the client side), `control` (the genl family), and the pure
//! packet logic unit-tested on the host: `ingress` (the relay's receive
//! verdict), `source6` (IPv6 source choice) and `wire`.

use kernel::prelude::*;

mod control;
mod embed;
mod ingress;
mod net;
mod overlay;
mod relay;
mod segment;
mod session;
mod source6;
mod supervisor;
mod vnic;
mod wire;

module! {
    type: VnicModule,
    name: "vnic",
    author: "vnic developers",
    description: "Virtual NICs selected by an ID in the TCP urgent pointer",
    license: "GPL",
    alias: ["rtnl-link-vnic", "rtnl-link-vnic-relay", "rtnl-link-vnic-ss"],
}

struct VnicModule {
    // Dropped in this order: the family first (no request can reach the
    // devices any more), then the devices of each kind.
    _control: net::GenlRegistration<control::Control>,
    _vnic: net::Registration<vnic::Vnic>,
    _relay: net::Registration<relay::Relay>,
    _supervisor: net::Registration<supervisor::Supervisor>,
}

impl kernel::Module for VnicModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let supervisor = net::Registration::register()?;
        let relay = net::Registration::register()?;
        let vnic = net::Registration::register()?;
        let control = net::GenlRegistration::register(module)?;
        pr_info!("vnic: link kinds \"vnic\", \"vnic-relay\" and \"vnic-ss\" registered\n");
        Ok(Self { _control: control, _vnic: vnic, _relay: relay, _supervisor: supervisor })
    }
}

impl Drop for VnicModule {
    fn drop(&mut self) {
        pr_info!("vnic: unloading: deleting every vnic device\n");
    }
}
