//! Shared by the integration tests: deterministic randomness, an in-memory
//! provider database, and a lossy network with a clock that drives a client
//! and a server.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU16;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use vnic_auth::{
    Argon2Cost, Backend, Client, ClientConfig, ClientEvent, Lookup, ProviderKeys, Random, Record,
    Refusal, Server, ServerConfig, ServerEvent, Target, Transmit,
};

/// The provider keys of every test (deterministic).
pub fn keys() -> ProviderKeys {
    static KEYS: OnceLock<ProviderKeys> = OnceLock::new();
    KEYS.get_or_init(|| ProviderKeys::generate(&mut TestRandom::new(0x5e))).clone()
}

/// Scripted bytes first, then a xorshift64* stream.
pub struct TestRandom {
    script: VecDeque<u8>,
    state: u64,
}

impl TestRandom {
    pub fn new(seed: u64) -> Self {
        // splitmix64, so that nearby seeds give unrelated streams.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        TestRandom {
            script: VecDeque::new(),
            state: (z ^ (z >> 31)) | 1,
        }
    }

    pub fn scripted(bytes: &[u8]) -> Self {
        TestRandom {
            script: bytes.iter().copied().collect(),
            state: 0x9e37_79b9_7f4a_7c15,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

impl Random for TestRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = match self.script.pop_front() {
                Some(v) => v,
                None => self.next_u64() as u8,
            };
        }
    }
}

pub const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)), 7390);
pub const CLIENT: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)), 40000);
pub const HTTP: Target = Target {
    vnic: 2,
    addr: None,
    port: 80,
};

/// An in-memory provider database.
#[derive(Default)]
pub struct MemBackend {
    pub users: HashMap<String, (Record, Vec<String>)>,
    pub services: HashMap<String, Target>,
    pub in_use: RefCell<HashSet<u16>>,
    /// Live sessions: (client, user, ID).
    pub live: RefCell<HashSet<(IpAddr, String, u16)>>,
    pub unavailable: bool,
    /// Sources that may ask for sessions of other client addresses.
    pub bridge_boxes: Vec<IpAddr>,
    /// A fixed ID every client gets (shared; no other is free).
    pub fixed: Option<u16>,
}

impl MemBackend {
    /// alice (passcode "alice's passcode") may use http; bob ("bob's
    /// passcode") may use ssh only. Test cost.
    pub fn demo() -> Self {
        let mut b = MemBackend::default();
        b.services.insert("http".into(), HTTP);
        b.services.insert(
            "ssh".into(),
            Target {
                vnic: 3,
                addr: None,
                port: 22,
            },
        );
        b.add_user("alice", b"alice's passcode", &["http"]);
        b.add_user("bob", b"bob's passcode", &["ssh"]);
        b
    }

    pub fn add_user(&mut self, user: &str, passcode: &[u8], services: &[&str]) {
        let mut rng = TestRandom::new(user.len() as u64 + 7);
        let v = Record::register(&keys(), user, passcode, Argon2Cost::TEST, &mut rng).expect("record");
        self.users.insert(
            user.into(),
            (v, services.iter().map(|s| s.to_string()).collect()),
        );
    }
}

impl Backend for MemBackend {
    fn lookup(&self, user: &str, service: &str) -> Lookup {
        if self.unavailable {
            return Lookup::Unavailable;
        }
        let Some(&target) = self.services.get(service) else {
            return Lookup::NoSuchService;
        };
        match self.users.get(user) {
            Some((v, allowed)) if allowed.iter().any(|s| s == service) => Lookup::Found {
                record: v.clone(),
                target,
            },
            Some(_) => Lookup::Refused {
                target,
                reason: Refusal::NotPermitted,
            },
            None => Lookup::Refused {
                target,
                reason: Refusal::UnknownUser,
            },
        }
    }

