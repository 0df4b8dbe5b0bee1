//! The three MTS layers give the same kind of answer to the same configuration.

mod common;

use burn::nn::conv::Conv1dConfig;
use burn::tensor::{Device, Tensor, TensorData};
use common::{on_both_paths, uniform, values};
use mts::core::{
    KernelSharing, MtsConfigError, MtsConv1d, MtsConv1dConfig, MtsConv2dConfig,
    MtsConvTranspose2dConfig, Scale, ScaleSet,
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
            .with_time_scales(&NO_UNIT)
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

#[test]
fn a_frequency_scale_on_a_1d_layer_is_a_typed_error_naming_it() {
    let scales = ScaleSet::new(vec![Scale::time(1.0), Scale::new(0.5, 2.0)]);
    let expected = MtsConfigError::FrequencyScaleIn1d {
        index: 1,
        scale: Scale::new(0.5, 2.0),
    };
    let config = MtsConv1dConfig::new([1, 2], 6).with_scales(scales.clone());
    assert_eq!(config.validate().unwrap_err(), expected);
    let error = config.try_init(&Device::flex()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("scale #1 (0.5x2) has a frequency factor of 2"),
        "{error}"
    );
    let conv = Conv1dConfig::new(1, 2, 6).init(&Device::flex());
    assert_eq!(MtsConv1d::from_conv1d(conv, scales).unwrap_err(), expected);
}
