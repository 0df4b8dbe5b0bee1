//! Counts per label and speaker of a set of utterances (`mts corpus stats`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::label::LabelMap;
use crate::utterance::Utterance;

/// Utterance counts per speaker and class; [`fmt::Display`] prints it as a table with totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusStats {
    /// Class names, the columns.
    pub labels: Vec<String>,
    /// Per speaker (sorted), the count of each class (same order as `labels`).
    pub per_speaker: BTreeMap<String, Vec<usize>>,
    /// Utterances whose label is not in the label map (not counted in any column).
    pub unmapped: usize,
}

impl CorpusStats {
    /// Counts `utterances` under `label_map`.
    pub fn new(label_map: &LabelMap, utterances: &[Utterance]) -> Self {
        let mut per_speaker: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut unmapped = 0;
        for u in utterances {
            let row = per_speaker
                .entry(u.speaker.clone())
                .or_insert_with(|| vec![0; label_map.len()]);
            match label_map.index_of(u.label) {
                Some(i) => row[i] += 1,
                None => unmapped += 1,
            }
        }
        Self {
            labels: label_map.names(),
            per_speaker,
            unmapped,
        }
    }

    /// Total count of each class, in the order of `labels`.
    pub fn per_label(&self) -> Vec<usize> {
        let mut totals = vec![0; self.labels.len()];
        for row in self.per_speaker.values() {
            for (t, c) in totals.iter_mut().zip(row) {
                *t += c;
            }
        }
        totals
    }

    /// The count of the class named `label` (e.g. `"anger"`), 0 if unknown.
    pub fn count_of(&self, label: &str) -> usize {
        self.labels
            .iter()
            .position(|l| l == label)
            .map_or(0, |i| self.per_label()[i])
    }

    /// Total utterances of each speaker.
    pub fn per_speaker_total(&self) -> BTreeMap<String, usize> {
        self.per_speaker
            .iter()
            .map(|(s, row)| (s.clone(), row.iter().sum()))
            .collect()
    }

    /// Number of counted utterances (excluding `unmapped`).
    pub fn total(&self) -> usize {
        self.per_label().iter().sum()
    }
}

impl fmt::Display for CorpusStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let speaker_width = self
            .per_speaker
            .keys()
            .map(String::len)
            .chain(["speaker".len(), "total".len()])
            .max()
            .unwrap_or(7);
        let widths: Vec<usize> = self.labels.iter().map(|l| l.len().max(5)).collect();
        write!(f, "{:<speaker_width$}", "speaker")?;
        for (label, w) in self.labels.iter().zip(&widths) {
            write!(f, "  {label:>w$}")?;
        }
        writeln!(f, "  {:>6}", "total")?;
        for (speaker, row) in &self.per_speaker {
            write!(f, "{speaker:<speaker_width$}")?;
            for (count, w) in row.iter().zip(&widths) {
                write!(f, "  {count:>w$}")?;
            }
            writeln!(f, "  {:>6}", row.iter().sum::<usize>())?;
        }
        write!(f, "{:<speaker_width$}", "total")?;
        for (count, w) in self.per_label().iter().zip(&widths) {
            write!(f, "  {count:>w$}")?;
        }
        writeln!(f, "  {:>6}", self.total())?;
        if self.unmapped > 0 {
            writeln!(
                f,
                "({} utterances with labels outside the map)",
                self.unmapped
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::CorpusKind;
    use crate::label::{Emotion, Label};
    use crate::utterance::UtteranceDetails;

    fn utterance(speaker: &str, emotion: Emotion) -> Utterance {
        Utterance {
            id: format!("{speaker}-{emotion}"),
            path: "x.wav".into(),
            corpus: CorpusKind::Tess,
            speaker: speaker.into(),
            gender: None,
            label: Label::Emotion(emotion),
            label_code: String::new(),
            details: UtteranceDetails::Tess { word: "x".into() },
        }
    }

    #[test]
    fn counts_and_prints_a_table() {
        let map = LabelMap::from_emotions(&[Emotion::Anger, Emotion::Neutral]).unwrap();
        let us = [
            utterance("OAF", Emotion::Anger),
            utterance("OAF", Emotion::Anger),
            utterance("YAF", Emotion::Neutral),
            utterance("YAF", Emotion::Calm),
        ];
        let stats = CorpusStats::new(&map, &us);
        assert_eq!(stats.per_label(), [2, 1]);
        assert_eq!(stats.count_of("anger"), 2);
        assert_eq!(stats.total(), 3);
        assert_eq!(stats.unmapped, 1);
        assert_eq!(stats.per_speaker_total()["YAF"], 1);
        let table = stats.to_string();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["speaker", "anger", "neutral", "total"]
        );
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            ["OAF", "2", "0", "2"]
        );
        assert_eq!(
            lines[3].split_whitespace().collect::<Vec<_>>(),
            ["total", "2", "1", "3"]
        );
        assert!(lines[4].contains("1 utterances with labels outside"));
    }
}
