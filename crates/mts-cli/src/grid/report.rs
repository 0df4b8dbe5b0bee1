//! The experiment report: per cell the validation-chosen standard and MTS models, their test
//! scores over the paired (seed, fold) runs, Wilcoxon signed-rank tests, and every
//! configuration's scores; as markdown, CSV (one row per run) and JSON.

use std::fmt::Write as _;

use mts_core::ScaleUsage;
use mts_data::CorpusKind;
use mts_models::{Augmentation, Wilcoxon, wilcoxon_signed_rank};
use serde::Serialize;

use super::missing::{MissingRun, missing_markdown};
use super::record::{RunRecord, label};
use super::select::{Cell, Selection, candidate, select_cells};
use super::speakers::{SpeakerAccuracy, speaker_accuracies, speakers_markdown};
use crate::compare::{add_layer_usage, percent, usage_text};
use crate::{FoldScheme, FrontEnd, MeanStd};

/// A cell's chosen model (one candidate over its seeds and folds).
#[derive(Debug, Clone, Serialize)]
pub struct ChosenModel {
    /// The candidate, e.g. `mts-0.5-1-2-shared l2 0.001`.
    pub candidate: String,
    /// For people: `MTS (0.5, 1, 2), shared, L2 0.001`.
    pub label: String,
    /// Runs (seeds × folds) finished.
    pub runs: usize,
    /// Best validation loss, mean ± std over the runs (what chose it).
    pub valid_loss: MeanStd,
    /// Test accuracy (WA), mean ± std over the runs.
    pub wa: MeanStd,
    /// Test unweighted average recall (UA), mean ± std over the runs.
    pub ua: MeanStd,
    /// Test scale usage per MTS layer, counts summed over the runs.
    pub usage: Vec<(String, ScaleUsage)>,
    /// Mean epochs trained.
    pub epochs: f64,
}

/// The standard and MTS test scores of one (seed, fold).
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// Seed.
    pub seed: u64,
    /// Fold.
    pub fold: usize,
    /// Standard model's test WA.
    pub standard_wa: f64,
    /// MTS model's test WA.
    pub mts_wa: f64,
}

/// The paired comparison of a set of pairs: mean difference and the signed-rank test.
#[derive(Debug, Clone, Serialize)]
pub struct PairedTest {
    /// Number of pairs.
    pub pairs: usize,
    /// MTS minus standard test WA in points, mean ± std over pairs.
    pub difference_points: MeanStd,
    /// Two-sided exact Wilcoxon signed-rank test (`None` without pairs).
    pub wilcoxon: Option<Wilcoxon>,
}

impl PairedTest {
    fn of(pairs: &[Pair]) -> Self {
        let standard: Vec<f64> = pairs.iter().map(|p| p.standard_wa).collect();
        let mts: Vec<f64> = pairs.iter().map(|p| p.mts_wa).collect();
        let differences: Vec<f64> = pairs
            .iter()
            .map(|p| 100.0 * (p.mts_wa - p.standard_wa))
            .collect();
        Self {
            pairs: pairs.len(),
            difference_points: MeanStd::of(&differences),
            wilcoxon: (!pairs.is_empty())
                .then(|| wilcoxon_signed_rank(&standard, &mts))
                .flatten(),
        }
    }
}

/// One row of the Table-1 layout.
#[derive(Debug, Clone, Serialize)]
pub struct CellReport {
    /// Corpus, front end, architecture.
    pub cell: Cell,
    /// The validation-chosen standard model.
    pub standard: Option<ChosenModel>,
    /// The validation-chosen MTS model.
    pub mts: Option<ChosenModel>,
    /// Their test WA on the (seed, fold)s both finished.
    pub pairs: Vec<Pair>,
    /// MTS vs standard over `pairs`.
    pub test: PairedTest,
}

/// MTS vs standard over every architecture of a corpus, front end and augmentation.
#[derive(Debug, Clone, Serialize)]
pub struct OverallTest {
    /// The corpus.
    pub corpus: CorpusKind,
    /// The front end.
    pub front_end: FrontEnd,
    /// The training augmentation of every pair pooled.
    #[serde(skip_serializing_if = "Augmentation::is_none")]
    pub augmentation: Augmentation,
    /// The architectures pooled.
    pub architectures: Vec<String>,
    /// The pooled comparison.
    pub test: PairedTest,
}

