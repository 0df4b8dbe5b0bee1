//! Training: determinism for a seed, resume after an interruption equals an unbroken run, early
//! stopping, the per-epoch checkpoint, and bad inputs.

mod common;

use std::cell::RefCell;
use std::fs;
use std::ops::ControlFlow;
use std::rc::Rc;

use burn::tensor::Device;
use mts_core::{BranchAlignment, KernelSharing, ScaleSet};
use mts_models::{
    Architecture, Augmentation, ConvKind, DataError, EpochSummary, Evaluator, InMemorySet,
    SerModelConfig, SpectrogramSet, StopReason, Trainer, TrainingConfig, TrainingError,
    TrainingObserver,
};

/// A1 with Detached MTS kernels, so the per-epoch kernel averaging is part of the run.
/// The device's random stream (`Device::seed`) is shared by every test of this process: tests
/// that compare runs for determinism must not interleave their draws, so they take this lock.
static DEVICE_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive_device() -> std::sync::MutexGuard<'static, ()> {
    DEVICE_RNG
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn model_config() -> SerModelConfig {
    SerModelConfig::new(Architecture::A1, [24, 12], 3).with_conv(ConvKind::Mts {
        scales: ScaleSet::time(&[0.5, 1.0, 2.0]),
        sharing: KernelSharing::Detached,
        alignment: BranchAlignment::Stretch,
        resampling: mts_core::KernelResampling::Linear,
    })
}

fn training_config(seed: u64) -> TrainingConfig {
    TrainingConfig::new()
        .with_learning_rate(1e-3)
        .with_batch_size(4)
        .with_max_epochs(6)
        .with_patience(100)
        .with_seed(seed)
}

/// Records what the trainer reports and stops after `stop_after` epochs.
#[derive(Default)]
struct Recorder {
    starts: Vec<usize>,
    batches: usize,
    epochs: Vec<EpochSummary>,
    stop_after: Option<usize>,
    finished: Option<String>,
}

struct Shared(Rc<RefCell<Recorder>>);

impl TrainingObserver for Shared {
    fn on_start(&mut self, first_epoch: usize, _max_epochs: usize, _batches: usize) {
        self.0.borrow_mut().starts.push(first_epoch);
    }

    fn on_batch(&mut self, _epoch: usize, _batch: usize, _batches: usize, _loss: f64) {
        self.0.borrow_mut().batches += 1;
    }

    fn on_epoch_end(&mut self, summary: &EpochSummary) -> ControlFlow<()> {
        let mut recorder = self.0.borrow_mut();
        recorder.epochs.push(summary.clone());
        match recorder.stop_after {
            Some(n) if summary.epoch >= n => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        }
    }

    fn on_finish(&mut self, message: &str) {
        self.0.borrow_mut().finished = Some(message.to_string());
    }
}

