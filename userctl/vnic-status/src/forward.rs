//! A header SP's forwarded Auth-REQ (header → SP): the supervisor's
//! request as it came, with the supervisor's address and port, signed with
//! the chosen SP's status key. The SP answers the supervisor directly.
//! Byte by byte in Documentation/status-protocol.md, section 6.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::ReportError;
use crate::key::{StatusKey, KEY_LEN};
use crate::COOP_STATUS;

/// Offset of the forwarded request.
pub const FIXED_LEN: usize = 88;
/// Control flags of a forward: `req` (it carries a request).
pub const CONTROL_REQ: u8 = 0x01;
/// The shortest and longest request forwarded (the authentication
/// protocol's fixed part and its datagram limit).
pub const REQUEST_LEN: std::ops::RangeInclusive<usize> = 576..=1024;
/// How far a forward's time may be from the SP's clock, in milliseconds.
pub const WINDOW_MS: u64 = 30_000;
const LABEL: &[u8] = b"vnic-status v2 forward";
const SENDER_INFO_CLIENT: u8 = 1;

/// A forwarded Auth-REQ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// The forwarding header's name (for the SP's log).
    pub header: String,
    /// Where the request came from: the SP answers there.
    pub supervisor: SocketAddr,
    /// The header's clock, in milliseconds since 1970.
    pub time_ms: u64,
    /// The Auth-REQ as the header received it.
    pub request: Vec<u8>,
}

/// Whether `data` is an Auth-REQ of version 2 (magic, version, control
/// `req`, cooperative flag `auth`), the only message a header forwards.
pub fn is_auth_request(data: &[u8]) -> bool {
    REQUEST_LEN.contains(&data.len()) && data[0..6] == [b'V', b'N', 2, 0x01, 0x00, 0x01]
}

/// Whether `data` is a message of the status application (a report or a
/// forward), to be kept from the authentication server.
pub fn is_status(data: &[u8]) -> bool {
    data.len() >= 6 && data[0..3] == [b'V', b'N', 2] && data[4..6] == COOP_STATUS.to_be_bytes()
}

impl Forward {
    /// The signed datagram (signed with the receiving SP's key).
    pub fn encode(&self, key: &StatusKey) -> Result<Vec<u8>, ReportError> {
        if self.header.is_empty() || self.header.len() > 31 {
            return Err(ReportError::Field("the header name must be 1 to 31 bytes"));
        }
        if !is_auth_request(&self.request) {
            return Err(ReportError::Field("only an Auth-REQ is forwarded"));
        }
        let mut out = vec![0u8; FIXED_LEN];
        out[0..3].copy_from_slice(&[b'V', b'N', 2]);
        out[3] = CONTROL_REQ;
        out[4..6].copy_from_slice(&COOP_STATUS.to_be_bytes());
        out[12..14].copy_from_slice(&(self.request.len() as u16).to_be_bytes());
        out[16] = SENDER_INFO_CLIENT;
        match self.supervisor.ip().to_canonical() {
            IpAddr::V4(a) => {
                out[17] = 4;
                out[24..28].copy_from_slice(&a.octets());
            }
            IpAddr::V6(a) => {
                out[17] = 6;
                out[24..40].copy_from_slice(&a.octets());
            }
        }
        out[18..20].copy_from_slice(&self.supervisor.port().to_be_bytes());
        out[40] = self.header.len() as u8;
        out[41..41 + self.header.len()].copy_from_slice(self.header.as_bytes());
        out[72..80].copy_from_slice(&self.time_ms.to_be_bytes());
        out.extend_from_slice(&self.request);
        let tag = tag(key, &out);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// The forward in `buf` if `key` signed it and its time is within
    /// [`WINDOW_MS`] of `now_ms`; why not otherwise.
    pub fn open(buf: &[u8], key: &StatusKey, now_ms: u64) -> Result<Forward, ForwardRejection> {
        let min = FIXED_LEN + REQUEST_LEN.start() + KEY_LEN;
        let max = FIXED_LEN + REQUEST_LEN.end() + KEY_LEN;
        if !(min..=max).contains(&buf.len()) || buf[0..6] != [b'V', b'N', 2, CONTROL_REQ, 0x00, 0x02] {
            return Err(ForwardRejection::Malformed);
        }
        let (signed, t) = buf.split_at(buf.len() - KEY_LEN);
        if !key.verifies_labelled(LABEL, signed, t) {
            return Err(ForwardRejection::Forged);
        }
        let zero = |r: std::ops::Range<usize>| signed[r].iter().all(|&x| x == 0);
        let n = usize::from(u16::from_be_bytes([signed[12], signed[13]]));
        if !zero(6..12) || !zero(14..16) || !zero(20..24) || !zero(80..88) || n != signed.len() - FIXED_LEN || signed[16] != SENDER_INFO_CLIENT {
            return Err(ForwardRejection::Malformed);
        }
        let mut raw = [0u8; 16];
        raw.copy_from_slice(&signed[24..40]);
        let ip = match signed[17] {
            4 if raw[4..] == [0; 12] => IpAddr::V4(Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3])),
            6 => IpAddr::V6(Ipv6Addr::from(raw)),
            _ => return Err(ForwardRejection::Malformed),
        };
        let port = u16::from_be_bytes([signed[18], signed[19]]);
        let len = usize::from(signed[40]);
        let header = signed
            .get(41..41 + len)
            .filter(|_| (1..=31).contains(&len) && signed[41 + len..72].iter().all(|&x| x == 0))
            .and_then(|h| std::str::from_utf8(h).ok())
            .ok_or(ForwardRejection::Malformed)?;
        let time_ms = u64::from_be_bytes([signed[72], signed[73], signed[74], signed[75], signed[76], signed[77], signed[78], signed[79]]);
        if time_ms.abs_diff(now_ms) > WINDOW_MS {
            return Err(ForwardRejection::Stale { time_ms, now_ms });
        }
        let request = signed[FIXED_LEN..].to_vec();
        if port == 0 || !is_auth_request(&request) {
            return Err(ForwardRejection::Malformed);
        }
        Ok(Forward { header: header.to_string(), supervisor: SocketAddr::new(ip, port), time_ms, request })
    }
}

