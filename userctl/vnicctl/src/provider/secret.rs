//! The server's 32-byte secret: made once with random bytes (mode 0600),
//! then read at every start, so fake salts stay the same across restarts.

use crate::error::CliError;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use vnic_auth::{OsRandom, Random};

/// The secret in `path`, created if the file does not exist.
pub fn load_or_create(path: &Path) -> Result<[u8; 32], CliError> {
    let shown = path.display();
    match std::fs::read(path) {
        Ok(bytes) => bytes
            .try_into()
            .map_err(|b: Vec<u8>| CliError::Input(format!("the secret file {shown} holds {} bytes, not 32", b.len()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = [0u8; 32];
            OsRandom.fill(&mut secret);
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| CliError::Input(format!("cannot create the secret file {shown}: {e}")))?;
            f.write_all(&secret)
                .and_then(|()| f.sync_all())
                .map_err(|e| CliError::Input(format!("cannot write the secret file {shown}: {e}")))?;
            Ok(secret)
        }
        Err(e) => Err(CliError::Input(format!("cannot read the secret file {shown}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn made_once_private_then_reused() {
        let dir = std::env::temp_dir().join(format!("vnic-secret-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        let a = load_or_create(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(load_or_create(&path).unwrap(), a);
        std::fs::write(&path, b"short").unwrap();
        assert!(load_or_create(&path).unwrap_err().to_string().contains("5 bytes"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
