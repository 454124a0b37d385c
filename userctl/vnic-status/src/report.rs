//! One status report: an SP's vNICs, services, free IDs and sessions, in
//! the cooperative data structure, signed with the SP's [`StatusKey`].
//! Byte by byte in Documentation/status-protocol.md, section 3.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::ReportError;
use crate::key::{StatusKey, KEY_LEN};
use crate::COOP_STATUS;

/// The largest datagram (the authentication protocol's limit too).
pub const MAX_LEN: usize = 1024;
/// Offset of the vNIC list; everything before it is fixed.
pub const FIXED_LEN: usize = 88;
/// The smallest report: the fixed part and the tag.
pub const MIN_LEN: usize = FIXED_LEN + KEY_LEN;
/// Control flags of a report: `rep` alone (nobody answers it).
pub const CONTROL_REP: u8 = 0x02;
/// Sender kind `info_vNIC`.
const SENDER_INFO_VNIC: u8 = 2;
/// The longest SP or service name.
pub const NAME_MAX: usize = 31;
/// vNICs in one report at most.
pub const VNICS_MAX: usize = 32;
/// Services of one vNIC at most.
pub const SERVICES_MAX: usize = 16;
/// The shortest and longest reporting interval, in milliseconds.
pub const INTERVAL_MS: std::ops::RangeInclusive<u32> = 100..=3_600_000;
const VNIC_ENTRY_LEN: usize = 12;

/// A service of a vNIC as reported: its name and TCP port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStatus {
    /// The name supervisors ask for ("http").
    pub name: String,
    /// Its TCP port.
    pub port: u16,
}

/// One vNIC of the reporting SP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VnicStatus {
    /// The vNIC number (SPs of one number serve the same service).
    pub number: u16,
    /// IDs it can still hand out (a fixed-ID vNIC: 0xffffffff, no limit).
    pub free_ids: u32,
    /// Its live sessions.
    pub sessions: u32,
    /// Its services.
    pub services: Vec<ServiceStatus>,
}

/// A status report (`info_vNIC` of the paper, for every vNIC of one SP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The SP's name, as the header's configuration knows it.
    pub name: String,
    /// The address supervisors and headers reach its authentication at
    /// (`None`: the report's source address).
    pub address: Option<IpAddr>,
    /// Its authentication UDP port.
    pub port: u16,
    /// Strictly increasing from one report of this SP to the next
    /// (milliseconds of the SP's clock, so a restart keeps increasing).
    pub sequence: u64,
    /// How often the SP reports, in milliseconds.
    pub interval_ms: u32,
    /// Its vNICs.
    pub vnics: Vec<VnicStatus>,
}

fn name_ok(name: &str) -> bool {
    !name.is_empty() && name.len() <= NAME_MAX && !name.bytes().any(|b| b.is_ascii_control() || b == b' ')
}

impl Report {
    /// The signed datagram.
    pub fn encode(&self, key: &StatusKey) -> Result<Vec<u8>, ReportError> {
        if !name_ok(&self.name) {
            return Err(ReportError::Field("the SP name must be 1 to 31 bytes without spaces"));
        }
        if !INTERVAL_MS.contains(&self.interval_ms) {
            return Err(ReportError::Field("the interval must be 100 ms to 1 hour"));
        }
        if self.vnics.len() > VNICS_MAX || self.vnics.iter().any(|v| v.services.len() > SERVICES_MAX) {
            return Err(ReportError::Field("at most 32 vNICs of at most 16 services each"));
        }
        let mut out = vec![0u8; FIXED_LEN];
        out[0..2].copy_from_slice(b"VN");
        out[2] = 2;
        out[3] = CONTROL_REP;
        out[4..6].copy_from_slice(&COOP_STATUS.to_be_bytes());
        out[16] = SENDER_INFO_VNIC;
        let (family, raw) = match self.address {
            None => (0, [0u8; 16]),
            Some(IpAddr::V4(a)) => {
                let mut r = [0u8; 16];
                r[..4].copy_from_slice(&a.octets());
                (4, r)
            }
            Some(IpAddr::V6(a)) => (6, a.octets()),
        };
        out[17] = family;
        out[18..20].copy_from_slice(&self.port.to_be_bytes());
        out[24..40].copy_from_slice(&raw);
        out[40] = self.name.len() as u8;
        out[41..41 + self.name.len()].copy_from_slice(self.name.as_bytes());
        out[72..80].copy_from_slice(&self.sequence.to_be_bytes());
        out[80..84].copy_from_slice(&self.interval_ms.to_be_bytes());
        out[84] = self.vnics.len() as u8;
        for v in &self.vnics {
            out.extend_from_slice(&v.number.to_be_bytes());
            out.push(v.services.len() as u8);
            out.push(0);
            out.extend_from_slice(&v.free_ids.to_be_bytes());
            out.extend_from_slice(&v.sessions.to_be_bytes());
            for s in &v.services {
                if !name_ok(&s.name) || s.port == 0 {
                    return Err(ReportError::Field("a service needs a name of 1 to 31 bytes and a port"));
                }
                out.extend_from_slice(&s.port.to_be_bytes());
                out.push(s.name.len() as u8);
                out.extend_from_slice(s.name.as_bytes());
            }
        }
        let list = out.len() - FIXED_LEN;
        if out.len() + KEY_LEN > MAX_LEN {
            return Err(ReportError::TooLarge(out.len() + KEY_LEN));
        }
        out[12..14].copy_from_slice(&(list as u16).to_be_bytes());
        let tag = key.tag(&out);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// The SP name a datagram claims, to find the key to check it with.
    pub fn claimed_name(buf: &[u8]) -> Result<&str, ReportError> {
        check_frame(buf)?;
        name_at(buf)
    }

    /// The report in `buf` if `key` signed it; `Ok(None)`: well formed but
    /// not signed with `key` (forged, or the SP's key differs).
    pub fn open(buf: &[u8], key: &StatusKey) -> Result<Option<Report>, ReportError> {
        check_frame(buf)?;
        let (signed, tag) = buf.split_at(buf.len() - KEY_LEN);
        if !key.verifies(signed, tag) {
            return Ok(None);
        }
        decode(signed).map(Some)
    }
}

/// Length, magic, version, control, cooperative flag.
fn check_frame(buf: &[u8]) -> Result<(), ReportError> {
    if !(MIN_LEN..=MAX_LEN).contains(&buf.len()) {
        return Err(ReportError::Length(buf.len()));
    }
    if &buf[0..2] != b"VN" || buf[2] != 2 || buf[3] != CONTROL_REP || buf[4..6] != COOP_STATUS.to_be_bytes() {
        return Err(ReportError::NotStatus);
    }
    Ok(())
}

fn be16(b: &[u8], at: usize) -> Result<u16, ReportError> {
    b.get(at..at + 2).map(|s| u16::from_be_bytes([s[0], s[1]])).ok_or(ReportError::Field("truncated vNIC list"))
}

fn be32(b: &[u8], at: usize) -> Result<u32, ReportError> {
    b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]])).ok_or(ReportError::Field("truncated vNIC list"))
}

