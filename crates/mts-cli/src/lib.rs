//! The `mts` command line as a library: data sources, experiments, comparisons, experiment
//! grids with their reports, prediction.
//!
//! The binary (`src/main.rs`) parses [`args::Cli`] and calls [`run`]; the root package's
//! `train_ser` example calls [`run_comparison`] directly. Any command line runs the same way
//! from a program:
//!
//! ```
//! use clap::Parser;
//! use mts_cli::args::Cli;
//!
//! // `mts corpus stats --corpus synthetic`: utterances per label and speaker of the built-in
//! // synthetic corpus (no files needed).
//! let cli = Cli::try_parse_from(["mts", "corpus", "stats", "--corpus", "synthetic"])?;
//! mts_cli::run(cli)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod args;
mod commands;
mod compare;
mod device;
mod error;
mod experiment;
mod front_end;
pub mod grid;
mod model_features;
pub mod plot;
mod predict;
mod source;

pub use commands::run;
pub use compare::{
    Comparison, ComparisonRow, MeanStd, csv_table, file_stem, markdown_table, run_comparison,
    write_comparison_figures,
};
pub use device::DeviceChoice;
pub use error::{CliError, EXIT_OUT_OF_SPACE, EXIT_RUN_BUSY};
pub use experiment::{
    Experiment, ExperimentResult, SpeakerScore, augmentation_suffix, conv_name, run_experiment,
};
pub use front_end::FrontEnd;
pub use model_features::ModelFeatures;
pub use predict::{Prediction, predict_files};
pub use source::{DataSource, FoldScheme, FoldSettings, LoadedData};
