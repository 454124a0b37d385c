//! OPAQUE (RFC 9807) as vnic uses it, through the `opaque-ke` crate: the
//! cipher suite (ristretto255, SHA-512, argon2id), the provider's keys, a
//! user's stored registration record and the registration itself. The
//! login messages are handled by [`crate::client`] and [`crate::server`].
//!
//! Storage forms are PHC-style strings (`$id$v=2$params$data`, data in
//! unpadded standard base64):
//! - a record: `$vnic-opaque$v=2$m=19456,t=2,p=1$<192 bytes>`;
//! - the provider's keys: `$vnic-provider-keys$v=2$<128 bytes>`.

use std::fmt;
use std::str::FromStr;

use base64ct::{Base64Unpadded, Encoding};
use hkdf::Hkdf;
use opaque_ke::argon2::{Algorithm, Argon2, Params, Version};
use opaque_ke::rand::{CryptoRng, Error as RandError, RngCore};
use opaque_ke::{
    CipherSuite, ClientRegistration, ClientRegistrationFinishParameters, Identifiers,
    Ristretto255, ServerRegistration, ServerSetup, TripleDh,
};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::crypto::Argon2Cost;
use crate::error::CryptoError;
use crate::random::Random;

/// vnic's OPAQUE cipher suite: OPRF and 3DH over ristretto255 with
/// SHA-512, argon2id as the key-stretching function (its cost is set per
/// record and announced in Auth-REP & REQ).
pub struct Suite;

impl CipherSuite for Suite {
    type OprfCs = Ristretto255;
    type KeyExchange = TripleDh<Ristretto255, sha2::Sha512>;
    type Ksf = Argon2<'static>;
}

/// Length of KE1 (the client's credential request).
pub const KE1_LEN: usize = 96;
/// Length of KE2 (the provider's credential response).
pub const KE2_LEN: usize = 320;
/// Length of KE3 (the client's finalization).
pub const KE3_LEN: usize = 64;
/// Length of a serialized record (`ServerRegistration`).
pub const RECORD_LEN: usize = 192;

const RECORD_ID: &str = "vnic-opaque";
const KEYS_ID: &str = "vnic-provider-keys";
const LABEL_COOKIE: &[u8] = b"vnic-auth v2 cookie key";

/// Our [`Random`] as the `rand_core` generator `opaque-ke` takes.
pub(crate) struct Rng<'a>(pub &'a mut dyn Random);

impl RngCore for Rng<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill(dest);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RandError> {
        self.0.fill(dest);
        Ok(())
    }
}

// Every `Random` used for real is the operating system's generator; test
// generators are scripted on purpose.
impl CryptoRng for Rng<'_> {}

/// The argon2id instance for `cost` (output length follows the input).
pub(crate) fn ksf(cost: &Argon2Cost) -> Result<Argon2<'static>, CryptoError> {
    let params = Params::new(cost.m_kib, u32::from(cost.t), u32::from(cost.p), None)
        .map_err(|e| CryptoError::Argon2(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The identifiers every exchange binds: the user name for the client, the
/// provider's public key (the default) for the server.
pub(crate) fn identifiers(user: &str) -> Identifiers<'_> {
    Identifiers { client: Some(user.as_bytes()), server: None }
}

/// The provider's long-term secret: the OPRF seed and its key pair (the
/// `ServerSetup` of RFC 9807). Every record depends on it, so keep it across
/// restarts; a new one makes every record useless.
#[derive(Clone)]
pub struct ProviderKeys(pub(crate) ServerSetup<Suite>);

impl ProviderKeys {
    /// New keys from `rng`.
    pub fn generate(rng: &mut dyn Random) -> ProviderKeys {
        ProviderKeys(ServerSetup::new(&mut Rng(rng)))
    }

    /// A 32-byte key for the stateless cookies, derived from the keys.
    pub(crate) fn cookie_key(&self) -> Zeroizing<[u8; 32]> {
        let bytes = Zeroizing::new(self.0.serialize());
        let mut out = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF's limit: expand cannot fail.
        let _ = Hkdf::<Sha256>::new(None, &bytes).expand(LABEL_COOKIE, out.as_mut());
        out
    }
}

impl fmt::Debug for ProviderKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProviderKeys(redacted)")
    }
}

impl fmt::Display for ProviderKeys {
    /// The storage form (a secret: write it to a file only its owner reads).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = Zeroizing::new(self.0.serialize());
        let text = Zeroizing::new(Base64Unpadded::encode_string(&bytes));
        write!(f, "${KEYS_ID}$v=2${}", text.as_str())
    }
}

impl FromStr for ProviderKeys {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<ProviderKeys, CryptoError> {
        let bad = |why: &str| CryptoError::Stored(why.to_owned());
        let data = s
            .trim()
            .strip_prefix(&format!("${KEYS_ID}$v=2$"))
            .ok_or_else(|| bad("not $vnic-provider-keys$v=2$..."))?;
        let bytes = Zeroizing::new(Base64Unpadded::decode_vec(data).map_err(|_| bad("not base64"))?);
        ServerSetup::deserialize(&bytes)
            .map(ProviderKeys)
            .map_err(|_| bad("not a provider key set"))
    }
}