/// Decodes the signed part (the tag already checked).
fn decode(b: &[u8]) -> Result<Report, ReportError> {
    let zero = |r: std::ops::Range<usize>| b[r].iter().all(|&x| x == 0);
    if !zero(6..12) || !zero(14..16) || !zero(20..24) || !zero(85..88) {
        return Err(ReportError::Field("a reserved field is not zero"));
    }
    if usize::from(be16(b, 12)?) != b.len() - FIXED_LEN {
        return Err(ReportError::Field("the list length is not the datagram's"));
    }
    if b[16] != SENDER_INFO_VNIC {
        return Err(ReportError::Field("the sender kind is not info_vNIC"));
    }
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&b[24..40]);
    let address = match b[17] {
        0 if raw == [0; 16] => None,
        4 if raw[4..] == [0; 12] => Some(IpAddr::V4(Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3]))),
        6 => Some(IpAddr::V6(Ipv6Addr::from(raw))),
        _ => return Err(ReportError::Field("the address")),
    };
    let port = be16(b, 18)?;
    if port == 0 {
        return Err(ReportError::Field("the authentication port is 0"));
    }
    let name = name_at(b)?;
    let padding = &b[41 + name.len()..72];
    if padding.iter().any(|&x| x != 0) {
        return Err(ReportError::Field("the SP name's padding is not zero"));
    }
    let sequence = u64::from_be_bytes(b[72..80].try_into().map_err(|_| ReportError::Field("sequence"))?);
    let interval_ms = be32(b, 80)?;
    if !INTERVAL_MS.contains(&interval_ms) {
        return Err(ReportError::Field("the interval is not 100 ms to 1 hour"));
    }
    let count = usize::from(b[84]);
    if count > VNICS_MAX {
        return Err(ReportError::Field("more than 32 vNICs"));
    }
    let mut at = FIXED_LEN;
    let mut vnics = Vec::with_capacity(count);
    for _ in 0..count {
        let number = be16(b, at)?;
        let services = usize::from(*b.get(at + 2).ok_or(ReportError::Field("truncated vNIC list"))?);
        if services > SERVICES_MAX || b.get(at + 3) != Some(&0) {
            return Err(ReportError::Field("a vNIC entry"));
        }
        let free_ids = be32(b, at + 4)?;
        let sessions = be32(b, at + 8)?;
        at += VNIC_ENTRY_LEN;
        let mut list = Vec::with_capacity(services);
        for _ in 0..services {
            let port = be16(b, at)?;
            let len = usize::from(*b.get(at + 2).ok_or(ReportError::Field("truncated vNIC list"))?);
            let name = b.get(at + 3..at + 3 + len).and_then(|n| std::str::from_utf8(n).ok()).filter(|n| name_ok(n));
            let name = name.ok_or(ReportError::Field("a service name"))?;
            if port == 0 {
                return Err(ReportError::Field("a service's port is 0"));
            }
            list.push(ServiceStatus { name: name.to_string(), port });
            at += 3 + len;
        }
        vnics.push(VnicStatus { number, free_ids, sessions, services: list });
    }
    if at != b.len() {
        return Err(ReportError::Field("bytes after the last vNIC"));
    }
    Ok(Report { name: name.to_string(), address, port, sequence, interval_ms, vnics })
}

