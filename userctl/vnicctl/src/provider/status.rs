//! `vnicctl provider status`: the running provider's live state as it
//! writes it on its status socket (sessions, exchanges waiting for their
//! Auth-REP, lock-outs, counters), and its text form.

use super::db::SessionRow;
use crate::clock::unix_now;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::time::Instant;
use vnic_auth::ServerStatus;

/// The provider's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The UDP address it listens on.
    pub listen: String,
    /// The relay it programs.
    pub relay: String,
    /// Seconds since it started.
    pub uptime_secs: u64,
    /// What it has seen since it started.
    pub counters: Counters,
    /// The live sessions (the database's rows).
    pub sessions: Vec<SessionInfo>,
    /// Exchanges waiting for their Auth-REP.
    pub pending: Vec<PendingInfo>,
    /// Users with failures counted or locked out.
    pub users: Vec<LimitInfo>,
    /// Source addresses with failures counted or locked out.
    pub sources: Vec<LimitInfo>,
}

/// Event counts since the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Datagrams received.
    pub datagrams: u64,
    /// Sessions granted (renewals included).
    pub granted: u64,
    /// Exchanges that failed.
    pub failed: u64,
    /// Datagrams ignored (malformed, replayed, unknown exchange, ...).
    pub dropped: u64,
    /// Status reports sent (one per interval, to every header SP).
    #[serde(default)]
    pub reports: u64,
    /// Status reports a header could not be sent (per header).
    #[serde(default)]
    pub report_errors: u64,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// The client's address.
    pub client: String,
    /// The ID.
    pub id: u16,
    /// The vNIC device.
    pub vnic: String,
    /// Who authenticated.
    pub user: String,
    /// The service.
    pub service: String,
    /// First granted (Unix time).
    pub granted: i64,
    /// Seconds since the last handshake (it expires at the idle limit).
    pub idle_secs: i64,
    /// The supervisor's path check as it reported it: "ok", "failed", ""
    /// (not reported yet).
    #[serde(default)]
    pub path: String,
}

/// An exchange waiting for its Auth-REP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInfo {
    /// Where the Auth-REQ came from.
    pub source: String,
    /// The user named.
    pub user: String,
    /// The service asked for.
    pub service: String,
    /// The client the session would be for.
    pub client: String,
    /// The service's vNIC number.
    pub vnic: u16,
    /// Bound to fail: unknown user or service not permitted.
    pub refused: bool,
    /// Auth-REP & REQ sent so far (answers to retransmitted Auth-REQs
    /// included; no ID is chosen before the proof).
    pub sends: u32,
    /// Milliseconds until it is given up.
    pub expires_in_ms: u64,
}

/// A rate limiter's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitInfo {
    /// The user name or source address.
    pub key: String,
    /// Failures counted in the current window.
    pub failures: u32,
    /// Seconds of lock-out left (absent: not locked out).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub locked_for_secs: Option<u64>,
}

/// The report from the daemon's state.
pub fn build(
    config: &super::config::Config,
    started: Instant,
    counters: Counters,
    rows: &[SessionRow],
    server: &ServerStatus,
) -> Report {
    let now = unix_now();
    let limits = |v: Vec<(String, u32, Option<std::time::Duration>)>| {
        v.into_iter()
            .map(|(key, failures, locked)| LimitInfo {
                key,
                failures,
                locked_for_secs: locked.map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0)),
            })
            .collect()
    };
    Report {
        listen: config.listen.to_string(),
        relay: config.relay.clone(),
        uptime_secs: started.elapsed().as_secs(),
        counters,
        sessions: rows
            .iter()
            .map(|r| SessionInfo {
                client: r.client.to_string(),
                id: r.id,
                vnic: r.vnic.clone(),
                user: r.user.clone(),
                service: r.service.clone(),
                granted: r.created,
                idle_secs: (now - r.last_seen).max(0),
                path: r.path.clone(),
            })
            .collect(),
        pending: server
            .pending
            .iter()
            .map(|p| PendingInfo {
                source: p.source.to_string(),
                user: p.user.clone(),
                service: p.service.clone(),
                client: p.client.to_string(),
                vnic: p.vnic,
                refused: p.refused,
                sends: p.sends,
                expires_in_ms: u64::try_from(p.expires_in.as_millis()).unwrap_or(u64::MAX),
            })
            .collect(),
        users: limits(server.users.iter().map(|l| (l.key.clone(), l.failures, l.locked_for)).collect()),
        sources: limits(server.sources.iter().map(|l| (l.key.to_string(), l.failures, l.locked_for)).collect()),
    }
}

