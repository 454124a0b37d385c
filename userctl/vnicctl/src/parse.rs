//! Checks of user input that need no kernel: device names, MAC and IPv4
//! addresses. Each error is one sentence for the user.

use crate::error::CliError;
use std::net::Ipv4Addr;

/// Longest interface name the kernel accepts (IFNAMSIZ - 1).
pub const IFNAME_MAX: usize = 15;

/// Checks a device name the way the kernel's `dev_valid_name()` does.
pub fn ifname(name: &str) -> Result<&str, CliError> {
    let bad = |why: &str| CliError::Input(format!("'{name}' is not a valid device name: {why}"));
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    if name.len() > IFNAME_MAX {
        return Err(bad(&format!("it is {} bytes long, at most {IFNAME_MAX} are allowed", name.len())));
    }
    if name == "." || name == ".." {
        return Err(bad("'.' and '..' are reserved"));
    }
    if name.chars().any(|c| c == '/' || c == ':' || c.is_whitespace()) {
        return Err(bad("it may not contain '/', ':' or white space"));
    }
    Ok(name)
}

/// Parses a unicast MAC address written as six hex bytes.
pub fn mac(text: &str) -> Result<[u8; 6], CliError> {
    let bad = |why: &str| CliError::Input(format!("'{text}' is not a usable MAC address: {why}"));
    let parts: Vec<&str> = text.split([':', '-']).collect();
    if parts.len() != 6 || parts.iter().any(|p| p.is_empty() || p.len() > 2) {
        return Err(bad("expected six hex bytes like 00:00:c0:a8:01:01"));
    }
    let mut out = [0u8; 6];
    for (slot, part) in out.iter_mut().zip(&parts) {
        *slot = u8::from_str_radix(part, 16).map_err(|_| bad("expected six hex bytes like 00:00:c0:a8:01:01"))?;
    }
    if out[0] & 1 == 1 {
        return Err(bad("it is a multicast address"));
    }
    if out == [0; 6] {
        return Err(bad("it is all zeros"));
    }
    Ok(out)
}

/// Parses an IPv4 address with prefix length, like 192.168.1.1/24.
pub fn ipv4_cidr(text: &str) -> Result<(Ipv4Addr, u8), CliError> {
    let bad = || CliError::Input(format!("'{text}' is not an IPv4 address with prefix, like 192.168.1.1/24"));
    let (addr, len) = text.split_once('/').ok_or_else(bad)?;
    let addr: Ipv4Addr = addr.parse().map_err(|_| bad())?;
    let len: u8 = len.parse().map_err(|_| bad())?;
    if len > 32 {
        return Err(bad());
    }
    Ok((addr, len))
}

/// The paper's defaults for vNIC #n: MAC 00:00:c0:a8:n:01, 192.168.n.1/24.
pub fn paper_defaults(n: u8) -> ([u8; 6], (Ipv4Addr, u8)) {
    ([0x00, 0x00, 0xc0, 0xa8, n, 0x01], (Ipv4Addr::new(192, 168, n, 1), 24))
}

/// Formats a MAC address as lower-case hex bytes with colons.
pub fn format_mac(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_kernel_rules() {
        assert!(ifname("vnic1").is_ok());
        assert!(ifname("abcdefghijklmno").is_ok());
        for bad in ["", "abcdefghijklmnop", ".", "..", "a/b", "a:b", "a b"] {
            assert!(ifname(bad).is_err(), "{bad:?} accepted");
        }
        let msg = ifname("abcdefghijklmnop").unwrap_err().to_string();
        assert!(msg.contains("16 bytes long"), "{msg}");
    }

    #[test]
    fn mac_addresses_parse_and_bad_ones_are_refused() {
        assert_eq!(mac("00:00:c0:a8:01:01").unwrap(), [0, 0, 0xc0, 0xa8, 1, 1]);
        assert_eq!(mac("02-AB-cd-0-1-ff").unwrap(), [2, 0xab, 0xcd, 0, 1, 0xff]);
        for bad in ["", "00:11:22:33:44", "00:11:22:33:44:55:66", "zz:11:22:33:44:55", "001:1:2:3:4:5"] {
            assert!(mac(bad).is_err(), "{bad:?} accepted");
        }
        assert!(mac("01:00:5e:00:00:01").unwrap_err().to_string().contains("multicast"));
        assert!(mac("00:00:00:00:00:00").unwrap_err().to_string().contains("zeros"));
    }

    #[test]
    fn cidr_and_paper_defaults() {
        assert_eq!(ipv4_cidr("192.168.3.1/24").unwrap(), (Ipv4Addr::new(192, 168, 3, 1), 24));
        for bad in ["192.168.3.1", "192.168.3.1/33", "300.1.1.1/24", "x/24"] {
            assert!(ipv4_cidr(bad).is_err(), "{bad:?} accepted");
        }
        let (m, (a, l)) = paper_defaults(3);
        assert_eq!(format_mac(&m), "00:00:c0:a8:03:01");
        assert_eq!((a.to_string(), l), ("192.168.3.1".to_string(), 24));
    }
}
