//! The provider's TOML configuration: where it listens, which relay it
//! programs, where its data lives, its vNICs and their services, and its
//! users. Every mistake is one sentence naming the entry at fault.

use crate::error::CliError;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use vnic_auth::Record;

/// The provider's settings, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The UDP address the daemon listens on.
    pub listen: SocketAddr,
    /// The relay-vNIC whose session table it programs.
    pub relay: String,
    /// The SQLite database (the profiled status database).
    pub database: PathBuf,
    /// The file holding the server's 32-byte secret.
    pub secret_file: PathBuf,
    /// The status socket (`vnicctl provider status`): provider.sock in the
    /// data folder.
    pub status_socket: PathBuf,
    /// Sessions not renewed by a handshake for this long are removed.
    pub session_idle_secs: u64,
    /// How long an exchange waits for the client's Auth-REP after the
    /// grant (the protocol's challenge lifetime).
    pub answer_timeout: std::time::Duration,
    /// The vNICs and their services.
    pub vnics: Vec<VnicEntry>,
    /// The users.
    pub users: Vec<UserEntry>,
    /// Failed attempts allowed per user before a lock-out.
    pub per_user: vnic_auth::RateLimit,
    /// Failed attempts allowed per source address before a lock-out.
    pub per_source: vnic_auth::RateLimit,
    /// Exchanges in progress per user name at most (`user_pending`).
    pub pending_per_user: usize,
    /// Supervisors in bridge mode: the only sources whose Auth-REQs may
    /// name another client address (`info_client`). Every other host gets
    /// sessions for the address it sends from.
    pub bridge_boxes: Vec<IpAddr>,
    /// `[status]`: reports to header SPs (none without the section).
    pub status: Option<super::reporting::Reporting>,
}

/// Which IDs sessions of a vNIC get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdRule {
    /// Every client gets this ID (sessions differ by client address).
    Fixed(u16),
    /// Each session gets its own free ID in this inclusive range.
    Range(u16, u16),
}

impl IdRule {
    /// Whether `id` may be given out under this rule.
    pub fn contains(&self, id: u16) -> bool {
        match *self {
            IdRule::Fixed(f) => id == f,
            IdRule::Range(lo, hi) => (lo..=hi).contains(&id),
        }
    }

    /// The rule as written in the configuration ("7" or "100-199").
    pub fn to_text(self) -> String {
        match self {
            IdRule::Fixed(f) => f.to_string(),
            IdRule::Range(lo, hi) => format!("{lo}-{hi}"),
        }
    }

    fn overlaps(&self, other: &IdRule) -> bool {
        let (a, b) = (self.bounds(), other.bounds());
        a.0 <= b.1 && b.0 <= a.1
    }

    fn bounds(&self) -> (u16, u16) {
        match *self {
            IdRule::Fixed(f) => (f, f),
            IdRule::Range(lo, hi) => (lo, hi),
        }
    }
}

/// One `[[vnic]]`.
#[derive(Debug, Clone)]
pub struct VnicEntry {
    /// Device name on the provider (like "vnic1").
    pub name: String,
    /// The vNIC number told to clients (sealed with the ID).
    pub number: u16,
    /// The session IDs it hands out.
    pub ids: IdRule,
    /// Its data folder (informational, shown in the database).
    pub data_folder: Option<String>,
    /// The address clients reach its services at (default: the provider's).
    pub address: Option<IpAddr>,
    /// Its services.
    pub services: Vec<ServiceEntry>,
}

/// A service of a vNIC: a name clients ask for and its TCP port.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    /// The name in Auth-REQ (like "http").
    pub name: String,
    /// The TCP port.
    pub port: u16,
}

/// One `[[user]]`.
#[derive(Debug, Clone)]
pub struct UserEntry {
    /// The user name.
    pub name: String,
    /// The user's OPAQUE record.
    pub record: Record,
    /// What the user may use: "vnic1" (every service of vnic1) or
    /// "vnic1:http".
    pub allow: Vec<String>,
}

