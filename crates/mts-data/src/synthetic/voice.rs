//! A tiny formant synthesiser: a glottal pulse train with a pitch contour, shaped by three
//! formant resonators, with syllable envelopes and background noise.

use std::f32::consts::PI;

use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;

/// One voiced syllable, or a pause when `vowel` is `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Segment {
    /// Length, seconds.
    pub duration_s: f32,
    /// Pitch at the start and the end of the syllable, Hz (linear in between).
    pub f0_hz: (f32, f32),
    /// Formant frequencies F1..F3, Hz; `None` for a pause.
    pub formants_hz: Option<[f32; 3]>,
}

/// Formant bandwidths, Hz.
const BANDWIDTHS_HZ: [f32; 3] = [80.0, 100.0, 140.0];

/// Klatt's second-order digital resonator.
#[derive(Debug, Clone, Copy, Default)]
struct Resonator {
    a: f32,
    b: f32,
    c: f32,
    y1: f32,
    y2: f32,
}

impl Resonator {
    fn tune(&mut self, freq_hz: f32, bandwidth_hz: f32, sample_rate: f32) {
        let t = 1.0 / sample_rate;
        self.c = -(-2.0 * PI * bandwidth_hz * t).exp();
        self.b = 2.0 * (-PI * bandwidth_hz * t).exp() * (2.0 * PI * freq_hz * t).cos();
        self.a = 1.0 - self.b - self.c;
    }

    fn step(&mut self, x: f32) -> f32 {
        let y = self.a * x + self.b * self.y1 + self.c * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// Rosenberg-style glottal flow over one period, `phase` in `[0, 1)`.
fn glottal_flow(phase: f32) -> f32 {
    const OPEN: f32 = 0.4;
    const CLOSE: f32 = 0.16;
    if phase < OPEN {
        0.5 * (1.0 - (PI * phase / OPEN).cos())
    } else if phase < OPEN + CLOSE {
        (0.5 * PI * (phase - OPEN) / CLOSE).cos()
    } else {
        0.0
    }
}

/// A standard normal sample (Box–Muller).
pub(crate) fn gaussian(rng: &mut Xoshiro256PlusPlus) -> f32 {
    let u1: f32 = rng.random::<f32>().max(f32::MIN_POSITIVE);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
}

/// Renders `segments` at `sample_rate`, adds white noise at `snr_db` below the voiced signal's
/// power, and scales the peak to `peak`.
pub(crate) fn render(
    segments: &[Segment],
    sample_rate: u32,
    snr_db: f32,
    peak: f32,
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<f32> {
    let sr = sample_rate as f32;
    let total: usize = segments
        .iter()
        .map(|s| (s.duration_s * sr).round() as usize)
        .sum();
    let mut out = Vec::with_capacity(total);
    let mut resonators = [Resonator::default(); 3];
    let mut phase = 0.0f32;
    let mut previous_flow = 0.0f32;
    for segment in segments {
        let n = (segment.duration_s * sr).round() as usize;
        let Some(formants) = segment.formants_hz else {
            out.extend(std::iter::repeat_n(0.0, n));
            resonators = [Resonator::default(); 3];
            continue;
        };
        for (r, (&f, &bw)) in resonators
            .iter_mut()
            .zip(formants.iter().zip(&BANDWIDTHS_HZ))
        {
            r.tune(f, bw, sr);
        }
        let attack = (0.15 * n as f32).max(1.0);
        let release = (0.25 * n as f32).max(1.0);
        for i in 0..n {
            let t = i as f32 / n.max(1) as f32;
            let f0 = segment.f0_hz.0 + (segment.f0_hz.1 - segment.f0_hz.0) * t;
            phase = (phase + f0 / sr).fract();
            let flow = glottal_flow(phase);
            // Lip radiation: the derivative of the flow.
            let mut y = flow - previous_flow;
            previous_flow = flow;
            for r in &mut resonators {
                y = r.step(y);
            }
            let fi = i as f32;
            let envelope = if fi < attack {
                0.5 * (1.0 - (PI * fi / attack).cos())
            } else if fi > n as f32 - release {
                0.5 * (1.0 - (PI * (n as f32 - fi) / release).cos())
            } else {
                1.0
            };
            out.push(y * envelope);
        }
    }
    let voiced_power = {
        let (sum, count) = out
            .iter()
            .filter(|x| **x != 0.0)
            .fold((0.0f64, 0usize), |(s, c), x| (s + f64::from(x * x), c + 1));
        if count == 0 {
            0.0
        } else {
            (sum / count as f64) as f32
        }
    };
    let noise_std = (voiced_power / 10f32.powf(snr_db / 10.0)).sqrt();
    for x in &mut out {
        *x += noise_std * gaussian(rng);
    }
    let max = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if max > 0.0 {
        let gain = peak / max;
        for x in &mut out {
            *x *= gain;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    /// Dominant frequency of `x` among `candidates` (a crude DFT probe).
    fn energy_at(x: &[f32], freq: f32, sr: f32) -> f32 {
        let (mut re, mut im) = (0.0f32, 0.0f32);
        for (i, v) in x.iter().enumerate() {
            let w = 2.0 * PI * freq * i as f32 / sr;
            re += v * w.cos();
            im += v * w.sin();
        }
        (re * re + im * im).sqrt()
    }

    #[test]
    fn renders_the_pitch_and_silences() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let segments = [
            Segment {
                duration_s: 0.1,
                f0_hz: (0.0, 0.0),
                formants_hz: None,
            },
            Segment {
                duration_s: 0.3,
                f0_hz: (200.0, 200.0),
                formants_hz: Some([700.0, 1200.0, 2500.0]),
            },
        ];
        let x = render(&segments, 16_000, 60.0, 0.5, &mut rng);
        assert_eq!(x.len(), 1600 + 4800);
        let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!((peak - 0.5).abs() < 1e-6);
        // The pause holds only the faint noise.
        assert!(x[..1600].iter().all(|v| v.abs() < 0.01));
        let voiced = &x[1600 + 1200..1600 + 3600];
        let at_f0 = energy_at(voiced, 200.0, 16_000.0);
        let off_f0 = energy_at(voiced, 300.0, 16_000.0);
        assert!(at_f0 > 5.0 * off_f0, "{at_f0} vs {off_f0}");
    }
}
