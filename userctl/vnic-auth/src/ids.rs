//! Allocation of session IDs: random, never 0, not in use.

use std::num::NonZeroU16;

use crate::random::{self, Random};

/// Random tries before the scan.
const TRIES: usize = 64;

/// A random ID for which `taken` is false: random tries first, then a scan
/// of all 65,535 from a random start, so it finds the last free one and
/// terminates. `None` when every ID is taken.
pub(crate) fn allocate(
    rng: &mut dyn Random,
    taken: &dyn Fn(NonZeroU16) -> bool,
) -> Option<NonZeroU16> {
    let mut draw = || NonZeroU16::new(u16::from_be_bytes(random::array(rng)));
    for _ in 0..TRIES {
        if let Some(id) = draw().filter(|&id| !taken(id)) {
            return Some(id);
        }
    }
    let start = draw().map_or(1, NonZeroU16::get);
    (0..u16::MAX)
        .filter_map(|i| NonZeroU16::new(((u32::from(start) - 1 + u32::from(i)) % 65535 + 1) as u16))
        .find(|&id| !taken(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::OsRandom;

    #[test]
    fn never_zero_never_taken() {
        let mut rng = OsRandom;
        for _ in 0..1000 {
            let id = allocate(&mut rng, &|id| id.get() % 2 == 0).expect("an odd one is free");
            assert_eq!(id.get() % 2, 1);
        }
    }

    #[test]
    fn finds_the_last_free_one_and_reports_exhaustion() {
        let mut rng = OsRandom;
        assert_eq!(
            allocate(&mut rng, &|id| id.get() != 4242).map(NonZeroU16::get),
            Some(4242)
        );
        assert_eq!(allocate(&mut rng, &|_| true), None);
    }
}
