//! Why folds could not be made or applied.

use thiserror::Error;

use super::FoldUnit;
use crate::corpus::CorpusKind;

/// Why folds could not be made or applied.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FoldError {
    /// `k` below 2.
    #[error("need at least 2 folds, got k = {0}")]
    TooFewFolds(usize),
    /// Not enough units for `k` test groups plus validation and training units.
    #[error(
        "{units} units cannot make {k} folds with {validation} validation unit(s) and at least one training unit"
    )]
    TooFewUnits {
        /// Number of units.
        units: usize,
        /// Folds asked for.
        k: usize,
        /// Validation units per fold.
        validation: usize,
    },
    /// A validation fraction outside `[0, 1)`.
    #[error("validation fraction {0} is not in [0, 1)")]
    BadFraction(f64),
    /// The same unit name twice in the input.
    #[error("unit {0:?} is listed twice")]
    DuplicateUnit(String),
    /// The unit does not exist in this corpus (e.g. sessions outside IEMOCAP).
    #[error("fold unit {unit:?} does not apply to {corpus} utterances")]
    UnitNotApplicable {
        /// The unit asked for.
        unit: FoldUnit,
        /// The corpus of the utterance.
        corpus: CorpusKind,
    },
    /// An utterance whose unit has no role in the fold.
    #[error("unit {unit:?} has no role in this fold (folds made for another corpus?)")]
    UnassignedUnit {
        /// The unit name.
        unit: String,
    },
    /// A protocol meant for another corpus.
    #[error("this protocol is for {expected}, not {found}")]
    WrongCorpus {
        /// The corpus the protocol is for.
        expected: CorpusKind,
        /// The corpus given.
        found: CorpusKind,
    },
}
