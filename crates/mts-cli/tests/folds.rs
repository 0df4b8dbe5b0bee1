//! Fold schemes end to end: on a generated TESS tree (speakers OAF and YAF) the cross-speaker
//! scheme is the default of `train`, `eval` and `experiment`, and a grid cell whose folds
//! cannot be made is one line before anything starts; `eval` takes the folds from the model
//! card, refuses a flag that contradicts it, and still reads cards written before they were
//! stored; a truncated feature-cache entry is recomputed, and said so.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{check, mts, write_tone};

/// The one line of a failed command's stderr.
fn one_line_error(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

const EMOTIONS: [&str; 7] = ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"];
const WORDS: [&str; 5] = ["back", "bar", "base", "bath", "bean"];

/// A TESS tree: 2 speakers x 7 emotions x 5 words, each file 0.6 s of its own tone.
fn tess_tree(root: &Path) {
    for (s, speaker) in ["OAF", "YAF"].iter().enumerate() {
        for (e, emotion) in EMOTIONS.iter().enumerate() {
            let folder = root.join(format!("{speaker}_{emotion}"));
            std::fs::create_dir_all(&folder).unwrap();
            for (w, word) in WORDS.iter().enumerate() {
                let path = folder.join(format!("{speaker}_{word}_{emotion}.wav"));
                let hz = 120.0 + 60.0 * e as f64 + 7.0 * w as f64 + 3.0 * s as f64;
                write_tone(&path, hz, 9_600, 0.4 * 32767.0);
            }
        }
    }
}

/// A temporary folder with a TESS tree in `tess/` and a feature cache in `cache/`.
struct Tess {
    dir: tempfile::TempDir,
    tree: String,
    cache: String,
}

impl Tess {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        tess_tree(&dir.path().join("tess"));
        let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
        let (tree, cache) = (path("tess"), path("cache"));
        Self { dir, tree, cache }
    }

    /// `--data-dir TREE --cache-dir CACHE`.
    fn dirs(&self) -> [&str; 4] {
        ["--data-dir", &self.tree, "--cache-dir", &self.cache]
    }

    /// `--corpus tess` and [`dirs`](Self::dirs): the data arguments of `train`, `eval` and
    /// `features`.
    fn corpus_args(&self) -> Vec<&str> {
        let mut args = vec!["--corpus", "tess"];
        args.extend(self.dirs());
        args
    }
}

const QUICK: [&str; 6] = ["--epochs", "1", "--batch-size", "16", "--lr", "1e-3"];

#[test]
fn a_tess_grid_runs_cross_speaker_folds_and_refuses_cells_that_cannot_work() {
    let tess = Tess::new();
    let out = tess.dir.path().join("exp");
    let grid = |extra: &[&str]| {
        let mut args = vec!["experiment", "--out", out.to_str().unwrap(), "--corpora"];
        args.push("tess");
        args.extend(tess.dirs());
        args.extend(["--scale-set", "far"]);
        args.extend(QUICK);
        args.extend(extra);
        mts(&args)
    };
    let speaker = one_line_error(&grid(&["--fold-scheme", "speaker", "--folds", "2"]));
    assert!(
        speaker.contains("tess: 2 speaker folds (seed 0) cannot be made: 2 units cannot make"),
        "{speaker}"
    );
    let three = one_line_error(&grid(&["--folds", "3"]));
    assert!(
        three.contains("tess: 3 tess-cross-speaker folds")
            && three.contains("makes 2 folds (one per test speaker), not 3"),
        "{three}"
    );
    assert!(!out.exists(), "nothing started");

    let stdout = check(&grid(&["--folds", "2"]));
    assert!(stdout.contains("4 runs, 0 finished, 4 to do"), "{stdout}");
    let mut tested = Vec::new();
    for fold in 0..2 {
        let id = format!("tess-paper-a1-standard-l2_0-seed0-cross-speaker-fold{fold}");
        let record = out.join("runs").join(id).join("run.json");
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
        let speakers = record["test_per_speaker"].as_array().unwrap();
        assert_eq!(speakers.len(), 1, "{record}");
        assert_eq!(speakers[0]["test"]["items"], 35, "{record}");
        tested.push(speakers[0]["speaker"].as_str().unwrap().to_string());
    }
    assert_eq!(tested, ["YAF", "OAF"], "each fold tests the other speaker");
}

