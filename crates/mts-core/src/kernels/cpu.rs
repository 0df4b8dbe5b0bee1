//! The fused operation on a CPU backend: each branch convolved (burn's `conv2d`, or on Flex the
//! direct kernel of `direct_conv.rs`), the merge and the gradients on host memory (`host.rs`;
//! one batch item at a time where `by_item.rs` applies). Generic over the backend; Flex and
//! NdArray use it.

use std::any::TypeId;

use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Backend, Flex, NdArray, TensorMetadata};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Shape, Slice, TensorData};
use rayon::prelude::*;

use super::branch_data::{PaddedInputs, branch_kernel, planes};
use super::by_item::{direct_conv_merge, direct_kernel_gradients_by_item};
use super::host::{self, DirectConvShape, Planes};
use super::host_values::{HostValues, host_floats, read_ints};
use super::reached::{Kernel, record};
use super::{FusedBranch, FusedGeometry, Isa, MtsKernels, direct_conv};

impl MtsKernels for Flex {}

impl MtsKernels for NdArray {}

/// The input a branch convolves (cropped where its padding is negative) and the convolution
/// options with the remaining (non-negative) padding.
pub(super) fn branch_input<B: Backend>(
    x: FloatTensor<B>,
    branch: &FusedBranch,
    geometry: &FusedGeometry,
) -> (FloatTensor<B>, ConvOptions<2>) {
    let dims = x.shape().dims::<4>();
    let crop = |a: usize| {
        let (begin, end) = branch.pad[a];
        let (b, e) = ((-begin).max(0) as usize, (-end).max(0) as usize);
        Slice::from(b..dims[a + 2] - e)
    };
    let cropped = if branch.pad.iter().any(|&(b, e)| b < 0 || e < 0) {
        B::float_slice(
            x,
            &[
                Slice::from(0..dims[0]),
                Slice::from(0..dims[1]),
                crop(0),
                crop(1),
            ],
        )
    } else {
        x
    };
    let padding = branch
        .pad
        .map(|(b, e)| (b.max(0) as usize, e.max(0) as usize));
    let options =
        ConvOptions::new_with_padding(geometry.stride, padding, geometry.dilation, geometry.groups);
    (cropped, options)
}

/// The only branch, when there is one and it is already on the reference grid.
fn lone_branch(geometry: &FusedGeometry) -> Option<&FusedBranch> {
    match geometry.branches.as_slice() {
        [branch] if branch.output == geometry.output => Some(branch),
        _ => None,
    }
}

/// The forward pass: every branch convolved by the backend, merged on the host.
pub(super) fn conv_merge<B: Backend>(
    x: FloatTensor<B>,
    kernels: FloatTensor<B>,
    bias: FloatTensor<B>,
    geometry: &FusedGeometry,
) -> (FloatTensor<B>, IntTensor<B>) {
    let device = x.device();
    let batch = x.shape().dims::<4>()[0];
    if let Some(branch) = lone_branch(geometry) {
        // One branch on the reference grid (a plain convolution): its output is the result.
        record(Kernel::PlainConvolution);
        let (input, options) = branch_input::<B>(x, branch, geometry);
        let output = B::conv2d(
            input,
            branch_kernel::<B>(&kernels, geometry, 0),
            Some(bias),
            options,
        );
        let winners = B::int_zeros(output.shape(), &device, burn::tensor::IntDType::I32);
        return (output, winners);
    }
    let [rows, cols] = geometry.output;
    let shape = [batch, geometry.branches[0].kernel[0], rows, cols];
    let direct = |branch: &FusedBranch| direct_forward::<B>(branch, geometry);
    record(Kernel::build(geometry.isa));
    let (best, winners) = if geometry.branches.iter().all(direct) {
        direct_conv_merge::<B>(x, &kernels, bias, geometry)
    } else {
        record(Kernel::BurnForward);
        burn_conv_merge::<B>(x, &kernels, bias, geometry)
    };
    (
        B::float_from_data(TensorData::new(best, shape), &device),
        B::int_from_data(TensorData::new(winners, shape), &device),
    )
}

