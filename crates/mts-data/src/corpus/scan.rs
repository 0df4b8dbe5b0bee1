//! Shared helpers of the loaders: walking folders, checking audio files, deciding whether a
//! folder is the corpus it claims to be.

use std::path::{Path, PathBuf};

use super::{CorpusError, CorpusKind, RejectReason, RejectedFile};
use crate::label::LabelMap;
use crate::utterance::Utterance;

/// What a loader found, before sorting and the corpus check.
pub(super) struct Loaded {
    pub utterances: Vec<Utterance>,
    pub rejected: Vec<RejectedFile>,
    /// A label map other than [`CorpusKind::label_map`] (synthetic corpus).
    pub label_map: Option<LabelMap>,
}

/// Every file below `dir` (recursively), sorted.
pub(super) fn walk(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current).map_err(|source| CorpusError::Io {
            path: current.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| CorpusError::Io {
                path: current.clone(),
                source,
            })?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Checks that `path` names a non-empty file with an audio extension (`.wav`, `.aif`,
/// `.aiff`, any case; the content is not inspected: TESS has AIFF data in `.wav` files).
pub(super) fn check_audio_file(path: &Path) -> Result<(), RejectReason> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(extension.as_str(), "wav" | "aif" | "aiff") {
        return Err(RejectReason::NotAudio { extension });
    }
    let len = std::fs::metadata(path)
        .map_err(|e| RejectReason::Unreadable(e.to_string()))?
        .len();
    if len == 0 {
        return Err(RejectReason::Empty);
    }
    Ok(())
}

/// The file stem as UTF-8.
pub(super) fn stem<'a>(path: &'a Path, expected: &'static str) -> Result<&'a str, RejectReason> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| RejectReason::BadName {
            expected,
            detail: "the name is not valid UTF-8".into(),
        })
}

/// The name of the folder that holds `path`, if any.
pub(super) fn parent_name(path: &Path) -> Option<&str> {
    path.parent()?.file_name()?.to_str()
}

/// Turns every file into an utterance with `parse` (after [`check_audio_file`]) or a rejection.
pub(super) fn load_files(
    files: Vec<PathBuf>,
    parse: impl Fn(&Path) -> Result<Utterance, RejectReason>,
) -> Loaded {
    let mut utterances = Vec::new();
    let mut rejected = Vec::new();
    for path in files {
        match check_audio_file(&path).and_then(|()| parse(&path)) {
            Ok(u) => utterances.push(u),
            Err(reason) => rejected.push(RejectedFile { path, reason }),
        }
    }
    Loaded {
        utterances,
        rejected,
        label_map: None,
    }
}

/// Whether a rejection says that the name does not fit the scheme.
fn is_naming_failure(reason: &RejectReason) -> bool {
    matches!(
        reason,
        RejectReason::BadName { .. }
            | RejectReason::UnknownCode { .. }
            | RejectReason::FolderMismatch { .. }
    )
}

/// Fails when the folder does not look like `kind`: no utterance at all, or more audio files
/// rejected for their names than accepted.
pub(super) fn check_is_corpus(
    kind: CorpusKind,
    root: &Path,
    utterances: &[Utterance],
    rejected: &[RejectedFile],
) -> Result<(), CorpusError> {
    let misnamed: Vec<&RejectedFile> = rejected
        .iter()
        .filter(|r| is_naming_failure(&r.reason))
        .collect();
    let example = misnamed
        .first()
        .copied()
        .or(rejected.first())
        .map(|r| format!("; e.g. {r}"))
        .unwrap_or_default();
    let reason = if utterances.is_empty() {
        Some(format!(
            "no file fits its layout and naming scheme ({} files looked at){example}",
            rejected.len()
        ))
    } else if misnamed.len() > utterances.len() {
        Some(format!(
            "{} audio files do not fit its naming scheme and only {} do{example}",
            misnamed.len(),
            utterances.len()
        ))
    } else {
        None
    };
    match reason {
        Some(reason) => Err(CorpusError::NotThisCorpus {
            kind,
            root: root.to_path_buf(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Parses a decimal field of fixed width made of ASCII digits.
pub(super) fn digits(field: &str, width: usize) -> Option<u32> {
    (field.len() == width && field.bytes().all(|b| b.is_ascii_digit()))
        .then(|| field.parse().ok())
        .flatten()
}
