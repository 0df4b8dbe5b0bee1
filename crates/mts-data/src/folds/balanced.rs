//! Speaker-independent K-fold: a balanced partition of the units into test groups.

use std::collections::HashSet;

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;

use super::{Fold, FoldConfig, FoldError, FoldUnit};

/// Seed of fold `index`'s validation shuffle, derived from the config seed.
fn fold_seed(seed: u64, index: usize) -> u64 {
    seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Number of validation units for `n` units.
fn validation_units(n: usize, fraction: f64) -> usize {
    if fraction == 0.0 {
        0
    } else {
        ((fraction * n as f64).round() as usize).max(1)
    }
}

/// The folds of [`super::SpeakerFolds::k_fold`].
pub(super) fn k_fold(
    unit: FoldUnit,
    counts: &[(String, usize)],
    config: &FoldConfig,
) -> Result<Vec<Fold>, FoldError> {
    let k = config.k;
    if k < 2 {
        return Err(FoldError::TooFewFolds(k));
    }
    if !(0.0..1.0).contains(&config.validation_fraction) {
        return Err(FoldError::BadFraction(config.validation_fraction));
    }
    let mut seen = HashSet::new();
    if let Some((dup, _)) = counts.iter().find(|(name, _)| !seen.insert(name.as_str())) {
        return Err(FoldError::DuplicateUnit(dup.clone()));
    }
    let n = counts.len();
    let n_val = validation_units(n, config.validation_fraction);
    if n < k {
        return Err(FoldError::TooFewUnits {
            units: n,
            k,
            validation: n_val,
        });
    }

    // Largest first; ties in a seeded random order.
    let mut order: Vec<&(String, usize)> = counts.iter().collect();
    order.sort_by(|a, b| a.0.cmp(&b.0));
    order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(config.seed));
    order.sort_by_key(|unit| std::cmp::Reverse(unit.1));

    // Each unit to the group with the fewest utterances, then the fewest units.
    let mut groups: Vec<Vec<&str>> = vec![Vec::new(); k];
    let mut totals = vec![0usize; k];
    for (name, count) in order {
        let g = (0..k)
            .min_by_key(|&g| (totals[g], groups[g].len(), g))
            .unwrap_or(0);
        groups[g].push(name);
        totals[g] += count;
    }

    let mut folds = Vec::with_capacity(k);
    for i in 0..k {
        let test = &groups[i];
        if n - test.len() < n_val + 1 {
            return Err(FoldError::TooFewUnits {
                units: n,
                k,
                validation: n_val,
            });
        }
        // Validation from the following groups, each in a seeded random order.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(fold_seed(config.seed, i));
        let mut candidates = Vec::with_capacity(n - test.len());
        for step in 1..k {
            let mut group = groups[(i + step) % k].clone();
            group.shuffle(&mut rng);
            candidates.extend(group);
        }
        let validation = candidates[..n_val].to_vec();
        let train = candidates[n_val..].to_vec();
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        folds.push(Fold::new(
            i,
            unit,
            owned(&train),
            owned(&validation),
            owned(test),
        ));
    }
    Ok(folds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(list: &[(&str, usize)]) -> Vec<(String, usize)> {
        list.iter().map(|(n, c)| ((*n).to_owned(), *c)).collect()
    }

    #[test]
    fn emodb_speakers_make_balanced_test_groups() {
        // Files per EMODB speaker (datasets.md).
        let emodb = counts(&[
            ("03", 49),
            ("08", 58),
            ("09", 43),
            ("10", 38),
            ("11", 55),
            ("12", 35),
            ("13", 61),
            ("14", 69),
            ("15", 56),
            ("16", 71),
        ]);
        let folds = k_fold(FoldUnit::Speaker, &emodb, &FoldConfig::default()).unwrap();
        let sizes: Vec<usize> = folds
            .iter()
            .map(|f| {
                f.test
                    .iter()
                    .map(|s| emodb.iter().find(|(n, _)| n == s).unwrap().1)
                    .sum()
            })
            .collect();
        assert_eq!(sizes.iter().sum::<usize>(), 535);
        let spread = sizes.iter().max().unwrap() - sizes.iter().min().unwrap();
        assert!(spread <= 71, "test groups {sizes:?}");
        for f in &folds {
            assert_eq!(f.validation.len(), 2);
            assert_eq!(f.train.len() + f.validation.len() + f.test.len(), 10);
        }
    }

    #[test]
    fn rejects_impossible_configs() {
        let three = counts(&[("a", 1), ("b", 1), ("c", 1)]);
        let cfg = |k, validation_fraction| FoldConfig {
            k,
            validation_fraction,
            seed: 1,
        };
        assert_eq!(
            k_fold(FoldUnit::Speaker, &three, &cfg(1, 0.2)),
            Err(FoldError::TooFewFolds(1))
        );
        assert!(matches!(
            k_fold(FoldUnit::Speaker, &three, &cfg(4, 0.2)),
            Err(FoldError::TooFewUnits { .. })
        ));
        assert!(matches!(
            k_fold(FoldUnit::Speaker, &three, &cfg(3, 0.9)),
            Err(FoldError::TooFewUnits { .. })
        ));
        assert_eq!(
            k_fold(FoldUnit::Speaker, &three, &cfg(3, 1.0)),
            Err(FoldError::BadFraction(1.0))
        );
        assert!(k_fold(FoldUnit::Speaker, &three, &cfg(3, 0.2)).is_ok());
        assert!(k_fold(FoldUnit::Speaker, &three, &cfg(2, 0.0)).is_ok());
        let dup = counts(&[("a", 1), ("a", 2), ("c", 1)]);
        assert_eq!(
            k_fold(FoldUnit::Speaker, &dup, &cfg(2, 0.0)),
            Err(FoldError::DuplicateUnit("a".into()))
        );
    }
}