/// The SP name at offset 40 (the frame already checked: 120 bytes or more).
fn name_at(b: &[u8]) -> Result<&str, ReportError> {
    let len = usize::from(b[40]);
    let name = b.get(41..41 + len).filter(|_| (1..=NAME_MAX).contains(&len));
    let name = name.and_then(|n| std::str::from_utf8(n).ok()).filter(|n| name_ok(n));
    name.ok_or(ReportError::Field("the SP name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Report {
        Report {
            name: "sp1".into(),
            address: Some("10.0.2.1".parse().unwrap()),
            port: 7390,
            sequence: 0x0102_0304_0506_0708,
            interval_ms: 1000,
            vnics: vec![
                VnicStatus { number: 1, free_ids: u32::MAX, sessions: 3, services: vec![ServiceStatus { name: "http".into(), port: 80 }] },
                VnicStatus {
                    number: 2,
                    free_ids: 97,
                    sessions: 3,
                    services: vec![ServiceStatus { name: "http".into(), port: 80 }, ServiceStatus { name: "ssh".into(), port: 22 }],
                },
            ],
        }
    }

    #[test]
    fn a_report_goes_both_ways_at_its_offsets() {
        let key = StatusKey::from_bytes([9; 32]);
        let r = sample();
        let d = r.encode(&key).unwrap();
        // fixed 88, vnic1 12 + 3 + 4, vnic2 12 + 3 + 4 + 3 + 3, tag 32
        assert_eq!(d.len(), 88 + 19 + 25 + 32);
        assert_eq!(&d[0..6], &[b'V', b'N', 2, 0x02, 0x00, 0x02]);
        assert_eq!(u16::from_be_bytes([d[12], d[13]]), 44);
        assert_eq!(&d[16..20], &[2, 4, 0x1c, 0xde]);
        assert_eq!(&d[24..28], &[10, 0, 2, 1]);
        assert_eq!(&d[40..44], &[3, b's', b'p', b'1']);
        assert_eq!(&d[72..80], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&d[80..85], &[0, 0, 0x03, 0xe8, 2]);
        assert_eq!(&d[88..100], &[0, 1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 3]);
        assert_eq!(&d[100..107], &[0, 80, 4, b'h', b't', b't', b'p']);
        assert_eq!(Report::claimed_name(&d).unwrap(), "sp1");
        assert_eq!(Report::open(&d, &key).unwrap(), Some(r));
    }

    #[test]
    fn another_key_or_any_changed_byte_does_not_open() {
        let key = StatusKey::from_bytes([9; 32]);
        let d = sample().encode(&key).unwrap();
        assert_eq!(Report::open(&d, &StatusKey::from_bytes([8; 32])).unwrap(), None);
        for i in 6..d.len() {
            let mut m = d.clone();
            m[i] ^= 0x40;
            assert!(!matches!(Report::open(&m, &key), Ok(Some(_))), "byte {i}");
        }
    }

    #[test]
    fn malformed_reports_are_errors_never_panics() {
        let key = StatusKey::from_bytes([9; 32]);
        let d = sample().encode(&key).unwrap();
        for n in 0..d.len() {
            let _ = Report::open(&d[..n], &key);
            let _ = Report::claimed_name(&d[..n]);
        }
        assert_eq!(Report::open(&d[..119], &key), Err(ReportError::Length(119)));
        let mut auth = d.clone();
        auth[5] = 1;
        assert_eq!(Report::open(&auth, &key), Err(ReportError::NotStatus));
        // A signed but inconsistent body: the list length says one byte more.
        let mut r = d[..d.len() - 32].to_vec();
        r[13] += 1;
        let tag = key.tag(&r);
        r.extend_from_slice(&tag);
        assert!(matches!(Report::open(&r, &key), Err(ReportError::Field(_))));
        // Every byte of the body, each value, signed: an error or a report.
        for i in 6..d.len() - 32 {
            for v in [0u8, 1, 0x20, 0xff] {
                let mut m = d[..d.len() - 32].to_vec();
                m[i] = v;
                let tag = key.tag(&m);
                m.extend_from_slice(&tag);
                let _ = Report::open(&m, &key);
            }
        }
    }

    #[test]
    fn reports_that_cannot_be_sent_are_refused() {
        let key = StatusKey::from_bytes([9; 32]);
        let mut r = sample();
        r.name = "a name".into();
        assert!(r.encode(&key).is_err());
        let mut r = sample();
        r.interval_ms = 5;
        assert!(r.encode(&key).is_err());
        let mut r = sample();
        let many = (0..16).map(|i| ServiceStatus { name: format!("service-number-{i:02}-of-sixteen"), port: 1000 + i }).collect::<Vec<_>>();
        r.vnics = (0..3).map(|n| VnicStatus { number: n, free_ids: 0, sessions: 0, services: many.clone() }).collect();
        assert!(matches!(r.encode(&key), Err(ReportError::TooLarge(_))));
    }
}
