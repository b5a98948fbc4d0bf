//! Reading a whole data folder: every table found, mapped, validated and staged as Parquet for
//! the engine, with every rejected row kept.

use std::collections::HashSet;
use std::io::Read;
use std::iter::Peekable;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::{Receiver, SyncSender};

use northstar_engine::arrow::array::{AsArray, BooleanArray};
use northstar_engine::arrow::compute::filter_record_batch;
use northstar_engine::arrow::datatypes::SchemaRef;
use northstar_engine::arrow::error::ArrowError;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_engine::parquet::arrow::ArrowWriter;
use northstar_engine::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use northstar_engine::parquet::file::properties::{EnabledStatistics, WriterProperties};
use northstar_engine::{DataFusionError, Engine};
use rayon::prelude::*;

use crate::columnar::{BatchRow, Columnar, Converted};
use crate::config::{Config, TableConfig};
use crate::contract::{self, TableSpec};
use crate::error::IngestError;
use crate::key_set::KeySet;
use crate::limit::RejectLimit;
use crate::mapping::{ColumnPlan, Mapped, MappingUsage, TypeInference};
use crate::rejects::{Reject, RejectWriter, Rejects};
use crate::rows::{KeySets, Keys, Prepared, RowValidator, RowView, TableBuilder, Value};
use crate::source::{Extent, Format, Problem, ReadOptions, Record, Source, batch_records};
use crate::stamp::FileStamp;
use northstar_read::text_batch::{Lines, SourceBatch};

/// Chunks read ahead of validation.
const READ_AHEAD_CHUNKS: usize = 4;

/// The file in the staging folder that the rejects are written to as they come.
const REJECTS_FILE: &str = "rejects.csv";

/// Batches of accepted rows waiting to be written.
const WRITE_AHEAD_BATCHES: usize = 2;

/// Fewest rows one thread parses and checks at a time.
const PARALLEL_ROWS: usize = 512;

/// Rows of a batch one thread converts and checks at a time.
const PARALLEL_BATCH_ROWS: usize = 4096;

/// What was read of one table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadedTable {
    /// Table name.
    pub table: &'static str,
    /// The file read, or `None` for a table derived from others.
    pub file: Option<PathBuf>,
    /// The file's format.
    pub format: Option<Format>,
    /// The BLAKE3 hash of the file's bytes, in hex.
    pub blake3: Option<String>,
    /// Data rows in the file.
    pub rows_read: u64,
    /// Rows accepted.
    pub rows_accepted: u64,
    /// Rows rejected (each has one or more lines in the rejects).
    pub rows_rejected: u64,
    /// Rows left out by the configured `where` condition or by their CRM label.
    pub rows_excluded: u64,
    /// The line after which reading stopped, the table being past the reject limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut_after: Option<u64>,
    /// Lines of a report footer at the end of the file, counted in `rows_read`, not data.
    pub footer_lines: u64,
    /// Rows above the header (a report's title), not counted in `rows_read`.
    pub title_rows: u64,
    /// The preset the mapping started from.
    pub preset: Option<String>,
    /// Canonical columns the file gives.
    pub columns: Vec<String>,
    /// What mapping met: preset headers not in the file, CRM labels, several associated ids.
    pub mapping: MappingUsage,
    /// Custom attribute columns kept.
    pub extra_columns: Vec<String>,
    /// The validated rows, staged for the engine; none when they were streamed to a consumer.
    #[serde(skip)]
    pub staged: Option<PathBuf>,
    /// Schema of the staged rows.
    #[serde(skip)]
    pub schema: SchemaRef,
    /// How the table came to be, when not from its own file.
    pub note: Option<String>,
}

impl LoadedTable {
    /// Share of the file's rows that were rejected.
    pub fn reject_share(&self) -> f64 {
        let considered = self.rows_read - self.rows_excluded - self.footer_lines;
        if considered == 0 {
            0.0
        } else {
            self.rows_rejected as f64 / considered as f64
        }
    }
}

/// Everything read from a data folder.
#[derive(Debug)]
pub struct Ingested {
    /// The tables found, in reading order.
    pub tables: Vec<LoadedTable>,
    /// Every rejected row's problems, in reading order.
    pub rejects: Rejects,
}

impl Ingested {
    /// The table called `name`, if it was read.
    pub fn table(&self, name: &str) -> Option<&LoadedTable> {
        self.tables.iter().find(|t| t.table == name)
    }

    /// Makes every contract table queryable in `engine` under its name: staged rows, or an empty
    /// table with the contract's columns when the table was not given.
    pub fn register(&self, engine: &Engine) -> Result<(), northstar_engine::EngineError> {
        for spec in contract::TABLES {
            match self.table(spec.name) {
                Some(table) => {
                    let staged = table.staged.as_deref().ok_or_else(|| {
                        DataFusionError::Plan(format!(
                            "table `{}` was streamed to its consumer, not staged",
                            spec.name
                        ))
                    })?;
                    engine.register_parquet(spec.name, staged)?
                }
                None => engine.register_batches(spec.name, spec.schema(&[]), Vec::new())?,
            }
        }
        Ok(())
    }
}

