// SPDX-License-Identifier: GPL-2.0

//! Netfilter hooks owned by a device: [`NfHooks`] registers a driver's
//! [`NfDriver::nf_hook`] at chosen [`HookPoint`]s of the device's network
//! namespace and unregisters it when the device goes (`uninit`).

use super::bindings;
use super::device::Device;
use super::driver::Driver;
use super::edit::SkbMut;
use super::sync::{RcuRead, Rtnl};
use core::cell::UnsafeCell;
use core::ffi::{c_uint, c_void};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::Relaxed};
use kernel::error::to_result;
use kernel::prelude::*;

/// Where in the stack a hook runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum HookPoint {
    /// IPv4, before input routing.
    Ipv4PreRouting,
    /// IPv4, after output routing, last before the device (also forwarded).
    Ipv4PostRouting,
    /// IPv6, before input routing.
    Ipv6PreRouting,
    /// IPv6, after output routing.
    Ipv6PostRouting,
    /// A bridge port, before the bridge forwards the frame.
    BridgePreRouting,
}

impl HookPoint {
    /// (protocol family, hook number, priority).
    fn spec(self) -> (u32, u32, i32) {
        use bindings::*;
        match self {
            Self::Ipv4PreRouting => (NFPROTO_IPV4, nf_inet_hooks_NF_INET_PRE_ROUTING, nf_ip_hook_priorities_NF_IP_PRI_RAW),
            Self::Ipv4PostRouting => (NFPROTO_IPV4, nf_inet_hooks_NF_INET_POST_ROUTING, nf_ip_hook_priorities_NF_IP_PRI_LAST),
            Self::Ipv6PreRouting => (NFPROTO_IPV6, nf_inet_hooks_NF_INET_PRE_ROUTING, nf_ip6_hook_priorities_NF_IP6_PRI_RAW),
            Self::Ipv6PostRouting => (NFPROTO_IPV6, nf_inet_hooks_NF_INET_POST_ROUTING, nf_ip6_hook_priorities_NF_IP6_PRI_LAST),
            Self::BridgePreRouting => (NFPROTO_BRIDGE, NF_BR_PRE_ROUTING, nf_br_hook_priorities_NF_BR_PRI_FIRST),
        }
    }
}

/// A hook's verdict on a packet.
pub(crate) enum Verdict {
    /// Let it continue (possibly edited).
    Accept,
    /// Drop it (the core frees it and counts the drop).
    Drop,
}

/// A driver whose devices own netfilter hooks.
pub(crate) trait NfDriver: Driver {
    /// A packet at hook point `at` of the device's namespace. Runs under RCU
    /// with bottom halves disabled (the layer sees to it in process
    /// context); must not sleep.
    /// `out` is the interface index of the output device (0 before routing).
    fn nf_hook(dev: &Device<Self>, at: HookPoint, out: i32, skb: SkbMut<'_>, rcu: &RcuRead) -> Verdict;
}

/// Most hook points one device registers.
const MAX_HOOKS: usize = 4;

/// The hooks of one device: registered in `registered`, unregistered in
/// `uninit` (or on drop, if that never ran).
pub(crate) struct NfHooks {
    /// The ops the core links to; on the heap so their address is stable.
    ops: KBox<UnsafeCell<[bindings::nf_hook_ops; MAX_HOOKS]>>,
    /// How many of `ops` are registered (0 when none).
    count: AtomicUsize,
    /// Namespace they are registered in.
    net: AtomicPtr<bindings::net>,
}

// SAFETY: `ops` is written only under RTNL (the `&Rtnl` of
// `register`/`unregister`) while no hook of this set is registered; the core
// reads `ops` only between register and unregister.
unsafe impl Sync for NfHooks {}
// SAFETY: nothing in it is tied to a CPU or thread.
unsafe impl Send for NfHooks {}

impl NfHooks {
    /// An empty set.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: `nf_hook_ops` is plain C data; all-zero is "unset".
        let zero: [bindings::nf_hook_ops; MAX_HOOKS] = unsafe { core::mem::zeroed() };
        Ok(Self {
            ops: KBox::new(UnsafeCell::new(zero), GFP_KERNEL)?,
            count: AtomicUsize::new(0),
            net: AtomicPtr::new(core::ptr::null_mut()),
        })
    }

