//! The supervisor's side of the exchange, sans-IO: [`Client::new`] queues
//! the Auth-REQ; feed it datagrams ([`Client::handle_datagram`]) and time
//! ([`Client::handle_timeout`]), send what [`Client::poll_transmit`] returns
//! and act on [`Client::poll_event`].

use std::collections::VecDeque;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU16;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::backoff::{Backoff, Resend};
use crate::crypto::{proofs_equal, transcript, Argon2Cost, Nonce, SessionKeys, Verifier};
use crate::error::{CryptoError, ErrorCode, WireError};
use crate::message::{AuthRep, AuthRepReq, AuthReq, AuthRst, Message};
use crate::random::{self, Random};
use crate::wire::Tlv;
use crate::Transmit;

/// The largest argon2 cost a client accepts from a provider, so that a
/// rogue provider cannot make it allocate gigabytes or spin for minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfLimits {
    /// Memory in KiB at most (default 256 MiB).
    pub max_m_kib: u32,
    /// Iterations at most (default 10).
    pub max_t: u16,
    /// Lanes at most (default 8).
    pub max_p: u8,
}

impl KdfLimits {
    /// The defaults.
    pub const DEFAULT: KdfLimits = KdfLimits {
        max_m_kib: 256 * 1024,
        max_t: 10,
        max_p: 8,
    };

    /// Whether `cost` is within the limits.
    pub fn allow(&self, cost: &Argon2Cost) -> bool {
        cost.m_kib <= self.max_m_kib && cost.t <= self.max_t && cost.p <= self.max_p
    }
}

impl fmt::Display for KdfLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "m<={},t<={},p<={}",
            self.max_m_kib, self.max_t, self.max_p
        )
    }
}

/// What the supervisor asks for, and how patiently.
#[derive(Clone)]
pub struct ClientConfig {
    /// The user name (1..=63 bytes of UTF-8).
    pub user: String,
    /// The passcode; it never leaves this process.
    pub passcode: Zeroizing<Vec<u8>>,
    /// The service (1..=31 bytes of UTF-8).
    pub service: String,
    /// `info_client`: the client's address, if not the supervisor's own
    /// (bridge mode).
    pub client_addr: Option<IpAddr>,
    /// Retransmission of Auth-REQ (default 0.5 s, 1 s, 2 s, 4 s: 4 sends,
    /// giving up 7.5 s after the first).
    pub retransmit: Backoff,
    /// How long after the grant the client still answers a retransmitted
    /// Auth-REP & REQ and listens for an Auth-RST (default 12 s; keep it
    /// above the provider's challenge lifetime).
    pub linger: Duration,
    /// The argon2 cost the client accepts at most.
    pub limits: KdfLimits,
    /// Extensions for the Auth-REQ.
    pub ext: Vec<Tlv>,
}

impl ClientConfig {
    /// A request for `service` as `user`, with the default timing.
    pub fn new(
        user: impl Into<String>,
        passcode: impl AsRef<[u8]>,
        service: impl Into<String>,
    ) -> ClientConfig {
        ClientConfig {
            user: user.into(),
            passcode: Zeroizing::new(passcode.as_ref().to_vec()),
            service: service.into(),
            client_addr: None,
            retransmit: Backoff {
                initial: Duration::from_millis(500),
                max_sends: 4,
            },
            linger: Duration::from_secs(12),
            limits: KdfLimits::DEFAULT,
            ext: Vec::new(),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("user", &self.user)
            .field("service", &self.service)
            .field("client_addr", &self.client_addr)
            .finish_non_exhaustive()
    }
}

/// What the supervisor obtained: embed `id` for `service_addr:service_port`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The session ID.
    pub id: NonZeroU16,
    /// The vNIC number on the provider.
    pub vnic: u16,
    /// The provider that answered (it may differ from the one asked).
    pub provider: SocketAddr,
    /// The service's address (`info_vNIC`, else the provider's).
    pub service_addr: IpAddr,
    /// The service's TCP port.
    pub service_port: u16,
}

