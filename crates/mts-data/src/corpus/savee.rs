//! SAVEE: `<SPK>/<emotion><nn>.wav` (speaker folders DC, JE, JK, KL, normally under
//! `AudioData/`), e.g. `DC/a01.wav`; the flat variant `DC_a01.wav` is read too.

use std::path::Path;

use super::scan::{self, Loaded};
use super::{CorpusError, CorpusKind, RejectReason};
use crate::label::{Emotion, Label};
use crate::utterance::{Gender, Utterance, UtteranceDetails};

const SCHEME: &str = "<SPK>/<emotion><nn>.wav (speaker DC/JE/JK/KL; emotion a, d, f, h, n, sa, \
                      su), e.g. DC/a01.wav";

/// The four speakers (all male).
const SPEAKERS: [&str; 4] = ["DC", "JE", "JK", "KL"];

fn emotion(prefix: &str) -> Option<Emotion> {
    Some(match prefix {
        "a" => Emotion::Anger,
        "d" => Emotion::Disgust,
        "f" => Emotion::Fear,
        "h" => Emotion::Happiness,
        "n" => Emotion::Neutral,
        "sa" => Emotion::Sadness,
        "su" => Emotion::Surprise,
        _ => return None,
    })
}

/// Loads `root/AudioData` if present, else every file below `root`.
pub(super) fn load(root: &Path) -> Result<Loaded, CorpusError> {
    let audio = root.join("AudioData");
    let dir = if audio.is_dir() {
        audio
    } else {
        root.to_path_buf()
    };
    Ok(scan::load_files(scan::walk(&dir)?, parse))
}

fn parse(path: &Path) -> Result<Utterance, RejectReason> {
    let stem = scan::stem(path, SCHEME)?;
    let (speaker, name) = match stem.split_once('_') {
        Some((speaker, name)) => (speaker, name),
        None => (scan::parent_name(path).unwrap_or_default(), stem),
    };
    if !SPEAKERS.contains(&speaker) {
        return Err(RejectReason::UnknownCode {
            field: "speaker",
            value: speaker.to_owned(),
        });
    }
    let split = name
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| RejectReason::BadName {
            expected: SCHEME,
            detail: format!("{name:?} has no sentence number"),
        })?;
    let (prefix, number) = name.split_at(split);
    let emotion = emotion(prefix).ok_or_else(|| RejectReason::UnknownCode {
        field: "emotion",
        value: prefix.to_owned(),
    })?;
    let max = if emotion == Emotion::Neutral { 30 } else { 15 };
    let number = scan::digits(number, 2)
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| RejectReason::UnknownCode {
            field: "sentence number",
            value: number.to_owned(),
        })?;
    Ok(Utterance {
        id: format!("{speaker}_{name}"),
        path: path.to_path_buf(),
        corpus: CorpusKind::Savee,
        speaker: speaker.to_owned(),
        gender: Some(Gender::Male),
        label: Label::Emotion(emotion),
        label_code: prefix.to_owned(),
        details: UtteranceDetails::Savee {
            number: number as u8,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_layouts_and_rejects() {
        let u = parse(Path::new("AudioData/DC/sa01.wav")).unwrap();
        assert_eq!((u.id.as_str(), u.speaker.as_str()), ("DC_sa01", "DC"));
        assert_eq!(u.label, Label::Emotion(Emotion::Sadness));
        let flat = parse(Path::new("JK_su15.wav")).unwrap();
        assert_eq!(flat.label, Label::Emotion(Emotion::Surprise));
        assert_eq!(
            parse(Path::new("KL/n30.wav")).unwrap().details,
            UtteranceDetails::Savee { number: 30 }
        );
        let reason = |name: &str| parse(Path::new(name)).unwrap_err();
        assert!(matches!(
            reason("XX/a01.wav"),
            RejectReason::UnknownCode {
                field: "speaker",
                ..
            }
        ));
        assert!(matches!(
            reason("DC/b01.wav"),
            RejectReason::UnknownCode {
                field: "emotion",
                ..
            }
        ));
        assert!(matches!(
            reason("DC/a16.wav"),
            RejectReason::UnknownCode {
                field: "sentence number",
                ..
            }
        ));
        assert!(matches!(reason("DC/a.wav"), RejectReason::BadName { .. }));
    }
}