    /// Registers `T::nf_hook` for `dev` at `points` in `dev`'s namespace.
    /// `EOPNOTSUPP` if the kernel lacks a hook family (bridge hooks need
    /// CONFIG_NETFILTER_FAMILY_BRIDGE); `EBUSY` if already registered.
    pub(crate) fn register<T: NfDriver>(&self, _rtnl: &Rtnl, dev: &Device<T>, points: &[HookPoint]) -> Result {
        if self.count.load(Relaxed) != 0 {
            return Err(EBUSY);
        }
        if points.is_empty() || points.len() > MAX_HOOKS {
            return Err(EINVAL);
        }
        // Without the bridge family the core would WARN and say EINVAL.
        if !cfg!(CONFIG_NETFILTER_FAMILY_BRIDGE) && points.contains(&HookPoint::BridgePreRouting) {
            return Err(super::errno(bindings::EOPNOTSUPP));
        }
        let net = dev.net();
        // SAFETY: RTNL is held (token) and nothing of this set is registered,
        // so nobody else reads or writes `ops` now.
        let ops = unsafe { &mut *self.ops.get() };
        for (i, &point) in points.iter().enumerate() {
            let (pf, hooknum, priority) = point.spec();
            // SAFETY: all-zero is a valid `nf_hook_ops` (plain C data).
            let mut op: bindings::nf_hook_ops = unsafe { core::mem::zeroed() };
            op.hook = Some(hook::<T>);
            op.priv_ = dev.as_raw().cast::<c_void>();
            op.pf = pf as u8;
            op.hooknum = hooknum;
            op.priority = priority;
            ops[i] = op;
        }
        // SAFETY: `net` is the device's live namespace and RTNL is held; the
        // ops stay at this address until `unregister`, which runs before the
        // device (the hooks' `priv`) is freed. Devices that own hooks are
        // pinned to their namespace (`Setup::set_netns_immutable`), so the
        // namespace outlives them: its exit unregisters them first.
        to_result(unsafe { bindings::nf_register_net_hooks(net.0, ops.as_ptr(), points.len() as c_uint) })
            .map_err(|e| if e == ENOENT { super::errno(bindings::EOPNOTSUPP) } else { e })?;
        self.net.store(net.0, Relaxed);
        self.count.store(points.len(), Relaxed);
        Ok(())
    }

    /// Unregisters the hooks, if registered. Packets still inside a hook
    /// finish before the device is freed: unregistering a net_device waits
    /// for RCU readers after `uninit`.
    pub(crate) fn unregister(&self, _rtnl: &Rtnl) {
        self.unregister_all();
    }

    /// Unregisters what is registered. Writers of `ops` are excluded by the
    /// caller (RTNL, or `&mut self` in `drop`); the netfilter core takes its
    /// own lock.
    fn unregister_all(&self) {
        let n = self.count.swap(0, Relaxed);
        if n == 0 {
            return;
        }
        // SAFETY: registered in `register` with these ops, `n` of them, in
        // this namespace, which lives at least as long as the device; no
        // `register` runs concurrently (see above).
        unsafe { bindings::nf_unregister_net_hooks(self.net.load(Relaxed), (*self.ops.get()).as_ptr(), n as c_uint) };
    }
}

impl Drop for NfHooks {
    fn drop(&mut self) {
        // Drivers unregister in `uninit`; reaching here with hooks in place
        // would leave the core pointing at freed memory.
        if self.count.load(Relaxed) != 0 {
            pr_err!("vnic: netfilter hooks dropped while registered; unregistering late\n");
            self.unregister_all();
        }
    }
}

/// The C hook of driver `T`.
unsafe extern "C" fn hook<T: NfDriver>(
    priv_: *mut c_void,
    skb: *mut bindings::sk_buff,
    state: *const bindings::nf_hook_state,
) -> c_uint {
    let (Some(skb), Some(state)) = (NonNull::new(skb), NonNull::new(state.cast_mut())) else {
        return bindings::NF_ACCEPT;
    };
    // SAFETY: `priv_` is the device that registered this hook; it is
    // unregistered in `uninit`, and the device is freed only after an RCU
    // grace period that this hook (run under RCU) is part of.
    let dev = unsafe { Device::<T>::from_raw(priv_.cast()) };
    // SAFETY: the core passes a valid state for the call; its `out` device,
    // if any, is live for the call too.
    let (pf, hooknum, out) = unsafe {
        let s = &*state.as_ptr();
        (u32::from(s.pf), u32::from(s.hook), s.out.as_ref().map_or(0, |d| d.ifindex))
    };
    let Some(at) = [
        HookPoint::Ipv4PreRouting,
        HookPoint::Ipv4PostRouting,
        HookPoint::Ipv6PreRouting,
        HookPoint::Ipv6PostRouting,
        HookPoint::BridgePreRouting,
    ]
    .into_iter()
    .find(|p| {
        let (f, h, _) = p.spec();
        f == pf && h == hooknum
    }) else {
        return bindings::NF_ACCEPT;
    };
    // SAFETY: netfilter hooks run inside `rcu_read_lock` (nf_hook()).
    let rcu = unsafe { RcuRead::assume() };
    // SAFETY: the hook owns the packet for the call and may edit it; the
    // network header is at `skb->data` at every hook point above.
    let skb = unsafe { SkbMut::from_raw(skb) };
    // Output hooks also run in process context (a socket's sendmsg), where
    // the per-CPU device statistics a hook updates need a stable CPU: run
    // the driver with bottom halves off, as the receive path does.
    // SAFETY: paired with the enable below; nothing in between sleeps.
    unsafe { bindings::vnic_local_bh_disable() };
    let verdict = T::nf_hook(dev, at, out, skb, &rcu);
    // SAFETY: disabled above.
    unsafe { bindings::vnic_local_bh_enable() };
    match verdict {
        Verdict::Accept => bindings::NF_ACCEPT,
        Verdict::Drop => bindings::NF_DROP,
    }
}
