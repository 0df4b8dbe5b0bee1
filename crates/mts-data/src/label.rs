//! Emotion labels: the harmonised emotion set, class labels and per-corpus label maps.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An emotion category, harmonised across corpora.
///
/// Six emotions are shared by every acted corpus supported here ([`Emotion::SHARED`]); boredom
/// (EMODB), calm (RAVDESS) and surprise (RAVDESS "surprised", TESS "pleasant surprise", SAVEE) are
/// corpus-specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Emotion {
    /// Anger (EMODB "W", Wut/Ärger; IEMOCAP "ang").
    Anger,
    /// Boredom (EMODB "L", Langeweile).
    Boredom,
    /// Calm (RAVDESS only).
    Calm,
    /// Disgust (EMODB "E", Ekel).
    Disgust,
    /// Fear or anxiety (EMODB "A", Angst).
    Fear,
    /// Happiness (EMODB "F", Freude; IEMOCAP "hap" with "exc" merged in).
    Happiness,
    /// Neutral.
    Neutral,
    /// Sadness (EMODB "T", Trauer).
    Sadness,
    /// Surprise (RAVDESS "surprised", TESS "ps" = pleasant surprise, SAVEE "su").
    Surprise,
}

impl Emotion {
    /// Every emotion, in declaration order.
    pub const ALL: [Emotion; 9] = [
        Emotion::Anger,
        Emotion::Boredom,
        Emotion::Calm,
        Emotion::Disgust,
        Emotion::Fear,
        Emotion::Happiness,
        Emotion::Neutral,
        Emotion::Sadness,
        Emotion::Surprise,
    ];

    /// The harmonised label set for cross-corpus work: the emotions every supported acted corpus
    /// has (IEMOCAP, in its 4-class form, has only anger, happiness, neutral and sadness).
    pub const SHARED: [Emotion; 6] = [
        Emotion::Anger,
        Emotion::Disgust,
        Emotion::Fear,
        Emotion::Happiness,
        Emotion::Neutral,
        Emotion::Sadness,
    ];

    /// The lower-case English name (`"anger"`, `"happiness"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Emotion::Anger => "anger",
            Emotion::Boredom => "boredom",
            Emotion::Calm => "calm",
            Emotion::Disgust => "disgust",
            Emotion::Fear => "fear",
            Emotion::Happiness => "happiness",
            Emotion::Neutral => "neutral",
            Emotion::Sadness => "sadness",
            Emotion::Surprise => "surprise",
        }
    }

    /// Whether this emotion belongs to the harmonised set [`Emotion::SHARED`].
    pub fn is_shared(self) -> bool {
        Emotion::SHARED.contains(&self)
    }
}

impl fmt::Display for Emotion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The class of an utterance: an emotion for the real corpora, or a pattern number for the
/// built-in synthetic corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// An acted or annotated emotion.
    Emotion(Emotion),
    /// Class `n` of the synthetic corpus (a spectro-temporal pattern, not an emotion).
    Pattern(u16),
}

impl Label {
    /// The emotion, if this label is one.
    pub fn emotion(self) -> Option<Emotion> {
        match self {
            Label::Emotion(e) => Some(e),
            Label::Pattern(_) => None,
        }
    }
}

impl From<Emotion> for Label {
    fn from(e: Emotion) -> Self {
        Label::Emotion(e)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Emotion(e) => e.fmt(f),
            Label::Pattern(n) => write!(f, "pattern-{n}"),
        }
    }
}

/// An ordered list of classes: class index `i` (the integer target of a model) is `labels()[i]`.
///
/// Every corpus has its own map ([`crate::CorpusKind::label_map`]), in the order of the corpus's
/// own codes; [`LabelMap::harmonised`] is the shared set for cross-corpus experiments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelMap {
    labels: Vec<Label>,
}

impl LabelMap {
    /// A map with the given classes, in this order. Returns `None` if a label appears twice.
    pub fn new(labels: Vec<Label>) -> Option<Self> {
        let mut sorted = labels.clone();
        sorted.sort();
        sorted.dedup();
        (sorted.len() == labels.len()).then_some(Self { labels })
    }

    /// A map of emotions, in this order. Returns `None` if an emotion appears twice.
    pub fn from_emotions(emotions: &[Emotion]) -> Option<Self> {
        Self::new(emotions.iter().copied().map(Label::Emotion).collect())
    }

    /// A map of emotions known to be distinct (the built-in corpus maps).
    pub(crate) fn from_distinct_emotions(emotions: &[Emotion]) -> Self {
        Self {
            labels: emotions.iter().copied().map(Label::Emotion).collect(),
        }
    }

    /// The harmonised cross-corpus map: [`Emotion::SHARED`] in that order.
    pub fn harmonised() -> Self {
        Self {
            labels: Emotion::SHARED
                .iter()
                .copied()
                .map(Label::Emotion)
                .collect(),
        }
    }

    /// The map of a synthetic corpus with `classes` patterns: `pattern-0 .. pattern-(classes-1)`.
    pub fn patterns(classes: u16) -> Self {
        Self {
            labels: (0..classes).map(Label::Pattern).collect(),
        }
    }

    /// The classes, index `i` being class `i`.
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the map has no class.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The class index of `label`, or `None` if this map does not have it.
    pub fn index_of(&self, label: Label) -> Option<usize> {
        self.labels.iter().position(|&l| l == label)
    }

    /// The label of class `index`, or `None` if out of range.
    pub fn label(&self, index: usize) -> Option<Label> {
        self.labels.get(index).copied()
    }

    /// Class names (`"anger"`, `"pattern-2"`, ...), index `i` being class `i`.
    pub fn names(&self) -> Vec<String> {
        self.labels.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harmonised_map_has_the_six_shared_emotions_in_order() {
        let map = LabelMap::harmonised();
        assert_eq!(
            map.names(),
            [
                "anger",
                "disgust",
                "fear",
                "happiness",
                "neutral",
                "sadness"
            ]
        );
        assert_eq!(map.index_of(Emotion::Neutral.into()), Some(4));
        assert_eq!(map.index_of(Emotion::Boredom.into()), None);
        assert!(Emotion::SHARED.iter().all(|e| e.is_shared()));
        assert!(!Emotion::Calm.is_shared());
    }

    #[test]
    fn duplicate_labels_are_refused() {
        assert!(LabelMap::from_emotions(&[Emotion::Anger, Emotion::Anger]).is_none());
        assert!(LabelMap::from_emotions(&[Emotion::Anger, Emotion::Fear]).is_some());
    }

    #[test]
    fn pattern_map_round_trips_indices() {
        let map = LabelMap::patterns(3);
        assert_eq!(map.len(), 3);
        for i in 0..3 {
            assert_eq!(map.index_of(map.label(i).unwrap()), Some(i));
        }
        assert_eq!(map.label(3), None);
        assert_eq!(Label::Pattern(2).to_string(), "pattern-2");
        assert_eq!(Label::Pattern(2).emotion(), None);
    }
}
