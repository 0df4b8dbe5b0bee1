//! Keeping glibc from returning every tensor-sized block to the kernel.
//!
//! glibc's `malloc` serves every block above 32 MiB with its own `mmap` and unmaps it on `free`.
//! Training allocates and frees such blocks (activations, gradients, optimizer updates) many
//! times per step, so each one is faulted in page by page again: on EMODB-sized batches the
//! process spent twice as long in the kernel as in its own code. With `mmap` off for allocations
//! and a high trim threshold, freed blocks stay in the heap and are reused. The tunables are
//! read only at process start, so [`reexec_with_malloc_tunables`] starts the program again with
//! them set (once; it does nothing when `GLIBC_TUNABLES` is already set or off glibc Linux).

/// The settings: no `mmap` for allocations, and trim the heap only above 4 GiB of free space.
pub const MALLOC_TUNABLES: &str =
    "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296";

/// Restarts the current program with [`MALLOC_TUNABLES`] in `GLIBC_TUNABLES`, unless that
/// variable is already set (by the user, or by this function in the restarted process). Returns
/// only when no restart happened (not glibc Linux, variable set, or the restart failed, in which
/// case the program simply goes on with the default allocator settings).
pub fn reexec_with_malloc_tunables() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;

        if std::env::var_os("GLIBC_TUNABLES").is_some() {
            return;
        }
        let Ok(program) = std::env::current_exe() else {
            return;
        };
        // `exec` replaces this process and returns only on failure.
        let _failed = std::process::Command::new(program)
            .args(std::env::args_os().skip(1))
            .env("GLIBC_TUNABLES", MALLOC_TUNABLES)
            .exec();
    }
}
