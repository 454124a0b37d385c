//! Denial of service and guessing: no state and no public-key work before
//! return routability (cookies), no answer larger than its request, at most
//! a few answers per request, lock-outs that no message sequence bypasses,
//! no ID held before a proof, and the same work for real and unknown users.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use common::*;
use vnic_auth::{
    Client, ClientEvent, DropReason, ErrorCode, Message, Server, ServerConfig, ServerEvent,
};

fn source(i: u32) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)), 40000)
}

/// The first Auth-REQ of a fresh client of `user`.
fn first_req(user: &str, seed: u64, now: Instant) -> (Client, Vec<u8>) {
    let mut c = client_at(user, b"guess", now, seed);
    let req = c.poll_transmit().expect("a request").data;
    (c, req)
}

/// The cookie the server hands `from` for `req` (it must ask for one).
fn cookie_for(s: &mut Server, b: &MemBackend, from: SocketAddr, req: &[u8], now: Instant) -> [u8; 16] {
    s.handle_datagram(now, from, req, b);
    match Message::decode(&s.poll_transmit().expect("an answer").data) {
        Ok(Message::Retry(r)) => r.cookie,
        other => panic!("expected Auth-RETRY, got {other:?}"),
    }
}

/// `req` with `cookie`.
fn with_cookie(req: &[u8], cookie: [u8; 16]) -> Vec<u8> {
    let Ok(Message::Req(mut r)) = Message::decode(req) else { panic!("not a request") };
    r.cookie = cookie;
    Message::Req(r).encode().unwrap()
}

#[test]
fn spoofed_requests_from_new_sources_get_a_cookie_and_leave_no_state() {
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    for i in 0..2000 {
        let (_, req) = first_req("alice", i, t0);
        s.handle_datagram(t0, source(i as u32), &req, &b);
        let answer = s.poll_transmit().expect("answered").data;
        assert!(matches!(Message::decode(&answer), Ok(Message::Retry(_))));
        assert!(answer.len() <= req.len());
        assert!(s.poll_transmit().is_none());
    }
    let status = s.status(t0);
    assert!(status.pending.is_empty() && status.users.is_empty() && status.sources.is_empty());
    // The honest client is served at once.
    let mut net = alice_with(MemBackend::demo());
    net.server = s;
    net.run(Duration::from_secs(60));
    assert!(client_grant(&net).is_some());
}

#[test]
fn a_cookie_is_good_for_its_source_and_transaction_only_and_expires() {
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    let (_, req) = first_req("alice", 1, t0);
    let cookie = cookie_for(&mut s, &b, source(1), &req, t0);
    let retried = with_cookie(&req, cookie);
    for (from, at) in [(source(2), t0), ("10.0.0.1:40001".parse().unwrap(), t0), (source(1), t0 + Duration::from_secs(121))] {
        s.handle_datagram(at, from, &retried, &b);
        let answer = s.poll_transmit().expect("answered").data;
        assert!(matches!(Message::decode(&answer), Ok(Message::Retry(_))), "{from} at +{:?}", at - t0);
    }
    assert_eq!(s.pending(), 0);
    s.handle_datagram(t0 + Duration::from_secs(61), source(1), &retried, &b);
    let answer = s.poll_transmit().expect("answered").data;
    assert!(matches!(Message::decode(&answer), Ok(Message::RepReq(_))), "good in the next epoch");
}

#[test]
fn a_source_that_proved_a_passcode_still_needs_a_cookie() {
    // Otherwise anybody could forge its address, from many ports, and make
    // the provider keep exchanges and do public-key work that count against
    // it (found in review).
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    let mut c = client_at("alice", b"alice's passcode", t0, 1);
    exchange(&mut s, &b, &mut c, CLIENT, t0);
    assert!(matches!(c.poll_event(), Some(ClientEvent::Granted(_))));
    for port in 41000..41020 {
        let (_, req) = first_req("mallory", u64::from(port), t0);
        let answer = one_answer(&mut s, &b, SocketAddr::new(CLIENT.ip(), port), &req, t0).expect("answered");
        assert!(matches!(Message::decode(&answer), Ok(Message::Retry(_))), "port {port}");
    }
    assert_eq!(s.pending(), 0);
    assert!(s.status(t0).sources.is_empty(), "nothing counted against the source");
}

