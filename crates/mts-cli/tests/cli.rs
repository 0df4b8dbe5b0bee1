//! The `mts` binary end to end on the built-in synthetic corpus (the real EMODB corpus: in
//! `emodb.rs`): train a model, evaluate it (text, JSON and figures), predict from WAV files; and
//! bad input gives a one-line error, a non-zero exit and no output.

mod common;

use std::path::Path;
use std::process::Output;

use mts_data::{SyntheticConfig, SyntheticCorpus};

use common::{assert_eval_folder, mts, predict_json, text};

#[test]
fn train_eval_predict_on_the_synthetic_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let model_arg = model.to_str().unwrap();
    let output = mts(&[
        "train",
        "--arch",
        "a1",
        "--conv",
        "mts",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--lr",
        "1e-3",
        "--out",
        model_arg,
    ]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "train failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("UA") && stdout.contains("scale usage"),
        "{stdout}"
    );
    assert!(model.join("config.json").is_file() && model.join("model.bpk").is_file());

    let output = mts(&["eval", model_arg, "--json"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "eval failed:\n{stdout}\n{stderr}");
    let evaluation: serde_json::Value = serde_json::from_str(&stdout).expect("eval --json is JSON");
    assert!(evaluation["segments"].is_object(), "{stdout}");
    // By default the evaluation and its figures go into the model folder.
    let eval_dir = model.join("eval-synthetic-fold0");
    assert_eval_folder(&eval_dir, true);

    // Two utterances of the synthetic corpus written as WAV files.
    let corpus = SyntheticCorpus::generate(&SyntheticConfig::default()).unwrap();
    let written = corpus.write_wav_files(dir.path().join("wav")).unwrap();
    let files: Vec<&Path> = written.utterances[..2]
        .iter()
        .map(|u| u.path.as_path())
        .collect();
    assert_eq!(predict_json(&model, &files).len(), 2);
}

/// Checks that `output` is a refusal: exit status 1, no panic, one line on stderr; returns it.
fn assert_one_line_failure(output: &Output) -> String {
    let (stdout, stderr) = text(output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "should fail:\n{stdout}\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one line expected:\n{stderr}"
    );
    stderr.trim().to_string()
}

/// Checks that `output` is a one-line refusal ([`assert_one_line_failure`]) holding each of
/// `words`: what the user must fix.
fn assert_refused(output: &Output, words: &[&str]) {
    let line = assert_one_line_failure(output);
    for word in words {
        assert!(
            line.contains(word),
            "the error should name {word:?}: {line}"
        );
    }
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn bad_input_is_a_one_line_error_naming_it_without_output_files() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    let out = dir.path().join("model");
    let out_arg = out.to_str().unwrap();
    let missing = dir.path().join("no-such-folder");
    let missing_arg = missing.to_str().unwrap();
    let wav = dir.path().join("x.wav");
    let cases: [(&[&str], &[&str]); 4] = [
        // A corpus folder that does not exist.
        (
            &[
                "train",
                "--corpus",
                "emodb",
                "--data-dir",
                missing_arg,
                "--out",
                out_arg,
            ],
            &[missing_arg],
        ),
        // A real corpus without its folder.
        (
            &["train", "--corpus", "tess", "--out", out_arg],
            &["--data-dir", "tess"],
        ),
        // Invalid scales.
        (
            &["train", "--scales", "0,1", "--out", out_arg],
            &["scale #0", "factor of 0", "must be > 0"],
        ),
        // A folder that is not a model.
        (
            &["predict", folder, wav.to_str().unwrap()],
            &[folder, "is not a model folder"],
        ),
    ];
    for (args, words) in cases {
        assert_refused(&mts(args), words);
        // Nothing written: no model folder, no prediction, no temporary file.
        assert!(
            names(dir.path()).is_empty(),
            "{args:?} left {:?}",
            names(dir.path())
        );
    }
}

#[test]
fn unknown_corpus_is_rejected_by_the_parser() {
    let output = mts(&["corpus", "stats", "--corpus", "nope"]);
    let (_, stderr) = text(&output);
    // clap's usage errors exit with 2.
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown corpus 'nope'"), "{stderr}");
}

#[test]
fn the_front_end_is_stored_in_the_model_card_and_followed_by_eval() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let model_arg = model.to_str().unwrap();
    let output = mts(&[
        "train",
        "--arch",
        "a1",
        "--conv",
        "standard",
        "--front-end",
        "log",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--out",
        model_arg,
    ]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "train failed:\n{stdout}\n{stderr}");
    let card = std::fs::read_to_string(model.join("config.json")).unwrap();
    assert!(card.contains("\"log_compression\": true"), "{card}");
    let output = mts(&["eval", model_arg, "--json"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "eval failed:\n{stdout}\n{stderr}");
}

#[test]
fn scales_are_checked_against_the_chosen_architecture_before_any_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    // The corpus folder does not exist: a scale error first proves nothing was loaded.
    let output = mts(&[
        "train",
        "--corpus",
        "emodb",
        "--data-dir",
        "/nonexistent/emodb",
        "--arch",
        "a4",
        "--conv",
        "mts",
        "--scales",
        "0.15,1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_refused(&output, &["0.15"]);
    assert!(!out.exists());
    // The same scales suit A1's 10-frame kernel: the scale check passes and the refusal is about
    // the zero epochs, checked next (before any training).
    let a1 = mts(&[
        "compare", "--archs", "a1", "--scales", "0.15,1", "--epochs", "0",
    ]);
    assert_refused(&a1, &["max_epochs must be at least 1"]);
    let (_, stderr) = text(&a1);
    assert!(!stderr.contains("0.15"), "{stderr}");
}

/// `--augment` is stored in the model card; speed perturbation trains from the features of the
/// audio at each factor (computed alongside the plain ones).
#[test]
fn the_augmentation_is_stored_in_the_model_card() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let output = mts(&[
        "train",
        "--conv",
        "standard",
        "--augment",
        "speed:0.9,1,1.1",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--out",
        model.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "train failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("a1 standard + speed:0.9,1,1.1"), "{stdout}");
    let card = std::fs::read_to_string(model.join("config.json")).unwrap();
    assert!(
        card.contains("\"augmentation\": \"speed:0.9,1,1.1\""),
        "{card}"
    );
}

/// A malformed `--augment` is refused by the parser, naming the value, before anything runs.
#[test]
fn malformed_augmentations_are_refused_naming_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    for bad in [
        "tempo:2-1",
        "tempo:0-1",
        "tempo:abc",
        "speed:",
        "speed:0",
        "pitch:2",
    ] {
        for command in ["train", "compare", "experiment"] {
            let output = mts(&[command, "--augment", bad, "--out", out_arg]);
            let (_, stderr) = text(&output);
            assert!(!output.status.success(), "{command} {bad}");
            assert!(
                stderr.contains(&format!("{bad:?}")),
                "{command} {bad}: {stderr}"
            );
            assert!(!out.exists());
        }
    }
}
