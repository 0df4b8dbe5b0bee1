//! Files to equal-length spectrograms: parallel extraction, length policy, segmentation.

mod common;

use common::{aiff16, sine, wav16};
use mts_audio::{
    AudioError, ContentScreen, FeatureExtractor, LengthPolicy, Segmenter, Spectrogram,
    SpectrogramConfig, extract_all,
};

/// The one `[frames, bins]` shape of `spectrograms`, or `None` when they differ.
fn common_shape(spectrograms: &[Spectrogram]) -> Option<[usize; 2]> {
    let first = spectrograms.first()?.shape();
    spectrograms
        .iter()
        .all(|s| s.shape() == first)
        .then_some(first)
}

#[test]
fn extract_all_keeps_input_order_and_reports_each_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    let rates = [16_000u32, 48_000, 22_050, 24_414];
    for (i, &rate) in rates.iter().enumerate() {
        let path = dir.path().join(format!("{i}.wav"));
        // Durations 0.2, 0.3, 0.4, 0.5 s.
        std::fs::write(
            &path,
            wav16(&sine(800.0, rate, 0.2 + 0.1 * i as f64, 0.4), rate),
        )
        .unwrap();
        paths.push(path);
    }
    let aiff = dir.path().join("aiff_named.wav");
    std::fs::write(&aiff, aiff16(&sine(800.0, 44_100, 0.25, 0.4), 1, 44_100)).unwrap();
    paths.push(aiff);
    let broken = dir.path().join("broken.wav");
    std::fs::write(&broken, b"RIFF\x10\0\0\0WAVEfmt ").unwrap();
    paths.push(broken.clone());
    paths.push(dir.path().join("missing.wav"));

    let config = SpectrogramConfig::paper();
    let results = extract_all(&paths, &config, Some(ContentScreen::default()), false).unwrap();
    assert_eq!(results.len(), paths.len());
    for (i, result) in results.iter().take(4).enumerate() {
        let s = result.as_ref().unwrap();
        let samples = ((0.2 + 0.1 * i as f64) * 16_000.0).round() as usize;
        assert!(
            s.frames().abs_diff(config.frames_for_samples(samples)) <= 1,
            "file {i}"
        );
        assert_eq!(s.bins(), 161);
    }
    assert_eq!(results[4].as_ref().unwrap().frames(), 1 + 4000 / 160);
    let err = results[5].as_ref().unwrap_err();
    assert!(matches!(err, AudioError::Truncated { .. }) && err.path() == Some(broken.as_path()));
    assert!(matches!(results[6], Err(AudioError::Io { .. })));

    let bad = SpectrogramConfig {
        hop_length: 0,
        ..config
    };
    assert!(matches!(
        extract_all(&paths, &bad, None, false),
        Err(AudioError::InvalidConfig(_))
    ));
}

#[test]
fn padded_spectrograms_batch_into_batch_1_time_freq() {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = [0.3, 0.5, 0.4]
        .iter()
        .enumerate()
        .map(|(i, &seconds)| {
            let path = dir.path().join(format!("{i}.wav"));
            std::fs::write(&path, wav16(&sine(440.0, 16_000, seconds, 0.5), 16_000)).unwrap();
            path
        })
        .collect();
    let config = SpectrogramConfig::paper();
    let spectrograms: Vec<_> = extract_all(&paths, &config, None, false)
        .unwrap()
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(common_shape(&spectrograms), None);
    let padded = LengthPolicy::PadToLongest
        .apply(&config, &spectrograms)
        .unwrap();
    assert_eq!((padded.len(), common_shape(&padded)), (3, Some([51, 161])));
    let fixed = LengthPolicy::FixedSeconds(0.25)
        .apply(&config, &spectrograms)
        .unwrap();
    assert_eq!((fixed.len(), common_shape(&fixed)), (3, Some([26, 161])));
}

#[test]
fn a_long_recording_is_cut_into_4s_windows_with_2s_hop_tagged_with_its_utterance() {
    let config = SpectrogramConfig::paper();
    let mut extractor = mts_audio::FeatureExtractor::new(config.clone()).unwrap();
    // 9 s at 48 kHz: 901 frames after resampling -> windows at 0, 200, 400 and one at the end (500).
    let long = wav16(&sine(300.0, 48_000, 9.0, 0.5), 48_000);
    let spectrogram = extractor
        .extract_bytes(&long, "Ses01F_impro01_F000.wav")
        .unwrap();
    assert_eq!(spectrogram.frames(), 901);
    let segmenter = Segmenter::paper(&config).unwrap();
    let segments = segmenter.segment("Ses01F_impro01_F000".to_string(), &spectrogram);
    let starts: Vec<usize> = segments.iter().map(|s| s.start_frame).collect();
    assert_eq!(starts, [0, 200, 400, 500]);
    assert!(
        segments
            .iter()
            .all(|s| s.utterance == "Ses01F_impro01_F000")
    );
    assert_eq!(
        segments.iter().map(|s| s.index).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert_eq!(segments[3].spectrogram.frame(400), spectrogram.frame(900));
    let windows: Vec<_> = segments.into_iter().map(|s| s.spectrogram).collect();
    assert_eq!(
        (windows.len(), common_shape(&windows)),
        (4, Some([401, 161]))
    );
}

/// The bin of the largest mean magnitude of `spectrogram`.
fn peak_bin(spectrogram: &Spectrogram) -> usize {
    let mut energy = vec![0.0f64; spectrogram.bins()];
    for frame in spectrogram.iter_frames() {
        for (sum, v) in energy.iter_mut().zip(frame) {
            *sum += f64::from(*v);
        }
    }
    (0..energy.len())
        .max_by(|a, b| energy[*a].total_cmp(&energy[*b]))
        .unwrap()
}

/// Speed perturbation plays the audio faster or slower: a 1 kHz tone at speed 1.1 lasts 1/1.1
/// as long and sounds at 1.1 kHz (bins are 50 Hz apart); speed 1 is the plain front end.
#[test]
fn speed_perturbation_changes_tempo_and_pitch_together() {
    let config = SpectrogramConfig::paper();
    let bytes = wav16(&sine(1000.0, 16_000, 1.0, 0.4), 16_000);
    let extract = |speed: f64| {
        FeatureExtractor::new(config.clone())
            .unwrap()
            .with_speed(speed)
            .unwrap()
            .extract_bytes(&bytes, "tone.wav")
            .unwrap()
    };
    let plain = FeatureExtractor::new(config.clone())
        .unwrap()
        .extract_bytes(&bytes, "tone.wav")
        .unwrap();
    assert_eq!(extract(1.0), plain);
    assert_eq!(peak_bin(&plain), 20);
    for (speed, bin) in [(1.1, 22), (0.9, 18)] {
        let perturbed = extract(speed);
        assert_eq!(peak_bin(&perturbed), bin, "speed {speed}");
        let samples = (16_000.0 / speed).ceil() as usize;
        assert!(
            perturbed
                .frames()
                .abs_diff(config.frames_for_samples(samples))
                <= 1,
            "speed {speed}: {} frames",
            perturbed.frames()
        );
    }
    for bad in [0.0, -1.0, f64::NAN] {
        let err = FeatureExtractor::new(config.clone())
            .unwrap()
            .with_speed(bad)
            .unwrap_err();
        assert!(
            err.to_string().contains(&format!("speed factor {bad}")),
            "{err}"
        );
    }
}
