//! Handshake latency and rate, in one thread: N complete exchanges between
//! an in-process `Client` and `Server`, datagrams passed directly (no
//! sockets), the real clock, the real argon2 cost (`Argon2Cost::DEFAULT`).
//!
//! ```text
//! cargo run --release -p vnic-auth --example handshake_bench -- [--count N] [--json FILE]
//! ```
//!
//! Two figures, not to be confused:
//! - end to end: from `Client::new` to the provider's `Granted` event. The
//!   client's argon2 (deriving `K` from the passcode) dominates it.
//! - provider: the time spent inside `Server` calls only (OPAQUE's KE2 and
//!   its check of KE3; argon2 runs on the client only), so this is what one
//!   provider core can sustain.
//!
//! Exit status: 0 when every exchange was granted with the same ID on both
//! sides and no ID was given twice among the live sessions, 1 otherwise,
//! 2 for bad arguments.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU16;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use vnic_auth::{
    Argon2Cost, Backend, Client, ClientConfig, ClientEvent, Lookup, OsRandom, Random, Server, ServerConfig,
    ProviderKeys, Record, ServerEvent, Target,
};

const USAGE: &str = "usage: handshake_bench [--count N] [--flood K] [--json FILE]";
/// Spoofed Auth-REQs per handshake at most.
const MAX_FLOOD: u32 = 1000;
const DEFAULT_COUNT: u32 = 1000;
const MAX_COUNT: u32 = 1_000_000;
/// Users in the database; the exchanges take them in turn.
const USERS: usize = 4;
/// Live sessions the backend holds at most; past that the oldest ends (a
/// quarter of the 65,535 IDs, so that allocation never runs dry).
const MAX_LIVE: usize = 16_384;
const SERVICE: &str = "http";
const SERVER_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)), 7390);
const TARGET: Target = Target {
    vnic: 1,
    addr: None,
    port: 80,
};

struct Args {
    count: u32,
    /// Spoofed Auth-REQs (each from a new random source) before each
    /// handshake.
    flood: u32,
    json: Option<String>,
}

/// `Ok(None)`: help was asked for.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        count: DEFAULT_COUNT,
        flood: 0,
        json: None,
    };
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs {what}"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--count" => {
                let v = value("a number")?;
                parsed.count = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_COUNT).contains(n))
                    .ok_or(format!(
                        "--count must be a whole number from 1 to {MAX_COUNT}, not {v:?}"
                    ))?;
            }
            "--flood" => {
                let v = value("a number")?;
                parsed.flood = v
                    .parse()
                    .ok()
                    .filter(|n| *n <= MAX_FLOOD)
                    .ok_or(format!("--flood must be a whole number from 0 to {MAX_FLOOD}, not {v:?}"))?;
            }
            "--json" => {
                let v = value("a file name")?;
                if v.is_empty() {
                    return Err("--json needs a file name".into());
                }
                parsed.json = Some(v);
            }
            _ => return Err(format!("unknown argument {name:?} ({USAGE})")),
        }
    }
    Ok(Some(parsed))
}

/// The provider's database: a few users allowed `http`, and the live
/// sessions (whose IDs the server must not hand out again).
struct BenchBackend {
    users: HashMap<String, Record>,
    live: HashSet<u16>,
    order: VecDeque<u16>,
}

impl BenchBackend {
    /// Installs a granted session; `false` if its ID is already live.
    fn install(&mut self, id: NonZeroU16) -> bool {
        if !self.live.insert(id.get()) {
            return false;
        }
        self.order.push_back(id.get());
        if self.order.len() > MAX_LIVE {
            if let Some(old) = self.order.pop_front() {
                self.live.remove(&old);
            }
        }
        true
    }
}

impl Backend for BenchBackend {
    fn lookup(&self, user: &str, service: &str) -> Lookup {
        match self.users.get(user) {
            Some(v) if service == SERVICE => Lookup::Found {
                record: v.clone(),
                target: TARGET,
            },
            _ => Lookup::NoSuchService,
        }
    }

    fn id_free(&self, _vnic: u16, id: NonZeroU16) -> bool {
        !self.live.contains(&id.get())
    }
}

