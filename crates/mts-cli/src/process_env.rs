//! Process settings that must be in the environment before the program starts.
//!
//! - `BURN_DEVICE=flex`: burn 0.22 puts a few internal tensors on `Device::default()` (the
//!   optimizer state read back when training resumes, before it moves to the parameters'
//!   device). With the `wgpu` feature that default would be wgpu, which panics on a machine
//!   without a GPU adapter; the CPU is always there.
//!
//! Setting a variable in a running process is `unsafe` (other threads may read the
//! environment), so [`reexec_with_process_settings`] starts the program again with the missing
//! ones set. A value the user set is kept. glibc's `malloc` settings are no longer among them:
//! `mts_core::tune_allocator` makes them in the running process.

/// The variables [`reexec_with_process_settings`] sets when they are missing.
pub fn process_settings() -> Vec<(&'static str, &'static str)> {
    vec![("BURN_DEVICE", "flex")]
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
