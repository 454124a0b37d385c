// SPDX-License-Identifier: GPL-2.0

//! [`SkbMut`]: a borrowed socket buffer (what a netfilter hook gets), and
//! [`TcpEdit`]: in-place rewrites of IPv4/IPv6 and TCP header fields that keep the
//! checksums right in every `ip_summed` state (none, unnecessary, complete,
//! partial) and never change the packet's size.

use super::bindings;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// `skb->data`, read in Rust (a plain field: no out-of-line accessor on the
/// fast path).
///
/// # Safety
///
/// `skb` is a valid buffer.
pub(super) unsafe fn skb_data(skb: NonNull<bindings::sk_buff>) -> *mut u8 {
    // SAFETY: valid (caller); `data` is a plain pointer field.
    unsafe { (*skb.as_ptr()).data }
}

/// `skb_headlen(skb)`: the bytes at `data` in the linear area.
///
/// # Safety
///
/// `skb` is a valid buffer.
pub(super) unsafe fn skb_headlen(skb: NonNull<bindings::sk_buff>) -> u32 {
    // SAFETY: valid (caller); plain fields. `data_len <= len` is the
    // buffer's own invariant; saturating makes a broken one read as empty,
    // never as 4 GiB.
    unsafe { (*skb.as_ptr()).len.saturating_sub((*skb.as_ptr()).data_len) }
}

/// A socket buffer borrowed for `'a`: it can be read and its headers edited,
/// but not freed or kept.
pub(crate) struct SkbMut<'a>(NonNull<bindings::sk_buff>, PhantomData<&'a mut bindings::sk_buff>);

impl<'a> SkbMut<'a> {
    /// # Safety
    ///
    /// `ptr` is a valid sk_buff that the caller may modify (headers made
    /// writable through [`SkbMut::tcp_edit`]) and keeps alive for `'a`.
    pub(super) unsafe fn from_raw(ptr: NonNull<bindings::sk_buff>) -> Self {
        Self(ptr, PhantomData)
    }

    /// EtherType of the packet (host order).
    pub(crate) fn protocol(&self) -> u16 {
        // SAFETY: a valid sk_buff for `'a` (type invariant).
        unsafe { bindings::vnic_skb_protocol(self.0.as_ptr()) }
    }

    /// Bytes from `skb->data` (the network header) to the end.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: as in `protocol`.
        unsafe { (*self.0.as_ptr()).len }
    }

    /// The linear bytes from `skb->data`, at least `n` of them (pulled into
    /// the linear area first); `None` if the packet is shorter or memory is
    /// short.
    pub(crate) fn linear(&mut self, n: usize) -> Option<&[u8]> {
        let len = u32::try_from(n).ok()?;
        // SAFETY: we may modify the buffer (type invariant); pulling only
        // moves bytes into the linear area.
        if !unsafe { bindings::vnic_pskb_may_pull(self.0.as_ptr(), len) } {
            return None;
        }
        // SAFETY: `skb_headlen` bytes at `data` are linear and stay so while
        // `self` is borrowed (nothing else touches the buffer meanwhile).
        unsafe {
            let have = skb_headlen(self.0) as usize;
            Some(core::slice::from_raw_parts(skb_data(self.0), have))
        }
    }

    /// Makes the network header and the 20-byte TCP header at `tcp_offset`
    /// linear and private to this buffer (unsharing cloned headers), for
    /// editing; `None` if the packet is too short or memory is short.
    pub(crate) fn tcp_edit(&mut self, tcp_offset: usize) -> Option<TcpEdit<'_>> {
        let end = tcp_offset.checked_add(20)?;
        let len = u32::try_from(end).ok()?;
        // SAFETY: we may modify the buffer (type invariant).
        if unsafe { bindings::skb_ensure_writable(self.0.as_ptr(), len) } != 0 {
            return None;
        }
        Some(TcpEdit { skb: self.0, tcp_offset, end, _borrow: PhantomData })
    }
}

/// Writable IPv4 and TCP headers of one buffer (from [`SkbMut::tcp_edit`]).
///
/// Invariant: `end` (the TCP header's end) bytes from `data` are linear and
/// writable. Every access is checked against it: a field a caller names
/// beyond it (say an IPv6 address with a `tcp_offset` below 40) is left
/// alone rather than written out of bounds.
pub(crate) struct TcpEdit<'a> {
    skb: NonNull<bindings::sk_buff>,
    tcp_offset: usize,
    end: usize,
    _borrow: PhantomData<&'a mut bindings::sk_buff>,
}

/// Offset of the source address in an IPv4 header.
const IPV4_SRC: usize = 12;
/// Offset of the destination address in an IPv4 header.
const IPV4_DST: usize = 16;
/// Offset of the header checksum in an IPv4 header.
const IPV4_CHECK: usize = 10;
/// Offset of the source address in an IPv6 header.
const IPV6_SRC: usize = 8;
/// Offset of the destination address in an IPv6 header.
const IPV6_DST: usize = 24;
/// Offset of the checksum in a TCP header.
const TCP_CHECK: usize = 16;
/// Offset of the urgent pointer in a TCP header.
const TCP_URG_PTR: usize = 18;

