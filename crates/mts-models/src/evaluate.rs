//! Scoring a model on a whole split: loss, metrics per segment and per utterance, MTS scale
//! usage per layer, and class probabilities.

use std::collections::HashMap;
use std::fmt;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::Device;
use burn::tensor::activation::softmax;
use mts_core::ScaleUsage;
use mts_data::pooling::UtterancePooling;
use serde::{Deserialize, Serialize};

use crate::data::{DataError, SpectrogramSet, batch, check_set};
use crate::metrics::{ConfusionMatrix, MetricSummary};
use crate::ser_model::SerModel;

/// The scale usage of one MTS layer over a split (counts accumulated over every batch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerUsage {
    /// The layer's name in the model (`conv`, `conv1`, `conv2`).
    pub layer: String,
    /// Output elements won by each branch.
    pub usage: ScaleUsage,
}

/// Metrics of one way of scoring a split (per segment or per utterance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitMetrics {
    /// UA, WA, macro F1, per-class recall.
    pub summary: MetricSummary,
    /// The confusion matrix they come from.
    pub confusion: ConfusionMatrix,
}

impl From<ConfusionMatrix> for SplitMetrics {
    fn from(confusion: ConfusionMatrix) -> Self {
        Self {
            summary: confusion.summary(),
            confusion,
        }
    }
}

/// The result of [`Evaluator::evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Mean cross-entropy over all items.
    pub loss: f64,
    /// Every item (segment) scored on its own.
    pub segments: SplitMetrics,
    /// Utterances scored by the mean of their segments' class probabilities; `None` when the
    /// items carry no utterance ids.
    pub utterances: Option<SplitMetrics>,
    /// Scale usage of each MTS layer (empty for a standard model).
    pub scale_usage: Vec<LayerUsage>,
}

impl fmt::Display for Evaluation {
    /// The headline metrics, the confusion matrix and the scale usage, as text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "segments:   {}  loss {:.4}",
            self.segments.summary, self.loss
        )?;
        if let Some(utterances) = &self.utterances {
            writeln!(f, "utterances: {}", utterances.summary)?;
        }
        writeln!(f)?;
        write!(f, "{}", self.segments.confusion)?;
        for layer in &self.scale_usage {
            writeln!(f, "scale usage {}: {}", layer.layer, layer.usage)?;
        }
        Ok(())
    }
}

/// Runs a model over a split in inference mode, batch by batch.
#[derive(Debug, Clone)]
pub struct Evaluator {
    device: Device,
    batch_size: usize,
    class_names: Vec<String>,
}

impl Evaluator {
    /// An evaluator on `device` (without autodiff) with batches of 90 and unnamed classes.
    pub fn new(device: Device) -> Self {
        Self {
            device: device.without_autodiff(),
            batch_size: 90,
            class_names: Vec::new(),
        }
    }

    /// Sets the batch size (only memory and speed depend on it; 0 counts as 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Names the classes in the confusion matrices (one per class, in logit order).
    pub fn with_class_names(mut self, names: Vec<String>) -> Self {
        self.class_names = names;
        self
    }

    fn class_names(&self, num_classes: usize) -> Vec<String> {
        if self.class_names.len() == num_classes {
            self.class_names.clone()
        } else {
            (0..num_classes).map(|c| c.to_string()).collect()
        }
    }

    /// The class probabilities (softmax of the logits) of every item, in item order.
    pub fn predict(
        &self,
        model: &SerModel,
        data: &dyn SpectrogramSet,
    ) -> Result<Vec<Vec<f32>>, DataError> {
        Ok(self.run(model, data, false)?.probabilities)
    }

    /// Scores `model` on every item of `data`: loss, per-segment and (when items carry
    /// utterance ids) per-utterance metrics, and scale usage.
    pub fn evaluate(
        &self,
        model: &SerModel,
        data: &dyn SpectrogramSet,
    ) -> Result<Evaluation, DataError> {
        self.score(model, data, true)
    }

    fn score(
        &self,
        model: &SerModel,
        data: &dyn SpectrogramSet,
        with_usage: bool,
    ) -> Result<Evaluation, DataError> {
        let run = self.run(model, data, with_usage)?;
        let num_classes = model.num_classes();
        let mut segments = ConfusionMatrix::new(self.class_names(num_classes));
        for (index, probabilities) in run.probabilities.iter().enumerate() {
            segments.add(data.label(index), argmax(probabilities));
        }
        let utterances = pool_utterances(data, &run.probabilities)?.map(|pooled| {
            let mut matrix = ConfusionMatrix::new(self.class_names(num_classes));
            for (label, probabilities) in pooled {
                matrix.add(label, argmax(&probabilities));
            }
            matrix.into()
        });
        let scale_usage = model
            .mts_layer_names()
            .into_iter()
            .zip(run.usage)
            .map(|(layer, usage)| LayerUsage {
                layer: layer.to_string(),
                usage,
            })
            .collect();
        Ok(Evaluation {
            loss: run.loss,
            segments: segments.into(),
            utterances,
            scale_usage,
        })
    }

    /// [`evaluate`](Self::evaluate) without counting scale usage (the per-epoch validation).
    pub(crate) fn evaluate_without_usage(
        &self,
        model: &SerModel,
        data: &dyn SpectrogramSet,
    ) -> Result<Evaluation, DataError> {
        self.score(model, data, false)
    }

