//! The one config field that turns a model's convolutions into MTS convolutions, and the layer
//! it builds.

use core::fmt;

use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::{Device, Tensor};
use mts_core::{
    BranchAlignment, KernelResampling, KernelSharing, MtsConv2d, MtsConv2dConfig, ScaleSet,
    ScaleUsage,
};
use serde::{Deserialize, Serialize};

use crate::error::ModelConfigError;

/// Which convolution a model uses where the paper allows an MTS layer.
///
/// In JSON: `"Standard"` or `{"Mts": {"scales": [0.5, 1, 2], "sharing": "Shared",
/// "alignment": "Stretch", "resampling": "Linear"}}` (`resampling` may be left out: `Linear`,
/// as in model cards written before it existed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConvKind {
    /// burn's plain [`Conv2d`].
    Standard,
    /// A multi-time-scale convolution ([`MtsConv2d`]) with the same geometry and parameter count.
    Mts {
        /// The branch scales, in merge order.
        scales: ScaleSet,
        /// How the branch kernels share the trainable kernel.
        sharing: KernelSharing,
        /// How branch outputs are brought to the reference grid.
        alignment: BranchAlignment,
        /// How branch kernels are resampled from the trainable kernel.
        #[serde(default = "linear")]
        resampling: KernelResampling,
    },
}

fn linear() -> KernelResampling {
    KernelResampling::Linear
}

impl ConvKind {
    /// MTS with `scales`, [`KernelSharing::Shared`], [`BranchAlignment::Stretch`] and
    /// [`KernelResampling::Linear`] (the project's defaults).
    pub fn mts(scales: ScaleSet) -> Self {
        Self::Mts {
            scales,
            sharing: KernelSharing::Shared,
            alignment: BranchAlignment::Stretch,
            resampling: KernelResampling::Linear,
        }
    }

    /// `true` for the MTS variant.
    pub fn is_mts(&self) -> bool {
        matches!(self, Self::Mts { .. })
    }
}

impl fmt::Display for ConvKind {
    /// `standard`, or `MTS (0.5, 1, 2), Shared, Stretch` (with `, Cubic` or `, Area` for another
    /// resampling).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Standard => write!(f, "standard"),
            Self::Mts {
                scales,
                sharing,
                alignment,
                resampling,
            } => {
                write!(f, "MTS {scales}, {sharing:?}, {alignment:?}")?;
                if *resampling != KernelResampling::Linear {
                    write!(f, ", {resampling:?}")?;
                }
                Ok(())
            }
        }
    }
}

/// The geometry of one convolution of a model: channels, kernel, stride and symmetric padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConvGeometry {
    /// `[in, out]` channels.
    pub channels: [usize; 2],
    /// `[time, freq]` kernel size.
    pub kernel: [usize; 2],
    /// `[time, freq]` stride.
    pub stride: [usize; 2],
    /// `[time, freq]` zero padding, added at both ends.
    pub padding: [usize; 2],
}

impl ConvGeometry {
    /// A stride-1, unpadded convolution.
    pub fn valid(channels: [usize; 2], kernel: [usize; 2]) -> Self {
        Self {
            channels,
            kernel,
            stride: [1, 1],
            padding: [0, 0],
        }
    }

    /// The output `[time, freq]` of an input of `input` frames, or an error naming `layer` when
    /// the padded input is shorter than `kernel_len` on some axis (the unscaled kernel, or the
    /// longest branch kernel of an MTS layer that needs it).
    pub fn output_size(
        &self,
        layer: &'static str,
        input: [usize; 2],
        longest_kernel: [usize; 2],
    ) -> Result<[usize; 2], ModelConfigError> {
        let len = |a: usize, kernel: [usize; 2]| {
            let pad = self.padding[a] as i64;
            mts_core::conv_output_len(input[a], (pad, pad), kernel[a], self.stride[a], 1)
        };
        let too_small = ModelConfigError::InputTooSmall {
            layer,
            input,
            kernel: longest_kernel,
            padding: self.padding,
        };
        if (0..2).any(|a| len(a, longest_kernel).is_none()) {
            return Err(too_small);
        }
        match (len(0, self.kernel), len(1, self.kernel)) {
            (Some(time), Some(freq)) => Ok([time, freq]),
            _ => Err(too_small),
        }
    }

