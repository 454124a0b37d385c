//! The header SP's catalog: the SPs it is configured to trust (name and
//! status key), what each last reported, when, and whether it is live; and
//! the choice of the least loaded live SP for a service.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::error::ReportError;
use crate::key::StatusKey;
use crate::report::Report;

/// Reports an SP may miss before it leaves the catalog.
pub const MISSED_REPORTS: u32 = 3;

/// One configured SP.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    /// Its name.
    pub name: String,
    key: StatusKey,
    /// The highest sequence accepted from it (kept across header restarts,
    /// so an old report cannot be replayed to a restarted header).
    pub last_sequence: u64,
    /// Its last accepted report, while it is live.
    pub report: Option<Report>,
    /// Where its authentication answers (from the report, or its source).
    pub auth: Option<SocketAddr>,
    /// When its last report came.
    pub seen: Option<Instant>,
    /// Auth-REQs sent its way since that report (its load until the next).
    pub forwarded: u32,
}

impl CatalogEntry {
    /// Whether it reported within three of its intervals (and a half, for
    /// jitter): `seen + 3.5 × interval` is when it leaves.
    pub fn live(&self, now: Instant) -> bool {
        match (&self.report, self.seen) {
            (Some(r), Some(seen)) => now < seen + deadline(r.interval_ms),
            _ => false,
        }
    }

    /// Its load for `service`: the sessions of its vNIC offering it and
    /// the requests sent its way since; `None` if it does not offer it or
    /// has no free ID left.
    fn load(&self, service: &str) -> Option<u64> {
        let r = self.report.as_ref()?;
        let v = r.vnics.iter().find(|v| v.services.iter().any(|s| s.name == service))?;
        (v.free_ids > 0).then(|| u64::from(v.sessions) + u64::from(self.forwarded))
    }
}

fn deadline(interval_ms: u32) -> Duration {
    Duration::from_millis(u64::from(interval_ms) * u64::from(MISSED_REPORTS) + u64::from(interval_ms) / 2)
}

/// Why a datagram changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not a well-formed report.
    Malformed(ReportError),
    /// It names an SP the header is not configured with.
    UnknownSp(String),
    /// Its tag is not the named SP's (forged, or a wrong key).
    Forged(String),
    /// Its sequence is not above the last accepted one (a replay, or an
    /// SP clock set back).
    Replayed {
        /// The SP it names.
        name: String,
        /// Its sequence.
        sequence: u64,
        /// The last accepted one.
        last: u64,
    },
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Malformed(e) => write!(f, "{e}"),
            Rejection::UnknownSp(n) => write!(f, "a report from SP '{n}', which is not configured"),
            Rejection::Forged(n) => write!(f, "a report for SP '{n}' not signed with its key (forged?)"),
            Rejection::Replayed { name, sequence, last } => {
                write!(f, "a report of SP '{name}' with sequence {sequence}, not above {last} (replayed?)")
            }
        }
    }
}

/// What the catalog took in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Reports accepted.
    pub accepted: u64,
    /// Datagrams that are not reports.
    pub malformed: u64,
    /// Reports of unconfigured SPs.
    pub unknown: u64,
    /// Reports whose tag is wrong.
    pub forged: u64,
    /// Reports whose sequence is not new.
    pub replayed: u64,
    /// SPs that left after missing three reports.
    pub expired: u64,
}

/// The header's catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
    counters: Counters,
}

impl Catalog {
    /// A catalog of the configured SPs (name, key), none reported yet.
    pub fn new(sps: impl IntoIterator<Item = (String, StatusKey)>) -> Catalog {
        let entries = sps
            .into_iter()
            .map(|(name, key)| CatalogEntry { name, key, last_sequence: 0, report: None, auth: None, seen: None, forwarded: 0 })
            .collect();
        Catalog { entries, counters: Counters::default() }
    }

