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
    /// `cpu`, `ndarray` or `wgpu`, as `--device` takes it.
    pub fn name(self) -> &'static str {
        match self {
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Ndarray => "ndarray",
            DeviceChoice::Wgpu => "wgpu",
        }
    }

    /// The burn device, or why it is not available in this build or on this machine.
    pub fn device(self) -> Result<Device, CliError> {
        match self {
            DeviceChoice::Cpu => Ok(Device::flex()),
            #[allow(deprecated)]
            DeviceChoice::Ndarray => Ok(Device::ndarray()),
            DeviceChoice::Wgpu => wgpu(),
        }
    }
}

/// The default wgpu device, checked with a tiny sum: burn panics inside device creation when no
/// adapter exists, so the probe runs under `catch_unwind` with the panic message suppressed and
/// a missing or broken adapter becomes an error.
#[cfg(feature = "wgpu")]
fn wgpu() -> Result<Device, CliError> {
    use burn::tensor::{DeviceKind, Tensor, TensorData};

    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let probe = std::panic::catch_unwind(|| {
        let device = Device::wgpu(DeviceKind::DefaultDevice);
        let x = Tensor::<1>::from_data(TensorData::new(vec![1.0f32, 2.0], [2]), &device);
        let sum: f32 = x.sum().into_scalar();
        (device, sum)
    });
    std::panic::set_hook(hook);
    match probe {
        Ok((device, 3.0)) => Ok(device),
        Ok((_, sum)) => Err(CliError::Device(format!(
            "wgpu: the device computed 1 + 2 = {sum}"
        ))),
        Err(_) => Err(CliError::Device(
            "wgpu: no usable adapter (install a GPU driver, or a software Vulkan driver such as \
             Debian's mesa-vulkan-drivers)"
                .into(),
        )),
    }
}

#[cfg(not(feature = "wgpu"))]
fn wgpu() -> Result<Device, CliError> {
    Err(CliError::Device(
        "this build has no wgpu backend: rebuild with `--features wgpu`".into(),
    ))
}