#[test]
fn resuming_after_an_interruption_equals_an_unbroken_run() {
    let _device = exclusive_device();
    let train = common::noise_set([24, 12], 3, 3, 1);
    let valid = common::noise_set([24, 12], 3, 1, 2);
    let dirs = tempfile::tempdir().unwrap();
    let device = Device::flex();

    let unbroken = Trainer::new(training_config(5), device.clone())
        .with_checkpoint_dir(dirs.path().join("unbroken"))
        .fit(&model_config(), &train, &valid)
        .unwrap();
    assert_eq!(unbroken.stop, StopReason::MaxEpochs);
    assert_eq!(unbroken.history.len(), 6);

    let recorder = Rc::new(RefCell::new(Recorder {
        stop_after: Some(3),
        ..Recorder::default()
    }));
    let interrupted_dir = dirs.path().join("interrupted");
    let interrupted = Trainer::new(training_config(5), device.clone())
        .with_checkpoint_dir(&interrupted_dir)
        .with_observer(Shared(recorder.clone()))
        .fit(&model_config(), &train, &valid)
        .unwrap();
    assert_eq!(interrupted.stop, StopReason::Interrupted);
    assert_eq!(interrupted.history.len(), 3);
    // 9 items in batches of 4: 3 batches per epoch.
    assert_eq!(recorder.borrow().batches, 9);

    recorder.borrow_mut().stop_after = None;
    let resumed = Trainer::new(training_config(5), device.clone())
        .with_checkpoint_dir(&interrupted_dir)
        .with_observer(Shared(recorder.clone()))
        .fit(&model_config(), &train, &valid)
        .unwrap();
    assert_eq!(recorder.borrow().starts, vec![1, 4]);
    assert_eq!(resumed.stop, StopReason::MaxEpochs);
    assert_eq!(resumed.history.len(), 6);
    assert_eq!(resumed.best_epoch, unbroken.best_epoch);
    assert_eq!(resumed.best_valid_loss, unbroken.best_valid_loss);
    assert_eq!(
        common::parameters(&resumed.final_model),
        common::parameters(&unbroken.final_model)
    );
    assert_eq!(
        common::parameters(&resumed.best_model),
        common::parameters(&unbroken.best_model)
    );
    let losses =
        |history: &[EpochSummary]| -> Vec<f64> { history.iter().map(|e| e.valid_loss).collect() };
    assert_eq!(losses(&resumed.history), losses(&unbroken.history));
    // Every epoch records the CPU time it used, and the resumed run keeps the first run's.
    #[cfg(unix)]
    for epoch in &resumed.history {
        let cpu = epoch.cpu_seconds.expect("a process CPU clock on unix");
        assert!(cpu > 0.0, "epoch {}: {cpu} CPU seconds", epoch.epoch);
    }
    assert_eq!(resumed.history[..3], interrupted.history[..]);

    // A finished run's checkpoint answers at once with the same result.
    let again = Trainer::new(training_config(5), device)
        .with_checkpoint_dir(&interrupted_dir)
        .fit(&model_config(), &train, &valid)
        .unwrap();
    assert_eq!(again.history.len(), 6);
    assert_eq!(
        common::parameters(&again.final_model),
        common::parameters(&unbroken.final_model)
    );

    // The checkpoint folder holds the state and exactly one file of each kind.
    let mut files: Vec<String> = fs::read_dir(&interrupted_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let best = format!("best-{:04}.bpk", unbroken.best_epoch);
    assert_eq!(
        files,
        vec![
            best.as_str(),
            "model-0006.bpk",
            "optimizer-0006.bpk",
            "state.json"
        ]
    );
}

#[test]
fn runs_are_deterministic_for_a_seed() {
    let _device = exclusive_device();
    let train = common::noise_set([24, 12], 3, 2, 1);
    let valid = common::noise_set([24, 12], 3, 1, 2);
    let run = |seed| {
        Trainer::new(training_config(seed).with_max_epochs(3), Device::flex())
            .fit(&model_config(), &train, &valid)
            .unwrap()
    };
    let (a, b, c) = (run(9), run(9), run(10));
    assert_eq!(
        common::parameters(&a.final_model),
        common::parameters(&b.final_model)
    );
    assert_ne!(
        common::parameters(&a.final_model),
        common::parameters(&c.final_model)
    );
}

/// Tempo augmentation changes what the model trains on, deterministically, and never what it
/// is validated on: every epoch's recorded validation loss is the loss of that epoch's model on
/// the plain validation inputs.
#[test]
fn tempo_augments_training_inputs_only() {
    let _device = exclusive_device();
    let train = common::noise_set([24, 12], 3, 2, 1);
    let valid = common::noise_set([24, 12], 3, 1, 2);
    // Standard convolutions: no per-epoch kernel averaging, so the final model is the model of
    // the last epoch's validation.
    let config = SerModelConfig::new(Architecture::A1, [24, 12], 3);
    let tempo: Augmentation = "tempo:0.7-1.428".parse().unwrap();
    let run = |augmentation: &Augmentation| {
        Trainer::new(training_config(5).with_max_epochs(2), Device::flex())
            .with_augmentation(augmentation.clone())
            .fit(&config, &train, &valid)
            .unwrap()
    };
    let (plain, a, b) = (run(&Augmentation::None), run(&tempo), run(&tempo));
    assert_eq!(
        common::parameters(&a.final_model),
        common::parameters(&b.final_model)
    );
    assert_ne!(
        common::parameters(&a.final_model),
        common::parameters(&plain.final_model)
    );
    let plain_valid = Evaluator::new(Device::flex())
        .evaluate(&a.final_model, &valid)
        .unwrap();
    assert_eq!(a.history.last().unwrap().valid_loss, plain_valid.loss);
}

/// A training set with a second variant of every item (as speed perturbation makes).
struct TwoVariants {
    plain: InMemorySet,
    other: InMemorySet,
}

impl SpectrogramSet for TwoVariants {
    fn len(&self) -> usize {
        self.plain.len()
    }
    fn input_size(&self) -> [usize; 2] {
        self.plain.input_size()
    }
    fn features(&self, index: usize) -> std::borrow::Cow<'_, [f32]> {
        self.plain.features(index)
    }
    fn label(&self, index: usize) -> usize {
        self.plain.label(index)
    }
    fn variants(&self) -> usize {
        2
    }
    fn variant_features(&self, index: usize, variant: usize) -> std::borrow::Cow<'_, [f32]> {
        [&self.plain, &self.other][variant].features(index)
    }
}

