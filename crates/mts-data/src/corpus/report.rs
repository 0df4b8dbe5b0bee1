//! What a corpus loader says about files it did not take, and how loading fails.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use thiserror::Error;

use super::CorpusKind;

/// Why a file found in a corpus folder was not turned into an utterance.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The file has no audio extension (`.wav`, `.aif`, `.aiff`).
    #[error("not an audio file (extension {extension:?})")]
    NotAudio {
        /// The extension found, empty if none.
        extension: String,
    },
    /// The file is empty.
    #[error("the file is empty (0 bytes)")]
    Empty,
    /// The file name does not follow the corpus's naming scheme.
    #[error("file name does not match the scheme {expected}: {detail}")]
    BadName {
        /// The scheme, e.g. `SSTTTEV.wav`.
        expected: &'static str,
        /// What is wrong with this name.
        detail: String,
    },
    /// A field of the name has a value the corpus does not define.
    #[error("unknown {field} {value:?}")]
    UnknownCode {
        /// The field (`speaker`, `emotion`, `text`, ...).
        field: &'static str,
        /// The value found.
        value: String,
    },
    /// The file belongs to the corpus but to a part that is not used (RAVDESS song or video,
    /// IEMOCAP labels outside the 4 classes).
    #[error("excluded: {0}")]
    Excluded(String),
    /// The name and its folder disagree (e.g. RAVDESS `Actor_03/..-12.wav`).
    #[error("folder {folder:?} does not match the file name ({detail})")]
    FolderMismatch {
        /// The folder name.
        folder: String,
        /// What disagrees.
        detail: String,
    },
    /// An audio file without annotation (IEMOCAP: no EmoEvaluation line).
    #[error("no annotation found for this file")]
    Unannotated,
    /// An annotation whose audio file is missing (IEMOCAP).
    #[error("annotated, but the audio file is missing")]
    MissingAudio,
    /// An annotation line that cannot be parsed (IEMOCAP EmoEvaluation).
    #[error("bad annotation line {line}: {detail}")]
    BadAnnotation {
        /// 1-based line number in the annotation file.
        line: usize,
        /// What is wrong.
        detail: String,
    },
    /// A second file with an utterance id already taken.
    #[error("duplicate utterance id {0:?}")]
    Duplicate(String),
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Unreadable(String),
}

/// A file (or annotation) that a loader did not turn into an utterance, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedFile {
    /// The file (for IEMOCAP annotation problems: the annotation file).
    pub path: PathBuf,
    /// Why it was not taken.
    pub reason: RejectReason,
}

impl fmt::Display for RejectedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

/// Why a corpus could not be loaded at all.
#[derive(Debug, Error)]
pub enum CorpusError {
    /// The root folder does not exist or is not a folder.
    #[error("{kind} corpus folder {root:?} does not exist or is not a folder")]
    NoSuchFolder {
        /// The claimed corpus.
        kind: CorpusKind,
        /// The folder given.
        root: PathBuf,
    },
    /// The folder does not look like the claimed corpus.
    #[error("{root:?} does not have the layout of the {kind} corpus: {reason}")]
    NotThisCorpus {
        /// The claimed corpus.
        kind: CorpusKind,
        /// The folder given.
        root: PathBuf,
        /// What gave it away (e.g. how many files matched the naming scheme).
        reason: String,
    },
    /// Reading the folder failed.
    #[error("cannot read {path:?}: {source}")]
    Io {
        /// The path being read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A corpus manifest (synthetic corpus) could not be parsed.
    #[error("bad manifest {path:?}: {detail}")]
    BadManifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}
