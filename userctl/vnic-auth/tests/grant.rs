//! Exchanges that end in a grant: both sides agree, nothing secret is on
//! the wire, the ID is chosen after the proof and renewals keep it.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU16;
use std::time::{Duration, Instant};

use common::*;
use vnic_auth::wire::offset;
use vnic_auth::{ClientEvent, FailReason, Message, ServerEvent};

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn success_grants_the_same_id_on_both_sides() {
    let mut net = alice();
    net.run(MINUTE);
    let grant = client_grant(&net).expect("client granted");
    let session = granted_session(&net.server_events()).expect("server granted");
    assert_eq!(grant.id, session.id);
    assert_eq!(grant.vnic, HTTP.vnic);
    assert_eq!(session.target, HTTP);
    assert_eq!((grant.service_addr, grant.service_port), (SERVER.ip(), 80));
    assert_eq!(grant.provider, SERVER);
    assert_eq!((session.user.as_str(), session.service.as_str(), session.client), ("alice", "http", CLIENT.ip()));
    // A new source first proves it receives what is sent to it.
    assert_eq!(names(&net.to_server), ["Auth-REQ", "Auth-REQ", "Auth-REP"]);
    assert_eq!(names(&net.to_client), ["Auth-RETRY", "Auth-REP & REQ", "Auth-GRANT"]);
    assert_eq!(client_error(&net), None);
    assert!(net.client.is_done());
    assert_eq!(net.server.pending(), 0);
    assert_eq!(net.server.poll_timeout(), None);
}

#[test]
fn every_exchange_starts_with_a_cookie() {
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    for seed in 1..=2 {
        let mut c = client_at("alice", b"alice's passcode", t0, seed);
        let (up, down) = exchange(&mut s, &b, &mut c, CLIENT, t0);
        assert_eq!(names(&up), ["Auth-REQ", "Auth-REQ", "Auth-REP"]);
        assert_eq!(names(&down), ["Auth-RETRY", "Auth-REP & REQ", "Auth-GRANT"]);
    }
}

#[test]
fn the_passcode_never_crosses_the_wire_and_the_id_is_sealed() {
    let mut net = alice();
    net.run(MINUTE);
    let id = granted_session(&net.server_events()).expect("granted").id.get().to_be_bytes();
    for d in net.to_server.iter().chain(&net.to_client) {
        assert!(!d.windows(8).any(|w| w == b"alice's "), "passcode on the wire");
        assert_ne!(d.get(offset::ID..offset::ID + 2), Some(&id[..]), "plain ID on the wire");
    }
}

#[test]
fn info_client_names_the_session_address_from_a_bridge_box() {
    let lan_client = IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3));
    let mut config = client_config("alice", b"alice's passcode", "http");
    config.client_addr = Some(lan_client);
    let mut backend = MemBackend::demo();
    backend.bridge_boxes = vec![CLIENT.ip()];
    let mut net = Net::new(config, server(1), backend);
    net.run(MINUTE);
    assert_eq!(granted_session(&net.server_events()).expect("granted").client, lan_client);
}

#[test]
fn only_a_bridge_box_may_name_another_client() {
    let mut config = client_config("alice", b"alice's passcode", "http");
    config.client_addr = Some(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)));
    let mut net = Net::new(config, server(1), MemBackend::demo());
    net.run(MINUTE);
    assert_eq!(failures(&net.server_events()), [FailReason::ClientNotAllowed]);
    assert_eq!(rst_codes(&net.to_client), [vnic_auth::ErrorCode::CLIENT_NOT_ALLOWED]);
}

#[test]
fn a_mapped_ipv4_source_is_an_ipv4_client() {
    let mut net = alice();
    net.from = "[::ffff:192.0.2.10]:40000".parse().unwrap();
    net.run(MINUTE);
    assert_eq!(granted_session(&net.server_events()).expect("granted").client, CLIENT.ip());
}

#[test]
fn ids_are_never_zero_and_never_in_use() {
    let (mut s, b, t0) = (server(3), MemBackend::demo(), Instant::now());
    let mut seen = std::collections::HashSet::new();
    for i in 0..40u16 {
        let from = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, (i % 200) as u8 + 1)), 40000 + i);
        let mut c = client_at("alice", b"alice's passcode", t0, u64::from(i) + 100);
        exchange(&mut s, &b, &mut c, from, t0);
        let Some(ClientEvent::Granted(g)) = c.poll_event() else { panic!("not granted") };
        assert!(seen.insert(g.id.get()), "ID {} granted twice", g.id);
    }
}

