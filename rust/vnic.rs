// SPDX-License-Identifier: GPL-2.0

//! The vNIC device: an Ethernet net_device with a service ID.
//!
//! Services bind to its pseudo address (its primary IPv4 address). The relay
//! delivers a client's granted segments on it and rewrites the replies, which
//! leave by the host's route to the client (see `relay.rs`), counted as the
//! vNIC's tx. What the stack routes into the vNIC itself (other addresses of
//! its subnet, IPv6 neighbour discovery) goes nowhere: counted as tx_dropped.

use crate::bindings::{IFLA_VNIC_ID, __IFLA_VNIC_MAX};
use crate::net::{nla_total_size, AttrKind, Device, Driver, ExtAck, Features, LinkAttrs};
use crate::net::{LinkInfoMsg, Setup, SkBuff};
use kernel::prelude::*;

/// The vnic driver (link kind `vnic`).
pub(crate) struct Vnic;

/// State of one vNIC.
pub(crate) struct VnicState {
    /// Service ID, 1..=65535; `None` until one is assigned.
    id: Option<u16>,
}

impl Driver for Vnic {
    const KIND: &'static CStr = kernel::c_str!("vnic");
    const MAX_ATTR: u16 = (__IFLA_VNIC_MAX - 1) as u16;
    const POLICY: &'static [(u16, AttrKind)] = &[(IFLA_VNIC_ID as u16, AttrKind::U16)];
    const INFO_SIZE: usize = nla_total_size(2);

    type Private = VnicState;

    fn setup(dev: &mut Setup) {
        dev.set_features(
            Features::SG
                .with(Features::FRAGLIST)
                .with(Features::HW_CSUM)
                .with(Features::HIGHDMA)
                .with(Features::GSO_SOFTWARE),
        );
        dev.set_mtu_range(68, 65535);
        // Pseudo addresses are never resolved on a wire: the relay delivers
        // to the vNIC, and replies leave by the pNIC's neighbours.
        dev.set_noarp();
    }

    fn validate(attrs: &LinkAttrs<'_>, extack: &mut ExtAck) -> Result {
        if let Some(attr) = attrs.data(IFLA_VNIC_ID) {
            match attr.u16() {
                None => {
                    extack.message_at(attr, kernel::c_str!("vnic: the ID is a 16-bit value"));
                    return Err(EINVAL);
                }
                Some(0) => {
                    extack.message_at(attr, kernel::c_str!("vnic: ID 0 is reserved; use 1..65535"));
                    return Err(EINVAL);
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn newlink(attrs: &LinkAttrs<'_>, _extack: &mut ExtAck) -> Result<VnicState> {
        let id = attrs.data(IFLA_VNIC_ID).and_then(|a| a.u16()).filter(|&id| id != 0);
        Ok(VnicState { id })
    }

    fn start_xmit(dev: &Device<Self>, skb: SkBuff) {
        // Nothing leaves through the vNIC itself (replies are rewritten
        // after routing and leave by the pNIC, counted as tx there): what
        // the stack routes here goes nowhere.
        dev.count_tx_dropped();
        drop(skb);
    }

    fn fill_info(dev: &Device<Self>, msg: &mut LinkInfoMsg) -> Result {
        match dev.private().id {
            Some(id) => msg.put_u16(IFLA_VNIC_ID, id),
            None => Ok(()),
        }
    }
}
