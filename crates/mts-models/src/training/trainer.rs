//! The training loop: Adam, cross-entropy, early stopping on the validation loss, per-epoch
//! checkpoints and resumption.

use std::fmt;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::{GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::tensor::Device;
use mts_core::KernelSharing;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::augment::Augmentation;
use crate::data::{DataError, SpectrogramSet, batch, check_set};
use crate::evaluate::{Evaluator, argmax};
use crate::ser_model::{SerModel, SerModelConfig};
use crate::streams::{Stream, stream_seed};
use crate::training::adam::FusedAdam;
use crate::training::checkpoint::{self, CheckpointState, NewBest};
use crate::training::config::TrainingConfig;
use crate::training::cpu_clock::CpuClock;
use crate::training::error::TrainingError;
use crate::training::progress::{EpochSummary, Silent, TrainingObserver};

/// Why a training run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopReason {
    /// `patience` epochs in a row brought no new best validation loss.
    EarlyStopped,
    /// The epoch limit was reached.
    MaxEpochs,
    /// The observer asked to stop; the checkpoint (if any) can be resumed.
    Interrupted,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EarlyStopped => "early stop: no better validation loss for `patience` epochs",
            Self::MaxEpochs => "reached the epoch limit",
            Self::Interrupted => "interrupted; resume from the checkpoint",
        })
    }
}

/// The result of [`Trainer::fit`].
#[derive(Debug)]
pub struct TrainingOutcome {
    /// The weights of the epoch with the best validation loss, in inference mode (the model to
    /// test and save).
    pub best_model: SerModel,
    /// The weights after the last epoch run, in inference mode.
    pub final_model: SerModel,
    /// The epoch (from 1) of the best validation loss.
    pub best_epoch: usize,
    /// The best validation loss.
    pub best_valid_loss: f64,
    /// Every epoch run so far, resumed ones included.
    pub history: Vec<EpochSummary>,
    /// Why the run ended.
    pub stop: StopReason,
}

/// Trains a [`SerModel`] from its config: Adam with coupled L2, cross-entropy, shuffled
/// mini-batches, early stopping on the validation loss, keeping the best-validation-loss
/// weights, and (for `Detached` MTS layers) the published per-epoch kernel averaging after each
/// epoch's evaluation.
///
/// Deterministic for a seed on a CPU device: the model initialisation, the shuffle order and
/// dropout of epoch `e` depend only on `(seed, e)`.
///
/// With a [checkpoint folder](Self::with_checkpoint_dir), every epoch ends with an atomic
/// checkpoint (weights, optimizer state, epoch, best-so-far); [`fit`](Self::fit) on a folder
/// that holds a checkpoint of the same run resumes it, and the result equals an unbroken run's.
pub struct Trainer<'a> {
    config: TrainingConfig,
    device: Device,
    checkpoint_dir: Option<PathBuf>,
    augmentation: Augmentation,
    observer: Box<dyn TrainingObserver + 'a>,
}

impl fmt::Debug for Trainer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trainer")
            .field("config", &self.config)
            .field("device", &self.device)
            .field("checkpoint_dir", &self.checkpoint_dir)
            .field("augmentation", &self.augmentation)
            .finish_non_exhaustive()
    }
}

/// The training set as epoch `epoch` sees it: every item through the augmentation.
struct Augmented<'a> {
    set: &'a dyn SpectrogramSet,
    augmentation: &'a Augmentation,
    seed: u64,
    epoch: usize,
}

impl SpectrogramSet for Augmented<'_> {
    fn len(&self) -> usize {
        self.set.len()
    }

    fn input_size(&self) -> [usize; 2] {
        self.set.input_size()
    }

    fn features(&self, index: usize) -> std::borrow::Cow<'_, [f32]> {
        self.augmentation
            .features(self.set, index, self.seed, self.epoch)
    }

    fn label(&self, index: usize) -> usize {
        self.set.label(index)
    }
}

impl<'a> Trainer<'a> {
    /// A trainer with `config` on `device` (autodiff is added for training), no checkpoints and
    /// no progress output.
    pub fn new(config: TrainingConfig, device: Device) -> Self {
        Self {
            config,
            device,
            checkpoint_dir: None,
            augmentation: Augmentation::None,
            observer: Box::new(Silent),
        }
    }

