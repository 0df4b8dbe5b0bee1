//! The [`Spectrogram`] type: a frames × bins matrix of `f32`, time running forward.

use serde::{Deserialize, Serialize};

use crate::AudioError;

/// A magnitude spectrogram: `frames` rows of `bins` values, stored row-major in one `Vec<f32>`.
///
/// Row `t` is the STFT frame starting at hop `t` (time runs forward: row 0 is the start of the
/// recording); column `k` is frequency bin `k`, i.e. `k * sample_rate / n_fft` Hz, ascending.
/// A spectrogram may have zero frames (an un-centred STFT of a too-short signal); it always has at
/// least one bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spectrogram {
    frames: usize,
    bins: usize,
    data: Vec<f32>,
}

impl Spectrogram {
    /// Wraps row-major `data` of shape `[frames, bins]`.
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] when `bins` is 0 or `data.len() != frames * bins`.
    pub fn new(data: Vec<f32>, frames: usize, bins: usize) -> Result<Self, AudioError> {
        if bins == 0 {
            return Err(AudioError::InvalidConfig(
                "a spectrogram needs at least one bin".into(),
            ));
        }
        if frames.checked_mul(bins) != Some(data.len()) {
            return Err(AudioError::InvalidConfig(format!(
                "spectrogram data holds {} values, not {frames} frames x {bins} bins",
                data.len()
            )));
        }
        Ok(Self { frames, bins, data })
    }

    /// An all-zero spectrogram of shape `[frames, bins]`.
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] when `bins` is 0 or the size overflows.
    pub fn zeros(frames: usize, bins: usize) -> Result<Self, AudioError> {
        let len = frames.checked_mul(bins).ok_or_else(|| {
            AudioError::InvalidConfig(format!("{frames} x {bins} spectrogram is too large"))
        })?;
        Self::new(vec![0.0; len], frames, bins)
    }

    /// Number of time frames (rows).
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Number of frequency bins (columns).
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// The shape `[frames, bins]`.
    pub fn shape(&self) -> [usize; 2] {
        [self.frames, self.bins]
    }

    /// All values, row-major `[frames, bins]`.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// All values, mutable, row-major `[frames, bins]`.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// Consumes the spectrogram, returning its row-major `[frames, bins]` values.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// Frame `t` (its `bins` values), or `None` past the end.
    pub fn frame(&self, t: usize) -> Option<&[f32]> {
        (t < self.frames).then(|| &self.data[t * self.bins..(t + 1) * self.bins])
    }

    /// Iterates over the frames in time order, each a slice of `bins` values.
    pub fn iter_frames(&self) -> std::slice::ChunksExact<'_, f32> {
        self.data.chunks_exact(self.bins)
    }

    /// The value at frame `t`, bin `k`, or `None` out of range.
    pub fn get(&self, t: usize, k: usize) -> Option<f32> {
        (t < self.frames && k < self.bins).then(|| self.data[t * self.bins + k])
    }

    /// A copy with exactly `frames` frames: zero frames appended at the end, or trailing frames
    /// dropped. Frame 0 stays the start of the recording.
    pub fn with_frames(&self, frames: usize) -> Self {
        let keep = frames.min(self.frames) * self.bins;
        let mut data = Vec::with_capacity(frames * self.bins);
        data.extend_from_slice(&self.data[..keep]);
        data.resize(frames * self.bins, 0.0);
        Self {
            frames,
            bins: self.bins,
            data,
        }
    }

    /// Frames `start..start + len` as a new spectrogram; frames past the end are zero.
    pub fn frame_window(&self, start: usize, len: usize) -> Self {
        let mut data = vec![0.0; len * self.bins];
        let end = (start + len).min(self.frames);
        if start < end {
            let src = &self.data[start * self.bins..end * self.bins];
            data[..src.len()].copy_from_slice(src);
        }
        Self {
            frames: len,
            bins: self.bins,
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(frames: usize, bins: usize) -> Spectrogram {
        let data = (0..frames * bins).map(|i| i as f32).collect();
        Spectrogram::new(data, frames, bins).unwrap()
    }

    #[test]
    fn new_checks_length_and_bins() {
        assert!(Spectrogram::new(vec![0.0; 6], 2, 3).is_ok());
        assert!(matches!(
            Spectrogram::new(vec![0.0; 5], 2, 3),
            Err(AudioError::InvalidConfig(_))
        ));
        assert!(Spectrogram::new(vec![], 0, 0).is_err());
        assert!(Spectrogram::new(vec![], 0, 4).is_ok());
    }

    #[test]
    fn rows_are_frames_in_time_order() {
        let s = ramp(3, 2);
        assert_eq!(s.frame(0), Some(&[0.0, 1.0][..]));
        assert_eq!(s.frame(2), Some(&[4.0, 5.0][..]));
        assert_eq!(s.frame(3), None);
        assert_eq!(s.get(1, 1), Some(3.0));
        assert_eq!(s.get(1, 2), None);
        assert_eq!(s.iter_frames().count(), 3);
    }

    #[test]
    fn with_frames_pads_zeros_at_the_end_or_truncates_the_end() {
        let s = ramp(3, 2);
        let padded = s.with_frames(5);
        assert_eq!(padded.shape(), [5, 2]);
        assert_eq!(&padded.as_slice()[..6], s.as_slice());
        assert!(padded.as_slice()[6..].iter().all(|&v| v == 0.0));
        let cut = s.with_frames(1);
        assert_eq!(cut.as_slice(), &[0.0, 1.0]);
    }

    #[test]
    fn frame_window_copies_and_zero_fills() {
        let s = ramp(3, 2);
        assert_eq!(s.frame_window(1, 2).as_slice(), &[2.0, 3.0, 4.0, 5.0]);
        assert_eq!(s.frame_window(2, 2).as_slice(), &[4.0, 5.0, 0.0, 0.0]);
        assert_eq!(s.frame_window(7, 1).as_slice(), &[0.0, 0.0]);
    }
}
