//! The relay's receive verdict (rust/ingress.rs): the parser on hand-built
//! headers and random bytes, and the verdict over every combination of its
//! inputs.

use crate::ingress::{parse_frame, rx_verdict, Dest, DropReason, Frame, Grant, Parse, Quote, RxVerdict, L4, MAX_PULLS};
use crate::tests::{v4, v6};
use crate::wire::{Addr, Tagged, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6};
use std::cell::Cell;

/// Parses `p` as a fully linear frame, following `Need` the way the kernel
/// does (pulling more), and checks that every request makes progress and
/// stays within the frame.
fn parse(proto: u16, p: &[u8], total: usize) -> Frame {
    let mut have = p.len().min(total);
    for _ in 0..MAX_PULLS {
        match parse_frame(proto, &p[..have], total) {
            Parse::Done(f) => return f,
            Parse::Need(n) => {
                assert!(n > have, "no progress: need {n} with {have} linear");
                assert!(n <= total, "asks {n} of a {total}-byte frame");
                have = n.min(p.len());
                assert_eq!(have, n, "asks for bytes the test frame does not have");
            }
        }
    }
    panic!("more than {MAX_PULLS} pulls");
}

fn all(proto: u16, p: &[u8]) -> Frame {
    parse(proto, p, p.len())
}

fn l4(f: Frame) -> L4 {
    match f {
        Frame::Ip { l4, .. } => l4,
        other => panic!("not IP: {other:?}"),
    }
}

/// Sets the IPv4 total length to the buffer's.
fn fix_len(p: &mut [u8]) {
    let n = p.len() as u16;
    p[2..4].copy_from_slice(&n.to_be_bytes());
}

/// `v6` with extension headers `ext` (each a full header, next-header byte
/// first) between the fixed header and TCP.
fn v6_ext(urg: u16, ext: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let base = v6(6, urg);
    let mut p = base[..40].to_vec();
    p[6] = ext.first().map_or(6, |e| e.0);
    for (i, (_, body)) in ext.iter().enumerate() {
        let mut h = body.clone();
        h[0] = ext.get(i + 1).map_or(6, |e| e.0);
        p.extend_from_slice(&h);
    }
    p.extend_from_slice(&base[40..]);
    let payload = (p.len() - 40) as u16;
    p[4..6].copy_from_slice(&payload.to_be_bytes());
    p
}

#[test]
fn tcp_with_an_id_is_tagged_in_both_families() {
    assert_eq!(l4(all(ETH_P_IP, &v4(0x02, 0x1234, 5, 0))), L4::Tagged { id: 0x1234, tcp_offset: 20 });
    assert_eq!(l4(all(ETH_P_IPV6, &v6(6, 9))), L4::Tagged { id: 9, tcp_offset: 40 });
    // IPv4 options (NOPs) and TCP options move the offsets.
    let mut q = v4(0x10, 7, 8, 100);
    q[0] = 0x46;
    q.splice(20..20, [1u8, 1, 1, 1]);
    fix_len(&mut q);
    assert_eq!(l4(all(ETH_P_IP, &q)), L4::Tagged { id: 7, tcp_offset: 24 });
    let Frame::Ip { src, dst, .. } = all(ETH_P_IP, &q) else { panic!() };
    assert_eq!((src, dst), (Addr::V4([10, 0, 1, 2]), Addr::V4([10, 0, 2, 1])));
}

#[test]
fn tcp_without_an_id_with_urg_or_with_a_bad_offset() {
    assert_eq!(l4(all(ETH_P_IP, &v4(0x10, 0, 5, 0))), L4::Plain);
    assert_eq!(l4(all(ETH_P_IP, &v4(0x30, 5, 5, 10))), L4::Urgent { urg_ptr: 5 });
    assert_eq!(l4(all(ETH_P_IP, &v4(0, 5, 3, 8))), L4::BadTcp);
    let mut p = v4(0, 5, 5, 0);
    p[20 + 12] = 15 << 4;
    assert_eq!(l4(all(ETH_P_IP, &p)), L4::BadTcp);
}