/// Speed perturbation trains on the variants: with identical variants the run is the
/// unaugmented run bit for bit (its draws use a stream of their own), with different ones it
/// differs; a set without the variants is a typed error.
#[test]
fn speed_draws_among_the_training_variants() {
    let _device = exclusive_device();
    let train = common::noise_set([24, 12], 3, 2, 1);
    let valid = common::noise_set([24, 12], 3, 1, 2);
    let speed: Augmentation = "speed:1,1.1".parse().unwrap();
    let run = |set: &dyn SpectrogramSet, augmentation: &Augmentation| {
        Trainer::new(training_config(6).with_max_epochs(2), Device::flex())
            .with_augmentation(augmentation.clone())
            .fit(&model_config(), set, &valid)
    };
    let plain = run(&train, &Augmentation::None).unwrap();
    let same = TwoVariants {
        plain: train.clone(),
        other: train.clone(),
    };
    let other = TwoVariants {
        plain: train.clone(),
        other: common::noise_set([24, 12], 3, 2, 7),
    };
    let parameters =
        |set: &dyn SpectrogramSet| common::parameters(&run(set, &speed).unwrap().final_model);
    assert_eq!(parameters(&same), common::parameters(&plain.final_model));
    assert_ne!(parameters(&other), common::parameters(&plain.final_model));
    let err = run(&train, &speed).unwrap_err();
    assert!(
        matches!(
            err,
            TrainingError::Data(DataError::Variants {
                found: 1,
                expected: 2,
                ..
            })
        ),
        "{err}"
    );
}

/// Splitting each batch of 4 into passes of 3 + 1 (gradients summed, each pass weighted by its
/// share) gives the full-batch run up to float rounding: same losses, same weights.
#[test]
fn micro_batches_give_the_full_batch_update() {
    let _device = exclusive_device();
    let train = common::noise_set([24, 12], 3, 3, 1);
    let valid = common::noise_set([24, 12], 3, 1, 2);
    let run = |micro: Option<usize>| {
        let config = training_config(4)
            .with_max_epochs(3)
            .with_micro_batch_size(micro);
        Trainer::new(config, Device::flex())
            .fit(&model_config(), &train, &valid)
            .unwrap()
    };
    let (whole, split) = (run(None), run(Some(3)));
    for (a, b) in whole.history.iter().zip(&split.history) {
        assert!((a.train_loss - b.train_loss).abs() < 1e-5, "{a:?} vs {b:?}");
        assert!((a.valid_loss - b.valid_loss).abs() < 1e-5, "{a:?} vs {b:?}");
    }
    let (a, b) = (
        common::parameters(&whole.final_model),
        common::parameters(&split.final_model),
    );
    let largest = a
        .iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(largest < 1e-4, "weights differ by up to {largest}");
    // The comparison can fail: a different batch size trains measurably differently.
    let other = Trainer::new(
        training_config(4).with_max_epochs(3).with_batch_size(3),
        Device::flex(),
    )
    .fit(&model_config(), &train, &valid)
    .unwrap();
    let differs = common::parameters(&other.final_model)
        .iter()
        .flatten()
        .zip(a.iter().flatten())
        .any(|(x, y)| (x - y).abs() > 1e-3);
    assert!(differs, "a different batch size should train differently");
}

#[test]
fn early_stopping_keeps_the_best_validation_loss() {
    let _device = exclusive_device();
    let train = common::noise_set([24, 12], 3, 2, 1);
    // Validation labels disagree with training labels: the better the fit, the worse the loss.
    let valid = common::shifted_labels(&train, 3);
    let config = training_config(3).with_max_epochs(40).with_patience(3);
    let outcome = Trainer::new(config, Device::flex())
        .fit(&model_config(), &train, &valid)
        .unwrap();
    assert_eq!(outcome.stop, StopReason::EarlyStopped);
    assert_eq!(outcome.history.len(), outcome.best_epoch + 3);
    let best = outcome
        .history
        .iter()
        .map(|e| e.valid_loss)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best, outcome.best_valid_loss);
    assert!(outcome.history[outcome.best_epoch - 1].improved);
    // The kept model is the best epoch's, not the last one's.
    assert_ne!(
        common::parameters(&outcome.best_model),
        common::parameters(&outcome.final_model)
    );
}

