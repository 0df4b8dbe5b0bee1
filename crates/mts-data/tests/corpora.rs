//! Corpus loaders on generated fixture trees that follow each corpus's real naming scheme,
//! folder layout and quirks.

mod common;

use common::{tess_tree, text, wav, write_wav};
use mts_data::{
    Corpus, CorpusError, CorpusKind, Emotion, Gender, Intensity, Label, LabelMap, RejectReason,
    UtteranceDetails,
};

fn reasons(corpus: &Corpus) -> Vec<(String, RejectReason)> {
    corpus
        .rejected
        .iter()
        .map(|r| {
            (
                r.path.file_name().unwrap().to_string_lossy().into_owned(),
                r.reason.clone(),
            )
        })
        .collect()
}

fn rejected_name(corpus: &Corpus, name: &str) -> RejectReason {
    reasons(corpus)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} not rejected: {:?}", corpus.rejected))
        .1
}

#[test]
fn emodb_takes_good_files_and_reports_every_other_one() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("wav");
    for name in [
        "03a01Fa.wav",
        "03a01Wa.wav",
        "08b10Wc.wav",
        "16a07Ea.wav",
        "13b01Lb.wav",
    ] {
        wav(&root.join(name));
    }
    wav(&root.join("03a01Xa.wav"));
    text(&root.join("README.txt"), "not audio");
    std::fs::File::create(root.join("09a01Na.wav")).unwrap();
    let corpus = Corpus::load(CorpusKind::Emodb, dir.path()).unwrap();
    let ids: Vec<&str> = corpus.utterances.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["03a01Fa", "03a01Wa", "08b10Wc", "13b01Lb", "16a07Ea"]);
    assert_eq!(corpus.speakers(), ["03", "08", "13", "16"]);
    assert_eq!(corpus.rejected.len(), 3);
    assert!(matches!(
        rejected_name(&corpus, "03a01Xa.wav"),
        RejectReason::UnknownCode {
            field: "emotion letter",
            ..
        }
    ));
    assert_eq!(rejected_name(&corpus, "09a01Na.wav"), RejectReason::Empty);
    assert!(matches!(
        rejected_name(&corpus, "README.txt"),
        RejectReason::NotAudio { .. }
    ));
    let stats = corpus.stats();
    assert_eq!(stats.count_of("anger"), 2);
    assert_eq!(stats.count_of("disgust"), 1);
    assert_eq!(stats.total(), 5);
    assert_eq!(corpus.class_of(&corpus.utterances[0]), Some(4)); // F = happiness, 5th of W L E A F T N
}

#[test]
fn a_folder_of_another_corpus_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["03-01-05-01-01-01-01.wav", "03-01-06-02-01-01-01.wav"] {
        wav(&dir.path().join("Actor_01").join(name));
    }
    for kind in [
        CorpusKind::Emodb,
        CorpusKind::Tess,
        CorpusKind::CremaD,
        CorpusKind::Savee,
    ] {
        let err = Corpus::load(kind, dir.path()).unwrap_err();
        assert!(
            matches!(&err, CorpusError::NotThisCorpus { kind: k, .. } if *k == kind),
            "{kind}: {err}"
        );
        assert!(
            err.to_string().contains("does not have the layout of the"),
            "{err}"
        );
    }
    assert!(matches!(
        Corpus::load(CorpusKind::Iemocap, dir.path()),
        Err(CorpusError::NotThisCorpus { .. })
    ));
    assert!(matches!(
        Corpus::load(CorpusKind::Synthetic, dir.path()),
        Err(CorpusError::NotThisCorpus { .. })
    ));
    assert!(matches!(
        Corpus::load(CorpusKind::Emodb, dir.path().join("missing")),
        Err(CorpusError::NoSuchFolder { .. })
    ));
    // The same folder is fine as RAVDESS.
    assert_eq!(
        Corpus::load(CorpusKind::Ravdess, dir.path())
            .unwrap()
            .utterances
            .len(),
        2
    );
}

#[test]
fn a_mostly_misnamed_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    wav(&dir.path().join("03a01Fa.wav"));
    for i in 0..3 {
        wav(&dir.path().join(format!("recording{i}.wav")));
    }
    let err = Corpus::load(CorpusKind::Emodb, dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("3 audio files do not fit"),
        "{err}"
    );
}

