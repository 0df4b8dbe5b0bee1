//! Configuration and validation of [`MtsConv2d`].

use burn::config::Config;
use burn::module::Param;
use burn::nn::{Initializer, PaddingConfig2d};
use burn::tensor::Device;

use crate::error::{Axis, MAX_SCALED_KERNEL_LEN, MtsConfigError};
use crate::{KernelResampling, MtsConv2d, ScaleSet};

/// How the branch kernels relate to the layer's one trainable kernel.
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum KernelSharing {
    /// Every branch kernel is a differentiable resample of the one kernel, so gradients from
    /// every branch reach it (the paper's intent; SI-ConvNet's tied weights). The default.
    Shared,
    /// Resampled branch kernels are constants: the kernel learns only through the branches whose
    /// kernel has the unscaled size. This is what the published code does; pair it with
    /// [`MtsConv2d::average_kernels`] once per epoch to reproduce its training.
    Detached,
}

/// How every branch output is brought to the output grid of the unscaled kernel.
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum BranchAlignment {
    /// Every branch convolves with the layer's padding; its output, shorter or longer than the
    /// reference, is linearly resized to the reference shape (`align_corners = false`). The
    /// paper's method; branch responses drift by up to half the kernel-length difference
    /// towards the edges. The default.
    Stretch,
    /// Every branch gets its own padding, `(k_s - k) * dilation / 2` more (or less) than the
    /// layer's on each side, so its output already has the reference shape and each output
    /// point is centred where the unscaled kernel's is. Negative padding crops the input. No
    /// output resize.
    Centered,
}

/// Configuration of a [multi-time-scale convolution](MtsConv2d), created with
/// [`init`](MtsConv2dConfig::init) or [`try_init`](MtsConv2dConfig::try_init).
///
/// Every field but `scales`, `sharing`, `alignment` and `resampling` means what it means for
/// [`Conv2dConfig`](burn::nn::conv::Conv2dConfig), with the same defaults, so the layer is a
/// drop-in replacement: same output shape, same parameter count.
#[derive(Config, Debug)]
pub struct MtsConv2dConfig {
    /// The number of channels `[in, out]`.
    pub channels: [usize; 2],
    /// The kernel size `[time, freq]` of the one trainable kernel.
    pub kernel_size: [usize; 2],
    /// The branch scales, in merge order (ties go to the earlier branch).
    /// Default: the paper's time scales `(0.5, 1, 2)`.
    #[config(default = "ScaleSet::time(&[0.5, 1.0, 2.0])")]
    pub scales: ScaleSet,
    /// The stride `[time, freq]` of every branch. Default `[1, 1]`.
    #[config(default = "[1, 1]")]
    pub stride: [usize; 2],
    /// Spacing between kernel elements `[time, freq]`. Default `[1, 1]`.
    #[config(default = "[1, 1]")]
    pub dilation: [usize; 2],
    /// Number of channel groups. Default 1.
    #[config(default = "1")]
    pub groups: usize,
    /// The padding of the unscaled kernel; it defines the output shape. Default `Valid`.
    #[config(default = "PaddingConfig2d::Valid")]
    pub padding: PaddingConfig2d,
    /// Whether a bias (shared by all branches) is added. Default `true`.
    #[config(default = true)]
    pub bias: bool,
    /// How branch kernels share the trainable kernel. Default [`KernelSharing::Shared`].
    #[config(default = "KernelSharing::Shared")]
    pub sharing: KernelSharing,
    /// How branch outputs are aligned to the reference grid. Default
    /// [`BranchAlignment::Stretch`].
    #[config(default = "BranchAlignment::Stretch")]
    pub alignment: BranchAlignment,
    /// How branch kernels are resampled from the trainable kernel. Default
    /// [`KernelResampling::Linear`] (the paper's).
    #[config(default = "KernelResampling::Linear")]
    pub resampling: KernelResampling,
    /// Initializer of the kernel and bias. Default: Conv2d's (and PyTorch's)
    /// `KaimingUniform { gain: 1/sqrt(3) }`, i.e. `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`.
    #[config(
        default = "Initializer::KaimingUniform{gain: 0.577_350_269_189_625_8, fan_out_only: false}"
    )]
    pub initializer: Initializer,
}

impl MtsConv2dConfig {
    /// Replaces the scales by time-only factors, e.g. `&[0.7, 1.0, 1.428]`.
    pub fn with_time_scales(self, factors: &[f64]) -> Self {
        self.with_scales(ScaleSet::time(factors))
    }

    /// Checks the configuration and returns the branch kernel sizes `[time, freq]`, in branch
    /// order.
    pub fn validate(&self) -> Result<Vec<[usize; 2]>, MtsConfigError> {
        check_geometry(
            self.channels,
            self.kernel_size,
            self.stride,
            self.dilation,
            self.groups,
        )?;
        let sizes = branch_kernel_sizes(&self.scales, self.kernel_size)?;
        self.resampling.check_branches(self.kernel_size, &sizes)?;
        Ok(sizes)
    }

