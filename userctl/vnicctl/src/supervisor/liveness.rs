//! Liveness of the SPs that granted the sessions (Documentation/
//! status-protocol.md §7): one Status-PING a second to each, from a thread
//! of its own; an SP that answers none of its last three (a late answer
//! counts) is reported silent, and
//! its sessions go through the headers to another SP at once instead of at
//! their next renewal.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vnic_status::ping;

/// How often each SP is asked.
pub const EVERY: Duration = Duration::from_secs(1);
/// PINGs an SP may leave unanswered before it counts as silent.
pub const MISSES: u32 = 3;

/// The SPs to watch, shared with the daemon.
pub type Watched = Arc<Mutex<HashSet<SocketAddr>>>;

/// Starts the watcher: `silent(addr)` is sent for an SP that answered no
/// PING for `MISSES` seconds (and again every `MISSES` seconds while it
/// stays silent and watched). Ends when `silent` can no longer be sent.
pub fn start(watched: Watched, silent: impl Fn(SocketAddr) -> bool + Send + 'static) -> std::io::Result<()> {
    let v4 = UdpSocket::bind("0.0.0.0:0")?;
    let v6 = UdpSocket::bind("[::]:0").ok();
    v4.set_read_timeout(Some(Duration::from_millis(50)))?;
    if let Some(s) = &v6 {
        s.set_nonblocking(true)?;
    }
    std::thread::Builder::new().name("liveness".into()).spawn(move || {
        let mut heard: HashMap<SocketAddr, Instant> = HashMap::new();
        // The PINGs of the last MISSES rounds: a PONG that comes late (a
        // busy SP answers its datagrams in turn) still counts.
        let mut asked: HashMap<SocketAddr, VecDeque<(u32, [u8; 32])>> = HashMap::new();
        let mut next = Instant::now();
        let mut buf = [0u8; 128];
        loop {
            let now = Instant::now();
            if now >= next {
                next = now + EVERY;
                let addrs: HashSet<SocketAddr> = watched.lock().map(|w| w.clone()).unwrap_or_default();
                heard.retain(|a, _| addrs.contains(a));
                asked.retain(|a, _| addrs.contains(a));
                for &a in &addrs {
                    heard.entry(a).or_insert(now);
                    let mut nonce = [0u8; 32];
                    let mut txid = [0u8; 4];
                    if getrandom::fill(&mut nonce).and_then(|()| getrandom::fill(&mut txid)).is_err() {
                        continue;
                    }
                    let txid = u32::from_be_bytes(txid);
                    let recent = asked.entry(a).or_default();
                    if recent.len() >= MISSES as usize {
                        recent.pop_front();
                    }
                    recent.push_back((txid, nonce));
                    let sock = if a.is_ipv4() { Some(&v4) } else { v6.as_ref() };
                    if let Some(s) = sock {
                        let _ = s.send_to(&ping::ping(txid, &nonce), a);
                    }
                }
                for (a, t) in heard.iter_mut() {
                    if now.saturating_duration_since(*t) >= EVERY * MISSES {
                        if !silent(*a) {
                            return;
                        }
                        *t = now;
                    }
                }
            }
            let mut take = |data: &[u8], from: SocketAddr| {
                if asked.get(&from).is_some_and(|r| r.iter().any(|(txid, nonce)| ping::is_pong(data, *txid, nonce))) {
                    heard.insert(from, Instant::now());
                }
            };
            if let Ok((n, from)) = v4.recv_from(&mut buf) {
                take(&buf[..n], from);
            }
            while let Some(Ok((n, from))) = v6.as_ref().map(|s| s.recv_from(&mut buf)) {
                take(&buf[..n], from);
            }
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn an_sp_that_answers_even_late_is_live_and_one_that_does_not_is_reported() {
        // A live SP: answers every PING with its PONG.
        let sp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let live = sp.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 128];
            while let Ok((n, from)) = sp.recv_from(&mut buf) {
                if let Some(p) = ping::pong(&buf[..n]) {
                    let _ = sp.send_to(&p, from);
                }
            }
        });
        // A busy one: answers each PING 1.5 s late, after the next round.
        let busy = UdpSocket::bind("127.0.0.1:0").unwrap();
        let slow = busy.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 128];
            while let Ok((n, from)) = busy.recv_from(&mut buf) {
                if let Some(p) = ping::pong(&buf[..n]) {
                    let sock = busy.try_clone().unwrap();
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_millis(1500));
                        let _ = sock.send_to(&p, from);
                    });
                }
            }
        });
        // A silent one: a bound socket that never answers.
        let quiet = UdpSocket::bind("127.0.0.1:0").unwrap();
        let dead = quiet.local_addr().unwrap();
        let watched: Watched = Arc::new(Mutex::new([live, slow, dead].into()));
        let (tx, rx) = mpsc::channel();
        start(watched, move |a| tx.send(a).is_ok()).unwrap();
        let t0 = Instant::now();
        let first = rx.recv_timeout(Duration::from_secs(10)).expect("a silent SP is reported");
        assert_eq!(first, dead);
        let took = t0.elapsed();
        assert!(took >= EVERY * MISSES - Duration::from_millis(100) && took < EVERY * (MISSES + 2), "{took:?}");
        // Only the silent one (not the late one), again three seconds on.
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), dead);
        drop(quiet);
    }
}
