//! The two leakage-free TESS protocols (TESS has only two speakers).

use std::collections::BTreeSet;

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;

use super::{Fold, FoldError, FoldUnit, SpeakerFolds};
use crate::corpus::{Corpus, CorpusKind};

fn check_tess(corpus: &Corpus) -> Result<(), FoldError> {
    if corpus.kind == CorpusKind::Tess {
        Ok(())
    } else {
        Err(FoldError::WrongCorpus {
            expected: CorpusKind::Tess,
            found: corpus.kind,
        })
    }
}

impl SpeakerFolds {
    /// Train on one TESS speaker, test on the other, and the mirror image: two folds over
    /// [`FoldUnit::SpeakerWord`] units. Validation takes `validation_fraction` of the training
    /// speaker's words (chosen with `seed`), so that training and validation are word-disjoint
    /// and the test speaker is never seen. Note that the test is confounded with the speakers'
    /// age.
    pub fn tess_cross_speaker(
        corpus: &Corpus,
        validation_fraction: f64,
        seed: u64,
    ) -> Result<Self, FoldError> {
        check_tess(corpus)?;
        if !(0.0..1.0).contains(&validation_fraction) {
            return Err(FoldError::BadFraction(validation_fraction));
        }
        let speakers = corpus.speakers();
        if speakers.len() != 2 {
            return Err(FoldError::TooFewUnits {
                units: speakers.len(),
                k: 2,
                validation: 0,
            });
        }
        let unit = FoldUnit::SpeakerWord;
        let mut folds = Vec::with_capacity(2);
        for (index, (train_speaker, test_speaker)) in
            [(&speakers[0], &speakers[1]), (&speakers[1], &speakers[0])]
                .into_iter()
                .enumerate()
        {
            let units_of = |speaker: &str| -> Result<Vec<String>, FoldError> {
                let set: BTreeSet<String> = corpus
                    .utterances
                    .iter()
                    .filter(|u| u.speaker == speaker)
                    .map(|u| unit.unit_of(u))
                    .collect::<Result<_, _>>()?;
                Ok(set.into_iter().collect())
            };
            let mut train = units_of(train_speaker.as_str())?;
            train.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed ^ index as u64));
            let n_val = (validation_fraction * train.len() as f64).round() as usize;
            let validation = train.split_off(train.len() - n_val.min(train.len()));
            folds.push(Fold::new(
                index,
                unit,
                train,
                validation,
                units_of(test_speaker.as_str())?,
            ));
        }
        Ok(Self::new(folds))
    }

    /// The word-disjoint TESS split as one fold over [`FoldUnit::Word`]: words sorted
    /// alphabetically, the first 80 % train, the next 10 % validation, the last 10 % test
    /// (160/20/20 of the 200 words). Both speakers are in every role.
    pub fn tess_word_split(corpus: &Corpus) -> Result<Self, FoldError> {
        check_tess(corpus)?;
        let words: BTreeSet<&str> = corpus.utterances.iter().filter_map(|u| u.word()).collect();
        let words: Vec<String> = words.into_iter().map(str::to_owned).collect();
        let n = words.len();
        let n_val = ((n as f64) * 0.1).round() as usize;
        let n_test = n_val;
        if n < 3 || n_val == 0 {
            return Err(FoldError::TooFewUnits {
                units: n,
                k: 1,
                validation: n_val,
            });
        }
        let n_train = n - n_val - n_test;
        Ok(Self::new(vec![Fold::new(
            0,
            FoldUnit::Word,
            words[..n_train].to_vec(),
            words[n_train..n_train + n_val].to_vec(),
            words[n_train + n_val..].to_vec(),
        )]))
    }
}
