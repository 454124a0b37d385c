//! The cooperative-application data structure on the wire (version 2):
//! layout, encoding and decoding of a [`Packet`]. Every field has a fixed
//! offset; the byte-by-byte table is in `Documentation/auth-protocol.md`.
//!
//! The encoding is canonical: unused fields and padding are zero, and the
//! decoder rejects anything else, so `encode(decode(x)) == x` for every
//! accepted `x`. The decoder never panics and never reads out of bounds.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::crypto::{Argon2Cost, Cookie, Sealed, COOKIE_LEN, NONCE_LEN, TAG_LEN};
use crate::opaque::KE2_LEN;
use crate::error::{ErrorCode, WireError};

/// The first two bytes of every message: "VN".
pub const MAGIC: [u8; 2] = *b"VN";
/// The protocol version this crate speaks.
pub const VERSION: u8 = 2;
/// Size of the fixed part; the extension area follows it.
pub const FIXED_LEN: usize = 576;
/// Largest message (fixed part plus extensions), well below what IPv6
/// carries without fragments (1,232 bytes of UDP payload).
pub const MAX_LEN: usize = 1024;
/// Size of version 1's fixed part: the shortest datagram answered with an
/// Auth-RST "unsupported version" (section 3.6 of the specification).
pub const V1_FIXED_LEN: usize = 276;
/// Size of the OPAQUE area (KE1, KE2 or KE3, zero-padded).
pub const OPAQUE_LEN: usize = KE2_LEN;
/// Largest extension area.
pub const MAX_EXT_LEN: usize = MAX_LEN - FIXED_LEN;
/// Longest user name, in bytes of UTF-8.
pub const USER_MAX: usize = 63;
/// Longest service name, in bytes of UTF-8.
pub const SERVICE_MAX: usize = 31;
/// The UDP port a provider listens on unless configured otherwise (chosen by
/// this project; not assigned by IANA).
pub const DEFAULT_PORT: u16 = 7390;
/// Key derivation identifier for argon2id version 0x13.
pub const KDF_ARGON2ID: u8 = 1;

/// Byte offsets of the fixed part's fields.
pub mod offset {
    /// magic, 2 bytes.
    pub const MAGIC: usize = 0;
    /// version, 1 byte.
    pub const VERSION: usize = 2;
    /// control flags, 1 byte.
    pub const CONTROL: usize = 3;
    /// cooperative flags, 2 bytes.
    pub const COOP: usize = 4;
    /// error code, 2 bytes.
    pub const ERROR: usize = 6;
    /// transaction id, 4 bytes.
    pub const TXID: usize = 8;
    /// extension area length, 2 bytes.
    pub const EXT_LEN: usize = 12;
    /// reserved, 2 bytes.
    pub const RESERVED0: usize = 14;
    /// sender data: kind, 1 byte.
    pub const SENDER_KIND: usize = 16;
    /// sender data: address family, 1 byte.
    pub const FAMILY: usize = 17;
    /// sender data: port, 2 bytes.
    pub const PORT: usize = 18;
    /// sender data: reserved, 4 bytes.
    pub const RESERVED1: usize = 20;
    /// sender data: address, 16 bytes.
    pub const ADDR: usize = 24;
    /// auth_data: user length, 1 byte.
    pub const USER_LEN: usize = 40;
    /// auth_data: user, 63 bytes.
    pub const USER: usize = 41;
    /// auth_data: service length, 1 byte.
    pub const SERVICE_LEN: usize = 104;
    /// auth_data: service, 31 bytes.
    pub const SERVICE: usize = 105;
    /// auth_data: client nonce, 32 bytes.
    pub const NONCE_C: usize = 136;
    /// auth_data: server nonce, 32 bytes.
    pub const NONCE_S: usize = 168;
    /// auth_data: key derivation function, 1 byte.
    pub const KDF: usize = 200;
    /// auth_data: argon2 lanes, 1 byte.
    pub const KDF_P: usize = 201;
    /// auth_data: argon2 iterations, 2 bytes.
    pub const KDF_T: usize = 202;
    /// auth_data: argon2 memory in KiB, 4 bytes.
    pub const KDF_M: usize = 204;
    /// auth_data: the provider's stateless cookie, 16 bytes.
    pub const COOKIE: usize = 208;
    /// id: the sealed id and vNIC number, 4 bytes.
    pub const ID: usize = 224;
    /// id: AEAD tag of the sealed id and vNIC number, 16 bytes.
    pub const TAG: usize = 228;
    /// id: reserved, 12 bytes.
    pub const RESERVED2: usize = 244;
    /// OPAQUE: KE1, KE2 or KE3, 320 bytes.
    pub const OPAQUE: usize = 256;
    /// extension area.
    pub const EXT: usize = 576;
}

