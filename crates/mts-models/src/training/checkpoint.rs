//! The per-epoch checkpoint of a training run: `state.json` plus the weights and optimizer
//! files it names.
//!
//! Every file is written under a fresh name (`model-0007.bpk`, ...) through a temporary file and
//! a rename, then `state.json` is replaced atomically, then files it no longer names are
//! deleted. A run killed at any moment therefore leaves a `state.json` whose files are complete.
//! `state.json` keeps a checksum of each file, checked before the file is loaded, so a damaged
//! file is an error naming it, never a silently different run.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::augment::Augmentation;
use crate::ser_model::{SerModel, SerModelConfig};
use crate::training::config::TrainingConfig;
use crate::training::error::TrainingError;
use crate::training::progress::EpochSummary;
use mts_data::atomic;
use xxhash_rust::xxh3::Xxh3;

/// The name of the checkpoint's description file.
pub(crate) const STATE_FILE: &str = "state.json";
const FORMAT: &str = "mts-training-checkpoint";
const FORMAT_VERSION: u32 = 1;

/// Where a run stands after an epoch. The shuffling and dropout random streams of epoch `e` are
/// derived from `(training.seed, e)` alone, so `epochs_done` is the whole random state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CheckpointState {
    pub format: String,
    pub format_version: u32,
    pub model: SerModelConfig,
    pub training: TrainingConfig,
    /// The training augmentation (absent from checkpoints without one).
    #[serde(default, skip_serializing_if = "Augmentation::is_none")]
    pub augmentation: Augmentation,
    /// Sizes of the training and validation splits, to catch a resume on other data.
    pub split_sizes: [usize; 2],
    pub epochs_done: usize,
    pub best_epoch: Option<usize>,
    #[serde(with = "exact::option")]
    pub best_valid_loss: Option<f64>,
    pub epochs_without_improvement: usize,
    #[serde(with = "exact::history")]
    pub history: Vec<EpochSummary>,
    /// Why the run ended, once it has (early stop or the epoch limit).
    pub finished: Option<String>,
    pub model_file: Option<String>,
    pub optimizer_file: Option<String>,
    pub best_file: Option<String>,
    /// XXH3-64 (16 hex digits) of each file named above, by file name. Empty in checkpoints
    /// written before checksums were kept: their files are loaded unchecked.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checksums: BTreeMap<String, String>,
}

impl CheckpointState {
    /// The state of a run that has not trained yet.
    pub fn fresh(
        model: SerModelConfig,
        training: TrainingConfig,
        augmentation: Augmentation,
        split_sizes: [usize; 2],
    ) -> Self {
        Self {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            model,
            training,
            augmentation,
            split_sizes,
            epochs_done: 0,
            best_epoch: None,
            best_valid_loss: None,
            epochs_without_improvement: 0,
            history: Vec::new(),
            finished: None,
            model_file: None,
            optimizer_file: None,
            best_file: None,
            checksums: BTreeMap::new(),
        }
    }

    /// Checks that this checkpoint belongs to a run of `model` and `training` on splits of
    /// `split_sizes`.
    pub fn check_matches(
        &self,
        dir: &Path,
        model: &SerModelConfig,
        training: &TrainingConfig,
        augmentation: &Augmentation,
        split_sizes: [usize; 2],
    ) -> Result<(), TrainingError> {
        let mismatch = |what: String| TrainingError::CheckpointMismatch {
            path: dir.to_path_buf(),
            what,
        };
        if self.model != *model {
            return Err(mismatch(format!(
                "model {} (asked for {})",
                self.model.summary(),
                model.summary()
            )));
        }
        if self.training != *training {
            return Err(mismatch(format!(
                "training settings {} (asked for {})",
                serde_json::to_string(&self.training).unwrap_or_default(),
                serde_json::to_string(training).unwrap_or_default()
            )));
        }
        if self.augmentation != *augmentation {
            return Err(mismatch(format!(
                "augmentation {} (asked for {augmentation})",
                self.augmentation
            )));
        }
        if self.split_sizes != split_sizes {
            return Err(mismatch(format!(
                "splits of {:?} items (asked for {split_sizes:?})",
                self.split_sizes
            )));
        }
        Ok(())
    }
}

