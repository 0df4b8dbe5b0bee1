//! The Wilcoxon signed-rank test over paired results (the paper's test of MTS against standard
//! convolution), two-sided, with the exact null distribution (a normal approximation above 1000
//! pairs).
//!
//! Conventions, as SciPy's `scipy.stats.wilcoxon(x, y, zero_method="wilcox",
//! alternative="two-sided", method="exact")`:
//! - pairs with a zero difference are dropped (`"wilcox"`), `n` counts the rest;
//! - equal absolute differences share their mean rank;
//! - values closer than [`TIE_TOLERANCE`] (relative) count as equal, for zeros and ties alike:
//!   accuracies computed from counts carry float noise (`66.9 - 64.5` and `60.5 - 58.1` differ in
//!   the 15th digit), which must neither break a tie nor turn a zero into a rank;
//! - the statistic is `W+`, the rank sum of the positive differences `second - first`,
//!   reported beside `W-`;
//! - the p-value is `min(1, 2 min(P(W+ <= w), P(W+ >= w)))` under the exact distribution of
//!   `W+` given the ranks (every sign pattern equally likely), so it stays exact with tied
//!   ranks and zeros, for up to [`EXACT_MAX_PAIRS`] (1000) ranked pairs; above, it is SciPy's
//!   normal approximation. Below that, SciPy's default (`method="auto"`) agrees where it is
//!   exact too (no ties or zeros and `n <= 50`; ties or zeros with at most 13 pairs, by an
//!   exhaustive permutation test); elsewhere it reports its normal approximation, which differs
//!   from this p-value (by 0.01 for the 20 pooled pairs of Table 1 in docs/results.md).

use serde::{Deserialize, Serialize};

/// Relative tolerance under which two values, or two absolute differences, count as equal.
pub const TIE_TOLERANCE: f64 = 1e-9;

fn nearly_equal(a: f64, b: f64) -> bool {
    (a - b).abs() <= TIE_TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

/// The most ranked pairs (non-zero differences) whose p-value is exact. Above, the p-value is
/// SciPy's normal approximation with tie-corrected variance and continuity correction
/// (`method="asymptotic", correction=True`): the exact count would exceed `f64` from 1024
/// pairs on (2^n sign patterns), and its cost grows as n^3; near 1000 pairs the two differ by
/// about 4e-5 (measured).
pub const EXACT_MAX_PAIRS: usize = 1000;

/// The outcome of [`wilcoxon_signed_rank`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wilcoxon {
    /// Pairs with a non-zero difference (the ones ranked).
    pub n: usize,
    /// Pairs dropped for a zero difference.
    pub zeros: usize,
    /// Rank sum of the pairs where the second value is larger.
    pub w_plus: f64,
    /// Rank sum of the pairs where the first value is larger.
    pub w_minus: f64,
    /// Two-sided p-value: exact up to [`EXACT_MAX_PAIRS`] ranked pairs, the normal approximation
    /// above; 1 when `n == 0`.
    pub p_value: f64,
}

/// Two-sided Wilcoxon signed-rank test of `second - first` over paired values, e.g. the test
/// accuracies of the standard (`first`) and MTS (`second`) model on the same folds and seeds.
///
/// Returns `None` when the slices differ in length or hold a non-finite value.
pub fn wilcoxon_signed_rank(first: &[f64], second: &[f64]) -> Option<Wilcoxon> {
    if first.len() != second.len() || first.iter().chain(second).any(|v| !v.is_finite()) {
        return None;
    }
    let differences: Vec<f64> = first
        .iter()
        .zip(second)
        .filter(|(a, b)| !nearly_equal(**a, **b))
        .map(|(a, b)| b - a)
        .collect();
    let n = differences.len();
    let zeros = first.len() - n;
    // Ranks doubled, so that mean ranks of ties (k + 0.5) stay integers.
    let doubled = doubled_ranks(&differences);
    let w_plus_doubled: usize = differences
        .iter()
        .zip(&doubled)
        .filter(|(d, _)| **d > 0.0)
        .map(|(_, r)| *r)
        .sum();
    let total_doubled: usize = doubled.iter().sum();
    let p_value = match n {
        0 => 1.0,
        1..=EXACT_MAX_PAIRS => exact_p_value(&doubled, w_plus_doubled),
        _ => normal_p_value(&doubled, w_plus_doubled),
    };
    Some(Wilcoxon {
        n,
        zeros,
        w_plus: w_plus_doubled as f64 / 2.0,
        w_minus: (total_doubled - w_plus_doubled) as f64 / 2.0,
        p_value,
    })
}

