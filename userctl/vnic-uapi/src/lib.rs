//! vnic's kernel/userspace API, mirrored from `include/uapi/vnic.h` (the
//! single source of truth; a unit test checks every constant against it),
//! with the encoding of the link kind's `IFLA_INFO_DATA` attributes.

mod attrs;
pub mod genl;

pub use attrs::{
    decode_info_data, decode_relay_info_data, decode_ss_info_data, encode_info_data, encode_ss_info_data, LinkAttr,
    RelayCounters, SsInfo, SsMode, UapiError,
};

/// rtnl link kind, as in `ip link add NAME type vnic`.
pub const LINK_KIND: &str = "vnic";
/// `IFLA_VNIC_UNSPEC`: never sent.
pub const IFLA_VNIC_UNSPEC: u16 = 0;
/// `IFLA_VNIC_ID`: u16, the vNIC's service ID, 1..=65535.
pub const IFLA_VNIC_ID: u16 = 1;
/// `IFLA_VNIC_MODE`: u32, what services see as the client's address.
pub const IFLA_VNIC_MODE: u16 = 2;
/// `IFLA_VNIC_MAX`: the highest attribute number.
pub const IFLA_VNIC_MAX: u16 = 2;
/// `VNIC_MODE_REAL`: services see the client's real address.
pub const VNIC_MODE_REAL: u32 = 1;
/// `VNIC_MODE_CIP`: services see a per-client pseudo address (RIP/CIP).
pub const VNIC_MODE_CIP: u32 = 2;

/// rtnl link kind of the relay-vNIC, as in `ip link add NAME link PNIC type vnic-relay`.
pub const RELAY_LINK_KIND: &str = "vnic-relay";
/// `IFLA_VNIC_RELAY_PAD`: alignment padding for u64 attributes.
pub const IFLA_VNIC_RELAY_PAD: u16 = 1;
/// `IFLA_VNIC_RELAY_TAGGED`: u64, TCP segments seen carrying an ID.
pub const IFLA_VNIC_RELAY_TAGGED: u16 = 2;
/// `IFLA_VNIC_RELAY_DROP_UNKNOWN_ID`: u64, dropped because the ID is not registered.
pub const IFLA_VNIC_RELAY_DROP_UNKNOWN_ID: u16 = 3;
/// `IFLA_VNIC_RELAY_DROP_MALFORMED`: u64, dropped because the headers are broken.
pub const IFLA_VNIC_RELAY_DROP_MALFORMED: u16 = 4;
/// `IFLA_VNIC_RELAY_GRANTED`: u64, tagged segments with a session.
pub const IFLA_VNIC_RELAY_GRANTED: u16 = 5;
/// `IFLA_VNIC_RELAY_DROP_NOT_GRANTED`: u64, dropped, ID registered for another client.
pub const IFLA_VNIC_RELAY_DROP_NOT_GRANTED: u16 = 6;
/// `IFLA_VNIC_RELAY_DROP_URG_SET`: u64, dropped, a session's ID with URG set.
pub const IFLA_VNIC_RELAY_DROP_URG_SET: u16 = 7;
/// `IFLA_VNIC_RELAY_SESSIONS`: u32, sessions in the table.
pub const IFLA_VNIC_RELAY_SESSIONS: u16 = 8;
/// `IFLA_VNIC_RELAY_DELIVERED`: u64, granted segments delivered on their vNIC.
pub const IFLA_VNIC_RELAY_DELIVERED: u16 = 9;
/// `IFLA_VNIC_RELAY_DROP_UNDELIVERABLE`: u64, dropped, the session's vNIC cannot take it.
pub const IFLA_VNIC_RELAY_DROP_UNDELIVERABLE: u16 = 10;
/// `IFLA_VNIC_RELAY_REPLIES`: u64, vNIC replies rewritten on the way out.
pub const IFLA_VNIC_RELAY_REPLIES: u16 = 11;
/// `IFLA_VNIC_RELAY_DROP_TO_PSEUDO`: u64, dropped, aimed at a pseudo address from the pNIC.
pub const IFLA_VNIC_RELAY_DROP_TO_PSEUDO: u16 = 12;
/// `IFLA_VNIC_RELAY_DROP_NO_SESSION`: u64, dropped, a vNIC's segment to a client without a session.
pub const IFLA_VNIC_RELAY_DROP_NO_SESSION: u16 = 13;

