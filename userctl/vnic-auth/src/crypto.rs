//! The cryptography around OPAQUE ([`crate::opaque`]): the argon2id cost,
//! the transcript hash that binds vnic's fields into the OPAQUE context, the
//! keys derived from the session key, the sealed ID and renewal
//! (ChaCha20-Poly1305) and the stateless cookie (HMAC-SHA256).
//! Definitions in `Documentation/auth-protocol.md`, section "Cryptography".

use std::fmt;
use std::net::SocketAddr;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce as AeadNonce, Tag};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::CryptoError;

/// Length of a nonce.
pub const NONCE_LEN: usize = 32;
/// Length of the AEAD tag.
pub const TAG_LEN: usize = 16;
/// Length of every derived key.
pub const KEY_LEN: usize = 32;
/// Length of a cookie.
pub const COOKIE_LEN: usize = 16;

/// A nonce: 32 random bytes from one side.
pub type Nonce = [u8; NONCE_LEN];
/// A SHA-256 transcript hash.
pub type Hash = [u8; 32];
/// A stateless cookie (truncated HMAC-SHA256).
pub type Cookie = [u8; COOKIE_LEN];

const LABEL_GRANT: &[u8] = b"vnic-auth v2 grant key";
const LABEL_RENEW: &[u8] = b"vnic-auth v2 renew key";

/// The cost of argon2id, the key-stretching function of every record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Argon2Cost {
    /// Memory, in KiB (at least 8 × `p`).
    pub m_kib: u32,
    /// Iterations (at least 1).
    pub t: u16,
    /// Lanes (at least 1).
    pub p: u8,
}

impl Argon2Cost {
    /// For real use: OWASP's recommendation (19 MiB, 2 iterations, 1 lane).
    pub const DEFAULT: Argon2Cost = Argon2Cost {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };
    /// For tests only: the smallest cost (64 KiB, 1 iteration), fast.
    pub const TEST: Argon2Cost = Argon2Cost {
        m_kib: 64,
        t: 1,
        p: 1,
    };
}

impl fmt::Display for Argon2Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m={},t={},p={}", self.m_kib, self.t, self.p)
    }
}

/// The transcript hash of a sequence of encoded messages: SHA-256 over each
/// message preceded by its length as a big-endian u16.
pub fn transcript(messages: &[&[u8]]) -> Hash {
    let mut h = Sha256::new();
    for m in messages {
        let len = u16::try_from(m.len()).unwrap_or(u16::MAX);
        h.update(len.to_be_bytes());
        h.update(m);
    }
    h.finalize().into()
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Result<[u8; 32], CryptoError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|_| CryptoError::Primitive("HMAC key"))?;
    for part in parts {
        mac.update(part);
    }
    Ok(mac.finalize().into_bytes().into())
}

/// The keys both sides derive from OPAQUE's session key once the exchange
/// is authenticated: `k_renew` seals the ID a client renews (in Auth-REP),
/// `k_grant` the ID the provider grants (in Auth-GRANT).
pub struct GrantKeys {
    session: Zeroizing<Vec<u8>>,
    grant: Zeroizing<[u8; KEY_LEN]>,
    renew: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for GrantKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GrantKeys(redacted)")
    }
}

impl GrantKeys {
    /// `HKDF-Expand(HKDF-Extract(salt = "", IKM = session_key), label)`, 32
    /// bytes for each label.
    pub fn derive(session_key: &[u8]) -> Result<GrantKeys, CryptoError> {
        let hk = Hkdf::<Sha256>::new(None, session_key);
        let mut grant = Zeroizing::new([0u8; KEY_LEN]);
        let mut renew = Zeroizing::new([0u8; KEY_LEN]);
        hk.expand(LABEL_GRANT, grant.as_mut())
            .and_then(|()| hk.expand(LABEL_RENEW, renew.as_mut()))
            .map_err(|_| CryptoError::Primitive("HKDF expand"))?;
        Ok(GrantKeys { session: Zeroizing::new(session_key.to_vec()), grant, renew })
    }

    /// OPAQUE's session key they come from (for test vectors).
    pub fn session_key(&self) -> &[u8] {
        &self.session
    }

    /// The grant key (for test vectors).
    pub fn grant_key(&self) -> &[u8; KEY_LEN] {
        &self.grant
    }

    /// The renew key (for test vectors).
    pub fn renew_key(&self) -> &[u8; KEY_LEN] {
        &self.renew
    }

    /// Seals the ID a provider grants.
    pub fn seal_grant(&self, aad: &Hash, id: u16, vnic: u16) -> Result<Sealed, CryptoError> {
        seal(&self.grant, aad, id, vnic)
    }

