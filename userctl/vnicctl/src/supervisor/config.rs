//! The supervisor daemon's TOML configuration: the supervisor device, where
//! its status database lives, how often sessions are renewed, the
//! providers, and the sessions to keep. Every mistake is one sentence
//! naming the entry at fault.

use crate::error::CliError;
use serde::Deserialize;
use std::collections::HashSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The supervisor daemon's settings, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The supervisor device (kind vnic-ss) whose embedding rules it sets.
    pub dev: String,
    /// The SQLite status database.
    pub database: PathBuf,
    /// The status socket (`vnicctl supervisor status`): supervisor.sock in
    /// the data folder.
    pub status_socket: PathBuf,
    /// A granted session is renewed this long after its last handshake.
    pub renew: Duration,
    /// The first wait after a failed handshake; it doubles per failure.
    pub retry: Duration,
    /// The longest wait between retries.
    pub retry_max: Duration,
    /// The providers, by name.
    pub providers: Vec<ProviderEntry>,
    /// The sessions to keep.
    pub sessions: Vec<SessionEntry>,
}

/// A service provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEntry {
    /// The name sessions refer to it by.
    pub name: String,
    /// `HOST` or `HOST:PORT` (default port 7390), resolved at each
    /// handshake: the provider itself, or header SPs (`addresses`), tried
    /// in turn, the next when one is silent.
    pub addresses: Vec<String>,
}

/// A session the daemon keeps: who asks which provider for which service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionEntry {
    /// The provider's name.
    pub provider: String,
    /// The user name.
    pub user: String,
    /// The service, like http.
    pub service: String,
    /// The file whose first line is the passcode (read at every handshake).
    pub passcode_file: PathBuf,
    /// `info_client`: the client's address when it is not this host
    /// (bridge mode).
    pub client: Option<IpAddr>,
}

