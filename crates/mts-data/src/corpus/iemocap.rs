//! IEMOCAP, 4 classes: labels from `Session*/dialog/EmoEvaluation/*.txt` lines
//! `[start - end]\tUtteranceId\tlabel\t[V, A, D]`, audio in
//! `Session*/sentences/wav/<dialog>/<utterance>.wav`.
//!
//! Kept: neutral, anger, happiness with excitement merged in, sadness. Every other label is
//! reported as [`RejectReason::Excluded`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::scan::{self, Loaded};
use super::{CorpusError, CorpusKind, RejectReason, RejectedFile};
use crate::label::{Emotion, Label};
use crate::utterance::{Gender, Utterance, UtteranceDetails};

const ID_SCHEME: &str = "SesNN<F|M>_<dialog>_<F|M>NNN, e.g. Ses01F_impro01_F000";

/// The class of an IEMOCAP label, `None` for labels outside the 4 classes.
fn emotion(code: &str) -> Option<Emotion> {
    Some(match code {
        "neu" => Emotion::Neutral,
        "ang" => Emotion::Anger,
        "hap" | "exc" => Emotion::Happiness,
        "sad" => Emotion::Sadness,
        _ => return None,
    })
}

/// One parsed EmoEvaluation line.
#[derive(Debug, PartialEq)]
struct Annotation {
    id: String,
    code: String,
    start_s: f64,
    end_s: f64,
}

/// Parses one `[start - end]\tid\tlabel\t[V, A, D]` line.
fn parse_line(line: &str) -> Result<Annotation, String> {
    let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
    let [times, id, code, _vad] = fields[..] else {
        return Err(format!(
            "expected 4 tab-separated fields, found {}",
            fields.len()
        ));
    };
    let times = times
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or("the times are not in [..]")?;
    let (start, end) = times
        .split_once(" - ")
        .ok_or("the times are not 'start - end'")?;
    let parse_time = |t: &str| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("bad time {t:?}"))
    };
    let (start_s, end_s) = (parse_time(start)?, parse_time(end)?);
    if end_s < start_s {
        return Err(format!("end {end_s} is before start {start_s}"));
    }
    Ok(Annotation {
        id: id.to_owned(),
        code: code.to_owned(),
        start_s,
        end_s,
    })
}

/// Splits an utterance id into (session, dialog, speaker gender).
fn parse_id(id: &str) -> Result<(u8, &str, Gender), RejectReason> {
    let bad = |detail: &str| RejectReason::BadName {
        expected: ID_SCHEME,
        detail: format!("{id:?}: {detail}"),
    };
    let session = id
        .strip_prefix("Ses")
        .and_then(|rest| rest.get(..2))
        .and_then(|d| scan::digits(d, 2))
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| bad("does not start with Ses01..Ses05"))?;
    let (dialog, turn) = id.rsplit_once('_').ok_or_else(|| bad("no turn suffix"))?;
    let gender = match turn.chars().next() {
        Some('F') => Gender::Female,
        Some('M') => Gender::Male,
        _ => return Err(bad("the turn does not start with F or M")),
    };
    if !turn[1..].bytes().all(|b| b.is_ascii_digit()) || turn.len() < 2 {
        return Err(bad("the turn is not F/M followed by digits"));
    }
    Ok((session as u8, dialog, gender))
}