/// The merge of branches convolved by the backend (`conv2d`): merged values and winners.
fn burn_conv_merge<B: Backend>(
    x: FloatTensor<B>,
    kernels: &FloatTensor<B>,
    bias: FloatTensor<B>,
    geometry: &FusedGeometry,
) -> (Vec<f32>, Vec<i32>) {
    let batch = x.shape().dims::<4>()[0];
    let to = planes(batch, geometry, geometry.output);
    let outputs: Vec<HostValues<f32>> = geometry
        .branches
        .iter()
        .enumerate()
        .map(|(index, branch)| {
            let (input, options) = branch_input::<B>(x.clone(), branch, geometry);
            let kernel = branch_kernel::<B>(kernels, geometry, index);
            host_floats::<B>(B::conv2d(input, kernel, Some(bias.clone()), options))
        })
        .collect();
    let views: Vec<(&[f32], Planes)> = outputs
        .iter()
        .zip(&geometry.branches)
        .map(|(y, branch)| (y.as_slice(), planes(batch, geometry, branch.output)))
        .collect();
    let mut best = vec![0f32; to.planes * to.size[0] * to.size[1]];
    let mut winners = vec![0i32; best.len()];
    host::merge_branches(&mut best, &mut winners, &views, to, geometry.isa);
    (best, winners)
}

/// Gradients of [`conv_merge`] for the tracked inputs: `(x, kernels, bias)`.
pub(super) struct Gradients<B: Backend> {
    pub(super) x: Option<FloatTensor<B>>,
    pub(super) kernels: Option<FloatTensor<B>>,
    pub(super) bias: Option<FloatTensor<B>>,
}

/// The backward pass: the merged gradient sent to each branch's winners (through the resize),
/// then each branch's kernel gradient and, if asked, the input gradient.
pub(super) fn conv_merge_backward<B: Backend>(
    x: FloatTensor<B>,
    kernels: FloatTensor<B>,
    winners: IntTensor<B>,
    grad: FloatTensor<B>,
    geometry: &FusedGeometry,
    wanted: [bool; 3],
) -> Gradients<B> {
    let all_direct = geometry
        .branches
        .iter()
        .all(|b| direct_kernel_gradient(b, geometry));
    let (x_grad, kernel_grads) =
        if wanted[1] && !wanted[0] && all_direct && lone_branch(geometry).is_none() {
            record(Kernel::PerItemKernelGradient);
            record(Kernel::build(geometry.isa));
            let kernel_grads = kernel_gradients_by_item::<B>(x, &grad, winners, geometry);
            (None, Some(kernel_grads))
        } else {
            let wanted = [wanted[0], wanted[1]];
            whole_batch_gradients::<B>(x, &kernels, winners, &grad, geometry, wanted)
        };
    Gradients {
        x: x_grad,
        kernels: kernel_grads,
        bias: wanted[2].then(|| bias_gradient::<B>(grad)),
    }
}

/// Every branch's kernel gradient, flattened and concatenated, one batch item at a time
/// (`by_item.rs`: the input is untracked and every branch takes the direct kernel).
fn kernel_gradients_by_item<B: Backend>(
    x: FloatTensor<B>,
    grad: &FloatTensor<B>,
    winners: IntTensor<B>,
    geometry: &FusedGeometry,
) -> FloatTensor<B> {
    let device = x.device();
    let output_grad = host_floats::<B>(grad.clone());
    let kernel_grads = direct_kernel_gradients_by_item::<B>(x, &output_grad, winners, geometry)
        .into_iter()
        .map(|flat| {
            let len = flat.len();
            B::float_from_data(TensorData::new(flat, [len]), &device)
        })
        .collect();
    B::float_cat(kernel_grads, 0)
}

