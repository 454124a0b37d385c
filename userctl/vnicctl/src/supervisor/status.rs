//! `vnicctl supervisor status`: the running supervisor's live state as it
//! writes it on its status socket (each kept session: its ID, whether an
//! exchange is in progress, failures in a row, when the next handshake is
//! due, the last error), and its text form.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The supervisor's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The supervisor device it embeds on.
    pub dev: String,
    /// Seconds since it started.
    pub uptime_secs: u64,
    /// `renew_secs`.
    pub renew_secs: u64,
    /// The kept sessions, in configuration order.
    pub sessions: Vec<SlotInfo>,
}

/// One kept session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotInfo {
    /// The provider's name.
    pub provider: String,
    /// The user.
    pub user: String,
    /// The service.
    pub service: String,
    /// The bridged client (absent: this host).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client: Option<String>,
    /// "active" (granted, renewals on time), "retrying" (the last
    /// handshake failed; a granted ID stays embedded) or "new" (never
    /// granted).
    pub state: String,
    /// The embedded ID (absent: none yet).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<u16>,
    /// The provider's vNIC number.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vnic: Option<u16>,
    /// Where the service is reached, `ADDR:PORT`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub service_addr: Option<String>,
    /// Seconds since the last successful handshake.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub renewed_secs_ago: Option<i64>,
    /// The SP that granted the session and is asked for its renewals
    /// (with header SPs, one of theirs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub granted_by: Option<String>,
    /// The path check of the session's start: "ok", "failed: why",
    /// "checking" or "unchecked: why".
    #[serde(default)]
    pub path: String,
    /// Whether an exchange with the provider is in progress.
    pub exchanging: bool,
    /// Failed handshakes in a row.
    pub failures: u32,
    /// Milliseconds until the next handshake (0: due, or in progress).
    pub next_in_ms: u64,
    /// The last failure's sentence ("" after a success).
    pub last_error: String,
}

impl Report {
    /// The text form: a summary line, then one line per kept session.
    pub fn to_text(&self) -> String {
        let mut t = format!(
            "supervisor on {}, up {} s, renewal every {} s: {} sessions\n",
            self.dev,
            self.uptime_secs,
            self.renew_secs,
            self.sessions.len()
        );
        for s in &self.sessions {
            let who = match &s.client {
                Some(c) => format!("{}@{}/{} for {c}", s.user, s.provider, s.service),
                None => format!("{}@{}/{}", s.user, s.provider, s.service),
            };
            let _ = write!(t, "  {who}: {}", s.state);
            if let (Some(id), Some(vnic), Some(at)) = (s.id, s.vnic, &s.service_addr) {
                let _ = write!(t, ", ID {id} for {at} (vNIC #{vnic})");
            }
            if let Some(sp) = &s.granted_by {
                let _ = write!(t, " from {sp}");
            }
            if let Some(ago) = s.renewed_secs_ago {
                let _ = write!(t, ", renewed {ago} s ago");
            }
            if !s.path.is_empty() && s.path != "ok" {
                let _ = write!(t, ", path {}", s.path);
            }
            if s.exchanging {
                let _ = write!(t, ", exchange in progress");
            } else {
                let _ = write!(t, ", next handshake in {:.1} s", s.next_in_ms as f64 / 1000.0);
            }
            if s.failures > 0 {
                let _ = write!(t, ", {} failures in a row: {}", s.failures, s.last_error);
            }
            t.push('\n');
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_a_line_per_session_and_json_goes_both_ways() {
        let r = Report {
            dev: "ss0".into(),
            uptime_secs: 30,
            renew_secs: 600,
            sessions: vec![
                SlotInfo {
                    provider: "sp1".into(),
                    user: "alice".into(),
                    service: "http".into(),
                    client: None,
                    state: "active".into(),
                    id: Some(5),
                    vnic: Some(1),
                    service_addr: Some("10.0.2.1:80".into()),
                    renewed_secs_ago: Some(20),
                    granted_by: Some("10.0.2.1:7390".into()),
                    path: "ok".into(),
                    exchanging: false,
                    failures: 0,
                    next_in_ms: 580_000,
                    last_error: String::new(),
                },
                SlotInfo {
                    provider: "sp1".into(),
                    user: "bob".into(),
                    service: "ssh".into(),
                    client: Some("192.168.10.5".into()),
                    state: "new".into(),
                    id: None,
                    vnic: None,
                    service_addr: None,
                    renewed_secs_ago: None,
                    granted_by: None,
                    path: String::new(),
                    exchanging: false,
                    failures: 2,
                    next_in_ms: 1500,
                    last_error: "no answer from the provider".into(),
                },
            ],
        };
        assert_eq!(
            r.to_text(),
            "supervisor on ss0, up 30 s, renewal every 600 s: 2 sessions\n\
             \x20 alice@sp1/http: active, ID 5 for 10.0.2.1:80 (vNIC #1) from 10.0.2.1:7390, renewed 20 s ago, next handshake in 580.0 s\n\
             \x20 bob@sp1/ssh for 192.168.10.5: new, next handshake in 1.5 s, 2 failures in a row: no answer from the provider\n"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["sessions"][1].get("id").is_none());
        assert_eq!(serde_json::from_value::<Report>(json).unwrap(), r);
    }
}
