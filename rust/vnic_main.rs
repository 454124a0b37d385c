// SPDX-License-Identifier: GPL-2.0

//! vnic: virtual NICs for an overlay network that selects services by a
//! 2-byte ID carried in the TCP urgent pointer.
//!
//! Crate layout: `bindings` (generated), `net` (the safe layer over the
//! kernel's C APIs: the only place with `unsafe`), `vnic` (the driver).

use kernel::prelude::*;

mod bindings;
mod net;
mod vnic;

module! {
    type: VnicModule,
    name: "vnic",
    author: "vnic developers",
    description: "Virtual NICs selected by an ID in the TCP urgent pointer",
    license: "GPL",
    alias: ["rtnl-link-vnic"],
}

struct VnicModule {
    _link: net::Registration<vnic::Vnic>,
}

impl kernel::Module for VnicModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let link = net::Registration::register()?;
        pr_info!("vnic: link kind \"vnic\" registered\n");
        Ok(Self { _link: link })
    }
}

impl Drop for VnicModule {
    fn drop(&mut self) {
        pr_info!("vnic: unloading: deleting every vnic device\n");
    }
}
