//! Speaker-independent cross-validation folds.
//!
//! A fold gives each *unit* (a speaker, an IEMOCAP session, a TESS word, ...) one role:
//! train, validation or test. [`SpeakerFolds::k_fold`] partitions the units so that each is in
//! the test set of exactly one fold; [`SpeakerFolds::rotating_window`] reproduces the published
//! code's 70/20/10 window for comparison; [`SpeakerFolds::tess_cross_speaker`] and
//! [`SpeakerFolds::tess_word_split`] are the two leakage-free TESS protocols;
//! [`SpeakerFolds::emodb_audeering`] and [`SpeakerFolds::ravdess_gender_balanced`] are fixed
//! splits from the corpus notes.

mod balanced;
mod error;
mod presets;
mod rotating;
mod tess;
mod unit;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

pub use error::FoldError;
pub use unit::FoldUnit;

use crate::corpus::Corpus;
use crate::utterance::Utterance;

/// The role of a unit (and of its utterances) in a fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitRole {
    /// Used to fit the model (and the normalisation statistics).
    Train,
    /// Used for early stopping and model selection.
    Validation,
    /// Used only for the final score.
    Test,
}

/// Settings of [`SpeakerFolds::k_fold`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FoldConfig {
    /// Number of folds (the paper: 4).
    pub k: usize,
    /// Share of units used for validation in each fold (at least one unit when above 0).
    pub validation_fraction: f64,
    /// Seed for the tie-breaking shuffle and the validation choice.
    pub seed: u64,
}

impl Default for FoldConfig {
    /// `k = 4`, 20 % validation units, seed 0.
    fn default() -> Self {
        Self {
            k: 4,
            validation_fraction: 0.2,
            seed: 0,
        }
    }
}

/// One fold: the units of each role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fold {
    /// Position of the fold, from 0.
    pub index: usize,
    /// What the unit names below are.
    pub unit: FoldUnit,
    /// Units to train on, sorted.
    pub train: Vec<String>,
    /// Units to validate on, sorted.
    pub validation: Vec<String>,
    /// Units to test on, sorted.
    pub test: Vec<String>,
}

/// Indices (into the utterance list given to [`Fold::split`]) of each role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoldSplit {
    /// Training utterances.
    pub train: Vec<usize>,
    /// Validation utterances.
    pub validation: Vec<usize>,
    /// Test utterances.
    pub test: Vec<usize>,
}

impl FoldSplit {
    /// The indices of one role.
    pub fn indices(&self, role: SplitRole) -> &[usize] {
        match role {
            SplitRole::Train => &self.train,
            SplitRole::Validation => &self.validation,
            SplitRole::Test => &self.test,
        }
    }
}

impl Fold {
    /// A fold with these units per role (each list is sorted).
    pub fn new(
        index: usize,
        unit: FoldUnit,
        mut train: Vec<String>,
        mut validation: Vec<String>,
        mut test: Vec<String>,
    ) -> Self {
        train.sort();
        validation.sort();
        test.sort();
        Self {
            index,
            unit,
            train,
            validation,
            test,
        }
    }

    /// The role of a unit name, `None` if the fold does not mention it.
    pub fn role_of_unit(&self, unit: &str) -> Option<SplitRole> {
        [
            (SplitRole::Train, &self.train),
            (SplitRole::Validation, &self.validation),
            (SplitRole::Test, &self.test),
        ]
        .into_iter()
        .find(|(_, units)| units.iter().any(|u| u == unit))
        .map(|(role, _)| role)
    }

    /// The role of an utterance.
    pub fn role_of(&self, utterance: &Utterance) -> Result<SplitRole, FoldError> {
        let unit = self.unit.unit_of(utterance)?;
        self.role_of_unit(&unit)
            .ok_or(FoldError::UnassignedUnit { unit })
    }

