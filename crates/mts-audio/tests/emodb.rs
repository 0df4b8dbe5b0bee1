//! The real EMODB corpus (535 WAVs) when `MTS_EMODB_DIR` points at it; reported as ignored, with
//! the reason, otherwise (a failure under `MTS_REQUIRE_EMODB=1`). No libtest harness: see
//! `mts-test-support`.

use std::path::{Path, PathBuf};

use mts_audio::{SpectrogramConfig, extract_all};
use mts_test_support::{emodb_tests, run};

fn main() {
    run(emodb_tests![
        every_emodb_file_gives_a_161_bin_spectrogram_matching_its_duration,
    ]);
}

fn every_emodb_file_gives_a_161_bin_spectrogram_matching_its_duration(dir: &Path) {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("MTS_EMODB_DIR={}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")))
        .collect();
    paths.sort();
    assert_eq!(
        paths.len(),
        535,
        "EMODB has 535 WAV files in {}",
        dir.display()
    );

    let config = SpectrogramConfig::paper();
    let results = extract_all(&paths, &config, Some(Default::default()), false).unwrap();
    let mut total_seconds = 0.0;
    for (path, result) in paths.iter().zip(results) {
        let spectrogram = result.unwrap_or_else(|e| panic!("{e}"));
        // The duration as an independent reader (hound) sees it.
        let reader = hound::WavReader::open(path).unwrap();
        let spec = reader.spec();
        assert_eq!(
            (spec.sample_rate, spec.channels),
            (16_000, 1),
            "{}",
            path.display()
        );
        let samples = reader.duration() as usize;
        total_seconds += samples as f64 / 16_000.0;
        assert_eq!(spectrogram.bins(), 161, "{}", path.display());
        assert_eq!(
            spectrogram.frames(),
            1 + samples / 160,
            "{}",
            path.display()
        );
        assert!(
            spectrogram
                .as_slice()
                .iter()
                .all(|v| v.is_finite() && *v >= 0.0)
        );
    }
    // 24.8 minutes in all, files of 1.23 to 8.98 s.
    assert!(
        (total_seconds / 60.0 - 24.8).abs() < 0.1,
        "{total_seconds} s"
    );
}