/// One configuration's scores over its runs (every configuration of every cell).
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRow {
    /// Its cell.
    pub cell: Cell,
    /// The candidate with its scores.
    pub model: ChosenModel,
    /// Whether validation chose it for its cell.
    pub chosen: bool,
}

/// Everything the report shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Finished runs read.
    pub runs: usize,
    /// One per cell, in cell order.
    pub cells: Vec<CellReport>,
    /// One per corpus and front end.
    pub overall: Vec<OverallTest>,
    /// Every configuration.
    pub candidates: Vec<CandidateRow>,
    /// Every configuration's test accuracy per speaker (runs with per-speaker scores).
    pub speakers: Vec<SpeakerAccuracy>,
    /// Runs in the folder's `grid.json` (0 when it has none).
    pub grid_runs: usize,
    /// The runs of `grid.json` without a result, and why (filled by `write_report`).
    pub missing: Vec<MissingRun>,
}

fn model(name: &str, runs: &[&RunRecord]) -> ChosenModel {
    let of = |f: fn(&RunRecord) -> f64| MeanStd::of(&runs.iter().map(|r| f(r)).collect::<Vec<_>>());
    let mut usage = Vec::new();
    for run in runs {
        add_layer_usage(&mut usage, &run.scale_usage);
    }
    ChosenModel {
        candidate: name.to_string(),
        label: runs.first().map(|r| label(r)).unwrap_or_default(),
        runs: runs.len(),
        valid_loss: of(|r| r.best_valid_loss),
        wa: of(|r| r.test.accuracy),
        ua: of(|r| r.test.unweighted_average_recall),
        usage,
        epochs: runs.iter().map(|r| r.history.len() as f64).sum::<f64>() / runs.len().max(1) as f64,
    }
}

/// What a run was tested on: its seed, fold scheme, number of folds and fold (every part of the
/// run but the configuration), so that a pair compares two models on the same test split.
fn test_split(record: &RunRecord) -> (u64, FoldScheme, usize, usize) {
    let run = &record.run;
    (run.seed, run.fold_scheme, run.folds, run.fold)
}

/// The chosen standard and MTS runs paired by their test split ([`test_split`]). A run without a
/// partner is left out; a test split met twice on one side (the same run read twice) is paired
/// once, with its first runs.
fn pairs(selection: &Selection<'_>) -> Vec<Pair> {
    let (Some((_, standard)), Some((_, mts))) = (&selection.standard, &selection.mts) else {
        return Vec::new();
    };
    let mut pairs = Vec::new();
    let mut paired = Vec::new();
    for s in standard {
        let split = test_split(s);
        if paired.contains(&split) {
            continue;
        }
        if let Some(m) = mts.iter().find(|m| test_split(m) == split) {
            paired.push(split);
            pairs.push(Pair {
                seed: s.run.seed,
                fold: s.run.fold,
                standard_wa: s.test.accuracy,
                mts_wa: m.test.accuracy,
            });
        }
    }
    pairs.sort_by_key(|p| (p.seed, p.fold));
    pairs
}

