//! `vnicctl stats`: each device's counters, read over generic netlink
//! (`VNIC_CMD_STATS_GET`): per reason for relays and supervisors, traffic
//! for vNICs.

use crate::error::CliError;
use crate::genl::Genl;
use crate::model::{Stats, VnicLink};
use vnic_uapi::genl::{decode_vnic_stats, stats_filter, stats_payload, StatsOf, CMD_STATS_GET, NLM_F_DUMP};
use vnic_uapi::{decode_relay_info_data, decode_ss_info_data, RELAY_LINK_KIND, SS_LINK_KIND};

/// The counters of `links` (found over rtnetlink), asked of the module.
pub fn collect(links: &[VnicLink]) -> Result<Vec<Stats>, CliError> {
    let mut genl = Genl::open()?;
    let mut out = Vec::with_capacity(links.len());
    for l in links {
        let of = match l.kind.as_str() {
            RELAY_LINK_KIND => StatsOf::Relay(l.ifindex),
            SS_LINK_KIND => StatsOf::Supervisor(l.ifindex),
            _ => StatsOf::Vnic(l.ifindex),
        };
        let what = format!("reading the counters of {}", l.ifname);
        let msgs = genl.request(&what, CMD_STATS_GET, NLM_F_DUMP, &stats_filter(of))?;
        let bad = |e: vnic_uapi::UapiError| CliError::Kernel(format!("{what} failed: {e}"));
        let payload = stats_payload(msgs.first().map(Vec::as_slice).unwrap_or_default()).map_err(bad)?;
        let mut s = Stats::of(l);
        match of {
            StatsOf::Relay(_) => s.relay = Some(decode_relay_info_data(&payload).map_err(bad)?),
            StatsOf::Supervisor(_) => s.supervisor = Some(decode_ss_info_data(&payload).map_err(bad)?),
            StatsOf::Vnic(_) => s.stats = decode_vnic_stats(&payload).map_err(bad)?,
        }
        out.push(s);
    }
    Ok(out)
}
