//! The provider's side of the exchange, sans-IO: feed it datagrams
//! ([`Server::handle_datagram`]) and time ([`Server::handle_timeout`]), then
//! send what [`Server::poll_transmit`] returns and act on
//! [`Server::poll_event`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU16;
use std::time::{Duration, Instant};

use crate::backoff::{Backoff, Resend};
use crate::crypto::{
    proofs_equal, transcript, Argon2Cost, Nonce, SessionKeys, Verifier, NONCE_LEN,
};
use crate::error::{ErrorCode, WireError};
use crate::ids;
use crate::message::{AuthRep, AuthRepReq, AuthReq, AuthRst, Message};
use crate::random::{self, Random};
use crate::ratelimit::{LimitState, Limiter, RateLimit};
use crate::replay::ReplayCache;
use crate::wire;
use crate::Transmit;

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
    /// The user may use the service: its verifier and where the service is.
    Found {
        /// The user's stored verifier.
        verifier: Verifier,
        /// The service's vNIC, address and port.
        target: Target,
    },
    /// The service exists but this user may not use it (or does not exist):
    /// the exchange goes on with a fake verifier and ends in "authentication
    /// failed". `target` gives the service's public address and port.
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
    /// The credential of `user` for `service`.
    fn lookup(&self, user: &str, service: &str) -> Lookup;
    /// Whether `id` belongs to a live session (the server itself avoids the
    /// IDs of its pending exchanges).
    fn id_in_use(&self, id: NonZeroU16) -> bool;
    /// Whether `client` holds a live session with `id`, granted to `user`
    /// on the vNIC of the last successful [`lookup`](Self::lookup): then a
    /// renewal keeps the ID. The default says no (every handshake draws a
    /// new ID).
    fn renewable(&self, client: IpAddr, user: &str, id: NonZeroU16) -> bool {
        let _ = (client, user, id);
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
    /// Whether `id`, on the vNIC of the last successful
    /// [`lookup`](Self::lookup), belongs to one session at a time (an ID
    /// range) rather than to every client of the vNIC (a fixed ID, which
    /// sessions share since the relay tells them apart by client address).
    /// The default says it does.
    fn id_exclusive(&self, id: NonZeroU16) -> bool {
        let _ = id;
        true
    }
}

/// The server's settings. [`ServerConfig::new`] gives the defaults.
#[derive(Clone)]
pub struct ServerConfig {
    /// The secret behind fake salts and keys for unknown users. Keep it
    /// across restarts: a new one changes every fake salt, which would tell
    /// an observer which users are fake.
    pub secret: [u8; 32],
    /// The argon2 cost announced for unknown users: the cost real verifiers
    /// use.
    pub fake_cost: Argon2Cost,
    /// How long a challenge waits for its Auth-REP (default 10 s).
    pub challenge_lifetime: Duration,
    /// Retransmission of Auth-REP & REQ while no Auth-REP came (default
    /// 1 s, 2 s: 3 sends).
    pub retransmit: Backoff,
    /// How long `(user, Nc)` pairs are remembered against replays (default
    /// 120 s).
    pub replay_window: Duration,
    /// Failures per user (default 5 in 60 s lock it out for 60 s).
    pub per_user: RateLimit,
    /// Failures per source address (default 10 in 60 s lock it out for
    /// 300 s).
    pub per_source: RateLimit,
    /// Exchanges in progress at most (default 1024).
    pub max_pending: usize,
    /// Exchanges in progress per source address at most (default 8).
    pub max_pending_per_source: usize,
    /// Users and sources tracked by each rate limiter at most (default
    /// 4096).
    pub max_tracked: usize,
    /// `(user, Nc)` pairs in the replay cache at most (default 65,536).
    pub max_replay: usize,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("secret", &"redacted")
            .field("fake_cost", &self.fake_cost)
            .field("challenge_lifetime", &self.challenge_lifetime)
            .field("retransmit", &self.retransmit)
            .field("per_user", &self.per_user)
            .field("per_source", &self.per_source)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// The defaults, with the provider's `secret`.
    pub fn new(secret: [u8; 32]) -> ServerConfig {
        ServerConfig {
            secret,
            fake_cost: Argon2Cost::DEFAULT,
            challenge_lifetime: Duration::from_secs(10),
            retransmit: Backoff {
                initial: Duration::from_secs(1),
                max_sends: 3,
            },
            replay_window: Duration::from_secs(120),
            per_user: RateLimit {
                max_failures: 5,
                window: Duration::from_secs(60),
                lockout: Duration::from_secs(60),
            },
            per_source: RateLimit {
                max_failures: 10,
                window: Duration::from_secs(60),
                lockout: Duration::from_secs(300),
            },
            max_pending: 1024,
            max_pending_per_source: 8,
            max_tracked: 4096,
            max_replay: 65536,
        }
    }
}

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
}