#[test]
fn a_fixed_id_is_granted_to_every_client() {
    let mut b = MemBackend::demo();
    b.fixed = Some(1);
    let (mut s, t0) = (server(3), Instant::now());
    for i in 1..=3u8 {
        let from = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, i)), 40000);
        let mut c = client_at("alice", b"alice's passcode", t0, u64::from(i));
        exchange(&mut s, &b, &mut c, from, t0);
        let Some(ClientEvent::Granted(g)) = c.poll_event() else { panic!("not granted") };
        assert_eq!(g.id.get(), 1);
    }
}

#[test]
fn no_free_id_is_refused_after_the_proof() {
    let b = MemBackend::demo();
    b.in_use.borrow_mut().extend(1..=u16::MAX);
    let mut net = alice_with(b);
    net.run(MINUTE);
    assert_eq!(failures(&net.server_events()), [FailReason::NoFreeId]);
    assert_eq!(client_error(&net), Some(vnic_auth::ClientError::Refused(vnic_auth::ErrorCode::NO_FREE_ID)));
}

/// A first grant to alice from CLIENT, then a second exchange with `renew`
/// from `from`: the second grant's ID and the first's.
fn renewal(renew: impl Fn(NonZeroU16) -> Option<NonZeroU16>, from: SocketAddr, passcode: &[u8]) -> (u16, Option<u16>) {
    let (mut s, b, t0) = (server(5), MemBackend::demo(), Instant::now());
    let mut c = client_at("alice", b"alice's passcode", t0, 1);
    exchange(&mut s, &b, &mut c, CLIENT, t0);
    let Some(ClientEvent::Granted(first)) = c.poll_event() else { panic!("not granted") };
    let mut config = client_config("alice", passcode, "http");
    config.renew = renew(first.id);
    let mut c = vnic_auth::Client::new(config, SERVER, t0, &mut TestRandom::new(2)).unwrap();
    exchange(&mut s, &b, &mut c, from, t0);
    let second = match c.poll_event() {
        Some(ClientEvent::Granted(g)) => Some(g.id.get()),
        _ => None,
    };
    (first.id.get(), second)
}

#[test]
fn a_renewal_keeps_the_id_of_the_live_session() {
    let (first, second) = renewal(Some, CLIENT, b"alice's passcode");
    assert_eq!(second, Some(first));
}

#[test]
fn a_renewal_from_another_client_or_of_a_dead_id_draws_a_new_one() {
    let other: SocketAddr = "192.0.2.11:40000".parse().unwrap();
    let (first, second) = renewal(Some, other, b"alice's passcode");
    assert_ne!(second, Some(first));
    assert!(second.is_some());
    let (first, second) = renewal(|id| NonZeroU16::new(id.get() ^ 1), CLIENT, b"alice's passcode");
    assert!(second.is_some_and(|s| s != first && s != first ^ 1));
}

#[test]
fn a_renewal_with_the_wrong_passcode_still_fails() {
    let (_, second) = renewal(Some, CLIENT, b"wrong");
    assert_eq!(second, None);
}

#[test]
fn the_renewed_id_is_sealed_not_in_clear() {
    let (mut s, b, t0) = (server(5), MemBackend::demo(), Instant::now());
    let mut c = client_at("alice", b"alice's passcode", t0, 1);
    exchange(&mut s, &b, &mut c, CLIENT, t0);
    let Some(ClientEvent::Granted(first)) = c.poll_event() else { panic!() };
    let mut config = client_config("alice", b"alice's passcode", "http");
    config.renew = Some(first.id);
    let mut c = vnic_auth::Client::new(config, SERVER, t0, &mut TestRandom::new(2)).unwrap();
    let (up, _) = exchange(&mut s, &b, &mut c, CLIENT, t0);
    let Some(ClientEvent::Granted(second)) = c.poll_event() else { panic!("not renewed") };
    assert_eq!(second.id, first.id);
    let rep = up.iter().find(|d| matches!(Message::decode(d), Ok(Message::Rep(_)))).expect("an Auth-REP");
    assert_ne!(&rep[offset::ID..offset::ID + 2], &first.id.get().to_be_bytes(), "the renewed ID in clear");
    assert!(!rep[..offset::OPAQUE].windows(2).any(|w| w == first.id.get().to_be_bytes()), "the renewed ID in clear");
    assert!(!std::iter::from_fn(|| s.poll_event()).any(|e| matches!(e, ServerEvent::Failed(_))));
}

