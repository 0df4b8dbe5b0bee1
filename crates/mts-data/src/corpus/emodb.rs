//! EMODB (Berlin Database of Emotional Speech): `SSTTTEV.wav`, e.g. `03a01Fa.wav`.

use std::path::Path;

use super::scan::{self, Loaded};
use super::{CorpusError, CorpusKind, RejectReason};
use crate::label::{Emotion, Label};
use crate::utterance::{Gender, Utterance, UtteranceDetails};

const SCHEME: &str = "SSTTTEV.wav (speaker, text, emotion letter, version), e.g. 03a01Fa.wav";

/// The ten speakers and their genders, from the official speaker list.
const SPEAKERS: [(&str, Gender); 10] = [
    ("03", Gender::Male),
    ("08", Gender::Female),
    ("09", Gender::Female),
    ("10", Gender::Male),
    ("11", Gender::Male),
    ("12", Gender::Male),
    ("13", Gender::Female),
    ("14", Gender::Female),
    ("15", Gender::Male),
    ("16", Gender::Female),
];

/// The ten text codes.
const TEXTS: [&str; 10] = [
    "a01", "a02", "a04", "a05", "a07", "b01", "b02", "b03", "b09", "b10",
];

/// The emotion of an EMODB emotion letter (German initials).
fn emotion(letter: char) -> Option<Emotion> {
    Some(match letter {
        'W' => Emotion::Anger,
        'L' => Emotion::Boredom,
        'E' => Emotion::Disgust,
        'A' => Emotion::Fear,
        'F' => Emotion::Happiness,
        'T' => Emotion::Sadness,
        'N' => Emotion::Neutral,
        _ => return None,
    })
}

/// Loads `root/wav/*.wav` (the official archive) or `root/*.wav`.
pub(super) fn load(root: &Path) -> Result<Loaded, CorpusError> {
    let wav = root.join("wav");
    let dir = if wav.is_dir() {
        wav
    } else {
        root.to_path_buf()
    };
    Ok(scan::load_files(scan::walk(&dir)?, parse))
}

fn parse(path: &Path) -> Result<Utterance, RejectReason> {
    let stem = scan::stem(path, SCHEME)?;
    let chars: Vec<char> = stem.chars().collect();
    if chars.len() != 7 || !stem.is_ascii() {
        return Err(RejectReason::BadName {
            expected: SCHEME,
            detail: format!("{stem:?} is not 7 ASCII characters"),
        });
    }
    let speaker = &stem[0..2];
    let text = &stem[2..5];
    let (letter, version) = (chars[5], chars[6]);
    let gender = SPEAKERS
        .iter()
        .find(|(s, _)| *s == speaker)
        .map(|(_, g)| *g)
        .ok_or_else(|| RejectReason::UnknownCode {
            field: "speaker",
            value: speaker.to_owned(),
        })?;
    if !TEXTS.contains(&text) {
        return Err(RejectReason::UnknownCode {
            field: "text",
            value: text.to_owned(),
        });
    }
    let emotion = emotion(letter).ok_or_else(|| RejectReason::UnknownCode {
        field: "emotion letter",
        value: letter.to_string(),
    })?;
    if !version.is_ascii_lowercase() {
        return Err(RejectReason::UnknownCode {
            field: "version letter",
            value: version.to_string(),
        });
    }
    Ok(Utterance {
        id: stem.to_owned(),
        path: path.to_path_buf(),
        corpus: CorpusKind::Emodb,
        speaker: speaker.to_owned(),
        gender: Some(gender),
        label: Label::Emotion(emotion),
        label_code: letter.to_string(),
        details: UtteranceDetails::Emodb {
            text: text.to_owned(),
            version,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_name(name: &str) -> Result<Utterance, RejectReason> {
        parse(Path::new(name))
    }

    #[test]
    fn parses_the_documented_example() {
        let u = parse_name("03a01Fa.wav").unwrap();
        assert_eq!(u.speaker, "03");
        assert_eq!(u.gender, Some(Gender::Male));
        assert_eq!(u.label, Label::Emotion(Emotion::Happiness));
        assert_eq!(u.label_code, "F");
        assert_eq!(
            u.details,
            UtteranceDetails::Emodb {
                text: "a01".into(),
                version: 'a'
            }
        );
    }

    #[test]
    fn speaker_08_is_female_despite_the_alternating_map() {
        assert_eq!(
            parse_name("08b10Wc.wav").unwrap().gender,
            Some(Gender::Female)
        );
    }

    #[test]
    fn rejects_with_the_reason() {
        assert!(matches!(
            parse_name("04a01Fa.wav"),
            Err(RejectReason::UnknownCode {
                field: "speaker",
                ..
            })
        ));
        assert!(matches!(
            parse_name("03a03Fa.wav"),
            Err(RejectReason::UnknownCode { field: "text", .. })
        ));
        assert!(matches!(
            parse_name("03a01Xa.wav"),
            Err(RejectReason::UnknownCode {
                field: "emotion letter",
                ..
            })
        ));
        assert!(matches!(
            parse_name("03a01FA.wav"),
            Err(RejectReason::UnknownCode {
                field: "version letter",
                ..
            })
        ));
        assert!(matches!(
            parse_name("03a01F.wav"),
            Err(RejectReason::BadName { .. })
        ));
    }
}
