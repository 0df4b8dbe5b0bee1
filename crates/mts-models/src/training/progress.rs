//! What a training run reports while it runs, and a reporter for terminals and logs.

use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

/// The metrics of one finished epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochSummary {
    /// The epoch number, from 1.
    pub epoch: usize,
    /// Mean cross-entropy over the training items, from the training passes.
    pub train_loss: f64,
    /// Accuracy over the training items, from the training passes.
    pub train_accuracy: f64,
    /// Mean cross-entropy over the validation split.
    pub valid_loss: f64,
    /// Accuracy (WA) over the validation split.
    pub valid_accuracy: f64,
    /// Unweighted average recall (UA) over the validation split.
    pub valid_ua: f64,
    /// Whether this epoch set a new best validation loss (and became the kept checkpoint).
    pub improved: bool,
    /// Wall-clock seconds the epoch took (training and validation).
    pub seconds: f64,
    /// CPU seconds all the process's threads used over the same span (`None` where the
    /// platform has no process CPU clock, and in checkpoints written before it was recorded).
    /// `cpu_seconds / seconds` is how many cores the epoch kept busy: 1.8 is 180 %.
    #[serde(default)]
    pub cpu_seconds: Option<f64>,
}

impl EpochSummary {
    /// CPU time over wall time, in percent (200 % = two cores busy throughout); `None` when
    /// the CPU time is unknown or the epoch took no measurable time.
    pub fn cpu_percent(&self) -> Option<f64> {
        self.cpu_seconds
            .filter(|_| self.seconds > 0.0)
            .map(|cpu| 100.0 * cpu / self.seconds)
    }
}

impl fmt::Display for EpochSummary {
    /// `epoch  12  train loss 0.8123 acc 71.2%  valid loss 0.9012 acc 65.0% UA 61.3%  4.1s 181% CPU *`
    /// (the CPU share when known; the star marks a new best validation loss).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "epoch {:>3}  train loss {:.4} acc {:.1}%  valid loss {:.4} acc {:.1}% UA {:.1}%  {:.1}s",
            self.epoch,
            self.train_loss,
            100.0 * self.train_accuracy,
            self.valid_loss,
            100.0 * self.valid_accuracy,
            100.0 * self.valid_ua,
            self.seconds
        )?;
        if let Some(percent) = self.cpu_percent() {
            write!(f, " {percent:.0}% CPU")?;
        }
        if self.improved {
            write!(f, " *")?;
        }
        Ok(())
    }
}

/// Receives a training run's progress; every method has a do-nothing default.
///
/// Return [`ControlFlow::Break`] from [`on_epoch_end`](Self::on_epoch_end) to stop the run
/// after that epoch's checkpoint (e.g. on Ctrl-C); the run can later be resumed.
pub trait TrainingObserver {
    /// The run starts at epoch `first_epoch` (from 1; above 1 when resumed) of at most
    /// `max_epochs`, with `batches` training batches per epoch.
    fn on_start(&mut self, first_epoch: usize, max_epochs: usize, batches: usize) {
        let _ = (first_epoch, max_epochs, batches);
    }

    /// Training batch `batch` (from 1) of `batches` of epoch `epoch` is done, with this loss.
    fn on_batch(&mut self, epoch: usize, batch: usize, batches: usize, loss: f64) {
        let _ = (epoch, batch, batches, loss);
    }

    /// Epoch `summary.epoch` is done and checkpointed.
    fn on_epoch_end(&mut self, summary: &EpochSummary) -> ControlFlow<()> {
        let _ = summary;
        ControlFlow::Continue(())
    }

    /// The run ended; `message` says why (e.g. `early stop: no better validation loss for 10
    /// epochs; best epoch 31`).
    fn on_finish(&mut self, message: &str) {
        let _ = message;
    }
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl TrainingObserver for Silent {}

/// Shows progress: a live bar (epoch, batch, last losses and accuracy, ETA) when stdout is a
/// terminal, one plain line per epoch otherwise (CI, log files).
#[derive(Debug)]
pub struct ProgressReporter {
    mode: Mode,
    max_epochs: usize,
    first_epoch: usize,
    started: Option<Instant>,
}

#[derive(Debug)]
enum Mode {
    /// A bar (made when training starts), alone or below others in a [`MultiProgress`].
    Bar(Option<ProgressBar>, Option<MultiProgress>),
    Lines,
}

impl ProgressReporter {
    /// A bar on a terminal, plain lines otherwise.
    pub fn auto() -> Self {
        if io::stdout().is_terminal() {
            Self::with_mode(Mode::Bar(None, None))
        } else {
            Self::plain()
        }
    }

    /// Always plain lines on stdout.
    pub fn plain() -> Self {
        Self::with_mode(Mode::Lines)
    }

    /// A progress bar drawn in `multi`, below the bars already there (an experiment's bar over
    /// its runs); epoch lines and the final message are printed above all of them.
    pub fn within(multi: &MultiProgress) -> Self {
        Self::with_mode(Mode::Bar(None, Some(multi.clone())))
    }

