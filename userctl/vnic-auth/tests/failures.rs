//! Exchanges that fail: each failure ends on both sides with its code and
//! one sentence, and unknown users look exactly like a wrong passcode.

mod common;

use std::time::{Duration, Instant};

use common::*;
use vnic_auth::wire::{self, offset};
use vnic_auth::{message, ClientError, ErrorCode, FailReason, KdfLimits, Message, ServerEvent};

const MINUTE: Duration = Duration::from_secs(60);

fn run_as(user: &str, passcode: &[u8], service: &str) -> Net {
    let mut net = Net::new(client_config(user, passcode, service), server(1), MemBackend::demo());
    net.run(MINUTE);
    net
}

#[test]
fn wrong_passcode_fails_on_both_sides_with_a_sentence() {
    let net = run_as("alice", b"not alice's passcode", "http");
    let err = client_error(&net).expect("client failed");
    assert_eq!(err, ClientError::AuthFailed);
    assert!(err.to_string().starts_with("authentication failed: wrong user name or passcode"));
    assert_eq!(failures(&net.server_events()), [FailReason::WrongPasscode]);
    assert_eq!(names(&net.to_server).last(), Some(&"Auth-RST"), "the client resets");
    assert_eq!(granted_session(&net.server_events()), None);
}

#[test]
fn unknown_and_unpermitted_users_look_like_a_wrong_passcode() {
    let wrong = run_as("alice", b"guess", "http");
    for (user, reason) in [("mallory", FailReason::UnknownUser), ("bob", FailReason::NotPermitted)] {
        let net = run_as(user, b"guess", "http");
        assert_eq!(client_error(&net), Some(ClientError::AuthFailed), "{user}");
        assert_eq!(failures(&net.server_events()), [reason]);
        assert_eq!(names(&net.to_client), names(&wrong.to_client), "{user}: same messages");
        for (a, b) in net.to_client.iter().zip(&wrong.to_client) {
            assert_eq!(a.len(), b.len(), "{user}: same sizes");
            // The same cost is announced for a fake record as for a real one.
            assert_eq!(a[offset::KDF..offset::COOKIE], b[offset::KDF..offset::COOKIE]);
        }
    }
}

#[test]
fn no_such_service_is_refused_at_once() {
    let net = run_as("alice", b"alice's passcode", "gopher");
    assert_eq!(client_error(&net), Some(ClientError::Refused(ErrorCode::NO_SUCH_SERVICE)));
    assert_eq!(failures(&net.server_events()), [FailReason::NoSuchService]);
}

#[test]
fn a_failing_backend_is_an_internal_error() {
    let mut b = MemBackend::demo();
    b.unavailable = true;
    let mut net = alice_with(b);
    net.run(MINUTE);
    assert_eq!(client_error(&net), Some(ClientError::Refused(ErrorCode::INTERNAL)));
    assert_eq!(failures(&net.server_events()), [FailReason::Unavailable]);
}

#[test]
fn excessive_argon2_cost_is_refused_by_the_client() {
    let mut config = client_config("alice", b"alice's passcode", "http");
    config.limits = KdfLimits { max_m_kib: 32, ..KdfLimits::DEFAULT };
    let mut net = Net::new(config, server(1), MemBackend::demo());
    net.run(MINUTE);
    let err = client_error(&net).expect("refused");
    assert!(matches!(err, ClientError::KdfLimit { .. }), "{err}");
    assert_eq!(rst_codes(&net.to_server), [ErrorCode::KDF_REFUSED]);
}

#[test]
fn a_tampered_challenge_fails_opaque_on_the_client() {
    for at in [offset::PORT, offset::NONCE_S, offset::KDF_M + 3, offset::OPAQUE + 100] {
        let mut net = alice();
        net.drop_to_client = Box::new(|_, _| false);
        // Flip one byte of Auth-REP & REQ on its way.
        let mut s = server(1);
        let t0 = net.t0;
        let mut c = client_at("alice", b"alice's passcode", t0, 7);
        let b = MemBackend::demo();
        let mut rr = None;
        for _ in 0..3 {
            while let Some(t) = c.poll_transmit() {
                s.handle_datagram(t0, CLIENT, &t.data, &b);
            }
            while let Some(t) = s.poll_transmit() {
                let mut data = t.data;
                if matches!(Message::decode(&data), Ok(Message::RepReq(_))) {
                    data[at] ^= 1;
                    rr = Some(data.clone());
                }
                c.handle_datagram(t0, SERVER, &data);
            }
        }
        assert!(rr.is_some(), "a challenge came");
        let err = std::iter::from_fn(|| c.poll_event()).find_map(|e| match e {
            vnic_auth::ClientEvent::Failed(e) => Some(e),
            _ => None,
        });
        assert_eq!(err, Some(ClientError::AuthFailed), "byte {at}");
        drop(net);
    }
}

