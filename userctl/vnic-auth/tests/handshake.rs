//! The whole exchange between a client and a server: success, each failure,
//! loss and retransmission, replays, rate limits, ID allocation.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use common::{
    client_config, server, server_config, MemBackend, Net, TestRandom, CLIENT, HTTP, SERVER,
};
use vnic_auth::wire::offset;
use vnic_auth::{
    Argon2Cost, Client, ClientError, ClientEvent, DropReason, ErrorCode, FailReason, Grant,
    Message, Server, ServerEvent, Session,
};

const SECOND: Duration = Duration::from_secs(1);

fn alice_with(backend: MemBackend) -> Net {
    Net::new(
        client_config("alice", b"alice's passcode", "http"),
        server(1),
        backend,
    )
}

fn alice() -> Net {
    alice_with(MemBackend::demo())
}

/// The exchange of `user` with the demo database, run to its end.
fn run_as(user: &str, passcode: &[u8], service: &str) -> Net {
    let mut net = Net::new(
        client_config(user, passcode, service),
        server(1),
        MemBackend::demo(),
    );
    net.run(Duration::from_secs(60));
    net
}

/// Alice's exchange with `backend` ends in an Auth-RST with `code`.
fn assert_refused(backend: MemBackend, code: ErrorCode, reason: FailReason) {
    let mut net = alice_with(backend);
    net.run(Duration::from_secs(60));
    assert_eq!(client_error(&net), Some(ClientError::Refused(code)));
    assert_eq!(failures(&net.server_events()), [reason]);
}

fn granted_session(events: &[ServerEvent]) -> Option<Session> {
    events.iter().find_map(|e| match e {
        ServerEvent::Granted(s) => Some(s.clone()),
        _ => None,
    })
}

fn failures(events: &[ServerEvent]) -> Vec<FailReason> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Failed(f) => Some(f.reason.clone()),
            _ => None,
        })
        .collect()
}

fn client_error(net: &Net) -> Option<ClientError> {
    net.client_events().into_iter().find_map(|e| match e {
        ClientEvent::Failed(err) => Some(err),
        ClientEvent::Granted(_) => None,
    })
}

fn client_grant(net: &Net) -> Option<Grant> {
    net.client_events().into_iter().find_map(|e| match e {
        ClientEvent::Granted(g) => Some(g),
        ClientEvent::Failed(_) => None,
    })
}

fn rst_codes(datagrams: &[Vec<u8>]) -> Vec<ErrorCode> {
    datagrams
        .iter()
        .filter_map(|d| match Message::decode(d) {
            Ok(Message::Rst(r)) => Some(r.error),
            _ => None,
        })
        .collect()
}

#[test]
fn success_grants_the_same_id_on_both_sides() {
    let mut net = alice();
    net.run(Duration::from_secs(60));
    let grant = client_grant(&net).expect("client granted");
    let session = granted_session(&net.server_events()).expect("server granted");
    assert_eq!(grant.id, session.id);
    assert_eq!(grant.vnic, HTTP.vnic);
    assert_eq!(session.target, HTTP);
    assert_eq!((grant.service_addr, grant.service_port), (SERVER.ip(), 80));
    assert_eq!(grant.provider, SERVER);
    assert_eq!(
        (
            session.user.as_str(),
            session.service.as_str(),
            session.client
        ),
        ("alice", "http", CLIENT.ip())
    );
    assert_eq!(net.to_server.len(), 2, "Auth-REQ and Auth-REP");
    assert_eq!(net.to_client.len(), 1, "Auth-REP & REQ");
    assert_eq!(client_error(&net), None);
    assert!(net.client.is_done(), "done after the linger time");
    assert_eq!(net.server.pending(), 0);
    assert_eq!(net.server.poll_timeout(), None);
}

#[test]
fn the_passcode_never_crosses_the_wire_and_the_id_is_sealed() {
    let mut net = alice();
    net.run(Duration::from_secs(60));
    let id = granted_session(&net.server_events())
        .expect("granted")
        .id
        .get()
        .to_be_bytes();
    for d in net.to_server.iter().chain(&net.to_client) {
        assert!(
            !d.windows(8).any(|w| w == b"alice's "),
            "passcode on the wire"
        );
        assert_ne!(
            d.get(offset::ID..offset::ID + 2),
            Some(&id[..]),
            "plain ID on the wire"
        );
    }
}

#[test]
fn info_client_names_the_session_address_from_a_bridge_box() {
    let mut config = client_config("alice", b"alice's passcode", "http");
    let lan_client = IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3));
    config.client_addr = Some(lan_client);
    let backend = MemBackend { bridge_boxes: vec![CLIENT.ip()], ..MemBackend::demo() };
    let mut net = Net::new(config, server(1), backend);
    net.run(Duration::from_secs(60));
    assert_eq!(
        granted_session(&net.server_events())
            .expect("granted")
            .client,
        lan_client
    );
}

