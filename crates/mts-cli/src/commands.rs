//! What each subcommand does.

use std::path::{Path, PathBuf};

use mts_audio::SpectrogramConfig;
use mts_core::ScaleSet;
use mts_data::{Corpus, CorpusKind, FoldPreparation};
use mts_models::{
    Architecture, ConvKind, Evaluator, ProgressReporter, TrainingConfig, load_model, save_model,
};

use crate::args::{
    Cli, Command, CompareArgs, ConvChoice, CorpusCommand, DataArgs, EvalArgs, ExperimentArgs,
    ExperimentCommand, GridArgs, ModelArgs, PredictArgs, TrainArgs,
};
use crate::grid::{self, GridOptions, GridSpec, Shard};
use crate::plot::{ConfusionPlot, ScaleUsagePlot, write_png_and_svg};
use crate::{
    CliError, Comparison, DataSource, Experiment, FoldScheme, ModelFeatures, csv_table,
    markdown_table, predict_files, run_comparison, run_experiment, write_comparison_figures,
};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Train(args) => train(args),
        Command::Compare(args) => compare(args),
        Command::Eval(args) => eval(args),
        Command::Predict(args) => predict(args),
        Command::Corpus {
            command: CorpusCommand::Stats(args),
        } => corpus_stats(args),
        Command::Features(args) => features(args),
        Command::Experiment(args) => experiment(*args),
    }
}

fn experiment(args: ExperimentArgs) -> Result<(), CliError> {
    if let Some(ExperimentCommand::Report { dir }) = args.command {
        return report(&dir);
    }
    let args = args.grid;
    let out = args
        .out
        .clone()
        .ok_or_else(|| CliError::Usage("mts experiment needs --out DIR".into()))?;
    let grid = match &args.grid {
        Some(path) => grid::read_grid(path)?,
        None => grid_from_flags(&args)?,
    };
    let options = GridOptions {
        out: out.clone(),
        data_dirs: data_dirs(&args.data_dirs, &grid.corpora)?,
        cache_dir: args.cache_dir.clone(),
        shard: args.shard,
        jobs: args.jobs.max(1),
        keep_models: args.keep_models,
        device: args.device,
    };
    if let Some(id) = &args.only {
        return grid::run_single(&grid, &options, id);
    }
    grid::run_grid(&grid, &options)?;
    let (_, missing) = grid::missing_runs(&out)?;
    if args.shard == Shard::ALL && missing.is_empty() {
        report(&out)?;
    } else if args.shard == Shard::ALL {
        // Skipped runs belong to other processes: the last of them to finish writes the report.
        println!(
            "{} runs are still being trained by other processes; the last to finish writes the \
             report (or: mts experiment report {})",
            missing.len(),
            out.display()
        );
    } else {
        println!(
            "when every shard is done: mts experiment report {}",
            out.display()
        );
    }
    Ok(())
}

fn report(dir: &Path) -> Result<(), CliError> {
    let (report, written) = grid::write_report(dir)?;
    println!("\n{}", grid::markdown(&report));
    println!(
        "report of {} runs written to {}:",
        report.runs,
        dir.display()
    );
    for path in written {
        println!("  {}", path.display());
    }
    Ok(())
}

fn grid_from_flags(args: &GridArgs) -> Result<GridSpec, CliError> {
    let quick = !args.paper_training;
    let training = TrainingConfig::new()
        .with_learning_rate(args.lr.unwrap_or(if quick { 3e-4 } else { 5e-5 }))
        .with_batch_size(args.batch_size.unwrap_or(if quick { 32 } else { 90 }))
        .with_micro_batch_size(args.micro_batch)
        .with_max_epochs(args.epochs.unwrap_or(if quick { 20 } else { 500 }))
        .with_patience(args.patience.unwrap_or(if quick { 4 } else { 10 }));
    let grid = GridSpec {
        corpora: args.corpora.clone(),
        front_ends: args.front_ends.clone(),
        architectures: args.architectures.clone(),
        scale_sets: args.scale_sets.iter().map(|s| s.0.clone()).collect(),
        sharings: args.sharings.clone(),
        alignment: args.alignment,
        resampling: args.resampling,
        l2s: args.l2s.clone(),
        seeds: args.seeds.clone(),
        augmentations: args.augmentations.clone(),
        folds: args.folds,
        fold_scheme: args.fold_scheme,
        training,
    };
    grid.validate()?;
    Ok(grid)
}

