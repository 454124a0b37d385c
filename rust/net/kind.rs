// SPDX-License-Identifier: GPL-2.0

//! [`LinkKind`]: what identifies a driver's devices (its rtnl link kind) and
//! what each of them holds (its private state). Enough to recognise and
//! borrow a device of the kind; what the device does is [`super::Driver`].

use kernel::str::CStr;

/// A kind of net_device made by one of vnic's drivers.
///
/// Invariant the layer keeps: a device whose `rtnl_link_ops.kind` is
/// `KIND` was made by `Registration` of this type (kinds are unique among
/// registered link kinds), so its private area holds a `Private`.
pub(crate) trait LinkKind: Sized + 'static {
    /// The link kind, as in `ip link add NAME type KIND`.
    const KIND: &'static CStr;

    /// Per-device state, created by `Driver::newlink`, dropped when the
    /// device is freed. Shared between CPUs while the device runs.
    type Private: Send + Sync;
}
