use crate::wire::{arp_request_target, ipv4_dst, classify, parse_segment, supervise, Addr, Class, Parsed, Segment, Supervise, Tagged, ETH_P_IP, ETH_P_IPV6};

/// An IPv4 TCP header pair: client 10.0.1.2 -> 10.0.2.1, with `flags` and
/// urgent pointer `urg`, data offset `doff` words, `payload` bytes after it.
fn v4(flags: u8, urg: u16, doff: u8, payload: usize) -> Vec<u8> {
    let tcp_len = usize::from(doff) * 4 + payload;
    let mut p = vec![0u8; 20 + tcp_len.max(20)];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&((20 + tcp_len) as u16).to_be_bytes());
    p[8] = 64;
    p[9] = 6;
    p[12..16].copy_from_slice(&[10, 0, 1, 2]);
    p[16..20].copy_from_slice(&[10, 0, 2, 1]);
    p[20 + 12] = doff << 4;
    p[20 + 13] = flags;
    p[20 + 18..20 + 20].copy_from_slice(&urg.to_be_bytes());
    p.truncate(20 + tcp_len);
    p
}

fn v6(next: u8, urg: u16) -> Vec<u8> {
    let mut p = vec![0u8; 60];
    p[0] = 0x60;
    p[4..6].copy_from_slice(&20u16.to_be_bytes());
    p[6] = next;
    p[8..24].copy_from_slice(&[0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    p[40 + 12] = 5 << 4;
    p[40 + 13] = 0x10;
    p[40 + 18..40 + 20].copy_from_slice(&urg.to_be_bytes());
    p
}

fn all(proto: u16, p: &[u8]) -> Class {
    classify(proto, p, p.len())
}

#[test]
fn a_segment_with_an_id_and_urg_clear_is_tagged() {
    let p = v4(0x02, 0x1234, 5, 0);
    let want = Tagged { id: 0x1234, client: Addr::V4([10, 0, 1, 2]), server: Addr::V4([10, 0, 2, 1]), tcp_offset: 20 };
    assert_eq!(all(ETH_P_IP, &p), Class::Tagged(want));
    // With options in both headers the offsets follow.
    let mut q = v4(0x10, 7, 8, 100);
    q[0] = 0x46;
    q.splice(20..20, [1u8, 1, 1, 1]);
    let len = q.len() as u16;
    q[2..4].copy_from_slice(&len.to_be_bytes());
    let Class::Tagged(t) = all(ETH_P_IP, &q) else { panic!("{:?}", all(ETH_P_IP, &q)) };
    assert_eq!((t.id, t.tcp_offset), (7, 24));
}

#[test]
fn ipv6_is_tagged_too_and_extension_headers_pass() {
    let Class::Tagged(t) = all(ETH_P_IPV6, &v6(6, 9)) else { panic!() };
    assert_eq!((t.id, t.tcp_offset), (9, 40));
    assert!(matches!(t.client, Addr::V6(a) if a[0] == 0xfd && a[15] == 2));
    assert_eq!(all(ETH_P_IPV6, &v6(0 /* hop-by-hop */, 9)), Class::Pass);
}

#[test]
fn no_id_urg_set_or_not_tcp_is_not_tagged() {
    assert_eq!(all(ETH_P_IP, &v4(0x10, 0, 5, 0)), Class::Pass);
    assert_eq!(
        all(ETH_P_IP, &v4(0x30, 5, 5, 10)),
        Class::Urgent { urg_ptr: 5, client: Addr::V4([10, 0, 1, 2]) }
    );
    let mut udp = v4(0, 5, 5, 0);
    udp[9] = 17;
    assert_eq!(all(ETH_P_IP, &udp), Class::Pass);
    assert_eq!(all(0x0806, &[0u8; 28]), Class::Pass);
    // A later fragment has no TCP header.
    let mut frag = v4(0, 5, 5, 0);
    frag[6..8].copy_from_slice(&0x0010u16.to_be_bytes());
    assert_eq!(all(ETH_P_IP, &frag), Class::Pass);
}

#[test]
fn short_linear_data_asks_for_more_and_truncated_frames_pass() {
    let p = v4(0, 5, 5, 0);
    assert_eq!(classify(ETH_P_IP, &p[..14], p.len()), Class::NeedBytes(20));
    assert_eq!(classify(ETH_P_IP, &p[..30], p.len()), Class::NeedBytes(40));
    assert_eq!(classify(ETH_P_IP, &p[..30], 30), Class::Pass);
    assert_eq!(classify(ETH_P_IPV6, &v6(6, 1)[..39], 60), Class::NeedBytes(40));
}

#[test]
fn tagged_segments_with_broken_headers_are_malformed() {
    // Data offset below 5 words.
    assert_eq!(all(ETH_P_IP, &v4(0, 5, 3, 8)), Class::Malformed);
    // Data offset past the end of the datagram.
    let mut p = v4(0, 5, 5, 0);
    p[20 + 12] = 15 << 4;
    assert_eq!(all(ETH_P_IP, &p), Class::Malformed);
}

#[test]
fn classify_never_panics_on_arbitrary_bytes() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 80) as usize;
        let bytes: Vec<u8> = (0..len).map(|i| (seed >> (i % 56)) as u8).collect();
        for proto in [ETH_P_IP, ETH_P_IPV6] {
            let _ = classify(proto, &bytes, len + (seed as usize % 3) * 20);
        }
    }
}

