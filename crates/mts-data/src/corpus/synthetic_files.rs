//! The synthetic corpus written to disk: `<speaker>_p<class>_u<nnn>.wav` next to a manifest
//! `mts-synthetic.json` that lists the speakers and the number of classes.

use std::collections::HashMap;
use std::path::Path;

use super::scan::{self, Loaded};
use super::{CorpusError, CorpusKind, RejectReason};
use crate::label::LabelMap;
use crate::synthetic::{self, MANIFEST_FILE, SyntheticManifest, SyntheticSpeaker};
use crate::utterance::Utterance;

const SCHEME: &str = "<speaker>_p<class>_u<nnn>.wav, e.g. s03_p2_u005.wav";

/// Loads the manifest, then every other file below `root`.
pub(super) fn load(root: &Path) -> Result<Loaded, CorpusError> {
    let manifest_path = root.join(MANIFEST_FILE);
    if !manifest_path.is_file() {
        return Err(CorpusError::NotThisCorpus {
            kind: CorpusKind::Synthetic,
            root: root.to_path_buf(),
            reason: format!("no {MANIFEST_FILE}"),
        });
    }
    let bad_manifest = |detail: String| CorpusError::BadManifest {
        path: manifest_path.clone(),
        detail,
    };
    let text = std::fs::read_to_string(&manifest_path).map_err(|source| CorpusError::Io {
        path: manifest_path.clone(),
        source,
    })?;
    let manifest: SyntheticManifest =
        serde_json::from_str(&text).map_err(|e| bad_manifest(e.to_string()))?;
    if manifest.format != 1 {
        return Err(bad_manifest(format!("unknown format {}", manifest.format)));
    }
    manifest
        .config
        .validate()
        .map_err(|e| bad_manifest(e.to_string()))?;
    let speakers: HashMap<&str, &SyntheticSpeaker> = manifest
        .speakers
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let classes = manifest.config.classes;
    let files = scan::walk(root)?
        .into_iter()
        .filter(|p| p != &manifest_path)
        .collect();
    let mut loaded = scan::load_files(files, |path| parse(path, &speakers, classes));
    loaded.label_map = Some(LabelMap::patterns(classes));
    Ok(loaded)
}

fn parse(
    path: &Path,
    speakers: &HashMap<&str, &SyntheticSpeaker>,
    classes: u16,
) -> Result<Utterance, RejectReason> {
    let stem = scan::stem(path, SCHEME)?;
    let bad = |detail: String| RejectReason::BadName {
        expected: SCHEME,
        detail,
    };
    let parts: Vec<&str> = stem.split('_').collect();
    let [speaker, class, index] = parts[..] else {
        return Err(bad(format!("{stem:?} is not three fields joined by '_'")));
    };
    let speaker = speakers
        .get(speaker)
        .ok_or_else(|| RejectReason::UnknownCode {
            field: "speaker",
            value: speaker.to_owned(),
        })?;
    let class = class
        .strip_prefix('p')
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|c| *c < classes)
        .ok_or_else(|| RejectReason::UnknownCode {
            field: "class",
            value: class.to_owned(),
        })?;
    let index = index
        .strip_prefix('u')
        .and_then(|i| scan::digits(i, 3))
        .ok_or_else(|| bad(format!("{index:?} is not u followed by 3 digits")))?;
    let mut u = synthetic::utterance(speaker, class, index as usize);
    u.path = path.to_path_buf();
    Ok(u)
}
