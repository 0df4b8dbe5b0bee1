//! Why a training run could not start or go on.

use std::io;
use std::path::PathBuf;

use burn::store::RecordError;
use thiserror::Error;

use crate::data::DataError;
use crate::error::ModelConfigError;
use crate::training::config::TrainingConfigError;

/// A training run that could not start, go on or resume.
#[derive(Debug, Error)]
pub enum TrainingError {
    /// Invalid hyper-parameters.
    #[error("invalid training settings: {0}")]
    Config(#[from] TrainingConfigError),
    /// The model configuration cannot be built.
    #[error("invalid model: {0}")]
    Model(#[from] ModelConfigError),
    /// The data does not fit the model.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A file system error.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// burn could not write or read a weights or optimizer file.
    #[error("{path}: {source}")]
    Record {
        /// The file.
        path: PathBuf,
        /// burn's error.
        #[source]
        source: RecordError,
    },
    /// The checkpoint's `state.json` is unreadable or of another format.
    #[error("{path}: not a usable training checkpoint: {reason}")]
    InvalidCheckpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The checkpoint folder belongs to another run.
    #[error("{path} holds a checkpoint of another run ({what}); use another folder or delete it")]
    CheckpointMismatch {
        /// The checkpoint folder.
        path: PathBuf,
        /// What differs.
        what: String,
    },
}

impl From<io::Error> for TrainingError {
    fn from(source: io::Error) -> Self {
        Self::Io {
            path: PathBuf::new(),
            source,
        }
    }
}
