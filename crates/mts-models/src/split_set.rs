//! One split of a fold prepared by `mts-data`, as the trainer and evaluator read it.

use std::borrow::Cow;

use crate::data::SpectrogramSet;
use mts_data::SpectrogramDataset;

/// A [`SpectrogramDataset`] (normalised, equal-length items) as a [`SpectrogramSet`], with the
/// utterance ids of its items for per-utterance pooling.
#[derive(Debug, Clone)]
pub struct SplitSet<'a> {
    data: &'a SpectrogramDataset,
    input_size: [usize; 2],
    utterance_ids: Vec<String>,
    variants: Vec<&'a SpectrogramDataset>,
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
            variants: Vec::new(),
        }
    }

    /// The same split with variants of its items: `variants[k].items()[i]` is variant `k` of
    /// item `i` (e.g. the item made from speed-perturbed audio), in the order an
    /// [`Augmentation::Speed`](crate::Augmentation::Speed) lists its factors. Every variant
    /// must have as many items as the split.
    pub fn with_variants(mut self, variants: Vec<&'a SpectrogramDataset>) -> Self {
        self.variants = variants;
        self
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

    fn variants(&self) -> usize {
        self.variants.len().max(1)
    }

    fn variant_features(&self, index: usize, variant: usize) -> Cow<'_, [f32]> {
        match self.variants.get(variant) {
            Some(data) => Cow::Borrowed(data.items()[index].spectrogram.as_slice()),
            None => self.features(index),
        }
    }
}

#[cfg(test)]
mod tests {
    use mts_data::SpectrogramItem;

    use super::*;

    #[test]
    fn items_read_through_with_their_utterance_names() {
        let item = |values: Vec<f32>, label, utterance| SpectrogramItem {
            spectrogram: mts_audio::Spectrogram::new(values, 2, 2).expect("2x2"),
            label,
            utterance,
            segment: 0,
        };
        let data = SpectrogramDataset::new(vec![
            item(vec![1.0, 2.0, 3.0, 4.0], 3, 0),
            item(vec![5.0, 6.0, 7.0, 8.0], 1, 7),
        ]);
        let set = SplitSet::new(&data, [2, 2], &["03a01Fa".to_string()]);
        assert_eq!((set.len(), set.input_size()), (2, [2, 2]));
        assert_eq!(&*set.features(1), &[5.0, 6.0, 7.0, 8.0]);
        assert_eq!((set.label(0), set.label(1)), (3, 1));
        // Utterance 7 has no name: it gets a stable made-up one.
        assert_eq!(set.utterance(0), Some("03a01Fa"));
        assert_eq!(set.utterance(1), Some("utterance-7"));
        assert_eq!(set.variants(), 1);
        let other = SpectrogramDataset::new(vec![
            item(vec![0.0; 4], 3, 0),
            item(vec![9.0, 9.0, 9.0, 9.0], 1, 7),
        ]);
        let set = set.with_variants(vec![&data, &other]);
        assert_eq!(set.variants(), 2);
        assert_eq!(&*set.variant_features(1, 1), &[9.0; 4]);
        assert_eq!(&*set.variant_features(1, 0), &[5.0, 6.0, 7.0, 8.0]);
    }
}