impl TcpEdit<'_> {
    /// Pointer to byte `at` of the writable headers, if `n` bytes from there
    /// lie inside them.
    fn at(&self, at: usize, n: usize) -> Option<*mut u8> {
        if at.checked_add(n)? > self.end {
            return None;
        }
        // SAFETY: `at + n <= end` and `end` bytes from `data` are linear and
        // writable (type invariant), so the result stays inside the buffer.
        Some(unsafe { skb_data(self.skb).add(at) })
    }

    fn read<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        let p = self.at(at, N)?;
        let mut v = [0u8; N];
        // SAFETY: `N` bytes at `p` are inside the writable headers (`at`);
        // the source may be unaligned, a byte copy does not care.
        unsafe { core::ptr::copy_nonoverlapping(p, v.as_mut_ptr(), N) };
        Some(v)
    }

    fn write<const N: usize>(&mut self, at: usize, v: [u8; N]) {
        if let Some(p) = self.at(at, N) {
            // SAFETY: as in `read`; we hold the buffer's headers exclusively.
            unsafe { core::ptr::copy_nonoverlapping(v.as_ptr(), p, N) };
        }
    }

    /// The TCP checksum field.
    fn tcp_check(&self) -> Option<*mut u16> {
        self.at(self.tcp_offset + TCP_CHECK, 2).map(|p| p.cast::<u16>())
    }

    /// Replaces an IPv4 address at `field` (source or destination) and fixes
    /// the IPv4 header checksum and the TCP checksum's pseudo-header part.
    fn set_ipv4_addr(&mut self, field: usize, to: [u8; 4]) {
        let (Some(from), Some(ip_check), Some(tcp_check)) =
            (self.read::<4>(field), self.at(IPV4_CHECK, 2), self.tcp_check())
        else {
            return;
        };
        self.write(field, to);
        let (from, to) = (u32::from_ne_bytes(from), u32::from_ne_bytes(to));
        // SAFETY: both checksum fields lie inside the writable headers
        // (checked by `at`); `from`/`to` are the address in network byte
        // order, as the helpers expect. `inet_proto_csum_replace4` also keeps
        // `skb->csum` right for CHECKSUM_COMPLETE and the seed for PARTIAL.
        unsafe {
            bindings::vnic_csum_replace4(ip_check.cast(), from, to);
            bindings::inet_proto_csum_replace4(tcp_check, self.skb.as_ptr(), from, to, true);
        }
    }

    /// Sets the IPv4 source address.
    pub(crate) fn set_ipv4_src(&mut self, to: [u8; 4]) {
        self.set_ipv4_addr(IPV4_SRC, to)
    }

    /// Sets the IPv4 destination address.
    pub(crate) fn set_ipv4_dst(&mut self, to: [u8; 4]) {
        self.set_ipv4_addr(IPV4_DST, to)
    }

    /// Replaces an IPv6 address at `field` and fixes the TCP checksum's
    /// pseudo-header part (IPv6 has no header checksum).
    fn set_ipv6_addr(&mut self, field: usize, to: [u8; 16]) {
        let (Some(from), Some(tcp_check)) = (self.read::<16>(field), self.tcp_check()) else { return };
        self.write(field, to);
        let words = |b: [u8; 16]| core::array::from_fn::<u32, 4, _>(|i| u32::from_ne_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]));
        let (from, to) = (words(from), words(to));
        // SAFETY: the checksum lies inside the writable headers (`at`);
        // `from`/`to` are four aligned network-order words each, live across
        // the call.
        unsafe { bindings::inet_proto_csum_replace16(tcp_check, self.skb.as_ptr(), from.as_ptr(), to.as_ptr(), true) };
    }

    /// Sets the IPv6 source address.
    pub(crate) fn set_ipv6_src(&mut self, to: [u8; 16]) {
        self.set_ipv6_addr(IPV6_SRC, to)
    }

    /// Sets the IPv6 destination address.
    pub(crate) fn set_ipv6_dst(&mut self, to: [u8; 16]) {
        self.set_ipv6_addr(IPV6_DST, to)
    }

    /// Sets the TCP urgent pointer (host order), fixing the TCP checksum.
    pub(crate) fn set_urg_ptr(&mut self, to: u16) {
        let at = self.tcp_offset + TCP_URG_PTR;
        let (Some(from), Some(tcp_check)) = (self.read::<2>(at), self.tcp_check()) else { return };
        let to = to.to_be_bytes();
        if from == to {
            return;
        }
        self.write(at, to);
        // SAFETY: the checksum lies inside the writable headers; the values
        // are in network byte order, as the helper expects.
        unsafe {
            bindings::vnic_l4_csum_replace2(
                tcp_check,
                self.skb.as_ptr(),
                u16::from_ne_bytes(from),
                u16::from_ne_bytes(to),
            )
        }
    }
}

