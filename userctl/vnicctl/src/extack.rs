//! The kernel's extended ACK: the human message it attaches to a netlink
//! error (`NLMSGERR_ATTR_MSG`), parsed from the error payload.

const NLMSG_HDRLEN: usize = 16;
const NLMSGERR_ATTR_MSG: u16 = 1;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Walks netlink attributes from `at`; `None` if they do not parse cleanly.
fn message_at(payload: &[u8], mut at: usize) -> Option<Option<String>> {
    let mut found = None;
    while at < payload.len() {
        let hdr = payload.get(at..at + 4)?;
        let len = u16::from_ne_bytes([hdr[0], hdr[1]]) as usize;
        let kind = u16::from_ne_bytes([hdr[2], hdr[3]]) & 0x3fff;
        let body = payload.get(at + 4..at.checked_add(len)?)?;
        if len < 4 {
            return None;
        }
        if kind == NLMSGERR_ATTR_MSG {
            let text = body.split(|&b| b == 0).next().unwrap_or_default();
            found = Some(String::from_utf8_lossy(text).into_owned());
        }
        at += align4(len);
    }
    Some(found)
}

/// The extack message in the payload of an `NLMSG_ERROR` after its error
/// code: the echoed request header (whole request unless capped), then TLVs.
pub fn message(payload: &[u8]) -> Option<String> {
    // Capped ACK (NETLINK_CAP_ACK): only the request's header is echoed.
    if let Some(Some(msg)) = message_at(payload, NLMSG_HDRLEN) {
        return Some(msg);
    }
    // Uncapped: the whole request is echoed, its length in its header.
    let len = payload.get(0..4).map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize)?;
    message_at(payload, align4(len)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((4 + body.len()) as u16).to_ne_bytes());
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(body);
        v.resize(align4(v.len()), 0);
        v
    }

    fn header(len: u32) -> Vec<u8> {
        let mut v = len.to_ne_bytes().to_vec();
        v.resize(NLMSG_HDRLEN, 0);
        v
    }

    #[test]
    fn finds_the_message_in_capped_and_uncapped_acks() {
        let mut capped = header(40);
        capped.extend(tlv(2, &7u32.to_ne_bytes()));
        capped.extend(tlv(NLMSGERR_ATTR_MSG, b"vnic: ID 0 is reserved\0"));
        assert_eq!(message(&capped).as_deref(), Some("vnic: ID 0 is reserved"));

        let mut uncapped = header(24);
        uncapped.extend_from_slice(&[9u8; 8]);
        uncapped.extend(tlv(NLMSGERR_ATTR_MSG, b"Unknown device type\0"));
        assert_eq!(message(&uncapped).as_deref(), Some("Unknown device type"));
    }

    #[test]
    fn no_message_and_garbage_give_none_without_panicking() {
        assert_eq!(message(&header(16)), None);
        assert_eq!(message(&[]), None);
        assert_eq!(message(&[1, 2, 3]), None);
        let mut bad = header(16);
        bad.extend_from_slice(&[200, 0, 1, 0, b'x']);
        assert_eq!(message(&bad), None);
    }
}
