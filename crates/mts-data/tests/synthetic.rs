//! The built-in synthetic corpus: determinism, speaker-disjoint roles, time stretch, the
//! round trip through WAV files, and that its classes can be told apart across speakers.

use std::collections::BTreeSet;
use std::time::Instant;

use mts_audio::{SpectrogramConfig, decode_file};
use mts_data::{
    CorpusKind, FeatureSet, Label, SplitRole, SyntheticConfig, SyntheticCorpus, UtteranceDetails,
};

#[test]
fn default_corpus_is_a_few_hundred_utterances_made_quickly() {
    let start = Instant::now();
    let synthetic = SyntheticCorpus::generate(&SyntheticConfig::default()).unwrap();
    let elapsed = start.elapsed();
    eprintln!(
        "generated {} utterances in {elapsed:?}",
        synthetic.corpus().utterances.len()
    );
    assert!(elapsed.as_secs() < 60, "{elapsed:?}");
    let corpus = synthetic.corpus();
    assert_eq!(corpus.utterances.len(), 288);
    assert_eq!(corpus.kind, CorpusKind::Synthetic);
    assert_eq!(
        corpus.label_map.names(),
        ["pattern-0", "pattern-1", "pattern-2", "pattern-3"]
    );
    assert_eq!(corpus.stats().per_label(), [72, 72, 72, 72]);
    for (u, w) in corpus.utterances.iter().zip(synthetic.waveforms()) {
        let seconds = w.len() as f32 / 16_000.0;
        assert!((0.4..2.2).contains(&seconds), "{} lasts {seconds} s", u.id);
        assert!(w.iter().all(|x| x.is_finite() && x.abs() <= 1.0));
    }
}

#[test]
fn speakers_are_disjoint_between_roles_and_differ_in_rate() {
    let config = SyntheticConfig {
        utterances_per_class: 2,
        ..SyntheticConfig::default()
    };
    let synthetic = SyntheticCorpus::generate(&config).unwrap();
    let folds = synthetic.folds();
    let fold = &folds.folds()[0];
    assert_eq!(
        (fold.train.len(), fold.validation.len(), fold.test.len()),
        (8, 2, 2)
    );
    let roles: Vec<BTreeSet<&String>> = [&fold.train, &fold.validation, &fold.test]
        .map(|v| v.iter().collect())
        .to_vec();
    assert!(roles[0].is_disjoint(&roles[1]) && roles[0].is_disjoint(&roles[2]));
    assert!(roles[1].is_disjoint(&roles[2]));
    let split = fold.split(&synthetic.corpus().utterances).unwrap();
    assert_eq!(split.train.len(), 8 * 4 * 2);
    for s in synthetic.speakers() {
        assert_eq!(fold.role_of_unit(&s.id), Some(s.role));
        assert!((0.6..=1.6).contains(&s.time_stretch));
    }
    // Slow speakers' utterances are longer than fast speakers'.
    let mean_len = |speaker: &str| {
        let lens: Vec<usize> = synthetic
            .corpus()
            .utterances
            .iter()
            .zip(synthetic.waveforms())
            .filter(|(u, _)| u.speaker == speaker)
            .map(|(_, w)| w.len())
            .collect();
        lens.iter().sum::<usize>() as f32 / lens.len() as f32
    };
    let by_rate = |pick_max: bool| {
        synthetic
            .speakers()
            .iter()
            .max_by(|a, b| {
                let o = a.time_stretch.total_cmp(&b.time_stretch);
                if pick_max { o } else { o.reverse() }
            })
            .unwrap()
    };
    let (slow, fast) = (by_rate(true), by_rate(false));
    assert!(slow.time_stretch > 1.4 && fast.time_stretch < 0.75);
    assert!(mean_len(&fast.id) < 0.7 * mean_len(&slow.id));
    assert!(matches!(
        synthetic.corpus().utterances[0].details,
        UtteranceDetails::Synthetic { .. }
    ));
}