/// Why the client's exchange failed; `Display` is one sentence for the
/// user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The request cannot be encoded (a name too long, empty, ...).
    #[error("invalid request: {0}")]
    Request(WireError),
    /// The provider answered Auth-RST.
    #[error("the provider refused: {0}")]
    Refused(ErrorCode),
    /// No answer in time.
    #[error("no answer from the provider {server} after {tries} tries over {:.1} s", .waited.as_secs_f64())]
    Timeout {
        /// The provider asked.
        server: SocketAddr,
        /// Auth-REQs sent.
        tries: u32,
        /// Time waited.
        waited: Duration,
    },
    /// The provider's proof is wrong.
    #[error("authentication failed: wrong user name or passcode (or the answer did not come from the genuine provider)")]
    AuthFailed,
    /// The sealed ID does not open, or is 0.
    #[error("the provider's answer carries no valid ID")]
    BadGrant,
    /// The provider asks for more argon2 cost than allowed.
    #[error("the provider asks for argon2 {asked}, more than this client allows ({limit})")]
    KdfLimit {
        /// What the provider asked.
        asked: Argon2Cost,
        /// The limit.
        limit: KdfLimits,
    },
    /// The provider's argon2 parameters are invalid.
    #[error("the provider's argon2 parameters are invalid: {0}")]
    Kdf(CryptoError),
    /// After the grant, the provider reset the exchange (e.g. it never got
    /// the Auth-REP and timed out): the session is not active.
    #[error("the provider reset the session after granting it: {0}")]
    Revoked(ErrorCode),
}

/// What happened, for the supervisor to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// Authenticated: install the embedding rule. The provider activates the
    /// session when it verifies the Auth-REP just sent.
    Granted(Grant),
    /// Failed (before or after a grant): remove any rule and tell the user.
    Failed(ClientError),
}

#[derive(Debug)]
enum Phase {
    Requesting {
        resend: Resend,
    },
    Granted {
        provider: SocketAddr,
        rr: Vec<u8>,
        rep: Vec<u8>,
        nonce_s: Nonce,
        until: Instant,
    },
    Done,
}