/// Control flags ("graded communication control").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Control(pub u8);

impl Control {
    /// Request.
    pub const REQ: Control = Control(0x01);
    /// Reply.
    pub const REP: Control = Control(0x02);
    /// Reset.
    pub const RST: Control = Control(0x04);
    /// Error (set with `rst`; the error code field says which).
    pub const ERROR: Control = Control(0x08);
    /// Grant (set with `rep`: the provider's last answer, with the ID).
    pub const GRANT: Control = Control(0x10);
    /// All flags version 2 defines.
    pub const ALL: Control = Control(0x1f);

    /// Both sets of flags together.
    pub const fn with(self, other: Control) -> Control {
        Control(self.0 | other.0)
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Control) -> bool {
        self.0 & other.0 == other.0
    }
}

/// Cooperative flags: which cooperative application a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Coop(pub u16);

impl Coop {
    /// The authentication application (bit 0). Bits 1..15 are for other
    /// applications; exactly one bit is set in every message.
    pub const AUTH: Coop = Coop(0x0001);
}

/// The sender data: `info_client` from a supervisor, `info_vNIC` from a
/// provider, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sender {
    /// Kind 0: all sender bytes zero.
    #[default]
    None,
    /// Kind 1, `info_client`: the client's address as the supervisor sees
    /// it (`None`: the provider uses the datagram's source address).
    Client {
        /// The client's address.
        addr: Option<IpAddr>,
    },
    /// Kind 2, `info_vNIC`: where the client reaches the service (`None`:
    /// the provider's own address) and its TCP port.
    Vnic {
        /// The service's address.
        addr: Option<IpAddr>,
        /// The service's TCP port.
        port: u16,
    },
}

/// An extension: a typed TLV in the extension area. Types 0x0001-0x7fff are
/// for this specification (version 2 defines none), 0x8000-0xffff are
/// free for developers; 0 is reserved. Receivers skip types they do not know.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tlv {
    /// The type.
    pub kind: u16,
    /// The value (its length is implied).
    pub value: Vec<u8>,
}

/// The first type free for developers.
pub const TLV_DEVELOPER: u16 = 0x8000;
/// Auth-REQ extension "path check" (status-protocol.md §8): one byte, the
/// result of the supervisor's path check of the session it renews.
pub const TLV_PATH_CHECK: u16 = 0x0002;
/// "path check" values: the ID survived both ways, or it did not.
pub const PATH_OK: u8 = 1;
/// See [`PATH_OK`].
pub const PATH_FAILED: u8 = 2;

