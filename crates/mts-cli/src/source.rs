//! Where the spectrograms come from: a corpus folder, or the built-in synthetic corpus.

use std::fmt;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use mts_audio::SpectrogramConfig;
use mts_data::{
    Corpus, CorpusKind, FeatureCache, FeatureOptions, FeatureSet, Fold, FoldConfig, SpeakerFolds,
    SyntheticConfig, SyntheticCorpus,
};

use serde::{Deserialize, Serialize};

use crate::CliError;

/// How a corpus's speakers are split into folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoldScheme {
    /// Speaker-independent K-fold: every speaker is tested in exactly one fold and 20 % of the
    /// others validate ([`SpeakerFolds::k_fold`]).
    #[default]
    Speaker,
    /// The published code's window of 70/20/10 % of the speakers rotating over their list
    /// ([`SpeakerFolds::rotating_window`]): on EMODB one test speaker per fold (16, 8, 11, 13),
    /// so 4 of the 10 speakers are ever tested. For comparing with the paper's numbers.
    PublishedWindow,
    /// TESS's two speakers: train on one and test on the other, then the mirror image (2
    /// folds); validation takes 20 % of the training speaker's words, so training and
    /// validation share no word ([`SpeakerFolds::tess_cross_speaker`]). The default for TESS,
    /// whose two speakers cannot make speaker folds.
    TessCrossSpeaker,
}

impl FoldScheme {
    /// The scheme a corpus gets when none is asked for: cross-speaker for TESS, speaker folds
    /// otherwise.
    pub fn default_for(corpus: CorpusKind) -> Self {
        match corpus {
            CorpusKind::Tess => Self::TessCrossSpeaker,
            _ => Self::Speaker,
        }
    }

    /// The number of folds when none is asked for: 2 for TESS cross-speaker (one per test
    /// speaker), 4 otherwise.
    pub fn default_folds(self) -> usize {
        match self {
            Self::TessCrossSpeaker => 2,
            Self::Speaker | Self::PublishedWindow => 4,
        }
    }
}

impl fmt::Display for FoldScheme {
    /// The name `--fold-scheme` takes (`speaker`, `published-window`, `tess-cross-speaker`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_possible_value() {
            Some(value) => f.write_str(value.get_name()),
            None => write!(f, "{self:?}"),
        }
    }
}

/// How a corpus was split into folds: what `mts eval` needs to rebuild the folds a model was
/// trained on (stored in the model card).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoldSettings {
    /// How speakers were split.
    pub scheme: FoldScheme,
    /// The number of folds.
    pub count: usize,
    /// The seed of the fold assignment (and of the synthetic corpus).
    pub seed: u64,
}

/// A corpus and its speaker-independent folds, with every utterance's spectrogram.
#[derive(Debug)]
pub struct LoadedData {
    /// The corpus name (`synthetic`, `emodb`, ...).
    pub corpus: String,
    /// Spectrograms (un-normalised, natural length) and labels.
    pub features: FeatureSet,
    /// Speaker-independent folds over `features.utterances`.
    pub folds: SpeakerFolds,
    /// The spectrograms of speed-perturbed audio, one set per factor of
    /// [`DataSource::speeds`] (for speed-perturbation training).
    pub speeds: Vec<(f64, FeatureSet)>,
    /// How `folds` were made.
    pub fold_settings: FoldSettings,
}

impl LoadedData {
    /// The class names, in class-index order.
    pub fn class_names(&self) -> Vec<String> {
        self.features.label_map.names()
    }

    /// The id of every utterance of `features`, in order (item `utterance` indices point here).
    pub fn utterance_ids(&self) -> Vec<String> {
        self.features
            .utterances
            .iter()
            .map(|u| u.id.clone())
            .collect()
    }

