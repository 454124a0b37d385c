//! vnicctl's rtnetlink requests: create, delete and list vnic links.

use crate::error::{kernel_error, CliError};
use crate::extack;
use crate::model::{Counters, VnicLink};
use futures::TryStreamExt;
use netlink_packet_route::address::AddressAttribute;
use netlink_packet_route::link::{InfoData, InfoKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage};
use rtnetlink::sys::AsyncSocket;
use rtnetlink::{Handle, LinkMessageBuilder, LinkUnspec};
use std::net::{IpAddr, Ipv4Addr};
use vnic_uapi::{
    decode_info_data, decode_relay_info_data, decode_ss_info_data, encode_info_data, encode_ss_info_data, LinkAttr, SsMode,
    LINK_KIND, RELAY_LINK_KIND, SS_LINK_KIND,
};

fn is_ours(kind: Option<&str>) -> bool {
    matches!(kind, Some(LINK_KIND) | Some(RELAY_LINK_KIND) | Some(SS_LINK_KIND))
}

/// Opens an rtnetlink connection that receives the kernel's extack messages.
pub fn connect() -> Result<Handle, CliError> {
    let (mut conn, handle, _) = rtnetlink::new_connection().map_err(CliError::Netlink)?;
    let sock = conn.socket_mut().socket_mut();
    // Both are best effort: without them errors still arrive, only terser.
    let _ = sock.set_ext_ack(true);
    let _ = sock.set_cap_ack(true);
    tokio::spawn(conn);
    Ok(handle)
}

/// Turns an rtnetlink error into a sentence about `what` was attempted.
pub fn explain(what: &str, err: rtnetlink::Error) -> CliError {
    match err {
        rtnetlink::Error::NetlinkError(msg) => {
            let errno = msg.raw_code().abs();
            kernel_error(what, errno, extack::message(&msg.header).as_deref())
        }
        other => CliError::Kernel(format!("{what} failed: {other}")),
    }
}

/// What `link add` asks the kernel for.
pub struct NewLink {
    /// Device name (already validated).
    pub name: String,
    /// Service ID.
    pub id: Option<u16>,
    /// MAC address.
    pub mac: Option<[u8; 6]>,
    /// MTU.
    pub mtu: Option<u32>,
    /// IPv4 address and prefix length to assign.
    pub pseudo: Option<(Ipv4Addr, u8)>,
    /// Make a relay on this physical NIC instead of a vNIC.
    pub pnic: Option<String>,
    /// Make a supervisor working in this mode instead of a vNIC.
    pub supervisor: Option<SsMode>,
    /// A vNIC whose services see per-client pseudo addresses.
    pub cip_mode: bool,
    /// Bring it up.
    pub up: bool,
}

/// Creates a vnic link, assigns its address and brings it up as asked. If a
/// later step fails, the half-made device is deleted again.
pub async fn add(h: &Handle, new: &NewLink) -> Result<(), CliError> {
    let what = format!("creating {}", new.name);
    let kind = match (&new.pnic, new.supervisor) {
        (Some(_), _) => RELAY_LINK_KIND,
        (None, Some(_)) => SS_LINK_KIND,
        (None, None) => LINK_KIND,
    };
    let mut b = LinkMessageBuilder::<LinkUnspec>::new_with_info_kind(InfoKind::Other(kind.into()))
        .name(new.name.clone());
    if let Some(pnic) = &new.pnic {
        b = b.link(find(h, pnic).await?.header.index);
    }
    let mut data = Vec::new();
    if let Some(id) = new.id {
        data.push(LinkAttr::Id(id));
    }
    if new.cip_mode {
        data.push(LinkAttr::Mode(vnic_uapi::VNIC_MODE_CIP));
    }
    if !data.is_empty() {
        b = b.set_info_data(InfoData::Other(encode_info_data(&data)));
    }
    if let Some(mode) = new.supervisor {
        b = b.set_info_data(InfoData::Other(encode_ss_info_data(mode)));
    }
    if let Some(mac) = new.mac {
        b = b.address(mac.to_vec());
    }
    if let Some(mtu) = new.mtu {
        b = b.mtu(mtu);
    }
    h.link().add(b.build()).execute().await.map_err(|e| explain(&what, e))?;

    let configure = async {
        let index = find(h, &new.name).await?.header.index;
        if let Some((addr, len)) = new.pseudo {
            h.address()
                .add(index, IpAddr::V4(addr), len)
                .execute()
                .await
                .map_err(|e| explain(&format!("adding {addr}/{len} to {}", new.name), e))?;
        }
        if new.up {
            let msg = LinkUnspec::new_with_index(index).up().build();
            h.link().set(msg).execute().await.map_err(|e| explain(&format!("bringing {} up", new.name), e))?;
        }
        Ok::<(), CliError>(())
    };
    if let Err(e) = configure.await {
        let _ = del(h, &new.name).await;
        return Err(e);
    }
    Ok(())
}

/// Deletes vnic link `name`; refuses devices of other kinds.
pub async fn del(h: &Handle, name: &str) -> Result<(), CliError> {
    let msg = find(h, name).await?;
    if !is_ours(kind(&msg).as_deref()) {
        return Err(CliError::Input(format!("{name} is not a vnic device; vnicctl deletes only vnic devices")));
    }
    h.link().del(msg.header.index).execute().await.map_err(|e| explain(&format!("deleting {name}"), e))
}