/// `--data-dir` values: `NAME=PATH` each, or one bare `PATH` when the grid has one real corpus.
fn data_dirs(
    values: &[String],
    corpora: &[CorpusKind],
) -> Result<Vec<(CorpusKind, PathBuf)>, CliError> {
    let real: Vec<CorpusKind> = corpora
        .iter()
        .copied()
        .filter(|c| *c != CorpusKind::Synthetic)
        .collect();
    let mut dirs = Vec::new();
    for value in values {
        let named = value.split_once('=').and_then(|(name, path)| {
            let kind = name.parse::<CorpusKind>().ok()?;
            Some((kind, PathBuf::from(path)))
        });
        match (named, real.as_slice()) {
            (Some(pair), _) => dirs.push(pair),
            (None, [only]) => dirs.push((*only, PathBuf::from(value))),
            (None, _) => {
                return Err(CliError::Usage(format!(
                    "--data-dir {value}: with several corpora, name each folder as NAME=PATH"
                )));
            }
        }
    }
    Ok(dirs)
}

/// The data of the flags, with the defaults of flags not given: the corpus's fold scheme
/// (cross-speaker for TESS), the scheme's fold count and seed 0.
fn source(data: &DataArgs, progress: bool) -> DataSource {
    let fold_scheme = data
        .fold_scheme
        .unwrap_or(FoldScheme::default_for(data.corpus));
    DataSource {
        corpus: data.corpus,
        data_dir: data.data_dir.clone(),
        cache_dir: data.cache_dir.clone(),
        folds: data.folds.unwrap_or(fold_scheme.default_folds()),
        seed: data.seed.unwrap_or(0),
        fold_scheme,
        progress,
        speeds: Vec::new(),
    }
}

/// The data source of `mts train` and `mts compare`: with the speed-perturbed features that
/// `--augment speed:...` trains on.
fn augmented_source(data: &DataArgs, model: &ModelArgs) -> DataSource {
    DataSource {
        speeds: model.augment.extra_speeds(),
        ..source(data, true)
    }
}

/// The data `mts eval` scores a model on: the folds it was trained on (stored in its card)
/// when it is scored on its own corpus, else those of the flags. A flag that contradicts the
/// card is an error naming both values.
fn eval_source(
    data: &DataArgs,
    trained: &ModelFeatures,
    model_dir: &Path,
) -> Result<DataSource, CliError> {
    let mut source = source(data, true);
    let Some(folds) = trained
        .folds
        .filter(|_| trained.corpus == data.corpus.slug())
    else {
        return Ok(source);
    };
    let card = model_dir.join(mts_models::CONFIG_FILE);
    refuse_contradiction("--folds", data.folds, folds.count, &card)?;
    refuse_contradiction("--seed", data.seed, folds.seed, &card)?;
    refuse_contradiction("--fold-scheme", data.fold_scheme, folds.scheme, &card)?;
    (source.folds, source.seed, source.fold_scheme) = (folds.count, folds.seed, folds.scheme);
    Ok(source)
}

fn refuse_contradiction<T: PartialEq + std::fmt::Display>(
    flag: &str,
    given: Option<T>,
    trained: T,
    card: &Path,
) -> Result<(), CliError> {
    match given {
        Some(value) if value != trained => Err(CliError::Usage(format!(
            "{flag} {value} contradicts the model, which was trained with {flag} {trained} \
             (stored in {}); leave {flag} out to use the model's",
            card.display()
        ))),
        _ => Ok(()),
    }
}

/// The MTS convolution of the flags, its scales checked against the MTS kernels of every
/// architecture in `architectures` before any data is loaded.
fn mts_conv(model: &ModelArgs, architectures: &[Architecture]) -> Result<ConvKind, CliError> {
    let scales = ScaleSet::time(&model.scales);
    for architecture in architectures {
        architecture.check_scales(&scales)?;
    }
    Ok(ConvKind::Mts {
        scales,
        sharing: model.sharing,
        alignment: model.alignment,
        resampling: model.resampling,
    })
}

