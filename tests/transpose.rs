//! `MtsConvTranspose2d` against PyTorch golden vectors (tests/fixtures/transpose, made by its
//! `make_golden.py`): output, winners, usage and gradients in both kernel-sharing modes for
//! strided, padded (with output padding) and centred cases; scales `[1]` equal burn's
//! `ConvTranspose2d`; shapes and parameter counts; typed configuration errors; and the
//! invariance idea for a decoder: one code renders the kernel's pattern at every speed of the
//! scale set, centred on the same place.

mod common;

use burn::module::{Module, Param};
use burn::nn::conv::ConvTranspose2dConfig;
use burn::tensor::{Device, Tensor, TensorData};
use common::{GoldenLayer, assert_close, read_json, uniform, values};
use mts::core::{
    BranchAlignment, KernelSharing, MtsConfigError, MtsConvTranspose2d, MtsConvTranspose2dConfig,
    Scale, ScaleSet, resample_kernel,
};
use serde::Deserialize;

const REL: f64 = 1e-5;

#[derive(Deserialize)]
struct Case {
    name: String,
    stride: [usize; 2],
    padding: [usize; 2],
    padding_out: [usize; 2],
    alignment: BranchAlignment,
    scales: Vec<[f64; 2]>,
    kernel_sizes: Vec<[usize; 2]>,
    #[serde(flatten)]
    golden: GoldenLayer,
}

const CASES: [&str; 3] = [
    "transpose/mts_transpose_strided.json",
    "transpose/mts_transpose_padded_out.json",
    "transpose/mts_transpose_centered.json",
];

fn layer(case: &Case, sharing: KernelSharing, device: &Device) -> MtsConvTranspose2d {
    let [c_in, c_out, kt, kf] = case.golden.weight.shape[..] else {
        panic!("weight must be 4-D")
    };
    let scales = ScaleSet::new(case.scales.iter().map(|&s| Scale::from(s)).collect());
    let mut layer = MtsConvTranspose2dConfig::new([c_in, c_out], [kt, kf])
        .with_scales(scales)
        .with_stride(case.stride)
        .with_padding(case.padding)
        .with_padding_out(case.padding_out)
        .with_alignment(case.alignment)
        .with_sharing(sharing)
        .init(device);
    layer.weight = Param::from_tensor(case.golden.weight.tensor(device));
    layer.bias = Some(Param::from_tensor(case.golden.bias.tensor(device)));
    layer
}

#[test]
fn forward_winners_and_usage_match_pytorch() {
    let device = Device::flex();
    for file in CASES {
        let case: Case = read_json(file);
        let layer = layer(&case, KernelSharing::Shared, &device);
        assert_eq!(
            layer.branch_kernel_sizes(),
            &case.kernel_sizes[..],
            "{}",
            case.name
        );
        let result = layer.forward_with_usage(case.golden.input.tensor(&device));
        let (_, winners) = layer.forward_with_winners(case.golden.input.tensor(&device));
        case.golden
            .forward
            .assert_matches(&case.name, result, winners, REL);
    }
}

#[test]
fn gradients_match_pytorch_in_both_sharing_modes() {
    let device = Device::flex().autodiff();
    for file in CASES {
        let case: Case = read_json(file);
        for (sharing, expected) in case.golden.grads.by_sharing() {
            let what = format!("{} {sharing:?}", case.name);
            let layer = layer(&case, sharing, &device);
            let input = case.golden.input.tensor::<4>(&device).require_grad();
            let output = layer.forward(input.clone());
            let grads = (output * case.golden.cotangent.tensor::<4>(&device))
                .sum()
                .backward();
            let dx = values(input.grad(&grads).expect("input gradient"));
            let dw = values(layer.weight.val().grad(&grads).expect("kernel gradient"));
            let bias = layer.bias.as_ref().expect("bias").val();
            let db = values(bias.grad(&grads).expect("bias gradient"));
            expected.assert_matches(&what, [dx, dw, db], REL);
        }
    }
}

