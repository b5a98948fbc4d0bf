//! What an input file looked like when its read began, to tell whether it changed before the
//! read (and its checksum) ended: a file still being written gives rows of two versions.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::SystemTime;

use crate::error::IngestError;

/// A file's size, modification time and inode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl FileStamp {
    /// The stamp of `path` now.
    pub fn of(path: &Path) -> Result<Self, IngestError> {
        let meta = fs_err::metadata(path).map_err(|source| IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode: meta.ino(),
        })
    }

    /// Refuses a file whose stamp is no longer this one: it was written, truncated or replaced
    /// while it was read.
    pub fn unchanged(&self, path: &Path) -> Result<(), IngestError> {
        let now = Self::of(path)?;
        if now == *self {
            return Ok(());
        }
        let what = if now.inode != self.inode {
            "it was replaced by another file"
        } else if now.len != self.len {
            "its size changed"
        } else {
            "its modification time changed"
        };
        Err(IngestError::Changed {
            path: path.to_owned(),
            what: what.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_a_replacement_or_a_touch_is_a_change() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("accounts.csv");
        fs_err::write(&path, "account_id\nA1\n").expect("write");
        let stamp = FileStamp::of(&path).expect("stamp");
        assert!(stamp.unchanged(&path).is_ok(), "reading is no change");

        fs_err::write(&path, "account_id\nA1\nA2\n").expect("append");
        let error = stamp.unchanged(&path).expect_err("grown").to_string();
        assert!(
            error.contains("its size changed") && error.contains("accounts.csv"),
            "{error}"
        );

        let stamp = FileStamp::of(&path).expect("stamp");
        let other = dir.path().join("next.csv");
        fs_err::write(&other, "account_id\nA1\nA2\n").expect("write");
        fs_err::rename(&other, &path).expect("replace");
        let error = stamp.unchanged(&path).expect_err("replaced").to_string();
        assert!(error.contains("replaced by another file"), "{error}");

        let stamp = FileStamp::of(&path).expect("stamp");
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        fs_err::File::options()
            .write(true)
            .open(&path)
            .expect("open")
            .set_modified(later)
            .expect("touch");
        let error = stamp.unchanged(&path).expect_err("touched").to_string();
        assert!(error.contains("modification time changed"), "{error}");
    }
}
