//! Rate limiting of failed attempts, per key (a source address or a user):
//! a fixed window counts failures; reaching the maximum locks the key out.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// A failure limit: `max_failures` failures within `window` lock the key out
/// for `lockout`. `max_failures` 0 disables the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Failures that trigger the lockout.
    pub max_failures: u32,
    /// The counting window, from the first failure.
    pub window: Duration,
    /// How long a key stays locked out.
    pub lockout: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    window_start: Instant,
    failures: u32,
    locked_until: Option<Instant>,
}

impl Entry {
    fn stale(&self, now: Instant, limit: &RateLimit) -> bool {
        now >= self.window_start + limit.window && self.locked_until.map_or(true, |t| now >= t)
    }
}

/// What a limiter knows of one key at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitState<K> {
    /// The user or source address.
    pub key: K,
    /// Failures counted in the current window.
    pub failures: u32,
    /// How much longer the key is locked out, if it is.
    pub locked_for: Option<Duration>,
}

/// The failure counters of at most `capacity` keys. When full, stale
/// entries go first, then the one with the oldest window.
#[derive(Debug)]
pub(crate) struct Limiter<K> {
    limit: RateLimit,
    capacity: usize,
    entries: HashMap<K, Entry>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    pub(crate) fn new(limit: RateLimit, capacity: usize) -> Self {
        Limiter {
            limit,
            capacity: capacity.max(1),
            entries: HashMap::new(),
        }
    }

    /// Whether `key` is locked out at `now`.
    pub(crate) fn locked(&self, key: &K, now: Instant) -> bool {
        self.entries
            .get(key)
            .and_then(|e| e.locked_until)
            .is_some_and(|t| now < t)
    }

    /// Counts a failure; returns whether the key is now locked out.
    pub(crate) fn failure(&mut self, key: &K, now: Instant) -> bool {
        if self.limit.max_failures == 0 {
            return false;
        }
        if !self.entries.contains_key(key) && self.entries.len() >= self.capacity {
            self.make_room(now);
        }
        let limit = self.limit;
        let e = self.entries.entry(key.clone()).or_insert(Entry {
            window_start: now,
            failures: 0,
            locked_until: None,
        });
        if now >= e.window_start + limit.window {
            *e = Entry {
                window_start: now,
                failures: 0,
                locked_until: e.locked_until.filter(|&t| now < t),
            };
        }
        e.failures += 1;
        if e.failures >= limit.max_failures {
            e.locked_until = Some(now + limit.lockout);
            e.failures = 0;
            e.window_start = now;
        }
        e.locked_until.is_some_and(|t| now < t)
    }

    /// The keys that count failures or are locked out at `now`, sorted by
    /// key: the provider's status report.
    pub(crate) fn snapshot(&self, now: Instant) -> Vec<LimitState<K>>
    where
        K: Ord,
    {
        let limit = self.limit;
        let mut out: Vec<LimitState<K>> = self
            .entries
            .iter()
            .filter(|(_, e)| !e.stale(now, &limit))
            .map(|(k, e)| LimitState {
                key: k.clone(),
                failures: if now < e.window_start + limit.window { e.failures } else { 0 },
                locked_for: e.locked_until.and_then(|t| t.checked_duration_since(now)).filter(|d| !d.is_zero()),
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }

    /// Forgets the failures of `key` (after a success).
    pub(crate) fn clear(&mut self, key: &K) {
        self.entries.remove(key);
    }

    /// Drops entries that no longer matter.
    pub(crate) fn purge(&mut self, now: Instant) {
        let limit = self.limit;
        self.entries.retain(|_, e| !e.stale(now, &limit));
    }

    fn make_room(&mut self, now: Instant) {
        self.purge(now);
        if self.entries.len() < self.capacity {
            return;
        }
        let oldest = self
            .entries
            .iter()
            .min_by_key(|(_, e)| e.window_start)
            .map(|(k, _)| k.clone());
        if let Some(k) = oldest {
            self.entries.remove(&k);
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: RateLimit = RateLimit {
        max_failures: 3,
        window: Duration::from_secs(60),
        lockout: Duration::from_secs(30),
    };

    #[test]
    fn locks_after_max_failures_in_window() {
        let t0 = Instant::now();
        let s = |secs| t0 + Duration::from_secs(secs);
        let mut l = Limiter::new(LIMIT, 10);
        assert!(!l.failure(&"bob", s(0)));
        assert!(!l.failure(&"bob", s(10)));
        assert!(!l.locked(&"bob", s(10)));
        assert!(l.failure(&"bob", s(20)));
        assert!(l.locked(&"bob", s(49)));
        assert!(!l.locked(&"bob", s(50)));
        assert!(!l.locked(&"alice", s(20)));
    }

    #[test]
    fn window_resets_and_clear_forgets() {
        let t0 = Instant::now();
        let s = |secs| t0 + Duration::from_secs(secs);
        let mut l = Limiter::new(LIMIT, 10);
        l.failure(&1, s(0));
        l.failure(&1, s(1));
        assert!(!l.failure(&1, s(61)), "a new window starts at 61");
        l.failure(&2, s(0));
        l.failure(&2, s(1));
        l.clear(&2);
        assert!(!l.failure(&2, s(2)));
    }

    #[test]
    fn capacity_is_bounded() {
        let t0 = Instant::now();
        let mut l = Limiter::new(LIMIT, 4);
        for k in 0..100u32 {
            l.failure(&k, t0 + Duration::from_millis(u64::from(k)));
        }
        assert_eq!(l.len(), 4);
        l.purge(t0 + Duration::from_secs(600));
        assert_eq!(l.len(), 0);
    }

    #[test]
    fn snapshot_shows_counts_and_lockouts() {
        let t0 = Instant::now();
        let s = |secs| t0 + Duration::from_secs(secs);
        let mut l = Limiter::new(LIMIT, 10);
        l.failure(&"carol", s(0));
        for _ in 0..3 {
            l.failure(&"bob", s(5));
        }
        let snap = l.snapshot(s(10));
        assert_eq!(snap.len(), 2);
        assert_eq!(snap[0], LimitState { key: "bob", failures: 0, locked_for: Some(Duration::from_secs(25)) });
        assert_eq!(snap[1], LimitState { key: "carol", failures: 1, locked_for: None });
        // Once the window and the lock-out are over, nothing is left to show.
        assert!(l.snapshot(s(100)).is_empty());
    }

    #[test]
    fn zero_disables() {
        let mut l = Limiter::new(
            RateLimit {
                max_failures: 0,
                ..LIMIT
            },
            4,
        );
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(!l.failure(&0, t0));
        }
        assert!(!l.locked(&0, t0));
    }
}
