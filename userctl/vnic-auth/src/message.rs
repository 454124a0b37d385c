//! The authentication messages of version 2, typed: which fields each one
//! uses (every other field must be zero) and the conversion to and from a
//! [`Packet`].

use std::net::IpAddr;

use crate::crypto::{Argon2Cost, Cookie, Nonce, Sealed, COOKIE_LEN, NONCE_LEN};
use crate::error::{ErrorCode, WireError};
use crate::opaque::{KE1_LEN, KE2_LEN, KE3_LEN};
use crate::wire::{Control, Coop, Opaque, Packet, Sender, Tlv};

/// Auth-REQ (supervisor → provider): who, which service, OPAQUE's KE1, and
/// the provider's cookie when it asked for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthReq {
    /// Transaction id (not 0).
    pub txid: u32,
    /// `info_client`: the client's address, `None` for the source address.
    pub client: Option<IpAddr>,
    /// The user.
    pub user: String,
    /// The service.
    pub service: String,
    /// The client nonce `Nc`.
    pub nonce_c: Nonce,
    /// The cookie of an Auth-RETRY (zero in a first request).
    pub cookie: Cookie,
    /// OPAQUE KE1 (credential request).
    pub ke1: [u8; KE1_LEN],
    /// Extensions.
    pub ext: Vec<Tlv>,
}

/// Auth-RETRY (provider → supervisor, `rst` without `error`): "send the
/// request again with this cookie", the provider's answer that keeps no
/// state and does no public-key work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRetry {
    /// Echoed from the Auth-REQ.
    pub txid: u32,
    /// Echoed from the Auth-REQ.
    pub nonce_c: Nonce,
    /// The cookie to send back.
    pub cookie: Cookie,
}

/// Auth-REP & REQ (provider → supervisor): where the service is, the
/// argon2id cost, OPAQUE's KE2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRepReq {
    /// Echoed from the Auth-REQ.
    pub txid: u32,
    /// `info_vNIC`: the service's address, `None` for the provider's own.
    pub service_addr: Option<IpAddr>,
    /// `info_vNIC`: the service's TCP port.
    pub service_port: u16,
    /// Echoed.
    pub user: String,
    /// Echoed.
    pub service: String,
    /// Echoed `Nc`.
    pub nonce_c: Nonce,
    /// The server nonce `Ns`.
    pub nonce_s: Nonce,
    /// The argon2id cost of the record.
    pub kdf: Argon2Cost,
    /// OPAQUE KE2 (credential response).
    pub ke2: Box<[u8; KE2_LEN]>,
}

/// Auth-REP (supervisor → provider): OPAQUE's KE3 and the sealed ID the
/// client renews (0 sealed when it renews none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRep {
    /// Echoed.
    pub txid: u32,
    /// Echoed `Nc`.
    pub nonce_c: Nonce,
    /// Echoed `Ns`.
    pub nonce_s: Nonce,
    /// The renewed ID, sealed under `k_renew`.
    pub renew: Sealed,
    /// OPAQUE KE3 (the client's MAC).
    pub ke3: [u8; KE3_LEN],
    /// Extensions.
    pub ext: Vec<Tlv>,
}

/// Auth-GRANT (provider → supervisor, `rep|grant`): the session is active;
/// its ID and vNIC number sealed under `k_grant`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthGrant {
    /// Echoed.
    pub txid: u32,
    /// Echoed `Nc`.
    pub nonce_c: Nonce,
    /// Echoed `Ns`.
    pub nonce_s: Nonce,
    /// The ID and vNIC number, sealed.
    pub sealed: Sealed,
}

/// Auth-RST (either way): the exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRst {
    /// Echoed.
    pub txid: u32,
    /// Why (not 0).
    pub error: ErrorCode,
    /// Echoed `Nc`.
    pub nonce_c: Nonce,
    /// Echoed `Ns` (zero in answer to an Auth-REQ).
    pub nonce_s: Nonce,
    /// Extensions (not authenticated).
    pub ext: Vec<Tlv>,
}

/// One of the six messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Auth-REQ: control `req`.
    Req(AuthReq),
    /// Auth-RETRY: control `rst`.
    Retry(AuthRetry),
    /// Auth-REP & REQ: control `req|rep`.
    RepReq(AuthRepReq),
    /// Auth-REP: control `rep`.
    Rep(AuthRep),
    /// Auth-GRANT: control `rep|grant`.
    Grant(AuthGrant),
    /// Auth-RST: control `rst|error`.
    Rst(AuthRst),
}