/// One message of the cooperative-application data structure, with every
/// field of the fixed part (unused ones zero) and the extensions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Packet {
    /// Control flags.
    pub control: Control,
    /// Cooperative flags.
    pub coop: Coop,
    /// Error code (non-zero exactly when the `error` flag is set).
    pub error: ErrorCode,
    /// Transaction id, chosen by the supervisor and echoed.
    pub txid: u32,
    /// Sender data.
    pub sender: Sender,
    /// auth_data: user name.
    pub user: String,
    /// auth_data: service name.
    pub service: String,
    /// auth_data: client nonce.
    pub nonce_c: [u8; NONCE_LEN],
    /// auth_data: server nonce.
    pub nonce_s: [u8; NONCE_LEN],
    /// auth_data: the argon2id cost of the user's record (`None`: all zero).
    pub kdf: Option<Argon2Cost>,
    /// auth_data: the provider's stateless cookie.
    pub cookie: Cookie,
    /// id: the sealed id and vNIC number (Auth-GRANT; the renewed id in
    /// Auth-REP).
    pub sealed: Sealed,
    /// OPAQUE: KE1, KE2 or KE3, zero-padded to 320 bytes.
    pub opaque: Opaque,
    /// Extensions.
    pub ext: Vec<Tlv>,
}

/// The OPAQUE area: 320 bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Opaque(pub Box<[u8; OPAQUE_LEN]>);

impl Default for Opaque {
    fn default() -> Opaque {
        Opaque(Box::new([0; OPAQUE_LEN]))
    }
}

impl std::fmt::Debug for Opaque {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used = self.0.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        write!(f, "Opaque({} of {OPAQUE_LEN} bytes)", used)
    }
}

impl Opaque {
    /// `bytes` followed by zeros (`None` if longer than the area).
    pub fn padded(bytes: &[u8]) -> Option<Opaque> {
        let mut area = Opaque::default();
        area.0.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(area)
    }

    /// The first `n` bytes, if all after them are zero.
    pub fn prefix(&self, n: usize) -> Option<&[u8]> {
        let (head, tail) = self.0.split_at_checked(n)?;
        tail.iter().all(|&b| b == 0).then_some(head)
    }

    /// Whether every byte is zero.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&b| b == 0)
    }
}

/// `N` bytes of `buf` at `at`, or `TooShort`.
fn take<const N: usize>(buf: &[u8], at: usize) -> Result<[u8; N], WireError> {
    at.checked_add(N)
        .and_then(|end| buf.get(at..end))
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or(WireError::TooShort { len: buf.len() })
}

fn u8_at(buf: &[u8], at: usize) -> Result<u8, WireError> {
    take::<1>(buf, at).map(|[b]| b)
}

fn u16_at(buf: &[u8], at: usize) -> Result<u16, WireError> {
    take(buf, at).map(u16::from_be_bytes)
}

fn u32_at(buf: &[u8], at: usize) -> Result<u32, WireError> {
    take(buf, at).map(u32::from_be_bytes)
}

fn zero(bytes: &[u8], field: &'static str) -> Result<(), WireError> {
    if bytes.iter().all(|&b| b == 0) {
        Ok(())
    } else {
        Err(WireError::Reserved(field))
    }
}

/// The transaction id and client nonce of a datagram that starts with the
/// magic and is at least [`V1_FIXED_LEN`] long, whatever its version or
/// validity: what an Auth-RST answering it echoes. These offsets are the
/// same in every version.
pub fn salvage(buf: &[u8]) -> Option<(u32, [u8; NONCE_LEN])> {
    if buf.len() < V1_FIXED_LEN || take::<2>(buf, offset::MAGIC).ok()? != MAGIC {
        return None;
    }
    Some((
        u32_at(buf, offset::TXID).ok()?,
        take(buf, offset::NONCE_C).ok()?,
    ))
}

fn decode_addr(family: u8, raw: [u8; 16]) -> Result<Option<IpAddr>, WireError> {
    match family {
        0 => zero(&raw, "address").map(|()| None),
        4 => {
            zero(raw.get(4..).unwrap_or_default(), "address padding")?;
            let [a, b, c, d, ..] = raw;
            Ok(Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d))))
        }
        6 => Ok(Some(IpAddr::V6(Ipv6Addr::from(raw)))),
        other => Err(WireError::Family(other)),
    }
}

