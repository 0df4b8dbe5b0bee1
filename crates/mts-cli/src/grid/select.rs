//! Choosing, per cell (corpus × front end × architecture), the standard and the MTS
//! configuration (L2, scale set, sharing) by **validation** loss. Test scores are never read
//! here: [`select_by_validation`] only receives candidate names and validation losses.

use std::collections::BTreeMap;

use mts_data::CorpusKind;
use mts_models::{Architecture, Augmentation, ConvKind};
use serde::Serialize;

use super::record::RunRecord;
use super::spec::conv_slug;
use crate::FrontEnd;

/// One row of the Table-1 layout: a corpus, front end and architecture, trained with one
/// augmentation (standard and MTS are chosen and paired within a cell, so `standard + tempo`
/// meets `MTS + tempo`, and `standard` meets `MTS`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Cell {
    /// The corpus.
    pub corpus: CorpusKind,
    /// The front end.
    pub front_end: FrontEnd,
    /// The architecture.
    pub architecture: Architecture,
    /// The training augmentation (none for most cells; then absent from `results.json`).
    #[serde(skip_serializing_if = "Augmentation::is_none")]
    pub augmentation: Augmentation,
}

impl Cell {
    /// The cell of a run.
    pub fn of(record: &RunRecord) -> Self {
        Self {
            corpus: record.run.corpus,
            front_end: record.run.front_end,
            architecture: record.run.architecture,
            augmentation: record.run.augmentation.clone(),
        }
    }

    /// `A1`, or `A1 + tempo:0.7-1.428` for a cell with augmentation.
    pub fn model_name(&self) -> String {
        format!(
            "{}{}",
            self.architecture,
            crate::augmentation_suffix(&self.augmentation)
        )
    }
}

/// What a cell chooses among: a convolution variant with an L2 value, e.g.
/// `mts-0.5-1-2-shared l2 0.001`.
pub fn candidate(record: &RunRecord) -> String {
    format!("{} l2 {}", conv_slug(&record.run.conv), record.run.l2)
}

/// Whether a record is an MTS run.
pub fn is_mts(record: &RunRecord) -> bool {
    matches!(record.run.conv, ConvKind::Mts { .. })
}

/// The candidate with the lowest mean validation loss, among those with the most runs (a
/// candidate whose runs are not all finished does not compete against complete ones). Ties go
/// to the first name in sorted order. `None` for no scores.
pub fn select_by_validation(scores: impl IntoIterator<Item = (String, f64)>) -> Option<String> {
    let mut sums: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for (name, loss) in scores {
        let entry = sums.entry(name).or_insert((0.0, 0));
        entry.0 += loss;
        entry.1 += 1;
    }
    let most = sums.values().map(|(_, n)| *n).max()?;
    let mut best: Option<(String, f64)> = None;
    for (name, (sum, n)) in sums {
        let mean = sum / n as f64;
        if n == most && best.as_ref().is_none_or(|(_, b)| mean < *b) {
            best = Some((name, mean));
        }
    }
    best.map(|(name, _)| name)
}

/// The records of one cell's chosen standard and MTS candidates.
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    /// The cell.
    pub cell: Cell,
    /// Chosen standard candidate and its runs.
    pub standard: Option<(String, Vec<&'a RunRecord>)>,
    /// Chosen MTS candidate and its runs.
    pub mts: Option<(String, Vec<&'a RunRecord>)>,
}

/// Groups `records` by cell and chooses each cell's standard and MTS candidate by validation.
pub fn select_cells(records: &[RunRecord]) -> Vec<Selection<'_>> {
    let mut cells: BTreeMap<Cell, Vec<&RunRecord>> = BTreeMap::new();
    for record in records {
        cells.entry(Cell::of(record)).or_default().push(record);
    }
    cells
        .into_iter()
        .map(|(cell, runs)| {
            let choose = |mts: bool| {
                let family: Vec<&RunRecord> =
                    runs.iter().copied().filter(|r| is_mts(r) == mts).collect();
                let scores = family.iter().map(|r| (candidate(r), r.best_valid_loss));
                let chosen = select_by_validation(scores)?;
                let chosen_runs = family
                    .into_iter()
                    .filter(|r| candidate(r) == chosen)
                    .collect();
                Some((chosen, chosen_runs))
            };
            Selection {
                cell,
                standard: choose(false),
                mts: choose(true),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lowest_mean_validation_loss_of_complete_candidates_wins() {
        let scores = [
            ("b", 1.0),
            ("b", 1.2),
            ("a", 1.3),
            ("a", 1.3),
            ("c", 0.5), // one run only: incomplete
        ];
        let scores = scores.iter().map(|(n, l)| (n.to_string(), *l));
        assert_eq!(select_by_validation(scores).as_deref(), Some("b"));
        let tie = [("z", 1.0), ("y", 1.0)].map(|(n, l)| (n.to_string(), l));
        assert_eq!(select_by_validation(tie).as_deref(), Some("y"));
        assert_eq!(select_by_validation(Vec::new()), None);
    }

    use crate::grid::record::{test_mts as mts, test_record as record};

    #[test]
    fn cells_choose_by_validation_even_when_test_says_otherwise() {
        // For each family the configuration with the better test score has the worse
        // validation loss: the choice must follow validation.
        let records = vec![
            record(ConvKind::Standard, 0.0, 0, 1.0, 0.9),
            record(ConvKind::Standard, 0.0, 1, 1.0, 0.9),
            record(ConvKind::Standard, 0.01, 0, 0.8, 0.2),
            record(ConvKind::Standard, 0.01, 1, 0.8, 0.2),
            record(mts(&[0.5, 1.0, 2.0]), 0.0, 0, 0.9, 1.0),
            record(mts(&[0.5, 1.0, 2.0]), 0.0, 1, 0.9, 1.0),
            record(mts(&[0.7, 1.0, 1.428]), 0.0, 0, 0.7, 0.1),
            record(mts(&[0.7, 1.0, 1.428]), 0.0, 1, 0.7, f64::NAN),
        ];
        let cells = select_cells(&records);
        assert_eq!(cells.len(), 1);
        let (standard, runs) = cells[0].standard.as_ref().unwrap();
        assert_eq!(standard, "standard l2 0.01");
        assert_eq!(runs.len(), 2);
        let (mts, _) = cells[0].mts.as_ref().unwrap();
        assert_eq!(mts, "mts-0.7-1-1.428-shared l2 0");
    }
}
