//! `mts experiment`: a grid of runs (corpora × front ends × architectures × convolutions × L2 ×
//! seeds × folds), resumable and shardable, and its report with validation-based selection,
//! Wilcoxon tests and figures.

mod figures;
mod lock;
mod missing;
mod progress;
mod record;
mod report;
mod runner;
mod select;
mod speakers;
mod spec;

use std::path::{Path, PathBuf};

pub use figures::write_figures;
pub use lock::LOCK_FILE;
pub use missing::{MissingRun, missing_runs};
pub use record::{ERROR_FILE, RECORD_FILE, RunRecord, read_records, runs_dir};
pub use report::{
    CandidateRow, CellReport, ChosenModel, OverallTest, Pair, PairedTest, Report, build_report,
    markdown, runs_csv,
};
pub use runner::{GridOptions, read_grid, run_grid, run_single};
pub use select::{Cell, Selection, candidate, select_by_validation, select_cells};
pub use speakers::{SpeakerAccuracy, speaker_accuracies, speakers_markdown};
pub use spec::{GridSpec, NAMED_SCALE_SETS, RunSpec, Shard, conv_slug, parse_scale_set};

use crate::CliError;

/// Reads every finished run under `dir/runs` and writes `results.md`, `results.csv` (one row
/// per run), `results.json` and the figures into `dir`; returns the report and the paths
/// written. With the folder's `grid.json`, the report also lists the grid's runs that have no
/// result yet and why (failed, interrupted, not started).
pub fn write_report(dir: &Path) -> Result<(Report, Vec<PathBuf>), CliError> {
    let records = read_records(dir)?;
    if records.is_empty() {
        return Err(CliError::Usage(format!(
            "{} has no finished runs (runs/<run>/{RECORD_FILE})",
            dir.display()
        )));
    }
    let mut report = build_report(&records);
    (report.grid_runs, report.missing) = missing_runs(dir)?;
    let mut written = Vec::new();
    for (name, text) in [
        ("results.md", markdown(&report)),
        ("results.csv", runs_csv(&records)),
        ("results.json", serde_json::to_string_pretty(&report)?),
    ] {
        let path = dir.join(name);
        mts_models::write_atomically(&path, text.as_bytes()).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    written.extend(write_figures(&report, &records, dir)?);
    Ok((report, written))
}
