//! The built-in synthetic corpus: seeded, in memory, no files needed.
//!
//! Each class is a spectro-temporal pattern (pitch contours and syllable rhythms of a voiced
//! source with formants, see [`SyntheticCorpus::class_description`]). Speakers differ in
//! speaking rate (a time stretch of about 0.6–1.6×), pitch, vocal-tract length and noise, so
//! a model has to recognise the same pattern at different time scales — what multi-time-scale
//! convolution is for. Speakers are disjoint between train, validation and test.

mod config;
mod pattern;
mod voice;

use std::path::Path;

use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use config::{SyntheticConfig, SyntheticError, SyntheticSpeaker};

use crate::corpus::{Corpus, CorpusKind};
use crate::folds::{Fold, FoldUnit, SpeakerFolds, SplitRole};
use crate::label::{Label, LabelMap};
use crate::utterance::{Utterance, UtteranceDetails};
use pattern::{PATTERNS, Voice};

/// Name of the manifest written next to the WAV files.
pub(crate) const MANIFEST_FILE: &str = "mts-synthetic.json";

/// The manifest of a synthetic corpus written to disk: enough to load it back as
/// [`CorpusKind::Synthetic`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SyntheticManifest {
    pub format: u32,
    pub sample_rate: u32,
    pub config: SyntheticConfig,
    pub speakers: Vec<SyntheticSpeaker>,
}

/// A generated corpus: utterances (as a [`Corpus`] of kind [`CorpusKind::Synthetic`]) and their
/// 16 kHz mono waveforms.
#[derive(Debug, Clone)]
pub struct SyntheticCorpus {
    config: SyntheticConfig,
    speakers: Vec<SyntheticSpeaker>,
    corpus: Corpus,
    waveforms: Vec<Vec<f32>>,
}

/// Seed of one utterance, from the corpus seed and the utterance's coordinates.
fn utterance_seed(seed: u64, speaker: usize, class: usize, index: usize) -> u64 {
    let mut h = seed ^ 0x5851_F42D_4C95_7F2D;
    for v in [speaker, class, index] {
        h = (h ^ v as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
    h
}

/// Draws the speakers: in each role, speaking rates are stratified over the (log) range so that
/// every role covers slow and fast speakers.
fn draw_speakers(config: &SyntheticConfig) -> Vec<SyntheticSpeaker> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(config.seed);
    // The point at quantile `q` of a log scale over `(lo, hi)`.
    let log_interp = |(lo, hi): (f32, f32), q: f32| (lo.ln() + q * (hi.ln() - lo.ln())).exp();
    let mut speakers = Vec::with_capacity(config.speakers());
    for (role, count) in [
        (SplitRole::Train, config.train_speakers),
        (SplitRole::Validation, config.validation_speakers),
        (SplitRole::Test, config.test_speakers),
    ] {
        let mut strata: Vec<usize> = (0..count).collect();
        strata.shuffle(&mut rng);
        for stratum in strata {
            let q = (stratum as f32 + rng.random::<f32>()) / count as f32;
            let time_stretch = log_interp(config.time_stretch, q);
            let pitch_hz = log_interp(config.pitch_hz, rng.random::<f32>());
            let (flo, fhi) = config.formant_scale;
            let formant_scale = flo + (fhi - flo) * rng.random::<f32>();
            let (slo, shi) = config.snr_db;
            let snr_db = slo + (shi - slo) * rng.random::<f32>();
            speakers.push(SyntheticSpeaker {
                id: format!("s{:02}", speakers.len()),
                role,
                time_stretch,
                pitch_hz,
                formant_scale,
                snr_db,
            });
        }
    }
    speakers
}

/// The utterance id of utterance `index` of `class` by `speaker`.
pub(crate) fn utterance_id(speaker: &str, class: u16, index: usize) -> String {
    format!("{speaker}_p{class}_u{index:03}")
}

/// The utterance record of a synthetic utterance.
pub(crate) fn utterance(speaker: &SyntheticSpeaker, class: u16, index: usize) -> Utterance {
    let id = utterance_id(&speaker.id, class, index);
    Utterance {
        path: format!("{id}.wav").into(),
        id,
        corpus: CorpusKind::Synthetic,
        speaker: speaker.id.clone(),
        gender: None,
        label: Label::Pattern(class),
        label_code: format!("p{class}"),
        details: UtteranceDetails::Synthetic {
            time_stretch: speaker.time_stretch,
            pitch_hz: speaker.pitch_hz,
        },
    }
}

impl SyntheticCorpus {
    /// Sample rate of the waveforms, Hz.
    pub const SAMPLE_RATE: u32 = 16_000;

    /// Generates the corpus (in parallel; a few hundred utterances take about a second).
    pub fn generate(config: &SyntheticConfig) -> Result<Self, SyntheticError> {
        config.validate()?;
        let speakers = draw_speakers(config);
        let jobs: Vec<(usize, u16, usize)> = (0..speakers.len())
            .flat_map(|s| {
                (0..config.classes)
                    .flat_map(move |c| (0..config.utterances_per_class).map(move |i| (s, c, i)))
            })
            .collect();
        let mut generated: Vec<(Utterance, Vec<f32>)> = jobs
            .into_par_iter()
            .map(|(s, class, index)| {
                let speaker = &speakers[s];
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(utterance_seed(
                    config.seed,
                    s,
                    class.into(),
                    index,
                ));
                let voice = Voice {
                    time_stretch: speaker.time_stretch,
                    pitch_hz: speaker.pitch_hz,
                    formant_scale: speaker.formant_scale,
                };
                let segments = pattern::segments(PATTERNS[usize::from(class)].1, voice, &mut rng);
                let peak = 0.3 + 0.6 * rng.random::<f32>();
                let samples =
                    voice::render(&segments, Self::SAMPLE_RATE, speaker.snr_db, peak, &mut rng);
                (utterance(speaker, class, index), samples)
            })
            .collect();
        generated.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        let (utterances, waveforms) = generated.into_iter().unzip();
        Ok(Self {
            corpus: Corpus {
                kind: CorpusKind::Synthetic,
                root: None,
                label_map: LabelMap::patterns(config.classes),
                utterances,
                rejected: Vec::new(),
            },
            config: config.clone(),
            speakers,
            waveforms,
        })
    }

    /// A few words on what class `class` sounds like, `None` beyond the last pattern.
    pub fn class_description(class: u16) -> Option<&'static str> {
        PATTERNS.get(usize::from(class)).map(|(d, _)| *d)
    }

    /// The config it was made with.
    pub fn config(&self) -> &SyntheticConfig {
        &self.config
    }

    /// The speakers, with their roles and voices.
    pub fn speakers(&self) -> &[SyntheticSpeaker] {
        &self.speakers
    }

    /// The utterances (sorted by id) and the label map `pattern-0 ..`.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The waveforms, 16 kHz mono in `[-1, 1]`, aligned with `corpus().utterances`.
    pub fn waveforms(&self) -> &[Vec<f32>] {
        &self.waveforms
    }

    /// The speaker-disjoint split of the config as a single fold.
    pub fn folds(&self) -> SpeakerFolds {
        SpeakerFolds::new(vec![split_fold(&self.speakers)])
    }

    /// Writes every utterance as a 16-bit WAV file `<id>.wav` into `dir` (created if needed),
    /// with a manifest, and loads the result back as a [`Corpus`] of kind
    /// [`CorpusKind::Synthetic`] (whose utterance paths point into `dir`).
    pub fn write_wav_files(&self, dir: impl AsRef<Path>) -> Result<Corpus, SyntheticError> {
        let dir = dir.as_ref();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SyntheticError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: Self::SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        for (u, samples) in self.corpus.utterances.iter().zip(&self.waveforms) {
            let path = dir.join(&u.path);
            let wav = |source| SyntheticError::Wav {
                path: path.clone(),
                source,
            };
            let mut writer = hound::WavWriter::create(&path, spec).map_err(wav)?;
            for &x in samples {
                let v = (x.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16;
                writer.write_sample(v).map_err(wav)?;
            }
            writer.finalize().map_err(wav)?;
        }
        let manifest = SyntheticManifest {
            format: 1,
            sample_rate: Self::SAMPLE_RATE,
            config: self.config.clone(),
            speakers: self.speakers.clone(),
        };
        let path = dir.join(MANIFEST_FILE);
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| io(&path)(std::io::Error::other(e)))?;
        std::fs::write(&path, json).map_err(io(&path))?;
        Ok(Corpus::load(CorpusKind::Synthetic, dir)?)
    }
}

