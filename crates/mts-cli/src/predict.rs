//! Emotion probabilities for audio files from a saved model folder.

use std::path::Path;

use burn::tensor::Device;
use mts_audio::FeatureExtractor;
use mts_models::{Evaluator, InMemorySet, LabeledSpectrogram, load_model};
use serde::Serialize;

use crate::{CliError, ModelFeatures};

/// The prediction for one file.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    /// The file.
    pub file: String,
    /// The most probable class.
    pub predicted: String,
    /// `(class, probability)` for every class, in the model's class order.
    pub probabilities: Vec<(String, f32)>,
    /// Number of windows averaged (files longer than the model input are cut into
    /// half-overlapping windows).
    pub windows: usize,
}

/// Window start frames covering `frames` with windows of `len` frames and a hop of `len / 2`
/// (the last window ends at the last frame).
fn window_starts(frames: usize, len: usize) -> Vec<usize> {
    if frames <= len {
        return vec![0];
    }
    let hop = (len / 2).max(1);
    let last = frames - len;
    let mut starts: Vec<usize> = (0..=last).step_by(hop).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts
}

/// Loads the model folder `model_dir` and predicts every file of `files`.
///
/// Each file is decoded, resampled and turned into a spectrogram with the model's feature
/// settings, padded (or cut into windows) to the model's input length and normalised with the
/// model's normaliser; window probabilities are averaged.
pub fn predict_files(
    model_dir: &Path,
    files: &[impl AsRef<Path>],
    device: &Device,
) -> Result<Vec<Prediction>, CliError> {
    let (model, card) = load_model(model_dir, device)?;
    let (features, normalizer) = ModelFeatures::from_card(&card, model_dir)?;
    let [frames, bins] = model.input_size();
    let mut extractor = FeatureExtractor::new(features.spectrogram.clone())?;
    let evaluator = Evaluator::new(device.clone());
    let mut predictions = Vec::with_capacity(files.len());
    for file in files {
        let file = file.as_ref();
        let spectrogram = extractor.extract_file(file)?;
        if spectrogram.bins() != bins {
            return Err(CliError::Usage(format!(
                "{}: {} frequency bins, the model expects {bins}",
                file.display(),
                spectrogram.bins()
            )));
        }
        let starts = window_starts(spectrogram.frames(), frames);
        let items = starts
            .iter()
            .map(|&start| {
                let window = spectrogram.frame_window(start, frames);
                let window = normalizer.normalized(&window)?;
                Ok(LabeledSpectrogram::new(window.into_vec(), 0))
            })
            .collect::<Result<Vec<_>, CliError>>()?;
        let set = InMemorySet::new([frames, bins], items)?;
        let window_probabilities = evaluator.predict(&model, &set)?;
        let classes = card.model.num_classes;
        let mut mean = vec![0.0f32; classes];
        for probabilities in &window_probabilities {
            for (m, p) in mean.iter_mut().zip(probabilities) {
                *m += p / window_probabilities.len() as f32;
            }
        }
        let best = (0..classes)
            .max_by(|&a, &b| mean[a].total_cmp(&mean[b]))
            .unwrap_or(0);
        predictions.push(Prediction {
            file: file.display().to_string(),
            predicted: card.class_name(best),
            probabilities: (0..classes)
                .map(|c| (card.class_name(c), mean[c]))
                .collect(),
            windows: starts.len(),
        });
    }
    Ok(predictions)
}

#[cfg(test)]
mod tests {
    use super::window_starts;

    #[test]
    fn windows_cover_long_files_with_half_overlap() {
        assert_eq!(window_starts(50, 100), vec![0]);
        assert_eq!(window_starts(100, 100), vec![0]);
        assert_eq!(window_starts(250, 100), vec![0, 50, 100, 150]);
        assert_eq!(window_starts(230, 100), vec![0, 50, 100, 130]);
    }
}
