//! Spectrograms of a whole corpus, and their preparation for one fold.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use mts_audio::{
    AudioError, ContentScreen, FeatureExtractor, LengthPolicy, Normalizer, NormalizerMode,
    Segmenter, Spectrogram, SpectrogramConfig, Waveform,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::cache::{CacheOutcome, ConfigFingerprint, FeatureCache, FileFeatureError};
use crate::corpus::Corpus;
use crate::dataset::{SpectrogramDataset, SpectrogramItem};
use crate::folds::{Fold, FoldError, SplitRole};
use crate::label::LabelMap;
use crate::synthetic::SyntheticCorpus;
use crate::utterance::Utterance;

/// Settings of [`FeatureSet::compute`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureOptions {
    /// Content screen applied to every decoded file (`None` accepts silent files).
    pub screen: Option<ContentScreen>,
    /// Draw a progress bar on standard error (hidden when it is not a terminal).
    pub progress: bool,
    /// Speed-perturbation factor of the audio ([`FeatureExtractor::with_speed`]); 1 is the
    /// plain audio. Cache entries are keyed by it.
    pub speed: f64,
}

impl Default for FeatureOptions {
    /// The default content screen, no progress bar, speed 1.
    fn default() -> Self {
        Self {
            screen: Some(ContentScreen::default()),
            progress: false,
            speed: 1.0,
        }
    }
}

/// An utterance whose spectrogram could not be computed.
#[derive(Debug)]
pub struct FeatureFailure {
    /// The utterance.
    pub utterance: Utterance,
    /// Why.
    pub error: FileFeatureError,
}

/// How many spectrograms came from where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheSummary {
    /// Read from valid cache entries.
    pub hits: usize,
    /// Computed (no cache, or no entry yet).
    pub computed: usize,
    /// Recomputed because the entry was corrupt or stale.
    pub rebuilt: usize,
}

impl std::fmt::Display for CacheSummary {
    /// `480 computed, 0 read from the cache, 0 recomputed (corrupt or stale cache entries)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} computed, {} read from the cache, {} recomputed (corrupt or stale cache entries)",
            self.computed, self.hits, self.rebuilt
        )
    }
}

/// Why features could not be computed or prepared.
#[derive(Debug, Error)]
pub enum FeatureError {
    /// An invalid spectrogram config, length policy or normaliser input.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// A cache entry could not be written (disk full, read-only folder, ...).
    #[error(transparent)]
    Cache(FileFeatureError),
    /// The fold does not fit the utterances.
    #[error(transparent)]
    Fold(#[from] FoldError),
    /// The number of waveforms differs from the number of utterances.
    #[error("{waveforms} waveforms for {utterances} utterances")]
    WaveformCount {
        /// Waveforms given.
        waveforms: usize,
        /// Utterances in the corpus.
        utterances: usize,
    },
    /// An utterance whose label the label map lacks.
    #[error("utterance {id:?} has label {label}, which the label map lacks")]
    UnmappedLabel {
        /// The utterance.
        id: String,
        /// Its label.
        label: String,
    },
    /// A fold whose training split is empty (no data to fit the normaliser on).
    #[error("fold {0} has no training utterance")]
    EmptyTrainingSplit(usize),
    /// Variants of the training items (speed perturbation) need one input per utterance.
    #[error("speed-perturbed variants need one input per utterance (padding), not segments")]
    VariantsNeedPadding,
    /// A training utterance has no spectrogram in a variant feature set.
    #[error("utterance {id:?} has no spectrogram at speed {speed}")]
    VariantMissing {
        /// The utterance.
        id: String,
        /// The variant's speed factor.
        speed: f64,
    },
}

/// How utterances of different lengths become model inputs of one shape.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum InputLength {
    /// One input per utterance, padded or truncated to a common length. With
    /// [`LengthPolicy::PadToLongest`] the length is the longest utterance of the whole
    /// [`FeatureSet`], so every split of every fold has the same shape.
    Pad(LengthPolicy),
    /// Fixed-length windows ([`Segmenter`], the paper's 4 s / 2 s for long recordings); the
    /// windows of one utterance share its utterance index for pooling.
    Segments(Segmenter),
}

