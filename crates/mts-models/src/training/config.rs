//! Training hyper-parameters.

use burn::config::Config;
use thiserror::Error;

/// Hyper-parameters of [`Trainer`](crate::Trainer). The defaults are the paper's final settings
/// (mts-method.md section 4.1): Adam, learning rate 5e-5, batch 90, at most 500 epochs, early
/// stop after 10 epochs without a new best validation loss.
#[derive(Config, Debug, PartialEq)]
pub struct TrainingConfig {
    /// Adam's learning rate. Default 5e-5.
    #[config(default = 5e-5)]
    pub learning_rate: f64,
    /// Coupled L2 penalty (added to the gradient, as PyTorch's `Adam(weight_decay=..)`); the
    /// paper's grid is {0, 0.001, 0.003, 0.01}. Default 0.
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Items per training batch (one optimizer step). Default 90.
    #[config(default = 90)]
    pub batch_size: usize,
    /// Items per forward/backward pass when smaller than `batch_size`: a batch is split into
    /// passes of at most this many items whose gradients are summed (each pass's mean loss
    /// weighted by its share of the batch) before the batch's one optimizer step. The step is
    /// the full-batch step up to float rounding, and activation memory shrinks with the pass
    /// size. Default `None`: one pass per batch.
    #[config(default = "None")]
    pub micro_batch_size: Option<usize>,
    /// At most this many epochs. Default 500.
    #[config(default = 500)]
    pub max_epochs: usize,
    /// Stop after this many epochs without a new best validation loss. Default 10.
    #[config(default = 10)]
    pub patience: usize,
    /// Seed of the model initialisation, the shuffling and dropout. Default 0.
    #[config(default = 0)]
    pub seed: u64,
}

/// An invalid [`TrainingConfig`].
#[derive(Debug, Error, PartialEq)]
pub enum TrainingConfigError {
    /// The learning rate is not a positive finite number.
    #[error("the learning rate must be a positive number, got {0}")]
    LearningRate(f64),
    /// The weight decay is negative or not finite.
    #[error("the weight decay (L2) must be a finite number >= 0, got {0}")]
    WeightDecay(f64),
    /// A count that must be at least 1 is 0.
    #[error("{0} must be at least 1")]
    Zero(&'static str),
}

impl TrainingConfig {
    /// Items per forward/backward pass: `micro_batch_size` capped at `batch_size`.
    pub fn pass_size(&self) -> usize {
        self.micro_batch_size
            .map_or(self.batch_size, |m| m.min(self.batch_size))
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), TrainingConfigError> {
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(TrainingConfigError::LearningRate(self.learning_rate));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(TrainingConfigError::WeightDecay(self.weight_decay));
        }
        for (name, value) in [
            ("batch_size", self.batch_size),
            ("micro_batch_size", self.micro_batch_size.unwrap_or(1)),
            ("max_epochs", self.max_epochs),
            ("patience", self.patience),
        ] {
            if value == 0 {
                return Err(TrainingConfigError::Zero(name));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_papers() {
        let config = TrainingConfig::new();
        assert_eq!(config.learning_rate, 5e-5);
        assert_eq!(config.batch_size, 90);
        assert_eq!(config.max_epochs, 500);
        assert_eq!(config.patience, 10);
        assert_eq!(config.weight_decay, 0.0);
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn invalid_fields_are_named() {
        let cases = [
            (
                TrainingConfig::new().with_learning_rate(0.0),
                "the learning rate must be a positive number, got 0",
            ),
            (
                TrainingConfig::new().with_weight_decay(-1.0),
                "the weight decay (L2) must be a finite number >= 0, got -1",
            ),
            (
                TrainingConfig::new().with_batch_size(0),
                "batch_size must be at least 1",
            ),
            (
                TrainingConfig::new().with_patience(0),
                "patience must be at least 1",
            ),
        ];
        for (config, message) in cases {
            assert_eq!(config.validate().unwrap_err().to_string(), message);
        }
    }
}
