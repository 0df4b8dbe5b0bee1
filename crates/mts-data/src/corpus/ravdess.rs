//! RAVDESS, audio-only speech: `Actor_AA/MM-VV-EE-II-SS-RR-AA.wav`, e.g.
//! `Actor_12/03-01-06-01-02-01-12.wav`.

use std::path::Path;

use super::scan::{self, Loaded};
use super::{CorpusError, CorpusKind, RejectReason};
use crate::label::{Emotion, Label};
use crate::utterance::{Gender, Intensity, Utterance, UtteranceDetails};

const SCHEME: &str = "MM-VV-EE-II-SS-RR-AA.wav (modality, vocal channel, emotion, intensity, \
                      statement, repetition, actor), e.g. 03-01-06-01-02-01-12.wav";

/// The emotion of a RAVDESS emotion code (01..=08).
fn emotion(code: u32) -> Option<Emotion> {
    Some(match code {
        1 => Emotion::Neutral,
        2 => Emotion::Calm,
        3 => Emotion::Happiness,
        4 => Emotion::Sadness,
        5 => Emotion::Anger,
        6 => Emotion::Fear,
        7 => Emotion::Disgust,
        8 => Emotion::Surprise,
        _ => return None,
    })
}

/// Loads every file below `root` (normally `Actor_01` .. `Actor_24`).
pub(super) fn load(root: &Path) -> Result<Loaded, CorpusError> {
    Ok(scan::load_files(scan::walk(root)?, parse))
}

fn unknown(field: &'static str, value: &str) -> RejectReason {
    RejectReason::UnknownCode {
        field,
        value: value.to_owned(),
    }
}

fn parse(path: &Path) -> Result<Utterance, RejectReason> {
    let stem = scan::stem(path, SCHEME)?;
    let fields: Vec<&str> = stem.split('-').collect();
    let codes: Vec<u32> = fields.iter().filter_map(|f| scan::digits(f, 2)).collect();
    if fields.len() != 7 || codes.len() != 7 {
        return Err(RejectReason::BadName {
            expected: SCHEME,
            detail: format!("{stem:?} is not seven 2-digit fields joined by '-'"),
        });
    }
    let [
        modality,
        channel,
        emotion_code,
        intensity,
        statement,
        repetition,
        actor,
    ] = [0, 1, 2, 3, 4, 5, 6].map(|i| codes[i]);
    match modality {
        3 => {}
        1 | 2 => {
            return Err(RejectReason::Excluded(format!(
                "modality {modality:02} is video, only audio-only (03) is used"
            )));
        }
        _ => return Err(unknown("modality", fields[0])),
    }
    match channel {
        1 => {}
        2 => {
            return Err(RejectReason::Excluded(
                "song (vocal channel 02), not speech".into(),
            ));
        }
        _ => return Err(unknown("vocal channel", fields[1])),
    }
    let emotion = emotion(emotion_code).ok_or_else(|| unknown("emotion", fields[2]))?;
    let intensity = match intensity {
        1 => Intensity::Normal,
        2 if emotion == Emotion::Neutral => {
            return Err(RejectReason::BadName {
                expected: SCHEME,
                detail: "neutral has no strong intensity (02)".into(),
            });
        }
        2 => Intensity::High,
        _ => return Err(unknown("intensity", fields[3])),
    };
    if !(1..=2).contains(&statement) {
        return Err(unknown("statement", fields[4]));
    }
    if !(1..=2).contains(&repetition) {
        return Err(unknown("repetition", fields[5]));
    }
    if !(1..=24).contains(&actor) {
        return Err(unknown("actor", fields[6]));
    }
    let speaker = format!("Actor_{actor:02}");
    if let Some(folder) = scan::parent_name(path)
        && folder.starts_with("Actor_")
        && folder != speaker
    {
        return Err(RejectReason::FolderMismatch {
            folder: folder.to_owned(),
            detail: format!("the file name says actor {actor:02}"),
        });
    }
    Ok(Utterance {
        id: stem.to_owned(),
        path: path.to_path_buf(),
        corpus: CorpusKind::Ravdess,
        speaker,
        gender: Some(if actor % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }),
        label: Label::Emotion(emotion),
        label_code: fields[2].to_owned(),
        details: UtteranceDetails::Ravdess {
            intensity,
            statement: statement as u8,
            repetition: repetition as u8,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let u = parse(Path::new("Actor_12/03-01-06-01-02-01-12.wav")).unwrap();
        assert_eq!(u.speaker, "Actor_12");
        assert_eq!(u.gender, Some(Gender::Female));
        assert_eq!(u.label, Label::Emotion(Emotion::Fear));
        assert_eq!(
            u.details,
            UtteranceDetails::Ravdess {
                intensity: Intensity::Normal,
                statement: 2,
                repetition: 1
            }
        );
    }

    #[test]
    fn rejects_with_the_reason() {
        let reason = |name: &str| parse(Path::new(name)).unwrap_err();
        assert!(matches!(
            reason("Actor_01/03-02-05-01-01-01-01.wav"),
            RejectReason::Excluded(_)
        ));
        assert!(matches!(
            reason("Actor_01/01-01-05-01-01-01-01.wav"),
            RejectReason::Excluded(_)
        ));
        assert!(matches!(
            reason("Actor_01/03-01-01-02-01-01-01.wav"),
            RejectReason::BadName { .. }
        ));
        assert!(matches!(
            reason("Actor_01/03-01-09-01-01-01-01.wav"),
            RejectReason::UnknownCode {
                field: "emotion",
                ..
            }
        ));
        assert!(matches!(
            reason("Actor_01/03-01-05-01-01-01-25.wav"),
            RejectReason::UnknownCode { field: "actor", .. }
        ));
        assert!(matches!(
            reason("Actor_03/03-01-05-01-01-01-01.wav"),
            RejectReason::FolderMismatch { .. }
        ));
        assert!(matches!(
            reason("03-01-05-01-01.wav"),
            RejectReason::BadName { .. }
        ));
    }
}
