//! vnicctl: the control tool of vnic. Talks rtnetlink to the vnic kernel
//! module; prints text for people and JSON (`-j`) for programs.

mod auth;
mod cli;
mod clock;
mod control;
mod docs;
mod embed;
mod error;
mod exchange;
mod extack;
mod genl;
mod header;
mod iface;
mod model;
mod output;
mod passcode;
mod provider;
mod session;
mod signal;
mod stats;
mod store;
mod supervisor;
mod parse;
mod rtnl;

use clap::Parser;
use cli::{Cli, Command, DaemonAction, DaemonArgs, LinkAdd, LinkCommand, SupervisorMode};
use error::CliError;
use output::Format;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_io().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&CliError::Netlink(e)),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Help and version go to stdout as clap renders them; a usage mistake is
/// one sentence on stderr and exit status 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    let text = e.render().to_string();
    let mut lines = text.lines();
    let mut first = lines.next().unwrap_or("invalid command line").trim_start_matches("error: ").to_string();
    // "the following required arguments were not provided:" lists them on
    // the indented lines after it.
    if first.ends_with(':') {
        let listed: Vec<&str> = lines.take_while(|l| l.starts_with("  ")).map(str::trim).collect();
        first = format!("{} {}", first, listed.join(", "));
    }
    eprintln!("vnicctl: {first} (see vnicctl --help)");
    ExitCode::from(2)
}

fn fail(e: &CliError) -> ExitCode {
    eprintln!("vnicctl: {e}");
    ExitCode::FAILURE
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let out = Format::from_flags(cli.json, cli.pretty);
    match cli.command {
        Command::Link(LinkCommand::Add(args)) => {
            let new = new_link(&args)?;
            let h = rtnl::connect()?;
            rtnl::add(&h, &new).await
        }
        Command::Link(LinkCommand::Del { name }) => {
            parse::ifname(&name)?;
            let h = rtnl::connect()?;
            rtnl::del(&h, &name).await
        }
        Command::Session(cmd) => session::run(cmd, out),
        Command::Embed(cmd) => embed::run(cmd, out),
        Command::Provider(DaemonArgs { config: Some(config), action: None }) => provider::run(&config),
        Command::Provider(DaemonArgs { action: Some(DaemonAction::Status { config, socket }), .. }) => {
            let config = config.unwrap_or_else(|| "/etc/vnic/provider.toml".into());
            provider::status(&config, socket.as_deref(), out)
        }
        Command::ProviderImport(args) => provider::import(&args),
        Command::Auth(args) => auth::run(&args, out),
        Command::Supervisor(DaemonArgs { config: Some(config), action: None }) => supervisor::run(&config),
        Command::Supervisor(DaemonArgs { action: Some(DaemonAction::Status { config, socket }), .. }) => {
            let config = config.unwrap_or_else(|| "/etc/vnic/supervisor.toml".into());
            supervisor::status(&config, socket.as_deref(), out)
        }
        Command::Header(DaemonArgs { config: Some(config), action: None }) => header::run(&config),
        Command::Header(DaemonArgs { action: Some(DaemonAction::Status { config, socket }), .. }) => {
            let config = config.unwrap_or_else(|| "/etc/vnic/header.toml".into());
            header::status(&config, socket.as_deref(), out)
        }
        Command::StatusKey { out: path } => provider::make_status_key(&path),
        Command::Provider(DaemonArgs { config: None, action: None })
        | Command::Header(DaemonArgs { config: None, action: None })
        | Command::Supervisor(DaemonArgs { config: None, action: None }) => {
            Err(CliError::Input("the daemon needs --config FILE".into()))
        }
        Command::PasscodeHash { user, keys, test_cost } => passcode::hash(&user, &keys, test_cost),
        Command::Completion { shell } => docs::completion(shell),
        Command::ManPages { dir } => docs::man_pages(&dir),
        Command::Stats { name } => {
            if let Some(n) = &name {
                parse::ifname(n)?;
            }
            let h = rtnl::connect()?;
            let links = rtnl::show(&h, name.as_deref()).await?;
            print_stats(&links, out)
        }
        Command::Link(LinkCommand::Show { name }) => {
            if let Some(n) = &name {
                parse::ifname(n)?;
            }
            let h = rtnl::connect()?;
            let links = rtnl::show(&h, name.as_deref()).await?;
            print_links(&links, out)
        }
    }
}

fn new_link(a: &LinkAdd) -> Result<rtnl::NewLink, CliError> {
    parse::ifname(&a.name)?;
    let defaults = a.number.map(parse::paper_defaults);
    let mac = match &a.address {
        Some(text) => Some(parse::mac(text)?),
        None => defaults.map(|(m, _)| m),
    };
    let pseudo = match &a.pseudo {
        Some(text) => Some(parse::ipv4_cidr(text)?),
        None => defaults.map(|(_, p)| p),
    };
    if let Some(mtu) = a.mtu {
        if !(68..=65535).contains(&mtu) {
            return Err(CliError::Input(format!("MTU {mtu} is out of range: vnic accepts 68 to 65535")));
        }
    }
    if let Some(pnic) = &a.pnic {
        parse::ifname(pnic)?;
    }
    let supervisor = a.supervisor.map(|m| match m {
        SupervisorMode::Host => vnic_uapi::SsMode::Host,
        SupervisorMode::Bridge => vnic_uapi::SsMode::Bridge,
    });
    Ok(rtnl::NewLink {
        name: a.name.clone(),
        id: a.id,
        mac,
        mtu: a.mtu,
        pseudo,
        pnic: a.pnic.clone(),
        supervisor,
        cip_mode: a.cip_mode,
        up: a.up,
    })
}

fn print_links(links: &[model::VnicLink], out: Format) -> Result<(), CliError> {
    if out.is_json() {
        out.print_json(&links)?;
    } else {
        for l in links {
            print!("{}", l.to_text());
        }
    }
    Ok(())
}

fn print_stats(links: &[model::VnicLink], out: Format) -> Result<(), CliError> {
    let rows = stats::collect(links)?;
    if out.is_json() {
        out.print_json(&rows)?;
    } else {
        for r in &rows {
            print!("{}", r.to_text());
        }
    }
    Ok(())
}
