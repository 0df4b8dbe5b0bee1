//! Command-line arguments of `mts` (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mts_core::{BranchAlignment, KernelResampling, KernelSharing};
use mts_data::CorpusKind;
use mts_models::{Architecture, Augmentation};

use crate::grid::Shard;
use crate::{DeviceChoice, FoldScheme, FrontEnd};

/// Multi-time-scale convolution for speech emotion recognition: train, evaluate and compare
/// standard vs MTS models, and predict emotions from audio files.
#[derive(Debug, Parser)]
#[command(name = "mts", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train one model on one fold and save it to a model folder.
    Train(TrainArgs),
    /// Train standard and MTS models on the same folds and print a comparison table.
    Compare(CompareArgs),
    /// Score a saved model on the test split of a fold.
    Eval(EvalArgs),
    /// Print emotion probabilities for audio files with a saved model.
    Predict(PredictArgs),
    /// Inspect a corpus folder.
    Corpus {
        /// What to show.
        #[command(subcommand)]
        command: CorpusCommand,
    },
    /// Compute the spectrograms of a corpus into the feature cache.
    Features(DataArgs),
    /// Train a grid (corpora x front ends x architectures x standard/MTS x L2 x seeds x folds)
    /// into a folder, resumable and shardable, then report it; `mts experiment report DIR`
    /// reports whatever runs a folder holds.
    Experiment(Box<ExperimentArgs>),
}

/// `mts experiment`.
#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ExperimentArgs {
    /// `report DIR`: write the report of an experiment folder.
    #[command(subcommand)]
    pub command: Option<ExperimentCommand>,
    /// The grid and how to run it.
    #[command(flatten)]
    pub grid: GridArgs,
}

/// `mts experiment report`.
#[derive(Debug, Clone, Subcommand)]
pub enum ExperimentCommand {
    /// Merge every finished run of an experiment folder (e.g. written by the tasks of a
    /// batch-scheduler array) into results.md, results.csv, results.json and figures.
    Report {
        /// The experiment folder (the --out of `mts experiment`).
        dir: PathBuf,
    },
}

/// One MTS scale set on the command line: `near` (0.7,1,1.428), `far` (0.5,1,2), `both`
/// (0.5,0.7,1,1.428,2) or factors such as `0.5,1,2`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleList(pub Vec<f64>);

fn parse_scale_list(s: &str) -> Result<ScaleList, String> {
    crate::grid::parse_scale_set(s).map(ScaleList)
}

