//! Encoding of the `IFLA_INFO_DATA` payload of link kind `vnic`: a sequence
//! of netlink attributes (`struct nlattr`: u16 length, u16 type, payload,
//! padded to 4 bytes), in host byte order.

use crate::*;

/// One vnic link attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAttr {
    /// The vNIC's service ID (never 0).
    Id(u16),
    /// `VNIC_MODE_*`: what services see as the client's address.
    Mode(u32),
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
    /// A message lacks a required attribute.
    #[error("{0}")]
    Missing(&'static str),
}

const NLA_HDRLEN: usize = 4;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

pub(crate) fn put(out: &mut Vec<u8>, kind: u16, payload: &[u8]) {
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
            LinkAttr::Mode(m) => put(&mut out, IFLA_VNIC_MODE, &m.to_ne_bytes()),
        }
    }
    out
}

/// Walks the attributes of a payload, calling `f(kind, payload)` for each.
pub(crate) fn walk(mut bytes: &[u8], mut f: impl FnMut(u16, &[u8]) -> Result<(), UapiError>) -> Result<(), UapiError> {
    let total = bytes.len();
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
        f(kind, &bytes[NLA_HDRLEN..len])?;
        bytes = &bytes[align4(len).min(bytes.len())..];
    }
    Ok(())
}

fn fixed<const N: usize>(kind: u16, payload: &[u8]) -> Result<[u8; N], UapiError> {
    payload.try_into().map_err(|_| UapiError::BadLength { kind, len: payload.len(), want: N })
}

/// Decodes the `IFLA_INFO_DATA` payload of a vNIC; unknown attribute types
/// (from a newer module) are skipped.
pub fn decode_info_data(bytes: &[u8]) -> Result<Vec<LinkAttr>, UapiError> {
    let mut attrs = Vec::new();
    walk(bytes, |kind, payload| {
        if kind == IFLA_VNIC_ID {
            attrs.push(LinkAttr::Id(u16::from_ne_bytes(fixed(kind, payload)?)));
        } else if kind == IFLA_VNIC_MODE {
            attrs.push(LinkAttr::Mode(u32::from_ne_bytes(fixed(kind, payload)?)));
        } else {
            debug_assert!(kind > IFLA_VNIC_MAX || kind == 0);
        }
        Ok(())
    })?;
    Ok(attrs)
}

/// Per-reason counters a relay reports.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RelayCounters {
    /// Sessions in the relay's table.
    pub sessions: u32,
    /// TCP segments seen carrying an ID.
    pub tagged: u64,
    /// Tagged segments with a session.
    pub granted: u64,
    /// Dropped: the ID is not registered.
    pub drop_unknown_id: u64,
    /// Dropped: the ID is registered for another client.
    pub drop_not_granted: u64,
    /// Dropped: a session's ID on a segment with URG set.
    pub drop_urg_set: u64,
    /// Dropped: an ID on broken headers.
    pub drop_malformed: u64,
    /// Granted segments delivered on their vNIC.
    pub delivered: u64,
    /// vNIC replies rewritten on the way out (pNIC address, ID embedded).
    pub replies: u64,
    /// Dropped: the session's vNIC is gone, down, unaddressed, or unroutable.
    pub drop_undeliverable: u64,
    /// Dropped: a packet or ARP request from the pNIC aimed at a pseudo address.
    pub drop_to_pseudo: u64,
    /// Dropped: a vNIC's segment leaving by the pNIC to a client without a session.
    pub drop_no_session: u64,
}

/// Decodes the `IFLA_INFO_DATA` payload of a relay.
pub fn decode_relay_info_data(bytes: &[u8]) -> Result<RelayCounters, UapiError> {
    let mut c = RelayCounters::default();
    walk(bytes, |kind, payload| {
        if kind == IFLA_VNIC_RELAY_SESSIONS {
            c.sessions = u32::from_ne_bytes(fixed(kind, payload)?);
            return Ok(());
        }
        let slot = match kind {
            IFLA_VNIC_RELAY_TAGGED => &mut c.tagged,
            IFLA_VNIC_RELAY_GRANTED => &mut c.granted,
            IFLA_VNIC_RELAY_DROP_UNKNOWN_ID => &mut c.drop_unknown_id,
            IFLA_VNIC_RELAY_DROP_NOT_GRANTED => &mut c.drop_not_granted,
            IFLA_VNIC_RELAY_DROP_URG_SET => &mut c.drop_urg_set,
            IFLA_VNIC_RELAY_DROP_MALFORMED => &mut c.drop_malformed,
            IFLA_VNIC_RELAY_DELIVERED => &mut c.delivered,
            IFLA_VNIC_RELAY_REPLIES => &mut c.replies,
            IFLA_VNIC_RELAY_DROP_UNDELIVERABLE => &mut c.drop_undeliverable,
            IFLA_VNIC_RELAY_DROP_TO_PSEUDO => &mut c.drop_to_pseudo,
            IFLA_VNIC_RELAY_DROP_NO_SESSION => &mut c.drop_no_session,
            _ => return Ok(()),
        };
        *slot = u64::from_ne_bytes(fixed(kind, payload)?);
        Ok(())
    })?;
    Ok(c)
}

