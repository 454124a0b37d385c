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

/// A TOML syntax or type error as "line L, column C: what" (1-based, the
/// column in characters), from the span the parser gives.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim_end();
    let Some(start) = e.span().map(|s| s.start.min(text.len())) else { return msg.to_string() };
    let Some(before) = text.get(..start) else { return msg.to_string() };
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}: {msg}")
}

/// Opens (creating if needed) the database at `path` with `schema`.
pub fn open_db(path: &Path, schema: &str) -> Result<Connection, CliError> {
    let conn = Connection::open(path)
        .map_err(|e| CliError::Input(format!("cannot open the database {}: {e}", path.display())))?;
    // Write-ahead logging, synced at checkpoints: a transaction survives a
    // crash or kill -9 of the daemon at once, and a power loss once the log
    // is checkpointed (the kernel's sessions do not survive one at all). A
    // grant then costs no fsync: with the default rollback journal, syncing
    // made half of the provider's time per grant (tests/bench/auth_udp.sh).
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .map_err(db_error("setting the journal mode"))?;
    init(conn, schema)
}

/// Adds `column` (with its SQL declaration `decl`) to `table` of a
/// database an earlier version made without it.
pub fn add_column(conn: &Connection, table: &str, column: &str, decl: &str) -> Result<(), CliError> {
    if conn.prepare(&format!("SELECT {column} FROM {table} LIMIT 0")).is_ok() {
        return Ok(());
    }
    conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))
        .map_err(db_error("adding a column to a database of an earlier version"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct T {
        a: u32,
    }

    #[test]
    fn toml_errors_name_line_and_column() {
        let text = "# x\na = \"é\"\n";
        let e = toml::from_str::<T>(text).unwrap_err();
        assert_eq!(toml_error(text, &e), format!("line 2, column 5: {}", e.message().trim_end()));
        let text = "a = 1\n\n  b c\n";
        let e = toml::from_str::<T>(text).unwrap_err();
        assert!(toml_error(text, &e).starts_with("line 3, column 5: "), "{}", toml_error(text, &e));
    }
}