fn training(model: &ModelArgs, seed: u64) -> Result<TrainingConfig, CliError> {
    let config = TrainingConfig::new()
        .with_learning_rate(model.lr)
        .with_weight_decay(model.l2)
        .with_batch_size(model.batch_size)
        .with_micro_batch_size(model.micro_batch)
        .with_max_epochs(model.epochs)
        .with_patience(model.patience)
        .with_seed(seed);
    config
        .validate()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(config)
}

fn refuse_existing_output(out: &Path) -> Result<(), CliError> {
    if out.exists()
        && out
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(CliError::Usage(format!(
            "{} already exists and is not empty: choose another --out",
            out.display()
        )));
    }
    Ok(())
}

fn train(args: TrainArgs) -> Result<(), CliError> {
    let conv = match args.conv {
        ConvChoice::Standard => ConvKind::Standard,
        ConvChoice::Mts => mts_conv(&args.model, &[args.model.arch])?,
    };
    let data_source = augmented_source(&args.data, &args.model);
    let training = training(&args.model, data_source.seed)?;
    refuse_existing_output(&args.out)?;
    let device = args.model.device.device()?;
    let data = data_source.load(&args.model.front_end.config())?;
    let experiment = Experiment {
        architecture: args.model.arch,
        conv,
        training,
        augmentation: args.model.augment.clone(),
        fold: args.fold,
    };
    println!(
        "training {} on {} fold {}",
        experiment.name(),
        data.corpus,
        args.fold
    );
    // Checkpoints keep the best model on disk rather than in memory (one copy of the weights
    // less: 1.1 GB for A2 on EMODB), so a temporary folder is used when none is given.
    let temporary;
    let checkpoint_dir = match &args.checkpoint_dir {
        Some(dir) => dir.clone(),
        None => {
            let parent = match args.out.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            };
            let io = |source| CliError::Write {
                path: parent.clone(),
                source,
            };
            std::fs::create_dir_all(&parent).map_err(io)?;
            temporary = tempfile::Builder::new()
                .prefix(".mts-checkpoints-")
                .tempdir_in(&parent)
                .map_err(io)?;
            temporary.path().to_path_buf()
        }
    };
    let result = run_experiment(
        &data,
        &experiment,
        &device,
        ProgressReporter::auto(),
        Some(&checkpoint_dir),
    )?;
    save_model(&args.out, &result.model, &result.card)?;
    println!("\ntest split of fold {}:\n{}", args.fold, result.test);
    println!("model saved to {}", args.out.display());
    Ok(())
}

fn compare(args: CompareArgs) -> Result<(), CliError> {
    let convs = vec![
        ConvKind::Standard,
        mts_conv(&args.model, &args.architectures)?,
    ];
    let data_source = augmented_source(&args.data, &args.model);
    let training = training(&args.model, data_source.seed)?;
    let device = args.model.device.device()?;
    let data = data_source.load(&args.model.front_end.config())?;
    let comparison = Comparison {
        architectures: args.architectures.clone(),
        convs,
        training,
        augmentation: args.model.augment.clone(),
        folds: (0..data.folds.len()).collect(),
    };
    let rows = run_comparison(&data, &comparison, &device)?;
    let table = markdown_table(&rows);
    println!("\n{table}");
    if let Some(out) = &args.out {
        write_text(out, "results.md", table)?;
        write_text(out, "results.csv", csv_table(&rows))?;
        write_text(out, "results.json", serde_json::to_string_pretty(&rows)?)?;
        write_comparison_figures(&rows, &data.corpus, out)?;
        println!("results and figures written to {}", out.display());
    }
    Ok(())
}

/// Writes `text` to `dir/name` atomically, creating `dir`.
fn write_text(dir: &Path, name: &str, text: String) -> Result<(), CliError> {
    let path = dir.join(name);
    std::fs::create_dir_all(dir)
        .and_then(|()| mts_models::write_atomically(&path, text.as_bytes()))
        .map_err(|source| CliError::Write { path, source })
}

