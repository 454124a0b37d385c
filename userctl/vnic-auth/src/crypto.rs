//! The cryptography: the stored verifier (argon2id of the passcode), the
//! per-exchange keys (HKDF-SHA256 over both nonces), the sealed ID
//! (ChaCha20-Poly1305) and the proofs (HMAC-SHA256 over the transcript).
//! Definitions in `Documentation/auth-protocol.md`, section "Cryptography".

use std::fmt;
use std::str::FromStr;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce as AeadNonce, Tag};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::random::{self, Random};

/// Length of a nonce.
pub const NONCE_LEN: usize = 32;
/// Length of a salt.
pub const SALT_LEN: usize = 16;
/// Length of a proof (HMAC-SHA256).
pub const PROOF_LEN: usize = 32;
/// Length of the AEAD tag.
pub const TAG_LEN: usize = 16;
/// Length of every key.
pub const KEY_LEN: usize = 32;

/// A nonce: 32 random bytes from one side.
pub type Nonce = [u8; NONCE_LEN];
/// A SHA-256 transcript hash.
pub type Hash = [u8; 32];

const LABEL_ID: &[u8] = b"vnic-auth v1 id key";
const LABEL_SERVER: &[u8] = b"vnic-auth v1 server proof key";
const LABEL_CLIENT: &[u8] = b"vnic-auth v1 client proof key";
const LABEL_FAKE_SALT: &[u8] = b"vnic-auth v1 fake salt";
const LABEL_FAKE_KEY: &[u8] = b"vnic-auth v1 fake key";

/// The cost of argon2id.
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

/// What a client needs to derive the verifier from a passcode: the cost and
/// the user's salt. Carried in Auth-REP & REQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KdfParams {
    /// argon2id cost.
    pub cost: Argon2Cost,
    /// The user's salt.
    pub salt: [u8; SALT_LEN],
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Result<[u8; 32], CryptoError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|_| CryptoError::Primitive("HMAC key"))?;
    for part in parts {
        mac.update(part);
    }
    Ok(mac.finalize().into_bytes().into())
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

/// The verifier a provider stores per user: `K = argon2id(passcode, salt)`
/// and the parameters that made it. Leaking it lets the holder pass as that
/// user to this provider, but does not reveal the passcode (only guessing,
/// at argon2's cost per guess, does).
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    params: KdfParams,
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl Verifier {
    /// Derives the verifier of `passcode` with `params` (what the client
    /// does with the parameters of an Auth-REP & REQ).
    pub fn derive(passcode: &[u8], params: KdfParams) -> Result<Verifier, CryptoError> {
        let cost = params.cost;
        let argon_params = argon2::Params::new(
            cost.m_kib,
            u32::from(cost.t),
            u32::from(cost.p),
            Some(KEY_LEN),
        )
        .map_err(|e| CryptoError::Argon2(e.to_string()))?;
        let argon = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon_params,
        );
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        argon
            .hash_password_into(passcode, &params.salt, key.as_mut())
            .map_err(|e| CryptoError::Argon2(e.to_string()))?;
        Ok(Verifier { params, key })
    }

    /// A new verifier for `passcode` with a fresh random salt (what a
    /// provider stores when a user is added or changes the passcode).
    pub fn create(
        passcode: &[u8],
        cost: Argon2Cost,
        rng: &mut dyn Random,
    ) -> Result<Verifier, CryptoError> {
        Verifier::derive(
            passcode,
            KdfParams {
                cost,
                salt: random::array(rng),
            },
        )
    }

    /// A verifier from stored parts.
    pub fn from_parts(params: KdfParams, key: [u8; KEY_LEN]) -> Verifier {
        Verifier {
            params,
            key: Zeroizing::new(key),
        }
    }

    /// The stand-in for a user who does not exist (or may not use the
    /// service): its salt and key come from the provider's `secret` and the
    /// user name, so that they are stable like a real user's and nobody
    /// without the secret can tell the difference or pass the check.
    pub fn fake(secret: &[u8; 32], user: &str, cost: Argon2Cost) -> Result<Verifier, CryptoError> {
        let salt_full = hmac(secret, &[LABEL_FAKE_SALT, user.as_bytes()])?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(
            salt_full
                .get(..SALT_LEN)
                .ok_or(CryptoError::Primitive("fake salt"))?,
        );
        let key = hmac(secret, &[LABEL_FAKE_KEY, user.as_bytes()])?;
        Ok(Verifier::from_parts(KdfParams { cost, salt }, key))
    }

    /// Whether `passcode` gives this verifier (compared in constant time).
    pub fn matches(&self, passcode: &[u8]) -> bool {
        Verifier::derive(passcode, self.params)
            .is_ok_and(|v| bool::from(v.key.ct_eq(self.key.as_ref())))
    }

    /// The salt and cost.
    pub fn params(&self) -> &KdfParams {
        &self.params
    }

    /// The key `K`.
    pub fn key(&self) -> &[u8; KEY_LEN] {
        &self.key
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Verifier({}, salt {}, key redacted)",
            self.params.cost,
            hex::encode(&self.params.salt)
        )
    }
}

