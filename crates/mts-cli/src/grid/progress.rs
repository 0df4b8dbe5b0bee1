//! Progress over a grid's runs: the plan with a time estimate, one line per run with the
//! estimated time left, and on a terminal a bar over the runs with the current run's training
//! bar below it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use mts_models::{Architecture, ConvKind, ProgressReporter, format_duration};

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
    bars: Option<RunBars>,
}

/// The bar over a shard's runs, in the [`MultiProgress`] that also holds the current run's bar.
#[derive(Debug)]
struct RunBars {
    multi: MultiProgress,
    runs: ProgressBar,
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
            bars: None,
        };
        for record in &finished {
            progress.add_seconds(&record.run, record.seconds);
        }
        progress
    }

    /// Also draws a bar over the runs (finished ones counted) to `target`, e.g.
    /// `ProgressDrawTarget::stdout()` when stdout is a terminal; lines then print above it.
    pub fn with_bars(mut self, target: ProgressDrawTarget) -> Self {
        let multi = MultiProgress::with_draw_target(target);
        let runs = multi.add(ProgressBar::new(self.total as u64));
        runs.set_style(
            ProgressStyle::with_template("runs {pos}/{len} [{bar:30}] {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        runs.set_position(self.done as u64);
        self.bars = Some(RunBars { multi, runs });
        self
    }

    /// Prints `line`: above the bars when they are drawn.
    pub fn print(&self, line: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.multi.println(line);
            }
            None => println!("{line}"),
        }
    }

    /// Runs `work` with the bars hidden (feature extraction draws a bar of its own).
    pub fn suspend<R>(&self, work: impl FnOnce() -> R) -> R {
        match &self.bars {
            Some(bars) => bars.multi.suspend(work),
            None => work(),
        }
    }

    /// The training observer of a run trained in this process: its bar below the runs bar when
    /// bars are drawn, else the terminal-or-lines choice of [`ProgressReporter::auto`].
    pub fn run_reporter(&self) -> ProgressReporter {
        match &self.bars {
            Some(bars) => ProgressReporter::within(&bars.multi),
            None => ProgressReporter::auto(),
        }
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
        if let Some(bars) = &self.bars {
            bars.runs.set_message(run.id());
        }
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

    /// Takes `run` out of the runs left to estimate.
    fn leave(&mut self, run: &RunSpec) {
        if let Some(position) = self.left.iter().position(|key| *key == family(run)) {
            self.left.remove(position);
        }
    }

    /// `skip RUN: WHY` for a run this process leaves to another one; it leaves the estimate.
    pub fn skipped(&mut self, run: &RunSpec, why: &str) -> String {
        self.leave(run);
        format!("skip {}: {why}", run.id())
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
        if let Some(bars) = &self.bars {
            bars.runs.set_position(self.done as u64);
            if self.done == self.total {
                bars.runs.finish_and_clear();
            }
        }
        self.leave(run);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::spec::tiny_grid;

    #[test]
    fn lines_count_runs_and_the_bar_follows_them() {
        let runs = tiny_grid().runs();
        assert_eq!(runs.len(), 4);
        let mut progress =
            GridProgress::new(4, Vec::new(), 1).with_bars(ProgressDrawTarget::hidden());
        let bar = progress
            .bars
            .as_ref()
            .map(|bars| bars.runs.clone())
            .unwrap();
        assert_eq!((bar.position(), bar.length()), (0, Some(4)));
        let plan = progress.plan(Shard::ALL, &runs);
        assert!(
            plan.starts_with("shard 1/1: 4 runs, 0 finished, 4 to do with 1 job(s)"),
            "{plan}"
        );
        for (index, run) in runs.iter().enumerate() {
            let line = progress.starting(run);
            assert!(
                line.starts_with(&format!("[{}/4] start {}", index + 1, run.id())),
                "{line}"
            );
            assert_eq!(bar.message(), run.id());
            let line = progress.finished(run, None, Instant::now());
            assert!(
                line.starts_with(&format!("[{}/4] done {}", index + 1, run.id())),
                "{line}"
            );
            assert!(line.contains("FAILED"), "{line}");
            assert_eq!(bar.position(), index as u64 + 1);
        }
        assert!(bar.is_finished(), "the bar ends with the last run");
    }
}
