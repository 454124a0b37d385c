// SPDX-License-Identifier: GPL-2.0

//! [`RcuMap`]: a hash map for the fast path. Lookups are lock-free under RCU
//! (the receive path already runs in an RCU read-side section); writers are
//! serialised by RTNL. Removed entries are freed after a grace period.

use super::bindings;
use super::sync::{RcuRead, Rtnl};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::{Acquire, Relaxed, Release}};
use kernel::prelude::*;

/// A key of an [`RcuMap`].
pub(crate) trait MapKey: Copy + Eq + Send + Sync + 'static {
    /// A hash of the key, mixed with the map's random `seed`.
    fn hash(&self, seed: u32) -> u32;
}

#[repr(C)]
struct Node<K, V> {
    // First field: `free_node` gets a pointer to it back from call_rcu.
    rcu: bindings::callback_head,
    next: AtomicPtr<Node<K, V>>,
    key: K,
    value: V,
}

/// How many entries [`RcuMap::retain`] hands to `call_rcu` one by one; more
/// are freed together after one grace period.
const RETAIN_BATCH: usize = 64;

/// A fixed-size chained hash map with at most `max` entries.
pub(crate) struct RcuMap<K: MapKey, V: Copy + Send + Sync + 'static> {
    buckets: KVec<AtomicPtr<Node<K, V>>>,
    seed: u32,
    len: AtomicUsize,
    max: usize,
}

