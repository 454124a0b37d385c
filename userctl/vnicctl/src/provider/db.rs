//! The profiled status database (SQLite): the vNICs and users of the
//! configuration as an administrator sees them, and the live sessions.
//! Readable with `sqlite3 vnic.db 'select * from sessions'`.

use super::config::Config;
use crate::error::CliError;
use crate::store::{self, db_error};
use rusqlite::{params, Connection};
use std::net::IpAddr;
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS vnics (
    name TEXT PRIMARY KEY,      -- vNIC NAME
    number INTEGER NOT NULL,
    id_list TEXT NOT NULL,      -- ID LIST: \"7\" or \"100-199\"
    data_folder TEXT,           -- DATA FOLDER
    service_list TEXT NOT NULL, -- SERVICE LIST: \"http:80 ssh:22\"
    client_list TEXT NOT NULL DEFAULT '' -- CLIENT LIST: clients with a session
);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    passcode TEXT NOT NULL,     -- argon2id$m=..,t=..,p=..$salt$K
    allowed TEXT NOT NULL       -- \"vnic1 vnic2:ssh\"
);
CREATE TABLE IF NOT EXISTS sessions (
    client TEXT NOT NULL,
    id INTEGER NOT NULL,
    user TEXT NOT NULL,
    service TEXT NOT NULL,
    vnic TEXT NOT NULL,
    created INTEGER NOT NULL,   -- Unix time
    last_seen INTEGER NOT NULL, -- Unix time of the last handshake
    state TEXT NOT NULL,        -- 'active'
    path TEXT NOT NULL DEFAULT '', -- the supervisor's path check: 'ok', 'failed', '' not reported
    PRIMARY KEY (client, id)
);
";

/// One row of `sessions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The client's address.
    pub client: IpAddr,
    /// The ID.
    pub id: u16,
    /// Who authenticated.
    pub user: String,
    /// The service asked for.
    pub service: String,
    /// The vNIC (device name).
    pub vnic: String,
    /// When it was first granted (Unix time).
    pub created: i64,
    /// When it was last granted (Unix time).
    pub last_seen: i64,
    /// The supervisor's report of its path check ("ok", "failed", "" none
    /// yet), carried in its Auth-REQ; kept by `upsert` when empty.
    pub path: String,
}

/// The open database.
pub struct Db {
    conn: Connection,
}

impl Db {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Db, CliError> {
        let conn = store::open_db(path, SCHEMA)?;
        store::add_column(&conn, "sessions", "path", "TEXT NOT NULL DEFAULT ''")?;
        Ok(Db { conn })
    }

    /// A database in memory (tests).
    #[cfg(test)]
    pub fn memory() -> Result<Db, CliError> {
        Ok(Db { conn: store::memory_db(SCHEMA)? })
    }

    /// Replaces the `vnics` and `users` tables with the configuration's.
    pub fn load_config(&mut self, c: &Config) -> Result<(), CliError> {
        let tx = self.conn.transaction().map_err(db_error("a transaction"))?;
        tx.execute("DELETE FROM vnics", []).map_err(db_error("clearing vnics"))?;
        tx.execute("DELETE FROM users", []).map_err(db_error("clearing users"))?;
        for v in &c.vnics {
            let services: Vec<String> = v.services.iter().map(|s| format!("{}:{}", s.name, s.port)).collect();
            tx.execute(
                "INSERT INTO vnics (name, number, id_list, data_folder, service_list) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![v.name, v.number, v.ids.to_text(), v.data_folder, services.join(" ")],
            )
            .map_err(db_error("writing vnics"))?;
        }
        for u in &c.users {
            tx.execute(
                "INSERT INTO users (name, passcode, allowed) VALUES (?1, ?2, ?3)",
                params![u.name, u.record.to_string(), u.allow.join(" ")],
            )
            .map_err(db_error("writing users"))?;
        }
        refresh_clients(&tx)?;
        tx.commit().map_err(db_error("committing the configuration"))
    }

