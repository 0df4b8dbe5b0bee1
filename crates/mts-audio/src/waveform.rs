//! [`Waveform`]: decoded mono audio, and [`ContentScreen`]: rejecting recordings with no signal.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::AudioError;

/// Mono audio samples in `[-1, 1]` at `sample_rate` Hz, with the file they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Waveform {
    /// The samples, one per frame, time running forward (the channel mean for multichannel files).
    pub samples: Vec<f32>,
    /// Samples per second, in Hz.
    pub sample_rate: u32,
    /// Channel count of the source before the down-mix.
    pub channels: usize,
    /// The file (or in-memory name) the samples came from; used in error messages.
    pub source: PathBuf,
}

impl Waveform {
    /// Duration in seconds, `samples.len() / sample_rate`.
    pub fn duration_seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate.max(1))
    }

    /// The largest absolute sample value (0 for silence).
    pub fn peak(&self) -> f32 {
        self.samples.iter().fold(0.0f32, |m, x| m.max(x.abs()))
    }
}

/// Checks that reject recordings holding no usable signal.
///
/// The default rejects digital silence (every sample exactly 0) and clipping-only recordings
/// (every sample at `|x| >= clip_level`, e.g. a full-scale square wave or a stuck converter).
/// Quiet but non-zero recordings pass. The published code skipped files whose largest *signed*
/// sample is `<= 0.05`; `min_peak: 0.05` applies that threshold to `|x|` instead.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContentScreen {
    /// Reject when the peak `|x|` is at or below this value; `0.0` rejects only exact silence.
    pub min_peak: f32,
    /// Reject when every sample has `|x| >= clip_level` (full scale is 1.0).
    pub clip_level: f32,
}

impl Default for ContentScreen {
    fn default() -> Self {
        Self {
            min_peak: 0.0,
            clip_level: 0.999,
        }
    }
}

impl ContentScreen {
    /// Checks `waveform`.
    ///
    /// # Errors
    /// [`AudioError::Silent`] or [`AudioError::AllClipped`], naming `waveform.source`.
    pub fn check(&self, waveform: &Waveform) -> Result<(), AudioError> {
        if waveform.peak() <= self.min_peak {
            return Err(AudioError::Silent {
                path: waveform.source.clone(),
            });
        }
        if !waveform.samples.is_empty()
            && waveform.samples.iter().all(|x| x.abs() >= self.clip_level)
        {
            return Err(AudioError::AllClipped {
                path: waveform.source.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wave(samples: Vec<f32>) -> Waveform {
        Waveform {
            samples,
            sample_rate: 16_000,
            channels: 1,
            source: "w.wav".into(),
        }
    }

    #[test]
    fn screen_rejects_silence_and_clipping_only() {
        let screen = ContentScreen::default();
        assert!(matches!(
            screen.check(&wave(vec![0.0; 100])),
            Err(AudioError::Silent { .. })
        ));
        let square = (0..100)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        assert!(matches!(
            screen.check(&wave(square)),
            Err(AudioError::AllClipped { .. })
        ));
        let quiet = (0..100).map(|i| 1e-4 * (i as f32 * 0.1).sin()).collect();
        screen.check(&wave(quiet)).unwrap();
        // Some clipping among real signal passes.
        let mut loud: Vec<f32> = (0..100).map(|i| (i as f32 * 0.1).sin()).collect();
        loud[3] = 1.0;
        screen.check(&wave(loud)).unwrap();
    }

    #[test]
    fn published_code_threshold() {
        let screen = ContentScreen {
            min_peak: 0.05,
            ..ContentScreen::default()
        };
        assert!(screen.check(&wave(vec![0.05, -0.2, 0.01])).is_ok());
        assert!(matches!(
            screen.check(&wave(vec![0.05, -0.04])),
            Err(AudioError::Silent { .. })
        ));
    }

    #[test]
    fn duration_and_peak() {
        let w = wave(vec![0.5, -0.75, 0.0, 0.25]);
        assert_eq!(w.peak(), 0.75);
        assert!((w.duration_seconds() - 4.0 / 16_000.0).abs() < 1e-12);
    }
}
