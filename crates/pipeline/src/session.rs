//! A run's tables read into a fresh engine: the staging folder they live in, the engine they are
//! registered in, and what was read. Every command that reads data starts here.

use std::path::Path;

use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_engine::{Engine, EngineConfig};
use northstar_ingest::{IngestError, Ingested, Progress};
use northstar_output::scratch::Scratch;
use northstar_output::write_file;

use crate::observe::IngestProgress;
use crate::{Observer, Options, Result, Settings, check_reject_limit, text};

/// The prefix of the folders a run stages its tables in, inside the temporary folder.
const STAGE_PREFIX: &str = "northstar-stage-";

/// Batches of a streamed table read ahead of their consumer.
const STREAM_AHEAD_BATCHES: usize = 2;

/// Tables read and staged for an engine.
pub(crate) struct Session {
    /// What was read.
    pub ingested: Ingested,
    /// The engine (its tables not yet registered).
    pub engine: Engine,
    /// The staging folder, removed when the session goes.
    pub stage: Scratch,
}

impl Session {
    /// Starts an engine and reads the tables with `read`, staging them in a fresh folder; says
    /// what was read, and writes the rejects to `options.rejects` when given.
    pub fn read(
        options: &Options,
        observer: &dyn Observer,
        read: impl FnOnce(&Path, &Engine, &dyn Progress) -> Result<Ingested, IngestError>,
    ) -> Result<Self> {
        let stage = Scratch::create(&options.temp_dir(), STAGE_PREFIX)?;
        // The engine spills inside the stage, so that a run killed outright leaves nothing a
        // later run cannot tell is stale: the stage is named after its process.
        let engine = Engine::start(&EngineConfig {
            temp_dir: Some(stage.path().to_owned()),
            ..options.engine.clone()
        })?;
        let ingested = read(stage.path(), &engine, &IngestProgress(observer))?;
        observer.note(&text::ingest_summary(&ingested));
        if let Some(path) = &options.rejects {
            write_rejects(path, &ingested)?;
        }
        Ok(Self {
            ingested,
            engine,
            stage,
        })
    }
}

impl Session {
    /// Reads the one file `input` as the contract table `table`, mapped by `config` (else the
    /// `northstar.toml` beside it), stops when it has too many rejects, and registers it.
    pub fn read_file(
        table: &str,
        input: &Path,
        config: Option<&Path>,
        options: &Options,
        observer: &dyn Observer,
    ) -> Result<Self> {
        let tables = file_mapping(input, config, options)?;
        let session = Self::read(options, observer, |stage, engine, progress| {
            northstar_ingest::ingest_file(table, input, &tables, stage, engine, progress)
        })?;
        check_reject_limit(&session.ingested, options.max_rejects, options.rejects.as_deref())?;
        session.ingested.register(&session.engine)?;
        Ok(session)
    }

    /// Reads the one file `input` as the contract table `table` like [`Session::read_file`], but
    /// hands its accepted rows to `consume` as they are read, batch by batch in line order, on
    /// this thread while others read: nothing is staged or registered. Fails with `consume`'s
    /// error when it fails, and when the table has too many rejects.
    pub fn stream_file(
        table: &str,
        input: &Path,
        config: Option<&Path>,
        options: &Options,
        observer: &dyn Observer,
        consume: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<Ingested> {
        let tables = &file_mapping(input, config, options)?;
        let mut failure = None;
        let read = Self::read(options, observer, |stage, engine, progress| {
            let (rows, received) = std::sync::mpsc::sync_channel(STREAM_AHEAD_BATCHES);
            std::thread::scope(|scope| {
                let reading = scope.spawn(move || {
                    northstar_ingest::stream_file(table, input, tables, stage, engine, progress, rows)
                });
                // A consumer that fails stops receiving, which stops the reading.
                for batch in received {
                    if let Err(e) = consume(batch) {
                        failure = Some(e);
                        break;
                    }
                }
                reading
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
        });
        if let Some(failure) = failure {
            return Err(failure);
        }
        let ingested = read?.ingested;
        check_reject_limit(&ingested, options.max_rejects, options.rejects.as_deref())?;
        Ok(ingested)
    }
}

/// The mapping of the one file `input`: `config`, else the `northstar.toml` beside it, with
/// `options` (checked first) applied.
fn file_mapping(input: &Path, config: Option<&Path>, options: &Options) -> Result<northstar_ingest::Config> {
    options.check()?;
    let folder = input.parent().unwrap_or(Path::new("."));
    Ok(options.tables(&Settings::find(folder, config)?))
}

/// Writes every rejected row of `ingested` to the CSV file `path`, atomically.
pub(crate) fn write_rejects(path: &Path, ingested: &Ingested) -> Result<()> {
    Ok(write_file(path, |w| ingested.rejects.write_csv(w))?)
}
