//! [`Segmenter`]: cutting long recordings into fixed-length overlapping windows that remember
//! their utterance.

use serde::{Deserialize, Serialize};

use crate::{AudioError, Spectrogram, SpectrogramConfig};

/// One window of an utterance's spectrogram.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment<I> {
    /// The utterance the window was cut from (whatever id the caller passed), so predictions can
    /// be pooled per utterance.
    pub utterance: I,
    /// Position of this window among the utterance's windows, from 0.
    pub index: usize,
    /// First frame of the window in the utterance's spectrogram.
    pub start_frame: usize,
    /// The window: exactly [`Segmenter::window_frames`] frames (zero-padded at the end when the
    /// utterance is shorter).
    pub spectrogram: Spectrogram,
}

/// Cuts spectrograms into windows of `window_frames` frames starting every `hop_frames` frames.
///
/// Windows start at `0, hop, 2 hop, ...` while they fit. When the last of those ends before the
/// utterance does, one more window, aligned to the end, covers the rest (it overlaps its
/// predecessor by more than usual; it is never added twice, unlike the published code). An
/// utterance no longer than one window gives a single window, zero-padded at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segmenter {
    window_frames: usize,
    hop_frames: usize,
}

impl Segmenter {
    /// Windows of `window_frames` frames every `hop_frames` frames.
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] when either is 0.
    pub fn new(window_frames: usize, hop_frames: usize) -> Result<Self, AudioError> {
        if window_frames == 0 || hop_frames == 0 {
            return Err(AudioError::InvalidConfig(format!(
                "segment window {window_frames} and hop {hop_frames} frames must be positive"
            )));
        }
        Ok(Self {
            window_frames,
            hop_frames,
        })
    }

    /// Windows of `window_seconds` every `hop_seconds` for spectrograms made with `config`: the
    /// window is the frame count of `window_seconds` of audio
    /// ([`SpectrogramConfig::frames_for_seconds`]), the hop is `hop_seconds` in samples divided by
    /// `hop_length`, rounded (at least 1).
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] for non-positive or non-finite durations, or a window
    /// shorter than one frame.
    pub fn from_seconds(
        config: &SpectrogramConfig,
        window_seconds: f64,
        hop_seconds: f64,
    ) -> Result<Self, AudioError> {
        let window = config.frames_for_seconds(window_seconds)?;
        let hop_samples = config.samples_for_seconds(hop_seconds)?;
        let hop = ((hop_samples as f64 / config.hop_length.max(1) as f64).round() as usize).max(1);
        Self::new(window, hop)
    }

    /// The paper's segmentation: 4 s windows with a 2 s hop (401 and 200 frames with
    /// [`SpectrogramConfig::paper`]).
    ///
    /// # Errors
    /// As [`from_seconds`](Self::from_seconds).
    pub fn paper(config: &SpectrogramConfig) -> Result<Self, AudioError> {
        Self::from_seconds(config, 4.0, 2.0)
    }

    /// Frames per window.
    pub fn window_frames(&self) -> usize {
        self.window_frames
    }

    /// Frames between window starts.
    pub fn hop_frames(&self) -> usize {
        self.hop_frames
    }

    /// The start frames of the windows for a spectrogram of `frames` frames.
    pub fn starts(&self, frames: usize) -> Vec<usize> {
        if frames <= self.window_frames {
            return vec![0];
        }
        let last = frames - self.window_frames;
        let mut starts: Vec<usize> = (0..=last).step_by(self.hop_frames).collect();
        if starts.last() != Some(&last) {
            starts.push(last);
        }
        starts
    }

    /// The windows of `spectrogram`, each tagged with `utterance`.
    pub fn segment<I: Clone>(&self, utterance: I, spectrogram: &Spectrogram) -> Vec<Segment<I>> {
        self.starts(spectrogram.frames())
            .into_iter()
            .enumerate()
            .map(|(index, start_frame)| Segment {
                utterance: utterance.clone(),
                index,
                start_frame,
                spectrogram: spectrogram.frame_window(start_frame, self.window_frames),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(frames: usize) -> Spectrogram {
        Spectrogram::new((0..frames).map(|t| t as f32).collect(), frames, 1).unwrap()
    }

    #[test]
    fn paper_windows_are_401_frames_every_200() {
        let s = Segmenter::paper(&SpectrogramConfig::paper()).unwrap();
        assert_eq!((s.window_frames(), s.hop_frames()), (401, 200));
        let p = Segmenter::paper(&SpectrogramConfig::published_code()).unwrap();
        assert_eq!((p.window_frames(), p.hop_frames()), (126, 63));
    }

    #[test]
    fn starts_cover_the_whole_utterance_without_duplicates() {
        let s = Segmenter::new(4, 2).unwrap();
        assert_eq!(s.starts(3), [0]);
        assert_eq!(s.starts(4), [0]);
        assert_eq!(s.starts(8), [0, 2, 4]);
        assert_eq!(s.starts(9), [0, 2, 4, 5]);
        for frames in 1..40 {
            let starts = s.starts(frames);
            let end = starts.last().unwrap() + 4;
            assert!(end >= frames, "frames {frames}: {starts:?}");
            assert!(starts.windows(2).all(|w| w[0] < w[1] && w[1] - w[0] <= 2));
        }
    }

    #[test]
    fn segments_keep_the_utterance_id_and_content() {
        let s = Segmenter::new(4, 2).unwrap();
        let segs = s.segment("03a01Fa", &numbered(9));
        assert_eq!(segs.len(), 4);
        assert!(
            segs.iter()
                .all(|g| g.utterance == "03a01Fa" && g.spectrogram.frames() == 4)
        );
        assert_eq!(segs[3].index, 3);
        assert_eq!(segs[3].spectrogram.as_slice(), &[5.0, 6.0, 7.0, 8.0]);
        let short = s.segment(7u32, &numbered(2));
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].spectrogram.as_slice(), &[0.0, 1.0, 0.0, 0.0]);
        assert!(Segmenter::new(0, 1).is_err());
    }
}
