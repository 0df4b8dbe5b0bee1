//! Writes that either complete or leave nothing behind: files through a temporary file and a
//! rename, folders through a temporary folder and a rename.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The folder that holds `path` (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A hidden name prefix next to `path`, e.g. `.model.tmp-` for `out/model`.
fn temp_prefix(path: &Path, kind: &str) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    format!(".{name}.{kind}-")
}

/// Writes `bytes` to `path` atomically: a reader sees the old file or the new one, never a part.
/// Creates the parent folder.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_file_with(path, |tmp| {
        let mut file = fs::File::create(tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })
}

/// Creates `path` atomically with `write`, which fills the temporary path it is given (e.g.
/// burn's `save_file`). The temporary file sits in the same folder and keeps `path`'s extension
/// (for writers that pick a format from it). On error it is removed and `path` is untouched.
pub fn write_file_with<E: From<io::Error>>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), E> {
    let dir = parent_of(path);
    fs::create_dir_all(&dir)?;
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(path, "tmp"))
        .suffix(&extension)
        .tempfile_in(&dir)?;
    write(tmp.path())?;
    tmp.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Creates or replaces the folder `target` atomically with `fill`, which writes the folder's
/// files into the temporary folder it is given.
///
/// An existing `target` is replaced only when `may_replace` accepts it (e.g. it is an empty
/// folder or one this crate wrote); otherwise `refuse` gives the error. On error nothing is left
/// behind and `target` is untouched.
pub fn write_dir<E: From<io::Error>>(
    target: &Path,
    may_replace: impl FnOnce(&Path) -> Result<(), E>,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), E> {
    let parent = parent_of(target);
    fs::create_dir_all(&parent)?;
    let exists = target.exists();
    if exists {
        may_replace(target)?;
    }
    let tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(target, "tmp"))
        .tempdir_in(&parent)?;
    fill(tmp.path())?;
    if !exists {
        let tmp_path = tmp.keep();
        return fs::rename(&tmp_path, target).map_err(|err| {
            let _ = fs::remove_dir_all(&tmp_path);
            E::from(err)
        });
    }
    // Move the old folder aside, move the new one in, then delete the old one. A crash between
    // the two renames leaves both folders under hidden names, never a half-written `target`.
    let backup = tempfile::Builder::new()
        .prefix(&temp_prefix(target, "old"))
        .tempdir_in(&parent)?;
    let backup_path = backup.path().join("previous");
    fs::rename(target, &backup_path)?;
    let tmp_path = tmp.keep();
    if let Err(err) = fs::rename(&tmp_path, target) {
        let _ = fs::rename(&backup_path, target);
        let _ = fs::remove_dir_all(&tmp_path);
        return Err(E::from(err));
    }
    drop(backup);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn file_writes_replace_and_leave_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_file(&path, b"one").unwrap();
        write_file(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let failed: io::Result<()> = write_file_with(&path, |tmp| {
            fs::write(tmp, b"partial")?;
            Err(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(names(dir.path()), vec!["state.json"]);
    }

    #[test]
    fn folder_writes_replace_or_leave_the_old_folder() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("model");
        let accept = |_: &Path| -> io::Result<()> { Ok(()) };
        write_dir(&target, accept, |tmp| fs::write(tmp.join("a"), b"1")).unwrap();
        write_dir(&target, accept, |tmp| fs::write(tmp.join("b"), b"2")).unwrap();
        assert_eq!(names(&target), vec!["b"]);
        let failed = write_dir(&target, accept, |tmp| {
            fs::write(tmp.join("c"), b"3")?;
            Err(io::Error::other("no space"))
        });
        assert!(failed.is_err());
        assert_eq!(names(&target), vec!["b"]);
        let refused = write_dir(
            &target,
            |_| Err(io::Error::other("not ours")),
            |tmp| fs::write(tmp.join("d"), b"4"),
        );
        assert!(refused.is_err());
        assert_eq!(names(&target), vec!["b"]);
        assert_eq!(names(dir.path()), vec!["model"]);
    }
}