#[test]
fn ravdess_speech_with_its_quirks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    wav(&root.join("Actor_01/03-01-01-01-01-01-01.wav"));
    wav(&root.join("Actor_01/03-01-08-02-02-02-01.wav"));
    // Five real files are stereo: the loader does not care, the front end downmixes.
    write_wav(
        &root.join("Actor_02/03-01-05-02-01-02-02.wav"),
        48_000,
        2,
        0.05,
    );
    wav(&root.join("Actor_02/03-02-05-02-01-02-02.wav")); // song
    wav(&root.join("Actor_02/03-01-05-01-01-01-03.wav")); // wrong folder
    wav(&root.join("Actor_02/03-01-01-02-01-01-02.wav")); // strong neutral does not exist
    let corpus = Corpus::load(CorpusKind::Ravdess, root).unwrap();
    assert_eq!(corpus.utterances.len(), 3);
    assert_eq!(corpus.speakers(), ["Actor_01", "Actor_02"]);
    let surprised = corpus
        .utterances
        .iter()
        .find(|u| u.id == "03-01-08-02-02-02-01")
        .unwrap();
    assert_eq!(surprised.label, Label::Emotion(Emotion::Surprise));
    assert_eq!(surprised.gender, Some(Gender::Male));
    assert_eq!(
        surprised.details,
        UtteranceDetails::Ravdess {
            intensity: Intensity::High,
            statement: 2,
            repetition: 2
        }
    );
    assert!(matches!(
        rejected_name(&corpus, "03-02-05-02-01-02-02.wav"),
        RejectReason::Excluded(_)
    ));
    assert!(matches!(
        rejected_name(&corpus, "03-01-05-01-01-01-03.wav"),
        RejectReason::FolderMismatch { .. }
    ));
    assert!(matches!(
        rejected_name(&corpus, "03-01-01-02-01-01-02.wav"),
        RejectReason::BadName { .. }
    ));
    assert_eq!(corpus.label_map.len(), 8);
}

#[test]
fn tess_takes_every_file_including_the_quirky_ones() {
    let dir = tempfile::tempdir().unwrap();
    let words = ["bite", "food", "germ", "neat", "back"];
    tess_tree(dir.path(), &words);
    let corpus = Corpus::load(CorpusKind::Tess, dir.path()).unwrap();
    assert_eq!(corpus.utterances.len(), 14 * words.len());
    assert!(corpus.rejected.is_empty(), "{:?}", corpus.rejected);
    assert_eq!(corpus.speakers(), ["OAF", "YAF"]);
    let oa = corpus
        .utterances
        .iter()
        .find(|u| u.id == "OA_bite_neutral")
        .unwrap();
    assert_eq!(oa.speaker, "OAF");
    assert_eq!(oa.label, Label::Emotion(Emotion::Neutral));
    // Labels come from the suffix: 7 emotions × 2 speakers × words each.
    let stats = corpus.stats();
    assert_eq!(stats.per_label(), vec![2 * words.len(); 7]);
    assert_eq!(stats.count_of("surprise"), 10);
}

