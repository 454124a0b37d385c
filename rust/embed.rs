// SPDX-License-Identifier: GPL-2.0

//! The embedding rules of a supervisor: which (server address, port) gets
//! which ID. Lookups are RCU and O(1); writers hold RTNL.

use crate::net::{MapKey, RcuMap, RcuRead, Rtnl};
use crate::wire::{session_hash, Addr};
use kernel::prelude::*;

/// Most rules one supervisor holds.
pub(crate) const MAX_RULES: usize = 65535;
const BUCKETS: usize = 4096;

/// A service: its address and TCP port.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Service {
    /// The server's address (the SP host's, as the client sees it).
    pub(crate) addr: Addr,
    /// The TCP port.
    pub(crate) port: u16,
}

impl MapKey for Service {
    fn hash(&self, seed: u32) -> u32 {
        session_hash(&self.addr, self.port, seed)
    }
}

/// The rules of one supervisor.
pub(crate) struct EmbedTable(RcuMap<Service, u16>);

impl EmbedTable {
    /// An empty table.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self(RcuMap::new(BUCKETS, MAX_RULES)?))
    }

    /// The ID for segments to or from `service` (fast path).
    pub(crate) fn id(&self, rcu: &RcuRead, service: &Service) -> Option<u16> {
        self.0.get(rcu, service)
    }

    /// Adds a rule; `EEXIST` if the service has one, `ENOSPC` when full.
    pub(crate) fn add(&self, rtnl: &Rtnl, service: Service, id: u16) -> Result {
        self.0.insert(rtnl, service, id)
    }

    /// Sets the rule of `service` to `id` in one step, adding it if
    /// missing; returns the ID it replaced. `ENOSPC` when adding to a full
    /// table.
    pub(crate) fn replace(&self, rtnl: &Rtnl, service: Service, id: u16) -> Result<Option<u16>> {
        self.0.replace(rtnl, service, id)
    }

    /// Removes a rule, returning its ID; `ENOENT` if there is none.
    pub(crate) fn remove(&self, rtnl: &Rtnl, service: &Service) -> Result<u16> {
        self.0.remove(rtnl, service).ok_or(ENOENT)
    }

    /// Number of rules.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Visits the rules from dump cursor `from` (control path) until `f`
    /// returns false; the cursor to resume at, `None` when done.
    pub(crate) fn walk(&self, rtnl: &Rtnl, from: u64, f: impl FnMut(&Service, &u16) -> bool) -> Option<u64> {
        self.0.walk(rtnl, from, f)
    }
}
