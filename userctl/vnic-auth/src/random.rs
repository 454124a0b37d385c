//! The source of randomness (nonces, transaction ids, session IDs, salts).
//! The state machines take it as a trait object so that tests can script it.

/// Fills buffers with random bytes. Implementations for real use must be
/// cryptographically secure.
pub trait Random: Send {
    /// Fills `buf` entirely.
    fn fill(&mut self, buf: &mut [u8]);
}

/// The operating system's generator (`getrandom(2)`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    /// # Panics
    ///
    /// If the kernel's generator fails, which Linux's does not once it is
    /// seeded; no key material can be made without it.
    fn fill(&mut self, buf: &mut [u8]) {
        if let Err(err) = getrandom::fill(buf) {
            panic!("the operating system's random generator failed: {err}");
        }
    }
}

/// `N` random bytes.
pub(crate) fn array<const N: usize>(rng: &mut dyn Random) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill(&mut out);
    out
}

/// A random `u32` that is not 0 (1 if a broken generator gives 0 64 times).
pub(crate) fn nonzero_u32(rng: &mut dyn Random) -> u32 {
    (0..64)
        .map(|_| u32::from_be_bytes(array(rng)))
        .find(|&v| v != 0)
        .unwrap_or(1)
}
