//! Burn [`Batcher`] stacking spectrogram items into `[batch, 1, time, freq]` tensors.

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::{Device, Int, Tensor, TensorData};
use mts_audio::Spectrogram;

use crate::dataset::SpectrogramItem;

/// A batch of model inputs with their targets and utterance indices.
#[derive(Debug, Clone)]
pub struct SpectrogramBatch {
    /// Inputs, `[batch, 1, time, freq]` (channel 1, time on axis 2).
    pub inputs: Tensor<4>,
    /// Class indices, `[batch]`.
    pub targets: Tensor<1, Int>,
    /// Utterance index of each input (windows of one utterance share it), for pooling.
    pub utterances: Vec<usize>,
    /// Window position of each input within its utterance.
    pub segments: Vec<usize>,
}

/// Stacks [`SpectrogramItem`]s into a [`SpectrogramBatch`].
///
/// Items of one [`crate::SpectrogramDataset`] all have the same shape. Should a batch mix
/// shapes, shorter inputs are zero-padded (in time and frequency) to the largest, rather than
/// failing inside the data loader.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpectrogramBatcher;

/// `s` zero-padded to `frames × bins` (never truncated: both are at least its own).
fn padded(s: &Spectrogram, frames: usize, bins: usize) -> Vec<f32> {
    if s.shape() == [frames, bins] {
        return s.as_slice().to_vec();
    }
    let mut out = vec![0.0; frames * bins];
    for (t, frame) in s.iter_frames().enumerate() {
        out[t * bins..t * bins + frame.len()].copy_from_slice(frame);
    }
    out
}

/// Model inputs `[batch, 1, time, freq]` and targets `[batch]` on `device`, from `values` (the
/// batch's spectrograms one after the other, each `time * freq` values, time-major) and the class
/// of each: how every batch of the workspace becomes tensors ([`SpectrogramBatcher`], the
/// trainer of `mts-models`).
///
/// # Panics
/// If `values.len() != labels.len() * time * freq`.
pub fn batch_tensors(
    values: Vec<f32>,
    labels: Vec<usize>,
    [time, freq]: [usize; 2],
    device: &Device,
) -> (Tensor<4>, Tensor<1, Int>) {
    let batch = labels.len();
    assert_eq!(
        values.len(),
        batch * time * freq,
        "{batch} spectrograms of {time}x{freq}"
    );
    let inputs = Tensor::<4>::from_data(TensorData::new(values, [batch, 1, time, freq]), device);
    let labels: Vec<i64> = labels.into_iter().map(|label| label as i64).collect();
    let targets = Tensor::<1, Int>::from_data(TensorData::new(labels, [batch]), device);
    (inputs, targets)
}

impl Batcher<SpectrogramItem, SpectrogramBatch> for SpectrogramBatcher {
    fn batch(&self, items: Vec<SpectrogramItem>, device: &Device) -> SpectrogramBatch {
        let frames = items
            .iter()
            .map(|i| i.spectrogram.frames())
            .max()
            .unwrap_or(0);
        let bins = items
            .iter()
            .map(|i| i.spectrogram.bins())
            .max()
            .unwrap_or(0);
        let mut values = Vec::with_capacity(items.len() * frames * bins);
        for item in &items {
            values.extend(padded(&item.spectrogram, frames, bins));
        }
        let labels = items.iter().map(|i| i.label).collect();
        let (inputs, targets) = batch_tensors(values, labels, [frames, bins], device);
        SpectrogramBatch {
            inputs,
            targets,
            utterances: items.iter().map(|i| i.utterance).collect(),
            segments: items.iter().map(|i| i.segment).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(
        frames: usize,
        bins: usize,
        start: f32,
        label: usize,
        utterance: usize,
    ) -> SpectrogramItem {
        SpectrogramItem {
            spectrogram: Spectrogram::new(
                (0..frames * bins).map(|v| start + v as f32).collect(),
                frames,
                bins,
            )
            .unwrap(),
            label,
            utterance,
            segment: 0,
        }
    }

    #[test]
    fn stacks_in_batch_channel_time_freq_order() {
        let device = Device::flex();
        let batch =
            SpectrogramBatcher.batch(vec![item(3, 2, 0.0, 1, 7), item(3, 2, 10.0, 0, 9)], &device);
        assert_eq!(batch.inputs.dims(), [2, 1, 3, 2]);
        let values = batch.inputs.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(values[6 + 2 * 2 + 1], 15.0); // [b=1, c=0, t=2, f=1]
        assert_eq!(
            batch.targets.into_data().iter::<i64>().collect::<Vec<_>>(),
            [1, 0]
        );
        assert_eq!(batch.utterances, [7, 9]);
    }

    #[test]
    fn pads_mixed_shapes_instead_of_panicking() {
        let device = Device::flex();
        let batch =
            SpectrogramBatcher.batch(vec![item(2, 2, 1.0, 0, 0), item(3, 1, 1.0, 0, 1)], &device);
        assert_eq!(batch.inputs.dims(), [2, 1, 3, 2]);
        let values = batch.inputs.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(&values[..6], [1.0, 2.0, 3.0, 4.0, 0.0, 0.0]);
        assert_eq!(&values[6..], [1.0, 0.0, 2.0, 0.0, 3.0, 0.0]);
    }

    #[test]
    fn batch_tensors_checks_the_value_count() {
        let device = Device::flex();
        let (inputs, targets) = batch_tensors(
            (0..12).map(|v| v as f32).collect(),
            vec![2, 0],
            [3, 2],
            &device,
        );
        assert_eq!(inputs.dims(), [2, 1, 3, 2]);
        assert_eq!(
            targets.into_data().iter::<i64>().collect::<Vec<_>>(),
            [2, 0]
        );
        let short = std::panic::catch_unwind(|| {
            batch_tensors(vec![0.0; 11], vec![2, 0], [3, 2], &Device::flex())
        });
        assert!(short.is_err(), "11 values for two 3x2 spectrograms");
    }
}
