//! Multi-time-scale transposed 2-D convolution: the MTS idea in a decoder (the paper's "future
//! work"). One kernel, resampled per scale; every branch is a transposed convolution; branch
//! outputs are brought to the unscaled branch's grid and merged by max.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::nn::conv::ConvTranspose2d;
use burn::tensor::module::conv_transpose2d;
use burn::tensor::ops::{ConvTransposeOptions, PadMode};
use burn::tensor::{Device, Int, Tensor};

use crate::branch_settings::branch_settings;
use crate::config::{branch_kernel_sizes, check_geometry};
use crate::geometry::{Pad, centered_padding};
use crate::kernel_resampling::branch_kernel;
use crate::merge::{merge_branches, merge_or_max};
use crate::resample::resize_axis;
use crate::{
    Axis, BranchAlignment, KernelResampling, KernelSharing, MtsConfigError, MtsInputError,
    ScaleSet, ScaleUsage,
};

/// Configuration of a [multi-time-scale transposed convolution](MtsConvTranspose2d).
///
/// Every field but `scales`, `sharing`, `alignment` and `resampling` means what it means for
/// [`ConvTranspose2dConfig`](burn::nn::conv::ConvTranspose2dConfig), with the same defaults.
#[derive(Config, Debug)]
pub struct MtsConvTranspose2dConfig {
    /// The number of channels `[in, out]`.
    pub channels: [usize; 2],
    /// The kernel size `[time, freq]` of the one trainable kernel.
    pub kernel_size: [usize; 2],
    /// The branch scales, in merge order. Default: time scales `(0.5, 1, 2)`.
    #[config(default = "ScaleSet::time(&[0.5, 1.0, 2.0])")]
    pub scales: ScaleSet,
    /// The stride `[time, freq]`. Default `[1, 1]`.
    #[config(default = "[1, 1]")]
    pub stride: [usize; 2],
    /// Spacing between kernel elements `[time, freq]`. Default `[1, 1]`.
    #[config(default = "[1, 1]")]
    pub dilation: [usize; 2],
    /// Number of channel groups. Default 1.
    #[config(default = "1")]
    pub groups: usize,
    /// Implicit padding `[time, freq]` removed from both ends of the output. Default `[0, 0]`.
    #[config(default = "[0, 0]")]
    pub padding: [usize; 2],
    /// Extra length `[time, freq]` added to one end of the output; each must be smaller than
    /// the stride or the dilation of its axis. Default `[0, 0]`.
    #[config(default = "[0, 0]")]
    pub padding_out: [usize; 2],
    /// Whether a bias (shared by all branches) is added. Default `true`.
    #[config(default = true)]
    pub bias: bool,
    /// How branch kernels share the trainable kernel. Default [`KernelSharing::Shared`].
    #[config(default = "KernelSharing::Shared")]
    pub sharing: KernelSharing,
    /// How branch outputs are brought to the unscaled branch's grid. Default
    /// [`BranchAlignment::Stretch`] (linear resize); `Centered` crops or zero-pads each branch
    /// output symmetrically, so every branch's kernel centre lands where the unscaled one's does.
    #[config(default = "BranchAlignment::Stretch")]
    pub alignment: BranchAlignment,
    /// How branch kernels are resampled. Default [`KernelResampling::Linear`].
    #[config(default = "KernelResampling::Linear")]
    pub resampling: KernelResampling,
    /// Initializer of the kernel and bias. Default: ConvTranspose2d's.
    #[config(
        default = "Initializer::KaimingUniform{gain: 0.577_350_269_189_625_8, fan_out_only: false}"
    )]
    pub initializer: Initializer,
}

