//! Atomic writing of northstar's output files.
//!
//! Every file of a run is first written in full to a temporary file in the target folder and
//! synced; only when all of them are ready does [`OutputDir::commit`] rename them over the old
//! files, in order, and sync the folder. A run stopped before the commit leaves the old outputs
//! untouched; the commit itself is a burst of renames, each of which is atomic.

pub mod figures;

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// An output file that could not be written.
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
}

/// Result of an output call.
pub type Result<T, E = OutputError> = std::result::Result<T, E>;

/// A folder of outputs written together: nothing appears until [`OutputDir::commit`].
pub struct OutputDir {
    dir: PathBuf,
    pending: Vec<(NamedTempFile, PathBuf)>,
}

impl OutputDir {
    /// Prepares `dir` (created if missing) to receive a new set of outputs.
    pub fn create(dir: &Path) -> Result<Self> {
        fs_err::create_dir_all(dir).map_err(|source| OutputError::Io {
            path: dir.to_owned(),
            source,
        })?;
        Ok(Self {
            dir: dir.to_owned(),
            pending: Vec::new(),
        })
    }

    /// The folder the outputs go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the file `name` with `fill`, to a synced temporary file until the commit.
    pub fn write(&mut self, name: &str, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
        let target = self.dir.join(name);
        let io_error = |source| OutputError::Io {
            path: target.clone(),
            source,
        };
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .map_err(io_error)?;
        {
            let mut writer = BufWriter::new(temp.as_file());
            fill(&mut writer).map_err(io_error)?;
            writer.flush().map_err(io_error)?;
        }
        temp.as_file().sync_all().map_err(io_error)?;
        self.pending.retain(|(_, path)| path != &target);
        self.pending.push((temp, target));
        Ok(())
    }

    /// Writes `value` as pretty JSON, with a final newline.
    pub fn write_json<T: serde::Serialize>(&mut self, name: &str, value: &T) -> Result<()> {
        let mut text = serde_json::to_vec_pretty(value).map_err(|source| OutputError::Json {
            path: self.dir.join(name),
            source,
        })?;
        text.push(b'\n');
        self.write(name, |w| w.write_all(&text))
    }

    /// Renames every written file into place, in the order written, and syncs the folder.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::with_capacity(self.pending.len());
        for (temp, target) in self.pending {
            temp.persist(&target).map_err(|e| OutputError::Io {
                path: target.clone(),
                source: e.error,
            })?;
            done.push(target);
        }
        sync_dir(&self.dir)?;
        Ok(done)
    }
}

/// Syncs a folder so that renames inside it survive a crash.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let io_error = |source| OutputError::Io {
            path: dir.to_owned(),
            source,
        };
        fs_err::File::open(dir)
            .map_err(io_error)?
            .sync_all()
            .map_err(io_error)?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_before_commit_and_old_files_survive_an_abandoned_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.csv");
        fs_err::write(&path, "old\n").expect("seed");

        let mut out = OutputDir::create(dir.path()).expect("create");
        out.write("a.csv", |w| w.write_all(b"new\n")).expect("write");
        out.write("b.csv", |w| w.write_all(b"b\n")).expect("write");
        assert_eq!(fs_err::read_to_string(&path).expect("read"), "old\n");
        assert!(!dir.path().join("b.csv").exists());
        drop(out);
        assert_eq!(fs_err::read_to_string(&path).expect("read"), "old\n");
        let leftovers = fs_err::read_dir(dir.path()).expect("ls").count();
        assert_eq!(
            leftovers, 1,
            "temporary files are removed when a run is abandoned"
        );

        let mut out = OutputDir::create(dir.path()).expect("create");
        out.write("a.csv", |w| w.write_all(b"new\n")).expect("write");
        out.write_json("run.json", &serde_json::json!({"ok": true}))
            .expect("json");
        let written = out.commit().expect("commit");
        assert_eq!(written.len(), 2);
        assert_eq!(fs_err::read_to_string(&path).expect("read"), "new\n");
        assert_eq!(
            fs_err::read_to_string(dir.path().join("run.json")).expect("read"),
            "{\n  \"ok\": true\n}\n"
        );
    }

    #[test]
    fn a_failing_writer_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut out = OutputDir::create(dir.path()).expect("create");
        let err = out
            .write("x.csv", |_| Err(io::Error::other("disk full")))
            .expect_err("fails");
        assert!(err.to_string().contains("x.csv"), "{err}");
    }
}
