// SPDX-License-Identifier: GPL-2.0

//! [`Registration`]: an rtnl link kind registered for a [`Driver`], with the
//! netdevice notifier that ties its devices to their lower devices.

use super::adapter::Adapter;
use super::addr::AddrEvents;
use super::attrs::build_policy;
use super::driver::Driver;
use super::rcu_map::barrier;
use super::rx::netdev_event;
use super::bindings;
use core::marker::PhantomData;
use core::pin::Pin;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::types::Opaque;

/// An rtnl link kind registered with the kernel for driver `T`, unregistered
/// on drop; unregistering deletes every device of the kind in every netns.
pub(crate) struct Registration<T: Driver> {
    notifier: Pin<KBox<Opaque<bindings::notifier_block>>>,
    _addr_events: AddrEvents,
    ops: Pin<KBox<Opaque<bindings::rtnl_link_ops>>>,
    _policy: KVec<bindings::nla_policy>,
    _p: PhantomData<T>,
}

impl<T: Driver> Registration<T> {
    /// Registers link kind `T::KIND` (`ip link add ... type KIND`).
    pub(crate) fn register() -> Result<Self> {
        let policy = build_policy(T::MAX_ATTR, T::POLICY)?;

        let ops = Adapter::<T>::link_ops(policy.as_ptr());
        let ops = KBox::pin(Opaque::new(ops), GFP_KERNEL)?;
        // The notifier first: once the kind is registered a device can be
        // made at once, and its lower device's removal must be seen.
        let nb = bindings::notifier_block { notifier_call: Some(netdev_event::<T>), ..Default::default() };
        let notifier = KBox::pin(Opaque::new(nb), GFP_KERNEL)?;
        // SAFETY: the block is pinned on the heap and unregistered in `drop`
        // (or below) before it is freed. With no device of the kind yet it
        // has nothing to act on.
        to_result(unsafe { bindings::register_netdevice_notifier(notifier.get()) })?;
        let addr_events = AddrEvents::register::<T>(ops.get()).inspect_err(|_| {
            // SAFETY: registered just above.
            unsafe { bindings::unregister_netdevice_notifier(notifier.get()) };
        })?;
        // SAFETY: `ops` is pinned on the heap and outlives the registration
        // (unregistered in `drop` before it is freed); `policy` has
        // `maxtype + 1` entries and its buffer does not move or change.
        if let Err(e) = to_result(unsafe { bindings::rtnl_link_register(ops.get()) }) {
            // SAFETY: registered just above.
            unsafe { bindings::unregister_netdevice_notifier(notifier.get()) };
            return Err(e);
        }
        Ok(Self { notifier, _addr_events: addr_events, ops, _policy: policy, _p: PhantomData })
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `register`; this deletes all devices of the
        // kind and waits for them (rtnl_unlock runs their destructors), so no
        // callback of `T` runs afterwards.
        unsafe { bindings::rtnl_link_unregister(self.ops.get()) };
        // SAFETY: registered in `register`; with every device of the kind
        // gone, the notifier has nothing left to act on.
        unsafe { bindings::unregister_netdevice_notifier(self.notifier.get()) };
        // The address notifier goes with `self._addr_events`, after this.
        // Entries freed with call_rcu run code of this module: wait for them.
        barrier();
    }
}

// SAFETY: the ops and policy are only touched by the kernel under RTNL and by
// `drop`; nothing in `Registration` is tied to the creating thread.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: `Registration` has no methods taking `&self`.
unsafe impl<T: Driver> Sync for Registration<T> {}