    fn padding_config(&self) -> PaddingConfig2d {
        let [pt, pf] = self.padding;
        PaddingConfig2d::Explicit(pt, pf, pt, pf)
    }
}

/// A convolution that is either burn's [`Conv2d`] or an [`MtsConv2d`] of the same geometry.
#[derive(Module, Debug)]
pub enum ConvLayer {
    /// A plain convolution.
    Standard(Conv2d),
    /// A multi-time-scale convolution.
    Mts(MtsConv2d),
}

impl ConvLayer {
    /// Builds the layer `kind` asks for, checking that an input of `input` `[time, freq]` frames
    /// is large enough for every kernel (all MTS branches included), and returns the layer and
    /// its output `[time, freq]`.
    pub(crate) fn build(
        layer: &'static str,
        kind: &ConvKind,
        geometry: ConvGeometry,
        input: [usize; 2],
        device: &Device,
    ) -> Result<(Self, [usize; 2]), ModelConfigError> {
        if geometry.channels.contains(&0) {
            return Err(ModelConfigError::ZeroSize {
                field: "channels",
                layer,
            });
        }
        match kind {
            ConvKind::Standard => {
                let output = geometry.output_size(layer, input, geometry.kernel)?;
                let conv = Conv2dConfig::new(geometry.channels, geometry.kernel)
                    .with_stride(geometry.stride)
                    .with_padding(geometry.padding_config())
                    .init(device);
                Ok((Self::Standard(conv), output))
            }
            ConvKind::Mts {
                scales,
                sharing,
                alignment,
                resampling,
            } => {
                let config = MtsConv2dConfig::new(geometry.channels, geometry.kernel)
                    .with_scales(scales.clone())
                    .with_stride(geometry.stride)
                    .with_padding(geometry.padding_config())
                    .with_sharing(*sharing)
                    .with_alignment(*alignment)
                    .with_resampling(*resampling);
                let branches = config
                    .validate()
                    .map_err(|source| ModelConfigError::Mts { layer, source })?;
                // A stretched branch convolves the padded input with its own kernel; a centred
                // one gets extra padding and needs no more input than the unscaled kernel.
                let longest = match alignment {
                    BranchAlignment::Stretch => branches
                        .iter()
                        .fold(geometry.kernel, |m, k| [m[0].max(k[0]), m[1].max(k[1])]),
                    BranchAlignment::Centered => geometry.kernel,
                };
                let output = geometry.output_size(layer, input, longest)?;
                let conv = config
                    .try_init(device)
                    .map_err(|source| ModelConfigError::Mts { layer, source })?;
                Ok((Self::Mts(conv), output))
            }
        }
    }