    /// Creates the layer, or says what is wrong with the configuration.
    pub fn try_init(&self, device: &Device) -> Result<MtsConv2d, MtsConfigError> {
        let branch_kernels = self.validate()?;
        let [c_in, c_out] = self.channels;
        let shape = [
            c_out,
            c_in / self.groups,
            self.kernel_size[0],
            self.kernel_size[1],
        ];
        let k: usize = self.kernel_size.iter().product();
        let fan_in = c_in / self.groups * k;
        let fan_out = c_out / self.groups * k;
        let weight = self
            .initializer
            .init_with(shape, Some(fan_in), Some(fan_out), device);
        let bias: Option<Param<_>> = self.bias.then(|| {
            self.initializer
                .init_with([c_out], Some(fan_in), Some(fan_out), device)
        });
        Ok(MtsConv2d::from_parts(weight, bias, self, branch_kernels))
    }

    /// Creates the layer.
    ///
    /// # Panics
    /// With the message of the [`MtsConfigError`] when the configuration is invalid, as burn's
    /// own layers do; use [`try_init`](Self::try_init) to handle it.
    pub fn init(&self, device: &Device) -> MtsConv2d {
        self.try_init(device)
            .unwrap_or_else(|err| panic!("invalid MtsConv2dConfig: {err}"))
    }
}

/// The checks every MTS layer shares: non-zero channels, kernel, stride and dilation, and groups
/// that divide both channel counts.
pub(crate) fn check_geometry(
    channels: [usize; 2],
    kernel_size: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
) -> Result<(), MtsConfigError> {
    let [c_in, c_out] = channels;
    if c_in == 0 || c_out == 0 {
        return Err(MtsConfigError::ZeroChannels { channels });
    }
    if kernel_size.contains(&0) {
        return Err(MtsConfigError::ZeroKernel { kernel_size });
    }
    if stride.contains(&0) {
        return Err(MtsConfigError::ZeroStride { stride });
    }
    if dilation.contains(&0) {
        return Err(MtsConfigError::ZeroDilation { dilation });
    }
    if groups == 0 || c_in % groups != 0 || c_out % groups != 0 {
        return Err(MtsConfigError::InvalidGroups { groups, channels });
    }
    Ok(())
}

