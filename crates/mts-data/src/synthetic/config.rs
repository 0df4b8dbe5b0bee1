//! Settings of the synthetic corpus and its speakers.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::pattern::PATTERNS;
use crate::corpus::CorpusError;
use crate::folds::SplitRole;

/// Settings of [`super::SyntheticCorpus::generate`]. The defaults give 12 speakers × 4 classes
/// × 6 utterances = 288 utterances of 0.5–1.8 s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntheticConfig {
    /// Number of classes (2 to 6), each a spectro-temporal pattern.
    pub classes: u16,
    /// Speakers whose utterances are for training.
    pub train_speakers: usize,
    /// Speakers for validation.
    pub validation_speakers: usize,
    /// Speakers for testing.
    pub test_speakers: usize,
    /// Utterances per speaker and class.
    pub utterances_per_class: usize,
    /// Range of the speakers' speaking-rate factor (durations are multiplied by it).
    pub time_stretch: (f32, f32),
    /// Range of the speakers' base pitch, Hz.
    pub pitch_hz: (f32, f32),
    /// Range of the speakers' vocal-tract scale (formant frequencies are multiplied by it).
    pub formant_scale: (f32, f32),
    /// Range of the signal-to-noise ratio, dB (white background noise).
    pub snr_db: (f32, f32),
    /// Seed: the same config always gives the same waveforms.
    pub seed: u64,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            classes: 4,
            train_speakers: 8,
            validation_speakers: 2,
            test_speakers: 2,
            utterances_per_class: 6,
            time_stretch: (0.6, 1.6),
            pitch_hz: (90.0, 250.0),
            formant_scale: (0.88, 1.12),
            snr_db: (15.0, 35.0),
            seed: 0,
        }
    }
}

impl SyntheticConfig {
    /// The maximum number of classes.
    pub const MAX_CLASSES: u16 = PATTERNS.len() as u16;

    /// Total number of speakers.
    pub fn speakers(&self) -> usize {
        self.train_speakers + self.validation_speakers + self.test_speakers
    }

    /// Checks the ranges and counts.
    pub fn validate(&self) -> Result<(), SyntheticError> {
        let bad = |msg: String| Err(SyntheticError::BadConfig(msg));
        if !(2..=Self::MAX_CLASSES).contains(&self.classes) {
            return bad(format!(
                "classes must be 2 to {}, got {}",
                Self::MAX_CLASSES,
                self.classes
            ));
        }
        if self.train_speakers == 0 || self.validation_speakers == 0 || self.test_speakers == 0 {
            return bad("every role needs at least one speaker".into());
        }
        if self.speakers() > 1000 {
            return bad(format!("at most 1000 speakers, got {}", self.speakers()));
        }
        if self.utterances_per_class == 0 || self.utterances_per_class > 1000 {
            return bad("utterances per class must be 1 to 1000".into());
        }
        let ranges = [
            ("time_stretch", self.time_stretch, 0.1, 10.0),
            ("pitch_hz", self.pitch_hz, 40.0, 600.0),
            ("formant_scale", self.formant_scale, 0.5, 2.0),
            ("snr_db", self.snr_db, -20.0, 120.0),
        ];
        for (name, (lo, hi), min, max) in ranges {
            if !(lo.is_finite() && hi.is_finite() && min <= lo && lo <= hi && hi <= max) {
                return bad(format!(
                    "{name} range ({lo}, {hi}) must be ordered and within [{min}, {max}]"
                ));
            }
        }
        Ok(())
    }
}

/// One synthetic speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntheticSpeaker {
    /// Speaker id, `s00`, `s01`, ...
    pub id: String,
    /// The role of all the speaker's utterances.
    pub role: SplitRole,
    /// Speaking-rate factor: durations are multiplied by it.
    pub time_stretch: f32,
    /// Base pitch, Hz.
    pub pitch_hz: f32,
    /// Vocal-tract scale: formant frequencies are multiplied by it.
    pub formant_scale: f32,
    /// Signal-to-noise ratio, dB.
    pub snr_db: f32,
}

/// Why the synthetic corpus could not be made or written.
#[derive(Debug, Error)]
pub enum SyntheticError {
    /// An invalid [`SyntheticConfig`].
    #[error("bad synthetic corpus config: {0}")]
    BadConfig(String),
    /// Writing a file failed.
    #[error("cannot write {path:?}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Encoding a WAV file failed.
    #[error("cannot write WAV {path:?}: {source}")]
    Wav {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: hound::Error,
    },
    /// Reading the written corpus back failed.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
}
