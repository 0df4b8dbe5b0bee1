//! Multi-time-scale 1-D convolution over sequences `[batch, channels, time]`: an
//! [`MtsConv2d`] with a frequency axis of length 1, so every rule (kernel resampling, alignment,
//! merge, usage, sharing) is the 2-D layer's own code.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::conv::Conv1d;
use burn::nn::{Initializer, PaddingConfig1d, PaddingConfig2d};
use burn::tensor::{Device, Int, Tensor};

use crate::{
    BranchAlignment, KernelResampling, KernelSharing, MtsConfigError, MtsConv2d, MtsConv2dConfig,
    MtsInputError, ScaleSet, ScaleUsage,
};

/// Configuration of a [multi-time-scale 1-D convolution](MtsConv1d).
///
/// Every field but `scales`, `sharing`, `alignment` and `resampling` means what it means for
/// [`Conv1dConfig`](burn::nn::conv::Conv1dConfig), with the same defaults.
#[derive(Config, Debug)]
pub struct MtsConv1dConfig {
    /// The number of channels `[in, out]`.
    pub channels: [usize; 2],
    /// The length of the one trainable kernel.
    pub kernel_size: usize,
    /// The branch scales, in merge order: time scales (a frequency factor other than 1 is a
    /// [`MtsConfigError::FrequencyScaleIn1d`]). Default: time scales `(0.5, 1, 2)`.
    #[config(default = "ScaleSet::time(&[0.5, 1.0, 2.0])")]
    pub scales: ScaleSet,
    /// The stride. Default 1.
    #[config(default = "1")]
    pub stride: usize,
    /// Spacing between kernel elements. Default 1.
    #[config(default = "1")]
    pub dilation: usize,
    /// Number of channel groups. Default 1.
    #[config(default = "1")]
    pub groups: usize,
    /// The padding of the unscaled kernel; it defines the output length. Default `Valid`.
    #[config(default = "PaddingConfig1d::Valid")]
    pub padding: PaddingConfig1d,
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
    /// How branch kernels are resampled. Default [`KernelResampling::Linear`].
    #[config(default = "KernelResampling::Linear")]
    pub resampling: KernelResampling,
    /// Initializer of the kernel and bias. Default: Conv1d's (and PyTorch's).
    #[config(
        default = "Initializer::KaimingUniform{gain: 0.577_350_269_189_625_8, fan_out_only: false}"
    )]
    pub initializer: Initializer,
}

fn padding_2d(padding: &PaddingConfig1d) -> PaddingConfig2d {
    match *padding {
        PaddingConfig1d::Same => PaddingConfig2d::Same,
        PaddingConfig1d::Valid => PaddingConfig2d::Valid,
        PaddingConfig1d::Explicit(left, right) => PaddingConfig2d::Explicit(left, 0, right, 0),
    }
}

/// A new parameter holding `param`'s values in another shape: a fresh leaf, so it can be
/// trained (the reshape itself is not recorded).
fn reshaped<const A: usize, const B: usize>(
    param: &Param<Tensor<A>>,
    reshape: impl FnOnce(Tensor<A>) -> Tensor<B>,
) -> Param<Tensor<B>> {
    let value = param.val().detach().set_require_grad(false);
    Param::from_tensor(reshape(value))
}

/// `scales` itself when every scale is a time scale (frequency factor 1), else the typed error
/// naming the first that is not.
fn time_only(scales: ScaleSet) -> Result<ScaleSet, MtsConfigError> {
    match scales.iter().position(|scale| scale.freq != 1.0) {
        Some(index) => Err(MtsConfigError::FrequencyScaleIn1d {
            index,
            scale: scales.as_slice()[index],
        }),
        None => Ok(scales),
    }
}

impl MtsConv1dConfig {
    /// Replaces the scales by time factors, e.g. `&[0.7, 1.0, 1.428]`.
    pub fn with_time_scales(self, factors: &[f64]) -> Self {
        self.with_scales(ScaleSet::time(factors))
    }