    /// Opens what [`seal_grant`](Self::seal_grant) made.
    pub fn open_grant(&self, aad: &Hash, sealed: &Sealed) -> Option<(u16, u16)> {
        open(&self.grant, aad, sealed)
    }

    /// Seals the ID a client renews (0: none).
    pub fn seal_renew(&self, aad: &Hash, id: u16) -> Result<Sealed, CryptoError> {
        seal(&self.renew, aad, id, 0)
    }

    /// Opens what [`seal_renew`](Self::seal_renew) made.
    pub fn open_renew(&self, aad: &Hash, sealed: &Sealed) -> Option<u16> {
        open(&self.renew, aad, sealed).map(|(id, _)| id)
    }
}

/// `id ‖ vnic` (big-endian) sealed with ChaCha20-Poly1305, and its tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sealed {
    /// The ciphertext of `id ‖ vnic`.
    pub data: [u8; 4],
    /// The AEAD tag.
    pub tag: [u8; TAG_LEN],
}

/// Nonce 0: each key is new per exchange and seals one plaintext (a
/// retransmission resends the same bytes, it does not seal again).
fn seal(key: &[u8; KEY_LEN], aad: &Hash, id: u16, vnic: u16) -> Result<Sealed, CryptoError> {
    let mut data = [0u8; 4];
    data[..2].copy_from_slice(&id.to_be_bytes());
    data[2..].copy_from_slice(&vnic.to_be_bytes());
    let tag = ChaCha20Poly1305::new(&Key::from(*key))
        .encrypt_in_place_detached(&AeadNonce::default(), aad, &mut data)
        .map_err(|_| CryptoError::Primitive("AEAD seal"))?;
    Ok(Sealed { data, tag: tag.into() })
}

fn open(key: &[u8; KEY_LEN], aad: &Hash, sealed: &Sealed) -> Option<(u16, u16)> {
    let mut buf = sealed.data;
    ChaCha20Poly1305::new(&Key::from(*key))
        .decrypt_in_place_detached(&AeadNonce::default(), aad, &mut buf, &Tag::from(sealed.tag))
        .ok()?;
    let [a, b, c, d] = buf;
    Some((u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d])))
}

/// The provider's stateless cookie for a source: `HMAC-SHA256(key, epoch ‖
/// address ‖ port ‖ txid)` truncated to 16 bytes, the address as 16 bytes
/// (IPv4 mapped), every integer big-endian (epoch 8 bytes, port 2, txid 4).
pub fn cookie(key: &[u8; 32], epoch: u64, source: SocketAddr, txid: u32) -> Cookie {
    let ip = match source.ip().to_canonical() {
        std::net::IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        std::net::IpAddr::V6(v6) => v6.octets(),
    };
    let mac = hmac(
        key,
        &[&epoch.to_be_bytes(), &ip, &source.port().to_be_bytes(), &txid.to_be_bytes()],
    )
    .unwrap_or_default();
    let mut out = [0u8; COOKIE_LEN];
    out.copy_from_slice(&mac[..COOKIE_LEN]);
    out
}

/// Compares two byte strings of the same length in constant time.
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_tamper() {
        let keys = GrantKeys::derive(&[1; 64]).expect("keys");
        let t = transcript(&[b"req"]);
        let sealed = keys.seal_grant(&t, 0x1234, 2).expect("seals");
        assert_eq!(keys.open_grant(&t, &sealed), Some((0x1234, 2)));
        assert_eq!(keys.open_grant(&transcript(&[b"other"]), &sealed), None);
        assert_eq!(keys.open_renew(&t, &sealed), None, "the renew key is another key");
        let mut flipped = sealed;
        flipped.data[0] ^= 1;
        assert_eq!(keys.open_grant(&t, &flipped), None);
        let other = GrantKeys::derive(&[2; 64]).expect("keys");
        assert_eq!(other.open_grant(&t, &sealed), None);
    }

    #[test]
    fn cookies_bind_source_txid_and_epoch() {
        let a: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:10.0.0.1]:5000".parse().unwrap();
        let c = cookie(&[3; 32], 7, a, 42);
        assert_eq!(c, cookie(&[3; 32], 7, mapped, 42), "IPv4 and its mapped form agree");
        assert_ne!(c, cookie(&[3; 32], 8, a, 42));
        assert_ne!(c, cookie(&[3; 32], 7, "10.0.0.1:5001".parse().unwrap(), 42));
        assert_ne!(c, cookie(&[3; 32], 7, a, 43));
        assert_ne!(c, cookie(&[4; 32], 7, a, 42));
    }

    #[test]
    fn transcript_separates_messages() {
        assert_ne!(transcript(&[b"ab", b"c"]), transcript(&[b"a", b"bc"]));
    }
}
