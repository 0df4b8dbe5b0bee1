//! `mts`: multi-time-scale convolution for Burn, and the tools to use it for speech emotion
//! recognition. This crate re-exports the workspace's crates:
//!
//! - [`core`]: the [`MtsConv2d`](core::MtsConv2d) layer (`[batch, channels, time, freq]`),
//!   backend-agnostic.
//! - [`audio`]: decoding, resampling to 16 kHz, STFT spectrograms, normalisation.
//! - [`data`]: emotion corpora, speaker-independent folds, feature cache, synthetic corpus.
//! - [`models`]: the paper's models A1–A4 (standard and MTS), training and evaluation.
//! - [`cli`]: the `mts` command line as a library (experiments, comparisons, prediction).

pub use mts_audio as audio;
pub use mts_cli as cli;
pub use mts_core as core;
pub use mts_data as data;
pub use mts_models as models;

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
