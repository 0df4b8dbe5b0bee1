//! Per-utterance pooling of the scores of an utterance's windows.

use std::collections::BTreeMap;

use burn::tensor::Tensor;
use thiserror::Error;

/// Scores that do not fit the pooling.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PoolingError {
    /// A score row with another number of classes than the first one.
    #[error("{found} class scores where earlier rows had {expected}")]
    ClassCount {
        /// Classes of the first row.
        expected: usize,
        /// Classes of this row.
        found: usize,
    },
    /// More or fewer score rows than utterance indices.
    #[error("{rows} score rows for {utterances} utterance indices")]
    RowCount {
        /// Rows of scores.
        rows: usize,
        /// Utterance indices given.
        utterances: usize,
    },
}

/// Averages the class scores (e.g. softmax probabilities) of all windows of each utterance, so
/// that accuracy can be measured per utterance rather than per window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UtterancePooling {
    classes: Option<usize>,
    sums: BTreeMap<usize, (Vec<f64>, usize)>,
}

impl UtterancePooling {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the scores of one window of `utterance`.
    pub fn add(&mut self, utterance: usize, scores: &[f32]) -> Result<(), PoolingError> {
        let expected = *self.classes.get_or_insert(scores.len());
        if scores.len() != expected {
            return Err(PoolingError::ClassCount {
                expected,
                found: scores.len(),
            });
        }
        let (sum, count) = self
            .sums
            .entry(utterance)
            .or_insert_with(|| (vec![0.0; expected], 0));
        for (s, &v) in sum.iter_mut().zip(scores) {
            *s += f64::from(v);
        }
        *count += 1;
        Ok(())
    }

    /// Adds a batch: `scores` is `[batch, classes]`, `utterances` the batch's utterance indices
    /// ([`crate::SpectrogramBatch::utterances`]).
    pub fn add_batch(
        &mut self,
        utterances: &[usize],
        scores: Tensor<2>,
    ) -> Result<(), PoolingError> {
        let [rows, classes] = scores.dims();
        if rows != utterances.len() {
            return Err(PoolingError::RowCount {
                rows,
                utterances: utterances.len(),
            });
        }
        let values: Vec<f32> = scores.into_data().iter::<f32>().collect();
        for (utterance, row) in utterances.iter().zip(values.chunks_exact(classes.max(1))) {
            self.add(*utterance, row)?;
        }
        Ok(())
    }

    /// Number of utterances seen.
    pub fn len(&self) -> usize {
        self.sums.len()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }

    /// The mean scores of each utterance.
    pub fn mean_scores(&self) -> BTreeMap<usize, Vec<f32>> {
        self.sums
            .iter()
            .map(|(&u, (sum, count))| (u, sum.iter().map(|s| (s / *count as f64) as f32).collect()))
            .collect()
    }

    /// The predicted class of each utterance: the arg-max of its mean scores (ties: lowest
    /// class).
    pub fn predictions(&self) -> BTreeMap<usize, usize> {
        self.sums
            .iter()
            .map(|(&u, (sum, _))| {
                let best = sum
                    .iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |best, (i, &s)| {
                        if s > best.1 { (i, s) } else { best }
                    });
                (u, best.0)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, TensorData};

    use super::*;

    #[test]
    fn averages_windows_per_utterance() {
        let mut pool = UtterancePooling::new();
        pool.add(3, &[0.9, 0.1]).unwrap();
        pool.add(3, &[0.3, 0.7]).unwrap();
        pool.add(5, &[0.2, 0.8]).unwrap();
        let means = pool.mean_scores();
        assert!((means[&3][0] - 0.6).abs() < 1e-6);
        assert_eq!(pool.predictions(), BTreeMap::from([(3, 0), (5, 1)]));
        assert_eq!(
            pool.add(5, &[1.0, 0.0, 0.0]),
            Err(PoolingError::ClassCount {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn takes_batches_of_scores() {
        let device = Device::flex();
        let scores = Tensor::<2>::from_data(
            TensorData::new(vec![0.1f32, 0.9, 0.8, 0.2, 0.6, 0.4], [3, 2]),
            &device,
        );
        let mut pool = UtterancePooling::new();
        pool.add_batch(&[0, 1, 1], scores.clone()).unwrap();
        assert_eq!(pool.len(), 2);
        assert_eq!(pool.predictions(), BTreeMap::from([(0, 1), (1, 0)]));
        assert!(matches!(
            pool.add_batch(&[0, 1], scores),
            Err(PoolingError::RowCount {
                rows: 3,
                utterances: 2
            })
        ));
    }
}
