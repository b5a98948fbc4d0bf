//! `northstar.toml`: how a data folder's files map onto the canonical tables.
//!
//! Each section is a table of the contract. A key that names a canonical column maps it: to a
//! column of the file (by its header, or the first of a list of headers found), or to an SQL
//! expression over the file's columns when the value is not a column of the file. Keys
//! `<value>_values` (and `won`, `lost`, `open` for deal stages) list the CRM labels read as one
//! canonical value. The other keys (`file`, `preset`, `where`, `date_format`, `number_format`,
//! `delimiter`, `sheet`, `ignore`, `ids`, `several_accounts`, `is_won`, `is_closed`) say how to
//! read the file. Example, for a raw order-line export:
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

use crate::contract::{self, Kind, TableSpec};
use crate::error::IngestError;
use crate::values::NumberFormat;

/// The name of the configuration file looked for in a data folder.
pub const FILE_NAME: &str = "northstar.toml";

/// Where one canonical column is read from.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSource {
    /// Headers to look for, in order; a single value that is no header is an SQL expression.
    pub names: Vec<String>,
    /// Whether a preset gave it: then a header missing from the file is skipped and noted.
    pub from_preset: bool,
}

/// How a file writes record ids.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum IdFormat {
    /// As written.
    #[default]
    Plain,
    /// Salesforce ids: the 15-character form is turned into the 18-character one.
    Salesforce,
}

/// How one table is read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableConfig {
    /// The file, relative to the data folder.
    pub file: Option<String>,
    /// Canonical column → where it is read from.
    pub columns: BTreeMap<String, ColumnSource>,
    /// Canonical column → canonical value → the file's labels read as that value.
    pub labels: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Deals: the columns of a closed flag and a won flag, which decide the stage where present.
    pub flags: BTreeMap<String, ColumnSource>,
    /// SQL condition a row must meet to be read; rows it excludes are counted, not rejected.
    pub filter: Option<String>,
    /// `strftime` format of the table's dates, when not ISO 8601.
    pub date_format: Option<String>,
    /// How numbers and money are written.
    pub number_format: NumberFormat,
    /// Field delimiter of a text file.
    pub delimiter: Option<u8>,
    /// Character encoding of a text file, when it is not UTF-8 (a UTF-16 file is known by its
    /// byte-order mark without it).
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Worksheet of a workbook.
    pub sheet: Option<String>,
    /// Columns of the file that are not custom attributes (owners, phone numbers, audit dates).
    pub ignore: Vec<String>,
    /// How record ids are written.
    pub ids: IdFormat,
    /// Whether an `account_id` may list several `;`-separated ids, of which the first counts.
    pub first_of_several_accounts: bool,
    /// The preset this mapping started from, if any.
    pub preset: Option<String>,
}

impl TableConfig {
    /// The headers the file must hold: those of the required columns, each a list of
    /// alternatives (used to find the header row below a title).
    pub fn required_headers(&self, spec: &TableSpec) -> Vec<Vec<String>> {
        spec.columns
            .iter()
            .filter(|c| c.required)
            .map(|c| match self.columns.get(c.name) {
                Some(source) => source.names.clone(),
                None => vec![c.name.to_owned()],
            })
            .collect()
    }
}

/// The tables' mappings: one entry per configured table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Where the configuration was read from, if it was.
    pub path: Option<PathBuf>,
    /// Per-table settings.
    pub tables: BTreeMap<String, TableConfig>,
    /// How many rows are read and staged together (not a setting of the file).
    pub chunking: Chunking,
    /// The percent of a table's rows that may be rejected, past which reading stops (not a
    /// setting of the file); `None` reads every row.
    pub max_rejects: Option<f64>,
}

/// How many rows ingest handles together. The outputs never depend on it; tests vary it to
/// show that they do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunking {
    /// Rows read, mapped and validated together (and rows per batch of a Parquet or delimited
    /// file).
    pub chunk_rows: usize,
    /// Rows per staged batch.
    pub batch_rows: usize,
}

impl Default for Chunking {
    fn default() -> Self {
        Self {
            chunk_rows: 8192,
            batch_rows: 65_536,
        }
    }
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
    "encoding",
    "sheet",
    "ignore",
    "ids",
    "several_accounts",
    "is_won",
    "is_closed",
    "<value>_values",
];

