//! Training: hyper-parameters, the loop, checkpoints and progress reporting.

mod adam;
mod checkpoint;
mod config;
mod cpu_clock;
mod default_device;
mod error;
mod progress;
mod trainer;

pub use adam::FusedAdam;
pub use config::{TrainingConfig, TrainingConfigError};
pub use default_device::{BURN_DEVICE, DefaultDevice, default_device_to_flex};
pub use error::TrainingError;
pub use progress::{EpochSummary, ProgressReporter, Silent, TrainingObserver, format_duration};
pub use trainer::{StopReason, Trainer, TrainingOutcome};
