//! vnic's kernel/userspace API, mirrored from `include/uapi/vnic.h` (the
//! single source of truth; a unit test checks every constant against it),
//! with the encoding of the link kind's `IFLA_INFO_DATA` attributes.

mod attrs;

pub use attrs::{decode_info_data, encode_info_data, LinkAttr, UapiError};

/// rtnl link kind, as in `ip link add NAME type vnic`.
pub const LINK_KIND: &str = "vnic";
/// `IFLA_VNIC_UNSPEC`: never sent.
pub const IFLA_VNIC_UNSPEC: u16 = 0;
/// `IFLA_VNIC_ID`: u16, the vNIC's service ID, 1..=65535.
pub const IFLA_VNIC_ID: u16 = 1;
/// `IFLA_VNIC_MAX`: the highest attribute number.
pub const IFLA_VNIC_MAX: u16 = 1;

#[cfg(test)]
mod header_tests {
    use super::*;

    const HEADER: &str = include_str!("../../../include/uapi/vnic.h");

    /// Position of each enumerator in the header's anonymous IFLA_VNIC enum.
    fn enum_value(name: &str) -> u16 {
        let body = HEADER.split("enum {").nth(1).expect("enum in header");
        let body = body.split("};").next().expect("enum end");
        let names: Vec<&str> = body
            .lines()
            .map(|l| l.split("/*").next().unwrap_or("").trim().trim_end_matches(','))
            .filter(|l| !l.is_empty())
            .collect();
        names.iter().position(|n| *n == name).expect("enumerator present") as u16
    }

    #[test]
    fn constants_match_the_c_header() {
        assert_eq!(enum_value("IFLA_VNIC_UNSPEC"), IFLA_VNIC_UNSPEC);
        assert_eq!(enum_value("IFLA_VNIC_ID"), IFLA_VNIC_ID);
        assert_eq!(enum_value("__IFLA_VNIC_MAX") - 1, IFLA_VNIC_MAX);
        assert!(HEADER.contains(&format!("#define VNIC_LINK_KIND \"{LINK_KIND}\"")));
    }
}
