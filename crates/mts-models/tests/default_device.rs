//! `default_device_to_flex` makes burn's `Device::default()` the Flex device in the running
//! process and keeps a `BURN_DEVICE` the user set. No test harness: libtest runs tests on threads
//! of their own, and the function may only run while the process has one thread. The
//! user-choice case runs this program again with `BURN_DEVICE=ndarray`.
//!
//! Built with burn's `wgpu` feature (`cargo test --workspace --all-features`), the default
//! without the call is wgpu, so the first check fails if the function does nothing.

use burn::tensor::Device;
use mts_models::{BURN_DEVICE, DefaultDevice, default_device_to_flex};

fn main() {
    let preset = std::env::var(BURN_DEVICE).ok();
    // SAFETY: the first statement of `main`, before any thread exists.
    #[allow(unsafe_code)]
    let done = unsafe { default_device_to_flex() };
    match preset.as_deref() {
        None => {
            assert_eq!(done, DefaultDevice::SetToFlex);
            assert_eq!(std::env::var(BURN_DEVICE).as_deref(), Ok("flex"));
            assert_eq!(Device::default(), Device::flex(), "default device");
            let child = std::process::Command::new(std::env::current_exe().expect("own path"))
                .env(BURN_DEVICE, "ndarray")
                .status()
                .expect("the test runs itself again");
            assert!(child.success(), "with BURN_DEVICE=ndarray preset");
            println!("default device: ok (unset -> flex; a user's ndarray kept)");
        }
        Some(user) => {
            assert_eq!(done, DefaultDevice::UserChoice(user.to_string()));
            assert_eq!(std::env::var(BURN_DEVICE).as_deref(), Ok(user));
            #[allow(deprecated)] // NdArray: deprecated upstream, still one of our two CPU backends
            let ndarray = Device::ndarray();
            assert_eq!(Device::default(), ndarray, "the user's default device");
        }
    }
}
