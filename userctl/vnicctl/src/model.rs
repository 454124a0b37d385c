//! What `vnicctl link show` reports about a vNIC, and its text form.

use serde::Serialize;
use vnic_uapi::{RelayCounters, SsInfo};

/// Traffic counters of a device (the kernel's 64-bit link stats, or a
/// vNIC's over generic netlink: the same six numbers).
pub use vnic_uapi::genl::VnicStats as Counters;

/// One vnic device (a vNIC or a relay-vNIC) as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VnicLink {
    /// Interface name.
    pub ifname: String,
    /// Link kind: `vnic` or `vnic-relay`.
    pub kind: String,
    /// For a relay: the physical NIC it sits on.
    pub pnic: Option<String>,
    /// For a relay: what it saw and dropped, per reason.
    pub counters: Option<RelayCounters>,
    /// For a supervisor: its mode and counters.
    pub supervisor: Option<SsInfo>,
    /// For a vNIC: what its services see as the client's address, `real`
    /// or `cip` (per-client pseudo addresses).
    pub mode: Option<String>,
    /// Interface index.
    pub ifindex: u32,
    /// Service ID, if assigned.
    pub id: Option<u16>,
    /// MAC address.
    pub address: String,
    /// MTU in bytes.
    pub mtu: u32,
    /// Administratively up.
    pub up: bool,
    /// Operational state, lower case (as `ip -j` prints it, but lower case).
    pub operstate: String,
    /// Addresses with prefix length.
    pub addresses: Vec<String>,
    /// Traffic counters.
    pub stats: Counters,
}

impl VnicLink {
    /// Text form, in the manner of `wg show`: a header line, then details.
    pub fn to_text(&self) -> String {
        let state = if self.up { self.operstate.as_str() } else { "down" };
        let what = match (&self.pnic, &self.supervisor) {
            (Some(pnic), _) => format!("vnic-relay on {pnic}"),
            (None, Some(ss)) => format!("vnic-ss mode {}", ss.mode_name()),
            (None, None) => format!(
                "vnic id {}{}",
                self.id.map_or_else(|| "none".to_string(), |i| i.to_string()),
                // The default (real client addresses) goes unsaid.
                self.mode.as_deref().filter(|m| *m != "real").map(|m| format!(" mode {m}")).unwrap_or_default()
            ),
        };
        let mut s = format!(
            "{}: {} state {} mtu {} ifindex {}\n    link/ether {}\n",
            self.ifname, what, state, self.mtu, self.ifindex, self.address
        );
        for a in &self.addresses {
            let family = if a.contains(':') { "inet6" } else { "inet" };
            s += &format!("    {family} {a}\n");
        }
        s += &overlay_text(self);
        let c = &self.stats;
        s += &format!(
            "    rx: {} packets {} bytes {} dropped\n    tx: {} packets {} bytes {} dropped\n",
            c.rx_packets, c.rx_bytes, c.rx_dropped, c.tx_packets, c.tx_bytes, c.tx_dropped
        );
        s
    }
}

/// The overlay lines of a relay or a supervisor (empty for a vNIC).
fn overlay_text(l: &VnicLink) -> String {
    let mut s = String::new();
    if let Some(r) = &l.counters {
        s += &format!(
            "    overlay: {} sessions, {} tagged, {} granted, {} delivered, {} replies\n",
            r.sessions, r.tagged, r.granted, r.delivered, r.replies
        );
        s += &format!(
            "    dropped: {} unknown id, {} not granted, {} urg set, {} malformed, {} undeliverable, {} to pseudo, {} no session\n",
            r.drop_unknown_id,
            r.drop_not_granted,
            r.drop_urg_set,
            r.drop_malformed,
            r.drop_undeliverable,
            r.drop_to_pseudo,
            r.drop_no_session
        );
    }
    if let Some(c) = &l.supervisor {
        s += &format!(
            "    overlay: {} rules, {} embedded, {} cleared, {} urgent left alone\n    dropped: {} without id, {} wrong id\n",
            c.rules, c.embedded, c.cleared, c.urgent, c.drop_no_id, c.drop_wrong_id
        );
    }
    s
}

/// Name of a supervisor mode.
trait ModeName {
    fn mode_name(&self) -> &'static str;
}

impl ModeName for SsInfo {
    fn mode_name(&self) -> &'static str {
        match self.mode {
            vnic_uapi::SsMode::Host => "host",
            vnic_uapi::SsMode::Bridge => "bridge",
        }
    }
}

/// What `vnicctl stats` reports about one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Interface name.
    pub ifname: String,
    /// Link kind.
    pub kind: String,
    /// Relay counters, per reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay: Option<RelayCounters>,
    /// Supervisor counters, per reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supervisor: Option<SsInfo>,
    /// Traffic counters.
    pub stats: Counters,
}

