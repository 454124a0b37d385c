//! Handshakes against a running provider over real UDP sockets, with an
//! optional flood of spoofed Auth-REQs: the client side of
//! `tests/bench/auth_udp.sh`, which starts `vnicctl provider` (with its
//! SQLite database) and reads the provider's CPU time.
//!
//! ```text
//! udp_bench --provider ADDR --users N --passcode P --count N
//!           [--concurrency C] [--flood F] [--provider-pid PID] [--json FILE]
//! ```
//!
//! `C` exchanges run at once, each from its own loopback address
//! 127.1.x.y; the users are `u0` .. `u<N-1>`, all with passcode `P`. With
//! `--flood F`, a second thread sends F Auth-REQs from spoofed sources
//! (127.2.x.y, never following the provider's cookie) for every Auth-REQ
//! the legitimate clients start. Prints the grants, their latency (p50,
//! p99), the share of exchanges granted and, with `--provider-pid`, grants
//! per second of the provider's CPU time (user + system, from /proc).
//! Exit status 0 when every exchange was granted, 1 otherwise, 2 for bad
//! arguments.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vnic_auth::{Client, ClientConfig, ClientEvent, OsRandom, Random};

struct Args {
    provider: SocketAddr,
    users: usize,
    passcode: String,
    count: u64,
    concurrency: usize,
    flood: u64,
    provider_pid: Option<u32>,
    json: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        provider: "127.0.0.1:7390".parse().map_err(|_| "address")?,
        users: 1,
        passcode: String::new(),
        count: 1000,
        concurrency: 64,
        flood: 0,
        provider_pid: None,
        json: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(name) = it.next() {
        let mut value = || it.next().ok_or(format!("{name} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|_| format!("{name}: '{v}' is not a whole number"));
        match name.as_str() {
            "--provider" => a.provider = value()?.parse().map_err(|_| "--provider needs IP:PORT".to_string())?,
            "--users" => a.users = number(value()?)?.clamp(1, 10_000) as usize,
            "--passcode" => a.passcode = value()?,
            "--count" => a.count = number(value()?)?.max(1),
            "--concurrency" => a.concurrency = number(value()?)?.clamp(1, 60_000) as usize,
            "--flood" => a.flood = number(value()?)?.min(1000),
            "--provider-pid" => a.provider_pid = Some(number(value()?)? as u32),
            "--json" => a.json = Some(value()?),
            _ => return Err(format!("unknown argument {name:?}")),
        }
    }
    if a.passcode.is_empty() {
        return Err("--passcode is required".into());
    }
    Ok(a)
}

/// The provider's CPU time (user + system), from /proc/PID/stat.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel's USER_HZ is 100 on every Linux architecture we run on.
    Some(Duration::from_millis(ticks * 10))
}

/// One slot: a socket and the exchange on it.
struct Slot {
    socket: UdpSocket,
    client: Option<(Client, Instant)>,
}

fn loopback(net: u8, k: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, net, (k / 250) as u8, (k % 250 + 1) as u8))
}

