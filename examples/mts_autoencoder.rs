//! MTS in a generative model: a small convolutional autoencoder of spectrograms whose decoder
//! ends in a transposed convolution, trained twice on the synthetic corpus's training speakers,
//! with a plain `ConvTranspose2d` and with an `MtsConvTranspose2d` (time scales 0.5, 1, 2, the
//! same parameter count) in each branch alignment. It prints the reconstruction error on held-out speakers
//! (each with their own speaking rate, pitch and noise) for both decoders side by side.
//!
//! `cargo run --release --example mts_autoencoder` (a few minutes on 2 cores);
//! `-- --epochs 100` trains longer (default 60).
//!
//! Encoder: Conv2d 1 -> 8 and 8 -> 16, kernel 4 x 4, stride 2 (96 x 64 -> 24 x 16).
//! Decoder: ConvTranspose2d 16 -> 8 (kernel 4 x 4, stride 2), then the compared last layer
//! 8 -> 1 (kernel 4 x 4, stride 2), back to 96 frames x 64 bins (the lowest 3.2 kHz).

use std::time::Instant;

use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use mts::audio::{LengthPolicy, SpectrogramConfig};
use mts::core::{BranchAlignment, MtsConvTranspose2d, ScaleSet};
use mts::data::{
    FeatureSet, FoldPreparation, InputLength, SpectrogramDataset, SyntheticConfig, SyntheticCorpus,
};

const FRAMES: usize = 96;
const BINS: usize = 64;
const BATCH: usize = 16;

/// The decoder's last layer: plain or MTS.
#[derive(Module, Debug)]
enum LastLayer {
    Plain(ConvTranspose2d),
    Mts(MtsConvTranspose2d),
}

#[derive(Module, Debug)]
struct Autoencoder {
    encode1: Conv2d,
    encode2: Conv2d,
    decode1: ConvTranspose2d,
    decode2: LastLayer,
}

impl Autoencoder {
    fn new(decoder: Option<BranchAlignment>, device: &Device) -> Self {
        let down = |channels| {
            Conv2dConfig::new(channels, [4, 4])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        let up = |channels| {
            ConvTranspose2dConfig::new(channels, [4, 4])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .init(device)
        };
        let last = up([8, 1]);
        let decode2 = match decoder {
            Some(alignment) => {
                let scales = ScaleSet::time(&[0.5, 1.0, 2.0]);
                let layer = MtsConvTranspose2d::from_conv_transpose2d(last, scales)
                    .expect("valid scales")
                    .with_alignment(alignment);
                LastLayer::Mts(layer)
            }
            None => LastLayer::Plain(last),
        };
        Self {
            encode1: down([1, 8]),
            encode2: down([8, 16]),
            decode1: up([16, 8]),
            decode2,
        }
    }

    /// `[batch, 1, FRAMES, BINS]` -> the same shape.
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let code = relu(self.encode2.forward(relu(self.encode1.forward(x))));
        let hidden = relu(self.decode1.forward(code));
        match &self.decode2 {
            LastLayer::Plain(layer) => layer.forward(hidden),
            LastLayer::Mts(layer) => layer.forward(hidden),
        }
    }
}

/// The spectrograms of `split` as batches `[batch, 1, FRAMES, BINS]` (the lowest BINS bins).
fn batches(split: &SpectrogramDataset, device: &Device) -> Vec<Tensor<4>> {
    split
        .items()
        .chunks(BATCH)
        .map(|chunk| {
            let mut values = Vec::with_capacity(chunk.len() * FRAMES * BINS);
            for item in chunk {
                for frame in item.spectrogram.iter_frames() {
                    values.extend_from_slice(&frame[..BINS]);
                }
            }
            let shape = [chunk.len(), 1, FRAMES, BINS];
            Tensor::from_data(TensorData::new(values, shape), device)
        })
        .collect()
}

/// Mean squared reconstruction error over `data`.
fn mse(model: &Autoencoder, data: &[Tensor<4>]) -> f64 {
    let (mut sum, mut count) = (0.0, 0usize);
    for x in data {
        let error = (model.forward(x.clone()) - x.clone()).powi_scalar(2).sum();
        sum += error.into_scalar::<f64>();
        count += x.shape().num_elements();
    }
    sum / count as f64
}

/// `plain`, or `MTS stretch` / `MTS centered`.
fn name(decoder: Option<BranchAlignment>) -> String {
    match decoder {
        None => "ConvTranspose2d".to_string(),
        Some(alignment) => format!("MtsConvTranspose2d (0.5, 1, 2), {alignment:?}"),
    }
}

fn train(
    decoder: Option<BranchAlignment>,
    train: &[Tensor<4>],
    epochs: usize,
    device: &Device,
) -> (Autoencoder, f64) {
    device.seed(7);
    let start = Instant::now();
    let mut model = Autoencoder::new(decoder, device);
    let mut optimizer = AdamConfig::new().init();
    for epoch in 1..=epochs {
        let mut total = 0.0;
        for x in train {
            let loss = (model.forward(x.clone()) - x.clone()).powi_scalar(2).mean();
            total += loss.clone().into_scalar::<f64>();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(2e-3, model, grads);
        }
        if epoch % 5 == 0 || epoch == epochs {
            let name = name(decoder);
            println!(
                "  {name}, epoch {epoch:>3}: training MSE {:.4}",
                total / train.len() as f64
            );
        }
    }
    (model, start.elapsed().as_secs_f64())
}

fn main() {
    mts::core::tune_allocator();
    let epochs = std::env::args()
        .skip_while(|a| a != "--epochs")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let synthetic =
        SyntheticCorpus::generate(&SyntheticConfig::default()).expect("synthetic corpus");
    let features =
        FeatureSet::from_synthetic(&synthetic, &SpectrogramConfig::paper()).expect("features");
    let folds = synthetic.folds();
    let fold = folds.get(0).expect("the synthetic split");
    let preparation = FoldPreparation {
        length: InputLength::Pad(LengthPolicy::FixedFrames(FRAMES)),
        ..FoldPreparation::default()
    };
    let data = features.fold_data(fold, &preparation).expect("fold data");
    let device = Device::flex().autodiff();
    let train_set = batches(&data.train, &device);
    let test_set = batches(&data.test, &device.clone().inner());
    println!(
        "autoencoder on the synthetic corpus: {} training and {} held-out spectrograms of \
         {FRAMES} frames x {BINS} bins, {epochs} epochs, Adam lr 2e-3, batch {BATCH}",
        data.train.items().len(),
        data.test.items().len()
    );
    let mut rows = Vec::new();
    let decoders = [
        None,
        Some(BranchAlignment::Stretch),
        Some(BranchAlignment::Centered),
    ];
    for decoder in decoders {
        let (model, seconds) = train(decoder, &train_set, epochs, &device);
        let parameters = model.num_params();
        let model = model.valid();
        rows.push((
            decoder,
            parameters,
            mse(&model, &train_set_inner(&train_set)),
            mse(&model, &test_set),
            seconds,
        ));
    }
    println!("\n| decoder | parameters | training MSE | held-out MSE | seconds |");
    println!("|---|---|---|---|---|");
    for (decoder, parameters, train_mse, test_mse, seconds) in rows {
        let name = name(decoder);
        println!("| {name} | {parameters} | {train_mse:.4} | {test_mse:.4} | {seconds:.0} |");
    }
}

/// The training batches without autodiff, for scoring.
fn train_set_inner(train: &[Tensor<4>]) -> Vec<Tensor<4>> {
    train.iter().map(|x| x.clone().inner()).collect()
}