/// A checksum field that absorbs a change made with [`FieldEdit::put`].
#[derive(Clone, Copy)]
pub(crate) enum Sum {
    /// A checksum at this offset that is none of the packet's own (an IPv4
    /// header's, or one inside a packet an ICMP error quotes).
    Plain(usize),
    /// A transport or ICMP checksum at this offset whose message holds the
    /// changed bytes.
    Inner(usize),
    /// A transport or ICMPv6 checksum at this offset whose pseudo-header
    /// holds the changed bytes (an address of the IP header).
    Pseudo(usize),
}

/// Writable headers of one buffer, edited field by field (from
/// [`SkbMut::fields`]): for rare packets that quote others, such as ICMP
/// errors, where a change must reach several checksums.
///
/// Invariant: `end` bytes from `data` are linear and writable; every access
/// is checked against it.
pub(crate) struct FieldEdit<'a> {
    skb: NonNull<bindings::sk_buff>,
    end: usize,
    _borrow: PhantomData<&'a mut bindings::sk_buff>,
}

impl<'a> SkbMut<'a> {
    /// Makes the first `end` bytes from `skb->data` linear and private to
    /// this buffer, for [`FieldEdit`]; `None` if the packet is shorter or
    /// memory is short.
    pub(crate) fn fields(&mut self, end: usize) -> Option<FieldEdit<'_>> {
        let len = u32::try_from(end).ok()?;
        // SAFETY: we may modify the buffer (type invariant).
        if unsafe { bindings::skb_ensure_writable(self.0.as_ptr(), len) } != 0 {
            return None;
        }
        Some(FieldEdit { skb: self.0, end, _borrow: PhantomData })
    }
}

impl FieldEdit<'_> {
    fn at(&self, at: usize, n: usize) -> Option<*mut u8> {
        if at.checked_add(n)? > self.end {
            return None;
        }
        // SAFETY: `at + n <= end`, inside the writable headers (invariant).
        Some(unsafe { skb_data(self.skb).add(at) })
    }

    /// The `N` bytes at `at`, if inside the writable headers.
    pub(crate) fn read<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        let p = self.at(at, N)?;
        let mut v = [0u8; N];
        // SAFETY: `N` bytes at `p` are inside the writable headers.
        unsafe { core::ptr::copy_nonoverlapping(p, v.as_mut_ptr(), N) };
        Some(v)
    }

    /// Writes `to` (an even number of bytes) at `at` and folds the change
    /// into every checksum of `sums`. Returns false, and changes nothing, if
    /// a field lies outside the writable headers.
    pub(crate) fn put<const N: usize>(&mut self, at: usize, to: [u8; N], sums: &[Sum]) -> bool {
        let (Some(from), Some(dst)) = (self.read::<N>(at), self.at(at, N)) else { return false };
        if !self.fold(from, to, sums) {
            return false;
        }
        // SAFETY: `N` bytes at `dst` are inside the writable headers.
        unsafe { core::ptr::copy_nonoverlapping(to.as_ptr(), dst, N) };
        true
    }

    /// Folds a change of some bytes from `from` to `to` (made elsewhere, an
    /// even number of bytes at an even offset of each checksummed region)
    /// into every checksum of `sums`, 16 bits at a time. Returns false, and
    /// changes nothing, if a checksum lies outside the writable headers.
    pub(crate) fn fold<const N: usize>(&mut self, from: [u8; N], to: [u8; N], sums: &[Sum]) -> bool {
        const MAX_SUMS: usize = 4;
        let mut checks = [core::ptr::null_mut::<u16>(); MAX_SUMS];
        if N % 2 != 0 || sums.len() > MAX_SUMS {
            return false;
        }
        for (slot, s) in checks.iter_mut().zip(sums) {
            let (Sum::Plain(off) | Sum::Inner(off) | Sum::Pseudo(off)) = *s;
            let Some(p) = self.at(off, 2) else { return false };
            *slot = p.cast();
        }
        for i in (0..N).step_by(2) {
            let (old, new) = (u16::from_ne_bytes([from[i], from[i + 1]]), u16::from_ne_bytes([to[i], to[i + 1]]));
            if old == new {
                continue;
            }
            for (s, &check) in sums.iter().zip(checks.iter()) {
                // SAFETY: `check` points at a 2-byte checksum field inside
                // the writable headers (checked above); the values are in
                // network byte order, as the helpers expect.
                unsafe {
                    match s {
                        Sum::Plain(_) => bindings::vnic_csum_replace2(check, old, new),
                        Sum::Inner(_) => bindings::vnic_l4_csum_replace2(check, self.skb.as_ptr(), old, new),
                        Sum::Pseudo(_) => bindings::vnic_l4_pseudo_csum_replace2(check, self.skb.as_ptr(), old, new),
                    }
                }
            }
        }
        true
    }
}
