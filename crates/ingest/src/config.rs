//! `northstar.toml`: how a data folder's files map onto the canonical tables.
//!
//! Each section is a table of the contract. A key that names a canonical column maps it, to a
//! column of the file (by its header) or to an SQL expression over the file's columns; the other
//! keys (`file`, `preset`, `where`, `date_format`, `number_format`, `delimiter`, `sheet`) say how
//! to read the file. Example, for a raw order-line export:
//!
//! ```toml
//! [transactions]
//! file = "online_retail.csv.gz"
//! account_id = "CustomerID"
//! date = "InvoiceDate"
//! amount = "Quantity * UnitPrice"
//! where = "CustomerID IS NOT NULL AND InvoiceNo NOT LIKE 'C%'"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::contract::{self, TableSpec};
use crate::error::IngestError;
use crate::values::NumberFormat;

/// The name of the configuration file looked for in a data folder.
pub const FILE_NAME: &str = "northstar.toml";

/// How one table is read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableConfig {
    /// The file, relative to the data folder.
    pub file: Option<String>,
    /// Canonical column → source column or SQL expression.
    pub columns: BTreeMap<String, String>,
    /// SQL condition a row must meet to be read; rows it excludes are counted, not rejected.
    pub filter: Option<String>,
    /// `strftime` format of the table's dates, when not ISO 8601.
    pub date_format: Option<String>,
    /// How numbers and money are written.
    pub number_format: NumberFormat,
    /// Field delimiter of a text file.
    pub delimiter: Option<u8>,
    /// Worksheet of a workbook.
    pub sheet: Option<String>,
    /// The preset this mapping started from, if any.
    pub preset: Option<String>,
}

/// The whole configuration: one entry per configured table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Where the configuration was read from, if it was.
    pub path: Option<PathBuf>,
    /// Per-table settings.
    pub tables: BTreeMap<String, TableConfig>,
    /// Lifetime-value settings, the `[clv]` section.
    pub clv: ClvSettings,
    /// Discovery settings, the `[discover]` section.
    pub discover: DiscoverSettings,
}

/// What discovery looks for: the `[discover]` section of `northstar.toml`.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoverSettings {
    /// The measure that makes an account valuable.
    #[serde(default)]
    pub objective: Objective,
    /// Share of customers who came by referral that shows product-market fit (default 0.3).
    pub referral_threshold: Option<f64>,
}

/// The measure that ranks accounts for discovery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Profit to date (gross margin − cost to serve − CAC).
    #[default]
    Profit,
    /// Predicted lifetime value.
    LtvPredicted,
    /// Gross margin to date.
    GrossMargin,
}

impl Objective {
    /// The objective's name, as in the configuration and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Profit => "profit",
            Objective::LtvPredicted => "ltv_predicted",
            Objective::GrossMargin => "gross_margin",
        }
    }
}

/// How a build predicts lifetime value: the `[clv]` section of `northstar.toml`.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClvSettings {
    /// Which model; by default chosen from the data.
    #[serde(default)]
    pub model: ClvChoice,
    /// Months ahead to value (default 36).
    pub horizon_months: Option<u32>,
    /// Yearly discount rate (default 0.1).
    pub discount: Option<f64>,
}

/// The lifetime-value model of a build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClvChoice {
    /// sBG when transactions include contract renewals, else BG/NBD.
    #[default]
    Auto,
    /// Contractual retention (shifted-beta-geometric).
    Sbg,
    /// BG/NBD.
    Bgnbd,
    /// MBG/NBD.
    Mbgnbd,
    /// Pareto/NBD.
    Pareto,
    /// No predicted lifetime value.
    None,
}

/// The built-in presets: mappings of common CRM export headers, keyed by `preset` name.
pub const PRESETS: &[(&str, &str)] = &[
    ("hubspot", include_str!("presets/hubspot.toml")),
    ("salesforce", include_str!("presets/salesforce.toml")),
];

const OPTION_KEYS: &[&str] = &[
    "file",
    "preset",
    "where",
    "date_format",
    "number_format",
    "delimiter",
    "sheet",
];

impl Config {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Self, IngestError> {
        let text = fs_err::read_to_string(path).map_err(|source| IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Self::parse(&text).map_err(|reason| IngestError::Config {
            path: path.to_owned(),
            reason,
        })?;
        config.path = Some(path.to_owned());
        Ok(config)
    }

    /// Reads `northstar.toml` from `dir` if it is there.
    pub fn find(dir: &Path) -> Result<Self, IngestError> {
        let path = dir.join(FILE_NAME);
        if path.is_file() {
            Self::read(&path)
        } else {
            Ok(Self::default())
        }
    }

    /// Parses configuration text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let root: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut tables = BTreeMap::new();
        let mut clv = ClvSettings::default();
        let mut discover = DiscoverSettings::default();
        for (name, value) in root {
            let section = |e: toml::de::Error| format!("[{name}]: {}", e.message());
            match name.as_str() {
                "clv" => {
                    clv = value.try_into().map_err(section)?;
                    continue;
                }
                "discover" => {
                    discover = value.try_into().map_err(section)?;
                    continue;
                }
                _ => {}
            }
            let spec = contract::table(&name).ok_or_else(|| {
                let known: Vec<&str> = contract::TABLES.iter().map(|t| t.name).collect();
                format!(
                    "unknown section `[{name}]`; the tables are {}, and the settings [clv] and [discover]",
                    known.join(", ")
                )
            })?;
            let section = value
                .as_table()
                .ok_or_else(|| format!("`{name}` must be a section `[{name}]`"))?;
            tables.insert(name.clone(), table_config(spec, section)?);
        }
        Ok(Self {
            path: None,
            tables,
            clv,
            discover,
        })
    }

