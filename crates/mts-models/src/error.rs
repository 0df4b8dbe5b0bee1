//! What can be wrong with a model configuration.

use mts_core::MtsConfigError;
use thiserror::Error;

/// A model configuration that cannot be built.
#[derive(Debug, Error)]
pub enum ModelConfigError {
    /// Fewer than two classes.
    #[error("a classifier needs at least 2 classes, got {num_classes}")]
    TooFewClasses {
        /// The configured number of classes.
        num_classes: usize,
    },
    /// A size (channels, hidden units, ...) is zero.
    #[error("{layer}: {field} must be non-zero")]
    ZeroSize {
        /// The configuration field.
        field: &'static str,
        /// The layer it belongs to.
        layer: &'static str,
    },
    /// The input (or the feature map reaching a layer) is smaller than that layer's kernel.
    #[error(
        "{layer}: its input of {input:?} [time, freq] frames, padded by {padding:?} on each side, \
         is smaller than its {kernel:?} kernel; use longer or wider spectrograms"
    )]
    InputTooSmall {
        /// The layer whose input is too small.
        layer: &'static str,
        /// The `[time, freq]` size of that layer's input.
        input: [usize; 2],
        /// The `[time, freq]` kernel (for an MTS layer: the longest branch kernel).
        kernel: [usize; 2],
        /// The `[time, freq]` padding on each side.
        padding: [usize; 2],
    },
    /// The MTS settings of a layer are invalid.
    #[error("{layer}: {source}")]
    Mts {
        /// The MTS layer.
        layer: &'static str,
        /// What is wrong.
        #[source]
        source: MtsConfigError,
    },
    /// A dropout probability outside `[0, 1)`.
    #[error("dropout probability must be in [0, 1), got {prob}")]
    InvalidDropout {
        /// The configured probability.
        prob: f64,
    },
}
