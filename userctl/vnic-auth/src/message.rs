//! The four authentication messages, typed: which fields each one uses
//! (every other field must be zero) and the conversion to and from a
//! [`Packet`].

use std::net::IpAddr;

use crate::crypto::{KdfParams, Nonce, NONCE_LEN, PROOF_LEN, TAG_LEN};
use crate::error::{ErrorCode, WireError};
use crate::wire::{Control, Coop, Packet, Sender, Tlv};

/// Auth-REQ (supervisor → representative provider): who, which service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthReq {
    /// Transaction id, chosen by the supervisor, not 0.
    pub txid: u32,
    /// `info_client`: the client's address (`None`: the datagram's source).
    pub client: Option<IpAddr>,
    /// User name (1..=63 bytes).
    pub user: String,
    /// Service name (1..=31 bytes).
    pub service: String,
    /// The client nonce `Nc`.
    pub nonce_c: Nonce,
    /// Extensions.
    pub ext: Vec<Tlv>,
}

/// Auth-REP & REQ (provider → supervisor): the sealed ID, the argon2
/// parameters and salt, the server nonce and the provider's proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRepReq {
    /// The Auth-REQ's transaction id.
    pub txid: u32,
    /// `info_vNIC`: the service's address (`None`: the provider's).
    pub service_addr: Option<IpAddr>,
    /// `info_vNIC`: the service's TCP port.
    pub service_port: u16,
    /// The Auth-REQ's user, echoed.
    pub user: String,
    /// The Auth-REQ's service, echoed.
    pub service: String,
    /// The Auth-REQ's `Nc`, echoed.
    pub nonce_c: Nonce,
    /// The server nonce `Ns`.
    pub nonce_s: Nonce,
    /// The user's salt and argon2 cost.
    pub kdf: KdfParams,
    /// `id ‖ vNIC number`, sealed.
    pub sealed: [u8; 4],
    /// The seal's tag.
    pub tag: [u8; TAG_LEN],
    /// The provider's proof.
    pub proof: [u8; PROOF_LEN],
    /// Extensions.
    pub ext: Vec<Tlv>,
}

/// Auth-REP (supervisor → provider): the client's proof; it makes the
/// session active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRep {
    /// The transaction id.
    pub txid: u32,
    /// `Nc`, echoed.
    pub nonce_c: Nonce,
    /// `Ns`, echoed.
    pub nonce_s: Nonce,
    /// The client's proof.
    pub proof: [u8; PROOF_LEN],
    /// Extensions.
    pub ext: Vec<Tlv>,
}

/// Auth-RST (either side): the exchange failed, with an error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRst {
    /// The transaction id.
    pub txid: u32,
    /// Why (never [`ErrorCode::NONE`]).
    pub error: ErrorCode,
    /// `Nc`, echoed.
    pub nonce_c: Nonce,
    /// `Ns`, echoed (zero if the provider never chose one).
    pub nonce_s: Nonce,
    /// Extensions.
    pub ext: Vec<Tlv>,
}

/// One of the four messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Auth-REQ: control `req`.
    Req(AuthReq),
    /// Auth-REP & REQ: control `req|rep`.
    RepReq(AuthRepReq),
    /// Auth-REP: control `rep`.
    Rep(AuthRep),
    /// Auth-RST: control `rst|error`.
    Rst(AuthRst),
}

const ZERO_NONCE: Nonce = [0; NONCE_LEN];

/// Checks that the fields a message type does not use are zero.
struct Unused<'a> {
    message: &'static str,
    p: &'a Packet,
}

impl Unused<'_> {
    fn check(&self, field: &'static str, is_zero: bool) -> Result<&Self, WireError> {
        if is_zero {
            Ok(self)
        } else {
            Err(WireError::Field {
                message: self.message,
                field,
                rule: "must be zero",
            })
        }
    }

    fn sender(&self) -> Result<&Self, WireError> {
        self.check("sender data", self.p.sender == Sender::None)
    }
    fn names(&self) -> Result<&Self, WireError> {
        self.check("user", self.p.user.is_empty())?
            .check("service", self.p.service.is_empty())
    }
    fn nonce_s(&self) -> Result<&Self, WireError> {
        self.check("server nonce", self.p.nonce_s == ZERO_NONCE)
    }
    fn kdf(&self) -> Result<&Self, WireError> {
        self.check("kdf parameters", self.p.kdf.is_none())
    }
    fn proof(&self) -> Result<&Self, WireError> {
        self.check("proof", self.p.proof == [0; PROOF_LEN])
    }
    fn id(&self) -> Result<&Self, WireError> {
        let p = self.p;
        self.check(
            "id",
            p.id == [0; 2] && p.vnic == [0; 2] && p.tag == [0; TAG_LEN],
        )
    }

    fn set(&self, field: &'static str, is_set: bool) -> Result<&Self, WireError> {
        if is_set {
            Ok(self)
        } else {
            Err(WireError::Field {
                message: self.message,
                field,
                rule: "must be set",
            })
        }
    }
}

