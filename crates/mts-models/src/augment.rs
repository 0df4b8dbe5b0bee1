//! Training-time augmentation: time-scale (tempo) stretching of the model inputs, and the choice
//! among speed-perturbed copies of them. Validation and test data are never augmented.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::SpectrogramSet;
use crate::streams::{Stream, mix64, stream_seed};

/// How training inputs are varied, drawn afresh for every item in every epoch from the
/// training seed (deterministic per `(seed, epoch, item)`).
///
/// Written and read as text: `none`, `tempo:0.7-1.428`, `speed:0.9,1,1.1`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Augmentation {
    /// The inputs as they are (training identical to an unaugmented run's).
    #[default]
    None,
    /// Each input is stretched along time by a factor drawn log-uniformly from
    /// `[low, high]` ([`stretch_time`]), then brought back to the input length.
    Tempo {
        /// The smallest factor (> 0).
        low: f64,
        /// The largest factor (>= `low`).
        high: f64,
    },
    /// Ko et al.'s speed perturbation: each input is one of the copies made from audio
    /// resampled by these factors (tempo and pitch change together), drawn uniformly. The
    /// training set holds one variant per factor, in this order.
    Speed {
        /// The factors (each > 0), e.g. `[0.9, 1.0, 1.1]`.
        factors: Vec<f64>,
    },
}

/// A malformed augmentation value; each names the value.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum AugmentationError {
    /// Not `none`, `tempo:LOW-HIGH` or `speed:F1,F2,...`.
    #[error("unknown augmentation {0:?}: use none, tempo:LOW-HIGH or speed:F1,F2,...")]
    UnknownKind(String),
    /// A tempo range that is not `LOW-HIGH` with `0 < LOW <= HIGH`, both finite.
    #[error("bad tempo range {0:?}: use tempo:LOW-HIGH with 0 < LOW <= HIGH, e.g. tempo:0.7-1.428")]
    TempoRange(String),
    /// Speed factors that are not a non-empty list of finite numbers > 0.
    #[error("bad speed factors {0:?}: use speed:F1,F2,... with factors > 0, e.g. speed:0.9,1,1.1")]
    SpeedFactors(String),
}

fn positive(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
}

impl FromStr for Augmentation {
    type Err = AugmentationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (kind, value) = text.split_once(':').unwrap_or((text, ""));
        match kind.trim().to_ascii_lowercase().as_str() {
            "none" if value.is_empty() => Ok(Self::None),
            "tempo" => {
                let bad = || AugmentationError::TempoRange(text.to_string());
                let (low, high) = value.split_once('-').ok_or_else(bad)?;
                match (positive(low), positive(high)) {
                    (Some(low), Some(high)) if low <= high => Ok(Self::Tempo { low, high }),
                    _ => Err(bad()),
                }
            }
            "speed" => {
                let factors = value
                    .split(',')
                    .map(positive)
                    .collect::<Option<Vec<f64>>>()
                    .ok_or_else(|| AugmentationError::SpeedFactors(text.to_string()))?;
                Ok(Self::Speed { factors })
            }
            _ => Err(AugmentationError::UnknownKind(text.to_string())),
        }
    }
}

impl fmt::Display for Augmentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("none"),
            Self::Tempo { low, high } => write!(f, "tempo:{low}-{high}"),
            Self::Speed { factors } => {
                let factors: Vec<String> = factors.iter().map(f64::to_string).collect();
                write!(f, "speed:{}", factors.join(","))
            }
        }
    }
}

impl From<Augmentation> for String {
    fn from(augmentation: Augmentation) -> Self {
        augmentation.to_string()
    }
}

impl TryFrom<String> for Augmentation {
    type Error = AugmentationError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

// Parsed values hold no NaN, so the text is a faithful key: equal values, equal text.
impl Eq for Augmentation {}

impl Hash for Augmentation {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.to_string().hash(state);
    }
}

impl Ord for Augmentation {
    /// `none` first, then tempo, then speed; within a kind by their text.
    fn cmp(&self, other: &Self) -> Ordering {
        let rank = |a: &Self| match a {
            Self::None => 0,
            Self::Tempo { .. } => 1,
            Self::Speed { .. } => 2,
        };
        (rank(self), self.to_string()).cmp(&(rank(other), other.to_string()))
    }
}

impl PartialOrd for Augmentation {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Augmentation {
    /// `true` for [`Augmentation::None`].
    pub fn is_none(&self) -> bool {
        *self == Self::None
    }

