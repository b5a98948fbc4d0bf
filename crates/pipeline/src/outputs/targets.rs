//! What acts on the ICP: prospects_scored.csv, target_list.csv and target_list.xlsx, and
//! market.csv. Every figure is computed by the score stage; these only write it.

use std::io::{self, Write};
use std::path::Path;

use rayon::prelude::*;

use northstar_output::numbers::{money, quantity, ratio};
use northstar_profile::Icp;
use northstar_score::market::{Level, MarketSize};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use crate::outputs::tables::{csv_writer, format_blocks, record, write_blocks, write_table};
use crate::targets::{Prospect, Targets};

/// The score columns of `prospects_scored.csv`, before the prospect's attributes.
pub const PROSPECT_COLUMNS: &[&str] = &[
    "account_id",
    "in_sam",
    "fit_score",
    "tier",
    "intent_score",
    "reasons",
    "to_tier_1",
    "nearest_customer",
    "nearest_customer_name",
    "nearest_case_study_url",
    "timing",
    "intent_reasons",
    "source",
];

/// The score cells of one prospect, in the order of [`PROSPECT_COLUMNS`].
pub fn prospect_cells(p: &Prospect, icp: &Icp) -> Vec<String> {
    let a = &p.scored.assessment;
    let nearest = p.nearest.as_ref().map(|(l, _)| l);
    vec![
        p.account_id.clone(),
        a.in_sam.to_string(),
        a.score.to_string(),
        a.tier.map(|t| t.to_string()).unwrap_or_default(),
        p.intent.as_ref().map(|i| i.score.to_string()).unwrap_or_default(),
        a.explain(icp.base_score),
        p.scored.to_tier_1.to_string(),
        nearest.map(|l| l.account_id.clone()).unwrap_or_default(),
        nearest.and_then(|l| l.name.clone()).unwrap_or_default(),
        nearest.and_then(|l| l.case_study_url.clone()).unwrap_or_default(),
        p.intent
            .as_ref()
            .map(|_| p.timing.to_string())
            .unwrap_or_default(),
        p.intent.as_ref().map(|i| i.explain()).unwrap_or_default(),
        p.source.to_owned(),
    ]
}

/// The header of `prospects_scored.csv`, and of `northstar score`'s full rows: the score
/// columns, then the prospects' attribute `columns`.
pub fn prospect_header(columns: &[String]) -> Vec<&str> {
    let mut header = PROSPECT_COLUMNS.to_vec();
    header.extend(columns.iter().map(String::as_str));
    header
}

/// Writes the rows of `prospects`, as `prospects_scored.csv` and `northstar score` have them:
/// the scores, then the attributes; formatted in parallel blocks.
pub fn write_prospect_rows(out: &mut dyn Write, prospects: &[Prospect], icp: &Icp) -> io::Result<()> {
    write_blocks(out, prospects.len(), |rows, w| {
        write_prospects(w, &prospects[rows], icp)
    })
}

/// The text of the rows of `prospects`, as [`write_prospect_rows`] writes them, in blocks
/// formatted in parallel.
pub(crate) fn prospect_rows(prospects: &[Prospect], icp: &Icp) -> io::Result<Vec<Vec<u8>>> {
    format_blocks(0..prospects.len(), |rows, w| {
        write_prospects(w, &prospects[rows], icp)
    })
}

/// Writes the row of each of `prospects` to `w`.
fn write_prospects(w: &mut csv::Writer<Vec<u8>>, prospects: &[Prospect], icp: &Icp) -> csv::Result<()> {
    prospects
        .iter()
        .try_for_each(|p| w.write_record(prospect_cells(p, icp).into_iter().chain(p.value_cells())))
}

/// The columns of the target list.
pub const TARGET_COLUMNS: &[&str] = &[
    "company",
    "record_id",
    "domain",
    "industry",
    "business_model",
    "country",
    "employees",
    "tier",
    "fit_score",
    "intent_score",
    "timing",
    "top_reasons",
    "to_tier_1",
    "nearest_customer",
    "case_study_url",
    "approach_title",
    "approach_department",
];

