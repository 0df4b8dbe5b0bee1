//! What the `mts` binary's tests share: running it, its output as text, and checks of what
//! `predict` and `eval` give.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Writes `samples` frames of a `hz` tone at 16 kHz, mono 16-bit, with peak `amplitude` (in
/// sample units), to `path`.
pub fn write_tone(path: &Path, hz: f64, samples: u32, amplitude: f64) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..samples {
        let phase = 2.0 * std::f64::consts::PI * hz * f64::from(i) / 16_000.0;
        writer
            .write_sample((amplitude * phase.sin()) as i16)
            .unwrap();
    }
    writer.finalize().unwrap();
}

/// Runs the `mts` binary with `args`.
pub fn mts(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mts"))
        .args(args)
        .output()
        .expect("the mts binary runs")
}

/// Its standard output and standard error as text.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `mts predict MODEL FILES --json`, checks it succeeds and that every file's
/// probabilities sum to 1, and returns the `(class, probability)` pairs of each file.
pub fn predict_json(model: &Path, files: &[impl AsRef<Path>]) -> Vec<Vec<(String, f64)>> {
    let mut args = vec!["predict", model.to_str().unwrap(), "--json"];
    args.extend(files.iter().map(|f| f.as_ref().to_str().unwrap()));
    let output = mts(&args);
    let (stdout, stderr) = text(&output);
    assert!(
        output.status.success(),
        "predict failed:\n{stdout}\n{stderr}"
    );
    let predictions: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let pair = |p: &serde_json::Value| (p[0].as_str().unwrap().to_string(), p[1].as_f64().unwrap());
    let predictions: Vec<Vec<(String, f64)>> = predictions
        .as_array()
        .unwrap()
        .iter()
        .map(|prediction| {
            let pairs = prediction["probabilities"].as_array().unwrap();
            pairs.iter().map(pair).collect()
        })
        .collect();
    for probabilities in &predictions {
        let sum: f64 = probabilities.iter().map(|(_, p)| p).sum();
        assert!((sum - 1.0).abs() < 1e-4, "probabilities sum to {sum}");
    }
    predictions
}

/// `mts eval`'s output folder: JSON, CSV and figures (scale usage only for MTS models).
pub fn assert_eval_folder(dir: &Path, mts: bool) {
    let mut expected = vec![
        "confusion.csv",
        "confusion.png",
        "confusion.svg",
        "evaluation.json",
    ];
    if mts {
        expected.extend(["scale_usage.png", "scale_usage.svg"]);
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, expected);
    let png = std::fs::read(dir.join("confusion.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 1000);
}

/// The stdout of a command that must have succeeded (its output is shown when it did not).
pub fn check(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "mts failed:\n{stdout}\n{stderr}");
    stdout
}
