//! The multi-time-scale convolution module.

use burn::module::{Content, DisplaySettings, Module, ModuleDisplay, Param};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Int, Tensor};

use crate::config::branch_kernel_sizes;
use crate::geometry::{Pad, branch_output_len, branch_padding, reference_padding};
use crate::merge::{Merged, merge_branches, merge_or_max};
use crate::{
    Axis, BranchAlignment, KernelResampling, KernelSharing, MtsConfigError, MtsConv2dConfig,
    MtsInputError, ScaleSet, ScaleUsage, branch_settings::branch_settings,
    kernel_resampling::branch_kernel, resample::resize_axis,
};

/// Multi-time-scale 2-D convolution (Guizzo, Weyde & Leveson, ICASSP 2020) over spectrograms
/// laid out `[batch, channels, time, freq]`.
///
/// The layer holds one kernel `[out, in / groups, kt, kf]` and one optional bias `[out]`,
/// exactly like [`Conv2d`]. For every [scale](crate::Scale) it resamples the kernel to
/// `[floor(kt * s_time), floor(kf * s_freq)]` by linear interpolation, convolves the input with
/// it, brings the result to the output grid of the unscaled kernel (see [`BranchAlignment`]) and
/// merges the branches by an element-wise max (ties go to the earlier branch). The output shape
/// and the parameter count are those of the equivalent `Conv2d`.
///
/// Create it with [`MtsConv2dConfig`], or upgrade a trained `Conv2d` with
/// [`from_conv2d`](MtsConv2d::from_conv2d).
///
/// On Flex and NdArray (`f32`, feature `cpu-kernels`) the layer runs fused CPU kernels; every
/// other backend, and every forward pass inside
/// [`with_composed_path`](crate::with_composed_path), composes burn tensor ops. Both give the
/// same results within float rounding.
#[derive(Module, Debug)]
#[module(custom_display)]
pub struct MtsConv2d {
    /// The one trainable kernel, `[channels_out, channels_in / groups, kernel_time, kernel_freq]`.
    pub weight: Param<Tensor<4>>,
    /// The bias `[channels_out]`, added by every branch.
    pub bias: Option<Param<Tensor<1>>>,
    stride: [usize; 2],
    kernel_size: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
    branch_kernels: Vec<[usize; 2]>,
    #[module(skip)]
    padding: PaddingConfig2d,
    #[module(skip)]
    scales: ScaleSet,
    #[module(skip)]
    sharing: KernelSharing,
    #[module(skip)]
    alignment: BranchAlignment,
    #[module(skip)]
    resampling: KernelResampling,
}

impl MtsConv2d {
    pub(crate) fn from_parts(
        weight: Param<Tensor<4>>,
        bias: Option<Param<Tensor<1>>>,
        config: &MtsConv2dConfig,
        branch_kernels: Vec<[usize; 2]>,
    ) -> Self {
        Self {
            weight,
            bias,
            stride: config.stride,
            kernel_size: config.kernel_size,
            dilation: config.dilation,
            groups: config.groups,
            branch_kernels,
            padding: config.padding.clone(),
            scales: config.scales.clone(),
            sharing: config.sharing,
            alignment: config.alignment,
            resampling: config.resampling,
        }
    }

    /// Upgrades a (possibly trained) `Conv2d` to an MTS layer with the same kernel, bias,
    /// stride, padding, dilation and groups, [`KernelSharing::Shared`] and
    /// [`BranchAlignment::Stretch`] and [`KernelResampling::Linear`]; change those with
    /// [`with_sharing`](Self::with_sharing), [`with_alignment`](Self::with_alignment) and
    /// [`with_resampling`](Self::with_resampling). With `scales = [1]` it computes exactly what
    /// the `Conv2d` computes.
    pub fn from_conv2d(conv: Conv2d, scales: impl Into<ScaleSet>) -> Result<Self, MtsConfigError> {
        let scales = scales.into();
        let branch_kernels = branch_kernel_sizes(&scales, conv.kernel_size)?;
        Ok(Self {
            weight: conv.weight,
            bias: conv.bias,
            stride: conv.stride,
            kernel_size: conv.kernel_size,
            dilation: conv.dilation,
            groups: conv.groups,
            branch_kernels,
            padding: conv.padding,
            scales,
            sharing: KernelSharing::Shared,
            alignment: BranchAlignment::Stretch,
            resampling: KernelResampling::Linear,
        })
    }

    /// The plain `Conv2d` with this layer's kernel, bias and geometry (the unscaled branch alone).
    pub fn to_conv2d(&self) -> Conv2d {
        Conv2d {
            weight: self.weight.clone(),
            bias: self.bias.clone(),
            stride: self.stride,
            kernel_size: self.kernel_size,
            dilation: self.dilation,
            groups: self.groups,
            padding: self.padding.clone(),
        }
    }

    branch_settings!();