#[test]
fn writes_wav_files_that_load_back_as_the_same_corpus() {
    let config = SyntheticConfig {
        classes: 2,
        train_speakers: 1,
        validation_speakers: 1,
        test_speakers: 1,
        utterances_per_class: 2,
        ..SyntheticConfig::default()
    };
    let synthetic = SyntheticCorpus::generate(&config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let loaded = synthetic.write_wav_files(dir.path()).unwrap();
    assert_eq!(loaded.kind, CorpusKind::Synthetic);
    assert!(loaded.rejected.is_empty());
    assert_eq!(loaded.label_map, synthetic.corpus().label_map);
    assert_eq!(loaded.utterances.len(), 12);
    for (a, b) in loaded.utterances.iter().zip(&synthetic.corpus().utterances) {
        assert_eq!((&a.id, &a.speaker, a.label), (&b.id, &b.speaker, b.label));
        assert_eq!(a.details, b.details);
        assert!(a.path.starts_with(dir.path()));
    }
    let decoded = decode_file(&loaded.utterances[0].path).unwrap();
    assert_eq!(decoded.sample_rate, 16_000);
    let original = &synthetic.waveforms()[0];
    assert_eq!(decoded.samples.len(), original.len());
    let worst = decoded
        .samples
        .iter()
        .zip(original)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1.0 / 16_000.0, "{worst}");
    // A stray file is reported, not dropped silently.
    std::fs::write(dir.path().join("s09_p0_u000.wav"), b"RIFF").unwrap();
    let reloaded = mts_data::Corpus::load(CorpusKind::Synthetic, dir.path()).unwrap();
    assert_eq!(reloaded.rejected.len(), 1);
}

/// Pitch (Hz) of one frame by subharmonic summation over the magnitude spectrum.
fn pitch(frame: &[f32], bin_hz: f32) -> f32 {
    let mag = |f: f32| {
        frame
            .get((f / bin_hz).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let mut best = (0.0f32, 0.0f32);
    let mut f = 60.0;
    while f <= 420.0 {
        let score: f32 = (1..=6).map(|h| 0.85f32.powi(h) * mag(h as f32 * f)).sum();
        if score > best.0 {
            best = (score, f);
        }
        f += 2.0;
    }
    best.1
}

/// `track` resampled to `n` points over its length (linear interpolation).
fn resample(track: &[f32], n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let x = i as f32 * (track.len() - 1) as f32 / (n - 1) as f32;
            let (j, frac) = (x.floor() as usize, x.fract());
            let next = track[(j + 1).min(track.len() - 1)];
            track[j] * (1.0 - frac) + next * frac
        })
        .collect()
}

/// A speaker- and rate-independent description of an utterance: its energy envelope over the
/// voiced stretch (resampled to 24 points, so the speaking rate drops out) and its mean pitch
/// slope (rising or falling), from the 80–1500 Hz band.
fn shape_features(spectrogram: &mts_audio::Spectrogram, bin_hz: f32) -> Vec<f32> {
    let band = (80.0 / bin_hz) as usize..=(1500.0 / bin_hz) as usize;
    let energy: Vec<f32> = spectrogram
        .iter_frames()
        .map(|f| f[band.clone()].iter().sum())
        .collect();
    let mut sorted = energy.clone();
    sorted.sort_by(f32::total_cmp);
    let (floor, max) = (sorted[sorted.len() / 10], sorted[sorted.len() - 1]);
    let level: Vec<f32> = energy
        .iter()
        .map(|e| ((e - floor) / (max - floor)).clamp(0.0, 1.0))
        .collect();
    let voiced: Vec<bool> = level.iter().map(|l| *l > 0.3).collect();
    let first = voiced.iter().position(|v| *v).unwrap();
    let last = voiced.iter().rposition(|v| *v).unwrap();
    let log_pitch: Vec<f32> = (0..energy.len())
        .map(|t| pitch(spectrogram.frame(t).unwrap(), bin_hz).ln())
        .collect();
    let (mut slope, mut count) = (0.0f32, 0usize);
    for t in first..last {
        let d = log_pitch[t + 1] - log_pitch[t];
        if voiced[t] && voiced[t + 1] && d.abs() < 0.08 {
            slope += d;
            count += 1;
        }
    }
    let slope = 100.0 * slope / count.max(1) as f32;
    let mut features = resample(&level[first..=last], 24);
    features.extend([slope, slope]);
    features
}

