// SPDX-License-Identifier: GPL-2.0

//! The generic netlink family `vnic` (see include/uapi/vnic.h): add, remove
//! and list the sessions of a relay and the embedding rules of a supervisor. Requests are checked attribute by
//! attribute and refused with an extack message that says what is wrong.

use crate::net::uapi::{
    VNIC_A_CLIENT, VNIC_A_ID, VNIC_A_PORT, VNIC_A_RELAY, VNIC_A_SERVER, VNIC_A_SUPERVISOR, VNIC_A_VNIC,
    VNIC_CMD_EMBED_ADD, VNIC_CMD_EMBED_DEL, VNIC_CMD_EMBED_GET, VNIC_CMD_SESSION_ADD, VNIC_CMD_SESSION_DEL,
    VNIC_CMD_SESSION_GET, VNIC_CMD_STATS_GET, VNIC_GENL_VERSION, __VNIC_A_MAX, EADDRINUSE, EOPNOTSUPP,
};
use crate::net::uapi::{
    VNIC_A_CIP, VNIC_A_REPLACE, VNIC_A_STATS, VNIC_STATS_PAD, VNIC_STATS_RX_BYTES, VNIC_STATS_RX_DROPPED, VNIC_STATS_RX_PACKETS,
    VNIC_STATS_TX_BYTES, VNIC_STATS_TX_DROPPED, VNIC_STATS_TX_PACKETS,
};
use crate::net::Driver;
use crate::embed::Service;
use crate::supervisor::Supervisor;
use crate::net::{errno, Attr, AttrKind, Device, Dump, ExtAck, Family, GenlMsg, Net, OpSpec, Request, Rtnl};
use crate::relay::Relay;
use crate::session::{Session, SessionKey};
use crate::vnic::{self, Vnic};
use crate::wire::Addr;
use kernel::c_str;
use kernel::prelude::*;

/// The `vnic` family.
pub(crate) struct Control;

const A_RELAY: u16 = VNIC_A_RELAY as u16;
const A_VNIC: u16 = VNIC_A_VNIC as u16;
const A_CLIENT: u16 = VNIC_A_CLIENT as u16;
const A_ID: u16 = VNIC_A_ID as u16;
const SESSION_ADD: u8 = VNIC_CMD_SESSION_ADD as u8;
const SESSION_DEL: u8 = VNIC_CMD_SESSION_DEL as u8;
const SESSION_GET: u8 = VNIC_CMD_SESSION_GET as u8;
const A_SERVER: u16 = VNIC_A_SERVER as u16;
const A_PORT: u16 = VNIC_A_PORT as u16;
const A_SUPERVISOR: u16 = VNIC_A_SUPERVISOR as u16;
const EMBED_ADD: u8 = VNIC_CMD_EMBED_ADD as u8;
const EMBED_DEL: u8 = VNIC_CMD_EMBED_DEL as u8;
const EMBED_GET: u8 = VNIC_CMD_EMBED_GET as u8;
const STATS_GET: u8 = VNIC_CMD_STATS_GET as u8;
const A_STATS: u16 = VNIC_A_STATS as u16;
const A_CIP: u16 = VNIC_A_CIP as u16;
const A_REPLACE: u16 = VNIC_A_REPLACE as u16;