/// What one exchange measured.
struct Sample {
    latency: Duration,
    server: Duration,
    client: Duration,
}

/// Times one call.
fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    *total += start.elapsed();
    out
}

/// One exchange, datagrams passed directly until both sides are quiet.
/// `Err` says what went wrong.
fn handshake(
    server: &mut Server,
    backend: &mut BenchBackend,
    config: ClientConfig,
    from: SocketAddr,
) -> Result<Sample, String> {
    let (mut server_time, mut client_time) = (Duration::ZERO, Duration::ZERO);
    let start = Instant::now();
    let mut client = timed(&mut client_time, || {
        Client::new(config, SERVER_ADDR, Instant::now(), &mut OsRandom)
    })
    .map_err(|e| e.to_string())?;
    let (mut client_id, mut granted) = (None, None);
    loop {
        let mut moved = false;
        while let Some(t) = timed(&mut client_time, || client.poll_transmit()) {
            moved = true;
            timed(&mut server_time, || {
                server.handle_datagram(Instant::now(), from, &t.data, &*backend)
            });
        }
        while let Some(t) = timed(&mut server_time, || server.poll_transmit()) {
            moved = true;
            if t.to == from {
                timed(&mut client_time, || {
                    client.handle_datagram(Instant::now(), SERVER_ADDR, &t.data)
                });
            }
        }
        while let Some(e) = timed(&mut client_time, || client.poll_event()) {
            match e {
                ClientEvent::Granted(g) => client_id = Some(g.id),
                ClientEvent::Failed(err) => return Err(format!("the client failed: {err}")),
            }
        }
        while let Some(e) = timed(&mut server_time, || server.poll_event()) {
            match e {
                ServerEvent::Granted(s) if granted.is_none() => {
                    granted = Some((start.elapsed(), s.id));
                    if !backend.install(s.id) {
                        return Err(format!("ID {} given twice among live sessions", s.id));
                    }
                }
                other => return Err(format!("the provider: {other}")),
            }
        }
        if !moved {
            break;
        }
    }
    let Some((latency, id)) = granted else {
        return Err("the provider never granted the session".into());
    };
    if client_id != Some(id) {
        return Err(format!(
            "the client got ID {client_id:?}, the provider {id}"
        ));
    }
    Ok(Sample {
        latency,
        server: server_time,
        client: client_time,
    })
}

