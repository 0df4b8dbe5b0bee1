//! The one error type of the `mts` command: every failure becomes one line on stderr.

use std::path::PathBuf;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A flag value or combination that cannot work.
    #[error("{0}")]
    Usage(String),
    /// A compute device that is not compiled in or not usable on this machine.
    #[error("{0}")]
    Device(String),
    /// A corpus folder that cannot be read as the corpus it claims to be.
    #[error(transparent)]
    Corpus(#[from] mts_data::CorpusError),
    /// A feature cache folder that cannot be used.
    #[error(transparent)]
    Cache(#[from] mts_data::cache::CacheError),
    /// Spectrograms that cannot be computed or prepared.
    #[error(transparent)]
    Features(#[from] mts_data::FeatureError),
    /// Folds that cannot be made.
    #[error(transparent)]
    Folds(#[from] mts_data::FoldError),
    /// An invalid synthetic-corpus setting.
    #[error(transparent)]
    Synthetic(#[from] mts_data::SyntheticError),
    /// Audio that cannot be decoded or turned into features.
    #[error(transparent)]
    Audio(#[from] mts_audio::AudioError),
    /// Invalid MTS scales.
    #[error(transparent)]
    Scales(#[from] mts_core::MtsConfigError),
    /// An invalid model configuration.
    #[error(transparent)]
    Model(#[from] mts_models::ModelConfigError),
    /// A model folder that cannot be written or read.
    #[error(transparent)]
    Store(#[from] mts_models::ModelStoreError),
    /// Training failed.
    #[error(transparent)]
    Training(#[from] mts_models::TrainingError),
    /// Inputs that do not fit the model.
    #[error(transparent)]
    Data(#[from] mts_models::DataError),
    /// A model folder whose feature settings are missing or unreadable.
    #[error("{dir}: the model folder has no usable feature settings: {reason}")]
    ModelFeatures {
        /// The model folder.
        dir: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A model card that cannot be serialised.
    #[error("cannot serialise the model card: {0}")]
    Card(#[from] serde_json::Error),
    /// A figure that cannot be drawn or written.
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    /// A results file that cannot be read or parsed.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A results file that cannot be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}
