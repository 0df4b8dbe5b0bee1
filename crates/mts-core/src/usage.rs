//! Scale usage: how often each branch wins the max.

use core::fmt;

use burn::tensor::{Int, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::ScaleUsageMismatch;
use crate::{Scale, ScaleSet};

/// Per-branch win counts of an MTS layer's max merge.
///
/// An output element `[b, c, t, f]` (before any activation) is won by the branch whose response
/// is largest there; on exact ties the earliest branch wins, so the counts add up to the number
/// of output elements and the [fractions](ScaleUsage::fractions) sum to 1. Counts, not
/// fractions, are accumulated over batches with [`merge`](ScaleUsage::merge), so a data set's
/// usage weighs every element equally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleUsage {
    scales: ScaleSet,
    counts: Vec<u64>,
}

impl ScaleUsage {
    /// A usage with zero counts for every branch of `scales`.
    pub fn zeros(scales: ScaleSet) -> Self {
        let counts = vec![0; scales.len()];
        Self { scales, counts }
    }

    /// A usage from explicit per-branch counts, one per scale.
    ///
    /// Returns `None` when the number of counts differs from the number of scales.
    pub fn from_counts(scales: ScaleSet, counts: Vec<u64>) -> Option<Self> {
        (scales.len() == counts.len()).then_some(Self { scales, counts })
    }

    /// Counts the elements each branch wins in `winners` (branch indices, as the layers'
    /// `forward_with_winners` return them), read from the device in one transfer.
    pub fn of_winners<const D: usize>(winners: &Tensor<D, Int>, scales: &ScaleSet) -> Self {
        let counts = (0..scales.len())
            .map(|index| winners.clone().equal_elem(index as i32).int().sum())
            .collect();
        let counts = Tensor::cat(counts, 0)
            .into_data()
            .convert::<i64>()
            .try_into_vec::<i64>()
            .expect("branch counts are integers")
            .into_iter()
            .map(|count| count as u64)
            .collect();
        Self {
            scales: scales.clone(),
            counts,
        }
    }

    /// The branch scales, in branch order.
    pub fn scales(&self) -> &ScaleSet {
        &self.scales
    }

    /// Output elements won by each branch, in branch order.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Number of output elements counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Share of output elements won by each branch, in branch order: each in `[0, 1]`, summing
    /// to 1 (all zero when nothing has been counted yet).
    pub fn fractions(&self) -> Vec<f64> {
        let total = self.total();
        self.counts
            .iter()
            .map(|&c| {
                if total == 0 {
                    0.0
                } else {
                    c as f64 / total as f64
                }
            })
            .collect()
    }

    /// Adds the counts of `other`, e.g. the usage of the next batch.
    ///
    /// Fails, leaving `self` unchanged, when `other` has different branch scales.
    pub fn merge(&mut self, other: &ScaleUsage) -> Result<(), ScaleUsageMismatch> {
        if self.scales != other.scales {
            return Err(ScaleUsageMismatch {
                this: self.scales.to_string(),
                other: other.scales.to_string(),
            });
        }
        for (count, add) in self.counts.iter_mut().zip(&other.counts) {
            *count += add;
        }
        Ok(())
    }

    /// Pairs of (scale, fraction) in branch order.
    pub fn iter(&self) -> impl Iterator<Item = (Scale, f64)> + '_ {
        self.scales.iter().copied().zip(self.fractions())
    }
}

impl fmt::Display for ScaleUsage {
    /// `scale 0.5: 31.2%, scale 1: 40.1%, scale 2: 28.7%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (scale, fraction)) in self.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "scale {scale}: {:.1}%", 100.0 * fraction)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_counts_and_fractions_sum_to_one() {
        let scales = ScaleSet::time(&[0.5, 1.0, 2.0]);
        let mut usage = ScaleUsage::zeros(scales.clone());
        assert_eq!(usage.fractions(), vec![0.0; 3]);
        usage
            .merge(&ScaleUsage::from_counts(scales.clone(), vec![1, 2, 1]).unwrap())
            .unwrap();
        usage
            .merge(&ScaleUsage::from_counts(scales, vec![3, 0, 1]).unwrap())
            .unwrap();
        assert_eq!(usage.counts(), &[4, 2, 2]);
        assert_eq!(usage.fractions(), vec![0.5, 0.25, 0.25]);
        assert_eq!(
            usage.to_string(),
            "scale 0.5: 50.0%, scale 1: 25.0%, scale 2: 25.0%"
        );
    }

    #[test]
    fn merge_rejects_other_scales() {
        let mut usage = ScaleUsage::zeros(ScaleSet::time(&[0.5, 1.0]));
        let other = ScaleUsage::zeros(ScaleSet::time(&[1.0, 2.0]));
        let err = usage.merge(&other).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot add the scale usage of branches (1, 2) to the usage of branches (0.5, 1)"
        );
        assert!(ScaleUsage::from_counts(ScaleSet::time(&[1.0]), vec![1, 2]).is_none());
    }
}
