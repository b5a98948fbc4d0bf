//! One file written atomically: a synced temporary file in the same folder, renamed over the
//! target, and the folder synced.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::manifest::Digesting;
use crate::{OutputError, Result, io_error};

/// Writes the file `path` with `fill`, atomically, with the usual permissions (0644 under the
/// usual umask).
pub fn write_file(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| OutputError::Unusable {
        path: path.to_owned(),
        reason: "it is not a file name".to_owned(),
    })?;
    fs_err::create_dir_all(dir).map_err(io_error(dir))?;
    let temp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let written =
        write_synced(&temp, fill).and_then(|()| fs_err::rename(&temp, path).map_err(io_error(path)));
    if written.is_err() {
        let _ = fs_err::remove_file(&temp);
    }
    written?;
    sync_dir(dir)
}

/// Creates `path` (0644 under the usual umask), fills it and syncs it.
pub(crate) fn write_synced(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    write_through(path, fill, |file| file, |file| file).map(drop)
}

/// Creates `path` as [`write_synced`] does; returns its size and SHA-256 checksum, taken from
/// the bytes as they are written rather than read back.
pub(crate) fn write_digested(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(u64, String)> {
    let digesting = write_through(path, fill, Digesting::new, Digesting::get_ref)?;
    Ok(digesting.finish())
}

/// Creates `path`, fills it through the `sink` made of the file (`file_of` gives the file back)
/// and syncs it; returns the sink.
fn write_through<S: Write>(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    sink: impl FnOnce(fs_err::File) -> S,
    file_of: impl FnOnce(&S) -> &fs_err::File,
) -> Result<S> {
    let error = io_error(path);
    let file = fs_err::File::create(path).map_err(&error)?;
    let mut writer = BufWriter::new(sink(file));
    fill(&mut writer).map_err(&error)?;
    let sink = writer.into_inner().map_err(|e| error(e.into_error()))?;
    file_of(&sink).sync_all().map_err(error)?;
    Ok(sink)
}

/// Syncs a folder so that renames inside it survive a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let error = io_error(dir);
        fs_err::File::open(dir)
            .map_err(&error)?
            .sync_all()
            .map_err(error)?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_replaces_the_old_one_whole_and_a_failed_write_leaves_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rejects.csv");
        fs_err::write(&path, "old\n").expect("seed");
        let err = write_file(&path, |_| Err(std::io::Error::other("disk full"))).expect_err("fails");
        assert!(err.to_string().contains("rejects.csv"), "{err}");
        assert_eq!(fs_err::read_to_string(&path).expect("read"), "old\n");
        write_file(&path, |w| w.write_all(b"new\n")).expect("writes");
        assert_eq!(fs_err::read_to_string(&path).expect("read"), "new\n");
        assert_eq!(
            fs_err::read_dir(dir.path()).expect("ls").count(),
            1,
            "no temporary file is left"
        );
    }
}
