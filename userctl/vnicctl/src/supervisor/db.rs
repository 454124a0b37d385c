//! The supervisor's profiled status database (SQLite): its providers with
//! the vNICs and clients seen there, and the sessions it holds. Readable
//! with `sqlite3 supervisor.db 'select * from sessions'`.

use super::config::Config;
use crate::error::CliError;
use crate::store::{self, db_error};
use rusqlite::{params, Connection};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS providers (
    name TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    vnic_list TEXT NOT NULL DEFAULT '',   -- vNIC numbers granted there: \"1 2\"
    client_list TEXT NOT NULL DEFAULT ''  -- clients with a session there
);
CREATE TABLE IF NOT EXISTS vnics (
    provider TEXT NOT NULL,
    number INTEGER NOT NULL,
    service TEXT NOT NULL,
    server TEXT NOT NULL,       -- where the service is reached
    port INTEGER NOT NULL,
    last_granted INTEGER NOT NULL, -- Unix time
    PRIMARY KEY (provider, number, service)
);
CREATE TABLE IF NOT EXISTS sessions (
    provider TEXT NOT NULL,
    user TEXT NOT NULL,
    service TEXT NOT NULL,
    client TEXT NOT NULL,       -- '' for this host, else the bridged client
    id INTEGER NOT NULL,
    vnic INTEGER NOT NULL,
    server TEXT NOT NULL,
    port INTEGER NOT NULL,
    granted INTEGER NOT NULL,   -- Unix time this ID was first granted
    renewed INTEGER NOT NULL,   -- Unix time of the last handshake
    state TEXT NOT NULL,        -- 'active', or 'retrying' after failed renewals
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL DEFAULT '',  -- the path check of the session's start
    granted_by TEXT NOT NULL DEFAULT '', -- the SP renewals go to ('' none: through the configured addresses)
    PRIMARY KEY (provider, service, client)
);
";

/// Which configured session a row belongs to: provider, service, client.
pub type Key = (String, String, Option<IpAddr>);

/// One row of `sessions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The provider's name.
    pub provider: String,
    /// Who authenticated.
    pub user: String,
    /// The service.
    pub service: String,
    /// The bridged client, or `None` for this host.
    pub client: Option<IpAddr>,
    /// The granted ID.
    pub id: u16,
    /// The provider's vNIC number.
    pub vnic: u16,
    /// The service's address.
    pub server: IpAddr,
    /// The service's TCP port.
    pub port: u16,
    /// When this ID was first granted (Unix time).
    pub granted: i64,
    /// When it was last renewed (Unix time).
    pub renewed: i64,
    /// Renewals failed in a row since.
    pub failures: u32,
    /// The last failure's sentence.
    pub last_error: String,
}

impl SessionRow {
    /// The configured session it belongs to.
    pub fn key(&self) -> Key {
        (self.provider.clone(), self.service.clone(), self.client)
    }
}

/// The open database.
pub struct Db {
    conn: Connection,
}

fn client_text(c: Option<IpAddr>) -> String {
    c.map_or_else(String::new, |a| a.to_string())
}

impl Db {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Db, CliError> {
        let conn = store::open_db(path, SCHEMA)?;
        store::add_column(&conn, "sessions", "path", "TEXT NOT NULL DEFAULT ''")?;
        store::add_column(&conn, "sessions", "granted_by", "TEXT NOT NULL DEFAULT ''")?;
        Ok(Db { conn })
    }

    /// A database in memory (tests).
    #[cfg(test)]
    pub fn memory() -> Result<Db, CliError> {
        Ok(Db { conn: store::memory_db(SCHEMA)? })
    }

    /// Replaces the `providers` table with the configuration's.
    pub fn load_config(&mut self, c: &Config) -> Result<(), CliError> {
        let tx = self.conn.transaction().map_err(db_error("a transaction"))?;
        // A provider whose addresses changed: its sessions forget the SP
        // they renewed with and ask the new addresses.
        for p in &c.providers {
            tx.execute(
                "UPDATE sessions SET granted_by = '' WHERE provider = ?1
                 AND NOT EXISTS (SELECT 1 FROM providers WHERE name = ?1 AND address = ?2)",
                params![p.name, p.addresses.join(" ")],
            )
            .map_err(db_error("forgetting the SPs of a changed provider"))?;
        }
        tx.execute("DELETE FROM providers", []).map_err(db_error("clearing providers"))?;
        for p in &c.providers {
            tx.execute("INSERT INTO providers (name, address) VALUES (?1, ?2)", params![p.name, p.addresses.join(" ")])
                .map_err(db_error("writing providers"))?;
        }
        refresh_lists(&tx)?;
        tx.commit().map_err(db_error("committing the configuration"))
    }

