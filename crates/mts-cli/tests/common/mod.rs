//! Running the `mts` binary from the integration tests.

use std::process::{Command, Output};

/// Runs `mts ARGS` to the end.
pub fn mts(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mts"))
        .args(args)
        .output()
        .expect("the mts binary runs")
}

/// The stdout of a command that must have succeeded (its output is shown when it did not).
pub fn check(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "mts failed:\n{stdout}\n{stderr}");
    stdout
}