/// Which columns of the target list are numbers.
const NUMERIC_TARGET_COLUMNS: &[&str] = &["employees", "tier", "fit_score", "intent_score"];

/// The target list's cells of one prospect, in the order of [`TARGET_COLUMNS`].
fn target_cells(p: &Prospect, targets: &Targets, icp: &Icp) -> Vec<String> {
    let value = |name: &str| p.value(&targets.columns, name).unwrap_or_default().to_owned();
    let a = &p.scored.assessment;
    let mut reasons = a.reasons.clone();
    reasons.sort_by_key(|r| std::cmp::Reverse(r.points));
    let top: Vec<String> = reasons.iter().take(3).map(ToString::to_string).collect();
    let nearest = p.nearest.as_ref().map(|(l, _)| l);
    let decider = icp.personas.iter().find(|r| r.role == "decider");
    vec![
        p.value(&targets.columns, "name")
            .unwrap_or(&p.account_id)
            .to_owned(),
        p.account_id.clone(),
        value("domain"),
        value("industry"),
        value("business_model"),
        value("country"),
        value("employees"),
        a.tier.map(|t| t.to_string()).unwrap_or_default(),
        a.score.to_string(),
        p.intent.as_ref().map(|i| i.score.to_string()).unwrap_or_default(),
        p.intent
            .as_ref()
            .map(|_| p.timing.to_string())
            .unwrap_or_default(),
        top.join("; "),
        p.scored.to_tier_1.to_string(),
        nearest
            .map(|l| l.name.clone().unwrap_or_else(|| l.account_id.clone()))
            .unwrap_or_default(),
        nearest.and_then(|l| l.case_study_url.clone()).unwrap_or_default(),
        decider.and_then(|d| d.title.clone()).unwrap_or_default(),
        decider.and_then(|d| d.department.clone()).unwrap_or_default(),
    ]
}

/// Writes `target_list.csv`.
pub fn write_target_csv(out: &mut dyn Write, targets: &Targets, icp: &Icp) -> io::Result<()> {
    let rows = &targets.target_list;
    write_table(out, TARGET_COLUMNS, rows.len(), |i| {
        target_cells(&rows[i], targets, icp)
    })
}

/// Rows of a sheet below its header.
const SHEET_ROWS: usize = 1_048_575;

/// Writes `target_list.xlsx`: the same rows as the CSV, numbers as numbers, the header frozen
/// with filters on, columns sized; a sheet holds 1,048,575 rows and the list goes on in the
/// next. Its creation time is the as-of date (`as_of`, ISO), so the same input gives the same
/// bytes. Rows go through a file in `scratch` as they are written, so the sheet is never held
/// whole.
pub fn write_target_xlsx(
    out: &mut dyn Write,
    targets: &Targets,
    icp: &Icp,
    as_of: &str,
    scratch: &Path,
) -> io::Result<()> {
    let bytes = target_workbook(targets, icp, as_of, scratch).map_err(io::Error::other)?;
    out.write_all(&bytes)
}

