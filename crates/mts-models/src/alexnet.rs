//! A4: AlexNet (torchvision layout) for one-channel spectrograms.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use mts_core::ScaleUsage;

use crate::conv::{ConvGeometry, ConvKind, ConvLayer};
use crate::error::ModelConfigError;
use crate::one_conv::check_common;

/// Channels of the five convolutions.
const WIDTHS: [usize; 5] = [64, 192, 384, 256, 256];
/// Side of the adaptive average pool's output.
const POOLED: usize = 6;
/// Max-pool window and stride.
const POOL: (usize, usize) = (3, 2);

/// Configuration of [`AlexNet`] (A4): torchvision's AlexNet with one input channel.
///
/// Features: `conv1 (64, 11x11, stride 4, pad 2) → ReLU → maxpool 3/2 → conv2 (192, 5x5, pad 2)
/// → ReLU → maxpool 3/2 → conv3 (384, 3x3, pad 1) → ReLU → conv4 (256, 3x3, pad 1) → ReLU →
/// conv5 (256, 3x3, pad 1) → ReLU → maxpool 3/2 → adaptive average pool 6x6`. Classifier:
/// `dropout → dense(9216 → hidden) → ReLU → dropout → dense(hidden → hidden) → ReLU →
/// dense(hidden → classes)`. In the MTS variant `conv1` and `conv2` are MTS with the same scales.
///
/// The smallest input is 63 x 63 frames.
#[derive(Config, Debug)]
pub struct AlexNetConfig {
    /// The input spectrogram size `[time, freq]`.
    pub input_size: [usize; 2],
    /// The number of classes (logits).
    pub num_classes: usize,
    /// Standard or MTS for `conv1` and `conv2`. Default standard.
    #[config(default = "ConvKind::Standard")]
    pub conv: ConvKind,
    /// Units of the two hidden dense layers. Default 4096.
    #[config(default = 4096)]
    pub hidden: usize,
    /// Dropout probability before the first two dense layers. Default 0.5.
    #[config(default = 0.5)]
    pub dropout: f64,
    /// Reproduce the published MTS AlexNet, whose first MTS layer lost its stride 4 and runs at
    /// stride 1 (mts-method.md section 2.4). Only affects the MTS variant. Default `false`.
    #[config(default = false)]
    pub published_conv1_stride_bug: bool,
}

/// AlexNet for one-channel spectrograms (A4). Create it with [`AlexNetConfig`].
#[derive(Module, Debug)]
pub struct AlexNet {
    /// First (possibly MTS) convolution.
    pub conv1: ConvLayer,
    /// Second (possibly MTS) convolution.
    pub conv2: ConvLayer,
    /// Third convolution (always standard).
    pub conv3: Conv2d,
    /// Fourth convolution (always standard).
    pub conv4: Conv2d,
    /// Fifth convolution (always standard).
    pub conv5: Conv2d,
    /// The 3/2 max pool used after `conv1`, `conv2` and `conv5`.
    pub pool: MaxPool2d,
    /// Adaptive average pool to 6 x 6.
    pub avg_pool: AdaptiveAvgPool2d,
    /// Dropout before the first two dense layers.
    pub dropout: Dropout,
    /// `9216 → hidden`.
    pub fc1: Linear,
    /// `hidden → hidden`.
    pub fc2: Linear,
    /// `hidden → num_classes`.
    pub fc3: Linear,
    input_size: [usize; 2],
    num_classes: usize,
}

impl AlexNetConfig {
    fn conv1_geometry(&self) -> ConvGeometry {
        let stride = if self.published_conv1_stride_bug && self.conv.is_mts() {
            1
        } else {
            4
        };
        ConvGeometry {
            channels: [1, WIDTHS[0]],
            kernel: [11, 11],
            stride: [stride, stride],
            padding: [2, 2],
        }
    }

    fn plain_geometries() -> [ConvGeometry; 4] {
        let same = |channels: [usize; 2], k: usize| ConvGeometry {
            channels,
            kernel: [k, k],
            stride: [1, 1],
            padding: [k / 2, k / 2],
        };
        [
            same([WIDTHS[0], WIDTHS[1]], 5),
            same([WIDTHS[1], WIDTHS[2]], 3),
            same([WIDTHS[2], WIDTHS[3]], 3),
            same([WIDTHS[3], WIDTHS[4]], 3),
        ]
    }

    /// The size of the flattened features that feed the first dense layer: always
    /// `256 * 6 * 6 = 9216` (the adaptive pool hides the input size).
    pub fn dense_input_size(&self) -> usize {
        WIDTHS[4] * POOLED * POOLED
    }

