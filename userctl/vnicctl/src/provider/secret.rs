//! The provider's OPAQUE keys (RFC 9807's server setup: OPRF seed and key
//! pair): made once (mode 0600), then read at every start. Every user's
//! record depends on them, so they must survive restarts and upgrades.

use crate::error::CliError;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use vnic_auth::{OsRandom, ProviderKeys};
use zeroize::Zeroizing;

/// The keys in `path`, created (with its folder) if the file does not
/// exist.
pub fn load_or_create(path: &Path) -> Result<ProviderKeys, CliError> {
    let shown = path.display();
    match std::fs::read(path).map(Zeroizing::new) {
        Ok(bytes) if bytes.len() == 32 => Err(CliError::Input(format!(
            "the secret file {shown} holds a version 1 secret; protocol version 2 needs new provider keys: \
             move the file away and register every user again with vnicctl passcode-hash"
        ))),
        Ok(bytes) => std::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| CliError::Input(format!("the secret file {shown} does not hold provider keys"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| CliError::Input(format!("cannot create the folder {}: {e}", dir.display())))?;
            }
            let keys = ProviderKeys::generate(&mut OsRandom);
            let text = Zeroizing::new(format!("{keys}\n"));
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| CliError::Input(format!("cannot create the secret file {shown}: {e}")))?;
            f.write_all(text.as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| CliError::Input(format!("cannot write the secret file {shown}: {e}")))?;
            Ok(keys)
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
        let path = dir.join("data/secret");
        let a = load_or_create(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(load_or_create(&path).unwrap().to_string(), a.to_string());
        std::fs::write(&path, [7u8; 32]).unwrap();
        assert!(load_or_create(&path).unwrap_err().to_string().contains("version 1 secret"));
        std::fs::write(&path, b"short").unwrap();
        assert!(load_or_create(&path).unwrap_err().to_string().contains("does not hold provider keys"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
