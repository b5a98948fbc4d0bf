//! The configuration document, `northstar.toml`: the tables' mappings, read by ingest, and one
//! section per stage (`[clv]`, `[discover]`, `[market]`, `[intent]`, `[labels]`, `[report]`,
//! `[personalise]`), each owned by its stage, checked as
//! it is read, unknown keys refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use northstar_discover::DiscoverSettings;
use northstar_economics::ClvSettings;
use northstar_ingest::Config;
use northstar_ingest::config::FILE_NAME;
use northstar_profile::MarketSettings;
use northstar_report::ReportSettings;
use northstar_score::{IntentSettings, PersonaliseSettings};
use serde::Deserialize;

use crate::{PipelineError, Result};

/// The sections that hold settings rather than a table's mapping.
const SECTIONS: &[&str] = &[
    "clv",
    "discover",
    "market",
    "intent",
    "labels",
    "report",
    "personalise",
];

/// The whole configuration of a build.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// Where it was read from, if it was.
    pub path: Option<PathBuf>,
    /// How each table is read.
    pub tables: Config,
    /// Lifetime value.
    pub clv: ClvSettings,
    /// Discovery.
    pub discover: DiscoverSettings,
    /// The serviceable market.
    pub market: MarketSettings,
    /// Intent from behavioural signals.
    pub intent: IntentSettings,
    /// Attribute names for people, by attribute.
    pub labels: BTreeMap<String, String>,
    /// How the report is written.
    pub report: ReportSettings,
    /// The service's page variants.
    pub personalise: PersonaliseSettings,
}

/// The document as read: the stages' sections typed, the tables' left as TOML.
#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    clv: ClvSettings,
    #[serde(default)]
    discover: DiscoverSettings,
    #[serde(default)]
    market: MarketSettings,
    #[serde(default)]
    intent: IntentSettings,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    report: ReportSettings,
    #[serde(default)]
    personalise: PersonaliseSettings,
    #[serde(flatten)]
    tables: toml::Table,
}

impl Settings {
    /// The configuration at `path` if given, else `DATA/northstar.toml` if present, else the
    /// defaults.
    pub fn find(data: &Path, path: Option<&Path>) -> Result<Self> {
        match path {
            Some(path) => Self::read(path),
            None if data.join(FILE_NAME).is_file() => Self::read(&data.join(FILE_NAME)),
            None => Ok(Self::default()),
        }
    }

    /// Reads the configuration file `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = fs_err::read_to_string(path).map_err(|source| northstar_ingest::IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, Some(path))
    }

    /// Parses configuration text, read from `path` if it was.
    pub fn parse(text: &str, path: Option<&Path>) -> Result<Self> {
        let refused = |reason: String| PipelineError::Settings {
            path: path.map_or_else(|| PathBuf::from(FILE_NAME), Path::to_owned),
            reason,
        };
        let document: Document =
            toml::from_str(text).map_err(|e| refused(e.to_string().trim_end().to_owned()))?;
        document
            .personalise
            .check()
            .map_err(|e| refused(format!("[personalise]: {e}")))?;
        Ok(Self {
            path: path.map(Path::to_owned),
            tables: Config::from_sections(path, document.tables, SECTIONS)?,
            clv: document.clv,
            discover: document.discover,
            market: document.market,
            intent: document.intent,
            labels: document.labels,
            report: document.report,
            personalise: document.personalise,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use northstar_discover::Objective;

    fn message(text: &str) -> String {
        Settings::parse(text, None).expect_err("refused").to_string()
    }

    #[test]
    fn each_stage_reads_its_own_section() {
        let settings = Settings::parse(
            "[clv]\nhorizon_months = 24\n[discover]\nobjective = \"gross_margin\"\n[market]\ncoverage_floor = 0.9\n\
             [accounts]\nfile = \"companies.csv\"",
            None,
        )
        .expect("parses");
        assert_eq!(settings.clv.horizon_months, 24);
        assert_eq!(settings.clv.discount, 0.1, "unset keys keep their defaults");
        assert_eq!(settings.discover.objective, Objective::GrossMargin);
        assert_eq!(settings.discover.referral_threshold, 0.3);
        assert_eq!(settings.market.coverage_floor, 0.9);
        assert_eq!(
            settings.tables.table("accounts").file.as_deref(),
            Some("companies.csv")
        );
    }

    #[test]
    fn bad_settings_are_refused_as_read_naming_the_key_and_line() {
        let err = message("[discover]\nreferral_threshold = 1.5");
        assert!(
            err.contains("line 2") && err.contains("must be a share from 0 to 1"),
            "{err}"
        );
        let err = message("[clv]\ndiscount = -2");
        assert!(err.contains("discount") && err.contains("above -1"), "{err}");
        let err = message("[clv]\nhorizon_months = 0");
        assert!(
            err.contains("horizon_months") && err.contains("from 1 to 1200"),
            "{err}"
        );
        let err = message("[clv]\nhorizon = 12");
        assert!(err.contains("unknown field `horizon`"), "{err}");
        let err = message("[market]\ncoverage = 0.5");
        assert!(err.contains("unknown field `coverage`"), "{err}");
        let err = message("[discover]\nobjective = \"revenue\"");
        assert!(err.contains("unknown variant `revenue`"), "{err}");
        let err = message("[acounts]\nfile = \"a.csv\"");
        assert!(
            err.contains("unknown section `[acounts]`") && err.contains("[market]"),
            "{err}"
        );
    }
}