/// The input gradient (`wanted[0]`) and the kernel gradients (`wanted[1]`, flattened and
/// concatenated) for the whole batch, branch by branch: the direct kernels where they apply,
/// burn's convolution gradients elsewhere.
fn whole_batch_gradients<B: Backend>(
    x: FloatTensor<B>,
    kernels: &FloatTensor<B>,
    winners: IntTensor<B>,
    grad: &FloatTensor<B>,
    geometry: &FusedGeometry,
    wanted: [bool; 2],
) -> (Option<FloatTensor<B>>, Option<FloatTensor<B>>) {
    let device = x.device();
    let x_dims = x.shape().dims::<4>();
    let direct: Vec<&FusedBranch> = geometry
        .branches
        .iter()
        .filter(|b| wanted[1] && direct_kernel_gradient(b, geometry))
        .collect();
    let padded = (!direct.is_empty()).then(|| PaddedInputs::new::<B>(x.clone(), direct));
    let branch_grads =
        branch_gradients::<B>(host_floats::<B>(grad.clone()), winners, geometry, x_dims[0]);
    let mut x_grad: Option<FloatTensor<B>> = None;
    let mut host_x_grad: Option<Vec<f32>> = None;
    let mut kernel_grads = Vec::with_capacity(geometry.branches.len());
    for ((index, branch), branch_grad) in geometry.branches.iter().enumerate().zip(branch_grads) {
        let kernel = branch_kernel::<B>(kernels, geometry, index);
        let direct = wanted[1] && direct_kernel_gradient(branch, geometry);
        let direct_x = wanted[0] && direct_input_gradient(branch, geometry);
        if direct_x {
            let sum = host_x_grad.get_or_insert_with(|| vec![0f32; x_dims.iter().product()]);
            add_input_gradient::<B>(sum, x_dims, &kernel, branch, &branch_grad, geometry.isa);
        }
        if direct {
            let padded = padded.as_ref().expect("made for the direct branches");
            kernel_grads.push(direct_kernel_gradient_of::<B>(
                padded,
                branch,
                &branch_grad,
                geometry.isa,
                &device,
            ));
        }
        let burns = [wanted[0] && !direct_x, wanted[1] && !direct];
        if burns.contains(&true) {
            record(Kernel::BurnGradient);
            let (dx, dw) =
                burn_gradients::<B>(x.clone(), kernel, branch, branch_grad, geometry, burns);
            kernel_grads.extend(dw);
            x_grad = sum_of::<B>(x_grad, dx);
        }
    }
    if let Some(sum) = host_x_grad {
        let dx = B::float_from_data(TensorData::new(sum, x_dims), &device);
        x_grad = sum_of::<B>(x_grad, Some(dx));
    }
    (x_grad, wanted[1].then(|| B::float_cat(kernel_grads, 0)))
}

/// One branch's input gradient (`wanted[0]`, uncropped to the layer input) and flattened
/// kernel gradient (`wanted[1]`) by burn's convolution gradients.
fn burn_gradients<B: Backend>(
    x: FloatTensor<B>,
    kernel: FloatTensor<B>,
    branch: &FusedBranch,
    branch_grad: Vec<f32>,
    geometry: &FusedGeometry,
    wanted: [bool; 2],
) -> (Option<FloatTensor<B>>, Option<FloatTensor<B>>) {
    let x_dims = x.shape().dims::<4>();
    let device = x.device();
    let (input, options) = branch_input::<B>(x, branch, geometry);
    let shape = [
        x_dims[0],
        branch.kernel[0],
        branch.output[0],
        branch.output[1],
    ];
    let g = B::float_from_data(TensorData::new(branch_grad, shape), &device);
    let dw = wanted[1].then(|| {
        let w =
            B::conv2d_weight_backward(input.clone(), kernel.clone(), g.clone(), options.clone());
        B::float_reshape(w, Shape::new([branch.kernel_len()]))
    });
    let dx = wanted[0].then(|| {
        let dx = B::conv2d_x_backward(input, kernel, g, options);
        uncrop::<B>(dx, branch, x_dims)
    });
    (dx, dw)
}

/// `a + b` where both are present, else whichever is.
fn sum_of<B: Backend>(
    a: Option<FloatTensor<B>>,
    b: Option<FloatTensor<B>>,
) -> Option<FloatTensor<B>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(B::float_add(a, b)),
        (a, b) => a.or(b),
    }
}

/// The gradient each branch receives on its own grid, as host memory, in branch order.
fn branch_gradients<B: Backend>(
    grad: HostValues<f32>,
    winners: IntTensor<B>,
    geometry: &FusedGeometry,
    batch: usize,
) -> Vec<Vec<f32>> {
    if lone_branch(geometry).is_some() {
        // A plain convolution: the whole gradient is the branch's.
        return vec![grad.into_vec()];
    }
    let winners = HostValues::of(winners, read_ints::<B>);
    let branch_planes: Vec<Planes> = geometry
        .branches
        .iter()
        .map(|branch| planes(batch, geometry, branch.output))
        .collect();
    let from = planes(batch, geometry, geometry.output);
    host::branch_gradients(grad.as_slice(), winners.as_slice(), from, &branch_planes)
}

/// Whether a branch's forward is the direct kernel's (`direct_conv.rs`): where its kernel
/// gradient is (stride 1, wide outputs) and either on Flex with few channels, where it
/// reproduces burn-flex's values to the bit, or with up to 16 channels on either backend,
/// where burn would run im2col and a GEMM.
fn direct_forward<B: Backend>(branch: &FusedBranch, geometry: &FusedGeometry) -> bool {
    let flex_values =
        TypeId::of::<B>() == TypeId::of::<Flex>() && direct_conv::matches_burn_flex(branch.kernel);
    direct_kernel_gradient(branch, geometry)
        && (flex_values || direct_conv::serves_many_channels(branch.kernel))
}

