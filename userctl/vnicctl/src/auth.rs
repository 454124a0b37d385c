//! `vnicctl auth`: one authentication exchange with a provider over UDP;
//! on success the granted ID is embedded for the service on the
//! supervisor.

use crate::cli::AuthArgs;
use crate::error::CliError;
use crate::genl::Genl;
use crate::iface::ifindex;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};
use vnic_auth::{Client, ClientConfig, ClientEvent, Grant, Message, OsRandom};
use vnic_uapi::genl::{rule_attrs, Rule, CMD_EMBED_ADD, CMD_EMBED_DEL};

/// Runs `vnicctl auth`.
pub fn run(a: &AuthArgs, json: bool) -> Result<(), CliError> {
    let provider = provider_addr(&a.provider)?;
    let supervisor = ifindex(&a.dev)?;
    let passcode = crate::passcode::read(a.passcode_file.as_deref())?;
    let config = ClientConfig::new(a.user.clone(), passcode.as_bytes(), a.service.clone());
    let grant = exchange(config, provider, a.verbose)?;
    embed(supervisor, &a.dev, &grant)?;
    print(a, &grant, json)
}

/// `HOST`, `HOST:PORT`, `[V6]:PORT` or `V6`; the port defaults to 7390.
fn provider_addr(text: &str) -> Result<SocketAddr, CliError> {
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

/// Runs the protocol until a grant or a failure.
fn exchange(config: ClientConfig, provider: SocketAddr, verbose: bool) -> Result<Grant, CliError> {
    let io = |e: std::io::Error| CliError::Input(format!("cannot talk to the provider {provider}: {e}"));
    let local: SocketAddr = if provider.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let sock = UdpSocket::bind(local).map_err(io)?;
    let mut client = Client::new(config, provider, Instant::now(), &mut OsRandom)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let mut buf = vec![0u8; 65536];
    loop {
        while let Some(t) = client.poll_transmit() {
            trace(verbose, "→", &t.data);
            sock.send_to(&t.data, t.to).map_err(io)?;
        }
        match client.poll_event() {
            Some(ClientEvent::Granted(g)) => return Ok(g),
            Some(ClientEvent::Failed(e)) => return Err(CliError::Input(failure(&e))),
            None if client.is_done() => return Err(CliError::Input("the exchange ended without an answer".into())),
            None => {}
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
fn failure(e: &vnic_auth::ClientError) -> String {
    use vnic_auth::{ClientError, ErrorCode};
    match e {
        ClientError::AuthFailed | ClientError::Refused(ErrorCode::AUTH_FAILED) => {
            "authentication failed: wrong user or passcode".to_string()
        }
        ClientError::Timeout { .. } => format!("authentication failed: {e} (is the provider running?)"),
        other => format!("authentication failed: {other}"),
    }
}

/// With `--verbose`, one line on stderr per message passing.
fn trace(verbose: bool, arrow: &str, data: &[u8]) {
    if !verbose {
        return;
    }
    let name = match Message::decode(data) {
        Ok(Message::Req(_)) => "Auth-REQ",
        Ok(Message::RepReq(_)) => "Auth-REP & REQ",
        Ok(Message::Rep(_)) => "Auth-REP",
        Ok(Message::Rst(_)) => "Auth-RST",
        Err(_) => "(not a vnic message)",
    };
    if arrow == "→" {
        eprintln!("{name} →");
    } else {
        eprintln!("← {name}");
    }
}

/// Embeds the granted ID for the service on the supervisor, replacing an
/// earlier rule for the same service.
fn embed(supervisor: u32, dev: &str, g: &Grant) -> Result<(), CliError> {
    let mut genl = Genl::open()?;
    let service = SocketAddr::new(g.service_addr, g.service_port);
    let old = Rule { supervisor, server: g.service_addr, port: g.service_port, id: None };
    let _ = genl.request("deleting the earlier rule", CMD_EMBED_DEL, 0, &rule_attrs(&old));
    let rule = Rule { id: Some(g.id.get()), ..old };
    let what = format!("adding the rule for {service} with ID {} on {dev}", g.id);
    genl.request(&what, CMD_EMBED_ADD, 0, &rule_attrs(&rule)).map(drop)
}

fn print(a: &AuthArgs, g: &Grant, json: bool) -> Result<(), CliError> {
    if json {
        let row = serde_json::json!({
            "provider": g.provider.to_string(),
            "user": a.user,
            "service": a.service,
            "server": g.service_addr.to_string(),
            "port": g.service_port,
            "id": g.id.get(),
            "vnic": g.vnic,
            "dev": a.dev,
        });
        let text = serde_json::to_string_pretty(&row).map_err(|e| CliError::Input(format!("cannot format JSON: {e}")))?;
        println!("{text}");
    } else {
        println!(
            "granted: user {} service {} at {} with ID {} (vNIC #{} of provider {}), embedded on {}",
            a.user,
            a.service,
            SocketAddr::new(g.service_addr, g.service_port),
            g.id,
            g.vnic,
            g.provider,
            a.dev
        );
    }
    Ok(())
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
}