    /// Every session.
    pub fn sessions(&self) -> Result<Vec<SessionRow>, CliError> {
        let mut st = self
            .conn
            .prepare("SELECT client, id, user, service, vnic, created, last_seen, path FROM sessions ORDER BY client, id")
            .map_err(db_error("reading sessions"))?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u16>(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
            })
            .map_err(db_error("reading sessions"))?;
        let mut out = Vec::new();
        for row in rows {
            let (client, id, user, service, vnic, created, last_seen, path) = row.map_err(db_error("reading sessions"))?;
            let client = client
                .parse()
                .map_err(|_| CliError::Input(format!("database: session client '{client}' is not an address")))?;
            out.push(SessionRow { client, id, user, service, vnic, created, last_seen, path });
        }
        Ok(out)
    }

    /// The session of `client` with `id`, if any.
    pub fn session(&self, client: IpAddr, id: u16) -> Result<Option<SessionRow>, CliError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT user, service, vnic, created, last_seen, path FROM sessions WHERE client = ?1 AND id = ?2")
            .map_err(db_error("reading a session"))?;
        let mut rows = st
            .query_map(params![client.to_string(), id], |r| {
                Ok(SessionRow {
                    client,
                    id,
                    user: r.get(0)?,
                    service: r.get(1)?,
                    vnic: r.get(2)?,
                    created: r.get(3)?,
                    last_seen: r.get(4)?,
                    path: r.get(5)?,
                })
            })
            .map_err(db_error("reading a session"))?;
        rows.next().transpose().map_err(db_error("reading a session"))
    }

    /// Inserts `s`, or renews the row of the same client and ID.
    pub fn upsert(&mut self, s: &SessionRow) -> Result<(), CliError> {
        let tx = self.conn.transaction().map_err(db_error("a transaction"))?;
        tx.execute(
            "INSERT INTO sessions (client, id, user, service, vnic, created, last_seen, state, path)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8)
             ON CONFLICT (client, id) DO UPDATE SET user = ?3, service = ?4, vnic = ?5, last_seen = ?7,
                 path = CASE WHEN ?8 = '' THEN path ELSE ?8 END",
            params![s.client.to_string(), s.id, s.user, s.service, s.vnic, s.created, s.last_seen, s.path],
        )
        .map_err(db_error("writing a session"))?;
        refresh_clients(&tx)?;
        tx.commit().map_err(db_error("committing a session"))
    }

    /// Deletes the session of `client` with `id`.
    pub fn delete(&mut self, client: IpAddr, id: u16) -> Result<(), CliError> {
        let tx = self.conn.transaction().map_err(db_error("a transaction"))?;
        tx.execute("DELETE FROM sessions WHERE client = ?1 AND id = ?2", params![client.to_string(), id])
            .map_err(db_error("deleting a session"))?;
        refresh_clients(&tx)?;
        tx.commit().map_err(db_error("committing a deletion"))
    }
}

/// Recomputes `vnics.client_list` from `sessions`.
fn refresh_clients(tx: &rusqlite::Transaction<'_>) -> Result<(), CliError> {
    tx.execute(
        "UPDATE vnics SET client_list = coalesce(
             (SELECT group_concat(client, ' ') FROM sessions WHERE sessions.vnic = vnics.name), '')",
        [],
    )
    .map(drop)
    .map_err(db_error("updating client lists"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(client: &str, id: u16, at: i64) -> SessionRow {
        SessionRow {
            client: client.parse().unwrap(),
            id,
            user: "alice".into(),
            service: "http".into(),
            vnic: "vnic1".into(),
            created: at,
            last_seen: at,
            path: String::new(),
        }
    }

    #[test]
    fn sessions_are_inserted_renewed_and_deleted() {
        let mut db = Db::memory().unwrap();
        db.upsert(&row("10.0.1.2", 1, 100)).unwrap();
        db.upsert(&row("fd00::2", 7, 100)).unwrap();
        db.upsert(&row("10.0.1.2", 1, 200)).unwrap();
        let all = db.sessions().unwrap();
        assert_eq!(all.len(), 2);
        let s = db.session("10.0.1.2".parse().unwrap(), 1).unwrap().unwrap();
        assert_eq!((s.created, s.last_seen), (100, 200));
        db.delete("10.0.1.2".parse().unwrap(), 1).unwrap();
        assert_eq!(db.sessions().unwrap(), vec![row("fd00::2", 7, 100)]);
    }

    #[test]
    fn the_configuration_and_client_lists_are_visible_in_sql() {
        let c = super::super::config::parse(&crate::provider::testdata::sample("")).unwrap();
        let mut db = Db::memory().unwrap();
        db.load_config(&c).unwrap();
        db.upsert(&row("10.0.1.2", 1, 100)).unwrap();
        let (ids, services, clients): (String, String, String) = db
            .conn
            .query_row("SELECT id_list, service_list, client_list FROM vnics WHERE name = 'vnic1'", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!((ids.as_str(), services.as_str(), clients.as_str()), ("1", "http:80", "10.0.1.2"));
        db.load_config(&c).unwrap();
        db.delete("10.0.1.2".parse().unwrap(), 1).unwrap();
        let clients: String =
            db.conn.query_row("SELECT client_list FROM vnics WHERE name = 'vnic1'", [], |r| r.get(0)).unwrap();
        assert_eq!(clients, "");
    }
}
