//! `mts experiment` end to end on the synthetic corpus: a grid split into two shards writes
//! every run, `report` writes every file; a run killed half-way resumes from its checkpoint;
//! a corpus folder that does not fit its layout is a one-line error before any training; two
//! processes on one folder train each run once, and a run another process holds is skipped; a
//! grid with an augmentation dimension runs, resumes and reports each augmentation's pairs.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{check, mts};

/// The tiny grid: A1, standard and MTS (0.5, 1, 2), 2 folds, 2 epochs, one seed: 4 runs.
const GRID: [&str; 10] = [
    "--folds",
    "2",
    "--epochs",
    "2",
    "--scale-set",
    "far",
    "--batch-size",
    "32",
    "--lr",
    "1e-3",
];

fn experiment(out: &Path, extra: &[&str]) -> Output {
    let mut args = GRID.to_vec();
    args.extend(extra);
    experiment_with(out, &args)
}

#[test]
fn two_shards_then_report_write_every_run_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let first = check(&experiment(&out, &["--shard", "1/2"]));
    assert!(
        first.contains("shard 1/2: 2 runs, 0 finished, 2 to do"),
        "{first}"
    );
    assert!(first.contains("mts experiment report"), "{first}");
    let runs = |out: &Path| std::fs::read_dir(out.join("runs")).unwrap().count();
    assert_eq!(runs(&out), 2);
    // A report of the half-finished grid names the runs it lacks.
    check(&mts(&["experiment", "report", out.to_str().unwrap()]));
    let md = std::fs::read_to_string(out.join("results.md")).unwrap();
    assert!(
        md.contains("2 of the grid's 4 runs have no result yet"),
        "{md}"
    );
    assert_eq!(md.matches("| not started |").count(), 2, "{md}");
    check(&experiment(&out, &["--shard", "2/2"]));
    assert_eq!(runs(&out), 4);
    // Everything is done: a full start skips every run and reports.
    let again = check(&experiment(&out, &[]));
    assert!(again.contains("4 runs, 4 finished, 0 to do"), "{again}");
    // A different grid in the same folder is refused.
    let other = mts(&["experiment", "--out", out.to_str().unwrap(), "--folds", "3"]);
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("different grid"));

    let report = check(&mts(&["experiment", "report", out.to_str().unwrap()]));
    assert!(report.contains("report of 4 runs"), "{report}");
    for file in [
        "grid.json",
        "results.md",
        "results.csv",
        "results.json",
        "wa.png",
        "wa.svg",
        "differences.png",
        "differences.svg",
        "scale_usage.png",
        "scale_usage.svg",
        "curves.png",
        "curves.svg",
    ] {
        let path = out.join(file);
        assert!(path.metadata().is_ok_and(|m| m.len() > 0), "{file} missing");
    }
    // Every record scores each test speaker too: their items and correct answers add up to
    // the whole test split's.
    for run in std::fs::read_dir(out.join("runs")).unwrap() {
        let path = run.unwrap().path().join("run.json");
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let speakers = record["test_per_speaker"].as_array().unwrap();
        assert!(!speakers.is_empty(), "{record}");
        let items = |v: &serde_json::Value| v["items"].as_u64().unwrap() as f64;
        let correct = |v: &serde_json::Value| items(v) * v["accuracy"].as_f64().unwrap();
        let test = &record["test"];
        let speaker_items: f64 = speakers.iter().map(|s| items(&s["test"])).sum();
        let speaker_correct: f64 = speakers.iter().map(|s| correct(&s["test"])).sum();
        assert_eq!(speaker_items, items(test), "{record}");
        assert!((speaker_correct - correct(test)).abs() < 1e-6, "{record}");
    }
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
    let md = std::fs::read_to_string(out.join("results.md")).unwrap();
    assert!(md.contains("| synthetic | paper | a1 | 2 |"), "{md}");
    assert!(md.contains("Every run of the grid has finished"), "{md}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let wilcoxon = &json["cells"][0]["test"]["wilcoxon"];
    assert!(wilcoxon["p_value"].as_f64().is_some(), "{json}");
}

