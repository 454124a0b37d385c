//! The live sessions, kept in step in the kernel (the relay's table) and
//! the database: granting, expiring and reconciling after a restart.

use super::db::{Db, SessionRow};
use super::kernel::Relay;
use super::reconcile::{self, Key};
use super::log;
use crate::error::CliError;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use crate::clock::unix_now;
use vnic_auth::Session;


/// Who holds a live session: (client, ID) → (user, vNIC name).
pub type Owners = HashMap<(IpAddr, u16), (String, String)>;

/// Kernel and database together, with an in-memory view of the live
/// sessions indexed so that a grant costs the same with 65,535 sessions as
/// with one.
pub struct Sessions {
    db: Db,
    relay: Relay,
    used: HashSet<u16>,
    owners: Owners,
    /// The IDs each client holds (a few per client).
    by_client: HashMap<IpAddr, Vec<u16>>,
    /// How many sessions hold each ID (a fixed ID: every client's).
    holders: HashMap<u16, usize>,
}

impl Sessions {
    /// Sessions over `db` and `relay`.
    pub fn new(db: Db, relay: Relay) -> Result<Sessions, CliError> {
        let mut s = Sessions {
            db,
            relay,
            used: HashSet::new(),
            owners: HashMap::new(),
            by_client: HashMap::new(),
            holders: HashMap::new(),
        };
        s.refresh_used()?;
        Ok(s)
    }

    /// The live sessions' rows, for the status report.
    pub fn rows(&self) -> Result<Vec<SessionRow>, CliError> {
        self.db.sessions()
    }

    /// The IDs of live sessions.
    pub fn used(&self) -> &HashSet<u16> {
        &self.used
    }

    /// The owners of live sessions.
    pub fn owners(&self) -> &Owners {
        &self.owners
    }

    fn refresh_used(&mut self) -> Result<(), CliError> {
        let rows = self.db.sessions()?;
        self.used.clear();
        self.owners.clear();
        self.by_client.clear();
        self.holders.clear();
        for s in rows {
            self.remember(s.client, s.id, s.user, s.vnic);
        }
        Ok(())
    }

    /// Adds `(client, id)` to the in-memory view.
    fn remember(&mut self, client: IpAddr, id: u16, user: String, vnic: String) {
        if self.owners.insert((client, id), (user, vnic)).is_none() {
            self.by_client.entry(client).or_default().push(id);
            *self.holders.entry(id).or_insert(0) += 1;
            self.used.insert(id);
        }
    }

    /// Installs a granted session on vNIC `vnic`: kernel first, then the
    /// row; if the row cannot be written the kernel session is taken back.
    /// A session already present (the same client and ID) is renewed; an
    /// earlier one of the same client on the same vNIC is removed.
    pub fn grant(&mut self, g: &Session, vnic: &str) -> Result<(), CliError> {
        let (client, id, now) = (g.client, g.id.get(), unix_now());
        // The kernel allows one session per client and vNIC: a new
        // handshake replaces the earlier session.
        let earlier: Vec<u16> = self
            .by_client
            .get(&client)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| i != id && self.owners.get(&(client, i)).is_some_and(|(_, v)| v == vnic))
            .collect();
        for old_id in earlier {
            if let Err(e) = self.relay.del(client, old_id) {
                log(&format!("replacing: {e}"));
            }
            self.db.delete(client, old_id)?;
            self.forget(client, old_id);
            log(&format!("replaced the session of {client} with ID {old_id} on {vnic}"));
        }
        let old = self.db.session(client, id)?;
        let created = match &old {
            Some(o) if o.vnic == vnic => o.created,
            Some(_) => {
                self.relay.del(client, id)?;
                self.relay.add(client, id, vnic)?;
                now
            }
            None => {
                self.relay.add(client, id, vnic)?;
                now
            }
        };
        let row = SessionRow {
            client,
            id,
            user: g.user.clone(),
            service: g.service.clone(),
            vnic: vnic.to_string(),
            created,
            last_seen: now,
            path: path_report(g).to_string(),
        };
        if let Err(e) = self.db.upsert(&row) {
            if old.is_none() {
                let _ = self.relay.del(client, id);
            }
            return Err(e);
        }
        self.remember(client, id, row.user, row.vnic);
        Ok(())
    }

    /// Drops `(client, id)` from the in-memory view after its row went.
    fn forget(&mut self, client: IpAddr, id: u16) {
        if self.owners.remove(&(client, id)).is_none() {
            return;
        }
        if let Some(ids) = self.by_client.get_mut(&client) {
            ids.retain(|&i| i != id);
            if ids.is_empty() {
                self.by_client.remove(&client);
            }
        }
        if let Some(n) = self.holders.get_mut(&id) {
            *n -= 1;
            if *n == 0 {
                self.holders.remove(&id);
                self.used.remove(&id);
            }
        }
    }

    /// Removes the sessions whose last handshake is older than `idle_secs`.
    pub fn expire(&mut self, idle_secs: u64) -> Result<(), CliError> {
        let limit = unix_now().saturating_sub(i64::try_from(idle_secs).unwrap_or(i64::MAX));
        for s in self.db.sessions()?.into_iter().filter(|s| s.last_seen < limit) {
            if let Err(e) = self.relay.del(s.client, s.id) {
                log(&format!("expiring: {e}"));
            }
            self.db.delete(s.client, s.id)?;
            log(&format!(
                "expired the session of user {:?} from {} (ID {} on {}): no handshake for {idle_secs} s",
                s.user, s.client, s.id, s.vnic
            ));
        }
        self.refresh_used()
    }

    /// Makes the kernel hold exactly the database's sessions of configured
    /// vNICs (`vnics`): after a restart, a crash or changes behind the
    /// provider's back.
    pub fn reconcile(&mut self, vnics: &[&str]) -> Result<(), CliError> {
        let rows: Vec<Key> = self.db.sessions()?.into_iter().map(|s| (s.client, s.id, s.vnic)).collect();
        let kernel = self.relay.dump()?;
        let plan = reconcile::plan(&rows, &kernel, vnics);
        for (client, id, vnic) in &plan.forget {
            self.db.delete(*client, *id)?;
            log(&format!("reconcile: forgot the session of {client} with ID {id}: {vnic} is not configured"));
        }
        for (client, id, vnic) in &plan.remove {
            self.relay.del(*client, *id)?;
            log(&format!("reconcile: removed the kernel session of {client} with ID {id} on {vnic}: not in the database"));
        }
        for (client, id, vnic) in &plan.add {
            match self.relay.add(*client, *id, vnic) {
                Ok(()) => log(&format!("reconcile: restored the session of {client} with ID {id} on {vnic}")),
                Err(e) => {
                    log(&format!("reconcile: {e}; dropping the row"));
                    self.db.delete(*client, *id)?;
                }
            }
        }
        log(&format!(
            "reconciled: {} sessions in the database, {} restored, {} removed from the kernel",
            rows.len() - plan.forget.len(),
            plan.add.len(),
            plan.remove.len()
        ));
        self.refresh_used()
    }
}

/// The supervisor's report of its path check in the Auth-REQ ("ok",
/// "failed"; "" when it sent none or a value this version does not know).
pub fn path_report(g: &Session) -> &'static str {
    let tlv = g.ext.iter().find(|t| t.kind == vnic_auth::wire::TLV_PATH_CHECK);
    match tlv.map(|t| t.value.as_slice()) {
        Some([vnic_auth::wire::PATH_OK]) => "ok",
        Some([vnic_auth::wire::PATH_FAILED]) => "failed",
        _ => "",
    }
}
