//! [`LengthPolicy`]: bringing spectrograms to one common number of frames.

use serde::{Deserialize, Serialize};

use crate::{AudioError, Spectrogram, SpectrogramConfig};

/// How spectrograms of different lengths are brought to one number of frames.
///
/// Padding appends all-zero frames at the end (after the recording, time running forward);
/// truncation drops trailing frames. Zero frames in the magnitude domain are what the STFT of a
/// zero-padded waveform gives away from the boundary; the up to `n_fft / hop_length` frames that
/// straddle the end of the recording differ slightly (they see the STFT's own edge padding
/// instead of later zeros).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum LengthPolicy {
    /// Pad every spectrogram to the longest one given (the paper; the published code padded
    /// the waveform to the longest file of the corpus).
    PadToLongest,
    /// Pad or truncate to the frame count of this many seconds of audio
    /// ([`SpectrogramConfig::frames_for_seconds`]).
    FixedSeconds(f64),
    /// Pad or truncate to exactly this many frames.
    FixedFrames(usize),
}

impl LengthPolicy {
    /// The common frame count for spectrograms of `lengths` frames computed with `config`.
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] for a non-positive or non-finite duration, zero fixed
    /// frames, or [`PadToLongest`](Self::PadToLongest) over no lengths.
    pub fn target_frames(
        &self,
        config: &SpectrogramConfig,
        lengths: impl IntoIterator<Item = usize>,
    ) -> Result<usize, AudioError> {
        match *self {
            LengthPolicy::PadToLongest => lengths.into_iter().max().ok_or_else(|| {
                AudioError::InvalidConfig("pad to longest needs at least one spectrogram".into())
            }),
            LengthPolicy::FixedSeconds(seconds) => config.frames_for_seconds(seconds),
            LengthPolicy::FixedFrames(0) => {
                Err(AudioError::InvalidConfig("fixed length of 0 frames".into()))
            }
            LengthPolicy::FixedFrames(frames) => Ok(frames),
        }
    }

    /// Copies of `spectrograms`, all with [`target_frames`](Self::target_frames) frames.
    ///
    /// # Errors
    /// As [`target_frames`](Self::target_frames).
    pub fn apply(
        &self,
        config: &SpectrogramConfig,
        spectrograms: &[Spectrogram],
    ) -> Result<Vec<Spectrogram>, AudioError> {
        let frames = self.target_frames(config, spectrograms.iter().map(Spectrogram::frames))?;
        Ok(spectrograms.iter().map(|s| s.with_frames(frames)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ones(frames: usize) -> Spectrogram {
        Spectrogram::new(vec![1.0; frames * 3], frames, 3).unwrap()
    }

    #[test]
    fn pad_to_longest() {
        let config = SpectrogramConfig::paper();
        let out = LengthPolicy::PadToLongest
            .apply(&config, &[ones(2), ones(5), ones(1)])
            .unwrap();
        assert!(out.iter().all(|s| s.shape() == [5, 3]));
        assert_eq!(out[0].as_slice().iter().filter(|&&v| v == 1.0).count(), 6);
        assert!(out[0].as_slice()[6..].iter().all(|&v| v == 0.0));
        assert!(LengthPolicy::PadToLongest.apply(&config, &[]).is_err());
    }

    #[test]
    fn fixed_seconds_pads_and_truncates() {
        let config = SpectrogramConfig::paper();
        let policy = LengthPolicy::FixedSeconds(0.05); // 800 samples -> 6 frames
        let out = policy.apply(&config, &[ones(2), ones(9)]).unwrap();
        assert!(out.iter().all(|s| s.shape() == [6, 3]));
        assert!(out[1].as_slice().iter().all(|&v| v == 1.0));
        assert!(
            LengthPolicy::FixedSeconds(0.0)
                .apply(&config, &[ones(1)])
                .is_err()
        );
        assert!(
            LengthPolicy::FixedFrames(0)
                .apply(&config, &[ones(1)])
                .is_err()
        );
        assert_eq!(
            LengthPolicy::FixedFrames(4)
                .apply(&config, &[ones(1)])
                .unwrap()[0]
                .frames(),
            4
        );
    }
}
