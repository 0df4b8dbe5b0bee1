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

impl Axis {
    /// The axis of a `[time, freq]` index.
    pub(crate) fn of(index: usize) -> Self {
        [Axis::Time, Axis::Freq][index]
    }
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
    /// A resampling between lengths of which one is 0.
    #[error("cannot resample {in_len} taps to {out_len}: both lengths must be at least 1")]
    ZeroResamplingLength {
        /// The source length.
        in_len: usize,
        /// The target length.
        out_len: usize,
    },
    /// A custom resampling returned a matrix of the wrong size.
    #[error(
        "the custom resampling `{method}` gives {len} weights for {in_len} -> {out_len} taps; \
         a [{out_len}, {in_len}] matrix has {}", in_len * out_len
    )]
    ResamplingMatrixSize {
        /// The method's name.
        method: &'static str,
        /// The source length.
        in_len: usize,
        /// The target length.
        out_len: usize,
        /// How many weights it gave.
        len: usize,
    },
    /// A custom resampling returned a NaN or infinite weight.
    #[error(
        "the custom resampling `{method}` gives the weight {value} at row {row}, column {column} \
         for {in_len} -> {out_len} taps; weights must be finite"
    )]
    NonFiniteResamplingWeight {
        /// The method's name.
        method: &'static str,
        /// The source length.
        in_len: usize,
        /// The target length.
        out_len: usize,
        /// The output row of the weight.
        row: usize,
        /// The input column of the weight.
        column: usize,
        /// The weight.
        value: f64,
    },
    /// A config names a custom resampling that was never registered.
    #[error(
        "the custom resampling `{name}` is not registered: call \
         `CustomResampling::new(\"{name}\", ..).register()` before reading the config"
    )]
    UnregisteredResampling {
        /// The name in the config.
        name: String,
    },
}

/// An input an MTS layer cannot take, found by the layers' `try_forward` (their `forward`
/// panics with the same message).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MtsInputError {
    /// The input's channel count is not the layer's.
    #[error("{layer} expects {expected} input channels, the input has {got}")]
    Channels {
        /// The layer type.
        layer: &'static str,
        /// The layer's input channel count.
        expected: usize,
        /// The input's channel count.
        got: usize,
    },
    /// The (padded or, where the padding is negative, cropped) input is shorter than a branch
    /// kernel, or a crop takes every frame the input has.
    #[error(
        "{layer}: the input has {input} {axis} frames, too few for a branch kernel of {kernel} \
         taps with dilation {dilation} and padding {pad:?} (negative padding crops the input)"
    )]
    TooShort {
        /// The layer type.
        layer: &'static str,
        /// The short axis.
        axis: Axis,
        /// The input's length along it.
        input: usize,
        /// The branch's `(begin, end)` padding along it; negative values crop.
        pad: (i64, i64),
        /// The branch kernel's length along it.
        kernel: usize,
        /// The dilation along it.
        dilation: usize,
    },
    /// A transposed convolution whose padding removes every output frame.
    #[error(
        "{layer}: a kernel of {kernel} {axis} taps gives {len} output frames for an input of \
         {input} with padding {padding}"
    )]
    NoOutput {
        /// The layer type.
        layer: &'static str,
        /// The empty axis.
        axis: Axis,
        /// The input's length along it.
        input: usize,
        /// The (reference or branch) kernel's length along it.
        kernel: usize,
        /// The padding removed from both ends of the output.
        padding: usize,
        /// The output length it leaves (zero or negative).
        len: i64,
    },
}

impl MtsInputError {
    /// The same error, naming `name` as the layer (a layer that wraps another).
    pub(crate) fn in_layer(mut self, name: &'static str) -> Self {
        match &mut self {
            Self::Channels { layer, .. }
            | Self::TooShort { layer, .. }
            | Self::NoOutput { layer, .. } => *layer = name,
        }
        self
    }
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
