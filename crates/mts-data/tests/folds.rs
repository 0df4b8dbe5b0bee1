//! Speaker-independent folds: properties of the K-fold partition, corpus presets.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use mts_data::{Corpus, CorpusKind, FoldConfig, FoldError, FoldUnit, SpeakerFolds, SplitRole};
use proptest::prelude::*;

fn unit_counts() -> impl Strategy<Value = Vec<(String, usize)>> {
    prop::collection::vec(1usize..120, 2..28).prop_map(|counts| {
        counts
            .into_iter()
            .enumerate()
            .map(|(i, c)| (format!("spk{i:02}"), c))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn k_fold_is_a_speaker_independent_partition(
        counts in unit_counts(),
        k_seed in 0usize..1000,
        fraction in prop::sample::select(vec![0.0, 0.1, 0.2, 0.3]),
        seed in any::<u64>(),
    ) {
        let n = counts.len();
        let k = 2 + k_seed % (n - 1); // 2..=n
        let config = FoldConfig { k, validation_fraction: fraction, seed };
        match SpeakerFolds::from_unit_counts(FoldUnit::Speaker, &counts, &config) {
            Ok(folds) => {
                prop_assert_eq!(folds.len(), k);
                let all: BTreeSet<&str> = counts.iter().map(|(u, _)| u.as_str()).collect();
                let mut tested: BTreeMap<&str, usize> = BTreeMap::new();
                for fold in &folds {
                    // No unit in two roles, and the roles cover every unit.
                    let mut seen = BTreeSet::new();
                    for u in fold.train.iter().chain(&fold.validation).chain(&fold.test) {
                        prop_assert!(seen.insert(u.as_str()), "{} in two roles", u);
                    }
                    prop_assert_eq!(&seen, &all);
                    prop_assert_eq!(fold.train.len() + fold.validation.len() + fold.test.len(), n);
                    prop_assert!(!fold.train.is_empty() && !fold.test.is_empty());
                    if fraction > 0.0 {
                        prop_assert!(!fold.validation.is_empty());
                    }
                    for u in &fold.test {
                        *tested.entry(u.as_str()).or_default() += 1;
                    }
                }
                // Every unit is tested exactly once over the K folds.
                prop_assert_eq!(tested.len(), n);
                prop_assert!(tested.values().all(|&t| t == 1));
                // Balanced: test groups differ by at most the largest unit.
                let count = |u: &str| counts.iter().find(|(n, _)| n == u).map_or(0, |c| c.1);
                let sizes: Vec<usize> = folds.iter().map(|f| f.test.iter().map(|u| count(u)).sum()).collect();
                let largest = counts.iter().map(|c| c.1).max().unwrap_or(0);
                prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= largest);
                prop_assert_eq!(sizes.iter().sum::<usize>(), counts.iter().map(|c| c.1).sum::<usize>());
                // Deterministic for a seed.
                let again = SpeakerFolds::from_unit_counts(FoldUnit::Speaker, &counts, &config).unwrap();
                prop_assert_eq!(folds, again);
            }
            Err(FoldError::TooFewUnits { .. }) => {
                // Only when k test groups, validation and training cannot all be non-empty.
                let n_val = if fraction == 0.0 { 0 } else { ((fraction * n as f64).round() as usize).max(1) };
                // A test group holds at most n - k + 1 units, so this needs k <= n_val + 1.
                prop_assert!(n < k || k <= n_val + 1, "n {} k {} n_val {}", n, k, n_val);
            }
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }
}

#[test]
fn fold_splits_of_a_corpus_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // 2 files for each of the 10 EMODB speakers, a third for 4 of them.
    for (i, speaker) in ["03", "08", "09", "10", "11", "12", "13", "14", "15", "16"]
        .iter()
        .enumerate()
    {
        common::wav(&root.join(format!("{speaker}a01Wa.wav")));
        common::wav(&root.join(format!("{speaker}a02Na.wav")));
        if i % 3 == 0 {
            common::wav(&root.join(format!("{speaker}b01Ta.wav")));
        }
    }
    let corpus = Corpus::load(CorpusKind::Emodb, root).unwrap();
    let folds = SpeakerFolds::k_fold(&corpus, &FoldConfig::default()).unwrap();
    assert_eq!(folds.len(), 4);
    let mut tested = 0;
    for fold in &folds {
        let split = fold.split(&corpus.utterances).unwrap();
        assert_eq!(
            split.train.len() + split.validation.len() + split.test.len(),
            corpus.utterances.len()
        );
        for (role, indices) in [
            (SplitRole::Train, &split.train),
            (SplitRole::Validation, &split.validation),
            (SplitRole::Test, &split.test),
        ] {
            for &i in indices {
                assert_eq!(fold.role_of(&corpus.utterances[i]).unwrap(), role);
            }
        }
        assert_eq!(fold.validation.len(), 2);
        tested += split.test.len();
    }
    assert_eq!(tested, corpus.utterances.len());
    // Another seed, other folds; the same seed, the same folds.
    let other = SpeakerFolds::k_fold(
        &corpus,
        &FoldConfig {
            seed: 99,
            ..FoldConfig::default()
        },
    )
    .unwrap();
    assert_eq!(
        folds,
        SpeakerFolds::k_fold(&corpus, &FoldConfig::default()).unwrap()
    );
    assert_ne!(folds, other);
    // Rotating window: one test speaker per fold, as published.
    let published = SpeakerFolds::rotating_window(&corpus, 4, 0).unwrap();
    let tests: Vec<Vec<String>> = published.iter().map(|f| f.test.clone()).collect();
    assert_eq!(
        tests,
        [["16"], ["08"], ["11"], ["13"]].map(|t| t.map(String::from).to_vec())
    );
}

#[test]
fn tess_protocols() {
    let dir = tempfile::tempdir().unwrap();
    let words = [
        "back", "bite", "food", "germ", "neat", "pass", "rain", "road", "soap", "wire",
    ];
    common::tess_tree(dir.path(), &words);
    let corpus = Corpus::load(CorpusKind::Tess, dir.path()).unwrap();

    let cross = SpeakerFolds::tess_cross_speaker(&corpus, 0.2, 5).unwrap();
    assert_eq!(cross.len(), 2);
    for (fold, (train, test)) in cross.iter().zip([("OAF", "YAF"), ("YAF", "OAF")]) {
        let split = fold.split(&corpus.utterances).unwrap();
        assert!(
            split
                .test
                .iter()
                .all(|&i| corpus.utterances[i].speaker == test)
        );
        assert!(
            split
                .train
                .iter()
                .chain(&split.validation)
                .all(|&i| corpus.utterances[i].speaker == train)
        );
        assert_eq!(split.test.len(), 70);
        assert_eq!(split.validation.len(), 14); // 2 of 10 words × 7 emotions
        let words_of = |idx: &[usize]| -> BTreeSet<String> {
            idx.iter()
                .map(|&i| corpus.utterances[i].word().unwrap().to_owned())
                .collect()
        };
        assert!(words_of(&split.train).is_disjoint(&words_of(&split.validation)));
    }

    let words_split = SpeakerFolds::tess_word_split(&corpus).unwrap();
    let fold = &words_split.folds()[0];
    assert_eq!(fold.unit, FoldUnit::Word);
    assert_eq!(fold.train.len(), 8);
    assert_eq!(fold.validation, ["soap"]);
    assert_eq!(fold.test, ["wire"]);
    let split = fold.split(&corpus.utterances).unwrap();
    assert_eq!(split.test.len(), 14);

    // Word-disjoint K-fold with the generic algorithm.
    let k_words = SpeakerFolds::k_fold_by(&corpus, FoldUnit::Word, &FoldConfig::default()).unwrap();
    assert_eq!(k_words.len(), 4);

    // Published pseudo-speakers: halves of each speaker.
    let published = SpeakerFolds::rotating_window(&corpus, 2, 0).unwrap();
    let split = published.folds()[0].split(&corpus.utterances).unwrap();
    assert_eq!(split.train.len(), 70); // all of OAF
    assert_eq!(split.validation.len() + split.test.len(), 70);
    assert!(!split.validation.is_empty() && !split.test.is_empty());

    // Protocols of one corpus refuse another.
    assert!(matches!(
        SpeakerFolds::k_fold_by(&corpus, FoldUnit::Session, &FoldConfig::default()),
        Err(FoldError::UnitNotApplicable { .. })
    ));
}

#[test]
fn iemocap_folds_by_session() {
    let dir = tempfile::tempdir().unwrap();
    for session in 1..=5 {
        let dialog = format!("Ses0{session}F_impro01");
        let mut eval = String::new();
        for (turn, label) in [("F000", "neu"), ("M001", "ang"), ("F002", "sad")] {
            let id = format!("{dialog}_{turn}");
            eval.push_str(&format!("[1.0 - 2.0]\t{id}\t{label}\t[1, 1, 1]\n"));
            common::wav(
                &dir.path()
                    .join(format!("Session{session}/sentences/wav/{dialog}/{id}.wav")),
            );
        }
        common::text(
            &dir.path().join(format!(
                "Session{session}/dialog/EmoEvaluation/{dialog}.txt"
            )),
            &eval,
        );
    }
    let corpus = Corpus::load(CorpusKind::Iemocap, dir.path()).unwrap();
    assert_eq!(corpus.speakers().len(), 10);
    let folds = SpeakerFolds::k_fold(
        &corpus,
        &FoldConfig {
            k: 5,
            ..FoldConfig::default()
        },
    )
    .unwrap();
    for fold in &folds {
        assert_eq!(fold.unit, FoldUnit::Session);
        assert_eq!(fold.test.len(), 1);
        assert_eq!(fold.validation.len(), 1);
        let split = fold.split(&corpus.utterances).unwrap();
        // Both speakers of the test session are tested together.
        let speakers: BTreeSet<&str> = split
            .test
            .iter()
            .map(|&i| corpus.utterances[i].speaker.as_str())
            .collect();
        assert_eq!(speakers.len(), 2);
    }
    let published = SpeakerFolds::rotating_window(&corpus, 4, 0).unwrap();
    let tests: Vec<&str> = published.iter().map(|f| f.test[0].as_str()).collect();
    assert_eq!(tests, ["Session5", "Session1", "Session2", "Session3"]);
}
