//! The main job: train A1 and A2, standard and MTS, with speaker-independent folds, and print a
//! Table-1-style comparison (UA / WA and scale usage).
//!
//! With no arguments it runs on the built-in synthetic corpus (speakers who differ in speaking
//! rate, pitch and noise; no files needed) with settings that finish in minutes on a 2-core CPU:
//!
//! ```text
//! cargo run --release --example train_ser
//! cargo run --release --example train_ser -- --corpus emodb --data-dir ../shared/data/emodb
//! cargo run --release --example train_ser -- --help
//! ```
//!
//! Every flag of `mts compare` is accepted and overrides the defaults below; pass the paper's
//! settings (`--lr 5e-5 --batch-size 90 --epochs 500 --patience 10`) for a faithful run.

use clap::Parser;
use mts::cli::CliError;
use mts::cli::args::CompareArgs;

/// Train and compare standard vs MTS models (defaults tuned for a quick run).
#[derive(Debug, Parser)]
#[command(name = "train_ser", args_override_self = true)]
struct TrainSer {
    #[command(flatten)]
    compare: CompareArgs,
}

/// Defaults for a run of a few minutes; any of them given again on the command line wins.
const QUICK: [&str; 10] = [
    "--lr",
    "3e-4",
    "--batch-size",
    "32",
    "--epochs",
    "20",
    "--patience",
    "4",
    "--out",
    "results/train_ser",
];

fn main() {
    // SAFETY: the first statement of `main`: no other thread exists yet to read the environment.
    #[allow(unsafe_code)]
    let _default_device = unsafe { mts::models::default_device_to_flex() };
    mts::core::tune_allocator();
    let args = std::iter::once("train_ser".to_string())
        .chain(QUICK.iter().map(|s| s.to_string()))
        .chain(std::env::args().skip(1));
    let TrainSer { compare } = TrainSer::parse_from(args);
    let command = mts::cli::args::Cli {
        command: mts::cli::args::Command::Compare(compare),
    };
    if let Err(error) = mts::cli::run(command) {
        let error: CliError = error;
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