const ZERO_NONCE: Nonce = [0; NONCE_LEN];

/// Checks the fields a message type leaves unused (zero) or requires.
struct Rules<'a> {
    message: &'static str,
    p: &'a Packet,
}

impl Rules<'_> {
    fn check(&self, field: &'static str, ok: bool, rule: &'static str) -> Result<&Self, WireError> {
        if ok {
            Ok(self)
        } else {
            Err(WireError::Field { message: self.message, field, rule })
        }
    }
    fn zero(&self, field: &'static str, is_zero: bool) -> Result<&Self, WireError> {
        self.check(field, is_zero, "must be zero")
    }
    fn set(&self, field: &'static str, is_set: bool) -> Result<&Self, WireError> {
        self.check(field, is_set, "must be set")
    }
    fn no_sender(&self) -> Result<&Self, WireError> {
        self.zero("sender data", self.p.sender == Sender::None)
    }
    fn no_names(&self) -> Result<&Self, WireError> {
        self.zero("user", self.p.user.is_empty())?
            .zero("service", self.p.service.is_empty())
    }
    fn no_nonce_s(&self) -> Result<&Self, WireError> {
        self.zero("server nonce", self.p.nonce_s == ZERO_NONCE)
    }
    fn no_kdf(&self) -> Result<&Self, WireError> {
        self.zero("kdf parameters", self.p.kdf.is_none())
    }
    fn no_cookie(&self) -> Result<&Self, WireError> {
        self.zero("cookie", self.p.cookie == [0; COOKIE_LEN])
    }
    fn no_id(&self) -> Result<&Self, WireError> {
        self.zero("id", self.p.sealed == Sealed::default())
    }
    fn no_opaque(&self) -> Result<&Self, WireError> {
        self.zero("OPAQUE area", self.p.opaque.is_zero())
    }
    fn no_ext(&self) -> Result<&Self, WireError> {
        self.zero("extensions", self.p.ext.is_empty())
    }
    /// The first `N` bytes of the OPAQUE area, the rest zero.
    fn opaque<const N: usize>(&self) -> Result<[u8; N], WireError> {
        self.p
            .opaque
            .prefix(N)
            .and_then(|b| <[u8; N]>::try_from(b).ok())
            .ok_or(WireError::Field { message: self.message, field: "OPAQUE padding", rule: "must be zero" })
    }
}

