//! Atomic writing of northstar's outputs.
//!
//! A build's files are written to a staging folder beside the output folder ([`BuildFolder`]),
//! each synced, with a manifest of their sizes and SHA-256 checksums; the commit swaps the
//! staging folder and the output folder in one atomic rename, so that a reader sees the old
//! build or the new one, never a mix. [`check`] opens a finished folder against its manifest.
//! [`write_file`] writes one file the same way. [`scratch`] keeps the run's temporary folders
//! and removes them on exit, on a signal, or on a later run once their process is gone.
//! [`numbers`] says how each kind of number is written in CSV files; [`figures`] how figures
//! are written for people.

pub mod figures;
mod file;
mod folder;
mod manifest;
pub mod numbers;
pub mod scratch;

use std::io;
use std::path::PathBuf;

pub use file::write_file;
pub use folder::{BuildFolder, StagedFile};
pub use manifest::{MANIFEST, Manifest, ManifestFile, check};

/// An output that could not be written or read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// An I/O failure, with the path it concerns.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file or folder being written.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A JSON document could not be serialised.
    #[error("cannot serialise `{path}`: {source}")]
    Json {
        /// The file being written.
        path: PathBuf,
        /// What the serialiser said.
        source: serde_json::Error,
    },
    /// The output folder cannot take a build: it is a file, or holds a folder northstar did not
    /// write.
    #[error("cannot write a build into `{path}`: {reason}")]
    Unusable {
        /// The output folder.
        path: PathBuf,
        /// What is in the way, and what to do.
        reason: String,
    },
    /// A finished build folder does not match its manifest.
    #[error("`{path}` is not a complete northstar build: {reason}")]
    Incomplete {
        /// The build folder.
        path: PathBuf,
        /// What is missing or changed.
        reason: String,
    },
}

impl OutputError {
    /// Whether the disk is full (or over quota): the user must free space or write elsewhere.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, OutputError::Io { source, .. } if is_disk_full(source))
    }
}

/// Whether an I/O error says the disk is full or over quota, itself or through the errors it
/// wraps (a CSV or Parquet writer's error carries the operating system's inside).
pub fn is_disk_full(error: &io::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            let full = matches!(
                io.kind(),
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
            ) || matches!(io.raw_os_error(), Some(28 | 122));
            if full {
                return true;
            }
            if let Some(inner) = io.get_ref() {
                current = Some(inner);
                continue;
            }
        }
        current = e.source();
    }
    false
}

/// Result of an output call.
pub type Result<T, E = OutputError> = std::result::Result<T, E>;

/// An I/O error about `path`.
fn io_error(path: &std::path::Path) -> impl Fn(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_told_through_the_errors_that_wrap_it() {
        let full = || io::Error::from_raw_os_error(28);
        assert!(is_disk_full(&full()));
        assert!(is_disk_full(&io::Error::other(full())), "inside another error");
        assert!(
            is_disk_full(&io::Error::other(io::Error::from_raw_os_error(122))),
            "over quota"
        );
        assert!(
            !is_disk_full(&io::Error::from_raw_os_error(30)),
            "read-only is not full"
        );
    }
}
