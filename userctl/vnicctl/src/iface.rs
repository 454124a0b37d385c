//! Interface names and indexes, with a sentence when a name is unknown.

use crate::error::CliError;
use crate::parse;
use std::collections::HashMap;
use std::ffi::CString;

/// Interface index of device `name`, with a sentence if there is none.
pub fn ifindex(name: &str) -> Result<u32, CliError> {
    parse::ifname(name)?;
    let c = CString::new(name).map_err(|_| CliError::Input(format!("'{name}' is not a valid device name")))?;
    // SAFETY: `c` is a valid NUL-terminated string for the call's duration.
    match unsafe { libc::if_nametoindex(c.as_ptr()) } {
        0 => Err(CliError::Input(format!("there is no device named {name}"))),
        i => Ok(i),
    }
}

/// Name of interface `index`, or the number if it has none any more.
pub fn ifname(index: u32) -> String {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `buf` has IF_NAMESIZE bytes, as if_indextoname requires.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return format!("#{index}");
    }
    // SAFETY: on success the buffer holds a NUL-terminated name.
    unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
}

/// Names of interfaces by index, each asked of the kernel once: a dump of
/// 65,535 sessions names the same few devices over and over, and every
/// `if_indextoname` costs a socket and an ioctl.
#[derive(Default)]
pub struct IfNames(HashMap<u32, String>);

impl IfNames {
    /// Name of interface `index` (as [`ifname`]).
    pub fn get(&mut self, index: u32) -> String {
        self.0.entry(index).or_insert_with(|| ifname(index)).clone()
    }
}