/// The grid of `mts experiment` and how to run it.
#[derive(Debug, Clone, Args)]
pub struct GridArgs {
    /// The experiment folder: grid.json, runs/RUN/run.json, the report and figures. Starting
    /// again on the same folder skips finished runs and resumes interrupted ones.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Read the grid from this JSON file (as written to OUT/grid.json) instead of the flags
    /// below.
    #[arg(long)]
    pub grid: Option<PathBuf>,
    /// Corpora, comma-separated: synthetic, emodb, ravdess, tess, iemocap, crema-d, savee.
    #[arg(long, default_value = "synthetic", value_delimiter = ',', value_parser = parse_corpus, conflicts_with = "grid")]
    pub corpora: Vec<CorpusKind>,
    /// Folder of a real corpus as NAME=PATH (repeat per corpus), or PATH with one real corpus.
    #[arg(long = "data-dir")]
    pub data_dirs: Vec<String>,
    /// Feature cache folder [default: $MTS_CACHE_DIR, else ~/.cache/mts].
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Speaker-independent folds per corpus (every fold is run) [default: 4; 2 for TESS
    /// cross-speaker].
    #[arg(long, conflicts_with = "grid")]
    pub folds: Option<usize>,
    /// How speakers are split into folds: speaker (each tested once), published-window (the
    /// published code's rotating 70/20/10 window, to compare with the paper's numbers) or
    /// tess-cross-speaker (train on one TESS speaker, test on the other) [default:
    /// tess-cross-speaker for TESS, speaker for the others].
    #[arg(long, value_enum, conflicts_with = "grid")]
    pub fold_scheme: Option<FoldScheme>,
    /// Architectures, comma-separated.
    #[arg(long = "archs", default_value = "a1", value_delimiter = ',', value_parser = parse_arch, conflicts_with = "grid")]
    pub architectures: Vec<Architecture>,
    /// An MTS scale set (repeat for several): near, far, both, or factors like 0.5,1,2. The
    /// standard convolution is always trained too.
    #[arg(long = "scale-set", default_values = ["near", "far"], value_parser = parse_scale_list, conflicts_with = "grid")]
    pub scale_sets: Vec<ScaleList>,
    /// Kernel-sharing modes of the MTS runs, comma-separated: shared (default layer),
    /// detached (the published code's training, with per-epoch kernel averaging).
    #[arg(long, default_value = "shared", value_delimiter = ',', value_parser = parse_sharing, conflicts_with = "grid")]
    pub sharings: Vec<KernelSharing>,
    /// How MTS branch outputs are aligned: stretch (the paper) or centered.
    #[arg(long, default_value = "stretch", value_parser = parse_alignment, conflicts_with = "grid")]
    pub alignment: BranchAlignment,
    /// How MTS branch kernels are resampled: linear (the paper), cubic or area.
    #[arg(long, default_value = "linear", value_parser = parse_resampling, conflicts_with = "grid")]
    pub resampling: KernelResampling,
    /// Audio front ends, comma-separated: paper, published-code, log.
    #[arg(
        long = "front-ends",
        default_value = "paper",
        value_delimiter = ',',
        value_enum,
        conflicts_with = "grid"
    )]
    pub front_ends: Vec<FrontEnd>,
    /// L2 values, comma-separated (the paper's grid: 0,0.001,0.003,0.01).
    #[arg(
        long,
        default_value = "0",
        value_delimiter = ',',
        conflicts_with = "grid"
    )]
    pub l2s: Vec<f64>,
    /// A training augmentation (repeat for several; each is a grid dimension): none,
    /// tempo:LOW-HIGH (time stretch by a log-uniform factor) or speed:F1,F2,... (speed
    /// perturbation of the audio). Validation and test data are never augmented.
    #[arg(long = "augment", default_values = ["none"], value_parser = parse_augmentation, conflicts_with = "grid")]
    pub augmentations: Vec<Augmentation>,
    /// Seeds, comma-separated; each draws the speaker folds and the initialisation.
    #[arg(
        long,
        default_value = "0",
        value_delimiter = ',',
        conflicts_with = "grid"
    )]
    pub seeds: Vec<u64>,
    /// The paper's training (lr 5e-5, batch 90, at most 500 epochs, patience 10) instead of the
    /// quick defaults (lr 3e-4, batch 32, 20 epochs, patience 4); the flags below override.
    #[arg(long, conflicts_with = "grid")]
    pub paper_training: bool,
    /// Adam learning rate.
    #[arg(long, conflicts_with = "grid")]
    pub lr: Option<f64>,
    /// Batch size.
    #[arg(long, conflicts_with = "grid")]
    pub batch_size: Option<usize>,
    /// Items per forward/backward pass (gradient accumulation; same update, less memory).
    #[arg(long, conflicts_with = "grid")]
    pub micro_batch: Option<usize>,
    /// Maximum epochs.
    #[arg(long, conflicts_with = "grid")]
    pub epochs: Option<usize>,
    /// Early-stopping patience in epochs.
    #[arg(long, conflicts_with = "grid")]
    pub patience: Option<usize>,
    /// Train this many runs at once, each in its own process with cores / jobs threads.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Run only slice K of N of the grid (K/N, from 1): a batch-scheduler array of N tasks
    /// runs the whole grid into one shared --out; then `mts experiment report DIR`.
    #[arg(long, default_value = "1/1")]
    pub shard: Shard,
    /// Also save each run's best model in runs/RUN/model (weights: large).
    #[arg(long)]
    pub keep_models: bool,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
    /// Train only the run with this id (what --jobs starts in each child process).
    #[arg(long, hide = true)]
    pub only: Option<String>,
}

