//! What the benchmarks share: their command line, timing back to back, medians, the allocator.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use burn::tensor::Device;

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
/// Runs `f` once and waits for the device to finish.
pub fn time(device: &Device, f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    device.sync().expect("device sync");
    start.elapsed()
}

/// Median times of a plain layer and its MTS version, measured back to back in each repetition
/// (so load from elsewhere on the machine hits both alike), after one warm-up of each.
pub fn compare(
    device: &Device,
    reps: usize,
    mut conv: impl FnMut(),
    mut mts: impl FnMut(),
) -> (Duration, Duration) {
    // One warm-up of each (allocations, kernel compilation on wgpu).
    time(device, &mut conv);
    time(device, &mut mts);
    let (mut c, mut m) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        c.push(time(device, &mut conv));
        m.push(time(device, &mut mts));
    }
    (median(c), median(m))
}

/// Milliseconds with one decimal, for tables.
pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

/// The allocator the run uses: glibc tuned in-process by `mts::core::tune_allocator` (what the
/// `mts` binary does), or glibc's defaults with `MTS_BENCH_ALLOCATOR=default` (what a Burn
/// user who never calls it gets).
pub fn allocator() -> String {
    if std::env::var("MTS_BENCH_ALLOCATOR").as_deref() == Ok("default") {
        "default".to_string()
    } else {
        match mts::core::tune_allocator() {
            mts::core::AllocatorTuning::Applied => "tuned".to_string(),
            other => format!("{other:?}").to_lowercase(),
        }
    }
}
