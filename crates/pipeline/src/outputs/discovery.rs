//! The discovery tables: lift.csv, segments.csv, cohorts.csv and anti_icp.csv. Every figure is
//! computed by discover; these only write it.

use std::io::{self, Write};

use northstar_discover::{Condition, Subgroup};
use northstar_ingest::values::format_days;
use northstar_output::numbers::{money, optional, p_value, ratio};

use crate::Build;
use crate::outputs::tables::{csv_writer, record};

/// The columns of `lift.csv`.
const LIFT_COLUMNS: &[&str] = &[
    "attribute",
    "op",
    "values",
    "min",
    "max",
    "accounts",
    "top_accounts",
    "top_rate",
    "lift",
    "ci_low",
    "ci_high",
    "mean_objective",
];

/// Writes `lift.csv`: one row per attribute value, numeric range or list element.
pub fn write_lift(out: &mut dyn Write, build: &Build) -> io::Result<()> {
    let mut w = csv_writer(out, LIFT_COLUMNS)?;
    for l in &build.discovery.lifts {
        let (op, values, min, max) = condition_cells(&l.condition);
        record(
            &mut w,
            [
                l.attribute.clone(),
                op.to_owned(),
                values,
                min,
                max,
                l.support.to_string(),
                l.top.to_string(),
                ratio(l.top_rate),
                ratio(l.lift),
                ratio(l.ci[0]),
                ratio(l.ci[1]),
                money(l.mean_objective),
            ],
        )?;
    }
    w.flush()
}

/// A condition as the cells `op`, `values` (`;`-joined), `min` and `max` (empty when open).
fn condition_cells(condition: &Condition) -> (&'static str, String, String, String) {
    let bound = |x: &f64| {
        if x.is_finite() {
            x.to_string()
        } else {
            String::new()
        }
    };
    let none = String::new;
    match condition {
        Condition::In { values } => ("in", values.join(";"), none(), none()),
        Condition::NotIn { values } => ("not_in", values.join(";"), none(), none()),
        Condition::Contains { values } => ("contains", values.join(";"), none(), none()),
        Condition::Eq { value } => ("eq", value.clone(), none(), none()),
        Condition::Between { min, max } => ("between", none(), bound(min), bound(max)),
    }
}

/// The columns of `segments.csv`.
const SEGMENT_COLUMNS: &[&str] = &[
    "rank",
    "segment",
    "conditions",
    "accounts",
    "share_of_accounts",
    "objective_share",
    "mean_objective",
    "mean_profit",
    "mean_ltv_predicted",
    "mean_cac",
    "churn_rate",
    "win_rate",
    "median_sales_cycle_days",
    "quality",
    "p_value",
    "referral_share",
    "nps",
    "retention",
    "repeat_purchase_rate",
    "pmf",
];

/// Writes `segments.csv`: each significant subgroup with its accounts' economics and PMF gate.
pub fn write_segments(out: &mut dyn Write, build: &Build) -> io::Result<()> {
    let mut w = csv_writer(out, SEGMENT_COLUMNS)?;
    let found = &build.discovery;
    for (rank, (s, f)) in found.subgroups.iter().zip(&found.segments).enumerate() {
        record(
            &mut w,
            [
                (rank + 1).to_string(),
                s.describe(),
                conditions_json(s)?,
                s.members.len().to_string(),
                ratio(f.share_of_accounts),
                ratio(s.objective_share),
                money(s.mean_objective),
                money(f.mean_profit),
                optional(f.mean_ltv_predicted, money),
                optional(f.mean_cac, money),
                ratio(f.churn_rate),
                optional(f.deals.win_rate, ratio),
                optional(f.deals.median_sales_cycle_days, ratio),
                ratio(s.quality),
                p_value(s.p_value),
                ratio(f.pmf.referral_share),
                optional(f.pmf.nps, ratio),
                ratio(f.pmf.retention),
                ratio(f.pmf.repeat_purchase_rate),
                f.pmf.fit.to_string(),
            ],
        )?;
    }
    w.flush()
}