/// `mts corpus ...`.
#[derive(Debug, Subcommand)]
pub enum CorpusCommand {
    /// Utterances per label and speaker, and the files that were not taken.
    Stats(DataArgs),
}

/// Where the data come from.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Corpus: synthetic (built in, no files needed), emodb, ravdess, tess, iemocap, crema-d,
    /// savee.
    #[arg(long, default_value = "synthetic", value_parser = parse_corpus)]
    pub corpus: CorpusKind,
    /// The corpus folder (required for every corpus but synthetic).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Feature cache folder [default: $MTS_CACHE_DIR, else ~/.cache/mts].
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Number of speaker-independent folds: every speaker is tested in exactly one fold, 20 % of
    /// the other speakers validate (for the synthetic corpus, 1 means its own split of 8
    /// training, 2 validation and 2 test speakers) [default: 4; 2 for TESS cross-speaker;
    /// `eval`: the model's].
    #[arg(long)]
    pub folds: Option<usize>,
    /// Seed of the folds, the synthetic corpus and training [default: 0; `eval`: the model's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// How speakers are split into folds: speaker (each tested once), published-window (the
    /// published code's rotating 70/20/10 window) or tess-cross-speaker (train on one TESS
    /// speaker, test on the other) [default: tess-cross-speaker for TESS, speaker for the
    /// others; `eval`: the model's].
    #[arg(long, value_enum)]
    pub fold_scheme: Option<FoldScheme>,
}

/// Convolution variant on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConvChoice {
    /// Plain Conv2d.
    Standard,
    /// Multi-time-scale convolution.
    Mts,
}

/// Model and training settings.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Architecture: a1, a2, a3 or a4 (AlexNet).
    #[arg(long, default_value = "a1", value_parser = parse_arch)]
    pub arch: Architecture,
    /// Time scales of the MTS layers, comma-separated.
    #[arg(long, default_value = "0.5,1,2", value_delimiter = ',')]
    pub scales: Vec<f64>,
    /// How MTS branch kernels share the trainable kernel.
    #[arg(long, default_value = "shared", value_parser = parse_sharing)]
    pub sharing: KernelSharing,
    /// How MTS branch outputs are aligned: stretch (the paper) or centered.
    #[arg(long, default_value = "stretch", value_parser = parse_alignment)]
    pub alignment: BranchAlignment,
    /// How MTS branch kernels are resampled: linear (the paper), cubic, or area (anti-aliased
    /// linear, for shrunk kernels).
    #[arg(long, default_value = "linear", value_parser = parse_resampling)]
    pub resampling: KernelResampling,
    /// Adam learning rate (the paper: 5e-5).
    #[arg(long, default_value_t = 5e-5)]
    pub lr: f64,
    /// Coupled L2 weight decay (the paper's grid: 0, 0.001, 0.003, 0.01).
    #[arg(long, default_value_t = 0.0)]
    pub l2: f64,
    /// Batch size (the paper: 90).
    #[arg(long, default_value_t = 90)]
    pub batch_size: usize,
    /// Items per forward/backward pass: a batch's passes are summed into its one optimizer step,
    /// so the update is the same and activation memory shrinks [default: the batch size].
    #[arg(long)]
    pub micro_batch: Option<usize>,
    /// Maximum number of epochs (the paper: 500).
    #[arg(long, default_value_t = 500)]
    pub epochs: usize,
    /// Stop after this many epochs without a new best validation loss (the paper: 10).
    #[arg(long, default_value_t = 10)]
    pub patience: usize,
    /// Training augmentation: none, tempo:LOW-HIGH (each training input stretched along time by
    /// a factor drawn log-uniformly from [LOW, HIGH] every epoch, then cut or padded back to the
    /// input length) or speed:F1,F2,... (each training input taken, every epoch, from audio
    /// resampled by one of the factors: tempo and pitch together). Validation and test inputs
    /// are never augmented; stored in the model card.
    #[arg(long, default_value = "none", value_parser = parse_augmentation)]
    pub augment: Augmentation,
    /// Audio front end: paper (linear magnitude, 20/10 ms), published-code (1024/512,
    /// |X|^(2/3)) or log (paper framing, ln(1 + |X|)); stored in the model card.
    #[arg(long, value_enum, default_value_t = FrontEnd::Paper)]
    pub front_end: FrontEnd,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
}

