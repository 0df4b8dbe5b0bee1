//! Burn [`Dataset`] of labelled spectrogram inputs.

use std::sync::Arc;

use burn::data::dataset::{Dataset, DatasetError};
use mts_audio::Spectrogram;
use thiserror::Error;

/// One model input: a spectrogram (or a window of one) with its class and utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrogramItem {
    /// `[time, freq]` values, normalised.
    pub spectrogram: Spectrogram,
    /// Class index under the feature set's label map.
    pub label: usize,
    /// Index of the utterance in the [`crate::FeatureSet`] it came from; the windows of one
    /// utterance share it, for pooling their predictions per utterance.
    pub utterance: usize,
    /// Position of this window among its utterance's windows (0 when not segmented).
    pub segment: usize,
}

/// Index past the end of a [`SpectrogramDataset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("index {index} is out of range for a dataset of {len} items")]
pub struct IndexOutOfRange {
    /// The index asked for.
    pub index: usize,
    /// The dataset's length.
    pub len: usize,
}

/// Spectrogram inputs in memory, shared cheaply between clones (data loaders clone datasets
/// across workers).
#[derive(Debug, Clone, Default)]
pub struct SpectrogramDataset {
    items: Arc<[SpectrogramItem]>,
}

impl SpectrogramDataset {
    /// A dataset of these items.
    pub fn new(items: Vec<SpectrogramItem>) -> Self {
        Self {
            items: items.into(),
        }
    }

    /// The items.
    pub fn items(&self) -> &[SpectrogramItem] {
        &self.items
    }

    /// Number of distinct utterances among the items.
    pub fn utterance_count(&self) -> usize {
        let mut ids: Vec<usize> = self.items.iter().map(|i| i.utterance).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// `[time, freq]` shape of the inputs, `None` when empty.
    pub fn input_shape(&self) -> Option<[usize; 2]> {
        self.items.first().map(|i| i.spectrogram.shape())
    }
}

impl Dataset<SpectrogramItem> for SpectrogramDataset {
    /// Item `index`; an [`IndexOutOfRange`] error past the end (no panic).
    fn get(&self, index: usize) -> Result<SpectrogramItem, DatasetError> {
        self.items.get(index).cloned().ok_or_else(|| {
            DatasetError::new(IndexOutOfRange {
                index,
                len: self.items.len(),
            })
        })
    }

    fn len(&self) -> usize {
        self.items.len()
    }
}