/// The columns of `cohorts.csv`.
const COHORT_COLUMNS: &[&str] = &[
    "cohort",
    "accounts",
    "share_of_accounts",
    "first_acquired",
    "last_acquired",
    "mean_objective",
    "objective_share",
    "mean_ltv_predicted",
    "churn_rate",
    "more_common_than_overall",
];

/// Writes `cohorts.csv`: each adopter cohort's size, dates, profitability and what it has more of.
pub fn write_cohorts(out: &mut dyn Write, build: &Build) -> io::Result<()> {
    let mut w = csv_writer(out, COHORT_COLUMNS)?;
    let date = |d: Option<i64>| {
        d.and_then(|d| i32::try_from(d).ok())
            .map(format_days)
            .unwrap_or_default()
    };
    for c in &build.discovery.cohort_figures {
        let more: Vec<String> = c
            .more_common
            .iter()
            .map(|d| {
                format!(
                    "{} {} ({:.0}% vs {:.0}%)",
                    d.attribute,
                    d.condition.describe(),
                    d.cohort_share * 100.0,
                    d.overall_share * 100.0
                )
            })
            .collect();
        record(
            &mut w,
            [
                c.cohort.name().to_owned(),
                c.accounts.to_string(),
                ratio(c.share_of_accounts),
                date(c.first_acquired),
                date(c.last_acquired),
                money(c.mean_objective),
                ratio(c.objective_share),
                optional(c.mean_ltv_predicted, money),
                ratio(c.churn_rate),
                more.join("; "),
            ],
        )?;
    }
    w.flush()
}

/// The columns of `anti_icp.csv`.
const ANTI_COLUMNS: &[&str] = &[
    "rank",
    "segment",
    "conditions",
    "accounts",
    "share_of_accounts",
    "profit",
    "revenue",
    "cac",
    "churn_rate",
    "p_value",
    "profit_without",
    "revenue_per_account_without",
    "revenue_per_account_with",
    "cac_per_account_without",
    "cac_per_account_with",
    "win_rate_without",
    "win_rate_with",
    "median_sales_cycle_days_without",
    "median_sales_cycle_days_with",
];

/// Writes `anti_icp.csv`: the segments that concentrate losses, each with what the whole base's
/// profit, revenue per account, CAC per account, win rate and sales cycle would have been
/// without it.
pub fn write_anti_icp(out: &mut dyn Write, build: &Build) -> io::Result<()> {
    let mut w = csv_writer(out, ANTI_COLUMNS)?;
    let found = &build.discovery;
    let all = build.economics.accounts.len().max(1) as f64;
    for (rank, (s, c)) in found.anti.iter().zip(&found.counterfactuals).enumerate() {
        record(
            &mut w,
            [
                (rank + 1).to_string(),
                s.describe(),
                conditions_json(s)?,
                s.members.len().to_string(),
                ratio(s.members.len() as f64 / all),
                money(c.profit),
                money(c.revenue),
                optional(c.cac, money),
                ratio(c.churn_rate),
                p_value(s.p_value),
                money(c.profit_without),
                money(c.revenue_per_account_without),
                money(c.revenue_per_account_with),
                optional(c.cac_per_account_without, money),
                optional(c.cac_per_account_with, money),
                optional(c.deals_without.win_rate, ratio),
                optional(c.deals_with.win_rate, ratio),
                optional(c.deals_without.median_sales_cycle_days, ratio),
                optional(c.deals_with.median_sales_cycle_days, ratio),
            ],
        )?;
    }
    w.flush()
}

/// A subgroup's conditions as JSON: `[{"attribute": .., "condition": {"op": .., ..}}, ..]`.
fn conditions_json(s: &Subgroup) -> io::Result<String> {
    let conditions: Vec<serde_json::Value> = s
        .conditions
        .iter()
        .map(|(attribute, c)| serde_json::json!({"attribute": attribute, "condition": c}))
        .collect();
    serde_json::to_string(&conditions).map_err(io::Error::other)
}