/// A user's registration record: what the provider stores instead of the
/// passcode (the client's public key, a masking key and the sealed
/// envelope), with the argon2id cost the passcode was stretched with.
/// Neither it nor the provider's keys let anyone pass as the user.
#[derive(Clone)]
pub struct Record {
    /// The argon2id cost of the registration; logins must use the same.
    pub cost: Argon2Cost,
    pub(crate) file: ServerRegistration<Suite>,
}

impl Record {
    /// Registers `user` with `passcode` at `cost` against `keys`: both
    /// sides of RFC 9807's registration in this process (the provider's
    /// administrator runs it where the keys are).
    pub fn register(
        keys: &ProviderKeys,
        user: &str,
        passcode: &[u8],
        cost: Argon2Cost,
        rng: &mut dyn Random,
    ) -> Result<Record, CryptoError> {
        let failed = |what: &'static str| CryptoError::Primitive(what);
        let stretch = ksf(&cost)?;
        let mut rng = Rng(rng);
        let start = ClientRegistration::<Suite>::start(&mut rng, passcode).map_err(|_| failed("OPAQUE registration start"))?;
        let response = ServerRegistration::<Suite>::start(&keys.0, start.message, user.as_bytes())
            .map_err(|_| failed("OPAQUE registration response"))?;
        let params = ClientRegistrationFinishParameters::new(identifiers(user), Some(&stretch));
        let finish = start
            .state
            .finish(&mut rng, passcode, response.message, params)
            .map_err(|_| failed("OPAQUE registration finish"))?;
        Ok(Record { cost, file: ServerRegistration::finish(finish.message) })
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record").field("cost", &self.cost).finish_non_exhaustive()
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Record) -> bool {
        self.cost == other.cost && self.file.serialize() == other.file.serialize()
    }
}

impl Eq for Record {}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = Base64Unpadded::encode_string(&self.file.serialize());
        write!(f, "${RECORD_ID}$v=2${}${data}", self.cost)
    }
}

impl FromStr for Record {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Record, CryptoError> {
        let bad = |why: &str| CryptoError::Stored(why.to_owned());
        if s.starts_with("argon2id$") {
            return Err(bad(
                "a version 1 verifier; protocol version 2 needs a new record from 'vnicctl passcode-hash'",
            ));
        }
        let rest = s
            .strip_prefix(&format!("${RECORD_ID}$v=2$"))
            .ok_or_else(|| bad("not $vnic-opaque$v=2$..."))?;
        let (params, data) = rest.split_once('$').ok_or_else(|| bad("no record after the cost"))?;
        let cost = parse_cost(params).ok_or_else(|| bad("the cost is not m=..,t=..,p=.."))?;
        ksf(&cost)?;
        let bytes = Base64Unpadded::decode_vec(data).map_err(|_| bad("the record is not base64"))?;
        if bytes.len() != RECORD_LEN {
            return Err(bad("the record is not 192 bytes"));
        }
        let file = ServerRegistration::deserialize(&bytes).map_err(|_| bad("not an OPAQUE record"))?;
        Ok(Record { cost, file })
    }
}

/// `m=..,t=..,p=..` in this order.
fn parse_cost(s: &str) -> Option<Argon2Cost> {
    let mut it = s.split(',');
    let m = it.next()?.strip_prefix("m=")?.parse().ok()?;
    let t = it.next()?.strip_prefix("t=")?.parse().ok()?;
    let p = it.next()?.strip_prefix("p=")?.parse().ok()?;
    it.next().is_none().then_some(Argon2Cost { m_kib: m, t, p })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::OsRandom;

    #[test]
    fn storage_forms_round_trip() {
        let keys = ProviderKeys::generate(&mut OsRandom);
        let again: ProviderKeys = keys.to_string().parse().unwrap();
        assert_eq!(again.0.serialize(), keys.0.serialize());
        let r = Record::register(&keys, "alice", b"pw", Argon2Cost::TEST, &mut OsRandom).unwrap();
        let text = r.to_string();
        assert!(text.starts_with("$vnic-opaque$v=2$m=64,t=1,p=1$"), "{text}");
        assert_eq!(text.parse::<Record>().unwrap(), r);
    }

    #[test]
    fn bad_storage_forms_are_refused() {
        let v1 = "argon2id$m=64,t=1,p=1$00$00";
        let e = v1.parse::<Record>().unwrap_err().to_string();
        assert!(e.contains("version 1"), "{e}");
        for bad in ["", "$vnic-opaque$v=2$m=64,t=1$AAAA", "$vnic-opaque$v=2$m=64,t=1,p=1$AAAA", "$vnic-opaque$v=3$m=64,t=1,p=1$"] {
            assert!(bad.parse::<Record>().is_err(), "{bad}");
        }
        assert!("$vnic-provider-keys$v=2$AAAA".parse::<ProviderKeys>().is_err());
    }
}
