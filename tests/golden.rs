//! The layer against golden vectors computed with PyTorch's own `conv2d` and `interpolate`
//! (tests/fixtures/golden, copied from shared/reference/golden; see its README): branch kernels,
//! merged output, winners, usage counts and the gradients for both kernel-sharing modes; and the
//! same for the cubic and anti-aliased kernel resampling methods (tests/fixtures/resampling, made
//! by its `make_golden.py`), with the resampled kernels' gradients.

mod common;

use burn::module::Param;
use burn::nn::PaddingConfig2d;
use burn::tensor::Device;
use common::{GoldenLayer, GoldenTensor, assert_close, on_both_paths, read_json, values};
use mts::core::{
    KernelResampling, KernelSharing, MtsConv2d, MtsConv2dConfig, Scale, ScaleSet, resample_kernel,
    resample_kernel_with,
};
use serde::Deserialize;

const REL: f64 = 1e-5;

#[derive(Deserialize)]
struct Case {
    name: String,
    stride: [usize; 2],
    padding: [usize; 2],
    scales: Vec<[f64; 2]>,
    kernel_sizes: Vec<[usize; 2]>,
    resampled_kernels: Vec<GoldenTensor>,
    #[serde(flatten)]
    golden: GoldenLayer,
    #[serde(default = "linear")]
    resampling: KernelResampling,
}

fn linear() -> KernelResampling {
    KernelResampling::Linear
}

const CASES: [&str; 12] = [
    "golden/mts_alexnet_conv2_like.json",
    "golden/mts_five_scales.json",
    "golden/mts_freq_scales.json",
    "golden/mts_multi_in_padded.json",
    "golden/mts_no_unit_scale.json",
    "golden/mts_strided.json",
    "golden/mts_valid_a1_like.json",
    "golden/mts_valid_noninteger.json",
    "resampling/mts_cubic_a1_like.json",
    "resampling/mts_cubic_padded_strided.json",
    "resampling/mts_area_a1_like.json",
    "resampling/mts_area_padded_strided.json",
];

fn load(file: &str) -> Case {
    read_json(file)
}

fn layer(case: &Case, sharing: KernelSharing, device: &Device) -> MtsConv2d {
    let [out, inp, kt, kf] = case.golden.weight.shape[..] else {
        panic!("weight must be 4-D")
    };
    let scales = ScaleSet::new(case.scales.iter().map(|&s| Scale::from(s)).collect());
    let [pt, pf] = case.padding;
    let mut layer = MtsConv2dConfig::new([inp, out], [kt, kf])
        .with_scales(scales)
        .with_stride(case.stride)
        .with_padding(PaddingConfig2d::Explicit(pt, pf, pt, pf))
        .with_sharing(sharing)
        .with_resampling(case.resampling)
        .init(device);
    layer.weight = Param::from_tensor(case.golden.weight.tensor(device));
    layer.bias = Some(Param::from_tensor(case.golden.bias.tensor(device)));
    layer
}

#[test]
fn branch_kernel_sizes_and_resampled_kernels_match_pytorch() {
    let device = Device::flex();
    for file in CASES {
        let case = load(file);
        let layer = layer(&case, KernelSharing::Shared, &device);
        assert_eq!(
            layer.branch_kernel_sizes(),
            &case.kernel_sizes[..],
            "{}",
            case.name
        );
        for (size, expected) in case.kernel_sizes.iter().zip(&case.resampled_kernels) {
            let kernel = resample_kernel_with(layer.weight.val(), *size, case.resampling);
            assert_eq!(kernel.dims().to_vec(), expected.shape, "{}", case.name);
            assert_close(&case.name, &values(kernel), &expected.data, REL);
        }
    }
}

#[test]
fn forward_winners_and_usage_match_pytorch() {
    let device = Device::flex();
    for file in CASES {
        let case = load(file);
        let layer = layer(&case, KernelSharing::Shared, &device);
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
        let case = load(file);
        for (sharing, expected) in case.golden.grads.by_sharing() {
            on_both_paths(|path| {
                let what = format!("{} {sharing:?} ({path})", case.name);
                let layer = layer(&case, sharing, &device);
                let input = case.golden.input.tensor::<4>(&device).require_grad();
                let output = layer.forward(input.clone());
                let loss = (output * case.golden.cotangent.tensor::<4>(&device)).sum();
                let grads = loss.backward();
                let dx = values(input.grad(&grads).expect("input gradient"));
                // Without a unit-size branch, a detached kernel takes no part in the graph at all:
                // its gradient is absent, i.e. zero.
                let weight = layer.weight.val();
                let weight_grad = weight
                    .grad(&grads)
                    .map(values)
                    .unwrap_or_else(|| vec![0.0; weight.shape().num_elements()]);
                let bias = layer.bias.as_ref().unwrap().val();
                let bias_grad = values(bias.grad(&grads).expect("bias gradient"));
                expected.assert_matches(&what, [dx, weight_grad, bias_grad], REL);
            });
        }
    }
}

#[derive(Deserialize)]
struct ResampleCase {
    from: GoldenTensor,
    to_length: usize,
    result: GoldenTensor,
}

#[derive(Deserialize)]
struct ResampleFile {
    cases: Vec<ResampleCase>,
}

#[test]
fn resample_kernel_matches_pytorch_interpolate() {
    let device = Device::flex();
    let file: ResampleFile = read_json("golden/resample_kernel.json");
    for case in file.cases {
        let from = case.from.tensor::<4>(&device);
        let width = case.from.shape[3];
        let result = resample_kernel(from, [case.to_length, width]);
        assert_eq!(result.dims().to_vec(), case.result.shape);
        assert_close(
            &format!("resample to {}", case.to_length),
            &values(result),
            &case.result.data,
            REL,
        );
    }
}

#[derive(Deserialize)]
struct MethodCase {
    method: KernelResampling,
    size: [usize; 2],
    from: GoldenTensor,
    result: GoldenTensor,
    cotangent: GoldenTensor,
    grad: GoldenTensor,
}

#[derive(Deserialize)]
struct MethodFile {
    cases: Vec<MethodCase>,
}

#[test]
fn cubic_and_antialiased_kernels_and_their_gradients_match_pytorch() {
    let device = Device::flex().autodiff();
    let file: MethodFile = read_json("resampling/kernels.json");
    assert_eq!(file.cases.len(), 16);
    for case in file.cases {
        let what = format!("{:?} {:?} -> {:?}", case.method, case.from.shape, case.size);
        let from = case.from.tensor::<4>(&device).require_grad();
        let result = resample_kernel_with(from.clone(), case.size, case.method);
        assert_eq!(result.dims().to_vec(), case.result.shape, "{what}");
        assert_close(&what, &values(result.clone()), &case.result.data, REL);
        let grads = (result * case.cotangent.tensor::<4>(&device))
            .sum()
            .backward();
        let grad = values(from.grad(&grads).expect("kernel gradient"));
        assert_close(&format!("{what} grad"), &grad, &case.grad.data, REL);
    }
}