#[test]
fn other_protocols_are_plain_ip_with_their_addresses() {
    let mut udp = v4(0, 5, 5, 0);
    udp[9] = 17;
    assert_eq!(l4(all(ETH_P_IP, &udp)), L4::Plain);
    assert_eq!(l4(all(ETH_P_IPV6, &v6(17, 5))), L4::Plain);
    assert_eq!(all(0x8847, &[0u8; 40]), Frame::NotIp);
    let Frame::Ip { dst, .. } = all(ETH_P_IPV6, &v6(58, 0)) else { panic!() };
    assert_eq!(dst, Addr::V6([0; 16]));
}

#[test]
fn every_ipv4_fragment_is_a_fragment() {
    for frag in [0x2000u16 /* first: MF, offset 0 */, 0x0010, 0x2010, 0x4000 | 0x0001] {
        let mut p = v4(0, 5, 5, 0);
        p[6..8].copy_from_slice(&frag.to_be_bytes());
        assert_eq!(l4(all(ETH_P_IP, &p)), L4::Fragment, "frag field {frag:#x}");
    }
    // DF alone is not a fragment.
    let mut p = v4(0, 5, 5, 0);
    p[6] = 0x40;
    assert_eq!(l4(all(ETH_P_IP, &p)), L4::Tagged { id: 5, tcp_offset: 20 });
}

#[test]
fn ipv4_source_routes_are_found_among_the_options() {
    for kind in [131u8, 137] {
        let mut p = v4(0, 0, 5, 0);
        p[0] = 0x47;
        p.splice(20..20, [1u8, kind, 7, 4, 10, 0, 0, 9]);
        fix_len(&mut p);
        assert_eq!(l4(all(ETH_P_IP, &p)), L4::SourceRouted, "option {kind}");
    }
    // Record route (7) and a timestamp (68) are not source routes.
    let mut p = v4(0, 0, 5, 0);
    p[0] = 0x48;
    p.splice(20..20, [7u8, 7, 4, 0, 0, 0, 0, 68, 4, 5, 0, 0]);
    fix_len(&mut p);
    assert_eq!(l4(all(ETH_P_IP, &p)), L4::Plain);
    // A zero option length cannot be walked: treated as a source route.
    let mut p = v4(0, 0, 5, 0);
    p[0] = 0x46;
    p.splice(20..20, [68u8, 0, 0, 0]);
    fix_len(&mut p);
    assert_eq!(l4(all(ETH_P_IP, &p)), L4::SourceRouted);
}

#[test]
fn ipv6_extension_headers_are_walked() {
    let hbh = vec![0u8, 0, 1, 4, 0, 0, 0, 0];
    let dst_opts = vec![0u8, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let p = v6_ext(9, &[(0, hbh.clone()), (60, dst_opts.clone())]);
    assert_eq!(l4(all(ETH_P_IPV6, &p)), L4::Tagged { id: 9, tcp_offset: 64 });
    // A Routing header with no segments left is walked past; with segments
    // left it is a source route.
    let mut rh = vec![0u8, 2, 4, 0];
    rh.extend_from_slice(&[0; 20]);
    assert_eq!(l4(all(ETH_P_IPV6, &v6_ext(9, &[(43, rh.clone())]))), L4::Tagged { id: 9, tcp_offset: 64 });
    rh[3] = 1;
    assert_eq!(l4(all(ETH_P_IPV6, &v6_ext(9, &[(43, rh)]))), L4::SourceRouted);
    // Any Fragment header, first fragment or not, atomic or not.
    let frag = vec![0u8, 0, 0, 0, 0, 0, 0, 1];
    assert_eq!(l4(all(ETH_P_IPV6, &v6_ext(9, &[(0, hbh.clone()), (44, frag)]))), L4::Fragment);
    // AH counts its length in 4-byte words.
    let ah = vec![0u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(l4(all(ETH_P_IPV6, &v6_ext(9, &[(51, ah)]))), L4::Tagged { id: 9, tcp_offset: 52 });
    // Nine headers are one too many.
    let deep: Vec<_> = (0..9).map(|_| (60u8, vec![0u8; 8])).collect();
    assert_eq!(l4(all(ETH_P_IPV6, &v6_ext(9, &deep))), L4::TooDeep);
    let eight: Vec<_> = (0..8).map(|_| (60u8, vec![0u8; 8])).collect();
    assert_eq!(l4(all(ETH_P_IPV6, &v6_ext(9, &eight))), L4::Tagged { id: 9, tcp_offset: 104 });
    // A header running past the packet.
    let mut p = v6_ext(9, &[(60, vec![0u8, 200, 0, 0, 0, 0, 0, 0])]);
    p.truncate(48);
    p[4..6].copy_from_slice(&8u16.to_be_bytes());
    assert_eq!(l4(all(ETH_P_IPV6, &p)), L4::Truncated);
}

#[test]
fn neighbor_solicitations_name_their_target() {
    let mut p = v6(58, 0);
    p.truncate(40);
    let mut ns = vec![135u8, 0, 0, 0, 0, 0, 0, 0];
    ns.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11]);
    p.extend_from_slice(&ns);
    p[4..6].copy_from_slice(&24u16.to_be_bytes());
    let f = all(ETH_P_IPV6, &p);
    let Frame::Ip { l4: L4::NeighborSolicit { target }, .. } = f else { panic!("{f:?}") };
    assert_eq!(target[15], 0x11);
    assert_eq!(f.guarded()[1], Some(Addr::V6(target)));
    // An advertisement (136) is plain ICMPv6; so is a short solicitation.
    p[40] = 136;
    assert_eq!(l4(all(ETH_P_IPV6, &p)), L4::Plain);
    p[40] = 135;
    p.truncate(50);
    p[4..6].copy_from_slice(&10u16.to_be_bytes());
    assert_eq!(l4(all(ETH_P_IPV6, &p)), L4::Plain);
}

