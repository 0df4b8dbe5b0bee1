//! A1 and A2: one convolution and two dense layers (the published `CNN_1conv`).

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use mts_core::ScaleUsage;

use crate::conv::{ConvGeometry, ConvKind, ConvLayer};
use crate::error::ModelConfigError;

/// Configuration of [`CnnOneConv`]: `conv → ReLU → flatten → dense(hidden) → ReLU →
/// dense(classes)`, no padding, pooling, normalisation or dropout.
///
/// A1 is `channels = 1`, A2 `channels = 10`; the defaults are A1's.
#[derive(Config, Debug)]
pub struct CnnOneConvConfig {
    /// The input spectrogram size `[time, freq]`.
    pub input_size: [usize; 2],
    /// The number of classes (logits).
    pub num_classes: usize,
    /// Output channels of the convolution. Default 1 (A1; A2 has 10).
    #[config(default = 1)]
    pub channels: usize,
    /// Kernel `[time, freq]` of the convolution. Default `[10, 5]`.
    #[config(default = "[10, 5]")]
    pub kernel_size: [usize; 2],
    /// Units of the hidden dense layer. Default 200.
    #[config(default = 200)]
    pub hidden: usize,
    /// Standard or MTS convolution. Default standard.
    #[config(default = "ConvKind::Standard")]
    pub conv: ConvKind,
}

/// One convolution and two dense layers (A1, A2). Create it with [`CnnOneConvConfig`].
#[derive(Module, Debug)]
pub struct CnnOneConv {
    /// The (possibly MTS) convolution, 1 input channel.
    pub conv: ConvLayer,
    /// `dense_input_size → hidden`.
    pub hidden: Linear,
    /// `hidden → num_classes`.
    pub output: Linear,
    input_size: [usize; 2],
    num_classes: usize,
}

impl CnnOneConvConfig {
    /// The size of the flattened convolution output that feeds the first dense layer,
    /// `channels * (time - kt + 1) * (freq - kf + 1)`.
    pub fn dense_input_size(&self) -> Result<usize, ModelConfigError> {
        let geometry = ConvGeometry::valid([1, self.channels], self.kernel_size);
        let [t, f] = geometry.output_size("conv", self.input_size, self.kernel_size)?;
        Ok(self.channels * t * f)
    }

    /// Creates the model, or says what is wrong with the configuration.
    pub fn try_init(&self, device: &Device) -> Result<CnnOneConv, ModelConfigError> {
        check_common(self.input_size, self.num_classes, self.hidden)?;
        let geometry = ConvGeometry::valid([1, self.channels], self.kernel_size);
        let (conv, [t, f]) =
            ConvLayer::build("conv", &self.conv, geometry, self.input_size, device)?;
        let dense_input = self.channels * t * f;
        Ok(CnnOneConv {
            conv,
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
    pub fn init(&self, device: &Device) -> CnnOneConv {
        self.try_init(device)
            .unwrap_or_else(|err| panic!("invalid CnnOneConvConfig: {err}"))
    }
}

/// Checks what every model config shares: a non-empty input, ≥ 2 classes, hidden units.
pub(crate) fn check_common(
    input_size: [usize; 2],
    num_classes: usize,
    hidden: usize,
) -> Result<(), ModelConfigError> {
    if num_classes < 2 {
        return Err(ModelConfigError::TooFewClasses { num_classes });
    }
    if input_size.contains(&0) {
        return Err(ModelConfigError::ZeroSize {
            field: "input_size",
            layer: "input",
        });
    }
    if hidden == 0 {
        return Err(ModelConfigError::ZeroSize {
            field: "hidden",
            layer: "hidden",
        });
    }
    Ok(())
}

impl CnnOneConv {
    /// Computes the class logits.
    ///
    /// # Shapes
    /// - `input`: `[batch, 1, time, freq]` with the configured `input_size`
    /// - output: `[batch, num_classes]`
    ///
    /// # Panics
    /// On an input of another shape.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        self.head(self.conv.forward(input))
    }

    /// Computes the class logits and the scale usage of the MTS layer (none for the standard
    /// variant).
    ///
    /// # Shapes
    /// As [`forward`](Self::forward).
    pub fn forward_with_usage(&self, input: Tensor<4>) -> (Tensor<2>, Vec<ScaleUsage>) {
        let (x, usage) = self.conv.forward_with_usage(input);
        (self.head(x), usage.into_iter().collect())
    }

    fn head(&self, conv_output: Tensor<4>) -> Tensor<2> {
        let x = relu(conv_output).flatten::<2>(1, 3);
        let x = relu(self.hidden.forward(x));
        self.output.forward(x)
    }

    /// Names of the MTS layers, in the order of [`forward_with_usage`](Self::forward_with_usage).
    pub fn mts_layer_names(&self) -> Vec<&'static str> {
        self.conv.as_mts().map(|_| "conv").into_iter().collect()
    }

    /// Applies the per-epoch kernel averaging to a `Detached` MTS layer.
    pub fn average_detached_kernels(mut self) -> Self {
        self.conv = self.conv.average_detached_kernels();
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
        // mts-method.md section 2.1/2.2: T x 513 inputs.
        for (time, a1, a2) in [
            (165, 79_404, 794_040),
            (94, 43_265, 432_650),
            (281, 138_448, 1_384_480),
            (126, 59_553, 595_530),
        ] {
            let config = CnnOneConvConfig::new([time, 513], 7);
            assert_eq!(config.dense_input_size().unwrap(), a1);
            assert_eq!(config.with_channels(10).dense_input_size().unwrap(), a2);
        }
    }

    #[test]
    fn invalid_configs_are_errors() {
        let device = Device::flex();
        let err = CnnOneConvConfig::new([40, 20], 1)
            .try_init(&device)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a classifier needs at least 2 classes, got 1"
        );
        let err = CnnOneConvConfig::new([9, 20], 4)
            .try_init(&device)
            .unwrap_err();
        assert!(matches!(
            err,
            ModelConfigError::InputTooSmall { layer: "conv", .. }
        ));
        let err = CnnOneConvConfig::new([40, 20], 4)
            .with_channels(0)
            .try_init(&device)
            .unwrap_err();
        assert!(matches!(
            err,
            ModelConfigError::ZeroSize {
                field: "channels",
                ..
            }
        ));
    }
}
