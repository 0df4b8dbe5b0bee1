//! Saving and loading a trained model as one folder: `config.json` (model config, class names,
//! feature config, fitted normaliser) and `model.bpk` (the weights, burnpack).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::store::RecordError;
use burn::tensor::Device;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::augment::Augmentation;
use crate::error::ModelConfigError;
use crate::ser_model::{SerModel, SerModelConfig};
use mts_data::atomic;

/// The `format` field of a model folder's `config.json`.
pub const MODEL_FORMAT: &str = "mts-model";
/// The `format_version` this crate writes and reads.
pub const MODEL_FORMAT_VERSION: u32 = 1;
/// The name of the description file in a model folder.
pub const CONFIG_FILE: &str = "config.json";
/// The name of the weights file in a model folder.
pub const WEIGHTS_FILE: &str = "model.bpk";

/// Everything a model folder holds besides the weights: enough to rebuild the model and, with
/// the feature config and normaliser, to predict from raw audio.
///
/// The feature config and normaliser are kept as JSON values so this crate does not depend on
/// the audio front end; store them with [`with_features`](Self::with_features) /
/// [`with_normalizer`](Self::with_normalizer) and read them back typed with
/// [`features`](Self::features) / [`normalizer`](Self::normalizer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// The model configuration (architecture, input size, classes, convolution kind).
    pub model: SerModelConfig,
    /// One name per class, in logit order; empty when unnamed.
    #[serde(default)]
    pub class_names: Vec<String>,
    /// The feature (spectrogram) configuration the model was trained on, as JSON.
    #[serde(default)]
    pub features: Option<Value>,
    /// The normaliser fitted on the training split, as JSON.
    #[serde(default)]
    pub normalizer: Option<Value>,
    /// The augmentation the model was trained with (`none` for cards written without one).
    #[serde(default)]
    pub augmentation: Augmentation,
}

/// `config.json` on disk: the card plus the format tag and version.
#[derive(Serialize, Deserialize)]
struct ConfigFile {
    format: String,
    format_version: u32,
    #[serde(flatten)]
    card: ModelCard,
}

impl ModelCard {
    /// A card for `model` with no class names, feature config or normaliser.
    pub fn new(model: SerModelConfig) -> Self {
        Self {
            model,
            class_names: Vec::new(),
            features: None,
            normalizer: None,
            augmentation: Augmentation::None,
        }
    }

    /// Records the augmentation the model was trained with.
    pub fn with_augmentation(mut self, augmentation: Augmentation) -> Self {
        self.augmentation = augmentation;
        self
    }

    /// Sets the class names (one per class, in logit order).
    pub fn with_class_names(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.class_names = names.into_iter().map(Into::into).collect();
        self
    }

    /// Stores the feature configuration (any serde-serialisable value).
    pub fn with_features(mut self, features: &impl Serialize) -> Result<Self, serde_json::Error> {
        self.features = Some(serde_json::to_value(features)?);
        Ok(self)
    }

    /// Stores the fitted normaliser (any serde-serialisable value).
    pub fn with_normalizer(
        mut self,
        normalizer: &impl Serialize,
    ) -> Result<Self, serde_json::Error> {
        self.normalizer = Some(serde_json::to_value(normalizer)?);
        Ok(self)
    }

    /// The stored feature configuration as `T`, `None` when there is none.
    pub fn features<T: DeserializeOwned>(&self) -> Result<Option<T>, serde_json::Error> {
        self.features
            .clone()
            .map(serde_json::from_value)
            .transpose()
    }

    /// The stored normaliser as `T`, `None` when there is none.
    pub fn normalizer<T: DeserializeOwned>(&self) -> Result<Option<T>, serde_json::Error> {
        self.normalizer
            .clone()
            .map(serde_json::from_value)
            .transpose()
    }

    /// The name of class `index`: its class name, or the index when the classes are unnamed.
    pub fn class_name(&self, index: usize) -> String {
        self.class_names
            .get(index)
            .cloned()
            .unwrap_or_else(|| index.to_string())
    }

    fn check(&self) -> Result<(), ModelStoreError> {
        let classes = self.model.num_classes;
        if !self.class_names.is_empty() && self.class_names.len() != classes {
            return Err(ModelStoreError::ClassNames {
                names: self.class_names.len(),
                classes,
            });
        }
        Ok(())
    }
}