#[test]
fn arp_requests_name_their_target_and_nothing_else_does() {
    let mut arp = vec![0u8, 1, 8, 0, 6, 4, 0, 1];
    arp.extend_from_slice(&[0; 16]);
    arp.extend_from_slice(&[192, 168, 1, 1]);
    assert_eq!(all(ETH_P_ARP, &arp), Frame::Arp { request_for: Some([192, 168, 1, 1]) });
    assert_eq!(all(ETH_P_ARP, &arp).guarded(), [Some(Addr::V4([192, 168, 1, 1])), None]);
    arp[7] = 2;
    assert_eq!(all(ETH_P_ARP, &arp), Frame::Arp { request_for: None }, "a reply is not a request");
    assert_eq!(all(ETH_P_ARP, &arp[..27]), Frame::Arp { request_for: None });
}

#[test]
fn broken_headers_and_lying_lengths() {
    // Too short for the fixed header, wrong version, IHL below 5.
    assert_eq!(all(ETH_P_IP, &[0x45; 19]), Frame::Broken);
    assert_eq!(all(ETH_P_IPV6, &[0x60; 39]), Frame::Broken);
    let mut p = v4(0, 5, 5, 0);
    p[0] = 0x65;
    assert_eq!(all(ETH_P_IP, &p), Frame::Broken);
    p[0] = 0x44;
    assert_eq!(all(ETH_P_IP, &p), Frame::Broken);
    let mut q = v6(6, 5);
    q[0] = 0x40;
    assert_eq!(all(ETH_P_IPV6, &q), Frame::Broken);
    // A length beyond the frame, or below the header.
    let mut p = v4(0, 5, 5, 0);
    p[2..4].copy_from_slice(&1000u16.to_be_bytes());
    assert_eq!(all(ETH_P_IP, &p), Frame::Broken);
    p[2..4].copy_from_slice(&10u16.to_be_bytes());
    assert_eq!(all(ETH_P_IP, &p), Frame::Broken);
    let mut q = v6(6, 5);
    q[4..6].copy_from_slice(&1000u16.to_be_bytes());
    assert_eq!(all(ETH_P_IPV6, &q), Frame::Broken);
    // The TCP header cut short: the addresses are still known.
    let mut p = v4(0, 5, 5, 0);
    p.truncate(30);
    fix_len(&mut p);
    let f = all(ETH_P_IP, &p);
    assert_eq!(l4(f), L4::Truncated);
    assert_eq!(f.guarded()[0], Some(Addr::V4([10, 0, 2, 1])));
}

#[test]
fn big_tcp_aggregates_span_the_buffer() {
    // IPv4 total length 0 and IPv6 payload length 0 (with a jumbo
    // hop-by-hop header): the length is the buffer's, as iph_totlen says.
    let mut p = v4(0x10, 9, 5, 1000);
    p[2..4].copy_from_slice(&0u16.to_be_bytes());
    assert_eq!(l4(all(ETH_P_IP, &p)), L4::Tagged { id: 9, tcp_offset: 20 });
    let jumbo = vec![0u8, 0, 0xc2, 4, 0, 1, 0, 0];
    let mut q = v6_ext(9, &[(0, jumbo)]);
    q[4..6].copy_from_slice(&0u16.to_be_bytes());
    assert_eq!(l4(all(ETH_P_IPV6, &q)), L4::Tagged { id: 9, tcp_offset: 48 });
}