#[test]
fn tess_train_and_eval_use_the_cross_speaker_folds_of_the_card() {
    let tess = Tess::new();
    let model = tess.dir.path().join("model");
    let data = tess.corpus_args();
    let mut args = vec!["train", "--conv", "standard", "--fold", "1"];
    args.extend(["--out", model.to_str().unwrap()]);
    args.extend(&data);
    args.extend(QUICK);
    check(&mts(&args));
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        card["features"]["folds"],
        serde_json::json!({"scheme": "tess-cross-speaker", "count": 2, "seed": 0})
    );
    let eval = |extra: &[&str]| {
        let mut args = vec!["eval", model.to_str().unwrap(), "--json"];
        args.extend(&data);
        args.extend(extra);
        mts(&args)
    };
    let json: serde_json::Value = serde_json::from_str(&check(&eval(&[]))).unwrap();
    assert_eq!(json["segments"]["summary"]["items"], 35, "{json}");
    let refused = one_line_error(&eval(&["--fold-scheme", "speaker"]));
    assert!(
        refused.contains(
            "--fold-scheme speaker contradicts the model, which was trained with --fold-scheme \
             tess-cross-speaker"
        ) && refused.contains(&model.join("config.json").display().to_string()),
        "{refused}"
    );
}

/// The `segments` of `mts eval MODEL --json FLAGS` on the synthetic corpus.
fn eval_segments(model: &Path, flags: &[&str]) -> serde_json::Value {
    let mut args = vec!["eval", model.to_str().unwrap(), "--json"];
    args.extend(flags);
    let json: serde_json::Value = serde_json::from_str(&check(&mts(&args))).unwrap();
    json["segments"].clone()
}

#[test]
fn eval_takes_the_folds_of_the_card_and_reads_cards_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let mut args = vec!["train", "--conv", "standard", "--folds", "2", "--seed", "1"];
    args.extend(["--fold", "1", "--out", model.to_str().unwrap()]);
    args.extend(QUICK);
    check(&mts(&args));
    let stored = eval_segments(&model, &[]);
    let explicit = ["--folds", "2", "--seed", "1", "--fold-scheme", "speaker"];
    assert_eq!(stored, eval_segments(&model, &explicit));
    for (flag, given, trained) in [("--folds", "3", "2"), ("--seed", "0", "1")] {
        let output = mts(&["eval", model.to_str().unwrap(), flag, given]);
        let error = one_line_error(&output);
        let expected = format!(
            "{flag} {given} contradicts the model, which was trained with {flag} {trained}"
        );
        assert!(error.contains(&expected), "{error}");
    }

    // A card written before the folds were stored: eval takes the flags (default or given).
    let old = dir.path().join("old");
    std::fs::create_dir(&old).unwrap();
    for file in ["config.json", "model.bpk"] {
        std::fs::copy(model.join(file), old.join(file)).unwrap();
    }
    let config = old.join("config.json");
    let mut card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let features = card["features"].as_object_mut().unwrap();
    assert!(features.remove("folds").is_some(), "{card}");
    std::fs::write(&config, card.to_string()).unwrap();
    assert_ne!(eval_segments(&old, &[]), stored, "4 folds of seed 0");
    assert_eq!(eval_segments(&old, &explicit), stored);
}

/// The cache entries (`*.spec`) under `dir`, sorted.
fn cache_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap() {
        for entry in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            entries.push(entry.unwrap().path());
        }
    }
    entries.sort();
    entries
}

#[test]
fn a_truncated_feature_cache_entry_is_recomputed_and_said_so() {
    let tess = Tess::new();
    let cache = &tess.cache;
    let mut args = vec!["features"];
    args.extend(tess.corpus_args());
    let run = || mts(&args);
    let first = run();
    check(&first);
    assert!(!String::from_utf8_lossy(&first.stderr).contains("damaged"));
    let entries = cache_entries(Path::new(cache));
    assert_eq!(entries.len(), 70);
    let original = std::fs::read(&entries[3]).unwrap();
    std::fs::write(&entries[3], &original[..original.len() / 2]).unwrap();
    let second = run();
    check(&second);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!(
            "note: 1 damaged feature-cache entries in {cache} were recomputed and replaced"
        )),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&entries[3]).unwrap(),
        original,
        "the same values"
    );
}