fn tag(key: &StatusKey, signed: &[u8]) -> [u8; KEY_LEN] {
    key.tag_labelled(LABEL, signed)
}

/// Why an SP ignores a forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardRejection {
    /// Not a well-formed forward of an Auth-REQ.
    Malformed,
    /// Not signed with this SP's key.
    Forged,
    /// Its time is more than 30 s from the SP's clock.
    Stale {
        /// The forward's time.
        time_ms: u64,
        /// The SP's.
        now_ms: u64,
    },
}

impl std::fmt::Display for ForwardRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ForwardRejection::Malformed => f.write_str("a malformed forwarded request"),
            ForwardRejection::Forged => f.write_str("a forwarded request not signed with this SP's status key (forged?)"),
            ForwardRejection::Stale { time_ms, now_ms } => write!(
                f,
                "a forwarded request {} ms from this SP's clock (replayed, or the clocks differ: run NTP)",
                i128::from(*time_ms) - i128::from(*now_ms)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Vec<u8> {
        let mut r = vec![0u8; 576];
        r[0..6].copy_from_slice(&[b'V', b'N', 2, 0x01, 0x00, 0x01]);
        r[8] = 0x5a;
        r
    }

    fn forward() -> Forward {
        Forward { header: "hdr1".into(), supervisor: "10.0.1.7:40001".parse().unwrap(), time_ms: 1_000_000, request: request() }
    }

    #[test]
    fn a_forward_goes_both_ways_at_its_offsets() {
        let key = StatusKey::from_bytes([4; 32]);
        let d = forward().encode(&key).unwrap();
        assert_eq!(d.len(), 88 + 576 + 32);
        assert_eq!(&d[0..6], &[b'V', b'N', 2, 0x01, 0x00, 0x02]);
        assert_eq!(&d[12..14], &[0x02, 0x40]);
        assert_eq!(&d[16..20], &[1, 4, 0x9c, 0x41]);
        assert_eq!(&d[24..28], &[10, 0, 1, 7]);
        assert_eq!(&d[40..45], &[4, b'h', b'd', b'r', b'1']);
        assert_eq!(&d[88..94], &request()[..6]);
        assert!(is_status(&d) && !is_auth_request(&d));
        assert_eq!(Forward::open(&d, &key, 1_000_000 + WINDOW_MS).unwrap(), forward());
    }

    #[test]
    fn forged_stale_or_other_forwards_are_refused() {
        let key = StatusKey::from_bytes([4; 32]);
        let d = forward().encode(&key).unwrap();
        assert_eq!(Forward::open(&d, &StatusKey::from_bytes([5; 32]), 1_000_000), Err(ForwardRejection::Forged));
        assert!(matches!(Forward::open(&d, &key, 1_000_000 + WINDOW_MS + 1), Err(ForwardRejection::Stale { .. })));
        assert!(matches!(Forward::open(&d, &key, 1_000_000 - WINDOW_MS - 1), Err(ForwardRejection::Stale { .. })));
        for i in 0..d.len() {
            let mut m = d.clone();
            m[i] ^= 0x10;
            assert!(Forward::open(&m, &key, 1_000_000).is_err(), "byte {i}");
        }
        for n in 0..d.len() {
            assert!(Forward::open(&d[..n], &key, 1_000_000).is_err());
        }
        let mut rep = forward();
        rep.request[3] = 0x02;
        assert!(rep.encode(&key).is_err(), "only requests are forwarded");
        // A report is not a forward, and the other way round.
        assert!(crate::Report::claimed_name(&d).is_err());
    }
}