    fn id_free(&self, _vnic: u16, id: NonZeroU16) -> bool {
        match self.fixed {
            Some(f) => id.get() == f,
            None => !self.in_use.borrow().contains(&id.get()),
        }
    }

    fn renewable(&self, client: IpAddr, user: &str, _vnic: u16, id: NonZeroU16) -> bool {
        self.live.borrow().contains(&(client, user.to_owned(), id.get()))
    }

    fn may_speak_for_others(&self, source: IpAddr) -> bool {
        self.bridge_boxes.contains(&source)
    }
}

pub fn server_config() -> ServerConfig {
    ServerConfig {
        fake_cost: Argon2Cost::TEST,
        ..ServerConfig::new(keys())
    }
}

pub fn server(seed: u64) -> Server {
    Server::new(server_config(), Box::new(TestRandom::new(seed)))
}

pub fn client_config(user: &str, passcode: &[u8], service: &str) -> ClientConfig {
    ClientConfig::new(user, passcode, service)
}

/// Decides whether datagram number `n` (in one direction) is lost.
pub type LossFn = Box<dyn FnMut(usize, &[u8]) -> bool>;

/// A client and a server on a simulated network with a manual clock.
/// `drop_to_server` / `drop_to_client` decide, per datagram (numbered from
/// 0 in each direction), whether it is lost.
pub struct Net {
    pub t0: Instant,
    pub now: Instant,
    pub client: Client,
    pub server: Server,
    pub backend: MemBackend,
    pub from: SocketAddr,
    pub to_server: Vec<Vec<u8>>,
    pub to_client: Vec<Vec<u8>>,
    pub drop_to_server: LossFn,
    pub drop_to_client: LossFn,
    pub client_events: Vec<(Duration, ClientEvent)>,
    pub server_events: Vec<(Duration, ServerEvent)>,
}

impl Net {
    pub fn new(config: ClientConfig, server: Server, backend: MemBackend) -> Net {
        let t0 = Instant::now();
        let client = Client::new(config, SERVER, t0, &mut TestRandom::new(42)).expect("client");
        Net {
            t0,
            now: t0,
            client,
            server,
            backend,
            from: CLIENT,
            to_server: Vec::new(),
            to_client: Vec::new(),
            drop_to_server: Box::new(|_, _| false),
            drop_to_client: Box::new(|_, _| false),
            client_events: Vec::new(),
            server_events: Vec::new(),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// Delivers everything queued, in rounds, until both sides are quiet.
    pub fn flush(&mut self) {
        loop {
            let mut moved = false;
            while let Some(Transmit { to, data }) = self.client.poll_transmit() {
                assert_eq!(to, SERVER);
                moved = true;
                let n = self.to_server.len();
                self.to_server.push(data.clone());
                if !(self.drop_to_server)(n, &data) {
                    self.server
                        .handle_datagram(self.now, self.from, &data, &self.backend);
                }
            }
            while let Some(Transmit { to, data }) = self.server.poll_transmit() {
                moved = true;
                let n = self.to_client.len();
                self.to_client.push(data.clone());
                if to == self.from && !(self.drop_to_client)(n, &data) {
                    self.client.handle_datagram(self.now, SERVER, &data);
                }
            }
            self.collect_events();
            if !moved {
                return;
            }
        }
    }

    fn collect_events(&mut self) {
        let at = self.now - self.t0;
        while let Some(e) = self.client.poll_event() {
            self.client_events.push((at, e));
        }
        while let Some(e) = self.server.poll_event() {
            if let ServerEvent::Granted(s) = &e {
                self.backend.in_use.borrow_mut().insert(s.id.get());
                self.backend.live.borrow_mut().insert((s.client, s.user.clone(), s.id.get()));
            }
            self.server_events.push((at, e));
        }
    }

    /// Runs until neither side has a timer before `limit` (from t0).
    pub fn run(&mut self, limit: Duration) {
        self.flush();
        loop {
            let next = [self.client.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= self.t0 + limit => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                    self.server.handle_timeout(self.now);
                    self.flush();
                }
                _ => return,
            }
        }
    }

    pub fn client_events(&self) -> Vec<ClientEvent> {
        self.client_events.iter().map(|(_, e)| e.clone()).collect()
    }

    pub fn server_events(&self) -> Vec<ServerEvent> {
        self.server_events.iter().map(|(_, e)| e.clone()).collect()
    }
}

/// The session the server granted, if any.
pub fn granted_session(events: &[ServerEvent]) -> Option<vnic_auth::Session> {
    events.iter().find_map(|e| match e {
        ServerEvent::Granted(s) => Some(s.clone()),
        _ => None,
    })
}

/// The reasons of the server's failures, in order.
pub fn failures(events: &[ServerEvent]) -> Vec<vnic_auth::FailReason> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Failed(f) => Some(f.reason.clone()),
            _ => None,
        })
        .collect()
}