/// Why an exchange failed on the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailReason {
    /// No such user (the client was told "authentication failed").
    UnknownUser,
    /// The user may not use the service (the client was told
    /// "authentication failed").
    NotPermitted,
    /// The client found the provider's proof wrong: its passcode differs.
    WrongPasscode,
    /// The client's proof is wrong.
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
    /// No Auth-REP before the time limit.
    Timeout,
    /// The client sent Auth-RST with this code.
    ClientReset(ErrorCode),
    /// The backend failed.
    Unavailable,
    /// Encoding or crypto failed (should not happen).
    Internal(String),
    /// The datagram's version is not 1.
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

/// A failed exchange; an Auth-RST was sent (or received from the client).
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
    /// A message only a provider sends (Auth-REP & REQ).
    Unexpected,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Malformed(e) => write!(f, "not a valid message: {e}"),
            DropReason::Replay => f.write_str("a replayed Auth-REQ"),
            DropReason::Unmatched => f.write_str("it matches no exchange in progress"),
            DropReason::Unexpected => f.write_str("a provider does not accept Auth-REP & REQ"),
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
    /// The ID offered (other exchanges avoid it while another is free).
    pub id: u16,
    /// The vNIC number of the service.
    pub vnic: u16,
    /// Whether it is bound to fail (unknown user or service not permitted;
    /// the wire does not tell).
    pub refused: bool,
    /// Auth-REP & REQ sent so far (1 = no retransmission yet).
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

/// An exchange waiting for its Auth-REP.
#[derive(Debug)]
struct Pending {
    user: String,
    service: String,
    client: IpAddr,
    nonce_c: Nonce,
    nonce_s: Nonce,
    req: Vec<u8>,
    rr: Vec<u8>,
    keys: SessionKeys,
    id: NonZeroU16,
    target: Target,
    refusal: Option<Refusal>,
    /// Its ID belongs to one session at a time ([`Backend::id_exclusive`]).
    exclusive: bool,
    /// When the challenge was made.
    challenged: Instant,
    expires: Instant,
    resend: Resend,
}

const ZERO_NONCE: Nonce = [0; NONCE_LEN];
const PURGE_EVERY: Duration = Duration::from_secs(1);

/// The provider's state machine: pending challenges, rate limiters, replay
/// cache, and the queues of datagrams to send and events.
pub struct Server {
    config: ServerConfig,
    rng: Box<dyn Random>,
    pending: BTreeMap<(SocketAddr, u32), Pending>,
    /// How many pending exchanges offer each ID: new exchanges avoid them
    /// while others are free, but nothing is held before a proof.
    offered: HashMap<NonZeroU16, u32>,
    /// When each exclusive ID was last granted, for the last challenge
    /// lifetime: an exchange whose ID went to another since its challenge
    /// is refused "busy" at its proof.
    granted_at: HashMap<NonZeroU16, Instant>,
    by_user: Limiter<String>,
    by_source: Limiter<IpAddr>,
    replay: ReplayCache,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ServerEvent>,
    last_purge: Option<Instant>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server with `config`, drawing nonces and IDs from `rng`.
    pub fn new(config: ServerConfig, rng: Box<dyn Random>) -> Server {
        Server {
            by_user: Limiter::new(config.per_user, config.max_tracked),
            by_source: Limiter::new(config.per_source, config.max_tracked),
            replay: ReplayCache::new(config.replay_window, config.max_replay),
            config,
            rng,
            pending: BTreeMap::new(),
            offered: HashMap::new(),
            granted_at: HashMap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            last_purge: None,
        }
    }

