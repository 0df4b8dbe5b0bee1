//! [`SpectrogramConfig`]: sample rate, STFT framing and magnitude scaling, with the paper's
//! defaults and a preset for the published code.

use serde::{Deserialize, Serialize};

use crate::{AudioError, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};

/// How a centred STFT extends the signal by `n_fft / 2` samples on each side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PadMode {
    /// Zeros (librosa ≥ 0.10's default, `pad_mode="constant"`).
    Zero,
    /// Mirror without repeating the edge sample, numpy's `"reflect"`: `x[-1] = x[1]`
    /// (librosa < 0.10's default, used by the published code). Signals shorter than the pad are
    /// mirrored back and forth; a one-sample signal repeats its sample.
    Reflect,
}

/// Sample rate, STFT framing and magnitude scaling of a spectrogram.
///
/// **Framing.** The window is a *periodic* Hann window of `win_length` samples
/// (`w[n] = 0.5 - 0.5 cos(2πn / win_length)`), centred in an `n_fft`-sample frame (zeros around
/// it when `win_length < n_fft`). Frame `t` starts at sample `t * hop_length` of the signal as
/// framed:
/// - `center = true` (default): the signal is first extended by `n_fft / 2` samples on each side
///   per [`pad_mode`](Self::pad_mode), so frame `t` is centred on sample `t * hop_length`, and an
///   `N`-sample signal gives `1 + (N + 2 * (n_fft / 2) - n_fft) / hop_length` frames
///   (`1 + N / hop_length` for even `n_fft`), never zero.
/// - `center = false`: no padding; frame `t` covers samples `t * hop .. t * hop + n_fft`;
///   `1 + (N - n_fft) / hop_length` frames when `N >= n_fft`, else none. Trailing samples that do
///   not fill a frame are dropped.
///
/// This is librosa's `stft(center=..., pad_mode=...)` framing. Each frame yields `n_fft / 2 + 1`
/// bins, bin `k` at `k * sample_rate / n_fft` Hz, valued `|X_k|^exponent` with `X_k` the
/// unnormalised DFT (`Σ x[n] w[n] e^{-2πikn/n_fft}`, no `1/n_fft`): `exponent = 1` is the magnitude,
/// `2` the power, `2/3` the published code's compression. With
/// [`log_compression`](Self::log_compression) each value is then `ln(1 + |X_k|^exponent)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectrogramConfig {
    /// The rate (Hz) every input is resampled to before the STFT.
    pub sample_rate: u32,
    /// FFT length in samples; gives `n_fft / 2 + 1` bins.
    pub n_fft: usize,
    /// Hann window length in samples, `1..=n_fft`.
    pub win_length: usize,
    /// Hop between frame starts, in samples, at least 1.
    pub hop_length: usize,
    /// Centre frames on `t * hop_length` by padding `n_fft / 2` samples on each side.
    pub center: bool,
    /// Padding used when `center` is true.
    pub pad_mode: PadMode,
    /// Each bin is `|X_k|^exponent`; must be finite and positive.
    pub exponent: f32,
    /// Compress each bin to `ln(1 + |X_k|^exponent)` (zero stays zero, loud bins grow
    /// logarithmically). Absent from serialised configs when false, so the paper's and the
    /// published code's configs keep their cache keys and old model cards still load.
    #[serde(default, skip_serializing_if = "is_false")]
    pub log_compression: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Default for SpectrogramConfig {
    /// The paper's front end, [`SpectrogramConfig::paper`].
    fn default() -> Self {
        Self::paper()
    }
}

impl SpectrogramConfig {
    /// The paper's text: 16 kHz, 20 ms (320-sample) Hann window, 10 ms (160-sample) hop,
    /// `n_fft = 320` (161 bins, 50 Hz apart), magnitude, centred frames padded with zeros
    /// (librosa 0.11's defaults for `center` and `pad_mode`). A 4 s input gives 401 frames.
    pub fn paper() -> Self {
        Self {
            sample_rate: 16_000,
            n_fft: 320,
            win_length: 320,
            hop_length: 160,
            center: true,
            pad_mode: PadMode::Zero,
            exponent: 1.0,
            log_compression: false,
        }
    }