fn encode_addr(addr: Option<IpAddr>) -> (u8, [u8; 16]) {
    let mut raw = [0u8; 16];
    match addr {
        None => (0, raw),
        Some(IpAddr::V4(v4)) => {
            for (dst, src) in raw.iter_mut().zip(v4.octets()) {
                *dst = src;
            }
            (4, raw)
        }
        Some(IpAddr::V6(v6)) => (6, v6.octets()),
    }
}

fn decode_sender(buf: &[u8]) -> Result<Sender, WireError> {
    let kind = u8_at(buf, offset::SENDER_KIND)?;
    let family = u8_at(buf, offset::FAMILY)?;
    let port = u16_at(buf, offset::PORT)?;
    zero(&take::<4>(buf, offset::RESERVED1)?, "sender reserved")?;
    let addr = decode_addr(family, take(buf, offset::ADDR)?)?;
    match kind {
        0 if family == 0 && port == 0 => Ok(Sender::None),
        0 => Err(WireError::Reserved("sender data of kind 0")),
        1 if port == 0 => Ok(Sender::Client { addr }),
        1 => Err(WireError::Reserved("info_client port")),
        2 => Ok(Sender::Vnic { addr, port }),
        other => Err(WireError::SenderKind(other)),
    }
}

fn check_text(text: &str, field: &'static str) -> Result<(), WireError> {
    if text.chars().any(char::is_control) {
        return Err(WireError::Text {
            field,
            reason: "control characters are not allowed",
        });
    }
    Ok(())
}

fn decode_text<const SLOT: usize>(
    buf: &[u8],
    at: usize,
    field: &'static str,
) -> Result<String, WireError> {
    let len = usize::from(u8_at(buf, at)?);
    let slot: [u8; SLOT] = take(buf, at + 1)?;
    let (text, padding) = slot.split_at_checked(len).ok_or(WireError::Text {
        field,
        reason: "length exceeds its slot",
    })?;
    zero(padding, field)?;
    let text = std::str::from_utf8(text).map_err(|_| WireError::Text {
        field,
        reason: "not UTF-8",
    })?;
    check_text(text, field)?;
    Ok(text.to_owned())
}

fn encode_text(
    out: &mut [u8],
    at: usize,
    max: usize,
    text: &str,
    field: &'static str,
) -> Result<(), WireError> {
    let len = text.len();
    let too_long = WireError::FieldTooLong { field, len, max };
    let len_byte = u8::try_from(len)
        .ok()
        .filter(|_| len <= max)
        .ok_or(too_long)?;
    put(out, at, &[len_byte])?;
    put(out, at + 1, text.as_bytes())
}

fn decode_kdf(buf: &[u8]) -> Result<Option<Argon2Cost>, WireError> {
    let raw: [u8; 8] = take(buf, offset::KDF)?;
    match u8_at(buf, offset::KDF)? {
        0 => zero(&raw, "kdf parameters").map(|()| None),
        KDF_ARGON2ID => Ok(Some(Argon2Cost {
            p: u8_at(buf, offset::KDF_P)?,
            t: u16_at(buf, offset::KDF_T)?,
            m_kib: u32_at(buf, offset::KDF_M)?,
        })),
        other => Err(WireError::Kdf(other)),
    }
}

fn decode_ext(buf: &[u8]) -> Result<Vec<Tlv>, WireError> {
    let area = buf.get(offset::EXT..).unwrap_or_default();
    let mut ext = Vec::new();
    let mut pos = 0usize;
    while pos < area.len() {
        let at = offset::EXT + pos;
        let kind = u16_at(area, pos).map_err(|_| WireError::Tlv(at))?;
        let len = usize::from(u16_at(area, pos + 2).map_err(|_| WireError::Tlv(at))?);
        let value = area.get(pos + 4..pos + 4 + len).ok_or(WireError::Tlv(at))?;
        if kind == 0 {
            return Err(WireError::Tlv(at));
        }
        ext.push(Tlv {
            kind,
            value: value.to_vec(),
        });
        pos += 4 + len;
    }
    Ok(ext)
}

