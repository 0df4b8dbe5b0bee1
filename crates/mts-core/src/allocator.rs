//! Keeping freed tensor memory in the process: glibc `malloc` settings made at run time.
//!
//! glibc serves every block above its mmap threshold (128 KiB, growing to at most 32 MiB) with
//! its own `mmap` and returns it to the kernel on `free`; a training step allocates and frees
//! tensor-sized blocks many times, so their pages are faulted in and zeroed again on every
//! step, and the unmapping interrupts every core (TLB shootdowns). On the MTS layer's training
//! step this was more time in the kernel than in burn's kernels (docs/performance.md).
//! [`tune_allocator`] asks glibc, through `mallopt`, to serve large blocks from the heap and
//! keep freed memory there; nothing has to be set before the process starts.
//!
//! Its `unsafe` code is two foreign calls, `mallopt` and `mallinfo2` (the crate's other audited
//! `unsafe` is the SIMD dispatch and load intrinsics in `kernels/host.rs`).

// `mallopt` and `mallinfo2` are foreign functions; see each call for why it is sound.
#![allow(unsafe_code)]

use std::fmt;

/// What [`tune_allocator`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocatorTuning {
    /// glibc accepted every setting.
    Applied,
    /// glibc refused a setting (the settings before it stay in force).
    Refused,
    /// Not a glibc target (musl, macOS, Windows): nothing to do, their allocators do not
    /// unmap tensor-sized blocks on every free in the same way.
    Unsupported,
}

impl fmt::Display for AllocatorTuning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Applied => "glibc malloc tuned (no mmap per block, freed memory kept)",
            Self::Refused => "glibc refused a malloc setting",
            Self::Unsupported => "default allocator (not glibc)",
        })
    }
}

/// Extra heap grown at once when the heap must grow: 1 GiB of address space, faulted in only
/// when used.
pub const TOP_PAD_BYTES: i32 = 1 << 30;

/// Tunes glibc's `malloc` for tensor workloads, in the running process: large blocks come from
/// the heap instead of one `mmap` each, freed memory stays in the heap (never trimmed), the heap
/// grows 1 GiB at a time, and threads share the one heap.
///
/// Call it once at start-up, before other threads allocate (a thread that already has its own
/// glibc arena keeps mapping blocks above 64 MiB one by one); it is safe to call again. It changes only how
/// memory is obtained, never results. Measured on the MTS layer's training step
/// (`[16, 1, 401, 161]`, Flex, 2 cores): see docs/performance.md. The price: memory freed by a
/// peak stays mapped to the process (resident memory does not shrink after the peak).
///
/// ```
/// let tuning = mts_core::tune_allocator();
/// println!("{tuning}");
/// ```
pub fn tune_allocator() -> AllocatorTuning {
    platform::tune()
}

/// Bytes of memory glibc currently serves through dedicated `mmap` regions (`hblkhd` of
/// `mallinfo2`), `None` off glibc. After [`tune_allocator`] new large blocks no longer add to it.
pub fn mmapped_bytes() -> Option<usize> {
    platform::mmapped_bytes()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod platform {
    use super::{AllocatorTuning, TOP_PAD_BYTES};

    pub(super) fn tune() -> AllocatorTuning {
        let settings = [
            (libc::M_MMAP_MAX, 0),
            (libc::M_TRIM_THRESHOLD, -1),
            (libc::M_TOP_PAD, TOP_PAD_BYTES),
            // Threads that have not allocated yet share the main heap: a thread's own arena
            // maps any block larger than 64 MiB by itself, whatever `M_MMAP_MAX` says.
            (libc::M_ARENA_MAX, 1),
        ];
        for (parameter, value) in settings {
            // SAFETY: `mallopt` takes two integers and only changes glibc's allocator
            // parameters under its own lock; it is documented thread-safe and touches no
            // memory of ours. It returns 1 on success, 0 on error.
            if unsafe { libc::mallopt(parameter, value) } != 1 {
                return AllocatorTuning::Refused;
            }
        }
        AllocatorTuning::Applied
    }

    pub(super) fn mmapped_bytes() -> Option<usize> {
        // SAFETY: `mallinfo2` (glibc >= 2.33) takes no arguments and returns a plain struct by
        // value, read under the allocator's lock.
        Some(unsafe { libc::mallinfo2() }.hblkhd)
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod platform {
    use super::AllocatorTuning;

    pub(super) fn tune() -> AllocatorTuning {
        AllocatorTuning::Unsupported
    }

    pub(super) fn mmapped_bytes() -> Option<usize> {
        None
    }
}