#[test]
fn classes_are_told_apart_across_unseen_speakers_and_rates() {
    let synthetic = SyntheticCorpus::generate(&SyntheticConfig {
        utterances_per_class: 4,
        ..SyntheticConfig::default()
    })
    .unwrap();
    // A finer frequency grid than the paper's 50 Hz bins, to see the pitch.
    let config = SpectrogramConfig {
        n_fft: 1024,
        win_length: 640,
        ..SpectrogramConfig::paper()
    };
    let bin_hz = 16_000.0 / 1024.0;
    let features = FeatureSet::from_synthetic(&synthetic, &config).unwrap();
    assert!(features.failures.is_empty());
    let role = |speaker: &str| {
        synthetic
            .speakers()
            .iter()
            .find(|s| s.id == speaker)
            .unwrap()
            .role
    };
    let classes = features.label_map.len();
    let mut centroids = vec![vec![0.0f32; 26]; classes];
    let mut counts = vec![0usize; classes];
    let mut test = Vec::new();
    for (u, s) in features.utterances.iter().zip(&features.spectrograms) {
        let Label::Pattern(class) = u.label else {
            panic!("not a pattern")
        };
        let f = shape_features(s, bin_hz);
        if role(&u.speaker) == SplitRole::Train {
            for (c, v) in centroids[class as usize].iter_mut().zip(&f) {
                *c += v;
            }
            counts[class as usize] += 1;
        } else if role(&u.speaker) == SplitRole::Test {
            test.push((class as usize, f));
        }
    }
    for (c, n) in centroids.iter_mut().zip(&counts) {
        c.iter_mut().for_each(|v| *v /= *n as f32);
    }
    let correct = test
        .iter()
        .filter(|(class, f)| {
            let distance =
                |c: &Vec<f32>| c.iter().zip(f).map(|(a, b)| (a - b).powi(2)).sum::<f32>();
            let predicted = (0..classes)
                .min_by(|&a, &b| distance(&centroids[a]).total_cmp(&distance(&centroids[b])))
                .unwrap();
            predicted == *class
        })
        .count();
    let accuracy = correct as f32 / test.len() as f32;
    eprintln!(
        "nearest-centroid accuracy on unseen speakers: {accuracy:.2} ({} utterances)",
        test.len()
    );
    assert!(accuracy >= 0.85, "accuracy {accuracy}");
}

/// Speed-perturbed training items line up with the plain ones (same utterance, label and
/// length, normalised by the plain training statistics) and differ from them; speed 1 gives the
/// plain items back. Validation and test are not touched by variants.
#[test]
fn speed_variants_line_up_with_the_plain_training_items() {
    let config = SyntheticConfig {
        utterances_per_class: 2,
        ..SyntheticConfig::default()
    };
    let synthetic = SyntheticCorpus::generate(&config).unwrap();
    let spectrogram = SpectrogramConfig::paper();
    let plain = FeatureSet::from_synthetic(&synthetic, &spectrogram).unwrap();
    let fast = FeatureSet::from_synthetic_at_speed(&synthetic, &spectrogram, 1.1).unwrap();
    let same = FeatureSet::from_synthetic_at_speed(&synthetic, &spectrogram, 1.0).unwrap();
    assert!(fast.spectrograms[0].frames() < plain.spectrograms[0].frames());
    let folds = synthetic.folds();
    let fold = &folds.folds()[0];
    let data = plain
        .fold_data(fold, &mts_data::FoldPreparation::default())
        .unwrap();
    let variant = data.train_variant(&plain, &fast, 1.1).unwrap();
    assert_eq!(variant.items().len(), data.train.items().len());
    for (v, p) in variant.items().iter().zip(data.train.items()) {
        assert_eq!((v.utterance, v.label), (p.utterance, p.label));
        assert_eq!(v.spectrogram.shape(), p.spectrogram.shape());
        assert_ne!(v.spectrogram, p.spectrogram);
    }
    let unchanged = data.train_variant(&plain, &same, 1.0).unwrap();
    assert_eq!(unchanged.items(), data.train.items());
    let mut missing = fast;
    missing.utterances.clear();
    missing.spectrograms.clear();
    let err = data.train_variant(&plain, &missing, 1.1).unwrap_err();
    assert!(err.to_string().contains("at speed 1.1"), "{err}");
}
