//! A3: two convolutions with a max pool between them, and two dense layers (the published
//! `CNN_2conv`).

use burn::config::Config;
use burn::module::Module;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use mts_core::ScaleUsage;

use crate::conv::{ConvGeometry, ConvKind, ConvLayer};
use crate::error::ModelConfigError;
use crate::one_conv::check_common;

/// Configuration of [`CnnTwoConv`] (A3): `conv1 → ReLU → maxpool → conv2 → ReLU → flatten →
/// dense(hidden) → ReLU → dense(classes)`. In the MTS variant both convolutions are MTS, with the
/// same scales.
#[derive(Config, Debug)]
pub struct CnnTwoConvConfig {
    /// The input spectrogram size `[time, freq]`.
    pub input_size: [usize; 2],
    /// The number of classes (logits).
    pub num_classes: usize,
    /// Output channels of both convolutions. Default 10.
    #[config(default = 10)]
    pub channels: usize,
    /// Kernel `[time, freq]` of both convolutions. Default `[10, 5]`.
    #[config(default = "[10, 5]")]
    pub kernel_size: [usize; 2],
    /// Max-pool window and stride `[time, freq]` between the convolutions. Default `[2, 2]`.
    #[config(default = "[2, 2]")]
    pub pool_size: [usize; 2],
    /// Units of the hidden dense layer. Default 200.
    #[config(default = 200)]
    pub hidden: usize,
    /// Standard or MTS convolutions. Default standard.
    #[config(default = "ConvKind::Standard")]
    pub conv: ConvKind,
}

/// Two convolutions and two dense layers (A3). Create it with [`CnnTwoConvConfig`].
#[derive(Module, Debug)]
pub struct CnnTwoConv {
    /// First (possibly MTS) convolution, 1 input channel.
    pub conv1: ConvLayer,
    /// Max pool after the first convolution.
    pub pool: MaxPool2d,
    /// Second (possibly MTS) convolution.
    pub conv2: ConvLayer,
    /// `dense_input_size → hidden`.
    pub hidden: Linear,
    /// `hidden → num_classes`.
    pub output: Linear,
    input_size: [usize; 2],
    num_classes: usize,
}

impl CnnTwoConvConfig {
    fn geometries(&self) -> [ConvGeometry; 2] {
        [
            ConvGeometry::valid([1, self.channels], self.kernel_size),
            ConvGeometry::valid([self.channels, self.channels], self.kernel_size),
        ]
    }

    fn pooled(&self, size: [usize; 2]) -> Result<[usize; 2], ModelConfigError> {
        if self.pool_size.contains(&0) {
            return Err(ModelConfigError::ZeroSize {
                field: "pool_size",
                layer: "pool",
            });
        }
        if size[0] < self.pool_size[0] || size[1] < self.pool_size[1] {
            return Err(ModelConfigError::InputTooSmall {
                layer: "pool",
                input: size,
                kernel: self.pool_size,
                padding: [0, 0],
            });
        }
        Ok(core::array::from_fn(|a| {
            (size[a] - self.pool_size[a]) / self.pool_size[a] + 1
        }))
    }

    /// The size of the flattened second-convolution output that feeds the first dense layer,
    /// `channels * (floor((time - kt + 1) / 2) - kt + 1) * (floor((freq - kf + 1) / 2) - kf + 1)`
    /// with the default pool.
    pub fn dense_input_size(&self) -> Result<usize, ModelConfigError> {
        let [g1, g2] = self.geometries();
        let size = g1.output_size("conv1", self.input_size, self.kernel_size)?;
        let size = self.pooled(size)?;
        let [t, f] = g2.output_size("conv2", size, self.kernel_size)?;
        Ok(self.channels * t * f)
    }

    /// Creates the model, or says what is wrong with the configuration.
    pub fn try_init(&self, device: &Device) -> Result<CnnTwoConv, ModelConfigError> {
        check_common(self.input_size, self.num_classes, self.hidden)?;
        let [g1, g2] = self.geometries();
        let (conv1, size) = ConvLayer::build("conv1", &self.conv, g1, self.input_size, device)?;
        let size = self.pooled(size)?;
        let (conv2, [t, f]) = ConvLayer::build("conv2", &self.conv, g2, size, device)?;
        let dense_input = self.channels * t * f;
        Ok(CnnTwoConv {
            conv1,
            pool: MaxPool2dConfig::new(self.pool_size)
                .with_strides(self.pool_size)
                .init(),
            conv2,
            hidden: LinearConfig::new(dense_input, self.hidden).init(device),
            output: LinearConfig::new(self.hidden, self.num_classes).init(device),
            input_size: self.input_size,
            num_classes: self.num_classes,
        })
    }

    /// Creates the model.
    ///
    /// # Panics
    /// When the configuration is invalid; use [`try_init`](Self::try_init) to handle that.
    pub fn init(&self, device: &Device) -> CnnTwoConv {
        self.try_init(device)
            .unwrap_or_else(|err| panic!("invalid CnnTwoConvConfig: {err}"))
    }
}

impl CnnTwoConv {
    /// Computes the class logits.
    ///
    /// # Shapes
    /// - `input`: `[batch, 1, time, freq]` with the configured `input_size`
    /// - output: `[batch, num_classes]`
    ///
    /// # Panics
    /// On an input of another shape.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(relu(self.conv1.forward(input)));
        self.head(self.conv2.forward(x))
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
        (self.head(x), usage1.into_iter().chain(usage2).collect())
    }

    fn head(&self, conv_output: Tensor<4>) -> Tensor<2> {
        let x = relu(conv_output).flatten::<2>(1, 3);
        let x = relu(self.hidden.forward(x));
        self.output.forward(x)
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
    fn dense_input_sizes_match_the_published_ones() {
        // mts-method.md section 2.3.
        for (time, size) in [(165, 172_500), (94, 82_500), (281, 317_500), (126, 122_500)] {
            let config = CnnTwoConvConfig::new([time, 513], 7);
            assert_eq!(config.dense_input_size().unwrap(), size);
        }
    }

    #[test]
    fn too_small_after_pooling_is_an_error() {
        // 20 frames: conv1 -> 11, pool -> 5, too short for conv2's 10-frame kernel.
        let err = CnnTwoConvConfig::new([20, 40], 3)
            .try_init(&Device::flex())
            .unwrap_err();
        assert!(matches!(
            err,
            ModelConfigError::InputTooSmall { layer: "conv2", .. }
        ));
    }
}