#[test]
fn only_a_bridge_box_may_name_another_client() {
    // Any other host asks for its own address only: otherwise a user could
    // name another client's address and replace that client's session.
    let mut config = client_config("alice", b"alice's passcode", "http");
    config.client_addr = Some(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)));
    let mut net = Net::new(config, server(1), MemBackend::demo());
    net.run(Duration::from_secs(60));
    assert!(granted_session(&net.server_events()).is_none(), "granted for another address");
    assert_eq!(failures(&net.server_events()), vec![FailReason::ClientNotAllowed]);
    assert_eq!(client_error(&net), Some(ClientError::Refused(ErrorCode::CLIENT_NOT_ALLOWED)));
    let sentence = ErrorCode::CLIENT_NOT_ALLOWED.to_string();
    assert!(sentence.contains("another client address"), "{sentence}");
    // Naming its own address is what every host may do.
    let mut config = client_config("alice", b"alice's passcode", "http");
    config.client_addr = Some(CLIENT.ip());
    let mut net = Net::new(config, server(1), MemBackend::demo());
    net.run(Duration::from_secs(60));
    assert!(granted_session(&net.server_events()).is_some(), "refused its own address");
}

#[test]
fn a_mapped_ipv4_source_is_an_ipv4_client() {
    let mut net = alice();
    net.from = "[::ffff:192.0.2.10]:40000".parse().expect("addr");
    net.run(Duration::from_secs(60));
    assert_eq!(
        granted_session(&net.server_events())
            .expect("granted")
            .client,
        CLIENT.ip()
    );
}

#[test]
fn wrong_passcode_fails_on_both_sides_with_a_sentence() {
    let net = run_as("alice", b"guess", "http");
    let err = client_error(&net).expect("client failed");
    assert_eq!(err, ClientError::AuthFailed);
    assert_eq!(
        err.to_string(),
        "authentication failed: wrong user name or passcode (or the answer did not come from the genuine provider)"
    );
    assert_eq!(failures(&net.server_events()), [FailReason::WrongPasscode]);
    assert_eq!(
        rst_codes(&net.to_server),
        [ErrorCode::AUTH_FAILED],
        "the client ends with Auth-RST"
    );
    let line = net.server_events()[0].to_string();
    assert!(
        line.contains("\"alice\"") && line.contains("wrong passcode"),
        "{line}"
    );
    assert_eq!(granted_session(&net.server_events()), None);
}

