//! The header SP's TOML configuration: where it takes status reports and
//! Auth-REQs, its data folder, and the SPs it trusts (name and status key).

use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// The header's settings, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The header's name (in its forwards, for the SPs' logs).
    pub name: String,
    /// Where SPs send their status reports (UDP, port 7391 by default).
    pub listen: SocketAddr,
    /// Where supervisors send their Auth-REQs (UDP, port 7390 by default).
    pub auth_listen: SocketAddr,
    /// The catalog's database.
    pub database: PathBuf,
    /// `vnicctl header status` reads this socket.
    pub status_socket: PathBuf,
    /// The SPs it trusts, in order (ties of load go to the first).
    pub sps: Vec<SpEntry>,
}

/// One `[[sp]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpEntry {
    /// The SP's name, as its `[status] name`.
    pub name: String,
    /// Its status key's file (the same key as the SP's `[status] key_file`).
    pub key_file: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: Option<String>,
    listen: Option<String>,
    auth_listen: Option<String>,
    data_dir: PathBuf,
    #[serde(default)]
    sp: Vec<RawSp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSp {
    name: String,
    key_file: PathBuf,
}

/// Reads and checks the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, CliError> {
    crate::store::load_config(path, parse)
}

fn addr(what: &str, text: Option<&str>, port: u16) -> Result<SocketAddr, String> {
    let default = SocketAddr::new(IpAddr::from([0, 0, 0, 0]), port);
    let Some(text) = text else { return Ok(default) };
    if let Ok(a) = text.parse::<SocketAddr>() {
        return Ok(a);
    }
    text.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, port))
        .map_err(|_| format!("{what}: '{text}' is not an address like 0.0.0.0:{port}"))
}

fn name_ok(n: &str) -> bool {
    !n.is_empty() && n.len() <= 31 && !n.bytes().any(|b| b.is_ascii_control() || b == b' ')
}

/// Parses and checks configuration text; the error is one sentence.
pub fn parse(text: &str) -> Result<Config, String> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| crate::store::toml_error(text, &e))?;
    let name = raw.name.unwrap_or_else(|| "header".into());
    if !name_ok(&name) {
        return Err(format!("name '{name}' must be 1 to 31 bytes without spaces"));
    }
    let listen = addr("listen", raw.listen.as_deref(), crate::provider::HEADER_PORT)?;
    let auth_listen = addr("auth_listen", raw.auth_listen.as_deref(), vnic_auth::wire::DEFAULT_PORT)?;
    if listen == auth_listen {
        return Err(format!("listen and auth_listen are both {listen}: give them different ports"));
    }
    if raw.sp.is_empty() {
        return Err("no [[sp]]: name at least one SP and its key_file".into());
    }
    let mut sps: Vec<SpEntry> = Vec::new();
    for s in raw.sp {
        if !name_ok(&s.name) {
            return Err(format!("sp '{}': the name must be 1 to 31 bytes without spaces", s.name));
        }
        if sps.iter().any(|t| t.name == s.name) {
            return Err(format!("sp '{}' is defined twice", s.name));
        }
        sps.push(SpEntry { name: s.name, key_file: s.key_file });
    }
    Ok(Config {
        name,
        listen,
        auth_listen,
        database: raw.data_dir.join("header.db"),
        status_socket: raw.data_dir.join("header.sock"),
        sps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "data_dir = \"/var/lib/vnic-header\"\n[[sp]]\nname = \"sp1\"\nkey_file = \"/etc/vnic/sp1.key\"\n";

    #[test]
    fn defaults_and_settings() {
        let c = parse(BASE).unwrap();
        assert_eq!((c.listen.to_string(), c.auth_listen.to_string()), ("0.0.0.0:7391".into(), "0.0.0.0:7390".into()));
        assert_eq!(c.database, PathBuf::from("/var/lib/vnic-header/header.db"));
        assert_eq!(c.name, "header");
        let c = parse(&format!("name = \"h2\"\nlisten = \"10.0.9.2\"\nauth_listen = \"10.0.9.2:9000\"\n{BASE}")).unwrap();
        assert_eq!((c.listen.to_string(), c.auth_listen.to_string()), ("10.0.9.2:7391".into(), "10.0.9.2:9000".into()));
    }

    #[test]
    fn mistakes_are_one_sentence_naming_the_entry() {
        for (text, want) in [
            ("data_dir = \"/x\"".to_string(), "no [[sp]]"),
            (format!("{BASE}[[sp]]\nname = \"sp1\"\nkey_file = \"/k\"\n"), "sp 'sp1' is defined twice"),
            (format!("listen = \"0.0.0.0:7390\"\n{BASE}"), "give them different ports"),
            (format!("listen = \"here\"\n{BASE}"), "listen: 'here'"),
            (format!("colour = 1\n{BASE}"), "unknown field"),
            (BASE.replace("\"sp1\"", "\"s p\""), "sp 's p'"),
        ] {
            let e = parse(&text).unwrap_err();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
            assert!(!e.trim_end().contains('\n'), "{e:?}");
        }
    }
}
