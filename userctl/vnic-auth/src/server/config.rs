//! The server's settings.

use std::fmt;
use std::time::Duration;

use crate::crypto::Argon2Cost;
use crate::opaque::ProviderKeys;
use crate::ratelimit::RateLimit;

/// The server's settings. [`ServerConfig::new`] gives the defaults.
#[derive(Clone)]
pub struct ServerConfig {
    /// The provider's OPAQUE keys (every record depends on them; the
    /// cookie key is derived from them).
    pub keys: ProviderKeys,
    /// The argon2 cost announced for unknown users: the cost real records
    /// use.
    pub fake_cost: Argon2Cost,
    /// How long a challenge waits for its Auth-REP, and how long a grant is
    /// answered again (default 10 s).
    pub challenge_lifetime: Duration,
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
    /// Exchanges in progress per user name at most (default 8): with the
    /// per-user limit, it bounds the guesses at one user's passcode in a
    /// window (each Auth-REP & REQ allows one).
    pub max_pending_per_user: usize,
    /// Users and sources tracked by each rate limiter at most (default
    /// 4096).
    pub max_tracked: usize,
    /// `(user, Nc)` pairs in the replay cache at most (default 65,536).
    pub max_replay: usize,
    /// Answers to the same Auth-REQ or Auth-REP at most, retransmissions
    /// included (default 4).
    pub max_answers: u32,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("keys", &self.keys)
            .field("fake_cost", &self.fake_cost)
            .field("challenge_lifetime", &self.challenge_lifetime)
            .field("per_user", &self.per_user)
            .field("per_source", &self.per_source)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// The default cap of exchanges in progress per user name.
    pub const PENDING_PER_USER: usize = 8;
    /// The default challenge lifetime.
    pub const CHALLENGE_LIFETIME: Duration = Duration::from_secs(10);
    /// The default limit per user.
    pub const PER_USER: RateLimit = RateLimit {
        max_failures: 5,
        window: Duration::from_secs(60),
        lockout: Duration::from_secs(60),
    };
    /// The default limit per source address.
    pub const PER_SOURCE: RateLimit = RateLimit {
        max_failures: 10,
        window: Duration::from_secs(60),
        lockout: Duration::from_secs(300),
    };

    /// The defaults, with the provider's `keys`.
    pub fn new(keys: ProviderKeys) -> ServerConfig {
        ServerConfig {
            keys,
            fake_cost: Argon2Cost::DEFAULT,
            challenge_lifetime: Self::CHALLENGE_LIFETIME,
            replay_window: Duration::from_secs(120),
            per_user: Self::PER_USER,
            per_source: Self::PER_SOURCE,
            max_pending: 1024,
            max_pending_per_source: 8,
            max_pending_per_user: Self::PENDING_PER_USER,
            max_tracked: 4096,
            max_replay: 65536,
            max_answers: 4,
        }
    }
}