/// The session folders `Session1` .. `Session5` under `root`, with their numbers.
fn sessions(root: &Path) -> Result<Vec<(u8, PathBuf)>, CorpusError> {
    let entries = std::fs::read_dir(root).map_err(|source| CorpusError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(n) = name
            .to_str()
            .and_then(|n| n.strip_prefix("Session"))
            .and_then(|n| n.parse::<u8>().ok())
        else {
            continue;
        };
        if (1..=5).contains(&n) && entry.path().is_dir() {
            found.push((n, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// Loads every session folder under `root`.
pub(super) fn load(root: &Path) -> Result<Loaded, CorpusError> {
    let sessions = sessions(root)?;
    if sessions.is_empty() {
        return Err(CorpusError::NotThisCorpus {
            kind: CorpusKind::Iemocap,
            root: root.to_path_buf(),
            reason: "no Session1 .. Session5 folder".into(),
        });
    }
    let mut utterances = Vec::new();
    let mut rejected = Vec::new();
    for (session, dir) in sessions {
        load_session(session, &dir, &mut utterances, &mut rejected)?;
    }
    Ok(Loaded {
        utterances,
        rejected,
        label_map: None,
    })
}

fn load_session(
    session: u8,
    dir: &Path,
    utterances: &mut Vec<Utterance>,
    rejected: &mut Vec<RejectedFile>,
) -> Result<(), CorpusError> {
    let wav_dir = dir.join("sentences").join("wav");
    let mut audio = audio_files(&wav_dir, rejected)?;
    let annotated = annotations(&dir.join("dialog").join("EmoEvaluation"), rejected)?;
    for (id, (annotation, file)) in annotated {
        let audio_path = audio.remove(&id);
        match utterance(session, &id, &annotation, audio_path.as_deref()) {
            Ok(u) => utterances.push(u),
            Err(RejectReason::MissingAudio) => rejected.push(RejectedFile {
                path: wav_dir.join(format!("{id}.wav")),
                reason: RejectReason::MissingAudio,
            }),
            Err(reason) => rejected.push(RejectedFile {
                path: audio_path.unwrap_or(file),
                reason,
            }),
        }
    }
    rejected.extend(audio.into_values().map(|path| RejectedFile {
        path,
        reason: RejectReason::Unannotated,
    }));
    Ok(())
}

/// A session's audio files by utterance id; files that are not usable audio are rejected.
fn audio_files(
    wav_dir: &Path,
    rejected: &mut Vec<RejectedFile>,
) -> Result<BTreeMap<String, PathBuf>, CorpusError> {
    let mut audio = BTreeMap::new();
    if !wav_dir.is_dir() {
        return Ok(audio);
    }
    for path in scan::walk(wav_dir)? {
        match scan::check_audio_file(&path)
            .and_then(|()| scan::stem(&path, ID_SCHEME).map(str::to_owned))
        {
            Ok(id) => {
                audio.insert(id, path);
            }
            Err(reason) => rejected.push(RejectedFile { path, reason }),
        }
    }
    Ok(audio)
}

/// A session's annotations by utterance id, with the file each came from: the `.txt` files
/// directly in `EmoEvaluation` (not its sub-folders), in name order. Unreadable files and bad
/// lines are rejected.
fn annotations(
    eval_dir: &Path,
    rejected: &mut Vec<RejectedFile>,
) -> Result<BTreeMap<String, (Annotation, PathBuf)>, CorpusError> {
    let mut annotated = BTreeMap::new();
    if !eval_dir.is_dir() {
        return Ok(annotated);
    }
    let entries = std::fs::read_dir(eval_dir).map_err(|source| CorpusError::Io {
        path: eval_dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                rejected.push(RejectedFile {
                    path: file,
                    reason: RejectReason::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        for (i, line) in text.lines().enumerate().filter(|(_, l)| l.starts_with('[')) {
            match parse_line(line) {
                Ok(a) => {
                    annotated.insert(a.id.clone(), (a, file.clone()));
                }
                Err(detail) => rejected.push(RejectedFile {
                    path: file.clone(),
                    reason: RejectReason::BadAnnotation {
                        line: i + 1,
                        detail,
                    },
                }),
            }
        }
    }
    Ok(annotated)
}

/// The utterance `id` of `session`, annotated with `annotation`, whose audio is `audio` (if
/// found), or why it is rejected.
fn utterance(
    session: u8,
    id: &str,
    annotation: &Annotation,
    audio: Option<&Path>,
) -> Result<Utterance, RejectReason> {
    let (id_session, dialog, gender) = parse_id(id)?;
    if id_session != session {
        return Err(RejectReason::FolderMismatch {
            folder: format!("Session{session}"),
            detail: format!("the utterance id says session {id_session}"),
        });
    }
    let emotion = emotion(&annotation.code).ok_or_else(|| {
        RejectReason::Excluded(format!(
            "label {:?} is not one of neu, ang, hap, exc, sad",
            annotation.code
        ))
    })?;
    let path = audio.ok_or(RejectReason::MissingAudio)?.to_path_buf();
    let letter = if gender == Gender::Female { 'F' } else { 'M' };
    Ok(Utterance {
        id: id.to_owned(),
        path,
        corpus: CorpusKind::Iemocap,
        speaker: format!("Ses{session:02}{letter}"),
        gender: Some(gender),
        label: Label::Emotion(emotion),
        label_code: annotation.code.clone(),
        details: UtteranceDetails::Iemocap {
            session,
            dialog: dialog.to_owned(),
            improvised: dialog.contains("_impro"),
            start_s: annotation.start_s,
            end_s: annotation.end_s,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_evaluation_line() {
        let a = parse_line("[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]")
            .unwrap();
        assert_eq!(a.id, "Ses01F_impro01_F000");
        assert_eq!(a.code, "neu");
        assert!((a.start_s - 6.2901).abs() < 1e-12 && (a.end_s - 8.2357).abs() < 1e-12);
        assert!(parse_line("[8.0 - 6.0]\tSes01F_impro01_F000\tneu\t[1, 1, 1]").is_err());
        assert!(parse_line("[x - 6.0]\tSes01F_impro01_F000\tneu\t[1, 1, 1]").is_err());
        assert!(parse_line("6.0 - 8.0\tSes01F_impro01_F000\tneu").is_err());
    }

    #[test]
    fn speaker_comes_from_the_turn_not_the_dialog() {
        let (session, dialog, gender) = parse_id("Ses03F_script01_1_M021").unwrap();
        assert_eq!(
            (session, dialog, gender),
            (3, "Ses03F_script01_1", Gender::Male)
        );
        assert!(parse_id("Ses06F_impro01_F000").is_err());
        assert!(parse_id("Ses01F_impro01_X000").is_err());
    }

    #[test]
    fn excited_is_merged_into_happiness() {
        assert_eq!(emotion("exc"), Some(Emotion::Happiness));
        assert_eq!(emotion("hap"), Some(Emotion::Happiness));
        assert_eq!(emotion("fru"), None);
    }
}
