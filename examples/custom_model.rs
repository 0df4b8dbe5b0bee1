//! A Burn user adds `MtsConv2d` to their own model: here a small two-layer network for
//! spectrograms `[batch, 1, time, freq]`, where the first convolution is multi-time-scale and
//! the second a plain `Conv2d`, followed by global average pooling and a linear classifier.
//!
//! The model is built, run forward and backward once on random data, and its MTS layer is
//! swapped for a plain convolution (and back) to show `to_conv2d` / `from_conv2d`.
//! `cargo run --release --example custom_model`

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Distribution, Tensor};
use mts::core::{MtsConv2d, MtsConv2dConfig};

/// MTS conv → ReLU → conv → ReLU → mean over time and frequency → linear.
#[derive(Module, Debug)]
struct MyModel {
    mts: MtsConv2d,
    conv: Conv2d,
    head: Linear,
}

impl MyModel {
    fn new(classes: usize, device: &Device) -> Self {
        Self {
            mts: MtsConv2dConfig::new([1, 8], [9, 3])
                .with_time_scales(&[0.7, 1.0, 1.428])
                .with_padding(PaddingConfig2d::Same)
                .init(device),
            conv: Conv2dConfig::new([8, 16], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device),
            head: LinearConfig::new(16, classes).init(device),
        }
    }

    /// `[batch, 1, time, freq]` → logits `[batch, classes]`.
    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = relu(self.mts.forward(x));
        let x = relu(self.conv.forward(x));
        let [batch, channels, _, _] = x.dims();
        self.head
            .forward(x.mean_dim(3).mean_dim(2).reshape([batch, channels]))
    }
}

fn main() {
    let device = Device::flex().autodiff();
    device.seed(1);
    let model = MyModel::new(4, &device);
    println!("{model}");

    let x = Tensor::<4>::random([2, 1, 100, 40], Distribution::Normal(0.0, 1.0), &device);
    let logits = model.forward(x.clone());
    println!("logits shape: {:?}", logits.dims());
    let grads = logits.sum().backward();
    let grad = model
        .mts
        .weight
        .val()
        .grad(&grads)
        .expect("the MTS kernel is trained");
    println!(
        "MTS kernel gradient norm: {:.4}",
        grad.powf_scalar(2.0).sum().sqrt().into_scalar::<f32>()
    );

    let (_, usage) = model.mts.forward_with_usage(x.clone());
    println!("scale usage on random input: {usage}");

    // The MTS layer holds exactly a Conv2d's parameters: swap it for its unscaled branch and back.
    let plain = model.mts.to_conv2d();
    println!("as Conv2d: {plain}");
    let again = MtsConv2d::from_conv2d(plain, [0.7, 1.0, 1.428]).expect("valid scales");
    assert_eq!(again.num_params(), model.mts.num_params());
}
