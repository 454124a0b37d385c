//! What the server reports: granted sessions, failures, ignored datagrams
//! and its state for the status report.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU16;
use std::time::Duration;

use crate::error::{ErrorCode, WireError};
use crate::ratelimit::LimitState;
use crate::wire::Tlv;

use super::backend::{Refusal, Target};

/// A session the provider granted: install it (relay session table and
/// database) before the next call into the server, so that its ID counts
/// as in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The supervisor's UDP address.
    pub peer: SocketAddr,
    /// The user.
    pub user: String,
    /// The service.
    pub service: String,
    /// The client address the session is for (`info_client`, else the
    /// supervisor's address).
    pub client: IpAddr,
    /// The session's ID.
    pub id: NonZeroU16,
    /// The vNIC, address and port of the service.
    pub target: Target,
    /// The Auth-REQ's extensions, proved with the passcode (the client's
    /// report of its path check among them, `wire::TLV_PATH_CHECK`).
    pub ext: Vec<Tlv>,
}

/// Why an exchange failed on the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailReason {
    /// No such user (the client was told "authentication failed").
    UnknownUser,
    /// The user may not use the service (the client was told
    /// "authentication failed").
    NotPermitted,
    /// The client could not open the provider's answer: its passcode
    /// differs (it sent Auth-RST "authentication failed").
    WrongPasscode,
    /// The client's proof (KE3) is wrong.
    BadClientProof,
    /// No such service.
    NoSuchService,
    /// The request names a client address other than its source, and the
    /// source may not speak for others.
    ClientNotAllowed,
    /// The source or the user is locked out, or the source has too many
    /// exchanges in progress.
    RateLimited,
    /// Too many exchanges in progress.
    Busy,
    /// Every ID is in use.
    NoFreeId,
    /// No Auth-REP before the time limit (nothing is sent: the client has
    /// its own).
    Timeout,
    /// The client sent Auth-RST with this code.
    ClientReset(ErrorCode),
    /// The backend failed.
    Unavailable,
    /// Encoding or crypto failed (should not happen).
    Internal(String),
    /// The datagram's version is not 2.
    UnsupportedVersion(u8),
    /// The datagram is another application's.
    UnsupportedApplication,
    /// The datagram is malformed.
    Malformed(WireError),
}

impl FailReason {
    /// The code the Auth-RST carries.
    pub fn code(&self) -> ErrorCode {
        match self {
            FailReason::UnknownUser
            | FailReason::NotPermitted
            | FailReason::WrongPasscode
            | FailReason::BadClientProof => ErrorCode::AUTH_FAILED,
            FailReason::NoSuchService => ErrorCode::NO_SUCH_SERVICE,
            FailReason::ClientNotAllowed => ErrorCode::CLIENT_NOT_ALLOWED,
            FailReason::RateLimited => ErrorCode::RATE_LIMITED,
            FailReason::Busy => ErrorCode::BUSY,
            FailReason::NoFreeId => ErrorCode::NO_FREE_ID,
            FailReason::Timeout => ErrorCode::TIMEOUT,
            FailReason::ClientReset(code) => *code,
            FailReason::Unavailable | FailReason::Internal(_) => ErrorCode::INTERNAL,
            FailReason::UnsupportedVersion(_) => ErrorCode::UNSUPPORTED_VERSION,
            FailReason::UnsupportedApplication => ErrorCode::UNSUPPORTED_APPLICATION,
            FailReason::Malformed(_) => ErrorCode::MALFORMED,
        }
    }
}

