//! The `mts` binary end to end on the built-in synthetic corpus and on one short fold of the real
//! EMODB corpus (when `MTS_EMODB_DIR` is set): train a model, evaluate it (text, JSON and
//! figures), predict from WAV files; and bad input gives a one-line error, a non-zero exit and no
//! output.

use std::path::Path;
use std::process::{Command, Output};

use mts_data::{SyntheticConfig, SyntheticCorpus};

fn mts(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mts"))
        .args(args)
        .output()
        .expect("the mts binary runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

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

/// Runs `mts predict MODEL FILES --json`, checks it succeeds and that every file's
/// probabilities sum to 1, and returns the `(class, probability)` pairs of each file.
fn predict_json(model: &Path, files: &[impl AsRef<Path>]) -> Vec<Vec<(String, f64)>> {
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
fn assert_eval_folder(dir: &Path, mts: bool) {
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

/// One short fold of EMODB: one epoch of A1 MTS, evaluation with figures, prediction on two
/// real recordings. Skipped with a notice when `MTS_EMODB_DIR` is not set.
#[test]
fn train_eval_predict_on_emodb() {
    let Some(emodb) = std::env::var_os("MTS_EMODB_DIR") else {
        eprintln!("skipped: MTS_EMODB_DIR not set");
        return;
    };
    let emodb = Path::new(&emodb);
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let cache = dir.path().join("cache");
    let data = [
        "--corpus",
        "emodb",
        "--data-dir",
        emodb.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    let mut args = vec!["train", "--arch", "a1", "--conv", "mts", "--epochs", "1"];
    args.extend(["--batch-size", "64", "--lr", "1e-3", "--fold", "1"]);
    args.extend(["--out", model.to_str().unwrap()]);
    args.extend(data);
    let output = mts(&args);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "train failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("training a1 MTS (0.5, 1, 2) on emodb fold 1"),
        "{stdout}"
    );

    let eval_dir = dir.path().join("eval");
    let mut args = vec![
        "eval",
        model.to_str().unwrap(),
        "--out",
        eval_dir.to_str().unwrap(),
    ];
    args.extend(data);
    let output = mts(&args);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "eval failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test split of emodb fold 1"), "{stdout}");
    assert_eval_folder(&eval_dir, true);
    let evaluation: serde_json::Value =
        serde_json::from_slice(&std::fs::read(eval_dir.join("evaluation.json")).unwrap()).unwrap();
    let confusion = &evaluation["segments"]["confusion"];
    let total: u64 = confusion["counts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|c| c.as_u64().unwrap()))
        .sum();
    // Fold 1 tests on the utterances of a quarter of the ten speakers.
    assert!((80..=200).contains(&total), "{total} test utterances");

    let files = ["03a01Fa.wav", "16b10Wb.wav"].map(|f| emodb.join(f));
    for probabilities in predict_json(&model, &files) {
        let classes: Vec<&str> = probabilities.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            classes,
            [
                "anger",
                "boredom",
                "disgust",
                "fear",
                "happiness",
                "sadness",
                "neutral"
            ]
        );
    }
}

fn assert_one_line_failure(output: &Output) {
    let (stdout, stderr) = text(output);
    assert!(!output.status.success(), "should fail:\n{stdout}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one line expected:\n{stderr}"
    );
}

#[test]
fn bad_input_is_a_one_line_error_without_output_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    let out_arg = out.to_str().unwrap();

    // A corpus folder that does not exist.
    let missing = dir.path().join("no-such-folder");
    let output = mts(&[
        "train",
        "--corpus",
        "emodb",
        "--data-dir",
        missing.to_str().unwrap(),
        "--out",
        out_arg,
    ]);
    assert_one_line_failure(&output);
    assert!(!out.exists());

    // A real corpus without its folder.
    assert_one_line_failure(&mts(&["train", "--corpus", "tess", "--out", out_arg]));
    assert!(!out.exists());

    // Invalid scales.
    assert_one_line_failure(&mts(&["train", "--scales", "0,1", "--out", out_arg]));
    assert!(!out.exists());

    // A folder that is not a model.
    assert_one_line_failure(&mts(&["predict", dir.path().to_str().unwrap(), "x.wav"]));
    assert!(!Path::new("x.wav").exists());
}

#[test]
fn unknown_corpus_is_rejected_by_the_parser() {
    let output = mts(&["corpus", "stats", "--corpus", "nope"]);
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
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
    assert_one_line_failure(&output);
    let (_, stderr) = text(&output);
    assert!(stderr.contains("0.15"), "{stderr}");
    assert!(!out.exists());
    // The same scales suit A1's 10-frame kernel.
    let a1 = mts(&[
        "compare", "--archs", "a1", "--scales", "0.15,1", "--epochs", "0",
    ]);
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