    /// The paper's framing ([`paper`](Self::paper)) with log-compressed magnitudes,
    /// `ln(1 + |X_k|)`: the dynamic range of speech spectrograms shrinks from about 80 dB of
    /// linear magnitude to a few units, the usual front end of SER systems.
    pub fn log_magnitude() -> Self {
        Self {
            log_compression: true,
            ..Self::paper()
        }
    }

    /// The published code's settings (`librosa.stft(n_fft=1024, hop_length=512)` of 2019, then
    /// `|X|^(2/3)`): 16 kHz, 1024-sample window and FFT (513 bins), 512-sample hop, centred frames
    /// with reflect padding. Time still runs forward (the code reverses it; this crate does not).
    pub fn published_code() -> Self {
        Self {
            sample_rate: 16_000,
            n_fft: 1024,
            win_length: 1024,
            hop_length: 512,
            center: true,
            pad_mode: PadMode::Reflect,
            exponent: 2.0 / 3.0,
            log_compression: false,
        }
    }

    /// Number of frequency bins, `n_fft / 2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Number of frames an STFT of `samples` samples (at [`sample_rate`](Self::sample_rate))
    /// gives, per the framing rules above.
    pub fn frames_for_samples(&self, samples: usize) -> usize {
        let hop = self.hop_length.max(1);
        if self.center {
            let padded = samples + 2 * (self.n_fft / 2);
            1 + padded.saturating_sub(self.n_fft) / hop
        } else if samples >= self.n_fft {
            1 + (samples - self.n_fft) / hop
        } else {
            0
        }
    }

