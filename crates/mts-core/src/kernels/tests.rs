//! The fused CPU operation against the composed tensor-op path, which golden vectors pin down:
//! outputs, winners and the gradients of the input, kernel and bias, over random geometries,
//! both sharings and alignments, on Flex and NdArray.

use burn::module::Param;
use burn::nn::PaddingConfig2d;
use burn::tensor::{Device, Distribution, Tensor, Tolerance};
use proptest::prelude::*;

use crate::merge::merge_branches;
use crate::{BranchAlignment, KernelSharing, MtsConv2d, MtsConv2dConfig, Scale, ScaleSet};

#[derive(Debug, Clone)]
struct Case {
    batch: usize,
    channels: [usize; 2],
    kernel: [usize; 2],
    input: [usize; 2],
    scales: Vec<Scale>,
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: PaddingConfig2d,
    sharing: KernelSharing,
    alignment: BranchAlignment,
    bias: bool,
    seed: u64,
}

/// Random geometries with inputs of `time` frames by `freq` bins.
fn case(time: std::ops::Range<usize>, freq: std::ops::Range<usize>) -> impl Strategy<Value = Case> {
    let scale = prop_oneof![
        Just(Scale::time(0.5)),
        Just(Scale::time(0.7)),
        Just(Scale::time(1.428)),
        Just(Scale::time(2.0)),
        Just(Scale {
            time: 1.5,
            freq: 0.6
        }),
        Just(Scale {
            time: 1.0,
            freq: 2.0
        }),
    ];
    (
        (1usize..3, 1usize..3, 1usize..4),
        (2usize..6, 1usize..4),
        (time, freq),
        proptest::collection::vec(scale, 1..4),
        (1usize..3, 1usize..3, 1usize..3),
        0usize..3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |(
                (batch, cin, cout),
                kernel,
                input,
                mut scales,
                (st, sf, dil),
                pad,
                shared,
                centered,
                bias,
                seed,
            )| {
                scales.insert(1.min(scales.len()), Scale::time(1.0));
                Case {
                    batch,
                    channels: [cin, cout],
                    kernel: [kernel.0, kernel.1],
                    input: [input.0, input.1],
                    scales,
                    stride: [st, sf],
                    dilation: [dil, 1],
                    padding: [
                        PaddingConfig2d::Valid,
                        PaddingConfig2d::Same,
                        PaddingConfig2d::Explicit(1, 0, 2, 1),
                    ][pad]
                        .clone(),
                    sharing: if shared {
                        KernelSharing::Shared
                    } else {
                        KernelSharing::Detached
                    },
                    alignment: if centered {
                        BranchAlignment::Centered
                    } else {
                        BranchAlignment::Stretch
                    },
                    bias,
                    seed,
                }
            },
        )
}

fn layer(case: &Case, device: &Device) -> Option<MtsConv2d> {
    let stride = if case.padding == PaddingConfig2d::Same {
        [1, 1]
    } else {
        case.stride
    };
    MtsConv2dConfig::new(case.channels, case.kernel)
        .with_scales(ScaleSet::new(case.scales.clone()))
        .with_stride(stride)
        .with_dilation(case.dilation)
        .with_padding(case.padding.clone())
        .with_sharing(case.sharing)
        .with_alignment(case.alignment)
        .with_bias(case.bias)
        .try_init(device)
        .ok()
}

/// Output, winners and the three gradients of `sum(output * probe)`, by the fused path
/// (`fused = true`) or the composed one.
fn run(layer: &MtsConv2d, x: &Tensor<4>, probe: &Tensor<4>, fused: bool) -> Vec<Tensor<4>> {
    let x = x.clone().require_grad();
    let merged = if fused {
        layer.fused(x.clone())
    } else {
        merge_branches(layer.forward_branches(x.clone()))
    };
    let grads = (merged.output.clone() * probe.clone()).sum().backward();
    let mut out = vec![
        merged.output.detach(),
        merged.winners.float(),
        x.grad(&grads).expect("x is tracked"),
        layer
            .weight
            .val()
            .grad(&grads)
            .expect("the kernel is tracked"),
    ];
    if let Some(bias) = &layer.bias {
        out.push(
            bias.val()
                .grad(&grads)
                .expect("the bias is tracked")
                .reshape([1, 1, 1, -1]),
        );
    }
    out
}