    fn with_mode(mode: Mode) -> Self {
        Self {
            mode,
            max_epochs: 0,
            first_epoch: 1,
            started: None,
        }
    }

    /// Estimated time left if all remaining epochs run (early stopping usually ends sooner).
    fn eta(&self, epoch: usize) -> Option<Duration> {
        let done = epoch + 1 - self.first_epoch;
        let elapsed = self.started?.elapsed();
        let left = self.max_epochs.saturating_sub(epoch);
        (done > 0).then(|| elapsed / done as u32 * left as u32)
    }
}

/// A duration for people: `1h02m`, `3m07s` or `12s`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

impl TrainingObserver for ProgressReporter {
    fn on_start(&mut self, first_epoch: usize, max_epochs: usize, batches: usize) {
        self.first_epoch = first_epoch;
        self.max_epochs = max_epochs;
        self.started = Some(Instant::now());
        match &mut self.mode {
            Mode::Bar(bar, multi) => {
                let mut progress = ProgressBar::new((max_epochs * batches) as u64);
                if let Some(multi) = multi {
                    progress = multi.add(progress);
                }
                progress.set_style(
                    ProgressStyle::with_template(
                        "{prefix} [{bar:30}] {msg} (elapsed {elapsed}, at most {eta} left)",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                );
                progress.set_position(((first_epoch - 1) * batches) as u64);
                progress.reset_eta();
                *bar = Some(progress);
            }
            Mode::Lines => {
                if first_epoch > 1 {
                    println!("resuming at epoch {first_epoch} of at most {max_epochs}");
                }
            }
        }
    }

    fn on_batch(&mut self, epoch: usize, batch: usize, batches: usize, loss: f64) {
        if let Mode::Bar(Some(bar), _) = &self.mode {
            bar.set_prefix(format!(
                "epoch {epoch}/{} batch {batch}/{batches}",
                self.max_epochs
            ));
            bar.set_message(format!("loss {loss:.4}"));
            bar.inc(1);
        }
    }

    fn on_epoch_end(&mut self, summary: &EpochSummary) -> ControlFlow<()> {
        match &self.mode {
            Mode::Bar(Some(bar), _) => bar.println(summary.to_string()),
            _ => {
                let eta = self
                    .eta(summary.epoch)
                    .map(|eta| format!("  (at most {} left)", format_duration(eta)))
                    .unwrap_or_default();
                println!("{summary}{eta}");
                let _ = io::stdout().flush();
            }
        }
        ControlFlow::Continue(())
    }

    fn on_finish(&mut self, message: &str) {
        match &mut self.mode {
            Mode::Bar(bar, multi) => {
                if let Some(bar) = bar.take() {
                    bar.finish_and_clear();
                    if let Some(multi) = multi {
                        multi.remove(&bar);
                    }
                }
                match multi {
                    Some(multi) => {
                        let _ = multi.println(message);
                    }
                    None => println!("{message}"),
                }
            }
            Mode::Lines => println!("{message}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_display() {
        let summary = EpochSummary {
            epoch: 12,
            train_loss: 0.81234,
            train_accuracy: 0.712,
            valid_loss: 0.9012,
            valid_accuracy: 0.65,
            valid_ua: 0.613,
            improved: true,
            seconds: 4.07,
            cpu_seconds: Some(7.366),
        };
        assert_eq!(
            summary.to_string(),
            "epoch  12  train loss 0.8123 acc 71.2%  valid loss 0.9012 acc 65.0% UA 61.3%  4.1s 181% CPU *"
        );
        let unknown = EpochSummary {
            cpu_seconds: None,
            improved: false,
            ..summary
        };
        assert_eq!(unknown.cpu_percent(), None);
        assert_eq!(
            unknown.to_string(),
            "epoch  12  train loss 0.8123 acc 71.2%  valid loss 0.9012 acc 65.0% UA 61.3%  4.1s"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::from_secs(12)), "12s");
        assert_eq!(format_duration(Duration::from_secs(187)), "3m07s");
        assert_eq!(format_duration(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn a_reporter_within_a_multi_progress_adds_its_bar_there() {
        let multi = MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::hidden());
        let mut reporter = ProgressReporter::within(&multi);
        reporter.on_start(2, 3, 4);
        reporter.on_batch(2, 1, 4, 0.5);
        let Mode::Bar(Some(bar), Some(_)) = &reporter.mode else {
            panic!("a bar in the multi progress: {:?}", reporter.mode)
        };
        // Epoch 1 was trained before (a resumed run): its 4 batches count as done.
        assert_eq!((bar.position(), bar.length()), (5, Some(12)));
        assert_eq!(bar.prefix(), "epoch 2/3 batch 1/4");
        reporter.on_finish("done");
        assert!(matches!(reporter.mode, Mode::Bar(None, Some(_))));
    }
}
