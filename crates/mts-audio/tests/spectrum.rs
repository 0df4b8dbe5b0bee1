//! Resampling keeps frequency, duration and timing; the STFT matches a naive DFT and Parseval.

mod common;

use common::{noise, sine, wav16};
use mts_audio::{FeatureExtractor, PadMode, ResamplerBank, SpectrogramConfig, Stft};

#[test]
fn a_1khz_sine_keeps_frequency_duration_and_timing_at_16khz() {
    let mut bank = ResamplerBank::new(16_000).unwrap();
    let config = SpectrogramConfig::paper();
    let mut stft = Stft::new(config.clone()).unwrap();
    for rate in [22_050u32, 24_414, 44_100, 48_000, 96_000] {
        let seconds = 1.5;
        let x = sine(1000.0, rate, seconds, 0.5);
        let y = bank
            .resample_samples(&x, rate, "sine.wav".as_ref())
            .unwrap();
        // Duration: within 1 sample per second of audio of the exact length.
        let exact = x.len() as f64 * 16_000.0 / f64::from(rate);
        assert!(
            (y.len() as f64 - exact).abs() <= seconds,
            "{rate} Hz: {} vs {exact}",
            y.len()
        );
        // Timing: sample n is the ideal sine at n / 16 kHz (no delay left in the output).
        let ideal = sine(1000.0, 16_000, seconds, 0.5);
        let edge = 400;
        let worst = y[edge..y.len() - edge]
            .iter()
            .zip(&ideal[edge..])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 5e-3, "{rate} Hz: max deviation {worst}");
        // Frequency: the peak stays in bin 20 (1000 Hz / 50 Hz per bin).
        assert_eq!(common::peak_bin(&stft.compute(&y)), 20, "{rate} Hz");
    }
}

/// `|X_k|` of the naive DFT (f64) of one windowed frame, k in 0..=n/2.
fn naive_dft_magnitudes(frame: &[f64]) -> Vec<f64> {
    let n = frame.len();
    (0..=n / 2)
        .map(|k| {
            let (mut re, mut im) = (0.0f64, 0.0f64);
            for (t, &x) in frame.iter().enumerate() {
                let phase = -2.0 * std::f64::consts::PI * (k * t % n) as f64 / n as f64;
                re += x * phase.cos();
                im += x * phase.sin();
            }
            (re * re + im * im).sqrt()
        })
        .collect()
}

/// The signal as the STFT frames it: padded by n_fft/2 on each side when centred.
fn framed_signal(x: &[f32], config: &SpectrogramConfig) -> Vec<f64> {
    let x: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    if !config.center {
        return x;
    }
    let pad = config.n_fft / 2;
    let n = x.len() as i64;
    let at = |i: i64| -> f64 {
        if (0..n).contains(&i) {
            return x[i as usize];
        }
        match config.pad_mode {
            PadMode::Zero => 0.0,
            PadMode::Reflect => {
                // Pads here are shorter than the signal: one mirror suffices.
                let j = if i < 0 { -i } else { 2 * (n - 1) - i };
                x[j as usize]
            }
        }
    };
    (-(pad as i64)..n + pad as i64).map(at).collect()
}

#[test]
fn stft_matches_a_naive_dft_within_1e_4_relative() {
    let x: Vec<f32> = noise(4000, 7, 0.7)
        .iter()
        .zip(sine(1234.5, 16_000, 0.25, 0.3))
        .map(|(a, b)| a + b)
        .collect();
    let configs = [
        SpectrogramConfig::paper(),
        SpectrogramConfig {
            center: false,
            ..SpectrogramConfig::paper()
        },
        SpectrogramConfig {
            pad_mode: PadMode::Reflect,
            ..SpectrogramConfig::paper()
        },
        SpectrogramConfig {
            win_length: 200,
            hop_length: 100,
            ..SpectrogramConfig::paper()
        },
        SpectrogramConfig::published_code(),
    ];
    for config in configs {
        let spectrogram = Stft::new(config.clone()).unwrap().compute(&x);
        assert_eq!(
            spectrogram.frames(),
            config.frames_for_samples(x.len()),
            "{config:?}"
        );
        let framed = framed_signal(&x, &config);
        // Periodic Hann of win_length centred in n_fft.
        let offset = (config.n_fft - config.win_length) / 2;
        let window: Vec<f64> = (0..config.n_fft)
            .map(|i| {
                let j = i as f64 - offset as f64;
                if j < 0.0 || j >= config.win_length as f64 {
                    0.0
                } else {
                    0.5 - 0.5 * (2.0 * std::f64::consts::PI * j / config.win_length as f64).cos()
                }
            })
            .collect();
        for (t, row) in spectrogram.iter_frames().enumerate() {
            let start = t * config.hop_length;
            let frame: Vec<f64> = framed[start..start + config.n_fft]
                .iter()
                .zip(&window)
                .map(|(a, w)| a * w)
                .collect();
            let expected: Vec<f64> = naive_dft_magnitudes(&frame)
                .into_iter()
                .map(|m| m.powf(f64::from(config.exponent)))
                .collect();
            let scale = expected.iter().copied().fold(0.0f64, f64::max).max(1e-12);
            for (k, (&got, &want)) in row.iter().zip(&expected).enumerate() {
                let rel = (f64::from(got) - want).abs() / scale;
                assert!(
                    rel <= 1e-4,
                    "{config:?} frame {t} bin {k}: {got} vs {want} ({rel:e})"
                );
            }
        }
    }
}

#[test]
fn parseval_holds_for_every_frame() {
    // Power spectrogram (exponent 2), uncentred so every frame is pure signal.
    let config = SpectrogramConfig {
        exponent: 2.0,
        center: false,
        ..SpectrogramConfig::paper()
    };
    let x: Vec<f32> = noise(3200, 11, 0.9);
    let spectrogram = Stft::new(config.clone()).unwrap().compute(&x);
    let window = Stft::new(config.clone()).unwrap().window().to_vec();
    let n = config.n_fft;
    for (t, power) in spectrogram.iter_frames().enumerate() {
        let start = t * config.hop_length;
        let time_energy: f64 = x[start..start + n]
            .iter()
            .zip(&window)
            .map(|(a, w)| f64::from(a * w).powi(2))
            .sum();
        // One-sided spectrum of even n: bins 0 and n/2 once, the others twice.
        let inner: f64 = power[1..n / 2].iter().map(|&p| f64::from(p)).sum();
        let freq_energy = (f64::from(power[0]) + 2.0 * inner + f64::from(power[n / 2])) / n as f64;
        let rel = (time_energy - freq_energy).abs() / time_energy;
        assert!(rel < 1e-4, "frame {t}: {time_energy} vs {freq_energy}");
    }
}

#[test]
fn a_silent_file_gives_an_all_zero_spectrogram() {
    // 44.1 kHz so that the resampler runs too.
    let silent = wav16(&vec![0.0; 44_100 / 2], 44_100);
    let mut extractor = FeatureExtractor::new(SpectrogramConfig::paper())
        .unwrap()
        .with_screen(None);
    let s = extractor.extract_bytes(&silent, "silent.wav").unwrap();
    assert_eq!(s.shape(), [1 + 8000 / 160, 161]);
    assert!(s.as_slice().iter().all(|&v| v == 0.0));
    let mut published = FeatureExtractor::new(SpectrogramConfig::published_code())
        .unwrap()
        .with_screen(None);
    let s = published.extract_bytes(&silent, "silent.wav").unwrap();
    assert_eq!(s.bins(), 513);
    assert!(s.as_slice().iter().all(|&v| v == 0.0));
}
