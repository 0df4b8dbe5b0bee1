//! What one finished run leaves in its folder: `run.json`, a [`RunRecord`].

use std::path::{Path, PathBuf};

use mts_core::KernelResampling;
use mts_models::{EpochSummary, LayerUsage, MetricSummary, StopReason};
use serde::{Deserialize, Serialize};

use super::RunSpec;
use crate::experiment::SpeakerScore;
use crate::{CliError, conv_name};

/// The file a finished run writes last; its presence marks the run as done.
pub const RECORD_FILE: &str = "run.json";

/// The file a failed run leaves in its folder (the runner writes it).
pub const ERROR_FILE: &str = "error.txt";

/// A finished run: what was trained and how it scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run.
    pub run: RunSpec,
    /// Best validation loss (the model selection criterion; the checkpoint tested).
    pub best_valid_loss: f64,
    /// Epoch (from 1) of the best validation loss.
    pub best_epoch: usize,
    /// Why training ended.
    pub stop: StopReason,
    /// Test-split scores (per segment) of the best-validation-loss checkpoint.
    pub test: MetricSummary,
    /// Test-split scores per utterance (mean of its segments' probabilities), when segmented.
    pub test_utterances: Option<MetricSummary>,
    /// Test-split scores per speaker (absent in records written before they were kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_per_speaker: Vec<SpeakerScore>,
    /// Scale usage of each MTS layer on the test split (empty for standard models).
    pub scale_usage: Vec<LayerUsage>,
    /// Every epoch: losses, accuracies, validation UA, seconds.
    pub history: Vec<EpochSummary>,
    /// Wall-clock seconds of training and testing (this process's share when resumed).
    pub seconds: f64,
}

impl RunRecord {
    /// Writes `dir/run.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<(), CliError> {
        let path = dir.join(RECORD_FILE);
        let json = serde_json::to_string_pretty(self)?;
        std::fs::create_dir_all(dir)
            .and_then(|()| mts_models::write_atomically(&path, json.as_bytes()))
            .map_err(|source| CliError::Write { path, source })
    }

    /// Reads `dir/run.json`.
    pub fn read(dir: &Path) -> Result<Self, CliError> {
        let path = dir.join(RECORD_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| CliError::Read {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| CliError::Read {
            path,
            reason: e.to_string(),
        })
    }
}

/// The folder of every run of an experiment: `EXPERIMENT/runs`.
pub fn runs_dir(experiment: &Path) -> PathBuf {
    experiment.join("runs")
}

/// Every finished run under `experiment/runs`, sorted by run id. Folders without `run.json`
/// (runs in progress or interrupted) are skipped; an unreadable `run.json` is an error.
pub fn read_records(experiment: &Path) -> Result<Vec<RunRecord>, CliError> {
    let dir = runs_dir(experiment);
    let entries = std::fs::read_dir(&dir).map_err(|e| CliError::Read {
        path: dir.clone(),
        reason: e.to_string(),
    })?;
    let mut records = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| CliError::Read {
            path: dir.clone(),
            reason: e.to_string(),
        })?;
        if entry.path().join(RECORD_FILE).is_file() {
            records.push(RunRecord::read(&entry.path())?);
        }
    }
    records.sort_by_key(|record| record.run.id());
    Ok(records)
}

/// `MTS (0.5, 1, 2), shared, L2 0.001` or `standard, L2 0`.
pub(super) fn label(record: &RunRecord) -> String {
    match &record.run.conv {
        mts_models::ConvKind::Standard => format!("standard, L2 {}", record.run.l2),
        mts_models::ConvKind::Mts {
            sharing,
            resampling,
            ..
        } => {
            let resampling = match resampling {
                KernelResampling::Linear => String::new(),
                other => format!(", {other:?} kernels").to_lowercase(),
            };
            format!(
                "{}, {}{resampling}, L2 {}",
                conv_name(&record.run.conv),
                format!("{sharing:?}").to_lowercase(),
                record.run.l2
            )
        }
    }
}

/// A finished run of A1 on the synthetic corpus (seed 0, 2 folds, 10 test items), for tests.
#[cfg(test)]
pub(crate) fn test_record(
    conv: mts_models::ConvKind,
    l2: f64,
    fold: usize,
    valid_loss: f64,
    test: f64,
) -> RunRecord {
    let summary = MetricSummary {
        items: 10,
        accuracy: test,
        unweighted_average_recall: test,
        macro_f1: test,
        recall_per_class: vec![],
    };
    RunRecord {
        run: RunSpec {
            corpus: mts_data::CorpusKind::Synthetic,
            front_end: crate::FrontEnd::Paper,
            architecture: mts_models::Architecture::A1,
            conv,
            augmentation: mts_models::Augmentation::None,
            l2,
            seed: 0,
            fold,
            folds: 2,
            fold_scheme: crate::FoldScheme::Speaker,
        },
        best_valid_loss: valid_loss,
        best_epoch: 1,
        stop: StopReason::EarlyStopped,
        test: summary,
        test_utterances: None,
        test_per_speaker: Vec::new(),
        scale_usage: vec![],
        history: vec![],
        seconds: 1.0,
    }
}

/// MTS with time scales `scales`, shared kernels, stretched branches, linear resampling, for tests.
#[cfg(test)]
pub(crate) fn test_mts(scales: &[f64]) -> mts_models::ConvKind {
    mts_models::ConvKind::Mts {
        scales: mts_core::ScaleSet::time(scales),
        sharing: mts_core::KernelSharing::Shared,
        alignment: mts_core::BranchAlignment::Stretch,
        resampling: mts_core::KernelResampling::Linear,
    }
}