impl MtsConvTranspose2dConfig {
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
        for axis in 0..2 {
            if self.padding_out[axis] >= self.stride[axis].max(self.dilation[axis]) {
                return Err(MtsConfigError::InvalidOutputPadding {
                    padding_out: self.padding_out,
                    stride: self.stride,
                    dilation: self.dilation,
                });
            }
        }
        let sizes = branch_kernel_sizes(&self.scales, self.kernel_size)?;
        self.resampling.check_branches(self.kernel_size, &sizes)?;
        Ok(sizes)
    }

    /// Creates the layer, or says what is wrong with the configuration.
    pub fn try_init(&self, device: &Device) -> Result<MtsConvTranspose2d, MtsConfigError> {
        let branch_kernels = self.validate()?;
        let [c_in, c_out] = self.channels;
        let [kt, kf] = self.kernel_size;
        let fan_in = c_out / self.groups * kt * kf;
        let weight = self.initializer.init_with(
            [c_in, c_out / self.groups, kt, kf],
            Some(fan_in),
            None,
            device,
        );
        let bias = self.bias.then(|| {
            self.initializer
                .init_with([c_out], Some(fan_in), None, device)
        });
        Ok(MtsConvTranspose2d {
            weight,
            bias,
            stride: self.stride,
            kernel_size: self.kernel_size,
            dilation: self.dilation,
            groups: self.groups,
            padding: self.padding,
            padding_out: self.padding_out,
            branch_kernels,
            scales: self.scales.clone(),
            sharing: self.sharing,
            alignment: self.alignment,
            resampling: self.resampling,
        })
    }

    /// Creates the layer.
    ///
    /// # Panics
    /// On an invalid configuration, with the [`MtsConfigError`] message; use
    /// [`try_init`](Self::try_init) to handle it.
    pub fn init(&self, device: &Device) -> MtsConvTranspose2d {
        self.try_init(device)
            .unwrap_or_else(|err| panic!("invalid MtsConvTranspose2dConfig: {err}"))
    }
}

/// Multi-time-scale transposed 2-D convolution over `[batch, channels, time, freq]`, for
/// decoders and generators.
///
/// The layer holds one kernel `[channels_in, channels_out / groups, kt, kf]` and one optional
/// bias `[channels_out]`, exactly like [`ConvTranspose2d`]. For every scale it resamples the
/// kernel to `[floor(kt * s_time), floor(kf * s_freq)]` (see [`KernelResampling`]), applies
/// `conv_transpose2d` with the layer's stride, padding, output padding, dilation and groups, brings
/// the result to the output grid of the unscaled kernel (a kernel longer by `d` taps makes an
/// output longer by `d * dilation`; see [`BranchAlignment`]) and takes the element-wise max
/// (ties go to the earlier branch). Output shape and parameter count are the
/// `ConvTranspose2d`'s.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use mts_core::MtsConvTranspose2dConfig;
///
/// let device = Device::flex();
/// let layer = MtsConvTranspose2dConfig::new([4, 1], [6, 3]).with_stride([2, 1]).init(&device);
/// let code = Tensor::<4>::ones([2, 4, 20, 8], &device);
/// assert_eq!(layer.forward(code).dims(), [2, 1, 44, 10]);
/// ```
#[derive(Module, Debug)]
pub struct MtsConvTranspose2d {
    /// The one trainable kernel, `[channels_in, channels_out / groups, kernel_time, kernel_freq]`.
    pub weight: Param<Tensor<4>>,
    /// The bias `[channels_out]`, added by every branch.
    pub bias: Option<Param<Tensor<1>>>,
    stride: [usize; 2],
    kernel_size: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
    padding: [usize; 2],
    padding_out: [usize; 2],
    branch_kernels: Vec<[usize; 2]>,
    #[module(skip)]
    scales: ScaleSet,
    #[module(skip)]
    sharing: KernelSharing,
    #[module(skip)]
    alignment: BranchAlignment,
    #[module(skip)]
    resampling: KernelResampling,
}

