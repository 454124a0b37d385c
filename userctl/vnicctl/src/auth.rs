//! `vnicctl auth`: one authentication exchange with a provider over UDP;
//! on success the granted ID is embedded for the service on the
//! supervisor.

use crate::cli::AuthArgs;
use crate::embed;
use crate::error::CliError;
use crate::exchange;
use crate::iface::ifindex;
use crate::output::Format;
use std::net::SocketAddr;
use vnic_auth::{ClientConfig, ClientEvent, Grant};

/// Runs `vnicctl auth`.
pub fn run(a: &AuthArgs, out: Format) -> Result<(), CliError> {
    let provider = exchange::provider_addr(&a.provider)?;
    let supervisor = ifindex(&a.dev)?;
    let passcode = crate::passcode::read(a.passcode_file.as_deref())?;
    let config = ClientConfig::new(a.user.clone(), passcode.as_bytes(), a.service.clone());
    // The one event tells: a grant (the session is active), or a failure.
    let mut outcome = None;
    exchange::run(config, provider, a.source, a.verbose, |e| outcome = Some(e))?;
    let grant = match outcome {
        Some(ClientEvent::Granted(g)) => g,
        Some(ClientEvent::Failed(e)) => return Err(CliError::Input(exchange::failure(&e))),
        None => return Err(CliError::Input("the exchange ended without an answer".into())),
    };
    embed::replace(supervisor, &a.dev, SocketAddr::new(grant.service_addr, grant.service_port), grant.id.get())?;
    print(a, &grant, out)
}

fn print(a: &AuthArgs, g: &Grant, out: Format) -> Result<(), CliError> {
    if out.is_json() {
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
        out.print_json(&row)?;
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
