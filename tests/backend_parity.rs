//! The same forward and backward pass on every compiled backend agree within 1e-4: Flex (the
//! default CPU backend), NdArray, and wgpu when the `wgpu` feature is on, for `MtsConv2d` (both
//! sharing modes, both alignments, the three kernel resamplings), `MtsConv1d` and
//! `MtsConvTranspose2d` (both alignments).
//!
//! Cases stay tiny (every reduced axis far below 100k elements): lavapipe, the software Vulkan
//! driver CI uses, computes large reductions wrongly. When no wgpu adapter can be found, or the
//! `wgpu` feature is off, `cargo test` reports the wgpu test as ignored with the reason, unless
//! `MTS_REQUIRE_WGPU=1` (set by `.ci/run`), which turns it into a failure. (No libtest harness, so
//! that the test can be ignored at run time: see `mts-test-support`.)

mod common;

use burn::module::Param;
use burn::nn::conv::Conv1dConfig;
use burn::nn::{PaddingConfig1d, PaddingConfig2d};
use burn::tensor::{Device, Tensor, TensorData};
use mts::core::{
    BranchAlignment, KernelResampling, KernelSharing, MtsConv1d, MtsConv2dConfig,
    MtsConvTranspose2dConfig, ScaleSet,
};
use mts_test_support::{Trial, needs};

/// Output, dL/dx, dL/dW and dL/db of one MTS layer for fixed host data.
#[derive(Debug)]
struct Pass {
    output: Vec<f32>,
    grad_input: Vec<f32>,
    grad_weight: Vec<f32>,
    grad_bias: Vec<f32>,
}

fn vec_of<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

/// Host data of `shape` from seed `seed`, on `device`.
fn data<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
    let len = shape.iter().product();
    Tensor::from_data(TensorData::new(common::uniform(len, seed), shape), device)
}

/// Backward of `sum(output * cotangent)` and the four results.
fn finish<const D: usize, const W: usize>(
    output: Tensor<D>,
    input: &Tensor<D>,
    weight: &Tensor<W>,
    bias: &Tensor<1>,
) -> Pass {
    let cotangent = data(output.dims(), 4, &output.device());
    let grads = (output.clone() * cotangent).sum().backward();
    Pass {
        output: vec_of(output),
        grad_input: vec_of(input.grad(&grads).unwrap()),
        grad_weight: vec_of(weight.grad(&grads).unwrap()),
        grad_bias: vec_of(bias.grad(&grads).unwrap()),
    }
}

/// The layers and modes compared across backends.
#[derive(Debug, Clone, Copy)]
enum Layer {
    Conv2d(KernelSharing, BranchAlignment, KernelResampling),
    Conv1d,
    Transpose(BranchAlignment),
}

fn layers() -> [Layer; 8] {
    use BranchAlignment::{Centered, Stretch};
    use KernelResampling::{Area, Cubic, Linear};
    use KernelSharing::{Detached, Shared};
    [
        Layer::Conv2d(Shared, Stretch, Linear),
        Layer::Conv2d(Shared, Centered, Linear),
        Layer::Conv2d(Detached, Stretch, Linear),
        Layer::Conv2d(Shared, Stretch, Cubic),
        Layer::Conv2d(Shared, Stretch, Area),
        Layer::Conv1d,
        Layer::Transpose(Stretch),
        Layer::Transpose(Centered),
    ]
}