/// The nearest-rank `q` quantile of sorted, non-empty `v`.
fn quantile(v: &[Duration], q: f64) -> Duration {
    let rank = (q * v.len() as f64).ceil() as usize;
    v.get(rank.saturating_sub(1).min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("handshake_bench: {e}.");
            return ExitCode::from(2);
        }
    };
    // Open the output first: a bad path is an argument error, found before
    // the minute of argon2.
    let mut json_file = match args.json.as_deref().map(File::create).transpose() {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "handshake_bench: cannot write {}: {e}.",
                args.json.as_deref().unwrap_or_default()
            );
            return ExitCode::from(2);
        }
    };

    let cost = Argon2Cost::DEFAULT;
    let keys = ProviderKeys::generate(&mut OsRandom);
    let mut users = HashMap::new();
    for i in 0..USERS {
        match Record::register(&keys, &user(i), passcode(i).as_bytes(), cost, &mut OsRandom) {
            Ok(v) => users.insert(user(i), v),
            Err(e) => {
                eprintln!("handshake_bench: cannot register a user: {e}.");
                return ExitCode::FAILURE;
            }
        };
    }
    let mut backend = BenchBackend {
        users,
        live: HashSet::new(),
        order: VecDeque::new(),
    };
    // As the provider runs it: the defaults, fake_cost the users' cost.
    let mut config = ServerConfig::new(keys);
    config.fake_cost = cost;
    let mut server = Server::new(config, Box::new(OsRandom));

    // The flood: Auth-REQs of real user names, each sent from a new random
    // address (spoofed: the answers go nowhere).
    let spoofed: Vec<Vec<u8>> = (0..64)
        .filter_map(|k| {
            let config = ClientConfig::new(user(k % USERS), "guess", SERVICE);
            let mut c = Client::new(config, SERVER_ADDR, Instant::now(), &mut OsRandom).ok()?;
            c.poll_transmit().map(|t| t.data)
        })
        .collect();
    let mut flood_time = Duration::ZERO;
    let mut samples = Vec::with_capacity(args.count as usize);
    let mut failures = 0u32;
    let run = Instant::now();
    for n in 0..args.count {
        for k in 0..args.flood {
            let mut b = [0u8; 6];
            OsRandom.fill(&mut b);
            let from = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, b[0], b[1], b[2])), u16::from_be_bytes([b[3], b[4]]));
            let data = &spoofed[(n as usize + k as usize) % spoofed.len()];
            timed(&mut flood_time, || {
                server.handle_datagram(Instant::now(), from, data, &backend);
                while server.poll_transmit().is_some() {}
                while server.poll_event().is_some() {}
            });
        }
        let i = n as usize % USERS;
        let config = ClientConfig::new(user(i), passcode(i), SERVICE);
        // Supervisors on many ports of one address, one at a time.
        let from = SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)),
            20000 + (n % 40000) as u16,
        );
        match handshake(&mut server, &mut backend, config, from) {
            Ok(s) => samples.push(s),
            Err(e) => {
                failures += 1;
                if failures <= 10 {
                    eprintln!("handshake_bench: exchange {n}: {e}");
                }
            }
        }
    }
    let total = run.elapsed();

    let n = samples.len();
    let mut latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    latencies.sort_unstable();
    let server_total: Duration = samples.iter().map(|s| s.server).sum();
    let client_total: Duration = samples.iter().map(|s| s.client).sum();
    let per = |d: Duration| if n == 0 { 0.0 } else { ms(d) / n as f64 };
    let rate = |count: usize, d: Duration| {
        if d.is_zero() {
            0.0
        } else {
            count as f64 / d.as_secs_f64()
        }
    };
    let (p50, p99, max) = (
        ms(quantile(&latencies, 0.50)),
        ms(quantile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
    );
    let per_second = rate(n, total);
    let provider_per_second = rate(n, server_total + flood_time);

    println!("argon2id {cost} (Argon2Cost::DEFAULT), {USERS} users, one thread, {} spoofed Auth-REQs per handshake", args.flood);
    println!("  handshakes granted     {n} of {}", args.count);
    println!("  failures               {failures}  (not granted, ID mismatch or ID live twice)");
    println!(
        "  end to end (Client::new to the provider's Granted; the client's argon2 dominates):"
    );
    println!("    latency p50          {p50:8.2} ms");
    println!("    latency p99          {p99:8.2} ms");
    println!("    latency max          {max:8.2} ms");
    println!(
        "    client time          {:8.2} ms per handshake",
        per(client_total)
    );
    println!(
        "    handshakes/s         {per_second:8.1}  ({n} in {:.1} s)",
        total.as_secs_f64()
    );
    println!("  provider alone (time inside Server calls, one thread; no argon2 for real users):");
    println!(
        "    provider time        {:8.3} ms per handshake, {:.3} ms more for its flood",
        per(server_total),
        per(flood_time)
    );
    println!("    handshakes/s         {provider_per_second:8.0}  on one core");

    if let Some(f) = json_file.as_mut() {
        // In this order, as tests/bench/bench documents it.
        let json = format!(
            "{{\"handshakes\": {n}, \"p50_ms\": {p50:.3}, \"p99_ms\": {p99:.3}, \
             \"max_ms\": {max:.3}, \"per_second\": {per_second:.1}, \
             \"provider_per_second\": {provider_per_second:.0}, \"flood\": {}, \"granted_share\": {:.4}, \"argon2\": \"{cost}\"}}",
            args.flood,
            n as f64 / f64::from(args.count)
        );
        if let Err(e) = writeln!(f, "{json}") {
            eprintln!("handshake_bench: cannot write the JSON: {e}.");
            return ExitCode::FAILURE;
        }
    }
    if failures > 0 {
        eprintln!(
            "handshake_bench: {failures} of {} exchanges failed.",
            args.count
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn user(i: usize) -> String {
    format!("user{i}")
}

fn passcode(i: usize) -> String {
    format!("passcode of user {i}")
}
