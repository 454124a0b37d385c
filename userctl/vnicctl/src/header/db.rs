//! The header's part of the profiled status database (SQLite): each SP of
//! the catalog, the highest report sequence accepted from it (so that a
//! restarted header refuses old reports), its last report and when it came.
//! Readable with `sqlite3 header.db 'select * from sps'`.

use crate::error::CliError;
use crate::store::{self, db_error};
use rusqlite::{params, Connection};
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sps (
    name TEXT PRIMARY KEY,
    last_sequence INTEGER NOT NULL, -- the highest report sequence accepted
    auth TEXT,                      -- where its authentication answers
    report TEXT,                    -- its last report (JSON, as in header status)
    seen INTEGER                    -- Unix time of the last report
);
";

/// The open database: the catalog's table in SQLite.
pub struct Db(Connection);

/// Opens (creating if needed) the database at `path`, or in memory.
pub fn open(path: Option<&Path>) -> Result<Db, CliError> {
    let conn = match path {
        Some(p) => store::open_db(p, SCHEMA)?,
        None => Connection::open_in_memory().map_err(db_error("opening"))?,
    };
    conn.execute_batch(SCHEMA).map_err(db_error("creating the tables"))?;
    Ok(Db(conn))
}

impl Db {
    /// The last accepted sequence of every SP it knows.
    pub fn sequences(&self) -> Result<Vec<(String, u64)>, CliError> {
        let mut st = self.0.prepare("SELECT name, last_sequence FROM sps").map_err(db_error("reading the SPs"))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(db_error("reading the SPs"))?;
        rows.map(|r| r.map(|(n, s)| (n, s as u64)).map_err(db_error("reading the SPs"))).collect()
    }

    /// Records an accepted report of `name`.
    pub fn accepted(&mut self, name: &str, sequence: u64, auth: &str, report: &str, seen: i64) -> Result<(), CliError> {
        self.0
            .execute(
                "INSERT INTO sps (name, last_sequence, auth, report, seen) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(name) DO UPDATE SET last_sequence = ?2, auth = ?3, report = ?4, seen = ?5",
                params![name, sequence as i64, auth, report, seen],
            )
            .map_err(db_error("recording a report"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_survive_and_only_grow_by_update() {
        let mut db = open(None).unwrap();
        db.accepted("sp1", 10, "10.0.2.1:7390", "{}", 1).unwrap();
        db.accepted("sp1", 12, "10.0.2.1:7390", "{}", 2).unwrap();
        db.accepted("sp2", u64::MAX >> 1, "10.0.2.2:7390", "{}", 2).unwrap();
        let mut s = db.sequences().unwrap();
        s.sort();
        assert_eq!(s, vec![("sp1".to_string(), 12), ("sp2".to_string(), u64::MAX >> 1)]);
    }
}
