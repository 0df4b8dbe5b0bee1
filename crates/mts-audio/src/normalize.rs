//! [`Normalizer`]: zero mean, unit standard deviation with statistics fitted on a training split.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{AudioError, Spectrogram};

/// Which statistics a [`Normalizer`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NormalizerMode {
    /// One mean and one standard deviation over every value of every spectrogram (the paper).
    Global,
    /// One mean and one standard deviation per frequency bin, over all frames.
    PerBin,
}

/// Standardises spectrograms to zero mean and unit standard deviation with statistics fitted on
/// one set of spectrograms (the training split) and applied unchanged to any other.
///
/// Fitting uses the population standard deviation (divide by the count, numpy's default),
/// accumulated in `f64`. Every value given counts, zero-padding included (the paper fits after
/// padding). A statistic with zero deviation (a constant bin) keeps scale 1: values are only
/// shifted. Serialisable with serde; [`save`](Self::save) / [`load`](Self::load) write and read
/// JSON so the statistics can travel with a trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    mode: NormalizerMode,
    /// One entry for [`NormalizerMode::Global`], one per bin for [`NormalizerMode::PerBin`].
    mean: Vec<f64>,
    /// Same length as `mean`.
    std: Vec<f64>,
    /// Values (per statistic) the fit saw.
    count: u64,
}

impl Normalizer {
    /// Fits the statistics of `mode` on `spectrograms` (typically the training split).
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] when there are no values at all;
    /// [`AudioError::ShapeMismatch`] when bin counts differ.
    pub fn fit<'a, I>(mode: NormalizerMode, spectrograms: I) -> Result<Self, AudioError>
    where
        I: IntoIterator<Item = &'a Spectrogram>,
    {
        let mut bins: Option<(usize, usize)> = None;
        // Welford's running mean and sum of squared deviations, per statistic.
        let mut count = 0u64;
        let mut mean: Vec<f64> = Vec::new();
        let mut m2: Vec<f64> = Vec::new();
        for (index, spec) in spectrograms.into_iter().enumerate() {
            match bins {
                None => {
                    bins = Some((spec.frames(), spec.bins()));
                    let stats = if mode == NormalizerMode::Global {
                        1
                    } else {
                        spec.bins()
                    };
                    mean = vec![0.0; stats];
                    m2 = vec![0.0; stats];
                }
                Some((frames, b)) if b != spec.bins() => {
                    return Err(AudioError::ShapeMismatch {
                        index,
                        expected_frames: frames,
                        expected_bins: b,
                        found_frames: spec.frames(),
                        found_bins: spec.bins(),
                    });
                }
                Some(_) => {}
            }
            match mode {
                NormalizerMode::Global => {
                    for &v in spec.as_slice() {
                        count += 1;
                        welford(&mut mean[0], &mut m2[0], count, f64::from(v));
                    }
                }
                NormalizerMode::PerBin => {
                    for frame in spec.iter_frames() {
                        count += 1;
                        for ((mu, s), &v) in mean.iter_mut().zip(m2.iter_mut()).zip(frame) {
                            welford(mu, s, count, f64::from(v));
                        }
                    }
                }
            }
        }
        if count == 0 {
            return Err(AudioError::InvalidConfig(
                "cannot fit a normalizer on no spectrogram values".into(),
            ));
        }
        let std = m2.iter().map(|s| (s / count as f64).sqrt()).collect();
        Ok(Self {
            mode,
            mean,
            std,
            count,
        })
    }

    /// The mode the statistics were fitted in.
    pub fn mode(&self) -> NormalizerMode {
        self.mode
    }

    /// The fitted means: one value (global) or one per bin.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The fitted population standard deviations, same length as [`mean`](Self::mean).
    pub fn std(&self) -> &[f64] {
        &self.std
    }

    /// How many values (global) or frames (per bin) the fit saw.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Standardises `spectrogram` in place: `(x - mean) / std`, per bin in
    /// [`NormalizerMode::PerBin`].
    ///
    /// # Errors
    /// [`AudioError::ShapeMismatch`] when a per-bin normaliser meets a different bin count.
    pub fn apply(&self, spectrogram: &mut Spectrogram) -> Result<(), AudioError> {
        let scale = |s: f64| if s > 0.0 { 1.0 / s } else { 1.0 };
        match self.mode {
            NormalizerMode::Global => {
                let (mu, inv) = (self.mean[0], scale(self.std[0]));
                for v in spectrogram.as_mut_slice() {
                    *v = ((f64::from(*v) - mu) * inv) as f32;
                }
            }
            NormalizerMode::PerBin => {
                if spectrogram.bins() != self.mean.len() {
                    return Err(AudioError::ShapeMismatch {
                        index: 0,
                        expected_frames: spectrogram.frames(),
                        expected_bins: self.mean.len(),
                        found_frames: spectrogram.frames(),
                        found_bins: spectrogram.bins(),
                    });
                }
                let mu: Vec<f32> = self.mean.iter().map(|&m| m as f32).collect();
                let inv: Vec<f32> = self.std.iter().map(|&s| scale(s) as f32).collect();
                let bins = spectrogram.bins();
                for frame in spectrogram.as_mut_slice().chunks_exact_mut(bins) {
                    for ((v, m), i) in frame.iter_mut().zip(&mu).zip(&inv) {
                        *v = (*v - m) * i;
                    }
                }
            }
        }
        Ok(())
    }

    /// A standardised copy of `spectrogram`, see [`apply`](Self::apply).
    ///
    /// # Errors
    /// As [`apply`](Self::apply).
    pub fn normalized(&self, spectrogram: &Spectrogram) -> Result<Spectrogram, AudioError> {
        let mut out = spectrogram.clone();
        self.apply(&mut out)?;
        Ok(out)
    }

    /// Writes the statistics as JSON to `path`.
    ///
    /// # Errors
    /// [`AudioError::NormalizerFile`] when the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), AudioError> {
        let path = path.as_ref();
        let file_error = |detail: String| AudioError::NormalizerFile {
            path: path.to_path_buf(),
            detail,
        };
        let json = serde_json::to_string_pretty(self).map_err(|e| file_error(e.to_string()))?;
        std::fs::write(path, json).map_err(|e| file_error(e.to_string()))
    }

    /// Reads statistics written by [`save`](Self::save).
    ///
    /// # Errors
    /// [`AudioError::NormalizerFile`] when the file cannot be read, is not valid JSON, or holds
    /// inconsistent statistics (wrong lengths, non-finite or negative values).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, AudioError> {
        let path = path.as_ref();
        let file_error = |detail: String| AudioError::NormalizerFile {
            path: path.to_path_buf(),
            detail,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
        let normalizer: Self =
            serde_json::from_str(&text).map_err(|e| file_error(e.to_string()))?;
        normalizer.check().map_err(file_error)?;
        Ok(normalizer)
    }

    /// Consistency of deserialised statistics.
    fn check(&self) -> Result<(), String> {
        let expected = match self.mode {
            NormalizerMode::Global => Some(1),
            NormalizerMode::PerBin => None,
        };
        if self.mean.is_empty()
            || self.mean.len() != self.std.len()
            || expected.is_some_and(|n| n != self.mean.len())
        {
            return Err(format!(
                "{:?} normalizer with {} means and {} deviations",
                self.mode,
                self.mean.len(),
                self.std.len()
            ));
        }
        if self.mean.iter().any(|m| !m.is_finite())
            || self.std.iter().any(|s| !(s.is_finite() && *s >= 0.0))
        {
            return Err("non-finite mean or invalid deviation".into());
        }
        Ok(())
    }
}

