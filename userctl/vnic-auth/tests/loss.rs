//! Loss and retransmission: the client retransmits, the provider answers
//! each copy with the same bytes (never on its own), and gives up in time.

mod common;

use std::time::Duration;

use common::*;
use vnic_auth::{ClientError, FailReason, Message};

const MINUTE: Duration = Duration::from_secs(60);

fn is(name: &'static str) -> impl Fn(&[u8]) -> bool {
    move |d| Message::decode(d).is_ok_and(|m| m.name() == name)
}

/// Loses the first datagram that is a `name`.
fn lose_first(name: &'static str) -> common::LossFn {
    let matches = is(name);
    let mut dropped = false;
    Box::new(move |_, d| {
        let lose = matches(d) && !dropped;
        dropped |= lose;
        lose
    })
}

#[test]
fn a_lost_auth_req_is_retransmitted_with_backoff() {
    let mut net = alice();
    net.drop_to_server = Box::new(|n, _| n == 0);
    net.run(MINUTE);
    assert!(client_grant(&net).is_some());
    assert_eq!(names(&net.to_server)[..2], ["Auth-REQ", "Auth-REQ"]);
    assert_eq!(net.to_server[0], net.to_server[1], "the same bytes again");
    assert!(net.elapsed() >= Duration::from_millis(500), "waited for the first retransmission");
}

#[test]
fn silence_ends_in_a_timeout_after_the_last_try() {
    let mut net = alice();
    net.drop_to_server = Box::new(|_, _| true);
    net.run(MINUTE);
    let err = client_error(&net).expect("timed out");
    assert!(matches!(err, ClientError::Timeout { tries: 4, .. }), "{err}");
    assert!(err.to_string().starts_with("no answer from the provider 198.51.100.1:7390 after 4 tries over 7.5 s"), "{err}");
    assert_eq!(net.server.pending(), 0);
}

#[test]
fn a_lost_grant_is_recovered_by_the_clients_retransmitted_auth_rep() {
    let mut net = alice();
    net.drop_to_client = lose_first("Auth-GRANT");
    net.run(MINUTE);
    let g = client_grant(&net).expect("granted at last");
    let session = granted_session(&net.server_events()).expect("one session");
    assert_eq!(g.id, session.id);
    assert_eq!(net.server_events().iter().filter(|e| matches!(e, vnic_auth::ServerEvent::Granted(_))).count(), 1);
    let grants: Vec<_> = net.to_client.iter().filter(|d| is("Auth-GRANT")(d)).collect();
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[0], grants[1], "the same Auth-GRANT again");
}

#[test]
fn a_lost_challenge_is_answered_again_with_the_same_bytes() {
    let mut net = alice();
    net.drop_to_client = lose_first("Auth-REP & REQ");
    net.run(MINUTE);
    assert!(client_grant(&net).is_some());
    let rrs: Vec<_> = net.to_client.iter().filter(|d| is("Auth-REP & REQ")(d)).collect();
    assert_eq!(rrs.len(), 2);
    assert_eq!(rrs[0], rrs[1]);
}

#[test]
fn a_provider_that_hears_no_auth_rep_gives_up_silently() {
    let mut net = alice();
    let rep = is("Auth-REP");
    net.drop_to_server = Box::new(move |_, d| rep(d));
    net.run(MINUTE);
    assert!(matches!(client_error(&net), Some(ClientError::Timeout { .. })));
    assert_eq!(failures(&net.server_events()), [FailReason::Timeout]);
    assert!(names(&net.to_client).iter().all(|&n| n != "Auth-RST"), "nothing sent on a timeout");
    assert_eq!(net.server.pending(), 0);
}
