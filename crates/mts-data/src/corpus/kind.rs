//! The supported corpora.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::label::{Emotion, LabelMap};

/// A supported corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorpusKind {
    /// Berlin Database of Emotional Speech: 10 speakers, 7 emotions, 535 files.
    Emodb,
    /// RAVDESS, audio-only speech: 24 actors, 8 emotions, 1440 files.
    Ravdess,
    /// Toronto Emotional Speech Set: 2 speakers, 7 emotions, 2800 files.
    Tess,
    /// IEMOCAP, 4 classes (neutral, anger, happiness with excitement merged in, sadness).
    Iemocap,
    /// CREMA-D: 91 actors, 6 emotions.
    CremaD,
    /// SAVEE: 4 male speakers, 7 emotions.
    Savee,
    /// The built-in synthetic corpus written to disk by
    /// [`crate::SyntheticCorpus::write_wav_files`].
    Synthetic,
}

impl CorpusKind {
    /// Every corpus kind.
    pub const ALL: [CorpusKind; 7] = [
        CorpusKind::Emodb,
        CorpusKind::Ravdess,
        CorpusKind::Tess,
        CorpusKind::Iemocap,
        CorpusKind::CremaD,
        CorpusKind::Savee,
        CorpusKind::Synthetic,
    ];

    /// The short name used on the command line and in cache folders (`emodb`, `crema-d`, ...).
    pub fn slug(self) -> &'static str {
        match self {
            CorpusKind::Emodb => "emodb",
            CorpusKind::Ravdess => "ravdess",
            CorpusKind::Tess => "tess",
            CorpusKind::Iemocap => "iemocap",
            CorpusKind::CremaD => "crema-d",
            CorpusKind::Savee => "savee",
            CorpusKind::Synthetic => "synthetic",
        }
    }

    /// The corpus's own classes, in the order of its codes (EMODB `W L E A F T N`,
    /// RAVDESS `01..08`, ...). For [`CorpusKind::Synthetic`] the map depends on the number of
    /// patterns; this returns an empty map and the loaded [`crate::Corpus`] carries the real one.
    pub fn label_map(self) -> LabelMap {
        use Emotion::*;
        let emotions: &[Emotion] = match self {
            CorpusKind::Emodb => &[Anger, Boredom, Disgust, Fear, Happiness, Sadness, Neutral],
            CorpusKind::Ravdess => &[
                Neutral, Calm, Happiness, Sadness, Anger, Fear, Disgust, Surprise,
            ],
            CorpusKind::Tess => &[Anger, Disgust, Fear, Happiness, Neutral, Surprise, Sadness],
            CorpusKind::Iemocap => &[Neutral, Anger, Happiness, Sadness],
            CorpusKind::CremaD => &[Anger, Disgust, Fear, Happiness, Neutral, Sadness],
            CorpusKind::Savee => &[Anger, Disgust, Fear, Happiness, Neutral, Sadness, Surprise],
            CorpusKind::Synthetic => &[],
        };
        LabelMap::from_distinct_emotions(emotions)
    }
}

impl fmt::Display for CorpusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CorpusKind::Emodb => "EMODB",
            CorpusKind::Ravdess => "RAVDESS",
            CorpusKind::Tess => "TESS",
            CorpusKind::Iemocap => "IEMOCAP",
            CorpusKind::CremaD => "CREMA-D",
            CorpusKind::Savee => "SAVEE",
            CorpusKind::Synthetic => "synthetic",
        })
    }
}

/// A corpus name that [`CorpusKind::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "unknown corpus {0:?} (expected one of emodb, ravdess, tess, iemocap, crema-d, savee, synthetic)"
)]
pub struct ParseCorpusKindError(pub String);

impl FromStr for CorpusKind {
    type Err = ParseCorpusKindError;

    /// Parses a corpus name, ignoring case, `-` and `_` (`EMODB`, `crema-d`, `CremaD`, ...).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        CorpusKind::ALL
            .into_iter()
            .find(|k| k.slug().replace('-', "") == norm)
            .ok_or_else(|| ParseCorpusKindError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for kind in CorpusKind::ALL {
            assert_eq!(kind.slug().parse::<CorpusKind>(), Ok(kind));
            assert_eq!(kind.to_string().parse::<CorpusKind>(), Ok(kind));
        }
        assert_eq!("CremaD".parse::<CorpusKind>(), Ok(CorpusKind::CremaD));
        assert!("timit".parse::<CorpusKind>().is_err());
    }

    #[test]
    fn label_maps_have_the_documented_sizes() {
        let sizes: Vec<usize> = CorpusKind::ALL
            .iter()
            .map(|k| k.label_map().len())
            .collect();
        assert_eq!(sizes, [7, 8, 7, 4, 6, 7, 0]);
        assert_eq!(
            CorpusKind::Emodb.label_map().label(0),
            Some(Emotion::Anger.into())
        );
    }
}
