//! Test accuracy per speaker, from the run records' per-speaker scores: which speakers a
//! cell's configurations find hard, and so how much a fold scheme's choice of test speakers
//! weighs in a mean accuracy.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::record::{RunRecord, label};
use super::select::Cell;

/// One configuration of one cell: its mean test accuracy on each speaker, over the runs that
/// tested the speaker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpeakerAccuracy {
    /// Corpus, front end and architecture.
    pub cell: Cell,
    /// `standard, L2 0` or `MTS (0.5, 1, 2), shared, L2 0`.
    pub configuration: String,
    /// `(speaker, mean accuracy, runs)`, speakers in sorted order.
    pub speakers: Vec<(String, f64, usize)>,
}

/// Every (cell, configuration) with per-speaker scores, in cell and label order.
pub fn speaker_accuracies(records: &[RunRecord]) -> Vec<SpeakerAccuracy> {
    let mut groups: BTreeMap<(Cell, String), BTreeMap<String, (f64, usize)>> = BTreeMap::new();
    for record in records {
        for score in &record.test_per_speaker {
            let group = groups.entry((Cell::of(record), label(record))).or_default();
            let (sum, runs) = group.entry(score.speaker.clone()).or_default();
            *sum += score.test.accuracy;
            *runs += 1;
        }
    }
    groups
        .into_iter()
        .map(|((cell, configuration), speakers)| SpeakerAccuracy {
            cell,
            configuration,
            speakers: speakers
                .into_iter()
                .map(|(speaker, (sum, runs))| (speaker, sum / runs as f64, runs))
                .collect(),
        })
        .collect()
}

/// The per-speaker tables, one per cell (nothing when no record has per-speaker scores).
pub fn speakers_markdown(rows: &[SpeakerAccuracy]) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        return out;
    }
    out.push_str(
        "\n## Test accuracy per speaker\n\nMean test WA % of each configuration on each \
         speaker, over the runs that tested the speaker (their number in parentheses); runs \
         recorded before per-speaker scores were kept are not counted.\n",
    );
    let mut previous: Option<&Cell> = None;
    let mut speakers: Vec<&str> = Vec::new();
    for row in rows {
        if previous != Some(&row.cell) {
            speakers = speakers_of(rows, &row.cell);
            let _ = write!(
                out,
                "\n### {} · {} · {}\n\n| configuration | {} |\n|---|{}\n",
                row.cell.corpus.slug(),
                row.cell.front_end,
                row.cell.model_name(),
                speakers.join(" | "),
                "---|".repeat(speakers.len())
            );
            previous = Some(&row.cell);
        }
        let cells: Vec<String> = speakers
            .iter()
            .map(
                |&speaker| match row.speakers.iter().find(|(s, ..)| s == speaker) {
                    Some((_, accuracy, runs)) => format!("{:.1} ({runs})", 100.0 * accuracy),
                    None => "–".to_string(),
                },
            )
            .collect();
        let _ = writeln!(out, "| {} | {} |", row.configuration, cells.join(" | "));
    }
    out
}

/// The speakers any configuration of `cell` was tested on, sorted.
fn speakers_of<'a>(rows: &'a [SpeakerAccuracy], cell: &Cell) -> Vec<&'a str> {
    let mut speakers: Vec<&str> = rows
        .iter()
        .filter(|row| row.cell == *cell)
        .flat_map(|row| row.speakers.iter().map(|(s, ..)| s.as_str()))
        .collect();
    speakers.sort_unstable();
    speakers.dedup();
    speakers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SpeakerScore;
    use crate::grid::record::test_record;
    use mts_models::{ConvKind, MetricSummary};

    fn score(speaker: &str, accuracy: f64) -> SpeakerScore {
        SpeakerScore {
            speaker: speaker.to_string(),
            test: MetricSummary {
                items: 5,
                accuracy,
                unweighted_average_recall: accuracy,
                macro_f1: accuracy,
                recall_per_class: vec![],
            },
        }
    }

    #[test]
    fn speakers_are_averaged_over_the_runs_that_tested_them() {
        let mut first = test_record(ConvKind::Standard, 0.0, 0, 1.0, 0.5);
        first.test_per_speaker = vec![score("b", 0.4), score("a", 0.6)];
        let mut second = test_record(ConvKind::Standard, 0.0, 1, 1.0, 0.5);
        second.test_per_speaker = vec![score("b", 0.8)];
        let older = test_record(ConvKind::Standard, 0.01, 0, 1.0, 0.5);
        let rows = speaker_accuracies(&[first, second, older]);
        assert_eq!(rows.len(), 1, "the record without speakers adds no row");
        assert_eq!(rows[0].configuration, "standard, L2 0");
        let expected = [("a".to_string(), 0.6, 1), ("b".to_string(), 0.6, 2)];
        assert_eq!(rows[0].speakers.len(), 2);
        for ((speaker, accuracy, runs), (s, a, r)) in rows[0].speakers.iter().zip(expected) {
            assert_eq!((speaker, *runs), (&s, r));
            assert!((accuracy - a).abs() < 1e-12, "{speaker}: {accuracy}");
        }
        let text = speakers_markdown(&rows);
        assert!(text.contains("| configuration | a | b |"), "{text}");
        assert!(
            text.contains("| standard, L2 0 | 60.0 (1) | 60.0 (2) |"),
            "{text}"
        );
        assert!(speakers_markdown(&[]).is_empty());
    }
}