/// How a [`FeatureSet`] is turned into the datasets of one fold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FoldPreparation {
    /// Length handling.
    pub length: InputLength,
    /// Normalisation statistics, fitted on the fold's training split only.
    pub normalizer: NormalizerMode,
}

impl Default for FoldPreparation {
    /// Pad to the longest utterance, one global mean and deviation (the paper).
    fn default() -> Self {
        Self {
            length: InputLength::Pad(LengthPolicy::PadToLongest),
            normalizer: NormalizerMode::Global,
        }
    }
}

/// The normalised datasets of one fold.
#[derive(Debug, Clone)]
pub struct FoldData {
    /// The fold.
    pub fold: Fold,
    /// Statistics fitted on `train` (before normalisation); keep them with the model.
    pub normalizer: Normalizer,
    /// Training inputs.
    pub train: SpectrogramDataset,
    /// Validation inputs.
    pub validation: SpectrogramDataset,
    /// Test inputs.
    pub test: SpectrogramDataset,
}

/// The spectrograms of a corpus, utterance by utterance (un-normalised, natural length).
#[derive(Debug)]
pub struct FeatureSet {
    /// The config the spectrograms were made with.
    pub config: SpectrogramConfig,
    /// Class `i` is `label_map.labels()[i]`.
    pub label_map: LabelMap,
    /// The utterances that have a spectrogram, in corpus order.
    pub utterances: Vec<Utterance>,
    /// `spectrograms[i]` belongs to `utterances[i]`: `[frames, bins]`.
    pub spectrograms: Vec<Spectrogram>,
    /// Utterances whose audio could not be turned into a spectrogram.
    pub failures: Vec<FeatureFailure>,
    /// Where the spectrograms came from.
    pub summary: CacheSummary,
}

fn progress_bar(len: usize, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} ({eta} left)",
    ) {
        bar.set_style(style);
    }
    bar.set_message("spectrograms");
    bar
}

impl FeatureSet {
    /// Computes the spectrogram of every utterance of `corpus` in parallel (rayon), through
    /// `cache` when given. Files that fail are listed in [`FeatureSet::failures`]; a cache that
    /// cannot be written to is an error.
    pub fn compute(
        corpus: &Corpus,
        config: &SpectrogramConfig,
        cache: Option<&FeatureCache>,
        options: &FeatureOptions,
    ) -> Result<Self, FeatureError> {
        // Validate once so that workers cannot fail to build their extractor.
        FeatureExtractor::new(config.clone())?.with_speed(options.speed)?;
        let fingerprint =
            ConfigFingerprint::at_speed(config, options.screen.as_ref(), options.speed);
        let bar = progress_bar(corpus.utterances.len(), options.progress);
        let results: Vec<Result<(Spectrogram, CacheOutcome), FileFeatureError>> = corpus
            .utterances
            .par_iter()
            .map_init(
                || {
                    FeatureExtractor::new(config.clone())
                        .and_then(|e| e.with_speed(options.speed))
                        .map(|e| e.with_screen(options.screen))
                },
                |extractor, u| {
                    let result = match extractor {
                        Ok(extractor) => match cache {
                            Some(cache) => cache.get_or_compute(&u.path, fingerprint, extractor),
                            None => extractor
                                .extract_file(&u.path)
                                .map(|s| (s, CacheOutcome::Computed))
                                .map_err(FileFeatureError::from),
                        },
                        Err(e) => Err(FileFeatureError::Audio(AudioError::InvalidConfig(
                            e.to_string(),
                        ))),
                    };
                    bar.inc(1);
                    result
                },
            )
            .collect();
        bar.finish_and_clear();
        let mut set = Self::empty(corpus, config);
        for (u, result) in corpus.utterances.iter().zip(results) {
            match result {
                Ok((spectrogram, outcome)) => {
                    match outcome {
                        CacheOutcome::Hit => set.summary.hits += 1,
                        CacheOutcome::Computed => set.summary.computed += 1,
                        CacheOutcome::Rebuilt => set.summary.rebuilt += 1,
                    }
                    set.utterances.push(u.clone());
                    set.spectrograms.push(spectrogram);
                }
                Err(error) if error.is_cache_failure() => return Err(FeatureError::Cache(error)),
                Err(error) => set.failures.push(FeatureFailure {
                    utterance: u.clone(),
                    error,
                }),
            }
        }
        Ok(set)
    }