    fn run(
        &self,
        model: &SerModel,
        data: &dyn SpectrogramSet,
        with_usage: bool,
    ) -> Result<Run, DataError> {
        check_set("evaluation", data, model.input_size(), model.num_classes())?;
        let model = model.valid();
        let loss_fn = CrossEntropyLossConfig::new().init(&self.device);
        let num_classes = model.num_classes();
        let mut usage: Vec<ScaleUsage> = Vec::new();
        let mut loss_sum = 0.0;
        let mut probabilities = Vec::with_capacity(data.len());
        let indices: Vec<usize> = (0..data.len()).collect();
        for chunk in indices.chunks(self.batch_size) {
            let (inputs, targets) = batch(data, chunk, &self.device);
            let logits = if with_usage {
                let (logits, batch_usage) = model.forward_with_usage(inputs);
                if usage.is_empty() {
                    usage = batch_usage;
                } else {
                    for (total, add) in usage.iter_mut().zip(&batch_usage) {
                        total
                            .merge(add)
                            .expect("a layer's scales do not change between batches");
                    }
                }
                logits
            } else {
                model.forward(inputs)
            };
            let loss: f64 = loss_fn
                .forward(logits.clone(), targets)
                .into_scalar::<f64>();
            loss_sum += loss * chunk.len() as f64;
            let values = softmax(logits, 1)
                .into_data()
                .try_to_vec::<f32>()
                .expect("float logits");
            probabilities.extend(values.chunks(num_classes).map(<[f32]>::to_vec));
        }
        Ok(Run {
            loss: loss_sum / data.len() as f64,
            probabilities,
            usage,
        })
    }
}

struct Run {
    loss: f64,
    probabilities: Vec<Vec<f32>>,
    usage: Vec<ScaleUsage>,
}

/// Index of the largest value (the first on ties).
pub(crate) fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 { (i, v) } else { best }
        })
        .0
}

/// An utterance's label and the mean class probabilities of its segments.
type PooledUtterance = (usize, Vec<f32>);

/// `(label, mean probabilities)` per utterance in order of first appearance, or `None` when no
/// item has an utterance id. Items without one count as utterances of their own.
fn pool_utterances(
    data: &dyn SpectrogramSet,
    probabilities: &[Vec<f32>],
) -> Result<Option<Vec<PooledUtterance>>, DataError> {
    if (0..data.len()).all(|i| data.utterance(i).is_none()) {
        return Ok(None);
    }
    // Each utterance gets a slot in order of first appearance; the means are mts-data's.
    let mut slots: HashMap<String, usize> = HashMap::new();
    let mut labels: Vec<usize> = Vec::new();
    let mut pooling = UtterancePooling::new();
    for (index, probs) in probabilities.iter().enumerate() {
        let key = match data.utterance(index) {
            Some(id) => format!("u:{id}"),
            None => format!("#{index}"),
        };
        let label = data.label(index);
        let slot = *slots.entry(key).or_insert_with(|| {
            labels.push(label);
            labels.len() - 1
        });
        if labels[slot] != label {
            return Err(DataError::MixedUtteranceLabels {
                utterance: data.utterance(index).unwrap_or_default().to_string(),
                first: labels[slot],
                other: label,
            });
        }
        pooling
            .add(slot, probs)
            .expect("one model's probability rows all have its number of classes");
    }
    Ok(Some(
        pooling
            .mean_scores()
            .into_values()
            .zip(labels)
            .map(|(mean, label)| (label, mean))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{InMemorySet, LabeledSpectrogram};

    #[test]
    fn argmax_takes_the_first_maximum() {
        assert_eq!(argmax(&[0.1, 0.5, 0.5]), 1);
        assert_eq!(argmax(&[0.9]), 0);
    }

    #[test]
    fn utterances_pool_mean_probabilities() {
        let item = |label, utterance: Option<&str>| {
            let item = LabeledSpectrogram::new(vec![0.0], label);
            match utterance {
                Some(u) => item.with_utterance(u),
                None => item,
            }
        };
        let set = InMemorySet::new(
            [1, 1],
            vec![item(0, Some("x")), item(1, None), item(0, Some("x"))],
        )
        .unwrap();
        // Segment 0 says class 1 (0.6), segment 2 says class 0 (0.9): the mean picks class 0.
        let probs = vec![vec![0.4, 0.6], vec![0.2, 0.8], vec![0.9, 0.1]];
        let pooled = pool_utterances(&set, &probs).unwrap().unwrap();
        assert_eq!(pooled.len(), 2);
        assert_eq!(pooled[0].0, 0);
        assert!((pooled[0].1[0] - 0.65).abs() < 1e-6);
        assert_eq!(pooled[1], (1, vec![0.2, 0.8]));

        let mixed = InMemorySet::new([1, 1], vec![item(0, Some("y")), item(1, Some("y"))]).unwrap();
        let err = pool_utterances(&mixed, &probs[..2]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "utterance \"y\" has segments labelled 0 and 1"
        );
        let plain = InMemorySet::new([1, 1], vec![item(0, None)]).unwrap();
        assert_eq!(pool_utterances(&plain, &probs[..1]).unwrap(), None);
    }
}