#[test]
fn answers_are_never_answered() {
    // A version 1 Auth-RST, or any datagram with the rst or rep flag that
    // does not decode, from a forged source (another provider): nothing
    // comes back, so two providers cannot be set to answer each other.
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    let rst_v1 = vnic_auth::message::v1_unsupported_version(5, &[1; 32]);
    let mut bad_v2 = Message::Rst(vnic_auth::AuthRst { txid: 5, error: ErrorCode::BUSY, nonce_c: [1; 32], nonce_s: [0; 32], ext: vec![] })
        .encode()
        .unwrap();
    bad_v2[20] = 1; // a reserved byte: undecodable
    let mut v1_rep = rst_v1.clone();
    v1_rep[3] = 0x02;
    for d in [&rst_v1, &bad_v2, &v1_rep] {
        s.handle_datagram(t0, source(3), d, &b);
        assert!(s.poll_transmit().is_none(), "answered {:02x?}", &d[..4]);
    }
    // A version 1 request is still told the version.
    let mut v1_req = rst_v1.clone();
    v1_req[3] = 0x01;
    v1_req[6..8].copy_from_slice(&[0, 0]);
    s.handle_datagram(t0, source(3), &v1_req, &b);
    assert!(s.poll_transmit().is_some());
}

#[test]
fn an_ipv6_host_counts_as_its_64() {
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    let mut codes = Vec::new();
    for i in 0..10u16 {
        let from: SocketAddr = format!("[2001:db8:1:2::{:x}]:40000", i + 1).parse().unwrap();
        let (_, req) = first_req(&format!("w{i}"), u64::from(i), t0);
        let req = with_cookie(&req, cookie_for(&mut s, &b, from, &req, t0));
        codes.extend(rst_codes(&[one_answer(&mut s, &b, from, &req, t0).unwrap()]));
    }
    assert_eq!(codes, [ErrorCode::RATE_LIMITED, ErrorCode::RATE_LIMITED], "8 exchanges per /64");
}

#[test]
fn made_up_names_cannot_evict_a_real_users_count() {
    // Found in review: with one table for all names, failing with enough
    // made-up names evicted alice's count and reopened guessing.
    let config = ServerConfig { max_tracked: 16, challenge_lifetime: Duration::from_millis(500), ..server_config() };
    let mut s = Server::new(config, Box::new(TestRandom::new(1)));
    let (b, t0) = (MemBackend::demo(), Instant::now());
    let mut now = t0;
    let fail_once = |s: &mut Server, user: &str, from: SocketAddr, seed: u64, now: &mut Instant| {
        let (_, req) = first_req(user, seed, *now);
        let req = with_cookie(&req, cookie_for(s, &b, from, &req, *now));
        one_answer(s, &b, from, &req, *now);
        *now += Duration::from_millis(600);
        s.handle_timeout(*now);
    };
    for i in 0..4 {
        fail_once(&mut s, "alice", source(500 + i), u64::from(i), &mut now);
    }
    for i in 0..40 {
        fail_once(&mut s, &format!("fake{i}"), source(600 + i), 100 + u64::from(i), &mut now);
    }
    fail_once(&mut s, "alice", source(700), 999, &mut now);
    let alice = s.status(now).users.into_iter().find(|u| u.key == "alice").expect("alice tracked");
    assert!(alice.locked_for.is_some(), "{alice:?}");
}

/// Feeds `data` from `from` and checks the rule: at most one answer, no
/// larger than `data`. Returns the answer.
fn one_answer(s: &mut Server, b: &MemBackend, from: SocketAddr, data: &[u8], now: Instant) -> Option<Vec<u8>> {
    s.handle_datagram(now, from, data, b);
    let answers: Vec<_> = std::iter::from_fn(|| s.poll_transmit()).collect();
    assert!(answers.len() <= 1, "{} answers to one datagram", answers.len());
    let answer = answers.into_iter().next()?;
    assert!(answer.data.len() <= data.len(), "an answer of {} bytes to {}", answer.data.len(), data.len());
    Some(answer.data)
}

#[test]
fn no_answer_is_larger_than_its_request_and_repeats_are_capped() {
    let t0 = Instant::now();
    // Every scenario of an exchange, each datagram checked on its way.
    let scenarios: [(&str, &[u8], &str); 5] = [
        ("alice", b"alice's passcode", "http"),
        ("alice", b"wrong", "http"),
        ("mallory", b"guess", "http"),
        ("bob", b"bob's passcode", "http"),
        ("alice", b"alice's passcode", "gopher"),
    ];
    for (i, (user, pass, service)) in scenarios.into_iter().enumerate() {
        let (mut s, b) = (server(1), MemBackend::demo());
        let mut c = Client::new(client_config(user, pass, service), SERVER, t0, &mut TestRandom::new(i as u64)).unwrap();
        for _ in 0..6 {
            while let Some(t) = c.poll_transmit() {
                if let Some(a) = one_answer(&mut s, &b, CLIENT, &t.data, t0) {
                    c.handle_datagram(t0, SERVER, &a);
                }
            }
        }
    }
    // A request repeated: the same answer at most 4 times in all.
    let (mut s, b) = (server(1), MemBackend::demo());
    let (_, req) = first_req("alice", 9, t0);
    let req = with_cookie(&req, cookie_for(&mut s, &b, CLIENT, &req, t0));
    let answered = (0..10).filter(|_| one_answer(&mut s, &b, CLIENT, &req, t0).is_some()).count();
    assert_eq!(answered, 4);
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert_eq!(events.iter().filter(|e| matches!(e, ServerEvent::Dropped { reason: DropReason::AnsweredEnough, .. })).count(), 6);
    // Undecodable datagrams: an answer only if no larger.
    for len in [276, 400, 575, 576, 800] {
        let mut d = req.clone();
        d.resize(len.max(276), 0);
        d[12..14].copy_from_slice(&0xffffu16.to_be_bytes());
        one_answer(&mut s, &b, source(77), &d, t0);
    }
}

