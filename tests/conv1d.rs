//! `MtsConv1d` against PyTorch golden vectors (tests/fixtures/conv1d, made by its
//! `make_golden.py`): output, winners, usage and gradients in both kernel-sharing modes, valid and
//! padded + strided; scales `[1]` equal burn's `Conv1d`; shapes, parameter count and the
//! `Conv1d` round trip; and the invariance idea in 1-D: a pattern played 2x slower is matched.

mod common;

use burn::module::{Module, Param};
use burn::nn::PaddingConfig1d;
use burn::nn::conv::Conv1dConfig;
use burn::tensor::{Device, Tensor, TensorData};
use common::{GoldenLayer, assert_close, on_both_paths, read_json, uniform, values};
use mts::core::{KernelSharing, MtsConv1d, MtsConv1dConfig};
use serde::Deserialize;

const REL: f64 = 1e-5;

#[derive(Deserialize)]
struct Case {
    name: String,
    stride: usize,
    padding: usize,
    scales: Vec<f64>,
    kernel_sizes: Vec<usize>,
    #[serde(flatten)]
    golden: GoldenLayer,
}

fn layer(case: &Case, sharing: KernelSharing, device: &Device) -> MtsConv1d {
    let [out, inp, k] = case.golden.weight.shape[..] else {
        panic!("weight must be 3-D")
    };
    let mut conv = Conv1dConfig::new(inp, out, k)
        .with_stride(case.stride)
        .with_padding(PaddingConfig1d::Explicit(case.padding, case.padding))
        .init(device);
    conv.weight = Param::from_tensor(case.golden.weight.tensor(device));
    conv.bias = Some(Param::from_tensor(case.golden.bias.tensor(device)));
    MtsConv1d::from_conv1d(conv, case.scales.clone())
        .unwrap()
        .with_sharing(sharing)
}

const CASES: [&str; 2] = [
    "conv1d/mts1d_valid.json",
    "conv1d/mts1d_padded_strided.json",
];

#[test]
fn forward_winners_and_usage_match_pytorch() {
    let device = Device::flex();
    for file in CASES {
        let case: Case = read_json(file);
        let layer = layer(&case, KernelSharing::Shared, &device);
        assert_eq!(
            layer.branch_kernel_sizes(),
            case.kernel_sizes,
            "{}",
            case.name
        );
        case.golden.assert_forward(&case.name, &device, REL, |x| {
            let (_, winners) = layer.forward_with_winners(x.clone());
            (layer.forward_with_usage(x), winners)
        });
    }
}

#[test]
fn gradients_match_pytorch_in_both_sharing_modes() {
    let device = Device::flex().autodiff();
    for file in CASES {
        let case: Case = read_json(file);
        for (sharing, expected) in case.golden.grads.by_sharing() {
            on_both_paths(|path| {
                let what = format!("{} {sharing:?} ({path})", case.name);
                let layer = layer(&case, sharing, &device);
                let input = case.golden.input.tensor::<3>(&device).require_grad();
                let output = layer.forward(input.clone());
                let grads = (output * case.golden.cotangent.tensor::<3>(&device))
                    .sum()
                    .backward();
                let dx = values(input.grad(&grads).expect("input gradient"));
                // The kernel is stored [out, in, k, 1]: the same values as PyTorch's [out, in, k].
                let dw = values(layer.weight().val().grad(&grads).expect("kernel gradient"));
                let bias = layer.bias().expect("bias").val();
                let db = values(bias.grad(&grads).expect("bias gradient"));
                expected.assert_matches(&what, [dx, dw, db], REL);
            });
        }
    }
}

#[test]
fn unit_scale_equals_conv1d_with_the_same_shape_and_parameters() {
    let device = Device::flex();
    for (stride, dilation, padding, groups) in [
        (1, 1, PaddingConfig1d::Valid, 1),
        (2, 1, PaddingConfig1d::Explicit(3, 1), 2),
        (1, 2, PaddingConfig1d::Same, 1),
    ] {
        let conv = Conv1dConfig::new(4, 6, 5)
            .with_stride(stride)
            .with_dilation(dilation)
            .with_padding(padding.clone())
            .with_groups(groups)
            .init(&device);
        let x =
            Tensor::<3>::from_data(TensorData::new(uniform(2 * 4 * 31, 7), [2, 4, 31]), &device);
        let expected = values(conv.forward(x.clone()));
        let parameters = conv.num_params();
        let mts = MtsConv1d::from_conv1d(conv, [1.0]).unwrap();
        assert_eq!(mts.num_params(), parameters);
        let what = format!("stride {stride} dilation {dilation} {padding:?}");
        assert_close(&what, &values(mts.forward(x.clone())), &expected, 1e-6);
        let back = mts.to_conv1d();
        assert_close(&what, &values(back.forward(x)), &expected, 1e-6);
        // With more scales: same output shape and parameter count as the Conv1d.
        let config = MtsConv1dConfig::new([4, 6], 5)
            .with_stride(stride)
            .with_dilation(dilation)
            .with_padding(padding)
            .with_groups(groups);
        let layer = config.init(&device);
        assert_eq!(layer.num_params(), parameters);
        let x = Tensor::<3>::ones([2, 4, 31], &device);
        assert_eq!(layer.forward(x.clone()).dims(), back.forward(x).dims());
    }
    let error = MtsConv1dConfig::new([1, 1], 3)
        .with_time_scales(&[0.2, 1.0])
        .validate();
    assert!(error.unwrap_err().to_string().contains("0.2"));
}

#[test]
fn a_pattern_played_twice_as_slow_is_matched_by_the_stretched_branch() {
    let device = Device::flex();
    let kernel_len = 12;
    let cycle = |len: usize| -> Vec<f32> {
        let phase = |t: usize| 2.0 * std::f32::consts::PI * (t as f32 + 0.5) / len as f32;
        (0..len).map(|t| phase(t).sin()).collect()
    };
    let pattern = cycle(kernel_len);
    let norm: f32 = pattern.iter().map(|v| v * v).sum::<f32>().sqrt();
    let kernel: Vec<f32> = pattern.iter().map(|v| v / norm).collect();
    let mut layer = MtsConv1dConfig::new([1, 1], kernel_len)
        .with_bias(false)
        .init(&device);
    let mut conv = layer.to_conv1d();
    conv.weight = Param::from_tensor(Tensor::from_data(
        TensorData::new(kernel, [1, 1, kernel_len]),
        &device,
    ));
    layer = MtsConv1d::from_conv1d(conv, [0.5, 1.0, 2.0]).unwrap();
    let mut signal: Vec<f32> = uniform(120, 3).into_iter().map(|v| 0.2 * v).collect();
    for (t, v) in cycle(2 * kernel_len).into_iter().enumerate() {
        signal[40 + t] += v;
    }
    let x = Tensor::<3>::from_data(TensorData::new(signal, [1, 1, 120]), &device);
    let (output, winners) = layer.forward_with_winners(x);
    let output = values(output);
    let peak = (0..output.len())
        .max_by(|&a, &b| output[a].total_cmp(&output[b]))
        .unwrap();
    let winners: Vec<i64> = winners.into_data().iter::<i64>().collect();
    assert_eq!(
        winners[peak], 2,
        "the 2x branch wins at the response peak {peak}"
    );
    assert!((35..=60).contains(&peak), "peak {peak} lies on the pattern");
}