    /// Applies the layer.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time, freq]`
    /// - output: `[batch, channels_out, time_out, freq_out]`, the shape the equivalent
    ///   [`Conv2d`] gives.
    ///
    /// # Panics
    /// If the input does not have `channels_in` channels, or a branch kernel is longer than the
    /// (padded or cropped) input; [`try_forward`](Self::try_forward) returns these as errors.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        self.keep_kernel_in_graph(self.merged_output(input))
    }

    /// The merged output of [`forward`](Self::forward), without the winners where nobody needs
    /// them.
    fn merged_output(&self, input: Tensor<4>) -> Tensor<4> {
        #[cfg(feature = "cpu-kernels")]
        if takes_fused_path(&input) {
            return self.fused(input).output;
        }
        merge_or_max(self.forward_branches(input))
    }

    /// [`forward`](Self::forward), or the [`MtsInputError`] that says why the layer cannot
    /// take `input` (a wrong channel count, an input too short for a branch kernel or for the
    /// crop that centres it).
    pub fn try_forward(&self, input: Tensor<4>) -> Result<Tensor<4>, MtsInputError> {
        self.try_plan(input.dims())?;
        Ok(self.forward(input))
    }

    /// Applies the layer and reports which branch won each output element.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time, freq]`
    /// - output: as [`forward`](Self::forward)
    /// - winners: same shape as the output, the branch index (in [`scales`](Self::scales)
    ///   order) of the maximum; ties go to the lowest index
    pub fn forward_with_winners(&self, input: Tensor<4>) -> (Tensor<4>, Tensor<4, Int>) {
        let merged = self.merged(input);
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

    /// The response of every branch on the reference output grid, before the max: what
    /// [`forward`](Self::forward) merges.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time, freq]`
    /// - each branch: `[batch, channels_out, time_out, freq_out]`, as [`forward`](Self::forward)
    pub fn forward_branches(&self, input: Tensor<4>) -> Vec<Tensor<4>> {
        let (branches, out_len) = self.branch_outputs(input);
        branches
            .into_iter()
            .map(|y| resize_axis(resize_axis(y, 2, out_len[0]), 3, out_len[1]))
            .collect()
    }

    /// The branches merged onto the reference grid by max, with the winners: the fused CPU
    /// kernels where they serve the input's device (see [`takes_fused_path`]), else the
    /// composed tensor ops.
    fn merged(&self, input: Tensor<4>) -> Merged {
        #[cfg(feature = "cpu-kernels")]
        if takes_fused_path(&input) {
            return self.fused(input);
        }
        merge_branches(self.forward_branches(input))
    }

    /// [`merged`](Self::merged) by the fused CPU operation (`kernels/`).
    #[cfg(feature = "cpu-kernels")]
    pub(crate) fn fused(&self, input: Tensor<4>) -> Merged {
        let plan = self.plan(&input);
        let weight = self.weight.val();
        let kernels = plan
            .branches
            .iter()
            .map(|branch| self.branch_kernel(&weight, branch.size))
            .collect();
        let channels_out = weight.dims()[0];
        let bias = match &self.bias {
            Some(bias) => bias.val(),
            None => Tensor::zeros([channels_out], &input.device()),
        };
        let geometry = crate::kernels::FusedGeometry {
            branches: plan
                .branches
                .iter()
                .map(|branch| crate::kernels::FusedBranch {
                    kernel: [
                        channels_out,
                        weight.dims()[1],
                        branch.size[0],
                        branch.size[1],
                    ],
                    pad: branch.pad,
                    output: branch.output,
                })
                .collect(),
            output: plan.output,
            stride: self.stride,
            dilation: self.dilation,
            groups: self.groups,
            isa: crate::kernels::Isa::current(),
        };
        let (output, winners) = crate::kernels::conv_merge(input, kernels, bias, geometry);
        Merged { output, winners }
    }

    /// Every branch's convolution on its own grid (`Centered` branches are already on the
    /// reference grid), and the reference output length `[time, freq]`.
    fn branch_outputs(&self, input: Tensor<4>) -> (Vec<Tensor<4>>, [usize; 2]) {
        let plan = self.plan(&input);
        let weight = self.weight.val();
        let bias = self.bias.as_ref().map(Param::val);
        let branches = plan
            .branches
            .iter()
            .map(|branch| {
                let kernel = self.branch_kernel(&weight, branch.size);
                self.convolve(input.clone(), kernel, bias.clone(), branch.pad)
            })
            .collect();
        (branches, plan.output)
    }

    /// Each branch's kernel size, padding and output length for `input`, and the reference
    /// output length; panics with the [`MtsInputError`] message on an input the layer cannot
    /// take (see [`try_forward`](Self::try_forward)).
    fn plan(&self, input: &Tensor<4>) -> Plan {
        self.try_plan(input.dims())
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// [`plan`](Self::plan) for an input of `dims`, or why the layer cannot take it.
    fn try_plan(&self, dims: [usize; 4]) -> Result<Plan, MtsInputError> {
        let [_, channels_in, time, freq] = dims;
        let expected = self.weight.shape().dims::<4>()[1] * self.groups;
        if channels_in != expected {
            return Err(MtsInputError::Channels {
                layer: "MtsConv2d",
                expected,
                got: channels_in,
            });
        }
        let padding = reference_padding(&self.padding, [time, freq], self.kernel_size, self.stride);
        let reference_pad = padding.map(|(b, e)| (b as i64, e as i64));
        let output = self.output_len([time, freq], reference_pad, self.kernel_size)?;
        let branches = self
            .branch_kernels
            .iter()
            .map(|&size| {
                let pad = branch_padding(
                    self.alignment,
                    padding,
                    self.kernel_size,
                    size,
                    self.dilation,
                );
                let output = self.output_len([time, freq], pad, size)?;
                Ok(BranchPlan { size, pad, output })
            })
            .collect::<Result<_, _>>()?;
        Ok(Plan { branches, output })
    }

    /// Output length per axis of a kernel of `size` under `pad`, or the error that says the
    /// (cropped or padded) input is too short for it.
    fn output_len(
        &self,
        input: [usize; 2],
        pad: [Pad; 2],
        size: [usize; 2],
    ) -> Result<[usize; 2], MtsInputError> {
        let len = |a: usize| {
            branch_output_len(input[a], pad[a], size[a], self.stride[a], self.dilation[a]).ok_or(
                MtsInputError::TooShort {
                    layer: "MtsConv2d",
                    axis: Axis::of(a),
                    input: input[a],
                    pad: pad[a],
                    kernel: size[a],
                    dilation: self.dilation[a],
                },
            )
        };
        Ok([len(0)?, len(1)?])
    }

    /// The kernel of a branch of `size`: the trainable kernel itself when the size is the
    /// unscaled one, else its resample (a constant in `Detached` mode).
    fn branch_kernel(&self, weight: &Tensor<4>, size: [usize; 2]) -> Tensor<4> {
        branch_kernel(weight, size, self.sharing, self.resampling)
    }

    /// `conv2d` with per-axis `(begin, end)` padding, where negative values crop the input (the
    /// [`plan`](Self::plan) has checked that the crop leaves frames and the kernel fits).
    fn convolve(
        &self,
        mut input: Tensor<4>,
        kernel: Tensor<4>,
        bias: Option<Tensor<1>>,
        pad: [Pad; 2],
    ) -> Tensor<4> {
        let mut padding = [(0usize, 0usize); 2];
        for (a, &(begin, end)) in pad.iter().enumerate() {
            let dim = a + 2;
            let crop_begin = (-begin).max(0) as usize;
            let crop_end = (-end).max(0) as usize;
            if crop_begin + crop_end > 0 {
                let len = input.dims()[dim];
                input = input.narrow(dim, crop_begin, len - crop_begin - crop_end);
            }
            padding[a] = (begin.max(0) as usize, end.max(0) as usize);
        }
        let options =
            ConvOptions::new_with_padding(self.stride, padding, self.dilation, self.groups);
        conv2d(input, kernel, bias, options)
    }
}

/// Whether a forward pass on `input` takes the fused CPU kernels: on a device they serve,
/// unless [`with_composed_path`](crate::with_composed_path) asks for the composed path.
#[cfg(feature = "cpu-kernels")]
fn takes_fused_path(input: &Tensor<4>) -> bool {
    !crate::composed_path::forced() && crate::kernels::serves(&input.device(), input.dtype())
}

/// One branch's geometry for a given input.
struct BranchPlan {
    /// Kernel size `[time, freq]`.
    size: [usize; 2],
    /// `(begin, end)` padding per axis; negative crops.
    pad: [Pad; 2],
    /// Output length `[time, freq]` on the branch's own grid (read by the fused path only).
    #[cfg_attr(not(feature = "cpu-kernels"), allow(dead_code))]
    output: [usize; 2],
}

/// Every branch's geometry and the reference output length.
struct Plan {
    branches: Vec<BranchPlan>,
    output: [usize; 2],
}

impl ModuleDisplay for MtsConv2d {
    fn custom_settings(&self) -> Option<DisplaySettings> {
        DisplaySettings::new()
            .with_new_line_after_attribute(false)
            .optional()
    }

    fn custom_content(&self, content: Content) -> Option<Content> {
        let [channels_out, group_channels_in, _, _] = self.weight.shape().dims::<4>();
        content
            .add("ch_in", &(group_channels_in * self.groups))
            .add("ch_out", &channels_out)
            .add("kernel_size", &format!("{:?}", self.kernel_size))
            .add("scales", &self.scales.to_string())
            .add("stride", &format!("{:?}", self.stride))
            .add("dilation", &format!("{:?}", self.dilation))
            .add("groups", &self.groups)
            .add_debug_attribute("padding", &self.padding)
            .add_debug_attribute("sharing", &self.sharing)
            .add_debug_attribute("alignment", &self.alignment)
            .add_debug_attribute("resampling", &self.resampling)
            .optional()
    }
}

#[cfg(test)]
mod tests;