    /// Creates the model, or says what is wrong with the configuration.
    pub fn try_init(&self, device: &Device) -> Result<AlexNet, ModelConfigError> {
        check_common(self.input_size, self.num_classes, self.hidden)?;
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(ModelConfigError::InvalidDropout { prob: self.dropout });
        }
        let [g2, g3, g4, g5] = Self::plain_geometries();
        let (conv1, size) = ConvLayer::build(
            "conv1",
            &self.conv,
            self.conv1_geometry(),
            self.input_size,
            device,
        )?;
        let size = pooled("pool1", size)?;
        let (conv2, size) = ConvLayer::build("conv2", &self.conv, g2, size, device)?;
        let size = pooled("pool2", size)?;
        let (conv3, size) = plain_conv("conv3", g3, size, device)?;
        let (conv4, size) = plain_conv("conv4", g4, size, device)?;
        let (conv5, size) = plain_conv("conv5", g5, size, device)?;
        pooled("pool3", size)?;
        Ok(AlexNet {
            conv1,
            conv2,
            conv3,
            conv4,
            conv5,
            pool: MaxPool2dConfig::new([POOL.0, POOL.0])
                .with_strides([POOL.1, POOL.1])
                .init(),
            avg_pool: AdaptiveAvgPool2dConfig::new([POOLED, POOLED]).init(),
            dropout: DropoutConfig::new(self.dropout).init(),
            fc1: LinearConfig::new(self.dense_input_size(), self.hidden).init(device),
            fc2: LinearConfig::new(self.hidden, self.hidden).init(device),
            fc3: LinearConfig::new(self.hidden, self.num_classes).init(device),
            input_size: self.input_size,
            num_classes: self.num_classes,
        })
    }

    /// Creates the model.
    ///
    /// # Panics
    /// When the configuration is invalid; use [`try_init`](Self::try_init) to handle that.
    pub fn init(&self, device: &Device) -> AlexNet {
        self.try_init(device)
            .unwrap_or_else(|err| panic!("invalid AlexNetConfig: {err}"))
    }
}

fn plain_conv(
    layer: &'static str,
    geometry: ConvGeometry,
    input: [usize; 2],
    device: &Device,
) -> Result<(Conv2d, [usize; 2]), ModelConfigError> {
    let output = geometry.output_size(layer, input, geometry.kernel)?;
    let [pt, pf] = geometry.padding;
    let conv = Conv2dConfig::new(geometry.channels, geometry.kernel)
        .with_padding(PaddingConfig2d::Explicit(pt, pf, pt, pf))
        .init(device);
    Ok((conv, output))
}

/// The output of the 3/2 max pool, or an error when its input is smaller than the window.
fn pooled(layer: &'static str, size: [usize; 2]) -> Result<[usize; 2], ModelConfigError> {
    let (window, stride) = POOL;
    if size[0] < window || size[1] < window {
        return Err(ModelConfigError::InputTooSmall {
            layer,
            input: size,
            kernel: [window, window],
            padding: [0, 0],
        });
    }
    Ok(size.map(|n| (n - window) / stride + 1))
}

impl AlexNet {
    /// Computes the class logits. Dropout is active only in training (autodiff device, not
    /// [`valid`](Module::valid)).
    ///
    /// # Shapes
    /// - `input`: `[batch, 1, time, freq]` with the configured `input_size`
    /// - output: `[batch, num_classes]`
    ///
    /// # Panics
    /// On an input of another shape.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(relu(self.conv1.forward(input)));
        let x = self.pool.forward(relu(self.conv2.forward(x)));
        self.tail(x)
    }

    /// Computes the class logits and the scale usage of each MTS layer (`conv1`, `conv2`; none
    /// for the standard variant).
    ///
    /// # Shapes
    /// As [`forward`](Self::forward).
    pub fn forward_with_usage(&self, input: Tensor<4>) -> (Tensor<2>, Vec<ScaleUsage>) {
        let (x, usage1) = self.conv1.forward_with_usage(input);
        let x = self.pool.forward(relu(x));
        let (x, usage2) = self.conv2.forward_with_usage(x);
        let x = self.pool.forward(relu(x));
        (self.tail(x), usage1.into_iter().chain(usage2).collect())
    }

    /// conv3..conv5, pooling and the classifier.
    fn tail(&self, x: Tensor<4>) -> Tensor<2> {
        let x = relu(self.conv3.forward(x));
        let x = relu(self.conv4.forward(x));
        let x = self.pool.forward(relu(self.conv5.forward(x)));
        let x = self.avg_pool.forward(x).flatten::<2>(1, 3);
        let x = relu(self.fc1.forward(self.dropout.forward(x)));
        let x = relu(self.fc2.forward(self.dropout.forward(x)));
        self.fc3.forward(x)
    }

    /// Names of the MTS layers, in the order of [`forward_with_usage`](Self::forward_with_usage).
    pub fn mts_layer_names(&self) -> Vec<&'static str> {
        crate::conv::mts_layer_names([("conv1", &self.conv1), ("conv2", &self.conv2)])
    }

    /// Applies the per-epoch kernel averaging to `Detached` MTS layers.
    pub fn average_detached_kernels(mut self) -> Self {
        self.conv1 = self.conv1.average_detached_kernels();
        self.conv2 = self.conv2.average_detached_kernels();
        self
    }

    /// The input size `[time, freq]` the model was built for.
    pub fn input_size(&self) -> [usize; 2] {
        self.input_size
    }

    /// The number of classes (logits).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_input_is_63_frames() {
        let device = Device::flex();
        assert!(AlexNetConfig::new([63, 63], 4).try_init(&device).is_ok());
        let err = AlexNetConfig::new([62, 63], 4)
            .try_init(&device)
            .unwrap_err();
        assert!(matches!(err, ModelConfigError::InputTooSmall { .. }));
        let err = AlexNetConfig::new([63, 63], 4)
            .with_dropout(1.0)
            .try_init(&device)
            .unwrap_err();
        assert!(matches!(err, ModelConfigError::InvalidDropout { .. }));
    }
}
