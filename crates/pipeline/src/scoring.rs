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
use northstar_score::{Dialect, IntentSettings, Scores};
use serde::Serialize;

use crate::outputs::tables::record;
use crate::outputs::targets::{PROSPECT_COLUMNS, prospect_cells};
use crate::session::Session;
use crate::targets::ProspectScorer;
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
    /// Accounts scored.
    pub accounts: u64,
    /// Of them, inside the SAM.
    pub in_sam: u64,
    /// Accounts in tiers 1, 2 and 3.
    pub tiers: [u64; 3],
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
    let mut report = ScoreReport {
        icp_version: icp.version.clone(),
        accounts: 0,
        in_sam: 0,
        tiers: [0; 3],
        rejected: 0,
        out: request.out.as_ref().map(|p| p.display().to_string()),
        intent: "not measured: score a data folder with a signals table in `build` for intent",
        timings_ms: serde_json::Map::new(),
    };
    let mut scorer = ProspectScorer::new(icp.clone(), IntentSettings::default(), None, 0);
    let plain = northstar_score::Scorer::new(icp.clone());
    let mut scoring = Duration::ZERO;
    let mut failure: Option<PipelineError> = None;
    let target = request
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("standard output"));
    let io_failure = |e: std::io::Error| PipelineError::Io {
        path: target.clone(),
        reason: e.to_string(),
    };
    let mut fill = |w: &mut dyn Write| -> std::io::Result<()> {
        let mut out = csv::Writer::from_writer(w);
        let mut columns: Option<Vec<String>> = None;
        let mut consume = |batch: RecordBatch| -> Result<()> {
            let began = Instant::now();
            let columns = match &columns {
                Some(columns) => columns,
                None => {
                    let names = attribute_columns(&batch);
                    record(&mut out, header(request.brief, &names)).map_err(io_failure)?;
                    columns.insert(names)
                }
            };
            let mut count = |in_sam: bool, tier: Option<u8>| {
                report.accounts += 1;
                report.in_sam += u64::from(in_sam);
                if let Some(t @ 1..=3) = tier {
                    report.tiers[usize::from(t) - 1] += 1;
                }
            };
            if request.brief {
                // Scores and tiers only: no reasons, way to tier 1 or nearest customer to make.
                let scores = plain.scores(&batch)?;
                for (&in_sam, &tier) in scores.in_sam.iter().zip(&scores.tier) {
                    count(in_sam, tier);
                }
                write_brief(&mut out, &batch, &scores).map_err(io_failure)?;
            } else {
                for p in scorer.score(&batch, columns, "list")? {
                    count(p.scored.assessment.in_sam, p.scored.assessment.tier);
                    let mut cells = prospect_cells(&p, &icp);
                    cells.extend(p.values.into_iter().map(Option::unwrap_or_default));
                    record(&mut out, cells).map_err(io_failure)?;
                }
            }
            scoring += began.elapsed();
            Ok(())
        };
        let streamed = Session::stream_file(
            "prospects",
            &request.input,
            request.config.as_deref(),
            &request.options,
            observer,
            &mut consume,
        );
        match streamed {
            Ok(ingested) => report.rejected = ingested.tables.iter().map(|t| t.rows_rejected).sum(),
            Err(e) => {
                failure = Some(e);
                return Err(std::io::Error::other("scoring stopped"));
            }
        }
        if columns.is_none() {
            record(&mut out, header(request.brief, &[]))?;
        }
        out.flush()
    };
    let written = match &request.out {
        Some(path) => write_file(path, &mut fill).map_err(PipelineError::from),
        None => fill(&mut std::io::stdout().lock()).map_err(io_failure),
    };
    if let Some(failure) = failure {
        return Err(failure);
    }
    written?;
    report
        .timings_ms
        .insert("total".into(), (started.elapsed().as_millis() as u64).into());
    report
        .timings_ms
        .insert("scoring".into(), (scoring.as_millis() as u64).into());
    Ok(report)
}

/// Writes the brief rows of `batch`, scored `scores`: account_id, in_sam, fit_score and tier.
fn write_brief(
    out: &mut csv::Writer<&mut dyn Write>,
    batch: &RecordBatch,
    scores: &Scores,
) -> std::io::Result<()> {
    let ids = match batch.schema_ref().column_with_name("account_id") {
        Some((at, _)) => Some(cast(batch.column(at), &DataType::Utf8).map_err(std::io::Error::other)?),
        None => None,
    };
    let ids = ids.as_ref().map(|ids| ids.as_string::<i32>());
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
    Ok(())
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
    let mut header = PROSPECT_COLUMNS.to_vec();
    header.extend(columns.iter().map(String::as_str));
    header
}

/// The scorer of `icp` as SQL over the table `table`, in `dialect`.
pub fn sql(icp: &Path, dialect: Dialect, table: &str) -> Result<String> {
    Ok(northstar_score::scorer_sql(&icp_at(icp)?, dialect, table))
}