#[test]
fn a_forged_client_proof_is_refused() {
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    let mut c = client_at("alice", b"alice's passcode", t0, 3);
    let mut codes = Vec::new();
    for _ in 0..4 {
        while let Some(t) = c.poll_transmit() {
            let mut data = t.data;
            if matches!(Message::decode(&data), Ok(Message::Rep(_))) {
                data[offset::OPAQUE + 10] ^= 0x40;
            }
            s.handle_datagram(t0, CLIENT, &data, &b);
        }
        while let Some(t) = s.poll_transmit() {
            codes.extend(rst_codes(std::slice::from_ref(&t.data)));
            c.handle_datagram(t0, SERVER, &t.data);
        }
    }
    assert_eq!(codes, [ErrorCode::AUTH_FAILED]);
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert_eq!(failures(&events), [FailReason::BadClientProof]);
    assert!(matches!(c.poll_event(), Some(vnic_auth::ClientEvent::Failed(ClientError::Refused(ErrorCode::AUTH_FAILED)))));
}

#[test]
fn version_1_peers_get_a_clear_error_both_ways() {
    // A version 1 Auth-REQ (276 bytes): the provider answers with version
    // 1's Auth-RST "unsupported version", which a version 1 client reads.
    let mut v1 = vec![0u8; wire::V1_FIXED_LEN];
    v1[..4].copy_from_slice(b"VN\x01\x01");
    v1[4..6].copy_from_slice(&1u16.to_be_bytes());
    v1[8..12].copy_from_slice(&77u32.to_be_bytes());
    v1[136..168].copy_from_slice(&[9; 32]);
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    s.handle_datagram(t0, CLIENT, &v1, &b);
    let answer = s.poll_transmit().expect("an answer").data;
    assert_eq!(answer.len(), 276);
    assert!(message::is_v1_rst(&answer, 77, &[9; 32]));
    assert_eq!(u16::from_be_bytes([answer[6], answer[7]]), ErrorCode::UNSUPPORTED_VERSION.0);
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert_eq!(failures(&events), [FailReason::UnsupportedVersion(1)]);
    // A version 1 provider answers a version 2 request the same way: the
    // client says what is wrong in one sentence.
    let mut c = client_at("alice", b"alice's passcode", t0, 1);
    let req = c.poll_transmit().unwrap().data;
    let txid = u32::from_be_bytes(req[8..12].try_into().unwrap());
    let nonce: [u8; 32] = req[136..168].try_into().unwrap();
    c.handle_datagram(t0, SERVER, &message::v1_unsupported_version(txid, &nonce));
    let Some(vnic_auth::ClientEvent::Failed(err)) = c.poll_event() else { panic!("no failure") };
    assert_eq!(err, ClientError::OldProvider);
    assert!(err.to_string().contains("version 1"), "{err}");
}

#[test]
fn other_applications_get_an_auth_rst_garbage_gets_nothing() {
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    let mut c = client_at("alice", b"alice's passcode", t0, 1);
    let mut req = c.poll_transmit().unwrap().data;
    req[offset::COOP..offset::COOP + 2].copy_from_slice(&2u16.to_be_bytes());
    s.handle_datagram(t0, CLIENT, &req, &b);
    assert_eq!(rst_codes(&[s.poll_transmit().expect("answered").data]), [ErrorCode::UNSUPPORTED_APPLICATION]);
    for garbage in [vec![], vec![0x56; 10], vec![0; 600], b"VN".repeat(100)] {
        s.handle_datagram(t0, CLIENT, &garbage, &b);
        assert!(s.poll_transmit().is_none(), "answered {} bytes of garbage", garbage.len());
    }
}

#[test]
fn the_client_validates_its_request() {
    let t0 = Instant::now();
    for (user, service) in [("", "http"), ("alice", ""), (&*"u".repeat(64), "http"), ("a\nb", "http")] {
        let r = vnic_auth::Client::new(client_config(user, b"x", service), SERVER, t0, &mut TestRandom::new(1));
        assert!(matches!(r, Err(ClientError::Request(_))), "{user:?} {service:?}");
    }
}

#[test]
fn server_event_lines_are_sentences() {
    let net = run_as("alice", b"guess", "http");
    for e in net.server_events() {
        let line = e.to_string();
        assert!(!line.contains("Some(") && !line.contains("{ "), "{line}");
        if let ServerEvent::Failed(_) = e {
            assert!(line.starts_with("authentication of user \"alice\""), "{line}");
        }
    }
}
