//! What training and evaluation read: labelled spectrograms of one fixed size, and how they
//! become tensors.

use std::borrow::Cow;

use burn::tensor::{Device, Int, Tensor};
use thiserror::Error;

/// A labelled set of spectrograms of one size `[time, freq]`, e.g. one split of a corpus.
///
/// Items are read by index; training visits them in a seeded shuffled order, evaluation in index
/// order. Implement it over whatever holds the features (memory, a feature cache); [`InMemorySet`]
/// is the simple one.
pub trait SpectrogramSet {
    /// Number of items.
    fn len(&self) -> usize;

    /// `true` when there are no items.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `[time, freq]` size of every spectrogram.
    fn input_size(&self) -> [usize; 2];

    /// The spectrogram of item `index`, time-major (`time * freq` values, frame after frame).
    ///
    /// # Panics
    /// May panic when `index >= len()`.
    fn features(&self, index: usize) -> Cow<'_, [f32]>;

    /// The class of item `index`.
    ///
    /// # Panics
    /// May panic when `index >= len()`.
    fn label(&self, index: usize) -> usize;

    /// The utterance item `index` was cut from, when utterances are segmented (IEMOCAP's 4 s
    /// windows); evaluation then also scores whole utterances. `None` by default.
    fn utterance(&self, index: usize) -> Option<&str> {
        let _ = index;
        None
    }

    /// How many variants of every item the set holds (e.g. speed-perturbed copies, one per
    /// factor); 1 by default, the item itself.
    fn variants(&self) -> usize {
        1
    }

    /// Variant `variant` of item `index` (`variant < variants()`); by default the item itself.
    ///
    /// # Panics
    /// May panic when `index >= len()` or `variant >= variants()`.
    fn variant_features(&self, index: usize, variant: usize) -> Cow<'_, [f32]> {
        let _ = variant;
        self.features(index)
    }
}

/// One labelled spectrogram.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledSpectrogram {
    /// `time * freq` values, time-major.
    pub features: Vec<f32>,
    /// The class index.
    pub label: usize,
    /// The utterance this segment belongs to, if segmented.
    pub utterance: Option<String>,
}

impl LabeledSpectrogram {
    /// An unsegmented item.
    pub fn new(features: Vec<f32>, label: usize) -> Self {
        Self {
            features,
            label,
            utterance: None,
        }
    }

    /// Marks the item as a segment of `utterance`.
    pub fn with_utterance(mut self, utterance: impl Into<String>) -> Self {
        self.utterance = Some(utterance.into());
        self
    }
}

/// A [`SpectrogramSet`] held in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct InMemorySet {
    input_size: [usize; 2],
    items: Vec<LabeledSpectrogram>,
}

impl InMemorySet {
    /// A set of `items`, each with `time * freq` values for `input_size = [time, freq]`.
    pub fn new(input_size: [usize; 2], items: Vec<LabeledSpectrogram>) -> Result<Self, DataError> {
        let expected = input_size[0] * input_size[1];
        if let Some((index, item)) = items
            .iter()
            .enumerate()
            .find(|(_, item)| item.features.len() != expected)
        {
            return Err(DataError::FeatureLength {
                index,
                found: item.features.len(),
                input_size,
            });
        }
        Ok(Self { input_size, items })
    }

    /// The items.
    pub fn items(&self) -> &[LabeledSpectrogram] {
        &self.items
    }
}

impl SpectrogramSet for InMemorySet {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn input_size(&self) -> [usize; 2] {
        self.input_size
    }

    fn features(&self, index: usize) -> Cow<'_, [f32]> {
        Cow::Borrowed(&self.items[index].features)
    }

    fn label(&self, index: usize) -> usize {
        self.items[index].label
    }

    fn utterance(&self, index: usize) -> Option<&str> {
        self.items[index].utterance.as_deref()
    }
}

