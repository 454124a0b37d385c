//! The key an SP signs its reports with, shared with every header SP; it
//! is nobody's passcode material and has a storage form of its own.

use std::fmt;

use base64ct::{Base64Unpadded, Encoding};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::KeyError;

/// Length of the key and of the tag.
pub const KEY_LEN: usize = 32;
const PREFIX: &str = "$vnic-status-key$v=2$";
const LABEL: &[u8] = b"vnic-status v2 report";

/// A status key: 32 random bytes, zeroized when dropped.
#[derive(Clone)]
pub struct StatusKey(Zeroizing<[u8; KEY_LEN]>);

impl fmt::Debug for StatusKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StatusKey(..)")
    }
}

impl StatusKey {
    /// A key from its bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> StatusKey {
        StatusKey(Zeroizing::new(bytes))
    }

    /// A new key from the operating system's random source.
    pub fn generate() -> Result<StatusKey, getrandom::Error> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(&mut k[..])?;
        Ok(StatusKey(k))
    }

    /// The key from its storage form (`$vnic-status-key$v=2$<base64>`,
    /// surrounding white space ignored).
    pub fn parse(text: &str) -> Result<StatusKey, KeyError> {
        let b64 = text.trim().strip_prefix(PREFIX).ok_or(KeyError::Format)?;
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        match Base64Unpadded::decode(b64, &mut k[..]) {
            Ok(d) if d.len() == KEY_LEN => Ok(StatusKey(k)),
            _ => Err(KeyError::Format),
        }
    }

    /// The storage form, one line without its newline.
    pub fn to_storage(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{PREFIX}{}", Base64Unpadded::encode_string(&self.0[..])))
    }

    /// The tag of `signed`: HMAC-SHA256(key, "vnic-status v2 report" ‖ signed).
    pub fn tag(&self, signed: &[u8]) -> [u8; KEY_LEN] {
        self.tag_labelled(LABEL, signed)
    }

    /// Whether `tag` is the tag of `signed` (in constant time).
    pub fn verifies(&self, signed: &[u8], tag: &[u8]) -> bool {
        self.verifies_labelled(LABEL, signed, tag)
    }

    /// HMAC-SHA256(key, `label` ‖ `signed`): each message kind has its label.
    pub(crate) fn tag_labelled(&self, label: &[u8], signed: &[u8]) -> [u8; KEY_LEN] {
        // HMAC takes keys of any length: new_from_slice cannot fail.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.0[..]) {
            Ok(m) => m,
            Err(_) => return [0; KEY_LEN],
        };
        mac.update(label);
        mac.update(signed);
        mac.finalize().into_bytes().into()
    }

    /// Whether `tag` is the `label` tag of `signed` (in constant time).
    pub(crate) fn verifies_labelled(&self, label: &[u8], signed: &[u8], tag: &[u8]) -> bool {
        tag.len() == KEY_LEN && bool::from(self.tag_labelled(label, signed).ct_eq(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_storage_form_goes_both_ways_and_refuses_others() {
        let k = StatusKey::from_bytes([7; KEY_LEN]);
        let s = k.to_storage();
        assert!(s.starts_with("$vnic-status-key$v=2$"));
        let back = StatusKey::parse(&format!("  {}\n", s.as_str())).unwrap();
        assert_eq!(back.tag(b"x"), k.tag(b"x"));
        for bad in ["", "$vnic-status-key$v=1$BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc", "$vnic-status-key$v=2$Bwc", "$vnic-provider-keys$v=2$AAAA"] {
            assert_eq!(StatusKey::parse(bad).unwrap_err(), KeyError::Format, "{bad}");
        }
    }

    #[test]
    fn the_tag_is_hmac_sha256_over_the_label_and_the_bytes() {
        // The words of RFC 4231 test case 2 ("Jefe", zero-padded to 32 bytes),
        // with the label prepended: the value from Python's hmac module.
        let mut key = [0u8; KEY_LEN];
        key[..4].copy_from_slice(b"Jefe");
        let k = StatusKey::from_bytes(key);
        let t = k.tag(b"what do ya want for nothing?");
        assert_eq!(hex::encode(t), "65e71285d0452ba3204cbbeacbca0e7512950b76cc49778226f9644cfa10a346");
        assert!(k.verifies(b"what do ya want for nothing?", &t));
        let mut bad = t;
        bad[31] ^= 1;
        assert!(!k.verifies(b"what do ya want for nothing?", &bad));
        assert!(!k.verifies(b"what do ya want for nothing?", &t[..16]));
    }
}
