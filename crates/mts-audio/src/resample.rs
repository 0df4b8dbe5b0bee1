//! [`ResamplerBank`]: band-limited resampling to one target rate, one rubato FFT resampler per
//! input rate, reused.

use std::collections::HashMap;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};

use crate::{AudioError, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, Waveform};

/// Output frames per FFT block that the resamplers aim for (rounded up to what the rate pair
/// allows). Larger blocks move the anti-aliasing cutoff closer to the target Nyquist frequency.
const TARGET_BLOCK_OUT: usize = 1024;

/// Resamples any input rate to one target rate with rubato's synchronous FFT resampler
/// ([`rubato::Fft`], Blackman-Harris² anti-aliasing filter).
///
/// The resampler for an input rate is built on first use and kept for later inputs at that rate.
/// The output is trimmed of the resampler's delay, so sample `n` of the output is at time
/// `n / target_rate`, like sample `m` of the input is at `m / input_rate`, and an `N`-sample input
/// gives `ceil(N * target_rate / input_rate)` samples. Inputs already at the target rate are
/// copied unchanged. Downsampling removes content above an anti-aliasing cutoff just below the
/// target Nyquist frequency ([`cutoff_hz`](Self::cutoff_hz) reports it) before decimating.
pub struct ResamplerBank {
    target_rate: u32,
    resamplers: HashMap<u32, Fft<f32>>,
}

impl std::fmt::Debug for ResamplerBank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rates: Vec<_> = self.resamplers.keys().collect();
        rates.sort();
        f.debug_struct("ResamplerBank")
            .field("target_rate", &self.target_rate)
            .field("input_rates", &rates)
            .finish()
    }
}

impl ResamplerBank {
    /// A bank resampling to `target_rate` Hz.
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] when `target_rate` is outside
    /// [`MIN_SAMPLE_RATE`]`..=`[`MAX_SAMPLE_RATE`].
    pub fn new(target_rate: u32) -> Result<Self, AudioError> {
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&target_rate) {
            return Err(AudioError::InvalidConfig(format!(
                "target rate {target_rate} Hz outside {MIN_SAMPLE_RATE}..={MAX_SAMPLE_RATE}"
            )));
        }
        Ok(Self {
            target_rate,
            resamplers: HashMap::new(),
        })
    }

    /// The output rate in Hz.
    pub fn target_rate(&self) -> u32 {
        self.target_rate
    }

    /// The anti-aliasing cutoff used for `input_rate`, in Hz (builds that resampler if needed).
    ///
    /// # Errors
    /// As [`resample`](Self::resample), for an invalid `input_rate`.
    pub fn cutoff_hz(&mut self, input_rate: u32) -> Result<f32, AudioError> {
        let nyquist = self.target_rate as f32 / 2.0;
        let resampler = self.resampler_for(input_rate, std::path::Path::new("<cutoff query>"))?;
        Ok(resampler.map_or(nyquist, |r| r.cutoff() * input_rate as f32 / 2.0))
    }

    /// `waveform` at the target rate (same source and channel count).
    ///
    /// # Errors
    /// [`AudioError::InvalidSampleRate`] for a rate outside
    /// [`MIN_SAMPLE_RATE`]`..=`[`MAX_SAMPLE_RATE`], [`AudioError::Resample`] if rubato fails;
    /// both name `waveform.source`.
    pub fn resample(&mut self, waveform: &Waveform) -> Result<Waveform, AudioError> {
        let samples =
            self.resample_samples(&waveform.samples, waveform.sample_rate, &waveform.source)?;
        Ok(Waveform {
            samples,
            sample_rate: self.target_rate,
            channels: waveform.channels,
            source: waveform.source.clone(),
        })
    }

    /// `samples` (mono, at `input_rate` Hz) at the target rate; `source` names them in errors.
    ///
    /// # Errors
    /// As [`resample`](Self::resample).
    pub fn resample_samples(
        &mut self,
        samples: &[f32],
        input_rate: u32,
        source: &std::path::Path,
    ) -> Result<Vec<f32>, AudioError> {
        let Some(resampler) = self.resampler_for(input_rate, source)? else {
            return Ok(samples.to_vec());
        };
        if samples.is_empty() {
            return Ok(Vec::new());
        }
        let resample_error = |detail: String| AudioError::Resample {
            path: source.to_path_buf(),
            from_rate: input_rate,
            detail,
        };
        let input = InterleavedSlice::new(samples, 1, samples.len())
            .map_err(|e| resample_error(e.to_string()))?;
        let output = resampler
            .process_all(&input, samples.len(), None)
            .map_err(|e| resample_error(e.to_string()))?;
        Ok(output.take_data())
    }

    /// The resampler for `input_rate`, `None` when no resampling is needed.
    fn resampler_for(
        &mut self,
        input_rate: u32,
        source: &std::path::Path,
    ) -> Result<Option<&mut Fft<f32>>, AudioError> {
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&input_rate) {
            return Err(AudioError::InvalidSampleRate {
                path: source.to_path_buf(),
                rate: input_rate,
            });
        }
        if input_rate == self.target_rate {
            return Ok(None);
        }
        let target = self.target_rate;
        match self.resamplers.entry(input_rate) {
            std::collections::hash_map::Entry::Occupied(e) => Ok(Some(e.into_mut())),
            std::collections::hash_map::Entry::Vacant(e) => {
                let (rate_in, rate_out) = (input_rate as usize, target as usize);
                // One FFT block per chunk, about TARGET_BLOCK_OUT output frames long. Blocks are
                // whole multiples of the smallest block the rate pair allows (rate / gcd), and an
                // even multiple: with an odd input block rubato's filter is centred half an input
                // sample off, delaying the output by that much (measured: 0.33 output samples at
                // 24 414 Hz).
                let gcd = gcd(rate_in, rate_out);
                let (min_in, min_out) = (rate_in / gcd, rate_out / gcd);
                let blocks = TARGET_BLOCK_OUT.div_ceil(min_out).next_multiple_of(2);
                let chunk_in = blocks * min_in;
                let resampler = Fft::<f32>::new_custom(
                    rate_in,
                    rate_out,
                    chunk_in,
                    1,
                    1,
                    WindowFunction::BlackmanHarris2,
                    FixedSync::Input,
                )
                .map_err(|e| AudioError::Resample {
                    path: source.to_path_buf(),
                    from_rate: input_rate,
                    detail: e.to_string(),
                })?;
                Ok(Some(e.insert(resampler)))
            }
        }
    }
}

