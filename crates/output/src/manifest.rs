//! The manifest of a build folder: each file's name, size and SHA-256 checksum, so that a reader
//! can tell a complete build from a damaged or half-copied one.

use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{OutputError, Result};

/// The manifest's file name inside a build folder.
pub const MANIFEST: &str = "manifest.json";

/// The schema name written into every manifest.
const SCHEMA: &str = "northstar.manifest/v1";

/// What a build folder holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `northstar.manifest/v1`.
    pub schema: String,
    /// Every file of the build but the manifest, in the order written.
    pub files: Vec<ManifestFile>,
}

/// One file of a build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Its name inside the folder.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256 checksum, in hex.
    pub sha256: String,
}

impl Manifest {
    /// An empty manifest.
    pub(crate) fn new() -> Self {
        Self {
            schema: SCHEMA.to_owned(),
            files: Vec::new(),
        }
    }

    /// Whether the manifest lists `name`.
    pub fn lists(&self, name: &str) -> bool {
        name == MANIFEST || self.files.iter().any(|f| f.name == name)
    }

    /// The manifest of the folder `dir`, if it has a readable one.
    pub(crate) fn read(dir: &Path) -> Option<Self> {
        let text = fs_err::read(dir.join(MANIFEST)).ok()?;
        serde_json::from_slice(&text).ok()
    }
}

/// A writer that takes the size and SHA-256 checksum of what goes through it.
pub(crate) struct Digesting<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Digesting<W> {
    /// A digest of what is written to `inner`.
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The writer the bytes go to.
    pub(crate) fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The size and checksum of the bytes written, as [`digest`] gives them.
    pub(crate) fn finish(self) -> (u64, String) {
        (self.bytes, hex(&self.hasher.finalize()))
    }
}

impl<W: Write> Write for Digesting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `bytes` in lower-case hexadecimal.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The size and SHA-256 checksum of the file at `path`.
pub(crate) fn digest(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = fs_err::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex(&hasher.finalize())))
}

/// Opens the build folder `dir`: its manifest, once every file it lists is present with the
/// size and checksum it records.
pub fn check(dir: &Path) -> Result<Manifest> {
    let incomplete = |reason: String| OutputError::Incomplete {
        path: dir.to_owned(),
        reason,
    };
    let text = fs_err::read(dir.join(MANIFEST)).map_err(|e| {
        incomplete(format!(
            "no readable {MANIFEST} ({e}); build it with `northstar build`"
        ))
    })?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| incomplete(format!("{MANIFEST} is not a manifest: {e}")))?;
    if manifest.schema != SCHEMA {
        return Err(incomplete(format!(
            "{MANIFEST} has schema `{}`, expected `{SCHEMA}`",
            manifest.schema
        )));
    }
    for file in &manifest.files {
        let (bytes, sha256) = digest(&dir.join(&file.name))
            .map_err(|e| incomplete(format!("`{}` cannot be read: {e}", file.name)))?;
        if bytes != file.bytes || sha256 != file.sha256 {
            return Err(incomplete(format!(
                "`{}` has changed since it was written ({bytes} bytes, manifest says {})",
                file.name, file.bytes
            )));
        }
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_digested_as_written_has_the_checksum_read_back_and_the_published_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("abc.txt");
        let (bytes, sha256) =
            crate::file::write_digested(&path, |w| w.write_all(b"ab").and_then(|()| w.write_all(b"c")))
                .expect("written");
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        let published = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!((bytes, sha256.as_str()), (3, published));
        assert_eq!(digest(&path).expect("read back"), (3, published.to_owned()));
    }
}