/// Receives progress while files are read.
pub trait Progress: Sync {
    /// A table's file of `bytes` bytes starts being read; `read` counts the bytes read so far.
    fn start(&self, table: &str, bytes: u64, read: Arc<AtomicU64>);
    /// The table is done.
    fn finish(&self, table: &str);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64, _: Arc<AtomicU64>) {}
    fn finish(&self, _: &str) {}
}

/// Reads every table of the data folder `dir`, staging validated rows as Parquet under `stage`.
pub fn ingest(
    dir: &Path,
    config: &Config,
    stage: &Path,
    engine: &Engine,
    progress: &dyn Progress,
) -> Result<Ingested, IngestError> {
    let files = locate(dir, config)?;
    if !files
        .iter()
        .any(|(t, _)| t.name == "accounts" || t.name == "transactions")
    {
        return Err(IngestError::Layout(format!(
            "no `accounts` table in `{}`: expected accounts.csv (or .tsv, .jsonl, .parquet, .xlsx), \
             or a [accounts] file in northstar.toml",
            dir.display()
        )));
    }
    let given = |name: &str| files.iter().any(|(t, _)| t.name == name);
    let derive_accounts = given("transactions") && !given("accounts");
    load_files(&files, config, stage, engine, progress, None, derive_accounts)
}

/// Reads one file as the contract table `table` (named as in SPEC §3), with the same mapping,
/// validation and rejects as in a data folder. Only that table is read: transactions derive no
/// accounts.
pub fn ingest_file(
    table: &str,
    path: &Path,
    config: &Config,
    stage: &Path,
    engine: &Engine,
    progress: &dyn Progress,
) -> Result<Ingested, IngestError> {
    let spec = one_table(table, path)?;
    load_files(
        &[(spec, path.to_owned())],
        config,
        stage,
        engine,
        progress,
        None,
        false,
    )
}

/// Reads one file as the contract table `table` like [`ingest_file`], but sends its accepted rows
/// to `rows`, batch by batch in line order, instead of staging them: the table is not registered
/// in the engine (`staged` is none). A text column a Parquet file stores as a dictionary may come
/// as one (`Dictionary(Int32, Utf8)`), its values as staged; cast, it is the staged column. `accounts` cannot be streamed, since an account whose
/// referrer is unknown is rejected once the whole table is read; transactions derive no accounts.
/// A receiver that hangs up stops the reading with [`IngestError::Unconsumed`].
pub fn stream_file(
    table: &str,
    path: &Path,
    config: &Config,
    stage: &Path,
    engine: &Engine,
    progress: &dyn Progress,
    rows: SyncSender<RecordBatch>,
) -> Result<Ingested, IngestError> {
    let spec = one_table(table, path)?;
    if spec.name == "accounts" {
        return Err(IngestError::Layout(
            "`accounts` cannot be streamed: its referrers are checked once the whole table is read".into(),
        ));
    }
    load_files(
        &[(spec, path.to_owned())],
        config,
        stage,
        engine,
        progress,
        Some(rows),
        false,
    )
}

/// The contract table `table`, read from the file `path`.
fn one_table(table: &str, path: &Path) -> Result<&'static TableSpec, IngestError> {
    let spec = contract::table(table)
        .ok_or_else(|| IngestError::Layout(format!("there is no input table called `{table}`")))?;
    if !path.is_file() {
        return Err(IngestError::Layout(format!("`{}` is not a file", path.display())));
    }
    Ok(spec)
}

/// The threads that check rows: the process's shared pool when it has the number asked for,
/// so that no second set of threads competes with it for the cores, else a pool of their own.
struct Workers(Option<rayon::ThreadPool>);

impl Workers {
    /// Workers on `threads` threads.
    fn new(threads: usize) -> Result<Self, rayon::ThreadPoolBuildError> {
        if threads == rayon::current_num_threads() {
            return Ok(Self(None));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("northstar-ingest-{i}"))
            .build()?;
        Ok(Self(Some(pool)))
    }

    /// Runs `op` on these workers.
    fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        match &self.0 {
            Some(pool) => pool.install(op),
            None => op(),
        }
    }

    /// Runs `op` on this thread with a scope whose jobs run on these workers.
    fn in_place_scope<'scope, R>(&self, op: impl FnOnce(&rayon::Scope<'scope>) -> R) -> R {
        match &self.0 {
            Some(pool) => pool.in_place_scope(op),
            None => rayon::in_place_scope(op),
        }
    }
}

