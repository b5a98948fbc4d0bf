//! The manifest of a build folder: each file's name, size and SHA-256 checksum, so that a reader
//! can tell a complete build from a damaged or half-copied one.

use std::io::Read;
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
    let hex = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((bytes, hex))
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
