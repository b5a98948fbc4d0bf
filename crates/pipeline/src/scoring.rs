//! `score` and `sql`: an ICP applied to any list of accounts, outside a build.
//!
//! The list goes through the normal ingest as a `prospects` table (any format, mapping or preset,
//! rejects that name file and line), then streams batch by batch through the compiled scorer
//! into the output, so memory holds a batch, not the list.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use northstar_output::write_file;
use northstar_score::{Dialect, IntentSettings};
use serde::Serialize;

use crate::outputs::tables::record;
use crate::outputs::targets::{PROSPECT_COLUMNS, prospect_cells};
use crate::session::Session;
use crate::targets::{ProspectScorer, account_ids};
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
    /// Milliseconds reading the list and scoring it.
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// Scores every account of `request.input` under the ICP of `request.icp`.
pub fn score_list(request: &ScoreRequest, observer: &dyn Observer) -> Result<ScoreReport> {
    let started = Instant::now();
    let icp = icp_at(&request.icp)?;
    let session = Session::read_file(
        "prospects",
        &request.input,
        request.config.as_deref(),
        &request.options,
        observer,
    )?;
    let read_ms = started.elapsed().as_millis() as u64;
    let (ingested, engine) = (&session.ingested, &session.engine);
    let mut report = ScoreReport {
        icp_version: icp.version.clone(),
        accounts: 0,
        in_sam: 0,
        tiers: [0; 3],
        rejected: ingested.tables.iter().map(|t| t.rows_rejected).sum(),
        out: request.out.as_ref().map(|p| p.display().to_string()),
        intent: "not measured: score a data folder with a signals table in `build` for intent",
        timings_ms: serde_json::Map::new(),
    };
    let scoring = Instant::now();
    let mut scorer = ProspectScorer::new(icp.clone(), IntentSettings::default(), None, 0);
    let plain = northstar_score::Scorer::new(icp.clone());
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
        let streamed = engine.stream("SELECT * FROM prospects", |batch| {
            let written = (|| -> Result<()> {
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
                    let ids = account_ids(&batch)?;
                    for (k, id) in ids.into_iter().enumerate() {
                        let tier = scores.tier[k];
                        count(scores.in_sam[k], tier);
                        let tier = tier.map(|t| t.to_string()).unwrap_or_default();
                        let cells = [
                            id.unwrap_or_default(),
                            scores.in_sam[k].to_string(),
                            scores.score[k].to_string(),
                            tier,
                        ];
                        record(&mut out, cells).map_err(io_failure)?;
                    }
                    return Ok(());
                }
                for p in scorer.score(&batch, columns, "list")? {
                    count(p.scored.assessment.in_sam, p.scored.assessment.tier);
                    let mut cells = prospect_cells(&p, &icp);
                    cells.extend(p.values.into_iter().map(Option::unwrap_or_default));
                    record(&mut out, cells).map_err(io_failure)?;
                }
                Ok(())
            })();
            written.map_err(|e| {
                failure = Some(e);
                stopped()
            })
        });
        if let Err(e) = streamed {
            failure.get_or_insert(PipelineError::Engine(e));
            return Err(std::io::Error::other("scoring stopped"));
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
    report.timings_ms.insert("read".into(), read_ms.into());
    report
        .timings_ms
        .insert("score".into(), (scoring.elapsed().as_millis() as u64).into());
    Ok(report)
}

/// The sentinel that stops a stream whose consumer failed (the failure is kept beside it).
fn stopped() -> northstar_engine::EngineError {
    northstar_engine::EngineError::Runtime(std::io::Error::other("stopped by its consumer"))
}

/// A list's columns other than its id.
fn attribute_columns(batch: &northstar_engine::arrow::record_batch::RecordBatch) -> Vec<String> {
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