impl Message {
    /// The message's name as the specification writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Message::Req(_) => "Auth-REQ",
            Message::Retry(_) => "Auth-RETRY",
            Message::RepReq(_) => "Auth-REP & REQ",
            Message::Rep(_) => "Auth-REP",
            Message::Grant(_) => "Auth-GRANT",
            Message::Rst(_) => "Auth-RST",
        }
    }

    /// The transaction id.
    pub fn txid(&self) -> u32 {
        match self {
            Message::Req(m) => m.txid,
            Message::Retry(m) => m.txid,
            Message::RepReq(m) => m.txid,
            Message::Rep(m) => m.txid,
            Message::Grant(m) => m.txid,
            Message::Rst(m) => m.txid,
        }
    }

    /// Decodes a datagram into one of the messages.
    pub fn decode(buf: &[u8]) -> Result<Message, WireError> {
        Message::from_packet(Packet::decode(buf)?)
    }

    /// Encodes the message.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        self.to_packet().encode()
    }

    /// The encoding with the OPAQUE area zeroed: what the OPAQUE context
    /// takes for Auth-REP & REQ (`RR0`).
    pub fn encode_without_opaque(&self) -> Result<Vec<u8>, WireError> {
        Packet { opaque: Opaque::default(), ..self.to_packet() }.encode()
    }

    /// Classifies a packet by its flags and checks the fields its type
    /// leaves unused.
    pub fn from_packet(p: Packet) -> Result<Message, WireError> {
        if p.coop != Coop::AUTH {
            return Err(WireError::NotAuth(p.coop.0));
        }
        let c = p.control;
        let rules = |message| Rules { message, p: &p };
        let message = if c == Control::REQ {
            let r = rules("Auth-REQ");
            r.no_nonce_s()?.no_kdf()?.no_id()?;
            r.set("user", !p.user.is_empty())?.set("service", !p.service.is_empty())?;
            let ke1 = r.opaque::<KE1_LEN>()?;
            let Sender::Client { addr: client } = p.sender else {
                return Err(WireError::Field { message: r.message, field: "info_client", rule: "must be set" });
            };
            Message::Req(AuthReq {
                txid: p.txid,
                client,
                user: p.user,
                service: p.service,
                nonce_c: p.nonce_c,
                cookie: p.cookie,
                ke1,
                ext: p.ext,
            })
        } else if c == Control::RST {
            let r = rules("Auth-RETRY");
            r.no_sender()?.no_names()?.no_nonce_s()?.no_kdf()?.no_id()?.no_opaque()?.no_ext()?;
            r.set("cookie", p.cookie != [0; COOKIE_LEN])?;
            Message::Retry(AuthRetry { txid: p.txid, nonce_c: p.nonce_c, cookie: p.cookie })
        } else if c == Control::REQ.with(Control::REP) {
            let r = rules("Auth-REP & REQ");
            r.no_cookie()?.no_id()?.no_ext()?;
            let Sender::Vnic { addr, port } = p.sender else {
                return Err(WireError::Field { message: r.message, field: "info_vNIC", rule: "must be set" });
            };
            let kdf = p.kdf.ok_or(WireError::Field { message: r.message, field: "kdf parameters", rule: "must be set" })?;
            Message::RepReq(AuthRepReq {
                txid: p.txid,
                service_addr: addr,
                service_port: port,
                user: p.user,
                service: p.service,
                nonce_c: p.nonce_c,
                nonce_s: p.nonce_s,
                kdf,
                ke2: p.opaque.0,
            })
        } else if c == Control::REP {
            let r = rules("Auth-REP");
            r.no_sender()?.no_names()?.no_kdf()?.no_cookie()?;
            let ke3 = r.opaque::<KE3_LEN>()?;
            Message::Rep(AuthRep {
                txid: p.txid,
                nonce_c: p.nonce_c,
                nonce_s: p.nonce_s,
                renew: p.sealed,
                ke3,
                ext: p.ext,
            })
        } else if c == Control::REP.with(Control::GRANT) {
            let r = rules("Auth-GRANT");
            r.no_sender()?.no_names()?.no_kdf()?.no_cookie()?.no_opaque()?.no_ext()?;
            Message::Grant(AuthGrant { txid: p.txid, nonce_c: p.nonce_c, nonce_s: p.nonce_s, sealed: p.sealed })
        } else if c == Control::RST.with(Control::ERROR) {
            let r = rules("Auth-RST");
            r.no_sender()?.no_names()?.no_kdf()?.no_cookie()?.no_id()?.no_opaque()?;
            Message::Rst(AuthRst {
                txid: p.txid,
                error: p.error,
                nonce_c: p.nonce_c,
                nonce_s: p.nonce_s,
                ext: p.ext,
            })
        } else {
            return Err(WireError::UnknownMessage(c.0));
        };
        Ok(message)
    }

    /// The packet of this message (unused fields zero).
    pub fn to_packet(&self) -> Packet {
        let base = Packet { coop: Coop::AUTH, ..Packet::default() };
        match self {
            Message::Req(m) => Packet {
                control: Control::REQ,
                txid: m.txid,
                sender: Sender::Client { addr: m.client },
                user: m.user.clone(),
                service: m.service.clone(),
                nonce_c: m.nonce_c,
                cookie: m.cookie,
                opaque: Opaque::padded(&m.ke1).unwrap_or_default(),
                ext: m.ext.clone(),
                ..base
            },
            Message::Retry(m) => Packet {
                control: Control::RST,
                txid: m.txid,
                nonce_c: m.nonce_c,
                cookie: m.cookie,
                ..base
            },
            Message::RepReq(m) => Packet {
                control: Control::REQ.with(Control::REP),
                txid: m.txid,
                sender: Sender::Vnic { addr: m.service_addr, port: m.service_port },
                user: m.user.clone(),
                service: m.service.clone(),
                nonce_c: m.nonce_c,
                nonce_s: m.nonce_s,
                kdf: Some(m.kdf),
                opaque: Opaque(m.ke2.clone()),
                ..base
            },
            Message::Rep(m) => Packet {
                control: Control::REP,
                txid: m.txid,
                nonce_c: m.nonce_c,
                nonce_s: m.nonce_s,
                sealed: m.renew,
                opaque: Opaque::padded(&m.ke3).unwrap_or_default(),
                ext: m.ext.clone(),
                ..base
            },
            Message::Grant(m) => Packet {
                control: Control::REP.with(Control::GRANT),
                txid: m.txid,
                nonce_c: m.nonce_c,
                nonce_s: m.nonce_s,
                sealed: m.sealed,
                ..base
            },
            Message::Rst(m) => Packet {
                control: Control::RST.with(Control::ERROR),
                error: m.error,
                txid: m.txid,
                nonce_c: m.nonce_c,
                nonce_s: m.nonce_s,
                ext: m.ext.clone(),
                ..base
            },
        }
    }
}

