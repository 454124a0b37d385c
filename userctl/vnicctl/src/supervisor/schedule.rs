//! When each kept session's next handshake is due: a renewal a fixed time
//! after the last success, a retry with doubling waits after failures, each
//! wait jittered so that sessions started together (a bridge box's boot, a
//! provider back after an outage) do not stay in step.

use std::time::Duration;

/// The timing settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// From a success to the renewal.
    pub renew: Duration,
    /// The first wait after a failure.
    pub retry: Duration,
    /// The longest wait after failures.
    pub retry_max: Duration,
}

impl Timing {
    /// The wait after the `failures`-th failure in a row (1 or more):
    /// `retry`, doubling each time, at most `retry_max`.
    pub fn after_failures(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.retry.saturating_mul(1 << doublings).min(self.retry_max)
    }

    /// `after_failures(failures)` jittered by `draw` (uniform over u16):
    /// between half of it and all of it ("equal jitter").
    pub fn retry_wait(&self, failures: u32, draw: u16) -> Duration {
        let base = self.after_failures(failures);
        base / 2 + scale(base / 2, draw)
    }

    /// The renewal period jittered by `draw`: between 90 % and 100 % of
    /// `renew`, never later than configured (the provider's idle limit).
    pub fn renew_wait(&self, draw: u16) -> Duration {
        self.renew - self.renew / 10 + scale(self.renew / 10, draw)
    }

    /// How long from `now` until the renewal of a session last renewed at
    /// `renewed` (both Unix seconds); zero when overdue.
    pub fn until_renewal(&self, renewed: i64, now: i64) -> Duration {
        let since = u64::try_from(now.saturating_sub(renewed)).unwrap_or(0);
        self.renew.saturating_sub(Duration::from_secs(since))
    }
}

/// `d · draw / 65536`.
fn scale(d: Duration, draw: u16) -> Duration {
    let nanos = d.as_nanos().saturating_mul(u128::from(draw)) >> 16;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// A uniform random u16 for the jitter (the OS generator; no secret).
pub fn draw() -> u16 {
    let mut b = [0u8; 2];
    // A failing generator only costs the jitter: the draw stays 0.
    let _ = getrandom::fill(&mut b);
    u16::from_ne_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timing = Timing {
        renew: Duration::from_secs(600),
        retry: Duration::from_secs(5),
        retry_max: Duration::from_secs(300),
    };

    #[test]
    fn retries_double_up_to_the_limit() {
        let waits: Vec<u64> = (1..=9).map(|n| T.after_failures(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(T.after_failures(u32::MAX), T.retry_max);
    }

    #[test]
    fn retries_are_jittered_between_half_and_all_of_the_wait() {
        assert_eq!(T.retry_wait(1, 0), Duration::from_millis(2500));
        assert_eq!(T.retry_wait(1, 32768), Duration::from_millis(3750));
        let top = T.retry_wait(1, u16::MAX);
        assert!(top < Duration::from_secs(5) && top > Duration::from_millis(4999), "{top:?}");
        assert_eq!(T.retry_wait(9, 0), Duration::from_secs(150));
        assert!(T.retry_wait(9, u16::MAX) <= T.retry_max);
        // Draws spread: 1,000 of them from the generator are not all equal.
        let waits: std::collections::HashSet<_> = (0..1000).map(|_| T.retry_wait(3, draw())).collect();
        assert!(waits.len() > 100, "{} distinct waits", waits.len());
        assert!(waits.iter().all(|w| *w >= Duration::from_secs(10) && *w <= Duration::from_secs(20)));
    }

    #[test]
    fn renewals_are_jittered_but_never_late() {
        assert_eq!(T.renew_wait(0), Duration::from_secs(540));
        assert!(T.renew_wait(u16::MAX) <= T.renew);
        assert!(T.renew_wait(u16::MAX) > Duration::from_millis(599_990));
    }

    #[test]
    fn renewals_come_renew_after_the_last_handshake() {
        assert_eq!(T.until_renewal(1000, 1000), Duration::from_secs(600));
        assert_eq!(T.until_renewal(1000, 1500), Duration::from_secs(100));
        assert_eq!(T.until_renewal(1000, 9999), Duration::ZERO);
        // A clock that went back does not postpone beyond one period.
        assert_eq!(T.until_renewal(5000, 1000), Duration::from_secs(600));
    }
}