/// `mts train`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// The model and training settings.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Standard or MTS convolutions.
    #[arg(long, value_enum, default_value_t = ConvChoice::Mts)]
    pub conv: ConvChoice,
    /// The fold to train on (its test speakers are held out).
    #[arg(long, default_value_t = 0)]
    pub fold: usize,
    /// The model folder to write (config.json + model.bpk).
    #[arg(long)]
    pub out: PathBuf,
    /// Keep per-epoch checkpoints here; an interrupted run started again with the same folder
    /// resumes where it stopped [default: a temporary folder beside --out, removed at the end;
    /// checkpoints keep the best model on disk instead of in memory].
    #[arg(long)]
    pub checkpoint_dir: Option<PathBuf>,
}

/// `mts compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// Model and training settings (scales apply to the MTS variants).
    #[command(flatten)]
    pub model: ModelArgs,
    /// Architectures to compare, comma-separated.
    #[arg(long = "archs", default_value = "a1,a2", value_delimiter = ',', value_parser = parse_arch)]
    pub architectures: Vec<Architecture>,
    /// Write the table (results.md, results.csv, results.json) and figures (ua, scale_usage,
    /// confusion-MODEL, each as .png and .svg) into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `mts eval`.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// The model folder.
    pub model_dir: PathBuf,
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// The fold whose test split is scored [default: the fold the model was trained on].
    #[arg(long)]
    pub fold: Option<usize>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write evaluation.json, confusion.csv, confusion.png/.svg and (MTS models)
    /// scale_usage.png/.svg here [default: MODEL_DIR/eval-CORPUS-foldK].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
}

/// `mts predict`.
#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// The model folder.
    pub model_dir: PathBuf,
    /// Audio files (WAV, AIFF).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
}

fn parse_corpus(s: &str) -> Result<CorpusKind, String> {
    s.parse().map_err(|_| {
        format!("unknown corpus '{s}' (synthetic, emodb, ravdess, tess, iemocap, crema-d, savee)")
    })
}

fn parse_augmentation(s: &str) -> Result<Augmentation, String> {
    s.parse()
        .map_err(|e: mts_models::AugmentationError| e.to_string())
}

fn parse_arch(s: &str) -> Result<Architecture, String> {
    s.parse()
        .map_err(|_| format!("unknown architecture '{s}' (a1, a2, a3, a4)"))
}

fn parse_sharing(s: &str) -> Result<KernelSharing, String> {
    match s.to_ascii_lowercase().as_str() {
        "shared" => Ok(KernelSharing::Shared),
        "detached" => Ok(KernelSharing::Detached),
        _ => Err(format!("unknown sharing '{s}' (shared, detached)")),
    }
}

fn parse_resampling(s: &str) -> Result<KernelResampling, String> {
    match s.to_ascii_lowercase().as_str() {
        "linear" => Ok(KernelResampling::Linear),
        "cubic" => Ok(KernelResampling::Cubic),
        "area" => Ok(KernelResampling::Area),
        _ => Err(format!("unknown resampling '{s}' (linear, cubic, area)")),
    }
}

fn parse_alignment(s: &str) -> Result<BranchAlignment, String> {
    match s.to_ascii_lowercase().as_str() {
        "stretch" => Ok(BranchAlignment::Stretch),
        "centered" | "centred" => Ok(BranchAlignment::Centered),
        _ => Err(format!("unknown alignment '{s}' (stretch, centered)")),
    }
}
