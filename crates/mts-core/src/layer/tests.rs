use burn::nn::conv::Conv2dConfig;
use burn::tensor::{Device, Distribution, Tensor, TensorData, Tolerance};

use super::*;
use crate::resample_kernel;

fn device() -> Device {
    let device = Device::flex();
    device.seed(7);
    device
}

fn random_input(shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), device)
}

#[test]
fn output_shape_and_parameters_equal_conv2d() {
    let device = device();
    let cases = [
        ([1, 10], [10, 5], [1, 1], PaddingConfig2d::Valid),
        (
            [2, 4],
            [4, 3],
            [2, 1],
            PaddingConfig2d::Explicit(1, 1, 2, 0),
        ),
        ([3, 6], [5, 5], [1, 1], PaddingConfig2d::Same),
    ];
    for (channels, kernel, stride, padding) in cases {
        let mts = MtsConv2dConfig::new(channels, kernel)
            .with_stride(stride)
            .with_padding(padding.clone())
            .init(&device);
        let conv = Conv2dConfig::new(channels, kernel)
            .with_stride(stride)
            .with_padding(padding)
            .init(&device);
        let x = random_input([2, channels[0], 40, 20], &device);
        assert_eq!(mts.forward(x.clone()).dims(), conv.forward(x).dims());
        assert_eq!(mts.num_params(), conv.num_params());
    }
}

#[test]
fn unit_scale_equals_conv2d() {
    let device = device();
    let conv = Conv2dConfig::new([2, 3], [4, 3])
        .with_padding(PaddingConfig2d::Same)
        .init(&device);
    let mts = MtsConv2d::from_conv2d(conv.clone(), [1.0]).unwrap();
    let x = random_input([2, 2, 16, 9], &device);
    mts.forward(x.clone())
        .into_data()
        .assert_eq(&conv.forward(x).into_data(), true);
}

#[test]
fn to_conv2d_round_trips_the_parameters() {
    let device = device();
    let mts = MtsConv2dConfig::new([1, 2], [6, 3]).init(&device);
    let conv = mts.to_conv2d();
    conv.weight
        .val()
        .into_data()
        .assert_eq(&mts.weight.val().into_data(), true);
    let back = MtsConv2d::from_conv2d(conv, ScaleSet::time(&[0.5, 1.0, 2.0])).unwrap();
    assert_eq!(back.branch_kernel_sizes(), &[[3, 3], [6, 3], [12, 3]]);
}

#[test]
fn centered_branches_have_the_reference_shape_and_scale_one_is_conv2d() {
    let device = device();
    let mts = MtsConv2dConfig::new([1, 3], [10, 5])
        .with_time_scales(&[1.0, 0.5, 2.0, 0.7])
        .with_alignment(BranchAlignment::Centered)
        .init(&device);
    let x = random_input([2, 1, 40, 12], &device);
    let branches = mts.forward_branches(x.clone());
    for branch in &branches {
        assert_eq!(branch.dims(), [2, 3, 31, 8]);
    }
    branches[0]
        .clone()
        .into_data()
        .assert_eq(&mts.to_conv2d().forward(x).into_data(), true);
}

#[test]
fn centered_branch_is_the_scaled_kernel_centred_on_the_reference_window() {
    // One time-only channel: branch 2x (kernel 8) must equal a plain convolution of the
    // resampled kernel on the input padded by 2 frames on each side.
    let device = device();
    let mts = MtsConv2dConfig::new([1, 1], [4, 1])
        .with_time_scales(&[1.0, 2.0])
        .with_alignment(BranchAlignment::Centered)
        .init(&device);
    let x = random_input([1, 1, 20, 1], &device);
    let branch = mts.forward_branches(x.clone()).remove(1);
    let kernel = resample_kernel(mts.weight.val(), [8, 1]);
    let bias = mts.bias.as_ref().map(Param::val);
    let expected = conv2d(
        x,
        kernel,
        bias,
        ConvOptions::new_with_padding([1, 1], [(2, 2), (0, 0)], [1, 1], 1),
    );
    branch
        .into_data()
        .assert_approx_eq::<f32>(&expected.into_data(), Tolerance::absolute(1e-6));
}