/// A known source `from` for the tests below (it proved bob's passcode).
fn known(s: &mut Server, b: &MemBackend, from: SocketAddr, now: Instant) {
    let mut c = Client::new(client_config("bob", b"bob's passcode", "ssh"), SERVER, now, &mut TestRandom::new(from.port().into())).unwrap();
    exchange(s, b, &mut c, from, now);
    assert!(matches!(c.poll_event(), Some(ClientEvent::Granted(_))));
}

#[test]
fn every_exchange_that_ends_without_a_proof_counts_against_the_user() {
    // Abandoned (timed out), reset with a code that is not "authentication
    // failed", reset with it, a wrong proof: one guess each.
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    let mut now = t0;
    for i in 0..5u32 {
        let from = source(100 + i);
        let (mut c, req) = first_req("alice", u64::from(i), now);
        let req = with_cookie(&req, cookie_for(&mut s, &b, from, &req, now));
        let rr = one_answer(&mut s, &b, from, &req, now).expect("a challenge");
        match i {
            0 | 1 => now += Duration::from_secs(11), // abandoned
            _ => {
                c.handle_datagram(now, SERVER, &rr);
                let mut out = c.poll_transmit().expect("the client answers").data;
                if i == 2 {
                    // Turn the Auth-RST "authentication failed" into "busy".
                    out[6..8].copy_from_slice(&ErrorCode::BUSY.0.to_be_bytes());
                }
                one_answer(&mut s, &b, from, &out, now);
            }
        }
        s.handle_timeout(now);
    }
    let status = s.status(now);
    let state = status.users.iter().find(|u| u.key == "alice").expect("alice is tracked");
    assert!(state.locked_for.is_some(), "5 guesses lock alice out: {state:?}");
    let mut net = alice();
    net.server = s;
    net.now = now;
    net.t0 = now;
    net.run(Duration::from_secs(30));
    assert_eq!(client_error(&net), Some(vnic_auth::ClientError::Refused(ErrorCode::RATE_LIMITED)));
}

#[test]
fn guesses_at_one_user_are_bounded_whatever_the_sequence() {
    // Many sources with cookies flood alice's name for two minutes and
    // never finish: at most max_failures + max_pending_per_user challenges
    // per lock-out period reach them.
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    let mut challenges = 0;
    for step in 0..240u32 {
        let now = t0 + Duration::from_millis(500) * step;
        let from = source(1000 + step);
        let (_, req) = first_req("alice", u64::from(step) + 5000, now);
        let req = with_cookie(&req, cookie_for(&mut s, &b, from, &req, now));
        if let Some(a) = one_answer(&mut s, &b, from, &req, now) {
            challenges += usize::from(matches!(Message::decode(&a), Ok(Message::RepReq(_))));
        }
        s.handle_timeout(now);
    }
    // Two minutes: two lock-out periods of 60 s.
    assert!(challenges <= 2 * (5 + 8), "{challenges} guesses at alice's passcode");
}

#[test]
fn a_source_is_locked_out_by_its_failures() {
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    let from = source(5);
    let mut refused = None;
    for i in 0..12u32 {
        // Abandoned exchanges, one every 5 s, each for another user.
        let now = t0 + Duration::from_secs(5) * i;
        s.handle_timeout(now);
        let user = format!("user{i}");
        let (_, req) = first_req(&user, u64::from(i), now);
        let req = with_cookie(&req, cookie_for(&mut s, &b, from, &req, now));
        let a = one_answer(&mut s, &b, from, &req, now).expect("answered");
        if rst_codes(&[a]) == [ErrorCode::RATE_LIMITED] {
            refused = Some(i);
            break;
        }
    }
    // An exchange ends 10 s after it starts: the 10th failure (the one
    // started at 45 s) counts at 55 s, and the request then is refused.
    assert_eq!(refused, Some(11), "locked out after 10 failures");
}

