//! The three MTS layers have the same public shape and give the same kind of answer to the same
//! configuration: one generic function drives `MtsConv2d`, `MtsConv1d` and `MtsConvTranspose2d`
//! through `MtsLayer` (output shape, usage, the `[1]` scale set, kernel averaging, and the
//! all-zero kernel gradient of `Detached` without an unscaled branch), on both paths.

mod common;

use burn::nn::conv::{Conv1dConfig, Conv2dConfig, ConvTranspose2dConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};
use common::{assert_close, on_both_paths, uniform, values};
use mts::core::{
    BranchAlignment, KernelResampling, KernelSharing, MtsConfigError, MtsConv1d, MtsConv1dConfig,
    MtsConv2d, MtsConvTranspose2d, MtsLayer, Scale, ScaleSet,
};

/// Scales without 1: with `Detached` no branch trains the kernel.
const NO_UNIT: [f64; 2] = [0.7, 1.5];

/// Scales whose round trips change a kernel.
const PAPER: [f64; 3] = [0.5, 1.0, 2.0];

/// One layer kind: its plain layer's output on `input`, and a builder of MTS layers upgraded
/// from that plain layer (same kernel and bias) with the given scales and sharing.
struct Kind<L: MtsLayer, const D: usize> {
    name: &'static str,
    input: Tensor<D>,
    plain: Tensor<D>,
    upgrade: Box<dyn Fn(ScaleSet) -> L>,
}

fn input<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
    let len = shape.iter().product();
    Tensor::from_data(TensorData::new(uniform(len, 11), shape), device)
}

fn conv2d(device: &Device) -> Kind<MtsConv2d, 4> {
    let conv = Conv2dConfig::new([2, 3], [6, 3]).init(device);
    let input = input([2, 2, 20, 8], device);
    Kind {
        name: "MtsConv2d",
        plain: conv.forward(input.clone()),
        input,
        upgrade: Box::new(move |scales| MtsConv2d::from_conv2d(conv.clone(), scales).unwrap()),
    }
}

fn conv1d(device: &Device) -> Kind<MtsConv1d, 3> {
    let conv = Conv1dConfig::new(2, 3, 6).init(device);
    let input = input([2, 2, 20], device);
    Kind {
        name: "MtsConv1d",
        plain: conv.forward(input.clone()),
        input,
        upgrade: Box::new(move |scales| MtsConv1d::from_conv1d(conv.clone(), scales).unwrap()),
    }
}

fn transpose(device: &Device) -> Kind<MtsConvTranspose2d, 4> {
    let conv = ConvTranspose2dConfig::new([2, 3], [6, 3])
        .with_stride([2, 1])
        .init(device);
    let input = input([2, 2, 10, 8], device);
    Kind {
        name: "MtsConvTranspose2d",
        plain: conv.forward(input.clone()),
        input,
        upgrade: Box::new(move |scales| {
            MtsConvTranspose2d::from_conv_transpose2d(conv.clone(), scales).unwrap()
        }),
    }
}

/// Every law of the shared public shape, through [`MtsLayer`] alone.
fn drive<L, const D: usize>(kind: &Kind<L, D>, path: &str)
where
    L: MtsLayer<Input = Tensor<D>, Output = Tensor<D>, Winners = Tensor<D, Int>>,
{
    let what = format!("{}, {path}", kind.name);
    let layer = (kind.upgrade)(ScaleSet::time(&PAPER));
    assert_eq!(layer.scales(), &ScaleSet::time(&PAPER), "{what}");
    assert_eq!(layer.branch_kernel_sizes().len(), PAPER.len(), "{what}");
    assert_eq!(
        layer.branch_kernel_sizes()[1],
        layer.kernel_size(),
        "{what}"
    );
    assert_eq!(layer.sharing(), KernelSharing::Shared, "{what}");
    assert_eq!(layer.alignment(), BranchAlignment::Stretch, "{what}");
    assert_eq!(layer.resampling(), KernelResampling::Linear, "{what}");
    let output = layer.forward(kind.input.clone());
    assert_eq!(output.dims(), kind.plain.dims(), "{what}: output shape");
    let tried = layer.try_forward(kind.input.clone()).expect(&what);
    assert_eq!(values(tried), values(output.clone()), "{what}: try_forward");
    let (output, usage) = layer.forward_with_usage(kind.input.clone());
    assert_eq!(
        usage.total() as usize,
        output.shape().num_elements(),
        "{what}"
    );
    let (_, winners) = layer.forward_with_winners(kind.input.clone());
    assert_eq!(winners.dims(), output.dims(), "{what}: winners shape");

    let unit = (kind.upgrade)(ScaleSet::time(&[1.0]));
    let expected = values(kind.plain.clone());
    assert_close(
        &what,
        &values(unit.forward(kind.input.clone())),
        &expected,
        1e-6,
    );

    let detached = (kind.upgrade)(ScaleSet::time(&PAPER)).with_sharing(KernelSharing::Detached);
    let before = values(detached.weight().val());
    let dims = detached.weight().val().dims();
    let averaged = detached.average_kernels();
    assert_eq!(
        averaged.weight().val().dims(),
        dims,
        "{what}: averaged shape"
    );
    assert_ne!(
        values(averaged.weight().val()),
        before,
        "{what}: averaging changed nothing"
    );

    let no_unit = (kind.upgrade)(ScaleSet::time(&NO_UNIT)).with_sharing(KernelSharing::Detached);
    let grads = no_unit.forward(kind.input.clone()).sum().backward();
    let gradient = no_unit.weight().val().grad(&grads);
    let gradient = gradient.unwrap_or_else(|| panic!("{what}: the kernel has no gradient"));
    assert!(
        values(gradient).iter().all(|&g| g == 0.0),
        "{what}: not zero"
    );
}

#[test]
fn every_layer_kind_has_the_same_public_shape_and_laws() {
    let device = Device::flex().autodiff();
    let kinds = (conv2d(&device), conv1d(&device), transpose(&device));
    on_both_paths(|path| {
        drive(&kinds.0, path);
        drive(&kinds.1, path);
        drive(&kinds.2, path);
    });
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