/// The storage form: `argon2id$m=19456,t=2,p=1$<salt hex>$<key hex>`.
impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.params;
        write!(
            f,
            "argon2id${}${}${}",
            p.cost,
            hex::encode(&p.salt),
            hex::encode(self.key.as_ref())
        )
    }
}

impl FromStr for Verifier {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Verifier, CryptoError> {
        let bad = CryptoError::VerifierFormat;
        let mut parts = s.split('$');
        if parts.next() != Some("argon2id") {
            return Err(bad("it does not start with argon2id$"));
        }
        let cost = parts.next().ok_or(bad("no cost"))?;
        let mut numbers = cost.split(',').map(|kv| kv.split_once('='));
        let mut number = |name: &str| -> Result<u32, CryptoError> {
            match numbers.next().flatten() {
                Some((k, v)) if k == name => v.parse().map_err(|_| bad("a cost is not a number")),
                _ => Err(bad("the cost is not m=..,t=..,p=..")),
            }
        };
        let m_kib = number("m")?;
        let t = u16::try_from(number("t")?).map_err(|_| bad("t is too large"))?;
        let p = u8::try_from(number("p")?).map_err(|_| bad("p is too large"))?;
        let salt = parts
            .next()
            .and_then(|h| hex::FromHex::from_hex(h).ok())
            .ok_or(bad("the salt is not 16 bytes of hex"))?;
        let key = parts
            .next()
            .and_then(|h| hex::FromHex::from_hex(h).ok())
            .ok_or(bad("the key is not 32 bytes of hex"))?;
        if parts.next().is_some() {
            return Err(bad("trailing fields"));
        }
        Ok(Verifier::from_parts(
            KdfParams {
                cost: Argon2Cost { m_kib, t, p },
                salt,
            },
            key,
        ))
    }
}

/// The keys of one exchange, from `K` and both nonces:
/// `PRK = HKDF-Extract(salt = Nc ‖ Ns, IKM = K)`, then one HKDF-Expand per
/// purpose.
#[derive(Clone)]
pub struct SessionKeys {
    id: Zeroizing<[u8; KEY_LEN]>,
    server: Zeroizing<[u8; KEY_LEN]>,
    client: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKeys(redacted)")
    }
}

impl SessionKeys {
    /// Derives the keys of an exchange.
    pub fn derive(
        k: &[u8; KEY_LEN],
        nonce_c: &Nonce,
        nonce_s: &Nonce,
    ) -> Result<SessionKeys, CryptoError> {
        let mut salt = [0u8; 2 * NONCE_LEN];
        let (c, s) = salt.split_at_mut(NONCE_LEN);
        c.copy_from_slice(nonce_c);
        s.copy_from_slice(nonce_s);
        let hk = Hkdf::<Sha256>::new(Some(&salt), k);
        let expand = |label: &[u8]| -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoError> {
            let mut out = Zeroizing::new([0u8; KEY_LEN]);
            hk.expand(label, out.as_mut())
                .map_err(|_| CryptoError::Primitive("HKDF expand"))?;
            Ok(out)
        };
        Ok(SessionKeys {
            id: expand(LABEL_ID)?,
            server: expand(LABEL_SERVER)?,
            client: expand(LABEL_CLIENT)?,
        })
    }

    /// The key that seals the ID.
    pub fn id_key(&self) -> &[u8; KEY_LEN] {
        &self.id
    }

    /// The key of the server's proof.
    pub fn server_key(&self) -> &[u8; KEY_LEN] {
        &self.server
    }

    /// The key of the client's proof.
    pub fn client_key(&self) -> &[u8; KEY_LEN] {
        &self.client
    }

