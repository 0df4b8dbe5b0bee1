//! Spectrograms kept on disk, computed once per file and feature config.
//!
//! An entry is keyed by the feature config ([`ConfigFingerprint`]) and the audio file's identity
//! ([`FileIdentity`]: size and content hash), so it is reused across runs, folds and even a
//! moved corpus folder, and never served for a changed file or config. Entries are written
//! atomically (temporary file + rename); a corrupt or stale entry is detected (checksum, header)
//! and rebuilt, never trusted.

mod entry;
mod identity;

use std::path::{Path, PathBuf};

use mts_audio::{AudioError, FeatureExtractor, Spectrogram};
use thiserror::Error;

pub use identity::{ConfigFingerprint, FileIdentity};

use entry::EntryProblem;

/// A folder of cached spectrograms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureCache {
    dir: PathBuf,
}

/// What happened when a spectrogram was asked of the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// A valid entry was read.
    Hit,
    /// There was no entry; the spectrogram was computed and stored.
    Computed,
    /// The entry was corrupt or stale; the spectrogram was recomputed and the entry replaced.
    Rebuilt,
}

/// Why the spectrogram of one file could not be had.
#[derive(Debug, Error)]
pub enum FileFeatureError {
    /// The audio file could not be read.
    #[error("cannot read {path:?}: {source}")]
    Read {
        /// The audio file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Decoding, resampling or the STFT failed.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The cache entry could not be written (the spectrogram itself was fine).
    #[error("cannot write cache entry {path:?}: {source}")]
    CacheWrite {
        /// The entry.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl FileFeatureError {
    /// Whether the failure is the cache's (disk), not the audio file's.
    pub fn is_cache_failure(&self) -> bool {
        matches!(self, FileFeatureError::CacheWrite { .. })
    }
}

/// Why a cache could not be opened.
#[derive(Debug, Error)]
#[error("cannot create the feature cache folder {path:?}: {source}")]
pub struct CacheError {
    /// The folder.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: std::io::Error,
}

impl FeatureCache {
    /// A cache in `dir` (created if needed).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, CacheError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|source| CacheError {
            path: dir.clone(),
            source,
        })?;
        Ok(Self { dir })
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the entry for `file` under `config` lives:
    /// `<dir>/<config fingerprint>/<key>.spec`.
    pub fn entry_path(&self, config: ConfigFingerprint, file: FileIdentity) -> PathBuf {
        self.dir
            .join(config.hex())
            .join(format!("{:032x}.spec", identity::entry_key(config, file)))
    }

    /// The spectrogram of the audio file at `path`: from a valid entry if there is one,
    /// otherwise computed with `extractor` (whose config `fingerprint` describes) and stored.
    pub fn get_or_compute(
        &self,
        path: &Path,
        fingerprint: ConfigFingerprint,
        extractor: &mut FeatureExtractor,
    ) -> Result<(Spectrogram, CacheOutcome), FileFeatureError> {
        let bytes = std::fs::read(path).map_err(|source| FileFeatureError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file = FileIdentity::of_bytes(&bytes);
        let entry_path = self.entry_path(fingerprint, file);
        let outcome = match std::fs::read(&entry_path) {
            Ok(entry) => match entry::decode(&entry, fingerprint, file) {
                Ok(spectrogram) => return Ok((spectrogram, CacheOutcome::Hit)),
                Err(EntryProblem::Corrupt(_) | EntryProblem::Stale) => CacheOutcome::Rebuilt,
            },
            Err(_) => CacheOutcome::Computed,
        };
        let spectrogram = extractor.extract_bytes(&bytes, path)?;
        let write_error = |source| FileFeatureError::CacheWrite {
            path: entry_path.clone(),
            source,
        };
        if let Some(dir) = entry_path.parent() {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        crate::atomic::write_file(&entry_path, &entry::encode(fingerprint, file, &spectrogram))
            .map_err(write_error)?;
        Ok((spectrogram, outcome))
    }
}
