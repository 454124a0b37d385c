//! Command-line grammar of vnicctl (clap derive).

use clap::{Args, Parser, Subcommand};

/// Control vnic: virtual NICs selected by an ID in the TCP urgent pointer.
#[derive(Parser, Debug)]
#[command(name = "vnicctl", version, about)]
pub struct Cli {
    /// Print JSON instead of text, on one line (as `ip -j`).
    #[arg(short = 'j', long = "json", global = true)]
    pub json: bool,
    /// With -j: indent the JSON (as `ip -j -p`).
    #[arg(short = 'p', long = "pretty", global = true)]
    pub pretty: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, delete and list vNICs and relay-vNICs.
    #[command(subcommand)]
    Link(LinkCommand),
    /// Add, delete and list the sessions of a relay: which client may use
    /// which ID, delivered to which vNIC.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Add, delete and list the embedding rules of a supervisor: which
    /// service (server address and TCP port) gets which ID.
    #[command(subcommand)]
    Embed(EmbedCommand),
    /// Show the overlay counters of every vnic device (or one): per-reason
    /// drops of relays and supervisors, traffic of vNICs.
    Stats {
        /// Device name (default: every vnic device).
        name: Option<String>,
    },
    /// Run the provider's authentication daemon in the foreground: it
    /// grants sessions over UDP and installs them in the relay and its
    /// database (`provider status`: what the running one is doing).
    Provider(DaemonArgs),
    /// Run a header SP in the foreground: it keeps the catalog of the SPs
    /// it trusts from their signed status reports and sends each
    /// supervisor's Auth-REQ to the least loaded live SP offering the
    /// service (`header status`: its catalog).
    Header(DaemonArgs),
    /// Make a status key (mode 0600) for an SP's [status] key_file and the
    /// matching [[sp]] key_file of every header; it refuses to overwrite.
    StatusKey {
        /// The key file to create.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Print the provider's TOML configuration made from the paper's
    /// permission.txt and vcs_id.txt and a file of stored passcodes (see
    /// Documentation/provider.md).
    ProviderImport(ImportArgs),
    /// Authenticate to a provider and embed the granted ID for the service
    /// on the supervisor.
    Auth(AuthArgs),
    /// Run the supervisor's daemon in the foreground: it authenticates the
    /// configured sessions, embeds their IDs, renews them and keeps its
    /// status database (`supervisor status`: what the running one is
    /// doing).
    Supervisor(DaemonArgs),
    /// Read a passcode on stdin and print the user's OPAQUE record for a
    /// [[user]] of the provider's configuration (made with the provider's
    /// keys, which must be the daemon's secret_file).
    PasscodeHash {
        /// The user the record is for (OPAQUE binds the name into it).
        #[arg(long)]
        user: String,
        /// The provider's key file (its secret_file; made if missing).
        #[arg(long, value_name = "FILE", default_value = "/var/lib/vnic/secret")]
        keys: std::path::PathBuf,
        /// Use the cheapest argon2 cost (tests only: weak).
        #[arg(long)]
        test_cost: bool,
    },
    /// Print the shell completion script for vnicctl (for example:
    /// vnicctl completion bash > /etc/bash_completion.d/vnicctl).
    Completion {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the manual pages of vnicctl and every command (section 8)
    /// into DIR (make install does).
    #[command(hide = true)]
    ManPages {
        /// An existing directory.
        dir: std::path::PathBuf,
    },
}

/// `vnicctl provider` and `vnicctl supervisor`: run the daemon, or ask the
/// running one for its status.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct DaemonArgs {
    /// The TOML configuration (see Documentation/provider.md or
    /// Documentation/supervisor.md).
    #[arg(long, required = true)]
    pub config: Option<std::path::PathBuf>,
    /// Instead of running the daemon.
    #[command(subcommand)]
    pub action: Option<DaemonAction>,
}

/// What to ask a running daemon.
#[derive(Subcommand, Debug)]
pub enum DaemonAction {
    /// Show the running daemon's live state (sessions, exchanges in
    /// progress, lock-outs or retries, counters), read from its status
    /// socket in the data folder (root only).
    Status {
        /// The daemon's configuration, which names the data folder
        /// (default /etc/vnic/provider.toml or /etc/vnic/supervisor.toml).
        #[arg(long)]
        config: Option<std::path::PathBuf>,
        /// The status socket itself, instead of --config.
        #[arg(long, conflicts_with = "config")]
        socket: Option<std::path::PathBuf>,
    },
}

/// Options of `vnicctl auth`.
#[derive(Args, Debug)]
pub struct AuthArgs {
    /// The provider: HOST or HOST:PORT (default port 7390).
    #[arg(long)]
    pub provider: String,
    /// The user name.
    #[arg(long)]
    pub user: String,
    /// The service, like http.
    #[arg(long)]
    pub service: String,
    /// The supervisor that embeds the ID.
    #[arg(long, default_value = "ss0")]
    pub dev: String,
    /// Read the passcode from the first line of this file (default: the
    /// first line of stdin).
    #[arg(long)]
    pub passcode_file: Option<std::path::PathBuf>,
    /// Send from this local address (the client the session is for), like
    /// `ping -I`; default: the address the route to the provider picks.
    #[arg(long)]
    pub source: Option<std::net::IpAddr>,
    /// Print each protocol message on stderr as it passes.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Options of `vnicctl provider-import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// permission.txt: `USER: name` lines, each followed by `VCS number: 1, 2`
    /// lines.
    #[arg(long, value_name = "FILE")]
    pub permission: std::path::PathBuf,
    /// vcs_id.txt: per line a VCS number and its ID, like `1 eA00`.
    #[arg(long, value_name = "FILE")]
    pub vcs_id: std::path::PathBuf,
    /// Per line a user name and its stored passcode (from vnicctl
    /// passcode-hash); every user of permission.txt needs one.
    #[arg(long, value_name = "FILE")]
    pub passcodes: std::path::PathBuf,
    /// A service of every vNIC, NAME:PORT; repeat it for more.
    #[arg(long = "service", value_name = "NAME:PORT", default_value = "http:80",
          value_parser = crate::provider::legacy::service)]
    pub services: Vec<crate::provider::config::ServiceEntry>,
    /// The relay-vNIC the provider programs.
    #[arg(long, default_value = "relay0")]
    pub relay: String,
    /// The provider's data folder (database and secret).
    #[arg(long, default_value = "/var/lib/vnic")]
    pub data_dir: String,
}

