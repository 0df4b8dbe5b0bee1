//! The three MTS layers give the same kind of answer to the same configuration.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use common::{on_both_paths, uniform, values};
use mts::core::{
    KernelSharing, MtsConv1dConfig, MtsConv2dConfig, MtsConvTranspose2dConfig, ScaleSet,
};

/// Scales without 1: with `Detached` no branch trains the kernel.
const NO_UNIT: [f64; 2] = [0.7, 1.5];

fn input<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
    let len = shape.iter().product();
    Tensor::from_data(TensorData::new(uniform(len, 11), shape), device).require_grad()
}

/// Asserts that a kernel gradient exists and is all zeros.
fn assert_zero(what: &str, gradient: Option<Tensor<4>>) {
    let gradient = gradient.unwrap_or_else(|| panic!("{what}: the kernel has no gradient"));
    assert!(
        values(gradient).iter().all(|&g| g == 0.0),
        "{what}: not zero"
    );
}

#[test]
fn detached_without_an_unscaled_branch_gives_a_zero_kernel_gradient_on_every_layer() {
    let device = Device::flex().autodiff();
    on_both_paths(|path| {
        let conv = MtsConv2dConfig::new([2, 3], [6, 3])
            .with_scales(ScaleSet::time(&NO_UNIT))
            .with_sharing(KernelSharing::Detached)
            .init(&device);
        let grads = conv.forward(input([2, 2, 20, 8], &device)).sum().backward();
        assert_zero(
            &format!("MtsConv2d, {path}"),
            conv.weight.val().grad(&grads),
        );

        let conv1d = MtsConv1dConfig::new([2, 3], 6)
            .with_scales(NO_UNIT.to_vec())
            .with_sharing(KernelSharing::Detached)
            .init(&device);
        let grads = conv1d.forward(input([2, 2, 20], &device)).sum().backward();
        assert_zero(
            &format!("MtsConv1d, {path}"),
            conv1d.weight().val().grad(&grads),
        );
    });
    let transpose = MtsConvTranspose2dConfig::new([2, 3], [6, 3])
        .with_scales(ScaleSet::time(&NO_UNIT))
        .with_sharing(KernelSharing::Detached)
        .init(&device);
    let grads = transpose
        .forward(input([2, 2, 10, 8], &device))
        .sum()
        .backward();
    assert_zero("MtsConvTranspose2d", transpose.weight.val().grad(&grads));
}