impl Family for Control {
    const NAME: &'static CStr = c_str!("vnic");
    const VERSION: u32 = VNIC_GENL_VERSION;
    const MAX_ATTR: u16 = (__VNIC_A_MAX - 1) as u16;
    const POLICY: &'static [(u16, AttrKind)] = &[
        (A_RELAY, AttrKind::U32),
        (A_VNIC, AttrKind::U32),
        (A_CLIENT, AttrKind::Binary(16)),
        (A_ID, AttrKind::U16),
        (A_SERVER, AttrKind::Binary(16)),
        (A_PORT, AttrKind::U16),
        (A_SUPERVISOR, AttrKind::U32),
        (A_CIP, AttrKind::Binary(4)),
        (A_REPLACE, AttrKind::Flag),
    ];
    const OPS: &'static [OpSpec] = &[
        OpSpec { cmd: SESSION_ADD, dump: false, admin: true },
        OpSpec { cmd: SESSION_DEL, dump: false, admin: true },
        OpSpec { cmd: SESSION_GET, dump: true, admin: true },
        OpSpec { cmd: EMBED_ADD, dump: false, admin: true },
        OpSpec { cmd: EMBED_DEL, dump: false, admin: true },
        OpSpec { cmd: EMBED_GET, dump: true, admin: true },
        OpSpec { cmd: STATS_GET, dump: true, admin: true },
    ];
    const MCGRP: &'static CStr = c_str!("events");

    fn doit(cmd: u8, req: &mut Request<'_>) -> Result {
        if cmd == EMBED_ADD || cmd == EMBED_DEL {
            return embed_doit(cmd, req);
        }
        let mut ack = req.extack();
        let relay = relay(req.rtnl(), req.net(), req.attr(A_RELAY), &mut ack)?;
        let key = session_key(req.attr(A_CLIENT), req.attr(A_ID), &mut ack)?;
        let sessions = &relay.private().overlay.sessions;
        let session = match cmd {
            SESSION_ADD => {
                let vdev = vnic(req.rtnl(), req.net(), req.attr(A_VNIC), &mut ack)?;
                let cip = client_pseudo(vdev, req.attr(A_CIP), &key, &mut ack)?;
                bind_relay(req.rtnl(), vdev, relay, &mut ack)?;
                let s = Session { vnic: vdev.ifindex(), cip };
                sessions.add(req.rtnl(), key, s).inspect_err(|e| {
                    if *e == EEXIST {
                        ack.message(c_str!("vnic: this client already has a session with this ID"));
                    } else if *e == errno(EADDRINUSE) {
                        ack.message(c_str!("vnic: this client already has a session on this vNIC, or its CIP is taken"));
                    } else if *e == ENOSPC {
                        ack.message(c_str!("vnic: the relay's session table is full (65535 sessions)"));
                    }
                })?;
                s
            }
            SESSION_DEL => sessions.remove(req.rtnl(), &key).inspect_err(|_| {
                ack.message(c_str!("vnic: no session for this client and ID on this relay"));
            })?,
            _ => return Err(errno(EOPNOTSUPP)),
        };
        let relay_index = relay.ifindex() as u32;
        // Listeners learn of the change; a full event buffer is not the
        // requester's failure.
        let _ = req.notify(cmd, |m| put_session(m, relay_index, &key, &session));
        Ok(())
    }

    fn dumpit(cmd: u8, dump: &mut Dump<'_>) -> Result {
        if cmd == EMBED_GET {
            return embed_dumpit(dump);
        }
        if cmd == STATS_GET {
            return stats_dumpit(dump);
        }
        if cmd != SESSION_GET {
            return Err(errno(EOPNOTSUPP));
        }
        let mut ack = dump.extack();
        let relay = relay(dump.rtnl(), dump.net(), dump.attr(A_RELAY), &mut ack)?;
        let relay_index = relay.ifindex() as u32;
        let rtnl = dump.rtnl();
        dump_each(
            dump,
            SESSION_GET,
            |from, f| relay.private().overlay.sessions.walk(rtnl, from, f),
            |m, key, s| put_session(m, relay_index, key, s),
        )
    }
}

/// Emits one `cmd` message per entry that `walk` visits from the dump's
/// cursor on; a full buffer ends this part and the next resumes at the
/// entry that did not fit.
fn dump_each<K, V>(
    dump: &mut Dump<'_>,
    cmd: u8,
    walk: impl FnOnce(u64, &mut dyn FnMut(&K, &V) -> bool) -> Option<u64>,
    put: impl Fn(&mut GenlMsg, &K, &V) -> Result,
) -> Result {
    /// The cursor of a finished dump: past every chain.
    const DONE: u64 = u64::MAX;
    let start = dump.cursor();
    if start == DONE {
        return Ok(());
    }
    let mut result = Ok(());
    let next = walk(start, &mut |key, value| match dump.message(cmd, |m| put(m, key, value)) {
        Ok(true) => true,
        Ok(false) => false,
        Err(e) => {
            result = Err(e);
            false
        }
    });
    dump.set_cursor(next.unwrap_or(DONE));
    result
}