impl Config {
    /// The table sections of a configuration document read from `path` (for messages), each
    /// mapped onto its contract table. `settings` names the other sections a document may hold.
    pub fn from_sections(
        path: Option<&Path>,
        sections: toml::Table,
        settings: &[&str],
    ) -> Result<Self, IngestError> {
        let problem = |reason: String| IngestError::Config {
            path: path.map_or_else(|| PathBuf::from(FILE_NAME), Path::to_owned),
            reason,
        };
        let mut tables = BTreeMap::new();
        for (name, value) in sections {
            let spec = contract::table(&name).ok_or_else(|| {
                let known: Vec<&str> = contract::TABLES.iter().map(|t| t.name).collect();
                let settings: Vec<String> = settings.iter().map(|s| format!("[{s}]")).collect();
                problem(format!(
                    "unknown section `[{name}]`; the tables are {}, and the settings {}",
                    known.join(", "),
                    settings.join(", ")
                ))
            })?;
            let section = value
                .as_table()
                .ok_or_else(|| problem(format!("`{name}` must be a section `[{name}]`")))?;
            tables.insert(name.clone(), table_config(spec, section).map_err(problem)?);
        }
        Ok(Self {
            path: path.map(Path::to_owned),
            tables,
            ..Self::default()
        })
    }

    /// Parses a document of table sections only.
    pub fn parse(text: &str) -> Result<Self, IngestError> {
        let root: toml::Table = toml::from_str(text).map_err(|e| IngestError::Config {
            path: PathBuf::from(FILE_NAME),
            reason: e.to_string(),
        })?;
        Self::from_sections(None, root, &[])
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
    apply_keys(spec, section, &mut config, false)?;
    Ok(config)
}

/// Sets the keys of `section` on `config`; `from_preset` marks the columns a preset gives.
fn apply_keys(
    spec: &TableSpec,
    section: &toml::Table,
    config: &mut TableConfig,
    from_preset: bool,
) -> Result<(), String> {
    for (key, value) in section {
        let text = || {
            value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("`{}.{key}` must be a string", spec.name))
        };
        let names = || {
            strings(value)
                .ok_or_else(|| format!("`{}.{key}` must be a string or a list of strings", spec.name))
        };
        match key.as_str() {
            "preset" => {}
            "file" => config.file = Some(text()?),
            "where" => config.filter = Some(text()?),
            "date_format" => config.date_format = Some(text()?),
            "sheet" => config.sheet = Some(text()?),
            "ignore" => config.ignore = names()?,
            "ids" => {
                config.ids = match text()?.as_str() {
                    "plain" => IdFormat::Plain,
                    "salesforce" => IdFormat::Salesforce,
                    _ => return Err(format!("`{}.ids` must be \"plain\" or \"salesforce\"", spec.name)),
                };
            }
            "several_accounts" => {
                config.first_of_several_accounts = match text()?.as_str() {
                    "first" => true,
                    "reject" => false,
                    _ => {
                        return Err(format!(
                            "`{}.several_accounts` must be \"first\" or \"reject\"",
                            spec.name
                        ));
                    }
                };
            }
            "is_won" | "is_closed" if spec.name == "deals" => {
                let source = ColumnSource {
                    names: names()?,
                    from_preset,
                };
                config.flags.insert(key.clone(), source);
            }
            "number_format" => {
                config.number_format = value.clone().try_into().map_err(|_| {
                    format!(
                        "`{}.number_format` must be \"plain\", \"us\" or \"eu\"",
                        spec.name
                    )
                })?;
            }
            "encoding" => {
                config.encoding = encoding(&text()?).map_err(|e| format!("`{}.encoding`: {e}", spec.name))?
            }
            "delimiter" => {
                let d = text()?;
                let d = if d == "\\t" { "\t".to_owned() } else { d };
                match d.as_bytes() {
                    [b'"' | b'\n' | b'\r'] => {
                        return Err(format!(
                            "`{}.delimiter` cannot be a quote or a line end: fields are quoted with `\"` and rows end at line ends",
                            spec.name
                        ));
                    }
                    [byte] => config.delimiter = Some(*byte),
                    _ => return Err(format!("`{}.delimiter` must be one character", spec.name)),
                }
            }
            column if spec.column(column).is_some() => {
                let source = ColumnSource {
                    names: names()?,
                    from_preset,
                };
                config.columns.insert(column.to_owned(), source);
            }
            other => match labelled_value(spec, other) {
                Some((column, word)) => {
                    let labels = names()?;
                    config
                        .labels
                        .entry(column.to_owned())
                        .or_default()
                        .insert(word.to_owned(), labels);
                }
                None => {
                    let columns: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
                    return Err(format!(
                        "unknown key `{other}` in `[{}]`; expected a column ({}) or one of {}",
                        spec.name,
                        columns.join(", "),
                        OPTION_KEYS.join(", ")
                    ));
                }
            },
        }
    }
    Ok(())
}

