//! What a caller asks of the pipeline.

use std::path::{Path, PathBuf};

use northstar_engine::EngineConfig;
use northstar_ingest::values::{days_since_epoch, parse_date};
use northstar_ingest::{Chunking, Config};

use crate::{PipelineError, Result, Settings};

/// A build: a data folder, its configuration, where the outputs go, and the options.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildRequest {
    /// Folder of input tables.
    pub data: PathBuf,
    /// Configuration file instead of `DATA/northstar.toml`.
    pub config: Option<PathBuf>,
    /// Folder for the outputs.
    pub out: PathBuf,
    /// How to run.
    pub options: Options,
}

/// Options of every command that reads data.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// A table with a larger percentage of rejected rows stops the run.
    pub max_rejects: f64,
    /// The date tenure runs to for active accounts (ISO 8601); by default the last date in the data.
    pub as_of: Option<String>,
    /// Where every rejected row is also written; a build that stops on its rejects writes them
    /// to `OUT.rejects.csv` when this is not given.
    pub rejects: Option<PathBuf>,
    /// Threads, memory limit and spill folder of the engine; `temp_dir` is also where the
    /// tables are staged.
    pub engine: EngineConfig,
    /// How many rows ingest reads and stages together; the outputs do not depend on it.
    pub chunking: Chunking,
    /// How many rows are scored together, at least, and written at once while the next ones
    /// are scored; the outputs do not depend on it.
    pub score_rows: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_rejects: 1.0,
            as_of: None,
            rejects: None,
            engine: EngineConfig::default(),
            chunking: Chunking::default(),
            score_rows: crate::targets::GROUP_ROWS,
        }
    }
}

impl Options {
    /// Checks the options; returns the as-of day (days since 1970-01-01), if one is given.
    pub(crate) fn check(&self) -> Result<Option<i32>> {
        check_max_rejects(self.max_rejects)?;
        if let Some(dir) = &self.engine.temp_dir
            && !dir.is_dir()
        {
            return Err(PipelineError::Request {
                option: "--temp-dir",
                reason: format!("`{}` is not a folder", dir.display()),
            });
        }
        self.as_of.as_deref().map(|d| parse_day("--as-of", d)).transpose()
    }

    /// The tables' configuration of `settings`, read in chunks as these options say.
    pub(crate) fn tables(&self, settings: &Settings) -> Config {
        Config {
            chunking: self.chunking,
            max_rejects: Some(self.max_rejects),
            ..settings.tables.clone()
        }
    }

    /// Where the run's tables are staged: the engine's temporary folder, else the system's.
    pub(crate) fn temp_dir(&self) -> PathBuf {
        self.engine.temp_dir.clone().unwrap_or_else(std::env::temp_dir)
    }

    /// Where the rejects of a build into `out` go when it stops on them.
    pub(crate) fn rejects_beside(&self, out: &Path) -> PathBuf {
        self.rejects.clone().unwrap_or_else(|| {
            let mut name = out.as_os_str().to_owned();
            name.push(".rejects.csv");
            PathBuf::from(name)
        })
    }
}

/// Fails unless `percent` is a percentage.
fn check_max_rejects(percent: f64) -> Result<()> {
    if (0.0..=100.0).contains(&percent) {
        Ok(())
    } else {
        Err(PipelineError::Request {
            option: "--max-rejects",
            reason: format!("must be a percentage from 0 to 100, not {percent}"),
        })
    }
}

/// The ISO date `text`, given for `option`, as days since 1970-01-01.
pub(crate) fn parse_day(option: &'static str, text: &str) -> Result<i32> {
    iso_day(text).map_err(|reason| PipelineError::Request { option, reason })
}

/// The ISO date `text` (YYYY-MM-DD) as days since 1970-01-01, or why it is none.
pub fn iso_day(text: &str) -> std::result::Result<i32, String> {
    parse_date(text, None).map(days_since_epoch)
}
