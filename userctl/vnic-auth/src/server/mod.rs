//! The provider's side of the exchange, sans-IO: feed it datagrams
//! ([`Server::handle_datagram`]) and time ([`Server::handle_timeout`]), then
//! send what [`Server::poll_transmit`] returns and act on
//! [`Server::poll_event`].
//!
//! One concern a file: [`backend`] (what it asks of the database),
//! [`config`], [`events`] (what it reports), `admission` (limiters,
//! cookies), `exchanges` (the table of exchanges) and
//! `handle` (the messages).

mod admission;
pub mod backend;
pub mod config;
pub mod events;
mod exchanges;
mod handle;

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::message::Message;
use crate::random::Random;
use crate::replay::ReplayCache;
use crate::Transmit;

pub use backend::{Backend, Lookup, Refusal, Target};
pub use config::ServerConfig;
pub use events::{
    DropReason, FailReason, Failure, PendingExchange, ServerEvent, ServerStatus, Session,
};

use admission::Admission;
use exchanges::Exchanges;

const PURGE_EVERY: Duration = Duration::from_secs(1);

/// The provider's state machine: admission (limiters, cookies), the
/// exchange table, the replay cache, and the queues of datagrams to send
/// and events.
pub struct Server {
    config: ServerConfig,
    rng: Box<dyn Random>,
    admission: Admission,
    exchanges: Exchanges,
    replay: ReplayCache,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ServerEvent>,
    last_purge: Option<Instant>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("pending", &self.exchanges.len())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server with `config`, drawing nonces and IDs from `rng`.
    pub fn new(config: ServerConfig, rng: Box<dyn Random>) -> Server {
        Server {
            admission: Admission::new(&config, Instant::now()),
            replay: ReplayCache::new(config.replay_window, config.max_replay),
            exchanges: Exchanges::default(),
            config,
            rng,
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
            Ok(Message::Rep(rep)) => self.on_rep(now, from, rep, data, backend),
            Ok(Message::Rst(rst)) => self.on_rst(now, from, rst),
            Ok(Message::Retry(_) | Message::RepReq(_) | Message::Grant(_)) => {
                self.dropped(from, DropReason::Unexpected)
            }
            Err(e) => self.undecodable(from, data, e),
        }
    }

    /// Handles the passing of time: expiries. The provider never sends on
    /// its own (no retransmission, no Auth-RST on a timeout): every datagram
    /// it sends answers one it received.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.expire(now);
        self.purge(now);
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.exchanges.next_expiry()
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
        self.exchanges.len()
    }

    /// A snapshot for the provider's status report: the exchanges waiting
    /// for their Auth-REP and the rate limiters' keys, at `now`.
    pub fn status(&self, now: Instant) -> ServerStatus {
        let (users, sources) = self.admission.snapshot(now);
        ServerStatus {
            pending: self
                .exchanges
                .iter()
                .map(|(&(source, txid), p)| PendingExchange {
                    source,
                    txid,
                    user: p.user.clone(),
                    service: p.service.clone(),
                    client: p.client,
                    vnic: p.target.vnic,
                    refused: p.refusal.is_some(),
                    sends: p.answers,
                    expires_in: p.expires.saturating_duration_since(now),
                })
                .collect(),
            users,
            sources,
        }
    }

    fn purge(&mut self, now: Instant) {
        if self.last_purge.is_some_and(|t| now < t + PURGE_EVERY) {
            return;
        }
        self.last_purge = Some(now);
        self.exchanges.purge(now);
        self.admission.purge(now);
        self.replay.purge(now);
    }
}
