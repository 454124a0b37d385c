use crate::wire::{parse_segment, supervise, Addr, Parsed, Segment, Supervise, ETH_P_IP, ETH_P_IPV6};

/// An IPv4 TCP header pair: client 10.0.1.2 -> 10.0.2.1, with `flags` and
/// urgent pointer `urg`, data offset `doff` words, `payload` bytes after it.
pub(crate) fn v4(flags: u8, urg: u16, doff: u8, payload: usize) -> Vec<u8> {
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

pub(crate) fn v6(next: u8, urg: u16) -> Vec<u8> {
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