    /// Checkpoints every epoch into `dir` and resumes from it when it already holds a
    /// checkpoint of the same run.
    pub fn with_checkpoint_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.checkpoint_dir = Some(dir.into());
        self
    }

    /// Augments the training inputs (never the validation ones); [`Augmentation::None`] by
    /// default. For [`Augmentation::Speed`] the training set must hold one variant per factor.
    pub fn with_augmentation(mut self, augmentation: Augmentation) -> Self {
        self.augmentation = augmentation;
        self
    }

    /// Reports progress to `observer` (e.g. [`ProgressReporter`](crate::ProgressReporter)).
    pub fn with_observer(mut self, observer: impl TrainingObserver + 'a) -> Self {
        self.observer = Box::new(observer);
        self
    }

    /// The hyper-parameters.
    pub fn config(&self) -> &TrainingConfig {
        &self.config
    }

    fn optimizer(&self) -> ModuleOptimizer {
        FusedAdam::new(self.config.weight_decay).init()
    }

    /// Trains a model of `model_config` on `train`, early-stopping on `valid`.
    ///
    /// Both splits must have the model's input size and labels below its number of classes.
    pub fn fit(
        &mut self,
        model_config: &SerModelConfig,
        train: &dyn SpectrogramSet,
        valid: &dyn SpectrogramSet,
    ) -> Result<TrainingOutcome, TrainingError> {
        self.config.validate()?;
        let (input, classes) = (model_config.input_size, model_config.num_classes);
        check_set("training", train, input, classes)?;
        check_set("validation", valid, input, classes)?;
        let variants = self.augmentation.variants();
        if train.variants() != variants {
            return Err(DataError::Variants {
                found: train.variants(),
                expected: variants,
                augmentation: self.augmentation.to_string(),
            }
            .into());
        }
        let train_device = self.device.clone().autodiff();
        let eval_device = self.device.clone().without_autodiff();
        let (mut model, mut state, mut optimizer) =
            self.start(model_config, [train.len(), valid.len()], &train_device)?;

        let num_batches = train.len().div_ceil(self.config.batch_size);
        let mut stop = state
            .finished
            .as_ref()
            .map(|_| self.finished_reason(&state));
        if stop.is_none() {
            self.observer
                .on_start(state.epochs_done + 1, self.config.max_epochs, num_batches);
        }
        let evaluator = Evaluator::new(eval_device.clone()).with_batch_size(self.config.batch_size);
        let mut best_model = None;
        let mut writer = checkpoint::CheckpointWriter::default();
        while stop.is_none() {
            let epoch = state.epochs_done + 1;
            let clock = CpuClock::start();
            let (trained, loss_sum, correct) =
                self.train_epoch(model, &mut optimizer, train, epoch, &train_device);
            let training = EpochTraining {
                epoch,
                clock,
                mean_loss: loss_sum / train.len() as f64,
                accuracy: correct as f64 / train.len() as f64,
            };
            let validated = validate_epoch(trained, training, &evaluator, valid, &state)?;
            let (summary, new_best) = (validated.summary, validated.new_best);
            model = validated.model;
            stop = self.record_epoch(&mut state, summary.clone());
            self.save_epoch(
                &mut writer,
                &mut state,
                &model,
                &optimizer,
                new_best,
                &mut best_model,
            )?;
            if self.observer.on_epoch_end(&summary) == ControlFlow::Break(()) && stop.is_none() {
                stop = Some(StopReason::Interrupted);
            }
        }
        writer.finish(&mut state)?;
        let stop = stop.unwrap_or(StopReason::Interrupted);
        self.finish(state, best_model, model, stop, &eval_device)
    }

    /// Writes the epoch's checkpoint (when there is a checkpoint folder) and keeps a new best
    /// model: in the checkpoint folder, which keeps one copy of the weights out of memory and is
    /// read back at the end, or else in `best_model`.
    fn save_epoch(
        &self,
        writer: &mut checkpoint::CheckpointWriter,
        state: &mut CheckpointState,
        model: &SerModel,
        optimizer: &ModuleOptimizer,
        new_best: Option<SerModel>,
        best_model: &mut Option<SerModel>,
    ) -> Result<(), TrainingError> {
        match &self.checkpoint_dir {
            Some(dir) => {
                // Without detached kernels nothing was averaged after the snapshot: the best
                // model is the model being saved.
                let averaged = model
                    .mts_layers()
                    .iter()
                    .any(|layer| layer.sharing() == KernelSharing::Detached);
                let best = match new_best {
                    None => NewBest::Unchanged,
                    Some(_) if !averaged => NewBest::TheModel,
                    Some(best) => NewBest::Snapshot(Box::new(best)),
                };
                writer.write(dir, state, model, optimizer, best)
            }
            None => {
                if new_best.is_some() {
                    *best_model = new_best;
                }
                Ok(())
            }
        }
    }

    /// The model, checkpoint state and optimizer to start from: the checkpoint folder's, when
    /// it holds a checkpoint of this run, else fresh ones.
    fn start(
        &self,
        model_config: &SerModelConfig,
        split_sizes: [usize; 2],
        train_device: &Device,
    ) -> Result<(SerModel, CheckpointState, ModuleOptimizer), TrainingError> {
        let optimizer = self.optimizer();
        let resumed = match &self.checkpoint_dir {
            Some(dir) => checkpoint::read(dir)?.map(|state| (dir, state)),
            None => None,
        };
        if let Some((dir, state)) = resumed {
            state.check_matches(
                dir,
                model_config,
                &self.config,
                &self.augmentation,
                split_sizes,
            )?;
            let model = checkpoint::load_model(dir, &state, train_device)?;
            let optimizer = checkpoint::load_optimizer(dir, &state, optimizer)?;
            // The best model stays in the checkpoint folder until training ends.
            return Ok((model, state, optimizer));
        }
        let model = model_config.try_init(train_device)?;
        let state = CheckpointState::fresh(
            model_config.clone(),
            self.config.clone(),
            self.augmentation.clone(),
            split_sizes,
        );
        Ok((model, state, optimizer))
    }

    /// One epoch of shuffled mini-batches; returns the model and the summed training loss and
    /// correct count. The shuffle, the device's random stream and the augmentation depend only
    /// on (seed, epoch).
    fn train_epoch(
        &mut self,
        mut model: SerModel,
        optimizer: &mut ModuleOptimizer,
        train: &dyn SpectrogramSet,
        epoch: usize,
        train_device: &Device,
    ) -> (SerModel, f64, usize) {
        train_device.seed(stream_seed(self.config.seed, epoch, Stream::Device));
        let mut order: Vec<usize> = (0..train.len()).collect();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream_seed(
            self.config.seed,
            epoch,
            Stream::Shuffle,
        ));
        order.shuffle(&mut rng);
        let augmented = Augmented {
            set: train,
            augmentation: &self.augmentation,
            seed: self.config.seed,
            epoch,
        };
        let train: &dyn SpectrogramSet = &augmented;
        let num_batches = train.len().div_ceil(self.config.batch_size);
        let loss_fn = CrossEntropyLossConfig::new().init(train_device);
        let (mut loss_sum, mut correct) = (0.0, 0usize);
        for (index, chunk) in order.chunks(self.config.batch_size).enumerate() {
            let (grads, batch_loss, batch_correct) =
                self.batch_gradients(&model, &loss_fn, train, chunk, train_device);
            model = optimizer.step(self.config.learning_rate, model, grads);
            loss_sum += batch_loss;
            correct += batch_correct;
            let mean_loss = batch_loss / chunk.len() as f64;
            self.observer
                .on_batch(epoch, index + 1, num_batches, mean_loss);
        }
        (model, loss_sum, correct)
    }

    /// The gradients of the mean loss over the items `chunk` of `train`, computed in passes of
    /// at most `pass_size` items whose gradients are summed (the same update, less memory);
    /// also the summed loss and the correct count.
    fn batch_gradients(
        &self,
        model: &SerModel,
        loss_fn: &CrossEntropyLoss,
        train: &dyn SpectrogramSet,
        chunk: &[usize],
        device: &Device,
    ) -> (GradientsParams, f64, usize) {
        // One pass: its gradients; several: their sum, collected pass by pass.
        let (mut whole, mut accumulated) = (None, GradientsAccumulator::new());
        let (mut batch_loss, mut correct) = (0.0, 0usize);
        for pass in chunk.chunks(self.config.pass_size()) {
            let (inputs, targets) = batch(train, pass, device);
            let logits = model.forward(inputs);
            let mut loss = loss_fn.forward(logits.clone(), targets);
            batch_loss += loss.clone().into_scalar::<f64>() * pass.len() as f64;
            correct += count_correct(train, pass, logits.detach());
            if pass.len() < chunk.len() {
                // The batch loss is the mean over the batch: weight each pass's mean.
                loss = loss * (pass.len() as f64 / chunk.len() as f64);
            }
            let grads = GradientsParams::from_grads(loss.backward(), model);
            if pass.len() == chunk.len() {
                whole = Some(grads);
            } else {
                accumulated.accumulate(model, grads);
            }
        }
        (
            whole.unwrap_or_else(|| accumulated.grads()),
            batch_loss,
            correct,
        )
    }

    /// Adds an epoch to the state (best epoch, patience count, history) and says whether the
    /// run stops after it: early stopping or the epoch limit.
    fn record_epoch(
        &self,
        state: &mut CheckpointState,
        summary: EpochSummary,
    ) -> Option<StopReason> {
        if summary.improved {
            state.best_epoch = Some(summary.epoch);
            state.best_valid_loss = Some(summary.valid_loss);
            state.epochs_without_improvement = 0;
        } else {
            state.epochs_without_improvement += 1;
        }
        state.epochs_done = summary.epoch;
        let stop = if state.epochs_without_improvement >= self.config.patience {
            Some(StopReason::EarlyStopped)
        } else if summary.epoch >= self.config.max_epochs {
            Some(StopReason::MaxEpochs)
        } else {
            None
        };
        state.history.push(summary);
        state.finished = stop.map(|reason| reason.to_string());
        stop
    }

    /// The outcome: the best model (kept in memory, or read back from the checkpoint folder),
    /// the final one, and the history.
    fn finish(
        &mut self,
        state: CheckpointState,
        best_model: Option<SerModel>,
        model: SerModel,
        stop: StopReason,
        eval_device: &Device,
    ) -> Result<TrainingOutcome, TrainingError> {
        let (best_epoch, best_valid_loss) = state
            .best_epoch
            .zip(state.best_valid_loss)
            .ok_or_else(|| TrainingError::InvalidCheckpoint {
                path: self.state_path(),
                reason: "a finished run without a best epoch".to_string(),
            })?;
        let best_model = match (best_model, &self.checkpoint_dir) {
            (Some(best), _) => Some(best),
            (None, Some(dir)) => checkpoint::load_best(dir, &state, eval_device)?,
            (None, None) => None,
        };
        let best_model = best_model.ok_or_else(|| TrainingError::InvalidCheckpoint {
            path: self.state_path(),
            reason: "no best-model weights".to_string(),
        })?;
        self.observer.on_finish(&format!(
            "{stop} after {} epochs; best validation loss {best_valid_loss:.4} at epoch \
             {best_epoch}",
            state.epochs_done
        ));
        Ok(TrainingOutcome {
            best_model,
            final_model: model.valid(),
            best_epoch,
            best_valid_loss,
            history: state.history,
            stop,
        })
    }

    fn state_path(&self) -> PathBuf {
        self.checkpoint_dir
            .as_deref()
            .unwrap_or(Path::new("."))
            .join(checkpoint::STATE_FILE)
    }

    /// Why a run read from a finished checkpoint had ended.
    fn finished_reason(&self, state: &CheckpointState) -> StopReason {
        if state.epochs_without_improvement >= self.config.patience {
            StopReason::EarlyStopped
        } else {
            StopReason::MaxEpochs
        }
    }
}