fn put(out: &mut [u8], at: usize, bytes: &[u8]) -> Result<(), WireError> {
    let len = out.len();
    at.checked_add(bytes.len())
        .and_then(|end| out.get_mut(at..end))
        .ok_or(WireError::TooLong { len })?
        .copy_from_slice(bytes);
    Ok(())
}

impl Packet {
    /// Decodes one datagram. Every length and every reserved bit is checked;
    /// the first problem found is returned.
    pub fn decode(buf: &[u8]) -> Result<Packet, WireError> {
        let len = buf.len();
        // The version before the length, which differs between versions.
        if len < V1_FIXED_LEN {
            return Err(WireError::TooShort { len });
        }
        if take::<2>(buf, offset::MAGIC)? != MAGIC {
            return Err(WireError::BadMagic);
        }
        let version = u8_at(buf, offset::VERSION)?;
        if version != VERSION {
            return Err(WireError::UnsupportedVersion(version));
        }
        if len < FIXED_LEN {
            return Err(WireError::TooShort { len });
        }
        if len > MAX_LEN {
            return Err(WireError::TooLong { len });
        }
        let ext_len = usize::from(u16_at(buf, offset::EXT_LEN)?);
        if ext_len != len - FIXED_LEN {
            return Err(WireError::ExtLength {
                declared: ext_len,
                actual: len - FIXED_LEN,
            });
        }
        zero(&take::<2>(buf, offset::RESERVED0)?, "header reserved")?;
        let control = Control(u8_at(buf, offset::CONTROL)?);
        if control.0 & !Control::ALL.0 != 0 {
            return Err(WireError::ControlFlags(control.0));
        }
        let coop = Coop(u16_at(buf, offset::COOP)?);
        if coop.0.count_ones() != 1 {
            return Err(WireError::CoopFlags(coop.0));
        }
        let error = ErrorCode(u16_at(buf, offset::ERROR)?);
        if control.contains(Control::ERROR) != (error != ErrorCode::NONE) {
            return Err(WireError::ErrorFlag(error.0));
        }
        Ok(Packet {
            control,
            coop,
            error,
            txid: u32_at(buf, offset::TXID)?,
            sender: decode_sender(buf)?,
            user: decode_text::<USER_MAX>(buf, offset::USER_LEN, "user")?,
            service: decode_text::<SERVICE_MAX>(buf, offset::SERVICE_LEN, "service")?,
            nonce_c: take(buf, offset::NONCE_C)?,
            nonce_s: take(buf, offset::NONCE_S)?,
            kdf: decode_kdf(buf)?,
            cookie: take::<COOKIE_LEN>(buf, offset::COOKIE)?,
            sealed: Sealed {
                data: take(buf, offset::ID)?,
                tag: take::<TAG_LEN>(buf, offset::TAG)?,
            },
            opaque: {
                zero(&take::<12>(buf, offset::RESERVED2)?, "id reserved")?;
                Opaque(Box::new(take(buf, offset::OPAQUE)?))
            },
            ext: decode_ext(buf)?,
        })
    }

