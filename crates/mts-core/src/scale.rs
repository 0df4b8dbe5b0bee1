//! Scale factors: which resampled copies of the kernel an MTS layer runs.

use core::fmt;

use serde::{Deserialize, Serialize};

/// The scale factors of one MTS branch.
///
/// The branch kernel is the layer's kernel `[out, in, kt, kf]` resampled to
/// `[out, in, floor(kt * time), floor(kf * freq)]`, where time is axis 2 and frequency axis 3 of
/// the `[batch, channels, time, freq]` layout. A factor above 1 stretches the kernel (the branch
/// matches slower patterns), below 1 compresses it.
///
/// In JSON a scale is written as a number (time only, `freq = 1`) or as a `[time, freq]` pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "ScaleRepr", into = "ScaleRepr")]
pub struct Scale {
    /// Factor along time (kernel axis 2).
    pub time: f64,
    /// Factor along frequency (kernel axis 3); `1.0` leaves frequency untouched.
    pub freq: f64,
}

impl Scale {
    /// A scale along time only (`freq = 1`), as every experiment of the paper uses.
    pub const fn time(time: f64) -> Self {
        Self { time, freq: 1.0 }
    }

    /// A scale along time and frequency.
    pub const fn new(time: f64, freq: f64) -> Self {
        Self { time, freq }
    }

    /// The branch kernel size `[floor(kt * time), floor(kf * freq)]` for a kernel of size
    /// `[kt, kf]` (PyTorch's `interpolate(scale_factor=..)` size rule: floor, no rounding).
    ///
    /// Factors are not validated here; a non-finite or huge product saturates.
    pub fn kernel_size(&self, kernel_size: [usize; 2]) -> [usize; 2] {
        [
            scaled_len(kernel_size[0], self.time),
            scaled_len(kernel_size[1], self.freq),
        ]
    }

    /// `true` when both factors are exactly 1.
    pub fn is_unit(&self) -> bool {
        self.time == 1.0 && self.freq == 1.0
    }
}

/// `floor(len * factor)`, saturating for absurd products (`as` casts of floats saturate).
pub(crate) fn scaled_len(len: usize, factor: f64) -> usize {
    (len as f64 * factor).floor() as usize
}

impl From<f64> for Scale {
    fn from(time: f64) -> Self {
        Self::time(time)
    }
}

impl From<[f64; 2]> for Scale {
    fn from([time, freq]: [f64; 2]) -> Self {
        Self::new(time, freq)
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.freq == 1.0 {
            write!(f, "{}", self.time)
        } else {
            write!(f, "{}x{}", self.time, self.freq)
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ScaleRepr {
    Time(f64),
    Pair([f64; 2]),
}

impl From<ScaleRepr> for Scale {
    fn from(repr: ScaleRepr) -> Self {
        match repr {
            ScaleRepr::Time(time) => Self::time(time),
            ScaleRepr::Pair(pair) => pair.into(),
        }
    }
}

impl From<Scale> for ScaleRepr {
    fn from(scale: Scale) -> Self {
        if scale.freq == 1.0 {
            Self::Time(scale.time)
        } else {
            Self::Pair([scale.time, scale.freq])
        }
    }
}

/// The ordered list of branch scales of an MTS layer.
///
/// Branches are merged by an element-wise max in this order; on exact ties the earlier branch
/// wins. A set need not contain the unit scale: the output shape is always the one of the
/// unscaled kernel. Validity (non-empty, positive, finite, no two branches with the same kernel)
/// is checked by [`MtsConv2dConfig::try_init`](crate::MtsConv2dConfig::try_init), because it
/// depends on the kernel size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScaleSet(Vec<Scale>);

impl ScaleSet {
    /// A set from explicit `(time, freq)` scales.
    pub fn new(scales: Vec<Scale>) -> Self {
        Self(scales)
    }

    /// A time-only set, e.g. `ScaleSet::time(&[0.5, 1.0, 2.0])` for the paper's `(0.5, 1, 2)`.
    pub fn time(factors: &[f64]) -> Self {
        Self(factors.iter().copied().map(Scale::time).collect())
    }

    /// The scales in branch order.
    pub fn as_slice(&self) -> &[Scale] {
        &self.0
    }

    /// Iterates over the scales in branch order.
    pub fn iter(&self) -> core::slice::Iter<'_, Scale> {
        self.0.iter()
    }

    /// Number of branches.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `true` when the set has no scale (an invalid layer configuration).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a ScaleSet {
    type Item = &'a Scale;
    type IntoIter = core::slice::Iter<'a, Scale>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Vec<Scale>> for ScaleSet {
    fn from(scales: Vec<Scale>) -> Self {
        Self(scales)
    }
}

impl From<Vec<f64>> for ScaleSet {
    fn from(factors: Vec<f64>) -> Self {
        Self::time(&factors)
    }
}

impl From<&[f64]> for ScaleSet {
    fn from(factors: &[f64]) -> Self {
        Self::time(factors)
    }
}

impl<const N: usize> From<[f64; N]> for ScaleSet {
    fn from(factors: [f64; N]) -> Self {
        Self::time(&factors)
    }
}

impl fmt::Display for ScaleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(")?;
        for (i, scale) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{scale}")?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_size_floors_like_pytorch() {
        // Sizes from the reference table (mts-method.md section 1.3).
        let cases: [([usize; 2], f64, [usize; 2]); 8] = [
            ([10, 5], 0.5, [5, 5]),
            ([10, 5], 0.7, [7, 5]),
            ([10, 5], 1.428, [14, 5]),
            ([10, 5], 2.0, [20, 5]),
            ([11, 11], 0.7, [7, 11]),
            ([11, 11], 1.428, [15, 11]),
            ([5, 5], 0.5, [2, 5]),
            ([3, 3], 0.7, [2, 3]),
        ];
        for (kernel, s, expected) in cases {
            assert_eq!(
                Scale::time(s).kernel_size(kernel),
                expected,
                "{kernel:?} x {s}"
            );
        }
        assert_eq!(Scale::new(2.0, 0.5).kernel_size([4, 4]), [8, 2]);
    }

    #[test]
    fn serde_accepts_numbers_and_pairs() {
        let set: ScaleSet = serde_json::from_str("[0.5, 1, [2, 0.5]]").unwrap();
        assert_eq!(
            set.as_slice(),
            &[Scale::time(0.5), Scale::time(1.0), Scale::new(2.0, 0.5)]
        );
        assert_eq!(serde_json::to_string(&set).unwrap(), "[0.5,1.0,[2.0,0.5]]");
    }

    #[test]
    fn display_is_compact() {
        let set = ScaleSet::new(vec![
            Scale::time(0.7),
            Scale::time(1.0),
            Scale::new(2.0, 0.5),
        ]);
        assert_eq!(set.to_string(), "(0.7, 1, 2x0.5)");
    }
}