    /// Number of samples in `seconds` of audio at [`sample_rate`](Self::sample_rate), rounded to
    /// the nearest sample.
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] unless `seconds` is finite and positive.
    pub fn samples_for_seconds(&self, seconds: f64) -> Result<usize, AudioError> {
        if !(seconds.is_finite() && seconds > 0.0) {
            return Err(AudioError::InvalidConfig(format!(
                "a duration must be finite and positive, got {seconds} s"
            )));
        }
        Ok((seconds * f64::from(self.sample_rate)).round() as usize)
    }

    /// Number of frames `seconds` of audio gives:
    /// `frames_for_samples(samples_for_seconds(seconds))`.
    ///
    /// # Errors
    /// As [`samples_for_seconds`](Self::samples_for_seconds).
    pub fn frames_for_seconds(&self, seconds: f64) -> Result<usize, AudioError> {
        Ok(self.frames_for_samples(self.samples_for_seconds(seconds)?))
    }

    /// Checks every field.
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] naming the first bad field.
    pub fn validate(&self) -> Result<(), AudioError> {
        let bad = |msg: String| Err(AudioError::InvalidConfig(msg));
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&self.sample_rate) {
            return bad(format!(
                "sample_rate {} Hz outside {MIN_SAMPLE_RATE}..={MAX_SAMPLE_RATE}",
                self.sample_rate
            ));
        }
        if self.n_fft < 2 || self.n_fft > 1 << 20 {
            return bad(format!("n_fft {} outside 2..=1048576", self.n_fft));
        }
        if self.win_length == 0 || self.win_length > self.n_fft {
            return bad(format!(
                "win_length {} outside 1..=n_fft ({})",
                self.win_length, self.n_fft
            ));
        }
        if self.hop_length == 0 {
            return bad("hop_length must be at least 1".into());
        }
        if !(self.exponent.is_finite() && self.exponent > 0.0) {
            return bad(format!(
                "exponent {} must be finite and positive",
                self.exponent
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_defaults() {
        let c = SpectrogramConfig::default();
        assert_eq!(c, SpectrogramConfig::paper());
        assert_eq!(
            (c.sample_rate, c.n_fft, c.win_length, c.hop_length),
            (16_000, 320, 320, 160)
        );
        assert_eq!(c.n_bins(), 161);
        assert_eq!(c.exponent, 1.0);
        // 4 s at 16 kHz -> 401 frames, the input size of the paper's models.
        assert_eq!(c.frames_for_seconds(4.0).unwrap(), 401);
        c.validate().unwrap();
    }

    #[test]
    fn published_code_preset() {
        let c = SpectrogramConfig::published_code();
        assert_eq!(c.n_bins(), 513);
        assert_eq!(c.pad_mode, PadMode::Reflect);
        assert!((c.exponent - 2.0 / 3.0).abs() < 1e-7);
        // IEMOCAP's 4 s windows in the published code: 64 000 samples -> 126 frames.
        assert_eq!(c.frames_for_samples(64_000), 126);
        c.validate().unwrap();
    }

    #[test]
    fn log_compression_is_left_out_of_json_when_off() {
        let paper = serde_json::to_string(&SpectrogramConfig::paper()).unwrap();
        assert!(!paper.contains("log_compression"), "{paper}");
        let old: SpectrogramConfig = serde_json::from_str(&paper).unwrap();
        assert_eq!(old, SpectrogramConfig::paper());
        let log = serde_json::to_string(&SpectrogramConfig::log_magnitude()).unwrap();
        let back: SpectrogramConfig = serde_json::from_str(&log).unwrap();
        assert!(back.log_compression && log.contains("\"log_compression\":true"));
    }

    #[test]
    fn frame_counts_follow_the_documented_framing() {
        let mut c = SpectrogramConfig::paper();
        assert_eq!(c.frames_for_samples(0), 1);
        assert_eq!(c.frames_for_samples(159), 1);
        assert_eq!(c.frames_for_samples(160), 2);
        c.center = false;
        assert_eq!(c.frames_for_samples(319), 0);
        assert_eq!(c.frames_for_samples(320), 1);
        assert_eq!(c.frames_for_samples(479), 1);
        assert_eq!(c.frames_for_samples(480), 2);
        // Odd n_fft, centred: pad 2 each side of a 5-sample frame.
        let odd = SpectrogramConfig {
            n_fft: 5,
            win_length: 5,
            hop_length: 2,
            ..c.clone()
        };
        let centred = SpectrogramConfig {
            center: true,
            ..odd
        };
        assert_eq!(centred.frames_for_samples(4), 1 + (4 + 4 - 5) / 2);
    }

    #[test]
    fn validate_rejects_bad_fields() {
        let ok = SpectrogramConfig::paper();
        for bad in [
            SpectrogramConfig {
                sample_rate: 0,
                ..ok.clone()
            },
            SpectrogramConfig {
                n_fft: 1,
                ..ok.clone()
            },
            SpectrogramConfig {
                win_length: 321,
                ..ok.clone()
            },
            SpectrogramConfig {
                win_length: 0,
                ..ok.clone()
            },
            SpectrogramConfig {
                hop_length: 0,
                ..ok.clone()
            },
            SpectrogramConfig {
                exponent: f32::NAN,
                ..ok.clone()
            },
            SpectrogramConfig {
                exponent: 0.0,
                ..ok.clone()
            },
        ] {
            assert!(
                matches!(bad.validate(), Err(AudioError::InvalidConfig(_))),
                "{bad:?}"
            );
        }
        assert!(ok.samples_for_seconds(-1.0).is_err());
        assert!(ok.samples_for_seconds(f64::INFINITY).is_err());
    }

    #[test]
    fn serde_round_trip() {
        let c = SpectrogramConfig::published_code();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<SpectrogramConfig>(&json).unwrap(), c);
    }
}