/// The client's error, if it failed.
pub fn client_error(net: &Net) -> Option<vnic_auth::ClientError> {
    net.client_events().into_iter().find_map(|e| match e {
        ClientEvent::Failed(err) => Some(err),
        ClientEvent::Granted(_) => None,
    })
}

/// The client's grant, if it got one.
pub fn client_grant(net: &Net) -> Option<vnic_auth::Grant> {
    net.client_events().into_iter().find_map(|e| match e {
        ClientEvent::Granted(g) => Some(g),
        ClientEvent::Failed(_) => None,
    })
}

/// The names of the messages in `datagrams` ("?" for undecodable ones).
pub fn names(datagrams: &[Vec<u8>]) -> Vec<&'static str> {
    datagrams
        .iter()
        .map(|d| vnic_auth::Message::decode(d).map_or("?", |m| m.name()))
        .collect()
}

/// The codes of the Auth-RSTs in `datagrams`.
pub fn rst_codes(datagrams: &[Vec<u8>]) -> Vec<vnic_auth::ErrorCode> {
    datagrams
        .iter()
        .filter_map(|d| match vnic_auth::Message::decode(d) {
            Ok(vnic_auth::Message::Rst(r)) => Some(r.error),
            _ => None,
        })
        .collect()
}

/// Alice's exchange (passcode "alice's passcode", http) with `backend`.
pub fn alice_with(backend: MemBackend) -> Net {
    Net::new(client_config("alice", b"alice's passcode", "http"), server(1), backend)
}

/// Alice's exchange with the demo database.
pub fn alice() -> Net {
    alice_with(MemBackend::demo())
}

/// A client of `user` started at `now` with randomness `seed`.
pub fn client_at(user: &str, passcode: &[u8], now: Instant, seed: u64) -> Client {
    Client::new(client_config(user, passcode, "http"), SERVER, now, &mut TestRandom::new(seed)).expect("client")
}

/// Runs `client` from `from` against `server` until both are quiet (no
/// loss, no time passing): the datagrams each way.
pub fn exchange(
    server: &mut Server,
    backend: &MemBackend,
    client: &mut Client,
    from: SocketAddr,
    now: Instant,
) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (mut up, mut down) = (Vec::new(), Vec::new());
    loop {
        let mut moved = false;
        while let Some(t) = client.poll_transmit() {
            moved = true;
            server.handle_datagram(now, from, &t.data, backend);
            up.push(t.data);
        }
        while let Some(t) = server.poll_transmit() {
            moved = true;
            if t.to == from {
                client.handle_datagram(now, SERVER, &t.data);
            }
            down.push(t.data);
        }
        while let Some(e) = server.poll_event() {
            if let ServerEvent::Granted(s) = &e {
                backend.in_use.borrow_mut().insert(s.id.get());
                backend.live.borrow_mut().insert((s.client, s.user.clone(), s.id.get()));
            }
        }
        if !moved {
            return (up, down);
        }
    }
}
