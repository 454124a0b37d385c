//! The supervisor's side of the exchange, sans-IO: [`Client::new`] queues
//! the Auth-REQ; feed it datagrams ([`Client::handle_datagram`]) and time
//! ([`Client::handle_timeout`]), send what [`Client::poll_transmit`] returns
//! and act on [`Client::poll_event`].

use std::collections::VecDeque;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU16;
use std::time::{Duration, Instant};

use opaque_ke::{ClientLogin, ClientLoginFinishParameters, CredentialResponse};
use zeroize::Zeroizing;

use crate::backoff::{Backoff, Resend};
use crate::crypto::{transcript, Argon2Cost, GrantKeys, COOKIE_LEN};
use crate::error::{CryptoError, ErrorCode, WireError};
use crate::message::{self, AuthRep, AuthRepReq, AuthReq, AuthRst, Message};
use crate::opaque::{self, Rng, Suite, KE1_LEN};
use crate::random::{self, OsRandom, Random};
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
    /// Retransmission of Auth-REQ, then of Auth-REP (default 0.5 s, 1 s,
    /// 2 s, 4 s: 4 sends each, giving up 7.5 s after the first).
    pub retransmit: Backoff,
    /// The argon2 cost the client accepts at most.
    pub limits: KdfLimits,
    /// The ID of the session this client holds now, to keep it (sealed in
    /// Auth-REP).
    pub renew: Option<NonZeroU16>,
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
            limits: KdfLimits::DEFAULT,
            renew: None,
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
    /// The provider speaks version 1 of the protocol only.
    #[error("the provider speaks version 1 of the protocol only, this supervisor version 2: upgrade the provider")]
    OldProvider,
    /// No answer in time.
    #[error("no answer from the provider {server} after {tries} tries over {:.1} s", .waited.as_secs_f64())]
    Timeout {
        /// The provider asked.
        server: SocketAddr,
        /// Messages sent in the last phase.
        tries: u32,
        /// Time waited in it.
        waited: Duration,
    },
    /// OPAQUE's answer does not open: wrong passcode, unknown user, or not
    /// the genuine provider.
    #[error("authentication failed: wrong user name or passcode (or the answer did not come from the genuine provider)")]
    AuthFailed,
    /// The sealed ID does not open, or is 0.
    #[error("the provider's grant carries no valid ID")]
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
}

/// What happened, for the supervisor to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// The provider granted the session and activated it: install the
    /// embedding rule.
    Granted(Grant),
    /// Failed: tell the user.
    Failed(ClientError),
}

/// An exchange after the client's proof, waiting for Auth-GRANT.
struct Proving {
    provider: SocketAddr,
    rr: AuthRepReq,
    rr_bytes: Vec<u8>,
    rep: Vec<u8>,
    keys: std::sync::Arc<GrantKeys>,
    resend: Resend,
}

enum Phase {
    Requesting { login: Box<ClientLogin<Suite>>, resend: Resend },
    Proving(Box<Proving>),
    Done,
}

impl fmt::Debug for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Requesting { .. } => "Requesting",
            Phase::Proving(_) => "Proving",
            Phase::Done => "Done",
        })
    }
}

/// The supervisor's state machine for one exchange.
pub struct Client {
    config: ClientConfig,
    /// Where requests go: the address asked, then the one whose Auth-RETRY
    /// was followed.
    server: SocketAddr,
    req: AuthReq,
    req_bytes: Vec<u8>,
    phase: Phase,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ClientEvent>,
    /// The keys of the last Auth-REP & REQ opened (kept to the end).
    keys: Option<std::sync::Arc<GrantKeys>>,
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
    /// Starts an exchange with the provider at `server`: the Auth-REQ
    /// (OPAQUE's KE1, blinded by `rng`) is queued for sending at `now`.
    pub fn new(
        config: ClientConfig,
        server: SocketAddr,
        now: Instant,
        rng: &mut dyn Random,
    ) -> Result<Client, ClientError> {
        let txid = random::nonzero_u32(rng);
        let nonce_c = random::array(rng);
        let start = ClientLogin::<Suite>::start(&mut Rng(rng), &config.passcode)
            .map_err(|_| ClientError::Kdf(CryptoError::Primitive("OPAQUE KE1")))?;
        let mut ke1 = [0u8; KE1_LEN];
        ke1.copy_from_slice(&start.message.serialize());
        let req = AuthReq {
            txid,
            client: config.client_addr,
            user: config.user.clone(),
            service: config.service.clone(),
            nonce_c,
            cookie: [0; COOKIE_LEN],
            ke1,
            ext: config.ext.clone(),
        };
        let req_bytes = Message::Req(req.clone()).encode().map_err(ClientError::Request)?;
        // What the provider will check (e.g. non-empty names).
        Message::decode(&req_bytes).map_err(ClientError::Request)?;
        let resend = Resend::start(now, &config.retransmit);
        let transmits = VecDeque::from([Transmit { to: server, data: req_bytes.clone() }]);
        Ok(Client {
            config,
            server,
            req,
            req_bytes,
            phase: Phase::Requesting { login: Box::new(start.state), resend },
            transmits,
            events: VecDeque::new(),
            keys: None,
        })
    }