#[test]
fn the_auth_reqs_extensions_reach_the_grant() {
    // The supervisor reports its path check in an extension (0x0002).
    let mut config = client_config("alice", b"alice's passcode", "http");
    let path = vnic_auth::Tlv { kind: vnic_auth::wire::TLV_PATH_CHECK, value: vec![vnic_auth::wire::PATH_FAILED] };
    config.ext = vec![path.clone()];
    let mut net = Net::new(config, server(1), MemBackend::demo());
    net.run(MINUTE);
    let session = granted_session(&net.server_events()).expect("server granted");
    assert_eq!(session.ext, vec![path]);
    // Without one, none.
    let mut net = alice();
    net.run(MINUTE);
    assert!(granted_session(&net.server_events()).expect("granted").ext.is_empty());
}

#[test]
fn the_client_follows_the_first_auth_retry_only() {
    // A header forwarded the request (twice: the client retransmitted it)
    // and two SPs answer with their Auth-RETRY.
    let t0 = Instant::now();
    let mut c = client_at("alice", b"alice's passcode", t0, 1);
    let first = c.poll_transmit().expect("the Auth-REQ");
    assert_eq!(first.to, SERVER);
    let Ok(Message::Req(req)) = Message::decode(&first.data) else { panic!("not an Auth-REQ") };
    let retry = |cookie: u8| {
        Message::Retry(vnic_auth::AuthRetry { txid: req.txid, nonce_c: req.nonce_c, cookie: [cookie; 16] }).encode().unwrap()
    };
    let sp_a: SocketAddr = "198.51.100.21:7390".parse().unwrap();
    let sp_b: SocketAddr = "198.51.100.22:7390".parse().unwrap();
    c.handle_datagram(t0, sp_a, &retry(0xa));
    let to_a = c.poll_transmit().expect("the request again");
    assert_eq!(to_a.to, sp_a, "to the SP that sent the cookie");
    c.handle_datagram(t0, sp_b, &retry(0xb));
    assert!(c.poll_transmit().is_none(), "the second SP's Auth-RETRY is ignored");
    // Nor does a later cookie of the first SP (the provider's next cookie
    // epoch, answering the retransmitted first request): the provider's
    // exchange is bound to the request with the first cookie.
    c.handle_datagram(t0, sp_a, &retry(0xc));
    assert!(c.poll_transmit().is_none(), "a second cookie is ignored");
}

#[test]
fn a_first_request_answered_twice_across_a_cookie_epoch_still_grants() {
    // The first Auth-REQ and its retransmission reach the provider on both
    // sides of a cookie epoch: two Auth-RETRYs with different cookies. The
    // exchange the provider keeps is bound to the request with the first.
    let (mut s, b) = (server(1), MemBackend::demo());
    let t0 = Instant::now();
    let (before, after) = (t0 + Duration::from_millis(59_500), t0 + Duration::from_millis(60_500));
    let mut c = client_at("alice", b"alice's passcode", before, 1);
    let req = c.poll_transmit().expect("the Auth-REQ").data;
    s.handle_datagram(before, CLIENT, &req, &b);
    let retry_a = s.poll_transmit().expect("the first Auth-RETRY").data;
    s.handle_datagram(after, CLIENT, &req, &b);
    let retry_b = s.poll_transmit().expect("the second Auth-RETRY").data;
    assert_ne!(retry_a, retry_b, "the cookies differ across the epoch");
    c.handle_datagram(after, SERVER, &retry_a);
    let with_a = c.poll_transmit().expect("the request with the first cookie").data;
    s.handle_datagram(after, CLIENT, &with_a, &b);
    let rr = s.poll_transmit().expect("the Auth-REP & REQ").data;
    c.handle_datagram(after, SERVER, &retry_b);
    while let Some(t) = c.poll_transmit() {
        s.handle_datagram(after, CLIENT, &t.data, &b);
    }
    while s.poll_transmit().is_some() {}
    c.handle_datagram(after, SERVER, &rr);
    let (up, _) = exchange(&mut s, &b, &mut c, CLIENT, after);
    assert_eq!(names(&up), ["Auth-REP"]);
    let granted = std::iter::from_fn(|| c.poll_event()).any(|e| matches!(e, ClientEvent::Granted(_)));
    assert!(granted, "granted, not 'wrong user or passcode'");
}
