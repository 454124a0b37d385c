//! Passcodes: reading one (from a file or stdin) and `vnicctl
//! passcode-hash`, which registers a user (RFC 9807's registration, both
//! sides here, against the provider's keys) and prints the record for the
//! provider's configuration.

use crate::error::CliError;
use std::io::BufRead;
use std::path::Path;
use vnic_auth::{Argon2Cost, OsRandom, Record};
use zeroize::Zeroizing;

/// The first line of `file`, or of stdin without one, without its line end.
pub fn read(file: Option<&Path>) -> Result<Zeroizing<String>, CliError> {
    let mut line = Zeroizing::new(String::new());
    let result = match file {
        Some(path) => std::fs::File::open(path)
            .and_then(|f| std::io::BufReader::new(f).read_line(&mut line))
            .map_err(|e| CliError::Input(format!("cannot read the passcode file {}: {e}", path.display()))),
        None => std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Input(format!("cannot read the passcode on stdin: {e}"))),
    };
    result?;
    let text = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_string());
    if text.is_empty() {
        return Err(CliError::Input("the passcode is empty".into()));
    }
    Ok(text)
}

/// Prints the record of `user` with the passcode read on stdin, against
/// the provider keys in `keys` (made if missing; `test_cost`: the cheapest
/// argon2 cost, for tests only).
pub fn hash(user: &str, keys: &Path, test_cost: bool) -> Result<(), CliError> {
    if user.is_empty() || user.len() > 63 || user.chars().any(char::is_control) {
        return Err(CliError::Input(format!("'{user}' is not a user name (1 to 63 bytes, no control characters)")));
    }
    let passcode = read(None)?;
    let keys = crate::provider::secret::load_or_create(keys)?;
    let cost = if test_cost { Argon2Cost::TEST } else { Argon2Cost::DEFAULT };
    let record = Record::register(&keys, user, passcode.as_bytes(), cost, &mut OsRandom)
        .map_err(|e| CliError::Input(format!("cannot register the passcode: {e}")))?;
    println!("{record}");
    Ok(())
}
