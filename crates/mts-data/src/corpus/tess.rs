//! TESS (Toronto Emotional Speech Set): `<SPK>_<word>_<emotion>.wav`, e.g. `OAF_back_angry.wav`,
//! in 14 folders whose names differ in case and wording.
//!
//! The label comes from the file-name suffix, never from the folder name. `OA_bite_neutral.wav`
//! belongs to speaker `OAF`. Two files are AIFF data despite their `.wav` name and one is
//! 96 kHz: the loader looks at names only, decoding is the audio front end's job.

use std::path::Path;

use super::scan::{self, Loaded};
use super::{CorpusError, CorpusKind, RejectReason};
use crate::label::{Emotion, Label};
use crate::utterance::{Gender, Utterance, UtteranceDetails};

const SCHEME: &str = "<OAF|YAF>_<word>_<emotion>.wav, e.g. OAF_back_angry.wav";

/// The emotion of a TESS emotion token.
fn emotion(token: &str) -> Option<Emotion> {
    Some(match token.to_ascii_lowercase().as_str() {
        "angry" => Emotion::Anger,
        "disgust" => Emotion::Disgust,
        "fear" => Emotion::Fear,
        "happy" => Emotion::Happiness,
        "neutral" => Emotion::Neutral,
        "ps" => Emotion::Surprise,
        "sad" => Emotion::Sadness,
        _ => return None,
    })
}

/// The speaker of a speaker prefix (`OA` is a known misspelling of `OAF`).
fn speaker(prefix: &str) -> Option<&'static str> {
    match prefix.to_ascii_uppercase().as_str() {
        "OAF" | "OA" => Some("OAF"),
        "YAF" => Some("YAF"),
        _ => None,
    }
}

/// Loads every file below `root`.
pub(super) fn load(root: &Path) -> Result<Loaded, CorpusError> {
    Ok(scan::load_files(scan::walk(root)?, parse))
}

fn parse(path: &Path) -> Result<Utterance, RejectReason> {
    let stem = scan::stem(path, SCHEME)?;
    let parts: Vec<&str> = stem.split('_').collect();
    let [prefix, word, token] = parts[..] else {
        return Err(RejectReason::BadName {
            expected: SCHEME,
            detail: format!("{stem:?} is not three fields joined by '_'"),
        });
    };
    if word.is_empty() {
        return Err(RejectReason::BadName {
            expected: SCHEME,
            detail: "the word is empty".into(),
        });
    }
    let speaker = speaker(prefix).ok_or_else(|| RejectReason::UnknownCode {
        field: "speaker",
        value: prefix.to_owned(),
    })?;
    let emotion = emotion(token).ok_or_else(|| RejectReason::UnknownCode {
        field: "emotion",
        value: token.to_owned(),
    })?;
    if let Some(folder) = scan::parent_name(path)
        && let Some((folder_prefix, _)) = folder.split_once('_')
        && let Some(folder_speaker) = self::speaker(folder_prefix)
        && folder_speaker != speaker
    {
        return Err(RejectReason::FolderMismatch {
            folder: folder.to_owned(),
            detail: format!("the file name says speaker {speaker}"),
        });
    }
    Ok(Utterance {
        id: stem.to_owned(),
        path: path.to_path_buf(),
        corpus: CorpusKind::Tess,
        speaker: speaker.to_owned(),
        gender: Some(Gender::Female),
        label: Label::Emotion(emotion),
        label_code: token.to_ascii_lowercase(),
        details: UtteranceDetails::Tess {
            word: word.to_ascii_lowercase(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_quirks() {
        let u = parse(Path::new("YAF_pleasant_surprised/YAF_bath_ps.wav")).unwrap();
        assert_eq!(
            (u.speaker.as_str(), u.label, u.word()),
            ("YAF", Label::Emotion(Emotion::Surprise), Some("bath"))
        );
        let u = parse(Path::new("OAF_neutral/OA_bite_neutral.wav")).unwrap();
        assert_eq!(u.speaker, "OAF");
        assert_eq!(u.id, "OA_bite_neutral");
        // Label from the suffix, whatever the folder says.
        let u = parse(Path::new("OAF_Fear/OAF_back_fear.wav")).unwrap();
        assert_eq!(u.label, Label::Emotion(Emotion::Fear));
    }

    #[test]
    fn rejects_with_the_reason() {
        let reason = |name: &str| parse(Path::new(name)).unwrap_err();
        assert!(matches!(
            reason("MAF_back_angry.wav"),
            RejectReason::UnknownCode {
                field: "speaker",
                ..
            }
        ));
        assert!(matches!(
            reason("OAF_back_bored.wav"),
            RejectReason::UnknownCode {
                field: "emotion",
                ..
            }
        ));
        assert!(matches!(
            reason("OAF_back.wav"),
            RejectReason::BadName { .. }
        ));
        assert!(matches!(
            reason("YAF_angry/OAF_back_angry.wav"),
            RejectReason::FolderMismatch { .. }
        ));
    }
}
