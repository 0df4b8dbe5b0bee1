//! Stacking equal-length spectrograms into a Burn tensor `[batch, 1, time, freq]`.

use burn::tensor::{Device, Tensor, TensorData};

use crate::{AudioError, Spectrogram};

/// Stacks `spectrograms` into a float tensor of shape `[batch, 1, frames, bins]` on `device`:
/// axis 2 is time (running forward), axis 3 frequency, the layout the models take.
///
/// Bring them to one length first ([`LengthPolicy`](crate::LengthPolicy) or
/// [`Segmenter`](crate::Segmenter)).
///
/// # Errors
/// [`AudioError::ShapeMismatch`] when the shapes differ (naming the first one that does),
/// [`AudioError::InvalidConfig`] for an empty slice or a spectrogram with zero frames.
pub fn to_batch_tensor(
    spectrograms: &[Spectrogram],
    device: &Device,
) -> Result<Tensor<4>, AudioError> {
    let first = spectrograms
        .first()
        .ok_or_else(|| AudioError::InvalidConfig("cannot batch zero spectrograms".into()))?;
    let [frames, bins] = first.shape();
    if frames == 0 {
        return Err(AudioError::InvalidConfig(
            "cannot batch spectrograms with 0 frames".into(),
        ));
    }
    let mut values = Vec::with_capacity(spectrograms.len() * frames * bins);
    for (index, s) in spectrograms.iter().enumerate() {
        if s.shape() != [frames, bins] {
            return Err(AudioError::ShapeMismatch {
                index,
                expected_frames: frames,
                expected_bins: bins,
                found_frames: s.frames(),
                found_bins: s.bins(),
            });
        }
        values.extend_from_slice(s.as_slice());
    }
    let data = TensorData::new(values, [spectrograms.len(), 1, frames, bins]);
    Ok(Tensor::<4>::from_data(data, device))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_batch_channel_time_freq() {
        let device = Device::flex();
        let a = Spectrogram::new((0..6).map(|v| v as f32).collect(), 3, 2).unwrap();
        let b = Spectrogram::new((10..16).map(|v| v as f32).collect(), 3, 2).unwrap();
        let t = to_batch_tensor(&[a, b], &device).unwrap();
        assert_eq!(t.dims(), [2, 1, 3, 2]);
        let values = t.into_data().try_to_vec::<f32>().unwrap();
        // [b=1, c=0, t=2, f=1] -> 15
        assert_eq!(values[6 + 2 * 2 + 1], 15.0);
        assert_eq!(values[0..6], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn unequal_or_empty_input_is_an_error() {
        let device = Device::flex();
        let a = Spectrogram::zeros(3, 2).unwrap();
        let b = Spectrogram::zeros(4, 2).unwrap();
        let err = to_batch_tensor(&[a.clone(), b], &device).unwrap_err();
        assert!(matches!(
            err,
            AudioError::ShapeMismatch {
                index: 1,
                found_frames: 4,
                ..
            }
        ));
        assert!(to_batch_tensor(&[], &device).is_err());
        assert!(to_batch_tensor(&[Spectrogram::zeros(0, 2).unwrap()], &device).is_err());
    }
}
