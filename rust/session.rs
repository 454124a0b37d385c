// SPDX-License-Identifier: GPL-2.0

//! The session table of a relay: which client may use which ID, and the
//! vNIC its segments go to. Lookups are RCU and O(1); writers hold RTNL.

use crate::net::{MapKey, RcuMap, RcuRead, Rtnl};
use crate::ingress::Grant;
use crate::wire::{session_hash, Addr};
use core::sync::atomic::{AtomicU16, Ordering::Relaxed};
use kernel::prelude::*;

/// Most sessions one relay holds (every ID once, or any mix of clients).
pub(crate) const MAX_SESSIONS: usize = 65535;
/// Hash chains: a full table averages 4 entries a chain.
const BUCKETS: usize = 16384;

/// Key of a session.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionKey {
    /// The client's address.
    pub(crate) client: Addr,
    /// The ID, never 0.
    pub(crate) id: u16,
}

impl MapKey for SessionKey {
    fn hash(&self, seed: u32) -> u32 {
        session_hash(&self.client, self.id, seed)
    }
}

/// Key of the reply direction: (client, vNIC) -> the session's ID.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReplyKey {
    /// The client's address.
    pub(crate) client: Addr,
    /// Interface index of the vNIC.
    pub(crate) vnic: i32,
}

impl MapKey for ReplyKey {
    fn hash(&self, seed: u32) -> u32 {
        let v = self.vnic as u32;
        session_hash(&self.client, v as u16, seed ^ (v >> 16).wrapping_mul(0x9e37_79b9))
    }
}

/// Key of a client's pseudo address on a CIP-mode vNIC.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct CipKey {
    /// Interface index of the vNIC.
    pub(crate) vnic: i32,
    /// The client's pseudo address there.
    pub(crate) cip: [u8; 4],
}

impl MapKey for CipKey {
    fn hash(&self, seed: u32) -> u32 {
        let v = self.vnic as u32;
        session_hash(&Addr::V4(self.cip), v as u16, seed ^ (v >> 16).wrapping_mul(0x85eb_ca6b))
    }
}

/// What a session grants.
#[derive(Clone, Copy)]
pub(crate) struct Session {
    /// Interface index of the vNIC the client's segments go to.
    pub(crate) vnic: i32,
    /// On a CIP-mode vNIC: the address its services see for this client.
    pub(crate) cip: Option<[u8; 4]>,
}

/// Whom a client pseudo address stands for.
#[derive(Clone, Copy)]
pub(crate) struct CipOwner {
    /// The client's real address.
    pub(crate) client: Addr,
    /// The session's ID.
    pub(crate) id: u16,
}

/// The sessions of one relay.
pub(crate) struct SessionTable {
    map: RcuMap<SessionKey, Session>,
    /// The same sessions by (client, vNIC), for the reply path.
    replies: RcuMap<ReplyKey, u16>,
    /// Sessions with a client pseudo address, by (vNIC, CIP).
    cips: RcuMap<CipKey, CipOwner>,
    /// Sessions per ID, to tell "not yours" from "nobody's" on the fast path.
    id_users: KVec<AtomicU16>,
}

impl SessionTable {
    /// An empty table.
    pub(crate) fn new() -> Result<Self> {
        let mut id_users = KVec::with_capacity(65536, GFP_KERNEL)?;
        for _ in 0..65536 {
            id_users.push(AtomicU16::new(0), GFP_KERNEL)?;
        }
        Ok(Self {
            map: RcuMap::new(BUCKETS, MAX_SESSIONS)?,
            replies: RcuMap::new(BUCKETS, MAX_SESSIONS)?,
            cips: RcuMap::new(BUCKETS, MAX_SESSIONS)?,
            id_users,
        })
    }

