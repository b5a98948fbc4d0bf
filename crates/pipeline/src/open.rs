//! Reading what a build wrote: a build folder checked against its manifest (its ICP and what the
//! service needs beside it), an ICP file, and a list of accounts to score.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use northstar_output::Manifest;
use northstar_profile::Icp;
use northstar_score::{IntentSettings, PersonaliseSettings};
use serde::{Deserialize, Serialize};

use crate::{PipelineError, Result};

/// A finished build folder, checked against its manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    /// The folder.
    pub dir: PathBuf,
    /// Its files, each checked.
    pub manifest: Manifest,
    /// Its ICP.
    pub icp: Icp,
    /// What the service needs beside the ICP.
    pub service: Service,
}

/// `service.json`: the settings a service of the build needs beside its ICP, copied from the
/// build's northstar.toml so that the folder alone can be served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// The build's as-of date (YYYY-MM-DD), to which signals decay unless a request says.
    pub as_of: Option<String>,
    /// How intent is measured.
    pub intent: IntentSettings,
    /// The page variants.
    pub personalise: PersonaliseSettings,
}

/// Opens the build folder `dir`: every file its manifest lists is checked, and its ICP and
/// service settings read.
pub fn open(dir: &Path) -> Result<Opened> {
    let manifest = northstar_output::check(dir)?;
    let icp = read_icp(&dir.join("icp.json"))?;
    let file = dir.join("service.json");
    let problem = |reason: String| PipelineError::Icp {
        path: file.clone(),
        reason,
    };
    let text = fs_err::read_to_string(&file)
        .map_err(|e| problem(format!("{e}; build the folder again with this northstar")))?;
    let service = serde_json::from_str(&text).map_err(|e| problem(e.to_string()))?;
    Ok(Opened {
        dir: dir.to_owned(),
        manifest,
        icp,
        service,
    })
}

/// The ICP at `path`: an `icp.json`, or a build folder (checked) holding one.
pub fn icp_at(path: &Path) -> Result<Icp> {
    if path.is_dir() {
        Ok(open(path)?.icp)
    } else {
        read_icp(path)
    }
}

fn read_icp(file: &Path) -> Result<Icp> {
    let problem = |reason: String| PipelineError::Icp {
        path: file.to_owned(),
        reason,
    };
    let text = fs_err::read_to_string(file).map_err(|e| problem(e.to_string()))?;
    Icp::from_json(&text).map_err(|e| problem(e.to_string()))
}

/// An account of a list: its id and its non-empty values by column.
pub type ListedAccount = (String, BTreeMap<String, String>);

/// Each account of the CSV file at `path` (an `account_id` column and attribute columns).
pub fn account_list(path: &Path) -> Result<Vec<ListedAccount>> {
    let problem = |line: u64, reason: String| PipelineError::AccountList {
        path: path.to_owned(),
        line,
        reason,
    };
    let file = fs_err::File::open(path).map_err(|e| problem(0, e.to_string()))?;
    let mut reader = csv::Reader::from_reader(file);
    let header = reader.headers().map_err(|e| problem(1, e.to_string()))?.clone();
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let Some(id_column) = names.iter().position(|n| n == "account_id") else {
        return Err(problem(1, "no `account_id` column".to_owned()));
    };
    let mut accounts = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| problem(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let id = record.get(id_column).unwrap_or_default().trim();
        if id.is_empty() {
            return Err(problem(
                line,
                format!("column {} (account_id) is empty", id_column + 1),
            ));
        }
        let values = names
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(n, v)| (n.clone(), v.trim().to_owned()))
            .collect();
        accounts.push((id.to_owned(), values));
    }
    Ok(accounts)
}
