//! The typed model of a finished build: everything its outputs hold.

use std::path::PathBuf;

use northstar_discover::{Discovery, LiftSettings, SubgroupSettings};
use northstar_economics::Economics;
use northstar_ingest::source::Format;
use northstar_ingest::{Ingested, MappingUsage};
use northstar_profile::{Drafted, MarketSettings};
use serde::Serialize;

use crate::targets::Targets;
use crate::{BuildRequest, Settings};
use northstar_score::validation::Validation;

/// A finished build.
#[derive(Debug)]
pub struct Build {
    /// Where the outputs are.
    pub out: PathBuf,
    /// The files written, by name.
    pub files: Vec<String>,
    /// The configuration it ran with.
    pub settings: Settings,
    /// What was read, with every rejected row.
    pub ingested: Ingested,
    /// Per-account economics, lifetime value and the headline figures; the cost lines are in
    /// `cost_to_serve.csv`.
    pub economics: Economics,
    /// What sets the most valuable customers apart.
    pub discovery: Discovery,
    /// The ICP and what it says of each customer.
    pub profile: Drafted,
    /// Each customer's best segment (its rank in `segments.csv`).
    pub segments: Vec<Option<u64>>,
    /// The prospects scored and the market sized.
    pub targets: Targets,
    /// The score backtested on customers held out.
    pub validation: Validation,
    /// What ran, as `run.json` records it.
    pub run: RunRecord,
}

/// `run.json`: versions, inputs with row counts and checksums, parameters, rejects, timings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    /// `northstar.run/v1`.
    pub schema: &'static str,
    /// northstar's and the engine's versions.
    pub versions: Versions,
    /// The command that ran.
    pub command: &'static str,
    /// The data folder.
    pub data: String,
    /// The configuration file, if one was read.
    pub config: Option<String>,
    /// The settings in force.
    pub parameters: Parameters,
    /// The ICP's version.
    pub icp_version: String,
    /// Each table read.
    pub inputs: Vec<InputRecord>,
    /// Rejected input problems.
    pub rejects: usize,
    /// Where revenue came from, in words ("revenue from 80 won deals; no billing data").
    pub revenue_from: String,
    /// Figures not measured, and the table that would add each.
    pub not_measured: Vec<northstar_economics::NotMeasured>,
    /// Milliseconds per step, and in all.
    pub timings_ms: serde_json::Map<String, serde_json::Value>,
}

/// The versions that made a build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Versions {
    /// northstar's.
    pub northstar: &'static str,
    /// The query engine's.
    pub engine: &'static str,
}

/// The settings a build ran with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameters {
    /// The reject limit, in percent.
    pub max_rejects_percent: f64,
    /// The as-of date given, if any.
    pub as_of: Option<String>,
    /// The lifetime-value model used.
    pub clv_model: Option<String>,
    /// What ranks accounts for discovery.
    pub objective: &'static str,
    /// Lift's settings.
    pub lift: LiftSettings,
    /// The subgroup search's settings.
    pub subgroups: SubgroupSettings,
    /// How the market was drawn.
    pub market: MarketSettings,
    /// The prior, in accounts, that signal points are shrunk by.
    pub signal_prior_accounts: f64,
}

/// One table read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputRecord {
    /// The contract table.
    pub table: &'static str,
    /// Its file's name.
    pub file: Option<String>,
    /// The file's format.
    pub format: Option<Format>,
    /// The file's BLAKE3 checksum, in hex (`b3sum` prints the same).
    pub blake3_checksum: Option<String>,
    /// Rows read.
    pub rows_read: u64,
    /// Rows accepted.
    pub rows_accepted: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// Rows left out by `where` or by their CRM label.
    pub rows_excluded: u64,
    /// Lines of a report footer, counted in `rows_read`: read = accepted + rejected +
    /// excluded + footer.
    pub footer_lines: u64,
    /// Rows above the header (a report's title).
    pub title_rows: u64,
    /// The preset the mapping started from.
    pub preset: Option<String>,
    /// Preset headers not in the file, CRM labels and how each was read, several associated ids.
    pub mapping: MappingUsage,
    /// Extra columns kept as custom attributes.
    pub custom_attributes: Vec<String>,
    /// What was done instead of reading a file, if anything.
    pub note: Option<String>,
}

impl RunRecord {
    /// The record of `request`, run with `settings`, with what it read and built.
    pub(crate) fn new(
        request: &BuildRequest,
        settings: &Settings,
        ingested: &Ingested,
        economics: &Economics,
        icp_version: &str,
    ) -> Self {
        let inputs = ingested
            .tables
            .iter()
            .map(|t| InputRecord {
                table: t.table,
                file: t
                    .file
                    .as_ref()
                    .and_then(|f| f.file_name())
                    .map(|f| f.to_string_lossy().into_owned()),
                format: t.format,
                blake3_checksum: t.blake3.clone(),
                rows_read: t.rows_read,
                rows_accepted: t.rows_accepted,
                rows_rejected: t.rows_rejected,
                rows_excluded: t.rows_excluded,
                footer_lines: t.footer_lines,
                title_rows: t.title_rows,
                preset: t.preset.clone(),
                mapping: t.mapping.clone(),
                custom_attributes: t.extra_columns.clone(),
                note: t.note.clone(),
            })
            .collect();
        Self {
            schema: "northstar.run/v1",
            versions: Versions {
                northstar: env!("CARGO_PKG_VERSION"),
                engine: "Apache DataFusion 55",
            },
            command: "build",
            data: request.data.display().to_string(),
            config: settings.path.as_ref().map(|p| p.display().to_string()),
            parameters: Parameters {
                max_rejects_percent: request.options.max_rejects,
                as_of: request.options.as_of.clone(),
                clv_model: economics.summary.lifetime_value.as_ref().map(|m| m.model.clone()),
                objective: settings.discover.objective.name(),
                lift: LiftSettings::default(),
                subgroups: SubgroupSettings::default(),
                market: settings.market,
                signal_prior_accounts: northstar_profile::signals::PRIOR_ACCOUNTS,
            },
            icp_version: icp_version.to_owned(),
            inputs,
            rejects: ingested.rejects.len(),
            revenue_from: economics.summary.revenue_from.describe(),
            not_measured: economics.summary.not_measured.clone(),
            timings_ms: serde_json::Map::new(),
        }
    }
}
