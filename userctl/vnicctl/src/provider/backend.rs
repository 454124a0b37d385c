//! The provider's answers to the protocol's lookups, from the configuration
//! (credentials, services) and the live sessions (IDs in use).

use super::config::{Config, IdRule};
use super::sessions::Owners;
use std::collections::HashSet;
use std::net::IpAddr;
use std::num::NonZeroU16;
use vnic_auth::{Backend, Lookup, Refusal, Target};

/// Lookups over the configuration; `used` are the IDs of live sessions,
/// `owners` who holds them.
pub struct Credentials<'a> {
    config: &'a Config,
    used: &'a HashSet<u16>,
    owners: &'a Owners,
}

impl<'a> Credentials<'a> {
    /// Lookups over `config`, with `used` the IDs of live sessions and
    /// `owners` their holders.
    pub fn new(config: &'a Config, used: &'a HashSet<u16>, owners: &'a Owners) -> Self {
        Credentials { config, used, owners }
    }

    fn vnic(&self, number: u16) -> Option<&'a super::config::VnicEntry> {
        self.config.vnics.iter().find(|v| v.number == number)
    }
}

impl Backend for Credentials<'_> {
    fn lookup(&self, user: &str, service: &str) -> Lookup {
        let offering: Vec<_> = self
            .config
            .vnics
            .iter()
            .filter_map(|v| v.services.iter().find(|s| s.name == service).map(|s| (v, s)))
            .collect();
        let Some(&(first, first_service)) = offering.first() else {
            return Lookup::NoSuchService;
        };
        let target = |v: &super::config::VnicEntry, port| Target { vnic: v.number, addr: v.address, port };
        let Some(u) = self.config.users.iter().find(|u| u.name == user) else {
            return Lookup::Refused { target: target(first, first_service.port), reason: Refusal::UnknownUser };
        };
        match offering.iter().find(|(v, _)| u.allows(&v.name, service)) {
            Some((v, s)) => Lookup::Found { record: u.record.clone(), target: target(v, s.port) },
            None => Lookup::Refused { target: target(first, first_service.port), reason: Refusal::NotPermitted },
        }
    }

    /// A fixed ID is every client's on its vNIC; an ID of a range is free
    /// when no live session holds it.
    fn id_free(&self, vnic: u16, id: NonZeroU16) -> bool {
        match self.vnic(vnic).map(|v| v.ids) {
            Some(IdRule::Fixed(f)) => id.get() == f,
            Some(rule @ IdRule::Range(..)) => rule.contains(id.get()) && !self.used.contains(&id.get()),
            None => false,
        }
    }

    fn may_speak_for_others(&self, source: IpAddr) -> bool {
        self.config.bridge_boxes.contains(&source)
    }

    fn renewable(&self, client: IpAddr, user: &str, vnic: u16, id: NonZeroU16) -> bool {
        let Some(v) = self.vnic(vnic) else {
            return false;
        };
        v.ids.contains(id.get())
            && self.owners.get(&(client, id.get())).is_some_and(|(u, name)| u == user && *name == v.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::config::parse;
    use crate::provider::testdata::sample;

    fn found(b: &Credentials<'_>, user: &str, service: &str) -> (u16, u16) {
        match b.lookup(user, service) {
            Lookup::Found { target, .. } => (target.vnic, target.port),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_user_gets_the_vnic_it_is_allowed() {
        let (c, used, owners) = (parse(&sample("")).unwrap(), HashSet::new(), Owners::new());
        let b = Credentials::new(&c, &used, &owners);
        assert_eq!(found(&b, "alice", "http"), (1, 80));
        assert!(b.id_free(1, NonZeroU16::new(1).unwrap()), "a fixed ID is shared");
        assert!(!b.id_free(1, NonZeroU16::new(2).unwrap()));
        assert_eq!(found(&b, "bob", "http"), (2, 80));
        assert_eq!(found(&b, "alice", "ssh"), (2, 22));
    }

    #[test]
    fn ranges_skip_ids_in_use() {
        let (c, used, owners) = (parse(&sample("")).unwrap(), (100..199).collect(), Owners::new());
        let b = Credentials::new(&c, &used, &owners);
        let free: Vec<u16> = (1..=300).filter(|&i| b.id_free(2, NonZeroU16::new(i).unwrap())).collect();
        assert_eq!(free, vec![199]);
    }

    #[test]
    fn only_the_holder_renews_on_the_same_vnic() {
        let c = parse(&sample("")).unwrap();
        let used: HashSet<u16> = [150].into();
        let bob: IpAddr = "10.0.1.2".parse().unwrap();
        let owners: Owners = [((bob, 150), ("bob".to_string(), "vnic2".to_string()))].into();
        let b = Credentials::new(&c, &used, &owners);
        let id = NonZeroU16::new(150).unwrap();
        assert!(b.renewable(bob, "bob", 2, id));
        assert!(!b.renewable(bob, "alice", 2, id), "another user");
        assert!(!b.renewable("10.0.1.3".parse().unwrap(), "bob", 2, id), "another client");
        assert!(!b.renewable(bob, "bob", 2, NonZeroU16::new(151).unwrap()), "not live");
        assert!(!b.renewable(bob, "bob", 1, id), "another vNIC");
    }

    #[test]
    fn strangers_and_unknown_services_are_refused() {
        let (c, used, owners) = (parse(&sample("")).unwrap(), HashSet::new(), Owners::new());
        let b = Credentials::new(&c, &used, &owners);
        assert!(matches!(b.lookup("mallory", "http"), Lookup::Refused { reason: Refusal::UnknownUser, .. }));
        assert!(matches!(b.lookup("bob", "ssh"), Lookup::Refused { reason: Refusal::NotPermitted, .. }));
        assert!(matches!(b.lookup("alice", "ftp"), Lookup::NoSuchService));
    }
}
