//! The CSV output tables: their columns and how each value is written.

use std::io::{self, Write};

use northstar_discover::Adopters;
use northstar_economics::{AccountEconomics, CostLine, PurchaseForecast};
use northstar_ingest::Reject;
use northstar_profile::Drafted;

/// The columns of `accounts.csv` (SPEC §4), then payback_months and orders.
pub const ACCOUNT_COLUMNS: &[&str] = &[
    "account_id",
    "revenue",
    "direct_cost",
    "gross_margin",
    "cost_to_serve",
    "cac",
    "profit",
    "profit_rank",
    "cumulative_profit_share",
    "tenure_months",
    "repeat_purchase_rate",
    "churned",
    "ltv_historical",
    "ltv_predicted",
    "p_alive",
    "cohort",
    "segment",
    "in_sam",
    "fit_score",
    "tier",
    "payback_months",
    "orders",
    "reasons",
];

fn csv_error(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// A number as written in outputs: shortest round-trip form, empty when absent.
fn number(x: Option<f64>) -> String {
    match x {
        Some(0.0) => "0".to_owned(), // also -0.0
        Some(x) => format!("{x}"),
        None => String::new(),
    }
}

/// A share rounded to 10 decimals, so that sums computed in another order write the same bytes.
fn share(x: f64) -> String {
    number(Some((x * 1e10).round() / 1e10))
}

/// Writes `accounts.csv`, with each account's adopter cohort, best segment (its rank in
/// `segments.csv`) and what the ICP says of it: in the SAM, fit score, tier and the reasons.
pub fn write_accounts(
    out: &mut dyn Write,
    accounts: &[AccountEconomics],
    cohorts: &[Option<Adopters>],
    segments: &[Option<u64>],
    profile: &Drafted,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ACCOUNT_COLUMNS).map_err(csv_error)?;
    let rows = accounts.iter().zip(cohorts).zip(segments).zip(&profile.customers);
    for (((a, cohort), segment), assessed) in rows {
        let row = [
            a.account_id.clone(),
            number(Some(a.revenue)),
            number(Some(a.direct_cost)),
            number(Some(a.gross_margin)),
            number(Some(a.cost_to_serve)),
            number(Some(a.cac)),
            number(Some(a.profit)),
            a.profit_rank.to_string(),
            share(a.cumulative_profit_share),
            number(a.tenure_months),
            a.repeat_purchase_rate.map(share).unwrap_or_default(),
            a.churned.to_string(),
            number(Some(a.ltv_historical)),
            number(a.ltv_predicted),
            a.p_alive.map(share).unwrap_or_default(),
            cohort.map(|c| c.name().to_owned()).unwrap_or_default(),
            segment.map(|s| s.to_string()).unwrap_or_default(),
            assessed.in_sam.to_string(),
            assessed.score.to_string(),
            assessed.tier.map(|t| t.to_string()).unwrap_or_default(),
            number(a.payback_months),
            a.orders.to_string(),
            assessed.explain(profile.icp.base_score),
        ];
        w.write_record(&row).map_err(csv_error)?;
    }
    w.flush()
}

/// Writes `whale_curve.csv`: the cumulative profit by account rank.
pub fn write_whale_curve(out: &mut dyn Write, accounts: &[AccountEconomics]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "profit_rank",
        "account_id",
        "profit",
        "account_share",
        "cumulative_profit_share",
    ])
    .map_err(csv_error)?;
    let n = accounts.len() as f64;
    for a in accounts {
        let row = [
            a.profit_rank.to_string(),
            a.account_id.clone(),
            number(Some(a.profit)),
            share(a.profit_rank as f64 / n),
            share(a.cumulative_profit_share),
        ];
        w.write_record(&row).map_err(csv_error)?;
    }
    w.flush()
}

/// Writes `cost_to_serve.csv`: cost to serve per account and activity.
pub fn write_cost_lines(out: &mut dyn Write, lines: &[CostLine]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["account_id", "activity", "quantity", "rate", "cost"])
        .map_err(csv_error)?;
    for l in lines {
        let rate = (l.rate * 1e6).round() / 1e6;
        let cost = (l.cost * 1e4).round() / 1e4;
        w.write_record([
            l.account_id.clone(),
            l.activity.clone(),
            number(Some(l.quantity)),
            number(Some(rate)),
            number(Some(cost)),
        ])
        .map_err(csv_error)?;
    }
    w.flush()
}

/// Writes `rejects.csv`: one line per problem of every rejected row.
pub fn write_rejects(out: &mut dyn Write, rejects: &[Reject]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["table", "file", "line", "column", "value", "reason"])
        .map_err(csv_error)?;
    for r in rejects {
        w.write_record([
            &r.table,
            &r.file,
            &r.line.to_string(),
            &r.column,
            &r.value,
            &r.reason,
        ])
        .map_err(csv_error)?;
    }
    w.flush()
}

/// The columns of the `clv --out` file.
const CLV_COLUMNS: &[&str] = &[
    "account_id",
    "frequency",
    "recency",
    "age",
    "mean_spend",
    "holdout_purchases",
    "p_alive",
    "expected_purchases",
    "expected_spend",
    "clv",
];

/// Writes each account's repeat-purchase summary and predictions.
pub fn write_clv_predictions(out: &mut dyn Write, result: &PurchaseForecast) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CLV_COLUMNS).map_err(csv_error)?;
    for (h, p) in result.summary.histories.iter().zip(&result.predictions) {
        let row = [
            h.account_id.clone(),
            h.customer.frequency.to_string(),
            number(Some(h.customer.recency)),
            number(Some(h.customer.age)),
            number(Some(h.mean_spend)),
            h.holdout_purchases.to_string(),
            number(Some(p.p_alive)),
            number(Some(p.expected_purchases)),
            number(p.expected_spend),
            number(p.value),
        ];
        w.write_record(&row).map_err(csv_error)?;
    }
    w.flush()
}
