//! What the CPU paths (`cpu.rs`, and `by_item.rs` one batch item at a time) read of each
//! branch: its kernel out of the flat concatenation, the layer input padded (or cropped) as it
//! convolves it, and the layout of its planes for the host kernels.

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, TensorMetadata};
use burn::tensor::{Shape, Slice};

use super::host::{self, DirectConvShape, Planes};
use super::host_values::host_floats;
use super::{FusedBranch, FusedGeometry};
use crate::geometry::Pad;

/// Branch `index`'s kernel out of the flat concatenation.
pub(super) fn branch_kernel<B: Backend>(
    kernels: &FloatTensor<B>,
    geometry: &FusedGeometry,
    index: usize,
) -> FloatTensor<B> {
    let start: usize = geometry.branches[..index]
        .iter()
        .map(FusedBranch::kernel_len)
        .sum();
    let branch = &geometry.branches[index];
    let flat = B::float_slice(
        kernels.clone(),
        &[Slice::from(start..start + branch.kernel_len())],
    );
    B::float_reshape(flat, Shape::from(branch.kernel.to_vec()))
}

/// The planes of a `[batch, out, rows, cols]` tensor of `size`, as the host kernels walk them.
/// When every grid of the layer is one bin wide (an `MtsConv1d`), a `[time, 1]` plane is the
/// same memory as a `[1, time]` one, and the kernels' per-row work runs once per plane instead
/// of once per frame; the arithmetic is the same (the frequency resize is the identity).
pub(super) fn planes(batch: usize, geometry: &FusedGeometry, size: [usize; 2]) -> Planes {
    let one_bin_wide =
        geometry.output[1] == 1 && geometry.branches.iter().all(|b| b.output[1] == 1);
    Planes {
        planes: batch * geometry.branches[0].kernel[0],
        size: if one_bin_wide {
            [size[1], size[0]]
        } else {
            size
        },
    }
}

/// The layer input on the host, padded (or cropped) as each branch convolves it: one copy per
/// distinct padding (every `Stretch` branch has the reference padding).
pub(super) struct PaddedInputs {
    batch: usize,
    channels_in: usize,
    inputs: Vec<([Pad; 2], Vec<f32>, Planes)>,
}

impl PaddedInputs {
    /// `x` `[batch, in, time, freq]` padded for each of `branches`.
    pub(super) fn new<'a, B: Backend>(
        x: FloatTensor<B>,
        branches: impl IntoIterator<Item = &'a FusedBranch>,
    ) -> Self {
        let [batch, channels_in, time, freq] = x.shape().dims::<4>();
        let x = host_floats::<B>(x);
        let unpadded = Planes {
            planes: batch * channels_in,
            size: [time, freq],
        };
        let mut inputs: Vec<([Pad; 2], Vec<f32>, Planes)> = Vec::new();
        for branch in branches {
            if !inputs.iter().any(|(pad, ..)| *pad == branch.pad) {
                let (values, planes) = host::pad_planes(x.as_slice(), unpadded, branch.pad);
                inputs.push((branch.pad, values, planes));
            }
        }
        Self {
            batch,
            channels_in,
            inputs,
        }
    }

    /// The input as `branch` convolves it (a branch given to [`new`](Self::new)), and the
    /// shape of that convolution.
    pub(super) fn of(&self, branch: &FusedBranch) -> (&[f32], DirectConvShape) {
        let (_, x, planes) = self
            .inputs
            .iter()
            .find(|(pad, ..)| *pad == branch.pad)
            .expect("padded for every branch given to `new`");
        let shape = DirectConvShape {
            batch: self.batch,
            channels_in: self.channels_in,
            channels_out: branch.kernel[0],
            input: planes.size,
            kernel: [branch.kernel[2], branch.kernel[3]],
        };
        (x, shape)
    }

    /// Batch item `b` of [`of`](Self::of)`(branch)`, and the shape of its convolution.
    pub(super) fn item(&self, branch: &FusedBranch, b: usize) -> (&[f32], DirectConvShape) {
        let (x, shape) = self.of(branch);
        let len = x.len() / self.batch;
        (
            &x[b * len..(b + 1) * len],
            DirectConvShape { batch: 1, ..shape },
        )
    }
}
