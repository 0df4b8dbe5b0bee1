//! Multi-time-scale (MTS) convolution for [Burn](https://burn.dev).
//!
//! [`MtsConv2d`] replaces a [`Conv2d`](burn::nn::conv::Conv2d) on spectrograms laid out
//! `[batch, channels, time, freq]`. It holds one kernel, runs it at several time scales
//! (linear resampling of the kernel), brings every branch to the output grid of the unscaled
//! kernel and keeps the element-wise maximum, so a pattern is matched whether it is spoken
//! slower or faster, with the parameter count and output shape of the plain convolution.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use mts_core::MtsConv2dConfig;
//!
//! let device = Device::flex();
//! let layer = MtsConv2dConfig::new([1, 10], [10, 5])
//!     .with_time_scales(&[0.5, 1.0, 2.0])
//!     .init(&device);
//! let spectrogram = Tensor::<4>::zeros([2, 1, 40, 20], &device);
//! let (output, usage) = layer.forward_with_usage(spectrogram);
//! assert_eq!(output.dims(), [2, 10, 31, 16]);
//! assert_eq!(usage.total(), 2 * 10 * 31 * 16);
//! ```
//!
//! The crate names no concrete backend: it runs on whatever [`Device`](burn::tensor::Device)
//! its tensors live on, with or without autodiff.

mod allocator;
mod branch_settings;
mod composed_path;
mod config;
mod conv1d;
mod custom_resampling;
#[cfg(test)]
mod custom_resampling_tests;
mod error;
mod fused_conv;
mod geometry;
mod kernel_resampling;
#[cfg(feature = "cpu-kernels")]
mod kernels;
mod layer;
mod layer_api;
mod merge;
#[cfg(any(test, feature = "proptest"))]
pub mod proptest_kit;
mod resample;
mod scale;
mod transpose;
mod usage;

pub use allocator::{AllocatorTuning, TOP_PAD_BYTES, mmapped_bytes, tune_allocator};
pub use composed_path::with_composed_path;
pub use config::{BranchAlignment, KernelSharing, MtsConv2dConfig};
pub use conv1d::{MtsConv1d, MtsConv1dConfig};
pub use custom_resampling::{CustomResampling, ResamplingWeights};
pub use error::{Axis, MAX_SCALED_KERNEL_LEN, MtsConfigError, MtsInputError, ScaleUsageMismatch};
pub use fused_conv::conv2d_fused;
pub use geometry::conv_output_len;
pub use kernel_resampling::{KernelResampling, resample_kernel_with};
pub use layer::MtsConv2d;
pub use layer_api::MtsLayer;
pub use resample::{resample_kernel, resize_axis};
pub use scale::{Scale, ScaleSet};
pub use transpose::{MtsConvTranspose2d, MtsConvTranspose2dConfig};
pub use usage::ScaleUsage;
