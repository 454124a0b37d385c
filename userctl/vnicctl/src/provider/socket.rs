//! The provider's UDP socket: its options, and sending without blocking.

use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::Duration;

/// Asks for a receive buffer of `bytes`: with CAP_NET_ADMIN beyond
/// `net.core.rmem_max` (SO_RCVBUFFORCE), else up to it (SO_RCVBUF). A
/// refusal leaves the default; nothing else depends on it.
pub fn grow_receive_buffer(sock: &UdpSocket, bytes: usize) {
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    for option in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
        // SAFETY: a valid socket descriptor, and a pointer to a c_int with
        // its size, as setsockopt(2) requires.
        let r = unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                std::ptr::addr_of!(value).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r == 0 {
            return;
        }
    }
}

/// Sends one datagram on the (non-blocking) socket; when its send buffer
/// is full, waits for room up to 100 ms and tries once more, as the
/// blocking socket of before would have waited.
pub fn send_to(sock: &UdpSocket, data: &[u8], to: SocketAddr) -> std::io::Result<usize> {
    match sock.send_to(data, to) {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
            wait_writable(sock, Duration::from_millis(100));
            sock.send_to(data, to)
        }
        other => other,
    }
}

fn wait_writable(sock: &UdpSocket, timeout: Duration) {
    let mut p = libc::pollfd { fd: sock.as_raw_fd(), events: libc::POLLOUT, revents: 0 };
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one initialised pollfd that lives across the call, count 1,
    // as poll(2) requires.
    unsafe { libc::poll(&mut p, 1, ms) };
}