/// `vnicctl embed ...`
#[derive(Subcommand, Debug)]
pub enum EmbedCommand {
    /// Embed ID in every segment to SERVER:PORT on supervisor DEV, and
    /// require it on every segment from there.
    Add {
        /// The supervisor (kind vnic-ss).
        #[arg(long)]
        dev: String,
        /// The service's IPv4 or IPv6 address (the SP host's).
        #[arg(long)]
        server: std::net::IpAddr,
        /// The service's TCP port.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        /// The ID, 1..65535.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        id: u16,
        /// Replace the service's rule if it has one, in one step.
        #[arg(long)]
        replace: bool,
    },
    /// Remove a rule.
    Del {
        /// The supervisor.
        #[arg(long)]
        dev: String,
        /// The service's address.
        #[arg(long)]
        server: std::net::IpAddr,
        /// The service's TCP port.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
    },
    /// List the rules of a supervisor.
    Show {
        /// The supervisor.
        #[arg(long)]
        dev: String,
    },
}

/// `vnicctl session ...`
#[derive(Subcommand, Debug)]
pub enum SessionCommand {
    /// Let CLIENT use ID on RELAY, delivered to VNIC.
    Add {
        /// The relay-vNIC.
        #[arg(long)]
        relay: String,
        /// The vNIC the client's segments go to.
        #[arg(long)]
        vnic: String,
        /// The client's IPv4 or IPv6 address.
        #[arg(long)]
        client: std::net::IpAddr,
        /// The ID, 1..65535.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        id: u16,
        /// On a vNIC in CIP mode: the address its services see for this
        /// client, in the vNIC's subnet (like 192.168.1.2).
        #[arg(long)]
        cip: Option<std::net::Ipv4Addr>,
    },
    /// Remove a session.
    Del {
        /// The relay-vNIC.
        #[arg(long)]
        relay: String,
        /// The client's address.
        #[arg(long)]
        client: std::net::IpAddr,
        /// The ID.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        id: u16,
    },
    /// List the sessions of a relay.
    Show {
        /// The relay-vNIC.
        #[arg(long)]
        relay: String,
    },
}