/// The device of driver `T` whose ifindex `attr` holds; `missing` and
/// `unknown` are the extack messages for an absent attribute and for an
/// ifindex that names no such device.
fn named<'a, T: Driver>(
    rtnl: &'a Rtnl,
    net: Net,
    attr: Option<Attr<'_>>,
    ack: &mut ExtAck,
    missing: &'static CStr,
    unknown: &'static CStr,
) -> Result<&'a Device<T>> {
    let Some(ifindex) = attr.and_then(|a| a.u32()) else {
        ack.message(missing);
        return Err(EINVAL);
    };
    Device::<T>::find(rtnl, net, ifindex).ok_or_else(|| {
        ack.message(unknown);
        ENODEV
    })
}

fn relay<'a>(rtnl: &'a Rtnl, net: Net, attr: Option<Attr<'_>>, ack: &mut ExtAck) -> Result<&'a Device<Relay>> {
    named(
        rtnl,
        net,
        attr,
        ack,
        c_str!("vnic: VNIC_A_RELAY (the relay's ifindex) is required"),
        c_str!("vnic: VNIC_A_RELAY names no relay in this namespace"),
    )
}

fn vnic<'a>(rtnl: &'a Rtnl, net: Net, attr: Option<Attr<'_>>, ack: &mut ExtAck) -> Result<&'a Device<Vnic>> {
    named(
        rtnl,
        net,
        attr,
        ack,
        c_str!("vnic: VNIC_A_VNIC (the vNIC's ifindex) is required"),
        c_str!("vnic: VNIC_A_VNIC names no vNIC in this namespace"),
    )
}