impl Stats {
    /// The stats of a link.
    pub fn of(l: &VnicLink) -> Self {
        Self {
            ifname: l.ifname.clone(),
            kind: l.kind.clone(),
            relay: l.counters,
            supervisor: l.supervisor,
            stats: l.stats,
        }
    }

    /// Text form: a header line, the overlay counters, the traffic.
    pub fn to_text(&self) -> String {
        let link = VnicLink {
            ifname: self.ifname.clone(),
            kind: self.kind.clone(),
            pnic: None,
            counters: self.relay,
            supervisor: self.supervisor,
            mode: None,
            ifindex: 0,
            id: None,
            address: String::new(),
            mtu: 0,
            up: true,
            operstate: String::new(),
            addresses: Vec::new(),
            stats: self.stats,
        };
        let c = &self.stats;
        format!(
            "{} ({}):\n{}    rx: {} packets {} bytes {} dropped\n    tx: {} packets {} bytes {} dropped\n",
            self.ifname,
            self.kind,
            overlay_text(&link),
            c.rx_packets,
            c.rx_bytes,
            c.rx_dropped,
            c.tx_packets,
            c.tx_bytes,
            c.tx_dropped
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> VnicLink {
        VnicLink {
            ifname: "vnic1".into(),
            kind: "vnic".into(),
            pnic: None,
            counters: None,
            supervisor: None,
            mode: None,
            ifindex: 3,
            id: Some(1),
            address: "00:00:c0:a8:01:01".into(),
            mtu: 1500,
            up: true,
            operstate: "unknown".into(),
            addresses: vec!["192.168.1.1/24".into(), "fe80::200:c0ff:fea8:101/64".into()],
            stats: Counters { tx_packets: 3, tx_bytes: 294, ..Default::default() },
        }
    }

    #[test]
    fn text_has_the_fields_an_admin_looks_for() {
        let t = sample().to_text();
        assert!(t.starts_with("vnic1: vnic id 1 state unknown mtu 1500 ifindex 3\n"), "{t}");
        assert!(t.contains("link/ether 00:00:c0:a8:01:01"));
        assert!(t.contains("    inet 192.168.1.1/24\n"));
        assert!(t.contains("    inet6 fe80::200:c0ff:fea8:101/64\n"));
        assert!(t.contains("tx: 3 packets 294 bytes 0 dropped"));
    }

    #[test]
    fn a_relay_shows_its_pnic_and_counters() {
        let mut r = sample();
        r.ifname = "relay0".into();
        r.kind = "vnic-relay".into();
        r.pnic = Some("eth0".into());
        r.id = None;
        r.counters = Some(RelayCounters { tagged: 4, drop_unknown_id: 3, drop_malformed: 1, ..Default::default() });
        let t = r.to_text();
        assert!(t.starts_with("relay0: vnic-relay on eth0 state unknown"), "{t}");
        assert!(t.contains("overlay: 0 sessions, 4 tagged, 0 granted, 0 delivered, 0 replies\n"), "{t}");
        assert!(t.contains("dropped: 3 unknown id, 0 not granted, 0 urg set, 1 malformed, 0 undeliverable, 0 to pseudo, 0 no session"), "{t}");
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["counters"]["drop_unknown_id"], 3);
        assert_eq!(v["pnic"], "eth0");
    }

    #[test]
    fn json_keys_are_stable() {
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(v["ifname"], "vnic1");
        assert_eq!(v["kind"], "vnic");
        assert!(v["pnic"].is_null() && v["counters"].is_null());
        assert_eq!(v["id"], 1);
        assert_eq!(v["addresses"][0], "192.168.1.1/24");
        assert_eq!(v["stats"]["tx_bytes"], 294);
        let mut none = sample();
        none.id = None;
        assert!(serde_json::to_value(none).unwrap()["id"].is_null());
    }

    #[test]
    fn a_supervisor_shows_its_mode_and_counters_and_stats_keep_them() {
        let mut s = sample();
        s.ifname = "ss0".into();
        s.kind = "vnic-ss".into();
        s.supervisor = Some(SsInfo { mode: vnic_uapi::SsMode::Bridge, rules: 2, embedded: 5, drop_wrong_id: 1, ..Default::default() });
        let t = s.to_text();
        assert!(t.starts_with("ss0: vnic-ss mode bridge state"), "{t}");
        assert!(t.contains("overlay: 2 rules, 5 embedded, 0 cleared, 0 urgent left alone"), "{t}");
        assert!(t.contains("dropped: 0 without id, 1 wrong id"), "{t}");
        let st = Stats::of(&s);
        let v = serde_json::to_value(&st).unwrap();
        assert_eq!(v["supervisor"]["mode"], "bridge");
        assert_eq!(v["supervisor"]["drop_wrong_id"], 1);
        assert!(v.get("relay").is_none());
        assert!(st.to_text().starts_with("ss0 (vnic-ss):\n    overlay: 2 rules"), "{}", st.to_text());
    }
}
