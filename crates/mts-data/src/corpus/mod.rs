//! Emotion corpora on disk: which corpus a folder holds, and its validated utterances.

mod crema_d;
mod emodb;
mod iemocap;
pub(crate) mod kind;
mod ravdess;
mod report;
mod savee;
mod scan;
mod synthetic_files;
mod tess;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use kind::{CorpusKind, ParseCorpusKindError};
pub use report::{CorpusError, RejectReason, RejectedFile};

use crate::label::LabelMap;
use crate::stats::CorpusStats;
use crate::utterance::Utterance;

/// A loaded corpus: its utterances, sorted by id, and every file that was not taken, with the
/// reason.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Which corpus this is.
    pub kind: CorpusKind,
    /// The folder it was loaded from (`None` for an in-memory synthetic corpus).
    pub root: Option<PathBuf>,
    /// Class `i` of a model trained on this corpus is `label_map.labels()[i]`.
    pub label_map: LabelMap,
    /// The validated utterances, sorted by id.
    pub utterances: Vec<Utterance>,
    /// Files (and annotations) that were not turned into utterances.
    pub rejected: Vec<RejectedFile>,
}

impl Corpus {
    /// Loads the corpus `kind` from the folder `root`.
    ///
    /// Every file under the corpus's audio folders either becomes an [`Utterance`] or is listed
    /// in [`Corpus::rejected`] with a [`RejectReason`]. Loading fails with
    /// [`CorpusError::NotThisCorpus`] when no file, or fewer files than were rejected for their
    /// name, match the corpus's naming scheme.
    pub fn load(kind: CorpusKind, root: impl AsRef<Path>) -> Result<Corpus, CorpusError> {
        let root = root.as_ref();
        if !root.is_dir() {
            return Err(CorpusError::NoSuchFolder {
                kind,
                root: root.to_path_buf(),
            });
        }
        let loaded = match kind {
            CorpusKind::Emodb => emodb::load(root)?,
            CorpusKind::Ravdess => ravdess::load(root)?,
            CorpusKind::Tess => tess::load(root)?,
            CorpusKind::Iemocap => iemocap::load(root)?,
            CorpusKind::CremaD => crema_d::load(root)?,
            CorpusKind::Savee => savee::load(root)?,
            CorpusKind::Synthetic => synthetic_files::load(root)?,
        };
        let scan::Loaded {
            mut utterances,
            mut rejected,
            label_map,
        } = loaded;
        utterances.sort_by(|a, b| a.id.cmp(&b.id));
        reject_duplicates(&mut utterances, &mut rejected);
        rejected.sort_by(|a, b| a.path.cmp(&b.path));
        scan::check_is_corpus(kind, root, &utterances, &rejected)?;
        Ok(Corpus {
            kind,
            root: Some(root.to_path_buf()),
            label_map: label_map.unwrap_or_else(|| kind.label_map()),
            utterances,
            rejected,
        })
    }

    /// Counts per label and speaker.
    pub fn stats(&self) -> CorpusStats {
        CorpusStats::new(&self.label_map, &self.utterances)
    }

    /// The speakers, sorted.
    pub fn speakers(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self.utterances.iter().map(|u| u.speaker.as_str()).collect();
        set.into_iter().map(str::to_owned).collect()
    }

    /// The class index of an utterance under this corpus's label map.
    pub fn class_of(&self, utterance: &Utterance) -> Option<usize> {
        self.label_map.index_of(utterance.label)
    }

    /// Re-labels the corpus with another map (e.g. [`LabelMap::harmonised`] for cross-corpus
    /// work): utterances whose label the map lacks move to [`Corpus::rejected`] as
    /// [`RejectReason::Excluded`].
    pub fn with_label_map(mut self, label_map: LabelMap) -> Corpus {
        let (kept, dropped): (Vec<_>, Vec<_>) = self
            .utterances
            .into_iter()
            .partition(|u| label_map.index_of(u.label).is_some());
        self.rejected
            .extend(dropped.into_iter().map(|u| RejectedFile {
                path: u.path,
                reason: RejectReason::Excluded(format!(
                    "label {} is not in the label map",
                    u.label
                )),
            }));
        self.rejected.sort_by(|a, b| a.path.cmp(&b.path));
        self.utterances = kept;
        self.label_map = label_map;
        self
    }
}

/// Moves every utterance whose id repeats the previous one into `rejected`
/// (`utterances` must be sorted by id).
fn reject_duplicates(utterances: &mut Vec<Utterance>, rejected: &mut Vec<RejectedFile>) {
    let mut kept: Vec<Utterance> = Vec::with_capacity(utterances.len());
    for u in utterances.drain(..) {
        if kept.last().is_some_and(|prev| prev.id == u.id) {
            rejected.push(RejectedFile {
                reason: RejectReason::Duplicate(u.id.clone()),
                path: u.path,
            });
        } else {
            kept.push(u);
        }
    }
    *utterances = kept;
}
