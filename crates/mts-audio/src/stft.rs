//! [`Stft`]: a planned short-time Fourier transform (realfft) producing a [`Spectrogram`].

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::{AudioError, PadMode, Spectrogram, SpectrogramConfig};

/// A short-time Fourier transform planned once for one [`SpectrogramConfig`] and reused.
///
/// Holds the FFT plan, the window and scratch buffers, so [`compute`](Self::compute) takes
/// `&mut self`; use one `Stft` per thread. See [`SpectrogramConfig`] for the framing.
pub struct Stft {
    config: SpectrogramConfig,
    fft: Arc<dyn RealToComplex<f32>>,
    /// The periodic Hann window, centred in `n_fft` samples.
    window: Vec<f32>,
    frame: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    padded: Vec<f32>,
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Stft {
    /// Plans the FFT and builds the window for `config`.
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] when `config` fails [`SpectrogramConfig::validate`].
    pub fn new(config: SpectrogramConfig) -> Result<Self, AudioError> {
        config.validate()?;
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(config.n_fft);
        let window = hann_window(config.win_length, config.n_fft);
        Ok(Self {
            frame: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
            padded: Vec::new(),
            config,
        })
    }

    /// The configuration this transform was planned for.
    pub fn config(&self) -> &SpectrogramConfig {
        &self.config
    }

    /// The window applied to every frame: `n_fft` values, a periodic Hann window of
    /// `win_length` samples centred in zeros.
    pub fn window(&self) -> &[f32] {
        &self.window
    }

    /// The spectrogram of `samples` (mono, at `config.sample_rate`), shape
    /// `[config.frames_for_samples(samples.len()), config.n_bins()]`.
    ///
    /// Non-finite samples propagate into the output; the decoders in this crate never produce
    /// them.
    pub fn compute(&mut self, samples: &[f32]) -> Spectrogram {
        let n_fft = self.config.n_fft;
        let hop = self.config.hop_length;
        let bins = self.config.n_bins();
        let frames = self.config.frames_for_samples(samples.len());
        let signal: &[f32] = if self.config.center {
            let pad = n_fft / 2;
            self.padded.clear();
            self.padded.reserve(samples.len() + 2 * pad);
            extend_padding(
                &mut self.padded,
                samples,
                pad,
                self.config.pad_mode,
                Side::Left,
            );
            self.padded.extend_from_slice(samples);
            extend_padding(
                &mut self.padded,
                samples,
                pad,
                self.config.pad_mode,
                Side::Right,
            );
            &self.padded
        } else {
            samples
        };

        let exponent = self.config.exponent;
        let mut out = Vec::with_capacity(frames * bins);
        for t in 0..frames {
            let chunk = &signal[t * hop..t * hop + n_fft];
            for ((dst, &x), &w) in self.frame.iter_mut().zip(chunk).zip(&self.window) {
                *dst = x * w;
            }
            // Cannot fail: every buffer was made by this plan and keeps its length.
            if self
                .fft
                .process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch)
                .is_err()
            {
                unreachable!("realfft buffers have the planned lengths");
            }
            if exponent == 1.0 {
                out.extend(self.spectrum.iter().map(|c| c.norm()));
            } else if exponent == 2.0 {
                out.extend(self.spectrum.iter().map(|c| c.norm_sqr()));
            } else {
                let half = exponent / 2.0;
                out.extend(self.spectrum.iter().map(|c| c.norm_sqr().powf(half)));
            }
        }
        if self.config.log_compression {
            out.iter_mut().for_each(|v| *v = v.ln_1p());
        }
        Spectrogram::new(out, frames, bins).expect("frames x bins values were written")
    }
}

/// A periodic Hann window of `win_length` samples centred in `n_fft` samples (librosa's
/// `get_window("hann", win_length, fftbins=True)` padded by `util.pad_center`).
fn hann_window(win_length: usize, n_fft: usize) -> Vec<f32> {
    let mut window = vec![0.0f32; n_fft];
    let offset = (n_fft - win_length) / 2;
    let n = win_length as f64;
    for (i, w) in window[offset..offset + win_length].iter_mut().enumerate() {
        *w = (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n).cos()) as f32;
    }
    window
}

#[derive(Clone, Copy)]
enum Side {
    Left,
    Right,
}

/// Appends `pad` padding samples for one side of `samples` to `out`, in signal order.
fn extend_padding(out: &mut Vec<f32>, samples: &[f32], pad: usize, mode: PadMode, side: Side) {
    let n = samples.len();
    match mode {
        PadMode::Zero => out.resize(out.len() + pad, 0.0),
        PadMode::Reflect if n == 0 => out.resize(out.len() + pad, 0.0),
        PadMode::Reflect => match side {
            // Left pad position j (0 = farthest) is signal index -(pad - j).
            Side::Left => {
                out.extend((0..pad).map(|j| samples[reflect_index(-((pad - j) as i64), n)]))
            }
            Side::Right => out.extend((0..pad).map(|j| samples[reflect_index((n + j) as i64, n)])),
        },
    }
}

