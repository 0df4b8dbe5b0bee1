//! The fused operation one batch item at a time, when every branch takes the direct kernels:
//! no branch output or branch gradient is ever held for the whole batch, and the results are
//! the whole-batch computation's to the bit.

use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Backend, TensorMetadata};
use rayon::prelude::*;

use super::branch_data::{PaddedInputs, branch_kernel, planes};
use super::host::{self, Planes};
use super::host_values::{HostValues, host_floats, read_ints};
use super::reached::{Kernel, record};
use super::{FusedGeometry, direct_conv};

/// The merge when every branch takes the direct forward kernel (`direct_conv.rs`):
/// one batch item at a time, so that a branch's output exists only for one item and only
/// while that item is merged, never for the whole batch.
pub(super) fn direct_conv_merge<B: Backend>(
    x: FloatTensor<B>,
    kernels: &FloatTensor<B>,
    bias: FloatTensor<B>,
    geometry: &FusedGeometry,
) -> (Vec<f32>, Vec<i32>) {
    for branch in &geometry.branches {
        record(if direct_conv::matches_burn_flex(branch.kernel) {
            Kernel::FewChannelForward
        } else {
            Kernel::ManyChannelForward
        });
    }
    let batch = x.shape().dims::<4>()[0];
    let padded = PaddedInputs::new::<B>(x, &geometry.branches);
    let bias = host_floats::<B>(bias);
    let branch_kernels: Vec<HostValues<f32>> = (0..geometry.branches.len())
        .map(|index| host_floats::<B>(branch_kernel::<B>(kernels, geometry, index)))
        .collect();
    let to = planes(1, geometry, geometry.output);
    let item = to.planes * to.size[0] * to.size[1];
    let mut best = vec![0f32; batch * item];
    let mut winners = vec![0i32; best.len()];
    best.par_chunks_mut(item)
        .zip(winners.par_chunks_mut(item))
        .enumerate()
        .for_each(|(b, (best, winners))| {
            let outputs: Vec<Vec<f32>> = geometry
                .branches
                .iter()
                .zip(&branch_kernels)
                .map(|(branch, kernel)| {
                    let (x, shape) = padded.item(branch, b);
                    direct_conv::conv_forward(
                        x,
                        kernel.as_slice(),
                        bias.as_slice(),
                        shape,
                        geometry.isa,
                    )
                })
                .collect();
            let views: Vec<(&[f32], Planes)> = outputs
                .iter()
                .zip(&geometry.branches)
                .map(|(y, branch)| (y.as_slice(), planes(1, geometry, branch.output)))
                .collect();
            host::merge_branches(best, winners, &views, to, geometry.isa);
        });
    (best, winners)
}

/// The kernel gradient of every branch when each takes the direct kernel and the input needs
/// no gradient: one batch item at a time (only that item's branch gradients exist at once),
/// each item's sums added in batch order exactly as `host::weight_gradient` adds them, so the
/// result is the whole-batch computation's to the bit.
pub(super) fn direct_kernel_gradients_by_item<B: Backend>(
    x: FloatTensor<B>,
    grad: &HostValues<f32>,
    winners: IntTensor<B>,
    geometry: &FusedGeometry,
) -> Vec<Vec<f32>> {
    let batch = x.shape().dims::<4>()[0];
    let padded = PaddedInputs::new::<B>(x, &geometry.branches);
    let winners = HostValues::of(winners, read_ints::<B>);
    let from = planes(1, geometry, geometry.output);
    let branch_planes: Vec<Planes> = geometry
        .branches
        .iter()
        .map(|branch| planes(1, geometry, branch.output))
        .collect();
    let item = from.planes * from.size[0] * from.size[1];
    let per_item: Vec<Vec<Vec<f32>>> = (0..batch)
        .into_par_iter()
        .map(|b| {
            let branch_grads = host::branch_gradients(
                &grad.as_slice()[b * item..(b + 1) * item],
                &winners.as_slice()[b * item..(b + 1) * item],
                from,
                &branch_planes,
            );
            geometry
                .branches
                .iter()
                .zip(branch_grads)
                .map(|(branch, branch_grad)| {
                    let (x, shape) = padded.item(branch, b);
                    host::weight_gradient(x, &branch_grad, shape, geometry.isa)
                })
                .collect()
        })
        .collect();
    let mut sums: Vec<Vec<f32>> = geometry
        .branches
        .iter()
        .map(|branch| vec![0f32; branch.kernel_len()])
        .collect();
    for item in per_item {
        for (sum, gradient) in sums.iter_mut().zip(item) {
            for (s, g) in sum.iter_mut().zip(gradient) {
                *s += g;
            }
        }
    }
    sums
}
