//! The relay's session table in the kernel, by device names, over generic
//! netlink.

use super::reconcile::Key;
use crate::error::CliError;
use crate::genl::Genl;
use crate::iface::{ifindex, ifname};
use std::net::IpAddr;
use vnic_uapi::genl::{
    parse_session, relay_filter, session_attrs, Session, CMD_SESSION_ADD, CMD_SESSION_DEL, CMD_SESSION_GET, NLM_F_DUMP,
};

/// The session table of one relay.
pub struct Relay {
    genl: Genl,
    name: String,
    index: u32,
}

impl Relay {
    /// Opens the `vnic` family and finds relay `name`.
    pub fn open(name: &str) -> Result<Relay, CliError> {
        let index = ifindex(name)?;
        Ok(Relay { genl: Genl::open()?, name: name.to_string(), index })
    }

    /// Lets `client` use `id`, delivered to vNIC `vnic`.
    pub fn add(&mut self, client: IpAddr, id: u16, vnic: &str) -> Result<(), CliError> {
        let s = Session { relay: self.index, vnic: Some(ifindex(vnic)?), client, id, cip: None };
        let what = format!("adding the session of {client} with ID {id} on {}", self.name);
        self.genl.request(&what, CMD_SESSION_ADD, 0, &session_attrs(&s)).map(drop)
    }

    /// Removes the session of `client` with `id`.
    pub fn del(&mut self, client: IpAddr, id: u16) -> Result<(), CliError> {
        let s = Session { relay: self.index, vnic: None, client, id, cip: None };
        let what = format!("deleting the session of {client} with ID {id} on {}", self.name);
        self.genl.request(&what, CMD_SESSION_DEL, 0, &session_attrs(&s)).map(drop)
    }

    /// Every session of the relay.
    pub fn dump(&mut self) -> Result<Vec<Key>, CliError> {
        let what = format!("listing the sessions of {}", self.name);
        let msgs = self.genl.request(&what, CMD_SESSION_GET, NLM_F_DUMP, &relay_filter(self.index))?;
        msgs.iter()
            .map(|m| {
                let s = parse_session(m).map_err(|e| CliError::Kernel(format!("{what} failed: {e}")))?;
                Ok((s.client, s.id, s.vnic.map(ifname).unwrap_or_default()))
            })
            .collect()
    }
}