/// Floats stored as strings of their shortest exact decimal form, so that a resumed run compares
/// validation losses with exactly the values an unbroken run holds (serde_json's default float
/// parsing may be off by one unit in the last place).
mod exact {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::training::progress::EpochSummary;

    fn text(value: f64) -> String {
        format!("{value:?}")
    }

    fn parse<'de, D: Deserializer<'de>>(text: &str) -> Result<f64, D::Error> {
        text.parse()
            .map_err(|_| D::Error::custom(format!("{text:?} is not a number")))
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            value.map(text).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|t| parse::<D>(&t))
                .transpose()
        }
    }

    /// [`EpochSummary`] with its floats as exact strings.
    #[derive(Serialize, Deserialize)]
    struct StoredEpoch {
        epoch: usize,
        train_loss: String,
        train_accuracy: String,
        valid_loss: String,
        valid_accuracy: String,
        valid_ua: String,
        improved: bool,
        seconds: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpu_seconds: Option<String>,
    }

    pub mod history {
        use super::*;

        pub fn serialize<S: Serializer>(history: &[EpochSummary], s: S) -> Result<S::Ok, S::Error> {
            history
                .iter()
                .map(|e| StoredEpoch {
                    epoch: e.epoch,
                    train_loss: text(e.train_loss),
                    train_accuracy: text(e.train_accuracy),
                    valid_loss: text(e.valid_loss),
                    valid_accuracy: text(e.valid_accuracy),
                    valid_ua: text(e.valid_ua),
                    improved: e.improved,
                    seconds: text(e.seconds),
                    cpu_seconds: e.cpu_seconds.map(text),
                })
                .collect::<Vec<_>>()
                .serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<EpochSummary>, D::Error> {
            Vec::<StoredEpoch>::deserialize(d)?
                .into_iter()
                .map(|e| {
                    Ok(EpochSummary {
                        epoch: e.epoch,
                        train_loss: parse::<D>(&e.train_loss)?,
                        train_accuracy: parse::<D>(&e.train_accuracy)?,
                        valid_loss: parse::<D>(&e.valid_loss)?,
                        valid_accuracy: parse::<D>(&e.valid_accuracy)?,
                        valid_ua: parse::<D>(&e.valid_ua)?,
                        improved: e.improved,
                        seconds: parse::<D>(&e.seconds)?,
                        cpu_seconds: e.cpu_seconds.map(|t| parse::<D>(&t)).transpose()?,
                    })
                })
                .collect()
        }
    }
}