impl Message {
    /// The message's name as the paper writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Message::Req(_) => "Auth-REQ",
            Message::RepReq(_) => "Auth-REP & REQ",
            Message::Rep(_) => "Auth-REP",
            Message::Rst(_) => "Auth-RST",
        }
    }

    /// The transaction id.
    pub fn txid(&self) -> u32 {
        match self {
            Message::Req(m) => m.txid,
            Message::RepReq(m) => m.txid,
            Message::Rep(m) => m.txid,
            Message::Rst(m) => m.txid,
        }
    }

    /// Decodes a datagram into one of the four messages.
    pub fn decode(buf: &[u8]) -> Result<Message, WireError> {
        Message::from_packet(Packet::decode(buf)?)
    }

    /// Encodes the message.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        self.to_packet().encode()
    }

    /// The encoding with the proof field zeroed: what the transcript hashes
    /// take for the message a proof is about (`RR0`, `REP0`).
    pub fn encode_without_proof(&self) -> Result<Vec<u8>, WireError> {
        Packet {
            proof: [0; PROOF_LEN],
            ..self.to_packet()
        }
        .encode()
    }

    /// Classifies a packet by its flags and checks the fields its type
    /// leaves unused.
    pub fn from_packet(p: Packet) -> Result<Message, WireError> {
        if p.coop != Coop::AUTH {
            return Err(WireError::NotAuth(p.coop.0));
        }
        let req = Control::REQ;
        let rep_req = Control::REQ.with(Control::REP);
        let rst = Control::RST.with(Control::ERROR);
        let message = match p.control {
            c if c == req => {
                let u = Unused {
                    message: "Auth-REQ",
                    p: &p,
                };
                u.nonce_s()?.kdf()?.proof()?.id()?;
                u.set("user", !p.user.is_empty())?
                    .set("service", !p.service.is_empty())?;
                let Sender::Client { addr: client } = p.sender else {
                    return Err(WireError::Field {
                        message: u.message,
                        field: "info_client",
                        rule: "must be set",
                    });
                };
                Message::Req(AuthReq {
                    txid: p.txid,
                    client,
                    user: p.user,
                    service: p.service,
                    nonce_c: p.nonce_c,
                    ext: p.ext,
                })
            }
            c if c == rep_req => {
                let u = Unused {
                    message: "Auth-REP & REQ",
                    p: &p,
                };
                let Sender::Vnic { addr, port } = p.sender else {
                    return Err(WireError::Field {
                        message: u.message,
                        field: "info_vNIC",
                        rule: "must be set",
                    });
                };
                let kdf = p.kdf.ok_or(WireError::Field {
                    message: u.message,
                    field: "kdf parameters",
                    rule: "must be set",
                })?;
                Message::RepReq(AuthRepReq {
                    txid: p.txid,
                    service_addr: addr,
                    service_port: port,
                    user: p.user,
                    service: p.service,
                    nonce_c: p.nonce_c,
                    nonce_s: p.nonce_s,
                    kdf,
                    sealed: [p.id[0], p.id[1], p.vnic[0], p.vnic[1]],
                    tag: p.tag,
                    proof: p.proof,
                    ext: p.ext,
                })
            }
            c if c == Control::REP => {
                Unused {
                    message: "Auth-REP",
                    p: &p,
                }
                .sender()?
                .names()?
                .kdf()?
                .id()?;
                Message::Rep(AuthRep {
                    txid: p.txid,
                    nonce_c: p.nonce_c,
                    nonce_s: p.nonce_s,
                    proof: p.proof,
                    ext: p.ext,
                })
            }
            c if c == rst => {
                Unused {
                    message: "Auth-RST",
                    p: &p,
                }
                .sender()?
                .names()?
                .kdf()?
                .proof()?
                .id()?;
                Message::Rst(AuthRst {
                    txid: p.txid,
                    error: p.error,
                    nonce_c: p.nonce_c,
                    nonce_s: p.nonce_s,
                    ext: p.ext,
                })
            }
            other => return Err(WireError::UnknownMessage(other.0)),
        };
        Ok(message)
    }

    /// The packet of this message (unused fields zero).
    pub fn to_packet(&self) -> Packet {
        let base = Packet {
            coop: Coop::AUTH,
            ..Packet::default()
        };
        match self {
            Message::Req(m) => Packet {
                control: Control::REQ,
                txid: m.txid,
                sender: Sender::Client { addr: m.client },
                user: m.user.clone(),
                service: m.service.clone(),
                nonce_c: m.nonce_c,
                ext: m.ext.clone(),
                ..base
            },
            Message::RepReq(m) => {
                let [a, b, c, d] = m.sealed;
                Packet {
                    control: Control::REQ.with(Control::REP),
                    txid: m.txid,
                    sender: Sender::Vnic {
                        addr: m.service_addr,
                        port: m.service_port,
                    },
                    user: m.user.clone(),
                    service: m.service.clone(),
                    nonce_c: m.nonce_c,
                    nonce_s: m.nonce_s,
                    kdf: Some(m.kdf),
                    proof: m.proof,
                    id: [a, b],
                    vnic: [c, d],
                    tag: m.tag,
                    ext: m.ext.clone(),
                    ..base
                }
            }
            Message::Rep(m) => Packet {
                control: Control::REP,
                txid: m.txid,
                nonce_c: m.nonce_c,
                nonce_s: m.nonce_s,
                proof: m.proof,
                ext: m.ext.clone(),
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
