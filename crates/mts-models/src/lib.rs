//! The speech-emotion-recognition models of the MTS paper (Guizzo, Weyde & Barnett Leveson,
//! ICASSP 2020), their training and their evaluation, on [Burn](https://burn.dev).
//!
//! - Models: A1, A2 ([`CnnOneConv`]), A3 ([`CnnTwoConv`]) and A4 ([`AlexNet`]), each in a
//!   standard and an MTS variant chosen by one field ([`ConvKind`]); [`SerModelConfig`] and
//!   [`SerModel`] hold any of them. Inputs are spectrograms `[batch, 1, time, freq]`, outputs
//!   logits `[batch, classes]`.
//! - Saving and loading: [`save_model`] / [`load_model`] write and read a model folder
//!   (`config.json` with a [`ModelCard`], `model.bpk` weights), atomically.
//! - Training: [`Trainer`] with [`TrainingConfig`] (the paper's defaults), per-epoch
//!   checkpoints and resumption, progress through a [`TrainingObserver`]; its optimizer
//!   [`FusedAdam`] (burn's Adam in one pass over memory on the CPU backends).
//! - Evaluation: [`Evaluator`] gives an [`Evaluation`] (loss, UA, WA, macro F1, per-class recall,
//!   [`ConfusionMatrix`], per-utterance pooling, MTS scale usage per layer).
//! - Data: anything implementing [`SpectrogramSet`]; [`InMemorySet`] holds items in memory.
//!   Training inputs can be augmented ([`Augmentation`]: time stretching, speed-perturbed
//!   variants), validation and test inputs never are.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use mts_core::ScaleSet;
//! use mts_models::{Architecture, ConvKind, SerModelConfig};
//!
//! let device = Device::flex();
//! let model = SerModelConfig::new(Architecture::A1, [40, 20], 4)
//!     .with_conv(ConvKind::mts(ScaleSet::time(&[0.5, 1.0, 2.0])))
//!     .init(&device);
//! let logits = model.forward(Tensor::<4>::zeros([2, 1, 40, 20], &device));
//! assert_eq!(logits.dims(), [2, 4]);
//! ```

mod alexnet;
mod augment;
mod conv;
mod data;
mod error;
mod evaluate;
mod metrics;
mod one_conv;
mod ser_model;
mod split_set;
mod store;
mod streams;
mod training;
mod two_conv;
mod wilcoxon;

pub use alexnet::{AlexNet, AlexNetConfig};
pub use augment::{Augmentation, AugmentationError, stretch_time};
pub use conv::{ConvKind, ConvLayer};
pub use data::{DataError, InMemorySet, LabeledSpectrogram, SpectrogramSet};
pub use error::ModelConfigError;
pub use evaluate::{Evaluation, Evaluator, LayerUsage, SplitMetrics};
pub use metrics::{ConfusionMatrix, MetricSummary};
pub use mts_data::atomic::{
    write_file as write_atomically, write_file_with as write_atomically_with,
};
pub use one_conv::{CnnOneConv, CnnOneConvConfig};
pub use ser_model::{Architecture, SerModel, SerModelConfig, UnknownArchitecture};
pub use split_set::SplitSet;
pub use store::{
    CONFIG_FILE, MODEL_FORMAT, MODEL_FORMAT_VERSION, ModelCard, ModelStoreError, WEIGHTS_FILE,
    load_model, read_config, save_model,
};
pub use training::{
    BURN_DEVICE, DefaultDevice, EpochSummary, FusedAdam, ProgressReporter, Silent, StopReason,
    Trainer, TrainingConfig, TrainingConfigError, TrainingError, TrainingObserver, TrainingOutcome,
    default_device_to_flex, format_duration,
};
pub use two_conv::{CnnTwoConv, CnnTwoConvConfig};
pub use wilcoxon::{EXACT_MAX_PAIRS, TIE_TOLERANCE, Wilcoxon, wilcoxon_signed_rank};
