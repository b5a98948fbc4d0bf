//! The run's temporary folders. Each is named after its process (`PREFIX<pid>-<n>`), removed
//! when it is dropped, by [`clean_up`] (which a signal handler calls), or by a later run once
//! the process that made it is gone.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Result, io_error};

/// The temporary folders of this process that still exist.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Folders made so far by this process, for unique names.
static MADE: AtomicU64 = AtomicU64::new(0);

/// A temporary folder of this run.
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// Makes a new folder `PREFIX<pid>-<n>` in `parent`, after removing the folders of the same
    /// prefix left by processes that are gone.
    pub fn create(parent: &Path, prefix: &str) -> Result<Self> {
        remove_stale(parent, prefix);
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let path = parent.join(format!("{prefix}{}-{n}", std::process::id()));
        fs_err::create_dir(&path).map_err(io_error(&path))?;
        if let Ok(mut live) = LIVE.lock() {
            live.push(path.clone());
        }
        Ok(Self { path })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Leaves the folder in place (it has been renamed into use): it is no longer removed.
    pub(crate) fn keep(self) {
        forget(&self.path);
        std::mem::forget(self);
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs_err::remove_dir_all(&self.path);
        forget(&self.path);
    }
}

fn forget(path: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|p| p != path);
    }
}

/// Removes every temporary folder this process still has: for a signal handler, before exit.
pub fn clean_up() {
    let paths = LIVE
        .lock()
        .map(|mut live| std::mem::take(&mut *live))
        .unwrap_or_default();
    for path in paths {
        let _ = fs_err::remove_dir_all(path);
    }
}

/// Removes the folders `PREFIX<pid>-<n>` in `parent` whose process is gone.
fn remove_stale(parent: &Path, prefix: &str) {
    let Ok(entries) = fs_err::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !alive(pid)
        {
            let _ = fs_err::remove_dir_all(entry.path());
        }
    }
}

/// Whether process `pid` is running; where that cannot be told, it is taken to be.
fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_goes_when_dropped_and_stale_ones_of_gone_processes_are_removed() {
        let parent = tempfile::tempdir().expect("tempdir");
        // No process has this id (above the kernel's pid_max).
        let stale = parent.path().join("northstar-stage-4194399-0");
        fs_err::create_dir(&stale).expect("stale");
        let other = parent.path().join("keep-me");
        fs_err::create_dir(&other).expect("other");
        let scratch = Scratch::create(parent.path(), "northstar-stage-").expect("create");
        assert!(!stale.exists(), "a gone process's folder is removed");
        assert!(other.exists(), "a folder of another name is kept");
        let path = scratch.path().to_owned();
        assert!(path.is_dir());
        drop(scratch);
        assert!(!path.exists());
    }
}
