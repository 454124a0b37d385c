//! The path check (Documentation/status-protocol.md §8): when a session
//! starts, the supervisor opens one TCP connection to the service from the
//! client's address. Its SYN leaves with the granted ID in the urgent
//! pointer and reaches the vNIC only if the relay finds it; the answer gets
//! through the supervisor only if it comes back carrying the ID. Firewalls
//! that normalize TCP (pf `scrub`, Cisco ASA, Palo Alto, Check Point) zero
//! or clear the urgent pointer, and the overlay then fails silently: this
//! says so once, in one sentence.

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How long the check waits for the answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The ID survived both ways (the service answered, or refused from
    /// behind the vNIC: that answer carried the ID too).
    Passed,
    /// It did not: the sentence says what was seen and the likely cause.
    Failed(String),
    /// Not checked: the client is not this host (a bridged client).
    Skipped(String),
}

impl Outcome {
    /// "ok", "failed: ..." or "unchecked: ...", as status shows it.
    pub fn to_text(&self) -> String {
        match self {
            Outcome::Passed => "ok".into(),
            Outcome::Failed(why) => format!("failed: {why}"),
            Outcome::Skipped(why) => format!("unchecked: {why}"),
        }
    }
}

/// The value of the Auth-REQ's "path check" extension for a result as
/// status shows it ("ok", "failed: ..."); none for others.
pub fn report_code(text: &str) -> Option<u8> {
    if text == "ok" {
        Some(vnic_auth::wire::PATH_OK)
    } else if text.starts_with("failed") {
        Some(vnic_auth::wire::PATH_FAILED)
    } else {
        None
    }
}

/// Connects to `service` from `client` (default: the address the route
/// picks) with the session's ID embedded by the supervisor device.
pub fn check(client: Option<IpAddr>, service: SocketAddr, timeout: Duration) -> Outcome {
    let socket = match Socket::new(Domain::for_address(service), Type::STREAM, Some(Protocol::TCP)) {
        Ok(s) => s,
        Err(e) => return Outcome::Skipped(format!("cannot open a TCP socket: {e}")),
    };
    if let Some(c) = client {
        if let Err(e) = socket.bind(&SockAddr::from(SocketAddr::new(c, 0))) {
            return Outcome::Skipped(format!("the client {c} is not an address of this host ({e})"));
        }
    }
    match socket.connect_timeout(&SockAddr::from(service), timeout) {
        Ok(()) => Outcome::Passed,
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => Outcome::Passed,
        Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => Outcome::Failed(format!(
            "no answer carrying the ID came back from {service} within {} s: a firewall on the path that normalizes TCP \
             (pf scrub, Cisco ASA, Palo Alto, Check Point clear the urgent pointer) is the likely cause",
            timeout.as_secs()
        )),
        Err(e) => Outcome::Failed(format!("connecting to {service} failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_listener_or_a_refusal_passes_and_a_foreign_client_is_skipped() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let at = l.local_addr().unwrap();
        assert_eq!(check(None, at, TIMEOUT), Outcome::Passed);
        drop(l);
        assert_eq!(check(Some("127.0.0.1".parse().unwrap()), at, TIMEOUT), Outcome::Passed, "refused from behind the vNIC");
        // Silence (a firewall clearing the ID) needs a dropping path: the VM
        // test path_check has one (nftables on a router).
        let skipped = check(Some("198.51.100.7".parse().unwrap()), at, TIMEOUT);
        assert!(matches!(&skipped, Outcome::Skipped(w) if w.contains("not an address of this host")), "{skipped:?}");
        assert_eq!(Outcome::Passed.to_text(), "ok");
        assert_eq!(report_code("ok"), Some(vnic_auth::wire::PATH_OK));
        assert_eq!(report_code(&Outcome::Failed("x".into()).to_text()), Some(vnic_auth::wire::PATH_FAILED));
        assert_eq!(report_code("checking"), None);
    }
}
