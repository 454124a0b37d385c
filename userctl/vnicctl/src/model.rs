//! What `vnicctl link show` reports about a vNIC, and its text form.

use serde::Serialize;

/// Traffic counters of a device (from the kernel's 64-bit link stats).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Frames received.
    pub rx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Frames dropped on receive.
    pub rx_dropped: u64,
    /// Frames transmitted.
    pub tx_packets: u64,
    /// Bytes transmitted.
    pub tx_bytes: u64,
    /// Frames dropped on transmit.
    pub tx_dropped: u64,
}

/// One vnic device as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VnicLink {
    /// Interface name.
    pub ifname: String,
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
        let id = self.id.map_or_else(|| "none".to_string(), |i| i.to_string());
        let state = if self.up { self.operstate.as_str() } else { "down" };
        let mut s = format!(
            "{}: vnic id {} state {} mtu {} ifindex {}\n    link/ether {}\n",
            self.ifname, id, state, self.mtu, self.ifindex, self.address
        );
        for a in &self.addresses {
            let family = if a.contains(':') { "inet6" } else { "inet" };
            s += &format!("    {family} {a}\n");
        }
        let c = &self.stats;
        s += &format!(
            "    rx: {} packets {} bytes {} dropped\n    tx: {} packets {} bytes {} dropped\n",
            c.rx_packets, c.rx_bytes, c.rx_dropped, c.tx_packets, c.tx_bytes, c.tx_dropped
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> VnicLink {
        VnicLink {
            ifname: "vnic1".into(),
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
    fn json_keys_are_stable() {
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(v["ifname"], "vnic1");
        assert_eq!(v["id"], 1);
        assert_eq!(v["addresses"][0], "192.168.1.1/24");
        assert_eq!(v["stats"]["tx_bytes"], 294);
        let mut none = sample();
        none.id = None;
        assert!(serde_json::to_value(none).unwrap()["id"].is_null());
    }
}
