//! `vnicctl session`: the session table of a relay, over generic netlink.

use crate::cli::SessionCommand;
use crate::error::CliError;
use crate::genl::Genl;
use crate::iface::{ifindex, IfNames};
use crate::output::Format;
use vnic_uapi::genl::{
    parse_session, relay_filter, session_attrs, Session, CMD_SESSION_ADD, CMD_SESSION_DEL, CMD_SESSION_GET, NLM_F_DUMP,
};

/// Runs one `vnicctl session` command.
pub fn run(cmd: SessionCommand, out: Format) -> Result<(), CliError> {
    match cmd {
        SessionCommand::Add { relay, vnic, client, id, cip } => {
            let s = Session { relay: ifindex(&relay)?, vnic: Some(ifindex(&vnic)?), client, id, cip };
            let what = format!("adding the session of {client} with ID {id} on {relay}");
            Genl::open()?.request(&what, CMD_SESSION_ADD, 0, &session_attrs(&s)).map(drop)
        }
        SessionCommand::Del { relay, client, id } => {
            let s = Session { relay: ifindex(&relay)?, vnic: None, client, id, cip: None };
            let what = format!("deleting the session of {client} with ID {id} on {relay}");
            Genl::open()?.request(&what, CMD_SESSION_DEL, 0, &session_attrs(&s)).map(drop)
        }
        SessionCommand::Show { relay } => {
            let attrs = relay_filter(ifindex(&relay)?);
            let what = format!("listing the sessions of {relay}");
            let msgs = Genl::open()?.request(&what, CMD_SESSION_GET, NLM_F_DUMP, &attrs)?;
            let mut sessions = msgs
                .iter()
                .map(|m| parse_session(m).map_err(|e| CliError::Kernel(format!("{what} failed: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            sessions.sort_by_key(|s| (s.client, s.id));
            print(&sessions, out)
        }
    }
}

fn print(sessions: &[Session], out: Format) -> Result<(), CliError> {
    let mut names = IfNames::default();
    if out.is_json() {
        let rows: Vec<_> = sessions
            .iter()
            .map(|s| {
                serde_json::json!({
                    "relay": names.get(s.relay),
                    "vnic": s.vnic.map(|v| names.get(v)),
                    "client": s.client.to_string(),
                    "id": s.id,
                    "cip": s.cip.map(|c| c.to_string()),
                })
            })
            .collect();
        out.print_json(&rows)?;
    } else {
        for s in sessions {
            let vnic = s.vnic.map(|v| names.get(v)).unwrap_or_else(|| "-".into());
            let cip = s.cip.map(|c| format!(" as {c}")).unwrap_or_default();
            println!("{} id {} -> {}{} (relay {})", s.client, s.id, vnic, cip, names.get(s.relay));
        }
    }
    Ok(())
}