#[test]
fn unit_scale_equals_conv_transpose2d_with_the_same_shape_and_parameters() {
    let device = Device::flex();
    for (stride, padding, padding_out, dilation, groups) in [
        ([1, 1], [0, 0], [0, 0], [1, 1], 1),
        ([2, 1], [1, 0], [1, 0], [1, 1], 2),
        ([2, 2], [2, 1], [0, 1], [2, 1], 1),
    ] {
        let conv = ConvTranspose2dConfig::new([4, 6], [5, 3])
            .with_stride(stride)
            .with_padding(padding)
            .with_padding_out(padding_out)
            .with_dilation(dilation)
            .with_groups(groups)
            .init(&device);
        let x = Tensor::<4>::from_data(
            TensorData::new(uniform(2 * 4 * 9 * 7, 5), [2, 4, 9, 7]),
            &device,
        );
        let expected = values(conv.forward(x.clone()));
        let parameters = conv.num_params();
        let mts = MtsConvTranspose2d::from_conv_transpose2d(conv, ScaleSet::time(&[1.0])).unwrap();
        let what = format!("stride {stride:?} padding {padding:?} out {padding_out:?}");
        assert_close(&what, &values(mts.forward(x.clone())), &expected, 1e-6);
        let back = mts.to_conv_transpose2d();
        assert_close(&what, &values(back.forward(x.clone())), &expected, 1e-6);
        for alignment in [BranchAlignment::Stretch, BranchAlignment::Centered] {
            let layer = MtsConvTranspose2dConfig::new([4, 6], [5, 3])
                .with_stride(stride)
                .with_padding(padding)
                .with_padding_out(padding_out)
                .with_dilation(dilation)
                .with_groups(groups)
                .with_scales(ScaleSet::time(&[0.7, 1.0, 2.0]))
                .with_alignment(alignment)
                .init(&device);
            assert_eq!(layer.num_params(), parameters);
            assert_eq!(
                layer.forward(x.clone()).dims(),
                back.forward(x.clone()).dims()
            );
        }
    }
}

#[test]
fn invalid_configurations_are_typed_errors_naming_the_value() {
    let bad_out = MtsConvTranspose2dConfig::new([2, 2], [4, 4])
        .with_stride([2, 1])
        .with_padding_out([1, 1])
        .validate()
        .unwrap_err();
    assert!(matches!(
        bad_out,
        MtsConfigError::InvalidOutputPadding { .. }
    ));
    assert!(bad_out.to_string().contains("[1, 1]"), "{bad_out}");
    let groups = MtsConvTranspose2dConfig::new([3, 4], [4, 4])
        .with_groups(2)
        .validate()
        .unwrap_err();
    assert!(matches!(
        groups,
        MtsConfigError::InvalidGroups { groups: 2, .. }
    ));
    let vanishing = MtsConvTranspose2dConfig::new([1, 1], [3, 3])
        .with_scales(ScaleSet::time(&[0.2, 1.0]))
        .validate()
        .unwrap_err();
    assert!(vanishing.to_string().contains("0.2"), "{vanishing}");
}

#[test]
fn an_impulse_code_renders_the_pattern_at_every_speed_centred_on_the_impulse() {
    // A decoder kernel holding one sine cycle of 8 frames. Fed one impulse, branch s renders
    // the cycle played 1/s times as fast (the kernel resampled to 8 s frames) and, with
    // `Centered` alignment, centred where the unscaled branch renders it: the decoder can emit
    // the pattern at every speed of its scale set from the same code.
    let device = Device::flex();
    let kernel_len = 8;
    let cycle: Vec<f32> = (0..kernel_len)
        .map(|t| (2.0 * std::f32::consts::PI * (t as f32 + 0.5) / kernel_len as f32).sin())
        .collect();
    let mut layer = MtsConvTranspose2dConfig::new([1, 1], [kernel_len, 1])
        .with_bias(false)
        .with_alignment(BranchAlignment::Centered)
        .init(&device);
    let kernel = Tensor::<4>::from_data(TensorData::new(cycle, [1, 1, kernel_len, 1]), &device);
    layer.weight = Param::from_tensor(kernel.clone());
    let (at, len) = (10, 30);
    let mut code = vec![0.0f32; len];
    code[at] = 1.0;
    let x = Tensor::<4>::from_data(TensorData::new(code, [1, 1, len, 1]), &device);
    let branches = layer.forward_branches(x);
    for (branch, size) in branches.into_iter().zip([4, 8, 16]) {
        let rendered = values(branch);
        assert_eq!(rendered.len(), len + kernel_len - 1);
        let expected = values(resample_kernel(kernel.clone(), [size, 1]));
        // Centred: the branch kernel starts (size - 8) / 2 frames before the unscaled one.
        let start = at as i64 - (size as i64 - kernel_len as i64) / 2;
        for (t, value) in rendered.iter().enumerate() {
            let offset = t as i64 - start;
            let want = usize::try_from(offset)
                .ok()
                .and_then(|i| expected.get(i))
                .copied()
                .unwrap_or(0.0);
            assert!(
                (value - want).abs() < 1e-6,
                "scale of {size} frames, t {t}: {value} vs {want}"
            );
        }
    }
}