/// Greatest common divisor (Euclid).
fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: u32, seconds: f32) -> Vec<f32> {
        let n = (seconds * rate as f32) as usize;
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
    }

    #[test]
    fn output_length_is_ceil_of_ratio() {
        let mut bank = ResamplerBank::new(16_000).unwrap();
        for (rate, n) in [
            (48_000, 48_001),
            (44_100, 22_050),
            (22_050, 1),
            (24_414, 30_000),
        ] {
            let out = bank
                .resample_samples(&vec![0.1; n], rate, "x".as_ref())
                .unwrap();
            let expected = (n as u64 * 16_000).div_ceil(rate as u64) as usize;
            assert_eq!(out.len(), expected, "rate {rate}, n {n}");
        }
    }

    #[test]
    fn same_rate_is_identity_and_resamplers_are_reused() {
        let mut bank = ResamplerBank::new(16_000).unwrap();
        let x = sine(440.0, 16_000, 0.1);
        assert_eq!(bank.resample_samples(&x, 16_000, "x".as_ref()).unwrap(), x);
        bank.resample_samples(&x, 44_100, "x".as_ref()).unwrap();
        bank.resample_samples(&x, 44_100, "x".as_ref()).unwrap();
        bank.resample_samples(&x, 48_000, "x".as_ref()).unwrap();
        assert_eq!(bank.resamplers.len(), 2);
    }

    #[test]
    fn downsampling_removes_content_above_the_new_nyquist() {
        let mut bank = ResamplerBank::new(16_000).unwrap();
        // 12 kHz cannot be represented at 16 kHz: it must vanish, not alias to 4 kHz.
        let high = bank
            .resample_samples(&sine(12_000.0, 48_000, 0.5), 48_000, "x".as_ref())
            .unwrap();
        let pass = bank
            .resample_samples(&sine(1_000.0, 48_000, 0.5), 48_000, "x".as_ref())
            .unwrap();
        let mid = high.len() / 4..3 * high.len() / 4;
        assert!(
            rms(&high[mid.clone()]) < 1e-3 * rms(&pass[mid.clone()]),
            "{}",
            rms(&high[mid])
        );
        assert!((rms(&pass[2000..6000]) - 0.5 / 2f32.sqrt()).abs() < 0.01);
        let cutoff = bank.cutoff_hz(48_000).unwrap();
        assert!((7_000.0..8_000.0).contains(&cutoff), "cutoff {cutoff} Hz");
    }

    #[test]
    fn invalid_rates_are_errors() {
        assert!(ResamplerBank::new(0).is_err());
        let mut bank = ResamplerBank::new(16_000).unwrap();
        let err = bank
            .resample_samples(&[0.0; 10], 0, "z.wav".as_ref())
            .unwrap_err();
        assert!(matches!(err, AudioError::InvalidSampleRate { rate: 0, .. }));
        assert!(
            bank.resample_samples(&[0.0; 10], 5_000_000, "z.wav".as_ref())
                .is_err()
        );
    }
}