/// The case's layer, a random input and a random probe of the output's shape, seeded by the
/// case; `None` for a configuration the layer refuses or an input too short for a branch
/// kernel (the layer panics on both paths then): nothing to compare.
fn inputs(case: &Case, device: &Device) -> Option<(MtsConv2d, Tensor<4>, Tensor<4>)> {
    device.seed(case.seed);
    let layer = layer(case, device)?;
    let [t, f] = case.input;
    let x = Tensor::<4>::random(
        [case.batch, case.channels[0], t, f],
        Distribution::Normal(0., 1.),
        device,
    );
    let shape = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        layer.forward(x.clone()).dims()
    }))
    .ok()?;
    let probe = Tensor::<4>::random(shape, Distribution::Normal(0., 1.), device);
    Some((layer, x, probe))
}

fn assert_fused_equals_composed(case: &Case, device: &Device) {
    if let Some((layer, x, probe)) = inputs(case, device) {
        assert_same_results(&layer, &x, &probe);
    }
}

/// The fused and composed paths give the same output, winners and gradients for `layer` on
/// `x`, with the gradients of `sum(output * probe)`.
fn assert_same_results(layer: &MtsConv2d, x: &Tensor<4>, probe: &Tensor<4>) {
    let fused = run(layer, x, probe, true);
    let composed = run(layer, x, probe, false);
    let names = [
        "output",
        "winners",
        "input gradient",
        "kernel gradient",
        "bias gradient",
    ];
    for ((fused, composed), name) in fused.into_iter().zip(composed).zip(names) {
        let (fused, composed) = (fused.into_data(), composed.into_data());
        if name == "winners" {
            fused.assert_eq(&composed, false);
        } else {
            // Sums of thousands of terms (kernel gradients of wide inputs) cancel down to values
            // far below their terms: the absolute tolerance follows the tensor's scale.
            let scale = composed.iter::<f32>().fold(1f32, |max, v| max.max(v.abs()));
            fused.assert_approx_eq::<f32>(&composed, Tolerance::rel_abs(1e-4, 1e-5 * scale));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fused_equals_composed_on_flex(case in case(12..20, 9..14)) {
        assert_fused_equals_composed(&case, &Device::flex().autodiff());
    }

    #[test]
    fn fused_equals_composed_on_ndarray(case in case(12..20, 9..14)) {
        assert_fused_equals_composed(&case, &Device::ndarray().autodiff());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Outputs at least `DIRECT_MIN_WIDTH` bins wide: the direct forward and kernel-gradient
    /// kernels run (stride 1), and on Flex the winners stay exact.
    #[test]
    fn fused_equals_composed_on_wide_inputs(case in case(12..24, 24..48)) {
        assert_fused_equals_composed(&case, &Device::flex().autodiff());
        assert_fused_equals_composed(&case, &Device::ndarray().autodiff());
    }
}

/// Geometries with 5 to 11 input channels (the direct kernels replace burn's im2col and GEMM
/// there, summing in another order), stride 1, outputs at least 16 bins wide, time scales out
/// of (0.5, 1, 2) and even kernel lengths, so that the branch kernels interpolate with weights
/// 1/4, 1/2 and 3/4.
fn many_channels() -> impl Strategy<Value = Case> {
    (
        case(16..30, 24..48),
        5usize..12,
        1usize..12,
        1usize..4,
        0usize..3,
    )
        .prop_map(|(case, cin, cout, half_time, scales)| Case {
            channels: [cin, cout],
            kernel: [2 * half_time, case.kernel[1]],
            scales: [vec![0.5, 1.0, 2.0], vec![1.0, 2.0], vec![0.5, 1.0]][scales]
                .iter()
                .map(|&s| Scale::time(s))
                .collect(),
            stride: [1, 1],
            dilation: [1, 1],
            ..case
        })
}

/// `case`'s layer with its kernel and bias on a grid of 1/16 (at most 1/2), an input of
/// integers (at most 4) and a random probe: every product and sum in the branch convolutions
/// is then exact in `f32`, so any summation order gives the same values and the winners must
/// agree exactly, ties included.
fn exact_inputs(case: &Case, device: &Device) -> Option<(MtsConv2d, Tensor<4>, Tensor<4>)> {
    let (mut layer, x, probe) = inputs(case, device)?;
    let grid = |shape: Vec<usize>, steps: f64, bound: f64| {
        Tensor::<4>::random(shape, Distribution::Uniform(-bound, bound), device)
            .mul_scalar(steps)
            .round()
            .div_scalar(steps)
    };
    let weight = grid(layer.weight.dims().to_vec(), 16.0, 0.5);
    layer.weight = Param::from_tensor(weight.require_grad());
    if let Some(bias) = &layer.bias {
        let values = grid(vec![1, 1, 1, bias.dims()[0]], 16.0, 0.5).flatten::<1>(0, 3);
        layer.bias = Some(Param::from_tensor(values.require_grad()));
    }
    Some((layer, grid(x.dims().to_vec(), 1.0, 4.0), probe))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Many channels: the direct forward and input gradient replace burn's GEMM paths; on
    /// exact arithmetic everything agrees, winners to the index.
    #[test]
    fn fused_equals_composed_with_many_channels(case in many_channels()) {
        for device in [Device::flex().autodiff(), Device::ndarray().autodiff()] {
            if let Some((layer, x, probe)) = exact_inputs(&case, &device) {
                assert_same_results(&layer, &x, &probe);
            }
        }
    }
}

/// The kernel and bias gradients when the input is not tracked (a first layer: the backward
/// then works one batch item at a time) are those of the tracked input's backward, to the bit.
fn assert_untracked_input_changes_no_gradient(case: &Case, device: &Device) {
    let Some((layer, x, probe)) = inputs(case, device) else {
        return;
    };
    let gradients = |x: Tensor<4>| {
        let grads = (layer.fused(x).output * probe.clone()).sum().backward();
        let kernel = layer
            .weight
            .val()
            .grad(&grads)
            .expect("the kernel is tracked");
        let bias = layer
            .bias
            .as_ref()
            .map(|b| b.val().grad(&grads).expect("tracked"));
        (kernel.into_data(), bias.map(|b| b.into_data()))
    };
    let tracked = gradients(x.clone().require_grad());
    let untracked = gradients(x);
    assert_eq!(untracked.0, tracked.0, "kernel gradient");
    assert_eq!(untracked.1, tracked.1, "bias gradient");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn an_untracked_input_changes_no_gradient(case in case(12..24, 24..48)) {
        // Three or more items, so that the order items are summed in shows in the bits.
        let case = Case { batch: case.batch + 2, ..case };
        assert_untracked_input_changes_no_gradient(&case, &Device::flex().autodiff());
        assert_untracked_input_changes_no_gradient(&case, &Device::ndarray().autodiff());
    }
}

/// A single unit-scale branch (what `conv2d_fused` runs) takes the plain-convolution shortcut:
/// it equals burn's `Conv2d`, value and gradients, for padded, strided, dilated and grouped
/// geometries on both CPU backends.
#[test]
fn conv2d_fused_equals_burns_conv2d_with_gradients() {
    use burn::nn::conv::Conv2dConfig;
    for device in [Device::flex().autodiff(), Device::ndarray().autodiff()] {
        device.seed(3);
        for (channels, kernel, stride, dilation, groups, padding) in [
            ([1, 4], [5, 3], [1, 1], [1, 1], 1, PaddingConfig2d::Valid),
            ([2, 4], [3, 3], [1, 1], [1, 1], 1, PaddingConfig2d::Same),
            (
                [2, 6],
                [4, 2],
                [2, 1],
                [1, 2],
                2,
                PaddingConfig2d::Explicit(1, 0, 2, 1),
            ),
        ] {
            let conv = Conv2dConfig::new(channels, kernel)
                .with_stride(stride)
                .with_dilation(dilation)
                .with_groups(groups)
                .with_padding(padding)
                .init(&device);
            let x = Tensor::<4>::random(
                [2, channels[0], 14, 11],
                Distribution::Normal(0., 1.),
                &device,
            );
            let run = |fused: bool| {
                let x = x.clone().require_grad();
                let y = if fused {
                    crate::conv2d_fused(&conv, x.clone())
                } else {
                    conv.forward(x.clone())
                };
                let probe = Tensor::<4>::ones(y.dims(), &device).cumsum(3);
                let grads = (y.clone() * probe).sum().backward();
                [
                    y.detach().into_data(),
                    x.grad(&grads).expect("x").into_data(),
                    conv.weight.val().grad(&grads).expect("weight").into_data(),
                    conv.bias
                        .as_ref()
                        .expect("bias")
                        .val()
                        .grad(&grads)
                        .expect("bias")
                        .into_data(),
                ]
            };
            for (fused, plain) in run(true).into_iter().zip(run(false)) {
                fused.assert_approx_eq::<f32>(&plain, Tolerance::rel_abs(1e-4, 1e-5));
            }
        }
    }
}

/// One-bin-wide grids (what `MtsConv1d` runs) are walked as `[1, time]` planes; same results.
#[test]
fn fused_equals_composed_on_one_bin_wide_grids() {
    for (alignment, padding) in [
        (BranchAlignment::Stretch, PaddingConfig2d::Valid),
        (BranchAlignment::Stretch, PaddingConfig2d::Same),
        (BranchAlignment::Centered, PaddingConfig2d::Valid),
    ] {
        let case = Case {
            batch: 2,
            channels: [3, 4],
            kernel: [5, 1],
            input: [30, 1],
            scales: vec![Scale::time(0.5), Scale::time(1.0), Scale::time(2.0)],
            stride: [1, 1],
            dilation: [1, 1],
            padding,
            sharing: KernelSharing::Shared,
            alignment,
            bias: true,
            seed: 11,
        };
        assert_fused_equals_composed(&case, &Device::flex().autodiff());
    }
}

#[test]
fn host_values_borrow_contiguous_flex_tensors_and_read_the_rest() {
    use super::host_values::{HostValues, host_floats};
    use burn::backend::{Backend, Flex, NdArray};
    use burn::tensor::TensorData;

    let values: Vec<f32> = (0..6).map(|i| i as f32).collect();
    let data = TensorData::new(values.clone(), [2, 3]);

    // A contiguous Flex tensor is borrowed even while another owner holds it: no copy.
    let primitive = burn::backend::flex::FlexTensor::from_data(data.clone());
    let held = primitive.clone();
    let host = host_floats::<Flex>(primitive);
    assert!(matches!(host, HostValues::Flex(..)));
    assert_eq!(host.as_slice(), values.as_slice());
    assert_eq!(
        host.as_slice().as_ptr(),
        held.as_slice::<f32>().unwrap().as_ptr()
    );

    // A transposed (non-contiguous) Flex tensor is read out in logical order.
    let transposed = host_floats::<Flex>(held.transpose(0, 1));
    assert!(matches!(transposed, HostValues::Read(_)));
    assert_eq!(transposed.as_slice(), &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);

    // Other backends are read.
    fn from_data<B: Backend>(data: TensorData) -> burn::backend::tensor::FloatTensor<B> {
        B::float_from_data(data, &Default::default())
    }
    let primitive = from_data::<NdArray>(data);
    let host = host_floats::<NdArray>(primitive);
    assert!(matches!(host, HostValues::Read(_)));
    assert_eq!(host.as_slice(), values.as_slice());
}