/// Loads `files` in order, staging their rows, or sending them to `stream` when given (one file,
/// not `accounts`); with `derive_accounts`, an `accounts` table of the transactions' account ids.
fn load_files(
    files: &[(&'static TableSpec, PathBuf)],
    config: &Config,
    stage: &Path,
    engine: &Engine,
    progress: &dyn Progress,
    mut stream: Option<SyncSender<RecordBatch>>,
    derive_accounts: bool,
) -> Result<Ingested, IngestError> {
    let pool = Workers::new(engine.threads()).map_err(|e| {
        stage_error(
            "every table",
            stage,
            format!("cannot start the threads that check rows: {e}"),
        )
    })?;
    let mut keys = KeySets::default();
    let mut tables = Vec::new();
    let mut rejects = RejectWriter::create(&stage.join(REJECTS_FILE))?;
    let mut derived_ids = DerivedIds::default();
    for (position, (spec, path)) in files.iter().enumerate() {
        let table_config = config.table(spec.name);
        let file_name = display_name(path, &table_config);
        let mut referrals: Vec<Referral> = Vec::new();
        let referrer_column = spec.columns.iter().position(|c| c.name == "referred_by");
        // Keys are kept for the tables that refer to them, and for the accounts' referrers.
        let referred = files[position + 1..]
            .iter()
            .any(|(later, _)| later.references.iter().any(|r| r.tables.contains(&spec.name)));
        let key_column = spec
            .key
            .filter(|_| matches!(spec.name, "accounts" | "prospects" | "activity_rates"))
            .filter(|_| referred || spec.name == "accounts")
            .and_then(|key| spec.columns.iter().position(|c| c.name == key));
        let mut accepted_keys = KeySet::default();
        let mut accepted = 0usize;
        let mut on_accept = |line: u64, row: &dyn RowView| {
            if derive_accounts
                && spec.name == "transactions"
                && let Some(id) = row.text(0)
            {
                derived_ids.insert(id);
            }
            if spec.name == "accounts"
                && let Some(referrer) = referrer_column.and_then(|i| row.text(i))
            {
                referrals.push((accepted, line, referrer.to_owned()));
            }
            if let Some(key) = key_column.and_then(|i| row.text(i)) {
                accepted_keys.insert(key);
            }
            accepted += 1;
        };
        let mut loaded = load_table(
            spec,
            path,
            &file_name,
            &table_config,
            config,
            &keys,
            engine,
            &pool,
            stage,
            progress,
            &mut rejects,
            &mut on_accept,
            stream.take(),
        )?;
        progress.finish(spec.name);
        if loaded.cut_after.is_some() {
            // The run stops here: the table is past the reject limit.
            tables.push(loaded);
            let rejects = rejects.finish()?;
            return Ok(Ingested { tables, rejects });
        }
        if spec.name == "accounts" {
            drop_unknown_referrers(
                &mut loaded,
                &file_name,
                &mut accepted_keys,
                &referrals,
                &mut rejects,
            )?;
        }
        if key_column.is_some() {
            keys.add(spec.name, accepted_keys);
        }
        tables.push(loaded);
    }
    if derive_accounts {
        tables.insert(0, derived_accounts(stage, &derived_ids.sorted())?);
    }
    let rejects = rejects.finish()?;
    Ok(Ingested { tables, rejects })
}

/// Fails unless `dir` is a folder, the first thing asked of a data folder.
pub fn check_folder(dir: &Path) -> Result<(), IngestError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(IngestError::Layout(format!(
            "`{}` is not a folder of input tables",
            dir.display()
        )))
    }
}

/// The file for each table present, in reading order.
fn locate(dir: &Path, config: &Config) -> Result<Vec<(&'static TableSpec, PathBuf)>, IngestError> {
    check_folder(dir)?;
    let mut found = Vec::new();
    for spec in contract::TABLES {
        if let Some(file) = config.table(spec.name).file {
            let path = dir.join(&file);
            if !path.is_file() {
                return Err(IngestError::Layout(format!(
                    "northstar.toml names `{file}` for table `{}`, but `{}` is not a file",
                    spec.name,
                    path.display()
                )));
            }
            found.push((*spec, path));
            continue;
        }
        let candidates: Vec<PathBuf> = Format::EXTENSIONS
            .iter()
            .map(|ext| dir.join(format!("{}.{ext}", spec.name)))
            .filter(|p| p.is_file())
            .collect();
        match candidates.as_slice() {
            [] => {}
            [one] => found.push((*spec, one.clone())),
            many => {
                let names: Vec<String> = many.iter().map(|p| format!("`{}`", p.display())).collect();
                return Err(IngestError::Layout(format!(
                    "table `{}` has {} files: {}; keep one",
                    spec.name,
                    many.len(),
                    names.join(", ")
                )));
            }
        }
    }
    Ok(found)
}