impl UserEntry {
    /// Whether the user may use `service` on vNIC `vnic`.
    pub fn allows(&self, vnic: &str, service: &str) -> bool {
        self.allow.iter().any(|a| match a.split_once(':') {
            Some((v, s)) => v == vnic && s == service,
            None => a == vnic,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Option<String>,
    relay: String,
    data_dir: PathBuf,
    database: Option<PathBuf>,
    secret_file: Option<PathBuf>,
    session_idle_secs: Option<u64>,
    answer_timeout_secs: Option<u64>,
    #[serde(default)]
    vnic: Vec<RawVnic>,
    #[serde(default)]
    user: Vec<RawUser>,
    #[serde(default)]
    rate_limit: RawRateLimit,
    #[serde(default)]
    bridge_boxes: Vec<String>,
    status: Option<super::reporting::RawStatus>,
}

/// `[rate_limit]`: failures within the window that lock a user or a source
/// address out; unset keys keep the protocol's defaults.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRateLimit {
    user_failures: Option<u32>,
    user_window_secs: Option<u64>,
    user_lockout_secs: Option<u64>,
    source_failures: Option<u32>,
    source_window_secs: Option<u64>,
    source_lockout_secs: Option<u64>,
    user_pending: Option<usize>,
}

impl RawRateLimit {
    /// The per-user and per-source limits over `defaults`.
    fn limits(&self) -> Result<(vnic_auth::RateLimit, vnic_auth::RateLimit), String> {
        use std::time::Duration;
        let one = |d: vnic_auth::RateLimit, failures: Option<u32>, window: Option<u64>, lockout: Option<u64>, who: &str| {
            let limit = vnic_auth::RateLimit {
                max_failures: failures.unwrap_or(d.max_failures),
                window: window.map_or(d.window, Duration::from_secs),
                lockout: lockout.map_or(d.lockout, Duration::from_secs),
            };
            if limit.max_failures > 0 && (limit.window.is_zero() || limit.lockout.is_zero()) {
                return Err(format!("rate_limit: {who}_window_secs and {who}_lockout_secs must be at least 1"));
            }
            Ok(limit)
        };
        Ok((
            one(vnic_auth::ServerConfig::PER_USER, self.user_failures, self.user_window_secs, self.user_lockout_secs, "user")?,
            one(vnic_auth::ServerConfig::PER_SOURCE, self.source_failures, self.source_window_secs, self.source_lockout_secs, "source")?,
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVnic {
    name: String,
    number: u16,
    id: Option<u16>,
    ids: Option<String>,
    data_folder: Option<String>,
    address: Option<IpAddr>,
    services: Vec<ServiceEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    name: String,
    passcode: String,
    allow: Vec<String>,
}

/// Reads and checks the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, CliError> {
    crate::store::load_config(path, parse)
}

/// The longest wait for an Auth-REP allowed (`answer_timeout_secs`).
const MAX_ANSWER_TIMEOUT_SECS: u64 = 300;

/// Parses and checks configuration text; the error is one sentence.
pub fn parse(text: &str) -> Result<Config, String> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| crate::store::toml_error(text, &e))?;
    let listen = listen_addr(raw.listen.as_deref())?;
    crate::parse::ifname(&raw.relay).map_err(|e| format!("relay: {e}"))?;
    let vnics = raw.vnic.into_iter().map(vnic).collect::<Result<Vec<_>, _>>()?;
    check_vnics(&vnics)?;
    let users = raw.user.into_iter().map(|u| user(u, &vnics)).collect::<Result<Vec<_>, _>>()?;
    unique(users.iter().map(|u| u.name.as_str()), "user")?;
    check_costs(&users)?;
    let (per_user, per_source) = raw.rate_limit.limits()?;
    let pending_per_user = match raw.rate_limit.user_pending {
        None => vnic_auth::ServerConfig::PENDING_PER_USER,
        Some(n @ 1..=1024) => n,
        Some(n) => return Err(format!("rate_limit: user_pending = {n}: give 1 to 1024 exchanges")),
    };
    let answer_timeout = match raw.answer_timeout_secs {
        None => vnic_auth::ServerConfig::CHALLENGE_LIFETIME,
        Some(s @ 1..=MAX_ANSWER_TIMEOUT_SECS) => std::time::Duration::from_secs(s),
        Some(s) => return Err(format!("answer_timeout_secs = {s}: give 1 to {MAX_ANSWER_TIMEOUT_SECS} seconds")),
    };
    Ok(Config {
        listen,
        relay: raw.relay,
        database: raw.database.unwrap_or_else(|| raw.data_dir.join("vnic.db")),
        secret_file: raw.secret_file.unwrap_or_else(|| raw.data_dir.join("secret")),
        status_socket: raw.data_dir.join("provider.sock"),
        session_idle_secs: raw.session_idle_secs.unwrap_or(3600),
        answer_timeout,
        vnics,
        users,
        per_user,
        per_source,
        pending_per_user,
        bridge_boxes: raw.bridge_boxes.iter().map(|a| bridge_box(a)).collect::<Result<_, _>>()?,
        status: raw.status.map(|s| s.check()).transpose()?,
    })
}

/// One `bridge_boxes` entry: an IP address (a mapped IPv4 one is IPv4).
fn bridge_box(text: &str) -> Result<IpAddr, String> {
    text.parse::<IpAddr>()
        .map(|a| a.to_canonical())
        .map_err(|_| format!("bridge_boxes: '{text}' is not an IP address like 10.0.0.5"))
}

fn listen_addr(text: Option<&str>) -> Result<SocketAddr, String> {
    let default = SocketAddr::new(IpAddr::from([0, 0, 0, 0]), vnic_auth::wire::DEFAULT_PORT);
    let Some(text) = text else { return Ok(default) };
    if let Ok(a) = text.parse::<SocketAddr>() {
        return Ok(a);
    }
    text.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, default.port()))
        .map_err(|_| format!("listen: '{text}' is not an address like 0.0.0.0:7390"))
}

fn vnic(r: RawVnic) -> Result<VnicEntry, String> {
    let at = |what: String| format!("vnic {}: {what}", r.name);
    crate::parse::ifname(&r.name).map_err(|e| format!("vnic: {e}"))?;
    let ids = match (r.id, r.ids.as_deref()) {
        (Some(id), None) if id > 0 => IdRule::Fixed(id),
        (None, Some(range)) => id_range(range).map_err(at)?,
        (Some(_), None) => return Err(at("id 0 is reserved; use 1..65535".into())),
        _ => return Err(at("give either id = N or ids = \"LOW-HIGH\"".into())),
    };
    if r.services.is_empty() {
        return Err(at("it has no services".into()));
    }
    unique(r.services.iter().map(|s| s.name.as_str()), "service").map_err(at)?;
    if let Some(s) = r.services.iter().find(|s| s.port == 0 || s.name.is_empty() || s.name.len() > 31) {
        return Err(at(format!("service '{}' needs a name of 1 to 31 bytes and a port of 1 to 65535", s.name)));
    }
    Ok(VnicEntry {
        name: r.name,
        number: r.number,
        ids,
        data_folder: r.data_folder,
        address: r.address,
        services: r.services,
    })
}

fn id_range(text: &str) -> Result<IdRule, String> {
    let bad = || format!("ids '{text}' is not a range like \"100-199\" within 1..65535");
    let (lo, hi) = text.split_once('-').ok_or_else(bad)?;
    let lo: u16 = lo.trim().parse().map_err(|_| bad())?;
    let hi: u16 = hi.trim().parse().map_err(|_| bad())?;
    if lo == 0 || lo > hi {
        return Err(bad());
    }
    Ok(IdRule::Range(lo, hi))
}

fn check_vnics(vnics: &[VnicEntry]) -> Result<(), String> {
    unique(vnics.iter().map(|v| v.name.as_str()), "vnic")?;
    for (i, a) in vnics.iter().enumerate() {
        if let Some(b) = vnics[i + 1..].iter().find(|b| a.ids.overlaps(&b.ids)) {
            return Err(format!("vnic {} and vnic {} hand out overlapping IDs", a.name, b.name));
        }
        // The Auth-REP & REQ tells where the service is before any proof:
        // for an unknown user the provider names the first vNIC offering
        // it, so a service must be at the same place on every vNIC, or the
        // answer would tell real users from made-up ones.
        for sa in &a.services {
            let clash = vnics[i + 1..].iter().find_map(|b| {
                b.services.iter().find(|sb| sb.name == sa.name && (sb.port != sa.port || b.address != a.address)).map(|_| b)
            });
            if let Some(b) = clash {
                return Err(format!(
                    "vnic {} and vnic {} offer service {} at different addresses or ports; \
                     give them one (an answer would otherwise tell users apart)",
                    a.name, b.name, sa.name
                ));
            }
        }
    }
    Ok(())
}

/// Every record must have the same argon2 cost: unknown users are answered
/// with the first one's, and another would tell them apart.
fn check_costs(users: &[UserEntry]) -> Result<(), String> {
    match users.iter().find(|u| users.first().is_some_and(|f| u.record.cost != f.record.cost)) {
        Some(u) => Err(format!(
            "user {}: the record's argon2 cost ({}) differs from user {}'s ({}); register every user with the same cost",
            u.name,
            u.record.cost,
            users[0].name,
            users[0].record.cost
        )),
        None => Ok(()),
    }
}

fn user(r: RawUser, vnics: &[VnicEntry]) -> Result<UserEntry, String> {
    let record: Record = r
        .passcode
        .parse()
        .map_err(|e| format!("user {}: the passcode is not a record from 'vnicctl passcode-hash' ({e})", r.name))?;
    if r.name.is_empty() || r.name.len() > 63 {
        return Err(format!("user '{}': a name has 1 to 63 bytes", r.name));
    }
    for a in &r.allow {
        let (v, s) = a.split_once(':').map_or((a.as_str(), None), |(v, s)| (v, Some(s)));
        let known = vnics.iter().find(|e| e.name == v);
        let ok = match (known, s) {
            (Some(e), Some(s)) => e.services.iter().any(|x| x.name == s),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !ok {
            return Err(format!("user {}: allow '{a}' names no configured vNIC or service", r.name));
        }
    }
    Ok(UserEntry { name: r.name, record, allow: r.allow })
}

fn unique<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(format!("{what} '{n}' is defined twice"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::testdata::{hash, sample};

    #[test]
    fn parses_a_full_configuration_with_defaults() {
        let c = parse(&sample("")).unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:7390");
        assert_eq!(c.database, PathBuf::from("/var/lib/vnic/vnic.db"));
        assert_eq!(c.secret_file, PathBuf::from("/var/lib/vnic/secret"));
        assert_eq!(c.session_idle_secs, 3600);
        assert_eq!(c.answer_timeout, vnic_auth::ServerConfig::CHALLENGE_LIFETIME);
        assert_eq!(c.vnics[0].ids, IdRule::Fixed(1));
        assert_eq!(c.vnics[1].ids, IdRule::Range(100, 199));
        let alice = &c.users[0];
        assert!(alice.allows("vnic1", "http"));
        assert!(alice.allows("vnic2", "ssh"));
        assert!(!alice.allows("vnic2", "http"));
    }

    #[test]
    fn listen_takes_an_address_with_or_without_port() {
        let c = parse(&sample("listen = \"10.0.2.1\"\nsession_idle_secs = 5")).unwrap();
        assert_eq!(c.listen.to_string(), "10.0.2.1:7390");
        assert_eq!(c.session_idle_secs, 5);
        let c = parse(&sample("answer_timeout_secs = 45")).unwrap();
        assert_eq!(c.answer_timeout.as_secs(), 45);
        for bad in ["answer_timeout_secs = 0", "answer_timeout_secs = 301"] {
            let e = parse(&sample(bad)).unwrap_err();
            assert!(e.contains("give 1 to 300 seconds"), "{bad}: {e}");
        }
        let c = parse(&sample("listen = \"[::]:9000\"")).unwrap();
        assert_eq!(c.listen.to_string(), "[::]:9000");
    }

    #[test]
    fn rate_limits_default_to_the_protocols_and_can_be_set() {
        let d = vnic_auth::ServerConfig::new(vnic_auth::ProviderKeys::generate(&mut vnic_auth::OsRandom));
        let c = parse(&sample("")).unwrap();
        assert_eq!((c.per_user, c.per_source), (d.per_user, d.per_source));
        let c = parse(&sample("[rate_limit]\nuser_failures = 3\nuser_lockout_secs = 2\nsource_failures = 0")).unwrap();
        assert_eq!((c.per_user.max_failures, c.per_user.lockout.as_secs(), c.per_user.window), (3, 2, d.per_user.window));
        assert_eq!(c.per_source.max_failures, 0);
    }

    #[test]
    fn bridge_boxes_default_to_none() {
        assert!(parse(&sample("")).unwrap().bridge_boxes.is_empty());
        let c = parse(&sample("bridge_boxes = [\"10.0.0.5\", \"::ffff:10.0.0.6\", \"fd00::5\"]")).unwrap();
        let want: Vec<IpAddr> = ["10.0.0.5", "10.0.0.6", "fd00::5"].iter().map(|a| a.parse().unwrap()).collect();
        assert_eq!(c.bridge_boxes, want, "mapped IPv4 is IPv4");
        let e = parse(&sample("bridge_boxes = [\"10.0.0\"]")).unwrap_err();
        assert!(e.contains("bridge_boxes"), "{e}");
    }

    #[test]
    fn mistakes_are_one_sentence_naming_the_entry() {
        let cases = [
            (sample("").replace("ids = \"100-199\"", "ids = \"1-9\""), "overlapping IDs"),
            (sample("").replace("ids = \"100-199\"", "ids = \"9-1\""), "not a range"),
            (sample("").replace("id = 1\n", "id = 0\n"), "reserved"),
            (sample("").replace("vnic2:ssh", "vnic2:ftp"), "names no configured"),
            (sample("").replace(hash(), "hunter2"), "user alice: the passcode"),
            (sample("listen = \"nowhere\""), "listen:"),
            (sample("colour = 1"), "unknown field"),
            (sample("").replace("relay = \"relay0\"", "relay = \"a/b\""), "relay:"),
            (sample("[rate_limit]\nuser_lockout_secs = 0"), "user_window_secs and user_lockout_secs must be at least 1"),
            (sample("[rate_limit]\nusr_failures = 3"), "unknown field"),
            (
                sample("").replace("services = [{ name = \"http\", port = 80 }, {", "services = [{ name = \"http\", port = 8080 }, {"),
                "vnic vnic1 and vnic vnic2 offer service http at different addresses or ports",
            ),
            (
                sample("").replacen("[[vnic]]\nname = \"vnic2\"", "[[vnic]]\nname = \"vnic2\"\naddress = \"10.0.0.9\"", 1),
                "offer service http at different addresses",
            ),
            (
                sample("").replacen(hash(), &hash().replacen("m=64,", "m=128,", 1), 1),
                "user bob: the record's argon2 cost",
            ),
        ];
        for (text, want) in cases {
            let e = parse(&text).unwrap_err();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
            assert!(!e.trim_end().contains('\n'), "{e:?}");
        }
    }
}
