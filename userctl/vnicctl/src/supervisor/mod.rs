//! `vnicctl supervisor`: the supervisor's daemon. It keeps the configured
//! sessions: authenticates each at start, embeds its ID on the supervisor
//! device, renews it before the provider would expire it (keeping the ID,
//! through the protocol's "renew" extension), re-authenticates when a
//! session was lost, and keeps its profiled status database so that a
//! restart (also after kill -9) loses no session.

pub mod config;
mod db;
mod liveness;
mod path;
mod schedule;
pub mod status;

use crate::embed;
use crate::error::CliError;
use crate::exchange;
use crate::iface::ifindex;
use crate::signal;
use crate::clock::unix_now;
use crate::control;
use crate::output::Format;
use config::{Config, SessionEntry};
use db::{Db, SessionRow};
use schedule::Timing;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use vnic_auth::{ClientConfig, ClientError, ClientEvent, Grant};

/// The longest the daemon sleeps before noticing a signal.
const TICK: Duration = Duration::from_millis(500);

/// One line on stderr (journald adds the time).
pub fn log(line: &str) {
    eprintln!("vnic-supervisor: {line}");
}

/// Appended to a failed path check while it runs again.
const CHECKING_AGAIN: &str = " (checking again)";

/// What an exchange thread reports.
enum Report {
    /// An event of slot `.0`'s exchange.
    Event(usize, ClientEvent),
    /// Slot `.0`'s exchange is over; an error if it could not run.
    Done(usize, Option<String>),
    /// A reader on the status socket.
    Status(std::os::unix::net::UnixStream),
    /// The path check of slot `.0`'s session with ID `.1`.
    Path(usize, u16, path::Outcome),
    /// This SP left its last PINGs unanswered.
    Silent(SocketAddr),
}

/// A configured session and where it stands.
struct Slot {
    entry: SessionEntry,
    row: Option<SessionRow>,
    due: Instant,
    failures: u32,
    busy: bool,
    heard: bool,
    /// The last failure's sentence, "" after a success.
    last_error: String,
    /// The SP that granted the session, asked directly for its renewals
    /// while it answers (it may not be a configured address: a header SP
    /// hands the first request of an exchange on).
    sp: Option<SocketAddr>,
    /// Which configured address to ask when there is no SP to renew with.
    next: usize,
    /// Whether the exchange in progress asked `sp`.
    asked_sp: bool,
    /// The path check of the session's start ("ok", "failed: ...").
    path: String,
}

/// The daemon's state.
struct Daemon {
    config: Config,
    dev: u32,
    db: Db,
    timing: Timing,
    slots: Vec<Slot>,
    started: Instant,
    /// Where the path checks report.
    tx: Sender<Report>,
    /// The SPs that granted sessions, watched for liveness.
    watched: liveness::Watched,
}

/// `vnicctl supervisor status`: the running daemon's report, from its
/// status socket (`socket`, or the one of the configuration at `config`).
pub fn status(config: &Path, socket: Option<&Path>, out: Format) -> Result<(), CliError> {
    let path = match socket {
        Some(p) => p.to_path_buf(),
        None => config::load(config)?.status_socket,
    };
    control::show(&path, "supervisor", out, status::Report::to_text)
}

