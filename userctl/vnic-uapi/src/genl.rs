//! Generic netlink messages of family `vnic` (and the `nlctrl` lookup that
//! finds its id), encoded and decoded by hand: small, exact, and unit-tested.
//!
//! Why not netlink-packet-generic and netlink-packet-core: with them each
//! command still needs its own `GenlFamily` type and an attribute enum with
//! `Nla` and `Parseable` implementations, about as much code as this file,
//! and vnicctl reads the extended ACK's message attribute itself
//! (vnicctl/src/extack.rs) for its one-sentence errors. This file has no
//! dependency and is covered by the unit tests below and by the VM cases;
//! the link kinds go through rtnetlink and netlink-packet-route.

use crate::attrs::{put, walk};
use crate::UapiError;
use std::net::IpAddr;

/// `NETLINK_GENERIC` protocol number.
pub const NETLINK_GENERIC: isize = 16;
/// Family name.
pub const GENL_NAME: &str = "vnic";
/// Family version.
pub const GENL_VERSION: u8 = 1;
/// Multicast group of session events.
pub const GENL_MCGRP_EVENTS: &str = "events";
/// `VNIC_CMD_SESSION_ADD`.
pub const CMD_SESSION_ADD: u8 = 1;
/// `VNIC_CMD_SESSION_DEL`.
pub const CMD_SESSION_DEL: u8 = 2;
/// `VNIC_CMD_SESSION_GET` (dump).
pub const CMD_SESSION_GET: u8 = 3;
/// `VNIC_CMD_EMBED_ADD`.
pub const CMD_EMBED_ADD: u8 = 4;
/// `VNIC_CMD_EMBED_DEL`.
pub const CMD_EMBED_DEL: u8 = 5;
/// `VNIC_CMD_EMBED_GET` (dump).
pub const CMD_EMBED_GET: u8 = 6;
/// `VNIC_CMD_STATS_GET` (dump of one device's counters).
pub const CMD_STATS_GET: u8 = 7;
/// `VNIC_A_PAD`.
pub const A_PAD: u16 = 1;
/// `VNIC_A_RELAY`: u32 ifindex of the relay.
pub const A_RELAY: u16 = 2;
/// `VNIC_A_VNIC`: u32 ifindex of the vNIC.
pub const A_VNIC: u16 = 3;
/// `VNIC_A_CLIENT`: 4 or 16 address bytes.
pub const A_CLIENT: u16 = 4;
/// `VNIC_A_ID`: u16.
pub const A_ID: u16 = 5;
/// `VNIC_A_SERVER`: 4 or 16 address bytes.
pub const A_SERVER: u16 = 6;
/// `VNIC_A_PORT`: u16.
pub const A_PORT: u16 = 7;
/// `VNIC_A_SUPERVISOR`: u32 ifindex of a supervisor.
pub const A_SUPERVISOR: u16 = 8;
/// `VNIC_A_STATS`: nested counters of the device named in the message.
pub const A_STATS: u16 = 9;
/// `VNIC_A_CIP`: 4 bytes, a client's pseudo address on a CIP-mode vNIC.
pub const A_CIP: u16 = 10;
/// `VNIC_A_REPLACE`: flag; EMBED_ADD replaces the service's rule in one step.
pub const A_REPLACE: u16 = 11;
/// `VNIC_STATS_PAD`.
pub const STATS_PAD: u16 = 1;
/// `VNIC_STATS_RX_PACKETS`.
pub const STATS_RX_PACKETS: u16 = 2;
/// `VNIC_STATS_RX_BYTES`.
pub const STATS_RX_BYTES: u16 = 3;
/// `VNIC_STATS_RX_DROPPED`.
pub const STATS_RX_DROPPED: u16 = 4;
/// `VNIC_STATS_TX_PACKETS`.
pub const STATS_TX_PACKETS: u16 = 5;
/// `VNIC_STATS_TX_BYTES`.
pub const STATS_TX_BYTES: u16 = 6;
/// `VNIC_STATS_TX_DROPPED`.
pub const STATS_TX_DROPPED: u16 = 7;

