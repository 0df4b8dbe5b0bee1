//! Scale sets that are valid for a given kernel by construction.

use std::ops::RangeInclusive;

use proptest::prelude::*;

use super::{KitError, non_empty};
use crate::error::MAX_SCALED_KERNEL_LEN;
use crate::{Scale, ScaleSet};

/// Whether the sets of [`ScaleSets`] hold a branch of the kernel's own size (the unit branch,
/// factor 1 on both axes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitBranch {
    /// In some sets and not in others.
    Sometimes,
    /// In every set, at a random position.
    Always,
    /// In no set: every branch kernel differs from the unscaled one (with
    /// [`KernelSharing::Detached`](crate::KernelSharing::Detached) the kernel then learns
    /// nothing).
    Never,
}

/// Parameters of a strategy for [`ScaleSet`]s that [`MtsConv2dConfig::try_init`] accepts for a
/// given kernel size: at least one scale, every factor finite and positive, every branch
/// kernel between 1 tap and [`MAX_SCALED_KERNEL_LEN`] taps, no two branches of the same kernel
/// size. Branches come in random (merge) order; factors are round (`0.5`, `1`, `2`, `1/k` for a
/// one-tap branch) or not (`1.428`), so that branch sizes are exercised with and without
/// rounding in `floor(k * factor)`.
///
/// [`MtsConv2dConfig::try_init`]: crate::MtsConv2dConfig::try_init
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleSets {
    /// How many branches a set has (fewer where the kernel allows fewer distinct sizes).
    /// Default `1..=4`.
    pub branches: RangeInclusive<usize>,
    /// Whether the unit branch is in the sets. Default [`UnitBranch::Sometimes`].
    pub unit: UnitBranch,
    /// Whether factors along frequency are drawn; otherwise every scale is time-only.
    /// Default `true`.
    pub frequency: bool,
    /// The longest branch kernel, as a multiple of the unscaled kernel (at least 2).
    /// Default 2: branches from one tap to twice the kernel.
    pub max_stretch: usize,
}

impl Default for ScaleSets {
    fn default() -> Self {
        Self {
            branches: 1..=4,
            unit: UnitBranch::Sometimes,
            frequency: true,
            max_stretch: 2,
        }
    }
}

impl ScaleSets {
    /// The strategy for a kernel of `kernel_size` `[time, freq]`, or the error naming the first
    /// parameter that leaves nothing valid to draw (`branches` empty or starting at 0, a zero
    /// kernel size).
    pub fn strategy(&self, kernel_size: [usize; 2]) -> Result<BoxedStrategy<ScaleSet>, KitError> {
        non_empty("ScaleSets::branches", &self.branches, 1)?;
        if kernel_size.contains(&0) {
            return Err(KitError::ZeroKernel { kernel_size });
        }
        let sizes = self.branch_sizes(kernel_size);
        let unit = self.unit;
        let wanted = match unit {
            UnitBranch::Always => self.branches.start() - 1..=self.branches.end() - 1,
            _ => self.branches.clone(),
        };
        let wanted = (*wanted.start()).min(sizes.len())..=(*wanted.end()).min(sizes.len());
        let factors = prop::collection::vec(prop_oneof![Just(0.0), 0.05f64..0.95], 8);
        Ok((
            proptest::sample::subsequence(sizes, wanted).prop_shuffle(),
            any::<prop::sample::Index>(),
            factors,
        )
            .prop_map(move |(mut sizes, at, fractions)| {
                if unit == UnitBranch::Always {
                    sizes.insert(at.index(sizes.len() + 1), kernel_size);
                }
                let scales = sizes
                    .iter()
                    .enumerate()
                    .map(|(i, &size)| {
                        let fraction = |a: usize| fractions[(2 * i + a) % fractions.len()];
                        Scale::new(
                            factor(kernel_size[0], size[0], fraction(0)),
                            factor(kernel_size[1], size[1], fraction(1)),
                        )
                    })
                    .collect();
                ScaleSet::new(scales)
            })
            .boxed())
    }

    /// Every branch size a set may hold (`[time, freq]`), without the unit one unless it may
    /// be drawn like any other.
    fn branch_sizes(&self, kernel_size: [usize; 2]) -> Vec<[usize; 2]> {
        let longest = |k: usize| (k * self.max_stretch.max(2)).min(MAX_SCALED_KERNEL_LEN);
        let freqs = if self.frequency {
            1..=longest(kernel_size[1])
        } else {
            kernel_size[1]..=kernel_size[1]
        };
        (1..=longest(kernel_size[0]))
            .flat_map(|time| freqs.clone().map(move |freq| [time, freq]))
            .filter(|&size| self.unit == UnitBranch::Sometimes || size != kernel_size)
            .collect()
    }
}

/// A factor that takes a kernel of `len` taps to `target` taps: exactly 1 for the kernel's own
/// length, else `(target + fraction) / len`, or `(target + 1/2) / len` where `fraction` is 0 and
/// rounding would floor `target / len * len` below `target`.
fn factor(len: usize, target: usize, fraction: f64) -> f64 {
    if target == len {
        return 1.0;
    }
    let factor = (target as f64 + fraction) / len as f64;
    if crate::scale::scaled_len(len, factor) == target {
        factor
    } else {
        (target as f64 + 0.5) / len as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_give_their_target_length() {
        for len in 1..=40 {
            for target in 1..=80 {
                for fraction in [0.0, 0.05, 0.5, 0.949] {
                    let f = factor(len, target, fraction);
                    assert_eq!(crate::scale::scaled_len(len, f), target, "{len} {target}");
                }
            }
        }
        assert_eq!(factor(10, 5, 0.0), 0.5);
        assert_eq!(factor(7, 1, 0.0), 1.0 / 7.0);
    }
}
