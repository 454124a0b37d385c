//! The daemons' status socket: a Unix stream socket in the data folder,
//! mode 0600 (root only). On each connection the daemon writes one JSON
//! document, its live state, and closes it; `vnicctl provider status` and
//! `vnicctl supervisor status` read it. The socket also keeps a second
//! daemon off the same data folder.

use crate::error::CliError;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a status reader may take to read the report before the daemon
/// gives up on it (the daemon does nothing else meanwhile).
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest report `fetch` reads (65,535 sessions are about 10 MB).
const MAX_REPORT: u64 = 64 << 20;

/// A bound status socket; the file goes when it is dropped.
#[derive(Debug)]
pub struct Listener {
    inner: UnixListener,
    path: PathBuf,
}

impl Listener {
    /// Binds `path`, mode 0600. A socket file left by a daemon that died is
    /// replaced; one a running daemon answers on is an error naming `what`
    /// (as "another provider").
    pub fn bind(path: &Path, what: &str) -> Result<Listener, CliError> {
        let err = |e: std::io::Error| CliError::Input(format!("cannot make the status socket {}: {e}", path.display()));
        if path.exists() {
            if UnixStream::connect(path).is_ok() {
                return Err(CliError::Input(format!(
                    "{what} is running already: it answers on {}",
                    path.display()
                )));
            }
            std::fs::remove_file(path).map_err(err)?;
        }
        // SAFETY: umask(2) only swaps the process's file mode mask; no
        // thread of this process creates files meanwhile (the daemons bind
        // before they start any).
        let old = unsafe { libc::umask(0o177) };
        let bound = UnixListener::bind(path);
        // SAFETY: as above, restoring the mask.
        unsafe { libc::umask(old) };
        let inner = bound.map_err(err)?;
        inner.set_nonblocking(true).map_err(err)?;
        Ok(Listener { inner, path: path.to_path_buf() })
    }

    /// The descriptor, for poll(2).
    pub fn fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }

    /// A waiting connection, if there is one (never blocks).
    pub fn accept(&self) -> Option<UnixStream> {
        match self.inner.accept() {
            Ok((s, _)) => Some(s),
            Err(_) => None,
        }
    }

    /// A blocking listener for a thread of its own (the supervisor's).
    pub fn try_clone_blocking(&self) -> std::io::Result<UnixListener> {
        let l = self.inner.try_clone()?;
        l.set_nonblocking(false)?;
        Ok(l)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes `report` to a status reader and closes the connection; a reader
/// that is gone or too slow only loses its report.
pub fn answer(mut stream: UnixStream, report: &serde_json::Value) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    if let Ok(text) = serde_json::to_vec(report) {
        let _ = stream.write_all(&text);
    }
}

/// Reads the report of the daemon whose status socket is `path`; `what`
/// names it in errors ("the provider").
pub fn fetch(path: &Path, what: &str) -> Result<serde_json::Value, CliError> {
    let mut stream = UnixStream::connect(path).map_err(|e| {
        CliError::Input(match e.kind() {
            ErrorKind::NotFound | ErrorKind::ConnectionRefused => {
                format!("{what} is not running (nothing answers on {})", path.display())
            }
            ErrorKind::PermissionDenied => format!("cannot read {}: the status is for root only", path.display()),
            _ => format!("cannot reach {what} on {}: {e}", path.display()),
        })
    })?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut text = Vec::new();
    (&mut stream)
        .take(MAX_REPORT)
        .read_to_end(&mut text)
        .map_err(|e| CliError::Input(format!("reading the status of {what}: {e}")))?;
    serde_json::from_slice(&text).map_err(|e| CliError::Input(format!("{what} sent a status that is not JSON: {e}")))
}

/// `vnicctl provider status` and `supervisor status`: prints the report of
/// the daemon on `path` as JSON in `out`'s format, or as the text of its
/// report type `R` (`what`: "provider" or "supervisor").
pub fn show<R: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
    out: crate::output::Format,
    text: impl Fn(&R) -> String,
) -> Result<(), CliError> {
    let value = fetch(path, &format!("the {what}"))?;
    if out.is_json() {
        return out.print_json(&value);
    }
    let report: R = serde_json::from_value(value)
        .map_err(|e| CliError::Input(format!("the {what}'s status is not one this vnicctl knows: {e}")))?;
    print!("{}", text(&report));
    Ok(())
}

/// Waits up to `timeout` until one of `fds` can be read; returns, per
/// descriptor, whether it can. An interrupted wait (a signal) reports none.
pub fn wait_readable<const N: usize>(fds: [RawFd; N], timeout: Duration) -> [bool; N] {
    let mut polls = fds.map(|fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `polls` is an array of N initialised pollfd structures that
    // lives across the call, and N is its length, as poll(2) requires.
    let n = unsafe { libc::poll(polls.as_mut_ptr(), N as libc::nfds_t, ms) };
    if n <= 0 {
        return [false; N];
    }
    polls.map(|p| p.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_goes_through_and_the_socket_is_root_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("vnic-control-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("test.sock");
        let l = Listener::bind(&path, "another test daemon").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let e = Listener::bind(&path, "another test daemon").unwrap_err().to_string();
        assert!(e.contains("another test daemon is running already"), "{e}");
        // The probe of the second bind was a connection; it is answered
        // like any reader (and has gone).
        answer(l.accept().expect("the probe's connection"), &serde_json::json!({}));
        assert!(l.accept().is_none(), "nothing waits now");
        let reader = std::thread::spawn({
            let path = path.clone();
            move || fetch(&path, "the test daemon")
        });
        assert_eq!(wait_readable([l.fd()], Duration::from_secs(5)), [true]);
        answer(l.accept().unwrap(), &serde_json::json!({"sessions": [1, 2]}));
        assert_eq!(reader.join().unwrap().unwrap(), serde_json::json!({"sessions": [1, 2]}));
        drop(l);
        assert!(!path.exists(), "the socket file goes with the listener");
        let e = fetch(&path, "the test daemon").unwrap_err().to_string();
        assert!(e.contains("the test daemon is not running"), "{e}");
        // A file left by a daemon that died is replaced.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let again = Listener::bind(&path, "another test daemon").unwrap();
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
