//! Admission: who may start an exchange now. The failure limiters (per user
//! and per source) and the stateless cookies that prove a source's return
//! routability before the provider keeps state or does public-key work.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::crypto::{self, Cookie};
use crate::ratelimit::{LimitState, Limiter};

use super::config::ServerConfig;

/// How long a cookie epoch lasts; a cookie is good in its epoch and the
/// next.
pub(super) const COOKIE_EPOCH: Duration = Duration::from_secs(60);
/// Users with a record tracked at most (far above any configuration).
const REAL_USERS_TRACKED: usize = 1 << 20;

/// What the source limits count by: an IPv4 address, or an IPv6 /64 (one
/// host commonly has a whole /64 to send from).
pub(super) fn source_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !u128::from(u64::MAX);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// The admission state of a server.
pub(super) struct Admission {
    /// Failures of names the provider has no record for (attacker-chosen:
    /// bounded, evictable except for lock-outs).
    by_user: Limiter<String>,
    /// Failures of users with a record: a table of its own, so that failing
    /// with made-up names cannot evict a real user's count (it is bounded
    /// by the configured users).
    by_real_user: Limiter<String>,
    by_source: Limiter<IpAddr>,
    cookie_key: Zeroizing<[u8; 32]>,
    started: Instant,
}

impl Admission {
    pub(super) fn new(config: &ServerConfig, now: Instant) -> Admission {
        Admission {
            by_user: Limiter::new(config.per_user, config.max_tracked),
            by_real_user: Limiter::new(config.per_user, REAL_USERS_TRACKED),
            by_source: Limiter::new(config.per_source, config.max_tracked),
            cookie_key: config.keys.cookie_key(),
            started: now,
        }
    }

    /// Whether `source` or `user` is locked out.
    pub(super) fn locked(&self, source: IpAddr, user: &str, now: Instant) -> bool {
        let user = user.to_owned();
        self.by_source.locked(&source_key(source), now)
            || self.by_real_user.locked(&user, now)
            || self.by_user.locked(&user, now)
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
    /// passcode, abandoned, reset, timed out): it counts against both;
    /// `real`: the user has a record.
    pub(super) fn failed(&mut self, source: IpAddr, user: &str, real: bool, now: Instant) {
        self.by_source.failure(&source_key(source), now);
        let table = if real { &mut self.by_real_user } else { &mut self.by_user };
        table.failure(&user.to_owned(), now);
    }

    /// A failure of the source alone (a request for no such service).
    pub(super) fn source_failed(&mut self, source: IpAddr, now: Instant) {
        self.by_source.failure(&source_key(source), now);
    }

    /// `user` proved its passcode: its failures are forgotten.
    pub(super) fn succeeded(&mut self, user: &str) {
        self.by_real_user.clear(&user.to_owned());
    }

    /// Drops what no longer matters.
    pub(super) fn purge(&mut self, now: Instant) {
        self.by_user.purge(now);
        self.by_real_user.purge(now);
        self.by_source.purge(now);
    }

    /// The limiters' keys, for the status report.
    pub(super) fn snapshot(&self, now: Instant) -> (Vec<LimitState<String>>, Vec<LimitState<IpAddr>>) {
        let mut users = self.by_real_user.snapshot(now);
        users.extend(self.by_user.snapshot(now));
        users.sort_by(|a, b| a.key.cmp(&b.key));
        (users, self.by_source.snapshot(now))
    }
}
