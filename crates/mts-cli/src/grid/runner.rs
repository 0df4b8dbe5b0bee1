//! Runs a grid: checks corpora and folds first, skips finished runs, resumes interrupted ones
//! from their checkpoints, and trains the rest in this process or in `--jobs` child processes.
//! Each run is trained under its folder's lock ([`super::lock`]), so processes sharing an
//! experiment folder never train the same run twice.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use burn::tensor::Device;
use indicatif::ProgressDrawTarget;
use mts_data::{Corpus, CorpusKind};
use mts_models::{ProgressReporter, StopReason, TrainingObserver, save_model};

use super::lock::{holder, try_lock_run};
use super::progress::GridProgress;
use super::record::{ERROR_FILE, RECORD_FILE, RunRecord, runs_dir};
use super::{GridSpec, RunSpec, Shard};
use crate::error::{EXIT_OUT_OF_SPACE, EXIT_RUN_BUSY};
use crate::{CliError, DataSource, DeviceChoice, Experiment, LoadedData, run_experiment};

/// Where and how a grid runs (everything that is not part of the grid itself).
#[derive(Debug, Clone)]
pub struct GridOptions {
    /// The experiment folder: `grid.json`, `runs/<run id>/`, the report.
    pub out: PathBuf,
    /// The folder of each real corpus.
    pub data_dirs: Vec<(CorpusKind, PathBuf)>,
    /// Feature cache folder (default: as for `mts train`).
    pub cache_dir: Option<PathBuf>,
    /// The slice of the grid this process runs.
    pub shard: Shard,
    /// Runs trained at once, each in its own process.
    pub jobs: usize,
    /// Save each run's best model in `runs/<run id>/model`.
    pub keep_models: bool,
    /// The compute device.
    pub device: DeviceChoice,
}

impl GridOptions {
    fn data_dir(&self, corpus: CorpusKind) -> Result<Option<PathBuf>, CliError> {
        if corpus == CorpusKind::Synthetic {
            return Ok(None);
        }
        let found = self.data_dirs.iter().find(|(kind, _)| *kind == corpus);
        match found {
            Some((_, dir)) => Ok(Some(dir.clone())),
            None => Err(CliError::Usage(format!(
                "the grid has the {0} corpus but no --data-dir {0}=PATH",
                corpus.slug()
            ))),
        }
    }

    /// The data of `run`, with the spectrograms of the audio at `speeds` too.
    fn source(&self, run: &RunSpec, speeds: Vec<f64>) -> Result<DataSource, CliError> {
        Ok(DataSource {
            corpus: run.corpus,
            data_dir: self.data_dir(run.corpus)?,
            cache_dir: self.cache_dir.clone(),
            folds: run.folds,
            seed: run.seed,
            fold_scheme: run.fold_scheme,
            progress: false,
            speeds,
        })
    }

    fn run_dir(&self, run: &RunSpec) -> PathBuf {
        runs_dir(&self.out).join(run.id())
    }
}

/// What became of the runs a process set out to train.
#[derive(Debug, Default)]
struct Tally {
    /// Runs that failed here.
    failures: usize,
    /// Runs another process holds (or finished meanwhile): skipped here.
    elsewhere: usize,
}