/// The spoofed Auth-REQs, at `factor` per legitimate one started.
fn flood(provider: SocketAddr, users: usize, factor: u64, started: Arc<AtomicU64>, stop: Arc<AtomicBool>) -> u64 {
    let sockets: Vec<UdpSocket> =
        (0..512).filter_map(|k| UdpSocket::bind(SocketAddr::new(loopback(2, k), 0)).ok()).collect();
    let requests: Vec<Vec<u8>> = (0..64)
        .filter_map(|k| {
            let config = ClientConfig::new(format!("u{}", k % users), "a guess", "http");
            let mut c = Client::new(config, provider, Instant::now(), &mut OsRandom).ok()?;
            c.poll_transmit().map(|t| t.data)
        })
        .collect();
    let mut sent = 0u64;
    while !stop.load(Ordering::Relaxed) {
        if sent >= factor * started.load(Ordering::Relaxed) || sockets.is_empty() {
            std::thread::sleep(Duration::from_micros(200));
            continue;
        }
        let mut pick = [0u8; 2];
        OsRandom.fill(&mut pick);
        let socket = &sockets[usize::from(u16::from_be_bytes(pick)) % sockets.len()];
        if socket.send_to(&requests[sent as usize % requests.len()], provider).is_ok() {
            sent += 1;
        }
    }
    sent
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("udp_bench: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let flooder = (args.flood > 0).then(|| {
        let (s, t) = (started.clone(), stop.clone());
        let (provider, users, factor) = (args.provider, args.users, args.flood);
        std::thread::spawn(move || flood(provider, users, factor, s, t))
    });
    let mut slots = Vec::new();
    for k in 0..args.concurrency {
        match UdpSocket::bind(SocketAddr::new(loopback(1, k), 0)).and_then(|s| s.set_nonblocking(true).map(|()| s)) {
            Ok(socket) => slots.push(Slot { socket, client: None }),
            Err(e) => {
                eprintln!("udp_bench: cannot bind {}: {e}", loopback(1, k));
                return ExitCode::FAILURE;
            }
        }
    }
    let cpu0 = args.provider_pid.and_then(cpu_time);
    let t0 = Instant::now();
    let (mut granted, mut failed, mut next_user) = (0u64, 0u64, 0usize);
    let mut latencies = Vec::new();
    let mut first_error = None;
    // Grants per answering provider (a header SP hands exchanges on).
    let mut by_provider = std::collections::BTreeMap::<String, u64>::new();
    let mut buf = [0u8; 2048];
    while granted + failed < args.count {
        let mut moved = false;
        for slot in &mut slots {
            if slot.client.is_none() && started.load(Ordering::Relaxed) < args.count {
                let user = format!("u{}", next_user % args.users);
                next_user += 1;
                let config = ClientConfig::new(user, args.passcode.as_bytes(), "http");
                if let Ok(c) = Client::new(config, args.provider, Instant::now(), &mut OsRandom) {
                    slot.client = Some((c, Instant::now()));
                    started.fetch_add(1, Ordering::Relaxed);
                }
            }
            let Some((client, since)) = slot.client.as_mut() else {
                continue;
            };
            while let Some(t) = client.poll_transmit() {
                moved = true;
                let _ = slot.socket.send_to(&t.data, t.to);
            }
            loop {
                match slot.socket.recv_from(&mut buf) {
                    Ok((n, from)) => {
                        moved = true;
                        client.handle_datagram(Instant::now(), from, &buf[..n]);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => break,
                }
            }
            if client.poll_timeout().is_some_and(|t| t <= Instant::now()) {
                client.handle_timeout(Instant::now());
            }
            match client.poll_event() {
                Some(ClientEvent::Granted(g)) => {
                    granted += 1;
                    *by_provider.entry(g.provider.to_string()).or_default() += 1;
                    latencies.push(since.elapsed());
                    slot.client = None;
                }
                Some(ClientEvent::Failed(e)) => {
                    failed += 1;
                    first_error.get_or_insert(e.to_string());
                    slot.client = None;
                }
                None => {}
            }
        }
        if !moved {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
    let wall = t0.elapsed();
    let cpu = match (cpu0, args.provider_pid.and_then(cpu_time)) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    stop.store(true, Ordering::Relaxed);
    let spoofed = flooder.and_then(|h| h.join().ok()).unwrap_or(0);
    latencies.sort();
    let q = |p: f64| latencies.get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let share = granted as f64 / (granted + failed) as f64;
    let per_core = cpu.filter(|c| !c.is_zero()).map(|c| granted as f64 / c.as_secs_f64());
    println!("{} exchanges, {} at once, {} users, {} spoofed Auth-REQs ({} per exchange)", args.count, args.concurrency, args.users, spoofed, args.flood);
    println!("  granted                {granted} ({:.2} %)", share * 100.0);
    println!("  latency p50 / p99      {:.2} / {:.2} ms", ms(q(0.5)), ms(q(0.99)));
    println!("  grants/s (wall)        {:.0}", granted as f64 / wall.as_secs_f64());
    if let (Some(c), Some(r)) = (cpu, per_core) {
        println!("  provider CPU           {:.2} s: {r:.0} grants per CPU second", c.as_secs_f64());
    }
    if let Some(e) = &first_error {
        println!("  first failure          {e}");
    }
    if by_provider.len() > 1 {
        let parts: Vec<String> = by_provider.iter().map(|(p, n)| format!("{p} {n}")).collect();
        println!("  granted by             {}", parts.join(", "));
    }
    let by_provider_json: Vec<String> = by_provider.iter().map(|(p, n)| format!("\"{p}\": {n}")).collect();
    if let Some(path) = &args.json {
        let json = format!(
            "{{\"exchanges\": {}, \"granted\": {granted}, \"granted_share\": {share:.4}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \
             \"wall_per_second\": {:.0}, \"per_provider_cpu_second\": {}, \"flood\": {}, \"spoofed\": {spoofed}, \"by_provider\": {{{}}}}}\n",
            args.count,
            ms(q(0.5)),
            ms(q(0.99)),
            granted as f64 / wall.as_secs_f64(),
            per_core.map_or("null".to_string(), |r| format!("{r:.0}")),
            args.flood,
            by_provider_json.join(", ")
        );
        if let Err(e) = std::fs::write(path, json) {
            eprintln!("udp_bench: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
