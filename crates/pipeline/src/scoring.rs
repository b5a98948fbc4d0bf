//! `score` and `sql`: an ICP applied to any list of accounts, outside a build.
//!
//! The list goes through the normal ingest as a `prospects` table (any format, mapping or preset,
//! rejects that name file and line), and its accepted rows stream batch by batch, as they are
//! read, through the compiled scorer into the output: nothing is staged, and memory holds a few
//! batches, not the list.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use northstar_engine::arrow::array::{Array, AsArray};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::DataType;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_output::write_file;
use northstar_profile::Icp;
use northstar_score::{Dialect, IntentSettings, Scores};
use rayon::prelude::*;
use serde::Serialize;

use crate::outputs::tables::write_header;
use crate::outputs::targets::{prospect_header, write_prospect_rows};
use crate::session::Session;
use crate::targets::{Groups, ProspectScorer, TierCounts, slices};
use crate::{Observer, Options, PipelineError, Result, icp_at};

/// The columns of a brief score file.
const BRIEF_COLUMNS: &[&str] = &["account_id", "in_sam", "fit_score", "tier"];

/// An account list to score.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRequest {
    /// The ICP: an `icp.json`, or a build folder holding one.
    pub icp: PathBuf,
    /// The account list (any input format).
    pub input: PathBuf,
    /// Its mapping (a `[prospects]` section), else the folder's `northstar.toml`.
    pub config: Option<PathBuf>,
    /// Where the scores go; standard output when none.
    pub out: Option<PathBuf>,
    /// Only account_id, in_sam, fit_score and tier.
    pub brief: bool,
    /// Rejects, threads and the rest.
    pub options: Options,
}

/// What a scoring run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreReport {
    /// The ICP's version.
    pub icp_version: String,
    /// Accounts scored, inside the SAM, and by tier.
    #[serde(flatten)]
    pub counts: TierCounts,
    /// Rejected rows of the list.
    pub rejected: u64,
    /// Where the scores went, if to a file.
    pub out: Option<String>,
    /// Intent is measured from a signals table in a build, not here.
    pub intent: &'static str,
    /// Milliseconds: `total`, and of it `scoring` (scoring and writing, while the list is read).
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// Scores every account of `request.input` under the ICP of `request.icp`.
pub fn score_list(request: &ScoreRequest, observer: &dyn Observer) -> Result<ScoreReport> {
    let started = Instant::now();
    let icp = icp_at(&request.icp)?;
    let target = request
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("standard output"));
    let mut list = ListScoring::new(&icp, request.brief, target, request.options.score_rows);
    let mut rejected = 0;
    let mut failure: Option<PipelineError> = None;
    let mut fill = |w: &mut dyn Write| -> std::io::Result<()> {
        let streamed = stream_list(
            &request.input,
            request.config.as_deref(),
            &request.options,
            observer,
            &mut |batch| list.take(batch, w),
        )
        .and_then(|rows_rejected| {
            rejected = rows_rejected;
            list.finish(w)
        });
        if let Err(e) = streamed {
            failure = Some(e);
            return Err(std::io::Error::other("scoring stopped"));
        }
        w.flush()
    };
    let written = match &request.out {
        Some(path) => write_file(path, &mut fill).map_err(PipelineError::from),
        None => fill(&mut std::io::stdout().lock()).map_err(|e| list.io(e)),
    };
    if let Some(failure) = failure {
        return Err(failure);
    }
    written?;
    let mut timings_ms = serde_json::Map::new();
    timings_ms.insert("total".into(), (started.elapsed().as_millis() as u64).into());
    timings_ms.insert("scoring".into(), (list.scoring.as_millis() as u64).into());
    Ok(ScoreReport {
        icp_version: icp.version.clone(),
        counts: list.counts,
        rejected,
        out: request.out.as_ref().map(|p| p.display().to_string()),
        intent: "not measured: score a data folder with a signals table in `build` for intent",
        timings_ms,
    })
}

