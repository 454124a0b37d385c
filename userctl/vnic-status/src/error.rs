//! Why a datagram is not a report, or a key file not a key.

use thiserror::Error;

/// Why bytes are not a well-formed status report.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReportError {
    /// Shorter than the fixed part and the tag, or longer than 1,024 bytes.
    #[error("{0} bytes is not a status report's length (120 to 1024)")]
    Length(usize),
    /// Not "VN", version 2, control `rep`, cooperative flag `status`.
    #[error("not a version 2 status report")]
    NotStatus,
    /// A field holds a value the format forbids.
    #[error("malformed status report: {0}")]
    Field(&'static str),
    /// The report does not fit in one datagram.
    #[error("the report takes {0} bytes, more than a datagram's 1024")]
    TooLarge(usize),
}

/// Why a key file is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    /// Not `$vnic-status-key$v=2$` and 32 bytes of base64.
    #[error("not a status key (a line \"$vnic-status-key$v=2$\" and 32 bytes in base64, from vnicctl status-key)")]
    Format,
}
