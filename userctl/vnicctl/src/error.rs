//! vnicctl's errors: each becomes one sentence on stderr and exit status 1.

use std::io;

/// Everything that can stop a vnicctl command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The user's input is wrong.
    #[error("{0}")]
    Input(String),
    /// The kernel refused the request.
    #[error("{0}")]
    Kernel(String),
    /// Talking to the kernel failed.
    #[error("cannot talk to the kernel over netlink: {0}")]
    Netlink(io::Error),
}

/// The human sentence for a kernel error code in the context of `what`
/// (e.g. "creating vnic1"), with the kernel's own extack message if any.
pub fn kernel_error(what: &str, errno: i32, extack: Option<&str>) -> CliError {
    let reason = match errno {
        libc::EPERM | libc::EACCES => {
            "permission denied: this needs root (CAP_NET_ADMIN)".to_string()
        }
        libc::EOPNOTSUPP => {
            "the vnic kernel module is not loaded (load it with: insmod vnic.ko)".to_string()
        }
        libc::EEXIST => "a device with that name already exists".to_string(),
        libc::ENODEV => "there is no such device".to_string(),
        _ => io::Error::from_raw_os_error(errno).to_string().to_lowercase(),
    };
    // The kernel's own words are the most precise, except where its generic
    // text ("Unknown device type") hides what the user has to do. vnic's own
    // messages ("vnic...:") always say more than the errno.
    let ours = extack.is_some_and(|m| m.starts_with("vnic"));
    let specific = !ours && matches!(errno, libc::EPERM | libc::EACCES | libc::EOPNOTSUPP);
    match extack {
        Some(msg) if !msg.is_empty() && !specific => {
            CliError::Kernel(format!("{what} failed: {}", msg.trim_start_matches("vnic: ")))
        }
        _ => CliError::Kernel(format!("{what} failed: {reason}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_one_sentence_with_the_useful_part() {
        let e = kernel_error("creating vnic1", libc::EOPNOTSUPP, Some("Unknown device type"));
        assert_eq!(
            e.to_string(),
            "creating vnic1 failed: the vnic kernel module is not loaded (load it with: insmod vnic.ko)"
        );
        let e = kernel_error("creating vnic1", libc::EINVAL, Some("vnic: ID 0 is reserved; use 1..65535"));
        assert_eq!(e.to_string(), "creating vnic1 failed: ID 0 is reserved; use 1..65535");
        // vnic's own EOPNOTSUPP (a kernel without bridge netfilter) is not
        // a missing module.
        let e = kernel_error(
            "creating ss0",
            libc::EOPNOTSUPP,
            Some("vnic-ss: this kernel has no bridge netfilter hooks (CONFIG_NF_TABLES_BRIDGE)"),
        );
        assert_eq!(
            e.to_string(),
            "creating ss0 failed: vnic-ss: this kernel has no bridge netfilter hooks (CONFIG_NF_TABLES_BRIDGE)"
        );
        let e = kernel_error("deleting x", libc::EPERM, None);
        assert!(e.to_string().contains("needs root"));
        let e = kernel_error("deleting x", libc::EBUSY, None);
        assert!(!e.to_string().contains('\n'));
    }
}
