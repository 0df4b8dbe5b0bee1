//! The fused CPU operation against the composed tensor-op path, which golden vectors pin down:
//! outputs, winners and the gradients of the input, kernel and bias, over geometries drawn
//! valid by construction (`proptest_kit`), both sharings and alignments, on Flex and NdArray,
//! each case on every instruction-set build of the host kernels this CPU runs (`isa.rs`: AVX2
//! with FMA and the portable build on x86_64). Each property counts the kernels its cases reach
//! (`reached.rs`) and asserts that every kernel it is about is reached by a fair share of them.

use std::collections::BTreeSet;

use burn::nn::PaddingConfig2d;
use burn::tensor::{Device, Distribution, Tensor, Tolerance};
use proptest::prelude::*;

use super::isa::Isa;
use super::isa::tests::{available, with_isa};
use super::reached::{Kernel, tests::take};
use crate::merge::merge_branches;
use crate::proptest_kit::tests::{assert_shares, tally};
use crate::proptest_kit::{LayerCase, LayerConfigs, ScaleSets, UnitBranch, Values, shortest_input};
use crate::{BranchAlignment, MtsConv2d, MtsConv2dConfig, ScaleSet};

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
        kernel_gradient(layer, &grads),
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

/// The kernel's gradient; zeros where no branch trains it (`Detached` without a branch of the
/// kernel's own size: the kernel takes no part in the graph).
fn kernel_gradient(layer: &MtsConv2d, grads: &burn::tensor::Gradients) -> Tensor<4> {
    let weight = layer.weight.val();
    weight
        .grad(grads)
        .unwrap_or_else(|| Tensor::zeros(weight.dims(), &weight.device()))
}

/// The case's layer and input on `device`, and a probe of the output's shape (values from the
/// case's seed).
fn inputs(case: &LayerCase, device: &Device) -> (MtsConv2d, Tensor<4>, Tensor<4>) {
    let layer = case.layer(device);
    let x = case.input(device);
    let shape = layer.forward(x.clone()).dims();
    let probe = Values::Uniform.input_data(shape.to_vec(), case.seed ^ 3);
    (layer, x, Tensor::from_data(probe, device))
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

/// Runs `check` on the case on each of `devices` and each instruction-set build, and returns
/// the kernels the fused operations reached.
fn on_every_build(
    case: &LayerCase,
    devices: &[Device],
    check: impl Fn(&LayerCase, &Device),
) -> Result<BTreeSet<Kernel>, TestCaseError> {
    take();
    for device in devices {
        for isa in available() {
            with_isa(isa, || check(case, device));
        }
    }
    Ok(take())
}

fn assert_fused_equals_composed(case: &LayerCase, device: &Device) {
    let (layer, x, probe) = inputs(case, device);
    assert_same_results(&layer, &x, &probe);
}

/// Both CPU backends, with autodiff.
fn cpu_devices() -> [Device; 2] {
    [Device::flex().autodiff(), Device::ndarray().autodiff()]
}

/// Every build this CPU runs: on x86_64 with AVX2 and FMA (every CI machine) both, elsewhere
/// the portable build alone.
fn builds() -> Vec<Kernel> {
    let builds: Vec<Kernel> = available().into_iter().map(Kernel::build).collect();
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        assert_eq!(builds, [Kernel::Avx2Build, Kernel::PortableBuild]);
    }
    builds
}

/// Few channels, any geometry the layer takes: strides beyond the kernel, dilation on both
/// axes, groups, every padding, scale sets with one-tap branches or no unit branch, all three
/// resampling methods (`LayerConfigs::default`).
#[test]
fn fused_equals_composed_on_random_geometries() {
    const CASES: u32 = 64;
    let strategy = LayerConfigs::default().strategy().unwrap();
    let counts = tally(strategy, CASES, |case| {
        on_every_build(case, &cpu_devices(), assert_fused_equals_composed)
    });
    let mut kernels = vec![Kernel::BurnForward, Kernel::BurnGradient];
    kernels.extend(builds());
    assert_shares(&counts, &kernels, CASES, 0.5);
    assert_shares(&counts, &[Kernel::PlainConvolution], CASES, 0.05);
}