#[test]
fn iemocap_keeps_four_classes_and_reports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let s1 = root.join("Session1");
    let eval = "% header line\n\
        [6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]\n\
        C-E2:\tNeutral;\t()\n\
        [10.0 - 12.5]\tSes01F_impro01_M001\texc\t[3.0, 3.5, 3.0]\n\
        [13.0 - 14.0]\tSes01F_impro01_F002\tfru\t[2.0, 3.5, 3.0]\n\
        [15.0 - 16.0]\tSes01F_impro01_M003\tang\t[2.0, 3.5, 3.0]\n\
        [17.0 - oops]\tSes01F_impro01_F004\tsad\t[2.0, 3.5, 3.0]\n";
    text(&s1.join("dialog/EmoEvaluation/Ses01F_impro01.txt"), eval);
    text(
        &s1.join("dialog/EmoEvaluation/Ses01F_script01_1.txt"),
        "[1.0 - 2.0]\tSes01F_script01_1_F000\tsad\t[1.0, 1.0, 1.0]\n",
    );
    text(
        &s1.join("dialog/EmoEvaluation/Categorical/ignored.txt"),
        "[1 - 2]\tx\ty\tz\n",
    );
    let wavs = s1.join("sentences/wav");
    for id in [
        "Ses01F_impro01_F000",
        "Ses01F_impro01_M001",
        "Ses01F_impro01_F002",
        "Ses01F_impro01_F005",
    ] {
        wav(&wavs.join("Ses01F_impro01").join(format!("{id}.wav")));
    }
    wav(&wavs.join("Ses01F_script01_1/Ses01F_script01_1_F000.wav"));
    let s2 = root.join("Session2");
    text(
        &s2.join("dialog/EmoEvaluation/Ses02M_impro03.txt"),
        "[1.0 - 2.0]\tSes02M_impro03_F000\thap\t[1.0, 1.0, 1.0]\n",
    );
    wav(&s2.join("sentences/wav/Ses02M_impro03/Ses02M_impro03_F000.wav"));

    let corpus = Corpus::load(CorpusKind::Iemocap, root).unwrap();
    let got: Vec<(&str, &str, Label)> = corpus
        .utterances
        .iter()
        .map(|u| (u.id.as_str(), u.speaker.as_str(), u.label))
        .collect();
    assert_eq!(
        got,
        [
            (
                "Ses01F_impro01_F000",
                "Ses01F",
                Label::Emotion(Emotion::Neutral)
            ),
            (
                "Ses01F_impro01_M001",
                "Ses01M",
                Label::Emotion(Emotion::Happiness)
            ),
            (
                "Ses01F_script01_1_F000",
                "Ses01F",
                Label::Emotion(Emotion::Sadness)
            ),
            (
                "Ses02M_impro03_F000",
                "Ses02F",
                Label::Emotion(Emotion::Happiness)
            ),
        ]
    );
    assert_eq!(corpus.utterances[1].label_code, "exc");
    assert_eq!(corpus.utterances[0].session(), Some(1));
    let UtteranceDetails::Iemocap {
        improvised,
        start_s,
        ..
    } = &corpus.utterances[0].details
    else {
        panic!("not IEMOCAP details");
    };
    assert!(*improvised && (*start_s - 6.2901).abs() < 1e-9);
    assert!(matches!(
        rejected_name(&corpus, "Ses01F_impro01_F002.wav"),
        RejectReason::Excluded(_)
    ));
    assert_eq!(
        rejected_name(&corpus, "Ses01F_impro01_M003.wav"),
        RejectReason::MissingAudio
    );
    assert_eq!(
        rejected_name(&corpus, "Ses01F_impro01_F005.wav"),
        RejectReason::Unannotated
    );
    assert!(matches!(
        rejected_name(&corpus, "Ses01F_impro01.txt"),
        RejectReason::BadAnnotation { line: 7, .. }
    ));
    assert_eq!(corpus.rejected.len(), 4);
}

#[test]
fn crema_d_and_savee() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("AudioWAV");
    for name in [
        "1001_DFA_ANG_XX.wav",
        "1001_IEO_HAP_HI.wav",
        "1091_WSI_SAD_LO.wav",
    ] {
        wav(&audio.join(name));
    }
    std::fs::File::create(audio.join("1076_MTI_SAD_XX.wav")).unwrap();
    let corpus = Corpus::load(CorpusKind::CremaD, dir.path()).unwrap();
    assert_eq!(corpus.utterances.len(), 3);
    assert_eq!(corpus.speakers(), ["1001", "1091"]);
    assert_eq!(
        rejected_name(&corpus, "1076_MTI_SAD_XX.wav"),
        RejectReason::Empty
    );

    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("AudioData");
    for name in ["DC/a01.wav", "DC/sa15.wav", "JE/n30.wav", "KL/su02.wav"] {
        wav(&audio.join(name));
    }
    text(&audio.join("Info.txt"), "info");
    let corpus = Corpus::load(CorpusKind::Savee, dir.path()).unwrap();
    let labels: Vec<Label> = corpus.utterances.iter().map(|u| u.label).collect();
    assert_eq!(
        labels,
        [
            Emotion::Anger,
            Emotion::Sadness,
            Emotion::Neutral,
            Emotion::Surprise
        ]
        .map(Label::from)
    );
    assert_eq!(corpus.rejected.len(), 1);
}

#[test]
fn harmonised_labels_move_corpus_specific_ones_to_the_report() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["03a01Fa.wav", "03a01La.wav", "03a02Na.wav"] {
        wav(&dir.path().join(name));
    }
    let corpus = Corpus::load(CorpusKind::Emodb, dir.path())
        .unwrap()
        .with_label_map(LabelMap::harmonised());
    assert_eq!(corpus.utterances.len(), 2);
    assert_eq!(corpus.rejected.len(), 1);
    assert!(matches!(
        corpus.rejected[0].reason,
        RejectReason::Excluded(_)
    ));
    assert_eq!(corpus.class_of(&corpus.utterances[0]), Some(3)); // happiness
}