/// `min(1, 2 min(P(W+ <= w), P(W+ >= w)))` under the exact distribution of `W+` given the
/// doubled ranks, for a doubled `W+` of `w_plus_doubled`.
fn exact_p_value(doubled: &[usize], w_plus_doubled: usize) -> f64 {
    let counts = sign_pattern_counts(doubled);
    let patterns: f64 = counts.iter().sum();
    let lower: f64 = counts[..=w_plus_doubled].iter().sum();
    let upper: f64 = counts[w_plus_doubled..].iter().sum();
    (2.0 * lower.min(upper) / patterns).min(1.0)
}

/// The two-sided p-value of the normal approximation, as SciPy's `method="asymptotic"`: mean
/// `n(n+1)/4`, variance `(n(n+1)(2n+1) - Σ(t³ - t)/2) / 24` over tie groups of size `t`, and
/// `z` moved half a unit towards 0 (continuity correction).
fn normal_p_value(doubled: &[usize], w_plus_doubled: usize) -> f64 {
    let n = doubled.len() as f64;
    let mut sorted = doubled.to_vec();
    sorted.sort_unstable();
    // Tied |differences| share a (doubled) rank, and different groups never do.
    let ties: f64 = sorted
        .chunk_by(|a, b| a == b)
        .map(|group| {
            let t = group.len() as f64;
            t * t * t - t
        })
        .sum();
    let sd = ((n * (n + 1.0) * (2.0 * n + 1.0) - ties / 2.0) / 24.0).sqrt();
    let z = (w_plus_doubled as f64 / 2.0 - n * (n + 1.0) / 4.0) / sd;
    let corrected = if z == 0.0 {
        0.0
    } else {
        z - z.signum() * 0.5 / sd
    };
    libm::erfc(corrected.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// Twice the rank of each `|difference|` (1-based; ties get their mean rank).
fn doubled_ranks(differences: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..differences.len()).collect();
    order.sort_by(|&a, &b| differences[a].abs().total_cmp(&differences[b].abs()));
    let mut ranks = vec![0; differences.len()];
    let mut start = 0;
    while start < order.len() {
        let value = differences[order[start]].abs();
        let end = order[start..]
            .iter()
            .position(|&i| !nearly_equal(differences[i].abs(), value))
            .map_or(order.len(), |offset| start + offset);
        // Ranks start + 1 ..= end share their mean, (start + 1 + end) / 2; doubled:
        for &i in &order[start..end] {
            ranks[i] = start + 1 + end;
        }
        start = end;
    }
    ranks
}

/// `counts[s]`: how many of the `2^n` sign patterns give a doubled positive rank sum of `s`.
fn sign_pattern_counts(doubled: &[usize]) -> Vec<f64> {
    let total: usize = doubled.iter().sum();
    let mut counts = vec![0.0; total + 1];
    counts[0] = 1.0;
    for &rank in doubled {
        for sum in (rank..=total).rev() {
            counts[sum] += counts[sum - rank];
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_positive_differences_of_five_pairs() {
        // Exact: P(W+ = 15) = 1/32, two-sided 1/16.
        let result = wilcoxon_signed_rank(&[0.0; 5], &[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!((result.n, result.zeros), (5, 0));
        assert_eq!((result.w_plus, result.w_minus), (15.0, 0.0));
        assert!((result.p_value - 0.0625).abs() < 1e-12);
    }

    #[test]
    fn zeros_are_dropped_and_ties_share_ranks() {
        let result = wilcoxon_signed_rank(&[1.0, 1.0, 1.0, 1.0], &[1.0, 2.0, 0.0, 3.0]).unwrap();
        // Differences 0 (dropped), +1, -1, +2: ranks 1.5, 1.5, 3.
        assert_eq!((result.n, result.zeros), (3, 1));
        assert_eq!((result.w_plus, result.w_minus), (4.5, 1.5));
    }

    #[test]
    fn no_difference_at_all_has_p_one() {
        let result = wilcoxon_signed_rank(&[2.0, 3.0], &[2.0, 3.0]).unwrap();
        assert_eq!((result.n, result.zeros, result.p_value), (0, 2, 1.0));
    }

    #[test]
    fn mismatched_or_non_finite_input_is_refused() {
        assert!(wilcoxon_signed_rank(&[1.0], &[1.0, 2.0]).is_none());
        assert!(wilcoxon_signed_rank(&[f64::NAN], &[1.0]).is_none());
    }
}
