//! The provider's UDP socket options.

use std::net::UdpSocket;
use std::os::fd::AsRawFd;

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