    /// The spectrograms of the audio sped up by `speed`, or a usage error when they were not
    /// loaded.
    pub fn speed(&self, speed: f64) -> Result<&FeatureSet, CliError> {
        self.speeds
            .iter()
            .find(|(factor, _)| *factor == speed)
            .map(|(_, features)| features)
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "the {} features at speed {speed} were not loaded",
                    self.corpus
                ))
            })
    }

    /// Fold `index`, or a usage error naming how many folds the corpus has.
    pub fn fold(&self, index: usize) -> Result<&Fold, CliError> {
        self.folds.get(index).ok_or_else(|| {
            CliError::Usage(format!(
                "fold {index} does not exist: the {} corpus has {} fold(s)",
                self.corpus,
                self.folds.len()
            ))
        })
    }
}

/// What to load.
#[derive(Debug, Clone)]
pub struct DataSource {
    /// The corpus; [`CorpusKind::Synthetic`] is generated in memory.
    pub corpus: CorpusKind,
    /// The corpus folder (required for every corpus but the synthetic one).
    pub data_dir: Option<PathBuf>,
    /// Where spectrograms are cached (when `None`: `$MTS_CACHE_DIR`, else `~/.cache/mts`, else
    /// the system's temporary folder; never the corpus folder, which may be read-only).
    pub cache_dir: Option<PathBuf>,
    /// Number of speaker-independent folds (K-fold); for the synthetic corpus 1 means its own
    /// train/validation/test speaker split.
    pub folds: usize,
    /// Seed of the fold assignment and of the synthetic corpus.
    pub seed: u64,
    /// How speakers are split into folds.
    pub fold_scheme: FoldScheme,
    /// Show a progress bar while computing spectrograms.
    pub progress: bool,
    /// Speed-perturbation factors (other than 1) whose spectrograms are computed too, each
    /// cached under its own key.
    pub speeds: Vec<f64>,
}

impl DataSource {
    /// The built-in synthetic corpus with its speaker-disjoint split.
    pub fn synthetic(seed: u64) -> Self {
        Self {
            corpus: CorpusKind::Synthetic,
            data_dir: None,
            cache_dir: None,
            folds: 1,
            seed,
            fold_scheme: FoldScheme::Speaker,
            progress: false,
            speeds: Vec::new(),
        }
    }

    /// Loads the corpus, makes its folds, then computes (or reads from the cache) its
    /// spectrograms. Damaged cache entries are recomputed and replaced, and a line on stderr
    /// says how many.
    pub fn load(&self, config: &SpectrogramConfig) -> Result<LoadedData, CliError> {
        let fold_settings = self.fold_settings();
        if self.corpus == CorpusKind::Synthetic {
            let synthetic = self.synthetic_corpus()?;
            let speeds = self
                .speeds
                .iter()
                .map(|&speed| {
                    let features = FeatureSet::from_synthetic_at_speed(&synthetic, config, speed)?;
                    Ok((speed, features))
                })
                .collect::<Result<_, CliError>>()?;
            return Ok(LoadedData {
                corpus: self.corpus.slug().to_string(),
                folds: self.synthetic_folds(&synthetic)?,
                features: FeatureSet::from_synthetic(&synthetic, config)?,
                speeds,
                fold_settings,
            });
        }
        let corpus = Corpus::load(self.corpus, self.data_dir()?)?;
        let folds = self.folds_of(&corpus)?;
        let cache = FeatureCache::open(self.cache_dir())?;
        let options = FeatureOptions {
            progress: self.progress,
            ..FeatureOptions::default()
        };
        let features = FeatureSet::compute(&corpus, config, Some(&cache), &options)?;
        if features.summary.rebuilt > 0 {
            eprintln!(
                "note: {} damaged feature-cache entries in {} were recomputed and replaced",
                features.summary.rebuilt,
                cache.dir().display()
            );
        }
        let speeds = self
            .speeds
            .iter()
            .map(|&speed| {
                let options = FeatureOptions { speed, ..options };
                let features = FeatureSet::compute(&corpus, config, Some(&cache), &options)?;
                Ok((speed, features))
            })
            .collect::<Result<_, CliError>>()?;
        Ok(LoadedData {
            corpus: self.corpus.slug().to_string(),
            features,
            folds,
            speeds,
            fold_settings,
        })
    }