/// Runs the daemon with the configuration at `path` until SIGTERM/SIGINT.
pub fn run(path: &Path) -> Result<(), CliError> {
    let config = config::load(path)?;
    for s in &config.sessions {
        crate::passcode::read(Some(&s.passcode_file)).map_err(|e| CliError::Input(format!("session {}: {e}", s.label())))?;
    }
    if let Some(dir) = config.database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Input(format!("cannot create the data folder {}: {e}", dir.display())))?;
    }
    let dev = ifindex(&config.dev)?;
    embed::list(dev, &config.dev)?;
    let mut db = Db::open(&config.database)?;
    db.load_config(&config)?;
    let timing = Timing { renew: config.renew, retry: config.retry, retry_max: config.retry_max };
    let status_socket = control::Listener::bind(&config.status_socket, "another supervisor with this data folder")?;
    let (tx, rx) = mpsc::channel();
    let watched = liveness::Watched::default();
    let silent_tx = tx.clone();
    liveness::start(watched.clone(), move |sp| silent_tx.send(Report::Silent(sp)).is_ok())
        .map_err(|e| CliError::Input(format!("cannot start watching the SPs: {e}")))?;
    let mut daemon = Daemon { config, dev, db, timing, slots: Vec::new(), started: Instant::now(), tx: tx.clone(), watched };
    daemon.restore()?;
    signal::install().map_err(|e| CliError::Input(format!("cannot install signal handlers: {e}")))?;
    log(&format!(
        "keeping {} sessions on {} (renewal every {} s, database {})",
        daemon.slots.len(),
        daemon.config.dev,
        daemon.timing.renew.as_secs(),
        daemon.config.database.display()
    ));
    let readers = status_socket
        .try_clone_blocking()
        .map_err(|e| CliError::Input(format!("cannot use the status socket: {e}")))?;
    let status_tx = tx.clone();
    std::thread::Builder::new()
        .name("status".into())
        .spawn(move || {
            for stream in readers.incoming().flatten() {
                if status_tx.send(Report::Status(stream)).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| CliError::Input(format!("cannot start the status thread: {e}")))?;
    while !signal::stopping() {
        daemon.start_due(&tx);
        match rx.recv_timeout(TICK) {
            Ok(report) => daemon.on_report(report),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    log("stopping on a signal; the sessions stay embedded and in the database");
    Ok(())
}

impl Daemon {
    /// At start: forgets the rows of sessions no longer configured, makes
    /// the kernel embed every remaining row's ID, and schedules each
    /// configured session.
    fn restore(&mut self) -> Result<(), CliError> {
        let rows = self.db.sessions()?;
        let kernel = embed::list(self.dev, &self.config.dev)?;
        let (mut restored, mut kept) = (0, 0);
        for row in &rows {
            let configured = self.config.sessions.iter().any(|s| key_of(s) == row.key());
            let service = SocketAddr::new(row.server, row.port);
            let present = kernel.iter().any(|r| r.server == row.server && r.port == row.port && r.id == Some(row.id));
            if !configured {
                // The rule is per service: keep it while a configured
                // session of another client uses it.
                let shared = rows.iter().any(|o| {
                    (o.server, o.port) == (row.server, row.port) && self.config.sessions.iter().any(|s| key_of(s) == o.key())
                });
                if present && !shared {
                    embed::remove(self.dev, &self.config.dev, service)?;
                }
                self.db.delete(&row.key())?;
                log(&format!("forgot the session of {}@{}/{} (ID {}): no longer configured", row.user, row.provider, row.service, row.id));
            } else if present {
                kept += 1;
            } else {
                embed::replace(self.dev, &self.config.dev, service, row.id)?;
                restored += 1;
            }
        }
        let now = Instant::now();
        let unix = unix_now();
        let granted_by = self.db.granted_by()?;
        for entry in self.config.sessions.clone() {
            let sp = granted_by.iter().find(|(k, _)| *k == key_of(&entry)).map(|(_, sp)| *sp);
            let row = rows.iter().find(|r| r.key() == key_of(&entry)).cloned();
            let due = match &row {
                Some(r) if r.failures == 0 => now + self.timing.until_renewal(r.renewed, unix),
                _ => now,
            };
            self.slots.push(Slot {
                entry,
                row,
                due,
                failures: 0,
                busy: false,
                heard: false,
                last_error: String::new(),
                sp,
                next: 0,
                asked_sp: false,
                path: "unchecked: restored from the database".into(),
            });
        }
        log(&format!("restored: {kept} sessions embedded already, {restored} embedded again"));
        self.watch();
        Ok(())
    }

    /// Starts the handshake of every slot that is due and idle.
    fn start_due(&mut self, tx: &Sender<Report>) {
        let now = Instant::now();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if slot.busy || now < slot.due {
                continue;
            }
            let passcode = match crate::passcode::read(Some(&slot.entry.passcode_file)) {
                Ok(p) => p,
                Err(e) => {
                    slot.failures += 1;
                    slot.due = now + self.timing.retry_wait(slot.failures, schedule::draw());
                    log(&format!("{}: {e}", slot.entry.label()));
                    continue;
                }
            };
            let mut config = ClientConfig::new(slot.entry.user.clone(), passcode.as_bytes(), slot.entry.service.clone());
            config.client_addr = slot.entry.client;
            config.renew = slot.row.as_ref().and_then(|r| std::num::NonZeroU16::new(r.id));
            // The SP learns the path check of the session it renews.
            if let (Some(_), Some(code)) = (config.renew, path::report_code(&slot.path)) {
                config.ext.push(vnic_auth::Tlv { kind: vnic_auth::wire::TLV_PATH_CHECK, value: vec![code] });
            }
            let Some(addresses) = self.config.providers.iter().find(|p| p.name == slot.entry.provider).map(|p| &p.addresses)
            else {
                continue;
            };
            let address = addresses[slot.next % addresses.len()].clone();
            let sp = slot.sp.filter(|_| config.renew.is_some());
            slot.asked_sp = sp.is_some();
            slot.busy = true;
            slot.heard = false;
            let tx = tx.clone();
            let spawned = std::thread::Builder::new().name(format!("auth-{i}")).spawn(move || {
                let provider = match sp {
                    Some(sp) => Ok(sp),
                    None => exchange::provider_addr(&address),
                };
                let result = provider.and_then(|provider| {
                    exchange::run(config, provider, None, false, |e| {
                        let _ = tx.send(Report::Event(i, e));
                    })
                });
                let _ = tx.send(Report::Done(i, result.err().map(|e| e.to_string())));
            });
            if let Err(e) = spawned {
                slot.busy = false;
                slot.due = now + self.timing.retry;
                log(&format!("{}: cannot start a handshake: {e}", slot.entry.label()));
            }
        }
    }

    fn on_report(&mut self, report: Report) {
        match report {
            Report::Status(stream) => match serde_json::to_value(self.status()) {
                Ok(v) => control::answer(stream, &v),
                Err(e) => log(&format!("status: {e}")),
            },
            Report::Event(i, ClientEvent::Granted(g)) => {
                self.slots[i].heard = true;
                let result = self.granted(i, &g);
                self.watch();
                if let Err(e) = result {
                    log(&format!("{}: granted ID {}, but keeping it failed: {e}", self.slots[i].entry.label(), g.id));
                    self.failed(i, &e.to_string());
                }
            }
            Report::Event(i, ClientEvent::Failed(e)) => {
                let slot = &mut self.slots[i];
                slot.heard = true;
                if matches!(e, ClientError::Timeout { .. }) {
                    // Silence: the SP that granted is gone (ask the
                    // configured addresses again), or this address is
                    // (ask the next one).
                    if slot.asked_sp {
                        slot.sp = None;
                    } else {
                        slot.next += 1;
                    }
                }
                self.failed(i, &exchange::failure(&e));
                self.record_sps();
            }
            Report::Path(i, id, outcome) => {
                let slot = &mut self.slots[i];
                if slot.row.as_ref().map(|r| r.id) != Some(id) {
                    return; // the session changed since
                }
                slot.path = outcome.to_text();
                if let Some(row) = &slot.row {
                    if let Err(e) = self.db.path_checked(&row.key(), &slot.path) {
                        log(&format!("{}: {e}", slot.entry.label()));
                    }
                }
                match outcome {
                    path::Outcome::Failed(why) => self.failed(i, &format!("the path check failed: {why}")),
                    _ => log(&format!("{}: path check {}", slot.entry.label(), slot.path)),
                }
            }
            Report::Silent(sp) => {
                // Its sessions go through the configured addresses (the
                // headers) to another SP now, not at their next renewal.
                let now = Instant::now();
                for slot in self.slots.iter_mut().filter(|s| s.sp == Some(sp) && !s.busy) {
                    slot.sp = None;
                    slot.due = now;
                    log(&format!(
                        "{}: the SP {sp} answered none of its last {} liveness checks: authenticating again",
                        slot.entry.label(),
                        liveness::MISSES
                    ));
                }
                self.record_sps();
            }
            Report::Done(i, error) => {
                let slot = &mut self.slots[i];
                slot.busy = false;
                match (slot.heard, error) {
                    (false, error) => {
                        let why = error.unwrap_or_else(|| "the exchange ended without an answer".into());
                        self.failed(i, &why);
                    }
                    (true, Some(e)) => log(&format!("{}: the exchange ended early after its answer: {e}", slot.entry.label())),
                    (true, None) => {}
                }
            }
        }
    }

    /// Records, after an SP was forgotten, which SP each session renews
    /// with, and watches those.
    fn record_sps(&mut self) {
        for slot in self.slots.iter().filter(|s| s.sp.is_none() && s.row.is_some()) {
            if let Err(e) = self.db.set_granted_by(&key_of(&slot.entry), None) {
                log(&format!("{}: {e}", slot.entry.label()));
            }
        }
        self.watch();
    }

    /// Watches the SPs the sessions renew with, and only those.
    fn watch(&self) {
        if let Ok(mut w) = self.watched.lock() {
            *w = self.slots.iter().filter_map(|s| s.sp).collect();
        }
    }

    /// The live state for a status reader.
    fn status(&self) -> status::Report {
        let (now, unix) = (Instant::now(), unix_now());
        status::Report {
            dev: self.config.dev.clone(),
            uptime_secs: self.started.elapsed().as_secs(),
            renew_secs: self.timing.renew.as_secs(),
            sessions: self
                .slots
                .iter()
                .map(|s| status::SlotInfo {
                    provider: s.entry.provider.clone(),
                    user: s.entry.user.clone(),
                    service: s.entry.service.clone(),
                    client: s.entry.client.map(|c| c.to_string()),
                    state: match (&s.row, s.failures) {
                        (None, _) => "new",
                        (Some(_), 0) => "active",
                        (Some(_), _) => "retrying",
                    }
                    .into(),
                    id: s.row.as_ref().map(|r| r.id),
                    vnic: s.row.as_ref().map(|r| r.vnic),
                    service_addr: s.row.as_ref().map(|r| SocketAddr::new(r.server, r.port).to_string()),
                    renewed_secs_ago: s.row.as_ref().map(|r| (unix - r.renewed).max(0)),
                    granted_by: s.sp.map(|a| a.to_string()),
                    path: s.path.clone(),
                    exchanging: s.busy,
                    failures: s.failures,
                    next_in_ms: if s.busy {
                        0
                    } else {
                        u64::try_from(s.due.saturating_duration_since(now).as_millis()).unwrap_or(u64::MAX)
                    },
                    last_error: s.last_error.clone(),
                })
                .collect(),
        }
    }

    /// Embeds a granted ID and records it.
    fn granted(&mut self, i: usize, g: &Grant) -> Result<(), CliError> {
        let (dev, name) = (self.dev, self.config.dev.clone());
        let slot = &mut self.slots[i];
        let service = SocketAddr::new(g.service_addr, g.service_port);
        let now = unix_now();
        let before = slot.row.clone();
        let same = before.as_ref().is_some_and(|r| r.id == g.id.get() && r.server == g.service_addr && r.port == g.service_port);
        // The rule is per service (server and port): other sessions of it,
        // for other clients, must hold the same ID, and keep the rule.
        let others = |slots: &[Slot], server: IpAddr, port: u16| -> Vec<u16> {
            slots
                .iter()
                .enumerate()
                .filter(|&(k, s)| k != i && s.row.as_ref().is_some_and(|r| r.server == server && r.port == port))
                .filter_map(|(_, s)| s.row.as_ref().map(|r| r.id))
                .collect()
        };
        if let Some(held) = others(&self.slots, g.service_addr, g.service_port).into_iter().find(|&id| id != g.id.get()) {
            return Err(CliError::Input(format!(
                "vNIC #{} gave ID {} for {service}, where another client's session holds ID {held}: the supervisor embeds one ID \
                 per service, so sessions of several clients for one service need a vNIC with a fixed ID",
                g.vnic, g.id
            )));
        }
        if let Some(old) = before.as_ref().filter(|r| (r.server, r.port) != (g.service_addr, g.service_port)) {
            if others(&self.slots, old.server, old.port).is_empty() {
                embed::remove(dev, &name, SocketAddr::new(old.server, old.port))?;
            }
        }
        let slot = &mut self.slots[i];
        let embedded = same
            && embed::list(dev, &name)?
                .iter()
                .any(|r| r.server == g.service_addr && r.port == g.service_port && r.id == Some(g.id.get()));
        if !embedded {
            embed::replace(dev, &name, service, g.id.get())?;
        }
        let row = SessionRow {
            provider: slot.entry.provider.clone(),
            user: slot.entry.user.clone(),
            service: slot.entry.service.clone(),
            client: slot.entry.client,
            id: g.id.get(),
            vnic: g.vnic,
            server: g.service_addr,
            port: g.service_port,
            granted: if same { before.as_ref().map_or(now, |r| r.granted) } else { now },
            renewed: now,
            failures: 0,
            last_error: String::new(),
        };
        self.db.upsert(&row)?;
        let what = match &before {
            Some(r) if same => format!("renewed, ID {} kept", r.id),
            Some(r) => format!("authenticated again: ID {} replaces {}", g.id, r.id),
            None => format!("granted ID {}", g.id),
        };
        log(&format!("{}: {what} for {service} (vNIC #{}), embedded on {name}", slot.entry.label(), g.vnic));
        if !same || slot.path.starts_with("failed") {
            // A session starts (a new ID or service), or its path failed
            // before: check that the ID survives the path both ways.
            // A failure stays visible while it is checked again.
            if !slot.path.starts_with("failed") {
                slot.path = "checking".into();
            } else if !slot.path.ends_with(CHECKING_AGAIN) {
                slot.path.push_str(CHECKING_AGAIN);
            }
            let (tx, client, id) = (self.tx.clone(), slot.entry.client, g.id.get());
            let spawned = std::thread::Builder::new().name(format!("path-{i}")).spawn(move || {
                let _ = tx.send(Report::Path(i, id, path::check(client, service, path::TIMEOUT)));
            });
            if let Err(e) = spawned {
                slot.path = format!("unchecked: cannot start the check: {e}");
            }
        }
        slot.row = Some(row);
        slot.sp = Some(g.provider);
        self.db.set_granted_by(&key_of(&slot.entry), slot.sp)?;
        slot.failures = 0;
        slot.last_error.clear();
        slot.due = Instant::now() + self.timing.renew_wait(schedule::draw());
        Ok(())
    }

    /// A failed handshake: the current ID (if any) stays embedded, since
    /// the provider keeps a session until it expires; retry later.
    fn failed(&mut self, i: usize, why: &str) {
        let slot = &mut self.slots[i];
        slot.failures += 1;
        slot.last_error = why.to_string();
        let wait = self.timing.retry_wait(slot.failures, schedule::draw());
        slot.due = Instant::now() + wait;
        if let Some(row) = &slot.row {
            if let Err(e) = self.db.failed(&row.key(), why) {
                log(&format!("{}: {e}", slot.entry.label()));
            }
        }
        let keep = slot.row.as_ref().map_or(String::new(), |r| format!("; ID {} stays embedded", r.id));
        log(&format!("{}: {why}{keep}; next try in {:.1} s", slot.entry.label(), wait.as_secs_f64()));
    }
}

/// The database key of a configured session.
fn key_of(s: &SessionEntry) -> db::Key {
    (s.provider.clone(), s.service.clone(), s.client)
}