    /// Computes the spectrograms of in-memory waveforms (`waveforms[i]` is
    /// `corpus.utterances[i]`, mono at `sample_rate` Hz), in parallel. No content screen.
    pub fn from_waveforms(
        corpus: &Corpus,
        waveforms: &[Vec<f32>],
        sample_rate: u32,
        config: &SpectrogramConfig,
    ) -> Result<Self, FeatureError> {
        Self::from_waveforms_at_speed(corpus, waveforms, sample_rate, config, 1.0)
    }

    /// As [`from_waveforms`](Self::from_waveforms), the audio sped up by `speed`
    /// ([`FeatureExtractor::with_speed`]).
    pub fn from_waveforms_at_speed(
        corpus: &Corpus,
        waveforms: &[Vec<f32>],
        sample_rate: u32,
        config: &SpectrogramConfig,
        speed: f64,
    ) -> Result<Self, FeatureError> {
        if waveforms.len() != corpus.utterances.len() {
            return Err(FeatureError::WaveformCount {
                waveforms: waveforms.len(),
                utterances: corpus.utterances.len(),
            });
        }
        FeatureExtractor::new(config.clone())?.with_speed(speed)?;
        let results: Vec<Result<Spectrogram, AudioError>> = corpus
            .utterances
            .par_iter()
            .zip(waveforms)
            .map_init(
                || FeatureExtractor::new(config.clone()).and_then(|e| e.with_speed(speed)),
                |extractor, (u, samples)| {
                    let waveform = Waveform {
                        samples: samples.clone(),
                        sample_rate,
                        channels: 1,
                        source: PathBuf::from(&u.path),
                    };
                    match extractor {
                        Ok(extractor) => extractor.spectrogram(&waveform),
                        Err(e) => Err(AudioError::InvalidConfig(e.to_string())),
                    }
                },
            )
            .collect();
        let mut set = Self::empty(corpus, config);
        for (u, result) in corpus.utterances.iter().zip(results) {
            match result {
                Ok(spectrogram) => {
                    set.summary.computed += 1;
                    set.utterances.push(u.clone());
                    set.spectrograms.push(spectrogram);
                }
                Err(error) => set.failures.push(FeatureFailure {
                    utterance: u.clone(),
                    error: error.into(),
                }),
            }
        }
        Ok(set)
    }

    /// The spectrograms of a [`SyntheticCorpus`] (in memory, no cache needed).
    pub fn from_synthetic(
        synthetic: &SyntheticCorpus,
        config: &SpectrogramConfig,
    ) -> Result<Self, FeatureError> {
        Self::from_synthetic_at_speed(synthetic, config, 1.0)
    }

    /// As [`from_synthetic`](Self::from_synthetic), the audio sped up by `speed`.
    pub fn from_synthetic_at_speed(
        synthetic: &SyntheticCorpus,
        config: &SpectrogramConfig,
        speed: f64,
    ) -> Result<Self, FeatureError> {
        Self::from_waveforms_at_speed(
            synthetic.corpus(),
            synthetic.waveforms(),
            SyntheticCorpus::SAMPLE_RATE,
            config,
            speed,
        )
    }

    fn empty(corpus: &Corpus, config: &SpectrogramConfig) -> Self {
        Self {
            config: config.clone(),
            label_map: corpus.label_map.clone(),
            utterances: Vec::with_capacity(corpus.utterances.len()),
            spectrograms: Vec::with_capacity(corpus.utterances.len()),
            failures: Vec::new(),
            summary: CacheSummary::default(),
        }
    }

