//! The normaliser: fitted on a training split only, applied unchanged to others, saved and
//! reloaded.

mod common;

use common::{noise, sine};
use mts_audio::{AudioError, Normalizer, NormalizerMode, Spectrogram, SpectrogramConfig, Stft};

fn spectrograms(seed: u64, amp: f32, count: usize) -> Vec<Spectrogram> {
    let mut stft = Stft::new(SpectrogramConfig::paper()).unwrap();
    (0..count)
        .map(|i| {
            let x: Vec<f32> = noise(3200 + 160 * i, seed + i as u64, amp)
                .iter()
                .zip(sine(500.0 * (i + 1) as f64, 16_000, 1.0, 0.2))
                .map(|(a, b)| a + b)
                .collect();
            stft.compute(&x)
        })
        .collect()
}

/// Mean and population std of every value of `specs`, computed directly.
fn stats(specs: &[Spectrogram]) -> (f64, f64) {
    let values: Vec<f64> = specs
        .iter()
        .flat_map(|s| s.as_slice())
        .map(|&v| f64::from(v))
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
    (mean, var.sqrt())
}

#[test]
fn fitted_on_split_a_it_ignores_split_b() {
    let split_a = spectrograms(1, 0.1, 4);
    // Split B is louder: its own statistics differ a lot from A's.
    let split_b = spectrograms(100, 0.8, 3);
    let (mean_a, std_a) = stats(&split_a);
    let (mean_b, _) = stats(&split_b);
    assert!((mean_a - mean_b).abs() > 0.5 * mean_a);

    let normalizer = Normalizer::fit(NormalizerMode::Global, &split_a).unwrap();
    assert!((normalizer.mean()[0] - mean_a).abs() < 1e-9 * mean_a.abs().max(1.0));
    assert!((normalizer.std()[0] - std_a).abs() < 1e-9 * std_a);

    // Split B is transformed with A's statistics, not its own...
    let b_normalized: Vec<Spectrogram> = split_b
        .iter()
        .map(|s| normalizer.normalized(s).unwrap())
        .collect();
    for (raw, out) in split_b.iter().zip(&b_normalized) {
        for (&r, &o) in raw.as_slice().iter().zip(out.as_slice()) {
            let expected = (f64::from(r) - mean_a) / std_a;
            assert!((f64::from(o) - expected).abs() < 1e-4 * (1.0 + expected.abs()));
        }
    }
    // ...so B is not standardised (its statistics were never used), while A is.
    let (mean_bn, std_bn) = stats(&b_normalized);
    assert!(
        mean_bn.abs() > 0.1 && (std_bn - 1.0).abs() > 0.1,
        "{mean_bn} {std_bn}"
    );
    let a_normalized: Vec<Spectrogram> = split_a
        .iter()
        .map(|s| normalizer.normalized(s).unwrap())
        .collect();
    let (mean_an, std_an) = stats(&a_normalized);
    assert!(
        mean_an.abs() < 1e-4 && (std_an - 1.0).abs() < 1e-4,
        "{mean_an} {std_an}"
    );

    // Changing split B leaves the fitted statistics unchanged; changing A does not.
    let refit = Normalizer::fit(NormalizerMode::Global, &split_a).unwrap();
    assert_eq!(refit, normalizer);
    let with_b = Normalizer::fit(NormalizerMode::Global, split_a.iter().chain(&split_b)).unwrap();
    assert_ne!(with_b.mean(), normalizer.mean());
}

#[test]
fn per_bin_mode_standardises_every_bin_of_the_training_split() {
    let split_a = spectrograms(3, 0.3, 3);
    let normalizer = Normalizer::fit(NormalizerMode::PerBin, &split_a).unwrap();
    assert_eq!(normalizer.mean().len(), 161);
    let out: Vec<Spectrogram> = split_a
        .iter()
        .map(|s| normalizer.normalized(s).unwrap())
        .collect();
    for k in [0usize, 10, 80, 160] {
        let column: Vec<f64> = out
            .iter()
            .flat_map(|s| s.iter_frames().map(move |f| f64::from(f[k])))
            .collect();
        let mean = column.iter().sum::<f64>() / column.len() as f64;
        let std =
            (column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / column.len() as f64).sqrt();
        assert!(
            mean.abs() < 1e-4 && (std - 1.0).abs() < 1e-3,
            "bin {k}: {mean} {std}"
        );
    }
}

#[test]
fn save_and_load_round_trip_next_to_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let split_a = spectrograms(5, 0.2, 2);
    for mode in [NormalizerMode::Global, NormalizerMode::PerBin] {
        let normalizer = Normalizer::fit(mode, &split_a).unwrap();
        let path = dir.path().join(format!("{mode:?}.json"));
        normalizer.save(&path).unwrap();
        let loaded = Normalizer::load(&path).unwrap();
        assert_eq!(loaded, normalizer);
        assert_eq!(
            loaded.normalized(&split_a[0]).unwrap(),
            normalizer.normalized(&split_a[0]).unwrap()
        );
    }
    // Broken files are typed errors naming the file.
    let missing = dir.path().join("missing.json");
    assert!(matches!(
        Normalizer::load(&missing),
        Err(AudioError::NormalizerFile { .. })
    ));
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let err = Normalizer::load(&garbage).unwrap_err();
    assert!(
        matches!(err, AudioError::NormalizerFile { .. })
            && err.to_string().contains("garbage.json")
    );
    let inconsistent = dir.path().join("inconsistent.json");
    std::fs::write(
        &inconsistent,
        r#"{"mode":"Global","mean":[1.0,2.0],"std":[1.0,1.0],"count":3}"#,
    )
    .unwrap();
    assert!(matches!(
        Normalizer::load(&inconsistent),
        Err(AudioError::NormalizerFile { .. })
    ));
}
