//! The test vectors (`tests/vectors.json`, also shown in
//! `Documentation/auth-protocol.md`): the code must reproduce every derived
//! value and every message byte for byte, through the functions and through
//! the state machines.
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
use vnic_auth::crypto::{transcript, Nonce};
use vnic_auth::wire::Tlv;
use vnic_auth::{
    Argon2Cost, AuthRep, AuthRepReq, AuthReq, AuthRst, Backend, Client, ClientConfig,
    ClientEvent, ErrorCode, KdfParams, Lookup, Message, Server, ServerConfig, ServerEvent,
    SessionKeys, Target, Verifier,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Inputs {
    passcode: String,
    user: String,
    service: String,
    argon2_m_kib: u32,
    argon2_t: u16,
    argon2_p: u8,
    salt: String,
    txid: u32,
    client_addr: IpAddr,
    nonce_c: String,
    nonce_s: String,
    id: u16,
    vnic: u16,
    service_addr: IpAddr,
    service_port: u16,
    req_ext_type: u16,
    req_ext_value: String,
    rst_error: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Derived {
    verifier_key: String,
    verifier_string: String,
    t_req: String,
    k_id: String,
    k_server: String,
    k_client: String,
    sealed: String,
    tag: String,
    t_rr: String,
    server_proof: String,
    t_rep: String,
    client_proof: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Messages {
    auth_req: String,
    auth_rep_req: String,
    auth_rep: String,
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

fn bytes<const N: usize>(h: &str) -> [u8; N] {
    hex::decode(h).expect("hex").try_into().expect("hex of the right length")
}

fn inputs() -> Inputs {
    let seq = |start: u8| hex::encode(&std::array::from_fn::<u8, 32, _>(|i| start + i as u8));
    Inputs {
        passcode: "correct horse battery staple".into(),
        user: "alice".into(),
        service: "http".into(),
        argon2_m_kib: Argon2Cost::TEST.m_kib,
        argon2_t: Argon2Cost::TEST.t,
        argon2_p: Argon2Cost::TEST.p,
        salt: "000102030405060708090a0b0c0d0e0f".into(),
        txid: 0x1234_abcd,
        client_addr: "192.0.2.10".parse().expect("addr"),
        nonce_c: seq(0x10),
        nonce_s: seq(0x40),
        id: 0x2a17,
        vnic: 2,
        service_addr: "198.51.100.7".parse().expect("addr"),
        service_port: 80,
        req_ext_type: 0x8001,
        req_ext_value: hex::encode(b"demo"),
        rst_error: ErrorCode::AUTH_FAILED.0,
    }
}

impl Inputs {
    fn kdf(&self) -> KdfParams {
        KdfParams {
            cost: Argon2Cost {
                m_kib: self.argon2_m_kib,
                t: self.argon2_t,
                p: self.argon2_p,
            },
            salt: bytes(&self.salt),
        }
    }
    fn nonces(&self) -> (Nonce, Nonce) {
        (bytes(&self.nonce_c), bytes(&self.nonce_s))
    }
    fn ext(&self) -> Vec<Tlv> {
        vec![Tlv {
            kind: self.req_ext_type,
            value: hex::decode(&self.req_ext_value).expect("hex"),
        }]
    }
}

/// Everything derived from the inputs, through the crate's functions.
fn compute(i: &Inputs) -> (Derived, Messages) {
    let (nonce_c, nonce_s) = i.nonces();
    let verifier = Verifier::derive(i.passcode.as_bytes(), i.kdf()).expect("argon2");
    let req = Message::Req(AuthReq {
        txid: i.txid,
        client: Some(i.client_addr),
        user: i.user.clone(),
        service: i.service.clone(),
        nonce_c,
        ext: i.ext(),
    })
    .encode()
    .expect("req");
    let keys = SessionKeys::derive(verifier.key(), &nonce_c, &nonce_s).expect("keys");
    let t_req = transcript(&[&req]);
    let (sealed, tag) = keys.seal(&t_req, i.id, i.vnic).expect("seal");
    let mut rr = AuthRepReq {
        txid: i.txid,
        service_addr: Some(i.service_addr),
        service_port: i.service_port,
        user: i.user.clone(),
        service: i.service.clone(),
        nonce_c,
        nonce_s,
        kdf: i.kdf(),
        sealed,
        tag,
        proof: [0; 32],
        ext: vec![],
    };
    let t_rr = transcript(&[&req, &Message::RepReq(rr.clone()).encode().expect("rr0")]);
    rr.proof = keys.server_proof(&t_rr).expect("proof");
    let rr = Message::RepReq(rr).encode().expect("rr");
    let mut rep = AuthRep {
        txid: i.txid,
        nonce_c,
        nonce_s,
        proof: [0; 32],
        ext: vec![],
    };
    let t_rep = transcript(&[
        &req,
        &rr,
        &Message::Rep(rep.clone()).encode().expect("rep0"),
    ]);
    rep.proof = keys.client_proof(&t_rep).expect("proof");
    let rep = Message::Rep(rep).encode().expect("rep");
    let rst = Message::Rst(AuthRst {
        txid: i.txid,
        error: ErrorCode(i.rst_error),
        nonce_c,
        nonce_s,
        ext: vec![],
    })
    .encode()
    .expect("rst");
    let h = |b: &[u8]| hex::encode(b);
    let derived = Derived {
        verifier_key: h(verifier.key()),
        verifier_string: verifier.to_string(),
        t_req: h(&t_req),
        k_id: h(keys.id_key()),
        k_server: h(keys.server_key()),
        k_client: h(keys.client_key()),
        sealed: h(&sealed),
        tag: h(&tag),
        t_rr: h(&t_rr),
        server_proof: h(&keys.server_proof(&t_rr).expect("proof")),
        t_rep: h(&t_rep),
        client_proof: h(&keys.client_proof(&t_rep).expect("proof")),
    };
    let messages = Messages {
        auth_req: h(&req),
        auth_rep_req: h(&rr),
        auth_rep: h(&rep),
        auth_rst: h(&rst),
    };
    (derived, messages)
}

#[test]
fn the_code_reproduces_the_vectors() {
    let v = load();
    assert_eq!(
        v.inputs,
        inputs(),
        "the inputs in the file are the documented ones"
    );
    let (derived, messages) = compute(&v.inputs);
    assert_eq!(derived, v.derived);
    assert_eq!(messages, v.messages);
}

#[test]
fn the_vector_messages_decode_to_the_inputs() {
    let v = load();
    let i = &v.inputs;
    let (nonce_c, nonce_s) = i.nonces();
    let decode = |h: &str| Message::decode(&hex::decode(h).expect("hex")).expect("decodes");
    let Message::Req(req) = decode(&v.messages.auth_req) else {
        panic!("not Auth-REQ")
    };
    assert_eq!(
        (
            req.txid,
            req.client,
            req.user.as_str(),
            req.service.as_str()
        ),
        (i.txid, Some(i.client_addr), "alice", "http")
    );
    assert_eq!((req.nonce_c, req.ext), (nonce_c, i.ext()));
    let Message::RepReq(rr) = decode(&v.messages.auth_rep_req) else {
        panic!("not Auth-REP & REQ")
    };
    assert_eq!(
        (rr.kdf, rr.nonce_s, rr.service_addr, rr.service_port),
        (i.kdf(), nonce_s, Some(i.service_addr), 80)
    );
    let keys =
        SessionKeys::derive(&bytes(&v.derived.verifier_key), &nonce_c, &nonce_s).expect("keys");
    let t_req = bytes(&v.derived.t_req);
    assert_eq!(keys.open(&t_req, &rr.sealed, &rr.tag), Some((i.id, i.vnic)));
    assert_eq!(hex::encode(&rr.proof), v.derived.server_proof);
    let Message::Rep(rep) = decode(&v.messages.auth_rep) else {
        panic!("not Auth-REP")
    };
    assert_eq!(hex::encode(&rep.proof), v.derived.client_proof);
    let Message::Rst(rst) = decode(&v.messages.auth_rst) else {
        panic!("not Auth-RST")
    };
    assert_eq!(
        (rst.error, rst.nonce_c, rst.nonce_s),
        (ErrorCode(i.rst_error), nonce_c, nonce_s)
    );
    let parsed: Verifier = v.derived.verifier_string.parse().expect("verifier string");
    assert!(parsed.matches(i.passcode.as_bytes()));
}

struct VectorBackend(Verifier, Target);

impl Backend for VectorBackend {
    fn lookup(&self, _user: &str, _service: &str) -> Lookup {
        Lookup::Found {
            verifier: self.0.clone(),
            target: self.1,
        }
    }
    fn id_in_use(&self, _id: NonZeroU16) -> bool {
        false
    }
}

#[test]
fn the_state_machines_send_the_vector_bytes() {
    let v = load();
    let i = &v.inputs;
    let at = |h: &str| hex::decode(h).expect("hex");
    let t0 = Instant::now();
    let server_addr: SocketAddr = (i.service_addr, 7390).into();
    let peer: SocketAddr = (i.client_addr, 40000).into();
    let client_script = [&i.txid.to_be_bytes()[..], &at(&i.nonce_c)].concat();
    let mut config = ClientConfig::new(&i.user, &i.passcode, &i.service);
    config.client_addr = Some(i.client_addr);
    config.ext = i.ext();
    let mut client = Client::new(
        config,
        server_addr,
        t0,
        &mut TestRandom::scripted(&client_script),
    )
    .expect("client");
    let server_script = [&i.id.to_be_bytes()[..], &at(&i.nonce_s)].concat();
    let cfg = ServerConfig {
        fake_cost: Argon2Cost::TEST,
        ..ServerConfig::new([0; 32])
    };
    let mut server = Server::new(cfg.clone(), Box::new(TestRandom::scripted(&server_script)));
    let verifier = Verifier::from_parts(i.kdf(), bytes(&v.derived.verifier_key));
    let backend = VectorBackend(
        verifier,
        Target {
            vnic: i.vnic,
            addr: Some(i.service_addr),
            port: i.service_port,
        },
    );

    let req = client.poll_transmit().expect("Auth-REQ").data;
    assert_eq!(hex::encode(&req), v.messages.auth_req);
    server.handle_datagram(t0, peer, &req, &backend);
    let rr = server.poll_transmit().expect("Auth-REP & REQ").data;
    assert_eq!(hex::encode(&rr), v.messages.auth_rep_req);
    client.handle_datagram(t0, server_addr, &rr);
    let rep = client.poll_transmit().expect("Auth-REP").data;
    assert_eq!(hex::encode(&rep), v.messages.auth_rep);
    let Some(ClientEvent::Granted(grant)) = client.poll_event() else {
        panic!("client not granted")
    };
    assert_eq!(
        (grant.id.get(), grant.vnic, grant.service_addr),
        (i.id, i.vnic, i.service_addr)
    );

    // The same exchange with the Auth-REP's proof spoilt ends in the vector's
    // Auth-RST.
    let mut spoilt = Server::new(cfg, Box::new(TestRandom::scripted(&server_script)));
    spoilt.handle_datagram(t0, peer, &req, &backend);
    spoilt.poll_transmit();
    let mut bad = rep.clone();
    bad[vnic_auth::wire::offset::PROOF] ^= 1;
    spoilt.handle_datagram(t0, peer, &bad, &backend);
    assert_eq!(
        hex::encode(&spoilt.poll_transmit().expect("Auth-RST").data),
        v.messages.auth_rst
    );

    server.handle_datagram(t0, peer, &rep, &backend);
    let Some(ServerEvent::Granted(s)) = server.poll_event() else {
        panic!("server not granted")
    };
    assert_eq!((s.id.get(), s.client), (i.id, i.client_addr));
}

/// The hex dumps in the document, by message name.
fn dumps_in(doc: &str, name: &str) -> Option<String> {
    let mut lines = doc
        .lines()
        .skip_while(|l| !l.starts_with(&format!("{name} (")));
    lines.next()?;
    let mut out = String::new();
    for line in lines.take_while(|l| !l.trim().is_empty() && !l.starts_with("```")) {
        out.extend(line.split_whitespace().skip(1));
    }
    Some(out)
}

#[test]
fn the_document_shows_the_same_vectors() {
    let doc_path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../Documentation/auth-protocol.md");
    let doc = std::fs::read_to_string(&doc_path).expect("Documentation/auth-protocol.md");
    let v = load();
    for (name, hex) in [
        ("auth_req", &v.messages.auth_req),
        ("auth_rep_req", &v.messages.auth_rep_req),
        ("auth_rep", &v.messages.auth_rep),
        ("auth_rst", &v.messages.auth_rst),
    ] {
        assert_eq!(
            dumps_in(&doc, name).as_ref(),
            Some(hex),
            "{name} in the document"
        );
    }
    let d = &v.derived;
    for value in [
        &d.verifier_key,
        &d.t_req,
        &d.k_id,
        &d.k_server,
        &d.k_client,
        &d.t_rr,
        &d.server_proof,
        &d.t_rep,
        &d.client_proof,
    ] {
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
        comment:
            "vnic-auth version 1 test vectors; Documentation/auth-protocol.md explains every field"
                .into(),
        inputs,
        derived,
        messages,
    };
    std::fs::write(
        path(),
        serde_json::to_string_pretty(&v).expect("json") + "\n",
    )
    .expect("write");
    let m = &v.messages;
    for (name, h) in [
        ("auth_req", &m.auth_req),
        ("auth_rep_req", &m.auth_rep_req),
        ("auth_rep", &m.auth_rep),
        ("auth_rst", &m.auth_rst),
    ] {
        println!("{}", dump(name, h));
    }
    println!("{:#?}", v.derived);
}
