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

pub mod batcher;
pub mod cache;
pub mod corpus;
pub mod dataset;
pub mod features;
pub mod folds;
pub mod label;
pub mod stats;
pub mod synthetic;
pub mod utterance;

pub use batcher::{SpectrogramBatch, SpectrogramBatcher};
pub use cache::{CacheOutcome, FeatureCache, FileFeatureError};
pub use corpus::{Corpus, CorpusError, CorpusKind, RejectReason, RejectedFile};
pub use dataset::{SpectrogramDataset, SpectrogramItem};
pub use features::{
    CacheSummary, FeatureError, FeatureFailure, FeatureOptions, FeatureSet, FoldData,
    FoldPreparation, InputLength,
};
pub use folds::{Fold, FoldConfig, FoldError, FoldSplit, FoldUnit, SpeakerFolds, SplitRole};
pub use label::{Emotion, Label, LabelMap};
pub use stats::CorpusStats;
pub use synthetic::{SyntheticConfig, SyntheticCorpus, SyntheticError, SyntheticSpeaker};
pub use utterance::{Gender, Intensity, Utterance, UtteranceDetails};