/// An address attribute (4 or 16 bytes) and a non-zero u16 attribute, with
/// the extack messages `msgs`: address missing, address malformed, number
/// missing, number 0 or malformed.
fn addr_and_number(
    addr: Option<Attr<'_>>,
    number: Option<Attr<'_>>,
    ack: &mut ExtAck,
    msgs: [&'static CStr; 4],
) -> Result<(Addr, u16)> {
    let Some(addr) = addr else {
        ack.message(msgs[0]);
        return Err(EINVAL);
    };
    let Some(a) = Addr::from_bytes(addr.bytes()) else {
        ack.message_at(addr, msgs[1]);
        return Err(EINVAL);
    };
    match number.map(|n| (n, n.u16())) {
        None => {
            ack.message(msgs[2]);
            Err(EINVAL)
        }
        Some((n, None | Some(0))) => {
            ack.message_at(n, msgs[3]);
            Err(EINVAL)
        }
        Some((_, Some(v))) => Ok((a, v)),
    }
}

fn session_key(client: Option<Attr<'_>>, id: Option<Attr<'_>>, ack: &mut ExtAck) -> Result<SessionKey> {
    let msgs = [
        c_str!("vnic: VNIC_A_CLIENT (the client's address) is required"),
        c_str!("vnic: a client address has 4 (IPv4) or 16 (IPv6) bytes"),
        c_str!("vnic: VNIC_A_ID is required"),
        c_str!("vnic: ID 0 is reserved; use 1..65535"),
    ];
    let (client, id) = addr_and_number(client, id, ack, msgs)?;
    Ok(SessionKey { client, id })
}

fn put_session(m: &mut GenlMsg, relay: u32, key: &SessionKey, s: &Session) -> Result {
    m.put_u32(A_RELAY, relay)?;
    m.put_u32(A_VNIC, s.vnic as u32)?;
    m.put_bytes(A_CLIENT, key.client.bytes())?;
    if let Some(cip) = s.cip {
        m.put_bytes(A_CIP, &cip)?;
    }
    m.put_u16(A_ID, key.id)
}

/// The client pseudo address of a new session: required (IPv4 client, 4
/// bytes, not the vNIC's own address) on a CIP-mode vNIC, refused elsewhere.
fn client_pseudo(vnic: &Device<Vnic>, cip: Option<Attr<'_>>, key: &SessionKey, ack: &mut ExtAck) -> Result<Option<[u8; 4]>> {
    let cip_mode = vnic.private().cip_mode;
    match cip {
        None if cip_mode => {
            ack.message(c_str!("vnic: this vNIC is in CIP mode: the session needs VNIC_A_CIP"));
            Err(EINVAL)
        }
        None => Ok(None),
        Some(a) if !cip_mode => {
            ack.message_at(a, c_str!("vnic: VNIC_A_CIP is only for vNICs in CIP mode"));
            Err(EINVAL)
        }
        Some(a) => {
            let (Ok(cip), Addr::V4(_)) = (<[u8; 4]>::try_from(a.bytes()), key.client) else {
                ack.message_at(a, c_str!("vnic: a client pseudo address is an IPv4 address, for an IPv4 client"));
                return Err(EINVAL);
            };
            if cip == [0; 4] || vnic::pseudo_ipv4(vnic) == Some(cip) {
                ack.message_at(a, c_str!("vnic: the client pseudo address must differ from the vNIC's own"));
                return Err(EINVAL);
            }
            Ok(Some(cip))
        }
    }
}

/// Ties `vnic` to `relay` on its first session; a vNIC serves one relay
/// (until that relay is gone).
fn bind_relay(rtnl: &Rtnl, vnic: &Device<Vnic>, relay: &Device<Relay>, ack: &mut ExtAck) -> Result {
    crate::vnic::bind(vnic, rtnl, &relay.private().overlay).inspect_err(|_| {
        ack.message(c_str!("vnic: this vNIC already serves another relay"));
    })
}

/// EMBED_ADD and EMBED_DEL.
fn embed_doit(cmd: u8, req: &mut Request<'_>) -> Result {
    let mut ack = req.extack();
    let ss = supervisor(req.rtnl(), req.net(), req.attr(A_SUPERVISOR), &mut ack)?;
    let service = service(req.attr(A_SERVER), req.attr(A_PORT), &mut ack)?;
    let rules = &ss.private().rules;
    let id = if cmd == EMBED_ADD {
        let id = match req.attr(A_ID).map(|a| (a, a.u16())) {
            None => {
                ack.message(c_str!("vnic: VNIC_A_ID is required"));
                return Err(EINVAL);
            }
            Some((a, None | Some(0))) => {
                ack.message_at(a, c_str!("vnic: ID 0 is reserved; use 1..65535"));
                return Err(EINVAL);
            }
            Some((_, Some(id))) => id,
        };
        let added = if req.attr(A_REPLACE).is_some() {
            rules.replace(req.rtnl(), service, id).map(drop)
        } else {
            rules.add(req.rtnl(), service, id)
        };
        added.inspect_err(|e| {
            if *e == EEXIST {
                ack.message(c_str!("vnic: this service already has an embedding rule"));
            } else if *e == ENOSPC {
                ack.message(c_str!("vnic: the supervisor's rule table is full (65535 rules)"));
            }
        })?;
        id
    } else {
        rules.remove(req.rtnl(), &service).inspect_err(|_| {
            ack.message(c_str!("vnic: no embedding rule for this service on this supervisor"));
        })?
    };
    let index = ss.ifindex() as u32;
    let _ = req.notify(cmd, |m| put_rule(m, index, &service, id));
    Ok(())
}

/// EMBED_GET.
fn embed_dumpit(dump: &mut Dump<'_>) -> Result {
    let mut ack = dump.extack();
    let ss = supervisor(dump.rtnl(), dump.net(), dump.attr(A_SUPERVISOR), &mut ack)?;
    let index = ss.ifindex() as u32;
    let rtnl = dump.rtnl();
    dump_each(dump, EMBED_GET, |from, f| ss.private().rules.walk(rtnl, from, f), |m, service, id| put_rule(m, index, service, *id))
}

fn supervisor<'a>(
    rtnl: &'a Rtnl,
    net: Net,
    attr: Option<Attr<'_>>,
    ack: &mut ExtAck,
) -> Result<&'a Device<Supervisor>> {
    named(
        rtnl,
        net,
        attr,
        ack,
        c_str!("vnic: VNIC_A_SUPERVISOR (the supervisor's ifindex) is required"),
        c_str!("vnic: VNIC_A_SUPERVISOR names no supervisor (vnic-ss) in this namespace"),
    )
}