/// nlmsghdr flags.
pub const NLM_F_REQUEST: u16 = 0x1;
/// Ask for an acknowledgement.
pub const NLM_F_ACK: u16 = 0x4;
/// Dump request.
pub const NLM_F_DUMP: u16 = 0x300;
/// `NLMSG_ERROR` message type (also the ACK).
pub const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`: end of a dump.
pub const NLMSG_DONE: u16 = 3;
/// The `nlctrl` family's fixed id.
pub const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;

/// One session of a relay.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Session {
    /// Relay ifindex.
    pub relay: u32,
    /// vNIC ifindex (absent in delete requests).
    pub vnic: Option<u32>,
    /// Client address.
    pub client: IpAddr,
    /// The ID.
    pub id: u16,
    /// On a CIP-mode vNIC: the address its services see for the client.
    pub cip: Option<std::net::Ipv4Addr>,
}

/// Builds a netlink message: header, generic header `cmd`/`version`, attributes.
pub fn message(family: u16, flags: u16, seq: u32, cmd: u8, version: u8, attrs: &[u8]) -> Vec<u8> {
    let len = 16 + 4 + attrs.len();
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&(len as u32).to_ne_bytes());
    m.extend_from_slice(&family.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.extend_from_slice(&[cmd, version, 0, 0]);
    m.extend_from_slice(attrs);
    m
}

/// The `nlctrl` request for the id of family `name`.
pub fn get_family_request(name: &str, seq: u32) -> Vec<u8> {
    let mut attrs = Vec::new();
    let mut z = name.as_bytes().to_vec();
    z.push(0);
    put(&mut attrs, CTRL_ATTR_FAMILY_NAME, &z);
    message(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, seq, CTRL_CMD_GETFAMILY, 1, &attrs)
}

/// The family id in an `nlctrl` reply's attributes.
pub fn family_id(attrs: &[u8]) -> Result<Option<u16>, UapiError> {
    let mut id = None;
    walk(attrs, |kind, p| {
        if kind == CTRL_ATTR_FAMILY_ID {
            id = Some(u16::from_ne_bytes(p.try_into().map_err(|_| UapiError::BadLength { kind, len: p.len(), want: 2 })?));
        }
        Ok(())
    })?;
    Ok(id)
}

/// Attributes of a session request (`vnic` omitted for deletes).
pub fn session_attrs(s: &Session) -> Vec<u8> {
    let mut a = Vec::new();
    put(&mut a, A_RELAY, &s.relay.to_ne_bytes());
    if let Some(v) = s.vnic {
        put(&mut a, A_VNIC, &v.to_ne_bytes());
    }
    match s.client {
        IpAddr::V4(ip) => put(&mut a, A_CLIENT, &ip.octets()),
        IpAddr::V6(ip) => put(&mut a, A_CLIENT, &ip.octets()),
    }
    put(&mut a, A_ID, &s.id.to_ne_bytes());
    if let Some(cip) = s.cip {
        put(&mut a, A_CIP, &cip.octets());
    }
    a
}

/// Attributes of a dump request for the sessions of relay `ifindex`.
pub fn relay_filter(ifindex: u32) -> Vec<u8> {
    let mut a = Vec::new();
    put(&mut a, A_RELAY, &ifindex.to_ne_bytes());
    a
}

/// A session from a message's attributes.
pub fn parse_session(attrs: &[u8]) -> Result<Session, UapiError> {
    let (mut relay, mut vnic, mut client, mut id, mut cip) = (None, None, None, None, None);
    walk(attrs, |kind, p| {
        let bad = || UapiError::BadLength { kind, len: p.len(), want: if kind == A_ID { 2 } else { 4 } };
        match kind {
            A_RELAY => relay = Some(u32::from_ne_bytes(p.try_into().map_err(|_| bad())?)),
            A_VNIC => vnic = Some(u32::from_ne_bytes(p.try_into().map_err(|_| bad())?)),
            A_ID => id = Some(u16::from_ne_bytes(p.try_into().map_err(|_| bad())?)),
            A_CIP => cip = Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(p).map_err(|_| bad())?)),
            A_CLIENT => {
                client = Some(match p.len() {
                    4 => IpAddr::from(<[u8; 4]>::try_from(p).map_err(|_| bad())?),
                    16 => IpAddr::from(<[u8; 16]>::try_from(p).map_err(|_| bad())?),
                    _ => return Err(bad()),
                })
            }
            _ => {}
        }
        Ok(())
    })?;
    match (relay, client, id) {
        (Some(relay), Some(client), Some(id)) => Ok(Session { relay, vnic, client, id, cip }),
        _ => Err(UapiError::Missing("a session needs relay, client and id")),
    }
}

/// One embedding rule of a supervisor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    /// Supervisor ifindex.
    pub supervisor: u32,
    /// The service's address.
    pub server: IpAddr,
    /// The service's TCP port.
    pub port: u16,
    /// The ID (absent in delete requests).
    pub id: Option<u16>,
}

fn put_addr(a: &mut Vec<u8>, kind: u16, ip: IpAddr) {
    match ip {
        IpAddr::V4(ip) => put(a, kind, &ip.octets()),
        IpAddr::V6(ip) => put(a, kind, &ip.octets()),
    }
}

/// Attributes of a rule request (`id` omitted for deletes).
pub fn rule_attrs(r: &Rule) -> Vec<u8> {
    let mut a = Vec::new();
    put(&mut a, A_SUPERVISOR, &r.supervisor.to_ne_bytes());
    put_addr(&mut a, A_SERVER, r.server);
    put(&mut a, A_PORT, &r.port.to_ne_bytes());
    if let Some(id) = r.id {
        put(&mut a, A_ID, &id.to_ne_bytes());
    }
    a
}

/// Attributes of an EMBED_ADD that replaces the service's rule if it has
/// one (`VNIC_A_REPLACE`).
pub fn replace_rule_attrs(r: &Rule) -> Vec<u8> {
    let mut a = rule_attrs(r);
    put(&mut a, A_REPLACE, &[]);
    a
}

/// Attributes of a dump request for the rules of supervisor `ifindex`.
pub fn supervisor_filter(ifindex: u32) -> Vec<u8> {
    let mut a = Vec::new();
    put(&mut a, A_SUPERVISOR, &ifindex.to_ne_bytes());
    a
}

/// A rule from a message's attributes.
pub fn parse_rule(attrs: &[u8]) -> Result<Rule, UapiError> {
    let (mut ss, mut server, mut port, mut id) = (None, None, None, None);
    walk(attrs, |kind, p| {
        let bad = |want| UapiError::BadLength { kind, len: p.len(), want };
        match kind {
            A_SUPERVISOR => ss = Some(u32::from_ne_bytes(p.try_into().map_err(|_| bad(4))?)),
            A_PORT => port = Some(u16::from_ne_bytes(p.try_into().map_err(|_| bad(2))?)),
            A_ID => id = Some(u16::from_ne_bytes(p.try_into().map_err(|_| bad(2))?)),
            A_SERVER => {
                server = Some(match p.len() {
                    4 => IpAddr::from(<[u8; 4]>::try_from(p).map_err(|_| bad(4))?),
                    16 => IpAddr::from(<[u8; 16]>::try_from(p).map_err(|_| bad(16))?),
                    _ => return Err(bad(4)),
                })
            }
            _ => {}
        }
        Ok(())
    })?;
    match (ss, server, port) {
        (Some(supervisor), Some(server), Some(port)) => Ok(Rule { supervisor, server, port, id }),
        _ => Err(UapiError::Missing("a rule needs supervisor, server and port")),
    }
}

/// Which device a STATS_GET asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsOf {
    /// A relay (`vnic-relay`), by ifindex.
    Relay(u32),
    /// A supervisor (`vnic-ss`), by ifindex.
    Supervisor(u32),
    /// A vNIC (`vnic`), by ifindex.
    Vnic(u32),
}

/// Attributes of a STATS_GET request.
pub fn stats_filter(of: StatsOf) -> Vec<u8> {
    let mut a = Vec::new();
    let (kind, i) = match of {
        StatsOf::Relay(i) => (A_RELAY, i),
        StatsOf::Supervisor(i) => (A_SUPERVISOR, i),
        StatsOf::Vnic(i) => (A_VNIC, i),
    };
    put(&mut a, kind, &i.to_ne_bytes());
    a
}

/// The nested counters (`VNIC_A_STATS`) of a STATS_GET reply, still encoded:
/// a relay's decode with `decode_relay_info_data`, a supervisor's with
/// `decode_ss_info_data`, a vNIC's with [`decode_vnic_stats`].
pub fn stats_payload(attrs: &[u8]) -> Result<Vec<u8>, UapiError> {
    let mut out = None;
    walk(attrs, |kind, p| {
        if kind == A_STATS {
            out = Some(p.to_vec());
        }
        Ok(())
    })?;
    out.ok_or(UapiError::Missing("a stats reply needs VNIC_A_STATS"))
}

/// A vNIC's counters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct VnicStats {
    /// Packets received (delivered by a relay).
    pub rx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Packets dropped on receive.
    pub rx_dropped: u64,
    /// Replies rewritten by a relay.
    pub tx_packets: u64,
    /// Bytes of those replies.
    pub tx_bytes: u64,
    /// What the stack routed into the vNIC itself.
    pub tx_dropped: u64,
}

/// Decodes a vNIC's `VNIC_STATS_*` counters.
pub fn decode_vnic_stats(bytes: &[u8]) -> Result<VnicStats, UapiError> {
    let mut s = VnicStats::default();
    walk(bytes, |kind, p| {
        let slot = match kind {
            STATS_RX_PACKETS => &mut s.rx_packets,
            STATS_RX_BYTES => &mut s.rx_bytes,
            STATS_RX_DROPPED => &mut s.rx_dropped,
            STATS_TX_PACKETS => &mut s.tx_packets,
            STATS_TX_BYTES => &mut s.tx_bytes,
            STATS_TX_DROPPED => &mut s.tx_dropped,
            _ => return Ok(()),
        };
        *slot = u64::from_ne_bytes(p.try_into().map_err(|_| UapiError::BadLength { kind, len: p.len(), want: 8 })?);
        Ok(())
    })?;
    Ok(s)
}

/// One netlink message from a receive buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Received<'a> {
    /// Message type.
    pub kind: u16,
    /// Sequence number.
    pub seq: u32,
    /// Bytes after the netlink header.
    pub payload: &'a [u8],
}

/// Splits a receive buffer into messages.
pub fn split(mut buf: &[u8]) -> Result<Vec<Received<'_>>, UapiError> {
    let total = buf.len();
    let mut out = Vec::new();
    while buf.len() >= 16 {
        let len = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if len < 16 || len > buf.len() {
            return Err(UapiError::Truncated(total - buf.len()));
        }
        out.push(Received {
            kind: u16::from_ne_bytes([buf[4], buf[5]]),
            seq: u32::from_ne_bytes([buf[8], buf[9], buf[10], buf[11]]),
            payload: &buf[16..len],
        });
        buf = &buf[((len + 3) & !3).min(buf.len())..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_lookup_request_and_reply() {
        let m = get_family_request("vnic", 7);
        assert_eq!(u32::from_ne_bytes(m[0..4].try_into().unwrap()) as usize, m.len());
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), GENL_ID_CTRL);
        assert_eq!(&m[16..20], &[CTRL_CMD_GETFAMILY, 1, 0, 0]);
        assert_eq!(&m[24..29], b"vnic\0");
        let mut reply = Vec::new();
        put(&mut reply, CTRL_ATTR_FAMILY_NAME, b"vnic\0");
        put(&mut reply, CTRL_ATTR_FAMILY_ID, &0x1bu16.to_ne_bytes());
        assert_eq!(family_id(&reply), Ok(Some(0x1b)));
    }

    #[test]
    fn sessions_roundtrip_for_both_families() {
        for client in ["10.0.1.2", "fd00::2"] {
            let s = Session { relay: 4, vnic: Some(5), client: client.parse().unwrap(), id: 65535, cip: None };
            assert_eq!(parse_session(&session_attrs(&s)), Ok(s.clone()));
            let del = Session { vnic: None, ..s };
            assert_eq!(parse_session(&session_attrs(&del)), Ok(del.clone()));
        }
        let s = Session { relay: 1, vnic: Some(2), client: "10.0.1.2".parse().unwrap(), id: 3, cip: Some([192, 168, 1, 2].into()) };
        assert_eq!(parse_session(&session_attrs(&s)), Ok(s));
    }

    #[test]
    fn rules_roundtrip_for_both_families() {
        for server in ["10.0.2.1", "fd00::1"] {
            let r = Rule { supervisor: 3, server: server.parse().unwrap(), port: 443, id: Some(9) };
            assert_eq!(parse_rule(&rule_attrs(&r)), Ok(r.clone()));
            let del = Rule { id: None, ..r };
            assert_eq!(parse_rule(&rule_attrs(&del)), Ok(del.clone()));
        }
        let mut a = Vec::new();
        put(&mut a, A_SUPERVISOR, &3u32.to_ne_bytes());
        put(&mut a, A_SERVER, &[1, 2, 3]);
        put(&mut a, A_PORT, &80u16.to_ne_bytes());
        assert!(parse_rule(&a).is_err());
    }

    #[test]
    fn stats_replies_decode_and_need_their_nest() {
        let mut inner = Vec::new();
        put(&mut inner, STATS_PAD, &[]);
        put(&mut inner, STATS_RX_PACKETS, &5u64.to_ne_bytes());
        put(&mut inner, STATS_TX_BYTES, &700u64.to_ne_bytes());
        let mut reply = stats_filter(StatsOf::Vnic(4));
        put(&mut reply, A_STATS, &inner);
        let s = decode_vnic_stats(&stats_payload(&reply).unwrap()).unwrap();
        assert_eq!((s.rx_packets, s.tx_bytes, s.tx_packets), (5, 700, 0));
        assert!(stats_payload(&stats_filter(StatsOf::Relay(1))).is_err());
        let mut short = Vec::new();
        put(&mut short, STATS_RX_BYTES, &[1, 2]);
        assert!(decode_vnic_stats(&short).is_err());
    }

    #[test]
    fn broken_replies_are_errors() {
        let mut a = Vec::new();
        put(&mut a, A_RELAY, &4u32.to_ne_bytes());
        assert!(parse_session(&a).is_err());
        put(&mut a, A_CLIENT, &[1, 2, 3]);
        put(&mut a, A_ID, &1u16.to_ne_bytes());
        assert!(parse_session(&a).is_err());
        let m = message(20, 0, 1, 1, 1, &[]);
        assert_eq!(split(&m).unwrap().len(), 1);
        assert!(split(&m[..m.len() - 1]).is_err());
        let mut two = m.clone();
        two.extend(message(20, 0, 2, 1, 1, &[0, 0, 0, 0]));
        let got = split(&two).unwrap();
        assert_eq!((got[1].seq, got[1].payload.len()), (2, 8));
    }
}
