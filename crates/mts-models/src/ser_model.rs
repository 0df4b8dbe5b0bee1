//! Any of the paper's four architectures behind one config and one module.

use core::fmt;
use core::str::FromStr;

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use mts_core::{MtsConv2d, ScaleUsage};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::alexnet::{AlexNet, AlexNetConfig};
use crate::conv::ConvKind;
use crate::error::ModelConfigError;
use crate::one_conv::{CnnOneConv, CnnOneConvConfig};
use crate::two_conv::{CnnTwoConv, CnnTwoConvConfig};

/// The paper's architectures (mts-method.md section 2). In JSON: `"a1"` .. `"a4"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// One convolution with 1 channel, dense 200, dense classes.
    A1,
    /// One convolution with 10 channels, dense 200, dense classes.
    A2,
    /// Two convolutions with 10 channels and a max pool between, dense 200, dense classes.
    A3,
    /// AlexNet for one-channel spectrograms.
    A4,
}

impl Architecture {
    /// All four, in order.
    pub const ALL: [Architecture; 4] = [Self::A1, Self::A2, Self::A3, Self::A4];

    /// A one-line description, e.g. `"1 conv, 10 channels"`.
    pub fn description(self) -> &'static str {
        match self {
            Self::A1 => "1 conv, 1 channel",
            Self::A2 => "1 conv, 10 channels",
            Self::A3 => "2 convs, 10 channels",
            Self::A4 => "AlexNet",
        }
    }

    /// The kernel sizes `[time, freq]` of the layers that are MTS in this architecture's MTS
    /// variant, in order (A1/A2: the one convolution; A3: both; A4: AlexNet's first two).
    pub fn mts_kernel_sizes(self) -> &'static [[usize; 2]] {
        match self {
            Self::A1 | Self::A2 => &[[10, 5]],
            Self::A3 => &[[10, 5], [10, 5]],
            Self::A4 => &[[11, 11], [5, 5]],
        }
    }

    /// Checks `scales` against every MTS kernel of this architecture (a factor that shrinks a
    /// kernel to nothing, duplicates, non-finite values), before any data is loaded or any model
    /// is built.
    pub fn check_scales(self, scales: &mts_core::ScaleSet) -> Result<(), mts_core::MtsConfigError> {
        for &kernel in self.mts_kernel_sizes() {
            mts_core::MtsConv2dConfig::new([1, 1], kernel)
                .with_scales(scales.clone())
                .validate()?;
        }
        Ok(())
    }
}

impl fmt::Display for Architecture {
    /// `a1`, `a2`, `a3` or `a4` (what [`FromStr`] accepts).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::A1 => "a1",
            Self::A2 => "a2",
            Self::A3 => "a3",
            Self::A4 => "a4",
        };
        f.write_str(name)
    }
}

/// An architecture name that is none of `a1`..`a4`.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("unknown architecture {0:?}; expected a1, a2, a3 or a4 (or alexnet)")]
pub struct UnknownArchitecture(pub String);

impl FromStr for Architecture {
    type Err = UnknownArchitecture;

    /// `a1`..`a4` in any case; `alexnet` for `a4`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "a1" => Ok(Self::A1),
            "a2" => Ok(Self::A2),
            "a3" => Ok(Self::A3),
            "a4" | "alexnet" => Ok(Self::A4),
            _ => Err(UnknownArchitecture(s.to_string())),
        }
    }
}

/// Configuration of a [`SerModel`]: an architecture in its standard or MTS variant, built for an
/// input size and a number of classes. Every other setting is the paper's.
///
/// Its `Display` (from `Config`) is the JSON form; [`summary`](Self::summary) is one line of
/// prose.
#[derive(Config, Debug, PartialEq)]
pub struct SerModelConfig {
    /// Which architecture.
    pub architecture: Architecture,
    /// The input spectrogram size `[time, freq]`.
    pub input_size: [usize; 2],
    /// The number of classes (logits).
    pub num_classes: usize,
    /// Standard or MTS convolutions (A1/A2: the convolution; A3: both; A4: the first two).
    /// Default standard.
    #[config(default = "ConvKind::Standard")]
    pub conv: ConvKind,
    /// A4 only: reproduce the published MTS AlexNet whose first layer runs at stride 1
    /// ([`AlexNetConfig::published_conv1_stride_bug`]). Default `false`.
    #[config(default = false)]
    pub published_conv1_stride_bug: bool,
}

impl SerModelConfig {
    /// Creates the model, or says what is wrong with the configuration.
    pub fn try_init(&self, device: &Device) -> Result<SerModel, ModelConfigError> {
        let (input, classes) = (self.input_size, self.num_classes);
        Ok(match self.architecture {
            Architecture::A1 | Architecture::A2 => {
                let channels = if self.architecture == Architecture::A1 {
                    1
                } else {
                    10
                };
                SerModel::OneConv(
                    CnnOneConvConfig::new(input, classes)
                        .with_channels(channels)
                        .with_conv(self.conv.clone())
                        .try_init(device)?,
                )
            }
            Architecture::A3 => SerModel::TwoConv(
                CnnTwoConvConfig::new(input, classes)
                    .with_conv(self.conv.clone())
                    .try_init(device)?,
            ),
            Architecture::A4 => SerModel::AlexNet(
                AlexNetConfig::new(input, classes)
                    .with_conv(self.conv.clone())
                    .with_published_conv1_stride_bug(self.published_conv1_stride_bug)
                    .try_init(device)?,
            ),
        })
    }

    /// Creates the model.
    ///
    /// # Panics
    /// When the configuration is invalid; use [`try_init`](Self::try_init) to handle that.
    pub fn init(&self, device: &Device) -> SerModel {
        self.try_init(device)
            .unwrap_or_else(|err| panic!("invalid SerModelConfig: {err}"))
    }
}