impl MtsConvTranspose2d {
    /// Upgrades a (possibly trained) `ConvTranspose2d` to an MTS layer with the same kernel,
    /// bias and geometry, shared kernels, stretch alignment and linear resampling. With
    /// `scales = [1]` it computes exactly what the `ConvTranspose2d` computes.
    pub fn from_conv_transpose2d(
        conv: ConvTranspose2d,
        scales: impl Into<ScaleSet>,
    ) -> Result<Self, MtsConfigError> {
        let scales = scales.into();
        Ok(Self {
            branch_kernels: branch_kernel_sizes(&scales, conv.kernel_size)?,
            weight: conv.weight,
            bias: conv.bias,
            stride: conv.stride,
            kernel_size: conv.kernel_size,
            dilation: conv.dilation,
            groups: conv.groups,
            padding: conv.padding,
            padding_out: conv.padding_out,
            scales,
            sharing: KernelSharing::Shared,
            alignment: BranchAlignment::Stretch,
            resampling: KernelResampling::Linear,
        })
    }

    /// The plain `ConvTranspose2d` with this layer's kernel, bias and geometry (the unscaled
    /// branch alone).
    pub fn to_conv_transpose2d(&self) -> ConvTranspose2d {
        let [c_in, c_out_per_group, ..] = self.weight.shape().dims::<4>();
        ConvTranspose2d {
            weight: self.weight.clone(),
            bias: self.bias.clone(),
            stride: self.stride,
            kernel_size: self.kernel_size,
            dilation: self.dilation,
            groups: self.groups,
            padding: self.padding,
            padding_out: self.padding_out,
            channels: [c_in, c_out_per_group * self.groups],
        }
    }

    branch_settings!();

