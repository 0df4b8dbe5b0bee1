//! Feature cache, per-fold preparation, Burn dataset and batcher.

mod common;

use std::path::{Path, PathBuf};

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataset::Dataset;
use burn::tensor::Device;
use mts_audio::{LengthPolicy, Normalizer, NormalizerMode, Segmenter, SpectrogramConfig};
use mts_data::{
    Corpus, CorpusKind, FeatureCache, FeatureError, FeatureOptions, FeatureSet, Fold, FoldError,
    FoldPreparation, FoldUnit, InputLength, SpectrogramBatcher, SyntheticConfig, SyntheticCorpus,
};

fn cache_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap().flatten() {
        for e in std::fs::read_dir(sub.path()).unwrap().flatten() {
            out.push(e.path());
        }
    }
    out.sort();
    out
}

#[test]
fn cache_computes_once_reuses_and_rebuilds_damaged_entries() {
    let data = tempfile::tempdir().unwrap();
    common::tess_tree(data.path(), &["bite", "food", "germ", "neat"]);
    let corpus = Corpus::load(CorpusKind::Tess, data.path()).unwrap();
    let n = corpus.utterances.len();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = FeatureCache::open(cache_dir.path()).unwrap();
    let config = SpectrogramConfig::paper();
    let options = FeatureOptions::default();

    // First run: every file decoded (AIFF-in-.wav and 96 kHz included) and stored.
    let first = FeatureSet::compute(&corpus, &config, Some(&cache), &options).unwrap();
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    assert_eq!((first.summary.computed, first.summary.hits), (n, 0));
    let entries = cache_entries(cache_dir.path());
    assert_eq!(entries.len(), n);
    assert!(
        entries
            .iter()
            .all(|p| p.extension().is_some_and(|e| e == "spec"))
    );
    // 0.12 s at 16 kHz (after resampling from 24 414 or 96 000 Hz): about 1920 samples,
    // 1 + 1920 / 160 = 13 frames of 161 bins (12 if resampling loses a sample).
    assert!(
        first
            .spectrograms
            .iter()
            .all(|s| s.bins() == 161 && (12..=13).contains(&s.frames()))
    );

    // Second run: all from the cache, identical.
    let second = FeatureSet::compute(&corpus, &config, Some(&cache), &options).unwrap();
    assert_eq!((second.summary.hits, second.summary.computed), (n, 0));
    assert_eq!(second.spectrograms, first.spectrograms);

    // A flipped byte and a truncated entry are detected and rebuilt.
    let mut bytes = std::fs::read(&entries[0]).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&entries[0], bytes).unwrap();
    let len = std::fs::metadata(&entries[1]).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&entries[1])
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let third = FeatureSet::compute(&corpus, &config, Some(&cache), &options).unwrap();
    assert_eq!((third.summary.rebuilt, third.summary.hits), (2, n - 2));
    assert_eq!(third.spectrograms, first.spectrograms);

    // An entry copied over another file's entry is stale (header names another file).
    std::fs::copy(&entries[2], &entries[3]).unwrap();
    let fourth = FeatureSet::compute(&corpus, &config, Some(&cache), &options).unwrap();
    assert_eq!(fourth.summary.rebuilt, 1);
    assert_eq!(fourth.spectrograms, first.spectrograms);

    // A changed file gets a new entry; another config gets its own entries.
    common::write_wav(&corpus.utterances[0].path, 24_414, 1, 0.2);
    let fifth = FeatureSet::compute(&corpus, &config, Some(&cache), &options).unwrap();
    assert_eq!((fifth.summary.computed, fifth.summary.hits), (1, n - 1));
    assert!((20..=21).contains(&fifth.spectrograms[0].frames()));
    let published = SpectrogramConfig::published_code();
    let other = FeatureSet::compute(&corpus, &published, Some(&cache), &options).unwrap();
    assert_eq!(other.summary.computed, n);
    assert_eq!(other.spectrograms[1].bins(), 513);
    assert_eq!(cache_entries(cache_dir.path()).len(), 3 * n - (n - 1));
}

#[test]
fn undecodable_files_are_reported_not_dropped() {
    let data = tempfile::tempdir().unwrap();
    common::wav(&data.path().join("03a01Fa.wav"));
    common::wav(&data.path().join("03a01Wa.wav"));
    std::fs::write(data.path().join("08a01Na.wav"), b"this is not a wav file").unwrap();
    let corpus = Corpus::load(CorpusKind::Emodb, data.path()).unwrap();
    assert_eq!(corpus.utterances.len(), 3);
    let set = FeatureSet::compute(
        &corpus,
        &SpectrogramConfig::paper(),
        None,
        &FeatureOptions::default(),
    )
    .unwrap();
    assert_eq!(set.utterances.len(), 2);
    assert_eq!(set.failures.len(), 1);
    assert_eq!(set.failures[0].utterance.id, "08a01Na");
    assert!(!set.failures[0].error.is_cache_failure());
}