fn target_workbook(targets: &Targets, icp: &Icp, as_of: &str, scratch: &Path) -> Result<Vec<u8>, XlsxError> {
    let list = &targets.target_list;
    let mut book = Workbook::new();
    book.set_tempdir(scratch)?;
    let created = ExcelDateTime::parse_from_str(as_of).or_else(|_| ExcelDateTime::from_ymd(2000, 1, 1))?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    let numeric: Vec<bool> = TARGET_COLUMNS
        .iter()
        .map(|c| NUMERIC_TARGET_COLUMNS.contains(c))
        .collect();
    let sheets: Vec<&[Prospect]> = if list.is_empty() {
        vec![&[]]
    } else {
        list.chunks(SHEET_ROWS).collect()
    };
    for (k, rows) in sheets.into_iter().enumerate() {
        // A sheet's column widths come before its rows: its cells are made once to measure
        // them, on every core, and again as each row is written.
        let widest = rows
            .par_iter()
            .map(|p| {
                target_cells(p, targets, icp)
                    .iter()
                    .map(|c| c.chars().count())
                    .collect()
            })
            .reduce(
                || vec![0; TARGET_COLUMNS.len()],
                |a: Vec<usize>, b| a.iter().zip(&b).map(|(a, b)| *a.max(b)).collect(),
            );
        let sheet = book.add_worksheet_with_low_memory();
        sheet.set_name(if k == 0 {
            "Targets".to_owned()
        } else {
            format!("Targets {}", k + 1)
        })?;
        for (c, name) in TARGET_COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *name, &bold)?;
            let widest = widest[c].max(name.len());
            sheet.set_column_width(c as u16, (widest.clamp(8, 60) + 2) as f64)?;
        }
        for (r, p) in rows.iter().enumerate() {
            let at = r as u32 + 1;
            let row = target_cells(p, targets, icp);
            for (c, cell) in row.iter().enumerate().filter(|(_, cell)| !cell.is_empty()) {
                match (numeric[c], cell.parse::<f64>()) {
                    (true, Ok(x)) => sheet.write_number(at, c as u16, x)?,
                    _ => sheet.write_string(at, c as u16, cell)?,
                };
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, rows.len() as u32, TARGET_COLUMNS.len() as u16 - 1)?;
    }
    book.save_to_buffer()
}

/// The columns of `market.csv`.
const MARKET_COLUMNS: &[&str] = &[
    "level",
    "rule",
    "accounts",
    "customers",
    "value_per_year",
    "removed_accounts",
    "removed_customers",
    "removed_value_per_year",
    "note",
];

/// Writes `market.csv`: TAM, one funnel row per filter and excluded anti-ICP segment, SAM and
/// SOM.
pub fn write_market(out: &mut dyn Write, market: &MarketSize) -> io::Result<()> {
    let mut w = csv_writer(out, MARKET_COLUMNS)?;
    let level = |name: &str, rule: &str, l: &Level, removed: Option<&Level>, note: String| {
        vec![
            name.to_owned(),
            rule.to_owned(),
            l.accounts.to_string(),
            l.customers.to_string(),
            money(l.value),
            removed.map(|r| r.accounts.to_string()).unwrap_or_default(),
            removed.map(|r| r.customers.to_string()).unwrap_or_default(),
            removed.map(|r| money(r.value)).unwrap_or_default(),
            note,
        ]
    };
    record(
        &mut w,
        level(
            "TAM",
            "every listed account",
            &market.tam,
            None,
            market.basis.to_owned(),
        ),
    )?;
    for step in &market.funnel {
        record(
            &mut w,
            level(
                "filter",
                &step.rule,
                &step.left,
                Some(&step.removed),
                String::new(),
            ),
        )?;
    }
    record(
        &mut w,
        level("SAM", "after every filter", &market.sam, None, String::new()),
    )?;
    let som = match &market.som {
        Some(s) => {
            let capacity = s.capacity.map_or_else(
                || "no capacity set".to_owned(),
                |c| format!("capacity {}", quantity(c)),
            );
            vec![
                "SOM".to_owned(),
                "the SAM's prospects won in a year".to_owned(),
                ratio(s.accounts),
                String::new(),
                money(s.value),
                String::new(),
                String::new(),
                String::new(),
                format!(
                    "bound by {}: win rate {}, {capacity}",
                    s.bound_by,
                    ratio(s.win_rate)
                ),
            ]
        }
        None => {
            let why = market.som_not_measured.clone().unwrap_or_default();
            let mut cells = vec!["SOM".to_owned(), "not measured".to_owned()];
            cells.extend(std::iter::repeat_n(String::new(), 6));
            cells.push(why);
            cells
        }
    };
    record(&mut w, som)?;
    w.flush()
}
