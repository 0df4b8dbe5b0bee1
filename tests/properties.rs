//! Property tests of the layers' invariants over random geometries (proptest): `MtsConv2d`
//! over the kit's valid-by-construction cases (`mts::core::proptest_kit`), `MtsConv1d`,
//! `MtsConvTranspose2d` and the kernel resampling methods.

mod common;

use burn::module::Module;
use burn::nn::PaddingConfig1d;
use burn::nn::conv::{Conv1dConfig, Conv2dConfig, ConvTranspose2dConfig};
use burn::tensor::{Device, Tensor, TensorData};
use mts::core::proptest_kit::laws::{self, LawViolation};
use mts::core::proptest_kit::{LayerCase, LayerConfigs, ScaleSets, UnitBranch};
use mts::core::{
    BranchAlignment, KernelResampling, KernelSharing, MtsConv1d, MtsConv1dConfig, MtsConv2dConfig,
    MtsConvTranspose2d, MtsConvTranspose2dConfig, ScaleSet, resample_kernel, resample_kernel_with,
};
use proptest::prelude::*;

/// Host-side pseudo-random data, identical on every backend and run.
fn host_data(len: usize, seed: u64) -> Vec<f32> {
    let mixed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    common::uniform(len, mixed)
}

fn tensor(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
    let len = shape.iter().product();
    Tensor::from_data(TensorData::new(host_data(len, seed), shape), device)
}

