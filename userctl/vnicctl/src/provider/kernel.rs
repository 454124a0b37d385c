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
    /// `None`: the benchmark's detached mode (no kernel).
    genl: Option<Genl>,
    name: String,
    index: u32,
}

/// Set (to 1) by `tests/bench/auth_udp.sh` only: the daemon programs no
/// relay, so that the authentication benchmark runs on a host without the
/// module. Never for real use: granted sessions would reach nobody.
pub const DETACHED_ENV: &str = "VNIC_BENCH_WITHOUT_RELAY";

impl Relay {
    /// Opens the `vnic` family and finds relay `name` (detached when
    /// [`DETACHED_ENV`] is 1).
    pub fn open(name: &str) -> Result<Relay, CliError> {
        if std::env::var(DETACHED_ENV).is_ok_and(|v| v == "1") {
            return Ok(Relay { genl: None, name: name.to_string(), index: 0 });
        }
        let index = ifindex(name)?;
        Ok(Relay { genl: Some(Genl::open()?), name: name.to_string(), index })
    }

    /// Whether no kernel is programmed (the benchmark's mode).
    pub fn detached(&self) -> bool {
        self.genl.is_none()
    }

    /// Lets `client` use `id`, delivered to vNIC `vnic`.
    pub fn add(&mut self, client: IpAddr, id: u16, vnic: &str) -> Result<(), CliError> {
        let Some(genl) = self.genl.as_mut() else {
            return Ok(());
        };
        let s = Session { relay: self.index, vnic: Some(ifindex(vnic)?), client, id, cip: None };
        let what = format!("adding the session of {client} with ID {id} on {}", self.name);
        genl.request(&what, CMD_SESSION_ADD, 0, &session_attrs(&s)).map(drop)
    }

    /// Removes the session of `client` with `id`.
    pub fn del(&mut self, client: IpAddr, id: u16) -> Result<(), CliError> {
        let Some(genl) = self.genl.as_mut() else {
            return Ok(());
        };
        let s = Session { relay: self.index, vnic: None, client, id, cip: None };
        let what = format!("deleting the session of {client} with ID {id} on {}", self.name);
        genl.request(&what, CMD_SESSION_DEL, 0, &session_attrs(&s)).map(drop)
    }

    /// Every session of the relay.
    pub fn dump(&mut self) -> Result<Vec<Key>, CliError> {
        let Some(genl) = self.genl.as_mut() else {
            return Ok(Vec::new());
        };
        let what = format!("listing the sessions of {}", self.name);
        let msgs = genl.request(&what, CMD_SESSION_GET, NLM_F_DUMP, &relay_filter(self.index))?;
        msgs.iter()
            .map(|m| {
                let s = parse_session(m).map_err(|e| CliError::Kernel(format!("{what} failed: {e}")))?;
                Ok((s.client, s.id, s.vnic.map(ifname).unwrap_or_default()))
            })
            .collect()
    }
}