/// Why a model folder could not be written or read.
#[derive(Debug, Error)]
pub enum ModelStoreError {
    /// A file system error.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The folder has no `config.json`.
    #[error("{path} is not a model folder: it has no {CONFIG_FILE}")]
    NotAModelFolder {
        /// The folder.
        path: PathBuf,
    },
    /// The target of a save exists and is not a model folder (it is not replaced).
    #[error("{path} exists and is not an mts model folder; refusing to replace it")]
    WouldReplaceOther {
        /// The folder.
        path: PathBuf,
    },
    /// `config.json` is not JSON or not in this crate's format.
    #[error("{path}: not a valid mts model config: {reason}")]
    InvalidConfig {
        /// The config file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `config.json` was written by an incompatible version.
    #[error(
        "{path}: model format version {found} is not supported (this build reads version \
         {supported}); retrain or use a matching version of mts"
    )]
    UnsupportedVersion {
        /// The config file.
        path: PathBuf,
        /// The version in the file.
        found: u64,
        /// The version this build reads.
        supported: u32,
    },
    /// The model configuration in `config.json` cannot be built.
    #[error("the stored model configuration is invalid: {0}")]
    Model(#[from] ModelConfigError),
    /// The class names do not match the number of classes.
    #[error("{names} class names for a model with {classes} classes")]
    ClassNames {
        /// Number of names.
        names: usize,
        /// Number of classes.
        classes: usize,
    },
    /// The model to save is not the one the card describes.
    #[error(
        "the model (input {model_input:?}) does not match its card (input {card_input:?}, \
         {card_layers} MTS layers, or another number of classes)"
    )]
    CardMismatch {
        /// The model's input size.
        model_input: [usize; 2],
        /// The card's input size.
        card_input: [usize; 2],
        /// MTS layers the card's config has.
        card_layers: usize,
    },
    /// The weights file is missing, corrupt or does not fit the configuration.
    #[error("{path}: cannot load the weights: {source}")]
    Weights {
        /// The weights file.
        path: PathBuf,
        /// burn's error.
        #[source]
        source: RecordError,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> ModelStoreError + '_ {
    move |source| ModelStoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl From<io::Error> for ModelStoreError {
    fn from(source: io::Error) -> Self {
        Self::Io {
            path: PathBuf::new(),
            source,
        }
    }
}

/// Saves `model` and its `card` to the folder `dir`, atomically: on success `dir` holds exactly
/// `config.json` and `model.bpk`; on error nothing is left and a previous model folder at `dir`
/// is untouched. An existing `dir` is replaced only when it is empty or a model folder.
pub fn save_model(
    dir: impl AsRef<Path>,
    model: &SerModel,
    card: &ModelCard,
) -> Result<(), ModelStoreError> {
    let dir = dir.as_ref();
    card.check()?;
    let card_layers = card.model.mts_layer_names().len();
    if model.input_size() != card.model.input_size
        || model.num_classes() != card.model.num_classes
        || model.mts_layer_names() != card.model.mts_layer_names()
    {
        return Err(ModelStoreError::CardMismatch {
            model_input: model.input_size(),
            card_input: card.model.input_size,
            card_layers,
        });
    }
    let config = serde_json::to_vec_pretty(&ConfigFile {
        format: MODEL_FORMAT.to_string(),
        format_version: MODEL_FORMAT_VERSION,
        card: card.clone(),
    })
    .map_err(|err| ModelStoreError::InvalidConfig {
        path: dir.join(CONFIG_FILE),
        reason: err.to_string(),
    })?;
    atomic::write_dir(
        dir,
        |existing| {
            let empty = existing.is_dir()
                && fs::read_dir(existing)
                    .map_err(io_error(existing))?
                    .next()
                    .is_none();
            if empty || read_config(existing).is_ok() {
                Ok(())
            } else {
                Err(ModelStoreError::WouldReplaceOther {
                    path: existing.to_path_buf(),
                })
            }
        },
        |tmp| {
            let config_path = tmp.join(CONFIG_FILE);
            fs::write(&config_path, &config).map_err(io_error(&config_path))?;
            let weights = tmp.join(WEIGHTS_FILE);
            model
                .clone()
                .save_file(&weights)
                .map_err(|source| ModelStoreError::Weights {
                    path: dir.join(WEIGHTS_FILE),
                    source,
                })
        },
    )
    .map_err(|err| match err {
        ModelStoreError::Io { path, source } if path.as_os_str().is_empty() => {
            ModelStoreError::Io {
                path: dir.to_path_buf(),
                source,
            }
        }
        other => other,
    })
}

/// Reads and checks the `config.json` of the model folder `dir`.
pub fn read_config(dir: impl AsRef<Path>) -> Result<ModelCard, ModelStoreError> {
    let dir = dir.as_ref();
    let path = dir.join(CONFIG_FILE);
    if !path.is_file() {
        return Err(ModelStoreError::NotAModelFolder {
            path: dir.to_path_buf(),
        });
    }
    let text = fs::read_to_string(&path).map_err(io_error(&path))?;
    let invalid = |reason: String| ModelStoreError::InvalidConfig {
        path: path.clone(),
        reason,
    };
    let value: Value = serde_json::from_str(&text).map_err(|err| invalid(err.to_string()))?;
    match value.get("format").and_then(Value::as_str) {
        Some(MODEL_FORMAT) => {}
        Some(other) => {
            return Err(invalid(format!(
                "format is {other:?}, not {MODEL_FORMAT:?}"
            )));
        }
        None => return Err(invalid(format!("no \"format\": {MODEL_FORMAT:?} field"))),
    }
    let version = value.get("format_version").and_then(Value::as_u64);
    match version {
        Some(v) if v == u64::from(MODEL_FORMAT_VERSION) => {}
        Some(found) => {
            return Err(ModelStoreError::UnsupportedVersion {
                path,
                found,
                supported: MODEL_FORMAT_VERSION,
            });
        }
        None => return Err(invalid("no numeric \"format_version\" field".to_string())),
    }
    let file: ConfigFile = serde_json::from_value(value).map_err(|err| invalid(err.to_string()))?;
    file.card.check()?;
    Ok(file.card)
}

/// Loads the model folder `dir` onto `device`: the model (in inference mode) and its card.
///
/// A missing, corrupt or incompatible folder gives a [`ModelStoreError`], never a panic.
pub fn load_model(
    dir: impl AsRef<Path>,
    device: &Device,
) -> Result<(SerModel, ModelCard), ModelStoreError> {
    let dir = dir.as_ref();
    let card = read_config(dir)?;
    let model = card.model.try_init(device)?;
    let weights = dir.join(WEIGHTS_FILE);
    let model = model
        .try_load_file(&weights)
        .map_err(|source| ModelStoreError::Weights {
            path: weights,
            source,
        })?;
    Ok((model, card))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Architecture;

    #[test]
    fn card_accessors() {
        let card = ModelCard::new(SerModelConfig::new(Architecture::A1, [40, 20], 3))
            .with_class_names(["angry", "happy", "sad"])
            .with_features(&serde_json::json!({"hop": 160}))
            .unwrap();
        assert_eq!(card.class_name(1), "happy");
        assert_eq!(card.class_name(7), "7");
        let features: Option<Value> = card.features().unwrap();
        assert_eq!(features, Some(serde_json::json!({"hop": 160})));
        assert_eq!(card.normalizer::<Value>().unwrap(), None);
        assert!(card.check().is_ok());
        let bad = card.with_class_names(["one"]);
        assert!(matches!(
            bad.check(),
            Err(ModelStoreError::ClassNames {
                names: 1,
                classes: 3
            })
        ));
    }

    /// The augmentation is kept in `config.json`; cards written before it existed read as
    /// trained without augmentation.
    #[test]
    fn the_augmentation_is_stored_and_old_cards_read_as_none() {
        let tempo: Augmentation = "tempo:0.7-1.428".parse().unwrap();
        let card = ModelCard::new(SerModelConfig::new(Architecture::A1, [40, 20], 3))
            .with_augmentation(tempo.clone());
        let dir = tempfile::tempdir().unwrap();
        let file = ConfigFile {
            format: MODEL_FORMAT.to_string(),
            format_version: MODEL_FORMAT_VERSION,
            card,
        };
        let mut json = serde_json::to_value(&file).unwrap();
        assert_eq!(json["augmentation"], "tempo:0.7-1.428");
        fs::write(dir.path().join(CONFIG_FILE), json.to_string()).unwrap();
        assert_eq!(read_config(dir.path()).unwrap().augmentation, tempo);
        json.as_object_mut().unwrap().remove("augmentation");
        fs::write(dir.path().join(CONFIG_FILE), json.to_string()).unwrap();
        assert_eq!(
            read_config(dir.path()).unwrap().augmentation,
            Augmentation::None
        );
        json["augmentation"] = "tempo:2-1".into();
        fs::write(dir.path().join(CONFIG_FILE), json.to_string()).unwrap();
        let err = read_config(dir.path()).unwrap_err().to_string();
        assert!(err.contains("tempo:2-1"), "{err}");
    }
}
