//! Process settings that must be in the environment before the program starts.
//!
//! - `GLIBC_TUNABLES` ([`MALLOC_TUNABLES`]): glibc's `malloc` serves every block above 32 MiB
//!   with its own `mmap` and unmaps it on `free`. Training allocates and frees such blocks
//!   (activations, gradients, optimizer updates) many times per step, so each one is faulted in
//!   page by page again: on EMODB-sized batches the process spent twice as long in the kernel as
//!   in its own code. With `mmap` off for allocations and a high trim threshold, freed blocks
//!   stay in the heap and are reused (measured in docs/performance.md).
//! - `BURN_DEVICE=flex`: burn 0.22 puts a few internal tensors on `Device::default()` (the
//!   optimizer state read back when training resumes, before it moves to the parameters'
//!   device). With the `wgpu` feature that default would be wgpu, which panics on a machine
//!   without a GPU adapter; the CPU is always there.
//!
//! Both are read only at process start, so [`reexec_with_process_settings`] starts the program
//! again with the missing ones set. A value the user set is kept.

/// glibc settings: no `mmap` for allocations, trim the heap only above 4 GiB of free space.
pub const MALLOC_TUNABLES: &str = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296";

/// The variables [`reexec_with_process_settings`] sets when they are missing.
pub fn process_settings() -> Vec<(&'static str, &'static str)> {
    let mut settings = vec![("BURN_DEVICE", "flex")];
    if cfg!(all(target_os = "linux", target_env = "gnu")) {
        settings.push(("GLIBC_TUNABLES", MALLOC_TUNABLES));
    }
    settings
}

/// Restarts the current program (same arguments) with every variable of [`process_settings`]
/// that is not set yet. Returns only when nothing was missing, on platforms without `exec`, or
/// when the restart failed (the program then goes on with the settings it has).
pub fn reexec_with_process_settings() {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;

        let missing: Vec<_> = process_settings()
            .into_iter()
            .filter(|(name, _)| std::env::var_os(name).is_none())
            .collect();
        if missing.is_empty() {
            return;
        }
        let Ok(program) = std::env::current_exe() else {
            return;
        };
        // `exec` replaces this process and returns only on failure.
        let _failed = std::process::Command::new(program)
            .args(std::env::args_os().skip(1))
            .envs(missing)
            .exec();
    }
}
