//! `mts`: train, evaluate and compare standard vs multi-time-scale models for speech emotion
//! recognition, and predict emotions from audio files. `mts --help` lists the commands.

use clap::Parser;
use mts_cli::args::Cli;

fn main() {
    mts_cli::reexec_with_process_settings();
    mts_core::tune_allocator();
    let cli = Cli::parse();
    if let Err(error) = mts_cli::run(cli) {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