/// Data that does not fit the model or is inconsistent.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DataError {
    /// An item has the wrong number of values.
    #[error("item {index} has {found} values, expected {} for a {input_size:?} spectrogram", input_size[0] * input_size[1])]
    FeatureLength {
        /// The item.
        index: usize,
        /// Its number of values.
        found: usize,
        /// The expected `[time, freq]`.
        input_size: [usize; 2],
    },
    /// The spectrograms are not the size the model was built for.
    #[error("the {split} spectrograms are {found:?} [time, freq], the model expects {expected:?}")]
    InputSize {
        /// Which split.
        split: &'static str,
        /// The data's size.
        found: [usize; 2],
        /// The model's size.
        expected: [usize; 2],
    },
    /// A label is not a class of the model.
    #[error("{split} item {index} has label {label}, but the model has {num_classes} classes")]
    Label {
        /// Which split.
        split: &'static str,
        /// The item.
        index: usize,
        /// Its label.
        label: usize,
        /// The model's number of classes.
        num_classes: usize,
    },
    /// A split has no items.
    #[error("the {split} split is empty")]
    Empty {
        /// Which split.
        split: &'static str,
    },
    /// The training set does not hold one variant of each item per factor of the augmentation.
    #[error(
        "the training set holds {found} variant(s) of each item, augmentation {augmentation} \
         needs {expected}"
    )]
    Variants {
        /// Variants the set holds.
        found: usize,
        /// Variants the augmentation reads.
        expected: usize,
        /// The augmentation.
        augmentation: String,
    },
    /// Segments of one utterance carry different labels.
    #[error("utterance {utterance:?} has segments labelled {first} and {other}")]
    MixedUtteranceLabels {
        /// The utterance.
        utterance: String,
        /// The label of its first segment.
        first: usize,
        /// A different label of a later segment.
        other: usize,
    },
}

/// Checks that `data` fits a model with `input_size` and `num_classes` (every label, every
/// feature length), so that batching cannot fail later.
pub(crate) fn check_set(
    split: &'static str,
    data: &dyn SpectrogramSet,
    input_size: [usize; 2],
    num_classes: usize,
) -> Result<(), DataError> {
    if data.is_empty() {
        return Err(DataError::Empty { split });
    }
    if data.input_size() != input_size {
        return Err(DataError::InputSize {
            split,
            found: data.input_size(),
            expected: input_size,
        });
    }
    let expected = input_size[0] * input_size[1];
    for index in 0..data.len() {
        let label = data.label(index);
        if label >= num_classes {
            return Err(DataError::Label {
                split,
                index,
                label,
                num_classes,
            });
        }
        for variant in 0..data.variants() {
            let found = data.variant_features(index, variant).len();
            if found != expected {
                return Err(DataError::FeatureLength {
                    index,
                    found,
                    input_size,
                });
            }
        }
    }
    Ok(())
}

/// The items `indices` of `data` as a batch on `device`: spectrograms `[batch, 1, time, freq]`
/// and labels `[batch]`. The set must have passed [`check_set`].
pub(crate) fn batch(
    data: &dyn SpectrogramSet,
    indices: &[usize],
    device: &Device,
) -> (Tensor<4>, Tensor<1, Int>) {
    let [time, freq] = data.input_size();
    let mut values = Vec::with_capacity(indices.len() * time * freq);
    for &index in indices {
        values.extend_from_slice(&data.features(index));
    }
    let labels = indices.iter().map(|&index| data.label(index)).collect();
    mts_data::batch_tensors(values, labels, [time, freq], device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_set_checks_lengths_and_batches() {
        let err =
            InMemorySet::new([2, 3], vec![LabeledSpectrogram::new(vec![0.0; 5], 0)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "item 0 has 5 values, expected 6 for a [2, 3] spectrogram"
        );
        let set = InMemorySet::new(
            [2, 3],
            vec![
                LabeledSpectrogram::new((0..6).map(|v| v as f32).collect(), 1),
                LabeledSpectrogram::new(vec![9.0; 6], 0).with_utterance("u1"),
            ],
        )
        .unwrap();
        assert_eq!(set.utterance(1), Some("u1"));
        assert!(check_set("train", &set, [2, 3], 2).is_ok());
        assert_eq!(
            check_set("train", &set, [2, 3], 1),
            Err(DataError::Label {
                split: "train",
                index: 0,
                label: 1,
                num_classes: 1
            })
        );
        assert!(matches!(
            check_set("valid", &set, [3, 2], 2),
            Err(DataError::InputSize { .. })
        ));
        let (x, y) = batch(&set, &[1, 0], &Device::flex());
        assert_eq!(x.dims(), [2, 1, 2, 3]);
        let values = x.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(&values[..7], &[9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 0.0]);
        assert_eq!(y.into_data().try_to_vec_as::<i64>().unwrap(), vec![0, 1]);
    }
}