/// Whether a branch's input gradient is computed on the host (`direct_conv::input_gradient`):
/// where its forward takes the direct kernel; burn's transposed convolution otherwise.
fn direct_input_gradient(branch: &FusedBranch, geometry: &FusedGeometry) -> bool {
    direct_kernel_gradient(branch, geometry) && direct_conv::serves_many_channels(branch.kernel)
}

/// Whether a branch's kernel gradient is the direct kernel's (`host::weight_gradient`): stride
/// 1, dilation 1, no groups and outputs at least `DIRECT_MIN_WIDTH` bins wide (it vectorises
/// along frequency; an `MtsConv1d`'s rows are one bin wide). burn's otherwise.
fn direct_kernel_gradient(branch: &FusedBranch, geometry: &FusedGeometry) -> bool {
    geometry.stride == [1, 1]
        && geometry.dilation == [1, 1]
        && geometry.groups == 1
        && branch.output[1] >= host::DIRECT_MIN_WIDTH
}

/// One branch's kernel gradient by the direct kernel, flattened.
fn direct_kernel_gradient_of<B: Backend>(
    padded: &PaddedInputs,
    branch: &FusedBranch,
    branch_grad: &[f32],
    isa: Isa,
    device: &B::Device,
) -> FloatTensor<B> {
    record(Kernel::DirectKernelGradient);
    record(Kernel::build(isa));
    let (x, shape) = padded.of(branch);
    let flat = host::weight_gradient(x, branch_grad, shape, isa);
    B::float_from_data(TensorData::new(flat, [branch.kernel_len()]), device)
}

/// Adds one branch's input gradient, by the direct kernel, to `sum` (`x_dims`): the gradient of
/// the padded input the branch convolves, with the padding dropped.
fn add_input_gradient<B: Backend>(
    sum: &mut [f32],
    x_dims: [usize; 4],
    kernel: &FloatTensor<B>,
    branch: &FusedBranch,
    branch_grad: &[f32],
    isa: Isa,
) {
    record(Kernel::DirectInputGradient);
    record(Kernel::build(isa));
    let [batch, channels_in, ..] = x_dims;
    let [channels_out, _, kt, kf] = branch.kernel;
    let shape = DirectConvShape {
        batch,
        channels_in,
        channels_out,
        input: [branch.output[0] + kt - 1, branch.output[1] + kf - 1],
        kernel: [kt, kf],
    };
    let kernel = host_floats::<B>(kernel.clone());
    let padded_grad = direct_conv::input_gradient(branch_grad, kernel.as_slice(), shape, isa);
    let planes = |size| Planes {
        planes: batch * channels_in,
        size,
    };
    host::add_unpadded(
        sum,
        planes([x_dims[2], x_dims[3]]),
        &padded_grad,
        planes(shape.input),
        branch.pad,
    );
}

/// The bias gradient: the merged gradient summed per output channel (every output element
/// holds the bias once, whichever branch won, and a resize keeps constants), on the host from
/// the borrowed gradient (burn's sum over a transposed view would copy all of it first).
fn bias_gradient<B: Backend>(grad: FloatTensor<B>) -> FloatTensor<B> {
    let [batch, channels, p, q] = grad.shape().dims::<4>();
    let device = grad.device();
    let values = host_floats::<B>(grad);
    let values = values.as_slice();
    let plane = p * q;
    let sums: Vec<f32> = (0..channels)
        .into_par_iter()
        .map(|channel| {
            (0..batch)
                .map(|item| host::sum(&values[(item * channels + channel) * plane..][..plane]))
                .sum()
        })
        .collect();
    B::float_from_data(TensorData::new(sums, [channels]), &device)
}

/// The gradient of a cropped input put back in place (zeros over the cropped frames).
fn uncrop<B: Backend>(
    dx: FloatTensor<B>,
    branch: &FusedBranch,
    x_dims: [usize; 4],
) -> FloatTensor<B> {
    if branch.pad.iter().all(|&(b, e)| b >= 0 && e >= 0) {
        return dx;
    }
    let device = dx.device();
    let dtype = dx.dtype();
    let full = B::float_zeros(Shape::new(x_dims), &device, dtype.into());
    let range = |a: usize| {
        let (begin, end) = branch.pad[a];
        let (b, e) = ((-begin).max(0) as usize, (-end).max(0) as usize);
        Slice::from(b..x_dims[a + 2] - e)
    };
    B::float_slice_assign(
        full,
        &[
            Slice::from(0..x_dims[0]),
            Slice::from(0..x_dims[1]),
            range(0),
            range(1),
        ],
        dx,
    )
}
