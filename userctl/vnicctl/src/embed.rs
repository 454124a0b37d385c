//! `vnicctl embed`: the embedding rules of a supervisor, over generic netlink.

use crate::cli::EmbedCommand;
use crate::error::CliError;
use crate::genl::Genl;
use crate::iface::{ifindex, IfNames};
use crate::output::Format;
use std::net::SocketAddr;
use vnic_uapi::genl::{
    parse_rule, replace_rule_attrs, rule_attrs, supervisor_filter, Rule, CMD_EMBED_ADD, CMD_EMBED_DEL, CMD_EMBED_GET, NLM_F_DUMP,
};

/// Runs one `vnicctl embed` command.
pub fn run(cmd: EmbedCommand, out: Format) -> Result<(), CliError> {
    match cmd {
        EmbedCommand::Add { dev, server, port, id, replace: true } => {
            replace(ifindex(&dev)?, &dev, SocketAddr::new(server, port), id)
        }
        EmbedCommand::Add { dev, server, port, id, replace: false } => {
            let r = Rule { supervisor: ifindex(&dev)?, server, port, id: Some(id) };
            let what = format!("adding the rule for {} with ID {id} on {dev}", service(&r));
            Genl::open()?.request(&what, CMD_EMBED_ADD, 0, &rule_attrs(&r)).map(drop)
        }
        EmbedCommand::Del { dev, server, port } => {
            let r = Rule { supervisor: ifindex(&dev)?, server, port, id: None };
            let what = format!("deleting the rule for {} on {dev}", service(&r));
            Genl::open()?.request(&what, CMD_EMBED_DEL, 0, &rule_attrs(&r)).map(drop)
        }
        EmbedCommand::Show { dev } => print(&list(ifindex(&dev)?, &dev)?, out),
    }
}

/// Embeds `id` for `service` on supervisor `supervisor` (named `dev`),
/// replacing an earlier rule for the same service in one step: segments
/// carry the old ID or the new one, never none.
pub fn replace(supervisor: u32, dev: &str, service: SocketAddr, id: u16) -> Result<(), CliError> {
    let rule = Rule { supervisor, server: service.ip(), port: service.port(), id: Some(id) };
    let what = format!("embedding ID {id} for {service} on {dev}");
    Genl::open()?.request(&what, CMD_EMBED_ADD, 0, &replace_rule_attrs(&rule)).map(drop)
}

/// Removes the rule for `service` on `supervisor`; a missing rule is fine.
pub fn remove(supervisor: u32, dev: &str, service: SocketAddr) -> Result<(), CliError> {
    let r = Rule { supervisor, server: service.ip(), port: service.port(), id: None };
    let what = format!("deleting the rule for {service} on {dev}");
    match Genl::open()?.request(&what, CMD_EMBED_DEL, 0, &rule_attrs(&r)) {
        Ok(_) => Ok(()),
        Err(_) if !list(supervisor, dev)?.iter().any(|r| r.server == service.ip() && r.port == service.port()) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The rules of `supervisor` (named `dev`).
pub fn list(supervisor: u32, dev: &str) -> Result<Vec<Rule>, CliError> {
    let attrs = supervisor_filter(supervisor);
    let what = format!("listing the rules of {dev}");
    let msgs = Genl::open()?.request(&what, CMD_EMBED_GET, NLM_F_DUMP, &attrs)?;
    let mut rules = msgs
        .iter()
        .map(|m| parse_rule(m).map_err(|e| CliError::Kernel(format!("{what} failed: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    rules.sort_by_key(|r| (r.server, r.port));
    Ok(rules)
}

/// `ADDR:PORT`, with brackets for IPv6.
fn service(r: &Rule) -> String {
    SocketAddr::new(r.server, r.port).to_string()
}

fn print(rules: &[Rule], out: Format) -> Result<(), CliError> {
    let mut names = IfNames::default();
    if out.is_json() {
        let rows: Vec<_> = rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "supervisor": names.get(r.supervisor),
                    "server": r.server.to_string(),
                    "port": r.port,
                    "id": r.id,
                })
            })
            .collect();
        out.print_json(&rows)?;
    } else {
        for r in rules {
            let id = r.id.map_or_else(|| "-".to_string(), |i| i.to_string());
            println!("{} id {} (supervisor {})", service(r), id, names.get(r.supervisor));
        }
    }
    Ok(())
}