    /// Every session.
    pub fn sessions(&self) -> Result<Vec<SessionRow>, CliError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT provider, user, service, client, id, vnic, server, port, granted, renewed, failures, last_error
                 FROM sessions ORDER BY provider, service, client",
            )
            .map_err(db_error("reading sessions"))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?),
                    (r.get::<_, u16>(4)?, r.get::<_, u16>(5)?, r.get::<_, String>(6)?, r.get::<_, u16>(7)?),
                    (r.get::<_, i64>(8)?, r.get::<_, i64>(9)?, r.get::<_, u32>(10)?, r.get::<_, String>(11)?),
                ))
            })
            .map_err(db_error("reading sessions"))?;
        let bad = |what: &str, text: &str| CliError::Input(format!("database: session {what} '{text}' is not an address"));
        let mut out = Vec::new();
        for row in rows {
            let ((provider, user, service, client), (id, vnic, server, port), (granted, renewed, failures, last_error)) =
                row.map_err(db_error("reading sessions"))?;
            let client = match client.as_str() {
                "" => None,
                text => Some(text.parse().map_err(|_| bad("client", text))?),
            };
            let server = server.parse().map_err(|_| bad("server", &server))?;
            out.push(SessionRow {
                provider,
                user,
                service,
                client,
                id,
                vnic,
                server,
                port,
                granted,
                renewed,
                failures,
                last_error,
            });
        }
        Ok(out)
    }

    /// Writes `s` (a grant or renewal): state active, no failures; the
    /// vNIC it names is recorded for its provider.
    pub fn upsert(&mut self, s: &SessionRow) -> Result<(), CliError> {
        let tx = self.conn.transaction().map_err(db_error("a transaction"))?;
        tx.execute(
            "INSERT INTO sessions (provider, user, service, client, id, vnic, server, port, granted, renewed, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'active')
             ON CONFLICT (provider, service, client) DO UPDATE SET user = ?2, id = ?5, vnic = ?6, server = ?7,
                 port = ?8, granted = ?9, renewed = ?10, state = 'active', failures = 0, last_error = ''",
            params![
                s.provider,
                s.user,
                s.service,
                client_text(s.client),
                s.id,
                s.vnic,
                s.server.to_string(),
                s.port,
                s.granted,
                s.renewed
            ],
        )
        .map_err(db_error("writing a session"))?;
        tx.execute(
            "INSERT INTO vnics (provider, number, service, server, port, last_granted) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (provider, number, service) DO UPDATE SET server = ?4, port = ?5, last_granted = ?6",
            params![s.provider, s.vnic, s.service, s.server.to_string(), s.port, s.renewed],
        )
        .map_err(db_error("writing a vNIC"))?;
        refresh_lists(&tx)?;
        tx.commit().map_err(db_error("committing a session"))
    }

    /// Records a failed renewal of the session `key`.
    pub fn failed(&mut self, key: &Key, error: &str) -> Result<(), CliError> {
        self.conn
            .execute(
                "UPDATE sessions SET state = 'retrying', failures = failures + 1, last_error = ?4
                 WHERE provider = ?1 AND service = ?2 AND client = ?3",
                params![key.0, key.1, client_text(key.2), error],
            )
            .map(drop)
            .map_err(db_error("recording a failure"))
    }

    /// Records the SP that renewals of session `key` go to (`None`: the
    /// configured addresses), so that a restart keeps asking it.
    pub fn set_granted_by(&mut self, key: &Key, sp: Option<SocketAddr>) -> Result<(), CliError> {
        let sp = sp.map(|a| a.to_string()).unwrap_or_default();
        self.conn
            .execute(
                "UPDATE sessions SET granted_by = ?4 WHERE provider = ?1 AND service = ?2 AND client = ?3",
                params![key.0, key.1, client_text(key.2), sp],
            )
            .map(drop)
            .map_err(db_error("recording the granting SP"))
    }

    /// The SP each session renews with, as recorded.
    pub fn granted_by(&self) -> Result<Vec<(Key, SocketAddr)>, CliError> {
        let mut st = self
            .conn
            .prepare("SELECT provider, service, client, granted_by FROM sessions WHERE granted_by != ''")
            .map_err(db_error("reading the granting SPs"))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)))
            .map_err(db_error("reading the granting SPs"))?;
        let mut out = Vec::new();
        for row in rows {
            let (provider, service, client, sp) = row.map_err(db_error("reading the granting SPs"))?;
            // A row this version cannot read is asked through the configured addresses.
            let (Ok(sp), Ok(client)) = (sp.parse(), if client.is_empty() { Ok(None) } else { client.parse().map(Some) }) else {
                continue;
            };
            out.push(((provider, service, client), sp));
        }
        Ok(out)
    }

    /// Records the path check of session `key` ("ok", "failed: ...").
    pub fn path_checked(&mut self, key: &Key, result: &str) -> Result<(), CliError> {
        self.conn
            .execute(
                "UPDATE sessions SET path = ?4 WHERE provider = ?1 AND service = ?2 AND client = ?3",
                params![key.0, key.1, client_text(key.2), result],
            )
            .map(drop)
            .map_err(db_error("recording a path check"))
    }

    /// Deletes the session `key`.
    pub fn delete(&mut self, key: &Key) -> Result<(), CliError> {
        let tx = self.conn.transaction().map_err(db_error("a transaction"))?;
        tx.execute(
            "DELETE FROM sessions WHERE provider = ?1 AND service = ?2 AND client = ?3",
            params![key.0, key.1, client_text(key.2)],
        )
        .map_err(db_error("deleting a session"))?;
        refresh_lists(&tx)?;
        tx.commit().map_err(db_error("committing a deletion"))
    }
}