    /// The equivalent 2-D configuration: kernel `[kernel_size, 1]`, the same (time) scales;
    /// an error for a scale with a frequency factor.
    fn as_2d(&self) -> Result<MtsConv2dConfig, MtsConfigError> {
        Ok(MtsConv2dConfig::new(self.channels, [self.kernel_size, 1])
            .with_scales(time_only(self.scales.clone())?)
            .with_stride([self.stride, 1])
            .with_dilation([self.dilation, 1])
            .with_groups(self.groups)
            .with_padding(padding_2d(&self.padding))
            .with_bias(self.bias)
            .with_sharing(self.sharing)
            .with_alignment(self.alignment)
            .with_resampling(self.resampling)
            .with_initializer(self.initializer.clone()))
    }

    /// Checks the configuration and returns each branch's kernel length, in branch order.
    pub fn validate(&self) -> Result<Vec<usize>, MtsConfigError> {
        let sizes = self.as_2d()?.validate()?;
        Ok(sizes.into_iter().map(|[time, _]| time).collect())
    }

    /// Creates the layer, or says what is wrong with the configuration.
    pub fn try_init(&self, device: &Device) -> Result<MtsConv1d, MtsConfigError> {
        Ok(MtsConv1d {
            inner: self.as_2d()?.try_init(device)?,
        })
    }

    /// Creates the layer.
    ///
    /// # Panics
    /// On an invalid configuration, with the [`MtsConfigError`] message; use
    /// [`try_init`](Self::try_init) to handle it.
    pub fn init(&self, device: &Device) -> MtsConv1d {
        self.try_init(device)
            .unwrap_or_else(|err| panic!("invalid MtsConv1dConfig: {err}"))
    }
}

/// Multi-time-scale 1-D convolution over `[batch, channels, time]` sequences (frame-level
/// features, waveforms): the semantics of [`MtsConv2d`] along the one axis.
///
/// It holds one kernel and one optional bias, as [`Conv1d`] does; the kernel is stored as
/// `[channels_out, channels_in / groups, kernel, 1]` (the 2-D layer's layout with a frequency axis
/// of 1; the same parameter count), and [`to_conv1d`](Self::to_conv1d) returns it as `Conv1d`'s
/// `[channels_out, channels_in / groups, kernel]`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use mts_core::MtsConv1dConfig;
///
/// let device = Device::flex();
/// let layer = MtsConv1dConfig::new([2, 4], 9).init(&device);
/// let x = Tensor::<3>::ones([3, 2, 50], &device);
/// assert_eq!(layer.forward(x).dims(), [3, 4, 42]);
/// assert_eq!(layer.branch_kernel_sizes(), [4, 9, 18]);
/// ```
#[derive(Module, Debug)]
pub struct MtsConv1d {
    inner: MtsConv2d,
}

impl MtsConv1d {
    /// Upgrades a (possibly trained) `Conv1d` to an MTS layer with the same kernel, bias, stride,
    /// padding, dilation and groups and time `scales` (shared kernels, stretch alignment, linear
    /// resampling). With `scales = [1]` it computes exactly what the `Conv1d` computes. A scale
    /// with a frequency factor other than 1 is a [`MtsConfigError::FrequencyScaleIn1d`].
    pub fn from_conv1d(conv: Conv1d, scales: impl Into<ScaleSet>) -> Result<Self, MtsConfigError> {
        let scales = time_only(scales.into())?;
        let conv2d = burn::nn::conv::Conv2d {
            weight: reshaped(&conv.weight, |w| w.unsqueeze_dim(3)),
            bias: conv.bias,
            stride: [conv.stride, 1],
            kernel_size: [conv.kernel_size, 1],
            dilation: [conv.dilation, 1],
            groups: conv.groups,
            padding: padding_2d(&conv.padding),
        };
        Ok(Self {
            inner: MtsConv2d::from_conv2d(conv2d, scales)?,
        })
    }

    /// The plain `Conv1d` with this layer's kernel, bias and geometry (the unscaled branch alone).
    pub fn to_conv1d(&self) -> Conv1d {
        let conv = self.inner.to_conv2d();
        let padding = match conv.padding {
            PaddingConfig2d::Explicit(left, _, right, _) => PaddingConfig1d::Explicit(left, right),
            PaddingConfig2d::Same => PaddingConfig1d::Same,
            PaddingConfig2d::Valid => PaddingConfig1d::Valid,
        };
        Conv1d {
            weight: reshaped(&conv.weight, |w| w.squeeze_dim(3)),
            bias: conv.bias,
            stride: conv.stride[0],
            kernel_size: conv.kernel_size[0],
            dilation: conv.dilation[0],
            groups: conv.groups,
            padding,
        }
    }

