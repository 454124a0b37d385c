//! Status-PING and Status-PONG: a supervisor asks the SP that granted its
//! sessions whether it is alive, every second, so that it moves its
//! sessions to another SP within seconds of that SP's death instead of at
//! its next renewal. Byte by byte in Documentation/status-protocol.md §7.
//! Stateless on the SP: a PONG is the PING with control `rep`, the same
//! size; only PINGs are answered.

use crate::COOP_STATUS;

/// Length of a PING and of its PONG.
pub const LEN: usize = 72;
const CONTROL_REQ: u8 = 0x01;
const CONTROL_REP: u8 = 0x02;

/// A PING with transaction id `txid` and 32 random bytes `nonce`.
pub fn ping(txid: u32, nonce: &[u8; 32]) -> [u8; LEN] {
    let mut p = [0u8; LEN];
    p[0..3].copy_from_slice(&[b'V', b'N', 2]);
    p[3] = CONTROL_REQ;
    p[4..6].copy_from_slice(&COOP_STATUS.to_be_bytes());
    p[8..12].copy_from_slice(&txid.to_be_bytes());
    p[40..72].copy_from_slice(nonce);
    p
}

/// The PONG answering `data` if it is a well-formed PING.
pub fn pong(data: &[u8]) -> Option<[u8; LEN]> {
    let zero = |r: std::ops::Range<usize>| data[r].iter().all(|&b| b == 0);
    let is_ping = data.len() == LEN
        && data[0..6] == [b'V', b'N', 2, CONTROL_REQ, 0x00, 0x02]
        && zero(6..8)
        && zero(12..40);
    if !is_ping {
        return None;
    }
    let mut p = [0u8; LEN];
    p.copy_from_slice(data);
    p[3] = CONTROL_REP;
    Some(p)
}

/// Whether `data` is the PONG of the PING with `txid` and `nonce`.
pub fn is_pong(data: &[u8], txid: u32, nonce: &[u8; 32]) -> bool {
    let mut want = ping(txid, nonce);
    want[3] = CONTROL_REP;
    data == want
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ping_is_answered_by_its_pong_and_nothing_else_is() {
        let nonce = [7u8; 32];
        let p = ping(0x01020304, &nonce);
        assert_eq!(&p[0..12], &[b'V', b'N', 2, 1, 0, 2, 0, 0, 1, 2, 3, 4]);
        let answer = pong(&p).unwrap();
        assert_eq!(answer.len(), p.len(), "never larger");
        assert!(is_pong(&answer, 0x01020304, &nonce));
        assert!(!is_pong(&answer, 0x01020305, &nonce));
        assert!(!is_pong(&answer, 0x01020304, &[8; 32]));
        assert!(!is_pong(&p, 0x01020304, &nonce), "a PING is no PONG");
        assert_eq!(pong(&answer), None, "a PONG is never answered");
        for n in 0..LEN {
            assert_eq!(pong(&p[..n]), None);
        }
        let mut bad = p;
        bad[20] = 1;
        assert_eq!(pong(&bad), None);
        let mut auth = p;
        auth[5] = 1;
        assert_eq!(pong(&auth), None);
        assert!(crate::is_status(&p));
    }
}
