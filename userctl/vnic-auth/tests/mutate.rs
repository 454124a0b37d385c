//! A deterministic mutational fuzz test on stable Rust, for every `cargo
//! test`: the test-vector messages mutated many times (bit flips, bytes,
//! length fields, truncation, extension) go through the decoder, the
//! encoder and both state machines. Nothing may panic, and whatever decodes
//! must encode back to the same bytes. `VNIC_AUTH_MUTATIONS=N` sets the
//! number of inputs (default 100,000); coverage-guided fuzzing is
//! `fuzz/run.sh`.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{MemBackend, TestRandom};
use vnic_auth::wire::offset;
use vnic_auth::{Client, ClientConfig, KdfLimits, Message, Packet, Server, Tlv};

fn seeds() -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors.json"))
        .expect("vectors");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut seeds: Vec<Vec<u8>> = json["messages"]
        .as_object()
        .expect("messages")
        .values()
        .map(|v| hex::decode(v.as_str().expect("hex")).expect("hex"))
        .collect();
    // One with several extensions, up to the maximum size.
    let mut p = Packet::decode(&seeds[0]).expect("vector decodes");
    p.ext = vec![
        Tlv {
            kind: 1,
            value: vec![],
        },
        Tlv {
            kind: 0xffff,
            value: vec![7; 200],
        },
        Tlv {
            kind: 0x8000,
            value: vec![1; 24],
        },
    ];
    seeds.push(p.encode().expect("max size"));
    seeds
}

struct Mutator(TestRandom);

impl Mutator {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n.max(1) as u64) as usize
    }

    fn mutate(&mut self, input: &mut Vec<u8>) {
        const INTERESTING: [u8; 8] = [0, 1, 2, 4, 0x7f, 0x80, 0xfe, 0xff];
        const LENGTH_FIELDS: [usize; 5] = [
            offset::EXT_LEN,
            offset::EXT_LEN + 1,
            offset::USER_LEN,
            offset::SERVICE_LEN,
            offset::EXT + 3,
        ];
        for _ in 0..=self.below(4) {
            let len = input.len();
            let at = self.below(len);
            match self.below(8) {
                0 => input[at] ^= 1 << self.below(8),
                1 => input[at] = self.0.next_u64() as u8,
                2 => input[at] = INTERESTING[self.below(INTERESTING.len())],
                3 => {
                    let field = LENGTH_FIELDS[self.below(LENGTH_FIELDS.len())];
                    if let Some(b) = input.get_mut(field) {
                        *b = INTERESTING[self.below(INTERESTING.len())];
                    }
                }
                4 => input.truncate(at),
                5 => {
                    let extra = self.below(64);
                    input.extend((0..extra).map(|_| self.0.next_u64() as u8));
                }
                6 => {
                    // A TLV header at the end, with a length that may lie.
                    let kind = self.0.next_u64() as u16;
                    let vlen = self.below(8) as u16;
                    input.extend(kind.to_be_bytes().into_iter().chain(vlen.to_be_bytes()));
                }
                _ => {
                    // Copy a chunk of the input over another place.
                    let n = self.below(32).min(len - at);
                    let to = self.below(len.saturating_sub(n));
                    let chunk = input[at..at + n].to_vec();
                    input[to..to + n].copy_from_slice(&chunk);
                }
            }
            if input.is_empty() {
                input.push(0);
            }
        }
    }
}

fn vector_client(t0: Instant) -> Client {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors.json"))
        .expect("vectors");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let i = &json["inputs"];
    let mut config = ClientConfig::new("alice", i["passcode"].as_str().expect("passcode"), "http");
    // A mutated challenge must not make the test slow.
    config.limits = KdfLimits {
        max_m_kib: 256,
        max_t: 2,
        max_p: 2,
    };
    let seed = i["client_seed"].as_u64().expect("seed");
    Client::new(
        config,
        i["server"].as_str().and_then(|a| a.parse().ok()).expect("server"),
        t0,
        &mut TestRandom::new(seed),
    )
    .expect("client")
}

#[test]
fn mutated_messages_never_panic_and_round_trip() {
    let iterations: usize = std::env::var("VNIC_AUTH_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let seeds = seeds();
    for s in &seeds {
        assert_eq!(
            Packet::decode(s).and_then(|p| p.encode()).as_ref(),
            Ok(s),
            "seeds are valid"
        );
    }
    let mut m = Mutator(TestRandom::new(0x5eed));
    let backend = MemBackend::demo();
    let t0 = Instant::now();
    let peer: SocketAddr = "198.51.100.1:7390".parse().expect("addr");
    let mut server = Server::new(common::server_config(), Box::new(TestRandom::new(1)));
    let mut client = vector_client(t0);
    let (mut decoded, mut messages) = (0usize, 0usize);
    for n in 0..iterations {
        let mut input = seeds[m.below(seeds.len())].clone();
        m.mutate(&mut input);
        if let Ok(packet) = Packet::decode(&input) {
            decoded += 1;
            assert_eq!(
                packet.encode().as_ref(),
                Ok(&input),
                "packet round trip of {}",
                hex::encode(&input)
            );
            if let Ok(message) = Message::from_packet(packet) {
                messages += 1;
                assert_eq!(
                    message.encode().as_ref(),
                    Ok(&input),
                    "message round trip of {}",
                    hex::encode(&input)
                );
            }
        }
        let now = t0 + Duration::from_millis(n as u64);
        server.handle_datagram(now, peer, &input, &backend);
        client.handle_datagram(now, peer, &input);
        server.handle_timeout(now);
        client.handle_timeout(now);
        while server.poll_transmit().is_some() || server.poll_event().is_some() {}
        while client.poll_transmit().is_some() || client.poll_event().is_some() {}
        if n % 500 == 0 {
            // Fresh state machines now and then, so that mutated answers can
            // still match an exchange in progress.
            server = Server::new(common::server_config(), Box::new(TestRandom::new(n as u64)));
            client = vector_client(now);
        }
    }
    eprintln!("decoded {decoded}, messages {messages} of {iterations}");
    assert!(
        decoded > iterations / 20,
        "only {decoded} of {iterations} mutations decoded: the mutator is too blunt"
    );
    assert!(messages > 0);
}
