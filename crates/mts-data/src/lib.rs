//! Speech-emotion corpora, speaker-independent folds, a feature cache, a synthetic corpus and
//! Burn datasets for multi-time-scale (MTS) models.
//!
//! - [`Corpus::load`] reads EMODB, RAVDESS, TESS, IEMOCAP, CREMA-D or SAVEE from its folder
//!   into validated [`Utterance`]s, reporting every file it does not take ([`RejectedFile`]);
//!   [`Corpus::stats`] counts them per label and speaker.
//! - [`SpeakerFolds`] makes speaker-independent folds: K-fold where every speaker is tested
//!   exactly once, the published rotating window, and the TESS protocols.
//! - [`SyntheticCorpus`] generates a learnable corpus in memory, no files needed.
//! - [`FeatureSet`] computes every utterance's spectrogram once (in parallel, through the
//!   on-disk [`FeatureCache`]) and prepares a fold's [`SpectrogramDataset`]s, normalised with
//!   statistics of the training split only; [`SpectrogramBatcher`] stacks them into
//!   `[batch, 1, time, freq]` tensors for Burn's data loader.
//!
//! ```
//! use burn::data::dataloader::DataLoaderBuilder;
//! use mts_audio::SpectrogramConfig;
//! use mts_data::{
//!     FeatureSet, FoldPreparation, SpectrogramBatcher, SyntheticConfig, SyntheticCorpus,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A small synthetic corpus (for a real one: `Corpus::load(CorpusKind::Emodb, dir)?`,
//! // `SpeakerFolds::k_fold(&corpus, &FoldConfig::default())?` and
//! // `FeatureSet::compute(&corpus, &config, Some(&FeatureCache::open(cache_dir)?), &options)?`).
//! let synthetic = SyntheticCorpus::generate(&SyntheticConfig {
//!     train_speakers: 2,
//!     utterances_per_class: 1,
//!     ..SyntheticConfig::default()
//! })?;
//! let features = FeatureSet::from_synthetic(&synthetic, &SpectrogramConfig::paper())?;
//! let folds = synthetic.folds();
//! let data = features.fold_data(&folds.folds()[0], &FoldPreparation::default())?;
//! let loader = DataLoaderBuilder::new(SpectrogramBatcher)
//!     .batch_size(4)
//!     .set_device(burn::tensor::Device::flex())
//!     .build(data.train.clone());
//! let batch = loader.iter().next().expect("one batch")?;
//! assert_eq!(batch.inputs.dims()[1..], [1, data.train.input_shape().unwrap()[0], 161]);
//! # Ok(())
//! # }
//! ```

pub mod atomic;
pub mod batcher;
pub mod cache;
pub mod corpus;
pub mod dataset;
pub mod features;
pub mod folds;
pub mod label;
pub mod pooling;
pub mod stats;
pub mod synthetic;
pub mod utterance;

pub use batcher::{SpectrogramBatch, SpectrogramBatcher, batch_tensors};
pub use cache::{CacheOutcome, FeatureCache, FileFeatureError};
pub use corpus::{Corpus, CorpusError, CorpusKind, RejectReason, RejectedFile};
pub use dataset::{SpectrogramDataset, SpectrogramItem};
pub use features::{
    CacheSummary, FeatureError, FeatureFailure, FeatureOptions, FeatureSet, FoldData,
    FoldPreparation, InputLength,
};
pub use folds::{Fold, FoldConfig, FoldError, FoldSplit, FoldUnit, SpeakerFolds, SplitRole};
pub use label::{Emotion, Label, LabelMap};
pub use pooling::{PoolingError, UtterancePooling};
pub use stats::CorpusStats;
pub use synthetic::{SyntheticConfig, SyntheticCorpus, SyntheticError, SyntheticSpeaker};
pub use utterance::{Gender, Intensity, Utterance, UtteranceDetails};