impl SessionEntry {
    /// "user@provider/service", for logs.
    pub fn label(&self) -> String {
        match self.client {
            Some(c) => format!("{}@{}/{} for {c}", self.user, self.provider, self.service),
            None => format!("{}@{}/{}", self.user, self.provider, self.service),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    dev: String,
    data_dir: PathBuf,
    database: Option<PathBuf>,
    renew_secs: Option<u64>,
    retry_secs: Option<u64>,
    retry_max_secs: Option<u64>,
    #[serde(default)]
    provider: Vec<RawProvider>,
    #[serde(default)]
    session: Vec<RawSession>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    name: String,
    address: Option<String>,
    addresses: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSession {
    provider: String,
    user: String,
    service: String,
    passcode_file: PathBuf,
    client: Option<IpAddr>,
}

/// Reads and checks the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, CliError> {
    crate::store::load_config(path, parse)
}

/// Parses and checks configuration text; the error is one sentence.
pub fn parse(text: &str) -> Result<Config, String> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| crate::store::toml_error(text, &e))?;
    crate::parse::ifname(&raw.dev).map_err(|e| format!("dev: {e}"))?;
    let secs = |v: Option<u64>, default: u64, what: &str| match v.unwrap_or(default) {
        0 => Err(format!("{what} must be at least 1")),
        n => Ok(Duration::from_secs(n)),
    };
    let renew = secs(raw.renew_secs, 600, "renew_secs")?;
    let retry = secs(raw.retry_secs, 5, "retry_secs")?;
    let retry_max = secs(raw.retry_max_secs, 300, "retry_max_secs")?;
    if retry_max < retry {
        return Err("retry_max_secs must not be below retry_secs".into());
    }
    let mut names = HashSet::new();
    let providers: Vec<ProviderEntry> = raw
        .provider
        .into_iter()
        .map(|p| {
            if p.name.is_empty() || !names.insert(p.name.clone()) {
                return Err(format!("provider '{}': names must be unique and not empty", p.name));
            }
            // The form only: the name is resolved at each handshake, and
            // one that does not resolve yet is retried.
            let addresses = match (p.address, p.addresses) {
                (Some(a), None) => vec![a],
                (None, Some(list)) if !list.is_empty() => list,
                _ => return Err(format!("provider {}: give either address = \"HOST\" or addresses = [\"HOST\", ...]", p.name)),
            };
            for a in &addresses {
                crate::exchange::provider_addr_form(a).map_err(|e| format!("provider {}: {e}", p.name))?;
            }
            Ok(ProviderEntry { name: p.name, addresses })
        })
        .collect::<Result<_, _>>()?;
    let mut seen = HashSet::new();
    let sessions: Vec<SessionEntry> = raw
        .session
        .into_iter()
        .map(|s| {
            let e = SessionEntry {
                provider: s.provider,
                user: s.user,
                service: s.service,
                passcode_file: s.passcode_file,
                client: s.client,
            };
            if !providers.iter().any(|p| p.name == e.provider) {
                return Err(format!("session {}: no [[provider]] is named '{}'", e.label(), e.provider));
            }
            if e.user.is_empty() || e.service.is_empty() {
                return Err(format!("session {}: user and service must not be empty", e.label()));
            }
            // One session per client and service. Sessions of several
            // clients for one service share the supervisor's rule (one ID
            // per server and port): that works with a vNIC of a fixed ID,
            // and the daemon refuses a grant whose ID differs.
            if !seen.insert((e.provider.clone(), e.service.clone(), e.client)) {
                return Err(format!(
                    "session {}: another session asks the same provider for the same service for the same client",
                    e.label()
                ));
            }
            Ok(e)
        })
        .collect::<Result<_, _>>()?;
    Ok(Config {
        dev: raw.dev,
        database: raw.database.unwrap_or_else(|| raw.data_dir.join("supervisor.db")),
        status_socket: raw.data_dir.join("supervisor.sock"),
        renew,
        retry,
        retry_max,
        providers,
        sessions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
dev = "ss0"
data_dir = "/var/lib/vnic-supervisor"
renew_secs = 60

[[provider]]
name = "sp1"
address = "10.0.2.1"

[[session]]
provider = "sp1"
user = "alice"
service = "http"
passcode_file = "/etc/vnic/alice"

[[session]]
provider = "sp1"
user = "bob"
service = "ssh"
passcode_file = "/etc/vnic/bob"
client = "192.168.10.5"
"#;

    #[test]
    fn parses_with_defaults() {
        let c = parse(SAMPLE).unwrap();
        assert_eq!(c.dev, "ss0");
        assert_eq!(c.database, PathBuf::from("/var/lib/vnic-supervisor/supervisor.db"));
        assert_eq!((c.renew.as_secs(), c.retry.as_secs(), c.retry_max.as_secs()), (60, 5, 300));
        // A name that does not resolve (yet) is no error: it is retried.
        let later = parse(&SAMPLE.replace("address = \"10.0.2.1\"", "address = \"sp1.example.invalid\"")).unwrap();
        assert_eq!(later.providers[0].addresses, ["sp1.example.invalid"]);
        let headers = parse(&SAMPLE.replace("address = \"10.0.2.1\"", "addresses = [\"10.0.9.1\", \"10.0.9.2:7390\"]")).unwrap();
        assert_eq!(headers.providers[0].addresses, ["10.0.9.1", "10.0.9.2:7390"]);
        assert_eq!(c.sessions.len(), 2);
        assert_eq!(c.sessions[1].label(), "bob@sp1/ssh for 192.168.10.5");
    }

    #[test]
    fn mistakes_are_one_sentence_naming_the_entry() {
        let cases = [
            (SAMPLE.replace("address = \"10.0.2.1\"", "address = \"no such.invalid\""), "provider sp1: 'no such.invalid' is not an IP address or a host name"),
            (SAMPLE.replace("provider = \"sp1\"\nuser = \"alice\"", "provider = \"sp2\"\nuser = \"alice\""), "session alice@sp2/http: no [[provider]] is named 'sp2'"),
            (SAMPLE.replace("renew_secs = 60", "renew_secs = 0"), "renew_secs must be at least 1"),
            (SAMPLE.replace("address = \"10.0.2.1\"", "addresses = []"), "provider sp1: give either address"),
            (SAMPLE.replace("address = \"10.0.2.1\"", "address = \"10.0.2.1\"\naddresses = [\"10.0.2.2\"]"), "provider sp1: give either address"),
            (SAMPLE.replace("address = \"10.0.2.1\"", "addresses = [\"10.0.2.1\", \"x y\"]"), "provider sp1: 'x y'"),
            (SAMPLE.replace("dev = \"ss0\"", "dev = \"a name far too long\""), "dev: "),
            (
                SAMPLE.replace("service = \"ssh\"", "service = \"http\"").replace("client = \"192.168.10.5\"\n", ""),
                "another session asks the same provider for the same service for the same client",
            ),
            (SAMPLE.replace("renew_secs", "renew_seconds"), "unknown field `renew_seconds`"),
        ];
        for (text, want) in cases {
            let e = parse(&text).unwrap_err();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
            assert!(!e.contains('\n'), "{e:?} is one line");
        }
    }
}
