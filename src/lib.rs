//! `mts`: multi-time-scale convolution for Burn, and the tools to use it for speech emotion
//! recognition. This crate re-exports the workspace's crates, each behind a feature (all on by
//! default; `default-features = false` keeps the layers alone):
//!
//! - `core` (always): the MTS layers [`MtsConv2d`](core::MtsConv2d),
//!   [`MtsConv1d`](core::MtsConv1d) and [`MtsConvTranspose2d`](core::MtsConvTranspose2d),
//!   backend-agnostic, depending on burn alone.
//! - `audio` (feature `audio`): decoding, resampling to 16 kHz, STFT spectrograms, normalisation.
//! - `data` (feature `data`): emotion corpora, speaker-independent folds, feature cache,
//!   synthetic corpus.
//! - `models` (feature `models`): the paper's models A1–A4 (standard and MTS), training and
//!   evaluation.
//! - `cli` (feature `cli`, the default): the `mts` command line as a library (experiments,
//!   comparisons, prediction).
//!
//! The layer in a model of your own, and the share of outputs each time scale wins:
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use mts::core::MtsConv2dConfig;
//!
//! let device = Device::flex();
//! let layer = MtsConv2dConfig::new([1, 4], [5, 3])
//!     .with_time_scales(&[0.5, 1.0, 2.0])
//!     .init(&device);
//! let spectrograms = Tensor::<4>::ones([2, 1, 40, 20], &device); // [batch, channels, time, freq]
//! let (features, usage) = layer.forward_with_usage(spectrograms);
//! assert_eq!(features.dims(), [2, 4, 36, 18]); // what a 5x3 Conv2d gives
//! assert_eq!(usage.fractions().len(), 3); // one share per scale
//! ```

#[cfg(feature = "audio")]
pub use mts_audio as audio;
#[cfg(feature = "cli")]
pub use mts_cli as cli;
pub use mts_core as core;
#[cfg(feature = "data")]
pub use mts_data as data;
#[cfg(feature = "models")]
pub use mts_models as models;

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