#[test]
fn headers_split_across_pulls_parse_the_same() {
    let frames: Vec<(u16, Vec<u8>)> = vec![
        (ETH_P_IP, v4(0x10, 7, 8, 100)),
        (ETH_P_IPV6, v6_ext(9, &[(0, vec![0u8; 8]), (60, vec![0u8; 8]), (43, vec![0u8, 0, 0, 0, 0, 0, 0, 0])])),
        (ETH_P_IPV6, v6(6, 1)),
    ];
    for (proto, p) in frames {
        let whole = all(proto, &p);
        for linear in 0..p.len() {
            // Start with only `linear` bytes linear.
            let mut have = linear;
            let got = loop {
                match parse_frame(proto, &p[..have], p.len()) {
                    Parse::Done(f) => break f,
                    Parse::Need(n) => {
                        assert!(n > have && n <= p.len());
                        have = n;
                    }
                }
            };
            assert_eq!(got, whole, "{linear} linear bytes");
        }
    }
}

#[test]
fn the_parser_never_panics_and_always_progresses_on_random_bytes() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..100_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 140) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|i| (seed.rotate_left(i as u32 * 7) ^ i as u64) as u8).collect();
        // Mostly plausible versions, so that the walk gets deep.
        if let Some(b) = bytes.first_mut() {
            *b = match seed % 3 {
                0 => 0x45 + (*b & 0x0a),
                1 => 0x60 | (*b & 0x0f),
                _ => *b,
            };
        }
        for proto in [ETH_P_IP, ETH_P_IPV6, ETH_P_ARP] {
            let _ = parse(proto, &bytes, len);
        }
    }
}

// The verdict, over every combination of its inputs.

const CLIENT: Addr = Addr::V4([10, 0, 1, 2]);
const SP: Addr = Addr::V4([10, 0, 2, 1]);

/// An error quoting the SP's reply 10.0.2.1 -> 10.0.1.2 with ID 7.
fn reply_quote() -> Quote {
    Quote { icmp_offset: 20, ip_offset: 28, tcp_offset: 48, src: SP, dst: CLIENT, urg_ptr: 7, urg: false }
}

fn every_l4() -> Vec<L4> {
    vec![
        L4::IcmpError(reply_quote()),
        L4::IcmpError(Quote { urg: true, ..reply_quote() }),
        L4::IcmpError(Quote { urg_ptr: 0, ..reply_quote() }),
        L4::IcmpError(Quote { src: Addr::V4([10, 0, 2, 9]), ..reply_quote() }),
        L4::Tagged { id: 7, tcp_offset: 20 },
        L4::Urgent { urg_ptr: 7 },
        L4::BadTcp,
        L4::Fragment,
        L4::SourceRouted,
        L4::TooDeep,
        L4::NeighborSolicit { target: [0xfd; 16] },
        L4::Truncated,
        L4::Plain,
    ]
}

fn every_frame() -> Vec<Option<Frame>> {
    let mut v = vec![
        None,
        Some(Frame::NotIp),
        Some(Frame::Broken),
        Some(Frame::Arp { request_for: Some([192, 168, 1, 1]) }),
        Some(Frame::Arp { request_for: None }),
    ];
    v.extend(every_l4().into_iter().map(|l4| Some(Frame::Ip { src: CLIENT, dst: SP, l4 })));
    v
}

fn every_grant() -> [Grant<u32>; 3] {
    [Grant::Granted(42), Grant::NotGranted, Grant::Unknown]
}

/// Runs the verdict, recording how often the session table was asked.
fn run(frame: Option<&Frame>, dest: Dest, for_host: bool, grant: Grant<u32>) -> (RxVerdict<u32>, usize) {
    let asked = Cell::new(0);
    let v = rx_verdict(frame, dest, for_host, |client, id| {
        asked.set(asked.get() + 1);
        assert_eq!((client, id), (CLIENT, 7), "looked up the wrong key");
        grant
    });
    (v, asked.get())
}

