//! Errors: what the decoder rejects ([`WireError`]), the error codes an
//! Auth-RST carries ([`ErrorCode`]) and the crypto layer's [`CryptoError`].

use std::fmt;

use crate::wire::{FIXED_LEN, MAX_LEN};

/// Why a datagram is not a valid message. The decoder returns one of these
/// for every input it does not accept; it never panics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Shorter than the fixed part.
    #[error("message too short: {len} bytes, the fixed part alone is {FIXED_LEN}")]
    TooShort {
        /// The datagram's length.
        len: usize,
    },
    /// Longer than [`MAX_LEN`], or the extensions do not fit.
    #[error("message too long: {len} bytes, at most {MAX_LEN}")]
    TooLong {
        /// The (would-be) length.
        len: usize,
    },
    /// The first two bytes are not "VN".
    #[error("not a vnic message (bad magic)")]
    BadMagic,
    /// A version other than 1.
    #[error("unsupported protocol version {0} (this implementation speaks version 2)")]
    UnsupportedVersion(u8),
    /// The extension length field disagrees with the datagram's length.
    #[error("extension length {declared} does not match the {actual} bytes after the fixed part")]
    ExtLength {
        /// The value of the field.
        declared: usize,
        /// What the datagram holds.
        actual: usize,
    },
    /// A reserved field or padding is not zero.
    #[error("reserved field {0} is not zero")]
    Reserved(&'static str),
    /// Control flags outside req, rep, rst, error.
    #[error("unknown control flags {0:#04x}")]
    ControlFlags(u8),
    /// Cooperative flags that do not name exactly one application.
    #[error("cooperative flags {0:#06x} must name exactly one application")]
    CoopFlags(u16),
    /// The error flag is set without an error code, or the other way round.
    #[error("the error flag and the error code {0} disagree")]
    ErrorFlag(u16),
    /// An unknown sender data kind.
    #[error("unknown sender data kind {0}")]
    SenderKind(u8),
    /// An unknown address family.
    #[error("unknown address family {0}")]
    Family(u8),
    /// A text field that is not valid (UTF-8, no control characters).
    #[error("{field}: {reason}")]
    Text {
        /// `user` or `service`.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A field value too long for its slot (encoding only).
    #[error("{field} is {len} bytes, at most {max} fit")]
    FieldTooLong {
        /// Which field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// Its slot's capacity.
        max: usize,
    },
    /// An unknown key derivation function identifier.
    #[error("unknown key derivation function {0}")]
    Kdf(u8),
    /// A malformed extension TLV (truncated, or type 0).
    #[error("malformed extension at offset {0}")]
    Tlv(usize),
    /// Cooperative flags other than `auth` (another application's message).
    #[error("not an authentication message (cooperative flags {0:#06x})")]
    NotAuth(u16),
    /// Control flags that name none of the authentication messages.
    #[error("control flags {0:#04x} name no authentication message")]
    UnknownMessage(u8),
    /// A field that the message type requires to be zero (or to be set) is not.
    #[error("{message}: {field} {rule}")]
    Field {
        /// The message type.
        message: &'static str,
        /// The field.
        field: &'static str,
        /// `must be zero` or `must be set`.
        rule: &'static str,
    },
}

/// The error code of an Auth-RST (a 16-bit field; codes this version does
/// not know are carried as they are). Its `Display` is one human sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ErrorCode(pub u16);

impl ErrorCode {
    /// No error (every message but Auth-RST).
    pub const NONE: ErrorCode = ErrorCode(0);
    /// Unknown user, user not permitted the service, or wrong passcode: on
    /// purpose one code, so that nobody learns which users exist.
    pub const AUTH_FAILED: ErrorCode = ErrorCode(1);
    /// The provider offers no service by that name.
    pub const NO_SUCH_SERVICE: ErrorCode = ErrorCode(2);
    /// Too many failed attempts from this source or for this user.
    pub const RATE_LIMITED: ErrorCode = ErrorCode(3);
    /// Too many exchanges in progress.
    pub const BUSY: ErrorCode = ErrorCode(4);
    /// No free session ID.
    pub const NO_FREE_ID: ErrorCode = ErrorCode(5);
    /// A time limit ran out.
    pub const TIMEOUT: ErrorCode = ErrorCode(6);
    /// The version is not supported.
    pub const UNSUPPORTED_VERSION: ErrorCode = ErrorCode(7);
    /// The message could not be decoded.
    pub const MALFORMED: ErrorCode = ErrorCode(8);
    /// The cooperative application is not supported.
    pub const UNSUPPORTED_APPLICATION: ErrorCode = ErrorCode(9);
    /// The client refuses the provider's argon2 parameters.
    pub const KDF_REFUSED: ErrorCode = ErrorCode(10);
    /// The provider failed internally (e.g. its database).
    pub const INTERNAL: ErrorCode = ErrorCode(11);
    /// The Auth-REQ names a client address other than its source, and the
    /// source is not a bridge box the provider trusts to speak for others.
    pub const CLIENT_NOT_ALLOWED: ErrorCode = ErrorCode(12);
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match *self {
            ErrorCode::NONE => "no error",
            ErrorCode::AUTH_FAILED => "authentication failed (unknown user or wrong passcode)",
            ErrorCode::NO_SUCH_SERVICE => "the provider offers no such service",
            ErrorCode::RATE_LIMITED => "too many failed attempts, try again later",
            ErrorCode::BUSY => "the provider is busy, try again later",
            ErrorCode::NO_FREE_ID => "the provider has no free session ID",
            ErrorCode::TIMEOUT => "the exchange timed out",
            ErrorCode::UNSUPPORTED_VERSION => "unsupported protocol version",
            ErrorCode::MALFORMED => "malformed message",
            ErrorCode::UNSUPPORTED_APPLICATION => "unsupported cooperative application",
            ErrorCode::KDF_REFUSED => "the client refused the provider's argon2 parameters",
            ErrorCode::INTERNAL => "internal error on the provider",
            ErrorCode::CLIENT_NOT_ALLOWED => {
                "the provider does not let this host ask for sessions of another client address"
            }
            ErrorCode(other) => return write!(f, "error code {other}"),
        };
        f.write_str(text)
    }
}

/// A failure of the crypto layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// argon2 rejected the parameters (e.g. m < 8·p).
    #[error("invalid argon2 parameters: {0}")]
    Argon2(String),
    /// A stored record or key string could not be parsed.
    #[error("invalid stored record: {0}")]
    Stored(String),
    /// A primitive refused its input (cannot happen with the fixed sizes used).
    #[error("crypto primitive failed: {0}")]
    Primitive(&'static str),
}
