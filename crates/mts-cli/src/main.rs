//! `mts`: train, evaluate and compare standard vs multi-time-scale models for speech emotion
//! recognition, and predict emotions from audio files. `mts --help` lists the commands.

use clap::Parser;
use mts_cli::args::Cli;

fn main() {
    // SAFETY: the first statement of `main`: no other thread exists yet to read the environment.
    #[allow(unsafe_code)]
    let _default_device = unsafe { mts_models::default_device_to_flex() };
    mts_core::tune_allocator();
    let cli = Cli::parse();
    if let Err(error) = mts_cli::run(cli) {
        eprintln!("error: {error}");
        std::process::exit(error.exit_code());
    }
}