/// Maps a signal index outside `0..n` onto `0..n` by mirroring without repeating the edge
/// (numpy's `"reflect"`), repeatedly for indices beyond one signal length.
fn reflect_index(i: i64, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as i64 - 1);
    let m = i.rem_euclid(period);
    if m < n as i64 {
        m as usize
    } else {
        (period - m) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_hann_window() {
        let w = hann_window(4, 4);
        let expected = [0.0, 0.5, 1.0, 0.5];
        for (a, b) in w.iter().zip(expected) {
            assert!((a - b).abs() < 1e-7, "{w:?}");
        }
        // Shorter window centred in the frame.
        let w = hann_window(4, 8);
        assert_eq!(&w[..2], &[0.0, 0.0]);
        assert_eq!(&w[6..], &[0.0, 0.0]);
        assert!((w[4] - 1.0).abs() < 1e-7);
    }

    #[test]
    fn reflect_matches_numpy() {
        // np.pad([1,2,3,4], 5, mode="reflect") ==
        // [2, 3, 4, 3, 2, | 1, 2, 3, 4, | 3, 2, 1, 2, 3]
        let x = [1.0, 2.0, 3.0, 4.0];
        let mut out = Vec::new();
        extend_padding(&mut out, &x, 5, PadMode::Reflect, Side::Left);
        out.extend_from_slice(&x);
        extend_padding(&mut out, &x, 5, PadMode::Reflect, Side::Right);
        assert_eq!(
            out,
            [2., 3., 4., 3., 2., 1., 2., 3., 4., 3., 2., 1., 2., 3.]
        );
        let mut one = Vec::new();
        extend_padding(&mut one, &[7.0], 2, PadMode::Reflect, Side::Right);
        assert_eq!(one, [7.0, 7.0]);
    }

    #[test]
    fn centred_frame_t_is_centred_on_sample_t_hop() {
        // Frame t covers samples 160t - 160 .. 160t + 160; an impulse at sample 800 sits at the
        // centre of frame 5 (window value 1, flat spectrum) and is seen by no other frame.
        let mut stft = Stft::new(SpectrogramConfig::paper()).unwrap();
        let mut x = vec![0.0f32; 1600];
        x[800] = 1.0;
        let s = stft.compute(&x);
        assert_eq!(s.frames(), 11);
        let frame5 = s.frame(5).unwrap();
        assert!(frame5.iter().all(|&v| (v - 1.0).abs() < 1e-6), "{frame5:?}");
        // Frame 4 (samples 480..800) misses it; frame 6 (800..1120) has it under window[0] = 0.
        for t in (0..s.frames()).filter(|&t| t != 5) {
            assert!(
                s.frame(t).unwrap().iter().all(|&v| v.abs() < 1e-6),
                "frame {t}"
            );
        }
    }

    #[test]
    fn uncentred_too_short_gives_no_frames() {
        let config = SpectrogramConfig {
            center: false,
            ..SpectrogramConfig::paper()
        };
        let mut stft = Stft::new(config).unwrap();
        let s = stft.compute(&[0.5; 100]);
        assert_eq!(s.shape(), [0, 161]);
        let s = stft.compute(&[0.5; 480]);
        assert_eq!(s.shape(), [2, 161]);
    }

    #[test]
    fn exponent_scales_the_magnitude() {
        let x: Vec<f32> = (0..640).map(|i| (i as f32 * 0.3).sin()).collect();
        let mag = Stft::new(SpectrogramConfig::paper()).unwrap().compute(&x);
        let pow_cfg = SpectrogramConfig {
            exponent: 2.0 / 3.0,
            ..SpectrogramConfig::paper()
        };
        let comp = Stft::new(pow_cfg).unwrap().compute(&x);
        for (m, c) in mag.as_slice().iter().zip(comp.as_slice()) {
            assert!((m.powf(2.0 / 3.0) - c).abs() <= 1e-4 * (1.0 + c), "{m} {c}");
        }
    }

    #[test]
    fn log_compression_is_ln_1p_of_the_magnitude() {
        let x: Vec<f32> = (0..640).map(|i| (i as f32 * 0.3).sin()).collect();
        let mag = Stft::new(SpectrogramConfig::paper()).unwrap().compute(&x);
        let log = Stft::new(SpectrogramConfig::log_magnitude())
            .unwrap()
            .compute(&x);
        assert_eq!(mag.shape(), log.shape());
        let mut loud = false;
        for (m, l) in mag.as_slice().iter().zip(log.as_slice()) {
            assert!((m.ln_1p() - l).abs() <= 1e-5 * (1.0 + l), "{m} {l}");
            loud |= *m > 10.0;
        }
        assert!(
            loud,
            "the test signal has bins above 10 where ln(1+x) differs from x"
        );
    }
}