#[test]
fn session_hash_spreads_a_full_table_over_the_buckets() {
    use crate::wire::session_hash;
    // 65,535 sessions (the per-relay maximum) from one /16 into 16,384
    // buckets, as the relay sizes its table: chains stay short.
    let mut load = vec![0u32; 16384];
    for i in 0..65535u32 {
        let client = Addr::V4([10, 1, (i >> 8) as u8, i as u8]);
        let id = (i % 7 + 1) as u16;
        load[(session_hash(&client, id, 0x1234_5678) & 16383) as usize] += 1;
    }
    let max = *load.iter().max().unwrap();
    assert!(max <= 16, "longest chain {max}");
    // The seed changes the placement.
    let a = Addr::V6([0xfd; 16]);
    assert_ne!(session_hash(&a, 1, 1), session_hash(&a, 1, 2));
    assert_eq!(Addr::from_bytes(&[1, 2, 3, 4]), Some(Addr::V4([1, 2, 3, 4])));
    assert_eq!(Addr::from_bytes(&[1, 2, 3]), None);
}

fn seg(urg: bool, urg_ptr: u16) -> Segment {
    Segment {
        src: Addr::V4([10, 0, 2, 1]),
        dst: Addr::V4([10, 0, 1, 2]),
        sport: 80,
        dport: 40000,
        urg,
        urg_ptr,
        tcp_offset: 20,
    }
}

#[test]
fn parse_segment_reads_ports_flags_and_urgent_pointer() {
    let mut p = v4(0x20 | 0x10, 7, 5, 0);
    p[20..22].copy_from_slice(&40000u16.to_be_bytes());
    p[22..24].copy_from_slice(&80u16.to_be_bytes());
    let Parsed::Tcp(s) = parse_segment(ETH_P_IP, &p, p.len()) else { panic!() };
    assert_eq!((s.sport, s.dport, s.urg, s.urg_ptr, s.tcp_offset), (40000, 80, true, 7, 20));
    assert_eq!((s.src, s.dst), (Addr::V4([10, 0, 1, 2]), Addr::V4([10, 0, 2, 1])));
    let Parsed::Tcp(s) = parse_segment(ETH_P_IPV6, &v6(6, 9), 60) else { panic!() };
    assert_eq!(s.dst, Addr::V6([0; 16]));
}

#[test]
fn parse_segment_asks_for_bytes_and_ignores_truncated_and_other_packets() {
    let p = v4(0x10, 0, 5, 0);
    assert_eq!(parse_segment(ETH_P_IP, &p[..20], p.len()), Parsed::NeedBytes(40));
    assert_eq!(parse_segment(ETH_P_IP, &p[..20], 30), Parsed::Other);
    assert_eq!(parse_segment(ETH_P_IP, &p[..10], p.len()), Parsed::NeedBytes(20));
    let mut udp = p.clone();
    udp[9] = 17;
    assert_eq!(parse_segment(ETH_P_IP, &udp, udp.len()), Parsed::Other);
    assert_eq!(parse_segment(0x0806, &p, p.len()), Parsed::Other);
}

#[test]
fn the_supervisor_embeds_on_the_way_out_and_checks_on_the_way_in() {
    assert_eq!(supervise(&seg(false, 0), Some(5), None), Supervise::Embed(5));
    assert_eq!(supervise(&seg(true, 3), Some(5), None), Supervise::UrgentOut);
    assert_eq!(supervise(&seg(false, 5), None, Some(5)), Supervise::Clear);
    assert_eq!(supervise(&seg(false, 0), None, Some(5)), Supervise::DropNoId);
    assert_eq!(supervise(&seg(false, 6), None, Some(5)), Supervise::DropWrongId);
    assert_eq!(supervise(&seg(true, 6), None, Some(5)), Supervise::UrgentIn);
    assert_eq!(supervise(&seg(false, 6), None, None), Supervise::Pass);
}

#[test]
fn arp_requests_and_ipv4_destinations_are_read_only_when_well_formed() {
    let mut arp = vec![0u8, 1, 8, 0, 6, 4, 0, 1];
    arp.extend_from_slice(&[0; 16]);
    arp.extend_from_slice(&[192, 168, 1, 1]);
    assert_eq!(arp_request_target(&arp), Some([192, 168, 1, 1]));
    arp[7] = 2;
    assert_eq!(arp_request_target(&arp), None, "a reply is not a request");
    assert_eq!(arp_request_target(&arp[..27]), None);
    let p = v4(0x10, 0, 5, 0);
    assert_eq!(ipv4_dst(&p), Some([10, 0, 2, 1]));
    assert_eq!(ipv4_dst(&p[..19]), None);
    assert_eq!(ipv4_dst(&v6(6, 0)), None);
}
