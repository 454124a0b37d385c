// SPDX-License-Identifier: GPL-2.0

//! [`PerCpuCounters`]: event counters the fast path bumps on its own CPU
//! (`this_cpu_add`: one instruction on x86, no shared cache line, safe in
//! any context) and the control path sums over every possible CPU.

use super::bindings;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::prelude::*;

/// A set of counters, named by a fieldless enum.
pub(crate) trait Counter: Copy {
    /// How many counters the set has.
    const COUNT: usize;
    /// The counter's position, below `COUNT`.
    fn index(self) -> usize;
}

/// One `u64` per counter of `C` per CPU, zero at first.
///
/// Invariant: `ptr` is a per-CPU allocation of `C::COUNT` u64s, freed on drop.
pub(crate) struct PerCpuCounters<C: Counter> {
    ptr: NonNull<u64>,
    _c: PhantomData<C>,
}

impl<C: Counter> PerCpuCounters<C> {
    /// Allocates the counters (control path: may sleep).
    pub(crate) fn new() -> Result<Self> {
        let n = u32::try_from(C::COUNT).map_err(|_| EINVAL)?;
        // SAFETY: a plain allocation; the core zeroes per-CPU memory.
        let ptr = NonNull::new(unsafe { bindings::vnic_alloc_percpu_u64s(n) }).ok_or(ENOMEM)?;
        Ok(Self { ptr, _c: PhantomData })
    }

    /// Adds `v` to counter `c` on this CPU.
    pub(crate) fn add(&self, c: C, v: u64) {
        let i = c.index();
        if i < C::COUNT {
            // SAFETY: `ptr` holds `COUNT` u64s per CPU (invariant) and `i` is
            // in range; `this_cpu_add` is safe against preemption and
            // interrupts by itself.
            unsafe { bindings::vnic_this_cpu_add_u64(self.ptr.as_ptr(), i as u32, v) }
        }
    }

    /// Adds one to counter `c`.
    pub(crate) fn inc(&self, c: C) {
        self.add(c, 1)
    }

    /// Counter `c` summed over every possible CPU (racing increments may or
    /// may not be in; a 64-bit read of each CPU's value does not tear on the
    /// 64-bit kernels vnic is built for).
    pub(crate) fn get(&self, c: C) -> u64 {
        let i = c.index();
        if i >= C::COUNT {
            return 0;
        }
        let mut sum = 0u64;
        // SAFETY: walks the possible-CPU mask, which does not change after boot.
        let mut cpu = unsafe { bindings::vnic_next_possible_cpu(-1) };
        while cpu >= 0 {
            // SAFETY: `cpu` is a possible CPU, `i` in range (above, invariant).
            sum = sum.wrapping_add(unsafe { bindings::vnic_per_cpu_u64(self.ptr.as_ptr(), cpu, i as u32) });
            // SAFETY: as above.
            cpu = unsafe { bindings::vnic_next_possible_cpu(cpu) };
        }
        sum
    }
}

impl<C: Counter> Drop for PerCpuCounters<C> {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` (invariant); `&mut self`: nobody counts
        // any more.
        unsafe { bindings::vnic_free_percpu(self.ptr.as_ptr()) }
    }
}

// SAFETY: each CPU writes only its own copy with `this_cpu_add`; readers only
// read. Nothing is tied to the allocating thread.
unsafe impl<C: Counter> Send for PerCpuCounters<C> {}
// SAFETY: as above.
unsafe impl<C: Counter> Sync for PerCpuCounters<C> {}