#[test]
fn nothing_reaches_a_pseudo_address_and_only_a_grant_is_delivered() {
    let mut combos = 0;
    for frame in every_frame() {
        for dest in [Dest::Other, Dest::Pnic, Dest::Pseudo] {
            for for_host in [true, false] {
                for grant in every_grant() {
                    combos += 1;
                    let (v, asked) = run(frame.as_ref(), dest, for_host, grant);
                    let what = format!("{frame:?} to {dest:?}, for_host {for_host}, {grant:?}: {v:?}");
                    assert!(asked <= 1, "{what}: asked {asked} times");
                    if dest == Dest::Pseudo {
                        assert!(matches!(v, RxVerdict::Drop(_)), "{what}: a pseudo address must only be reached by delivery");
                    }
                    if frame.is_none() || frame == Some(Frame::Broken) {
                        assert_eq!(v, RxVerdict::Drop(DropReason::Malformed), "{what}");
                    }
                    let ok = dest == Dest::Pnic && for_host && grant == Grant::Granted(42);
                    let deliverable = ok && matches!(frame, Some(Frame::Ip { l4: L4::Tagged { .. }, .. }));
                    let translatable = ok && frame == Some(Frame::Ip { src: CLIENT, dst: SP, l4: L4::IcmpError(reply_quote()) });
                    match v {
                        RxVerdict::Deliver { session, tagged } => {
                            assert!(deliverable, "{what}");
                            assert_eq!(session, 42);
                            assert_eq!(tagged, Tagged { id: 7, client: CLIENT, server: SP, tcp_offset: 20 });
                        }
                        RxVerdict::DeliverError { session, quote } => {
                            assert!(translatable, "{what}");
                            assert_eq!((session, quote), (42, reply_quote()));
                        }
                        _ => {
                            assert!(!deliverable, "{what}: a granted segment must be delivered");
                            assert!(!translatable, "{what}: an error about a session's reply must be translated");
                        }
                    }
                    if dest != Dest::Pnic {
                        assert_eq!(asked, 0, "{what}: only segments to the pNIC are looked up");
                    }
                }
            }
        }
    }
    assert_eq!(combos, 18 * 3 * 2 * 3);
}

#[test]
fn each_verdict_to_the_pnic_has_its_reason() {
    let ip = |l4| Some(Frame::Ip { src: CLIENT, dst: SP, l4 });
    let tagged = L4::Tagged { id: 7, tcp_offset: 20 };
    let urgent = L4::Urgent { urg_ptr: 7 };
    use DropReason::*;
    let rows: Vec<(Option<Frame>, bool, Grant<u32>, RxVerdict<u32>)> = vec![
        (ip(tagged), true, Grant::NotGranted, RxVerdict::Drop(NotGranted)),
        (ip(tagged), true, Grant::Unknown, RxVerdict::Drop(UnknownId)),
        (ip(tagged), false, Grant::Granted(42), RxVerdict::Pass),
        (ip(urgent), true, Grant::Granted(42), RxVerdict::Drop(UrgSet)),
        (ip(urgent), true, Grant::NotGranted, RxVerdict::Pass),
        (ip(urgent), true, Grant::Unknown, RxVerdict::Pass),
        (ip(L4::BadTcp), true, Grant::Unknown, RxVerdict::Drop(Malformed)),
        (ip(L4::BadTcp), false, Grant::Unknown, RxVerdict::Pass),
        (ip(L4::SourceRouted), false, Grant::Unknown, RxVerdict::Drop(ToPseudo)),
        (ip(L4::TooDeep), true, Grant::Unknown, RxVerdict::Drop(Malformed)),
        (ip(L4::Fragment), true, Grant::Granted(42), RxVerdict::Pass),
        (ip(L4::Plain), true, Grant::Granted(42), RxVerdict::Pass),
        (ip(L4::Truncated), true, Grant::Granted(42), RxVerdict::Pass),
        (Some(Frame::Arp { request_for: Some([10, 0, 2, 1]) }), true, Grant::Unknown, RxVerdict::Pass),
        (Some(Frame::NotIp), true, Grant::Unknown, RxVerdict::Pass),
    ];
    for (frame, for_host, grant, want) in rows {
        assert_eq!(run(frame.as_ref(), Dest::Pnic, for_host, grant).0, want, "{frame:?} for_host {for_host} {grant:?}");
    }
    // Elsewhere (forwarded, another local address) everything readable passes.
    for l4 in every_l4() {
        assert_eq!(run(ip(l4).as_ref(), Dest::Other, true, Grant::Granted(42)), (RxVerdict::Pass, 0), "{l4:?}");
    }
    assert_eq!(Dest::Pnic.worst(Dest::Pseudo), Dest::Pseudo);
    assert_eq!(Dest::Other.worst(Dest::Pnic), Dest::Pnic);
    assert_eq!(Dest::Other.worst(Dest::Other), Dest::Other);
}

