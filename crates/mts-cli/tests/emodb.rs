//! The `mts` binary on one short fold of the real EMODB corpus, read from the folder in
//! `MTS_EMODB_DIR`: train, evaluate with figures, predict on real recordings. Reported as ignored,
//! with the reason, when it is unset (a failure under `MTS_REQUIRE_EMODB=1`). No libtest harness:
//! see `mts-test-support`.

mod common;

use std::path::Path;

use common::{assert_eval_folder, mts, predict_json, text};
use mts_test_support::{emodb_tests, run};

fn main() {
    run(emodb_tests![train_eval_predict_on_emodb]);
}

/// One short fold of EMODB: one epoch of A1 MTS, evaluation with figures, prediction on two
/// real recordings.
fn train_eval_predict_on_emodb(emodb: &Path) {
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