/// Stride 1, no dilation or groups, outputs at least `DIRECT_MIN_WIDTH` bins wide on every
/// branch: the direct forward and kernel-gradient kernels run, and on Flex the winners stay
/// exact. Every set has the unit branch, so that the kernel is trained in both sharings.
fn wide_inputs() -> LayerConfigs {
    LayerConfigs {
        scales: ScaleSets {
            unit: UnitBranch::Always,
            ..ScaleSets::default()
        },
        groups: 1..=1,
        kernel: [2..=5, 1..=3],
        stride: [1..=1, 1..=1],
        dilation: [1..=1, 1..=1],
        min_output: [1, super::host::DIRECT_MIN_WIDTH],
        extra_input: [0..=8, 0..=16],
        ..LayerConfigs::default()
    }
}

#[test]
fn fused_equals_composed_on_wide_inputs() {
    const CASES: u32 = 24;
    let counts = tally(wide_inputs().strategy().unwrap(), CASES, |case| {
        on_every_build(case, &cpu_devices(), assert_fused_equals_composed)
    });
    let mut kernels = vec![Kernel::FewChannelForward, Kernel::DirectKernelGradient];
    kernels.extend(builds());
    assert_shares(&counts, &kernels, CASES, 0.6);
}

/// 5 to 11 input channels (the direct kernels replace burn's im2col and GEMM there, summing
/// in another order, with fused multiply-adds in the AVX2 build), outputs at least 16 bins
/// wide, [`Values::Exact`] and linear resampling by time scales out of (0.5, 1, 2) of even
/// kernel lengths, so that the branch kernels interpolate with weights 1/4, 1/2 and 3/4: every
/// product and sum in the branch convolutions is then exact in `f32`, any summation order
/// gives the same values and the winners must agree exactly, ties included.
fn many_channels() -> impl Strategy<Value = LayerCase> {
    let configs = LayerConfigs {
        channels_in: 5..=11,
        channels_out: 1..=11,
        resamplings: vec![crate::KernelResampling::Linear],
        values: Values::Exact,
        ..wide_inputs()
    };
    let sets = [vec![0.5, 1.0, 2.0], vec![1.0, 2.0], vec![0.5, 1.0]];
    (
        configs.strategy().unwrap(),
        1usize..4,
        proptest::sample::select(sets.to_vec()),
        (0usize..8, 0usize..16),
    )
        .prop_map(|(mut case, half_time, scales, extra)| {
            case.config.kernel_size[0] = 2 * half_time;
            case.config.scales = ScaleSet::time(&scales);
            let [time, freq] = shortest_input(&case.config, wide_inputs().min_output);
            case.input[2..].copy_from_slice(&[time + extra.0, freq + extra.1]);
            case
        })
}

#[test]
fn fused_equals_composed_with_many_channels() {
    const CASES: u32 = 24;
    let counts = tally(many_channels(), CASES, |case| {
        on_every_build(case, &cpu_devices(), assert_fused_equals_composed)
    });
    let mut kernels = vec![
        Kernel::ManyChannelForward,
        Kernel::DirectInputGradient,
        Kernel::DirectKernelGradient,
    ];
    kernels.extend(builds());
    assert_shares(&counts, &kernels, CASES, 0.8);
}

