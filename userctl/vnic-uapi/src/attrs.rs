//! Encoding of the `IFLA_INFO_DATA` payload of link kind `vnic`: a sequence
//! of netlink attributes (`struct nlattr`: u16 length, u16 type, payload,
//! padded to 4 bytes), in host byte order.

use crate::{IFLA_VNIC_ID, IFLA_VNIC_MAX};

/// One vnic link attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAttr {
    /// The vNIC's service ID (never 0).
    Id(u16),
}

/// What can be wrong with an attribute payload from the kernel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UapiError {
    /// The bytes end inside an attribute.
    #[error("vnic attributes are truncated at byte {0}")]
    Truncated(usize),
    /// An attribute has the wrong payload size for its type.
    #[error("vnic attribute {kind} has {len} payload bytes, expected {want}")]
    BadLength { kind: u16, len: usize, want: usize },
}

const NLA_HDRLEN: usize = 4;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn put(out: &mut Vec<u8>, kind: u16, payload: &[u8]) {
    let len = (NLA_HDRLEN + payload.len()) as u16;
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(payload);
    out.resize(align4(out.len()), 0);
}

/// Encodes attributes for `IFLA_INFO_DATA`.
pub fn encode_info_data(attrs: &[LinkAttr]) -> Vec<u8> {
    let mut out = Vec::new();
    for attr in attrs {
        match attr {
            LinkAttr::Id(id) => put(&mut out, IFLA_VNIC_ID, &id.to_ne_bytes()),
        }
    }
    out
}

/// Decodes an `IFLA_INFO_DATA` payload; unknown attribute types (from a newer
/// module) are skipped.
pub fn decode_info_data(mut bytes: &[u8]) -> Result<Vec<LinkAttr>, UapiError> {
    let total = bytes.len();
    let mut attrs = Vec::new();
    while !bytes.is_empty() {
        let at = total - bytes.len();
        if bytes.len() < NLA_HDRLEN {
            return Err(UapiError::Truncated(at));
        }
        let len = u16::from_ne_bytes([bytes[0], bytes[1]]) as usize;
        let kind = u16::from_ne_bytes([bytes[2], bytes[3]]) & 0x3fff;
        if len < NLA_HDRLEN || len > bytes.len() {
            return Err(UapiError::Truncated(at));
        }
        let payload = &bytes[NLA_HDRLEN..len];
        if kind == IFLA_VNIC_ID {
            let b: [u8; 2] = payload
                .try_into()
                .map_err(|_| UapiError::BadLength { kind, len: payload.len(), want: 2 })?;
            attrs.push(LinkAttr::Id(u16::from_ne_bytes(b)));
        } else {
            debug_assert!(kind > IFLA_VNIC_MAX || kind == 0);
        }
        bytes = &bytes[align4(len).min(bytes.len())..];
    }
    Ok(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_encodes_as_a_padded_u16_attribute() {
        let bytes = encode_info_data(&[LinkAttr::Id(0x1234)]);
        let mut want = Vec::new();
        want.extend_from_slice(&6u16.to_ne_bytes());
        want.extend_from_slice(&IFLA_VNIC_ID.to_ne_bytes());
        want.extend_from_slice(&0x1234u16.to_ne_bytes());
        want.extend_from_slice(&[0, 0]);
        assert_eq!(bytes, want);
    }

    #[test]
    fn decode_roundtrips_and_skips_unknown_attributes() {
        let mut bytes = encode_info_data(&[LinkAttr::Id(7)]);
        put(&mut bytes, 99, &[1, 2, 3, 4, 5]);
        bytes.extend(encode_info_data(&[LinkAttr::Id(65535)]));
        assert_eq!(decode_info_data(&bytes), Ok(vec![LinkAttr::Id(7), LinkAttr::Id(65535)]));
    }

    #[test]
    fn truncated_and_malformed_input_is_an_error_not_a_panic() {
        let bytes = encode_info_data(&[LinkAttr::Id(7)]);
        for cut in 1..bytes.len() - 2 {
            assert!(decode_info_data(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut wrong = Vec::new();
        put(&mut wrong, IFLA_VNIC_ID, &[1, 2, 3, 4]);
        assert_eq!(
            decode_info_data(&wrong),
            Err(UapiError::BadLength { kind: IFLA_VNIC_ID, len: 4, want: 2 })
        );
        assert_eq!(decode_info_data(&[2, 0, 1, 0]), Err(UapiError::Truncated(0)));
    }
}