/// rtnl link kind of the supervisor, as in `ip link add NAME type vnic-ss`.
pub const SS_LINK_KIND: &str = "vnic-ss";
/// `VNIC_SS_MODE_HOST`.
pub const VNIC_SS_MODE_HOST: u32 = 1;
/// `VNIC_SS_MODE_BRIDGE`.
pub const VNIC_SS_MODE_BRIDGE: u32 = 2;
/// `IFLA_VNIC_SS_PAD`.
pub const IFLA_VNIC_SS_PAD: u16 = 1;
/// `IFLA_VNIC_SS_MODE`: u32, VNIC_SS_MODE_*.
pub const IFLA_VNIC_SS_MODE: u16 = 2;
/// `IFLA_VNIC_SS_EMBEDDED`: u64, outgoing segments given an ID.
pub const IFLA_VNIC_SS_EMBEDDED: u16 = 3;
/// `IFLA_VNIC_SS_CLEARED`: u64, incoming segments whose ID was checked and cleared.
pub const IFLA_VNIC_SS_CLEARED: u16 = 4;
/// `IFLA_VNIC_SS_DROP_NO_ID`: u64, dropped, from a rule's server without an ID.
pub const IFLA_VNIC_SS_DROP_NO_ID: u16 = 5;
/// `IFLA_VNIC_SS_DROP_WRONG_ID`: u64, dropped, from a rule's server with another ID.
pub const IFLA_VNIC_SS_DROP_WRONG_ID: u16 = 6;
/// `IFLA_VNIC_SS_URGENT`: u64, segments of a rule's flow with URG set, untouched.
pub const IFLA_VNIC_SS_URGENT: u16 = 7;
/// `IFLA_VNIC_SS_RULES`: u32, embedding rules.
pub const IFLA_VNIC_SS_RULES: u16 = 8;

#[cfg(test)]
mod header_tests {
    use super::*;

    const HEADER: &str = include_str!("../../../include/uapi/vnic.h");

    /// Position of each enumerator in the header's `nth` anonymous enum.
    fn enum_value_in(nth: usize, name: &str) -> u16 {
        let body = HEADER.split("enum {").nth(nth).expect("enum in header");
        let body = body.split("};").next().expect("enum end");
        let names: Vec<&str> = body
            .lines()
            .map(|l| l.split("/*").next().unwrap_or("").trim().trim_end_matches(','))
            .filter(|l| !l.is_empty())
            .collect();
        names.iter().position(|n| *n == name).expect("enumerator present") as u16
    }

    fn enum_value(name: &str) -> u16 {
        enum_value_in(1, name)
    }