    /// The keys derived from OPAQUE's session key, once the provider's
    /// answer opened (for test vectors and diagnostics).
    pub fn grant_keys(&self) -> Option<&GrantKeys> {
        self.keys.as_deref()
    }

    /// The Auth-REQ as last sent (with the cookie, after an Auth-RETRY).
    pub fn request(&self) -> &[u8] {
        &self.req_bytes
    }

    /// The Auth-REQ's transaction id.
    pub fn txid(&self) -> u32 {
        self.req.txid
    }

    /// Whether the exchange is over (granted or failed).
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
            Phase::Requesting { resend, .. } => Some(resend.deadline),
            Phase::Proving(p) => Some(p.resend.deadline),
            Phase::Done => None,
        }
    }

    /// Handles the passing of time: retransmission and giving up.
    pub fn handle_timeout(&mut self, now: Instant) {
        let backoff = self.config.retransmit;
        let (resend, to, data) = match &mut self.phase {
            Phase::Requesting { resend, .. } => (resend, self.server, &self.req_bytes),
            Phase::Proving(p) => (&mut p.resend, p.provider, &p.rep),
            Phase::Done => return,
        };
        if !resend.due(now) {
            return;
        }
        if resend.exhausted(&backoff) {
            let error = ClientError::Timeout { server: to, tries: resend.sends, waited: backoff.total() };
            return self.fail(error);
        }
        resend.sent(now, &backoff);
        let again = Transmit { to, data: data.clone() };
        self.transmits.push_back(again);
    }

    /// Handles a datagram from `from`. What does not belong to this
    /// exchange (other transaction id, other nonces) is ignored.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        let (txid, nonce_c) = (self.req.txid, self.req.nonce_c);
        let message = match Message::decode(data) {
            Ok(m) => m,
            Err(_) => {
                if matches!(self.phase, Phase::Requesting { .. }) && message::is_v1_rst(data, txid, &nonce_c) {
                    self.fail(ClientError::OldProvider);
                }
                return;
            }
        };
        match (&mut self.phase, message) {
            // The first Auth-RETRY only. Its cookie stays good for the
            // whole exchange (an epoch and the next, 60-120 s); another
            // answers a retransmitted first request: from another SP (a
            // header forwarded both copies: that SP then holds no exchange,
            // which would count as a failed guess there), or from the same
            // provider in the next cookie epoch (following it would change
            // the request the provider's OPAQUE context is bound to, and
            // the passcode would seem wrong).
            (Phase::Requesting { resend, .. }, Message::Retry(r))
                if r.txid == txid && r.nonce_c == nonce_c && self.req.cookie == [0; COOKIE_LEN] =>
            {
                // Send the request again at once, with the cookie, to
                // whoever issued it: a header SP forwards the first request
                // and the SP it chose answers (the cookie binds this
                // address; OPAQUE, not the address, authenticates the SP).
                self.server = from;
                self.req.cookie = r.cookie;
                let Ok(bytes) = Message::Req(self.req.clone()).encode() else {
                    return;
                };
                self.req_bytes = bytes;
                *resend = Resend::start(now, &self.config.retransmit);
                self.transmits.push_back(Transmit { to: self.server, data: self.req_bytes.clone() });
            }
            (Phase::Requesting { .. }, Message::RepReq(rr))
                if rr.txid == txid && rr.nonce_c == nonce_c && rr.user == self.req.user && rr.service == self.req.service =>
            {
                self.on_challenge(now, from, rr, data);
            }
            (Phase::Requesting { .. }, Message::Rst(rst)) if rst.txid == txid && rst.nonce_c == nonce_c => {
                self.fail(ClientError::Refused(rst.error));
            }
            (Phase::Proving(p), Message::Grant(g))
                if g.txid == txid && g.nonce_c == nonce_c && g.nonce_s == p.rr.nonce_s && from == p.provider =>
            {
                let aad = transcript(&[&self.req_bytes, &p.rr_bytes, &p.rep]);
                let grant = p.keys.open_grant(&aad, &g.sealed).and_then(|(id, vnic)| {
                    Some(Grant {
                        id: NonZeroU16::new(id)?,
                        vnic,
                        provider: p.provider,
                        service_addr: p.rr.service_addr.unwrap_or(p.provider.ip()),
                        service_port: p.rr.service_port,
                    })
                });
                match grant {
                    Some(grant) => {
                        self.phase = Phase::Done;
                        self.events.push_back(ClientEvent::Granted(grant));
                    }
                    None => self.fail(ClientError::BadGrant),
                }
            }
            (Phase::Proving(p), Message::Rst(rst))
                if rst.txid == txid && rst.nonce_c == nonce_c && rst.nonce_s == p.rr.nonce_s =>
            {
                self.fail(ClientError::Refused(rst.error));
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
        let rst = AuthRst { txid: rr.txid, error: code, nonce_c: rr.nonce_c, nonce_s: rr.nonce_s, ext: Vec::new() };
        if let Ok(data) = Message::Rst(rst).encode() {
            self.transmits.push_back(Transmit { to: from, data });
        }
        self.fail(error);
    }

    /// OPAQUE's client finish on KE2 (argon2id runs here), then the
    /// Auth-REP.
    fn on_challenge(&mut self, now: Instant, from: SocketAddr, rr: AuthRepReq, data: &[u8]) {
        if !self.config.limits.allow(&rr.kdf) {
            let error = ClientError::KdfLimit { asked: rr.kdf, limit: self.config.limits };
            return self.reject(from, &rr, ErrorCode::KDF_REFUSED, error);
        }
        let ksf = match opaque::ksf(&rr.kdf) {
            Ok(k) => k,
            Err(e) => return self.reject(from, &rr, ErrorCode::KDF_REFUSED, ClientError::Kdf(e)),
        };
        let Phase::Requesting { login, .. } = std::mem::replace(&mut self.phase, Phase::Done) else {
            return;
        };
        let finished = Message::RepReq(rr.clone()).encode_without_opaque().ok().and_then(|rr0| {
            let context = transcript(&[&self.req_bytes, &rr0]);
            let response = CredentialResponse::<Suite>::deserialize(rr.ke2.as_slice()).ok()?;
            let params = ClientLoginFinishParameters::new(Some(&context), opaque::identifiers(&self.config.user), Some(&ksf));
            login.finish(&mut Rng(&mut OsRandom), &self.config.passcode, response, params).ok()
        });
        let Some(finished) = finished else {
            return self.reject(from, &rr, ErrorCode::AUTH_FAILED, ClientError::AuthFailed);
        };
        let Ok(keys) = GrantKeys::derive(&finished.session_key) else {
            return self.reject(from, &rr, ErrorCode::INTERNAL, ClientError::AuthFailed);
        };
        let t_rr = transcript(&[&self.req_bytes, data]);
        let renew = keys.seal_renew(&t_rr, self.config.renew.map_or(0, NonZeroU16::get));
        let mut ke3 = [0u8; opaque::KE3_LEN];
        ke3.copy_from_slice(&finished.message.serialize());
        let rep = renew.ok().and_then(|renew| {
            let rep = AuthRep { txid: rr.txid, nonce_c: rr.nonce_c, nonce_s: rr.nonce_s, renew, ke3, ext: Vec::new() };
            Message::Rep(rep).encode().ok()
        });
        let Some(rep) = rep else {
            return self.reject(from, &rr, ErrorCode::INTERNAL, ClientError::AuthFailed);
        };
        self.transmits.push_back(Transmit { to: from, data: rep.clone() });
        let resend = Resend::start(now, &self.config.retransmit);
        let keys = std::sync::Arc::new(keys);
        self.keys = Some(keys.clone());
        let proving = Proving { provider: from, rr, rr_bytes: data.to_vec(), rep, keys, resend };
        self.phase = Phase::Proving(Box::new(proving));
    }
}