/// `vnicctl link ...`
#[derive(Subcommand, Debug)]
pub enum LinkCommand {
    /// Create a vNIC, a relay-vNIC (--pnic) or a supervisor (--supervisor).
    Add(LinkAdd),
    /// Delete a vNIC.
    Del {
        /// Device name.
        name: String,
    },
    /// Show one vNIC or all of them.
    Show {
        /// Device name (default: every vnic device).
        name: Option<String>,
    },
}

/// Where a supervisor works.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SupervisorMode {
    /// On the client host.
    Host,
    /// As a bridge box between a client LAN and its gateway.
    Bridge,
}

/// Options of `vnicctl link add`.
#[derive(Args, Debug)]
pub struct LinkAdd {
    /// Device name (at most 15 bytes).
    pub name: String,
    /// Service ID carried in the urgent pointer, 1..65535.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub id: Option<u16>,
    /// vNIC number N: the paper's defaults, MAC 00:00:c0:a8:N:01 and
    /// pseudo address 192.168.N.1/24, unless --address/--pseudo are given.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=254))]
    pub number: Option<u8>,
    /// MAC address, like 00:00:c0:a8:01:01 (default: random, or the
    /// paper's with --number).
    #[arg(long)]
    pub address: Option<String>,
    /// Pseudo IPv4 address with prefix, like 192.168.1.1/24.
    #[arg(long)]
    pub pseudo: Option<String>,
    /// MTU in bytes.
    #[arg(long)]
    pub mtu: Option<u32>,
    /// Make a relay-vNIC on this physical NIC instead of a vNIC: it takes
    /// the NIC's overlay traffic (kind vnic-relay).
    #[arg(long, value_name = "PNIC", conflicts_with_all = ["id", "number", "pseudo", "supervisor"])]
    pub pnic: Option<String>,
    /// Make a supervisor (kind vnic-ss) instead of a vNIC: `host` tags the
    /// traffic of this host, `bridge` the frames crossing its bridges.
    #[arg(long, value_name = "MODE", value_enum, conflicts_with_all = ["id", "number", "pseudo", "address"])]
    pub supervisor: Option<SupervisorMode>,
    /// Services on this vNIC see each client as its own pseudo address in
    /// the vNIC's subnet, given per session (`session add --cip`), instead
    /// of its real address (the papers' RIP/CIP).
    #[arg(long, conflicts_with_all = ["pnic", "supervisor"])]
    pub cip_mode: bool,
    /// Bring the device up after creating it.
    #[arg(long)]
    pub up: bool,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn grammar_is_consistent() {
        // clap's own check of each command (names, defaults, groups).
        Cli::command().debug_assert();
    }

    /// Every short option of `cmd` and its subcommands, with where it is.
    fn shorts(cmd: &clap::Command, path: &str, out: &mut Vec<(String, char, String)>) {
        for a in cmd.get_arguments() {
            if let Some(c) = a.get_short() {
                out.push((path.to_string(), c, a.get_id().to_string()));
            }
        }
        for sub in cmd.get_subcommands() {
            shorts(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn no_subcommand_option_takes_a_global_short_name() {
        // debug_assert does not compare a subcommand's options with the
        // global -j and -p; a clash would make `-p` mean two things.
        let mut all = Vec::new();
        shorts(&Cli::command(), "vnicctl", &mut all);
        for (path, c, id) in &all {
            let global = path == "vnicctl";
            assert!(global || (*c != 'j' && *c != 'p'), "{path}: --{id} takes -{c}, which is global");
        }
    }
}
