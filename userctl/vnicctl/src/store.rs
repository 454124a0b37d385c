//! What the two daemons share for their files: reading a TOML
//! configuration and opening a SQLite status database, each mistake one
//! sentence naming the file.

use crate::error::CliError;
use rusqlite::Connection;
use std::path::Path;

/// Reads the configuration at `path` and checks it with `parse`.
pub fn load_config<T>(path: &Path, parse: impl FnOnce(&str) -> Result<T, String>) -> Result<T, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("cannot read the configuration {}: {e}", path.display())))?;
    parse(&text).map_err(|e| CliError::Input(format!("configuration {}: {e}", path.display())))
}

/// Opens (creating if needed) the database at `path` with `schema`.
pub fn open_db(path: &Path, schema: &str) -> Result<Connection, CliError> {
    let conn = Connection::open(path)
        .map_err(|e| CliError::Input(format!("cannot open the database {}: {e}", path.display())))?;
    init(conn, schema)
}

/// A database in memory with `schema` (tests).
#[cfg(test)]
pub fn memory_db(schema: &str) -> Result<Connection, CliError> {
    init(Connection::open_in_memory().map_err(db_error("opening"))?, schema)
}

fn init(conn: Connection, schema: &str) -> Result<Connection, CliError> {
    conn.execute_batch(schema).map_err(db_error("creating the tables"))?;
    Ok(conn)
}

/// The sentence for a failed database step `what`.
pub fn db_error(what: &str) -> impl Fn(rusqlite::Error) -> CliError + '_ {
    move |e| CliError::Input(format!("database: {what} failed: {e}"))
}