#[test]
fn pending_exchanges_are_capped_per_source_per_user_and_in_all() {
    let (mut s, b, t0) = (server(1), MemBackend::demo(), Instant::now());
    let from = source(9);
    let mut codes = Vec::new();
    for i in 0..10u64 {
        let (_, req) = first_req(&format!("u{i}"), i, t0);
        let req = with_cookie(&req, cookie_for(&mut s, &b, from, &req, t0));
        codes.extend(rst_codes(&[one_answer(&mut s, &b, from, &req, t0).unwrap()]));
    }
    assert_eq!(codes, [ErrorCode::RATE_LIMITED, ErrorCode::RATE_LIMITED], "8 per source");
    let mut codes = Vec::new();
    for i in 0..10u32 {
        let (_, req) = first_req("alice", u64::from(i) + 50, t0);
        let req = with_cookie(&req, cookie_for(&mut s, &b, source(200 + i), &req, t0));
        codes.extend(rst_codes(&[one_answer(&mut s, &b, source(200 + i), &req, t0).unwrap()]));
    }
    assert_eq!(codes, [ErrorCode::RATE_LIMITED, ErrorCode::RATE_LIMITED], "8 per user");
    let config = ServerConfig { max_pending: 3, ..server_config() };
    let mut s = Server::new(config, Box::new(TestRandom::new(1)));
    let codes: Vec<_> = (0..5u32)
        .flat_map(|i| {
            let (_, req) = first_req(&format!("v{i}"), u64::from(i), t0);
            let req = with_cookie(&req, cookie_for(&mut s, &b, source(300 + i), &req, t0));
            rst_codes(&[one_answer(&mut s, &b, source(300 + i), &req, t0).unwrap()])
        })
        .collect();
    assert_eq!(codes, [ErrorCode::BUSY, ErrorCode::BUSY]);
}

#[test]
fn no_id_is_held_before_a_proof() {
    // A fixed-ID vNIC and a one-ID range: challenges without proofs take
    // nothing from the client who proves.
    for fixed in [true, false] {
        let mut b = MemBackend::demo();
        if fixed {
            b.fixed = Some(1);
        } else {
            b.in_use.borrow_mut().extend((1..=u16::MAX).filter(|&i| i != 4242));
        }
        let (mut s, t0) = (server(1), Instant::now());
        for i in 0..7u32 {
            let (_, req) = first_req("alice", u64::from(i), t0);
            let req = with_cookie(&req, cookie_for(&mut s, &b, source(i), &req, t0));
            assert!(matches!(Message::decode(&one_answer(&mut s, &b, source(i), &req, t0).unwrap()), Ok(Message::RepReq(_))));
        }
        let mut net = alice_with(b);
        net.server = s;
        net.run(Duration::from_secs(5));
        let g = client_grant(&net).expect("granted");
        assert_eq!(g.id.get(), if fixed { 1 } else { 4242 });
    }
}

#[test]
fn real_and_unknown_users_take_the_same_work_and_time() {
    // Interleaved, so that drift of the machine hits both alike: the time
    // the provider takes to answer an Auth-REQ for alice (real) and for
    // mallory (unknown), from a known source. The medians must agree
    // within 30%, and the answers have the same size and cost.
    let config = ServerConfig { max_pending_per_source: 1000, max_pending_per_user: 1000, ..server_config() };
    let mut s = Server::new(config, Box::new(TestRandom::new(1)));
    let (b, t0) = (MemBackend::demo(), Instant::now());
    known(&mut s, &b, CLIENT, t0);
    let (mut real, mut fake) = (Vec::new(), Vec::new());
    for i in 0..60u64 {
        for (user, times) in [("alice", &mut real), ("mallory", &mut fake)] {
            let from = SocketAddr::new(CLIENT.ip(), 41000 + (i % 8) as u16);
            let (_, req) = first_req(user, i * 2 + u64::from(user == "alice"), t0);
            let req = with_cookie(&req, cookie_for(&mut s, &b, from, &req, t0));
            let started = Instant::now();
            s.handle_datagram(t0, from, &req, &b);
            times.push(started.elapsed());
            let a = s.poll_transmit().expect("answered").data;
            assert!(matches!(Message::decode(&a), Ok(Message::RepReq(_))), "{user}");
            while s.poll_event().is_some() {}
        }
    }
    real.sort();
    fake.sort();
    let (r, f) = (real[30].as_secs_f64(), fake[30].as_secs_f64());
    assert!(r / f < 1.3 && f / r < 1.3, "medians: real {r:.6} s, unknown {f:.6} s");
}
