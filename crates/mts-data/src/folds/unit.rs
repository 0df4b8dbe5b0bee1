//! What the folds partition: speakers, sessions, words, ...

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::FoldError;
use crate::corpus::CorpusKind;
use crate::utterance::Utterance;

/// The unit that folds assign to roles; every utterance belongs to exactly one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FoldUnit {
    /// The speaker (`Utterance::speaker`).
    Speaker,
    /// The IEMOCAP session (`Session1` .. `Session5`, two speakers each).
    Session,
    /// The TESS target word (word-disjoint splits).
    Word,
    /// Speaker and TESS word (`OAF/back`): used by the cross-speaker TESS protocol, whose
    /// validation words come from the training speaker.
    SpeakerWord,
    /// Half a speaker (`OAF-a`, `OAF-b`): the published code's TESS pseudo-speakers. The
    /// published code shuffles each speaker's files and cuts them in two; here an utterance's
    /// half is decided by a hash of its id with this seed (deterministic, about half each).
    SpeakerHalf {
        /// Seed of the hash.
        seed: u64,
    },
}

impl FoldUnit {
    /// The natural unit of a corpus: the session for IEMOCAP, the speaker otherwise.
    pub fn for_corpus(kind: CorpusKind) -> Self {
        match kind {
            CorpusKind::Iemocap => FoldUnit::Session,
            _ => FoldUnit::Speaker,
        }
    }

    /// The unit name of an utterance. Fails for [`FoldUnit::Session`] outside IEMOCAP and
    /// for the word units outside TESS.
    pub fn unit_of(&self, u: &Utterance) -> Result<String, FoldError> {
        let inapplicable = || FoldError::UnitNotApplicable {
            unit: *self,
            corpus: u.corpus,
        };
        Ok(match self {
            FoldUnit::Speaker => u.speaker.clone(),
            FoldUnit::Session => format!("Session{}", u.session().ok_or_else(inapplicable)?),
            FoldUnit::Word => u.word().ok_or_else(inapplicable)?.to_owned(),
            FoldUnit::SpeakerWord => {
                format!("{}/{}", u.speaker, u.word().ok_or_else(inapplicable)?)
            }
            FoldUnit::SpeakerHalf { seed } => {
                let half = if xxh3_64_with_seed(u.id.as_bytes(), *seed) & 1 == 0 {
                    'a'
                } else {
                    'b'
                };
                format!("{}-{half}", u.speaker)
            }
        })
    }
}