/// An ICMP (v4) error of `kind` from the router about the SP's reply
/// 10.0.2.1:80 -> 10.0.1.2 carrying ID `id`, quoting `tcp_bytes` of TCP.
fn icmp4(kind: u8, id: u16, tcp_bytes: usize) -> Vec<u8> {
    let mut reply = v4(0x10, id, 5, 100);
    reply[12..16].copy_from_slice(&[10, 0, 2, 1]);
    reply[16..20].copy_from_slice(&[10, 0, 1, 2]);
    reply.truncate(20 + tcp_bytes);
    let mut p = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 2, 254, 10, 0, 2, 1];
    p.extend_from_slice(&[kind, 4, 0, 0, 0, 0, 5, 0xdc]);
    p.extend_from_slice(&reply);
    fix_len(&mut p);
    p
}

#[test]
fn icmp_errors_quoting_a_reply_are_found_in_both_families() {
    let f = all(ETH_P_IP, &icmp4(3, 7, 20));
    let want = Quote { icmp_offset: 20, ip_offset: 28, tcp_offset: 48, src: SP, dst: CLIENT, urg_ptr: 7, urg: false };
    assert_eq!(f, Frame::Ip { src: Addr::V4([10, 0, 2, 254]), dst: SP, l4: L4::IcmpError(want) });
    assert_eq!(l4(all(ETH_P_IP, &icmp4(11, 7, 20))), L4::IcmpError(want));
    // An echo request is no error; a quote of 8 TCP bytes has no ID to read.
    assert_eq!(l4(all(ETH_P_IP, &icmp4(8, 7, 20))), L4::Plain);
    assert_eq!(l4(all(ETH_P_IP, &icmp4(3, 7, 8))), L4::Plain);
    // IPv6: packet too big (2) quoting fd00:2::1 -> fd00:1::2 with ID 9.
    let mut reply = v6(6, 9);
    reply[8..24].copy_from_slice(&[0xfd, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    let mut p = v6(58, 0)[..40].to_vec();
    p.extend_from_slice(&[2, 0, 0, 0, 0, 0, 5, 0]);
    p.extend_from_slice(&reply);
    let n = (p.len() - 40) as u16;
    p[4..6].copy_from_slice(&n.to_be_bytes());
    let L4::IcmpError(q) = l4(all(ETH_P_IPV6, &p)) else { panic!() };
    assert_eq!((q.icmp_offset, q.ip_offset, q.tcp_offset, q.urg_ptr, q.urg), (40, 48, 88, 9, false));
    assert_eq!(q.src, Addr::V6([0xfd, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
    // An echo reply (129) is plain.
    p[40] = 129;
    assert_eq!(l4(all(ETH_P_IPV6, &p)), L4::Plain);
}

#[test]
fn only_errors_about_a_granted_reply_are_translated() {
    let frame = |q| Some(Frame::Ip { src: Addr::V4([10, 0, 2, 254]), dst: SP, l4: L4::IcmpError(q) });
    let good = reply_quote();
    assert_eq!(run(frame(good).as_ref(), Dest::Pnic, true, Grant::Granted(42)).0, RxVerdict::DeliverError { session: 42, quote: good });
    for grant in [Grant::NotGranted, Grant::Unknown] {
        assert_eq!(run(frame(good).as_ref(), Dest::Pnic, true, grant), (RxVerdict::Pass, 1));
    }
    // Not from the pNIC's address, with URG set, or without an ID: the host's own.
    for q in [Quote { src: CLIENT, ..good }, Quote { urg: true, ..good }, Quote { urg_ptr: 0, ..good }] {
        assert_eq!(run(frame(q).as_ref(), Dest::Pnic, true, Grant::Granted(42)), (RxVerdict::Pass, 0), "{q:?}");
    }
}
