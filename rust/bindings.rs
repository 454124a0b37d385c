// SPDX-License-Identifier: GPL-2.0

//! Raw bindings to the kernel APIs vnic uses, generated at build time by the
//! Kbuild rule from `rust/bindings_helper.h` against the target kernel.
//!
//! A private module of `crate::net` (the safe layer); drivers see only
//! `net::uapi`.

#![allow(
    dead_code,
    improper_ctypes,
    missing_docs,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    unknown_lints,
    unnecessary_transmutes,
    clippy::all
)]

// The kernel's bindgen parameters blocklist these so that they map to Rust's
// pointer-sized integers, as `rust/bindings` does upstream.
type __kernel_size_t = usize;
type __kernel_ssize_t = isize;
type __kernel_ptrdiff_t = isize;

include!("bindings_generated.rs");
