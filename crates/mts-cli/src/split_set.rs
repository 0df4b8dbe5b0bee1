//! One split of a fold, seen by the trainer and evaluator of `mts-models`.

use std::borrow::Cow;

use mts_data::SpectrogramDataset;
use mts_models::SpectrogramSet;

/// A [`SpectrogramDataset`] (normalised, equal-length items) as a [`SpectrogramSet`], with the
/// utterance ids of its items for per-utterance pooling.
#[derive(Debug, Clone)]
pub struct SplitSet<'a> {
    data: &'a SpectrogramDataset,
    input_size: [usize; 2],
    utterance_ids: Vec<String>,
}

impl<'a> SplitSet<'a> {
    /// Wraps `data`; `utterance_names[i]` names utterance `i` of the feature set the items came
    /// from. `input_size` is `[time, freq]` of every item (used when `data` is empty).
    pub fn new(
        data: &'a SpectrogramDataset,
        input_size: [usize; 2],
        utterance_names: &[String],
    ) -> Self {
        let utterance_ids = data
            .items()
            .iter()
            .map(|item| {
                utterance_names
                    .get(item.utterance)
                    .cloned()
                    .unwrap_or_else(|| format!("utterance-{}", item.utterance))
            })
            .collect();
        Self {
            data,
            input_size,
            utterance_ids,
        }
    }
}

impl SpectrogramSet for SplitSet<'_> {
    fn len(&self) -> usize {
        self.data.items().len()
    }

    fn input_size(&self) -> [usize; 2] {
        self.input_size
    }

    fn features(&self, index: usize) -> Cow<'_, [f32]> {
        Cow::Borrowed(self.data.items()[index].spectrogram.as_slice())
    }

    fn label(&self, index: usize) -> usize {
        self.data.items()[index].label
    }

    fn utterance(&self, index: usize) -> Option<&str> {
        Some(&self.utterance_ids[index])
    }
}
