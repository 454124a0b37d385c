//! `vnicctl provider`: the overlay network manager, a foreground daemon.
//! It answers the authentication protocol on UDP, installs each granted
//! session in the relay (generic netlink) and the database together,
//! expires idle sessions, and reconciles both at start.

mod backend;
pub mod config;
mod db;
mod kernel;
pub mod legacy;
mod reconcile;
mod reporting;
pub mod secret;
mod sessions;
mod socket;
pub mod status;
#[cfg(test)]
mod testdata;

use crate::cli::ImportArgs;
use crate::error::CliError;
use crate::signal;
pub use reporting::{load_key as load_status_key, make_key as make_status_key, HEADER_PORT};
use backend::Credentials;
use config::Config;
use sessions::Sessions;
use std::io::Write;
use std::net::UdpSocket;
use std::path::Path;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};
use vnic_auth::{OsRandom, Server, ServerConfig, ServerEvent};
use crate::control;
use crate::output::Format;

/// How often idle sessions are looked for, and the longest the daemon
/// sleeps before noticing a signal.
const TICK: Duration = Duration::from_millis(500);
const EXPIRE_EVERY: Duration = Duration::from_secs(1);
/// The socket's receive buffer: room for a burst of a few thousand
/// handshakes while the daemon writes grants to the kernel and database.
const RECEIVE_BUFFER: usize = 4 << 20;

/// One line on stderr (journald adds the time).
pub fn log(line: &str) {
    eprintln!("vnic-provider: {line}");
}

/// Runs the daemon with the configuration at `path` until SIGTERM/SIGINT.
pub fn run(path: &Path) -> Result<(), CliError> {
    let config = config::load(path)?;
    let io = |what: String| move |e: std::io::Error| CliError::Input(format!("{what}: {e}"));
    if let Some(dir) = config.database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create the data folder {}", dir.display())))?;
    }
    let keys = secret::load_or_create(&config.secret_file)?;
    let mut db = db::Db::open(&config.database)?;
    db.load_config(&config)?;
    let relay = kernel::Relay::open(&config.relay)?;
    if relay.detached() {
        log(&format!("benchmark mode ({}=1): sessions are kept in the database only, no relay is programmed", kernel::DETACHED_ENV));
    }
    let mut sessions = Sessions::new(db, relay)?;
    let names: Vec<&str> = config.vnics.iter().map(|v| v.name.as_str()).collect();
    sessions.reconcile(&names)?;
    sessions.expire(config.session_idle_secs)?;

    let mut server_config = ServerConfig::new(keys);
    server_config.per_user = config.per_user;
    server_config.per_source = config.per_source;
    server_config.max_pending_per_user = config.pending_per_user;
    server_config.challenge_lifetime = config.answer_timeout;
    if let Some(u) = config.users.first() {
        // Unknown users get the cost real users have.
        server_config.fake_cost = u.record.cost;
    }
    let mut server = Server::new(server_config, Box::new(OsRandom));
    let sock = UdpSocket::bind(config.listen).map_err(io(format!("cannot listen on UDP {}", config.listen)))?;
    socket::grow_receive_buffer(&sock, RECEIVE_BUFFER);
    sock.set_nonblocking(true).map_err(io("setting the socket non-blocking".into()))?;
    let status_socket = control::Listener::bind(&config.status_socket, "another provider with this data folder")?;
    let started = Instant::now();
    let status_key = match &config.status {
        Some(r) => Some(reporting::load_key(&r.key_file).map_err(CliError::Input)?),
        None => None,
    };
    let mut last_report = Instant::now() - Duration::from_secs(3600);
    let mut last_sequence = 0u64;
    let mut forward_drops = 0u64;
    let mut counters = status::Counters::default();
    signal::install().map_err(io("cannot install signal handlers".into()))?;
    log(&format!(
        "listening on UDP {} for relay {} ({} vNICs, {} users, database {})",
        config.listen,
        config.relay,
        config.vnics.len(),
        config.users.len(),
        config.database.display()
    ));

    let mut buf = vec![0u8; 65536];
    let mut last_expiry = Instant::now();
    while !signal::stopping() {
        let now = Instant::now();
        let tick = config.status.as_ref().map_or(TICK, |r| TICK.min(r.interval));
        let wait = server.poll_timeout().map_or(tick, |t| t.saturating_duration_since(now).min(tick));
        let [datagram, reader] = control::wait_readable([sock.as_raw_fd(), status_socket.fd()], wait.max(Duration::from_millis(1)));
        if reader {
            if let Some(stream) = status_socket.accept() {
                report(&config, started, counters, &sessions, &server, stream);
            }
        }
        if datagram {
            match sock.recv_from(&mut buf) {
                Ok((n, from)) => {
                    counters.datagrams += 1;
                    let backend = Credentials::new(&config, sessions.used(), sessions.owners());
                    let data = &buf[..n];
                    if let Some(pong) = vnic_status::ping::pong(data) {
                        // A supervisor asks whether this SP is alive.
                        let _ = socket::send_to(&sock, &pong, from);
                    } else if vnic_status::is_status(data) {
                        // A header's forward: the supervisor's Auth-REQ, to
                        // be answered at the supervisor's address.
                        match reporting::open_forward(data, status_key.as_ref()) {
                            Ok(f) => server.handle_datagram(Instant::now(), f.supervisor, &f.request, &backend),
                            Err(e) => {
                                counters.dropped += 1;
                                forward_drops += 1;
                                if forward_drops.is_power_of_two() {
                                    log(&format!("ignored from {from}: {e} (#{forward_drops} of its kind)"));
                                }
                            }
                        }
                    } else {
                        server.handle_datagram(Instant::now(), from, data, &backend);
                    }
                }
                Err(e) if is_timeout(&e) => {}
                Err(e) => log(&format!("receiving: {e}")),
            }
        }
        if server.poll_timeout().is_some_and(|t| t <= Instant::now()) {
            server.handle_timeout(Instant::now());
        }
        // Events first: a granted session is in the kernel and the database
        // before its Auth-GRANT leaves, so the client's first tagged SYN
        // finds it.
        while let Some(event) = server.poll_event() {
            match &event {
                ServerEvent::Granted(_) => counters.granted += 1,
                ServerEvent::Failed(_) => counters.failed += 1,
                ServerEvent::Dropped { .. } => counters.dropped += 1,
            }
            on_event(&config, &mut sessions, &event);
        }
        while let Some(t) = server.poll_transmit() {
            if let Err(e) = socket::send_to(&sock, &t.data, t.to) {
                log(&format!("sending to {}: {e}", t.to));
            }
        }
        if let (Some(r), Some(key)) = (&config.status, &status_key) {
            if last_report.elapsed() >= r.interval {
                last_report = Instant::now();
                let report = reporting::report(r, config.listen.port(), &config.vnics, sessions.used(), sessions.owners(), last_sequence);
                last_sequence = report.sequence;
                match report.encode(key) {
                    Ok(data) => {
                        for &h in &r.headers {
                            if let Err(e) = socket::send_to(&sock, &data, h) {
                                counters.report_errors += 1;
                                log(&format!("reporting to the header {h}: {e}"));
                            }
                        }
                        counters.reports += 1;
                    }
                    Err(e) => log(&format!("the status report: {e}")),
                }
            }
        }
        if last_expiry.elapsed() >= EXPIRE_EVERY {
            last_expiry = Instant::now();
            if let Err(e) = sessions.expire(config.session_idle_secs) {
                log(&format!("expiring sessions: {e}"));
            }
        }
    }
    log("stopping on a signal; sessions stay in the kernel and the database");
    Ok(())
}