/// The encoding an `encoding` setting names (a WHATWG label such as `latin1`, `windows-1252`,
/// `utf-16le` or `shift_jis`; `latin-1` too); `None` for UTF-8, the default.
fn encoding(label: &str) -> Result<Option<&'static encoding_rs::Encoding>, String> {
    let found = encoding_rs::Encoding::for_label(label.trim().as_bytes())
        .or_else(|| encoding_rs::Encoding::for_label(label.trim().replace('-', "").as_bytes()))
        .ok_or_else(|| {
            format!("unknown encoding `{label}`; for example \"latin-1\", \"windows-1252\" or \"utf-16\"")
        })?;
    Ok((found != encoding_rs::UTF_8).then_some(found))
}

/// A string, or a list of strings, as a list.
fn strings(value: &toml::Value) -> Option<Vec<String>> {
    match value {
        toml::Value::String(s) => Some(vec![s.clone()]),
        toml::Value::Array(items) => items.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => None,
    }
}

/// The column and canonical value a label key names: `<value>_values` for any column of fixed
/// values (`customer_values` for `status`), and `won`, `lost`, `open` for a deal's stage.
fn labelled_value(spec: &TableSpec, key: &str) -> Option<(&'static str, &'static str)> {
    let (word, only) = match key.strip_suffix("_values") {
        Some(word) => (word, None),
        None if spec.name == "deals" => (key, Some("stage")),
        None => return None,
    };
    let columns = spec.columns.iter().filter(|c| only.is_none_or(|o| o == c.name));
    columns.into_iter().find_map(|c| match c.kind {
        Kind::OneOf(words) => words
            .iter()
            .find(|w| w.eq_ignore_ascii_case(word))
            .map(|w| (c.name, *w)),
        _ => None,
    })
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
    let mut config = TableConfig::default();
    apply_keys(spec, section, &mut config, true)?;
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
        assert_eq!(t.columns["amount"].names, ["Quantity * UnitPrice"]);
        assert_eq!(
            t.filter.as_deref(),
            Some("CustomerID IS NOT NULL AND InvoiceNo NOT LIKE 'C%'")
        );
        assert_eq!(config.table("accounts"), TableConfig::default());
    }

    #[test]
    fn mistakes_are_named() {
        let message = |text: &str| Config::parse(text).unwrap_err().to_string();
        let err = message("[acounts]\nfile = \"a.csv\"");
        assert!(err.contains("unknown section `[acounts]`"), "{err}");
        let err = message("[accounts]\nindustri = \"Sector\"");
        assert!(err.contains("unknown key `industri`"), "{err}");
        let err = message("[accounts]\ndelimiter = \";;\"");
        assert!(err.contains("one character"), "{err}");
        let err = message("[accounts]\ndelimiter = '\"'");
        assert!(err.contains("cannot be a quote"), "{err}");
        let err = message("[accounts]\nnumber_format = \"fr\"");
        assert!(err.contains("number_format"), "{err}");
        let err = message("[accounts]\npreset = \"pipedrive\"");
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
        let accounts = config.table("accounts");
        assert_eq!(accounts.columns["industry"].names, ["Sector"]);
        assert!(!accounts.columns["industry"].from_preset);
        assert_eq!(accounts.columns["account_id"].names[0], "Record ID");
        assert!(accounts.columns["account_id"].from_preset);
    }
}