fn run(device: &Device, layer: Layer) -> Pass {
    let device = device.clone().autodiff();
    let weight_of = |shape: [usize; 4]| Param::from_tensor(data(shape, 1, &device));
    let bias = Param::from_tensor(data([3], 2, &device));
    match layer {
        Layer::Conv2d(sharing, alignment, resampling) => {
            let mut layer = MtsConv2dConfig::new([2, 3], [6, 3])
                .with_time_scales(&[0.5, 1.0, 1.5, 2.0])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 2, 1))
                .with_sharing(sharing)
                .with_alignment(alignment)
                .with_resampling(resampling)
                .init(&device);
            layer.weight = weight_of([3, 2, 6, 3]);
            layer.bias = Some(bias);
            let input = data([2, 2, 30, 8], 3, &device).require_grad();
            let output = layer.forward(input.clone());
            finish(
                output,
                &input,
                &layer.weight.val(),
                &layer.bias.unwrap().val(),
            )
        }
        Layer::Conv1d => {
            let mut conv = Conv1dConfig::new(2, 3, 7)
                .with_padding(PaddingConfig1d::Explicit(2, 1))
                .init(&device);
            conv.weight = Param::from_tensor(data([3, 2, 7], 1, &device));
            conv.bias = Some(bias);
            let layer = MtsConv1d::from_conv1d(conv, [0.5, 1.0, 2.0]).unwrap();
            let input = data([2, 2, 40], 3, &device).require_grad();
            let output = layer.forward(input.clone());
            let bias = layer.bias().unwrap().val();
            finish(output, &input, &layer.weight().val(), &bias)
        }
        Layer::Transpose(alignment) => {
            let mut layer = MtsConvTranspose2dConfig::new([2, 3], [6, 3])
                .with_scales(ScaleSet::time(&[0.5, 1.0, 2.0]))
                .with_stride([2, 1])
                .with_padding([1, 1])
                .with_alignment(alignment)
                .init(&device);
            layer.weight = weight_of([2, 3, 6, 3]);
            layer.bias = Some(bias);
            let input = data([2, 2, 12, 6], 3, &device).require_grad();
            let output = layer.forward(input.clone());
            finish(
                output,
                &input,
                &layer.weight.val(),
                &layer.bias.unwrap().val(),
            )
        }
    }
}

fn assert_agree(name: &str, reference: &Pass, other: &Pass) {
    let fields = [
        ("output", &reference.output, &other.output),
        ("dL/dx", &reference.grad_input, &other.grad_input),
        ("dL/dW", &reference.grad_weight, &other.grad_weight),
        ("dL/db", &reference.grad_bias, &other.grad_bias),
    ];
    for (what, a, b) in fields {
        assert_eq!(a.len(), b.len(), "{name} {what}: length");
        for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
            assert!(
                (x - y).abs() <= 1e-4 * (1.0 + x.abs()),
                "{name} {what}[{i}]: Flex {x}, other {y}"
            );
        }
    }
}

fn main() {
    mts_test_support::run(vec![
        Trial::test("ndarray_agrees_with_flex", || {
            ndarray_agrees_with_flex();
            Ok(())
        }),
        needs(
            "wgpu_agrees_with_flex",
            "MTS_REQUIRE_WGPU",
            wgpu_device,
            wgpu_agrees_with_flex,
        ),
    ]);
}

fn ndarray_agrees_with_flex() {
    #[allow(deprecated)]
    let ndarray = Device::ndarray();
    for layer in layers() {
        let reference = run(&Device::flex(), layer);
        let other = run(&ndarray, layer);
        assert_agree(&format!("ndarray {layer:?}"), &reference, &other);
    }
}

/// The wgpu device through the CLI's probe (a missing adapter is an error, not a panic), or why
/// there is none.
#[cfg(all(feature = "wgpu", feature = "cli"))]
fn wgpu_device() -> Result<Device, String> {
    mts::cli::DeviceChoice::Wgpu
        .device()
        .map_err(|why| format!("no usable wgpu adapter: {why}"))
}

#[cfg(not(all(feature = "wgpu", feature = "cli")))]
fn wgpu_device() -> Result<Device, String> {
    Err("built without the `wgpu` and `cli` features (run with --all-features)".into())
}

fn wgpu_agrees_with_flex(device: Device) {
    for layer in layers() {
        let reference = run(&Device::flex(), layer);
        let other = run(&device, layer);
        assert_agree(&format!("wgpu {layer:?}"), &reference, &other);
    }
}