impl From<Refusal> for FailReason {
    fn from(r: Refusal) -> FailReason {
        match r {
            Refusal::UnknownUser => FailReason::UnknownUser,
            Refusal::NotPermitted => FailReason::NotPermitted,
        }
    }
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailReason::UnknownUser => f.write_str("no such user"),
            FailReason::NotPermitted => f.write_str("the user may not use this service"),
            FailReason::WrongPasscode => {
                f.write_str("wrong passcode (the client rejected the provider's proof)")
            }
            FailReason::BadClientProof => f.write_str("the client's proof is wrong"),
            FailReason::NoSuchService => f.write_str("no such service"),
            FailReason::ClientNotAllowed => {
                f.write_str("names another client address, and the source is not a trusted bridge box")
            }
            FailReason::RateLimited => {
                f.write_str("too many failed attempts or exchanges, refused for now")
            }
            FailReason::Busy => f.write_str("too many exchanges in progress"),
            FailReason::NoFreeId => f.write_str("no free session ID"),
            FailReason::Timeout => f.write_str("no Auth-REP came before the time limit"),
            FailReason::ClientReset(code) => write!(f, "the client reset the exchange: {code}"),
            FailReason::Unavailable => f.write_str("the credential store is unavailable"),
            FailReason::Internal(what) => write!(f, "internal error: {what}"),
            FailReason::UnsupportedVersion(v) => write!(f, "unsupported protocol version {v}"),
            FailReason::UnsupportedApplication => f.write_str("not an authentication message"),
            FailReason::Malformed(e) => write!(f, "malformed message: {e}"),
        }
    }
}

/// A failed exchange: an Auth-RST was sent or received, or its time ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The supervisor's UDP address.
    pub peer: SocketAddr,
    /// The user, if the request was readable.
    pub user: Option<String>,
    /// The service, if the request was readable.
    pub service: Option<String>,
    /// Why.
    pub reason: FailReason,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.user, &self.service) {
            (Some(user), Some(service)) => {
                write!(
                    f,
                    "authentication of user {user:?} for service {service:?} from {} failed: {}",
                    self.peer, self.reason
                )
            }
            _ => write!(f, "a request from {} failed: {}", self.peer, self.reason),
        }
    }
}

/// Why a datagram was ignored without an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    /// Too short, or not a vnic message: answering could amplify noise.
    Malformed(WireError),
    /// An Auth-REQ whose `(user, Nc)` was seen within the replay window.
    Replay,
    /// An Auth-REP or Auth-RST that matches no pending exchange, or an
    /// Auth-REQ that reuses a pending transaction id with other content.
    Unmatched,
    /// A message only a provider sends.
    Unexpected,
    /// The same Auth-REQ or Auth-REP was answered as often as allowed.
    AnsweredEnough,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Malformed(e) => write!(f, "not a valid message: {e}"),
            DropReason::Replay => f.write_str("a replayed Auth-REQ"),
            DropReason::Unmatched => f.write_str("it matches no exchange in progress"),
            DropReason::Unexpected => f.write_str("a message only a provider sends"),
            DropReason::AnsweredEnough => f.write_str("a retransmission answered as often as allowed"),
        }
    }
}

/// What happened, for the provider to act on and log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// A session is granted: install it.
    Granted(Session),
    /// An exchange failed.
    Failed(Failure),
    /// A datagram was ignored.
    Dropped {
        /// Its source.
        peer: SocketAddr,
        /// Why.
        reason: DropReason,
    },
}

impl fmt::Display for ServerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerEvent::Granted(s) => write!(
                f,
                "granted user {:?} service {:?} to client {} (supervisor {}): ID {} on vNIC #{}",
                s.user, s.service, s.client, s.peer, s.id, s.target.vnic
            ),
            ServerEvent::Failed(failure) => failure.fmt(f),
            ServerEvent::Dropped { peer, reason } => {
                write!(f, "ignored a datagram from {peer}: {reason}")
            }
        }
    }
}

/// One exchange waiting for its Auth-REP, as [`Server::status`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingExchange {
    /// Where the Auth-REQ came from.
    pub source: SocketAddr,
    /// Its transaction id.
    pub txid: u32,
    /// The user it names.
    pub user: String,
    /// The service it asks for.
    pub service: String,
    /// The client the session would be for.
    pub client: IpAddr,
    /// The vNIC number of the service.
    pub vnic: u16,
    /// Whether it is bound to fail (unknown user or service not permitted;
    /// the wire does not tell).
    pub refused: bool,
    /// Auth-REP & REQ sent so far (1 + answered retransmissions).
    pub sends: u32,
    /// Until the exchange is given up.
    pub expires_in: Duration,
}

/// The provider's state machine at a moment: see [`Server::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerStatus {
    /// Exchanges waiting for their Auth-REP, by source and transaction.
    pub pending: Vec<PendingExchange>,
    /// Users with failures counted or locked out.
    pub users: Vec<LimitState<String>>,
    /// Source addresses with failures counted or locked out.
    pub sources: Vec<LimitState<IpAddr>>,
}

