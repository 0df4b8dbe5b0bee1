//! The same forward and backward pass on every compiled backend agree within 1e-4: Flex (the
//! default CPU backend), NdArray, and wgpu when the `wgpu` feature is on.
//!
//! Cases stay tiny (every reduced axis far below 100k elements): lavapipe, the software Vulkan
//! driver CI uses, computes large reductions wrongly. When no wgpu adapter can be found the test
//! says so on stderr and skips, unless `MTS_REQUIRE_WGPU=1` (set by `.ci/run`), which turns the
//! missing adapter into a failure.

mod common;

use burn::module::Param;
use burn::nn::PaddingConfig2d;
use burn::tensor::{Device, Tensor, TensorData};
use mts::core::{BranchAlignment, KernelSharing, MtsConv2dConfig};

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

fn run(device: &Device, sharing: KernelSharing, alignment: BranchAlignment) -> Pass {
    let device = device.clone().autodiff();
    let mut layer = MtsConv2dConfig::new([2, 3], [6, 3])
        .with_time_scales(&[0.5, 1.0, 1.5, 2.0])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 2, 1))
        .with_sharing(sharing)
        .with_alignment(alignment)
        .init(&device);
    layer.weight = Param::from_data(
        TensorData::new(common::uniform(3 * 2 * 6 * 3, 1), [3, 2, 6, 3]),
        &device,
    );
    layer.bias = Some(Param::from_data(
        TensorData::new(common::uniform(3, 2), [3]),
        &device,
    ));
    let shape = [2, 2, 30, 8];
    let input = Tensor::<4>::from_data(
        TensorData::new(common::uniform(2 * 2 * 30 * 8, 3), shape),
        &device,
    )
    .require_grad();
    let output = layer.forward(input.clone());
    let cotangent = Tensor::<4>::from_data(
        TensorData::new(
            common::uniform(output.shape().num_elements(), 4),
            output.dims(),
        ),
        &device,
    );
    let grads = (output.clone() * cotangent).sum().backward();
    Pass {
        output: vec_of(output),
        grad_input: vec_of(input.grad(&grads).unwrap()),
        grad_weight: vec_of(layer.weight.val().grad(&grads).unwrap()),
        grad_bias: vec_of(layer.bias.as_ref().unwrap().val().grad(&grads).unwrap()),
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

fn modes() -> [(KernelSharing, BranchAlignment); 3] {
    [
        (KernelSharing::Shared, BranchAlignment::Stretch),
        (KernelSharing::Shared, BranchAlignment::Centered),
        (KernelSharing::Detached, BranchAlignment::Stretch),
    ]
}

#[test]
fn ndarray_agrees_with_flex() {
    #[allow(deprecated)]
    let ndarray = Device::ndarray();
    for (sharing, alignment) in modes() {
        let reference = run(&Device::flex(), sharing, alignment);
        let other = run(&ndarray, sharing, alignment);
        assert_agree(
            &format!("ndarray {sharing:?} {alignment:?}"),
            &reference,
            &other,
        );
    }
}

#[cfg(feature = "wgpu")]
#[test]
fn wgpu_agrees_with_flex() {
    let required = std::env::var("MTS_REQUIRE_WGPU").is_ok_and(|v| v == "1");
    // The CLI's device probe: a missing adapter is an error, not a panic.
    let device = match mts::cli::DeviceChoice::Wgpu.device() {
        Ok(device) => device,
        Err(why) => {
            assert!(!required, "MTS_REQUIRE_WGPU=1 but wgpu is unusable: {why}");
            eprintln!("\n*** SKIPPED wgpu_agrees_with_flex: {why} ***\n");
            return;
        }
    };
    eprintln!("wgpu device: {device:?}");
    for (sharing, alignment) in modes() {
        let reference = run(&Device::flex(), sharing, alignment);
        let other = run(&device, sharing, alignment);
        assert_agree(
            &format!("wgpu {sharing:?} {alignment:?}"),
            &reference,
            &other,
        );
    }
}

#[cfg(not(feature = "wgpu"))]
#[test]
fn wgpu_agrees_with_flex() {
    let required = std::env::var("MTS_REQUIRE_WGPU").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "MTS_REQUIRE_WGPU=1 but the `wgpu` feature is off: run with --features wgpu"
    );
    eprintln!("\n*** SKIPPED wgpu_agrees_with_flex: built without the `wgpu` feature ***\n");
}
