//! `northstar diff`: how two versions of the ICP differ, and whether to redefine it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use northstar_output::figures::group;
use northstar_profile::{Account, Diff, Icp};

use crate::Failure;
use crate::cli::DiffArgs;

/// Tier changes listed on the terminal; `--json` lists them all.
const SHOWN_TIER_CHANGES: usize = 20;

/// Compares the two ICPs of `args`, scoring the account list when one is given.
pub fn run(args: &DiffArgs) -> Result<(), Failure> {
    let old = read_icp(&args.old)?;
    let new = read_icp(&args.new)?;
    let accounts = match &args.accounts {
        Some(path) => read_accounts(path)?,
        None => Vec::new(),
    };
    let listed: Vec<(String, &dyn Account)> = accounts
        .iter()
        .map(|(id, values)| (id.clone(), values as &dyn Account))
        .collect();
    let diff = northstar_profile::diff(&old, &new, &listed);
    let text = if args.json {
        serde_json::to_string_pretty(&diff).map_err(|e| Failure::Internal(e.into()))? + "\n"
    } else {
        describe(&diff)
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| Failure::user(format!("cannot write to stdout: {e}")))
}

/// The ICP at `path`: an icp.json, or a folder holding one.
fn read_icp(path: &Path) -> Result<Icp, Failure> {
    let file: PathBuf = if path.is_dir() {
        path.join("icp.json")
    } else {
        path.to_owned()
    };
    let text = fs_err::read_to_string(&file).map_err(|e| Failure::user(e.to_string()))?;
    Icp::from_json(&text).map_err(|e| Failure::user(format!("`{}` is not an ICP file: {e}", file.display())))
}

/// An account of a list: its id and its non-empty values by column.
type Listed = (String, BTreeMap<String, String>);

/// Each account of the CSV at `path`.
fn read_accounts(path: &Path) -> Result<Vec<Listed>, Failure> {
    let file = fs_err::File::open(path).map_err(|e| Failure::user(e.to_string()))?;
    let mut reader = csv::Reader::from_reader(file);
    let problem = |line: u64, what: String| Failure::user(format!("{}:{line}: {what}", path.display()));
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
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            problem(line, e.to_string())
        })?;
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

/// The comparison for a person.
fn describe(diff: &Diff) -> String {
    let mut text = format!("ICP {} → {}\n", diff.old_version, diff.new_version);
    if diff.changes.is_empty() {
        text.push_str("rules: unchanged\n");
    } else {
        text.push_str("rules:\n");
        for c in &diff.changes {
            let sign = match c.change {
                "added" => "+",
                "removed" => "-",
                _ => "~",
            };
            let detail = match (&c.before, &c.after) {
                (Some(b), Some(a)) if c.change == "changed" => format!(": {b} → {a}"),
                (_, Some(a)) => format!(" ({a})"),
                (Some(b), None) => format!(" (was {b})"),
                (None, None) => String::new(),
            };
            text.push_str(&format!("  {sign} {} {}{detail}\n", c.kind, c.rule));
        }
    }
    if !diff.drift.is_empty() {
        text.push_str("population drift (PSI, old customers → new):\n");
        for d in &diff.drift {
            text.push_str(&format!("  {:<24} {:.3}  {}\n", d.attribute, d.psi, d.level));
        }
    }
    if diff.accounts_compared > 0 {
        text.push_str(&format!(
            "accounts: {} compared, {} change tier\n",
            group(diff.accounts_compared),
            group(diff.tier_changes.len() as u64)
        ));
        let tier = |t: Option<u8>| t.map_or_else(|| "outside the SAM".to_owned(), |t| format!("tier {t}"));
        for c in diff.tier_changes.iter().take(SHOWN_TIER_CHANGES) {
            text.push_str(&format!(
                "  {}: {} → {} (score {} → {}): {}\n",
                c.account_id,
                tier(c.before),
                tier(c.after),
                c.score_before,
                c.score_after,
                c.why
            ));
        }
        if diff.tier_changes.len() > SHOWN_TIER_CHANGES {
            text.push_str(&format!(
                "  … {} more (--json lists them all)\n",
                diff.tier_changes.len() - SHOWN_TIER_CHANGES
            ));
        }
    }
    text.push_str(&format!("recommendation: {}\n", diff.recommendation));
    text
}