/// Answers a status reader with the daemon's live state.
fn report(
    config: &Config,
    started: Instant,
    counters: status::Counters,
    sessions: &Sessions,
    server: &Server,
    stream: std::os::unix::net::UnixStream,
) {
    let rows = sessions.rows().unwrap_or_else(|e| {
        log(&format!("status: reading the sessions: {e}"));
        Vec::new()
    });
    let r = status::build(config, started, counters, &rows, &server.status(Instant::now()));
    match serde_json::to_value(&r) {
        Ok(v) => control::answer(stream, &v),
        Err(e) => log(&format!("status: {e}")),
    }
}

/// `vnicctl provider status`: the running daemon's report, from its status
/// socket (`socket`, or the one of the configuration at `config`).
pub fn status(config: &Path, socket: Option<&Path>, out: Format) -> Result<(), CliError> {
    let path = match socket {
        Some(p) => p.to_path_buf(),
        None => config::load(config)?.status_socket,
    };
    control::show(&path, "provider", out, status::Report::to_text)
}

/// `vnicctl provider-import`: prints the configuration made from the
/// paper's permission.txt and vcs_id.txt and a passcodes file.
pub fn import(args: &ImportArgs) -> Result<(), CliError> {
    let read = |option: &str, path: &Path| {
        std::fs::read_to_string(path)
            .map_err(|e| CliError::Input(format!("cannot read the {option} file {}: {e}", path.display())))
    };
    let texts = [
        read("--permission", &args.permission)?,
        read("--vcs-id", &args.vcs_id)?,
        read("--passcodes", &args.passcodes)?,
    ];
    let names = [&args.permission, &args.vcs_id, &args.passcodes].map(|p| p.display().to_string());
    let source = |k: usize| legacy::Source { name: &names[k], text: &texts[k] };
    let text = legacy::import(&legacy::Import {
        permission: source(0),
        vcs_id: source(1),
        passcodes: source(2),
        services: &args.services,
        relay: &args.relay,
        data_dir: &args.data_dir,
    })
    .map_err(CliError::Input)?;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::Input(format!("cannot write the configuration to stdout: {e}")))
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted)
}

/// Logs an event; installs a granted session.
fn on_event(config: &Config, sessions: &mut Sessions, event: &ServerEvent) {
    let ServerEvent::Granted(g) = event else {
        return log(&event.to_string());
    };
    let vnic = config.vnics.iter().find(|v| v.number == g.target.vnic && v.ids.contains(g.id.get()));
    let result = match vnic {
        Some(v) => sessions.grant(g, &v.name),
        None => Err(CliError::Input(format!("no configured vNIC #{} hands out ID {}", g.target.vnic, g.id))),
    };
    match result {
        Ok(()) => log(&event.to_string()),
        Err(e) => log(&format!("{event}, but installing it failed: {e}")),
    }
}
