//! One run of the authentication protocol over a UDP socket, shared by
//! `vnicctl auth` (one shot) and `vnicctl supervisor` (which lingers after
//! the grant to answer the provider's retransmissions).

use crate::error::CliError;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};
use vnic_auth::{Client, ClientConfig, ClientError, ClientEvent, ErrorCode, Message, OsRandom};

/// `HOST`, `HOST:PORT`, `[V6]:PORT` or `V6`; the port defaults to 7390.
pub fn provider_addr(text: &str) -> Result<SocketAddr, CliError> {
    let port = vnic_auth::wire::DEFAULT_PORT;
    if let Ok(a) = text.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let resolved = match text.rsplit_once(':') {
        Some((host, p)) => p.parse::<u16>().ok().and_then(|p| (host, p).to_socket_addrs().ok()),
        None => (text, port).to_socket_addrs().ok(),
    };
    resolved
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| CliError::Input(format!("cannot resolve the provider '{text}' (expected HOST or HOST:PORT)")))
}

/// Checks that `text` has the form of a provider address (an IP address,
/// `IP:PORT`, `[IPv6]:PORT`, `HOST` or `HOST:PORT` with a DNS name), without
/// resolving it: the supervisor resolves at each handshake, so a name that
/// does not resolve yet is retried, not fatal.
pub fn provider_addr_form(text: &str) -> Result<(), String> {
    if text.parse::<SocketAddr>().is_ok() || text.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (text, None),
    };
    if let Some(p) = port {
        p.parse::<u16>().map_err(|_| format!("'{text}': the port must be a number from 0 to 65535"))?;
    }
    let label_ok = |l: &str| {
        !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let name = host.strip_suffix('.').unwrap_or(host);
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        return Err(format!("'{text}' is not an IP address or a host name (expected HOST or HOST:PORT)"));
    }
    Ok(())
}

/// Runs the exchange of `config` with `provider` from the local address
/// `source` (default: any) to its one event (grant or failure), handed to
/// `on_event`. With `verbose`, each message passing is one line on stderr.
pub fn run(
    config: ClientConfig,
    provider: SocketAddr,
    source: Option<IpAddr>,
    verbose: bool,
    mut on_event: impl FnMut(ClientEvent),
) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::Input(format!("cannot talk to the provider {provider}: {e}"));
    let any: IpAddr = if provider.is_ipv4() { [0, 0, 0, 0].into() } else { [0u16; 8].into() };
    let local = SocketAddr::new(source.unwrap_or(any), 0);
    let sock = UdpSocket::bind(local)
        .map_err(|e| CliError::Input(format!("cannot send from {}: {e}", local.ip())))?;
    let mut client = Client::new(config, provider, Instant::now(), &mut OsRandom)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let mut buf = vec![0u8; 65536];
    loop {
        while let Some(t) = client.poll_transmit() {
            trace(verbose, "→", &t.data);
            sock.send_to(&t.data, t.to).map_err(io)?;
        }
        if let Some(event) = client.poll_event() {
            on_event(event);
            return Ok(());
        }
        if client.is_done() {
            return Ok(());
        }
        let now = Instant::now();
        let wait = client.poll_timeout().map_or(Duration::from_secs(1), |t| t.saturating_duration_since(now));
        sock.set_read_timeout(Some(wait.max(Duration::from_millis(1)))).map_err(io)?;
        match sock.recv_from(&mut buf) {
            Ok((n, from)) => {
                trace(verbose, "←", &buf[..n]);
                client.handle_datagram(Instant::now(), from, &buf[..n]);
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                client.handle_timeout(Instant::now());
            }
            // An ICMP port unreachable from an earlier send: the provider
            // is not running yet; keep retransmitting until the time-out.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(e) => return Err(io(e)),
        }
    }
}

/// The user's sentence for a failed exchange.
pub fn failure(e: &ClientError) -> String {
    match e {
        ClientError::AuthFailed | ClientError::Refused(ErrorCode::AUTH_FAILED) => {
            "authentication failed: wrong user or passcode".to_string()
        }
        ClientError::Timeout { .. } => format!("authentication failed: {e} (is the provider running?)"),
        other => format!("authentication failed: {other}"),
    }
}

/// With `verbose`, one line on stderr per message passing.
fn trace(verbose: bool, arrow: &str, data: &[u8]) {
    if !verbose {
        return;
    }
    let name = Message::decode(data).map_or("(not a vnic message)", |m| m.name());
    if arrow == "→" {
        eprintln!("{name} →");
    } else {
        eprintln!("← {name}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_addresses_default_to_port_7390() {
        assert_eq!(provider_addr("10.0.2.1").unwrap().to_string(), "10.0.2.1:7390");
        assert_eq!(provider_addr("10.0.2.1:9").unwrap().to_string(), "10.0.2.1:9");
        assert_eq!(provider_addr("fd00::1").unwrap().to_string(), "[fd00::1]:7390");
        assert_eq!(provider_addr("[fd00::1]:9").unwrap().to_string(), "[fd00::1]:9");
        assert_eq!(provider_addr("localhost:9").unwrap().port(), 9);
        assert!(provider_addr("no such host.invalid").is_err());
    }

    #[test]
    fn provider_address_forms_are_checked_without_resolving() {
        for ok in ["10.0.2.1", "10.0.2.1:9", "fd00::1", "[fd00::1]:9", "sp1", "sp1.example.invalid", "sp-1.example:7390", "sp1."] {
            assert_eq!(provider_addr_form(ok), Ok(()), "{ok}");
        }
        for bad in ["", "no such host", "sp1:http", "sp1:70000", "-sp1", "sp..example", "sp1/x", ":9"] {
            let e = provider_addr_form(bad).unwrap_err();
            assert!(e.contains(&format!("'{bad}'")), "{e}");
        }
    }
}