/// Recomputes `providers.vnic_list` and `client_list`.
fn refresh_lists(tx: &rusqlite::Transaction<'_>) -> Result<(), CliError> {
    tx.execute(
        "UPDATE providers SET
             vnic_list = coalesce((SELECT group_concat(number, ' ') FROM
                 (SELECT DISTINCT number FROM vnics WHERE vnics.provider = providers.name ORDER BY number)), ''),
             client_list = coalesce((SELECT group_concat(c, ' ') FROM
                 (SELECT DISTINCT CASE client WHEN '' THEN 'this-host' ELSE client END AS c
                  FROM sessions WHERE sessions.provider = providers.name ORDER BY c)), '')",
        [],
    )
    .map(drop)
    .map_err(db_error("updating the provider lists"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(service: &str, client: Option<&str>, id: u16) -> SessionRow {
        SessionRow {
            provider: "sp1".into(),
            user: "alice".into(),
            service: service.into(),
            client: client.map(|c| c.parse().unwrap()),
            id,
            vnic: 2,
            server: "10.0.2.1".parse().unwrap(),
            port: 80,
            granted: 100,
            renewed: 100,
            failures: 0,
            last_error: String::new(),
        }
    }

    fn lists(db: &Db) -> (String, String) {
        db.conn
            .query_row("SELECT vnic_list, client_list FROM providers WHERE name = 'sp1'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap()
    }

    #[test]
    fn sessions_are_granted_renewed_failed_and_deleted() {
        let mut db = Db::memory().unwrap();
        let config = super::super::config::parse(
            "dev = \"ss0\"\ndata_dir = \"/x\"\n[[provider]]\nname = \"sp1\"\naddress = \"10.0.2.1\"\n",
        )
        .unwrap();
        db.load_config(&config).unwrap();
        db.upsert(&row("http", None, 7)).unwrap();
        db.upsert(&row("http", Some("192.168.10.5"), 8)).unwrap();
        assert_eq!(lists(&db), ("2".into(), "192.168.10.5 this-host".into()));
        let mut renewed = row("http", None, 7);
        renewed.renewed = 200;
        db.upsert(&renewed).unwrap();
        db.failed(&renewed.key(), "no answer").unwrap();
        let all = db.sessions().unwrap();
        assert_eq!(all.len(), 2);
        let mine = all.iter().find(|s| s.client.is_none()).unwrap();
        assert_eq!((mine.renewed, mine.failures, mine.last_error.as_str()), (200, 1, "no answer"));
        db.upsert(&renewed).unwrap();
        assert_eq!(db.sessions().unwrap().iter().find(|s| s.client.is_none()).unwrap().failures, 0);
        db.delete(&renewed.key()).unwrap();
        assert_eq!(db.sessions().unwrap(), vec![row("http", Some("192.168.10.5"), 8)]);
        assert_eq!(lists(&db).1, "192.168.10.5");
    }

    #[test]
    fn the_granting_sp_is_kept_until_the_providers_addresses_change() {
        let mut db = Db::memory().unwrap();
        let conf = |addr: &str| {
            let text = format!("dev = \"ss0\"\ndata_dir = \"/x\"\n[[provider]]\nname = \"sp1\"\naddress = \"{addr}\"\n");
            super::super::config::parse(&text).unwrap()
        };
        db.load_config(&conf("10.0.2.11")).unwrap();
        let r = row("http", None, 7);
        db.upsert(&r).unwrap();
        let sp: SocketAddr = "10.0.2.2:7390".parse().unwrap();
        db.set_granted_by(&r.key(), Some(sp)).unwrap();
        assert_eq!(db.granted_by().unwrap(), vec![(r.key(), sp)]);
        db.load_config(&conf("10.0.2.11")).unwrap();
        assert_eq!(db.granted_by().unwrap(), vec![(r.key(), sp)], "the same configuration keeps it");
        db.load_config(&conf("10.0.2.12")).unwrap();
        assert_eq!(db.granted_by().unwrap(), vec![], "new addresses forget it");
        db.set_granted_by(&r.key(), Some(sp)).unwrap();
        db.set_granted_by(&r.key(), None).unwrap();
        assert_eq!(db.granted_by().unwrap(), vec![]);
    }
}