    /// Makes the folds without computing any spectrogram (the synthetic corpus is generated):
    /// whether this source's corpus, scheme, fold count and seed can work.
    pub fn check_folds(&self) -> Result<(), CliError> {
        if self.corpus == CorpusKind::Synthetic {
            self.synthetic_folds(&self.synthetic_corpus()?)?;
        } else {
            self.folds_of(&Corpus::load(self.corpus, self.data_dir()?)?)?;
        }
        Ok(())
    }

    /// The scheme, count and seed of this source's folds.
    pub fn fold_settings(&self) -> FoldSettings {
        FoldSettings {
            scheme: self.fold_scheme,
            count: self.folds,
            seed: self.seed,
        }
    }

    fn data_dir(&self) -> Result<&Path, CliError> {
        self.data_dir.as_deref().ok_or_else(|| {
            CliError::Usage(format!(
                "--data-dir is required for the {} corpus",
                self.corpus.slug()
            ))
        })
    }

    fn synthetic_corpus(&self) -> Result<SyntheticCorpus, CliError> {
        Ok(SyntheticCorpus::generate(&SyntheticConfig {
            seed: self.seed,
            ..SyntheticConfig::default()
        })?)
    }

    /// One fold: the synthetic corpus's own speaker-disjoint split; more: K-fold over its
    /// speakers, as for a real corpus (every speaker is tested once).
    fn synthetic_folds(&self, synthetic: &SyntheticCorpus) -> Result<SpeakerFolds, CliError> {
        match self.folds {
            1 => Ok(synthetic.folds()),
            _ => self.folds_of(synthetic.corpus()),
        }
    }

    /// The folds of `corpus` by this source's scheme, count and seed.
    fn folds_of(&self, corpus: &Corpus) -> Result<SpeakerFolds, CliError> {
        Ok(match self.fold_scheme {
            FoldScheme::Speaker => SpeakerFolds::k_fold(
                corpus,
                &FoldConfig {
                    k: self.folds,
                    seed: self.seed,
                    ..FoldConfig::default()
                },
            )?,
            FoldScheme::PublishedWindow => {
                SpeakerFolds::rotating_window(corpus, self.folds, self.seed)?
            }
            FoldScheme::TessCrossSpeaker => {
                if self.folds != 2 {
                    return Err(CliError::Usage(format!(
                        "the tess-cross-speaker scheme makes 2 folds (one per test speaker), \
                         not {}",
                        self.folds
                    )));
                }
                let validation = FoldConfig::default().validation_fraction;
                SpeakerFolds::tess_cross_speaker(corpus, validation, self.seed)?
            }
        })
    }

    /// The feature-cache folder this source uses.
    pub fn cache_dir(&self) -> PathBuf {
        if let Some(dir) = &self.cache_dir {
            return dir.clone();
        }
        if let Some(dir) = std::env::var_os("MTS_CACHE_DIR") {
            return PathBuf::from(dir);
        }
        match std::env::var_os("HOME") {
            Some(home) => Path::new(&home).join(".cache").join("mts"),
            None => std::env::temp_dir().join("mts-cache"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scheme decides the folds: the published window's, whose test sets do not partition
    /// the speakers, or speaker K-fold, where each speaker is tested once.
    #[test]
    fn the_fold_scheme_chooses_the_folds() {
        let synthetic = SyntheticCorpus::generate(&SyntheticConfig::default()).unwrap();
        let corpus = synthetic.corpus();
        let source = |fold_scheme| DataSource {
            folds: 4,
            fold_scheme,
            ..DataSource::synthetic(3)
        };
        let window = source(FoldScheme::PublishedWindow)
            .folds_of(corpus)
            .unwrap();
        assert_eq!(window, SpeakerFolds::rotating_window(corpus, 4, 3).unwrap());
        let speaker = source(FoldScheme::Speaker).folds_of(corpus).unwrap();
        let config = FoldConfig {
            k: 4,
            seed: 3,
            ..FoldConfig::default()
        };
        assert_eq!(speaker, SpeakerFolds::k_fold(corpus, &config).unwrap());
        assert_ne!(window, speaker);
    }
}