/// Runs this shard's unfinished runs of `grid` in `options.out`, printing the plan (runs and
/// estimated time) first and one line per finished run. Runs that fail are reported and the
/// others go on; the result is an error naming how many failed. A full disk stops the grid
/// instead (no further run starts; [`CliError::OutOfSpace`]), since every later run would fail
/// the same way. A run another process is training is skipped with a line saying so.
pub fn run_grid(grid: &GridSpec, options: &GridOptions) -> Result<(), CliError> {
    grid.validate()?;
    check_corpora(grid, options)?;
    check_folds(grid, options)?;
    claim_folder(grid, &options.out)?;
    let runs = options.shard.select(&grid.runs());
    let (mut finished, mut todo) = (Vec::new(), Vec::new());
    for run in &runs {
        let dir = options.run_dir(run);
        if dir.join(RECORD_FILE).is_file() {
            finished.push(RunRecord::read(&dir)?);
        } else {
            todo.push(run.clone());
        }
    }
    let mut progress = GridProgress::new(runs.len(), finished, options.jobs);
    if std::io::stdout().is_terminal() {
        progress = progress.with_bars(ProgressDrawTarget::stdout());
    }
    let plan = progress.plan(options.shard, &todo);
    progress.print(&plan);
    let tally = if options.jobs <= 1 {
        run_in_process(grid, options, &todo, &mut progress)?
    } else {
        run_in_children(options, &todo, &mut progress)?
    };
    if tally.failures > 0 {
        return Err(CliError::Usage(format!(
            "{} of {} runs failed (see error.txt in their folders); start the same command \
             again to retry them",
            tally.failures,
            todo.len()
        )));
    }
    match tally.elsewhere {
        0 => println!("all {} runs of this shard are done", runs.len()),
        n => println!(
            "{} of the {} runs of this shard were done here or before; {n} belong to other \
             processes sharing {} (skipped here)",
            runs.len() - n,
            runs.len(),
            options.out.display()
        ),
    }
    Ok(())
}

/// Trains the one run of `grid` whose id is `id` in this process (what `--jobs` children do).
pub fn run_single(grid: &GridSpec, options: &GridOptions, id: &str) -> Result<(), CliError> {
    let run = grid
        .runs()
        .into_iter()
        .find(|run| run.id() == id)
        .ok_or_else(|| CliError::Usage(format!("the grid has no run {id}")))?;
    let dir = options.run_dir(&run);
    let Some(_lock) = try_lock_run(&dir)? else {
        return Err(CliError::RunBusy {
            run: run.id(),
            holder: holder(&dir),
        });
    };
    if dir.join(RECORD_FILE).is_file() {
        println!("{id}: finished by another process");
        return Ok(());
    }
    let device = options.device.device()?;
    let data = options
        .source(&run, run.augmentation.extra_speeds())?
        .load(&run.front_end.config())?;
    let record = train_run(
        grid,
        options,
        &run,
        &data,
        &device,
        ProgressReporter::plain(),
    )?;
    match record {
        Some(_) => Ok(()),
        None => Err(CliError::Usage(format!("run {id} was interrupted"))),
    }
}

/// Every real corpus of the grid must load (folder present, layout recognised) before any
/// training starts, so a typo costs one line, not a night.
fn check_corpora(grid: &GridSpec, options: &GridOptions) -> Result<(), CliError> {
    for &corpus in &grid.corpora {
        if let Some(dir) = options.data_dir(corpus)? {
            Corpus::load(corpus, &dir)?;
        }
    }
    Ok(())
}

/// Every (corpus, fold scheme, folds, seed) of the grid must make its folds before any run
/// starts: a cell that cannot is one line naming the corpus, the scheme and why.
fn check_folds(grid: &GridSpec, options: &GridOptions) -> Result<(), CliError> {
    let mut checked = Vec::new();
    for run in grid.runs() {
        let cell = (run.corpus, run.fold_scheme, run.folds, run.seed);
        if checked.contains(&cell) {
            continue;
        }
        checked.push(cell);
        options
            .source(&run, Vec::new())?
            .check_folds()
            .map_err(|error| {
                CliError::Usage(format!(
                    "{}: {} {} folds (seed {}) cannot be made: {error}",
                    run.corpus.slug(),
                    run.folds,
                    run.fold_scheme,
                    run.seed
                ))
            })?;
    }
    Ok(())
}

/// Writes `grid.json` into a new folder, or checks that an existing folder holds this grid.
fn claim_folder(grid: &GridSpec, out: &Path) -> Result<(), CliError> {
    let path = out.join("grid.json");
    if path.is_file() {
        let existing = read_grid(&path)?;
        if !existing.same_runs(grid) {
            return Err(CliError::Usage(format!(
                "{} holds a different grid: use the same settings (or --grid {}) or another --out",
                out.display(),
                path.display()
            )));
        }
        return Ok(());
    }
    let json = serde_json::to_string_pretty(grid)?;
    std::fs::create_dir_all(out)
        .and_then(|()| mts_models::write_atomically(&path, json.as_bytes()))
        .map_err(|source| CliError::Write { path, source })
}

