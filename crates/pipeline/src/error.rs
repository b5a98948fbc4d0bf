//! What can stop a build, each error carrying who can fix it.

use std::path::PathBuf;

pub use northstar_engine::Fault;

/// A build, or a read of one, that could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// An input could not be read.
    #[error(transparent)]
    Ingest(#[from] northstar_ingest::IngestError),
    /// The engine failed.
    #[error(transparent)]
    Engine(#[from] northstar_engine::EngineError),
    /// The economics could not be computed.
    #[error(transparent)]
    Economics(#[from] northstar_economics::EconomicsError),
    /// What discover needs could not be read.
    #[error(transparent)]
    Facts(#[from] northstar_facts::FactsError),
    /// An output could not be written or read back.
    #[error(transparent)]
    Output(#[from] northstar_output::OutputError),
    /// A lifetime-value model could not be fitted.
    #[error(transparent)]
    Clv(#[from] northstar_clv::ClvError),
    /// A batch of accounts could not be scored (a bug: the scorer reads the engine's own columns).
    #[error("cannot score a batch of accounts: {0}")]
    Score(#[from] northstar_engine::arrow::error::ArrowError),
    /// The demo's data could not be written.
    #[error(transparent)]
    Demo(#[from] northstar_demo::DemoError),
    /// The configuration file is wrong.
    #[error("invalid configuration `{path}`: {reason}")]
    Settings {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong, with the key and line.
        reason: String,
    },
    /// A request option is wrong.
    #[error("{option}: {reason}")]
    Request {
        /// The option, as the command line names it.
        option: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Some table has more rejected rows than allowed.
    #[error(
        "too many rejected rows, above the {limit}% limit: {}; {}, fix the data or raise --max-rejects",
        tables.join("; "),
        rejects.as_ref().map_or_else(|| "rerun with --rejects FILE to see them".to_owned(), |p| format!("see `{}`", p.display()))
    )]
    TooManyRejects {
        /// Each table over the limit, with its counts.
        tables: Vec<String>,
        /// The limit, in percent.
        limit: f64,
        /// Where every rejected row is listed, if they were written.
        rejects: Option<PathBuf>,
    },
    /// A cohort of a survival table cannot be fitted.
    #[error("{cohort}: {source}")]
    Cohort {
        /// The cohort, in words.
        cohort: String,
        /// Why.
        source: northstar_clv::ClvError,
    },
    /// A file given as an ICP is not one.
    #[error("`{path}` is not an ICP file: {reason}")]
    Icp {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An output stream could not be written.
    #[error("cannot write `{}`: {reason}", path.display())]
    Io {
        /// Where it was going.
        path: PathBuf,
        /// Why it failed.
        reason: String,
    },
    /// A list of accounts cannot be read.
    #[error("{}:{line}: {reason}", path.display())]
    AccountList {
        /// The file.
        path: PathBuf,
        /// The line (1 is the header).
        line: u64,
        /// What is wrong.
        reason: String,
    },
}

impl PipelineError {
    /// Who can fix it: the user (exit code 1) or northstar (a bug, exit code 2).
    pub fn fault(&self) -> Fault {
        use northstar_economics::EconomicsError as E;
        use northstar_facts::FactsError as F;
        use northstar_output::OutputError as O;
        match self {
            PipelineError::Ingest(e) if e.is_bug() => Fault::Internal,
            PipelineError::Engine(e)
            | PipelineError::Economics(E::Engine(e))
            | PipelineError::Facts(F::Engine(e)) => e.fault(),
            PipelineError::Economics(E::Shape(_)) | PipelineError::Facts(F::Shape(_)) => Fault::Internal,
            PipelineError::Output(O::Json { .. }) | PipelineError::Score(_) => Fault::Internal,
            _ => Fault::User,
        }
    }

    /// What the user can change, when the machine ran out of memory or disk.
    pub fn hint(&self) -> Option<&'static str> {
        use northstar_economics::EconomicsError as E;
        use northstar_facts::FactsError as F;
        match self {
            PipelineError::Engine(e)
            | PipelineError::Economics(E::Engine(e))
            | PipelineError::Facts(F::Engine(e)) => e.hint(),
            PipelineError::Ingest(e) if e.is_disk_full() => {
                Some("the disk is full: give --temp-dir a folder on a disk with room for the staged tables")
            }
            PipelineError::Output(e) if e.is_disk_full() => {
                Some("the disk is full: free space or choose an --out on a disk with room")
            }
            _ => None,
        }
    }
}

/// Result of a pipeline call.
pub type Result<T, E = PipelineError> = std::result::Result<T, E>;