#[test]
fn unknown_and_unpermitted_users_look_like_a_wrong_passcode() {
    let mut answers = Vec::new();
    for (user, service, reason) in [
        ("mallory", "http", FailReason::UnknownUser),
        ("bob", "http", FailReason::NotPermitted),
        ("alice", "http", FailReason::WrongPasscode),
    ] {
        let net = run_as(user, b"guess", service);
        assert_eq!(client_error(&net), Some(ClientError::AuthFailed), "{user}");
        assert_eq!(failures(&net.server_events()), [reason], "{user}");
        let Ok(Message::RepReq(rr)) = Message::decode(&net.to_client[0]) else {
            panic!("no challenge")
        };
        answers.push((net.to_client[0].len(), rr.kdf.cost, rr.service_port));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
}

#[test]
fn a_fake_salt_is_stable_like_a_real_one() {
    let salt_of = |user: &str, seed: u64| {
        let mut net = Net::new(
            client_config(user, b"x", "http"),
            server(seed),
            MemBackend::demo(),
        );
        net.flush();
        match Message::decode(&net.to_client[0]) {
            Ok(Message::RepReq(rr)) => rr.kdf.salt,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(salt_of("mallory", 1), salt_of("mallory", 2));
    assert_ne!(salt_of("mallory", 1), salt_of("eve", 1));
    assert_eq!(salt_of("alice", 1), salt_of("alice", 2));
}

#[test]
fn no_such_service_is_refused_at_once() {
    let net = run_as("alice", b"alice's passcode", "gopher");
    let err = client_error(&net).expect("failed");
    assert_eq!(err, ClientError::Refused(ErrorCode::NO_SUCH_SERVICE));
    assert_eq!(
        err.to_string(),
        "the provider refused: the provider offers no such service"
    );
    assert_eq!(failures(&net.server_events()), [FailReason::NoSuchService]);
}

#[test]
fn a_failing_backend_is_an_internal_error() {
    let mut backend = MemBackend::demo();
    backend.unavailable = true;
    assert_refused(backend, ErrorCode::INTERNAL, FailReason::Unavailable);
}

#[test]
fn a_lost_auth_req_is_retransmitted_with_backoff() {
    let mut net = alice();
    net.drop_to_server = Box::new(|n, _| n < 2);
    net.run(Duration::from_secs(60));
    assert!(client_grant(&net).is_some());
    let granted_at = net.client_events[0].0;
    assert_eq!(
        granted_at,
        Duration::from_millis(1500),
        "sends at 0, 0.5 s, 1.5 s"
    );
}

#[test]
fn silence_ends_in_a_timeout_after_the_last_try() {
    let mut net = alice();
    net.drop_to_server = Box::new(|_, _| true);
    net.run(Duration::from_secs(60));
    let (at, event) = net.client_events.last().cloned().expect("an event");
    assert_eq!(at, Duration::from_millis(7500));
    let ClientEvent::Failed(err) = event else {
        panic!("{event:?}")
    };
    assert_eq!(
        err.to_string(),
        "no answer from the provider 198.51.100.1:7390 after 4 tries over 7.5 s"
    );
    assert_eq!(net.to_server.len(), 4);
    assert!(net.client.is_done());
}

#[test]
fn a_lost_auth_rep_is_recovered_by_the_servers_retransmission() {
    let mut net = alice();
    net.drop_to_server = Box::new(|n, _| n == 1);
    net.run(Duration::from_secs(60));
    let session = granted_session(&net.server_events()).expect("granted");
    assert_eq!(Some(session.id), client_grant(&net).map(|g| g.id));
    assert_eq!(net.to_client.len(), 2, "Auth-REP & REQ sent twice");
    assert_eq!(net.to_client[0], net.to_client[1], "the same bytes");
    assert_eq!(
        net.to_server[1], net.to_server[2],
        "the client answers with the same Auth-REP"
    );
    assert_eq!(net.server_events[0].0, SECOND);
}

#[test]
fn a_server_that_never_gets_the_auth_rep_resets_and_the_client_hears_it() {
    let mut net = alice();
    net.drop_to_server = Box::new(|n, _| n >= 1);
    net.run(Duration::from_secs(60));
    assert!(client_grant(&net).is_some(), "the client was granted first");
    assert_eq!(
        client_error(&net),
        Some(ClientError::Revoked(ErrorCode::TIMEOUT))
    );
    assert_eq!(failures(&net.server_events()), [FailReason::Timeout]);
    assert_eq!(net.to_client.len(), 4, "3 challenges and the Auth-RST");
    assert_eq!(net.server_events[0].0, Duration::from_secs(10));
    assert_eq!(
        ClientError::Revoked(ErrorCode::TIMEOUT).to_string(),
        "the provider reset the session after granting it: the exchange timed out"
    );
}

#[test]
fn a_duplicated_auth_req_gets_the_same_answer_and_one_exchange() {
    let mut net = alice();
    let req = net.client.poll_transmit().expect("Auth-REQ").data;
    let mut s = server(1);
    let backend = MemBackend::demo();
    s.handle_datagram(net.now, CLIENT, &req, &backend);
    s.handle_datagram(net.now, CLIENT, &req, &backend);
    let a = s.poll_transmit().expect("answer").data;
    let b = s.poll_transmit().expect("answer again").data;
    assert_eq!(a, b);
    assert_eq!(s.pending(), 1);
    net.client.handle_datagram(net.now, SERVER, &a);
    assert!(matches!(
        net.client.poll_event(),
        Some(ClientEvent::Granted(_))
    ));
}

#[test]
fn replays_are_rejected() {
    let mut net = alice();
    net.run(Duration::from_secs(60));
    let (req, rep) = (net.to_server[0].clone(), net.to_server[1].clone());
    let attacker: SocketAddr = "203.0.113.9:5000".parse().expect("addr");
    let later = net.now + Duration::from_secs(30);
    for (from, data) in [
        (CLIENT, &req),
        (attacker, &req),
        (CLIENT, &rep),
        (attacker, &rep),
    ] {
        net.server.handle_datagram(later, from, data, &net.backend);
    }
    let events: Vec<_> = std::iter::from_fn(|| net.server.poll_event()).collect();
    let reasons: Vec<_> = events
        .iter()
        .map(|e| match e {
            ServerEvent::Dropped { reason, .. } => reason.clone(),
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(
        reasons,
        [
            DropReason::Replay,
            DropReason::Replay,
            DropReason::Unmatched,
            DropReason::Unmatched
        ]
    );
    assert_eq!(net.server.poll_transmit(), None, "no answer to replays");
}

#[test]
fn the_client_ignores_answers_that_do_not_echo_its_nonce() {
    let mut net = alice();
    net.flush();
    let mut c = Client::new(
        client_config("alice", b"alice's passcode", "http"),
        SERVER,
        net.t0,
        &mut TestRandom::new(42),
    )
    .expect("client");
    c.poll_transmit();
    // A genuine answer to the same transaction id but another Nc (the first
    // client's, as the same seed gives the same txid) is ignored...
    let mut other = Client::new(
        client_config("alice", b"alice's passcode", "http"),
        SERVER,
        net.t0,
        &mut TestRandom::new(43),
    )
    .expect("client");
    let other_req = other.poll_transmit().expect("req").data;
    let mut s = server(1);
    s.handle_datagram(net.t0, CLIENT, &other_req, &net.backend);
    let answer = s.poll_transmit().expect("answer").data;
    c.handle_datagram(net.t0, SERVER, &answer);
    assert_eq!(c.poll_event(), None);
    assert_eq!(c.poll_transmit(), None);
    // ... and so is an Auth-RST that does not echo it.
    let Ok(Message::RepReq(rr)) = Message::decode(&answer) else {
        panic!()
    };
    let rst = Message::Rst(vnic_auth::AuthRst {
        txid: c.txid(),
        error: ErrorCode::AUTH_FAILED,
        nonce_c: rr.nonce_c,
        nonce_s: [0; 32],
        ext: vec![],
    });
    c.handle_datagram(net.t0, SERVER, &rst.encode().expect("encodes"));
    assert_eq!(c.poll_event(), None);
    assert!(!c.is_done());
}

#[test]
fn a_tampered_challenge_fails_the_servers_proof() {
    for at in [
        offset::ID,
        offset::TAG + 3,
        offset::NONCE_S,
        offset::SALT,
        offset::PORT + 1,
    ] {
        let mut net = alice();
        net.drop_to_client = Box::new(|_, _| true);
        net.flush();
        let mut rr = net.to_client[0].clone();
        rr[at] ^= 0x40;
        net.client.handle_datagram(net.now, SERVER, &rr);
        let err = std::iter::from_fn(|| net.client.poll_event()).next();
        assert_eq!(
            err,
            Some(ClientEvent::Failed(ClientError::AuthFailed)),
            "byte {at}"
        );
    }
}

#[test]
fn a_wrong_client_proof_is_refused_and_the_client_hears_it() {
    let mut net = alice();
    net.drop_to_server = Box::new(|n, _| n == 1);
    net.flush();
    let mut rep = net.to_server[1].clone();
    rep[offset::PROOF] ^= 1;
    net.server
        .handle_datagram(net.now, CLIENT, &rep, &net.backend);
    net.flush();
    assert_eq!(failures(&net.server_events()), [FailReason::BadClientProof]);
    assert_eq!(
        client_error(&net),
        Some(ClientError::Revoked(ErrorCode::AUTH_FAILED))
    );
    assert_eq!(granted_session(&net.server_events()), None);
}

#[test]
fn failures_lock_out_the_user_then_the_lock_expires() {
    let backend = MemBackend::demo();
    let mut s = server(1);
    let t0 = Instant::now();
    let attempt = |s: &mut Server, at: Duration, passcode: &[u8], port: u16| {
        let from = SocketAddr::new(CLIENT.ip(), port);
        let mut net = Net::new(
            client_config("alice", passcode, "http"),
            std::mem::replace(s, server(9)),
            backend_clone(&backend),
        );
        net.t0 = t0;
        net.now = t0 + at;
        net.from = from;
        net.client = Client::new(
            client_config("alice", passcode, "http"),
            SERVER,
            net.now,
            &mut TestRandom::new(port.into()),
        )
        .expect("client");
        net.run(at + Duration::from_secs(60));
        *s = std::mem::replace(&mut net.server, server(9));
        client_error(&net)
    };
    for i in 0..5 {
        assert_eq!(
            attempt(&mut s, Duration::from_secs(i), b"guess", 1000 + i as u16),
            Some(ClientError::AuthFailed)
        );
    }
    let locked = attempt(&mut s, Duration::from_secs(6), b"alice's passcode", 2000);
    assert_eq!(locked, Some(ClientError::Refused(ErrorCode::RATE_LIMITED)));
    assert_eq!(
        locked.map(|e| e.to_string()).as_deref(),
        Some("the provider refused: too many failed attempts, try again later")
    );
    assert_eq!(
        attempt(&mut s, Duration::from_secs(70), b"alice's passcode", 2001),
        None,
        "unlocked after 60 s"
    );
}

/// Abandoned exchanges (an Auth-REQ and never an Auth-REP) test no passcode:
/// they count against their source, not against the user they name, so
/// that neither a storm of forged Auth-REQs nor honest clients too slow to
/// answer lock the user out.
#[test]
fn abandoned_exchanges_do_not_lock_out_the_user() {
    let backend = MemBackend::demo();
    let mut s = server(1);
    let t0 = Instant::now();
    for i in 0..8u8 {
        let mut c = alice_client(t0, i.into());
        let req = c.poll_transmit().expect("req").data;
        let from = SocketAddr::new(std::net::IpAddr::from([192, 0, 2, 100 + i]), 1000);
        s.handle_datagram(t0, from, &req, &backend);
        assert!(matches!(
            Message::decode(&s.poll_transmit().expect("challenge").data),
            Ok(Message::RepReq(_))
        ));
    }
    let later = t0 + Duration::from_secs(11);
    s.handle_timeout(later);
    let timeouts = std::iter::from_fn(|| s.poll_event())
        .filter(|e| matches!(e, ServerEvent::Failed(f) if f.reason == FailReason::Timeout))
        .count();
    assert_eq!(timeouts, 8, "every abandoned exchange timed out");
    while s.poll_transmit().is_some() {}
    // alice, from her own address, is still granted.
    let mut c = alice_client(later, 77);
    s.handle_datagram(later, CLIENT, &c.poll_transmit().expect("req").data, &backend);
    c.handle_datagram(later, SERVER, &s.poll_transmit().expect("challenge").data);
    s.handle_datagram(later, CLIENT, &c.poll_transmit().expect("rep").data, &backend);
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(granted_session(&events).is_some(), "alice refused after abandoned exchanges: {events:?}");
}

/// A client for alice with her passcode, started at `now`.
fn alice_client(now: Instant, seed: u64) -> Client {
    Client::new(
        client_config("alice", b"alice's passcode", "http"),
        SERVER,
        now,
        &mut TestRandom::new(seed),
    )
    .expect("client")
}

fn backend_clone(b: &MemBackend) -> MemBackend {
    MemBackend {
        users: b.users.clone(),
        services: b.services.clone(),
        in_use: b.in_use.clone(),
        live: b.live.clone(),
        unavailable: b.unavailable,
        bridge_boxes: b.bridge_boxes.clone(),
        fixed: b.fixed,
    }
}

#[test]
fn failures_lock_out_the_source() {
    let backend = MemBackend::demo();
    let mut s = server(1);
    let t0 = Instant::now();
    // 10 failures (unknown users, so no user lockout) from one address.
    for i in 0..10u16 {
        let mut c = Client::new(
            client_config(&format!("user{i}"), b"x", "http"),
            SERVER,
            t0,
            &mut TestRandom::new(i.into()),
        )
        .expect("client");
        let req = c.poll_transmit().expect("req").data;
        s.handle_datagram(t0, SocketAddr::new(CLIENT.ip(), 1000 + i), &req, &backend);
        let rr = s.poll_transmit().expect("challenge").data;
        c.handle_datagram(t0, SERVER, &rr);
        let rst = c.poll_transmit().expect("client RST").data;
        s.handle_datagram(t0, SocketAddr::new(CLIENT.ip(), 1000 + i), &rst, &backend);
    }
    let mut c = Client::new(
        client_config("alice", b"alice's passcode", "http"),
        SERVER,
        t0,
        &mut TestRandom::new(99),
    )
    .expect("client");
    let req = c.poll_transmit().expect("req").data;
    s.handle_datagram(t0, CLIENT, &req, &backend);
    c.handle_datagram(t0, SERVER, &s.poll_transmit().expect("answer").data);
    assert_eq!(
        c.poll_event(),
        Some(ClientEvent::Failed(ClientError::Refused(
            ErrorCode::RATE_LIMITED
        )))
    );
    // Another address is not affected.
    let mut c = Client::new(
        client_config("alice", b"alice's passcode", "http"),
        SERVER,
        t0,
        &mut TestRandom::new(98),
    )
    .expect("client");
    let req = c.poll_transmit().expect("req").data;
    s.handle_datagram(t0, "192.0.2.99:1".parse().expect("addr"), &req, &backend);
    assert!(matches!(
        Message::decode(&s.poll_transmit().expect("answer").data),
        Ok(Message::RepReq(_))
    ));
}

#[test]
fn pending_exchanges_are_capped_per_source_and_in_all() {
    let backend = MemBackend::demo();
    let mut config = server_config();
    config.max_pending = 10;
    let mut s = Server::new(config, Box::new(TestRandom::new(5)));
    let t0 = Instant::now();
    let last_answer = |s: &mut Server, ip: [u8; 4], seed: u64| {
        let mut c = Client::new(
            client_config("alice", b"x", "http"),
            SERVER,
            t0,
            &mut TestRandom::new(seed),
        )
        .expect("c");
        let req = c.poll_transmit().expect("req").data;
        s.handle_datagram(t0, SocketAddr::from((ip, 1)), &req, &backend);
        let answer = s.poll_transmit().expect("answer").data;
        match Message::decode(&answer) {
            Ok(Message::Rst(r)) => Some(r.error),
            _ => None,
        }
    };
    for seed in 0..8 {
        assert_eq!(last_answer(&mut s, [192, 0, 2, 1], seed), None);
    }
    assert_eq!(
        last_answer(&mut s, [192, 0, 2, 1], 8),
        Some(ErrorCode::RATE_LIMITED)
    );
    assert_eq!(last_answer(&mut s, [192, 0, 2, 2], 9), None);
    assert_eq!(last_answer(&mut s, [192, 0, 2, 3], 10), None);
    assert_eq!(
        last_answer(&mut s, [192, 0, 2, 4], 11),
        Some(ErrorCode::BUSY)
    );
}

#[test]
fn ids_are_never_zero_and_never_in_use() {
    let backend = MemBackend::demo();
    backend.in_use.borrow_mut().insert(0x0102);
    // The server's generator offers 0, then an ID in use, then 0x0203.
    let mut s = Server::new(
        server_config(),
        Box::new(TestRandom::scripted(&[0, 0, 1, 2, 2, 3])),
    );
    let mut net = alice_with(backend);
    net.server = std::mem::replace(&mut s, server(1));
    net.run(Duration::from_secs(60));
    assert_eq!(
        granted_session(&net.server_events()).map(|s| s.id.get()),
        Some(0x0203)
    );
}

#[test]
fn ids_are_unique_among_live_and_pending_sessions() {
    let backend = MemBackend::demo();
    let mut s = server(3);
    let t0 = Instant::now();
    let mut ids = std::collections::HashSet::new();
    for i in 0..200u16 {
        let mut c = alice_client(t0, i.into());
        let from = SocketAddr::from(([10, 0, (i >> 8) as u8, i as u8], 1));
        s.handle_datagram(t0, from, &c.poll_transmit().expect("req").data, &backend);
        c.handle_datagram(t0, from, &s.poll_transmit().expect("rr").data);
        let Some(ClientEvent::Granted(g)) = c.poll_event() else {
            panic!("not granted")
        };
        assert!(ids.insert(g.id), "ID {} given twice", g.id);
    }
}

#[test]
fn no_free_id_is_refused() {
    let backend = MemBackend::demo();
    backend.in_use.borrow_mut().extend(1..=u16::MAX);
    assert_refused(backend, ErrorCode::NO_FREE_ID, FailReason::NoFreeId);
}

#[test]
fn excessive_argon2_cost_is_refused_by_the_client() {
    let mut backend = MemBackend::demo();
    let v = vnic_auth::Verifier::from_parts(
        vnic_auth::KdfParams {
            cost: Argon2Cost {
                m_kib: u32::MAX,
                t: 1,
                p: 1,
            },
            salt: [0; 16],
        },
        [0; 32],
    );
    backend
        .users
        .insert("alice".into(), (v, vec!["http".into()]));
    let mut net = alice_with(backend);
    net.run(Duration::from_secs(60));
    let err = client_error(&net).expect("failed");
    assert!(matches!(err, ClientError::KdfLimit { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("the provider asks for argon2 m=4294967295,t=1,p=1, more than"),
        "{err}"
    );
    assert_eq!(
        failures(&net.server_events()),
        [FailReason::ClientReset(ErrorCode::KDF_REFUSED)]
    );
}

#[test]
fn other_versions_and_applications_get_an_auth_rst_garbage_gets_nothing() {
    let mut net = alice();
    let req = net.client.poll_transmit().expect("req").data;
    let backend = MemBackend::demo();
    let mut s = server(1);
    let mut answer = |data: &[u8]| {
        s.handle_datagram(net.now, CLIENT, data, &backend);
        s.poll_transmit().map(|t| t.data)
    };
    let mut v2 = req.clone();
    v2[offset::VERSION] = 2;
    let mut other_app = req.clone();
    other_app[offset::COOP + 1] = 2;
    for (data, code) in [
        (&v2, ErrorCode::UNSUPPORTED_VERSION),
        (&other_app, ErrorCode::UNSUPPORTED_APPLICATION),
    ] {
        let rst = answer(data).expect("an Auth-RST");
        assert!(rst.len() <= data.len(), "never more bytes than received");
        let Ok(Message::Rst(r)) = Message::decode(&rst) else {
            panic!()
        };
        let Ok(Message::Req(q)) = Message::decode(&req) else {
            panic!()
        };
        assert_eq!(
            (r.error, r.txid, r.nonce_c),
            (code, q.txid, q.nonce_c),
            "echoes what it could read"
        );
    }
    // The client that sent it hears the reason.
    net.client
        .handle_datagram(net.now, SERVER, &answer(&v2).expect("an Auth-RST"));
    assert_eq!(
        net.client.poll_event(),
        Some(ClientEvent::Failed(ClientError::Refused(
            ErrorCode::UNSUPPORTED_VERSION
        )))
    );
    assert_eq!(answer(&req[..100]), None);
    assert_eq!(answer(b"hello"), None);
    let mut no_magic = req.clone();
    no_magic[0] = b'X';
    assert_eq!(answer(&no_magic), None);
}

#[test]
fn the_client_validates_its_request() {
    let mut rng = TestRandom::new(1);
    let t0 = Instant::now();
    for (user, service) in [
        ("", "http"),
        ("alice", ""),
        (&*"u".repeat(64), "http"),
        ("al\nice", "http"),
    ] {
        let err = Client::new(client_config(user, b"x", service), SERVER, t0, &mut rng)
            .expect_err("refused");
        assert!(
            matches!(err, ClientError::Request(_)),
            "{user:?} {service:?}: {err}"
        );
    }
}

#[test]
fn server_event_lines_are_sentences() {
    let mut net = alice();
    net.run(Duration::from_secs(60));
    let line = net.server_events()[0].to_string();
    assert!(line.starts_with("granted user \"alice\" service \"http\" to client 192.0.2.10 (supervisor 192.0.2.10:40000): ID "), "{line}");
    assert!(line.ends_with("on vNIC #2"), "{line}");
}

#[test]
fn status_shows_a_pending_exchange_and_the_failure_counts() {
    // Every Auth-REP is lost: the exchange waits, with ID and target.
    let mut net = alice();
    net.drop_to_server = Box::new(|n, _| n >= 1);
    net.run(Duration::from_millis(1200));
    let st = net.server.status(net.now);
    assert_eq!(st.pending.len(), 1, "{st:?}");
    let p = &st.pending[0];
    assert_eq!((p.source, p.user.as_str(), p.service.as_str(), p.client), (CLIENT, "alice", "http", CLIENT.ip()));
    assert_eq!(p.vnic, HTTP.vnic);
    assert!(!p.refused && p.sends >= 2, "{p:?}");
    assert!(p.expires_in > Duration::ZERO && p.expires_in <= Duration::from_secs(10), "{p:?}");
    assert!(st.users.is_empty() && st.sources.is_empty());
    // Given up: nothing pending any more.
    net.run(Duration::from_secs(60));
    assert!(net.server.status(net.now).pending.is_empty());

    // A wrong passcode counts against the user and the source.
    let net = run_as("alice", b"guess", "http");
    let st = net.server.status(net.now);
    assert!(st.pending.is_empty());
    assert_eq!(st.users.iter().map(|u| (u.key.as_str(), u.failures)).collect::<Vec<_>>(), [("alice", 1)]);
    assert_eq!(st.sources.iter().map(|s| (s.key, s.failures)).collect::<Vec<_>>(), [(CLIENT.ip(), 1)]);
    assert!(st.users[0].locked_for.is_none());
}

#[test]
fn resets_of_any_code_count_against_the_source() {
    // A source that answers every challenge with an Auth-RST of its own
    // choosing (not "authentication failed") tests no passcode, but must not
    // loop REQ/RST for ever: each reset counts against the source, as an
    // abandoned exchange does, and the 11th Auth-REQ is refused.
    let backend = MemBackend::demo();
    let mut s = server(1);
    let t0 = Instant::now();
    for i in 0..10u16 {
        let mut c = alice_client(t0, i.into());
        let from = SocketAddr::new(CLIENT.ip(), 2000 + i);
        s.handle_datagram(t0, from, &c.poll_transmit().expect("req").data, &backend);
        let Ok(Message::RepReq(rr)) = Message::decode(&s.poll_transmit().expect("challenge").data) else {
            panic!("no challenge for reset {i}");
        };
        let rst = Message::Rst(vnic_auth::AuthRst {
            txid: rr.txid,
            error: ErrorCode::TIMEOUT,
            nonce_c: rr.nonce_c,
            nonce_s: rr.nonce_s,
            ext: Vec::new(),
        });
        s.handle_datagram(t0, from, &rst.encode().expect("rst"), &backend);
    }
    let resets = std::iter::from_fn(|| s.poll_event())
        .filter(|e| matches!(e, ServerEvent::Failed(f) if f.reason == FailReason::ClientReset(ErrorCode::TIMEOUT)))
        .count();
    assert_eq!(resets, 10, "every reset ended its exchange");
    let mut c = alice_client(t0, 99);
    s.handle_datagram(t0, CLIENT, &c.poll_transmit().expect("req").data, &backend);
    c.handle_datagram(t0, SERVER, &s.poll_transmit().expect("answer").data);
    assert_eq!(c.poll_event(), Some(ClientEvent::Failed(ClientError::Refused(ErrorCode::RATE_LIMITED))));
}

/// Sends an Auth-REQ of alice from `from` and returns the ID its challenge
/// seals (as her client opens it) and the client, ready to answer.
fn challenged(s: &mut Server, backend: &MemBackend, now: Instant, from: SocketAddr, seed: u64) -> (u16, Client) {
    let mut c = alice_client(now, seed);
    s.handle_datagram(now, from, &c.poll_transmit().expect("req").data, backend);
    c.handle_datagram(now, SERVER, &s.poll_transmit().expect("challenge").data);
    let Some(ClientEvent::Granted(g)) = c.poll_event() else { panic!("no challenge for {from}") };
    (g.id.get(), c)
}

/// A backend whose only free IDs are `free`.
fn only_free(free: &[u16]) -> MemBackend {
    let b = MemBackend::demo();
    b.in_use.borrow_mut().extend((1..=u16::MAX).filter(|i| !free.contains(i)));
    b
}

#[test]
fn a_spoofed_auth_req_does_not_block_a_fixed_id() {
    // One Auth-REQ naming alice, from an address that never answers, used to
    // hold the vNIC's single ID for the challenge's lifetime.
    let backend = MemBackend { fixed: Some(7), ..MemBackend::demo() };
    let mut s = server(1);
    let t0 = Instant::now();
    let (spoofed_id, _) = challenged(&mut s, &backend, t0, "203.0.113.9:5000".parse().unwrap(), 1);
    assert_eq!(spoofed_id, 7);
    let mut net = alice_with(backend);
    net.server = s;
    net.run(Duration::from_secs(60));
    assert_eq!(granted_session(&net.server_events()).map(|s| s.id.get()), Some(7), "{:?}", net.server_events());
}

#[test]
fn pending_exchanges_do_not_drain_an_id_range() {
    let backend = only_free(&[100, 101]);
    let mut s = server(1);
    let t0 = Instant::now();
    for i in 0..2u8 {
        challenged(&mut s, &backend, t0, SocketAddr::from(([203, 0, 113, i], 5000)), i.into());
    }
    let mut net = alice_with(backend);
    net.server = s;
    net.run(Duration::from_secs(60));
    let id = granted_session(&net.server_events()).map(|s| s.id.get());
    assert!(matches!(id, Some(100 | 101)), "{id:?}: {:?}", net.server_events());
}

#[test]
fn of_two_proofs_for_one_exclusive_id_the_second_is_told_busy() {
    let backend = only_free(&[100]);
    let mut s = server(1);
    let t0 = Instant::now();
    let (a, b) = ("192.0.2.21:1".parse().unwrap(), "192.0.2.22:1".parse().unwrap());
    let (id_a, mut ca) = challenged(&mut s, &backend, t0, a, 1);
    let (id_b, mut cb) = challenged(&mut s, &backend, t0, b, 2);
    assert_eq!((id_a, id_b), (100, 100), "the only free ID offered twice");
    s.handle_datagram(t0, a, &ca.poll_transmit().expect("rep a").data, &backend);
    s.handle_datagram(t0, b, &cb.poll_transmit().expect("rep b").data, &backend);
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    let grants: Vec<_> = events.iter().filter_map(|e| if let ServerEvent::Granted(g) = e { Some(g.peer) } else { None }).collect();
    assert_eq!(grants, vec![a], "{events:?}");
    assert_eq!(failures(&events), vec![FailReason::Busy]);
    let to_b: Vec<_> = std::iter::from_fn(|| s.poll_transmit()).filter(|t| t.to == b).map(|t| t.data).collect();
    assert_eq!(rst_codes(&to_b), vec![ErrorCode::BUSY]);
    // Busy is no failure: b tries again at once (the provider now knows 100
    // is a's; 101 came free) and is granted.
    backend.in_use.borrow_mut().insert(100);
    backend.in_use.borrow_mut().remove(&101);
    let later = t0 + SECOND;
    let (id, mut cb) = challenged(&mut s, &backend, later, b, 3);
    assert_eq!(id, 101);
    s.handle_datagram(later, b, &cb.poll_transmit().expect("rep b again").data, &backend);
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert_eq!(granted_session(&events).map(|g| (g.peer, g.id.get())), Some((b, 101)), "{events:?}");
}