/// Lists vnic links, or just `name` (which must be one).
pub async fn show(h: &Handle, name: Option<&str>) -> Result<Vec<VnicLink>, CliError> {
    if name.is_none() && !std::path::Path::new("/sys/module/vnic").exists() {
        return Err(CliError::Input(
            "the vnic kernel module is not loaded (load it with: insmod vnic.ko)".into(),
        ));
    }
    let msgs = match name {
        Some(n) => {
            let m = find(h, n).await?;
            if !is_ours(kind(&m).as_deref()) {
                return Err(CliError::Input(format!("{n} is not a vnic device")));
            }
            vec![m]
        }
        None => h
            .link()
            .get()
            .execute()
            .try_collect::<Vec<_>>()
            .await
            .map_err(|e| explain("listing links", e))?
            .into_iter()
            .filter(|m| is_ours(kind(m).as_deref()))
            .collect(),
    };
    let mut out = Vec::with_capacity(msgs.len());
    for m in msgs {
        let addresses = addresses(h, m.header.index).await?;
        let mut link = describe(&m, addresses)?;
        if link.kind == RELAY_LINK_KIND {
            link.pnic = lower_name(h, &m).await;
        }
        out.push(link);
    }
    Ok(out)
}

async fn find(h: &Handle, name: &str) -> Result<LinkMessage, CliError> {
    match h.link().get().match_name(name.to_string()).execute().try_next().await {
        Ok(Some(m)) => Ok(m),
        Ok(None) => Err(CliError::Input(format!("there is no device named {name}"))),
        Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code().abs() == libc::ENODEV => {
            Err(CliError::Input(format!("there is no device named {name}")))
        }
        Err(e) => Err(explain(&format!("looking up {name}"), e)),
    }
}

/// Name of the device a link sits on (`IFLA_LINK`), if it can be found.
async fn lower_name(h: &Handle, m: &LinkMessage) -> Option<String> {
    let index = m.attributes.iter().find_map(|a| match a {
        LinkAttribute::Link(i) => Some(*i),
        _ => None,
    })?;
    let lower = h.link().get().match_index(index).execute().try_next().await.ok()??;
    lower.attributes.into_iter().find_map(|a| match a {
        LinkAttribute::IfName(n) => Some(n),
        _ => None,
    })
}

async fn addresses(h: &Handle, index: u32) -> Result<Vec<String>, CliError> {
    let msgs = h
        .address()
        .get()
        .set_link_index_filter(index)
        .execute()
        .try_collect::<Vec<_>>()
        .await
        .map_err(|e| explain("listing addresses", e))?;
    Ok(msgs
        .iter()
        .filter_map(|m| {
            m.attributes.iter().find_map(|a| match a {
                AddressAttribute::Address(ip) => Some(format!("{ip}/{}", m.header.prefix_len)),
                _ => None,
            })
        })
        .collect())
}

fn link_infos(m: &LinkMessage) -> impl Iterator<Item = &LinkInfo> {
    m.attributes.iter().flat_map(|a| match a {
        LinkAttribute::LinkInfo(infos) => infos.as_slice(),
        _ => &[],
    })
}

fn kind(m: &LinkMessage) -> Option<String> {
    link_infos(m).find_map(|i| match i {
        LinkInfo::Kind(InfoKind::Other(k)) => Some(k.clone()),
        LinkInfo::Kind(k) => Some(k.to_string()),
        _ => None,
    })
}

fn describe(m: &LinkMessage, addresses: Vec<String>) -> Result<VnicLink, CliError> {
    let kind = kind(m).unwrap_or_default();
    let mut link = VnicLink {
        ifname: String::new(),
        kind: kind.clone(),
        pnic: None,
        counters: None,
        supervisor: None,
        mode: None,
        ifindex: m.header.index,
        id: None,
        address: String::new(),
        mtu: 0,
        up: m.header.flags.contains(LinkFlags::Up),
        operstate: "unknown".into(),
        addresses,
        stats: Counters::default(),
    };
    for a in &m.attributes {
        match a {
            LinkAttribute::IfName(n) => link.ifname = n.clone(),
            LinkAttribute::Address(mac) => link.address = crate::parse::format_mac(mac),
            LinkAttribute::Mtu(mtu) => link.mtu = *mtu,
            LinkAttribute::OperState(s) => link.operstate = format!("{s:?}").to_lowercase(),
            LinkAttribute::Stats64(s) => {
                link.stats = Counters {
                    rx_packets: s.rx_packets,
                    rx_bytes: s.rx_bytes,
                    rx_dropped: s.rx_dropped,
                    tx_packets: s.tx_packets,
                    tx_bytes: s.tx_bytes,
                    tx_dropped: s.tx_dropped,
                }
            }
            _ => {}
        }
    }
    let bad = |e: vnic_uapi::UapiError| CliError::Kernel(format!("reading {} failed: {e}", link.ifname));
    for info in link_infos(m) {
        if let LinkInfo::Data(InfoData::Other(bytes)) = info {
            if kind == RELAY_LINK_KIND {
                link.counters = Some(decode_relay_info_data(bytes).map_err(bad)?);
                continue;
            }
            if kind == SS_LINK_KIND {
                link.supervisor = Some(decode_ss_info_data(bytes).map_err(bad)?);
                continue;
            }
            for attr in decode_info_data(bytes).map_err(bad)? {
                match attr {
                    LinkAttr::Id(id) => link.id = Some(id),
                    LinkAttr::Mode(m) => link.mode = Some(if m == vnic_uapi::VNIC_MODE_CIP { "cip" } else { "real" }.into()),
                }
            }
        }
    }
    Ok(link)
}
