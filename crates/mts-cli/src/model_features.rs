//! The feature settings saved in a model folder, so that a model predicts from raw audio.

use std::path::Path;

use mts_audio::{Normalizer, SpectrogramConfig};
use mts_models::ModelCard;
use serde::{Deserialize, Serialize};

use crate::{CliError, FoldSettings};

/// How the inputs of a saved model were made (stored in its card's `features` field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFeatures {
    /// The spectrogram settings.
    pub spectrogram: SpectrogramConfig,
    /// Frames per input: shorter audio is zero-padded, longer audio is cut into windows of
    /// this length (half overlapping) whose predictions are averaged.
    pub input_frames: usize,
    /// The corpus the model was trained on.
    pub corpus: String,
    /// The fold it was trained on.
    pub fold: usize,
    /// How the corpus was split into folds (`mts eval` rebuilds the same folds); absent from
    /// cards written before it was stored, for which `eval` takes the flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<FoldSettings>,
}

impl ModelFeatures {
    /// Reads the feature settings and the normaliser of a loaded model card.
    pub fn from_card(card: &ModelCard, dir: &Path) -> Result<(Self, Normalizer), CliError> {
        let problem = |reason: String| CliError::ModelFeatures {
            dir: dir.to_path_buf(),
            reason,
        };
        let features: Self = card
            .features()
            .map_err(|e| problem(format!("feature settings: {e}")))?
            .ok_or_else(|| problem("no feature settings".into()))?;
        let normalizer: Normalizer = card
            .normalizer()
            .map_err(|e| problem(format!("normaliser: {e}")))?
            .ok_or_else(|| problem("no normaliser".into()))?;
        Ok((features, normalizer))
    }
}
