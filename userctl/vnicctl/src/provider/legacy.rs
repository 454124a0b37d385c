//! `vnicctl provider-import`: turns the paper's permission.txt (the users
//! and the VCS numbers each may use) and vcs_id.txt (each VCS number's ID),
//! with a file of stored passcodes, into the provider's TOML configuration.
//! The grammar is in Documentation/provider.md; every error is one sentence
//! naming the file and the line.

use super::config::{self, ServiceEntry};
use std::collections::BTreeMap;
use vnic_auth::Record;

/// One input file: the name errors give it and its text.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// How errors and the generated comment name the file (the path given).
    pub name: &'a str,
    /// Its contents.
    pub text: &'a str,
}

/// A `USER` block of permission.txt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// The user name.
    pub user: String,
    /// The line of its `USER` key.
    pub line: usize,
    /// The VCS numbers the user may use, first mention first, each once,
    /// with the line that listed it.
    pub numbers: Vec<(u8, usize)>,
}

/// A line of vcs_id.txt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcsId {
    /// The VCS number (the vNIC number), 1 to 254.
    pub number: u8,
    /// The 16-bit ID.
    pub id: u16,
    /// The ID as written ("eA00" or "0x6541").
    pub field: String,
    /// Its line.
    pub line: usize,
}

/// Everything `vnicctl provider-import` reads.
#[derive(Debug, Clone, Copy)]
pub struct Import<'a> {
    /// permission.txt.
    pub permission: Source<'a>,
    /// vcs_id.txt.
    pub vcs_id: Source<'a>,
    /// Lines `user argon2id$...`.
    pub passcodes: Source<'a>,
    /// The services of every vNIC.
    pub services: &'a [ServiceEntry],
    /// The `relay` key.
    pub relay: &'a str,
    /// The `data_dir` key.
    pub data_dir: &'a str,
}

fn at(file: &str, line: usize, what: impl std::fmt::Display) -> String {
    format!("{file} line {line}: {what}")
}

/// The lines that say something: (number from 1, text before any `#`,
/// trimmed). A leading byte-order mark is dropped; CRLF is fine.
fn content(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.split_once('#').map_or(l, |(before, _)| before).trim();
        (!l.is_empty()).then_some((i + 1, l))
    })
}

/// The value after the key `words` (case-insensitive, separated by white
/// space) and a colon or white space; None when the line has another key.
fn value_of<'a>(line: &'a str, words: &[&str]) -> Option<&'a str> {
    let mut rest = line;
    for (i, word) in words.iter().enumerate() {
        let trimmed = rest.trim_start();
        if i > 0 && trimmed.len() == rest.len() {
            return None;
        }
        rest = trimmed;
        if !rest.get(..word.len())?.eq_ignore_ascii_case(word) {
            return None;
        }
        rest = &rest[word.len()..];
    }
    let trimmed = rest.trim_start();
    match trimmed.strip_prefix(':') {
        Some(value) => Some(value.trim()),
        None if rest.is_empty() || trimmed.len() < rest.len() => Some(trimmed),
        None => None,
    }
}

/// A VCS number as written in either file: decimal, 1 to 254.
fn vcs_number(word: &str) -> Result<u8, String> {
    if !word.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{word}' is not a VCS number (1-254)"));
    }
    match word.parse::<u8>() {
        Ok(n) if (1..=254).contains(&n) => Ok(n),
        _ => Err(format!("VCS number {word} is out of range 1-254")),
    }
}

/// The words of `text` between runs of white space and `extra` separators.
fn words<'a>(text: &'a str, extra: &'a [char]) -> impl Iterator<Item = &'a str> {
    text.split(move |c: char| c.is_whitespace() || extra.contains(&c)).filter(|w| !w.is_empty())
}