/// Reads the account list `input` as `score` reads it, a `prospects` table mapped by `config`
/// (else the folder's `northstar.toml`): hands its accepted rows to `consume` batch by batch as
/// they are read, in the columns' types a scorer reads (a Parquet text column stored as a
/// dictionary stays one), and returns how many rows were rejected.
pub fn stream_list(
    input: &Path,
    config: Option<&Path>,
    options: &Options,
    observer: &dyn Observer,
    consume: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<u64> {
    let ingested = Session::stream_file("prospects", input, config, options, observer, consume)?;
    Ok(ingested.tables.iter().map(|t| t.rows_rejected).sum())
}

/// An error writing the scores to `target`.
fn write_error(target: &Path, e: std::io::Error) -> PipelineError {
    PipelineError::Io {
        path: target.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Rows scored and formatted by one thread in a brief run.
const PIECE_ROWS: usize = 4096;

/// `batch` cut into the pieces a brief run scores and formats, each on one thread, in order.
pub fn brief_pieces(batch: &RecordBatch) -> impl Iterator<Item = RecordBatch> + '_ {
    slices(batch, PIECE_ROWS)
}

/// A list's accepted batches, scored a group at a time and written in the list's order, with
/// the counts of the report.
struct ListScoring<'a> {
    icp: &'a Icp,
    brief: bool,
    /// Where the scores go, to name in an error.
    target: PathBuf,
    detailed: ProspectScorer,
    plain: northstar_score::Scorer,
    /// The list's columns other than its id, known from its first batch.
    columns: Option<Vec<String>>,
    groups: Groups,
    counts: TierCounts,
    /// Time spent scoring and writing, while the list is read.
    scoring: Duration,
}

impl<'a> ListScoring<'a> {
    /// Scoring under `icp`, brief or not, into `target`, `group_rows` at least at a time.
    fn new(icp: &'a Icp, brief: bool, target: PathBuf, group_rows: usize) -> Self {
        Self {
            icp,
            brief,
            target,
            detailed: ProspectScorer::new(icp.clone(), IntentSettings::default(), None, 0),
            plain: northstar_score::Scorer::new(icp.clone()),
            columns: None,
            groups: Groups::of(group_rows),
            counts: TierCounts::default(),
            scoring: Duration::ZERO,
        }
    }

    /// An error writing the scores.
    fn io(&self, e: std::io::Error) -> PipelineError {
        write_error(&self.target, e)
    }

    /// Takes the next accepted batch; the header goes out with the first, and a full group is
    /// scored and written.
    fn take(&mut self, batch: RecordBatch, out: &mut dyn Write) -> Result<()> {
        if self.columns.is_none() {
            let names = attribute_columns(&batch);
            write_header(out, &header(self.brief, &names)).map_err(|e| self.io(e))?;
            self.columns = Some(names);
        }
        match self.groups.push(batch) {
            Some(group) => self.score_group(&group, out),
            None => Ok(()),
        }
    }

    /// Scores and writes what is pending; writes the header alone for a list without rows.
    fn finish(&mut self, out: &mut dyn Write) -> Result<()> {
        if self.columns.is_none() {
            write_header(out, &header(self.brief, &[])).map_err(|e| self.io(e))?;
        }
        let rest = self.groups.rest();
        self.score_group(&rest, out)
    }

    /// Scores `group` and writes its rows in order.
    fn score_group(&mut self, group: &[RecordBatch], out: &mut dyn Write) -> Result<()> {
        let began = Instant::now();
        if self.brief {
            self.write_brief(group, out)?;
        } else {
            self.write_detailed(group, out)?;
        }
        self.scoring += began.elapsed();
        Ok(())
    }

    /// Brief rows: scores and tiers only, with no reasons, way to tier 1 or nearest customer to
    /// make. Pieces of the group are scored and formatted in parallel.
    fn write_brief(&mut self, group: &[RecordBatch], out: &mut dyn Write) -> Result<()> {
        let pieces: Vec<RecordBatch> = group.iter().flat_map(brief_pieces).collect();
        let (plain, target) = (&self.plain, &self.target);
        let scored: Vec<Result<(Scores, Vec<u8>)>> = pieces
            .par_iter()
            .map(|piece| {
                let scores = plain.scores(piece)?;
                let text = brief_rows(piece, &scores).map_err(|e| write_error(target, e))?;
                Ok((scores, text))
            })
            .collect();
        for piece in scored {
            let (scores, text) = piece?;
            for (&in_sam, &tier) in scores.in_sam.iter().zip(&scores.tier) {
                self.counts.count(in_sam, tier);
            }
            out.write_all(&text).map_err(|e| self.io(e))?;
        }
        Ok(())
    }

    /// Full rows: score, reasons, way to tier 1, nearest customer and the list's own columns,
    /// formatted in parallel blocks.
    fn write_detailed(&mut self, group: &[RecordBatch], out: &mut dyn Write) -> Result<()> {
        let columns = self.columns.clone().unwrap_or_default();
        let prospects = self.detailed.score(group, &columns, "list")?;
        for p in &prospects {
            self.counts
                .count(p.scored.assessment.in_sam, p.scored.assessment.tier);
        }
        write_prospect_rows(out, &prospects, self.icp).map_err(|e| self.io(e))
    }
}

/// The brief rows of `batch`, scored `scores`, as CSV: account_id, in_sam, fit_score and tier.
fn brief_rows(batch: &RecordBatch, scores: &Scores) -> std::io::Result<Vec<u8>> {
    let ids = match batch.schema_ref().column_with_name("account_id") {
        Some((at, _)) => Some(cast(batch.column(at), &DataType::Utf8).map_err(std::io::Error::other)?),
        None => None,
    };
    let ids = ids.as_ref().map(|ids| ids.as_string::<i32>());
    let mut out = csv::Writer::from_writer(Vec::with_capacity(32 * batch.num_rows()));
    let mut number = itoa::Buffer::new();
    for k in 0..batch.num_rows() {
        let id = ids.filter(|ids| ids.is_valid(k)).map_or("", |ids| ids.value(k));
        out.write_field(id)?;
        out.write_field(if scores.in_sam[k] { "true" } else { "false" })?;
        out.write_field(number.format(scores.score[k]))?;
        match scores.tier[k] {
            Some(tier) => out.write_field(number.format(tier))?,
            None => out.write_field("")?,
        }
        out.write_record(None::<&[u8]>)?;
    }
    out.into_inner().map_err(|e| e.into_error())
}

/// A list's columns other than its id.
fn attribute_columns(batch: &RecordBatch) -> Vec<String> {
    batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n != "account_id")
        .collect()
}

/// The header of a score file: brief, or the score columns then the list's own.
fn header(brief: bool, columns: &[String]) -> Vec<&str> {
    if brief {
        return BRIEF_COLUMNS.to_vec();
    }
    prospect_header(columns)
}

/// The scorer of `icp` as SQL over the table `table`, in `dialect`.
pub fn sql(icp: &Path, dialect: Dialect, table: &str) -> Result<String> {
    Ok(northstar_score::scorer_sql(&icp_at(icp)?, dialect, table))
}