#[test]
fn usage_counts_every_output_element_once() {
    let device = device();
    let mts = MtsConv2dConfig::new([1, 4], [10, 5]).init(&device);
    let (output, usage) = mts.forward_with_usage(random_input([3, 1, 30, 10], &device));
    assert_eq!(usage.total() as usize, output.shape().num_elements());
    let sum: f64 = usage.fractions().iter().sum();
    assert!((sum - 1.0).abs() < 1e-12);
}

#[test]
fn ties_go_to_the_first_branch() {
    // A zero kernel and zero bias give identical (zero) responses on every branch.
    let device = device();
    let mts = MtsConv2dConfig::new([1, 1], [4, 2])
        .with_initializer(burn::nn::Initializer::Zeros)
        .init(&device);
    let (_, winners) = mts.forward_with_winners(random_input([1, 1, 12, 6], &device));
    let data = winners.into_data();
    assert!(data.iter::<i64>().all(|w| w == 0));
}

#[test]
fn average_kernels_damps_the_alternating_pattern_as_published() {
    // mts-method.md section 1.7: for kt = 10 and scales {0.5, 2} one call keeps constants and
    // multiplies the +1,-1,... pattern along time by about 0.52.
    let device = device();
    let alternating: Vec<f32> = (0..10)
        .map(|t| if t % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    let layer = |data: Vec<f32>| {
        let mut layer = MtsConv2dConfig::new([1, 1], [10, 1])
            .with_sharing(KernelSharing::Detached)
            .init(&device);
        layer.weight = Param::from_data(TensorData::new(data, [1, 1, 10, 1]), &device);
        layer
    };
    let constant = layer(vec![0.3; 10]).average_kernels();
    constant.weight.val().into_data().assert_approx_eq::<f32>(
        &TensorData::new(vec![0.3f32; 10], [1, 1, 10, 1]),
        Tolerance::absolute(1e-6),
    );

    let smoothed = layer(alternating.clone()).average_kernels();
    let values = smoothed
        .weight
        .val()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    // Project onto the pattern in the interior, away from the clamped edges.
    let gain: f32 = (2..8).map(|t| values[t] * alternating[t]).sum::<f32>() / 6.0;
    assert!((0.45..0.6).contains(&gain), "gain {gain}");
}

#[test]
fn display_names_the_geometry() {
    let device = device();
    let mts = MtsConv2dConfig::new([1, 10], [10, 5]).init(&device);
    assert_eq!(
        mts.to_string(),
        "MtsConv2d {ch_in: 1, ch_out: 10, kernel_size: [10, 5], scales: (0.5, 1, 2), \
         stride: [1, 1], dilation: [1, 1], groups: 1, padding: Valid, sharing: Shared, \
         alignment: Stretch, resampling: Linear, params: 510}"
    );
}

#[test]
#[should_panic(expected = "MtsConv2d expects 2 input channels, the input has 1")]
fn wrong_channel_count_panics_with_a_clear_message() {
    let device = device();
    let mts = MtsConv2dConfig::new([2, 1], [3, 3]).init(&device);
    mts.forward(random_input([1, 1, 10, 10], &device));
}

#[test]
#[should_panic(expected = "too few for a branch kernel of 20 taps")]
fn input_shorter_than_a_branch_kernel_panics_with_a_clear_message() {
    let device = device();
    let mts = MtsConv2dConfig::new([1, 1], [10, 3]).init(&device);
    mts.forward(random_input([1, 1, 15, 10], &device));
}

#[test]
fn average_kernels_keeps_a_trainable_kernel_on_an_autodiff_device() {
    let device = Device::flex().autodiff();
    let layer = MtsConv2dConfig::new([1, 2], [6, 3])
        .with_sharing(KernelSharing::Detached)
        .init(&device)
        .average_kernels();
    assert!(layer.weight.val().is_require_grad());
    let x = random_input([1, 1, 20, 6], &device);
    let grads = layer.forward(x).sum().backward();
    assert!(layer.weight.val().grad(&grads).is_some());
}

/// A `Centered` layer whose one-tap-short branch (kernel 2 of 10) is centred by cropping 4
/// frames from the start of the input, with a large end padding that keeps the reference
/// output long: an input of 2 frames fits the reference kernel but not the crop.
fn cropping_layer(device: &Device) -> MtsConv2d {
    MtsConv2dConfig::new([1, 1], [10, 1])
        .with_scales(ScaleSet::time(&[0.2, 1.0]))
        .with_padding(PaddingConfig2d::Explicit(0, 0, 20, 0))
        .with_alignment(BranchAlignment::Centered)
        .init(device)
}

#[test]
fn a_centring_crop_longer_than_the_input_is_a_typed_error_naming_the_sizes() {
    let device = device();
    let layer = cropping_layer(&device);
    let too_short = MtsInputError::TooShort {
        layer: "MtsConv2d",
        axis: crate::Axis::Time,
        input: 2,
        pad: (-4, 16),
        kernel: 2,
        dilation: 1,
    };
    let x = random_input([1, 1, 2, 3], &device);
    assert_eq!(layer.try_forward(x.clone()).unwrap_err(), too_short);
    let composed = crate::with_composed_path(|| layer.try_forward(x).unwrap_err());
    assert_eq!(composed, too_short);
    let message = too_short.to_string();
    assert!(
        message.contains("2 time frames") && message.contains("(-4, 16)"),
        "{message}"
    );
    // Five frames: the crop leaves one, the 16 padded frames make room for the kernel.
    let y = layer
        .try_forward(random_input([1, 1, 5, 3], &device))
        .unwrap();
    assert_eq!(y.dims(), [1, 1, 16, 3]);
}

#[test]
#[should_panic(expected = "too few for a branch kernel of 2 taps")]
fn forward_panics_with_the_input_error_not_inside_burn() {
    let device = device();
    let layer = cropping_layer(&device);
    crate::with_composed_path(|| layer.forward(random_input([1, 1, 2, 3], &device)));
}

#[test]
fn the_1d_layer_names_itself_in_the_same_error() {
    let device = device();
    let layer = crate::MtsConv1dConfig::new([1, 1], 10)
        .with_time_scales(&[0.2, 1.0])
        .with_padding(burn::nn::PaddingConfig1d::Explicit(0, 20))
        .with_alignment(BranchAlignment::Centered)
        .init(&device);
    let x = Tensor::<3>::zeros([1, 1, 2], &device);
    let err = layer.try_forward(x).unwrap_err();
    assert!(
        matches!(
            err,
            MtsInputError::TooShort {
                layer: "MtsConv1d",
                input: 2,
                ..
            }
        ),
        "{err}"
    );
    let y = layer.try_forward(Tensor::<3>::zeros([1, 1, 5], &device));
    assert_eq!(y.unwrap().dims(), [1, 1, 16]);
}

#[test]
fn a_transposed_layer_whose_padding_leaves_no_reference_output_is_a_typed_error() {
    let device = device();
    // Kernel 3, padding 2, one input frame: the unscaled kernel gives 1 - 4 + 2 = -1 frames,
    // the 6-tap branch 2, and `Centered` would crop that branch by 3.
    for alignment in [BranchAlignment::Centered, BranchAlignment::Stretch] {
        let layer = crate::MtsConvTranspose2dConfig::new([1, 1], [3, 1])
            .with_scales(ScaleSet::time(&[2.0]))
            .with_padding([2, 0])
            .with_alignment(alignment)
            .init(&device);
        let err = layer.try_forward(random_input([1, 1, 1, 3], &device));
        let expected = MtsInputError::NoOutput {
            layer: "MtsConvTranspose2d",
            axis: crate::Axis::Time,
            input: 1,
            kernel: 3,
            padding: 2,
            len: -1,
        };
        assert_eq!(err.unwrap_err(), expected);
        let y = layer
            .try_forward(random_input([1, 1, 3, 3], &device))
            .unwrap();
        assert_eq!(y.dims(), [1, 1, 1, 3]);
    }
}
