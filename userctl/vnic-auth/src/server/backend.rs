//! What the server asks of the provider's database: [`Backend`] and its
//! answers.

use std::net::IpAddr;
use std::num::NonZeroU16;

use crate::opaque::Record;

/// Where a granted client reaches its service: the vNIC and, for the
/// supervisor's embedding rule, the service's address and TCP port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    /// The vNIC number (sealed with the ID; not visible on the wire).
    pub vnic: u16,
    /// The service's address as clients reach it (`None`: the provider's).
    pub addr: Option<IpAddr>,
    /// The service's TCP port.
    pub port: u16,
}

/// Why a known service is refused to a user. On the wire both look exactly
/// like a wrong passcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// No such user.
    UnknownUser,
    /// The user exists but may not use this service.
    NotPermitted,
}

/// The answer of [`Backend::lookup`].
#[derive(Debug, Clone)]
pub enum Lookup {
    /// The user may use the service: its record and where the service is.
    Found {
        /// The user's registration record.
        record: Record,
        /// The service's vNIC, address and port.
        target: Target,
    },
    /// The service exists but this user may not use it (or does not exist):
    /// the exchange goes on with OPAQUE's fake record and ends in
    /// "authentication failed". `target` gives the service's public address
    /// and port.
    Refused {
        /// The service's vNIC, address and port.
        target: Target,
        /// Why, for the provider's log.
        reason: Refusal,
    },
    /// The provider has no service by that name (not a secret).
    NoSuchService,
    /// The credential store failed.
    Unavailable,
}

/// What the server asks of the provider's database.
pub trait Backend {
    /// The record of `user` for `service`.
    fn lookup(&self, user: &str, service: &str) -> Lookup;
    /// Whether `id` may be granted now on vNIC `vnic`: its ID rule allows
    /// it, and no live session holds it (a fixed ID, which every client of
    /// the vNIC shares, is always free).
    fn id_free(&self, vnic: u16, id: NonZeroU16) -> bool;
    /// Whether `client` holds a live session with `id` on vNIC `vnic`,
    /// granted to `user`: then a renewal keeps the ID. The default says no
    /// (every handshake draws a new ID).
    fn renewable(&self, client: IpAddr, user: &str, vnic: u16, id: NonZeroU16) -> bool {
        let _ = (client, user, vnic, id);
        false
    }
    /// Whether requests from `source` may name another client address
    /// (`info_client`): a bridge box asking for the clients of its LAN. The
    /// default says no: a host asks for sessions of its own address only, so
    /// nobody can replace the session of another client.
    fn may_speak_for_others(&self, source: IpAddr) -> bool {
        let _ = source;
        false
    }
}
