//! Command-line arguments of `mts` (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mts_core::{BranchAlignment, KernelSharing};
use mts_data::CorpusKind;
use mts_models::Architecture;

use crate::DeviceChoice;

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
    /// training, 2 validation and 2 test speakers).
    #[arg(long, default_value_t = 4)]
    pub folds: usize,
    /// Seed of the folds, the synthetic corpus and training.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
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
    /// confusion-<model>, each as .png and .svg) into this folder.
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
    /// scale_usage.png/.svg here [default: MODEL_DIR/eval-<corpus>-fold<k>].
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

fn parse_alignment(s: &str) -> Result<BranchAlignment, String> {
    match s.to_ascii_lowercase().as_str() {
        "stretch" => Ok(BranchAlignment::Stretch),
        "centered" | "centred" => Ok(BranchAlignment::Centered),
        _ => Err(format!("unknown alignment '{s}' (stretch, centered)")),
    }
}
