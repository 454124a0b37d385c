//! The exchange table: exchanges waiting for their Auth-REP (by source and
//! transaction id), and the grants answered again when an Auth-REP is
//! retransmitted.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use opaque_ke::ServerLogin;

use crate::crypto::{Hash, Nonce};
use crate::opaque::Suite;
use crate::wire::Tlv;

use super::admission::source_key;
use super::backend::{Refusal, Target};

/// An exchange's key: the supervisor's address and the transaction id.
pub(super) type Key = (SocketAddr, u32);

/// An exchange waiting for its Auth-REP.
pub(super) struct Pending {
    pub(super) user: String,
    pub(super) service: String,
    pub(super) client: IpAddr,
    pub(super) nonce_c: Nonce,
    pub(super) nonce_s: Nonce,
    /// The Auth-REQ and the Auth-REP & REQ as sent, for the transcript.
    pub(super) req: Vec<u8>,
    pub(super) rr: Vec<u8>,
    /// OPAQUE's context for this exchange (`TH(REQ, RR0)`).
    pub(super) context: Hash,
    /// OPAQUE's server state (the expected KE3 and the session key).
    pub(super) login: ServerLogin<Suite>,
    pub(super) target: Target,
    pub(super) refusal: Option<Refusal>,
    pub(super) expires: Instant,
    /// Auth-REP & REQ sent (the first and the answered retransmissions).
    pub(super) answers: u32,
    /// The Auth-REQ's extensions (authenticated by OPAQUE's context).
    pub(super) ext: Vec<Tlv>,
}

impl Pending {
    /// Whether the user has a record (a user not permitted the service
    /// has one; an unknown name has not).
    pub(super) fn has_record(&self) -> bool {
        self.refusal != Some(Refusal::UnknownUser)
    }
}

/// A granted exchange, kept for its lifetime so that a retransmitted
/// Auth-REP (the grant was lost) gets the same Auth-GRANT.
pub(super) struct Answered {
    pub(super) rep: Vec<u8>,
    pub(super) grant: Vec<u8>,
    pub(super) until: Instant,
    pub(super) answers: u32,
}

/// Both tables.
#[derive(Default)]
pub(super) struct Exchanges {
    pending: BTreeMap<Key, Pending>,
    answered: HashMap<Key, Answered>,
}

impl Exchanges {
    pub(super) fn len(&self) -> usize {
        self.pending.len()
    }

    pub(super) fn get_mut(&mut self, key: &Key) -> Option<&mut Pending> {
        self.pending.get_mut(key)
    }

    pub(super) fn insert(&mut self, key: Key, p: Pending) {
        self.pending.insert(key, p);
    }

    /// Exchanges in progress from `source` (its /64 for IPv6).
    pub(super) fn pending_from(&self, source: IpAddr) -> usize {
        let key = source_key(source);
        self.pending.keys().filter(|(peer, _)| source_key(peer.ip()) == key).count()
    }

    /// Exchanges in progress for `user`.
    pub(super) fn for_user(&self, user: &str) -> usize {
        self.pending.values().filter(|p| p.user == user).count()
    }

    /// Removes the exchange `key` if its nonces are `nonce_c`, `nonce_s`.
    pub(super) fn take(&mut self, key: &Key, nonce_c: &Nonce, nonce_s: &Nonce) -> Option<Pending> {
        let p = self.pending.get(key)?;
        if p.nonce_c != *nonce_c || p.nonce_s != *nonce_s {
            return None;
        }
        self.pending.remove(key)
    }

    /// Removes and returns the exchanges whose time is up.
    pub(super) fn expired(&mut self, now: Instant) -> Vec<(Key, Pending)> {
        let keys: Vec<Key> = self.pending.iter().filter(|(_, p)| now >= p.expires).map(|(&k, _)| k).collect();
        keys.into_iter().filter_map(|k| self.pending.remove(&k).map(|p| (k, p))).collect()
    }

    pub(super) fn answered_mut(&mut self, key: &Key) -> Option<&mut Answered> {
        self.answered.get_mut(key)
    }

    pub(super) fn remember(&mut self, key: Key, a: Answered) {
        self.answered.insert(key, a);
    }

    /// Forgets the grants whose time is up.
    pub(super) fn purge(&mut self, now: Instant) {
        self.answered.retain(|_, a| now < a.until);
    }

    /// The earliest expiry of a pending exchange.
    pub(super) fn next_expiry(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.expires).min()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&Key, &Pending)> {
        self.pending.iter()
    }
}