    fn aead(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&Key::from(*self.id))
    }

    /// Seals `id ‖ vnic` (big-endian) with ChaCha20-Poly1305, nonce 0 (each
    /// key seals one plaintext only), AAD the Auth-REQ's transcript hash.
    pub fn seal(
        &self,
        t_req: &Hash,
        id: u16,
        vnic: u16,
    ) -> Result<([u8; 4], [u8; TAG_LEN]), CryptoError> {
        let mut buf = [0u8; 4];
        buf[..2].copy_from_slice(&id.to_be_bytes());
        buf[2..].copy_from_slice(&vnic.to_be_bytes());
        let tag = self
            .aead()
            .encrypt_in_place_detached(&AeadNonce::default(), t_req, &mut buf)
            .map_err(|_| CryptoError::Primitive("AEAD seal"))?;
        Ok((buf, tag.into()))
    }

    /// Opens what [`seal`](Self::seal) made: `(id, vnic)`, or `None` if
    /// the tag does not verify.
    pub fn open(&self, t_req: &Hash, sealed: &[u8; 4], tag: &[u8; TAG_LEN]) -> Option<(u16, u16)> {
        let mut buf = *sealed;
        self.aead()
            .decrypt_in_place_detached(&AeadNonce::default(), t_req, &mut buf, &Tag::from(*tag))
            .ok()?;
        let [a, b, c, d] = buf;
        Some((u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d])))
    }

    /// The server's proof: HMAC-SHA256 under the server proof key of the
    /// transcript hash `T_rr`.
    pub fn server_proof(&self, t_rr: &Hash) -> Result<[u8; PROOF_LEN], CryptoError> {
        hmac(self.server.as_ref(), &[t_rr])
    }

    /// The client's proof: HMAC-SHA256 under the client proof key of the
    /// transcript hash `T_rep`.
    pub fn client_proof(&self, t_rep: &Hash) -> Result<[u8; PROOF_LEN], CryptoError> {
        hmac(self.client.as_ref(), &[t_rep])
    }
}

/// Compares two proofs in constant time.
pub fn proofs_equal(a: &[u8; PROOF_LEN], b: &[u8; PROOF_LEN]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> KdfParams {
        KdfParams {
            cost: Argon2Cost::TEST,
            salt: [7; SALT_LEN],
        }
    }

    #[test]
    fn verifier_string_round_trip() {
        let v = Verifier::derive(b"secret", params()).expect("derives");
        let s = v.to_string();
        assert!(s.starts_with("argon2id$m=64,t=1,p=1$07070707"), "{s}");
        assert_eq!(s.parse::<Verifier>(), Ok(v.clone()));
        assert!(v.matches(b"secret"));
        assert!(!v.matches(b"Secret"));
        assert!(!format!("{v:?}").contains(&hex::encode(v.key())));
        for bad in [
            "",
            "argon2i$m=1,t=1,p=1$00$00",
            "argon2id$m=64,t=1$",
            "argon2id$m=64,t=1,p=999$",
            &format!("{s}$x"),
        ] {
            assert!(bad.parse::<Verifier>().is_err(), "{bad}");
        }
    }

    #[test]
    fn argon2_rejects_bad_cost() {
        let bad = KdfParams {
            cost: Argon2Cost {
                m_kib: 1,
                t: 1,
                p: 1,
            },
            salt: [0; SALT_LEN],
        };
        assert!(matches!(
            Verifier::derive(b"x", bad),
            Err(CryptoError::Argon2(_))
        ));
    }

    #[test]
    fn seal_open_and_tamper() {
        let keys =
            SessionKeys::derive(&[1; KEY_LEN], &[2; NONCE_LEN], &[3; NONCE_LEN]).expect("keys");
        let t = transcript(&[b"req"]);
        let (sealed, tag) = keys.seal(&t, 0x1234, 2).expect("seals");
        assert_eq!(keys.open(&t, &sealed, &tag), Some((0x1234, 2)));
        assert_eq!(keys.open(&transcript(&[b"other"]), &sealed, &tag), None);
        let mut flipped = sealed;
        flipped[0] ^= 1;
        assert_eq!(keys.open(&t, &flipped, &tag), None);
        let other =
            SessionKeys::derive(&[1; KEY_LEN], &[2; NONCE_LEN], &[4; NONCE_LEN]).expect("keys");
        assert_eq!(other.open(&t, &sealed, &tag), None);
    }

    #[test]
    fn fake_verifier_is_stable_per_user() {
        let a = Verifier::fake(&[9; 32], "mallory", Argon2Cost::DEFAULT).expect("fake");
        let b = Verifier::fake(&[9; 32], "mallory", Argon2Cost::DEFAULT).expect("fake");
        let c = Verifier::fake(&[9; 32], "eve", Argon2Cost::DEFAULT).expect("fake");
        assert_eq!(a, b);
        assert_ne!(a.params().salt, c.params().salt);
    }

    #[test]
    fn transcript_separates_messages() {
        assert_ne!(transcript(&[b"ab", b"c"]), transcript(&[b"a", b"bc"]));
    }
}