fn service(server: Option<Attr<'_>>, port: Option<Attr<'_>>, ack: &mut ExtAck) -> Result<Service> {
    let msgs = [
        c_str!("vnic: VNIC_A_SERVER (the service's address) is required"),
        c_str!("vnic: a server address has 4 (IPv4) or 16 (IPv6) bytes"),
        c_str!("vnic: VNIC_A_PORT is required"),
        c_str!("vnic: the port is 1..65535"),
    ];
    let (addr, port) = addr_and_number(server, port, ack, msgs)?;
    Ok(Service { addr, port })
}

fn put_rule(m: &mut GenlMsg, ss: u32, service: &Service, id: u16) -> Result {
    m.put_u32(A_SUPERVISOR, ss)?;
    m.put_bytes(A_SERVER, service.addr.bytes())?;
    m.put_u16(A_PORT, service.port)?;
    m.put_u16(A_ID, id)
}

/// STATS_GET: the counters of one relay, supervisor or vNIC, in one message.
fn stats_dumpit(dump: &mut Dump<'_>) -> Result {
    if dump.cursor() > 0 {
        return Ok(());
    }
    let mut ack = dump.extack();
    let (rtnl, net) = (dump.rtnl(), dump.net());
    let written = if let Some(a) = dump.attr(A_RELAY) {
        let dev = relay(rtnl, net, Some(a), &mut ack)?;
        dump.message(STATS_GET, |m| {
            m.put_u32(A_RELAY, dev.ifindex() as u32)?;
            m.nest(A_STATS, |n| Relay::fill_info(dev, n))
        })?
    } else if let Some(a) = dump.attr(A_SUPERVISOR) {
        let dev = supervisor(rtnl, net, Some(a), &mut ack)?;
        dump.message(STATS_GET, |m| {
            m.put_u32(A_SUPERVISOR, dev.ifindex() as u32)?;
            m.nest(A_STATS, |n| Supervisor::fill_info(dev, n))
        })?
    } else if let Some(a) = dump.attr(A_VNIC) {
        let dev = vnic(rtnl, net, Some(a), &mut ack)?;
        let s = dev.stats();
        dump.message(STATS_GET, |m| {
            m.put_u32(A_VNIC, dev.ifindex() as u32)?;
            m.nest(A_STATS, |n| {
                for (ty, v) in [
                    (VNIC_STATS_RX_PACKETS, s.rx_packets),
                    (VNIC_STATS_RX_BYTES, s.rx_bytes),
                    (VNIC_STATS_RX_DROPPED, s.rx_dropped),
                    (VNIC_STATS_TX_PACKETS, s.tx_packets),
                    (VNIC_STATS_TX_BYTES, s.tx_bytes),
                    (VNIC_STATS_TX_DROPPED, s.tx_dropped),
                ] {
                    n.put_u64(ty, v, VNIC_STATS_PAD)?;
                }
                Ok(())
            })
        })?
    } else {
        ack.message(c_str!("vnic: STATS_GET needs VNIC_A_RELAY, VNIC_A_SUPERVISOR or VNIC_A_VNIC"));
        return Err(EINVAL);
    };
    if written {
        dump.set_cursor(1);
    }
    Ok(())
}