impl<K: MapKey, V: Copy + Send + Sync + 'static> RcuMap<K, V> {
    /// An empty map with `buckets` chains (a power of two) and room for
    /// `max` entries.
    pub(crate) fn new(buckets: usize, max: usize) -> Result<Self> {
        if !buckets.is_power_of_two() {
            return Err(EINVAL);
        }
        let mut v = KVec::with_capacity(buckets, GFP_KERNEL)?;
        for _ in 0..buckets {
            v.push(AtomicPtr::new(null_mut()), GFP_KERNEL)?;
        }
        // SAFETY: plain call, no preconditions.
        let seed = unsafe { bindings::get_random_u32() };
        Ok(Self { buckets: v, seed, len: AtomicUsize::new(0), max })
    }

    fn bucket(&self, key: &K) -> &AtomicPtr<Node<K, V>> {
        let i = key.hash(self.seed) as usize & (self.buckets.len() - 1);
        &self.buckets[i]
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    /// The value for `key`: lock-free, O(1) on average.
    pub(crate) fn get(&self, _rcu: &RcuRead, key: &K) -> Option<V> {
        let mut p = self.bucket(key).load(Acquire);
        // SAFETY: nodes reachable from a bucket are live until a grace period
        // after they are unlinked, and we are in a read-side section.
        while let Some(node) = unsafe { p.as_ref() } {
            if node.key == *key {
                return Some(node.value);
            }
            p = node.next.load(Acquire);
        }
        None
    }

    /// The value for `key`, for writers.
    pub(crate) fn get_locked(&self, _rtnl: &Rtnl, key: &K) -> Option<V> {
        // SAFETY: with RTNL held no writer unlinks or frees nodes, so the
        // chain is stable, as under RCU.
        self.get(&unsafe { RcuRead::assume() }, key)
    }

    /// Adds `key`; `EEXIST` if present, `ENOSPC` when the map is full.
    pub(crate) fn insert(&self, _rtnl: &Rtnl, key: K, value: V) -> Result {
        if self.get_locked(_rtnl, &key).is_some() {
            return Err(EEXIST);
        }
        if self.len() >= self.max {
            return Err(ENOSPC);
        }
        let head = self.bucket(&key);
        let node = KBox::new(
            Node {
                rcu: bindings::callback_head::default(),
                next: AtomicPtr::new(head.load(Relaxed)),
                key,
                value,
            },
            GFP_KERNEL,
        )?;
        // Publish: readers see a fully initialised node (release store).
        head.store(KBox::into_raw(node), Release);
        self.len.fetch_add(1, Relaxed);
        Ok(())
    }

    /// Sets `key` to `value` in one step, returning the value it replaced
    /// (`None`: it was added). A reader sees the old entry or the new one,
    /// never neither. `ENOSPC` when adding to a full map.
    pub(crate) fn replace(&self, rtnl: &Rtnl, key: K, value: V) -> Result<Option<V>> {
        let mut link = self.bucket(&key);
        loop {
            let p = link.load(Relaxed);
            // SAFETY: writers are serialised by RTNL; nodes in the chain are
            // live.
            let Some(node) = (unsafe { p.as_ref() }) else {
                return self.insert(rtnl, key, value).map(|()| None);
            };
            if node.key == key {
                let new = KBox::new(
                    Node {
                        rcu: bindings::callback_head::default(),
                        next: AtomicPtr::new(node.next.load(Relaxed)),
                        key,
                        value,
                    },
                    GFP_KERNEL,
                )?;
                let old = node.value;
                // Publish the new node in the old one's place (release
                // store): readers find one of the two.
                link.store(KBox::into_raw(new), Release);
                // SAFETY: the old node is unlinked; `free_node` frees it once
                // every reader that might hold it has left its section.
                unsafe { bindings::call_rcu(p.cast(), Some(free_node::<K, V>)) };
                return Ok(Some(old));
            }
            link = &node.next;
        }
    }

    /// Removes `key`, returning its value; the entry is freed after the
    /// readers that may still see it are done.
    pub(crate) fn remove(&self, _rtnl: &Rtnl, key: &K) -> Option<V> {
        let mut link = self.bucket(key);
        loop {
            let p = link.load(Relaxed);
            // SAFETY: writers are serialised by RTNL; nodes in the chain are
            // live.
            let node = unsafe { p.as_ref() }?;
            if node.key == *key {
                link.store(node.next.load(Relaxed), Release);
                self.len.fetch_sub(1, Relaxed);
                let value = node.value;
                // SAFETY: the node is unlinked; `free_node` frees it once
                // every reader that might hold it has left its section.
                unsafe { bindings::call_rcu(p.cast(), Some(free_node::<K, V>)) };
                return Some(value);
            }
            link = &node.next;
        }
    }

    /// Removes every entry for which `keep` returns false, returning how
    /// many went; each is freed after the readers that may still see it.
    /// A few are handed to `call_rcu`; past [`RETAIN_BATCH`] they are freed
    /// together after one grace period (a purge of 65,535 sessions queues no
    /// 65,535 callbacks), so the caller may sleep.
    pub(crate) fn retain(&self, _rtnl: &Rtnl, mut keep: impl FnMut(&K, &V) -> bool) -> usize {
        let mut removed = 0;
        // Unlinked nodes, chained through their (unused) `rcu.next`.
        let mut gone: *mut bindings::callback_head = null_mut();
        for head in self.buckets.iter() {
            let mut link = head;
            loop {
                let p = link.load(Relaxed);
                // SAFETY: writers are serialised by RTNL; nodes in the chain
                // are live.
                let Some(node) = (unsafe { p.as_ref() }) else { break };
                if keep(&node.key, &node.value) {
                    link = &node.next;
                    continue;
                }
                link.store(node.next.load(Relaxed), Release);
                self.len.fetch_sub(1, Relaxed);
                removed += 1;
                let rcu = p.cast::<bindings::callback_head>();
                // SAFETY: the node is unlinked, so no writer reaches it any
                // more; readers only follow `next`, never `rcu`, which is
                // ours until the node is freed.
                unsafe { (*rcu).next = gone };
                gone = rcu;
            }
        }
        if removed > RETAIN_BATCH {
            // SAFETY: process context with RTNL held, which the callers of
            // `retain` (device teardown) are; readers of the unlinked
            // nodes are done after this.
            unsafe { bindings::synchronize_net() };
        }
        while !gone.is_null() {
            let rcu = gone;
            // SAFETY: `rcu` heads a node unlinked above and still ours.
            gone = unsafe { (*rcu).next };
            if removed > RETAIN_BATCH {
                // SAFETY: the grace period above is over and the node came
                // from `KBox::into_raw`.
                drop(unsafe { KBox::from_raw(rcu.cast::<Node<K, V>>()) });
            } else {
                // SAFETY: the node is unlinked; `free_node` frees it after a
                // grace period.
                unsafe { bindings::call_rcu(rcu, Some(free_node::<K, V>)) };
            }
        }
        removed
    }

    /// Calls `f` on each entry from cursor `from` on (0: the start), in
    /// no particular order, until it returns false; returns the cursor of
    /// the entry it refused (where to resume), or `None` once every entry
    /// was visited. A cursor is (chain, position in it): resuming costs the
    /// length of one chain, not of the entries before it. Entries added or
    /// removed between two walks may be missed or seen twice, as in any
    /// netlink dump.
    pub(crate) fn walk(&self, _rtnl: &Rtnl, from: u64, mut f: impl FnMut(&K, &V) -> bool) -> Option<u64> {
        let (first, skip) = ((from >> 32) as usize, from as u32);
        for (b, head) in self.buckets.iter().enumerate().skip(first) {
            let mut p = head.load(Relaxed);
            let mut pos = 0u32;
            // SAFETY: RTNL keeps the chains stable (no writer runs).
            while let Some(node) = unsafe { p.as_ref() } {
                if (b != first || pos >= skip) && !f(&node.key, &node.value) {
                    return Some(((b as u64) << 32) | u64::from(pos));
                }
                pos = pos.saturating_add(1);
                p = node.next.load(Relaxed);
            }
        }
        None
    }
}

impl<K: MapKey, V: Copy + Send + Sync + 'static> Drop for RcuMap<K, V> {
    fn drop(&mut self) {
        // Readers still inside a section may hold nodes: wait them out.
        // SAFETY: drop runs in process context (a device destructor).
        unsafe { bindings::synchronize_rcu() };
        for head in self.buckets.iter() {
            let mut p = head.swap(null_mut(), Relaxed);
            while !p.is_null() {
                // SAFETY: the map is unreachable (`&mut self`) and no reader
                // is left; every node came from `KBox::into_raw`.
                let node = unsafe { KBox::from_raw(p) };
                p = node.next.load(Relaxed);
            }
        }
    }
}

unsafe extern "C" fn free_node<K: MapKey, V: Copy + Send + Sync + 'static>(head: *mut bindings::callback_head) {
    // SAFETY: `head` is the first field of a `Node<K, V>` made by
    // `KBox::into_raw` and unlinked in `remove`; the grace period is over.
    drop(unsafe { KBox::from_raw(head.cast::<Node<K, V>>()) });
}

/// Waits until every `call_rcu` callback queued so far has run (module exit).
pub(super) fn barrier() {
    // SAFETY: process context (module exit).
    unsafe { bindings::rcu_barrier() }
}

