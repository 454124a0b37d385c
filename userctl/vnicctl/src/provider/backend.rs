//! The provider's answers to the protocol's lookups, from the configuration
//! (credentials, services) and the live sessions (IDs in use).

use super::config::{Config, IdRule};
use std::cell::RefCell;
use std::collections::HashSet;
use std::num::NonZeroU16;
use vnic_auth::{Backend, Lookup, Refusal, Target};

/// Lookups over the configuration; `used` are the IDs of live sessions.
///
/// The protocol draws an ID right after a successful lookup, so the lookup
/// remembers which vNIC it chose and `id_in_use` refuses IDs outside that
/// vNIC's rule.
pub struct Credentials<'a> {
    config: &'a Config,
    used: &'a HashSet<u16>,
    chosen: RefCell<Option<IdRule>>,
}

impl<'a> Credentials<'a> {
    /// Lookups over `config`, with `used` the IDs of live sessions.
    pub fn new(config: &'a Config, used: &'a HashSet<u16>) -> Self {
        Credentials { config, used, chosen: RefCell::new(None) }
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
            Some((v, s)) => {
                *self.chosen.borrow_mut() = Some(v.ids);
                Lookup::Found { verifier: u.verifier.clone(), target: target(v, s.port) }
            }
            None => Lookup::Refused { target: target(first, first_service.port), reason: Refusal::NotPermitted },
        }
    }

    fn id_in_use(&self, id: NonZeroU16) -> bool {
        match *self.chosen.borrow() {
            Some(IdRule::Fixed(f)) => id.get() != f,
            Some(rule @ IdRule::Range(..)) => !rule.contains(id.get()) || self.used.contains(&id.get()),
            None => true,
        }
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
        let (c, used) = (parse(&sample("")).unwrap(), HashSet::new());
        let b = Credentials::new(&c, &used);
        assert_eq!(found(&b, "alice", "http"), (1, 80));
        assert!(!b.id_in_use(NonZeroU16::new(1).unwrap()));
        assert!(b.id_in_use(NonZeroU16::new(2).unwrap()));
        assert_eq!(found(&b, "bob", "http"), (2, 80));
        assert_eq!(found(&b, "alice", "ssh"), (2, 22));
    }

    #[test]
    fn ranges_skip_ids_in_use() {
        let (c, used) = (parse(&sample("")).unwrap(), (100..199).collect());
        let b = Credentials::new(&c, &used);
        found(&b, "bob", "http");
        let free: Vec<u16> = (1..=300).filter(|&i| !b.id_in_use(NonZeroU16::new(i).unwrap())).collect();
        assert_eq!(free, vec![199]);
    }

    #[test]
    fn strangers_and_unknown_services_are_refused() {
        let (c, used) = (parse(&sample("")).unwrap(), HashSet::new());
        let b = Credentials::new(&c, &used);
        assert!(matches!(b.lookup("mallory", "http"), Lookup::Refused { reason: Refusal::UnknownUser, .. }));
        assert!(matches!(b.lookup("bob", "ssh"), Lookup::Refused { reason: Refusal::NotPermitted, .. }));
        assert!(matches!(b.lookup("alice", "ftp"), Lookup::NoSuchService));
    }
}