#[test]
fn bad_inputs_are_typed_errors() {
    let _device = exclusive_device();
    let train = common::noise_set([24, 12], 3, 1, 1);
    let device = Device::flex();
    let fit = |config: TrainingConfig, model: &SerModelConfig, valid: &mts_models::InMemorySet| {
        Trainer::new(config, device.clone()).fit(model, &train, valid)
    };

    let wrong_size = common::noise_set([20, 12], 3, 1, 1);
    let err = fit(training_config(0), &model_config(), &wrong_size).unwrap_err();
    assert!(
        matches!(err, TrainingError::Data(DataError::InputSize { .. })),
        "{err}"
    );

    let two_classes = SerModelConfig::new(Architecture::A1, [24, 12], 2);
    let err = fit(training_config(0), &two_classes, &train).unwrap_err();
    assert!(
        matches!(err, TrainingError::Data(DataError::Label { .. })),
        "{err}"
    );

    let err = fit(
        training_config(0).with_batch_size(0),
        &model_config(),
        &train,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid training settings: batch_size must be at least 1"
    );
    let err = fit(
        training_config(0).with_micro_batch_size(Some(0)),
        &model_config(),
        &train,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid training settings: micro_batch_size must be at least 1"
    );

    // A checkpoint folder of another run is not silently reused.
    let dir = tempfile::tempdir().unwrap();
    Trainer::new(training_config(0).with_max_epochs(1), device.clone())
        .with_checkpoint_dir(dir.path())
        .fit(&model_config(), &train, &train)
        .unwrap();
    let err = Trainer::new(training_config(1).with_max_epochs(1), device.clone())
        .with_checkpoint_dir(dir.path())
        .fit(&model_config(), &train, &train)
        .unwrap_err();
    assert!(
        matches!(err, TrainingError::CheckpointMismatch { .. }),
        "{err}"
    );

    fs::write(dir.path().join("state.json"), b"{}").unwrap();
    let err = Trainer::new(training_config(0).with_max_epochs(1), device)
        .with_checkpoint_dir(dir.path())
        .fit(&model_config(), &train, &train)
        .unwrap_err();
    assert!(
        matches!(err, TrainingError::InvalidCheckpoint { .. }),
        "{err}"
    );
}

/// Each file of a checkpoint, truncated or with one byte flipped, is an error naming that file
/// when the run resumes: never a panic, never a run that goes on from other weights. A
/// checkpoint written before checksums were kept still resumes.
#[test]
fn a_damaged_checkpoint_file_is_an_error_naming_it() {
    let _device = exclusive_device();
    let train = common::noise_set([24, 12], 3, 1, 1);
    let device = Device::flex();
    let config = training_config(0).with_max_epochs(1);
    let fit = |dir: &std::path::Path| {
        Trainer::new(config.clone(), device.clone())
            .with_checkpoint_dir(dir)
            .fit(&model_config(), &train, &train)
    };
    let dirs = tempfile::tempdir().unwrap();
    let good = dirs.path().join("good");
    fit(&good).unwrap();
    let mut files: Vec<String> = fs::read_dir(&good)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "best-0001.bpk",
            "model-0001.bpk",
            "optimizer-0001.bpk",
            "state.json"
        ]
    );
    let copy = |name: &str| {
        let dir = dirs.path().join(name);
        fs::create_dir_all(&dir).unwrap();
        for file in &files {
            fs::copy(good.join(file), dir.join(file)).unwrap();
        }
        dir
    };
    for file in &files {
        for damage in ["truncated", "flipped"] {
            let dir = copy(&format!("{damage}-{file}"));
            let path = dir.join(file);
            let mut bytes = fs::read(&path).unwrap();
            let middle = bytes.len() / 2;
            match damage {
                "truncated" => bytes.truncate(middle),
                _ => bytes[middle] ^= 0xff,
            }
            fs::write(&path, bytes).unwrap();
            let err = fit(&dir).expect_err(&format!("{damage} {file} was used"));
            let message = err.to_string();
            assert!(
                message.starts_with(&path.display().to_string()),
                "{damage} {file}: {message}"
            );
            assert_eq!(message.lines().count(), 1, "{message}");
        }
    }
    // A checkpoint without checksums (written before they were kept) resumes unchecked.
    let old = copy("old");
    let state = old.join("state.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&state).unwrap()).unwrap();
    assert!(json["checksums"].is_object(), "{json}");
    json.as_object_mut().unwrap().remove("checksums");
    fs::write(&state, json.to_string()).unwrap();
    assert_eq!(fit(&old).unwrap().history.len(), 1);
}
