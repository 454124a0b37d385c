//! The SP's part of the status application (Documentation/status-protocol.md):
//! the `[status]` section of its configuration and the report of its vNICs
//! that it sends every interval to each header SP.

use super::config::{IdRule, VnicEntry};
use super::sessions::Owners;
use serde::Deserialize;
use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use vnic_status::{Report, ServiceStatus, StatusKey, VnicStatus};

/// The UDP port headers take reports on unless configured otherwise.
pub const HEADER_PORT: u16 = 7391;

/// `[status]`: this SP's name in the headers' catalogs, its key, the
/// headers and how often to report.
#[derive(Debug, Clone)]
pub struct Reporting {
    /// The SP's name.
    pub name: String,
    /// Its status key's file (`vnicctl status-key`).
    pub key_file: PathBuf,
    /// The header SPs' status addresses.
    pub headers: Vec<SocketAddr>,
    /// How often to report.
    pub interval: Duration,
    /// Where supervisors reach this SP's authentication (default: the
    /// reports' source address).
    pub address: Option<IpAddr>,
}

/// The section as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStatus {
    name: String,
    key_file: PathBuf,
    headers: Vec<String>,
    interval_ms: Option<u32>,
    address: Option<IpAddr>,
}

impl RawStatus {
    /// The section checked; the error is one sentence.
    pub fn check(self) -> Result<Reporting, String> {
        let at = |what: String| format!("status: {what}");
        if self.name.is_empty() || self.name.len() > 31 || self.name.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(at(format!("name '{}' must be 1 to 31 bytes without spaces", self.name)));
        }
        let interval_ms = self.interval_ms.unwrap_or(1000);
        if !vnic_status::INTERVAL_MS.contains(&interval_ms) {
            return Err(at(format!("interval_ms = {interval_ms}: give 100 to 3600000")));
        }
        if self.headers.is_empty() {
            return Err(at("headers is empty: name at least one header SP".into()));
        }
        let headers = self.headers.iter().map(|h| header_addr(h).map_err(at)).collect::<Result<_, _>>()?;
        Ok(Reporting {
            name: self.name,
            key_file: self.key_file,
            headers,
            interval: Duration::from_millis(u64::from(interval_ms)),
            address: self.address,
        })
    }
}

fn header_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = text.parse::<SocketAddr>() {
        return Ok(a);
    }
    text.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, HEADER_PORT))
        .map_err(|_| format!("headers: '{text}' is not an address like 10.0.9.1 or 10.0.9.1:7391"))
}

/// Reads the status key file; the error names it.
pub fn load_key(path: &std::path::Path) -> Result<StatusKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the status key {}: {e}", path.display()))?;
    StatusKey::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `vnicctl status-key --out FILE`: a new key in a new file (mode 0600);
/// the file must not exist.
pub fn make_key(path: &std::path::Path) -> Result<(), crate::error::CliError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |what: &str, e: &dyn std::fmt::Display| crate::error::CliError::Input(format!("cannot {what} {}: {e}", path.display()));
    let key = StatusKey::generate().map_err(|e| fail("make a random key for", &e))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| fail("create the key file", &e))?;
    let line = zeroize::Zeroizing::new(format!("{}\n", key.to_storage().as_str()));
    f.write_all(line.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| fail("write the key file", &e))
}

/// A header's forward in `data`, checked with this SP's status key (none:
/// the SP has no `[status]` and takes no forwards).
pub fn open_forward(data: &[u8], key: Option<&StatusKey>) -> Result<vnic_status::Forward, String> {
    let key = key.ok_or("a header's forwarded request, but this SP has no [status] key to check it")?;
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    vnic_status::Forward::open(data, key, now_ms).map_err(|e| e.to_string())
}