#[test]
fn a_killed_run_resumes_from_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let args = [
        "experiment",
        "--out",
        out.to_str().unwrap(),
        "--folds",
        "2",
        "--epochs",
        "6",
        "--patience",
        "6",
        "--scale-set",
        "far",
        "--archs",
        "a1",
        "--batch-size",
        "8",
        "--shard",
        "1/4",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_mts"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let run = out.join("runs/synthetic-paper-a1-standard-l2_0-seed0-fold0");
    let state = run.join("checkpoint/state.json");
    let started = Instant::now();
    let epochs_done = |state: &Path| -> usize {
        let text = std::fs::read_to_string(state).unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        json["epochs_done"].as_u64().unwrap_or(0) as usize
    };
    while epochs_done(&state) < 1 {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "no checkpoint"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !run.join("run.json").exists(),
        "the run finished before it was killed"
    );
    let before: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let done = before["epochs_done"].as_u64().unwrap() as usize;
    assert!((1..6).contains(&done));

    let stdout = check(&mts(&args));
    assert!(stdout.contains("1 runs, 0 finished, 1 to do"), "{stdout}");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).unwrap()).unwrap();
    let history = record["history"].as_array().unwrap();
    assert_eq!(history.len(), 6, "{record}");
    // The epochs before the kill are the checkpoint's, not trained again: training is
    // deterministic, so only their wall-clock seconds tell a re-trained epoch apart.
    let stored = before["history"].as_array().unwrap();
    for (epoch, kept) in history[..done].iter().zip(stored) {
        let seconds = |v: &serde_json::Value| match v {
            serde_json::Value::String(text) => text.parse::<f64>().unwrap(),
            other => other.as_f64().unwrap(),
        };
        assert!(
            (seconds(&epoch["seconds"]) - seconds(&kept["seconds"])).abs() < 1e-6,
            "{epoch} vs {kept}"
        );
    }
    assert!(
        !run.join("checkpoint").exists(),
        "the checkpoint is removed when done"
    );
}

#[test]
fn a_corpus_folder_that_does_not_fit_is_one_line_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let empty = dir.path().join("not-emodb");
    std::fs::create_dir(&empty).unwrap();
    let output = mts(&[
        "experiment",
        "--out",
        out.to_str().unwrap(),
        "--corpora",
        "emodb",
        "--data-dir",
        empty.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("not-emodb"),
        "{stderr}"
    );
    assert!(!out.join("runs").exists(), "nothing was trained");
    let missing = mts(&[
        "experiment",
        "--out",
        out.to_str().unwrap(),
        "--corpora",
        "emodb",
    ]);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("--data-dir emodb=PATH"), "{stderr}");
}