/// Reads a grid written by `mts experiment` (or by hand).
pub fn read_grid(path: &Path) -> Result<GridSpec, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| CliError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn run_in_process(
    grid: &GridSpec,
    options: &GridOptions,
    todo: &[RunSpec],
    progress: &mut GridProgress,
) -> Result<Tally, CliError> {
    let device = options.device.device()?;
    let mut data: Option<(DataKey, LoadedData)> = None;
    let mut tally = Tally::default();
    for run in todo {
        let dir = options.run_dir(run);
        let Some(_lock) = lock_or_skip(run, &dir, progress)? else {
            tally.elsewhere += 1;
            continue;
        };
        let key = DataKey::of(run);
        if data.as_ref().map(|(loaded, _)| loaded) != Some(&key) {
            drop(data.take()); // free the previous corpus before loading the next
            // The speeds of every augmentation of the grid: runs of one data key share the load.
            let mut source = options.source(run, grid.extra_speeds())?;
            source.progress = true;
            let loaded = progress.suspend(|| source.load(&run.front_end.config()))?;
            data = Some((key, loaded));
        }
        let Some((_, loaded)) = &data else {
            unreachable!("data was loaded above")
        };
        let line = progress.starting(run);
        progress.print(&line);
        let started = Instant::now();
        match train_run(grid, options, run, loaded, &device, progress.run_reporter()) {
            Ok(Some(record)) => {
                let line = progress.finished(run, Some(&record), started);
                progress.print(&line);
            }
            Ok(None) => return Err(CliError::Usage(format!("run {} was interrupted", run.id()))),
            Err(error) => {
                tally.failures += 1;
                record_failure(&dir, &error.to_string());
                let line = progress.finished(run, None, started);
                progress.print(&line);
                if error.is_out_of_space() {
                    return Err(CliError::OutOfSpace {
                        run: run.id(),
                        reason: error.to_string(),
                    });
                }
            }
        }
    }
    Ok(tally)
}

/// The lock of `run` (folder `dir`), or `None` with a line saying why it is skipped: another
/// process trains it, or finished it since this process listed what to do.
fn lock_or_skip(
    run: &RunSpec,
    dir: &Path,
    progress: &mut GridProgress,
) -> Result<Option<super::lock::RunLock>, CliError> {
    let why = match try_lock_run(dir)? {
        None => format!("being trained by {}", holder(dir)),
        Some(_) if dir.join(RECORD_FILE).is_file() => "finished by another process".to_string(),
        Some(lock) => return Ok(Some(lock)),
    };
    let line = progress.skipped(run, &why);
    progress.print(&line);
    Ok(None)
}

/// The data a run needs: runs that share it are next to each other in the grid's order.
#[derive(Debug, Clone, PartialEq)]
struct DataKey(CorpusKind, crate::FrontEnd, u64);

impl DataKey {
    fn of(run: &RunSpec) -> Self {
        Self(run.corpus, run.front_end, run.seed)
    }
}

/// Trains, tests and records one run; `None` when the observer interrupted it (its checkpoint
/// stays for the next start).
fn train_run(
    grid: &GridSpec,
    options: &GridOptions,
    run: &RunSpec,
    data: &LoadedData,
    device: &Device,
    observer: impl TrainingObserver,
) -> Result<Option<RunRecord>, CliError> {
    let dir = options.run_dir(run);
    let checkpoint = dir.join("checkpoint");
    let experiment = Experiment {
        architecture: run.architecture,
        conv: run.conv.clone(),
        training: grid.training_for(run),
        augmentation: run.augmentation.clone(),
        fold: run.fold,
    };
    let result = run_experiment(data, &experiment, device, observer, Some(&checkpoint))?;
    if result.stop == StopReason::Interrupted {
        return Ok(None);
    }
    if options.keep_models {
        save_model(dir.join("model"), &result.model, &result.card)?;
    }
    let record = RunRecord {
        run: run.clone(),
        best_valid_loss: result.best_valid_loss,
        best_epoch: result.best_epoch,
        stop: result.stop,
        test: result.test.segments.summary.clone(),
        test_utterances: result.test.utterances.as_ref().map(|u| u.summary.clone()),
        test_per_speaker: result.test_per_speaker.clone(),
        scale_usage: result.test.scale_usage.clone(),
        seconds: result.history.iter().map(|epoch| epoch.seconds).sum(),
        history: result.history,
    };
    record.write(&dir)?;
    // The record is the run's result; the checkpoint (weights) is not kept.
    let _ = std::fs::remove_dir_all(&checkpoint);
    let _ = std::fs::remove_file(dir.join("error.txt"));
    Ok(Some(record))
}