    /// Handles one datagram received from `from` at `now`.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        from: SocketAddr,
        data: &[u8],
        backend: &dyn Backend,
    ) {
        self.expire(now);
        self.purge(now);
        match Message::decode(data) {
            Ok(Message::Req(req)) => self.on_req(now, from, req, data, backend),
            Ok(Message::Rep(rep)) => self.on_rep(now, from, rep),
            Ok(Message::Rst(rst)) => self.on_rst(now, from, rst),
            Ok(Message::RepReq(_)) => self.dropped(from, DropReason::Unexpected),
            Err(e) => self.undecodable(from, data, e),
        }
    }

    /// Handles the passing of time: retransmissions and expiries.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.expire(now);
        let backoff = self.config.retransmit;
        for (&(peer, _), p) in self.pending.iter_mut() {
            if p.resend.due(now) && !p.resend.exhausted(&backoff) {
                p.resend.sent(now, &backoff);
                self.transmits.push_back(Transmit {
                    to: peer,
                    data: p.rr.clone(),
                });
            }
        }
        self.purge(now);
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let backoff = self.config.retransmit;
        self.pending
            .values()
            .flat_map(|p| {
                [
                    Some(p.expires),
                    (!p.resend.exhausted(&backoff)).then_some(p.resend.deadline),
                ]
            })
            .flatten()
            .min()
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// Exchanges in progress.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// A snapshot for the provider's status report: the exchanges waiting
    /// for their Auth-REP and the rate limiters' keys, at `now`.
    pub fn status(&self, now: Instant) -> ServerStatus {
        ServerStatus {
            pending: self
                .pending
                .iter()
                .map(|(&(source, txid), p)| PendingExchange {
                    source,
                    txid,
                    user: p.user.clone(),
                    service: p.service.clone(),
                    client: p.client,
                    id: p.id.get(),
                    vnic: p.target.vnic,
                    refused: p.refusal.is_some(),
                    sends: p.resend.sends,
                    expires_in: p.expires.saturating_duration_since(now),
                })
                .collect(),
            users: self.by_user.snapshot(now),
            sources: self.by_source.snapshot(now),
        }
    }

    fn dropped(&mut self, peer: SocketAddr, reason: DropReason) {
        self.events.push_back(ServerEvent::Dropped { peer, reason });
    }

    fn send_rst(
        &mut self,
        to: SocketAddr,
        txid: u32,
        error: ErrorCode,
        nonce_c: Nonce,
        nonce_s: Nonce,
    ) {
        let rst = Message::Rst(AuthRst {
            txid,
            error,
            nonce_c,
            nonce_s,
            ext: Vec::new(),
        });
        if let Ok(data) = rst.encode() {
            self.transmits.push_back(Transmit { to, data });
        }
    }

    fn fail(&mut self, peer: SocketAddr, names: Option<(&str, &str)>, reason: FailReason) {
        let (user, service) = names.map(|(u, s)| (u.to_owned(), s.to_owned())).unzip();
        self.events.push_back(ServerEvent::Failed(Failure {
            peer,
            user,
            service,
            reason,
        }));
    }

    fn count_failure(&mut self, peer: SocketAddr, user: &str, now: Instant) {
        self.by_source.failure(&peer.ip(), now);
        self.by_user.failure(&user.to_owned(), now);
    }

    /// Answers what cannot be decoded with an Auth-RST, but only a datagram
    /// at least as long as the answer that starts with the magic.
    fn undecodable(&mut self, from: SocketAddr, data: &[u8], e: WireError) {
        let Some((txid, nonce_c)) = wire::salvage(data) else {
            return self.dropped(from, DropReason::Malformed(e));
        };
        let reason = match e {
            WireError::UnsupportedVersion(v) => FailReason::UnsupportedVersion(v),
            WireError::NotAuth(_) => FailReason::UnsupportedApplication,
            e => FailReason::Malformed(e),
        };
        self.send_rst(from, txid, reason.code(), nonce_c, ZERO_NONCE);
        self.fail(from, None, reason);
    }

    fn on_req(
        &mut self,
        now: Instant,
        from: SocketAddr,
        req: AuthReq,
        data: &[u8],
        backend: &dyn Backend,
    ) {
        if let Some(p) = self.pending.get(&(from, req.txid)) {
            // A retransmitted Auth-REQ gets the same answer again.
            if p.req == data {
                let rr = p.rr.clone();
                self.transmits.push_back(Transmit { to: from, data: rr });
            } else {
                self.dropped(from, DropReason::Unmatched);
            }
            return;
        }
        if self.replay.seen(&req.user, &req.nonce_c, now) {
            return self.dropped(from, DropReason::Replay);
        }
        if let Err(reason) = self.challenge(now, from, &req, data, backend) {
            self.send_rst(from, req.txid, reason.code(), req.nonce_c, ZERO_NONCE);
            self.fail(from, Some((&req.user, &req.service)), reason);
        }
    }

    fn admit(&self, now: Instant, from: SocketAddr, user: &str) -> Result<(), FailReason> {
        let ip = from.ip();
        let from_source = self
            .pending
            .keys()
            .filter(|(peer, _)| peer.ip() == ip)
            .count();
        if self.by_source.locked(&ip, now)
            || self.by_user.locked(&user.to_owned(), now)
            || from_source >= self.config.max_pending_per_source
        {
            return Err(FailReason::RateLimited);
        }
        if self.pending.len() >= self.config.max_pending {
            return Err(FailReason::Busy);
        }
        Ok(())
    }

    fn challenge(
        &mut self,
        now: Instant,
        from: SocketAddr,
        req: &AuthReq,
        data: &[u8],
        backend: &dyn Backend,
    ) -> Result<(), FailReason> {
        self.admit(now, from, &req.user)?;
        // An IPv4 client seen through a dual-stack socket is ::ffff:a.b.c.d.
        let source = from.ip().to_canonical();
        let client = req.client.map_or(source, |c| c.to_canonical());
        // Checked before the user is looked at, so the answer tells nothing
        // about users. Not counted: it costs no state and no crypto, and
        // the answer is smaller than the request.
        if client != source && !backend.may_speak_for_others(source) {
            return Err(FailReason::ClientNotAllowed);
        }
        let internal = |what: &str| FailReason::Internal(what.to_owned());
        let (verifier, target, refusal) = match backend.lookup(&req.user, &req.service) {
            Lookup::Found { verifier, target } => (verifier, target, None),
            Lookup::Refused { target, reason } => {
                let fake = Verifier::fake(&self.config.secret, &req.user, self.config.fake_cost)
                    .map_err(|e| FailReason::Internal(e.to_string()))?;
                (fake, target, Some(reason))
            }
            Lookup::NoSuchService => {
                self.by_source.failure(&from.ip(), now);
                return Err(FailReason::NoSuchService);
            }
            Lookup::Unavailable => return Err(FailReason::Unavailable),
        };
        let renew = wire::Tlv::renew_id(&req.ext)
            .filter(|id| refusal.is_none() && backend.renewable(client, &req.user, *id));
        // No ID is held for an exchange before its client proves the
        // passcode (a spoofed Auth-REQ must not block a fixed-ID vNIC or
        // drain a range): IDs other pending exchanges offer are avoided
        // while others are free, and a conflict is settled at the proof.
        let id = match (refusal, renew) {
            (None, Some(id)) => id,
            (None, None) => {
                let offered = &self.offered;
                ids::allocate(self.rng.as_mut(), &|id| offered.contains_key(&id) || backend.id_in_use(id))
                    .or_else(|| ids::allocate(self.rng.as_mut(), &|id| backend.id_in_use(id)))
                    .ok_or(FailReason::NoFreeId)?
            }
            // Offered nowhere else: nobody can open it.
            (Some(_), _) => ids::allocate(self.rng.as_mut(), &|_| false).ok_or(FailReason::NoFreeId)?,
        };
        let exclusive = refusal.is_none() && backend.id_exclusive(id);
        if !self.replay.insert(&req.user, &req.nonce_c, now) {
            return Err(FailReason::Busy);
        }
        let nonce_s: Nonce = random::array(self.rng.as_mut());
        let keys = SessionKeys::derive(verifier.key(), &req.nonce_c, &nonce_s)
            .map_err(|_| internal("key derivation"))?;
        let (sealed, tag) = keys
            .seal(&transcript(&[data]), id.get(), target.vnic)
            .map_err(|_| internal("sealing"))?;
        let mut rr = AuthRepReq {
            txid: req.txid,
            service_addr: target.addr,
            service_port: target.port,
            user: req.user.clone(),
            service: req.service.clone(),
            nonce_c: req.nonce_c,
            nonce_s,
            kdf: *verifier.params(),
            sealed,
            tag,
            proof: [0; 32],
            ext: Vec::new(),
        };
        let rr0 = Message::RepReq(rr.clone())
            .encode()
            .map_err(FailReason::Malformed)?;
        rr.proof = keys
            .server_proof(&transcript(&[data, &rr0]))
            .map_err(|_| internal("proof"))?;
        let rr_bytes = Message::RepReq(rr)
            .encode()
            .map_err(FailReason::Malformed)?;
        if refusal.is_none() {
            *self.offered.entry(id).or_insert(0) += 1;
        }
        self.transmits.push_back(Transmit {
            to: from,
            data: rr_bytes.clone(),
        });
        let pending = Pending {
            user: req.user.clone(),
            service: req.service.clone(),
            client,
            nonce_c: req.nonce_c,
            nonce_s,
            req: data.to_vec(),
            rr: rr_bytes,
            keys,
            id,
            target,
            refusal,
            exclusive,
            challenged: now,
            expires: now + self.config.challenge_lifetime,
            resend: Resend::start(now, &self.config.retransmit),
        };
        self.pending.insert((from, req.txid), pending);
        Ok(())
    }

    /// Removes the pending exchange `(from, txid)` if the nonces match.
    fn take_pending(
        &mut self,
        from: SocketAddr,
        txid: u32,
        nonce_c: &Nonce,
        nonce_s: &Nonce,
    ) -> Option<Pending> {
        let key = (from, txid);
        let p = self.pending.get(&key)?;
        if p.nonce_c != *nonce_c || p.nonce_s != *nonce_s {
            return None;
        }
        let p = self.pending.remove(&key)?;
        self.withdraw(p.id, p.refusal.is_none());
        Some(p)
    }

    /// One pending exchange that offered `id` is over.
    fn withdraw(&mut self, id: NonZeroU16, counted: bool) {
        if !counted {
            return;
        }
        if let Some(n) = self.offered.get_mut(&id) {
            *n -= 1;
            if *n == 0 {
                self.offered.remove(&id);
            }
        }
    }

    fn on_rep(&mut self, now: Instant, from: SocketAddr, rep: AuthRep) {
        let Some(p) = self.take_pending(from, rep.txid, &rep.nonce_c, &rep.nonce_s) else {
            return self.dropped(from, DropReason::Unmatched);
        };
        let rep0 = Message::Rep(rep.clone()).encode_without_proof();
        let expected = rep0.ok().and_then(|rep0| {
            p.keys
                .client_proof(&transcript(&[&p.req, &p.rr, &rep0]))
                .ok()
        });
        let valid = expected.is_some_and(|e| proofs_equal(&e, &rep.proof));
        // Another exchange offered the same exclusive ID and proved first.
        let taken = p.exclusive && self.granted_at.get(&p.id).is_some_and(|&t| t >= p.challenged);
        let reason = match (p.refusal, valid) {
            (None, true) if taken => {
                // Not a failure: the client proved its passcode and may try
                // again at once.
                self.by_user.clear(&p.user);
                self.send_rst(from, rep.txid, ErrorCode::BUSY, p.nonce_c, p.nonce_s);
                return self.fail(from, Some((&p.user, &p.service)), FailReason::Busy);
            }
            (None, true) => {
                if p.exclusive {
                    self.granted_at.insert(p.id, now);
                }
                self.by_user.clear(&p.user);
                let session = Session {
                    peer: from,
                    user: p.user,
                    service: p.service,
                    client: p.client,
                    id: p.id,
                    target: p.target,
                };
                self.events.push_back(ServerEvent::Granted(session));
                return;
            }
            (Some(refusal), _) => FailReason::from(refusal),
            (None, false) => FailReason::BadClientProof,
        };
        self.count_failure(from, &p.user, now);
        self.send_rst(from, rep.txid, reason.code(), p.nonce_c, p.nonce_s);
        self.fail(from, Some((&p.user, &p.service)), reason);
    }

    fn on_rst(&mut self, now: Instant, from: SocketAddr, rst: AuthRst) {
        let Some(p) = self.take_pending(from, rst.txid, &rst.nonce_c, &rst.nonce_s) else {
            return self.dropped(from, DropReason::Unmatched);
        };
        // Every reset ends an exchange the source started and so counts
        // against the source (as an abandoned one does), whatever its code:
        // otherwise one source could loop Auth-REQ/Auth-RST without end.
        // Only "authentication failed" tested the passcode and counts
        // against the user too.
        let auth_failed = rst.error == ErrorCode::AUTH_FAILED;
        if auth_failed {
            self.count_failure(from, &p.user, now);
        } else {
            self.by_source.failure(&from.ip(), now);
        }
        let reason = match (p.refusal, auth_failed) {
            (Some(refusal), _) => FailReason::from(refusal),
            (None, true) => FailReason::WrongPasscode,
            (None, false) => FailReason::ClientReset(rst.error),
        };
        self.fail(from, Some((&p.user, &p.service)), reason);
    }

    /// Ends the exchanges whose time is up: Auth-RST (timeout) and a
    /// failure that counts against the source only. An abandoned exchange
    /// tests no passcode, so it does not count against the user it names:
    /// otherwise anybody could lock a user out with forged Auth-REQs alone,
    /// and honest clients too slow to answer (a loaded host) would.
    fn expire(&mut self, now: Instant) {
        let expired: Vec<_> = self
            .pending
            .iter()
            .filter(|(_, p)| now >= p.expires)
            .map(|(&k, _)| k)
            .collect();
        for (peer, txid) in expired {
            let Some(p) = self.pending.remove(&(peer, txid)) else {
                continue;
            };
            self.withdraw(p.id, p.refusal.is_none());
            self.by_source.failure(&peer.ip(), now);
            self.send_rst(peer, txid, ErrorCode::TIMEOUT, p.nonce_c, p.nonce_s);
            let reason = p.refusal.map_or(FailReason::Timeout, FailReason::from);
            self.fail(peer, Some((&p.user, &p.service)), reason);
        }
    }

    fn purge(&mut self, now: Instant) {
        if self.last_purge.is_some_and(|t| now < t + PURGE_EVERY) {
            return;
        }
        self.last_purge = Some(now);
        let lifetime = self.config.challenge_lifetime;
        self.granted_at.retain(|_, &mut t| now < t + lifetime);
        self.by_user.purge(now);
        self.by_source.purge(now);
        self.replay.purge(now);
    }
}
