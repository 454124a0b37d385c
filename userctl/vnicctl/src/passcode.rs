//! Passcodes: reading one (from a file or stdin) and `vnicctl
//! passcode-hash`, which prints the stored form for the provider's
//! configuration.

use crate::error::CliError;
use std::io::BufRead;
use std::path::Path;
use vnic_auth::{Argon2Cost, OsRandom, Verifier};
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

/// Prints the stored form of the passcode read on stdin (`test_cost`: the
/// cheapest argon2 cost, for tests only).
pub fn hash(test_cost: bool) -> Result<(), CliError> {
    let passcode = read(None)?;
    let cost = if test_cost { Argon2Cost::TEST } else { Argon2Cost::DEFAULT };
    let v = Verifier::create(passcode.as_bytes(), cost, &mut OsRandom)
        .map_err(|e| CliError::Input(format!("cannot derive the passcode's key: {e}")))?;
    println!("{v}");
    Ok(())
}
