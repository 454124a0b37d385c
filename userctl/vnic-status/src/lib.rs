//! The status cooperative application (Documentation/status-protocol.md):
//! every provider (SP) reports its vNICs to the header SPs at an interval,
//! in the cooperative data structure of the authentication protocol
//! (cooperative flag `status`); a header keeps a catalog of the SPs that
//! report, forgets those that miss three reports, and chooses the least
//! loaded live SP for a service.
//!
//! Sans-IO like `vnic-auth`: [`Report`] encodes and decodes one datagram,
//! [`StatusKey`] signs and checks it (HMAC-SHA256, a key per SP that is
//! nobody's passcode material), [`Catalog`] is the header's state.

mod catalog;
mod error;
mod forward;
mod key;
pub mod ping;
mod report;

pub use catalog::{Catalog, CatalogEntry, Counters, Rejection};
pub use error::{KeyError, ReportError};
pub use forward::{is_auth_request, is_status, Forward, ForwardRejection};
pub use key::StatusKey;
pub use report::{Report, ServiceStatus, VnicStatus, INTERVAL_MS};

/// The cooperative flag of this application (bit 1; authentication is bit 0).
pub const COOP_STATUS: u16 = 0x0002;
