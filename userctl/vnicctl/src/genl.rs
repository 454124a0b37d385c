//! A small synchronous client of the `vnic` generic netlink family.

use crate::error::{kernel_error, CliError};
use crate::extack;
use rtnetlink::sys::Socket;
use vnic_uapi::genl::{
    family_id, get_family_request, message, split, GENL_NAME, GENL_VERSION, NETLINK_GENERIC, NLMSG_DONE,
    NLMSG_ERROR, NLM_F_ACK, NLM_F_REQUEST,
};

/// A socket talking to family `vnic`.
pub struct Genl {
    sock: Socket,
    family: u16,
    seq: u32,
}

/// Never wait forever for the kernel: a receive time-out of `secs` seconds.
fn set_timeout(sock: &Socket, secs: i64) -> Result<(), CliError> {
    use std::os::fd::AsRawFd;
    let tv = libc::timeval { tv_sec: secs, tv_usec: 0 };
    // SAFETY: a valid socket fd and a timeval of the size passed.
    let r = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(CliError::Netlink(std::io::Error::last_os_error()));
    }
    Ok(())
}

const NOT_LOADED: &str = "the vnic kernel module is not loaded (load it with: insmod vnic.ko)";

impl Genl {
    /// Opens a socket and looks up the family's id.
    pub fn open() -> Result<Self, CliError> {
        let mut sock = Socket::new(NETLINK_GENERIC).map_err(CliError::Netlink)?;
        sock.bind_auto().map_err(CliError::Netlink)?;
        let _ = sock.set_ext_ack(true);
        set_timeout(&sock, 10)?;
        let mut g = Genl { sock, family: 0, seq: 1 };
        let replies = g
            .exchange("looking up the vnic netlink family", get_family_request(GENL_NAME, 1))
            .map_err(|e| match e {
                CliError::Kernel(m) if m.contains("no such file") => CliError::Input(NOT_LOADED.into()),
                other => other,
            })?;
        let id = replies.iter().find_map(|attrs| family_id(attrs).ok().flatten());
        g.family = id.ok_or_else(|| CliError::Input(NOT_LOADED.into()))?;
        Ok(g)
    }

    /// Sends `cmd` with `attrs` (`flags` beyond REQUEST|ACK, e.g. DUMP) and
    /// returns the attributes of every data message in the answer.
    pub fn request(&mut self, what: &str, cmd: u8, flags: u16, attrs: &[u8]) -> Result<Vec<Vec<u8>>, CliError> {
        self.seq += 1;
        let m = message(self.family, NLM_F_REQUEST | NLM_F_ACK | flags, self.seq, cmd, GENL_VERSION, attrs);
        self.exchange(what, m)
    }

    fn exchange(&mut self, what: &str, msg: Vec<u8>) -> Result<Vec<Vec<u8>>, CliError> {
        let seq = u32::from_ne_bytes([msg[8], msg[9], msg[10], msg[11]]);
        self.sock.send(&msg, 0).map_err(CliError::Netlink)?;
        let mut out = Vec::new();
        loop {
            let (buf, _) = self.sock.recv_from_full().map_err(|e| match e.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                    CliError::Kernel(format!("{what} failed: the kernel did not answer within 10 s"))
                }
                _ => CliError::Netlink(e),
            })?;
            let msgs = split(&buf).map_err(|e| CliError::Kernel(format!("{what} failed: {e}")))?;
            for m in msgs.into_iter().filter(|m| m.seq == seq) {
                match m.kind {
                    NLMSG_ERROR => {
                        let code = m.payload.get(0..4).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
                        match code {
                            Some(0) => return Ok(out),
                            Some(c) => {
                                let ack = extack::message(&m.payload[4..]);
                                return Err(kernel_error(what, c.abs(), ack.as_deref()));
                            }
                            None => return Err(CliError::Kernel(format!("{what} failed: a short error message"))),
                        }
                    }
                    NLMSG_DONE => return Ok(out),
                    _ => out.push(m.payload.get(4..).unwrap_or_default().to_vec()),
                }
            }
        }
    }
}
