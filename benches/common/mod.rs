//! What the benchmarks share: their command line, and medians.

use std::time::Duration;

/// Benchmark settings from the command line and the environment.
pub struct BenchArgs {
    /// Positional arguments: only cases whose name contains one of them run (all when empty).
    pub filter: Vec<String>,
    /// Timed repetitions per case, `MTS_BENCH_REPS` (default 5).
    pub reps: usize,
}

impl BenchArgs {
    /// Reads the filter from the arguments (flags such as cargo's `--bench` skipped) and the
    /// repetitions from `MTS_BENCH_REPS`.
    pub fn from_env() -> Self {
        let filter = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let reps = std::env::var("MTS_BENCH_REPS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5);
        Self { filter, reps }
    }

    /// Whether the case `name` is selected.
    pub fn selects(&self, name: &str) -> bool {
        self.filter.is_empty() || self.filter.iter().any(|f| name.contains(f.as_str()))
    }
}

/// The median of `v` (the upper one for an even count).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Milliseconds rounded to 0.1, for the JSON line.
pub fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e4).round() / 10.0
}
