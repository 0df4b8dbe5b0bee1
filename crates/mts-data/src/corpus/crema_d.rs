//! CREMA-D: `AAAA_SSS_EEE_II.wav` (actor, sentence, emotion, intensity), e.g.
//! `1001_DFA_ANG_XX.wav`, normally in `AudioWAV/`.

use std::path::Path;

use super::scan::{self, Loaded};
use super::{CorpusError, CorpusKind, RejectReason};
use crate::label::{Emotion, Label};
use crate::utterance::{Intensity, Utterance, UtteranceDetails};

const SCHEME: &str = "AAAA_SSS_EEE_II.wav (actor 1001-1091, sentence, emotion, intensity), \
                      e.g. 1001_DFA_ANG_XX.wav";

/// The twelve sentence codes.
const SENTENCES: [&str; 12] = [
    "IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI",
];

fn emotion(code: &str) -> Option<Emotion> {
    Some(match code {
        "ANG" => Emotion::Anger,
        "DIS" => Emotion::Disgust,
        "FEA" => Emotion::Fear,
        "HAP" => Emotion::Happiness,
        "NEU" => Emotion::Neutral,
        "SAD" => Emotion::Sadness,
        _ => return None,
    })
}

fn intensity(code: &str) -> Option<Intensity> {
    Some(match code {
        "LO" => Intensity::Low,
        "MD" => Intensity::Normal,
        "HI" => Intensity::High,
        "XX" => Intensity::Unspecified,
        _ => return None,
    })
}

/// Loads `root/AudioWAV` if present, else every file below `root`.
pub(super) fn load(root: &Path) -> Result<Loaded, CorpusError> {
    let audio = root.join("AudioWAV");
    let dir = if audio.is_dir() {
        audio
    } else {
        root.to_path_buf()
    };
    Ok(scan::load_files(scan::walk(&dir)?, parse))
}

fn parse(path: &Path) -> Result<Utterance, RejectReason> {
    let stem = scan::stem(path, SCHEME)?;
    let fields: Vec<&str> = stem.split('_').collect();
    let [actor, sentence, emotion_code, intensity_code] = fields[..] else {
        return Err(RejectReason::BadName {
            expected: SCHEME,
            detail: format!("{stem:?} is not four fields joined by '_'"),
        });
    };
    let unknown = |field: &'static str, value: &str| RejectReason::UnknownCode {
        field,
        value: value.to_owned(),
    };
    scan::digits(actor, 4)
        .filter(|a| (1001..=1091).contains(a))
        .ok_or_else(|| unknown("actor", actor))?;
    if !SENTENCES.contains(&sentence) {
        return Err(unknown("sentence", sentence));
    }
    let emotion = emotion(emotion_code).ok_or_else(|| unknown("emotion", emotion_code))?;
    let intensity =
        intensity(intensity_code).ok_or_else(|| unknown("intensity", intensity_code))?;
    Ok(Utterance {
        id: stem.to_owned(),
        path: path.to_path_buf(),
        corpus: CorpusKind::CremaD,
        speaker: actor.to_owned(),
        gender: None,
        label: Label::Emotion(emotion),
        label_code: emotion_code.to_owned(),
        details: UtteranceDetails::CremaD {
            sentence: sentence.to_owned(),
            intensity,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let u = parse(Path::new("1001_DFA_ANG_XX.wav")).unwrap();
        assert_eq!(u.speaker, "1001");
        assert_eq!(u.label, Label::Emotion(Emotion::Anger));
        assert_eq!(
            u.details,
            UtteranceDetails::CremaD {
                sentence: "DFA".into(),
                intensity: Intensity::Unspecified
            }
        );
        let reason = |name: &str| parse(Path::new(name)).unwrap_err();
        assert!(matches!(
            reason("1092_DFA_ANG_XX.wav"),
            RejectReason::UnknownCode { field: "actor", .. }
        ));
        assert!(matches!(
            reason("1001_ABC_ANG_XX.wav"),
            RejectReason::UnknownCode {
                field: "sentence",
                ..
            }
        ));
        assert!(matches!(
            reason("1001_DFA_SUR_XX.wav"),
            RejectReason::UnknownCode {
                field: "emotion",
                ..
            }
        ));
        assert!(matches!(
            reason("1001_DFA_ANG_ZZ.wav"),
            RejectReason::UnknownCode {
                field: "intensity",
                ..
            }
        ));
        assert!(matches!(
            reason("1001_DFA_ANG.wav"),
            RejectReason::BadName { .. }
        ));
    }
}
