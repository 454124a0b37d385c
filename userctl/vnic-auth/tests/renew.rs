//! The "renew" extension: a supervisor renewing a live session keeps its
//! ID; anything else draws a new one.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU16;
use std::time::Duration;

use common::{client_config, server, MemBackend, Net, TestRandom, SERVER};
use vnic_auth::{Client, ClientConfig, ClientEvent, Grant, Tlv};

const LIMIT: Duration = Duration::from_secs(60);

fn grant(net: &Net) -> Grant {
    net.client_events()
        .into_iter()
        .find_map(|e| match e {
            ClientEvent::Granted(g) => Some(g),
            ClientEvent::Failed(_) => None,
        })
        .expect("granted")
}

/// Alice's first exchange, run to its end.
fn first() -> Net {
    let mut net = Net::new(
        client_config("alice", b"alice's passcode", "http"),
        server(1),
        MemBackend::demo(),
    );
    net.run(LIMIT);
    net
}

/// A second exchange with `config` against the first one's server and
/// database, from `from`.
fn again(first: Net, config: ClientConfig, from: SocketAddr) -> Net {
    let mut net = Net::new(config.clone(), first.server, first.backend);
    // Fresh nonces: the first exchange's would be a replay.
    net.client = Client::new(config, SERVER, net.now, &mut TestRandom::new(4242)).expect("client");
    net.from = from;
    net.run(LIMIT);
    net
}

fn renewing(user: &str, passcode: &[u8], id: NonZeroU16) -> ClientConfig {
    let mut c = client_config(user, passcode, "http");
    c.ext = vec![Tlv::renew(id)];
    c
}

#[test]
fn a_renewal_keeps_the_id_of_the_live_session() {
    let net = first();
    let id = grant(&net).id;
    let from = net.from;
    let net = again(net, renewing("alice", b"alice's passcode", id), from);
    assert_eq!(grant(&net).id, id);
}

#[test]
fn a_renewal_from_another_client_draws_a_new_id() {
    let net = first();
    let id = grant(&net).id;
    let other = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 9, 9)), 40000);
    let net = again(net, renewing("alice", b"alice's passcode", id), other);
    assert_ne!(grant(&net).id, id);
}

#[test]
fn a_renewal_of_an_id_that_is_not_live_draws_a_new_one() {
    let net = first();
    let id = grant(&net).id;
    let from = net.from;
    net.backend.live.borrow_mut().clear();
    net.backend.in_use.borrow_mut().clear();
    net.backend.in_use.borrow_mut().insert(id.get());
    let net = again(net, renewing("alice", b"alice's passcode", id), from);
    assert_ne!(grant(&net).id, id);
}

#[test]
fn a_renewal_with_the_wrong_passcode_still_fails() {
    let net = first();
    let id = grant(&net).id;
    let from = net.from;
    let net = again(net, renewing("alice", b"not it", id), from);
    assert!(net
        .client_events()
        .iter()
        .all(|e| matches!(e, ClientEvent::Failed(_))));
}

#[test]
fn the_extension_round_trips_and_malformed_values_are_ignored() {
    let id = NonZeroU16::new(0x6541).unwrap();
    assert_eq!(Tlv::renew(id).value, [0x65, 0x41]);
    assert_eq!(Tlv::renew_id(&[Tlv::renew(id)]), Some(id));
    let short = Tlv { kind: vnic_auth::wire::TLV_RENEW, value: vec![1] };
    let zero = Tlv { kind: vnic_auth::wire::TLV_RENEW, value: vec![0, 0] };
    assert_eq!(Tlv::renew_id(std::slice::from_ref(&short)), None);
    assert_eq!(Tlv::renew_id(&[zero]), None);
    assert_eq!(Tlv::renew_id(&[short, Tlv::renew(id)]), Some(id));
}
