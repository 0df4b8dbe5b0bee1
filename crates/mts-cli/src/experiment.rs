//! One experiment: train one architecture × convolution on one fold, test the best checkpoint.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use mts_data::{FoldData, FoldPreparation, SpectrogramDataset, SpectrogramItem};
use mts_models::{
    Architecture, Augmentation, ConvKind, EpochSummary, Evaluation, Evaluator, MetricSummary,
    ModelCard, SerModel, SerModelConfig, StopReason, Trainer, TrainingConfig, TrainingObserver,
};
use serde::{Deserialize, Serialize};

use mts_models::SplitSet;

use crate::{CliError, LoadedData, ModelFeatures};

/// What to train.
#[derive(Debug, Clone, Serialize)]
pub struct Experiment {
    /// The architecture (A1–A4).
    pub architecture: Architecture,
    /// Standard or MTS convolutions.
    pub conv: ConvKind,
    /// Optimiser, batch size, epochs, early stopping, seed.
    pub training: TrainingConfig,
    /// How the training inputs are augmented (never validation or test inputs).
    pub augmentation: Augmentation,
    /// The fold (index into the data's folds).
    pub fold: usize,
}

impl Experiment {
    /// `A2 standard`, `A2 MTS (0.5, 1, 2)`, `A2 standard + tempo:0.7-1.428`.
    pub fn name(&self) -> String {
        format!(
            "{} {}{}",
            self.architecture,
            conv_name(&self.conv),
            augmentation_suffix(&self.augmentation)
        )
    }
}

/// `""` without augmentation, else ` + tempo:0.7-1.428`.
pub fn augmentation_suffix(augmentation: &Augmentation) -> String {
    match augmentation {
        Augmentation::None => String::new(),
        other => format!(" + {other}"),
    }
}

/// `standard` or `MTS (0.5, 1, 2)`.
pub fn conv_name(conv: &ConvKind) -> String {
    match conv {
        ConvKind::Standard => "standard".to_string(),
        ConvKind::Mts { scales, .. } => format!("MTS {scales}"),
    }
}

/// A trained model, its card (with feature settings and normaliser) and its test scores.
#[derive(Debug)]
pub struct ExperimentResult {
    /// What was trained.
    pub experiment: Experiment,
    /// The best-validation-loss model, in inference mode.
    pub model: SerModel,
    /// The card to save with the model.
    pub card: ModelCard,
    /// Scores on the fold's test split.
    pub test: Evaluation,
    /// The same, per test speaker (speaker order of the corpus), to tell fold difficulty from
    /// speaker difficulty.
    pub test_per_speaker: Vec<SpeakerScore>,
    /// Epoch (from 1) of the best validation loss.
    pub best_epoch: usize,
    /// The best validation loss (of `best_epoch`).
    pub best_valid_loss: f64,
    /// Epochs run.
    pub epochs: usize,
    /// Every epoch's losses and accuracies, resumed ones included.
    pub history: Vec<EpochSummary>,
    /// Why training ended ([`StopReason::Interrupted`]: the observer stopped it and the
    /// checkpoint folder resumes it).
    pub stop: StopReason,
    /// Wall-clock seconds of training and testing.
    pub seconds: f64,
}

/// One test speaker's scores (per segment) under the best-validation-loss model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerScore {
    /// The speaker id, as the corpus names it.
    pub speaker: String,
    /// Accuracy, UA and macro F1 over the speaker's test items.
    pub test: MetricSummary,
}

