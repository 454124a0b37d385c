//! vnic's authentication protocol, sans-IO: the cooperative-application
//! data structure on the wire ([`wire`], [`message`]), the cryptography
//! ([`crypto`]) and the state machines of the supervisor ([`client`]) and
//! of the service provider ([`server`]). No sockets, no clock, no database:
//! the caller passes datagrams, time and lookups in and takes datagrams and
//! events out, so daemons and tests drive the same code.
//!
//! The protocol is specified in `Documentation/auth-protocol.md`; the test
//! vectors are `tests/vectors.json`.
//!
//! The exchange (version 2: after Kodama et al., over OPAQUE, RFC 9807):
//!
//! 1. Auth-REQ, supervisor → provider: user, service, client nonce `Nc`,
//!    OPAQUE's KE1. Every request first gets Auth-RETRY with a stateless
//!    cookie and is repeated with it.
//! 2. Auth-REP & REQ, provider → supervisor: `info_vNIC`, the argon2id
//!    cost, server nonce `Ns`, OPAQUE's KE2.
//! 3. Auth-REP, supervisor → provider: OPAQUE's KE3 (the client's proof)
//!    and the sealed ID it renews.
//! 4. Auth-GRANT, provider → supervisor: the ID chosen after the proof,
//!    sealed under the session key; the session is active.
//! 5. Auth-RST, either way: failure, with an error code.

#![warn(missing_docs)]

pub mod backoff;
pub mod client;
pub mod crypto;
pub mod error;
mod ids;
pub mod message;
pub mod opaque;
pub mod random;
pub mod ratelimit;
mod replay;
pub mod server;
pub mod wire;

use std::net::SocketAddr;

pub use backoff::Backoff;
pub use client::{Client, ClientConfig, ClientError, ClientEvent, Grant, KdfLimits};
pub use crypto::{Argon2Cost, GrantKeys, Sealed};
pub use error::{CryptoError, ErrorCode, WireError};
pub use message::{AuthGrant, AuthRep, AuthRepReq, AuthReq, AuthRetry, AuthRst, Message};
pub use opaque::{ProviderKeys, Record};
pub use random::{OsRandom, Random};
pub use ratelimit::{LimitState, RateLimit};
pub use server::{
    Backend, DropReason, FailReason, Failure, Lookup, PendingExchange, Refusal, Server, ServerConfig,
    ServerEvent, ServerStatus, Session, Target,
};
pub use wire::{Packet, Sender, Tlv};

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Its destination.
    pub to: SocketAddr,
    /// Its bytes.
    pub data: Vec<u8>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn state_machines_can_move_between_threads() {
        fn send<T: Send>() {}
        send::<crate::Server>();
        send::<crate::Client>();
    }
}