    /// Restores an SP's last accepted sequence (from the database).
    pub fn restore_sequence(&mut self, name: &str, sequence: u64) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.name == name) {
            e.last_sequence = e.last_sequence.max(sequence);
        }
    }

    /// Takes in a datagram from `from`: the SP's entry if it is a fresh,
    /// genuine report; otherwise why not (counted).
    pub fn receive(&mut self, buf: &[u8], from: SocketAddr, now: Instant) -> Result<&CatalogEntry, Rejection> {
        let result = self.admit(buf, from, now);
        let c = &mut self.counters;
        match &result {
            Ok(_) => c.accepted += 1,
            Err(Rejection::Malformed(_)) => c.malformed += 1,
            Err(Rejection::UnknownSp(_)) => c.unknown += 1,
            Err(Rejection::Forged(_)) => c.forged += 1,
            Err(Rejection::Replayed { .. }) => c.replayed += 1,
        }
        result.map(|i| &self.entries[i])
    }

    fn admit(&mut self, buf: &[u8], from: SocketAddr, now: Instant) -> Result<usize, Rejection> {
        let name = Report::claimed_name(buf).map_err(Rejection::Malformed)?;
        let Some(i) = self.entries.iter().position(|e| e.name == name) else {
            return Err(Rejection::UnknownSp(name.to_string()));
        };
        let e = &mut self.entries[i];
        let report = match Report::open(buf, &e.key) {
            Ok(Some(r)) => r,
            Ok(None) => return Err(Rejection::Forged(e.name.clone())),
            Err(err) => return Err(Rejection::Malformed(err)),
        };
        if report.sequence <= e.last_sequence {
            return Err(Rejection::Replayed { name: e.name.clone(), sequence: report.sequence, last: e.last_sequence });
        }
        e.last_sequence = report.sequence;
        e.auth = Some(SocketAddr::new(report.address.unwrap_or(from.ip().to_canonical()), report.port));
        e.report = Some(report);
        e.seen = Some(now);
        e.forwarded = 0;
        Ok(i)
    }

    /// Drops the reports of SPs that missed three: the names that just
    /// left the catalog.
    pub fn expire(&mut self, now: Instant) -> Vec<String> {
        let mut gone = Vec::new();
        for e in &mut self.entries {
            if e.report.is_some() && !e.live(now) {
                e.report = None;
                e.forwarded = 0;
                gone.push(e.name.clone());
            }
        }
        self.counters.expired += gone.len() as u64;
        gone
    }

    /// The least loaded live SP offering `service` (ties: the first
    /// configured), counted as one more request on it.
    pub fn choose(&mut self, service: &str, now: Instant) -> Option<(&str, SocketAddr)> {
        let best = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.live(now) && e.auth.is_some())
            .filter_map(|(i, e)| e.load(service).map(|l| (l, i)))
            .min()?;
        let e = &mut self.entries[best.1];
        e.forwarded = e.forwarded.saturating_add(1);
        Some((e.name.as_str(), e.auth?))
    }

    /// Every configured SP.
    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    /// What was taken in so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ServiceStatus, VnicStatus};

    fn key(n: u8) -> StatusKey {
        StatusKey::from_bytes([n; 32])
    }

    fn report(name: &str, sequence: u64, vnic: u16, sessions: u32) -> Report {
        Report {
            name: name.into(),
            address: None,
            port: 7390,
            sequence,
            interval_ms: 1000,
            vnics: vec![VnicStatus {
                number: vnic,
                free_ids: 100,
                sessions,
                services: vec![ServiceStatus { name: format!("site{vnic}"), port: 80 }],
            }],
        }
    }

    fn from(last: u8) -> SocketAddr {
        SocketAddr::from(([10, 0, 2, last], 40000))
    }

    fn catalog() -> Catalog {
        Catalog::new([("sp1".to_string(), key(1)), ("sp2".to_string(), key(2)), ("sp3".to_string(), key(3))])
    }

    #[test]
    fn genuine_fresh_reports_enter_and_others_change_nothing() {
        let mut c = catalog();
        let t = Instant::now();
        let d = report("sp1", 10, 1, 0).encode(&key(1)).unwrap();
        let e = c.receive(&d, from(1), t).unwrap();
        assert_eq!(e.auth, Some(from(1)).map(|a| SocketAddr::new(a.ip(), 7390)));
        let forged = report("sp1", 11, 1, 0).encode(&key(9)).unwrap();
        assert_eq!(c.receive(&forged, from(66), t).unwrap_err(), Rejection::Forged("sp1".into()));
        let stranger = report("sp9", 11, 1, 0).encode(&key(1)).unwrap();
        assert_eq!(c.receive(&stranger, from(66), t).unwrap_err(), Rejection::UnknownSp("sp9".into()));
        assert_eq!(c.receive(&d, from(66), t).unwrap_err(), Rejection::Replayed { name: "sp1".into(), sequence: 10, last: 10 });
        let older = report("sp1", 9, 1, 0).encode(&key(1)).unwrap();
        assert!(matches!(c.receive(&older, from(66), t), Err(Rejection::Replayed { .. })));
        assert!(matches!(c.receive(b"VN", from(66), t), Err(Rejection::Malformed(_))));
        assert_eq!(c.entries()[0].auth.map(|a| a.ip()), Some(from(1).ip()), "the forgeries moved nothing");
        let want = Counters { accepted: 1, malformed: 1, unknown: 1, forged: 1, replayed: 2, expired: 0 };
        assert_eq!(c.counters(), want);
    }

    #[test]
    fn a_restarted_header_refuses_what_it_accepted_before() {
        let d = report("sp2", 500, 1, 0).encode(&key(2)).unwrap();
        let mut before = catalog();
        let t = Instant::now();
        before.receive(&d, from(2), t).unwrap();
        let mut after = catalog();
        after.restore_sequence("sp2", before.entries()[1].last_sequence);
        assert!(matches!(after.receive(&d, from(2), t), Err(Rejection::Replayed { .. })));
    }

    #[test]
    fn an_sp_that_misses_three_reports_leaves() {
        let mut c = catalog();
        let t = Instant::now();
        c.receive(&report("sp1", 1, 1, 0).encode(&key(1)).unwrap(), from(1), t).unwrap();
        assert!(c.expire(t + Duration::from_millis(3400)).is_empty());
        assert!(c.entries()[0].live(t + Duration::from_millis(3400)));
        assert_eq!(c.expire(t + Duration::from_millis(3500)), vec!["sp1".to_string()]);
        assert!(c.choose("site1", t + Duration::from_millis(3500)).is_none());
        // It comes back with its next report.
        c.receive(&report("sp1", 2, 1, 0).encode(&key(1)).unwrap(), from(1), t + Duration::from_secs(5)).unwrap();
        assert_eq!(c.choose("site1", t + Duration::from_secs(5)).map(|(n, _)| n.to_string()), Some("sp1".into()));
        assert_eq!(c.counters().expired, 1);
    }

    #[test]
    fn requests_spread_over_the_sps_of_a_service_by_load() {
        let mut c = catalog();
        let t = Instant::now();
        c.receive(&report("sp1", 1, 1, 4).encode(&key(1)).unwrap(), from(1), t).unwrap();
        c.receive(&report("sp2", 1, 1, 0).encode(&key(2)).unwrap(), from(2), t).unwrap();
        c.receive(&report("sp3", 1, 2, 0).encode(&key(3)).unwrap(), from(3), t).unwrap();
        let mut picks = Vec::new();
        for _ in 0..20 {
            picks.push(c.choose("site1", t).unwrap().0.to_string());
        }
        let sp1 = picks.iter().filter(|p| *p == "sp1").count();
        // sp2 takes the first 4 alone, then they alternate: 8 and 12.
        assert_eq!((sp1, 20 - sp1), (8, 12), "{picks:?}");
        assert!(picks[..4].iter().all(|p| p == "sp2"));
        assert_eq!(c.choose("site2", t).unwrap().0, "sp3");
        assert!(c.choose("nothing", t).is_none());
    }

    #[test]
    fn an_sp_without_free_ids_gets_nothing() {
        let mut c = catalog();
        let t = Instant::now();
        let mut full = report("sp1", 1, 1, 0);
        full.vnics[0].free_ids = 0;
        c.receive(&full.encode(&key(1)).unwrap(), from(1), t).unwrap();
        c.receive(&report("sp2", 1, 1, 50).encode(&key(2)).unwrap(), from(2), t).unwrap();
        assert_eq!(c.choose("site1", t).unwrap().0, "sp2");
    }
}