    /// The settings of table `name`, defaults when it is not configured.
    pub fn table(&self, name: &str) -> TableConfig {
        self.tables.get(name).cloned().unwrap_or_default()
    }
}

/// One `[table]` section, with its preset (if any) underneath the keys given.
fn table_config(spec: &TableSpec, section: &toml::Table) -> Result<TableConfig, String> {
    let mut config = match section.get("preset") {
        Some(preset) => {
            let preset = preset.as_str().ok_or("`preset` must be a string")?;
            preset_config(spec, preset)?
        }
        None => TableConfig::default(),
    };
    for (key, value) in section {
        let text = || {
            value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("`{}.{key}` must be a string", spec.name))
        };
        match key.as_str() {
            "preset" => {}
            "file" => config.file = Some(text()?),
            "where" => config.filter = Some(text()?),
            "date_format" => config.date_format = Some(text()?),
            "sheet" => config.sheet = Some(text()?),
            "number_format" => {
                config.number_format = value.clone().try_into().map_err(|_| {
                    format!(
                        "`{}.number_format` must be \"plain\", \"us\" or \"eu\"",
                        spec.name
                    )
                })?;
            }
            "delimiter" => {
                let d = text()?;
                let d = if d == "\\t" { "\t".to_owned() } else { d };
                match d.as_bytes() {
                    [byte] => config.delimiter = Some(*byte),
                    _ => return Err(format!("`{}.delimiter` must be one character", spec.name)),
                }
            }
            column if spec.column(column).is_some() => {
                config.columns.insert(column.to_owned(), text()?);
            }
            other => {
                let columns: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
                return Err(format!(
                    "unknown key `{other}` in `[{}]`; expected a column ({}) or one of {}",
                    spec.name,
                    columns.join(", "),
                    OPTION_KEYS.join(", ")
                ));
            }
        }
    }
    Ok(config)
}

/// The mapping preset `name` gives for table `spec`.
fn preset_config(spec: &TableSpec, name: &str) -> Result<TableConfig, String> {
    let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        let known: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
        format!("unknown preset `{name}`; the presets are {}", known.join(", "))
    })?;
    let root: toml::Table = toml::from_str(text).map_err(|e| format!("preset `{name}`: {e}"))?;
    let section = root
        .get(spec.name)
        .and_then(toml::Value::as_table)
        .ok_or_else(|| format!("preset `{name}` has no mapping for table `{}`", spec.name))?;
    let mut config = table_config(spec, section)?;
    config.preset = Some(name.to_owned());
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_parses() {
        let config = Config::parse(
            r#"
            [transactions]
            file = "online_retail.csv.gz"
            account_id = "CustomerID"
            date = "InvoiceDate"
            amount = "Quantity * UnitPrice"
            where = "CustomerID IS NOT NULL AND InvoiceNo NOT LIKE 'C%'"
            "#,
        )
        .expect("parses");
        let t = config.table("transactions");
        assert_eq!(t.file.as_deref(), Some("online_retail.csv.gz"));
        assert_eq!(t.columns["amount"], "Quantity * UnitPrice");
        assert_eq!(
            t.filter.as_deref(),
            Some("CustomerID IS NOT NULL AND InvoiceNo NOT LIKE 'C%'")
        );
        assert_eq!(config.table("accounts"), TableConfig::default());
    }

    #[test]
    fn mistakes_are_named() {
        let err = Config::parse("[acounts]\nfile = \"a.csv\"").unwrap_err();
        assert!(err.contains("unknown section `[acounts]`"), "{err}");
        let err = Config::parse("[discover]\nobjective = \"revenue\"").unwrap_err();
        assert!(
            err.contains("[discover]") && err.contains("unknown variant `revenue`"),
            "{err}"
        );
        let err = Config::parse("[clv]\nhorizon = 12").unwrap_err();
        assert!(
            err.contains("[clv]") && err.contains("unknown field `horizon`"),
            "{err}"
        );
        let err = Config::parse("[accounts]\nindustri = \"Sector\"").unwrap_err();
        assert!(err.contains("unknown key `industri`"), "{err}");
        let err = Config::parse("[accounts]\ndelimiter = \";;\"").unwrap_err();
        assert!(err.contains("one character"), "{err}");
        let err = Config::parse("[accounts]\nnumber_format = \"fr\"").unwrap_err();
        assert!(err.contains("number_format"), "{err}");
        let err = Config::parse("[accounts]\npreset = \"pipedrive\"").unwrap_err();
        assert!(err.contains("unknown preset"), "{err}");
    }

    #[test]
    fn presets_map_every_table_they_name_and_keys_override_them() {
        for (name, text) in PRESETS {
            let root: toml::Table = toml::from_str(text).expect("preset parses");
            for table in root.keys() {
                let config =
                    Config::parse(&format!("[{table}]\npreset = \"{name}\"")).expect("preset applies");
                assert!(!config.table(table).columns.is_empty(), "{name}/{table}");
            }
        }
        let config =
            Config::parse("[accounts]\npreset = \"hubspot\"\nindustry = \"Sector\"").expect("parses");
        assert_eq!(config.table("accounts").columns["industry"], "Sector");
        assert_eq!(config.table("accounts").columns["account_id"], "Record ID");
    }
}