    /// The speed factors other than 1 (the copies of the features to compute besides the
    /// plain ones); empty unless this is [`Augmentation::Speed`].
    pub fn extra_speeds(&self) -> Vec<f64> {
        match self {
            Self::Speed { factors } => factors.iter().copied().filter(|f| *f != 1.0).collect(),
            _ => Vec::new(),
        }
    }

    /// How many variants of every training item this augmentation reads: one per speed factor,
    /// else 1.
    pub fn variants(&self) -> usize {
        match self {
            Self::Speed { factors } => factors.len(),
            _ => 1,
        }
    }

    /// `""` for none, else `-tempo0.7-1.428` or `-speed0.9-1-1.1`: the tag of a run id.
    pub fn slug(&self) -> String {
        match self {
            Self::None => String::new(),
            Self::Tempo { low, high } => format!("-tempo{low}-{high}"),
            Self::Speed { factors } => {
                let factors: Vec<String> = factors.iter().map(f64::to_string).collect();
                format!("-speed{}", factors.join("-"))
            }
        }
    }

    /// The features item `index` of `train` has in `epoch` under training seed `seed`.
    /// `None` returns the item's own features, untouched.
    pub fn features<'a>(
        &self,
        train: &'a dyn SpectrogramSet,
        index: usize,
        seed: u64,
        epoch: usize,
    ) -> Cow<'a, [f32]> {
        match self {
            Self::None => train.features(index),
            Self::Tempo { low, high } => {
                let mut rng = item_rng(seed, epoch, index);
                let u: f64 = rng.random();
                let factor = (low.ln() + u * (high.ln() - low.ln())).exp();
                Cow::Owned(stretch_time(
                    &train.features(index),
                    train.input_size(),
                    factor,
                ))
            }
            Self::Speed { factors } => {
                let mut rng = item_rng(seed, epoch, index);
                let variant = rng.random_range(0..factors.len());
                train.variant_features(index, variant)
            }
        }
    }
}

/// The random stream of item `index` in `epoch` (augmentation's own stream: the shuffle and
/// dropout streams of the epoch are not touched).
fn item_rng(seed: u64, epoch: usize, index: usize) -> Xoshiro256PlusPlus {
    let epoch_seed = stream_seed(seed, epoch, Stream::Augment);
    Xoshiro256PlusPlus::seed_from_u64(mix64(
        epoch_seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    ))
}

