//! Which burn backend a command computes on.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::CliError;

/// The compute device of a command (`--device`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// Burn's Flex backend: pure-Rust CPU, multi-threaded (the faster CPU backend here).
    #[default]
    Cpu,
    /// Burn's NdArray CPU backend (deprecated upstream).
    Ndarray,
    /// Burn's wgpu backend (GPU, or a software Vulkan driver); needs the `wgpu` feature.
    Wgpu,
}

impl DeviceChoice {
    /// The burn device, or why it is not available in this build.
    pub fn device(self) -> Result<Device, CliError> {
        match self {
            DeviceChoice::Cpu => Ok(Device::flex()),
            #[allow(deprecated)]
            DeviceChoice::Ndarray => Ok(Device::ndarray()),
            DeviceChoice::Wgpu => wgpu(),
        }
    }
}

#[cfg(feature = "wgpu")]
fn wgpu() -> Result<Device, CliError> {
    Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu() -> Result<Device, CliError> {
    Err(CliError::Usage(
        "this build has no wgpu backend: rebuild with `--features wgpu`".into(),
    ))
}
