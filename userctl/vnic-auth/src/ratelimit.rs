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
        now >= self.window_start + limit.window && self.locked_until.is_none_or(|t| now >= t)
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
/// entries go first, then the unlocked one with the oldest window. A
/// lock-out is never evicted: keys are the attacker's to choose, and
/// evicting would let them erase a lock-out by failing with enough other
/// keys. When every entry is locked out the limiter is saturated and fails
/// closed: a key it cannot track counts as locked out too.
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

    /// Whether `key` is locked out at `now` (any untracked key is, while
    /// the limiter is saturated).
    pub(crate) fn locked(&self, key: &K, now: Instant) -> bool {
        match self.entries.get(key) {
            Some(e) => e.locked_until.is_some_and(|t| now < t),
            None => self.saturated(now),
        }
    }

    /// Whether the table is full of locked-out keys, so that no new key can
    /// be counted.
    fn saturated(&self, now: Instant) -> bool {
        self.limit.max_failures != 0
            && self.entries.len() >= self.capacity
            && self.entries.values().all(|e| e.locked_until.is_some_and(|t| now < t))
    }

    /// Counts a failure; returns whether the key is now locked out.
    pub(crate) fn failure(&mut self, key: &K, now: Instant) -> bool {
        if self.limit.max_failures == 0 {
            return false;
        }
        if !self.entries.contains_key(key) && self.entries.len() >= self.capacity && !self.make_room(now) {
            // Saturated: the failure cannot be counted, so it is refused.
            return true;
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

    /// Frees one entry for a new key: a stale one, else the unlocked one
    /// with the oldest window. `false` if every entry is locked out.
    fn make_room(&mut self, now: Instant) -> bool {
        self.purge(now);
        if self.entries.len() < self.capacity {
            return true;
        }
        let oldest = self
            .entries
            .iter()
            .filter(|(_, e)| e.locked_until.is_none_or(|t| now >= t))
            .min_by_key(|(_, e)| e.window_start)
            .map(|(k, _)| k.clone());
        match oldest {
            Some(k) => {
                self.entries.remove(&k);
                true
            }
            None => false,
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
    fn a_full_table_never_evicts_a_lock_out() {
        let t0 = Instant::now();
        let s = |secs| t0 + Duration::from_secs(secs);
        let mut l = Limiter::new(LIMIT, 4);
        for _ in 0..3 {
            l.failure(&0u32, s(0));
        }
        assert!(l.locked(&0, s(1)));
        // Failures of many other keys, each newer than the lock-out's window.
        for k in 1..100u32 {
            l.failure(&k, s(1));
        }
        assert_eq!(l.len(), 4);
        assert!(l.locked(&0, s(2)), "the lock-out survived a full table");
    }

    #[test]
    fn a_table_full_of_lock_outs_fails_closed() {
        let t0 = Instant::now();
        let s = |secs| t0 + Duration::from_secs(secs);
        let mut l = Limiter::new(LIMIT, 2);
        for k in [1u32, 2] {
            for _ in 0..3 {
                l.failure(&k, s(0));
            }
        }
        assert!(l.locked(&3, s(1)), "an untracked key counts as locked while saturated");
        assert!(l.failure(&3, s(1)), "its failure cannot be counted and is refused");
        assert!(l.locked(&1, s(1)) && l.locked(&2, s(1)));
        // Once the lock-outs end there is room again.
        assert!(!l.locked(&3, s(31)));
        assert!(!l.failure(&3, s(31)));
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