/// An augmentation dimension: every convolution is trained under each augmentation, augmented
/// runs are tagged and record their augmentation, a second start finds nothing to do, and the
/// report pairs standard and MTS within each augmentation (standard + tempo against MTS +
/// tempo, not against plain MTS).
#[test]
fn a_grid_with_an_augmentation_dimension_runs_resumes_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let args = [
        "--folds",
        "1",
        "--epochs",
        "1",
        "--scale-set",
        "far",
        "--batch-size",
        "32",
        "--augment",
        "none",
        "--augment",
        "tempo:0.7-1.428",
        "--augment",
        "speed:0.9,1,1.1",
    ];
    let first = check(&experiment_with(&out, &args));
    assert!(first.contains("6 runs, 0 finished, 6 to do"), "{first}");
    let again = check(&experiment_with(&out, &args));
    assert!(again.contains("6 runs, 6 finished, 0 to do"), "{again}");
    let mut ids: Vec<String> = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "synthetic-paper-a1-mts-0.5-1-2-shared-l2_0-seed0-fold0",
            "synthetic-paper-a1-mts-0.5-1-2-shared-speed0.9-1-1.1-l2_0-seed0-fold0",
            "synthetic-paper-a1-mts-0.5-1-2-shared-tempo0.7-1.428-l2_0-seed0-fold0",
            "synthetic-paper-a1-standard-l2_0-seed0-fold0",
            "synthetic-paper-a1-standard-speed0.9-1-1.1-l2_0-seed0-fold0",
            "synthetic-paper-a1-standard-tempo0.7-1.428-l2_0-seed0-fold0",
        ]
    );
    let record = |id: &str| -> serde_json::Value {
        let path = out.join("runs").join(id).join("run.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let tempo = record(&ids[5]);
    assert_eq!(tempo["run"]["augmentation"], "tempo:0.7-1.428");
    assert!(record(&ids[3])["run"].get("augmentation").is_none());
    let md = std::fs::read_to_string(out.join("results.md")).unwrap();
    for cell in ["a1", "a1 + tempo:0.7-1.428", "a1 + speed:0.9,1,1.1"] {
        assert!(
            md.contains(&format!("| synthetic | paper | {cell} | 1 |")),
            "{md}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["cells"].as_array().unwrap().len(), 3, "{json}");
    assert_eq!(json["overall"].as_array().unwrap().len(), 3, "{json}");
    let grid = std::fs::read_to_string(out.join("grid.json")).unwrap();
    assert!(grid.contains("tempo:0.7-1.428"), "{grid}");
}

/// `mts experiment --out OUT` with `args` (no default grid flags).
fn experiment_with(out: &Path, args: &[&str]) -> Output {
    let mut all = vec!["experiment", "--out", out.to_str().unwrap()];
    all.extend(args);
    mts(&all)
}

/// The run ids a process's output says it trained (`done RUN in ...` lines).
fn trained(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| line.split("] done ").nth(1))
        .map(|rest| rest.split(' ').next().unwrap().to_string())
        .collect()
}

/// Two `mts experiment` processes started together on one folder share the runs (each run is
/// trained by one of them), and the last to finish writes the report of every run.
#[test]
fn two_processes_on_one_folder_train_each_run_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let spawn = || {
        let mut args = vec!["experiment", "--out", out.to_str().unwrap()];
        args.extend(GRID);
        Command::new(env!("CARGO_BIN_EXE_mts"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let first = check(&first.wait_with_output().unwrap());
    let second = check(&second.wait_with_output().unwrap());
    let (mut a, b) = (trained(&first), trained(&second));
    assert!(a.iter().all(|id| !b.contains(id)), "{first}\n{second}");
    a.extend(b);
    a.sort();
    assert_eq!(a.len(), 4, "{first}\n{second}");
    for id in &a {
        assert!(out.join("runs").join(id).join("run.json").is_file(), "{id}");
    }
    let md = std::fs::read_to_string(out.join("results.md")).unwrap();
    assert!(md.contains("Every run of the grid has finished"), "{md}");
}

/// A run whose lock another process holds is skipped, with a line naming that process, by
/// `--jobs` children too; the grid is not reported as complete and the run is not a failure.
#[test]
fn a_run_locked_by_another_process_is_skipped_and_left_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let id = "synthetic-paper-a1-standard-l2_0-seed0-fold1";
    let run = out.join("runs").join(id);
    std::fs::create_dir_all(&run).unwrap();
    let mut lock = std::fs::File::create(run.join("lock")).unwrap();
    lock.try_lock().unwrap();
    let pid = std::process::id();
    writeln!(lock, "{pid}").unwrap();
    let stdout = check(&experiment(&out, &["--jobs", "2"]));
    assert!(
        stdout.contains(&format!("skip {id}: being trained by process {pid}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 of the 4 runs of this shard were done here or before; 1 belong"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 runs are still being trained"),
        "{stdout}"
    );
    assert!(!run.join("run.json").exists() && !run.join("error.txt").exists());
    assert!(
        !out.join("results.md").exists(),
        "the report waits for the last run"
    );

    drop(lock);
    let stdout = check(&experiment(&out, &[]));
    assert_eq!(trained(&stdout), [id], "{stdout}");
    let md = std::fs::read_to_string(out.join("results.md")).unwrap();
    assert!(md.contains("Every run of the grid has finished"), "{md}");
}