/// Builds the report of this SP's vNICs: `used` the IDs of live sessions,
/// `owners` who holds them (client, ID) → (user, vNIC name); `last` the
/// sequence of the previous report.
pub fn report(r: &Reporting, port: u16, vnics: &[VnicEntry], used: &HashSet<u16>, owners: &Owners, last: u64) -> Report {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let vnics = vnics
        .iter()
        .map(|v| {
            let sessions = owners.values().filter(|(_, name)| *name == v.name).count();
            let free_ids = match v.ids {
                IdRule::Fixed(_) => u32::MAX,
                IdRule::Range(lo, hi) => {
                    let taken = used.iter().filter(|&&id| (lo..=hi).contains(&id)).count() as u32;
                    (u32::from(hi) - u32::from(lo) + 1).saturating_sub(taken)
                }
            };
            VnicStatus {
                number: v.number,
                free_ids,
                sessions: u32::try_from(sessions).unwrap_or(u32::MAX),
                services: v.services.iter().map(|s| ServiceStatus { name: s.name.clone(), port: s.port }).collect(),
            }
        })
        .collect();
    Report {
        name: r.name.clone(),
        address: r.address,
        port,
        sequence: now_ms.max(last.saturating_add(1)),
        interval_ms: u32::try_from(r.interval.as_millis()).unwrap_or(u32::MAX),
        vnics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::config::parse;
    use crate::provider::testdata::sample;

    #[test]
    fn the_section_is_optional_and_checked() {
        assert!(parse(&sample("")).unwrap().status.is_none());
        let c = parse(&sample("[status]\nname = \"sp1\"\nkey_file = \"/k\"\nheaders = [\"10.0.9.1\", \"[fd00::9]:8000\"]")).unwrap();
        let s = c.status.unwrap();
        assert_eq!(s.headers, vec!["10.0.9.1:7391".parse().unwrap(), "[fd00::9]:8000".parse().unwrap()]);
        assert_eq!(s.interval, Duration::from_secs(1));
        for (bad, want) in [
            ("[status]\nname = \"s p\"\nkey_file = \"/k\"\nheaders = [\"10.0.9.1\"]", "status: name 's p'"),
            ("[status]\nname = \"sp\"\nkey_file = \"/k\"\nheaders = []", "status: headers is empty"),
            ("[status]\nname = \"sp\"\nkey_file = \"/k\"\nheaders = [\"x\"]", "status: headers: 'x'"),
            ("[status]\nname = \"sp\"\nkey_file = \"/k\"\nheaders = [\"10.0.9.1\"]\ninterval_ms = 5", "interval_ms = 5"),
            ("[status]\nname = \"sp\"\nheaders = [\"10.0.9.1\"]", "key_file"),
        ] {
            let e = parse(&sample(bad)).unwrap_err();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
        }
    }

    #[test]
    fn the_report_counts_sessions_and_free_ids_per_vnic() {
        let c = parse(&sample("[status]\nname = \"sp1\"\nkey_file = \"/k\"\nheaders = [\"10.0.9.1\"]")).unwrap();
        let client = |n: u8| IpAddr::from([10, 0, 1, n]);
        let mut owners = Owners::new();
        owners.insert((client(1), 1), ("alice".into(), "vnic1".into()));
        owners.insert((client(2), 1), ("alice".into(), "vnic1".into()));
        owners.insert((client(1), 150), ("bob".into(), "vnic2".into()));
        let used: HashSet<u16> = [1, 150].into();
        let r = report(c.status.as_ref().unwrap(), 7390, &c.vnics, &used, &owners, u64::MAX - 1);
        assert_eq!(r.sequence, u64::MAX, "above the last one even with the clock behind");
        assert_eq!((r.vnics[0].number, r.vnics[0].sessions, r.vnics[0].free_ids), (1, 2, u32::MAX));
        assert_eq!((r.vnics[1].number, r.vnics[1].sessions, r.vnics[1].free_ids), (2, 1, 99));
        assert_eq!(r.vnics[1].services.len(), 2);
        let key = StatusKey::from_bytes([1; 32]);
        let d = r.encode(&key).unwrap();
        assert_eq!(Report::open(&d, &key).unwrap(), Some(r));
    }
}