    /// Applies the layer.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time, freq]`
    /// - output: `[batch, channels_out, time_out, freq_out]` with
    ///   `time_out = (time - 1) * stride - 2 * padding + dilation * (kt - 1) + padding_out + 1`
    ///   (likewise along frequency), as [`ConvTranspose2d`] gives.
    ///
    /// # Panics
    /// If the input does not have `channels_in` channels, or the padding leaves the unscaled or
    /// a branch kernel no output; [`try_forward`](Self::try_forward) returns these as errors.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        self.keep_kernel_in_graph(merge_or_max(self.forward_branches(input)))
    }

    /// Applies the layer and reports which branch won each output element.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time, freq]`
    /// - output and winners: `[batch, channels_out, time_out, freq_out]`; winners hold branch
    ///   indices (ties go to the lowest)
    pub fn forward_with_winners(&self, input: Tensor<4>) -> (Tensor<4>, Tensor<4, Int>) {
        let merged = merge_branches(self.forward_branches(input));
        (self.keep_kernel_in_graph(merged.output), merged.winners)
    }

    /// Applies the layer and counts the output elements each branch wins.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time, freq]`
    /// - output: as [`forward`](Self::forward); the usage counts every element of it
    pub fn forward_with_usage(&self, input: Tensor<4>) -> (Tensor<4>, ScaleUsage) {
        let (output, winners) = self.forward_with_winners(input);
        (output, ScaleUsage::of_winners(&winners, &self.scales))
    }

    /// Every branch's response on the unscaled branch's output grid, before the max.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time, freq]`
    /// - each branch: `[batch, channels_out, time_out, freq_out]`, as [`forward`](Self::forward)
    pub fn forward_branches(&self, input: Tensor<4>) -> Vec<Tensor<4>> {
        let reference = self
            .check_input(input.dims())
            .unwrap_or_else(|err| panic!("{err}"));
        let weight = self.weight.val();
        let bias = self.bias.as_ref().map(Param::val);
        let options = ConvTransposeOptions::new(
            self.stride,
            self.padding,
            self.padding_out,
            self.dilation,
            self.groups,
        );
        self.branch_kernels
            .iter()
            .map(|&size| {
                let kernel = branch_kernel(&weight, size, self.sharing, self.resampling);
                let y = conv_transpose2d(input.clone(), kernel, bias.clone(), options.clone());
                self.align(y, size, reference)
            })
            .collect()
    }

    /// [`forward`](Self::forward), or the [`MtsInputError`] that says why the layer cannot
    /// take `input` (a wrong channel count, or a padding that leaves the unscaled or a branch
    /// kernel no output).
    pub fn try_forward(&self, input: Tensor<4>) -> Result<Tensor<4>, MtsInputError> {
        self.check_input(input.dims())?;
        Ok(self.forward(input))
    }

    /// The unscaled kernel's output length `[time, freq]` for an input of `dims`, or why the
    /// layer cannot take it: every branch, and the reference grid they are brought to (which
    /// `Centered` alignment reaches by cropping the branch output), must have an output.
    fn check_input(&self, dims: [usize; 4]) -> Result<[usize; 2], MtsInputError> {
        let [_, channels_in, time, freq] = dims;
        let expected = self.weight.shape().dims::<4>()[0];
        if channels_in != expected {
            let layer = "MtsConvTranspose2d";
            let got = channels_in;
            return Err(MtsInputError::Channels {
                layer,
                expected,
                got,
            });
        }
        let kernels = [&self.kernel_size].into_iter().chain(&self.branch_kernels);
        for (size, axis) in kernels.flat_map(|size| [(size, 0), (size, 1)]) {
            let input = [time, freq][axis];
            let len = self.output_len(axis, input, size[axis]);
            if len < 1 {
                return Err(MtsInputError::NoOutput {
                    layer: "MtsConvTranspose2d",
                    axis: Axis::of(axis),
                    input,
                    kernel: size[axis],
                    padding: self.padding[axis],
                    len,
                });
            }
        }
        let reference = |axis: usize| self.output_len(axis, dims[axis + 2], self.kernel_size[axis]);
        Ok([reference(0), reference(1)].map(|len| len as usize))
    }

    /// Output length along `axis` for an input of `len` and a kernel of `kernel` taps (may be
    /// zero or negative for a shrunk kernel and large padding).
    fn output_len(&self, axis: usize, len: usize, kernel: usize) -> i64 {
        (len as i64 - 1) * self.stride[axis] as i64 - 2 * self.padding[axis] as i64
            + (self.dilation[axis] * (kernel - 1)) as i64
            + self.padding_out[axis] as i64
            + 1
    }

    /// Brings a branch output to the reference grid: linear resize (`Stretch`) or a symmetric
    /// crop / zero pad that aligns kernel centres (`Centered`).
    fn align(&self, y: Tensor<4>, size: [usize; 2], reference: [usize; 2]) -> Tensor<4> {
        match self.alignment {
            BranchAlignment::Stretch => {
                resize_axis(resize_axis(y, 2, reference[0]), 3, reference[1])
            }
            BranchAlignment::Centered => {
                let mut y = y;
                for (axis, (&kernel, &branch)) in self.kernel_size.iter().zip(&size).enumerate() {
                    let excess = centered_padding((0, 0), kernel, branch, self.dilation[axis]);
                    y = crop_or_pad(y, axis + 2, excess);
                }
                y
            }
        }
    }
}

/// Removes `excess.0` samples at the start of `dim` and `excess.1` at its end; negative values
/// add zeros instead.
fn crop_or_pad(y: Tensor<4>, dim: usize, (begin, end): Pad) -> Tensor<4> {
    let len = y.dims()[dim] as i64;
    let start = begin.max(0);
    let stop = len - end.max(0);
    let y = if start > 0 || stop < len {
        y.narrow(dim, start as usize, (stop - start) as usize)
    } else {
        y
    };
    if begin < 0 || end < 0 {
        let mut pads = [(0usize, 0usize); 4];
        pads[dim] = ((-begin).max(0) as usize, (-end).max(0) as usize);
        y.pad(pads, PadMode::Constant(0.0))
    } else {
        y
    }
}