    /// The same layer with another [`KernelSharing`].
    pub fn with_sharing(self, sharing: KernelSharing) -> Self {
        Self {
            inner: self.inner.with_sharing(sharing),
        }
    }

    /// The same layer with another [`BranchAlignment`].
    pub fn with_alignment(self, alignment: BranchAlignment) -> Self {
        Self {
            inner: self.inner.with_alignment(alignment),
        }
    }

    /// The same layer with another [`KernelResampling`].
    pub fn with_resampling(self, resampling: KernelResampling) -> Self {
        Self {
            inner: self.inner.with_resampling(resampling),
        }
    }

    /// The branch scales (time factors), in merge order.
    pub fn scales(&self) -> &ScaleSet {
        self.inner.scales()
    }

    /// The length of the one trainable kernel.
    pub fn kernel_size(&self) -> usize {
        self.inner.kernel_size()[0]
    }

    /// How the branch kernels share the trainable kernel.
    pub fn sharing(&self) -> KernelSharing {
        self.inner.sharing()
    }

    /// How branch outputs are aligned.
    pub fn alignment(&self) -> BranchAlignment {
        self.inner.alignment()
    }

    /// How branch kernels are resampled from the trainable kernel.
    pub fn resampling(&self) -> KernelResampling {
        self.inner.resampling()
    }

    /// The kernel length of each branch, in merge order.
    pub fn branch_kernel_sizes(&self) -> Vec<usize> {
        let sizes = self.inner.branch_kernel_sizes().iter();
        sizes.map(|[time, _]| *time).collect()
    }

    /// The trainable kernel, `[channels_out, channels_in / groups, kernel, 1]`.
    pub fn weight(&self) -> &Param<Tensor<4>> {
        &self.inner.weight
    }

    /// The bias `[channels_out]`, if any.
    pub fn bias(&self) -> Option<&Param<Tensor<1>>> {
        self.inner.bias.as_ref()
    }

    /// Applies the layer.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time]`
    /// - output: `[batch, channels_out, time_out]`, the shape the equivalent [`Conv1d`] gives.
    ///
    /// # Panics
    /// If the input does not have `channels_in` channels, or a branch kernel is longer than the
    /// (padded or cropped) input; [`try_forward`](Self::try_forward) returns these as errors.
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        self.try_forward(input)
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// [`forward`](Self::forward), or the [`MtsInputError`] that says why the layer cannot
    /// take `input` (see [`MtsConv2d::try_forward`]).
    pub fn try_forward(&self, input: Tensor<3>) -> Result<Tensor<3>, MtsInputError> {
        let output = self.inner.try_forward(input.unsqueeze_dim(3));
        let output = output.map_err(|err| err.in_layer("MtsConv1d"))?;
        Ok(output.squeeze_dim(3))
    }

    /// Applies the layer and reports which branch won each output element.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time]`
    /// - output and winners: `[batch, channels_out, time_out]`; winners hold branch indices
    ///   (ties go to the lowest)
    pub fn forward_with_winners(&self, input: Tensor<3>) -> (Tensor<3>, Tensor<3, Int>) {
        let (output, winners) = self.inner.forward_with_winners(input.unsqueeze_dim(3));
        (output.squeeze_dim(3), winners.squeeze_dim(3))
    }

    /// Applies the layer and counts the output elements each branch wins.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time]`
    /// - output: as [`forward`](Self::forward); the usage counts every element of it
    pub fn forward_with_usage(&self, input: Tensor<3>) -> (Tensor<3>, ScaleUsage) {
        let (output, usage) = self.inner.forward_with_usage(input.unsqueeze_dim(3));
        (output.squeeze_dim(3), usage)
    }

    /// The published code's per-epoch kernel averaging ([`MtsConv2d::average_kernels`]).
    pub fn average_kernels(self) -> Self {
        Self {
            inner: self.inner.average_kernels(),
        }
    }
}