    /// Splits `utterances` by role. Fails if an utterance's unit has no role in this fold
    /// (the fold was made for another corpus).
    pub fn split(&self, utterances: &[Utterance]) -> Result<FoldSplit, FoldError> {
        let roles: HashMap<&str, SplitRole> = [
            (SplitRole::Train, &self.train),
            (SplitRole::Validation, &self.validation),
            (SplitRole::Test, &self.test),
        ]
        .into_iter()
        .flat_map(|(role, units)| units.iter().map(move |u| (u.as_str(), role)))
        .collect();
        let mut split = FoldSplit::default();
        for (i, u) in utterances.iter().enumerate() {
            let unit = self.unit.unit_of(u)?;
            match roles.get(unit.as_str()) {
                Some(SplitRole::Train) => split.train.push(i),
                Some(SplitRole::Validation) => split.validation.push(i),
                Some(SplitRole::Test) => split.test.push(i),
                None => return Err(FoldError::UnassignedUnit { unit }),
            }
        }
        Ok(split)
    }
}

/// A set of folds over one corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerFolds {
    folds: Vec<Fold>,
}

impl SpeakerFolds {
    /// Folds given explicitly (e.g. a fixed train/validation/test split as one fold).
    pub fn new(folds: Vec<Fold>) -> Self {
        Self { folds }
    }

    /// Speaker-independent K-fold over the corpus's natural unit
    /// ([`FoldUnit::for_corpus`]: speakers; IEMOCAP sessions).
    ///
    /// The units are partitioned into `k` test groups balanced by utterance count (largest
    /// unit first, each to the group with the fewest utterances so far; ties broken by a
    /// shuffle seeded with `config.seed`): every unit is tested in exactly one fold. The
    /// validation units of fold `i` (about `validation_fraction` of all units) are taken from
    /// the test group of fold `i + 1` onwards, so validation duty rotates too; the rest train.
    pub fn k_fold(corpus: &Corpus, config: &FoldConfig) -> Result<Self, FoldError> {
        Self::k_fold_by(corpus, FoldUnit::for_corpus(corpus.kind), config)
    }

    /// [`SpeakerFolds::k_fold`] over another unit (e.g. [`FoldUnit::Word`] for a word-disjoint
    /// TESS K-fold).
    pub fn k_fold_by(
        corpus: &Corpus,
        unit: FoldUnit,
        config: &FoldConfig,
    ) -> Result<Self, FoldError> {
        let counts = unit_counts(unit, &corpus.utterances)?;
        Self::from_unit_counts(unit, &counts, config)
    }

    /// The K-fold algorithm of [`SpeakerFolds::k_fold`] on `(unit name, utterance count)`
    /// pairs.
    pub fn from_unit_counts(
        unit: FoldUnit,
        counts: &[(String, usize)],
        config: &FoldConfig,
    ) -> Result<Self, FoldError> {
        balanced::k_fold(unit, counts, config).map(Self::new)
    }

    /// The folds.
    pub fn folds(&self) -> &[Fold] {
        &self.folds
    }

    /// Number of folds.
    pub fn len(&self) -> usize {
        self.folds.len()
    }

    /// Whether there is no fold.
    pub fn is_empty(&self) -> bool {
        self.folds.is_empty()
    }

    /// Fold `index`.
    pub fn get(&self, index: usize) -> Option<&Fold> {
        self.folds.get(index)
    }

    /// Iterates over the folds.
    pub fn iter(&self) -> std::slice::Iter<'_, Fold> {
        self.folds.iter()
    }
}

impl<'a> IntoIterator for &'a SpeakerFolds {
    type Item = &'a Fold;
    type IntoIter = std::slice::Iter<'a, Fold>;

    fn into_iter(self) -> Self::IntoIter {
        self.folds.iter()
    }
}

/// Utterance count of every unit, sorted by unit name.
pub fn unit_counts(
    unit: FoldUnit,
    utterances: &[Utterance],
) -> Result<Vec<(String, usize)>, FoldError> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for u in utterances {
        *counts.entry(unit.unit_of(u)?).or_default() += 1;
    }
    Ok(counts.into_iter().collect())
}