    /// Looks up a segment's client and ID (fast path).
    pub(crate) fn lookup(&self, rcu: &RcuRead, key: &SessionKey) -> Grant<Session> {
        match self.map.get(rcu, key) {
            Some(s) => Grant::Granted(s),
            None if self.id_users[usize::from(key.id)].load(Relaxed) > 0 => Grant::NotGranted,
            None => Grant::Unknown,
        }
    }

    /// The ID that replies from `vnic` to `client` carry (fast path).
    pub(crate) fn reply_id(&self, rcu: &RcuRead, client: Addr, vnic: i32) -> Option<u16> {
        self.replies.get(rcu, &ReplyKey { client, vnic })
    }

    /// The client behind pseudo address `cip` on `vnic` (fast path).
    pub(crate) fn cip_owner(&self, rcu: &RcuRead, vnic: i32, cip: [u8; 4]) -> Option<CipOwner> {
        self.cips.get(rcu, &CipKey { vnic, cip })
    }

    /// Adds a session; `EEXIST` if the client has that ID already,
    /// `EADDRINUSE` if it has a session on that vNIC already (its replies
    /// could not tell which ID to carry) or its CIP is taken, `ENOSPC` when
    /// the table is full.
    pub(crate) fn add(&self, rtnl: &Rtnl, key: SessionKey, s: Session) -> Result {
        let reply = ReplyKey { client: key.client, vnic: s.vnic };
        let cip = s.cip.map(|cip| CipKey { vnic: s.vnic, cip });
        if self.map.get_locked(rtnl, &key).is_some() {
            return Err(EEXIST);
        }
        let cip_taken = cip.is_some_and(|c| self.cips.get_locked(rtnl, &c).is_some());
        if self.replies.get_locked(rtnl, &reply).is_some() || cip_taken {
            return Err(crate::net::errno(crate::net::uapi::EADDRINUSE));
        }
        self.map.insert(rtnl, key, s)?;
        if let Err(e) = self.replies.insert(rtnl, reply, key.id) {
            self.map.remove(rtnl, &key);
            return Err(e);
        }
        if let Some(c) = cip {
            if let Err(e) = self.cips.insert(rtnl, c, CipOwner { client: key.client, id: key.id }) {
                self.replies.remove(rtnl, &reply);
                self.map.remove(rtnl, &key);
                return Err(e);
            }
        }
        self.id_users[usize::from(key.id)].fetch_add(1, Relaxed);
        Ok(())
    }

    /// Removes a session; `ENOENT` if there is none.
    pub(crate) fn remove(&self, rtnl: &Rtnl, key: &SessionKey) -> Result<Session> {
        let s = self.map.remove(rtnl, key).ok_or(ENOENT)?;
        self.replies.remove(rtnl, &ReplyKey { client: key.client, vnic: s.vnic });
        if let Some(cip) = s.cip {
            self.cips.remove(rtnl, &CipKey { vnic: s.vnic, cip });
        }
        self.id_users[usize::from(key.id)].fetch_sub(1, Relaxed);
        Ok(s)
    }

    /// Removes every session of vNIC `vnic` (it is going away: a device made
    /// later with its ifindex must not inherit them); returns how many.
    pub(crate) fn purge_vnic(&self, rtnl: &Rtnl, vnic: i32) -> usize {
        let ids = &self.id_users;
        let n = self.map.retain(rtnl, |key, s| {
            let keep = s.vnic != vnic;
            if !keep {
                ids[usize::from(key.id)].fetch_sub(1, Relaxed);
            }
            keep
        });
        self.replies.retain(rtnl, |key, _| key.vnic != vnic);
        self.cips.retain(rtnl, |key, _| key.vnic != vnic);
        n
    }

    /// Number of sessions.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Visits the sessions from dump cursor `from` (control path) until `f`
    /// returns false; the cursor to resume at, `None` when done.
    pub(crate) fn walk(&self, rtnl: &Rtnl, from: u64, f: impl FnMut(&SessionKey, &Session) -> bool) -> Option<u64> {
        self.map.walk(rtnl, from, f)
    }
}