/// Builds the report from finished runs.
pub fn build_report(records: &[RunRecord]) -> Report {
    let selections = select_cells(records);
    let mut cells = Vec::new();
    for selection in &selections {
        let pairs = pairs(selection);
        cells.push(CellReport {
            cell: selection.cell.clone(),
            standard: selection.standard.as_ref().map(|(n, runs)| model(n, runs)),
            mts: selection.mts.as_ref().map(|(n, runs)| model(n, runs)),
            test: PairedTest::of(&pairs),
            pairs,
        });
    }
    let mut overall: Vec<OverallTest> = Vec::new();
    let group_of = |cell: &Cell| (cell.corpus, cell.front_end, cell.augmentation.clone());
    for cell in &cells {
        let key = group_of(&cell.cell);
        let index = match overall
            .iter()
            .position(|o| (o.corpus, o.front_end, o.augmentation.clone()) == key)
        {
            Some(index) => index,
            None => {
                overall.push(OverallTest {
                    corpus: key.0,
                    front_end: key.1,
                    augmentation: key.2,
                    architectures: Vec::new(),
                    test: PairedTest::of(&[]),
                });
                overall.len() - 1
            }
        };
        overall[index].architectures.push(cell.cell.model_name());
    }
    for group in &mut overall {
        let key = (group.corpus, group.front_end, group.augmentation.clone());
        let pooled: Vec<Pair> = cells
            .iter()
            .filter(|c| group_of(&c.cell) == key)
            .flat_map(|c| c.pairs.iter().cloned())
            .collect();
        group.test = PairedTest::of(&pooled);
    }
    Report {
        runs: records.len(),
        candidates: candidate_rows(records, &cells),
        speakers: speaker_accuracies(records),
        cells,
        overall,
        grid_runs: 0,
        missing: Vec::new(),
    }
}

fn candidate_rows(records: &[RunRecord], cells: &[CellReport]) -> Vec<CandidateRow> {
    let mut groups: Vec<(Cell, String, Vec<&RunRecord>)> = Vec::new();
    for record in records {
        let key = (Cell::of(record), candidate(record));
        match groups
            .iter_mut()
            .find(|(c, n, _)| *c == key.0 && *n == key.1)
        {
            Some((_, _, runs)) => runs.push(record),
            None => groups.push((key.0, key.1, vec![record])),
        }
    }
    groups.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    groups
        .into_iter()
        .map(|(cell, name, runs)| {
            let chosen = cells.iter().any(|c| {
                c.cell == cell
                    && [&c.standard, &c.mts]
                        .iter()
                        .any(|m| m.as_ref().is_some_and(|m| m.candidate == name))
            });
            CandidateRow {
                cell,
                model: model(&name, &runs),
                chosen,
            }
        })
        .collect()
}

fn p_value(test: &PairedTest) -> String {
    test.wilcoxon
        .as_ref()
        .map_or("–".to_string(), |w| format!("{:.3}", w.p_value))
}

fn points(s: MeanStd) -> String {
    format!("{:+.1} ± {:.1}", s.mean, s.std)
}

/// The report as markdown: the Table-1 layout, the pooled tests, every configuration.
pub fn markdown(report: &Report) -> String {
    let mut out = format!(
        "# Experiment report\n\n{} finished runs. Per cell (corpus × front end × architecture) \
         the standard and the MTS configuration (L2, scale set, kernel sharing) are chosen by the \
         lowest mean **validation** loss over their seeds and folds; test scores never take part \
         in the choice (the published code picked by test accuracy). Scores are test accuracy \
         (WA) and unweighted average recall (UA) in %, mean ± population std over seeds × \
         folds. Δ is MTS minus standard WA in points over the (seed, fold) pairs; p is the \
         two-sided exact Wilcoxon signed-rank test over those pairs (zero differences dropped, \
         tied |differences| share their mean rank).\n\n",
        report.runs
    );
    out.push_str(
        "| corpus | front end | arch | pairs | standard WA | standard UA | MTS WA | MTS UA | Δ WA | p | chosen standard | chosen MTS | MTS usage per branch |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let dash = || "–".to_string();
    for cell in &report.cells {
        let score = |m: &Option<ChosenModel>, f: fn(&ChosenModel) -> MeanStd| {
            m.as_ref().map_or_else(dash, |m| percent(f(m)))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell.cell.corpus.slug(),
            cell.cell.front_end,
            cell.cell.model_name(),
            cell.test.pairs,
            score(&cell.standard, |m| m.wa),
            score(&cell.standard, |m| m.ua),
            score(&cell.mts, |m| m.wa),
            score(&cell.mts, |m| m.ua),
            if cell.test.pairs > 0 {
                points(cell.test.difference_points)
            } else {
                dash()
            },
            p_value(&cell.test),
            cell.standard
                .as_ref()
                .map_or_else(dash, |m| m.label.clone()),
            cell.mts.as_ref().map_or_else(dash, |m| m.label.clone()),
            cell.mts
                .as_ref()
                .map_or_else(dash, |m| usage_text(&m.usage)),
        );
    }
    out.push_str(
        "\n## All architectures pooled\n\n| corpus | front end | architectures | pairs | Δ WA | W+ | W− | p |\n|---|---|---|---|---|---|---|---|\n",
    );
    for group in &report.overall {
        let (w_plus, w_minus) = group.test.wilcoxon.as_ref().map_or((dash(), dash()), |w| {
            (w.w_plus.to_string(), w.w_minus.to_string())
        });
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {w_plus} | {w_minus} | {} |",
            group.corpus.slug(),
            group.front_end,
            group.architectures.join(", "),
            group.test.pairs,
            points(group.test.difference_points),
            p_value(&group.test)
        );
    }
    out.push_str(
        "\n## Every configuration\n\n| corpus | front end | arch | configuration | runs | valid loss | test WA | test UA | epochs | chosen |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for row in &report.candidates {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {:.4} ± {:.4} | {} | {} | {:.1} | {} |",
            row.cell.corpus.slug(),
            row.cell.front_end,
            row.cell.model_name(),
            row.model.label,
            row.model.runs,
            row.model.valid_loss.mean,
            row.model.valid_loss.std,
            percent(row.model.wa),
            percent(row.model.ua),
            row.model.epochs,
            if row.chosen { "yes" } else { "" }
        );
    }
    out.push_str(&speakers_markdown(&report.speakers));
    if report.grid_runs > 0 {
        out.push_str(&missing_markdown(&report.missing, report.grid_runs));
    }
    out
}