/// Reads, maps and validates one table, and stages its accepted rows or sends them to `stream`.
#[allow(clippy::too_many_arguments)]
fn load_table(
    spec: &'static TableSpec,
    path: &Path,
    file_name: &str,
    config: &TableConfig,
    folder: &Config,
    keys: &KeySets,
    engine: &Engine,
    pool: &Workers,
    stage: &Path,
    progress: &dyn Progress,
    rejects: &mut RejectWriter,
    on_accept: &mut dyn FnMut(u64, &dyn RowView),
    stream: Option<SyncSender<RecordBatch>>,
) -> Result<LoadedTable, IngestError> {
    let (format, gz) = Format::of(path).ok_or_else(|| {
        IngestError::Layout(format!(
            "cannot tell the format of `{}`: name it .csv, .tsv, .jsonl, .parquet or .xlsx (text formats may end in .gz)",
            path.display()
        ))
    })?;
    let chunking = folder.chunking;
    let options = ReadOptions {
        batch_rows: chunking.chunk_rows,
        delimiter: config.delimiter,
        sheet: config.sheet.clone(),
        encoding: config.encoding,
        header_names: config.required_headers(spec),
    };
    let opened = FileStamp::of(path)?;
    let source = Source::open(path, format, gz, &options)?;
    let header = source.header().to_vec();
    let title_rows = source.preamble_rows();
    let types = if ColumnPlan::needs_types(spec, path, &header, config, engine)? {
        Some(infer_types(path, format, gz, &options)?)
    } else {
        None
    };
    let mut plan = ColumnPlan::resolve(spec, path, &header, config, types.as_ref(), engine)?;
    let extra = plan.extra_columns();
    let schema = spec.schema(&extra);
    let staged = stage.join(format!("{}.parquet", spec.name));
    let mut sink = match stream {
        Some(rows) => Sink::Sent {
            table: spec.name,
            rows,
        },
        None => Sink::Staged(Box::new(StagedWriter::create(spec.name, &staged, &schema)?)),
    };
    let streamed = matches!(sink, Sink::Sent { .. });
    progress.start(
        spec.name,
        fs_err::metadata(path).map(|m| m.len()).unwrap_or(0),
        source.bytes_read(),
    );

    let limit = folder
        .max_rejects
        .map(|percent| RejectLimit::new(percent, source.extent()));
    let columnar = source.batch_schema().and_then(|file| {
        let sources = plan.direct_sources()?;
        Columnar::new(spec, &sources, &file, config, schema.clone(), streamed)
    });
    let mut cut_after = None;
    let validator = RowValidator::new(spec, config, keys);
    let mut table_keys = validator.keys();
    if let Extent::Rows(rows) = source.extent() {
        table_keys.expect_rows(rows);
    }
    let mut admission = Admission {
        spec,
        file_name,
        validator: &validator,
        keys: table_keys,
        builder: TableBuilder::new(schema.clone()),
        counts: Counts::default(),
        limit,
        rejects,
        on_accept,
    };
    // One thread reads the file, has it split and converted on every core (or maps it, and
    // this one has the rows parsed on every core), this one admits the rows in line order, one
    // encodes the accepted rows for the engine, and one takes the file's checksum.
    let (footer_lines, blake3) = std::thread::scope(|scope| -> Result<(u64, String), IngestError> {
        let hashing = scope.spawn(|| checksum(path));
        let (sender, receiver) = std::sync::mpsc::sync_channel(READ_AHEAD_CHUNKS);
        let plan = &mut plan;
        let (columnar, validator) = (&columnar, &validator);
        let reading = match columnar {
            Some(columnar) => scope.spawn(move || read_batches(source, pool, columnar, validator, sender)),
            None => scope.spawn(move || read_chunks(source, plan, chunking.chunk_rows, sender)),
        };
        let (to_writer, for_writer) = std::sync::mpsc::sync_channel::<RecordBatch>(WRITE_AHEAD_BATCHES);
        let writing = scope.spawn(move || -> Result<(), IngestError> {
            for batch in for_writer {
                sink.write(batch)?;
            }
            sink.close()
        });
        let staging_error = |e: ArrowError| stage_error(spec.name, &staged, e);
        // A writer that stopped has its error; sending to it fails, and joining it tells why.
        let send = |batch: RecordBatch| to_writer.send(batch).is_ok();
        let flush = |builder: &mut TableBuilder| -> Result<bool, IngestError> {
            if builder.is_empty() {
                return Ok(true);
            }
            Ok(send(builder.finish().map_err(staging_error)?))
        };
        let mut writer_open = true;
        let mut chunks = receiver.into_iter();
        'chunks: while let Some(chunk) = chunks.next() {
            match chunk? {
                Chunk::Mapped(MappedChunk { broken, rows }) => {
                    // Rows are parsed and checked on every core, then admitted in line order.
                    let validator = admission.validator;
                    let prepared: Vec<(u64, Checked)> = pool.install(|| {
                        rows.into_par_iter()
                            .with_min_len(PARALLEL_ROWS)
                            .map(|(line, mapped)| (line, Checked::of(mapped, validator)))
                            .collect()
                    });
                    let mut in_order = in_line_order(broken, prepared).into_iter().peekable();
                    while let Some((line, checked)) = in_order.next() {
                        let more = || in_order.peek().is_some() || chunks.next().is_some();
                        if admission.take(line, checked, more)? {
                            cut_after = Some(line);
                            break 'chunks;
                        }
                    }
                }
                Chunk::Batch(ConvertingBatch { lines, broken, parts }) => {
                    let (Some(columnar), Ok(parts)) = (columnar, parts.recv()) else {
                        return Err(stage_error(
                            spec.name,
                            &staged,
                            "the threads converting the rows stopped",
                        ));
                    };
                    // The batch's parts were converted and checked on every core; they are
                    // taken in line order: runs of clean rows whole, any other row the text
                    // way, and the rows that could not be split rejected between them.
                    let parts = parts.map_err(staging_error)?;
                    let mut parts = parts.into_iter().peekable();
                    let mut broken = broken.into_iter().peekable();
                    while let Some((start, part, converted)) = parts.next() {
                        let rows = part.num_rows();
                        let line = |row: usize| lines.of(start + row);
                        if admission.take_broken(&mut broken, line(0), &mut || true, &mut cut_after)? {
                            break 'chunks;
                        }
                        let clean = |admission: &mut Admission, row: usize| {
                            converted.clean[row]
                                && admission.take_clean(line(row), &BatchRow::new(&converted.batch, row))
                        };
                        // A row that could not be split between this part's rows keeps them apart.
                        let split = broken.peek().is_some_and(|p| p.line < line(rows - 1));
                        let whole = match split {
                            true => 0,
                            false => (0..rows).take_while(|&row| clean(&mut admission, row)).count(),
                        };
                        if whole == rows {
                            let taken = columnar.taken(&converted).map_err(staging_error)?;
                            if !flush(&mut admission.builder)? || !send(taken) {
                                writer_open = false;
                                break 'chunks;
                            }
                            continue;
                        }
                        // Row by row from the first row not taken whole, in line order.
                        for row in 0..whole {
                            admission.builder.push_row(&converted.batch, row);
                        }
                        for row in whole..rows {
                            if admission.take_broken(&mut broken, line(row), &mut || true, &mut cut_after)? {
                                break 'chunks;
                            }
                            // The first row not taken whole was found not clean (unless a row
                            // that could not be split stopped the run before it was tried).
                            if (row > whole || split) && clean(&mut admission, row) {
                                admission.builder.push_row(&converted.batch, row);
                                continue;
                            }
                            for record in batch_records(path, &part.slice(row, 1), line(row))? {
                                let checked = match record {
                                    Record::Fields { fields, .. } => {
                                        let mapped = Mapped::Row(columnar.map_fields(&fields));
                                        Checked::of(mapped, admission.validator)
                                    }
                                    Record::Broken(problem) => Checked::Broken(problem),
                                };
                                // Rows follow: this part's, a row that could not be split
                                // after it, another part's or another batch's.
                                let more = || {
                                    row + 1 < rows
                                        || broken.peek().is_some()
                                        || parts.peek().is_some()
                                        || chunks.next().is_some()
                                };
                                if admission.take(line(row), checked, more)? {
                                    cut_after = Some(line(row));
                                    break 'chunks;
                                }
                            }
                        }
                    }
                    let mut more = || chunks.next().is_some();
                    if admission.take_broken(&mut broken, u64::MAX, &mut more, &mut cut_after)? {
                        break 'chunks;
                    }
                }
            }
            if admission.builder.len() >= chunking.batch_rows && !flush(&mut admission.builder)? {
                writer_open = false;
                break;
            }
        }
        // The reader stops when the chunks it sends are no longer received.
        drop(chunks);
        if writer_open {
            flush(&mut admission.builder)?;
        }
        drop(to_writer);
        writing
            .join()
            .map_err(|_| stage_error(spec.name, &staged, "the thread writing the rows stopped"))??;
        let blake3 = hashing
            .join()
            .map_err(|_| stage_error(spec.name, &staged, "the thread taking the checksum stopped"))??;
        Ok((reading.join().unwrap_or_default(), blake3))
    })?;
    let counts = admission.counts;
    // Reading stopped at a cut is not at the file's end, however far the reader had got.
    let footer_lines = if cut_after.is_some() { 0 } else { footer_lines };
    // The rows and the checksum are of the file as it was opened, or the table is refused.
    opened.unchanged(path)?;
    Ok(LoadedTable {
        table: spec.name,
        file: Some(path.to_owned()),
        format: Some(format),
        blake3: Some(blake3),
        rows_read: counts.read + footer_lines,
        rows_accepted: counts.accepted,
        rows_rejected: counts.rejected,
        rows_excluded: counts.excluded,
        cut_after,
        footer_lines,
        title_rows,
        preset: config.preset.clone(),
        columns: plan.present_columns(),
        mapping: plan.usage().clone(),
        extra_columns: extra,
        staged: (!streamed).then_some(staged),
        schema,
        note: None,
    })
}

