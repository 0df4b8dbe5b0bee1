//! Errors of the MTS layer.

use core::fmt;

use crate::Scale;

/// A kernel axis of the `[out, in, time, freq]` weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Axis 2: time frames.
    Time,
    /// Axis 3: frequency bins.
    Freq,
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Axis::Time => "time",
            Axis::Freq => "frequency",
        })
    }
}

/// The largest kernel length, per axis, that a scaled branch may have.
///
/// Far above any useful value (the paper's largest is 22); it stops a typo such as `2000.0`
/// for `2.0` from allocating a gigantic kernel.
pub const MAX_SCALED_KERNEL_LEN: usize = 4096;

/// An invalid MTS layer configuration ([`MtsConv2dConfig`](crate::MtsConv2dConfig),
/// [`MtsConv1dConfig`](crate::MtsConv1dConfig),
/// [`MtsConvTranspose2dConfig`](crate::MtsConvTranspose2dConfig)), found by their `validate` and
/// `try_init`, or by the `from_conv*` upgrades of trained burn layers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MtsConfigError {
    /// The scale list has no entry.
    #[error("the scale list is empty: an MTS layer needs at least one scale, e.g. [0.5, 1, 2]")]
    EmptyScales,
    /// A scale factor is NaN or infinite.
    #[error("scale #{index} has a {axis} factor of {value}, which is not a finite number")]
    NonFiniteScale {
        /// Position of the scale in the list.
        index: usize,
        /// Axis of the bad factor.
        axis: Axis,
        /// The factor.
        value: f64,
    },
    /// A scale factor is zero or negative.
    #[error("scale #{index} has a {axis} factor of {value}; scale factors must be > 0")]
    NonPositiveScale {
        /// Position of the scale in the list.
        index: usize,
        /// Axis of the bad factor.
        axis: Axis,
        /// The factor.
        value: f64,
    },
    /// `floor(kernel_len * factor)` is 0: the branch would have no kernel.
    #[error(
        "scale #{index} ({scale}) floors the {axis} kernel length {kernel_len} to 0; \
         the smallest usable {axis} factor for this kernel is 1/{kernel_len}"
    )]
    KernelVanishes {
        /// Position of the scale in the list.
        index: usize,
        /// The scale.
        scale: Scale,
        /// Axis that vanishes.
        axis: Axis,
        /// Unscaled kernel length on that axis.
        kernel_len: usize,
    },
    /// The scaled kernel is longer than [`MAX_SCALED_KERNEL_LEN`].
    #[error(
        "scale #{index} ({scale}) stretches the {axis} kernel length {kernel_len} to \
         {scaled_len}, above the limit of {MAX_SCALED_KERNEL_LEN}"
    )]
    KernelTooLong {
        /// Position of the scale in the list.
        index: usize,
        /// The scale.
        scale: Scale,
        /// Axis that is too long.
        axis: Axis,
        /// Unscaled kernel length on that axis.
        kernel_len: usize,
        /// Scaled kernel length on that axis.
        scaled_len: usize,
    },
    /// Two scales give the same branch kernel size, so the later branch would duplicate the
    /// earlier one and never win the max.
    #[error(
        "scales #{first} ({first_scale}) and #{second} ({second_scale}) both give a \
         {}x{} kernel; remove one of them", kernel[0], kernel[1]
    )]
    DuplicateScale {
        /// Position of the earlier scale.
        first: usize,
        /// The earlier scale.
        first_scale: Scale,
        /// Position of the later scale.
        second: usize,
        /// The later scale.
        second_scale: Scale,
        /// The common branch kernel size `[time, freq]`.
        kernel: [usize; 2],
    },
    /// A 1-D layer ([`MtsConv1d`](crate::MtsConv1d)) was given a scale with a frequency factor
    /// other than 1: a sequence has no frequency axis to scale.
    #[error(
        "scale #{index} ({scale}) has a frequency factor of {}; a 1-D layer takes time scales \
         only (frequency factor 1)", scale.freq
    )]
    FrequencyScaleIn1d {
        /// Position of the scale in the list.
        index: usize,
        /// The scale.
        scale: Scale,
    },
    /// An input or output channel count is zero.
    #[error("channels must be non-zero, got [in, out] = {channels:?}")]
    ZeroChannels {
        /// `[in, out]` as configured.
        channels: [usize; 2],
    },
    /// A kernel length is zero.
    #[error("kernel_size must be non-zero on both axes, got {kernel_size:?}")]
    ZeroKernel {
        /// `[time, freq]` as configured.
        kernel_size: [usize; 2],
    },
    /// A stride is zero.
    #[error("stride must be non-zero on both axes, got {stride:?}")]
    ZeroStride {
        /// `[time, freq]` as configured.
        stride: [usize; 2],
    },
    /// A dilation is zero.
    #[error("dilation must be non-zero on both axes, got {dilation:?}")]
    ZeroDilation {
        /// `[time, freq]` as configured.
        dilation: [usize; 2],
    },
    /// A transposed convolution's output padding is not smaller than its stride or dilation.
    #[error(
        "padding_out {padding_out:?} must be smaller than the stride {stride:?} or the dilation \
         {dilation:?} of its axis"
    )]
    InvalidOutputPadding {
        /// `[time, freq]` as configured.
        padding_out: [usize; 2],
        /// `[time, freq]` as configured.
        stride: [usize; 2],
        /// `[time, freq]` as configured.
        dilation: [usize; 2],
    },
    /// `groups` is zero or does not divide both channel counts.
    #[error("groups = {groups} must be at least 1 and divide both channel counts {channels:?}")]
    InvalidGroups {
        /// The configured number of groups.
        groups: usize,
        /// `[in, out]` as configured.
        channels: [usize; 2],
    },
}

/// Two [`ScaleUsage`](crate::ScaleUsage) values that cannot be added.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot add the scale usage of branches {other} to the usage of branches {this}")]
pub struct ScaleUsageMismatch {
    /// The scales of the receiving usage, as text.
    pub this: String,
    /// The scales of the usage being added, as text.
    pub other: String,
}