/// One CSV row per finished run.
pub fn runs_csv(records: &[RunRecord]) -> String {
    let mut out = String::from(
        "run,corpus,front_end,arch,conv,l2,seed,fold,best_valid_loss,best_epoch,epochs,stop,test_wa,test_ua,test_macro_f1,seconds,scale_usage,augmentation\n",
    );
    for r in records {
        let mut usage = Vec::new();
        add_layer_usage(&mut usage, &r.scale_usage);
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{:.6},{},{},{:?},{:.6},{:.6},{:.6},{:.1},\"{}\",{}",
            r.run.id(),
            r.run.corpus.slug(),
            r.run.front_end,
            r.run.architecture,
            super::spec::conv_slug(&r.run.conv),
            r.run.l2,
            r.run.seed,
            r.run.fold,
            r.best_valid_loss,
            r.best_epoch,
            r.history.len(),
            r.stop,
            r.test.accuracy,
            r.test.unweighted_average_recall,
            r.test.macro_f1,
            r.seconds,
            usage_text(&usage),
            r.run.augmentation
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use mts_models::{Architecture, ConvKind};

    use super::*;
    use crate::grid::record::{test_mts as mts, test_record};

    /// A finished run of `conv` on `fold` with test accuracy `wa` (validation loss 1).
    fn run(conv: ConvKind, fold: usize, wa: f64) -> RunRecord {
        test_record(conv, 0.0, fold, 1.0, wa)
    }

    /// `(fold, standard WA, MTS WA)` of the only cell's pairs.
    fn pairs_of(records: &[RunRecord]) -> Vec<(usize, f64, f64)> {
        let report = build_report(records);
        assert_eq!(report.cells.len(), 1);
        let cell = &report.cells[0];
        assert_eq!(cell.test.pairs, cell.pairs.len());
        let pairs = cell.pairs.iter();
        pairs.map(|p| (p.fold, p.standard_wa, p.mts_wa)).collect()
    }

    #[test]
    fn runs_without_a_partner_are_left_out() {
        let scales = [0.5, 1.0, 2.0];
        let records = vec![
            run(ConvKind::Standard, 0, 0.50),
            run(ConvKind::Standard, 1, 0.51),
            run(mts(&scales), 0, 0.60),
            run(mts(&scales), 2, 0.62),
        ];
        assert_eq!(pairs_of(&records), [(0, 0.50, 0.60)]);
        let only_standard = &records[..2];
        assert!(pairs_of(only_standard).is_empty());
        assert!(build_report(only_standard).cells[0].test.wilcoxon.is_none());
    }

    #[test]
    fn a_run_read_twice_is_paired_once() {
        let scales = [0.5, 1.0, 2.0];
        let records = vec![
            run(ConvKind::Standard, 0, 0.50),
            run(ConvKind::Standard, 0, 0.50),
            run(ConvKind::Standard, 1, 0.51),
            run(mts(&scales), 0, 0.60),
            run(mts(&scales), 1, 0.61),
            run(mts(&scales), 1, 0.61),
        ];
        assert_eq!(pairs_of(&records), [(0, 0.50, 0.60), (1, 0.51, 0.61)]);
        let test = &build_report(&records).cells[0].test;
        assert_eq!(test.wilcoxon.as_ref().map(|w| w.n), Some(2));
    }

    #[test]
    fn only_the_validation_chosen_configurations_are_paired() {
        // Two standard and two MTS configurations; validation prefers L2 0.01 and (0.7, 1, 1.428).
        let mut records = Vec::new();
        for fold in 0..2 {
            let wa = |base: f64| base + fold as f64 / 100.0;
            records.push(test_record(ConvKind::Standard, 0.0, fold, 1.2, wa(0.30)));
            records.push(test_record(ConvKind::Standard, 0.01, fold, 1.0, wa(0.40)));
            records.push(test_record(mts(&[0.5, 1.0, 2.0]), 0.0, fold, 1.1, wa(0.70)));
            records.push(test_record(
                mts(&[0.7, 1.0, 1.428]),
                0.0,
                fold,
                0.9,
                wa(0.60),
            ));
        }
        assert_eq!(
            pairs_of(&records),
            [(0, 0.40, 0.60), (1, 0.40 + 0.01, 0.60 + 0.01)]
        );
    }

    #[test]
    fn runs_pair_only_on_the_same_fold_scheme_and_seed() {
        let scales = [0.5, 1.0, 2.0];
        let window = |mut record: RunRecord| {
            record.run.fold_scheme = FoldScheme::PublishedWindow;
            record
        };
        let seed = |mut record: RunRecord, seed: u64| {
            record.run.seed = seed;
            record
        };
        let records = vec![
            run(ConvKind::Standard, 0, 0.50),
            window(run(ConvKind::Standard, 0, 0.30)),
            seed(run(ConvKind::Standard, 0, 0.40), 7),
            window(run(mts(&scales), 0, 0.35)),
            run(mts(&scales), 0, 0.60),
            seed(run(mts(&scales), 0, 0.45), 7),
        ];
        let report = build_report(&records);
        let mut pairs: Vec<(u64, f64, f64)> = report.cells[0]
            .pairs
            .iter()
            .map(|p| (p.seed, p.standard_wa, p.mts_wa))
            .collect();
        pairs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(pairs, [(0, 0.30, 0.35), (0, 0.50, 0.60), (7, 0.40, 0.45)]);
    }

    #[test]
    fn the_pooled_test_takes_every_architectures_pairs() {
        let scales = [0.5, 1.0, 2.0];
        let mut records = Vec::new();
        for (architecture, base) in [(Architecture::A1, 0.5), (Architecture::A2, 0.6)] {
            for fold in 0..2 {
                for (conv, gain) in [(ConvKind::Standard, 0.0), (mts(&scales), 0.1)] {
                    let wa = base + gain + fold as f64 / 100.0;
                    let mut record = run(conv, fold, wa);
                    record.run.architecture = architecture;
                    records.push(record);
                }
            }
        }
        let report = build_report(&records);
        assert_eq!(report.cells.len(), 2);
        assert_eq!(report.overall.len(), 1);
        let pooled = &report.overall[0].test;
        assert_eq!(pooled.pairs, 4);
        assert!((pooled.difference_points.mean - 10.0).abs() < 1e-9);
        let wilcoxon = pooled.wilcoxon.as_ref().unwrap();
        // Four equal positive differences: ranks 2.5 each, W+ 10, exact p = 2 / 16.
        assert_eq!(
            (wilcoxon.n, wilcoxon.w_plus, wilcoxon.w_minus),
            (4, 10.0, 0.0)
        );
        assert!((wilcoxon.p_value - 0.125).abs() < 1e-12);
    }
}
