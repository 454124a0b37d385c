//! The kernel module's pure packet logic, compiled for the host so that its
//! unit tests run with `cargo test`. The source is the module's own file.

#[allow(dead_code, unreachable_pub)]
#[path = "../../../rust/wire.rs"]
mod wire;

#[cfg(test)]
mod tests;
