//! Admission: who may start an exchange now. The failure limiters (per user
//! and per source), the stateless cookies that prove a source's return
//! routability before the provider keeps state or does public-key work, and
//! the sources known from a successful exchange.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::crypto::{self, Cookie};
use crate::ratelimit::{LimitState, Limiter};

use super::config::ServerConfig;

/// How long a cookie epoch lasts; a cookie is good in its epoch and the
/// next.
pub(super) const COOKIE_EPOCH: Duration = Duration::from_secs(60);

/// The admission state of a server.
pub(super) struct Admission {
    by_user: Limiter<String>,
    by_source: Limiter<IpAddr>,
    cookie_key: Zeroizing<[u8; 32]>,
    started: Instant,
    /// Sources that proved a passcode, until when they count as known.
    known: HashMap<IpAddr, Instant>,
    known_lifetime: Duration,
    max_known: usize,
    busy_pending: usize,
}

impl Admission {
    pub(super) fn new(config: &ServerConfig, now: Instant) -> Admission {
        Admission {
            by_user: Limiter::new(config.per_user, config.max_tracked),
            by_source: Limiter::new(config.per_source, config.max_tracked),
            cookie_key: config.keys.cookie_key(),
            started: now,
            known: HashMap::new(),
            known_lifetime: config.known_source_lifetime,
            max_known: config.max_tracked,
            busy_pending: config.busy_pending,
        }
    }

    /// Whether `source` or `user` is locked out.
    pub(super) fn locked(&self, source: IpAddr, user: &str, now: Instant) -> bool {
        self.by_source.locked(&source, now) || self.by_user.locked(&user.to_owned(), now)
    }

    /// Whether a request from `source` must show a cookie: the source has
    /// not proved a passcode lately, or `pending` exchanges make the
    /// provider busy.
    pub(super) fn cookie_required(&self, source: IpAddr, pending: usize, now: Instant) -> bool {
        pending >= self.busy_pending || !self.known.get(&source).is_some_and(|&t| now < t)
    }

    fn epoch(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.started).as_secs() / COOKIE_EPOCH.as_secs()
    }

    /// The cookie for `(source, txid)` now.
    pub(super) fn cookie(&self, source: SocketAddr, txid: u32, now: Instant) -> Cookie {
        crypto::cookie(&self.cookie_key, self.epoch(now), source, txid)
    }

    /// Whether `cookie` is the one of `(source, txid)` of this epoch or the
    /// last (compared in constant time).
    pub(super) fn cookie_valid(&self, cookie: &Cookie, source: SocketAddr, txid: u32, now: Instant) -> bool {
        let epoch = self.epoch(now);
        [Some(epoch), epoch.checked_sub(1)]
            .into_iter()
            .flatten()
            .any(|e| crypto::equal(&crypto::cookie(&self.cookie_key, e, source, txid), cookie))
    }

    /// An exchange that offered a guess ended without a valid proof (wrong
    /// passcode, abandoned, reset, timed out): it counts against both.
    pub(super) fn failed(&mut self, source: IpAddr, user: &str, now: Instant) {
        self.by_source.failure(&source, now);
        self.by_user.failure(&user.to_owned(), now);
    }

    /// A failure of the source alone (a request for no such service).
    pub(super) fn source_failed(&mut self, source: IpAddr, now: Instant) {
        self.by_source.failure(&source, now);
    }

    /// `user` proved its passcode from `source`: its failures are
    /// forgotten and the source is known (no cookie while not busy).
    pub(super) fn succeeded(&mut self, source: IpAddr, user: &str, now: Instant) {
        self.by_user.clear(&user.to_owned());
        if self.known.len() < self.max_known || self.known.contains_key(&source) {
            self.known.insert(source, now + self.known_lifetime);
        }
    }

    /// Drops what no longer matters.
    pub(super) fn purge(&mut self, now: Instant) {
        self.by_user.purge(now);
        self.by_source.purge(now);
        self.known.retain(|_, &mut t| now < t);
    }

    /// The limiters' keys, for the status report.
    pub(super) fn snapshot(&self, now: Instant) -> (Vec<LimitState<String>>, Vec<LimitState<IpAddr>>) {
        (self.by_user.snapshot(now), self.by_source.snapshot(now))
    }
}
