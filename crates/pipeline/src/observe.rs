//! What a build tells its caller while it runs: the CLI draws progress bars from it, a server
//! logs it.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

/// A step of the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Making the demo company's data.
    Demo,
    /// Reading and checking the input tables.
    Ingest,
    /// Per-account economics.
    Economics,
    /// Predicted lifetime value.
    LifetimeValue,
    /// What sets the most valuable accounts apart.
    Discover,
    /// The ICP.
    Profile,
    /// Backtesting the score.
    Validate,
    /// Scoring the prospects and sizing the market.
    Score,
    /// Writing the outputs.
    Write,
}

impl Step {
    /// The step's name in `run.json`'s timings.
    pub fn name(self) -> &'static str {
        match self {
            Step::Demo => "demo",
            Step::Ingest => "ingest",
            Step::Economics => "economics",
            Step::LifetimeValue => "clv",
            Step::Discover => "discover",
            Step::Profile => "profile",
            Step::Validate => "validate",
            Step::Score => "score",
            Step::Write => "write",
        }
    }

    /// What the step does, for a person watching.
    pub fn describe(self) -> &'static str {
        match self {
            Step::Demo => "making the demo company",
            Step::Ingest => "reading the input tables",
            Step::Economics => "computing account economics",
            Step::LifetimeValue => "predicting lifetime value",
            Step::Discover => "measuring what sets the most profitable accounts apart",
            Step::Profile => "drawing the ideal customer profile",
            Step::Validate => "backtesting the score on customers held out",
            Step::Score => "scoring the prospects and sizing the market",
            Step::Write => "writing the outputs",
        }
    }
}

/// Receives a build's progress. Every method does nothing by default.
pub trait Observer: Sync {
    /// `step` starts.
    fn started(&self, _step: Step) {}
    /// `step` is done after `elapsed`.
    fn finished(&self, _step: Step, _elapsed: Duration) {}
    /// A table's file of `bytes` bytes starts being read; `read` counts the bytes read so far.
    fn reading(&self, _table: &str, _bytes: u64, _read: Arc<AtomicU64>) {}
    /// The table is read.
    fn read(&self, _table: &str) {}
    /// Something a person should see, such as what each table held.
    fn note(&self, _text: &str) {}
}

/// Runs `work` as `step`, telling `observer` when it starts and ends.
pub(crate) fn observed<T>(observer: &dyn Observer, step: Step, work: impl FnOnce() -> T) -> T {
    observer.started(step);
    let started = Instant::now();
    let result = work();
    observer.finished(step, started.elapsed());
    result
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}

/// An observer seen by ingest as its progress.
pub(crate) struct IngestProgress<'a>(pub &'a dyn Observer);

impl northstar_ingest::Progress for IngestProgress<'_> {
    fn start(&self, table: &str, bytes: u64, read: Arc<AtomicU64>) {
        self.0.reading(table, bytes, read);
    }

    fn finish(&self, table: &str) {
        self.0.read(table);
    }
}