    /// The datasets of `fold`: inputs brought to one length per `preparation`, normalised with
    /// statistics fitted on the fold's training inputs only.
    pub fn fold_data(
        &self,
        fold: &Fold,
        preparation: &FoldPreparation,
    ) -> Result<FoldData, FeatureError> {
        let split = fold.split(&self.utterances)?;
        if split.train.is_empty() {
            return Err(FeatureError::EmptyTrainingSplit(fold.index));
        }
        let labels: Vec<usize> = self
            .utterances
            .iter()
            .map(|u| {
                self.label_map
                    .index_of(u.label)
                    .ok_or_else(|| FeatureError::UnmappedLabel {
                        id: u.id.clone(),
                        label: u.label.to_string(),
                    })
            })
            .collect::<Result<_, _>>()?;
        let target_frames = match preparation.length {
            InputLength::Pad(policy) => Some(
                policy.target_frames(&self.config, self.spectrograms.iter().map(|s| s.frames()))?,
            ),
            InputLength::Segments(_) => None,
        };
        let items_of = |role: SplitRole| -> Vec<SpectrogramItem> {
            let mut items = Vec::new();
            for &i in split.indices(role) {
                let spectrogram = &self.spectrograms[i];
                match (preparation.length, target_frames) {
                    (InputLength::Segments(segmenter), _) => {
                        items.extend(segmenter.segment(i, spectrogram).into_iter().map(|s| {
                            SpectrogramItem {
                                spectrogram: s.spectrogram,
                                label: labels[i],
                                utterance: i,
                                segment: s.index,
                            }
                        }));
                    }
                    (InputLength::Pad(_), frames) => items.push(SpectrogramItem {
                        spectrogram: spectrogram
                            .with_frames(frames.unwrap_or(spectrogram.frames())),
                        label: labels[i],
                        utterance: i,
                        segment: 0,
                    }),
                }
            }
            items
        };
        let mut train = items_of(SplitRole::Train);
        let mut validation = items_of(SplitRole::Validation);
        let mut test = items_of(SplitRole::Test);
        let normalizer =
            Normalizer::fit(preparation.normalizer, train.iter().map(|i| &i.spectrogram))?;
        for item in train.iter_mut().chain(&mut validation).chain(&mut test) {
            normalizer.apply(&mut item.spectrogram)?;
        }
        Ok(FoldData {
            fold: fold.clone(),
            normalizer,
            train: SpectrogramDataset::new(train),
            validation: SpectrogramDataset::new(validation),
            test: SpectrogramDataset::new(test),
        })
    }
}

impl FoldData {
    /// The training items of this fold made from `variant` instead: the same utterances' other
    /// spectrograms (e.g. from speed-perturbed audio at `speed`), item `i` of the result
    /// standing for item `i` of [`train`](Self::train), brought to its number of frames (cut or
    /// padded at the end) and normalised with this fold's normaliser (fitted on the plain
    /// training inputs). `features` is the feature set this fold was prepared from.
    pub fn train_variant(
        &self,
        features: &FeatureSet,
        variant: &FeatureSet,
        speed: f64,
    ) -> Result<SpectrogramDataset, FeatureError> {
        let index: std::collections::HashMap<&str, usize> = variant
            .utterances
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.as_str(), i))
            .collect();
        let mut items = Vec::with_capacity(self.train.items().len());
        let mut seen = std::collections::HashSet::new();
        for item in self.train.items() {
            if !seen.insert(item.utterance) {
                return Err(FeatureError::VariantsNeedPadding);
            }
            let id = &features.utterances[item.utterance].id;
            let found = index
                .get(id.as_str())
                .ok_or_else(|| FeatureError::VariantMissing {
                    id: id.clone(),
                    speed,
                })?;
            let mut spectrogram =
                variant.spectrograms[*found].with_frames(item.spectrogram.frames());
            self.normalizer.apply(&mut spectrogram)?;
            items.push(SpectrogramItem {
                spectrogram,
                ..item.clone()
            });
        }
        Ok(SpectrogramDataset::new(items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_summary_reads_as_words_for_each_count() {
        let summary = CacheSummary {
            hits: 3,
            computed: 480,
            rebuilt: 2,
        };
        assert_eq!(
            summary.to_string(),
            "480 computed, 3 read from the cache, 2 recomputed (corrupt or stale cache entries)"
        );
    }
}
