//! `vnicctl embed`: the embedding rules of a supervisor, over generic netlink.

use crate::cli::EmbedCommand;
use crate::error::CliError;
use crate::genl::Genl;
use crate::iface::{ifindex, ifname};
use vnic_uapi::genl::{parse_rule, rule_attrs, supervisor_filter, Rule, CMD_EMBED_ADD, CMD_EMBED_DEL, CMD_EMBED_GET, NLM_F_DUMP};

/// Runs one `vnicctl embed` command.
pub fn run(cmd: EmbedCommand, json: bool) -> Result<(), CliError> {
    match cmd {
        EmbedCommand::Add { dev, server, port, id } => {
            let r = Rule { supervisor: ifindex(&dev)?, server, port, id: Some(id) };
            let what = format!("adding the rule for {} with ID {id} on {dev}", service(&r));
            Genl::open()?.request(&what, CMD_EMBED_ADD, 0, &rule_attrs(&r)).map(drop)
        }
        EmbedCommand::Del { dev, server, port } => {
            let r = Rule { supervisor: ifindex(&dev)?, server, port, id: None };
            let what = format!("deleting the rule for {} on {dev}", service(&r));
            Genl::open()?.request(&what, CMD_EMBED_DEL, 0, &rule_attrs(&r)).map(drop)
        }
        EmbedCommand::Show { dev } => {
            let attrs = supervisor_filter(ifindex(&dev)?);
            let what = format!("listing the rules of {dev}");
            let msgs = Genl::open()?.request(&what, CMD_EMBED_GET, NLM_F_DUMP, &attrs)?;
            let mut rules = msgs
                .iter()
                .map(|m| parse_rule(m).map_err(|e| CliError::Kernel(format!("{what} failed: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            rules.sort_by_key(|r| (r.server, r.port));
            print(&rules, json)
        }
    }
}

/// `ADDR:PORT`, with brackets for IPv6.
fn service(r: &Rule) -> String {
    std::net::SocketAddr::new(r.server, r.port).to_string()
}

fn print(rules: &[Rule], json: bool) -> Result<(), CliError> {
    if json {
        let rows: Vec<_> = rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "supervisor": ifname(r.supervisor),
                    "server": r.server.to_string(),
                    "port": r.port,
                    "id": r.id,
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&rows).map_err(|e| CliError::Input(format!("cannot format JSON: {e}")))?;
        println!("{text}");
    } else {
        for r in rules {
            let id = r.id.map_or_else(|| "-".to_string(), |i| i.to_string());
            println!("{} id {} (supervisor {})", service(r), id, ifname(r.supervisor));
        }
    }
    Ok(())
}