/// Trains `experiment` on `data` and tests the best-validation-loss model.
///
/// Inputs are padded to the longest utterance and normalised with statistics of the fold's
/// training split only. With `checkpoint_dir`, training writes a checkpoint every epoch and
/// resumes from one found there.
pub fn run_experiment(
    data: &LoadedData,
    experiment: &Experiment,
    device: &Device,
    observer: impl TrainingObserver,
    checkpoint_dir: Option<&Path>,
) -> Result<ExperimentResult, CliError> {
    let start = Instant::now();
    let fold = data.fold(experiment.fold)?;
    let prepared = data.features.fold_data(fold, &FoldPreparation::default())?;
    let input_size = prepared
        .train
        .input_shape()
        .ok_or_else(|| CliError::Usage(format!("fold {} has no training data", experiment.fold)))?;
    let names = data.utterance_ids();
    let variants = speed_variants(data, &prepared, &experiment.augmentation)?;
    let train = SplitSet::new(&prepared.train, input_size, &names).with_variants(
        variants
            .iter()
            .map(|v| v.as_ref().unwrap_or(&prepared.train))
            .collect(),
    );
    let valid = SplitSet::new(&prepared.validation, input_size, &names);
    let test = SplitSet::new(&prepared.test, input_size, &names);
    let class_names = data.class_names();

    let model_config = SerModelConfig::new(experiment.architecture, input_size, class_names.len())
        .with_conv(experiment.conv.clone());
    let mut trainer = Trainer::new(experiment.training.clone(), device.clone())
        .with_augmentation(experiment.augmentation.clone())
        .with_observer(observer);
    if let Some(dir) = checkpoint_dir {
        trainer = trainer.with_checkpoint_dir(dir);
    }
    let outcome = trainer.fit(&model_config, &train, &valid)?;
    let evaluator = Evaluator::new(device.clone()).with_class_names(class_names.clone());
    let evaluation = evaluator.evaluate(&outcome.best_model, &test)?;
    let test_per_speaker = per_speaker(data, &prepared.test)
        .into_iter()
        .map(|(speaker, items)| {
            let split = SplitSet::new(&items, input_size, &names);
            let scores = evaluator.evaluate(&outcome.best_model, &split)?;
            Ok(SpeakerScore {
                speaker,
                test: scores.segments.summary,
            })
        })
        .collect::<Result<Vec<_>, CliError>>()?;

    let features = ModelFeatures {
        spectrogram: data.features.config.clone(),
        input_frames: input_size[0],
        corpus: data.corpus.clone(),
        fold: experiment.fold,
        folds: Some(data.fold_settings),
    };
    let card = ModelCard::new(model_config)
        .with_class_names(class_names)
        .with_features(&features)?
        .with_normalizer(&prepared.normalizer)?
        .with_augmentation(experiment.augmentation.clone());
    Ok(ExperimentResult {
        experiment: experiment.clone(),
        model: outcome.best_model,
        card,
        test: evaluation,
        test_per_speaker,
        best_epoch: outcome.best_epoch,
        best_valid_loss: outcome.best_valid_loss,
        epochs: outcome.history.len(),
        history: outcome.history,
        stop: outcome.stop,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The training variants of a speed augmentation, one per factor in its order: `None` for
/// factor 1 (the plain training items), else the items from `data`'s features at that speed.
/// Empty for other augmentations.
fn speed_variants(
    data: &LoadedData,
    prepared: &FoldData,
    augmentation: &Augmentation,
) -> Result<Vec<Option<SpectrogramDataset>>, CliError> {
    let Augmentation::Speed { factors } = augmentation else {
        return Ok(Vec::new());
    };
    factors
        .iter()
        .map(|&speed| {
            if speed == 1.0 {
                return Ok(None);
            }
            let variant = data.speed(speed)?;
            Ok(Some(prepared.train_variant(
                &data.features,
                variant,
                speed,
            )?))
        })
        .collect()
}

/// The items of `split`, one dataset per speaker, in the order speakers first appear.
fn per_speaker(data: &LoadedData, split: &SpectrogramDataset) -> Vec<(String, SpectrogramDataset)> {
    let mut groups: Vec<(String, Vec<SpectrogramItem>)> = Vec::new();
    for item in split.items() {
        let speaker = &data.features.utterances[item.utterance].speaker;
        match groups.iter_mut().find(|(s, _)| s == speaker) {
            Some((_, items)) => items.push(item.clone()),
            None => groups.push((speaker.clone(), vec![item.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(speaker, items)| (speaker, SpectrogramDataset::new(items)))
        .collect()
}