/// The kernel and bias gradients when the input is not tracked (a first layer: the backward
/// then works one batch item at a time) are those of the tracked input's backward, to the bit.
fn assert_untracked_input_changes_no_gradient(case: &LayerCase, device: &Device) {
    let (layer, x, probe) = inputs(case, device);
    let gradients = |x: Tensor<4>| {
        let grads = (layer.fused(x).output * probe.clone()).sum().backward();
        let kernel = kernel_gradient(&layer, &grads);
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

#[test]
fn an_untracked_input_changes_no_gradient() {
    const CASES: u32 = 16;
    // Three or more items, so that the order items are summed in shows in the bits.
    let configs = LayerConfigs {
        batch: 3..=4,
        ..wide_inputs()
    };
    let counts = tally(configs.strategy().unwrap(), CASES, |case| {
        on_every_build(
            case,
            &cpu_devices(),
            assert_untracked_input_changes_no_gradient,
        )
    });
    let mut kernels = vec![Kernel::PerItemKernelGradient];
    kernels.extend(builds());
    assert_shares(&counts, &kernels, CASES, 0.6);
}

/// On the composed path the layer runs no fused kernel on Flex, and gives the fused path's
/// output.
#[test]
fn the_composed_path_runs_no_fused_kernel() {
    let device = Device::flex();
    let case = fixed_case(BranchAlignment::Stretch, PaddingConfig2d::Valid);
    let (layer, x) = (case.layer(&device), case.input(&device));
    take();
    let composed = crate::with_composed_path(|| layer.forward(x.clone()));
    assert_eq!(take(), BTreeSet::new());
    let fused = layer.forward(x);
    assert!(take().contains(&Kernel::BurnForward));
    fused
        .into_data()
        .assert_approx_eq::<f32>(&composed.into_data(), Tolerance::rel_abs(1e-5, 1e-6));
}

/// A forced build holds for the backward of a forward pass started under it, wherever the
/// backward runs.
#[test]
fn the_backward_runs_the_build_its_forward_ran() {
    let device = Device::flex().autodiff();
    let case = LayerCase {
        input: [2, 3, 12, 30],
        ..fixed_case(BranchAlignment::Stretch, PaddingConfig2d::Valid)
    };
    let (layer, x) = (case.layer(&device), case.input(&device));
    for isa in available() {
        let output = with_isa(isa, || layer.fused(x.clone().require_grad()).output);
        take();
        let _ = output.sum().backward();
        let expected = [
            Kernel::DirectKernelGradient,
            Kernel::BurnGradient,
            Kernel::build(isa),
        ];
        assert_eq!(take(), BTreeSet::from(expected), "{isa:?}");
    }
    assert!(available().contains(&Isa::PORTABLE));
}

/// Three time scales on a `[5, 1]` kernel with `alignment` and `padding`, 3 to 4 channels.
fn fixed_case(alignment: BranchAlignment, padding: PaddingConfig2d) -> LayerCase {
    LayerCase {
        config: MtsConv2dConfig::new([3, 4], [5, 1])
            .with_time_scales(&[0.5, 1.0, 2.0])
            .with_alignment(alignment)
            .with_padding(padding),
        input: [2, 3, 30, 1],
        values: Values::Uniform,
        seed: 11,
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
        let case = fixed_case(alignment, padding);
        let device = [Device::flex().autodiff()];
        on_every_build(&case, &device, assert_fused_equals_composed).unwrap();
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

/// The geometries of the two failures proptest once found here (`proptest-regressions`, kept
/// as fixed cases since the strategies changed): `Same` padding with centred branches, with
/// time dilation and four time scales, and with a frequency scale.
#[test]
fn former_failures_agree() {
    let scales = |pairs: &[[f64; 2]]| ScaleSet::new(pairs.iter().map(|&s| s.into()).collect());
    let configs = [
        MtsConv2dConfig::new([1, 1], [3, 3])
            .with_scales(scales(&[[0.5, 1.0], [1.0, 1.0], [0.7, 1.0], [1.428, 1.0]]))
            .with_dilation([2, 1]),
        MtsConv2dConfig::new([1, 3], [4, 3]).with_scales(scales(&[[1.0, 2.0], [1.0, 1.0]])),
    ];
    for (config, input) in configs.into_iter().zip([[2, 1, 18, 10], [2, 1, 21, 36]]) {
        let case = LayerCase {
            config: config
                .with_padding(PaddingConfig2d::Same)
                .with_sharing(crate::KernelSharing::Detached)
                .with_alignment(BranchAlignment::Centered),
            input,
            values: Values::Uniform,
            seed: 7,
        };
        on_every_build(&case, &cpu_devices(), assert_fused_equals_composed).unwrap();
    }
}