/// Parses permission.txt: `USER: name` blocks, each with one or more
/// `VCS number: 1, 2` lines.
pub fn permissions(src: Source) -> Result<Vec<Permission>, String> {
    let mut users: Vec<Permission> = Vec::new();
    let numberless = |u: Option<&Permission>| match u {
        Some(u) if u.numbers.is_empty() => Err(at(src.name, u.line, format!("user {} has no VCS number line", u.user))),
        _ => Ok(()),
    };
    for (n, line) in content(src.text) {
        if let Some(name) = value_of(line, &["user"]) {
            numberless(users.last())?;
            if name.is_empty() || name.len() > 63 || name.contains(char::is_whitespace) {
                return Err(at(src.name, n, format!("'{name}' is not a user name (one word of 1 to 63 bytes)")));
            }
            if let Some(first) = users.iter().find(|u| u.user == name) {
                return Err(at(src.name, n, format!("user {name} is listed twice (first on line {})", first.line)));
            }
            users.push(Permission { user: name.to_string(), line: n, numbers: Vec::new() });
        } else if let Some(list) = value_of(line, &["vcs", "number"]) {
            let Some(user) = users.last_mut() else {
                return Err(at(src.name, n, "a VCS number line comes before any USER line"));
            };
            if words(list, &[',']).next().is_none() {
                return Err(at(src.name, n, "the VCS number line lists no number"));
            }
            for word in words(list, &[',']) {
                let number = vcs_number(word).map_err(|e| at(src.name, n, e))?;
                if !user.numbers.iter().any(|&(x, _)| x == number) {
                    user.numbers.push((number, n));
                }
            }
        } else {
            return Err(at(src.name, n, format!("expected 'USER: name' or 'VCS number: 1, 2', not '{line}'")));
        }
    }
    numberless(users.last())?;
    if users.is_empty() {
        return Err(format!("{}: no USER is listed", src.name));
    }
    Ok(users)
}

/// The 16-bit value of a vcs_id.txt ID: four printable ASCII characters
/// whose left two are its bytes, big-endian ("eA00" is 0x6541), and whose
/// right two (reserved by the paper) are "00"; or `0x` and 1 to 4 hex digits.
pub fn id_value(field: &str) -> Result<u16, String> {
    let value = if let Some(hex) = field.strip_prefix("0x").or_else(|| field.strip_prefix("0X")) {
        let bad = || format!("ID '{field}' is not 0x followed by 1 to 4 hex digits");
        if hex.is_empty() || hex.len() > 4 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        u16::from_str_radix(hex, 16).map_err(|_| bad())?
    } else {
        let b = field.as_bytes();
        if b.len() != 4 || !b.iter().all(u8::is_ascii_graphic) {
            return Err(format!(
                "ID '{field}' is neither 4 printable ASCII characters like eA00 nor 0x and 1 to 4 hex digits"
            ));
        }
        if &b[2..] != b"00" {
            return Err(format!(
                "ID '{field}' uses its right two characters '{}', which this version cannot represent; they must be 00",
                &field[2..]
            ));
        }
        u16::from_be_bytes([b[0], b[1]])
    };
    if value == 0 {
        return Err(format!("ID '{field}' is 0, which is reserved; use 0x1 to 0xffff"));
    }
    Ok(value)
}

/// Parses vcs_id.txt: per line a VCS number and its ID, separated by white
/// space, commas or colons.
pub fn vcs_ids(src: Source) -> Result<Vec<VcsId>, String> {
    let mut out: Vec<VcsId> = Vec::new();
    for (n, line) in content(src.text) {
        let fields: Vec<&str> = words(line, &[',', ':']).collect();
        let [number, field] = fields[..] else {
            return Err(at(src.name, n, format!("expected a VCS number and an ID like '1 eA00', not '{line}'")));
        };
        let number = vcs_number(number).map_err(|e| at(src.name, n, e))?;
        let id = id_value(field).map_err(|e| at(src.name, n, e))?;
        if let Some(d) = out.iter().find(|d| d.number == number) {
            return Err(at(src.name, n, format!("VCS number {number} is already defined on line {}", d.line)));
        }
        if let Some(d) = out.iter().find(|d| d.id == id) {
            let what = format!("ID {field} ({id}) is already the ID of VCS number {} on line {}", d.number, d.line);
            return Err(at(src.name, n, what));
        }
        out.push(VcsId { number, id, field: field.to_string(), line: n });
    }
    if out.is_empty() {
        return Err(format!("{}: no VCS number is defined", src.name));
    }
    Ok(out)
}