impl Report {
    /// The text form: a summary line, then one line per session, exchange
    /// and rate-limited key.
    pub fn to_text(&self) -> String {
        let c = &self.counters;
        let mut t = format!(
            "provider on UDP {} for relay {}, up {} s: {} datagrams, {} granted, {} failed, {} ignored\n",
            self.listen, self.relay, self.uptime_secs, c.datagrams, c.granted, c.failed, c.dropped
        );
        if c.reports > 0 || c.report_errors > 0 {
            let _ = writeln!(t, "status reports: {} sent, {} not sent", c.reports, c.report_errors);
        }
        let _ = writeln!(t, "sessions: {}", self.sessions.len());
        for s in &self.sessions {
            let _ = writeln!(
                t,
                "  {} id {} -> {}: user {} service {}, idle {} s{}",
                s.client,
                s.id,
                s.vnic,
                s.user,
                s.service,
                s.idle_secs,
                if s.path.is_empty() { String::new() } else { format!(", path {}", s.path) }
            );
        }
        let _ = writeln!(t, "pending exchanges: {}", self.pending.len());
        for p in &self.pending {
            let _ = writeln!(
                t,
                "  {} user {} service {} for {}: vNIC #{}{}, {} sends, {:.1} s left",
                p.source,
                p.user,
                p.service,
                p.client,
                p.vnic,
                if p.refused { " (refused: unknown user or not permitted)" } else { "" },
                p.sends,
                p.expires_in_ms as f64 / 1000.0
            );
        }
        for (what, list) in [("user", &self.users), ("source", &self.sources)] {
            for l in list {
                let state = match l.locked_for_secs {
                    Some(s) => format!("locked out for {s} s more"),
                    None => format!("{} failures counted", l.failures),
                };
                let _ = writeln!(t, "{what} {}: {state}", l.key);
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_a_line_per_item_and_json_goes_both_ways() {
        let r = Report {
            listen: "0.0.0.0:7390".into(),
            relay: "relay0".into(),
            uptime_secs: 75,
            counters: Counters { datagrams: 9, granted: 2, failed: 1, dropped: 3, reports: 0, report_errors: 0 },
            sessions: vec![SessionInfo {
                client: "10.0.1.2".into(),
                id: 1,
                vnic: "vnic1".into(),
                user: "alice".into(),
                service: "http".into(),
                granted: 1_700_000_000,
                idle_secs: 4,
                path: "ok".into(),
            }],
            pending: vec![PendingInfo {
                source: "10.0.1.3:40000".into(),
                user: "bob".into(),
                service: "http".into(),
                client: "10.0.1.3".into(),
                vnic: 2,
                refused: false,
                sends: 2,
                expires_in_ms: 8500,
            }],
            users: vec![LimitInfo { key: "carol".into(), failures: 0, locked_for_secs: Some(12) }],
            sources: vec![LimitInfo { key: "10.0.1.9".into(), failures: 2, locked_for_secs: None }],
        };
        assert_eq!(
            r.to_text(),
            "provider on UDP 0.0.0.0:7390 for relay relay0, up 75 s: 9 datagrams, 2 granted, 1 failed, 3 ignored\n\
             sessions: 1\n  10.0.1.2 id 1 -> vnic1: user alice service http, idle 4 s, path ok\n\
             pending exchanges: 1\n  10.0.1.3:40000 user bob service http for 10.0.1.3: vNIC #2, 2 sends, 8.5 s left\n\
             user carol: locked out for 12 s more\nsource 10.0.1.9: 2 failures counted\n"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["sources"][0].get("locked_for_secs").is_none(), "absent when not locked out");
        assert_eq!(serde_json::from_value::<Report>(json).unwrap(), r);
    }
}