fn eval(args: EvalArgs) -> Result<(), CliError> {
    let device = args.device.device()?;
    let (model, card) = load_model(&args.model_dir, &device)?;
    let (features, _) = ModelFeatures::from_card(&card, &args.model_dir)?;
    let data = eval_source(&args.data, &features, &args.model_dir)?.load(&features.spectrogram)?;
    if data.features.label_map.len() != card.model.num_classes {
        return Err(CliError::Usage(format!(
            "the model has {} classes, the {} corpus has {}",
            card.model.num_classes,
            data.corpus,
            data.features.label_map.len()
        )));
    }
    let fold_index = args.fold.unwrap_or(features.fold);
    let fold = data.fold(fold_index)?;
    let preparation = FoldPreparation {
        length: mts_data::InputLength::Pad(mts_audio::LengthPolicy::FixedFrames(
            features.input_frames,
        )),
        ..FoldPreparation::default()
    };
    let prepared = data.features.fold_data(fold, &preparation)?;
    let names = data.utterance_ids();
    let test = mts_models::SplitSet::new(&prepared.test, model.input_size(), &names);
    let evaluation = Evaluator::new(device)
        .with_class_names(data.class_names())
        .evaluate(&model, &test)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&evaluation)?);
    } else {
        println!(
            "test split of {} fold {fold_index}:\n{evaluation}",
            data.corpus
        );
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let name = format!("eval-{}-fold{fold_index}", data.corpus);
        args.model_dir.join(name)
    });
    let what = format!("{} fold {fold_index}", data.corpus);
    write_evaluation(&out, &evaluation, &card.model.summary(), &what)?;
    if !args.json {
        println!("evaluation and figures written to {}", out.display());
    }
    Ok(())
}

/// Writes an evaluation's JSON, confusion CSV and figures into `out`.
fn write_evaluation(
    out: &Path,
    evaluation: &mts_models::Evaluation,
    model: &str,
    what: &str,
) -> Result<(), CliError> {
    write_text(
        out,
        "evaluation.json",
        serde_json::to_string_pretty(evaluation)?,
    )?;
    let confusion = &evaluation.segments.confusion;
    write_text(out, "confusion.csv", confusion.to_csv())?;
    let title = format!("{model}: test split of {what}");
    write_png_and_svg(
        &ConfusionPlot::new(confusion.clone(), title),
        out,
        "confusion",
    )?;
    let usage: Vec<_> = evaluation
        .scale_usage
        .iter()
        .map(|layer| (layer.layer.clone(), layer.usage.clone()))
        .collect();
    if !usage.is_empty() {
        let plot = ScaleUsagePlot::new(format!("MTS scale usage: {what}"), usage)?;
        write_png_and_svg(&plot, out, "scale_usage")?;
    }
    Ok(())
}

fn predict(args: PredictArgs) -> Result<(), CliError> {
    let device = args.device.device()?;
    let predictions = predict_files(&args.model_dir, &args.files, &device)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&predictions)?);
        return Ok(());
    }
    for prediction in predictions {
        println!("{}: {}", prediction.file, prediction.predicted);
        for (class, p) in &prediction.probabilities {
            println!("  {class:<12} {:>6.1}%", 100.0 * p);
        }
    }
    Ok(())
}

fn corpus_stats(args: DataArgs) -> Result<(), CliError> {
    let source = source(&args, false);
    let corpus = match &source.data_dir {
        Some(dir) => Corpus::load(args.corpus, dir)?,
        None if args.corpus == mts_data::CorpusKind::Synthetic => {
            mts_data::SyntheticCorpus::generate(&mts_data::SyntheticConfig {
                seed: source.seed,
                ..mts_data::SyntheticConfig::default()
            })?
            .corpus()
            .clone()
        }
        None => {
            return Err(CliError::Usage(format!(
                "--data-dir is required for the {} corpus",
                args.corpus.slug()
            )));
        }
    };
    println!("{}", corpus.stats());
    if !corpus.rejected.is_empty() {
        println!("{} file(s) not taken:", corpus.rejected.len());
        for rejected in &corpus.rejected {
            println!("  {rejected}");
        }
    }
    Ok(())
}

fn features(args: DataArgs) -> Result<(), CliError> {
    let source = source(&args, true);
    let data = source.load(&SpectrogramConfig::paper())?;
    println!(
        "Spectrograms of {} utterances: {}; {} failed. Cache folder: {}",
        data.features.utterances.len(),
        data.features.summary,
        data.features.failures.len(),
        source.cache_dir().display()
    );
    for failure in &data.features.failures {
        println!("  {}: {}", failure.utterance.id, failure.error);
    }
    Ok(())
}
