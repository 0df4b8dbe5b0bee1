//! Progress over a grid's runs: the plan with a time estimate, and one line per run with the
//! estimated time left.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use mts_models::{Architecture, ConvKind, format_duration};

use super::record::RunRecord;
use super::{RunSpec, Shard};
use crate::conv_name;

/// Counts runs and estimates the time left from the seconds of finished runs of the same
/// architecture and convolution family (standard or MTS).
#[derive(Debug)]
pub struct GridProgress {
    total: usize,
    done: usize,
    started: usize,
    jobs: usize,
    seconds: HashMap<(Architecture, bool), (f64, usize)>,
    left: Vec<(Architecture, bool)>,
}

fn family(run: &RunSpec) -> (Architecture, bool) {
    (run.architecture, matches!(run.conv, ConvKind::Mts { .. }))
}

impl GridProgress {
    /// `total` runs in the shard, of which `finished` are done; `jobs` run at once.
    pub fn new(total: usize, finished: Vec<RunRecord>, jobs: usize) -> Self {
        let mut progress = Self {
            total,
            done: finished.len(),
            started: finished.len(),
            jobs: jobs.max(1),
            seconds: HashMap::new(),
            left: Vec::new(),
        };
        for record in &finished {
            progress.add_seconds(&record.run, record.seconds);
        }
        progress
    }

    fn add_seconds(&mut self, run: &RunSpec, seconds: f64) {
        let entry = self.seconds.entry(family(run)).or_insert((0.0, 0));
        entry.0 += seconds;
        entry.1 += 1;
    }

    /// The estimated wall time of the runs left, or what is still unknown.
    fn estimate(&self) -> String {
        let mut total = 0.0;
        let mut unknown = Vec::new();
        for key in &self.left {
            match self.seconds.get(key) {
                Some((sum, n)) => total += sum / *n as f64,
                None => {
                    let name = format!("{} {}", key.0, if key.1 { "MTS" } else { "standard" });
                    if !unknown.contains(&name) {
                        unknown.push(name);
                    }
                }
            }
        }
        let time = format_seconds(total / self.jobs as f64);
        if unknown.is_empty() {
            format!("about {time} left")
        } else {
            format!(
                "{time} known, plus runs of {} (timed when the first one finishes)",
                unknown.join(", ")
            )
        }
    }

    /// `shard 1/1: 36 runs, 12 finished, 24 to do with 1 job(s); about 2h10m left`.
    pub fn plan(&mut self, shard: Shard, todo: &[RunSpec]) -> String {
        self.left = todo.iter().map(family).collect();
        format!(
            "shard {shard}: {} runs, {} finished, {} to do with {} job(s); {}",
            self.total,
            self.done,
            todo.len(),
            self.jobs,
            self.estimate()
        )
    }

    /// `[13/36] start emodb-paper-a1-standard-l2_0-seed1-fold0 (a1 standard, L2 0, seed 1,
    /// fold 0)`, counting started runs.
    pub fn starting(&mut self, run: &RunSpec) -> String {
        self.started += 1;
        format!(
            "[{}/{}] start {} ({} {}, L2 {}, seed {}, fold {})",
            self.started,
            self.total,
            run.id(),
            run.architecture,
            conv_name(&run.conv),
            run.l2,
            run.seed,
            run.fold
        )
    }

    /// One line for a run that ended (`record` is `None` when it failed), counting ended runs,
    /// with the estimated time left.
    pub fn finished(
        &mut self,
        run: &RunSpec,
        record: Option<&RunRecord>,
        started: Instant,
    ) -> String {
        self.done += 1;
        if let Some(position) = self.left.iter().position(|key| *key == family(run)) {
            self.left.remove(position);
        }
        let elapsed = started.elapsed();
        let outcome = match record {
            Some(record) => {
                self.add_seconds(run, elapsed.as_secs_f64());
                format!(
                    "test WA {:.1}% UA {:.1}%, best valid loss {:.4} at epoch {}",
                    100.0 * record.test.accuracy,
                    100.0 * record.test.unweighted_average_recall,
                    record.best_valid_loss,
                    record.best_epoch
                )
            }
            None => "FAILED".to_string(),
        };
        format!(
            "[{}/{}] done {} in {}: {outcome}; {}",
            self.done,
            self.total,
            run.id(),
            format_seconds(elapsed.as_secs_f64()),
            self.estimate()
        )
    }
}

fn format_seconds(seconds: f64) -> String {
    format_duration(Duration::from_secs_f64(seconds.max(0.0)))
}