/// Rows of one chunk of a file: those that could not be split into fields, and the others
/// mapped, each with its line.
struct MappedChunk {
    broken: Vec<Problem>,
    rows: Vec<(u64, Mapped)>,
}

/// What the reader sends: rows mapped the text way, or a batch of rows as the file gives them,
/// being converted.
enum Chunk {
    Mapped(MappedChunk),
    Batch(ConvertingBatch),
}

/// A batch of a file's rows whose parts are being converted on the pool: the line of each row,
/// the rows that could not be split, and the parts to come, each with its first row.
struct ConvertingBatch {
    lines: Lines,
    broken: Vec<Problem>,
    parts: Receiver<Result<Vec<Part>, ArrowError>>,
}

/// A part of a batch converted and checked: its first row in the batch, its rows as the file
/// gives them, and as converted.
type Part = (usize, RecordBatch, Converted);

/// What takes a table's rows in line order: counts them, writes their rejects, stops at the
/// reject limit, and gathers the accepted rows.
struct Admission<'a> {
    spec: &'static TableSpec,
    file_name: &'a str,
    validator: &'a RowValidator<'a>,
    keys: Keys,
    builder: TableBuilder,
    counts: Counts,
    limit: Option<RejectLimit>,
    rejects: &'a mut RejectWriter,
    on_accept: &'a mut dyn FnMut(u64, &dyn RowView),
}