/// Validates `scales` against a kernel of `kernel_size` and returns each branch's kernel size.
pub(crate) fn branch_kernel_sizes(
    scales: &ScaleSet,
    kernel_size: [usize; 2],
) -> Result<Vec<[usize; 2]>, MtsConfigError> {
    if scales.is_empty() {
        return Err(MtsConfigError::EmptyScales);
    }
    let mut sizes: Vec<[usize; 2]> = Vec::with_capacity(scales.len());
    for (index, scale) in scales.iter().enumerate() {
        let axes = [
            (Axis::Time, scale.time, kernel_size[0]),
            (Axis::Freq, scale.freq, kernel_size[1]),
        ];
        for (axis, value, kernel_len) in axes {
            if !value.is_finite() {
                return Err(MtsConfigError::NonFiniteScale { index, axis, value });
            }
            if value <= 0.0 {
                return Err(MtsConfigError::NonPositiveScale { index, axis, value });
            }
            let scaled_len = crate::scale::scaled_len(kernel_len, value);
            if scaled_len == 0 {
                return Err(MtsConfigError::KernelVanishes {
                    index,
                    scale: *scale,
                    axis,
                    kernel_len,
                });
            }
            if scaled_len > MAX_SCALED_KERNEL_LEN {
                return Err(MtsConfigError::KernelTooLong {
                    index,
                    scale: *scale,
                    axis,
                    kernel_len,
                    scaled_len,
                });
            }
        }
        let size = scale.kernel_size(kernel_size);
        if let Some(first) = sizes.iter().position(|s| *s == size) {
            return Err(MtsConfigError::DuplicateScale {
                first,
                first_scale: scales.as_slice()[first],
                second: index,
                second_scale: *scale,
                kernel: size,
            });
        }
        sizes.push(size);
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scale, error::Axis};

    fn config() -> MtsConv2dConfig {
        MtsConv2dConfig::new([1, 10], [10, 5])
    }

    fn error(config: MtsConv2dConfig) -> MtsConfigError {
        config.validate().unwrap_err()
    }

    #[test]
    fn defaults_are_conv2d_defaults_and_paper_scales() {
        let config = config();
        assert_eq!(config.scales, ScaleSet::time(&[0.5, 1.0, 2.0]));
        assert_eq!(config.stride, [1, 1]);
        assert_eq!(config.padding, PaddingConfig2d::Valid);
        assert!(config.bias);
        assert_eq!(config.sharing, KernelSharing::Shared);
        assert_eq!(config.alignment, BranchAlignment::Stretch);
        assert_eq!(config.resampling, KernelResampling::Linear);
        assert_eq!(config.validate().unwrap(), vec![[5, 5], [10, 5], [20, 5]]);
    }

    #[test]
    fn every_invalid_field_is_named() {
        let cases: Vec<(MtsConv2dConfig, MtsConfigError, &str)> = vec![
            (
                config().with_time_scales(&[]),
                MtsConfigError::EmptyScales,
                "the scale list is empty: an MTS layer needs at least one scale, e.g. [0.5, 1, 2]",
            ),
            (
                config().with_time_scales(&[1.0, f64::NAN]),
                MtsConfigError::NonFiniteScale {
                    index: 1,
                    axis: Axis::Time,
                    value: f64::NAN,
                },
                "scale #1 has a time factor of NaN, which is not a finite number",
            ),
            (
                config().with_scales(ScaleSet::new(vec![Scale::new(1.0, f64::INFINITY)])),
                MtsConfigError::NonFiniteScale {
                    index: 0,
                    axis: Axis::Freq,
                    value: f64::INFINITY,
                },
                "scale #0 has a frequency factor of inf, which is not a finite number",
            ),
            (
                config().with_time_scales(&[0.0, 1.0]),
                MtsConfigError::NonPositiveScale {
                    index: 0,
                    axis: Axis::Time,
                    value: 0.0,
                },
                "scale #0 has a time factor of 0; scale factors must be > 0",
            ),
            (
                config().with_time_scales(&[1.0, -2.0]),
                MtsConfigError::NonPositiveScale {
                    index: 1,
                    axis: Axis::Time,
                    value: -2.0,
                },
                "scale #1 has a time factor of -2; scale factors must be > 0",
            ),
            (
                config().with_time_scales(&[0.05, 1.0]),
                MtsConfigError::KernelVanishes {
                    index: 0,
                    scale: Scale::time(0.05),
                    axis: Axis::Time,
                    kernel_len: 10,
                },
                "scale #0 (0.05) floors the time kernel length 10 to 0; the smallest usable time \
                 factor for this kernel is 1/10",
            ),
            (
                config().with_time_scales(&[1.0, 1000.0]),
                MtsConfigError::KernelTooLong {
                    index: 1,
                    scale: Scale::time(1000.0),
                    axis: Axis::Time,
                    kernel_len: 10,
                    scaled_len: 10_000,
                },
                "scale #1 (1000) stretches the time kernel length 10 to 10000, above the limit \
                 of 4096",
            ),
            (
                config().with_time_scales(&[1.4, 1.0, 1.428]),
                MtsConfigError::DuplicateScale {
                    first: 0,
                    first_scale: Scale::time(1.4),
                    second: 2,
                    second_scale: Scale::time(1.428),
                    kernel: [14, 5],
                },
                "scales #0 (1.4) and #2 (1.428) both give a 14x5 kernel; remove one of them",
            ),
            (
                MtsConv2dConfig::new([0, 10], [10, 5]),
                MtsConfigError::ZeroChannels { channels: [0, 10] },
                "channels must be non-zero, got [in, out] = [0, 10]",
            ),
            (
                MtsConv2dConfig::new([1, 10], [10, 0]),
                MtsConfigError::ZeroKernel {
                    kernel_size: [10, 0],
                },
                "kernel_size must be non-zero on both axes, got [10, 0]",
            ),
            (
                config().with_stride([0, 1]),
                MtsConfigError::ZeroStride { stride: [0, 1] },
                "stride must be non-zero on both axes, got [0, 1]",
            ),
            (
                config().with_dilation([1, 0]),
                MtsConfigError::ZeroDilation { dilation: [1, 0] },
                "dilation must be non-zero on both axes, got [1, 0]",
            ),
            (
                MtsConv2dConfig::new([4, 6], [3, 3]).with_groups(4),
                MtsConfigError::InvalidGroups {
                    groups: 4,
                    channels: [4, 6],
                },
                "groups = 4 must be at least 1 and divide both channel counts [4, 6]",
            ),
        ];
        for (config, expected, message) in cases {
            let err = error(config);
            // NaN != NaN, so compare NaN cases through their message only.
            if !matches!(expected, MtsConfigError::NonFiniteScale { value, .. } if value.is_nan()) {
                assert_eq!(err, expected);
            }
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn try_init_returns_the_error_and_init_panics_with_it() {
        let device = burn::tensor::Device::flex();
        let config = config().with_time_scales(&[]);
        assert_eq!(
            config.try_init(&device).unwrap_err(),
            MtsConfigError::EmptyScales
        );
        let panic = std::panic::catch_unwind(|| config.init(&device)).unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.contains("the scale list is empty"), "{message}");
    }

    #[test]
    fn config_round_trips_through_json() {
        let config = config()
            .with_scales(ScaleSet::new(vec![Scale::time(0.7), Scale::new(2.0, 0.5)]))
            .with_alignment(BranchAlignment::Centered)
            .with_resampling(KernelResampling::Cubic)
            .with_sharing(KernelSharing::Detached);
        let json = config.to_string();
        let back: MtsConv2dConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back.scales, config.scales);
        assert_eq!(back.alignment, BranchAlignment::Centered);
        assert_eq!(back.resampling, KernelResampling::Cubic);
        assert_eq!(back.sharing, KernelSharing::Detached);
    }
}