/// One Welford update of a running mean `mu` and squared-deviation sum `m2` with the `n`-th value.
fn welford(mu: &mut f64, m2: &mut f64, n: u64, x: f64) {
    let delta = x - *mu;
    *mu += delta / n as f64;
    *m2 += delta * (x - *mu);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(data: Vec<f32>, bins: usize) -> Spectrogram {
        let frames = data.len() / bins;
        Spectrogram::new(data, frames, bins).unwrap()
    }

    #[test]
    fn global_fit_matches_direct_formula() {
        let a = spec(vec![1.0, 2.0, 3.0, 4.0], 2);
        let b = spec(vec![5.0, 6.0], 2);
        let n = Normalizer::fit(NormalizerMode::Global, [&a, &b]).unwrap();
        assert!((n.mean()[0] - 3.5).abs() < 1e-12);
        // population variance of 1..=6 = 35/12
        assert!((n.std()[0] - (35.0f64 / 12.0).sqrt()).abs() < 1e-12);
        assert_eq!(n.count(), 6);
    }

    #[test]
    fn per_bin_fit_and_apply_standardise_each_bin() {
        let a = spec(vec![1.0, 10.0, 3.0, 10.0, 5.0, 10.0], 2);
        let n = Normalizer::fit(NormalizerMode::PerBin, [&a]).unwrap();
        assert_eq!(n.mean(), &[3.0, 10.0]);
        assert_eq!(n.std()[1], 0.0);
        let out = n.normalized(&a).unwrap();
        let bin0: Vec<f32> = out.iter_frames().map(|f| f[0]).collect();
        let s = (8.0f32 / 3.0).sqrt();
        for (v, e) in bin0.iter().zip([-2.0 / s, 0.0, 2.0 / s]) {
            assert!((v - e).abs() < 1e-6);
        }
        // Constant bin: shifted only.
        assert!(out.iter_frames().all(|f| f[1] == 0.0));
        let wrong = spec(vec![1.0, 2.0, 3.0], 3);
        assert!(matches!(
            n.normalized(&wrong),
            Err(AudioError::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn fit_errors() {
        assert!(matches!(
            Normalizer::fit(NormalizerMode::Global, std::iter::empty()),
            Err(AudioError::InvalidConfig(_))
        ));
        let a = spec(vec![1.0, 2.0], 2);
        let b = spec(vec![1.0, 2.0, 3.0], 3);
        assert!(matches!(
            Normalizer::fit(NormalizerMode::PerBin, [&a, &b]),
            Err(AudioError::ShapeMismatch { index: 1, .. })
        ));
    }

    #[test]
    fn check_rejects_inconsistent_statistics() {
        let bad = Normalizer {
            mode: NormalizerMode::Global,
            mean: vec![0.0, 1.0],
            std: vec![1.0, 1.0],
            count: 1,
        };
        assert!(bad.check().is_err());
        let bad = Normalizer {
            mode: NormalizerMode::PerBin,
            mean: vec![0.0],
            std: vec![-1.0],
            count: 1,
        };
        assert!(bad.check().is_err());
        let ok = Normalizer {
            mode: NormalizerMode::PerBin,
            mean: vec![0.0],
            std: vec![0.0],
            count: 1,
        };
        assert!(ok.check().is_ok());
    }
}