/// The supervisor's state machine for one exchange.
pub struct Client {
    config: ClientConfig,
    server: SocketAddr,
    req: AuthReq,
    req_bytes: Vec<u8>,
    phase: Phase,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ClientEvent>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.server)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts an exchange with the provider at `server`: the Auth-REQ is
    /// queued for sending at `now`.
    pub fn new(
        config: ClientConfig,
        server: SocketAddr,
        now: Instant,
        rng: &mut dyn Random,
    ) -> Result<Client, ClientError> {
        let req = AuthReq {
            txid: random::nonzero_u32(rng),
            client: config.client_addr,
            user: config.user.clone(),
            service: config.service.clone(),
            nonce_c: random::array(rng),
            ext: config.ext.clone(),
        };
        let req_bytes = Message::Req(req.clone())
            .encode()
            .map_err(ClientError::Request)?;
        // What the provider will check (e.g. non-empty names).
        Message::decode(&req_bytes).map_err(ClientError::Request)?;
        let resend = Resend::start(now, &config.retransmit);
        let transmits = VecDeque::from([Transmit {
            to: server,
            data: req_bytes.clone(),
        }]);
        Ok(Client {
            config,
            server,
            req,
            req_bytes,
            phase: Phase::Requesting { resend },
            transmits,
            events: VecDeque::new(),
        })
    }

    /// The Auth-REQ's transaction id.
    pub fn txid(&self) -> u32 {
        self.req.txid
    }

    /// Whether the exchange is over: failed, or granted and the linger
    /// time has passed.
    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Requesting { resend } => Some(resend.deadline),
            Phase::Granted { until, .. } => Some(*until),
            Phase::Done => None,
        }
    }

    /// Handles the passing of time: retransmission, giving up, end of the
    /// linger time.
    pub fn handle_timeout(&mut self, now: Instant) {
        let backoff = self.config.retransmit;
        match &mut self.phase {
            Phase::Requesting { resend } if resend.due(now) => {
                if resend.exhausted(&backoff) {
                    let error = ClientError::Timeout {
                        server: self.server,
                        tries: resend.sends,
                        waited: backoff.total(),
                    };
                    self.fail(error);
                } else {
                    resend.sent(now, &backoff);
                    self.transmits.push_back(Transmit {
                        to: self.server,
                        data: self.req_bytes.clone(),
                    });
                }
            }
            Phase::Granted { until, .. } if now >= *until => self.phase = Phase::Done,
            _ => {}
        }
    }

    /// Handles a datagram from `from`. What does not belong to this
    /// exchange (other transaction id, other `Nc`) is ignored.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        let Ok(message) = Message::decode(data) else {
            return;
        };
        let (txid, nonce_c) = (self.req.txid, self.req.nonce_c);
        match (&self.phase, message) {
            (Phase::Requesting { .. }, Message::RepReq(rr))
                if rr.txid == txid
                    && rr.nonce_c == nonce_c
                    && rr.user == self.req.user
                    && rr.service == self.req.service =>
            {
                self.on_challenge(now, from, rr, data);
            }
            (Phase::Requesting { .. }, Message::Rst(rst))
                if rst.txid == txid && rst.nonce_c == nonce_c =>
            {
                self.fail(ClientError::Refused(rst.error));
            }
            (
                Phase::Granted {
                    provider, rr, rep, ..
                },
                Message::RepReq(_),
            ) if rr == data => {
                // The provider did not get our Auth-REP: send it again.
                let again = Transmit {
                    to: *provider,
                    data: rep.clone(),
                };
                self.transmits.push_back(again);
            }
            (Phase::Granted { nonce_s, .. }, Message::Rst(rst))
                if rst.txid == txid && rst.nonce_c == nonce_c && rst.nonce_s == *nonce_s =>
            {
                self.fail(ClientError::Revoked(rst.error));
            }
            _ => {}
        }
    }

    fn fail(&mut self, error: ClientError) {
        self.phase = Phase::Done;
        self.events.push_back(ClientEvent::Failed(error));
    }

    /// Ends the exchange with an Auth-RST to the provider that sent `rr`.
    fn reject(&mut self, from: SocketAddr, rr: &AuthRepReq, code: ErrorCode, error: ClientError) {
        let rst = AuthRst {
            txid: rr.txid,
            error: code,
            nonce_c: rr.nonce_c,
            nonce_s: rr.nonce_s,
            ext: Vec::new(),
        };
        if let Ok(data) = Message::Rst(rst).encode() {
            self.transmits.push_back(Transmit { to: from, data });
        }
        self.fail(error);
    }

    fn on_challenge(&mut self, now: Instant, from: SocketAddr, rr: AuthRepReq, data: &[u8]) {
        if !self.config.limits.allow(&rr.kdf.cost) {
            let error = ClientError::KdfLimit {
                asked: rr.kdf.cost,
                limit: self.config.limits,
            };
            return self.reject(from, &rr, ErrorCode::KDF_REFUSED, error);
        }
        let keys = Verifier::derive(&self.config.passcode, rr.kdf)
            .and_then(|k| SessionKeys::derive(k.key(), &rr.nonce_c, &rr.nonce_s));
        let keys = match keys {
            Ok(keys) => keys,
            Err(e) => return self.reject(from, &rr, ErrorCode::KDF_REFUSED, ClientError::Kdf(e)),
        };
        match self.answer(from, &keys, &rr, data) {
            Ok((grant, rep)) => {
                self.transmits.push_back(Transmit {
                    to: from,
                    data: rep.clone(),
                });
                self.events.push_back(ClientEvent::Granted(grant));
                let until = now + self.config.linger;
                self.phase = Phase::Granted {
                    provider: from,
                    rr: data.to_vec(),
                    rep,
                    nonce_s: rr.nonce_s,
                    until,
                };
            }
            Err(error) => self.reject(from, &rr, ErrorCode::AUTH_FAILED, error),
        }
    }

    /// Checks the provider's proof, opens the ID and makes the Auth-REP.
    fn answer(
        &self,
        from: SocketAddr,
        keys: &SessionKeys,
        rr: &AuthRepReq,
        data: &[u8],
    ) -> Result<(Grant, Vec<u8>), ClientError> {
        let rr0 = Message::RepReq(rr.clone())
            .encode_without_proof()
            .map_err(ClientError::Request)?;
        let expected = keys
            .server_proof(&transcript(&[&self.req_bytes, &rr0]))
            .map_err(ClientError::Kdf)?;
        if !proofs_equal(&expected, &rr.proof) {
            return Err(ClientError::AuthFailed);
        }
        let (id, vnic) = keys
            .open(&transcript(&[&self.req_bytes]), &rr.sealed, &rr.tag)
            .ok_or(ClientError::BadGrant)?;
        let id = NonZeroU16::new(id).ok_or(ClientError::BadGrant)?;
        let mut rep = AuthRep {
            txid: rr.txid,
            nonce_c: rr.nonce_c,
            nonce_s: rr.nonce_s,
            proof: [0; 32],
            ext: Vec::new(),
        };
        let rep0 = Message::Rep(rep.clone())
            .encode()
            .map_err(ClientError::Request)?;
        rep.proof = keys
            .client_proof(&transcript(&[&self.req_bytes, data, &rep0]))
            .map_err(ClientError::Kdf)?;
        let rep = Message::Rep(rep).encode().map_err(ClientError::Request)?;
        let service_addr = rr.service_addr.unwrap_or(from.ip());
        Ok((
            Grant {
                id,
                vnic,
                provider: from,
                service_addr,
                service_port: rr.service_port,
            },
            rep,
        ))
    }
}