impl SerModelConfig {
    /// Names of the layers that are MTS in this configuration (empty for standard models).
    pub fn mts_layer_names(&self) -> Vec<&'static str> {
        match (self.conv.is_mts(), self.architecture) {
            (false, _) => Vec::new(),
            (true, Architecture::A1 | Architecture::A2) => vec!["conv"],
            (true, Architecture::A3 | Architecture::A4) => vec!["conv1", "conv2"],
        }
    }
}

impl SerModelConfig {
    /// One line of prose, e.g.
    /// `a2 (1 conv, 10 channels), MTS (0.5, 1, 2), Shared, Stretch, input 281x161, 7 classes`.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} ({}), {}, input {}x{}, {} classes",
            self.architecture,
            self.architecture.description(),
            self.conv,
            self.input_size[0],
            self.input_size[1],
            self.num_classes
        );
        if self.published_conv1_stride_bug
            && self.architecture == Architecture::A4
            && self.conv.is_mts()
        {
            text.push_str(", published conv1 stride bug");
        }
        text
    }
}

/// A speech-emotion classifier of any of the four architectures. Create it with
/// [`SerModelConfig`].
// A model is built once and moved rarely; boxing the larger variant would buy nothing and
// `#[derive(Module)]` wants the modules inline.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum SerModel {
    /// A1 or A2.
    OneConv(CnnOneConv),
    /// A3.
    TwoConv(CnnTwoConv),
    /// A4.
    AlexNet(AlexNet),
}

impl SerModel {
    /// Computes the class logits.
    ///
    /// # Shapes
    /// - `input`: `[batch, 1, time, freq]` with the configured `input_size`
    /// - output: `[batch, num_classes]`
    ///
    /// # Panics
    /// On an input of another shape.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        match self {
            Self::OneConv(model) => model.forward(input),
            Self::TwoConv(model) => model.forward(input),
            Self::AlexNet(model) => model.forward(input),
        }
    }

    /// Computes the class logits and the scale usage of every MTS layer, in the order of
    /// [`mts_layer_names`](Self::mts_layer_names) (empty for the standard variant).
    ///
    /// # Shapes
    /// As [`forward`](Self::forward).
    pub fn forward_with_usage(&self, input: Tensor<4>) -> (Tensor<2>, Vec<ScaleUsage>) {
        match self {
            Self::OneConv(model) => model.forward_with_usage(input),
            Self::TwoConv(model) => model.forward_with_usage(input),
            Self::AlexNet(model) => model.forward_with_usage(input),
        }
    }

    /// Names of the MTS layers (`conv`, or `conv1` and `conv2`).
    pub fn mts_layer_names(&self) -> Vec<&'static str> {
        match self {
            Self::OneConv(model) => model.mts_layer_names(),
            Self::TwoConv(model) => model.mts_layer_names(),
            Self::AlexNet(model) => model.mts_layer_names(),
        }
    }

    /// The MTS layers, in the order of [`mts_layer_names`](Self::mts_layer_names).
    pub fn mts_layers(&self) -> Vec<&MtsConv2d> {
        let convs = match self {
            Self::OneConv(model) => vec![&model.conv],
            Self::TwoConv(model) => vec![&model.conv1, &model.conv2],
            Self::AlexNet(model) => vec![&model.conv1, &model.conv2],
        };
        convs.into_iter().filter_map(|conv| conv.as_mts()).collect()
    }

    /// The published code's per-epoch kernel averaging, applied to every MTS layer in
    /// [`Detached`](mts_core::KernelSharing::Detached) mode (a no-op for other layers).
    pub fn average_detached_kernels(self) -> Self {
        match self {
            Self::OneConv(model) => Self::OneConv(model.average_detached_kernels()),
            Self::TwoConv(model) => Self::TwoConv(model.average_detached_kernels()),
            Self::AlexNet(model) => Self::AlexNet(model.average_detached_kernels()),
        }
    }

    /// The input size `[time, freq]` the model was built for.
    pub fn input_size(&self) -> [usize; 2] {
        match self {
            Self::OneConv(model) => model.input_size(),
            Self::TwoConv(model) => model.input_size(),
            Self::AlexNet(model) => model.input_size(),
        }
    }

    /// The number of classes (logits).
    pub fn num_classes(&self) -> usize {
        match self {
            Self::OneConv(model) => model.num_classes(),
            Self::TwoConv(model) => model.num_classes(),
            Self::AlexNet(model) => model.num_classes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architecture_names_round_trip() {
        for arch in Architecture::ALL {
            assert_eq!(arch.to_string().parse::<Architecture>(), Ok(arch));
        }
        assert_eq!("AlexNet".parse::<Architecture>(), Ok(Architecture::A4));
        let err = "a5".parse::<Architecture>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown architecture \"a5\"; expected a1, a2, a3 or a4 (or alexnet)"
        );
    }

    #[test]
    fn config_display_and_json() {
        let config = SerModelConfig::new(Architecture::A2, [281, 161], 7)
            .with_conv(ConvKind::mts(mts_core::ScaleSet::time(&[0.5, 1.0, 2.0])));
        assert_eq!(
            config.summary(),
            "a2 (1 conv, 10 channels), MTS (0.5, 1, 2), Shared, Stretch, input 281x161, 7 classes"
        );
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains(r#""architecture":"a2""#), "{json}");
        assert_eq!(
            config.to_string(),
            serde_json::to_string_pretty(&config).unwrap()
        );
        let back: SerModelConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, config);
    }
}
