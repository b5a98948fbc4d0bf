//! What can stop a table from being read at all (as opposed to a single rejected row).

use std::path::PathBuf;

/// An input problem that stops ingest: the user must fix the file or the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The file could not be opened or read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file changed while it was read: its rows could mix two versions of it.
    #[error("`{path}` changed while it was read ({what}): run again once nothing is writing it")]
    Changed {
        /// The file concerned.
        path: PathBuf,
        /// What changed.
        what: String,
    },
    /// The file's contents are not in the format its name says.
    #[error("cannot read `{path}`: {reason}")]
    Unreadable {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The file has no header row.
    #[error("`{path}` is empty: it needs at least a header row")]
    Empty {
        /// The file concerned.
        path: PathBuf,
    },
    /// A required column is neither in the file nor mapped in the configuration.
    #[error("`{path}` has no column `{column}` (table `{table}`); found {found}{hint}")]
    MissingColumn {
        /// The file concerned.
        path: PathBuf,
        /// The table being read.
        table: String,
        /// The canonical column that is missing.
        column: String,
        /// The columns the file does have, listed.
        found: String,
        /// Advice on how to fix it.
        hint: String,
    },
    /// A mapping names a column the file does not have.
    #[error("{0}")]
    NotInFile(Box<NotInFile>),
    /// The data folder or configuration names no usable file for a table, or more than one.
    #[error("{0}")]
    Layout(String),
    /// The configuration file is wrong.
    #[error("invalid configuration `{path}`: {reason}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An SQL expression of a column mapping could not be used.
    #[error("table `{table}`, column `{column}`: {reason}")]
    Mapping {
        /// The table being read.
        table: String,
        /// The canonical column (or `where`).
        column: String,
        /// What is wrong.
        reason: String,
    },
    /// The validated rows could not be staged for the engine.
    #[error("cannot stage table `{table}` in `{path}`: {reason}")]
    Stage {
        /// The table concerned.
        table: String,
        /// The staging file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The rows were being handed to a consumer that stopped taking them (its own failure says why).
    #[error("the rows of table `{table}` were not taken: their consumer stopped")]
    Unconsumed {
        /// The table concerned.
        table: String,
    },
}

impl IngestError {
    /// Whether northstar is at fault: every problem of the files or the configuration is the
    /// user's to fix; a table that cannot be staged is a bug, unless the disk is full.
    pub fn is_bug(&self) -> bool {
        matches!(self, IngestError::Stage { .. }) && !self.is_disk_full()
    }

    /// Whether staging failed because the disk is full or over quota (os errors 28 and 122).
    pub fn is_disk_full(&self) -> bool {
        matches!(self, IngestError::Stage { reason, .. }
            if reason.contains("os error 28") || reason.contains("os error 122"))
    }
}

/// A mapping that names a column the file does not have.
#[derive(Debug, thiserror::Error)]
#[error("table `{table}`, column `{column}`: column `{source_column}` is not in `{path}`; {found}")]
pub struct NotInFile {
    /// The file concerned.
    pub path: PathBuf,
    /// The table being read.
    pub table: String,
    /// The canonical column being mapped.
    pub column: String,
    /// The column the mapping names.
    pub source_column: String,
    /// The file's columns, listed, and the closest one when one is close.
    pub found: String,
}
