//! `vnicctl header status`: the running header's catalog (each SP, its
//! liveness, last report and load) and counters, as it writes them on its
//! status socket, and their text form.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::time::Instant;
use vnic_status::{Catalog, CatalogEntry};

/// The header's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Its name.
    pub name: String,
    /// Where it takes status reports.
    pub listen: String,
    /// Where it takes Auth-REQs.
    pub auth_listen: String,
    /// Seconds since it started.
    pub uptime_secs: u64,
    /// What it has seen since it started.
    pub counters: Counters,
    /// The configured SPs, in order.
    pub sps: Vec<SpInfo>,
}

/// Event counts since the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Reports accepted.
    pub reports: u64,
    /// Datagrams at the status port that are not reports.
    pub malformed: u64,
    /// Reports of SPs not configured.
    pub unknown_sp: u64,
    /// Reports not signed with their SP's key.
    pub forged: u64,
    /// Reports whose sequence was not new.
    pub replayed: u64,
    /// Times an SP left the catalog after missing three reports.
    pub expired: u64,
    /// Auth-REQs forwarded to an SP.
    pub forwarded: u64,
    /// Auth-REQs answered "busy": no live SP offers the service.
    pub no_sp: u64,
    /// Datagrams at the authentication port that are not Auth-REQs.
    pub ignored: u64,
}

/// One SP of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpInfo {
    /// Its name.
    pub name: String,
    /// Whether it reported within three and a half of its intervals.
    pub live: bool,
    /// Where its authentication answers (from its last report).
    pub auth: Option<String>,
    /// Milliseconds since its last report (none since the start: null).
    pub last_report_ms: Option<u64>,
    /// The highest sequence accepted from it.
    pub last_sequence: u64,
    /// Its reporting interval in ms (from its last report).
    pub interval_ms: Option<u32>,
    /// Auth-REQs sent its way since that report.
    pub forwarded: u32,
    /// Its vNICs (empty when it is not live).
    pub vnics: Vec<VnicInfo>,
}

/// One vNIC of an SP's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VnicInfo {
    /// The vNIC number.
    pub number: u16,
    /// IDs it can still hand out (null: a fixed ID, no limit).
    pub free_ids: Option<u32>,
    /// Its live sessions.
    pub sessions: u32,
    /// Its services as "name:port".
    pub services: Vec<String>,
}

impl SpInfo {
    /// The catalog entry as shown.
    pub fn of(e: &CatalogEntry, now: Instant) -> SpInfo {
        let report = e.report.as_ref().filter(|_| e.live(now));
        SpInfo {
            name: e.name.clone(),
            live: report.is_some(),
            auth: e.auth.map(|a| a.to_string()),
            last_report_ms: e.seen.map(|s| now.saturating_duration_since(s).as_millis() as u64),
            last_sequence: e.last_sequence,
            interval_ms: e.report.as_ref().map(|r| r.interval_ms),
            forwarded: e.forwarded,
            vnics: report.map_or_else(Vec::new, |r| {
                r.vnics
                    .iter()
                    .map(|v| VnicInfo {
                        number: v.number,
                        free_ids: (v.free_ids != u32::MAX).then_some(v.free_ids),
                        sessions: v.sessions,
                        services: v.services.iter().map(|s| format!("{}:{}", s.name, s.port)).collect(),
                    })
                    .collect()
            }),
        }
    }
}

/// The catalog's entries as shown.
pub fn sps(catalog: &Catalog, now: Instant) -> Vec<SpInfo> {
    catalog.entries().iter().map(|e| SpInfo::of(e, now)).collect()
}

impl Report {
    /// The text form: a summary line, then one line per SP and per vNIC.
    pub fn to_text(&self) -> String {
        let c = &self.counters;
        let mut t = format!(
            "header {} on UDP {} (reports) and {} (Auth-REQs), up {} s: {} reports, {} forged, {} replayed, {} unknown SP, {} malformed; {} forwarded, {} without a live SP\n",
            self.name, self.listen, self.auth_listen, self.uptime_secs, c.reports, c.forged, c.replayed, c.unknown_sp, c.malformed, c.forwarded, c.no_sp
        );
        let live = self.sps.iter().filter(|s| s.live).count();
        let _ = writeln!(t, "SPs: {} configured, {} live", self.sps.len(), live);
        for s in &self.sps {
            let when = s.last_report_ms.map_or("never reported".to_string(), |ms| format!("last report {:.1} s ago", ms as f64 / 1000.0));
            let state = if s.live { "live" } else { "gone" };
            let _ = writeln!(t, "  {} {} at {}: {}, {} forwarded since", s.name, state, s.auth.as_deref().unwrap_or("-"), when, s.forwarded);
            for v in &s.vnics {
                let free = v.free_ids.map_or("fixed ID".to_string(), |f| format!("{f} free IDs"));
                let _ = writeln!(t, "    vNIC #{}: {} sessions, {}, {}", v.number, v.sessions, free, v.services.join(" "));
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_a_line_per_sp_and_vnic_and_json_goes_both_ways() {
        let r = Report {
            name: "h1".into(),
            listen: "0.0.0.0:7391".into(),
            auth_listen: "0.0.0.0:7390".into(),
            uptime_secs: 5,
            counters: Counters { reports: 4, forged: 1, ..Counters::default() },
            sps: vec![
                SpInfo {
                    name: "sp1".into(),
                    live: true,
                    auth: Some("10.0.2.1:7390".into()),
                    last_report_ms: Some(300),
                    last_sequence: 9,
                    interval_ms: Some(1000),
                    forwarded: 2,
                    vnics: vec![VnicInfo { number: 1, free_ids: None, sessions: 3, services: vec!["http:80".into()] }],
                },
                SpInfo { name: "sp2".into(), live: false, auth: None, last_report_ms: None, last_sequence: 0, interval_ms: None, forwarded: 0, vnics: vec![] },
            ],
        };
        let t = r.to_text();
        assert!(t.contains("4 reports, 1 forged"), "{t}");
        assert!(t.contains("SPs: 2 configured, 1 live"), "{t}");
        assert!(t.contains("  sp1 live at 10.0.2.1:7390: last report 0.3 s ago, 2 forwarded since"), "{t}");
        assert!(t.contains("    vNIC #1: 3 sessions, fixed ID, http:80"), "{t}");
        assert!(t.contains("  sp2 gone at -: never reported"), "{t}");
        let back: Report = serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
}
