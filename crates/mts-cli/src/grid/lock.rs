//! One process per run: an exclusive advisory lock on `runs/<run id>/lock`, held while the run
//! trains. The operating system releases it when the process ends, however it ends (a crash,
//! `kill -9`, a batch scheduler's time limit), so a stale lock never blocks a run.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::Path;

use crate::CliError;

/// The lock file in a run's folder (kept after the run: removing it could let two processes
/// hold locks on two different files).
pub const LOCK_FILE: &str = "lock";

/// A run's lock, held until dropped.
#[derive(Debug)]
pub(crate) struct RunLock {
    _file: File,
}

/// Takes the lock of the run folder `dir` (created if needed): `None` when another process
/// holds it. The holder's process id is written into the file, for the message of the others.
pub(crate) fn try_lock_run(dir: &Path) -> Result<Option<RunLock>, CliError> {
    let path = dir.join(LOCK_FILE);
    let io = |source| CliError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(source)) => return Err(io(source)),
    }
    file.set_len(0)
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .map_err(io)?;
    Ok(Some(RunLock { _file: file }))
}

/// Who holds the lock of the run folder `dir`, for messages: `process 1234`, or `another
/// process` when the file names none.
pub(crate) fn holder(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(LOCK_FILE))
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok())
        .map_or_else(
            || "another process".to_string(),
            |pid| format!("process {pid}"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        let lock = try_lock_run(&run).unwrap().expect("a free lock");
        assert!(try_lock_run(&run).unwrap().is_none(), "held by `lock`");
        assert_eq!(holder(&run), format!("process {}", std::process::id()));
        drop(lock);
        assert!(try_lock_run(&run).unwrap().is_some(), "released on drop");
    }
}