fn record_failure(dir: &Path, message: &str) {
    eprintln!("error: {message}");
    let _ = std::fs::create_dir_all(dir)
        .and_then(|()| mts_models::write_atomically(&dir.join(ERROR_FILE), message.as_bytes()));
}

/// Trains up to `options.jobs` runs at once, each in a child `mts experiment --only ID` with
/// `cores / jobs` compute threads and its output in `runs/<id>/train.log`.
fn run_in_children(
    options: &GridOptions,
    todo: &[RunSpec],
    progress: &mut GridProgress,
) -> Result<Tally, CliError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = (cores / options.jobs).max(1).to_string();
    let mut queue = todo.iter();
    let mut active: Vec<(RunSpec, Child, Instant)> = Vec::new();
    let mut tally = Tally::default();
    // The first run that found the disk full: no further run starts, the active ones finish.
    let mut out_of_space: Option<String> = None;
    loop {
        while active.len() < options.jobs && out_of_space.is_none() {
            let Some(run) = queue.next() else { break };
            let line = progress.starting(run);
            progress.print(&line);
            let child = spawn_child(options, run, &threads)?;
            active.push((run.clone(), child, Instant::now()));
        }
        if active.is_empty() {
            return match out_of_space {
                Some(run) => Err(CliError::OutOfSpace {
                    reason: format!(
                        "see {}",
                        runs_dir(&options.out)
                            .join(&run)
                            .join("train.log")
                            .display()
                    ),
                    run,
                }),
                None => Ok(tally),
            };
        }
        std::thread::sleep(Duration::from_millis(200));
        let mut index = 0;
        while index < active.len() {
            let exited = active[index]
                .1
                .try_wait()
                .map_err(|source| CliError::Write {
                    path: options.run_dir(&active[index].0),
                    source,
                })?;
            let Some(status) = exited else {
                index += 1;
                continue;
            };
            let (run, _, started) = active.swap_remove(index);
            let dir = options.run_dir(&run);
            if status.code() == Some(EXIT_RUN_BUSY) {
                tally.elsewhere += 1;
                let line = progress.skipped(&run, &format!("being trained by {}", holder(&dir)));
                progress.print(&line);
                continue;
            }
            let record = if status.success() {
                Some(RunRecord::read(&dir)?)
            } else {
                tally.failures += 1;
                let log = dir.join("train.log");
                record_failure(&dir, &format!("{status}; see {}", log.display()));
                if status.code() == Some(EXIT_OUT_OF_SPACE) {
                    out_of_space.get_or_insert(run.id());
                }
                None
            };
            let line = progress.finished(&run, record.as_ref(), started);
            progress.print(&line);
        }
    }
}

fn spawn_child(options: &GridOptions, run: &RunSpec, threads: &str) -> Result<Child, CliError> {
    let dir = options.run_dir(run);
    let log_path = dir.join("train.log");
    let io = |source| CliError::Write {
        path: log_path.clone(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(io)?;
    let program = std::env::current_exe().map_err(io)?;
    let mut command = Command::new(program);
    command
        .arg("experiment")
        .arg("--grid")
        .arg(options.out.join("grid.json"))
        .arg("--out")
        .arg(&options.out)
        .arg("--only")
        .arg(run.id())
        .arg("--device")
        .arg(options.device.name());
    if let Some(cache) = &options.cache_dir {
        command.arg("--cache-dir").arg(cache);
    }
    for (corpus, path) in &options.data_dirs {
        let mut value = std::ffi::OsString::from(format!("{}=", corpus.slug()));
        value.push(path);
        command.arg("--data-dir").arg(value);
    }
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        command.env("RAYON_NUM_THREADS", threads);
    }
    let stderr = log.try_clone().map_err(io)?;
    command
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(stderr)
        .spawn()
        .map_err(io)
}
