//! The public shape the three MTS layers share, as a trait: code (and tests) can drive
//! [`MtsConv2d`], [`MtsConv1d`] and [`MtsConvTranspose2d`] through one generic function.

use burn::module::Param;
use burn::tensor::{Int, Tensor};

use crate::{
    BranchAlignment, KernelResampling, KernelSharing, MtsConv1d, MtsConv2d, MtsConvTranspose2d,
    MtsInputError, ScaleSet, ScaleUsage,
};

/// A multi-time-scale layer: one trainable kernel run at every scale of a [`ScaleSet`], the
/// branches merged by an element-wise max.
///
/// Every method is the layer's inherent method of the same name; the trait only lets generic
/// code take any of the three layers.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use mts_core::{MtsConv1dConfig, MtsConv2dConfig, MtsLayer};
///
/// /// The share of the output each branch wins, whatever the layer.
/// fn shares<L: MtsLayer>(layer: &L, input: L::Input) -> Vec<f64> {
///     layer.forward_with_usage(input).1.fractions()
/// }
///
/// let device = Device::flex();
/// let conv2d = MtsConv2dConfig::new([1, 2], [6, 3]).init(&device);
/// let conv1d = MtsConv1dConfig::new([1, 2], 6).init(&device);
/// assert_eq!(shares(&conv2d, Tensor::ones([1, 1, 20, 8], &device)).len(), 3);
/// assert_eq!(shares(&conv1d, Tensor::ones([1, 1, 20], &device)).len(), 3);
/// ```
pub trait MtsLayer: Sized {
    /// The input tensor: `Tensor<4>` (`[batch, channels, time, freq]`) or `Tensor<3>`
    /// (`[batch, channels, time]`).
    type Input;
    /// The output tensor, of the input's rank.
    type Output;
    /// The winning branch of each output element, of the output's shape.
    type Winners;
    /// A kernel size: `[time, freq]` for the 2-D layers, a length for the 1-D one.
    type KernelSize: Copy + PartialEq + core::fmt::Debug;

    /// Applies the layer; the output shape is the plain layer's.
    fn forward(&self, input: Self::Input) -> Self::Output;
    /// [`forward`](Self::forward), or the [`MtsInputError`] that says why the layer cannot take
    /// `input` (channel count, an input too short for a branch kernel or its alignment).
    fn try_forward(&self, input: Self::Input) -> Result<Self::Output, MtsInputError>;
    /// Applies the layer and counts the output elements each branch wins.
    fn forward_with_usage(&self, input: Self::Input) -> (Self::Output, ScaleUsage);
    /// Applies the layer and reports which branch won each output element (ties go to the
    /// lowest index).
    fn forward_with_winners(&self, input: Self::Input) -> (Self::Output, Self::Winners);
    /// The branch scales, in merge order.
    fn scales(&self) -> &ScaleSet;
    /// The size of the one trainable kernel.
    fn kernel_size(&self) -> Self::KernelSize;
    /// The kernel size of each branch, in merge order.
    fn branch_kernel_sizes(&self) -> Vec<Self::KernelSize>;
    /// How the branch kernels share the trainable kernel.
    fn sharing(&self) -> KernelSharing;
    /// How branch outputs are aligned.
    fn alignment(&self) -> BranchAlignment;
    /// How branch kernels are resampled from the trainable kernel.
    fn resampling(&self) -> KernelResampling;
    /// The same layer with another [`KernelSharing`].
    fn with_sharing(self, sharing: KernelSharing) -> Self;
    /// The same layer with another [`BranchAlignment`].
    fn with_alignment(self, alignment: BranchAlignment) -> Self;
    /// The same layer with another [`KernelResampling`].
    fn with_resampling(self, resampling: KernelResampling) -> Self;
    /// The published code's per-epoch kernel averaging
    /// ([`MtsConv2d::average_kernels`](crate::MtsConv2d::average_kernels)).
    fn average_kernels(self) -> Self;
    /// The one trainable kernel, 4-D (the 1-D layer's is `[out, in / groups, kernel, 1]`).
    fn weight(&self) -> &Param<Tensor<4>>;
}

/// Implements [`MtsLayer`] for a layer by its inherent methods.
macro_rules! mts_layer {
    ($layer:ty, $rank:literal, $kernel_size:ty, |$this:ident| $weight:expr) => {
        impl MtsLayer for $layer {
            type Input = Tensor<$rank>;
            type Output = Tensor<$rank>;
            type Winners = Tensor<$rank, Int>;
            type KernelSize = $kernel_size;

            fn forward(&self, input: Self::Input) -> Self::Output {
                <$layer>::forward(self, input)
            }
            fn try_forward(&self, input: Self::Input) -> Result<Self::Output, MtsInputError> {
                <$layer>::try_forward(self, input)
            }
            fn forward_with_usage(&self, input: Self::Input) -> (Self::Output, ScaleUsage) {
                <$layer>::forward_with_usage(self, input)
            }
            fn forward_with_winners(&self, input: Self::Input) -> (Self::Output, Self::Winners) {
                <$layer>::forward_with_winners(self, input)
            }
            fn scales(&self) -> &ScaleSet {
                <$layer>::scales(self)
            }
            fn kernel_size(&self) -> Self::KernelSize {
                <$layer>::kernel_size(self)
            }
            fn branch_kernel_sizes(&self) -> Vec<Self::KernelSize> {
                <$layer>::branch_kernel_sizes(self)
                    .iter()
                    .copied()
                    .collect()
            }
            fn sharing(&self) -> KernelSharing {
                <$layer>::sharing(self)
            }
            fn alignment(&self) -> BranchAlignment {
                <$layer>::alignment(self)
            }
            fn resampling(&self) -> KernelResampling {
                <$layer>::resampling(self)
            }
            fn with_sharing(self, sharing: KernelSharing) -> Self {
                <$layer>::with_sharing(self, sharing)
            }
            fn with_alignment(self, alignment: BranchAlignment) -> Self {
                <$layer>::with_alignment(self, alignment)
            }
            fn with_resampling(self, resampling: KernelResampling) -> Self {
                <$layer>::with_resampling(self, resampling)
            }
            fn average_kernels(self) -> Self {
                <$layer>::average_kernels(self)
            }
            fn weight(&self) -> &Param<Tensor<4>> {
                let $this = self;
                $weight
            }
        }
    };
}

mts_layer!(MtsConv2d, 4, [usize; 2], |layer| &layer.weight);
mts_layer!(MtsConvTranspose2d, 4, [usize; 2], |layer| &layer.weight);
mts_layer!(MtsConv1d, 3, usize, |layer| layer.weight());