/// Parses the passcodes file: per line a user name and the stored form
/// `vnicctl passcode-hash` prints. Lines are never quoted back in errors.
pub fn passcodes(src: Source) -> Result<BTreeMap<String, (String, usize)>, String> {
    let mut out = BTreeMap::new();
    for (n, line) in content(src.text) {
        let [user, stored] = words(line, &[]).collect::<Vec<_>>()[..] else {
            return Err(at(src.name, n, "expected a user name and its stored passcode from vnicctl passcode-hash"));
        };
        if let Err(e) = stored.parse::<Record>() {
            let what = format!("the passcode of {user} is not a stored form from vnicctl passcode-hash ({e})");
            return Err(at(src.name, n, what));
        }
        if let Some((_, first)) = out.insert(user.to_string(), (stored.to_string(), n)) {
            return Err(at(src.name, n, format!("user {user} already has a passcode on line {first}")));
        }
    }
    Ok(out)
}

/// A `--service NAME:PORT` option, like `http:80`.
pub fn service(text: &str) -> Result<ServiceEntry, String> {
    let bad = || format!("'{text}' is not a service like http:80 (a name of 1 to 31 bytes, a port of 1 to 65535)");
    let (name, port) = text.split_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    if name.is_empty() || name.len() > 31 || name.contains(char::is_whitespace) || port == 0 {
        return Err(bad());
    }
    Ok(ServiceEntry { name: name.to_string(), port })
}

/// Reads the three files and renders the provider's configuration, checked
/// by `config::parse` before it is returned.
pub fn import(i: &Import) -> Result<String, String> {
    let users = permissions(i.permission)?;
    let vcs = vcs_ids(i.vcs_id)?;
    let codes = passcodes(i.passcodes)?;
    for u in &users {
        if let Some(&(number, line)) = u.numbers.iter().find(|(x, _)| !vcs.iter().any(|v| v.number == *x)) {
            let what = format!("VCS number {number} of user {} is not in {}", u.user, i.vcs_id.name);
            return Err(at(i.permission.name, line, what));
        }
        if !codes.contains_key(&u.user) {
            let (user, file) = (&u.user, i.passcodes.name);
            let what = format!("no passcode for user {user} in {file}; make one with vnicctl passcode-hash");
            return Err(at(i.permission.name, u.line, what));
        }
    }
    if i.services.is_empty() {
        return Err("give at least one --service NAME:PORT".into());
    }
    for (k, s) in i.services.iter().enumerate() {
        if i.services[..k].iter().any(|t| t.name == s.name) {
            return Err(format!("--service {} is given twice", s.name));
        }
    }
    crate::parse::ifname(i.relay).map_err(|e| format!("--relay: {e}"))?;
    let text = render(i, &users, &vcs, &codes);
    config::parse(&text).map_err(|e| format!("the generated configuration is refused ({e}), a bug to report"))?;
    Ok(text)
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A file name fit for a comment line.
fn plain(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

fn render(i: &Import, users: &[Permission], vcs: &[VcsId], codes: &BTreeMap<String, (String, usize)>) -> String {
    let [p, v, c] = [i.permission.name, i.vcs_id.name, i.passcodes.name].map(plain);
    let mut out = format!("# Generated by vnicctl provider-import from {p}, {v} and {c}.\n");
    out.push_str("# The provider's configuration: see Documentation/provider.md.\n");
    out.push_str(&format!("relay = {}\ndata_dir = {}\n", quote(i.relay), quote(i.data_dir)));
    let services: Vec<String> =
        i.services.iter().map(|s| format!("{{ name = {}, port = {} }}", quote(&s.name), s.port)).collect();
    let services = services.join(", ");
    for VcsId { number: n, id, field, line } in vcs {
        out.push_str(&format!("\n[[vnic]]\nname = \"vnic{n}\"\nnumber = {n}\n"));
        out.push_str(&format!("id = {id}    # {field}, {v} line {line}\nservices = [{services}]\n"));
    }
    for u in users {
        let allow: Vec<String> = u.numbers.iter().map(|(n, _)| format!("\"vnic{n}\"")).collect();
        let (name, passcode) = (quote(&u.user), quote(codes.get(&u.user).map_or("", |(p, _)| p)));
        out.push_str(&format!("\n[[user]]\nname = {name}\npasscode = {passcode}\nallow = [{}]\n", allow.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests;
