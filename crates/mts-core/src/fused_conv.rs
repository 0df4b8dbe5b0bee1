//! burn's `Conv2d`, trained through the fused CPU path.

use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;

use crate::MtsConv2d;

/// Applies `conv` exactly as [`Conv2d::forward`] does, but on the CPU backends (Flex, NdArray,
/// f32) through the fused path of [`MtsConv2d`] with the single scale 1, whose backward
/// computes the kernel gradient with a direct kernel instead of burn's (a convolution with the
/// output gradient as kernel, which on a batch of 90 EMODB spectrograms allocates a 2.5 GB
/// buffer per step). Use it to compare a standard convolution with an MTS one like for like;
/// on other backends it is `conv.forward(input)`.
///
/// # Shapes
/// - `input`: `[batch, channels_in, time, freq]`
/// - output: `[batch, channels_out, time_out, freq_out]`, as [`Conv2d::forward`]
///
/// # Panics
/// As [`Conv2d::forward`], for an input with the wrong channel count or too short for the
/// kernel.
///
/// ```
/// use burn::nn::conv::Conv2dConfig;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::flex();
/// let conv = Conv2dConfig::new([1, 4], [3, 3]).init(&device);
/// let x = Tensor::<4>::ones([2, 1, 8, 6], &device);
/// let fused = mts_core::conv2d_fused(&conv, x.clone());
/// fused.into_data().assert_approx_eq::<f32>(&conv.forward(x).into_data(), Default::default());
/// ```
pub fn conv2d_fused(conv: &Conv2d, input: Tensor<4>) -> Tensor<4> {
    MtsConv2d::from_conv2d(conv.clone(), [1.0])
        .expect("the unit scale is a valid scale set for every kernel")
        .forward(input)
}
