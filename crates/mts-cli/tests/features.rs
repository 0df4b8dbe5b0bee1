//! `mts features` on a small EMODB-named tree: what it says about the feature cache is a sentence
//! with each count, and a second run reads every spectrogram from the cache.

mod common;

use std::path::Path;

use common::{mts, text, write_tone};

/// Two 0.5 s recordings (tones near 220 Hz and 330 Hz, 10 Hz higher per speaker, so that every
/// file has its own content: the cache is keyed by content and would compute equal files once)
/// for each of six EMODB speakers, with EMODB's file names (`03a01Wa.wav`: speaker 03, text a01,
/// anger, version a).
fn emodb_named_tree(dir: &Path) {
    for (k, speaker) in ["03", "08", "09", "10", "11", "12"].into_iter().enumerate() {
        for (name, base) in [("a01Wa", 220.0), ("a02La", 330.0)] {
            let freq = base + 10.0 * k as f64;
            write_tone(
                &dir.join(format!("{speaker}{name}.wav")),
                freq,
                8_000,
                8_000.0,
            );
        }
    }
}

#[test]
fn features_tells_where_each_spectrogram_came_from_in_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("emodb");
    std::fs::create_dir(&corpus).unwrap();
    emodb_named_tree(&corpus);
    let cache = dir.path().join("cache");
    let args = [
        "features",
        "--corpus",
        "emodb",
        "--data-dir",
        corpus.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
        "--folds",
        "2",
    ];
    let expected = |computed: usize, cached: usize| {
        format!(
            "Spectrograms of 12 utterances: {computed} computed, {cached} read from the cache, 0 \
             recomputed (corrupt or stale cache entries); 0 failed. Cache folder: {}\n",
            cache.display()
        )
    };
    for (computed, cached) in [(12, 0), (0, 12)] {
        let output = mts(&args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
        assert_eq!(stdout, expected(computed, cached));
    }
}