    #[test]
    fn constants_match_the_c_header() {
        assert_eq!(enum_value("IFLA_VNIC_UNSPEC"), IFLA_VNIC_UNSPEC);
        assert_eq!(enum_value("IFLA_VNIC_ID"), IFLA_VNIC_ID);
        assert_eq!(enum_value("IFLA_VNIC_MODE"), IFLA_VNIC_MODE);
        assert!(HEADER.contains(&format!("VNIC_MODE_REAL = {VNIC_MODE_REAL},")));
        assert!(HEADER.contains(&format!("VNIC_MODE_CIP = {VNIC_MODE_CIP},")));
        assert_eq!(enum_value("__IFLA_VNIC_MAX") - 1, IFLA_VNIC_MAX);
        assert!(HEADER.contains(&format!("#define VNIC_LINK_KIND \"{LINK_KIND}\"")));
        assert!(HEADER.contains(&format!("#define VNIC_RELAY_LINK_KIND \"{RELAY_LINK_KIND}\"")));
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_PAD"), IFLA_VNIC_RELAY_PAD);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_TAGGED"), IFLA_VNIC_RELAY_TAGGED);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_DROP_UNKNOWN_ID"), IFLA_VNIC_RELAY_DROP_UNKNOWN_ID);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_DROP_MALFORMED"), IFLA_VNIC_RELAY_DROP_MALFORMED);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_GRANTED"), IFLA_VNIC_RELAY_GRANTED);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_DROP_NOT_GRANTED"), IFLA_VNIC_RELAY_DROP_NOT_GRANTED);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_DROP_URG_SET"), IFLA_VNIC_RELAY_DROP_URG_SET);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_SESSIONS"), IFLA_VNIC_RELAY_SESSIONS);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_DELIVERED"), IFLA_VNIC_RELAY_DELIVERED);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_DROP_UNDELIVERABLE"), IFLA_VNIC_RELAY_DROP_UNDELIVERABLE);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_REPLIES"), IFLA_VNIC_RELAY_REPLIES);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_DROP_TO_PSEUDO"), IFLA_VNIC_RELAY_DROP_TO_PSEUDO);
        assert_eq!(enum_value_in(3, "IFLA_VNIC_RELAY_DROP_NO_SESSION"), IFLA_VNIC_RELAY_DROP_NO_SESSION);
        assert!(HEADER.contains(&format!("#define VNIC_SS_LINK_KIND \"{SS_LINK_KIND}\"")));
        assert!(HEADER.contains(&format!("VNIC_SS_MODE_HOST = {VNIC_SS_MODE_HOST},")));
        assert!(HEADER.contains(&format!("VNIC_SS_MODE_BRIDGE = {VNIC_SS_MODE_BRIDGE},")));
        assert_eq!(enum_value_in(5, "IFLA_VNIC_SS_PAD"), IFLA_VNIC_SS_PAD);
        assert_eq!(enum_value_in(5, "IFLA_VNIC_SS_MODE"), IFLA_VNIC_SS_MODE);
        assert_eq!(enum_value_in(5, "IFLA_VNIC_SS_EMBEDDED"), IFLA_VNIC_SS_EMBEDDED);
        assert_eq!(enum_value_in(5, "IFLA_VNIC_SS_CLEARED"), IFLA_VNIC_SS_CLEARED);
        assert_eq!(enum_value_in(5, "IFLA_VNIC_SS_DROP_NO_ID"), IFLA_VNIC_SS_DROP_NO_ID);
        assert_eq!(enum_value_in(5, "IFLA_VNIC_SS_DROP_WRONG_ID"), IFLA_VNIC_SS_DROP_WRONG_ID);
        assert_eq!(enum_value_in(5, "IFLA_VNIC_SS_URGENT"), IFLA_VNIC_SS_URGENT);
        assert_eq!(enum_value_in(5, "IFLA_VNIC_SS_RULES"), IFLA_VNIC_SS_RULES);
        use genl::*;
        assert!(HEADER.contains(&format!("#define VNIC_GENL_NAME \"{GENL_NAME}\"")));
        assert!(HEADER.contains(&format!("#define VNIC_GENL_VERSION {GENL_VERSION}")));
        assert!(HEADER.contains(&format!("#define VNIC_GENL_MCGRP_EVENTS \"{GENL_MCGRP_EVENTS}\"")));
        assert_eq!(enum_value_in(6, "VNIC_CMD_SESSION_ADD"), u16::from(CMD_SESSION_ADD));
        assert_eq!(enum_value_in(6, "VNIC_CMD_SESSION_DEL"), u16::from(CMD_SESSION_DEL));
        assert_eq!(enum_value_in(6, "VNIC_CMD_SESSION_GET"), u16::from(CMD_SESSION_GET));
        assert_eq!(enum_value_in(7, "VNIC_A_PAD"), A_PAD);
        assert_eq!(enum_value_in(7, "VNIC_A_RELAY"), A_RELAY);
        assert_eq!(enum_value_in(7, "VNIC_A_VNIC"), A_VNIC);
        assert_eq!(enum_value_in(7, "VNIC_A_CLIENT"), A_CLIENT);
        assert_eq!(enum_value_in(7, "VNIC_A_ID"), A_ID);
        assert_eq!(enum_value_in(7, "VNIC_A_SERVER"), A_SERVER);
        assert_eq!(enum_value_in(7, "VNIC_A_PORT"), A_PORT);
        assert_eq!(enum_value_in(7, "VNIC_A_SUPERVISOR"), A_SUPERVISOR);
        assert_eq!(enum_value_in(6, "VNIC_CMD_EMBED_ADD"), u16::from(CMD_EMBED_ADD));
        assert_eq!(enum_value_in(6, "VNIC_CMD_EMBED_DEL"), u16::from(CMD_EMBED_DEL));
        assert_eq!(enum_value_in(6, "VNIC_CMD_EMBED_GET"), u16::from(CMD_EMBED_GET));
        assert_eq!(enum_value_in(6, "VNIC_CMD_STATS_GET"), u16::from(CMD_STATS_GET));
        assert_eq!(enum_value_in(7, "VNIC_A_STATS"), A_STATS);
        assert_eq!(enum_value_in(7, "VNIC_A_CIP"), A_CIP);
        assert_eq!(enum_value_in(7, "VNIC_A_REPLACE"), A_REPLACE);
        assert_eq!(enum_value_in(8, "VNIC_STATS_PAD"), STATS_PAD);
        assert_eq!(enum_value_in(8, "VNIC_STATS_RX_PACKETS"), STATS_RX_PACKETS);
        assert_eq!(enum_value_in(8, "VNIC_STATS_RX_BYTES"), STATS_RX_BYTES);
        assert_eq!(enum_value_in(8, "VNIC_STATS_RX_DROPPED"), STATS_RX_DROPPED);
        assert_eq!(enum_value_in(8, "VNIC_STATS_TX_PACKETS"), STATS_TX_PACKETS);
        assert_eq!(enum_value_in(8, "VNIC_STATS_TX_BYTES"), STATS_TX_BYTES);
        assert_eq!(enum_value_in(8, "VNIC_STATS_TX_DROPPED"), STATS_TX_DROPPED);
    }
}
