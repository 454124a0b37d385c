//! The test vectors of version 2 (`tests/vectors.json`, also shown in
//! `Documentation/auth-protocol.md`): one exchange through both state
//! machines with scripted randomness must give the same messages byte for
//! byte, and the values derived from them through the crate's functions.
//! `tests/vectors_crosscheck.py` checks the framing, the cookie, the
//! transcripts and the sealing with Python's `cryptography`.
//!
//! After a deliberate change of the protocol, regenerate with
//! `VNIC_AUTH_WRITE_VECTORS=1 cargo test -p vnic-auth --test vectors -- --ignored --nocapture`
//! and update the document with what it prints.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU16;
use std::path::PathBuf;
use std::time::Instant;

use common::TestRandom;
use serde::{Deserialize, Serialize};
use vnic_auth::crypto::transcript;
use vnic_auth::{
    Argon2Cost, AuthRst, Backend, Client, ClientConfig, ClientEvent, ErrorCode, Lookup, Message,
    ProviderKeys, Record, Server, ServerConfig, ServerEvent, Target,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Inputs {
    passcode: String,
    user: String,
    service: String,
    client: SocketAddr,
    server: SocketAddr,
    client_seed: u64,
    server_seed: u64,
    keys_seed: u64,
    record_seed: u64,
    renew: u16,
    vnic: u16,
    service_addr: IpAddr,
    service_port: u16,
    rst_error: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Derived {
    provider_keys: String,
    record: String,
    cookie_epoch: u64,
    context: String,
    t_rr: String,
    t_grant: String,
    session_key: String,
    k_grant: String,
    k_renew: String,
    id: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Messages {
    auth_req: String,
    auth_retry: String,
    auth_req_cookie: String,
    auth_rep_req: String,
    auth_rep: String,
    auth_grant: String,
    auth_rst: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Vectors {
    comment: String,
    inputs: Inputs,
    derived: Derived,
    messages: Messages,
}

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors.json")
}

fn load() -> Vectors {
    let text = std::fs::read_to_string(path()).expect("tests/vectors.json");
    serde_json::from_str(&text).expect("valid vectors")
}

fn inputs() -> Inputs {
    Inputs {
        passcode: "correct horse battery staple".into(),
        user: "alice".into(),
        service: "http".into(),
        client: "192.0.2.10:40000".parse().unwrap(),
        server: "198.51.100.1:7390".parse().unwrap(),
        client_seed: 42,
        server_seed: 1,
        keys_seed: 7,
        record_seed: 9,
        renew: 0x1234,
        vnic: 2,
        service_addr: "198.51.100.7".parse().unwrap(),
        service_port: 80,
        rst_error: ErrorCode::AUTH_FAILED.0,
    }
}

/// One user, one service, every ID free.
struct VectorBackend {
    record: Record,
    target: Target,
}

impl Backend for VectorBackend {
    fn lookup(&self, _user: &str, _service: &str) -> Lookup {
        Lookup::Found { record: self.record.clone(), target: self.target }
    }
    fn id_free(&self, _vnic: u16, _id: NonZeroU16) -> bool {
        true
    }
}

/// The exchange of the inputs, through both state machines.
fn compute(i: &Inputs) -> (Derived, Messages) {
    let keys = ProviderKeys::generate(&mut TestRandom::new(i.keys_seed));
    let record = Record::register(&keys, &i.user, i.passcode.as_bytes(), Argon2Cost::TEST, &mut TestRandom::new(i.record_seed))
        .expect("record");
    let backend = VectorBackend {
        record: record.clone(),
        target: Target { vnic: i.vnic, addr: Some(i.service_addr), port: i.service_port },
    };
    let config = ServerConfig { fake_cost: Argon2Cost::TEST, ..ServerConfig::new(keys.clone()) };
    let mut server = Server::new(config, Box::new(TestRandom::new(i.server_seed)));
    let now = Instant::now();
    let mut cc = ClientConfig::new(&i.user, i.passcode.as_bytes(), &i.service);
    cc.renew = NonZeroU16::new(i.renew);
    let mut client = Client::new(cc, i.server, now, &mut TestRandom::new(i.client_seed)).expect("client");
    let mut up = Vec::new();
    let mut down = Vec::new();
    for _ in 0..4 {
        while let Some(t) = client.poll_transmit() {
            server.handle_datagram(now, i.client, &t.data, &backend);
            up.push(t.data);
        }
        while let Some(t) = server.poll_transmit() {
            client.handle_datagram(now, i.server, &t.data);
            down.push(t.data);
        }
    }
    let names: Vec<_> = up.iter().chain(&down).map(|d| Message::decode(d).expect("decodes").name()).collect();
    assert_eq!(names, ["Auth-REQ", "Auth-REQ", "Auth-REP", "Auth-RETRY", "Auth-REP & REQ", "Auth-GRANT"]);
    let Some(ClientEvent::Granted(grant)) = client.poll_event() else { panic!("client not granted") };
    let Some(ServerEvent::Granted(session)) = server.poll_event() else { panic!("server not granted") };
    assert_eq!(grant.id, session.id);
    assert_eq!((grant.vnic, grant.service_addr, grant.service_port), (i.vnic, i.service_addr, i.service_port));
    let (req, req2, rep) = (&up[0], &up[1], &up[2]);
    let (retry, rr, grant_msg) = (&down[0], &down[1], &down[2]);
    let Ok(Message::RepReq(rr_msg)) = Message::decode(rr) else { panic!() };
    let rr0 = Message::RepReq(rr_msg.clone()).encode_without_opaque().unwrap();
    let gk = client.grant_keys().expect("keys");
    let rst = Message::Rst(AuthRst {
        txid: rr_msg.txid,
        error: ErrorCode(i.rst_error),
        nonce_c: rr_msg.nonce_c,
        nonce_s: rr_msg.nonce_s,
        ext: Vec::new(),
    })
    .encode()
    .unwrap();
    let derived = Derived {
        provider_keys: keys.to_string(),
        record: record.to_string(),
        cookie_epoch: 0,
        context: hex::encode(transcript(&[req2, &rr0])),
        t_rr: hex::encode(transcript(&[req2, rr])),
        t_grant: hex::encode(transcript(&[req2, rr, rep])),
        session_key: hex::encode(gk.session_key()),
        k_grant: hex::encode(gk.grant_key()),
        k_renew: hex::encode(gk.renew_key()),
        id: grant.id.get(),
    };
    let messages = Messages {
        auth_req: hex::encode(req),
        auth_retry: hex::encode(retry),
        auth_req_cookie: hex::encode(req2),
        auth_rep_req: hex::encode(rr),
        auth_rep: hex::encode(rep),
        auth_grant: hex::encode(grant_msg),
        auth_rst: hex::encode(rst),
    };
    (derived, messages)
}

#[test]
fn the_state_machines_reproduce_the_vectors() {
    let v = load();
    assert_eq!(v.inputs, inputs(), "the inputs in the file");
    let (derived, messages) = compute(&v.inputs);
    assert_eq!(derived, v.derived);
    assert_eq!(messages, v.messages);
}

#[test]
fn every_vector_message_decodes_and_re_encodes() {
    let m = load().messages;
    for h in [&m.auth_req, &m.auth_retry, &m.auth_req_cookie, &m.auth_rep_req, &m.auth_rep, &m.auth_grant, &m.auth_rst] {
        let b = hex::decode(h).unwrap();
        assert_eq!(Message::decode(&b).expect("decodes").encode().unwrap(), b);
    }
}

/// The hex dump in the document under the line "NAME (N bytes)".
fn dumps_in(doc: &str, name: &str) -> Option<String> {
    let mut lines = doc.lines().skip_while(|l| !l.starts_with(&format!("{name} (")));
    lines.next()?;
    let mut out = String::new();
    for line in lines.take_while(|l| !l.trim().is_empty() && !l.starts_with("```")) {
        out.extend(line.split_whitespace().skip(1));
    }
    Some(out)
}

fn messages_by_name(m: &Messages) -> [(&'static str, &String); 7] {
    [
        ("auth_req", &m.auth_req),
        ("auth_retry", &m.auth_retry),
        ("auth_req_cookie", &m.auth_req_cookie),
        ("auth_rep_req", &m.auth_rep_req),
        ("auth_rep", &m.auth_rep),
        ("auth_grant", &m.auth_grant),
        ("auth_rst", &m.auth_rst),
    ]
}

#[test]
fn the_document_shows_the_same_vectors() {
    let doc_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../Documentation/auth-protocol.md");
    let doc = std::fs::read_to_string(&doc_path).expect("Documentation/auth-protocol.md");
    let v = load();
    for (name, hex) in messages_by_name(&v.messages) {
        assert_eq!(dumps_in(&doc, name).as_ref(), Some(hex), "{name} in the document");
    }
    let d = &v.derived;
    for value in [&d.context, &d.t_rr, &d.t_grant, &d.session_key, &d.k_grant, &d.k_renew, &d.record, &d.provider_keys] {
        assert!(doc.contains(value.as_str()), "{value} in the document");
    }
}

fn dump(name: &str, h: &str) -> String {
    let b = hex::decode(h).expect("hex");
    let mut out = format!("{name} ({} bytes)\n", b.len());
    for (n, row) in b.chunks(16).enumerate() {
        let cells: Vec<String> = row.iter().map(|x| format!("{x:02x}")).collect();
        out += &format!("{:04x}  {}\n", n * 16, cells.join(" "));
    }
    out
}

#[test]
#[ignore = "writes tests/vectors.json; run by hand after a deliberate change"]
fn write_vectors() {
    if std::env::var_os("VNIC_AUTH_WRITE_VECTORS").is_none() {
        return;
    }
    let inputs = inputs();
    let (derived, messages) = compute(&inputs);
    let v = Vectors {
        comment: "vnic-auth version 2 test vectors; Documentation/auth-protocol.md explains every field".into(),
        inputs,
        derived,
        messages,
    };
    std::fs::write(path(), serde_json::to_string_pretty(&v).expect("json") + "\n").expect("write");
    for (name, h) in messages_by_name(&v.messages) {
        println!("{}", dump(name, h));
    }
    println!("{:#?}", v.derived);
}
