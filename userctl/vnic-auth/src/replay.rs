//! The replay cache: `(user, Nc)` pairs seen within a window.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::crypto::Nonce;

/// Remembers `(user, Nc)` pairs for `window`, at most `capacity` of them.
#[derive(Debug)]
pub(crate) struct ReplayCache {
    window: Duration,
    capacity: usize,
    seen: HashMap<[u8; 32], Instant>,
}

fn key(user: &str, nonce_c: &Nonce) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([u8::try_from(user.len()).unwrap_or(u8::MAX)]);
    h.update(user.as_bytes());
    h.update(nonce_c);
    h.finalize().into()
}

impl ReplayCache {
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        ReplayCache {
            window,
            capacity: capacity.max(1),
            seen: HashMap::new(),
        }
    }

    /// Whether the pair was seen within the window.
    pub(crate) fn seen(&self, user: &str, nonce_c: &Nonce, now: Instant) -> bool {
        self.seen
            .get(&key(user, nonce_c))
            .is_some_and(|&until| now < until)
    }

    /// Records the pair; `false` if the cache is full of live entries.
    pub(crate) fn insert(&mut self, user: &str, nonce_c: &Nonce, now: Instant) -> bool {
        if self.seen.len() >= self.capacity {
            self.purge(now);
            if self.seen.len() >= self.capacity {
                return false;
            }
        }
        self.seen.insert(key(user, nonce_c), now + self.window);
        true
    }

    /// Drops expired pairs.
    pub(crate) fn purge(&mut self, now: Instant) {
        self.seen.retain(|_, until| now < *until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_within_window_and_is_bounded() {
        let t0 = Instant::now();
        let mut c = ReplayCache::new(Duration::from_secs(10), 2);
        assert!(c.insert("a", &[1; 32], t0));
        assert!(c.seen("a", &[1; 32], t0 + Duration::from_secs(9)));
        assert!(!c.seen("b", &[1; 32], t0));
        assert!(!c.seen("a", &[2; 32], t0));
        assert!(!c.seen("a", &[1; 32], t0 + Duration::from_secs(10)));
        assert!(c.insert("a", &[2; 32], t0));
        assert!(!c.insert("a", &[3; 32], t0), "full of live entries");
        assert!(
            c.insert("a", &[3; 32], t0 + Duration::from_secs(10)),
            "expired ones make room"
        );
    }
}
