//! The published code's "speaker-independent k-fold": a 70/20/10 window rotating over the
//! ordered units. Its test sets do not partition the units (some are never tested, some twice);
//! offered only to compare with the published numbers.

use super::{Fold, FoldError, FoldUnit, SpeakerFolds};
use crate::corpus::{Corpus, CorpusKind};

/// `(train, validation, test)` unit counts of the window for `n` units: 70/20/10 with NumPy's
/// round-half-to-even, falling back to `ceil(0.1 n)` test and `ceil(0.2 n)` validation units
/// when either comes out 0.
pub(super) fn window_sizes(n: usize) -> (usize, usize, usize) {
    let nf = n as f64;
    let n_tr = (0.7 * nf).round_ties_even() as usize;
    let n_val = (0.2 * nf).round_ties_even() as usize;
    let n_te = n.saturating_sub(n_tr + n_val);
    if n_te == 0 || n_val == 0 {
        let n_te = (0.1 * nf).ceil() as usize;
        let n_val = (0.2 * nf).ceil() as usize;
        (n.saturating_sub(n_val + n_te), n_val, n_te)
    } else {
        (n_tr, n_val, n_te)
    }
}

/// The rotating-window folds over `units` in this order: fold `f` starts at unit
/// `floor(f n / k)` of the cyclically repeated list and takes train, then validation, then
/// test units.
pub(super) fn rotating(unit: FoldUnit, units: &[String], k: usize) -> Result<Vec<Fold>, FoldError> {
    if k < 2 {
        return Err(FoldError::TooFewFolds(k));
    }
    let n = units.len();
    let (n_tr, n_val, n_te) = window_sizes(n);
    if n_tr == 0 || n_val == 0 || n_te == 0 {
        return Err(FoldError::TooFewUnits {
            units: n,
            k,
            validation: n_val,
        });
    }
    Ok((0..k)
        .map(|f| {
            let offset = f * n / k;
            let take = |from: usize, len: usize| -> Vec<String> {
                (from..from + len).map(|i| units[i % n].clone()).collect()
            };
            Fold::new(
                f,
                unit,
                take(offset, n_tr),
                take(offset + n_tr, n_val),
                take(offset + n_tr + n_val, n_te),
            )
        })
        .collect())
}

impl SpeakerFolds {
    /// The published rotating 70/20/10 window with `k` folds (the paper used 4; TESS 2), over
    /// the published unit lists: EMODB speakers in numeric order; RAVDESS actors 1 to 25 (the
    /// published code's range; `Actor_25` does not exist and stays empty); IEMOCAP sessions 1 to
    /// 5; TESS pseudo-speakers `OAF-a OAF-b YAF-a YAF-b` ([`FoldUnit::SpeakerHalf`] with
    /// `seed`); otherwise the sorted speakers.
    ///
    /// Unlike [`SpeakerFolds::k_fold`], the test sets do not partition the speakers.
    pub fn rotating_window(corpus: &Corpus, k: usize, seed: u64) -> Result<Self, FoldError> {
        let (unit, units): (FoldUnit, Vec<String>) = match corpus.kind {
            CorpusKind::Ravdess => (
                FoldUnit::Speaker,
                (1..=25).map(|a| format!("Actor_{a:02}")).collect(),
            ),
            CorpusKind::Iemocap => (
                FoldUnit::Session,
                (1..=5).map(|s| format!("Session{s}")).collect(),
            ),
            CorpusKind::Tess => (
                FoldUnit::SpeakerHalf { seed },
                ["OAF-a", "OAF-b", "YAF-a", "YAF-b"]
                    .map(String::from)
                    .to_vec(),
            ),
            _ => (FoldUnit::Speaker, corpus.speakers()),
        };
        Self::rotating_window_over(unit, &units, k)
    }

    /// The rotating window of [`SpeakerFolds::rotating_window`] over any ordered unit list.
    pub fn rotating_window_over(
        unit: FoldUnit,
        units: &[String],
        k: usize,
    ) -> Result<Self, FoldError> {
        rotating(unit, units, k).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(prefix: &str, range: std::ops::RangeInclusive<u32>) -> Vec<String> {
        range.map(|i| format!("{prefix}{i:02}")).collect()
    }

    fn tests_and_vals(folds: &[Fold]) -> Vec<(Vec<String>, Vec<String>)> {
        folds
            .iter()
            .map(|f| (f.test.clone(), f.validation.clone()))
            .collect()
    }

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn window_sizes_follow_numpy_rounding_and_the_fallback() {
        assert_eq!(window_sizes(10), (7, 2, 1));
        assert_eq!(window_sizes(25), (18, 5, 2)); // 17.5 rounds to 18
        assert_eq!(window_sizes(5), (3, 1, 1)); // fallback: 0 test units otherwise
        assert_eq!(window_sizes(4), (2, 1, 1));
    }

    #[test]
    fn reproduces_the_published_emodb_folds() {
        let speakers = strs(&["03", "08", "09", "10", "11", "12", "13", "14", "15", "16"]);
        let folds = rotating(FoldUnit::Speaker, &speakers, 4).unwrap();
        assert_eq!(
            tests_and_vals(&folds),
            [
                (strs(&["16"]), strs(&["14", "15"])),
                (strs(&["08"]), strs(&["03", "16"])),
                (strs(&["11"]), strs(&["09", "10"])),
                (strs(&["13"]), strs(&["11", "12"])),
            ]
        );
    }

    #[test]
    fn reproduces_the_published_ravdess_and_iemocap_folds() {
        let actors = names("A", 1..=25);
        let folds = rotating(FoldUnit::Speaker, &actors, 4).unwrap();
        // Published keys 23,24 / 4,5 / 10,11 / 16,17 are actors 24,25 / 5,6 / 11,12 / 17,18.
        let tests: Vec<Vec<String>> = folds.iter().map(|f| f.test.clone()).collect();
        assert_eq!(
            tests,
            [
                strs(&["A24", "A25"]),
                strs(&["A05", "A06"]),
                strs(&["A11", "A12"]),
                strs(&["A17", "A18"])
            ]
        );
        assert_eq!(folds[0].validation, names("A", 19..=23));

        let sessions = names("S", 1..=5);
        let folds = rotating(FoldUnit::Session, &sessions, 4).unwrap();
        assert_eq!(
            tests_and_vals(&folds),
            [
                (strs(&["S05"]), strs(&["S04"])),
                (strs(&["S01"]), strs(&["S05"])),
                (strs(&["S02"]), strs(&["S01"])),
                (strs(&["S03"]), strs(&["S02"])),
            ]
        );
    }

    #[test]
    fn reproduces_the_published_tess_folds() {
        let units = strs(&["OAF-a", "OAF-b", "YAF-a", "YAF-b"]);
        let folds = rotating(FoldUnit::SpeakerHalf { seed: 0 }, &units, 2).unwrap();
        assert_eq!(folds[0].train, strs(&["OAF-a", "OAF-b"]));
        assert_eq!(folds[0].validation, strs(&["YAF-a"]));
        assert_eq!(folds[0].test, strs(&["YAF-b"]));
        assert_eq!(folds[1].train, strs(&["YAF-a", "YAF-b"]));
        assert_eq!(folds[1].validation, strs(&["OAF-a"]));
        assert_eq!(folds[1].test, strs(&["OAF-b"]));
    }
}
