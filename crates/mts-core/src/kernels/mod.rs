//! Fused MTS kernels for the CPU backends (Flex, NdArray), as a burn backend extension.
//!
//! The composed path (`layer.rs`, `merge.rs`) builds the layer from burn tensor ops, which
//! works on every backend and is the reference. On the CPU backends a training step spent as
//! long in the ops around the branch convolutions (time resize by `select`, masked merge and
//! their backwards) and in burn's kernel gradient (a convolution with the output gradient as
//! kernel) as in the convolutions themselves (docs/performance.md). Here one operation runs
//! every branch's convolution (burn's `conv2d`), resizes and merges them in one pass that
//! writes the value and the winner, and its hand-written backward sends the gradient to the
//! winners' resize taps and computes each branch's kernel gradient with a direct,
//! register-blocked kernel (`host.rs`).
//!
//! Results equal the composed path's within float rounding, and the winners exactly (the
//! same arithmetic, in the same order) for branches with at most four input channels; with more
//! (5-16, where burn would run im2col and a GEMM) the direct kernels sum in their own order
//! with fused multiply-adds, so a winner can differ where two branches agree to the last bits.
//! `tests` here compare the two on many geometries, the many-channel ones on exact arithmetic.

#![allow(deprecated)] // NdArray is deprecated upstream and still served (README: both CPU backends).

mod autodiff;
mod branch_data;
mod by_item;
mod cpu;
mod direct_conv;
mod host;
mod host_values;
pub(crate) mod isa;
mod reached;
#[cfg(test)]
mod tests;

use burn::backend::DispatchDevice;
use burn::backend::{Dispatch, backend_extension, tensor::FloatTensor, tensor::IntTensor};
use burn::tensor::Device;
use burn::tensor::{DType, Int, Tensor};

pub(crate) use isa::Isa;

/// One branch of a fused MTS convolution.
#[derive(Debug, Clone, PartialEq)]
pub struct FusedBranch {
    /// The branch kernel `[out, in / groups, time, freq]`.
    pub(crate) kernel: [usize; 4],
    /// `(begin, end)` padding per axis; negative values crop the input.
    pub(crate) pad: [(i64, i64); 2],
    /// The branch's output `[time, freq]` before it is resized to the reference grid.
    pub(crate) output: [usize; 2],
}

impl FusedBranch {
    fn kernel_len(&self) -> usize {
        self.kernel.iter().product()
    }
}

/// Everything the fused operation needs besides the tensors.
#[derive(Debug, Clone, PartialEq)]
pub struct FusedGeometry {
    pub(crate) branches: Vec<FusedBranch>,
    /// The reference output `[time, freq]`, which every branch is resized to.
    pub(crate) output: [usize; 2],
    pub(crate) stride: [usize; 2],
    pub(crate) dilation: [usize; 2],
    pub(crate) groups: usize,
    /// The build of the host kernels that the operation, forward and backward, runs.
    pub(crate) isa: Isa,
}

/// The fused MTS convolution as a backend operation.
#[backend_extension(Flex, NdArray, Autodiff)]
pub trait MtsKernels: burn::backend::Backend {
    /// Every branch convolved, resized to the reference grid and merged by max.
    ///
    /// # Shapes
    /// - `x`: `[batch, in, time, freq]`
    /// - `kernels`: every branch kernel flattened and concatenated, in branch order
    /// - `bias`: `[out]` (zeros for a layer without bias)
    /// - output: `[batch, out, time_out, freq_out]` and the winners, same shape
    ///
    /// The default is the host implementation (`cpu.rs`), which Flex and NdArray use; the
    /// autodiff backend overrides it with its recorded backward.
    fn mts_conv_merge(
        x: FloatTensor<Self>,
        kernels: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        geometry: FusedGeometry,
    ) -> (FloatTensor<Self>, IntTensor<Self>) {
        cpu::conv_merge::<Self>(x, kernels, bias, &geometry)
    }
}

/// Whether the fused kernels serve tensors on `device` with float type `dtype`: Flex or
/// NdArray (with or without autodiff) and `f32`.
pub(crate) fn serves(device: &Device, dtype: DType) -> bool {
    dtype == DType::F32
        && matches!(
            device.clone().without_autodiff().as_dispatch(),
            DispatchDevice::Flex(_) | DispatchDevice::NdArray(_)
        )
}

/// Runs the fused operation: the merged output and the winners.
///
/// # Shapes
/// - `input`: `[batch, in, time, freq]`
/// - `kernels`: one `[out, in / groups, time_b, freq_b]` per branch
/// - `bias`: `[out]`
/// - outputs: `[batch, out, time_out, freq_out]`
pub(crate) fn conv_merge(
    input: Tensor<4>,
    kernels: Vec<Tensor<4>>,
    bias: Tensor<1>,
    geometry: FusedGeometry,
) -> (Tensor<4>, Tensor<4, Int>) {
    let flat = Tensor::cat(
        kernels.into_iter().map(|k| k.flatten::<1>(0, 3)).collect(),
        0,
    );
    let (output, winners) = <Dispatch as MtsKernels>::mts_conv_merge(
        input.into_dispatch(),
        flat.into_dispatch(),
        bias.into_dispatch(),
        geometry,
    );
    (
        Tensor::from_dispatch(output),
        Tensor::from_dispatch(winners),
    )
}