/// One fold with each speaker in its configured role.
pub(crate) fn split_fold(speakers: &[SyntheticSpeaker]) -> Fold {
    let ids = |role| {
        speakers
            .iter()
            .filter(|s| s.role == role)
            .map(|s| s.id.clone())
            .collect::<Vec<_>>()
    };
    Fold::new(
        0,
        FoldUnit::Speaker,
        ids(SplitRole::Train),
        ids(SplitRole::Validation),
        ids(SplitRole::Test),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SyntheticConfig {
        SyntheticConfig {
            classes: 3,
            train_speakers: 3,
            validation_speakers: 1,
            test_speakers: 1,
            utterances_per_class: 2,
            ..SyntheticConfig::default()
        }
    }

    #[test]
    fn same_seed_same_corpus_other_seed_other_corpus() {
        let a = SyntheticCorpus::generate(&small()).unwrap();
        let b = SyntheticCorpus::generate(&small()).unwrap();
        assert_eq!(a.waveforms(), b.waveforms());
        assert_eq!(a.corpus().utterances, b.corpus().utterances);
        let c = SyntheticCorpus::generate(&SyntheticConfig { seed: 7, ..small() }).unwrap();
        assert_ne!(a.waveforms(), c.waveforms());
    }

    #[test]
    fn speakers_cover_the_stretch_range_in_every_role() {
        let config = SyntheticConfig::default();
        let speakers = draw_speakers(&config);
        assert_eq!(speakers.len(), 12);
        let train: Vec<f32> = speakers
            .iter()
            .filter(|s| s.role == SplitRole::Train)
            .map(|s| s.time_stretch)
            .collect();
        let (min, max) = train
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
        assert!((0.6..0.7).contains(&min), "{min}");
        assert!(max <= 1.6 && max > 1.4, "{max}");
        for s in &speakers {
            assert!((90.0..=250.0).contains(&s.pitch_hz));
        }
    }

    #[test]
    fn bad_configs_are_refused() {
        for config in [
            SyntheticConfig {
                classes: 1,
                ..small()
            },
            SyntheticConfig {
                classes: 7,
                ..small()
            },
            SyntheticConfig {
                test_speakers: 0,
                ..small()
            },
            SyntheticConfig {
                time_stretch: (1.6, 0.6),
                ..small()
            },
            SyntheticConfig {
                pitch_hz: (f32::NAN, 100.0),
                ..small()
            },
        ] {
            assert!(matches!(
                SyntheticCorpus::generate(&config),
                Err(SyntheticError::BadConfig(_))
            ));
        }
    }
}