/// `values` (`[time, freq]`, time-major) stretched along time by `factor` and brought back to
/// `time` frames.
///
/// Output frame `t` is the input at time `t / factor`, linearly interpolated between the two
/// neighbouring frames, so `factor > 1` lengthens (slower speech) and `factor < 1` shortens.
/// The stretched input has `floor((time - 1) * factor) + 1` frames, every one inside the
/// input (linear interpolation is exact on inputs linear in time, up to `f32` rounding, and
/// `factor = 1` returns the input bit for bit). Brought back to `time` frames like the data
/// pipeline pads and truncates: the start is kept; a longer stretch is cut at the end, a shorter
/// one is padded at the end by repeating its last frame (which reproduces the padding of
/// inputs that end in padding).
pub fn stretch_time(values: &[f32], [time, freq]: [usize; 2], factor: f64) -> Vec<f32> {
    let mut out = Vec::with_capacity(time * freq);
    if time == 0 || freq == 0 {
        return out;
    }
    let stretched = (((time - 1) as f64 * factor).floor() as usize + 1).min(time);
    for t in 0..stretched {
        let position = (t as f64 / factor).min((time - 1) as f64);
        let below = position.floor() as usize;
        let above = (below + 1).min(time - 1);
        let frac = position - below as f64;
        let (a, b) = (
            &values[below * freq..(below + 1) * freq],
            &values[above * freq..(above + 1) * freq],
        );
        out.extend(
            a.iter()
                .zip(b)
                .map(|(&a, &b)| (f64::from(a) * (1.0 - frac) + f64::from(b) * frac) as f32),
        );
    }
    let last = out[(stretched - 1) * freq..].to_vec();
    for _ in stretched..time {
        out.extend_from_slice(&last);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{InMemorySet, LabeledSpectrogram};

    /// `[time, 2]`: frame `t` holds `t` and `10 + 3 t`.
    fn ramp(time: usize) -> Vec<f32> {
        (0..time)
            .flat_map(|t| [t as f32, 10.0 + 3.0 * t as f32])
            .collect()
    }

    #[test]
    fn a_ramp_stays_the_stretched_ramp() {
        let time = 9;
        // Lengthened by 2: frame t is the ramp at t / 2, cut to 9 frames.
        let slow = stretch_time(&ramp(time), [time, 2], 2.0);
        for t in 0..time {
            let x = t as f32 / 2.0;
            assert_eq!(&slow[2 * t..2 * t + 2], &[x, 10.0 + 3.0 * x], "frame {t}");
        }
        // Shortened by 0.8 (not a power of two): floor(8 * 0.8) + 1 = 7 frames at t / 0.8, then
        // the last one repeated.
        let fast = stretch_time(&ramp(time), [time, 2], 0.8);
        for t in 0..time {
            let x = (t.min(6) as f64 / 0.8) as f32;
            approx::assert_abs_diff_eq!(fast[2 * t], x, epsilon = 1e-5);
            approx::assert_abs_diff_eq!(fast[2 * t + 1], 10.0 + 3.0 * x, epsilon = 1e-5);
        }
    }

    #[test]
    fn factor_one_is_the_identity_bit_for_bit() {
        let values: Vec<f32> = (0..40)
            .map(|v| ((v * 37) % 11) as f32 * 0.3 - 1.1)
            .collect();
        assert_eq!(stretch_time(&values, [10, 4], 1.0), values);
    }

    fn set() -> InMemorySet {
        let items = (0..6)
            .map(|i| LabeledSpectrogram::new(ramp(8).iter().map(|v| v * i as f32).collect(), 0))
            .collect();
        InMemorySet::new([8, 2], items).unwrap()
    }

    #[test]
    fn tempo_is_deterministic_per_seed_epoch_and_item() {
        let tempo: Augmentation = "tempo:0.7-1.428".parse().unwrap();
        let set = set();
        let of = |seed, epoch, item| tempo.features(&set, item, seed, epoch).into_owned();
        assert_eq!(of(3, 1, 2), of(3, 1, 2));
        assert_ne!(of(3, 1, 2), of(3, 2, 2), "epochs draw afresh");
        assert_ne!(of(3, 1, 2), of(4, 1, 2), "seeds differ");
        // Items 2 and 4 are multiples of one ramp: equal draws would give proportional inputs.
        let (two, four) = (of(3, 1, 2), of(3, 1, 4));
        assert!(two.iter().zip(&four).any(|(a, b)| 2.0 * a != *b));
        assert_eq!(
            Augmentation::None.features(&set, 2, 3, 1),
            set.features(2),
            "none is untouched"
        );
    }

    #[test]
    fn values_parse_print_and_refuse_malformed_text() {
        for text in ["none", "tempo:0.7-1.428", "speed:0.9,1,1.1", "tempo:1-1"] {
            let parsed: Augmentation = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
            let json = serde_json::to_string(&parsed).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Augmentation>(&json).unwrap(), parsed);
        }
        type Variant = fn(String) -> AugmentationError;
        let cases: [(&str, Variant); 10] = [
            ("tempo:2-1", AugmentationError::TempoRange),
            ("tempo:0-1", AugmentationError::TempoRange),
            ("tempo:abc", AugmentationError::TempoRange),
            ("tempo:1-inf", AugmentationError::TempoRange),
            ("speed:", AugmentationError::SpeedFactors),
            ("speed:0", AugmentationError::SpeedFactors),
            ("speed:0.9,,1", AugmentationError::SpeedFactors),
            ("pitch:2", AugmentationError::UnknownKind),
            ("none:1", AugmentationError::UnknownKind),
            ("", AugmentationError::UnknownKind),
        ];
        for (text, error) in cases {
            let err = text.parse::<Augmentation>().unwrap_err();
            assert_eq!(err, error(text.to_string()));
            assert!(err.to_string().contains(&format!("{text:?}")), "{err}");
        }
        assert!(serde_json::from_str::<Augmentation>("\"tempo:2-1\"").is_err());
    }

    #[test]
    fn slugs_tag_augmented_runs_only() {
        assert_eq!(Augmentation::None.slug(), "");
        let tempo: Augmentation = "tempo:0.7-1.428".parse().unwrap();
        assert_eq!(tempo.slug(), "-tempo0.7-1.428");
        let speed: Augmentation = "speed:0.9,1,1.1".parse().unwrap();
        assert_eq!(speed.slug(), "-speed0.9-1-1.1");
        assert_eq!(speed.extra_speeds(), vec![0.9, 1.1]);
        assert_eq!(speed.variants(), 3);
        assert!(Augmentation::None < tempo && tempo < speed);
    }
}
