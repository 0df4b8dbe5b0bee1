//! How busy the process kept the machine's cores over a span of wall time: the CPU time of all
//! its threads (`CLOCK_PROCESS_CPUTIME_ID`) against the wall clock, so that an epoch can report
//! "181% CPU" (both cores of a 2-core machine nearly always busy).
//!
//! The process clock is read with `clock_gettime`, a foreign call: this file's one `unsafe`
//! block, audited below.
#![allow(unsafe_code)]

use std::time::{Duration, Instant};

/// A stopwatch over wall time and the process's CPU time, started by [`CpuClock::start`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuClock {
    wall: Instant,
    cpu: Option<Duration>,
}

impl CpuClock {
    /// Starts both clocks now.
    pub(crate) fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: process_cpu_time(),
        }
    }

    /// Wall time since the start.
    pub(crate) fn wall_seconds(&self) -> f64 {
        self.wall.elapsed().as_secs_f64()
    }

    /// CPU seconds all the process's threads used since the start; `None` where the platform
    /// has no process CPU clock.
    pub(crate) fn cpu_seconds(&self) -> Option<f64> {
        let (start, now) = (self.cpu?, process_cpu_time()?);
        Some(now.saturating_sub(start).as_secs_f64())
    }
}

/// CPU time used so far by every thread of this process.
#[cfg(unix)]
fn process_cpu_time() -> Option<Duration> {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` writes one `timespec` through the pointer, which points at a
    // live, properly aligned local; it reads no other memory of ours. It returns 0 on success.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut time) };
    (status == 0).then(|| Duration::new(time.tv_sec as u64, time.tv_nsec as u32))
}

#[cfg(not(unix))]
fn process_cpu_time() -> Option<Duration> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn busy_threads_count_as_cpu_time() {
        let clock = CpuClock::start();
        // Spin on two threads until the process has used 100 ms of CPU time since the start
        // (with a wall-clock bound, so that a clock that never moves fails instead of hanging).
        let spin = || {
            let mut x = 1u64;
            while clock.cpu_seconds().unwrap() < 0.1 && clock.wall_seconds() < 20.0 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        };
        std::thread::scope(|scope| {
            scope.spawn(spin);
            spin();
        });
        let cpu = clock.cpu_seconds().expect("a process clock on unix");
        assert!(cpu >= 0.1, "{cpu} s of CPU time");
        assert!(clock.wall_seconds() < 20.0, "the CPU clock did not advance");
    }
}
