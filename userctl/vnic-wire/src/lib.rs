//! The kernel module's pure packet logic, compiled for the host so that its
//! unit tests run with `cargo test`. The sources are the module's own files.

#[allow(dead_code, unreachable_pub)]
#[path = "../../../rust/wire.rs"]
mod wire;

#[allow(dead_code, unreachable_pub)]
#[path = "../../../rust/ingress.rs"]
mod ingress;

#[allow(dead_code, unreachable_pub)]
#[path = "../../../rust/source6.rs"]
mod source6;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod source6_tests;
#[cfg(test)]
mod ingress_tests;