    /// Encodes the packet. Fails if a field does not fit or breaks a rule the
    /// decoder enforces; whatever it returns decodes to `self` again.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        let ext_len: usize = self.ext.iter().map(|t| 4 + t.value.len()).sum();
        if ext_len > MAX_EXT_LEN {
            return Err(WireError::TooLong {
                len: FIXED_LEN + ext_len,
            });
        }
        let mut out = vec![0u8; FIXED_LEN + ext_len];
        put(&mut out, offset::MAGIC, &MAGIC)?;
        put(&mut out, offset::VERSION, &[VERSION])?;
        put(&mut out, offset::CONTROL, &[self.control.0])?;
        put(&mut out, offset::COOP, &self.coop.0.to_be_bytes())?;
        put(&mut out, offset::ERROR, &self.error.0.to_be_bytes())?;
        put(&mut out, offset::TXID, &self.txid.to_be_bytes())?;
        put(&mut out, offset::EXT_LEN, &(ext_len as u16).to_be_bytes())?;
        let (kind, addr, port) = match self.sender {
            Sender::None => (0u8, None, 0u16),
            Sender::Client { addr } => (1, addr, 0),
            Sender::Vnic { addr, port } => (2, addr, port),
        };
        let (family, raw) = encode_addr(addr);
        put(&mut out, offset::SENDER_KIND, &[kind, family])?;
        put(&mut out, offset::PORT, &port.to_be_bytes())?;
        put(&mut out, offset::ADDR, &raw)?;
        encode_text(&mut out, offset::USER_LEN, USER_MAX, &self.user, "user")?;
        encode_text(
            &mut out,
            offset::SERVICE_LEN,
            SERVICE_MAX,
            &self.service,
            "service",
        )?;
        put(&mut out, offset::NONCE_C, &self.nonce_c)?;
        put(&mut out, offset::NONCE_S, &self.nonce_s)?;
        if let Some(cost) = &self.kdf {
            put(&mut out, offset::KDF, &[KDF_ARGON2ID, cost.p])?;
            put(&mut out, offset::KDF_T, &cost.t.to_be_bytes())?;
            put(&mut out, offset::KDF_M, &cost.m_kib.to_be_bytes())?;
        }
        put(&mut out, offset::COOKIE, &self.cookie)?;
        put(&mut out, offset::ID, &self.sealed.data)?;
        put(&mut out, offset::TAG, &self.sealed.tag)?;
        put(&mut out, offset::OPAQUE, self.opaque.0.as_slice())?;
        let mut at = offset::EXT;
        for tlv in &self.ext {
            let len = u16::try_from(tlv.value.len()).map_err(|_| WireError::TooLong {
                len: tlv.value.len(),
            })?;
            put(&mut out, at, &tlv.kind.to_be_bytes())?;
            put(&mut out, at + 2, &len.to_be_bytes())?;
            put(&mut out, at + 4, &tlv.value)?;
            at += 4 + tlv.value.len();
        }
        // The decoder is the one definition of validity: a packet it would
        // not give back unchanged (control characters, flags, ...) fails here.
        let back = Packet::decode(&out)?;
        if back != *self {
            return Err(WireError::Reserved("a field that does not round-trip"));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Packet {
        Packet {
            control: Control::REQ,
            coop: Coop::AUTH,
            txid: 7,
            sender: Sender::Client {
                addr: Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))),
            },
            user: "alice".into(),
            service: "HTTP".into(),
            nonce_c: [1; NONCE_LEN],
            ext: vec![Tlv {
                kind: 0x8001,
                value: b"x".to_vec(),
            }],
            ..Packet::default()
        }
    }

    #[test]
    fn round_trip_and_offsets() {
        let bytes = sample().encode().expect("encodes");
        assert_eq!(bytes.len(), FIXED_LEN + 5);
        assert_eq!(&bytes[..4], b"VN\x02\x01");
        assert_eq!(&bytes[offset::ADDR..offset::ADDR + 4], &[192, 0, 2, 1]);
        assert_eq!(&bytes[offset::USER_LEN..offset::USER_LEN + 6], b"\x05alice");
        assert_eq!(&bytes[offset::EXT..], &[0x80, 0x01, 0, 1, b'x']);
        assert_eq!(Packet::decode(&bytes), Ok(sample()));
    }

    #[test]
    fn rejects_what_is_not_canonical() {
        let good = sample().encode().expect("encodes");
        let cases: &[(usize, u8, WireError)] = &[
            (offset::MAGIC, b'X', WireError::BadMagic),
            (offset::VERSION, 1, WireError::UnsupportedVersion(1)),
            (offset::CONTROL, 0x21, WireError::ControlFlags(0x21)),
            (offset::COOP + 1, 3, WireError::CoopFlags(3)),
            (offset::ERROR + 1, 1, WireError::ErrorFlag(1)),
            (offset::RESERVED0, 1, WireError::Reserved("header reserved")),
            (offset::FAMILY, 5, WireError::Family(5)),
            (offset::ADDR + 4, 1, WireError::Reserved("address padding")),
            (offset::SENDER_KIND, 3, WireError::SenderKind(3)),
            (offset::PORT, 1, WireError::Reserved("info_client port")),
            (
                offset::USER_LEN,
                64,
                WireError::Text {
                    field: "user",
                    reason: "length exceeds its slot",
                },
            ),
            (offset::USER + 10, 1, WireError::Reserved("user")),
            (
                offset::USER,
                0x07,
                WireError::Text {
                    field: "user",
                    reason: "control characters are not allowed",
                },
            ),
            (
                offset::SERVICE,
                0xff,
                WireError::Text {
                    field: "service",
                    reason: "not UTF-8",
                },
            ),
            (offset::KDF, 9, WireError::Kdf(9)),
            (offset::KDF_M, 1, WireError::Reserved("kdf parameters")),
            (offset::RESERVED2, 1, WireError::Reserved("id reserved")),
            (offset::EXT + 3, 9, WireError::Tlv(offset::EXT)),
            (
                offset::EXT_LEN + 1,
                4,
                WireError::ExtLength {
                    declared: 4,
                    actual: 5,
                },
            ),
        ];
        for (at, value, want) in cases {
            let mut bad = good.clone();
            bad[*at] = *value;
            assert_eq!(
                Packet::decode(&bad).as_ref(),
                Err(want),
                "byte {at} = {value}"
            );
        }
        assert_eq!(
            Packet::decode(&good[..FIXED_LEN - 1]),
            Err(WireError::TooShort { len: FIXED_LEN - 1 })
        );
        let mut long = good.clone();
        long.resize(MAX_LEN + 1, 0);
        assert_eq!(
            Packet::decode(&long),
            Err(WireError::TooLong { len: MAX_LEN + 1 })
        );
    }

    #[test]
    fn tlv_type_zero_and_truncation() {
        let mut p = sample();
        p.ext = vec![Tlv {
            kind: 0,
            value: vec![],
        }];
        assert_eq!(p.encode(), Err(WireError::Tlv(offset::EXT)));
        let mut bytes = sample().encode().expect("encodes");
        bytes.truncate(FIXED_LEN + 3);
        bytes[offset::EXT_LEN + 1] = 3;
        assert_eq!(Packet::decode(&bytes), Err(WireError::Tlv(offset::EXT)));
    }

    #[test]
    fn encode_refuses_what_does_not_fit() {
        let mut p = sample();
        p.user = "u".repeat(USER_MAX + 1);
        assert_eq!(
            p.encode(),
            Err(WireError::FieldTooLong {
                field: "user",
                len: 64,
                max: USER_MAX
            })
        );
        let mut p = sample();
        p.ext = vec![Tlv {
            kind: 0x8000,
            value: vec![0; MAX_EXT_LEN],
        }];
        assert_eq!(p.encode(), Err(WireError::TooLong { len: MAX_LEN + 4 }));
        let mut p = sample();
        p.service = "a\nb".into();
        assert!(matches!(
            p.encode(),
            Err(WireError::Text {
                field: "service",
                ..
            })
        ));
        let mut p = sample();
        p.coop = Coop(0);
        assert_eq!(p.encode(), Err(WireError::CoopFlags(0)));
    }

    #[test]
    fn salvage_reads_txid_and_nonce_of_any_version() {
        let mut bytes = sample().encode().expect("encodes");
        bytes[offset::VERSION] = 9;
        assert_eq!(salvage(&bytes), Some((7, [1; NONCE_LEN])));
        assert_eq!(salvage(&bytes[..V1_FIXED_LEN]).map(|s| s.0), Some(7));
        assert_eq!(salvage(&bytes[..V1_FIXED_LEN - 1]), None);
        bytes[0] = 0;
        assert_eq!(salvage(&bytes), None);
    }
}