fn values(t: Tensor<4>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

/// A law of the kit's checkers (`mts::core::proptest_kit::laws`) as a proptest case result:
/// a violation fails the case with its message.
fn law(result: Result<(), LawViolation>) -> Result<(), TestCaseError> {
    result.map_err(|violation| TestCaseError::fail(violation.to_string()))
}

/// Layer configurations and inputs from the kit (`mts::core::proptest_kit`), valid by
/// construction: every channel count, group, kernel, stride (beyond the kernel too), dilation
/// (both axes), padding (valid, `Same`, symmetric, asymmetric), scale set, alignment, sharing
/// and resampling method the layer takes, with inputs it takes.
fn layer_cases(configs: LayerConfigs) -> BoxedStrategy<LayerCase> {
    configs
        .strategy()
        .expect("the parameters leave cases to draw")
}

/// burn's `Conv2d` with the case's geometry.
fn conv_config(case: &LayerCase) -> Conv2dConfig {
    let config = &case.config;
    Conv2dConfig::new(config.channels, config.kernel_size)
        .with_stride(config.stride)
        .with_dilation(config.dilation)
        .with_groups(config.groups)
        .with_padding(config.padding.clone())
        .with_bias(config.bias)
}

/// Scales valid for a kernel of `kt` taps: (0.5), 1 and 2, without duplicates.
fn scales_for(kt: usize) -> Vec<f64> {
    if kt >= 2 {
        vec![0.5, 1.0, 2.0]
    } else {
        vec![1.0, 2.0]
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn unit_scale_equals_conv2d(case in layer_cases(LayerConfigs::default())) {
        law(laws::unit_scale_is_plain(&case, &Device::flex()))?;
    }

    #[test]
    fn output_shape_and_parameter_count_equal_conv2d(case in layer_cases(LayerConfigs::default())) {
        let device = Device::flex();
        law(laws::plain_shape_and_parameters(&case, &device))?;
        // The law covers the merged output; every branch has that shape too.
        let mts = case.layer(&device);
        let conv = conv_config(&case).init(&device);
        let x = case.input(&device);
        let expected = conv.forward(x.clone()).dims();
        for branch in mts.forward_branches(x) {
            prop_assert_eq!(branch.dims(), expected);
        }
    }

    #[test]
    fn usage_fractions_are_shares_that_sum_to_one(case in layer_cases(LayerConfigs::default())) {
        let device = Device::flex();
        law(laws::usage_adds_up(&case, &device))?;
        let (_, usage) = case.layer(&device).forward_with_usage(case.input(&device));
        let fractions = usage.fractions();
        prop_assert!(fractions.iter().all(|f| (0.0..=1.0).contains(f)));
        prop_assert!((fractions.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn resampling_to_the_same_size_is_the_identity(
        shape in (1usize..=3, 1usize..=3, 1usize..=12, 1usize..=6),
        seed in any::<u64>(),
    ) {
        let device = Device::flex();
        let (o, i, kt, kf) = shape;
        law(laws::identity(KernelResampling::Linear, kt))?;
        law(laws::identity(KernelResampling::Linear, kf))?;
        // The law is on the matrix; the layers pass an unchanged axis through, bit for bit.
        let w = tensor([o, i, kt, kf], seed, &device);
        prop_assert_eq!(values(resample_kernel(w.clone(), [kt, kf])), values(w));
    }

    #[test]
    fn a_kernel_constant_along_time_stays_constant(
        kt in 1usize..=12,
        to in 1usize..=30,
        seed in any::<u64>(),
    ) {
        // `resample_kernel` is `Linear`: its rows sum to 1, and the tensor path applies its
        // matrix (the adjoint law runs it along either axis).
        law(laws::constants(KernelResampling::Linear, kt, to))?;
        law(laws::adjoint(KernelResampling::Linear, kt, to, seed, &Device::flex()))?;
    }

    #[test]
    fn a_kernel_linear_along_time_stays_linear(
        kt in 2usize..=12,
        to in 2usize..=30,
    ) {
        // The ramp `i` (edges included, clamped); with constants, every `offset + slope * i`.
        law(laws::linear_ramps(KernelResampling::Linear, kt, to))?;
    }

    #[test]
    fn a_scaled_branch_trains_the_kernel_only_when_shared(
        case in layer_cases(LayerConfigs {
            // With stride > 1, padding or `Centered` alignment (which pads each branch to the
            // unit branch's length), every output of a scaled branch may read padding only (a
            // zero gradient for any kernel; found by this property with a 1-frame input and a
            // 2-frame dilated branch kernel): keep stride 1, no padding and `Stretch`, so that
            // outputs see the input, and a unit branch beside at least one scaled one.
            stride: [1..=1, 1..=1],
            max_padding: 0,
            same_padding: false,
            alignments: vec![BranchAlignment::Stretch],
            scales: ScaleSets { branches: 2..=4, unit: UnitBranch::Always, ..ScaleSets::default() },
            ..LayerConfigs::default()
        }),
    ) {
        // With a bias, so that the branch is tracked (through it) in `Detached` mode too.
        let case = LayerCase { config: case.config.clone().with_bias(true), ..case };
        let device = Device::flex().autodiff();
        let kernel = case.config.kernel_size;
        let scaled = case.config.scales.iter().position(|s| s.kernel_size(kernel) != kernel);
        let scaled = scaled.expect("a scaled branch beside the unit one");
        for sharing in [KernelSharing::Shared, KernelSharing::Detached] {
            let mts = case.layer(&device).with_sharing(sharing);
            let branch = mts.forward_branches(case.input(&device)).remove(scaled);
            let grads = (branch.clone() * branch).sum().backward();
            let grad = mts.weight.val().grad(&grads);
            let norm: f32 = grad.map(|g| g.abs().sum().into_scalar()).unwrap_or(0.0);
            match sharing {
                KernelSharing::Shared => prop_assert!(norm > 0.0, "shared: no gradient"),
                KernelSharing::Detached => prop_assert_eq!(norm, 0.0),
            }
        }
    }
}

#[test]
fn paper_scale_sets_validate_for_every_paper_kernel() {
    let device = Device::flex();
    for kernel in [[10, 5], [11, 11], [5, 5], [3, 3], [7, 7]] {
        for set in [
            &[0.7, 1.0, 1.428][..],
            &[0.5, 1.0, 2.0],
            &[0.5, 0.7, 1.0, 1.428, 2.0],
        ] {
            let layer = MtsConv2dConfig::new([1, 2], kernel)
                .with_scales(ScaleSet::time(set))
                .try_init(&device);
            assert!(layer.is_ok(), "{kernel:?} {set:?}: {:?}", layer.err());
        }
    }
}

/// A random transposed-convolution geometry whose output stays non-empty for a 0.5x kernel.
#[derive(Debug, Clone)]
struct TransposeGeometry {
    channels: [usize; 2],
    kernel: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: [usize; 2],
    padding_out: [usize; 2],
    groups: usize,
    input: [usize; 4],
}

fn transpose_geometry() -> impl Strategy<Value = TransposeGeometry> {
    (
        (1usize..=2, 1usize..=3, 1usize..=6, 1usize..=3, 1usize..=2),
        (1usize..=3, 1usize..=2, 1usize..=2),
        (0usize..=2, 0usize..=1, 0usize..=2, 0usize..=1),
        (1usize..=2, 0usize..=5, 0usize..=3),
    )
        .prop_map(
            |((c_in, c_out, kt, kf, groups), (st, sf, dt), (pt, pf, ot, of), (batch, et, ef))| {
                let stride = [st, sf];
                let dilation = [dt, 1];
                TransposeGeometry {
                    channels: [c_in * groups, c_out * groups],
                    kernel: [kt, kf],
                    stride,
                    dilation,
                    padding: [pt, pf],
                    padding_out: [ot % st.max(dt), of % sf],
                    groups,
                    input: [batch, c_in * groups, 2 * pt + 2 + et, 2 * pf + 2 + ef],
                }
            },
        )
}

fn transpose_config(g: &TransposeGeometry) -> ConvTranspose2dConfig {
    ConvTranspose2dConfig::new(g.channels, g.kernel)
        .with_stride(g.stride)
        .with_dilation(g.dilation)
        .with_padding(g.padding)
        .with_padding_out(g.padding_out)
        .with_groups(g.groups)
}

/// A random 1-D geometry (channels, kernel, stride, dilation, padding, groups, input).
fn conv1d_geometry() -> impl Strategy<Value = (Conv1dConfig, [usize; 3])> {
    (
        (1usize..=3, 1usize..=3, 1usize..=8, 1usize..=2),
        (1usize..=3, 1usize..=2, 0usize..=3, any::<bool>()),
        (1usize..=2, 0usize..=10),
    )
        .prop_map(
            |((c_in, c_out, k, groups), (stride, dilation, pad, same), (batch, extra))| {
                let padding = if same && stride == 1 {
                    PaddingConfig1d::Same
                } else {
                    PaddingConfig1d::Explicit(pad, pad + 1)
                };
                let config = Conv1dConfig::new(c_in * groups, c_out * groups, k)
                    .with_stride(stride)
                    .with_dilation(dilation)
                    .with_padding(padding)
                    .with_groups(groups);
                (config, [batch, c_in * groups, 2 * k * dilation + extra + 1])
            },
        )
}

fn tensor3(shape: [usize; 3], seed: u64, device: &Device) -> Tensor<3> {
    let len = shape.iter().product();
    Tensor::from_data(TensorData::new(host_data(len, seed), shape), device)
}

fn assert_close_values(actual: Vec<f32>, expected: Vec<f32>) -> Result<(), TestCaseError> {
    prop_assert_eq!(actual.len(), expected.len());
    for (a, e) in actual.iter().zip(&expected) {
        prop_assert!((a - e).abs() <= 1e-5 * (1.0 + e.abs()), "{} vs {}", a, e);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn unit_scale_equals_conv_transpose2d(g in transpose_geometry(), seed in any::<u64>()) {
        let device = Device::flex();
        let conv = transpose_config(&g).init(&device);
        let mts = MtsConvTranspose2d::from_conv_transpose2d(conv.clone(), ScaleSet::time(&[1.0]))
            .unwrap();
        let x = tensor(g.input, seed, &device);
        assert_close_values(values(mts.forward(x.clone())), values(conv.forward(x)))?;
    }

    #[test]
    fn transposed_shape_and_parameter_count_equal_conv_transpose2d(
        g in transpose_geometry(),
        centered in any::<bool>(),
        bias in any::<bool>(),
    ) {
        let device = Device::flex();
        let alignment = if centered { BranchAlignment::Centered } else { BranchAlignment::Stretch };
        let mts = MtsConvTranspose2dConfig::new(g.channels, g.kernel)
            .with_scales(ScaleSet::time(&scales_for(g.kernel[0])))
            .with_stride(g.stride)
            .with_dilation(g.dilation)
            .with_padding(g.padding)
            .with_padding_out(g.padding_out)
            .with_groups(g.groups)
            .with_alignment(alignment)
            .with_bias(bias)
            .init(&device);
        let conv = transpose_config(&g).with_bias(bias).init(&device);
        prop_assert_eq!(mts.num_params(), conv.num_params());
        let x = tensor(g.input, 1, &device);
        let expected = conv.forward(x.clone()).dims();
        for branch in mts.forward_branches(x) {
            prop_assert_eq!(branch.dims(), expected);
        }
    }

    #[test]
    fn unit_scale_equals_conv1d_and_shapes_match(
        (config, input) in conv1d_geometry(),
        seed in any::<u64>(),
    ) {
        let device = Device::flex();
        let conv = config.init(&device);
        let x = tensor3(input, seed, &device);
        let expected = conv.forward(x.clone());
        let mts = MtsConv1d::from_conv1d(conv.clone(), [1.0]).unwrap();
        prop_assert_eq!(mts.num_params(), conv.num_params());
        let output = mts.forward(x.clone());
        assert_close_values(
            output.into_data().try_to_vec::<f32>().unwrap(),
            expected.clone().into_data().try_to_vec::<f32>().unwrap(),
        )?;
        let scaled = MtsConv1dConfig::new([config.channels_in, config.channels_out], config.kernel_size)
            .with_time_scales(&scales_for(config.kernel_size))
            .with_stride(config.stride)
            .with_dilation(config.dilation)
            .with_padding(config.padding.clone())
            .with_groups(config.groups)
            .init(&device);
        prop_assert_eq!(scaled.num_params(), conv.num_params());
        prop_assert_eq!(scaled.forward(x).dims(), expected.dims());
    }

    #[test]
    fn every_resampling_keeps_a_constant_kernel_constant(
        kt in 1usize..=12,
        kf in 1usize..=5,
        target in (1usize..=24, 1usize..=8),
        value in -2.0f32..2.0,
        method in prop_oneof![
            Just(KernelResampling::Linear),
            Just(KernelResampling::Cubic),
            Just(KernelResampling::Area),
        ],
    ) {
        let device = Device::flex();
        let kernel = Tensor::<4>::full([2, 1, kt, kf], value, &device);
        let resampled = resample_kernel_with(kernel, [target.0, target.1], method);
        prop_assert_eq!(resampled.dims(), [2, 1, target.0, target.1]);
        // Rows summing to 1 on either axis, and the tensor path applying the matrix (the
        // adjoint law, its kernel drawn from `value`), keep the constant.
        let seed = u64::from(value.to_bits());
        for (from, to) in [(kt, target.0), (kf, target.1)] {
            law(laws::constants(method, from, to))?;
            law(laws::adjoint(method, from, to, seed, &device))?;
        }
    }
}