/// An epoch's training figures, before validation.
struct EpochTraining {
    epoch: usize,
    /// Started when the epoch's training began.
    clock: CpuClock,
    /// Mean training loss per item.
    mean_loss: f64,
    /// Share of training items classified correctly.
    accuracy: f64,
}

/// An epoch after validation: the model to train on, its summary and, when it improved the
/// validation loss, a snapshot of it.
struct ValidatedEpoch {
    model: SerModel,
    summary: EpochSummary,
    new_best: Option<SerModel>,
}

/// Validates `model` after an epoch, snapshots it when its validation loss beats the best so
/// far, then smooths detached kernels (the published code does that once per epoch, after the
/// evaluation and best-model snapshot: mts-method.md section 1.7).
fn validate_epoch(
    model: SerModel,
    training: EpochTraining,
    evaluator: &Evaluator,
    valid: &dyn SpectrogramSet,
    state: &CheckpointState,
) -> Result<ValidatedEpoch, TrainingError> {
    let validation = evaluator.evaluate_without_usage(&model, valid)?;
    let improved = state
        .best_valid_loss
        .is_none_or(|best| validation.loss < best);
    let new_best = improved.then(|| model.valid());
    let summary = EpochSummary {
        epoch: training.epoch,
        train_loss: training.mean_loss,
        train_accuracy: training.accuracy,
        valid_loss: validation.loss,
        valid_accuracy: validation.segments.summary.accuracy,
        valid_ua: validation.segments.summary.unweighted_average_recall,
        improved,
        seconds: training.clock.wall_seconds(),
        cpu_seconds: training.clock.cpu_seconds(),
    };
    Ok(ValidatedEpoch {
        model: model.average_detached_kernels(),
        summary,
        new_best,
    })
}

/// How many items of `chunk` the `logits` `[batch, classes]` classify correctly.
fn count_correct(data: &dyn SpectrogramSet, chunk: &[usize], logits: burn::Tensor<2>) -> usize {
    let [_, classes] = logits.dims();
    let values = logits
        .into_data()
        .try_to_vec::<f32>()
        .expect("float logits");
    values
        .chunks(classes)
        .zip(chunk)
        .filter(|(row, index)| argmax(row) == data.label(**index))
        .count()
}
