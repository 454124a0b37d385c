//! IPv6 source choice on one device's list (rust/source6.rs).

use crate::source6::{choose, scope, Candidate};
use std::net::Ipv6Addr;

fn a(s: &str) -> [u8; 16] {
    s.parse::<Ipv6Addr>().unwrap().octets()
}

fn c(s: &str, prefix_len: u8) -> Candidate {
    Candidate { addr: a(s), prefix_len, usable: true, deprecated: false, temporary: false }
}

fn pick(dst: &str, list: &[Candidate]) -> Option<Ipv6Addr> {
    choose(&a(dst), list.iter().copied()).map(Ipv6Addr::from)
}

#[test]
fn scopes() {
    assert_eq!(scope(&a("fe80::1")), 2);
    assert_eq!(scope(&a("febf::1")), 2);
    assert_eq!(scope(&a("fec0::1")), 5);
    assert_eq!(scope(&a("::1")), 2);
    assert_eq!(scope(&a("ff02::1")), 2);
    assert_eq!(scope(&a("ff0e::1")), 14);
    assert_eq!(scope(&a("2001:db8::1")), 14);
    assert_eq!(scope(&a("::")), 14);
}

#[test]
fn global_peer_takes_the_global_address_not_the_link_local() {
    let list = [c("fe80::200:c0ff:fea8:101", 64), c("fd00:1::1", 64)];
    assert_eq!(pick("fd00:2::9", &list), Some("fd00:1::1".parse().unwrap()));
}

#[test]
fn link_local_peer_takes_the_link_local_address() {
    let list = [c("fd00:1::1", 64), c("fe80::1", 64)];
    assert_eq!(pick("fe80::9", &list), Some("fe80::1".parse().unwrap()));
}

#[test]
fn nothing_of_enough_scope_is_none() {
    assert_eq!(pick("fd00:2::9", &[c("fe80::1", 64)]), None);
    assert_eq!(pick("fd00:2::9", &[]), None);
}

#[test]
fn unusable_addresses_are_never_taken() {
    let tentative = Candidate { usable: false, ..c("fd00:1::1", 64) };
    assert_eq!(pick("fd00:2::9", &[tentative]), None);
    assert_eq!(pick("fd00:2::9", &[tentative, c("fd00:1::2", 64)]), Some("fd00:1::2".parse().unwrap()));
}

#[test]
fn deprecated_only_when_nothing_else() {
    let old = Candidate { deprecated: true, ..c("fd00:2::1", 64) };
    // Rule 3 beats rule 8: the fresh address wins though the old one shares more.
    assert_eq!(pick("fd00:2::9", &[old, c("fd00:1::1", 64)]), Some("fd00:1::1".parse().unwrap()));
    assert_eq!(pick("fd00:2::9", &[old]), Some("fd00:2::1".parse().unwrap()));
}

#[test]
fn longest_shared_prefix_up_to_the_prefix_length() {
    let list = [c("fd00:1::1", 64), c("fd00:2::1", 64)];
    assert_eq!(pick("fd00:2::9", &list), Some("fd00:2::1".parse().unwrap()));
    // Beyond their /16 prefix both count as 16 bits: the first in list order wins.
    let list = [c("fd00:1::1", 16), c("fd00:2::1", 16)];
    assert_eq!(pick("fd00:2::9", &list), Some("fd00:1::1".parse().unwrap()));
}

#[test]
fn the_peers_own_address_first() {
    let list = [c("fd00:2::1", 64), c("fd00:9::9", 64)];
    assert_eq!(pick("fd00:9::9", &list), Some("fd00:9::9".parse().unwrap()));
}

#[test]
fn smallest_scope_that_reaches_the_peer() {
    // A site-local peer: a site-local source before a global one.
    let list = [c("fd00:1::1", 64), c("fec0::1", 64)];
    assert_eq!(pick("fec0::9", &list), Some("fec0::1".parse().unwrap()));
}

#[test]
fn ties_keep_list_order() {
    let list = [c("fd00:1::1", 64), c("fd00:1::2", 64)];
    assert_eq!(pick("fd00:3::9", &list), Some("fd00:1::1".parse().unwrap()));
}

#[test]
fn public_before_temporary_whatever_the_list_order() {
    // A new temporary address goes to the head of the list and shares the
    // public one's /64: only rule 7 tells them apart.
    let tmp = Candidate { temporary: true, ..c("fd00:2::8c1f:22ff:fe01:9", 64) };
    let public = c("fd00:2::1", 64);
    assert_eq!(pick("fd00:1::2", &[tmp, public]), Some("fd00:2::1".parse().unwrap()));
    assert_eq!(pick("fd00:1::2", &[tmp]), Some("fd00:2::8c1f:22ff:fe01:9".parse().unwrap()));
}

#[test]
fn multicast_and_unspecified_are_never_sources() {
    assert_eq!(pick("fd00:1::2", &[c("ff0e::1", 128), c("::", 0)]), None);
    assert_eq!(pick("fd00:1::2", &[c("ff0e::1", 128), c("fd00:2::1", 64)]), Some("fd00:2::1".parse().unwrap()));
}
