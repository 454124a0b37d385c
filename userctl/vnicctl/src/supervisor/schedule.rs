//! When each kept session's next handshake is due: a renewal a fixed time
//! after the last success, a retry with doubling waits after failures.

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

    /// How long from `now` until the renewal of a session last renewed at
    /// `renewed` (both Unix seconds); zero when overdue.
    pub fn until_renewal(&self, renewed: i64, now: i64) -> Duration {
        let since = u64::try_from(now.saturating_sub(renewed)).unwrap_or(0);
        self.renew.saturating_sub(Duration::from_secs(since))
    }
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
    fn renewals_come_renew_after_the_last_handshake() {
        assert_eq!(T.until_renewal(1000, 1000), Duration::from_secs(600));
        assert_eq!(T.until_renewal(1000, 1500), Duration::from_secs(100));
        assert_eq!(T.until_renewal(1000, 9999), Duration::ZERO);
        // A clock that went back does not postpone beyond one period.
        assert_eq!(T.until_renewal(5000, 1000), Duration::from_secs(600));
    }
}
