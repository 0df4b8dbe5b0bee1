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
    /// An experiment stopped before its next runs because the disk is full: every later run
    /// would fail the same way. Finished runs are kept; the interrupted one resumes from its
    /// last checkpoint when the same command starts again.
    #[error(
        "stopped the grid at run {run}: the disk is full ({reason}); free space and start the \
         same command again (finished runs are kept, this one resumes from its last checkpoint)"
    )]
    OutOfSpace {
        /// The run that hit the full disk.
        run: String,
        /// The error it got.
        reason: String,
    },
    /// A run of an experiment that another process is training (it holds the run's lock).
    #[error("run {run} is being trained by {holder}; skipped")]
    RunBusy {
        /// The run id.
        run: String,
        /// Who holds the lock (`process 1234`).
        holder: String,
    },
}

/// The exit status of `mts` when the disk is full (`EX_IOERR` of sysexits.h), so that a parent
/// process (`mts experiment --jobs`, a batch scheduler) can tell it from a failed run.
pub const EXIT_OUT_OF_SPACE: i32 = 74;

/// The exit status of `mts experiment --only RUN` when another process holds the run's lock
/// (`EX_TEMPFAIL` of sysexits.h): the `--jobs` parent counts the run as skipped, not failed.
pub const EXIT_RUN_BUSY: i32 = 75;

impl CliError {
    /// Whether the error, or any error it was caused by, is an I/O error for a full disk
    /// (or a full quota).
    pub fn is_out_of_space(&self) -> bool {
        if matches!(self, Self::OutOfSpace { .. }) {
            return true;
        }
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(error) = cause {
            if let Some(io) = error.downcast_ref::<std::io::Error>()
                && matches!(
                    io.kind(),
                    std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
                )
            {
                return true;
            }
            cause = error.source();
        }
        false
    }

    /// The process exit status for this error: [`EXIT_OUT_OF_SPACE`] for a full disk,
    /// [`EXIT_RUN_BUSY`] for a run another process trains, else 1.
    pub fn exit_code(&self) -> i32 {
        if self.is_out_of_space() {
            EXIT_OUT_OF_SPACE
        } else if matches!(self, Self::RunBusy { .. }) {
            EXIT_RUN_BUSY
        } else {
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    fn training_io(kind: io::ErrorKind) -> CliError {
        CliError::Training(mts_models::TrainingError::from(io::Error::from(kind)))
    }

    #[test]
    fn a_full_disk_is_told_apart_through_the_error_chain() {
        let full = training_io(io::ErrorKind::StorageFull);
        assert!(full.is_out_of_space());
        assert_eq!(full.exit_code(), EXIT_OUT_OF_SPACE);
        let os = CliError::Write {
            path: "x".into(),
            source: io::Error::from_raw_os_error(28), // ENOSPC
        };
        assert!(os.is_out_of_space(), "{os}");
        let denied = training_io(io::ErrorKind::PermissionDenied);
        assert!(!denied.is_out_of_space());
        assert_eq!(denied.exit_code(), 1);
        assert_eq!(CliError::Usage("bad flag".into()).exit_code(), 1);
        let stopped = CliError::OutOfSpace {
            run: "r".into(),
            reason: full.to_string(),
        };
        assert_eq!(stopped.exit_code(), EXIT_OUT_OF_SPACE);
    }
}
