//! `vnicctl header`: a header SP (Documentation/status-protocol.md). It
//! keeps the catalog of the SPs it trusts from their signed status
//! reports, in its database, and forwards each supervisor's first Auth-REQ
//! to the least loaded live SP offering the service, which answers the
//! supervisor directly. It holds no user's record and no session.

pub mod config;
mod db;
pub mod status;

use crate::control;
use crate::error::CliError;
use crate::output::Format;
use crate::signal;
use config::Config;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vnic_auth::{AuthRst, ErrorCode, Message};
use vnic_status::{Catalog, Forward, Rejection, StatusKey};

/// The longest the daemon sleeps before noticing a signal or an SP gone.
const TICK: Duration = Duration::from_millis(100);

/// One line on stderr (journald adds the time).
pub fn log(line: &str) {
    eprintln!("vnic-header: {line}");
}

/// Logs the first of a kind of bad datagram and then every power of two,
/// so that a flood does not flood the log.
fn log_sometimes(count: u64, line: &str) {
    if count.is_power_of_two() {
        log(&format!("{line} (#{count} of its kind)"));
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The header's state.
struct Header {
    config: Config,
    keys: Vec<StatusKey>,
    catalog: Catalog,
    db: db::Db,
    counters: status::Counters,
    started: Instant,
}

/// Runs the header with the configuration at `path` until SIGTERM/SIGINT.
pub fn run(path: &Path) -> Result<(), CliError> {
    let config = config::load(path)?;
    let io = |what: String| move |e: std::io::Error| CliError::Input(format!("{what}: {e}"));
    if let Some(dir) = config.database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create the data folder {}", dir.display())))?;
    }
    let keys = config
        .sps
        .iter()
        .map(|s| crate::provider::load_status_key(&s.key_file).map_err(|e| CliError::Input(format!("sp {}: {e}", s.name))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut catalog = Catalog::new(config.sps.iter().map(|s| s.name.clone()).zip(keys.iter().cloned()));
    let db = db::open(Some(&config.database))?;
    for (name, sequence) in db.sequences()? {
        catalog.restore_sequence(&name, sequence);
    }
    let reports = UdpSocket::bind(config.listen).map_err(io(format!("cannot listen on UDP {}", config.listen)))?;
    let auth = UdpSocket::bind(config.auth_listen).map_err(io(format!("cannot listen on UDP {}", config.auth_listen)))?;
    for s in [&reports, &auth] {
        s.set_nonblocking(true).map_err(io("setting a socket non-blocking".into()))?;
    }
    let status_socket = control::Listener::bind(&config.status_socket, "another header with this data folder")?;
    log(&format!(
        "header {} listening on UDP {} for reports and {} for Auth-REQs, {} SPs, database {}",
        config.name,
        config.listen,
        config.auth_listen,
        config.sps.len(),
        config.database.display()
    ));
    let mut h = Header { config, keys, catalog, db, counters: status::Counters::default(), started: Instant::now() };
    let mut buf = vec![0u8; 65536];
    while !signal::stopping() {
        let [report, request, reader] = control::wait_readable([reports.as_raw_fd(), auth.as_raw_fd(), status_socket.fd()], TICK);
        if report {
            while let Ok((n, from)) = reports.recv_from(&mut buf) {
                h.on_report(&buf[..n], from);
            }
        }
        if request {
            while let Ok((n, from)) = auth.recv_from(&mut buf) {
                h.on_request(&auth, &buf[..n], from);
            }
        }
        for name in h.catalog.expire(Instant::now()) {
            h.counters.expired += 1;
            log(&format!("SP {name} left the catalog: it missed three reports"));
        }
        if reader {
            if let Some(stream) = status_socket.accept() {
                h.answer_status(stream);
            }
        }
    }
    log("stopping on a signal; the catalog's sequences stay in the database");
    Ok(())
}

impl Header {
    fn on_report(&mut self, data: &[u8], from: SocketAddr) {
        let now = Instant::now();
        let was_live: Vec<bool> = self.catalog.entries().iter().map(|e| e.live(now)).collect();
        match self.catalog.receive(data, from, now) {
            Ok(e) => {
                self.counters.reports += 1;
                let info = status::SpInfo::of(e, now);
                let (name, sequence) = (e.name.clone(), e.last_sequence);
                let auth = info.auth.clone().unwrap_or_default();
                let i = self.catalog.entries().iter().position(|x| x.name == name).unwrap_or(0);
                if !was_live.get(i).copied().unwrap_or(true) {
                    log(&format!("SP {name} is live at {auth} (report from {from})"));
                }
                let json = serde_json::to_string(&info).unwrap_or_default();
                if let Err(e) = self.db.accepted(&name, sequence, &auth, &json, crate::clock::unix_now()) {
                    log(&format!("{e}"));
                }
            }
            Err(r) => {
                let c = &mut self.counters;
                let count = match &r {
                    Rejection::Malformed(_) => bump(&mut c.malformed),
                    Rejection::UnknownSp(_) => bump(&mut c.unknown_sp),
                    Rejection::Forged(_) => bump(&mut c.forged),
                    Rejection::Replayed { .. } => bump(&mut c.replayed),
                };
                log_sometimes(count, &format!("ignored from {from}: {r}"));
            }
        }
    }

    /// A supervisor's datagram: an Auth-REQ goes to the least loaded live
    /// SP offering its service; nothing else is answered.
    fn on_request(&mut self, sock: &UdpSocket, data: &[u8], from: SocketAddr) {
        let req = match Message::decode(data) {
            Ok(Message::Req(r)) if vnic_status::is_auth_request(data) => r,
            _ => {
                let count = bump(&mut self.counters.ignored);
                return log_sometimes(count, &format!("ignored a datagram from {from} that is not an Auth-REQ"));
            }
        };
        let Some((name, to)) = self.catalog.choose(&req.service, Instant::now()) else {
            // No SP to ask: say so at once (the answer is no larger than
            // the request) rather than let the supervisor wait.
            let count = bump(&mut self.counters.no_sp);
            log_sometimes(count, &format!("no live SP offers service {} (asked by {from})", req.service));
            let rst = AuthRst { txid: req.txid, error: ErrorCode::BUSY, nonce_c: req.nonce_c, nonce_s: [0; 32], ext: Vec::new() };
            if let Ok(bytes) = Message::Rst(rst).encode() {
                let _ = sock.send_to(&bytes, from);
            }
            return;
        };
        let name = name.to_string();
        let Some(i) = self.config.sps.iter().position(|s| s.name == name) else { return };
        let forward = Forward { header: self.config.name.clone(), supervisor: from, time_ms: now_ms(), request: data.to_vec() };
        match forward.encode(&self.keys[i]) {
            Ok(bytes) => match sock.send_to(&bytes, to) {
                Ok(_) => self.counters.forwarded += 1,
                Err(e) => log(&format!("forwarding to SP {name} at {to}: {e}")),
            },
            Err(e) => log(&format!("forwarding to SP {name}: {e}")),
        }
    }

    fn answer_status(&self, stream: std::os::unix::net::UnixStream) {
        let now = Instant::now();
        let r = status::Report {
            name: self.config.name.clone(),
            listen: self.config.listen.to_string(),
            auth_listen: self.config.auth_listen.to_string(),
            uptime_secs: self.started.elapsed().as_secs(),
            counters: self.counters,
            sps: status::sps(&self.catalog, now),
        };
        match serde_json::to_value(&r) {
            Ok(v) => control::answer(stream, &v),
            Err(e) => log(&format!("status: {e}")),
        }
    }
}

fn bump(c: &mut u64) -> u64 {
    *c += 1;
    *c
}

/// `vnicctl header status`: the running header's report, from its status
/// socket (`socket`, or the one of the configuration at `config`).
pub fn status(config: &Path, socket: Option<&Path>, out: Format) -> Result<(), CliError> {
    let path = match socket {
        Some(p) => p.to_path_buf(),
        None => config::load(config)?.status_socket,
    };
    control::show(&path, "header", out, status::Report::to_text)
}