impl Admission<'_> {
    fn reject(
        &mut self,
        line: u64,
        column: String,
        value: String,
        reason: String,
    ) -> Result<(), IngestError> {
        self.rejects.push(Reject {
            table: self.spec.name.to_owned(),
            file: self.file_name.to_owned(),
            line,
            column,
            value,
            reason,
        })
    }

    /// Takes the row of `line`, checked the text way. True when the table is past its reject
    /// limit at this row and `more` says rows follow: reading stops here.
    fn take(
        &mut self,
        line: u64,
        checked: Checked,
        more: impl FnOnce() -> bool,
    ) -> Result<bool, IngestError> {
        self.counts.read += 1;
        let rejected = match checked {
            Checked::Excluded => {
                self.counts.excluded += 1;
                false
            }
            Checked::Broken(p) => {
                self.reject(line, p.column, p.value, p.reason)?;
                true
            }
            Checked::Failed { column, reason } => {
                self.reject(line, column, String::new(), reason)?;
                true
            }
            Checked::Row(prepared) => match self.keys.admit(line, prepared) {
                Ok(values) => {
                    (self.on_accept)(line, &values);
                    self.builder.push(values);
                    self.counts.accepted += 1;
                    false
                }
                Err(problems) => {
                    for p in problems {
                        self.reject(line, p.column, p.value, p.reason)?;
                    }
                    true
                }
            },
        };
        if !rejected {
            return Ok(false);
        }
        self.counts.rejected += 1;
        let considered = self.counts.read - self.counts.excluded;
        let Some(limit) = &mut self.limit else {
            return Ok(false);
        };
        if !limit.reached(self.counts.rejected, considered)? || !more() {
            return Ok(false);
        }
        let reason = limit.reason(line, self.counts.rejected, considered);
        self.reject(line, String::new(), String::new(), reason)?;
        Ok(true)
    }

    /// Rejects the rows of `broken` (rows that could not be split into fields) on lines before
    /// `before`, in line order. True when the table is past its reject limit at one of them and
    /// rows follow (another of them, or as `more` says): reading stops there, at `cut_after`.
    fn take_broken(
        &mut self,
        broken: &mut Peekable<std::vec::IntoIter<Problem>>,
        before: u64,
        more: &mut dyn FnMut() -> bool,
        cut_after: &mut Option<u64>,
    ) -> Result<bool, IngestError> {
        while let Some(problem) = broken.next_if(|p| p.line < before) {
            let line = problem.line;
            let follow = broken.peek().is_some();
            if self.take(line, Checked::Broken(problem), || follow || more())? {
                *cut_after = Some(line);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Takes the clean row `row` of `line`, converted the columnar way, when its key was not
    /// seen before; false leaves it to the text way.
    fn take_clean(&mut self, line: u64, row: &BatchRow) -> bool {
        let key = self.keys.index().and_then(|i| row.text(i));
        if let Some(key) = key
            && !self.keys.admit_key(line, key)
        {
            return false;
        }
        (self.on_accept)(line, row);
        self.counts.read += 1;
        self.counts.accepted += 1;
        true
    }
}

/// Sends the batches of a file as they are read (a delimited file's split into fields on the
/// threads of `pool`), each converted by `columnar` and checked by `validator` in parts on the
/// threads of `pool` while the next are read; stops at the end of the file. A read error is
/// sent and ends the reading, as does a receiver that has hung up. Returns the lines of its
/// report footer.
fn read_batches(
    mut source: Source,
    pool: &Workers,
    columnar: &Columnar,
    validator: &RowValidator,
    sender: std::sync::mpsc::SyncSender<Result<Chunk, IngestError>>,
) -> u64 {
    pool.in_place_scope(|scope| {
        loop {
            let chunk = match pool.install(|| source.next_batch()) {
                Ok(Some(SourceBatch { batch, lines, broken })) => {
                    let (converted, parts) = std::sync::mpsc::sync_channel(1);
                    scope.spawn(move |_| {
                        let _ = converted.send(convert_parts(&batch, columnar, validator));
                    });
                    Chunk::Batch(ConvertingBatch { lines, broken, parts })
                }
                Ok(None) => return source.footer_lines(),
                Err(e) => {
                    let _ = sender.send(Err(e));
                    return 0;
                }
            };
            if sender.send(Ok(chunk)).is_err() {
                return source.footer_lines();
            }
        }
    })
}

/// The parts of `batch`, converted by `columnar` and checked by `validator` side by side.
fn convert_parts(
    batch: &RecordBatch,
    columnar: &Columnar,
    validator: &RowValidator,
) -> Result<Vec<Part>, ArrowError> {
    (0..batch.num_rows())
        .step_by(PARALLEL_BATCH_ROWS)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|start| {
            let part = batch.slice(start, PARALLEL_BATCH_ROWS.min(batch.num_rows() - start));
            let converted = columnar.convert(&part, validator)?;
            Ok((start, part, converted))
        })
        .collect()
}

/// Sends the records of `source` in chunks of `rows`, mapped by `plan`, then stops and returns
/// the lines of its report footer; a read or mapping error is sent and ends the reading, as
/// does a receiver that has hung up.
fn read_chunks(
    mut source: Source,
    plan: &mut ColumnPlan,
    rows: usize,
    sender: std::sync::mpsc::SyncSender<Result<Chunk, IngestError>>,
) -> u64 {
    loop {
        let mut broken = Vec::new();
        let mut fields = Vec::with_capacity(rows);
        let mut done = false;
        while broken.len() + fields.len() < rows.max(1) {
            match source.next_record() {
                Ok(Some(Record::Fields { line, fields: f })) => fields.push((line, f)),
                Ok(Some(Record::Broken(problem))) => broken.push(problem),
                Ok(None) => {
                    done = true;
                    break;
                }
                Err(e) => {
                    let _ = sender.send(Err(e));
                    return 0;
                }
            }
        }
        let mapped = if fields.is_empty() {
            Ok(Vec::new())
        } else {
            plan.apply(&mut fields)
        };
        let chunk = match mapped {
            Ok(mapped) => MappedChunk {
                broken,
                rows: fields.into_iter().map(|(line, _)| line).zip(mapped).collect(),
            },
            Err(e) => {
                let _ = sender.send(Err(e));
                return 0;
            }
        };
        let empty = chunk.broken.is_empty() && chunk.rows.is_empty();
        if (!empty && sender.send(Ok(Chunk::Mapped(chunk))).is_err()) || done {
            return source.footer_lines();
        }
    }
}

/// A mapped row parsed and checked but for duplicate keys, or why it is left out.
enum Checked {
    Row(Prepared),
    Excluded,
    Failed {
        column: String,
        reason: String,
    },
    /// A row that could not be split into fields.
    Broken(Problem),
}

impl Checked {
    /// A mapped row parsed and checked by `validator`, or why it is left out.
    fn of(mapped: Mapped, validator: &RowValidator) -> Self {
        match mapped {
            Mapped::Row(texts) => Checked::Row(validator.prepare(texts)),
            Mapped::Excluded => Checked::Excluded,
            Mapped::Failed { column, reason } => Checked::Failed { column, reason },
        }
    }
}

/// The rows of a chunk that could not be split into fields among its other rows, in line order.
fn in_line_order(broken: Vec<Problem>, rows: Vec<(u64, Checked)>) -> Vec<(u64, Checked)> {
    if broken.is_empty() {
        return rows;
    }
    let mut all: Vec<(u64, Checked)> = broken
        .into_iter()
        .map(|p| (p.line, Checked::Broken(p)))
        .chain(rows)
        .collect();
    all.sort_by_key(|(line, _)| *line);
    all
}

#[derive(Default)]
struct Counts {
    read: u64,
    accepted: u64,
    rejected: u64,
    excluded: u64,
}

/// Where a table's accepted rows go, batch by batch in line order.
enum Sink {
    /// A Parquet file in the stage, for the engine.
    Staged(Box<StagedWriter>),
    /// A consumer on another thread.
    Sent {
        table: &'static str,
        rows: SyncSender<RecordBatch>,
    },
}

impl Sink {
    fn write(&mut self, batch: RecordBatch) -> Result<(), IngestError> {
        match self {
            Sink::Staged(writer) => writer.write(&batch),
            Sink::Sent { table, rows } => rows.send(batch).map_err(|_| IngestError::Unconsumed {
                table: (*table).to_owned(),
            }),
        }
    }

    fn close(self) -> Result<(), IngestError> {
        match self {
            Sink::Staged(writer) => writer.close(),
            Sink::Sent { .. } => Ok(()),
        }
    }
}

/// A Parquet file of validated rows being written for the engine; errors name the table and file.
struct StagedWriter {
    table: String,
    path: PathBuf,
    writer: ArrowWriter<std::fs::File>,
}

impl StagedWriter {
    fn create(table: &str, path: &Path, schema: &SchemaRef) -> Result<Self, IngestError> {
        let file = fs_err::File::create(path).map_err(|e| stage_error(table, path, e))?;
        let properties = WriterProperties::builder()
            .set_statistics_enabled(EnabledStatistics::None)
            .set_dictionary_enabled(false)
            .build();
        let writer = ArrowWriter::try_new(file.into_parts().0, schema.clone(), Some(properties))
            .map_err(|e| stage_error(table, path, e))?;
        Ok(Self {
            table: table.to_owned(),
            path: path.to_owned(),
            writer,
        })
    }

    fn error(&self, reason: impl ToString) -> IngestError {
        stage_error(&self.table, &self.path, reason)
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<(), IngestError> {
        self.writer.write(batch).map_err(|e| self.error(e))
    }

    /// Writes the rows waiting in `builder`, if any, and empties it.
    fn write_rows(&mut self, builder: &mut TableBuilder) -> Result<(), IngestError> {
        if builder.is_empty() {
            return Ok(());
        }
        let batch = builder.finish().map_err(|e| self.error(e))?;
        self.write(&batch)
    }

    fn close(self) -> Result<(), IngestError> {
        let Self { table, path, writer } = self;
        writer
            .close()
            .map(drop)
            .map_err(|e| stage_error(&table, &path, e))
    }
}

/// A staging failure of `table` at `path`.
fn stage_error(table: &str, path: &Path, reason: impl ToString) -> IngestError {
    IngestError::Stage {
        table: table.to_owned(),
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// The file name rejects give for a table: as configured, or the file's own name.
fn display_name(path: &Path, config: &TableConfig) -> String {
    config.file.clone().unwrap_or_else(|| {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    })
}

/// A first pass over a file that finds the type each column is read as inside expressions.
fn infer_types(
    path: &Path,
    format: Format,
    gz: bool,
    options: &ReadOptions,
) -> Result<TypeInference, IngestError> {
    let mut source = Source::open(path, format, gz, options)?;
    let mut types = TypeInference::new(source.header().len());
    while let Some(record) = source.next_record()? {
        if let Record::Fields { line, fields } = record {
            types.observe(line, &fields);
        }
    }
    Ok(types)
}

/// The BLAKE3 hash of a file, in hex.
fn checksum(path: &Path) -> Result<String, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = fs_err::File::open(path).map_err(io)?;
    let mut hasher = blake3::Hasher::new();
    // Reads of 64 KiB let the hasher work on many of its 1 KiB chunks at once.
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Reads the staged batches of a table.
fn staged_batches(table: &LoadedTable, staged: &Path) -> Result<Vec<RecordBatch>, IngestError> {
    let error = |e: String| stage_error(table.table, staged, e);
    let file = fs_err::File::open(staged).map_err(|e| error(e.to_string()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file.into_parts().0)
        .and_then(|b| b.build())
        .map_err(|e| error(e.to_string()))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(e.to_string()))
}

/// An accepted account that names a referrer: its position among accepted rows, line and referrer.
type Referral = (usize, u64, String);

/// Rejects accounts whose `referred_by` names no account, once all accounts are known. `ids` are
/// the accepted account ids; those of the accounts rejected are taken out of them.
fn drop_unknown_referrers(
    accounts: &mut LoadedTable,
    file_name: &str,
    ids: &mut KeySet,
    referrals: &[Referral],
    rejects: &mut RejectWriter,
) -> Result<(), IngestError> {
    let unknown: Vec<&Referral> = referrals.iter().filter(|(_, _, r)| !ids.contains(r)).collect();
    let drop: HashSet<usize> = unknown.iter().map(|(i, _, _)| *i).collect();
    if drop.is_empty() {
        return Ok(());
    }
    for (_, line, referrer) in &unknown {
        rejects.push(Reject {
            table: "accounts".into(),
            file: file_name.to_owned(),
            line: *line,
            column: "referred_by".into(),
            value: referrer.clone(),
            reason: format!("referred_by `{referrer}` is not in accounts"),
        })?;
    }
    accounts.rows_accepted -= drop.len() as u64;
    accounts.rows_rejected += drop.len() as u64;
    let staged = accounts
        .staged
        .clone()
        .ok_or_else(|| stage_error("accounts", Path::new(""), "the accounts were not staged"))?;
    let batches = staged_batches(accounts, &staged)?;
    let mut writer = StagedWriter::create("accounts", &staged, &accounts.schema)?;
    let mut offset = 0;
    for batch in &batches {
        let account_ids = batch
            .column_by_name("account_id")
            .and_then(|c| c.as_string_opt::<i32>())
            .ok_or_else(|| writer.error("the staged accounts have no text column `account_id`"))?;
        let mask: BooleanArray = (0..batch.num_rows())
            .map(|i| Some(!drop.contains(&(offset + i))))
            .collect();
        for (row, _) in mask.iter().enumerate().filter(|(_, kept)| *kept == Some(false)) {
            ids.remove(account_ids.value(row));
        }
        offset += batch.num_rows();
        let kept = filter_record_batch(batch, &mask).map_err(|e| writer.error(e))?;
        writer.write(&kept)?;
    }
    writer.close()
}

/// The distinct account ids of the transactions, gathered as rows are accepted.
#[derive(Default)]
struct DerivedIds {
    ids: foldhash::HashSet<String>,
    last: String,
}

impl DerivedIds {
    /// Notes `id`; a run of one account's rows, as exports are often grouped, is looked up once.
    fn insert(&mut self, id: &str) {
        if id != self.last {
            id.clone_into(&mut self.last);
            if !self.ids.contains(id) {
                self.ids.insert(id.to_owned());
            }
        }
    }

    /// The ids in order.
    fn sorted(self) -> Vec<String> {
        let mut ids: Vec<String> = self.ids.into_iter().collect();
        ids.sort_unstable();
        ids
    }
}

/// An `accounts` table made of the distinct account ids of the transactions, when none is given.
fn derived_accounts(stage: &Path, ids: &[String]) -> Result<LoadedTable, IngestError> {
    let schema = contract::ACCOUNTS.schema(&[]);
    let staged = stage.join("accounts.parquet");
    let mut builder = TableBuilder::new(schema.clone());
    for id in ids {
        let mut values = vec![Value::Null; schema.fields().len()];
        values[0] = Value::Text(id.clone());
        builder.push(values);
    }
    let mut writer = StagedWriter::create("accounts", &staged, &schema)?;
    writer.write_rows(&mut builder)?;
    writer.close()?;
    Ok(LoadedTable {
        table: "accounts",
        file: None,
        format: None,
        blake3: None,
        rows_read: 0,
        rows_accepted: ids.len() as u64,
        rows_rejected: 0,
        rows_excluded: 0,
        cut_after: None,
        footer_lines: 0,
        title_rows: 0,
        preset: None,
        columns: vec!["account_id".to_owned()],
        mapping: MappingUsage::default(),
        extra_columns: Vec::new(),
        staged: Some(staged),
        schema,
        note: Some(format!(
            "no accounts file: {} accounts taken from the transactions",
            ids.len()
        )),
    })
}
