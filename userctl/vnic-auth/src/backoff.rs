//! Retransmission with exponential backoff, shared by client and server.

use std::time::{Duration, Instant};

/// A retransmission schedule: the first send, then resends after
/// `initial`, `2·initial`, `4·initial`, ... up to `max_sends` sends in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first send.
    pub initial: Duration,
    /// How many sends in all (the first one included), at least 1.
    pub max_sends: u32,
}

impl Backoff {
    /// The wait after send number `sends` (1 = the first).
    pub fn wait_after(&self, sends: u32) -> Duration {
        let doublings = sends.saturating_sub(1).min(16);
        self.initial.saturating_mul(1 << doublings)
    }

    /// The time from the first send until the wait after the last one ends.
    pub fn total(&self) -> Duration {
        (1..=self.max_sends.max(1))
            .map(|n| self.wait_after(n))
            .fold(Duration::ZERO, Duration::saturating_add)
    }
}

/// Where a message is in its schedule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resend {
    /// When the current wait ends.
    pub(crate) deadline: Instant,
    /// Sends so far.
    pub(crate) sends: u32,
}

impl Resend {
    /// The schedule after the first send at `now`.
    pub(crate) fn start(now: Instant, backoff: &Backoff) -> Resend {
        Resend {
            deadline: now + backoff.wait_after(1),
            sends: 1,
        }
    }

    /// Whether the current wait is over.
    pub(crate) fn due(&self, now: Instant) -> bool {
        now >= self.deadline
    }

    /// Whether every send allowed has been made.
    pub(crate) fn exhausted(&self, backoff: &Backoff) -> bool {
        self.sends >= backoff.max_sends.max(1)
    }

    /// Records a resend at `now`.
    pub(crate) fn sent(&mut self, now: Instant, backoff: &Backoff) {
        self.sends += 1;
        self.deadline = now + backoff.wait_after(self.sends);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles() {
        let b = Backoff {
            initial: Duration::from_millis(500),
            max_sends: 4,
        };
        let waits: Vec<_> = (1..=4).map(|n| b.wait_after(n).as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000]);
        assert_eq!(b.total(), Duration::from_millis(7500));
        let t0 = Instant::now();
        let mut r = Resend::start(t0, &b);
        assert!(!r.due(t0 + Duration::from_millis(499)));
        assert!(r.due(t0 + Duration::from_millis(500)));
        r.sent(t0 + Duration::from_millis(500), &b);
        assert_eq!(r.deadline, t0 + Duration::from_millis(1500));
        assert!(!r.exhausted(&b));
    }
}
