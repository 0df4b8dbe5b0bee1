//! Fixed speaker-independent splits suggested for EMODB and RAVDESS (one fold each).

use super::{Fold, FoldUnit, SpeakerFolds};

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn actors(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|a| format!("Actor_{a:02}")).collect()
}

impl SpeakerFolds {
    /// audEERING's unofficial EMODB split (audb emodb 1.2.0), test speakers {12, 14, 15, 16}
    /// (231 files, 2 male + 2 female), with {11, 13} (116 files, both with disgust) taken out of
    /// its training side for validation, leaving {03, 08, 09, 10} (188 files) to train on.
    pub fn emodb_audeering() -> Self {
        Self::new(vec![Fold::new(
            0,
            FoldUnit::Speaker,
            names(&["03", "08", "09", "10"]),
            names(&["11", "13"]),
            names(&["12", "14", "15", "16"]),
        )])
    }

    /// The suggested gender-balanced RAVDESS split: actors 1–18 train (1080 files),
    /// 19–20 validation (120), 21–24 test (240).
    pub fn ravdess_gender_balanced() -> Self {
        Self::new(vec![Fold::new(
            0,
            FoldUnit::Speaker,
            actors(1..=18),
            actors(19..=20),
            actors(21..=24),
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_disjoint_and_gender_balanced_where_promised() {
        let emodb = SpeakerFolds::emodb_audeering();
        let fold = &emodb.folds()[0];
        assert_eq!(
            fold.train.len() + fold.validation.len() + fold.test.len(),
            10
        );
        let ravdess = SpeakerFolds::ravdess_gender_balanced();
        let fold = &ravdess.folds()[0];
        assert_eq!(
            (fold.train.len(), fold.validation.len(), fold.test.len()),
            (18, 2, 4)
        );
        // Odd actors are male: every role has as many odd as even actors.
        for role in [&fold.train, &fold.validation, &fold.test] {
            let odd = role
                .iter()
                .filter(|a| a[6..].parse::<u32>().unwrap() % 2 == 1)
                .count();
            assert_eq!(2 * odd, role.len());
        }
    }
}