/// Reads the checkpoint in `dir`; `None` when `dir` holds none.
pub(crate) fn read(dir: &Path) -> Result<Option<CheckpointState>, TrainingError> {
    let path = dir.join(STATE_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let invalid = |reason: String| TrainingError::InvalidCheckpoint {
        path: path.clone(),
        reason,
    };
    let text = fs::read_to_string(&path).map_err(|source| TrainingError::Io {
        path: path.clone(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|err| invalid(err.to_string()))?;
    if value.get("format").and_then(|v| v.as_str()) != Some(FORMAT) {
        return Err(invalid(format!("not a {FORMAT} file")));
    }
    let version = value.get("format_version").and_then(|v| v.as_u64());
    if version != Some(u64::from(FORMAT_VERSION)) {
        return Err(invalid(format!(
            "format version {version:?}, this build reads {FORMAT_VERSION}"
        )));
    }
    let state: CheckpointState =
        serde_json::from_value(value).map_err(|err| invalid(err.to_string()))?;
    Ok(Some(state))
}

/// Writes each epoch's checkpoint on a background thread, so that the next epoch trains while
/// the weights (gigabytes for the A-models on EMODB) go to disk. At most one write is in flight:
/// a new one first waits for the previous, and [`finish`](Self::finish) waits for the last.
/// A run killed during a write keeps the previous, complete checkpoint (each file is written
/// under a fresh name, `state.json` last); an error of a background write is returned by the next call.
#[derive(Default)]
pub(crate) struct CheckpointWriter {
    /// The write in flight; it returns the checksums of the files it wrote.
    pending: Option<std::thread::JoinHandle<Result<BTreeMap<String, String>, TrainingError>>>,
}

/// The best model an epoch's checkpoint saves.
pub(crate) enum NewBest {
    /// The epoch did not improve the validation loss: the previous best file stays.
    Unchanged,
    /// The checkpoint's model itself (no detached kernels were averaged after the snapshot): its
    /// file is linked as the best file, not written twice.
    TheModel,
    /// A different model (the snapshot taken before detached kernels were averaged).
    Snapshot(Box<SerModel>),
}

impl CheckpointWriter {
    /// Names this epoch's files in `state` and starts writing them and `state.json`.
    pub(crate) fn write(
        &mut self,
        dir: &Path,
        state: &mut CheckpointState,
        model: &SerModel,
        optimizer: &ModuleOptimizer,
        new_best: NewBest,
    ) -> Result<(), TrainingError> {
        self.finish(state)?;
        name_files(state, !matches!(new_best, NewBest::Unchanged));
        let (dir, state) = (dir.to_path_buf(), state.clone());
        let model = model.clone();
        let optimizer = optimizer.to_record();
        self.pending = Some(std::thread::spawn(move || {
            write_files(
                &dir,
                state,
                |tmp| model.save_file(tmp),
                |tmp| optimizer.save(tmp),
                new_best,
            )
        }));
        Ok(())
    }

    /// Waits for the write in flight, if any, and gives `state` the checksums it wrote.
    pub(crate) fn finish(&mut self, state: &mut CheckpointState) -> Result<(), TrainingError> {
        if let Some(handle) = self.pending.take() {
            state.checksums = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        }
        Ok(())
    }
}

/// Points `state` at this epoch's file names (and at a new best-model file when there is one).
fn name_files(state: &mut CheckpointState, new_best: bool) {
    let epoch = state.epochs_done;
    state.model_file = Some(format!("model-{epoch:04}.bpk"));
    state.optimizer_file = Some(format!("optimizer-{epoch:04}.bpk"));
    if new_best {
        state.best_file = Some(format!("best-{epoch:04}.bpk"));
    }
}

/// Writes the files `state` names and then `state.json` with their checksums; returns the
/// checksums.
fn write_files(
    dir: &Path,
    mut state: CheckpointState,
    save_model: impl FnOnce(&Path) -> Result<(), burn::store::RecordError>,
    save_optimizer: impl FnOnce(&Path) -> Result<(), burn::store::RecordError>,
    new_best: NewBest,
) -> Result<BTreeMap<String, String>, TrainingError> {
    fs::create_dir_all(dir).map_err(|source| TrainingError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let name = |file: &Option<String>| file.clone().expect("named by name_files");
    let (model, optimizer) = (name(&state.model_file), name(&state.optimizer_file));
    let model_sum = save_record(&dir.join(&model), save_model)?;
    let optimizer_sum = save_record(&dir.join(&optimizer), save_optimizer)?;
    let best_sum = match new_best {
        NewBest::Unchanged => None,
        NewBest::TheModel => {
            link_or_copy(&dir.join(&model), &dir.join(name(&state.best_file)))?;
            Some(model_sum.clone())
        }
        NewBest::Snapshot(best) => Some(save_record(&dir.join(name(&state.best_file)), |tmp| {
            best.save_file(tmp)
        })?),
    };
    state.checksums.insert(model, model_sum);
    state.checksums.insert(optimizer, optimizer_sum);
    if let Some(sum) = best_sum {
        state.checksums.insert(name(&state.best_file), sum);
    }
    let named: Vec<String> = named_files(&state).into_iter().map(String::from).collect();
    state.checksums.retain(|file, _| named.contains(file));
    let json =
        serde_json::to_vec_pretty(&state).map_err(|err| TrainingError::InvalidCheckpoint {
            path: dir.join(STATE_FILE),
            reason: err.to_string(),
        })?;
    let state_path = dir.join(STATE_FILE);
    atomic::write_file(&state_path, &json).map_err(|source| TrainingError::Io {
        path: state_path,
        source,
    })?;
    remove_unreferenced(dir, &state);
    Ok(state.checksums)
}

/// The names of the files `state` points at.
fn named_files(state: &CheckpointState) -> Vec<&str> {
    [&state.model_file, &state.optimizer_file, &state.best_file]
        .into_iter()
        .filter_map(|f| f.as_deref())
        .collect()
}

/// The XXH3-64 checksum of the file at `path`, as 16 hex digits.
fn checksum(path: &Path) -> io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Xxh3::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(format!("{:016x}", hasher.digest())),
            Ok(n) => hasher.update(&buffer[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

/// Makes `target` the same file as `source` atomically: a hard link (no second copy of the
/// weights on disk), or a copy where the file system has no hard links.
fn link_or_copy(source: &Path, target: &Path) -> Result<(), TrainingError> {
    atomic::write_file_with(target, |tmp| {
        fs::remove_file(tmp)?;
        fs::hard_link(source, tmp).or_else(|_| fs::copy(source, tmp).map(|_| ()))
    })
    .map_err(|source| TrainingError::Io {
        path: target.to_path_buf(),
        source,
    })
}

/// Writes a burn record to `path` atomically; returns the file's checksum.
fn save_record(
    path: &Path,
    save: impl FnOnce(&Path) -> Result<(), burn::store::RecordError>,
) -> Result<String, TrainingError> {
    let mut sum = String::new();
    atomic::write_file_with(path, |tmp| {
        save(tmp).map_err(|source| TrainingError::Record {
            path: path.to_path_buf(),
            source,
        })?;
        sum = checksum(tmp)?;
        Ok(())
    })
    .map(|()| sum)
    .map_err(|err| match err {
        TrainingError::Io { source, .. } => TrainingError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => other,
    })
}

/// Deletes the `.bpk` files of older checkpoints (best effort: a leftover file is harmless).
fn remove_unreferenced(dir: &Path, state: &CheckpointState) {
    let keep = named_files(state);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = ["model-", "optimizer-", "best-"]
            .iter()
            .any(|p| name.starts_with(p))
            && name.ends_with(".bpk");
        if ours && !keep.contains(&name.as_str()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The path of a file the checkpoint names, checked against its checksum; an error when it
/// names none or the file is damaged.
fn checked_file(
    dir: &Path,
    state: &CheckpointState,
    file: &Option<String>,
    what: &str,
) -> Result<PathBuf, TrainingError> {
    let name = file
        .as_ref()
        .ok_or_else(|| TrainingError::InvalidCheckpoint {
            path: dir.join(STATE_FILE),
            reason: format!("it names no {what} file"),
        })?;
    let path = dir.join(name);
    let Some(expected) = state.checksums.get(name) else {
        return Ok(path);
    };
    let found = checksum(&path).map_err(|source| TrainingError::Io {
        path: path.clone(),
        source,
    })?;
    if found != *expected {
        return Err(TrainingError::InvalidCheckpoint {
            reason: format!(
                "the {what} file is damaged (checksum {found}, {STATE_FILE} recorded \
                 {expected}); delete {} to train this run from the start",
                dir.display()
            ),
            path,
        });
    }
    Ok(path)
}

/// Loads the checkpoint's last weights into a model built from its config on `device`.
pub(crate) fn load_model(
    dir: &Path,
    state: &CheckpointState,
    device: &Device,
) -> Result<SerModel, TrainingError> {
    load_weights(dir, state, &state.model_file, "model", device)
}

/// Loads the checkpoint's best weights (inference mode) onto `device`, if any.
pub(crate) fn load_best(
    dir: &Path,
    state: &CheckpointState,
    device: &Device,
) -> Result<Option<SerModel>, TrainingError> {
    if state.best_file.is_none() {
        return Ok(None);
    }
    Ok(Some(
        load_weights(dir, state, &state.best_file, "best model", device)?.valid(),
    ))
}

fn load_weights(
    dir: &Path,
    state: &CheckpointState,
    file: &Option<String>,
    what: &str,
    device: &Device,
) -> Result<SerModel, TrainingError> {
    let path = checked_file(dir, state, file, what)?;
    state
        .model
        .try_init(device)?
        .try_load_file(&path)
        .map_err(|source| TrainingError::Record { path, source })
}

/// Loads the checkpoint's optimizer state into `optimizer`.
pub(crate) fn load_optimizer(
    dir: &Path,
    state: &CheckpointState,
    optimizer: ModuleOptimizer,
) -> Result<ModuleOptimizer, TrainingError> {
    let path = checked_file(dir, state, &state.optimizer_file, "optimizer")?;
    optimizer
        .load(&path)
        .map_err(|source| TrainingError::Record { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Architecture;

    #[test]
    fn state_round_trips_floats_exactly() {
        let mut state = CheckpointState::fresh(
            SerModelConfig::new(Architecture::A1, [40, 20], 4),
            TrainingConfig::new(),
            Augmentation::None,
            [10, 5],
        );
        // A value serde_json's default parser does not read back exactly.
        let loss = 1.1146411895751953_f64;
        state.best_valid_loss = Some(loss);
        state.history.push(EpochSummary {
            epoch: 1,
            train_loss: 0.1 + 0.2,
            train_accuracy: 1.0 / 3.0,
            valid_loss: loss,
            valid_accuracy: 0.5,
            valid_ua: 2.0 / 3.0,
            improved: true,
            seconds: 0.25,
            cpu_seconds: Some(0.1 + 0.7),
        });
        let json = serde_json::to_string(&state).unwrap();
        let back: CheckpointState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, state);
        // A checkpoint written before epochs recorded their CPU time still reads.
        let old = json.replace(r#","cpu_seconds":"0.7999999999999999""#, "");
        assert_ne!(old, json);
        let back: CheckpointState = serde_json::from_str(&old).unwrap();
        assert_eq!(back.history[0].cpu_seconds, None);
        assert!(
            json.contains(r#""best_valid_loss":"1.1146411895751953""#),
            "{json}"
        );
    }

    #[test]
    fn a_best_model_equal_to_the_model_is_one_file_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let device = burn::tensor::Device::flex();
        let config = SerModelConfig::new(Architecture::A1, [40, 20], 4);
        let model = config.init(&device);
        let optimizer = crate::FusedAdam::new(0.0).init();
        let mut state =
            CheckpointState::fresh(config, TrainingConfig::new(), Augmentation::None, [10, 5]);
        let mut writer = CheckpointWriter::default();
        let mut write_epoch = |state: &mut CheckpointState, epoch, best| {
            state.epochs_done = epoch;
            writer
                .write(dir.path(), state, &model, &optimizer, best)
                .unwrap();
            writer.finish(state).unwrap();
        };
        write_epoch(&mut state, 1, NewBest::TheModel);
        let (model_1, best_1) = (
            dir.path().join(state.model_file.clone().unwrap()),
            dir.path().join(state.best_file.clone().unwrap()),
        );
        assert_ne!(model_1, best_1);
        assert_eq!(fs::read(&model_1).unwrap(), fs::read(&best_1).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let inode = |path: &Path| fs::metadata(path).unwrap().ino();
            assert_eq!(inode(&model_1), inode(&best_1), "a hard link, not a copy");
        }
        // The next epoch does not improve: its model replaces model-0001, the best file stays.
        write_epoch(&mut state, 2, NewBest::Unchanged);
        assert!(!model_1.exists(), "the old model file is removed");
        assert_eq!(dir.path().join(state.best_file.clone().unwrap()), best_1);
        let best = load_best(dir.path(), &state, &device)
            .unwrap()
            .expect("a best model");
        assert_eq!(best.input_size(), [40, 20]);
    }
}
