//! A small Burn model with one `MtsConv2d`: forward, backward and a few Adam steps on CPU, then
//! the layer's scale usage.
//!
//! The data are two classes of 1-bin "spectrograms": class 0 holds a slow pulse, class 1 a fast
//! one, each at a random speed within its class. Run it with
//! `cargo run --release --example mts_layer`.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};
use mts::core::{MtsConv2d, MtsConv2dConfig, ScaleUsage};

/// One MTS convolution, ReLU, mean over time and frequency, a linear classifier.
#[derive(Module, Debug)]
struct TinyNet {
    mts: MtsConv2d,
    head: Linear,
}

impl TinyNet {
    fn new(device: &Device) -> Self {
        Self {
            // The three lines a Burn user writes: config, scales, init.
            mts: MtsConv2dConfig::new([1, 4], [8, 1])
                .with_time_scales(&[0.5, 1.0, 2.0])
                .init(device),
            head: LinearConfig::new(4, 2).init(device),
        }
    }

    /// `[batch, 1, time, freq]` -> logits `[batch, 2]`, plus the MTS usage of this batch.
    fn forward(&self, x: Tensor<4>) -> (Tensor<2>, ScaleUsage) {
        let (features, usage) = self.mts.forward_with_usage(x);
        let [batch, channels, _, _] = features.dims();
        let pooled = relu(features)
            .mean_dim(3)
            .mean_dim(2)
            .reshape([batch, channels]);
        (self.head.forward(pooled), usage)
    }
}

/// A batch of `[batch, 1, 64, 1]` pulse trains and their labels.
fn batch(size: usize, step: u64, device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
    let mut state = step.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f32 / (1u64 << 53) as f32
    };
    let mut data = Vec::with_capacity(size * 64);
    let mut labels = Vec::with_capacity(size);
    for i in 0..size {
        let label = i % 2;
        // Period 6-10 frames for class 0 (slow), 3-5 for class 1 (fast).
        let period = if label == 0 {
            6.0 + 4.0 * next()
        } else {
            3.0 + 2.0 * next()
        };
        let phase = next() * period;
        for t in 0..64 {
            let x = ((t as f32 + phase) * std::f32::consts::TAU / period).sin();
            data.push(x + 0.2 * (next() - 0.5));
        }
        labels.push(label as i64);
    }
    (
        Tensor::from_data(TensorData::new(data, [size, 1, 64, 1]), device),
        Tensor::from_data(TensorData::new(labels, [size]), device),
    )
}

fn main() {
    let device = Device::flex().autodiff();
    device.seed(42);
    let mut model = TinyNet::new(&device);
    println!("{}", model.mts);
    println!("trainable parameters: {}", model.num_params());

    let mut optimizer = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    for step in 0..=60 {
        let (x, y) = batch(32, step, &device);
        let (logits, usage) = model.forward(x);
        let loss = loss_fn.forward(logits, y);
        if step % 20 == 0 {
            let loss_value: f32 = loss.clone().into_scalar();
            println!("step {step:>3}  loss {loss_value:.4}  usage {usage}");
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(5e-2, model, grads);
    }

    // Usage over held-out data, counted over all batches (not a mean of batch fractions).
    let model = model.valid();
    let eval_device = device.without_autodiff();
    let mut usage = ScaleUsage::zeros(model.mts.scales().clone());
    let mut correct = 0;
    for step in 1000..1004 {
        let (x, y) = batch(32, step, &eval_device);
        let (logits, batch_usage) = model.forward(x);
        usage.merge(&batch_usage).expect("same layer, same scales");
        let predicted = logits.argmax(1).reshape([32]);
        let hits: i64 = predicted.equal(y).int().sum().into_scalar();
        correct += hits;
    }
    println!("held-out accuracy: {:.1}%", 100.0 * correct as f64 / 128.0);
    println!("held-out scale usage: {usage}");
}