/// The Auth-RST "unsupported version" in version 1's layout (276 bytes),
/// echoing `txid` and `nonce_c`: the answer to a version 1 peer, which
/// decodes it and reports the code.
pub fn v1_unsupported_version(txid: u32, nonce_c: &Nonce) -> Vec<u8> {
    let mut out = vec![0u8; crate::wire::V1_FIXED_LEN];
    out[0..2].copy_from_slice(&crate::wire::MAGIC);
    out[2] = 1;
    out[3] = Control::RST.with(Control::ERROR).0;
    out[4..6].copy_from_slice(&Coop::AUTH.0.to_be_bytes());
    out[6..8].copy_from_slice(&ErrorCode::UNSUPPORTED_VERSION.0.to_be_bytes());
    out[8..12].copy_from_slice(&txid.to_be_bytes());
    out[136..168].copy_from_slice(nonce_c);
    out
}

/// Whether `data` is a version 1 Auth-RST answering `txid` and `nonce_c`
/// (what a version 1 provider answers a version 2 request with).
pub fn is_v1_rst(data: &[u8], txid: u32, nonce_c: &Nonce) -> bool {
    data.len() >= crate::wire::V1_FIXED_LEN
        && data.get(0..3) == Some(b"VN\x01")
        && data.get(3) == Some(&Control::RST.with(Control::ERROR).0)
        && data.get(8..12) == Some(&txid.to_be_bytes()[..])
        && data.get(136..168) == Some(&nonce_c[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> AuthReq {
        AuthReq {
            txid: 9,
            client: None,
            user: "alice".into(),
            service: "http".into(),
            nonce_c: [1; NONCE_LEN],
            cookie: [0; COOKIE_LEN],
            ke1: [5; KE1_LEN],
            ext: vec![],
        }
    }

    #[test]
    fn every_message_round_trips() {
        let sealed = Sealed { data: [1, 2, 3, 4], tag: [6; 16] };
        let all = [
            Message::Req(req()),
            Message::Retry(AuthRetry { txid: 9, nonce_c: [1; 32], cookie: [7; 16] }),
            Message::RepReq(AuthRepReq {
                txid: 9,
                service_addr: None,
                service_port: 80,
                user: "alice".into(),
                service: "http".into(),
                nonce_c: [1; 32],
                nonce_s: [2; 32],
                kdf: Argon2Cost::TEST,
                ke2: Box::new([3; KE2_LEN]),
            }),
            Message::Rep(AuthRep { txid: 9, nonce_c: [1; 32], nonce_s: [2; 32], renew: sealed, ke3: [4; KE3_LEN], ext: vec![] }),
            Message::Grant(AuthGrant { txid: 9, nonce_c: [1; 32], nonce_s: [2; 32], sealed }),
            Message::Rst(AuthRst { txid: 9, error: ErrorCode::BUSY, nonce_c: [1; 32], nonce_s: [0; 32], ext: vec![] }),
        ];
        for m in all {
            let bytes = m.encode().unwrap();
            assert_eq!(bytes.len(), crate::wire::FIXED_LEN, "{}", m.name());
            assert_eq!(Message::decode(&bytes).unwrap(), m);
        }
    }

    #[test]
    fn padding_and_unused_fields_are_checked() {
        let mut bytes = Message::Req(req()).encode().unwrap();
        bytes[crate::wire::offset::OPAQUE + KE1_LEN] = 1;
        assert!(matches!(Message::decode(&bytes), Err(WireError::Field { field: "OPAQUE padding", .. })));
        let mut bytes = Message::Req(req()).encode().unwrap();
        bytes[crate::wire::offset::NONCE_S] = 1;
        assert!(matches!(Message::decode(&bytes), Err(WireError::Field { field: "server nonce", .. })));
    }

    #[test]
    fn version_1_reset_is_recognized() {
        let rst = v1_unsupported_version(9, &[1; 32]);
        assert_eq!(rst.len(), 276);
        assert!(is_v1_rst(&rst, 9, &[1; 32]));
        assert!(!is_v1_rst(&rst, 8, &[1; 32]));
        assert!(!is_v1_rst(&rst, 9, &[2; 32]));
    }
}