    /// Applies the convolution. A standard layer runs through [`mts_core::conv2d_fused`], so on
    /// the CPU backends both kinds train with the same kernels and compare like for like.
    ///
    /// # Shapes
    /// - `input`: `[batch, channels_in, time, freq]`
    /// - output: `[batch, channels_out, time_out, freq_out]`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        match self {
            Self::Standard(conv) => mts_core::conv2d_fused(conv, input),
            Self::Mts(conv) => conv.forward(input),
        }
    }

    /// Applies the convolution and, for an MTS layer, counts the output elements each branch
    /// wins.
    ///
    /// # Shapes
    /// As [`forward`](Self::forward).
    pub fn forward_with_usage(&self, input: Tensor<4>) -> (Tensor<4>, Option<ScaleUsage>) {
        match self {
            Self::Standard(conv) => (mts_core::conv2d_fused(conv, input), None),
            Self::Mts(conv) => {
                let (output, usage) = conv.forward_with_usage(input);
                (output, Some(usage))
            }
        }
    }

    /// The MTS layer, if this is one.
    pub fn as_mts(&self) -> Option<&MtsConv2d> {
        match self {
            Self::Standard(_) => None,
            Self::Mts(conv) => Some(conv),
        }
    }

    /// The published code's per-epoch kernel averaging ([`MtsConv2d::average_kernels`]) for an
    /// MTS layer in [`KernelSharing::Detached`] mode; every other layer is returned unchanged.
    pub fn average_detached_kernels(self) -> Self {
        match self {
            Self::Mts(mut conv) if conv.sharing() == KernelSharing::Detached => {
                // Average an untracked kernel: on an autodiff device `detach()` keeps a
                // parameter's `require_grad`, and mts-core's averaging of such a kernel would try
                // to mark a computed tensor as a leaf. The parameter (and its id, which keys the
                // optimizer state) is kept; only its tracking is switched off and on again.
                let require_grad = conv.weight.is_require_grad();
                conv.weight = conv.weight.map(|w| w.set_require_grad(false));
                let mut conv = conv.average_kernels();
                conv.weight = conv.weight.map(|w| w.set_require_grad(require_grad));
                Self::Mts(conv)
            }
            other => other,
        }
    }
}

/// The names of the layers among `layers` that are MTS, in order.
pub(crate) fn mts_layer_names<const N: usize>(
    layers: [(&'static str, &ConvLayer); N],
) -> Vec<&'static str> {
    layers
        .into_iter()
        .filter(|(_, conv)| conv.as_mts().is_some())
        .map(|(name, _)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conv_kind_display_and_json() {
        assert_eq!(ConvKind::Standard.to_string(), "standard");
        let mts = ConvKind::mts(ScaleSet::time(&[0.5, 1.0, 2.0]));
        assert_eq!(mts.to_string(), "MTS (0.5, 1, 2), Shared, Stretch");
        assert!(mts.is_mts() && !ConvKind::Standard.is_mts());
        let json = serde_json::to_string(&mts).unwrap();
        let back: ConvKind = serde_json::from_str(&json).unwrap();
        assert_eq!(back, mts);
    }

    #[test]
    fn output_size_and_too_small_input() {
        let geometry = ConvGeometry {
            channels: [1, 64],
            kernel: [11, 11],
            stride: [4, 4],
            padding: [2, 2],
        };
        assert_eq!(
            geometry.output_size("conv1", [63, 100], [11, 11]).unwrap(),
            [15, 24]
        );
        let err = geometry
            .output_size("conv1", [6, 100], [11, 11])
            .unwrap_err();
        assert!(matches!(
            err,
            ModelConfigError::InputTooSmall { layer: "conv1", .. }
        ));
    }

    #[test]
    fn stretched_mts_branches_need_room_for_the_longest_kernel() {
        let device = Device::flex();
        let kind = ConvKind::mts(ScaleSet::time(&[0.5, 1.0, 2.0]));
        let geometry = ConvGeometry::valid([1, 2], [10, 5]);
        // 15 frames fit the 10-frame kernel but not the 20-frame branch.
        let err = ConvLayer::build("conv", &kind, geometry, [15, 8], &device).unwrap_err();
        assert!(matches!(
            err,
            ModelConfigError::InputTooSmall {
                kernel: [20, 5],
                ..
            }
        ));
        let centered = ConvKind::Mts {
            scales: ScaleSet::time(&[0.5, 1.0, 2.0]),
            sharing: KernelSharing::Shared,
            alignment: BranchAlignment::Centered,
            resampling: KernelResampling::Linear,
        };
        let (_, output) = ConvLayer::build("conv", &centered, geometry, [15, 8], &device).unwrap();
        assert_eq!(output, [6, 4]);
    }
}
