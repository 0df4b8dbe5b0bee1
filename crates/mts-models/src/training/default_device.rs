//! Which device burn's `Device::default()` names, for the one place training depends on it.
//!
//! burn-optim 0.22.1 materialises a resumed optimizer's state on `Device::default()`
//! (`ModuleOptimizer::load_record`) and moves it to each parameter's device on the next step. With
//! burn's `wgpu` feature compiled in anywhere in a build, that default is wgpu, so resuming a CPU
//! training would start a GPU runtime, or panic on a machine without a GPU adapter. burn reads
//! the default from the `BURN_DEVICE` environment variable on every call; [`default_device_to_flex`]
//! sets it in the running process (no restart), keeping a value the user chose.
//!
//! Setting a process's environment is `unsafe` since Rust 2024 (another thread may read it at
//! the same moment, which glibc does not make safe): this file's one `unsafe` call, audited below.

// `std::env::set_var`: see the `# Safety` section of `default_device_to_flex`.
#![allow(unsafe_code)]

/// The environment variable burn 0.22 reads to choose `Device::default()`.
pub const BURN_DEVICE: &str = "BURN_DEVICE";

/// What [`default_device_to_flex`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultDevice {
    /// `BURN_DEVICE` was unset; it is now `flex`, so `Device::default()` is the Flex CPU device.
    SetToFlex,
    /// `BURN_DEVICE` was already set (to the value held): left as it is.
    UserChoice(String),
}

/// Makes burn's `Device::default()` the Flex CPU device for the rest of the process, unless
/// `BURN_DEVICE` already names a device (a user's choice is kept).
///
/// Training on any device works without it; it matters when burn's `wgpu` feature is compiled in
/// and a training resumes from a checkpoint (burn-optim loads the optimizer state on the
/// default device first). The `mts` binary calls it as the first statement of `main`.
///
/// # Safety
/// It writes the process environment. Call it while no other thread can read or write the
/// environment, i.e. before the program starts any thread (first thing in `main`; rayon, burn
/// and test harnesses start threads of their own). Calling it again later is sound only under
/// the same condition.
///
/// ```
/// # use mts_models::{DefaultDevice, default_device_to_flex};
/// // SAFETY: a doctest's `main` runs on the only thread of its process.
/// let done = unsafe { default_device_to_flex() };
/// assert!(matches!(done, DefaultDevice::SetToFlex | DefaultDevice::UserChoice(_)));
/// ```
pub unsafe fn default_device_to_flex() -> DefaultDevice {
    if let Some(value) = std::env::var_os(BURN_DEVICE) {
        return DefaultDevice::UserChoice(value.to_string_lossy().into_owned());
    }
    // SAFETY: the caller guarantees that no other thread reads or writes the environment now.
    unsafe { std::env::set_var(BURN_DEVICE, "flex") };
    DefaultDevice::SetToFlex
}
