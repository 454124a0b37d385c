//! Reconciliation of the database with the kernel's session table, as a
//! pure function: what to add to and delete from the kernel, and which rows
//! to drop, so that the kernel holds exactly the database's live sessions.

use std::collections::BTreeSet;
use std::net::IpAddr;

/// A session as both sides know it: client, ID and vNIC device name.
pub type Key = (IpAddr, u16, String);

/// What to do.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Database sessions missing from the kernel: add them there.
    pub add: Vec<Key>,
    /// Kernel sessions with no database row (or another vNIC than the
    /// row's): delete them from the kernel.
    pub remove: Vec<Key>,
    /// Rows whose vNIC is no longer configured: delete them.
    pub forget: Vec<Key>,
}

/// The plan that makes the kernel (`kernel`) match the database (`db`),
/// given the configured vNIC names (`vnics`).
pub fn plan(db: &[Key], kernel: &[Key], vnics: &[&str]) -> Plan {
    let (live, forget): (Vec<&Key>, Vec<&Key>) = db.iter().partition(|k| vnics.contains(&k.2.as_str()));
    let live: BTreeSet<&Key> = live.into_iter().collect();
    let have: BTreeSet<&Key> = kernel.iter().collect();
    Plan {
        add: live.difference(&have).map(|&k| k.clone()).collect(),
        remove: have.difference(&live).map(|&k| k.clone()).collect(),
        forget: forget.into_iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(client: &str, id: u16, vnic: &str) -> Key {
        (client.parse().unwrap(), id, vnic.to_string())
    }

    #[test]
    fn in_step_means_nothing_to_do() {
        let both = [k("10.0.1.2", 1, "vnic1"), k("fd00::2", 9, "vnic2")];
        assert_eq!(plan(&both, &both, &["vnic1", "vnic2"]), Plan::default());
        assert_eq!(plan(&[], &[], &[]), Plan::default());
    }

    #[test]
    fn missing_ones_are_added_and_stale_ones_removed() {
        let db = [k("10.0.1.2", 1, "vnic1"), k("10.0.1.3", 1, "vnic1")];
        let kernel = [k("10.0.1.3", 1, "vnic1"), k("10.0.1.9", 5, "vnic1")];
        let p = plan(&db, &kernel, &["vnic1"]);
        assert_eq!(p.add, vec![k("10.0.1.2", 1, "vnic1")]);
        assert_eq!(p.remove, vec![k("10.0.1.9", 5, "vnic1")]);
        assert!(p.forget.is_empty());
    }

    #[test]
    fn a_session_on_the_wrong_vnic_is_replaced() {
        let p = plan(&[k("10.0.1.2", 1, "vnic1")], &[k("10.0.1.2", 1, "vnic2")], &["vnic1", "vnic2"]);
        assert_eq!(p.add, vec![k("10.0.1.2", 1, "vnic1")]);
        assert_eq!(p.remove, vec![k("10.0.1.2", 1, "vnic2")]);
    }

    #[test]
    fn rows_of_unconfigured_vnics_are_forgotten_and_removed_from_the_kernel() {
        let gone = k("10.0.1.2", 3, "vnic3");
        let p = plan(std::slice::from_ref(&gone), std::slice::from_ref(&gone), &["vnic1"]);
        assert_eq!(p.forget, vec![gone.clone()]);
        assert_eq!(p.remove, vec![gone]);
        assert!(p.add.is_empty());
    }
}
