//! The runs of an experiment's grid that have no result yet, and why: the report lists them, so
//! a table of a partly finished grid says which cells it lacks.

use std::path::Path;

use serde::Serialize;

use super::record::{ERROR_FILE, RECORD_FILE, runs_dir};
use super::runner::read_grid;
use crate::CliError;

/// A run of the grid without `run.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingRun {
    /// The run id (its folder name).
    pub id: String,
    /// The first line of its `error.txt` when its last attempt failed.
    pub error: Option<String>,
    /// Whether it has a checkpoint, from which the next start resumes it.
    pub checkpoint: bool,
}

impl MissingRun {
    /// `failed: <reason>; resumes from its checkpoint`, `started, not finished: resumes from its
    /// checkpoint`, `not started`.
    pub fn state(&self) -> String {
        let resumes = "resumes from its checkpoint";
        match (&self.error, self.checkpoint) {
            (Some(error), true) => format!("failed: {error}; {resumes}"),
            (Some(error), false) => format!("failed: {error}"),
            (None, true) => format!("started, not finished: {resumes}"),
            (None, false) => "not started".to_string(),
        }
    }
}

/// The number of runs in `experiment/grid.json` and those of them without a `run.json`, in the
/// grid's order; `(0, [])` when the folder has no `grid.json` (a folder assembled from run
/// records alone).
pub fn missing_runs(experiment: &Path) -> Result<(usize, Vec<MissingRun>), CliError> {
    let grid_file = experiment.join("grid.json");
    if !grid_file.is_file() {
        return Ok((0, Vec::new()));
    }
    let runs = runs_dir(experiment);
    let grid_runs = read_grid(&grid_file)?.runs();
    let missing = grid_runs
        .iter()
        .map(|run| (run.id(), runs.join(run.id())))
        .filter(|(_, dir)| !dir.join(RECORD_FILE).is_file())
        .map(|(id, dir)| MissingRun {
            id,
            error: std::fs::read_to_string(dir.join(ERROR_FILE))
                .ok()
                .map(|text| text.lines().next().unwrap_or("").trim().to_string()),
            checkpoint: dir.join("checkpoint").is_dir(),
        })
        .collect();
    Ok((grid_runs.len(), missing))
}

/// The report's section on missing runs, out of `total` runs in the grid.
pub fn missing_markdown(missing: &[MissingRun], total: usize) -> String {
    if missing.is_empty() {
        return "\n## Missing runs\n\nEvery run of the grid has finished.\n".to_string();
    }
    let mut out = format!(
        "\n## Missing runs\n\n{} of the grid's {total} runs have no result yet; the tables above \
         are over the finished ones. Starting the same `mts experiment` command again runs them.\n\n\
         | run | state |\n|---|---|\n",
        missing.len()
    );
    for run in missing {
        out.push_str(&format!(
            "| {} | {} |\n",
            run.id,
            run.state().replace('|', "/")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::spec::tiny_grid;

    #[test]
    fn each_unfinished_run_is_listed_with_why() {
        let grid = tiny_grid();
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            missing_runs(dir.path()).unwrap(),
            (0, Vec::new()),
            "no grid.json"
        );
        std::fs::write(
            dir.path().join("grid.json"),
            serde_json::to_string(&grid).unwrap(),
        )
        .unwrap();
        let ids: Vec<String> = grid.runs().iter().map(|run| run.id()).collect();
        let folder = |id: &str| {
            let path = runs_dir(dir.path()).join(id);
            std::fs::create_dir_all(&path).unwrap();
            path
        };
        std::fs::write(folder(&ids[0]).join(RECORD_FILE), "{}").unwrap();
        std::fs::write(folder(&ids[1]).join(ERROR_FILE), "No space left\nmore").unwrap();
        std::fs::create_dir_all(folder(&ids[1]).join("checkpoint")).unwrap();
        std::fs::create_dir_all(folder(&ids[2]).join("checkpoint")).unwrap();

        let (total, missing) = missing_runs(dir.path()).unwrap();
        assert_eq!(total, 4);
        let states: Vec<(&str, String)> = missing
            .iter()
            .map(|run| (run.id.as_str(), run.state()))
            .collect();
        assert_eq!(
            states,
            [
                (
                    ids[1].as_str(),
                    "failed: No space left; resumes from its checkpoint".to_string()
                ),
                (
                    ids[2].as_str(),
                    "started, not finished: resumes from its checkpoint".to_string()
                ),
                (ids[3].as_str(), "not started".to_string()),
            ]
        );
        let text = missing_markdown(&missing, ids.len());
        assert!(
            text.contains("3 of the grid's 4 runs have no result yet"),
            "{text}"
        );
        assert!(
            text.contains(&format!("| {} | not started |", ids[3])),
            "{text}"
        );
        assert!(missing_markdown(&[], 4).contains("Every run of the grid has finished"));
    }
}