/// Where a supervisor works.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SsMode {
    /// On the client host.
    #[default]
    Host,
    /// As a bridge box between a client LAN and its gateway.
    Bridge,
}

impl SsMode {
    /// The `VNIC_SS_MODE_*` value.
    pub fn to_u32(self) -> u32 {
        match self {
            SsMode::Host => VNIC_SS_MODE_HOST,
            SsMode::Bridge => VNIC_SS_MODE_BRIDGE,
        }
    }
}

/// What a supervisor reports.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SsInfo {
    /// Host or bridge.
    pub mode: SsMode,
    /// Embedding rules.
    pub rules: u32,
    /// Outgoing segments given an ID.
    pub embedded: u64,
    /// Incoming segments whose ID was checked and cleared.
    pub cleared: u64,
    /// Dropped: from a rule's server without an ID.
    pub drop_no_id: u64,
    /// Dropped: from a rule's server with another ID.
    pub drop_wrong_id: u64,
    /// Segments of a rule's flow with URG set, left untouched.
    pub urgent: u64,
}

/// Encodes the `IFLA_INFO_DATA` of a new supervisor.
pub fn encode_ss_info_data(mode: SsMode) -> Vec<u8> {
    let mut out = Vec::new();
    put(&mut out, IFLA_VNIC_SS_MODE, &mode.to_u32().to_ne_bytes());
    out
}

/// Decodes the `IFLA_INFO_DATA` payload of a supervisor.
pub fn decode_ss_info_data(bytes: &[u8]) -> Result<SsInfo, UapiError> {
    let mut c = SsInfo::default();
    walk(bytes, |kind, payload| {
        match kind {
            IFLA_VNIC_SS_MODE => {
                c.mode = match u32::from_ne_bytes(fixed(kind, payload)?) {
                    VNIC_SS_MODE_BRIDGE => SsMode::Bridge,
                    _ => SsMode::Host,
                };
                return Ok(());
            }
            IFLA_VNIC_SS_RULES => {
                c.rules = u32::from_ne_bytes(fixed(kind, payload)?);
                return Ok(());
            }
            _ => {}
        }
        let slot = match kind {
            IFLA_VNIC_SS_EMBEDDED => &mut c.embedded,
            IFLA_VNIC_SS_CLEARED => &mut c.cleared,
            IFLA_VNIC_SS_DROP_NO_ID => &mut c.drop_no_id,
            IFLA_VNIC_SS_DROP_WRONG_ID => &mut c.drop_wrong_id,
            IFLA_VNIC_SS_URGENT => &mut c.urgent,
            _ => return Ok(()),
        };
        *slot = u64::from_ne_bytes(fixed(kind, payload)?);
        Ok(())
    })?;
    Ok(c)
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
        bytes.extend(encode_info_data(&[LinkAttr::Id(65535), LinkAttr::Mode(VNIC_MODE_CIP)]));
        assert_eq!(
            decode_info_data(&bytes),
            Ok(vec![LinkAttr::Id(7), LinkAttr::Id(65535), LinkAttr::Mode(VNIC_MODE_CIP)])
        );
    }

    #[test]
    fn relay_counters_decode_and_padding_is_skipped() {
        let mut bytes = Vec::new();
        put(&mut bytes, crate::IFLA_VNIC_RELAY_PAD, &[]);
        put(&mut bytes, IFLA_VNIC_RELAY_TAGGED, &5u64.to_ne_bytes());
        put(&mut bytes, IFLA_VNIC_RELAY_DROP_UNKNOWN_ID, &3u64.to_ne_bytes());
        put(&mut bytes, IFLA_VNIC_RELAY_DROP_MALFORMED, &1u64.to_ne_bytes());
        let c = decode_relay_info_data(&bytes).unwrap();
        assert_eq!((c.tagged, c.drop_unknown_id, c.drop_malformed), (5, 3, 1));
        let mut short = Vec::new();
        put(&mut short, IFLA_VNIC_RELAY_TAGGED, &[1, 2, 3]);
        assert!(decode_relay_info_data(&short).is_err());
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

    #[test]
    fn supervisor_info_roundtrips_mode_and_counters() {
        let mut bytes = encode_ss_info_data(SsMode::Bridge);
        put(&mut bytes, IFLA_VNIC_SS_PAD, &[]);
        put(&mut bytes, IFLA_VNIC_SS_EMBEDDED, &9u64.to_ne_bytes());
        put(&mut bytes, IFLA_VNIC_SS_DROP_WRONG_ID, &2u64.to_ne_bytes());
        put(&mut bytes, IFLA_VNIC_SS_RULES, &3u32.to_ne_bytes());
        let c = decode_ss_info_data(&bytes).unwrap();
        assert_eq!((c.mode, c.embedded, c.drop_wrong_id, c.rules), (SsMode::Bridge, 9, 2, 3));
        assert_eq!(decode_ss_info_data(&encode_ss_info_data(SsMode::Host)).unwrap().mode, SsMode::Host);
        let mut short = Vec::new();
        put(&mut short, IFLA_VNIC_SS_CLEARED, &[1, 2]);
        assert!(decode_ss_info_data(&short).is_err());
    }
}