fn small_synthetic() -> SyntheticCorpus {
    SyntheticCorpus::generate(&SyntheticConfig {
        classes: 3,
        train_speakers: 3,
        validation_speakers: 1,
        test_speakers: 1,
        utterances_per_class: 2,
        ..SyntheticConfig::default()
    })
    .unwrap()
}

#[test]
fn fold_data_is_padded_and_normalised_with_training_statistics_only() {
    let synthetic = small_synthetic();
    let config = SpectrogramConfig::paper();
    let set = FeatureSet::from_synthetic(&synthetic, &config).unwrap();
    let folds = synthetic.folds();
    let fold = &folds.folds()[0];
    let data = set.fold_data(fold, &FoldPreparation::default()).unwrap();
    assert_eq!(data.train.len(), 3 * 3 * 2);
    assert_eq!((data.validation.len(), data.test.len()), (6, 6));
    let longest = set.spectrograms.iter().map(|s| s.frames()).max().unwrap();
    for ds in [&data.train, &data.validation, &data.test] {
        assert_eq!(ds.input_shape(), Some([longest, 161]));
    }
    // The statistics are those of the padded training inputs, nothing else.
    let split = fold.split(&set.utterances).unwrap();
    let padded: Vec<_> = split
        .train
        .iter()
        .map(|&i| set.spectrograms[i].with_frames(longest))
        .collect();
    let expected = Normalizer::fit(NormalizerMode::Global, &padded).unwrap();
    assert_eq!(data.normalizer, expected);
    let values: Vec<f64> = data
        .train
        .items()
        .iter()
        .flat_map(|i| i.spectrogram.as_slice().iter().map(|&v| f64::from(v)))
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
    assert!(
        mean.abs() < 1e-3 && (var.sqrt() - 1.0).abs() < 1e-3,
        "{mean} {var}"
    );
    // Labels are class indices; utterance indices point back into the feature set.
    for item in data.test.items() {
        let u = &set.utterances[item.utterance];
        assert_eq!(set.label_map.index_of(u.label), Some(item.label));
        assert_eq!(fold.role_of(u).unwrap(), mts_data::SplitRole::Test);
    }
    // Out of range is an error, not a panic.
    assert!(data.test.get(data.test.len()).is_err());
}

#[test]
fn segments_keep_their_utterance_and_batches_have_the_model_layout() {
    let synthetic = small_synthetic();
    let set = FeatureSet::from_synthetic(&synthetic, &SpectrogramConfig::paper()).unwrap();
    let folds = synthetic.folds();
    let fold = &folds.folds()[0];
    let preparation = FoldPreparation {
        length: InputLength::Segments(Segmenter::new(40, 20).unwrap()),
        normalizer: NormalizerMode::PerBin,
    };
    let data = set.fold_data(fold, &preparation).unwrap();
    assert!(data.train.len() > data.train.utterance_count());
    assert_eq!(data.train.utterance_count(), 18);
    assert_eq!(data.train.input_shape(), Some([40, 161]));

    let device = Device::flex();
    let loader = DataLoaderBuilder::new(SpectrogramBatcher)
        .batch_size(8)
        .set_device(device)
        .build(data.train.clone());
    let mut seen = 0;
    for batch in loader.iter() {
        let batch = batch.unwrap();
        let [b, c, t, f] = batch.inputs.dims();
        assert_eq!((c, t, f), (1, 40, 161));
        assert_eq!(batch.targets.dims(), [b]);
        assert_eq!(batch.utterances.len(), b);
        seen += b;
    }
    assert_eq!(seen, data.train.len());

    // Fixed-length inputs, too.
    let fixed = FoldPreparation {
        length: InputLength::Pad(LengthPolicy::FixedFrames(50)),
        ..FoldPreparation::default()
    };
    let data = set.fold_data(fold, &fixed).unwrap();
    assert_eq!(data.validation.input_shape(), Some([50, 161]));
}

#[test]
fn folds_of_another_corpus_or_without_training_data_are_refused() {
    let synthetic = small_synthetic();
    let set = FeatureSet::from_synthetic(&synthetic, &SpectrogramConfig::paper()).unwrap();
    let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    // s03 and s04 have no role in this fold.
    let partial = Fold::new(
        0,
        FoldUnit::Speaker,
        ids(&["s00"]),
        ids(&["s01"]),
        ids(&["s02"]),
    );
    assert!(matches!(
        set.fold_data(&partial, &FoldPreparation::default()),
        Err(FeatureError::Fold(FoldError::UnassignedUnit { .. }))
    ));
    let sessions = Fold::new(0, FoldUnit::Session, ids(&["Session1"]), vec![], vec![]);
    assert!(matches!(
        set.fold_data(&sessions, &FoldPreparation::default()),
        Err(FeatureError::Fold(FoldError::UnitNotApplicable { .. }))
    ));
    let no_train = Fold::new(
        3,
        FoldUnit::Speaker,
        vec![],
        ids(&["s00", "s01", "s02"]),
        ids(&["s03", "s04"]),
    );
    assert!(matches!(
        set.fold_data(&no_train, &FoldPreparation::default()),
        Err(FeatureError::EmptyTrainingSplit(3))
    ));
}
